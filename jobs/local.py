"""Run a job spec on this machine as Azure ML runs it: a command job, or a pipeline's command steps in
dependency order (each one run like a command job, see jobs.sandbox). Other job types are refused.

OUTPUT_DIR mirrors where Azure ML keeps a job's outputs (azureml://jobs/<job>/outputs/<name>/paths/...):
    <output>/                         a named output of the command job (of the pipeline, for a pipeline)
    artifacts/outputs/, artifacts/logs/
                                      what the job left in ./outputs and ./logs: its default artifacts,
                                      azureml://jobs/<job>/outputs/artifacts/paths/outputs/...
    artifacts/user_logs/std_log.txt   what the command printed
    jobs/<step>/                      a pipeline step, laid out like a command job (outputs the pipeline
                                      does not bind, its artifacts)
    mlruns/                           the local MLflow store: the job's run (a pipeline's run, with a
                                      child run per step)
"""

import graphlib
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from jobs import sandbox, specs
from jobs.errors import InputError, JobEndedError, SpecError
from jobs.metrics import METRICS_FILE, Requirement, enforce, read_metrics
from jobs.sandbox import ARTIFACTS, Step
from jobs.tracking import MlflowMetrics

STEPS_DIR = "jobs"
MLFLOW_DIR = "mlruns"
RESERVED = {ARTIFACTS, STEPS_DIR, MLFLOW_DIR}
# A name becomes one folder: letters, digits, _ - . and never a leading dot (no "..", no separators).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_PARENT_INPUT = re.compile(r"\$\{\{\s*parent\.inputs\.(\w+)\s*\}\}")
_PARENT_OUTPUT = re.compile(r"\$\{\{\s*parent\.outputs\.(\w+)\s*\}\}")
_STEP_OUTPUT = re.compile(r"\$\{\{\s*parent\.jobs\.(\w+)\.outputs\.(\w+)\s*\}\}")


@dataclass(frozen=True)
class LocalRun:
    output_dir: Path
    outputs: dict[str, Path]
    artifacts: dict[str, Path]  # the job's (a pipeline's: each step's) ./outputs, ./logs and std_log.txt
    metrics: dict[str, float]
    mlflow_run: str


@dataclass(frozen=True)
class _Plan:
    experiment: str
    steps: list[tuple[Step, Path]]  # each step with the folder that keeps its artifacts
    outputs: dict[str, Path]
    pipeline: bool


def run_local(spec: Path, output_dir: Path, *, inputs: Mapping[str, str] | None = None,
              metrics_output: str = "metrics", requirements: Sequence[Requirement] = (),
              python: Path | None = None, announce: Callable[[str], None] = lambda message: None) -> LocalRun:
    """Check everything, then create OUTPUT_DIR, announce it, run, and gate on the run's MLflow metrics
    (for a command job whose spec has `metrics_output`, metrics.json adds the names MLflow lacks)."""
    spec, output_dir = Path(spec), Path(output_dir)
    plan = _plan(spec, output_dir.absolute(), dict(inputs or {}))
    python = sandbox.interpreter(python)
    sandbox.bash()
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise InputError(f"output folder {output_dir} is not empty: pass another --output-dir")
    output_dir.mkdir(parents=True, exist_ok=True)
    announce(f"run-local {spec}: outputs in {output_dir}")
    tracking = _Tracking(output_dir.absolute() / MLFLOW_DIR, plan.experiment)
    job_run = tracking.start(spec.stem)
    running = [job_run]  # runs not yet ended: FAILED whatever stops the run midway
    metrics = {}
    try:
        for step, run_dir in plan.steps:
            run_id = job_run
            if plan.pipeline:
                run_id = tracking.start(step.name, parent=job_run)
                running.append(run_id)
            for folder in step.outputs.values():
                folder.mkdir(parents=True, exist_ok=True)
            code = sandbox.run(step, run_dir, tracking.variables(run_id), python, sys.stderr,
                               exclude=output_dir.resolve())
            if code != 0:
                where = f"step {step.name} of {spec}" if plan.pipeline else str(spec)
                hint = (" (command not found: the job runs with your PATH, without this tool's virtualenv; "
                        "--python PATH chooses the interpreter)") if code == sandbox.COMMAND_NOT_FOUND else ""
                raise JobEndedError(f"local run of {where} failed with exit code {code}{hint} (outputs in {output_dir})")
            found = tracking.metrics(run_id)
            metrics.update({f"{step.name}.{name}": value for name, value in found.items()} if plan.pipeline else found)
            if plan.pipeline:
                tracking.end(running.pop(), "FINISHED")
        tracking.end(running.pop(), "FINISHED")
    finally:
        for run_id in reversed(running):
            tracking.end(run_id, "FAILED")
    if not plan.pipeline and metrics_output in plan.outputs and (plan.outputs[metrics_output] / METRICS_FILE).is_file():
        metrics = {**read_metrics(plan.outputs[metrics_output] / METRICS_FILE), **metrics}
    enforce(requirements, metrics)
    artifacts = {step.name: run_dir / ARTIFACTS for step, run_dir in plan.steps}
    return LocalRun(output_dir, plan.outputs, artifacts, metrics, job_run)


