"""Run one command the way Azure ML runs a command job, on this machine.

What Azure ML does, and what is done here instead:
- the command runs with bash in a fresh copy of the code folder, where `./outputs` and `./logs` exist:
  here a temporary folder, removed afterwards;
- what the job leaves in `./outputs` and `./logs` becomes the job's artifacts
  (`azureml://jobs/<job>/outputs/artifacts/paths/outputs/...`): here RUN_DIR/artifacts/outputs and
  RUN_DIR/artifacts/logs, with the command's output in RUN_DIR/artifacts/user_logs/std_log.txt;
- MLFLOW_TRACKING_URI and MLFLOW_RUN_ID point the script at the job's run: here a run in a local store;
- each input and output is also in AZURE_ML_INPUT_<name> / AZURE_ML_OUTPUT_<name>.

Values never become shell code through substitution: each ${{inputs.x}} / ${{outputs.y}} turns into a
reference to its AZURE_ML_* variable, quoted so that bash expands it as one word without parsing the
value. That holds where the placeholder stands in a context the scanner models: a plain word, "...",
'...', $'...', and those inside $(...), (...) and case ... esac (`#` comments and the bodies of
here-documents are skipped, not substituted). A placeholder anywhere else (inside $((...)), ((...)),
$[...], [[ ... ]], [...], ${...}, backticks or a here-document) is refused, since bash would evaluate
or re-read the value there. The command text itself is the spec author's: what it does with a value
(eval, bash -c, let, declare -i) is its own.

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
# How a variable is referenced where the placeholder stands: a plain word (also inside $(...), (...) and
# case ... esac), inside "...", inside '...', inside $'...'.
_REFERENCE = {None: '"${%s}"', "$(": '"${%s}"', "(": '"${%s}"', "case": '"${%s}"', '"': "${%s}",
              "'": "'\"${%s}\"'", "$'": "'\"${%s}\"$'"}
# Where bash would evaluate a value as an arithmetic expression (array subscripts in it run commands) or
# where text is not plain shell words: a placeholder there is refused.
_REFUSED = {"$((": "$((...)) arithmetic", "((": "((...)) arithmetic", "$[": "$[...] arithmetic",
            "[[": "[[ ... ]]", "[": "[...] (an array subscript or a pattern)", "${": "${...}",
            "`": "`...` backticks", "<<": "a here-document"}
_OPENERS = ("$((", "$(", "$[", "${", "$'", "((", "(", '"', "'", "`")  # longest first
_CLOSERS = {"$((": "))", "((": "))", "$(": ")", "(": ")", "$[": "]", "[": "]", "[[": "]]", "${": "}", '"': '"',
            "'": "'", "$'": "'", "`": "`", "case": "esac"}
_UNQUOTED = (None, "$(", "(", "case")  # where words, comments and here-documents start
_WORD_END = set(" \t\n;&|()<>")
_CASE = re.compile(r"case\s+\S+\s+in(?=\s|;|$)")
_ESAC = re.compile(r"esac(?=\s|;|\)|$)")
_TEST = re.compile(r"\[\[(?=\s|$)")
_HEREDOC = re.compile(r"<<-?[ \t]*((?:[^\s;&|()<>\\'\"]|\\.|'[^']*'|\"[^\"]*\")+)")
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
    those variables' values; a $[[...]] block stays only when all it names is bound.

    A placeholder is substituted only where the scanner knows how bash reads it: a plain word, "...",
    '...', $'...', and those inside $(...), (...) and case ... esac. Anywhere else (see _REFUSED) it is
    a SpecError.
    """

    def optional(match: re.Match) -> str:
        bound = all(name in bindings[kind] for kind, name in _BINDING.findall(match[1]))
        return match[1] if bound else ""

    command = _OPTIONAL.sub(optional, command)
    text, variables, index = [], {}, 0
    contexts: list[str | None] = [None]  # the innermost last: None (top level) or a key of _CLOSERS
    heredocs: list[tuple[str, bool]] = []  # here-documents whose body starts after the next newline
    while index < len(command):
        context = contexts[-1]
        if placeholder := _BINDING.match(command, index):
            kind, name = placeholder.groups()
            if name not in bindings[kind]:
                raise SpecError(f"command refers to {kind}.{name}, which the spec does not define")
            if refused := next((_REFUSED[c] for c in reversed(contexts) if c in _REFUSED), None):
                raise SpecError(f"command puts ${{{{{kind}.{name}}}}} inside {refused}: run-local substitutes a "
                                "placeholder only in a plain word, \"...\", '...' or $(...)")
            variable = f"AZURE_ML_{kind[:-1].upper()}_{name}"
            variables[variable] = str(bindings[kind][name])
            text.append(_REFERENCE[context] % variable)
            index = placeholder.end()
            continue
        width = _token(command, index, contexts, heredocs)
        if command[index] == "\n" and heredocs and context in _UNQUOTED:
            width = _heredoc_bodies(command, index + 1, heredocs) - index
        text.append(command[index:index + width])
        index += width
    return "".join(text), variables


