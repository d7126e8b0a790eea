"""Upload data, submit, wait and register: the lifecycle over MLClient's operation groups.

`Lifecycle` only needs the `jobs`, `models` and `data` operation groups (or fakes of them) and takes
its clock and sleep as arguments, so the CLI, a later `promote` command and the tests share it.
"""

import re
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.ai.ml.constants import AssetTypes
from azure.ai.ml.constants._common import JOB_URI_FORMAT, GitProperties
from azure.ai.ml.entities import Data, Model
from azure.ai.ml.operations._run_history_constants import JobStatus, RunHistoryConstants
from azure.core.exceptions import ResourceNotFoundError

from jobs.errors import (
    GateError,
    InputError,
    JobEndedError,
    RegistrationError,
    VersionConflictError,
    WaitTimeoutError,
)
from jobs.metrics import METRICS_FILE, Requirement, gate, read_metrics
from jobs.specs import command_job

# Keep polling on these. NotResponding is here although the SDK counts it terminal: the REST enum
# documents that a run can leave NotResponding for any earlier state. The timeout bounds the wait.
WAITING_STATUSES = frozenset(
    RunHistoryConstants.IN_PROGRESS_STATUSES + RunHistoryConstants.POST_PROCESSING_STATUSES + [JobStatus.NOTRESPONDING]
)
MODEL_TYPES = (AssetTypes.MLFLOW_MODEL, AssetTypes.CUSTOM_MODEL, AssetTypes.TRITON_MODEL)
_DATA_VERSION_ID = re.compile(r"/data/([^/]+)/versions/([^/]+)/?$")

StatusCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Registration:
    model: Any
    created: bool
    metrics: dict[str, float]


def status_of(job) -> str:
    """A job's status as plain text (azure-ai-ml may hand back a str-valued enum)."""
    return str(getattr(job.status, "value", job.status))