# -- from a spec to the steps to run ---------------------------------------------------------------


def _plan(spec: Path, output_dir: Path, inputs: dict[str, str]) -> _Plan:
    """Every check run-local makes before anything runs: bindings, folders, and each step's command."""
    plan = _bind(spec, output_dir, inputs)
    for step, _ in plan.steps:
        try:
            sandbox.render_step(step)
        except SpecError as exc:
            raise SpecError(f"{spec}: step '{step.name}': {exc}" if plan.pipeline else f"{spec}: {exc}") from None
    return plan


def _bind(spec: Path, output_dir: Path, inputs: dict[str, str]) -> _Plan:
    raw = specs.read(spec)
    declared = raw.get("inputs") or {}
    literals = {name: value for name, value in inputs.items() if name in declared and not isinstance(declared[name], dict)}
    data = {name: value for name, value in inputs.items() if name not in literals}
    job = specs.load(spec, specs.Overrides(inputs=data))
    # typed as submit types them: `yes` stays text, a declared number takes any number
    literals = {name: str(specs.typed_literal(name, declared[name], value)) for name, value in literals.items()}
    experiment = job.experiment_name or "run-local"
    if job.type == "command":
        job = specs.command_job(job)
        outputs = {name: output_dir / _folder(name, "output") for name in job.outputs}
        bound = {name: literals.get(name, _input(spec.parent, name, value)) for name, value in job.inputs.items()}
        step = Step(spec.stem, job.command, _code(spec.parent, raw.get("code")),
                    _present(bound), outputs, dict(job.environment_variables or {}))
        return _Plan(experiment, [(step, output_dir)], outputs, pipeline=False)
    if job.type == "pipeline":
        return _plan_pipeline(spec, raw, job, output_dir, literals, experiment)
    raise SpecError(f"{spec}: run-local runs command jobs and pipelines of command steps, not a {job.type} job")


def _plan_pipeline(spec: Path, raw: dict, job, output_dir: Path, literals: dict[str, str], experiment: str) -> _Plan:
    parent_inputs = {name: literals.get(name, _input(spec.parent, name, value._data))
                     for name, value in job.inputs.items()}
    parent_outputs = {name: output_dir / _folder(name, "output") for name in job.outputs}
    for name, node in job.jobs.items():
        _folder(name, "step")
        if node.type != "command":
            raise SpecError(f"{spec}: step '{name}' is a {node.type} job: run-local runs a pipeline's command steps only")
        if isinstance(node.component, str):  # azure-ai-ml keeps a registered component as its name:version
            named = ((raw.get("jobs") or {}).get(name) or {}).get("component") or node.component
            raise SpecError(f"{spec}: step '{name}' uses workspace component {named}: "
                            "run-local needs a local component file")
    order = graphlib.TopologicalSorter({name: _upstream(spec, name, node, job.jobs) for name, node in job.jobs.items()})
    try:
        names = list(order.static_order())
    except graphlib.CycleError as exc:
        raise SpecError(f"{spec}: steps depend on each other in a cycle ({' -> '.join(exc.args[1])})") from None
    step_outputs: dict[str, dict[str, Path]] = {}
    steps = []
    for name in names:
        node, run_dir = job.jobs[name], output_dir / STEPS_DIR / name
        component = node.component
        outputs = {output: _step_output(spec, run_dir, output, value._data, parent_outputs)
                   for output, value in node.outputs.items()}
        inputs = {input_name: _step_input(spec, name, input_name, _or_default(value._data, component, input_name),
                                          parent_inputs, step_outputs)
                  for input_name, value in node.inputs.items()}
        step_outputs[name] = outputs
        steps.append((Step(name, component.command, _code(Path(component.base_path), component.code),
                           _present(inputs), outputs, dict(node.environment_variables or {})), run_dir))
    bound = {name: folder for name, folder in parent_outputs.items()
             if any(folder in outputs.values() for outputs in step_outputs.values())}
    return _Plan(experiment, steps, bound, pipeline=True)


def _or_default(value, component, name: str):
    """A step input the pipeline leaves unbound takes the component's default, as on Azure ML."""
    if value is not None:
        return value
    declared = (component.inputs or {}).get(name)
    return getattr(declared, "default", None)


def _upstream(spec: Path, name: str, node, nodes: Mapping) -> set[str]:
    found = set()
    for value in node.inputs.values():
        for upstream, _ in _STEP_OUTPUT.findall(value._data if isinstance(value._data, str) else ""):
            if upstream not in nodes:
                raise SpecError(f"{spec}: step '{name}' reads an output of '{upstream}', which is not a step")
            found.add(upstream)
    return found


