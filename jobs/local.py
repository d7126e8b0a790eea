"""Run a command-job spec on this machine: the spec's own command, inputs and outputs mapped to local folders.

MLflow logs to a file store inside the output folder, so nothing leaves the machine.
"""

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs import specs
from jobs.errors import InputError, JobEndedError, SpecError
from jobs.metrics import METRICS_FILE, Requirement, gate, read_metrics

_BINDING = re.compile(r"\$\{\{\s*(inputs|outputs)\.(\w+)\s*\}\}")
_OPTIONAL = re.compile(r"\$\[\[(.*?)\]\]", re.DOTALL)


@dataclass(frozen=True)
class LocalRun:
    output_dir: Path
    outputs: dict[str, Path]
    metrics: dict[str, float]


def run_local(spec: Path, output_dir: Path, *, inputs: dict[str, str] | None = None,
              metrics_output: str = "metrics", requirements: Sequence[Requirement] = ()) -> LocalRun:
    spec = Path(spec)
    job = specs.command_job(specs.load(spec, specs.Overrides(inputs=inputs or {})))
    outputs = _local_outputs(output_dir, job.outputs)
    command = render(job.command, {"inputs": _local_inputs(spec, job.inputs), "outputs": outputs})
    code_dir = (spec.parent / job.code).resolve() if job.code else spec.parent.resolve()
    completed = subprocess.run(command, shell=True, cwd=code_dir, env=_environment(job, output_dir),
                               stdout=sys.stderr.fileno())  # the script's chatter is log, not the result
    if completed.returncode != 0:
        raise JobEndedError(f"local run of {spec} failed with exit code {completed.returncode} "
                            f"(outputs in {output_dir})")
    metrics = gate(requirements, outputs, metrics_output,
                   lambda name: read_metrics(outputs[name] / METRICS_FILE), owner=f"spec {spec}")
    return LocalRun(output_dir, outputs, metrics)


def render(command: str, bindings: dict[str, dict[str, str | Path]]) -> str:
    """Substitute ${{inputs.x}} / ${{outputs.y}}; keep a $[[...]] block only when all it names is bound."""

    def value(match: re.Match) -> str:
        kind, name = match.groups()
        if name not in bindings[kind]:
            raise SpecError(f"command refers to {kind}.{name}, which the spec does not define")
        return shlex.quote(str(bindings[kind][name]))

    def optional(match: re.Match) -> str:
        bound = all(name in bindings[kind] for kind, name in _BINDING.findall(match[1]))
        return match[1] if bound else ""

    return _BINDING.sub(value, _OPTIONAL.sub(optional, command))


def _local_inputs(spec: Path, inputs: dict) -> dict[str, str]:
    values = {}
    for name, value in inputs.items():
        if value is None:
            continue
        if not hasattr(value, "path"):
            values[name] = str(value)
        elif specs.is_remote(value.path):
            raise SpecError(f"input '{name}' is {value.path}: run-local needs a local copy, pass --input {name}=PATH")
        else:  # relative paths in a spec are relative to the spec's folder, as Azure ML reads them
            values[name] = str((spec.parent / value.path).resolve())
    return values


def _local_outputs(output_dir: Path, outputs: dict) -> dict[str, Path]:
    """One empty folder per output, as Azure ML gives every job: a run never writes over another's."""
    folders = {name: (output_dir / name).resolve() for name in outputs}
    for folder in folders.values():
        if folder.is_dir() and any(folder.iterdir()):
            raise InputError(f"output folder {folder} is not empty: pass another --output-dir")
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def _environment(job, output_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        **(job.environment_variables or {}),
        "MLFLOW_TRACKING_URI": (output_dir / "mlruns").resolve().as_uri(),
        # MLflow 3 refuses its file store unless told this is deliberate; a local run wants no server.
        "MLFLOW_ALLOW_FILE_STORE": "true",
        "MLFLOW_EXPERIMENT_NAME": job.experiment_name or "run-local",
        # The spec says `python ...`: make that this interpreter's environment, which has the pins.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
