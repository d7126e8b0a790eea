"""Where a job's model is: a named output, a path inside it, the job's default artifacts, a pipeline
step's output or a sweep's best trial, resolved to the `azureml://jobs/...` URI a model is registered
from; and what type of model it is.

Azure ML keeps what a command leaves in `./outputs` as the job's default artifacts, registered from
`azureml://jobs/<job>/outputs/artifacts/paths/<path>`; a named output from
`azureml://jobs/<job>/outputs/<output>/paths/<path>`. A pipeline step and a sweep trial are jobs of
their own (children of the pipeline or sweep), with names of their own.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from azure.ai.ml.constants import AssetTypes
from azure.ai.ml.constants._common import DEFAULT_ARTIFACT_STORE_OUTPUT_NAME, JOB_URI_FORMAT
from azure.ai.ml.entities import PipelineJob
from azure.ai.ml.entities._job.sweep.sweep_job import SweepJob
from azure.ai.ml.operations._run_history_constants import JobStatus

from jobs.errors import RegistrationError

ARTIFACTS = "artifacts"  # the output name of a job's default artifacts in an azureml://jobs/ URI
MLMODEL = "MLmodel"
MODEL_TYPES = (AssetTypes.MLFLOW_MODEL, AssetTypes.CUSTOM_MODEL, AssetTypes.TRITON_MODEL)
BEST_CHILD = "best_child_run_id"  # the sweep property azure-ai-ml's own download follows
_PARENT_OUTPUT = re.compile(r"^\$\{\{\s*parent\.outputs\.([\w-]+)\s*\}\}$")


class ArtifactFiles(Protocol):
    """Whether a file exists in a job's output (`artifacts`: its default artifacts)."""

    def exists(self, job_name: str, output: str, path: str) -> bool: ...


@dataclass(frozen=True)
class SourceRequest:
    """What `register` was asked to register from (every field optional)."""

    model_output: str | None = None
    path: str | None = None
    artifact_path: str | None = None
    step: str | None = None
    model_type: str | None = None


@dataclass(frozen=True)
class Source:
    """The model's folder: `output` of job `holder`; `run` is the MLflow run whose metrics gate it."""

    holder: str
    output: str
    path: str
    output_type: str | None
    run: str
    via: str | None = None  # "step train", "best trial of sweep ... by METRIC": how `holder` was found
    outputs: tuple[str, ...] = ()  # every output of `holder`

    @property
    def uri(self) -> str:
        return JOB_URI_FORMAT.format(self.holder, self.output, self.path)


def resolve(jobs, job, request: SourceRequest, read_metrics: Callable[[str], dict[str, float]]) -> Source:
    """The source `request` names in `job` (a Completed job of any type)."""
    check(request)
    if request.step:
        if not isinstance(job, PipelineJob):
            raise RegistrationError(f"--step applies to pipeline jobs; job {job.name} is a {job.type} job")
        if request.step not in job.jobs:
            raise RegistrationError(f"pipeline {job.name} has no step '{request.step}' (steps: {', '.join(job.jobs)})")
        child = step_job(jobs, job, request.step)
        return _pick(child, outputs_of(job.jobs[request.step]), request, run=child, via=f"step {request.step}")
    if isinstance(job, SweepJob):
        trial, how = best_trial(jobs, job, read_metrics)
        return _pick(trial, outputs_of(job), request, run=trial, via=how)
    outputs = outputs_of(job)
    source = _pick(job.name, outputs, request, run=job.name)
    if isinstance(job, PipelineJob) and source.output in outputs:
        # A pipeline logs no metrics of its own: the step that writes the output does.
        step = producing_step(job, source.output)
        child = _step_job_or_none(jobs, job, step) if step else None
        if child:
            return replace(source, run=child, via=f"metrics of step {step}")
    return source


def check(request: SourceRequest) -> None:
    """What can be checked of `request` without the job: its options combine, its paths are relative."""
    if request.artifact_path is not None and (request.model_output or request.path is not None):
        raise RegistrationError("--artifact-path names a folder of the job's default artifacts: "
                                "it does not combine with --model-output or --path")
    if request.artifact_path is not None:
        _folder_path(request.artifact_path, "--artifact-path")
    if request.path is not None:
        _folder_path(request.path, "--path")


def model_type(source: Source, request: SourceRequest, files: ArtifactFiles) -> str:
    """--type if given; mlflow_model for an output so typed or a folder holding MLmodel; else (a file, a
    folder without MLmodel) custom_model."""
    if request.model_type:
        return request.model_type
    if source.output_type in (AssetTypes.MLFLOW_MODEL, AssetTypes.TRITON_MODEL):
        return source.output_type
    if source.path and not source.path.endswith("/"):  # a file: an MLflow model is a folder
        return AssetTypes.CUSTOM_MODEL
    mlmodel = f"{source.path}{MLMODEL}"
    try:
        found = files.exists(source.holder, source.output, mlmodel)
    except RegistrationError:
        raise
    except Exception as exc:  # any service error: the type can still be given
        raise RegistrationError(f"cannot tell whether {source.uri} holds an {MLMODEL} ({exc.__class__.__name__}): "
                                "pass --type mlflow_model or --type custom_model") from None
    return AssetTypes.MLFLOW_MODEL if found else AssetTypes.CUSTOM_MODEL


def outputs_of(job) -> dict[str, str | None]:
    """Output name -> declared type, for any job type (fine-tuning jobs hold plain dicts)."""
    try:
        outputs = job.outputs or {}
    except AttributeError:
        return {}
    return {name: _type_of(value) for name, value in outputs.items()}