def _step_input(spec: Path, step: str, name: str, value, parent_inputs: dict, step_outputs: dict) -> str | None:
    if not isinstance(value, str) or "${{" not in value:
        return _input(spec.parent, name, value)
    if match := _PARENT_INPUT.fullmatch(value.strip()):
        if match[1] not in parent_inputs:
            raise SpecError(f"{spec}: step '{step}' input '{name}' reads parent input '{match[1]}', which is not defined")
        return parent_inputs[match[1]]
    if match := _STEP_OUTPUT.fullmatch(value.strip()):
        upstream, output = match.groups()
        if output not in step_outputs[upstream]:
            raise SpecError(f"{spec}: step '{step}' input '{name}' reads output '{output}' of '{upstream}', which has none")
        return str(step_outputs[upstream][output])
    raise SpecError(f"{spec}: step '{step}' input '{name}' is {value!r}: run-local resolves only "
                    "${{parent.inputs.NAME}} and ${{parent.jobs.STEP.outputs.NAME}}")


def _step_output(spec: Path, run_dir: Path, name: str, value, parent_outputs: dict[str, Path]) -> Path:
    binding = value if isinstance(value, str) else getattr(value, "path", None) or (
        value.get("path") if isinstance(value, dict) else None)
    if not binding:
        return run_dir / _folder(name, "output")
    match = _PARENT_OUTPUT.fullmatch(str(binding).strip())
    if not match or match[1] not in parent_outputs:
        raise SpecError(f"{spec}: output '{name}' is bound to {binding!r}: run-local binds step outputs only to "
                        "${{parent.outputs.NAME}} of a pipeline output")
    return parent_outputs[match[1]]


def _input(base: Path, name: str, value) -> str | None:
    """A literal as text; a data input as a local path (relative to the spec's folder, as Azure ML reads it)
    that is a folder for a uri_folder or mltable input, a file for a uri_file input."""
    if isinstance(value, dict):
        kind, value = value.get("type"), value.get("path")
    elif hasattr(value, "type") and hasattr(value, "path"):
        kind, value = value.type, value.path
    elif value is not None:
        return str(value)
    if value is None:
        return None
    if specs.is_remote(str(value)):
        raise SpecError(f"input '{name}' is {value}: run-local needs a local copy, pass --input {name}=PATH")
    path = (base / value).resolve()
    if not path.exists():
        raise InputError(f"input '{name}': no such file or folder: {path}")
    specs.refuse_wrong_kind(name, kind, path, path)
    return str(path)


def _code(base: Path, code) -> Path | None:
    if code is None:
        return None
    if str(code).startswith("azureml:") or specs.is_remote(str(code)):
        raise SpecError(f"code is {code}: run-local needs local code, a folder next to the spec")
    path = (base / code).resolve()
    if not path.exists():
        raise SpecError(f"code folder {path} does not exist")
    return path


def _folder(name: str, what: str) -> str:
    """A name that is one folder under OUTPUT_DIR: no separators, no "..", none of the layout's own names."""
    if not _NAME.fullmatch(name):
        raise SpecError(f"{what} name {name!r} cannot be a folder name: use letters, digits, _ - and .")
    if name in RESERVED:
        raise SpecError(f"{what} name {name!r} is a folder run-local keeps for itself ({', '.join(sorted(RESERVED))})")
    return name


def _present(values: dict[str, str | None]) -> dict[str, str]:
    """Optional inputs without a value are left out (their $[[...]] blocks drop)."""
    return {name: value for name, value in values.items() if value is not None}


# -- MLflow ----------------------------------------------------------------------------------------


class _Tracking:
    """The local MLflow store: a run per job made before it starts, as Azure ML makes the job's run."""

    def __init__(self, store: Path, experiment: str):
        self.uri = store.as_uri()
        self.experiment = experiment
        self.experiment_id = None

    def start(self, name: str, parent: str | None = None) -> str:
        with self._client() as client:
            if self.experiment_id is None:
                found = client.get_experiment_by_name(self.experiment)
                self.experiment_id = found.experiment_id if found else client.create_experiment(self.experiment)
            tags = {"mlflow.parentRunId": parent} if parent else {}
            return client.create_run(self.experiment_id, run_name=name, tags=tags).info.run_id

    def end(self, run_id: str, status: str) -> None:
        with self._client() as client:
            client.set_terminated(run_id, status)

    def metrics(self, run_id: str) -> dict[str, float]:
        """The latest value of each metric the run logged (autolog names included)."""
        with mock.patch.dict(os.environ, {"MLFLOW_ALLOW_FILE_STORE": "true"}):
            return MlflowMetrics(self.uri).read_metrics(run_id)

    def variables(self, run_id: str) -> dict[str, str]:
        return {"MLFLOW_TRACKING_URI": self.uri, "MLFLOW_EXPERIMENT_ID": self.experiment_id, "MLFLOW_RUN_ID": run_id,
                "AZUREML_RUN_ID": run_id,
                # MLflow 3 refuses its file store unless told this is deliberate; a local run wants no server.
                "MLFLOW_ALLOW_FILE_STORE": "true"}

    @contextmanager
    def _client(self):
        from mlflow.tracking import MlflowClient

        with mock.patch.dict(os.environ, {"MLFLOW_ALLOW_FILE_STORE": "true"}):
            yield MlflowClient(tracking_uri=self.uri)