class Lifecycle:
    def __init__(self, jobs, models, data, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.jobs, self.models, self.data = jobs, models, data
        self.clock, self.sleep = clock, sleep

    @classmethod
    def from_client(cls, client) -> "Lifecycle":
        return cls(client.jobs, client.models, client.data)

    # -- data ----------------------------------------------------------------------------------

    def upload_data(self, name: str, path: Path, *, version: str | None = None,
                    description: str | None = None, tags: dict[str, str] | None = None):
        """Register a local file or folder as a new data asset version (the next free one by default)."""
        path = Path(path)
        if not path.exists():
            raise InputError(f"no such file or folder: {path}")
        if version:
            self._refuse_existing_version(self.data, "data asset", name, version)
        asset_type = AssetTypes.URI_FOLDER if path.is_dir() else AssetTypes.URI_FILE
        asset = Data(name=name, version=version, path=str(path), type=asset_type, description=description, tags=tags)
        return self.data.create_or_update(asset)

    # -- jobs ----------------------------------------------------------------------------------

    def submit(self, job):
        return self.jobs.create_or_update(job)

    def wait(self, job_name: str, *, timeout: float, poll_interval: float,
             on_status: StatusCallback | None = None):
        """Poll until the job completes; raise on any other end state or when `timeout` runs out."""
        started = self.clock()
        deadline = started + timeout
        while True:
            job = self.jobs.get(job_name)
            status = status_of(job)
            if on_status:
                on_status(status, self.clock() - started)
            if status == JobStatus.COMPLETED:
                return job
            if status not in WAITING_STATUSES:
                raise JobEndedError(f"job {job_name} ended {status}" + _studio_hint(job))
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise WaitTimeoutError(f"job {job_name} still {status} after {timeout:g} s" + _studio_hint(job))
            self.sleep(min(poll_interval, remaining))

    def follow_logs(self, job_name: str, on_error: Callable[[Exception], None]) -> threading.Thread:
        """Stream logs on a daemon thread: `jobs.stream` has no timeout, so polling stays in charge."""

        def stream() -> None:
            try:
                self.jobs.stream(job_name)
            except Exception as exc:  # the status poll reports the outcome; this only explains the silence
                on_error(exc)

        thread = threading.Thread(target=stream, name=f"logs-{job_name}", daemon=True)
        thread.start()
        return thread

    def job_metrics(self, job_name: str, output_name: str) -> dict[str, float]:
        """The metrics.json a job wrote to one of its outputs."""
        with tempfile.TemporaryDirectory() as folder:
            self.jobs.download(job_name, download_path=folder, output_name=output_name)
            # jobs.download lays files out under named-outputs/<output>/; search rather than rely on it.
            found = sorted(Path(folder).rglob(METRICS_FILE))
            if not found:
                raise GateError(f"job {job_name}: output '{output_name}' holds no {METRICS_FILE}")
            return read_metrics(found[0])

    # -- models --------------------------------------------------------------------------------

    def register(self, job_name: str, model_name: str, *, model_output: str = "model",
                 metrics_output: str = "metrics", requirements: Sequence[Requirement] = (),
                 version: str | None = None, stack: str | None = None, description: str | None = None
                 ) -> Registration:
        """Register a Completed job's model output, gated on its metrics; once per job and model name."""
        job = self.jobs.get(job_name)
        status = status_of(job)
        if status != JobStatus.COMPLETED:
            raise RegistrationError(f"job {job_name} is {status}: only Completed jobs are registered")
        outputs = command_job(job).outputs
        if model_output not in outputs:
            raise RegistrationError(f"job {job_name} has no output '{model_output}' (outputs: {', '.join(outputs)})")
        metrics = gate(requirements, outputs, metrics_output,
                       lambda name: self.job_metrics(job_name, name), owner=f"job {job_name}")
        existing = self.registered_from(model_name, job_name)
        if existing is not None:
            return Registration(existing, created=False, metrics=metrics)
        if version:
            self._refuse_existing_version(self.models, "model", model_name, version)
        model = Model(
            name=model_name,
            version=version,
            path=JOB_URI_FORMAT.format(job_name, model_output, ""),
            type=_model_type(outputs[model_output].type),
            description=description,
            **lineage(job, stack, metrics),
        )
        return Registration(self.models.create_or_update(model), created=True, metrics=metrics)

    def registered_from(self, model_name: str, job_name: str):
        """The version of `model_name` already registered from `job_name`, if any (what makes register idempotent)."""
        try:
            versions = list(self.models.list(name=model_name))
        except ResourceNotFoundError:
            return None
        return next((model for model in versions if (model.properties or {}).get("job") == job_name), None)

    def has_model(self, name: str, version: str) -> bool:
        return _exists(self.models, name, version)

    @staticmethod
    def _refuse_existing_version(operations, kind: str, name: str, version: str) -> None:
        if not _exists(operations, name, version):
            return
        raise VersionConflictError(
            f"{kind} {name}:{version} already exists and versions are never overwritten: "
            "pass another --version, or none for the next free one"
        )


def _exists(operations, name: str, version: str) -> bool:
    """Whether an asset version exists (models or data: their `get` answers 404 otherwise)."""
    try:
        operations.get(name=name, version=version)
    except ResourceNotFoundError:
        return False
    return True


def lineage(job, stack: str | None, metrics: dict[str, float]) -> dict[str, dict[str, str]]:
    """Tags (searchable, editable) and properties (immutable record) tying a model to its job."""
    tags = {
        "job": job.name,
        "experiment": job.experiment_name,
        "stack": stack,
        "git_commit": (job.properties or {}).get(GitProperties.PROP_MLFLOW_GIT_COMMIT),
    }
    tags = {key: str(value) for key, value in tags.items() if value}
    record = dict(tags)
    for name, value in command_job(job).inputs.items():
        if hasattr(value, "path"):
            record[f"data.{name}"] = _data_reference(str(value.path))
        else:
            record[f"param.{name}"] = str(value)
    record.update({f"metric.{name}": f"{value:g}" for name, value in metrics.items()})
    return {"tags": tags, "properties": record}


def _data_reference(path: str) -> str:
    """`name:version` for a data asset (however the service spelled its id), else the path itself."""
    match = _DATA_VERSION_ID.search(path)
    return f"{match[1]}:{match[2]}" if match else path.removeprefix("azureml:")


def _model_type(output_type: str | None) -> str:
    return output_type if output_type in MODEL_TYPES else AssetTypes.CUSTOM_MODEL


def _studio_hint(job) -> str:
    return f" ({job.studio_url})" if getattr(job, "studio_url", None) else ""