def _token(command: str, index: int, contexts: list, heredocs: list) -> int:
    """Update the context stack for the text at `index`; returns how many characters it spans."""
    context, char = contexts[-1], command[index]
    closer = _CLOSERS.get(context)
    if context in ("'", "$'"):  # only $'...' knows backslash escapes
        if char == "\\" and context == "$'":
            return 2
        if char == "'":
            contexts.pop()
        return 1
    if char == "\\":  # the escaped character changes no context
        return 2
    if context == "`":
        if char == "`":
            contexts.pop()
        return 1
    word_start = index == 0 or command[index - 1] in _WORD_END
    if closer and closer != "esac" and command.startswith(closer, index):
        contexts.pop()
        return len(closer)
    if context in _UNQUOTED:
        if char == "#" and word_start:  # a comment, to the end of the line
            end = command.find("\n", index)
            return (len(command) if end < 0 else end) - index
        if command.startswith("<<<", index):  # a here-string: a plain word follows
            return 3
        if command.startswith("<<", index):
            if (match := _HEREDOC.match(command, index)) and not _BINDING.search(word := match[1]):
                heredocs.append((re.sub(r"\\(.)|['\"]", r"\1", word), command.startswith("<<-", index)))
                return match.end() - index
            contexts.append("<<")  # a here-document this scanner cannot delimit: refuse what follows
            return 2
        if word_start and _CASE.match(command, index):
            contexts.append("case")
            return len("case")
        if context == "case" and _ESAC.match(command, index) and re.search(r"(;;|;&|\n|\sin)\s*$", command[:index]):
            contexts.pop()
            return len("esac")
        if word_start and _TEST.match(command, index):
            contexts.append("[[")
            return 2
        if char == "[" and not (word_start and command[index + 1:index + 2] in (" ", "\t", "\n")):
            contexts.append("[")  # `[ ` is the test command; any other [ opens a subscript or a pattern
            return 1
    if context == '"':
        opener = next((o for o in _OPENERS if o.startswith(("$", "`", '"')) and command.startswith(o, index)), None)
        if opener == '"':
            return 1  # the closing quote was handled above
        if opener == "$'":  # no ANSI-C quoting inside "..."
            opener = None
    else:
        opener = next((o for o in _OPENERS if command.startswith(o, index)), None)
    if opener:
        contexts.append(opener)
        return len(opener)
    return 1


def _heredoc_bodies(command: str, start: int, heredocs: list) -> int:
    """Skip the bodies of the pending here-documents (they start at `start`); refuse a placeholder in them."""
    index = start
    while heredocs:
        delimiter, strip_tabs = heredocs.pop(0)
        while index < len(command):
            end = command.find("\n", index)
            end = len(command) if end < 0 else end
            line = command[index:end]
            index = end + 1
            if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                break
            if placeholder := _BINDING.search(line):
                raise SpecError(f"command puts {placeholder[0]} inside a here-document: run-local substitutes a "
                                "placeholder only in a plain word, \"...\", '...' or $(...)")
    return min(index, len(command))


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


def run(step: Step, run_dir: Path, tracking: Mapping[str, str], python: Path | None, log,
        exclude: Path | None = None) -> int:
    """Run the step in a fresh copy of its code (never EXCLUDE, the folder of run-local's outputs, when it
    lies in the code folder); keep ./outputs, ./logs and the command's output under RUN_DIR/artifacts.
    Returns the command's exit code."""
    command, variables = render_step(step)
    with tempfile.TemporaryDirectory(prefix=f"run-local-{step.name}-") as scratch:
        workdir = _snapshot(step.code, Path(scratch, "code"), exclude)
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


def _snapshot(code: Path | None, workdir: Path, exclude: Path | None) -> Path:
    """A fresh copy of the code as Azure ML uploads it, with empty ./outputs and ./logs: azure-ai-ml's own
    file list (.amlignore, else .gitignore, at the code folder's root; __pycache__ left out; symlinks
    followed, their targets' content copied), without EXCLUDE (run-local's output folder)."""
    try:
        if code is not None and code.is_dir():
            from jobs.uploads import uploaded_files

            workdir.mkdir()
            for source, relative in uploaded_files(code, code=True):
                if exclude is not None and (_inside(Path(source), exclude) or _inside(code / relative, exclude)):
                    continue
                (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, workdir / relative)
        else:
            workdir.mkdir()
            if code is not None:
                shutil.copy2(code, workdir)
    except OSError as exc:  # shutil.Error too
        raise InputError(f"cannot copy the code folder {code}: {exc}") from None
    for kept in ("outputs", "logs"):
        (workdir / kept).mkdir(exist_ok=True)
    return workdir


def _inside(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(folder)