def step_job(jobs, pipeline, step: str) -> str:
    """The name of the child job that ran `step` of the pipeline job `pipeline`.

    Run history names no step: a step's child job carries the node's display_name when the spec gives
    one, else the step name; a step running a component with a display_name of its own may carry that.
    (Its `azureml.nodeid` property is a graph id, not the step name.) Exactly one child must match.
    """
    node = pipeline.jobs[step]
    names = {step, getattr(node, "display_name", None), getattr(getattr(node, "component", None), "display_name", None)}
    names.discard(None)
    children = [child for child in jobs.list(parent_job_name=pipeline.name) if child is not None]
    matches = [child.name for child in children if child.display_name in names]
    if len(matches) != 1:
        found = ", ".join(sorted(f"{child.name} ({child.display_name})" for child in children)) or "none"
        raise RegistrationError(f"pipeline {pipeline.name}: {'no' if not matches else 'more than one'} child job for "
                                f"step '{step}' named {' or '.join(repr(name) for name in sorted(names))} "
                                f"(child jobs: {found})")
    return matches[0]


def _step_job_or_none(jobs, pipeline, step: str) -> str | None:
    try:
        return step_job(jobs, pipeline, step)
    except RegistrationError:
        return None


def producing_step(pipeline, output: str) -> str | None:
    """The step whose output is bound to the pipeline output `output`, if exactly one is."""
    steps = [name for name, node in pipeline.jobs.items()
             for value in (getattr(node, "outputs", None) or {}).values()
             if (match := _PARENT_OUTPUT.match(str(getattr(value, "_data", "")))) and match[1] == output]
    return steps[0] if len(steps) == 1 else None


def best_trial(jobs, sweep, read_metrics: Callable[[str], dict[str, float]]) -> tuple[str, str]:
    """The sweep's best trial: as the service recorded it, else by the objective over completed trials."""
    best = (sweep.properties or {}).get(BEST_CHILD)
    if best:
        return best, f"best trial of sweep {sweep.name}"
    goal = sweep.objective.goal  # text as loaded from a spec; the service's Goal enum on a fetched job
    metric, goal = sweep.objective.primary_metric, str(getattr(goal, "value", goal)).lower()
    scored = []
    for trial in jobs.list(parent_job_name=sweep.name):
        if trial is not None and str(getattr(trial.status, "value", trial.status)) == JobStatus.COMPLETED:
            value = read_metrics(trial.name).get(metric)
            if value is not None:
                scored.append((value, trial.name))
    if not scored:
        raise RegistrationError(f"sweep {sweep.name}: no completed trial logged its objective {metric}")
    pick = max if goal == "maximize" else min
    value, name = pick(scored, key=lambda scored_trial: scored_trial[0])
    return name, f"best trial of sweep {sweep.name} by {metric}={value:g}"


def _pick(holder: str, outputs: dict[str, str | None], request: SourceRequest, *, run: str,
          via: str | None = None) -> Source:
    if request.artifact_path is not None:
        return Source(holder, ARTIFACTS, _folder_path(request.artifact_path, "--artifact-path"), None, run, via,
                      tuple(outputs))
    name = request.model_output or _default_output(holder, outputs)
    if name not in outputs:
        raise RegistrationError(f"job {holder} has no output '{name}' ({_listing(outputs)})")
    path = _folder_path(request.path, "--path") if request.path is not None else ""
    return Source(holder, name, path, outputs[name], run, via, tuple(outputs))


def _default_output(holder: str, outputs: dict[str, str | None]) -> str:
    """`model` if there is one, else the only output typed as a model."""
    if "model" in outputs:
        return "model"
    models = [name for name, kind in outputs.items() if kind in MODEL_TYPES and name != DEFAULT_ARTIFACT_STORE_OUTPUT_NAME]
    if len(models) == 1:
        return models[0]
    raise RegistrationError(
        f"job {holder}: {'more than one' if models else 'no'} model output to pick ({_listing(outputs)}): pass "
        "--model-output NAME, or --artifact-path PATH for a folder the job saved under ./outputs (e.g. outputs/model)"
    )


def _folder_path(path: str, option: str) -> str:
    """A relative path inside an output, a folder's with a trailing slash: a folder is what the user ends
    with `/`, else a last part without a dot (`outputs/model`; `outputs/iris.model/` is a folder too)."""
    text = path.replace("\\", "/")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise RegistrationError(f"{option} {path!r}: expected a relative path inside the job's outputs, without '..'")
    joined = "/".join(parts)
    return joined + "/" if text.endswith("/") or "." not in parts[-1] else joined


def _listing(outputs: dict[str, str | None]) -> str:
    return "outputs: " + (", ".join(f"{name} ({kind or 'untyped'})" for name, kind in outputs.items()) or "none")


def _type_of(output) -> str | None:
    kind = output.get("type") if isinstance(output, dict) else getattr(output, "type", None)
    return str(kind) if kind else None


class DatastoreFiles:
    """ArtifactFiles over the workspace's datastores: a job output's folder, checked without downloading it.

    Uses azure-ai-ml's own resolution of a job output to its datastore path (private API, hence the
    pinned azure-ai-ml), then asks the storage whether the file exists.
    """

    def __init__(self, jobs):
        self.jobs = jobs

    def exists(self, job_name: str, output: str, path: str) -> bool:
        from azure.ai.ml._artifacts._artifact_utilities import aml_datastore_path_exists

        name = DEFAULT_ARTIFACT_STORE_OUTPUT_NAME if output == ARTIFACTS else output
        uri = self.jobs._get_named_output_uri(job_name, name).get(name)
        if not uri:
            raise RegistrationError(f"job {job_name}: the service reports no location for output '{output}'")
        return aml_datastore_path_exists(f"{uri.rstrip('/')}/{path}", self.jobs._datastore_operations)
