"""Run one command the way Azure ML runs a command job, on this machine.

What Azure ML does, and what is done here instead:
- the command runs with bash in a fresh copy of the code folder, where `./outputs` and `./logs` exist:
  here a temporary folder, removed afterwards;
- what the job leaves in `./outputs` and `./logs` becomes the job's artifacts
  (`azureml://jobs/<job>/outputs/artifacts/paths/outputs/...`): here RUN_DIR/artifacts/outputs and
  RUN_DIR/artifacts/logs, with the command's output in RUN_DIR/artifacts/user_logs/std_log.txt;
- MLFLOW_TRACKING_URI and MLFLOW_RUN_ID point the script at the job's run: here a run in a local store;
- each input and output is also in AZURE_ML_INPUT_<name> / AZURE_ML_OUTPUT_<name>.

Values never become shell code: each ${{inputs.x}} / ${{outputs.y}} turns into a reference to its
AZURE_ML_* variable, which bash expands without parsing the value, whatever quotes the spec puts around
the placeholder. The command text itself is the spec author's.

The job gets the user's environment minus this tool's virtualenv (its bin folder leaves PATH,
VIRTUAL_ENV goes), so a `pip install` in a job never changes the tool's pinned packages. `python`
is the one on that PATH, or the interpreter passed as `python` (a `python`, `python3`, `pip` and
`pip3` that run it come first on PATH).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jobs.errors import InputError, SpecError

ARTIFACTS = "artifacts"  # the job's default output, azureml://jobs/<job>/outputs/artifacts
STD_LOG = Path("user_logs", "std_log.txt")
COMMAND_NOT_FOUND = 127

_BINDING = re.compile(r"\$\{\{\s*(inputs|outputs)\.(\w+)\s*\}\}")
_OPTIONAL = re.compile(r"\$\[\[(.*?)\]\]", re.DOTALL)
# How a variable is referenced where the placeholder stands: unquoted, inside "...", inside '...'.
_REFERENCE = {None: '"${%s}"', "(": '"${%s}"', '"': "${%s}", "'": "'\"${%s}\"'"}
_SHIMS = {"python": "", "python3": "", "pip": " -m pip", "pip3": " -m pip"}


@dataclass(frozen=True)
class Step:
    """One command to run: a command job, or a command step of a pipeline with its bindings resolved."""

    name: str
    command: str
    code: Path | None
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)


def render(command: str, bindings: Mapping[str, Mapping[str, object]]) -> tuple[str, dict[str, str]]:
    """The command with each ${{inputs.x}} / ${{outputs.y}} replaced by a reference to a variable, and
    those variables' values; a $[[...]] block stays only when all it names is bound."""

    def optional(match: re.Match) -> str:
        bound = all(name in bindings[kind] for kind, name in _BINDING.findall(match[1]))
        return match[1] if bound else ""

    command = _OPTIONAL.sub(optional, command)
    text, variables, index = [], {}, 0
    quotes = [None]  # the quoting at this point: None, '"', "'", or "(" inside $(...) and (...)
    while index < len(command):
        if placeholder := _BINDING.match(command, index):
            kind, name = placeholder.groups()
            if name not in bindings[kind]:
                raise SpecError(f"command refers to {kind}.{name}, which the spec does not define")
            variable = f"AZURE_ML_{kind[:-1].upper()}_{name}"
            variables[variable] = str(bindings[kind][name])
            text.append(_REFERENCE[quotes[-1]] % variable)
            index = placeholder.end()
            continue
        char, quote, width = command[index], quotes[-1], 1
        if quote == "'":
            if char == "'":
                quotes.pop()
        elif char == "\\":  # the escaped character that follows changes no quoting
            width = 2
        elif command.startswith("$(", index):
            quotes.append("(")
            width = 2
        elif char == '"' and quote == '"' or char == ")" and quote == "(":
            quotes.pop()
        elif char in "'\"(" and quote != '"':
            quotes.append(char)
        text.append(command[index:index + width])
        index += width
    return "".join(text), variables


def render_step(step: Step) -> tuple[str, dict[str, str]]:
    """The step's command as bash runs it, and the variables it references (see render)."""
    return render(step.command, {"inputs": step.inputs, "outputs": step.outputs})


def bash() -> str:
    found = shutil.which("bash") or shutil.which("bash", path=os.defpath)
    if not found:
        raise InputError("run-local needs bash (Azure ML runs commands with bash): none on PATH")
    return found


def interpreter(python: Path | None) -> Path | None:
    """The --python interpreter, checked before anything runs."""
    if python is None:
        return None
    found = shutil.which(str(python))
    if not found:
        raise InputError(f"--python {python}: no such executable")
    return Path(found).absolute()


def run(step: Step, run_dir: Path, tracking: Mapping[str, str], python: Path | None, log) -> int:
    """Run the step in a fresh copy of its code; keep ./outputs, ./logs and the command's output under
    RUN_DIR/artifacts. Returns the command's exit code."""
    command, variables = render_step(step)
    with tempfile.TemporaryDirectory(prefix=f"run-local-{step.name}-") as scratch:
        workdir = _snapshot(step.code, Path(scratch, "code"))
        environment = {**job_environment(Path(scratch, "bin"), python), **step.variables, **tracking, **variables}
        artifacts = run_dir / ARTIFACTS
        (artifacts / STD_LOG).parent.mkdir(parents=True, exist_ok=True)
        with open(artifacts / STD_LOG, "w") as std_log:
            process = subprocess.Popen([bash(), "-c", command], cwd=workdir, env=environment, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
            for line in process.stdout:  # the script's chatter is log, not the result: stderr and std_log
                log.write(line)
                std_log.write(line)
            code = process.wait()
        for kept in ("outputs", "logs"):
            shutil.copytree(workdir / kept, artifacts / kept, symlinks=True, dirs_exist_ok=True)
    return code


def job_environment(shim_dir: Path, python: Path | None) -> dict[str, str]:
    """The user's environment without this tool's virtualenv; `python` is --python when given."""
    tool_bins = {os.path.realpath(folder) for folder in _tool_bins()}
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and os.path.realpath(entry) not in tool_bins]
    if python is not None:
        shim_dir.mkdir()
        for name, arguments in _SHIMS.items():
            shim = shim_dir / name
            shim.write_text(f'#!/bin/sh\nexec {shlex.quote(str(python))}{arguments} "$@"\n')
            shim.chmod(0o755)
        path.insert(0, str(shim_dir))
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("VIRTUAL_ENV", "VIRTUAL_ENV_PROMPT", "PYTHONHOME")}
    return {**environment, "PATH": os.pathsep.join(path)}


def _tool_bins() -> list[Path]:
    """The bin folders of the virtualenv this tool runs in (none when it runs outside one)."""
    folders = [Path(sys.prefix, "bin")] if sys.prefix != sys.base_prefix else []
    if os.environ.get("VIRTUAL_ENV"):
        folders.append(Path(os.environ["VIRTUAL_ENV"], "bin"))
    return folders


def _snapshot(code: Path | None, workdir: Path) -> Path:
    """A fresh copy of the code (symlinks kept as links), with empty ./outputs and ./logs."""
    try:
        if code is not None and code.is_dir():
            shutil.copytree(code, workdir, symlinks=True, ignore=shutil.ignore_patterns(".git", "__pycache__"))
        else:
            workdir.mkdir()
            if code is not None:
                shutil.copy2(code, workdir)
    except OSError as exc:  # shutil.Error too
        raise InputError(f"cannot copy the code folder {code}: {exc}") from None
    for kept in ("outputs", "logs"):
        (workdir / kept).mkdir(exist_ok=True)
    return workdir
