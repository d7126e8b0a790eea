"""Upload data, submit, wait and register: the lifecycle over MLClient's operation groups.

`Lifecycle` only needs the `jobs`, `models` and `data` operation groups (or fakes of them) and takes
its clock and sleep as arguments, so the CLI, a later `promote` command and the tests share it.
"""

import ast
import datetime
import email.utils
import random
import re
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.ai.ml import Input
from azure.ai.ml.constants import AssetTypes
from azure.ai.ml.constants._common import GitProperties
from azure.ai.ml.entities import Data, Model
from azure.ai.ml.operations._run_history_constants import JobStatus, RunHistoryConstants
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from jobs.errors import (
    GateError,
    InputError,
    JobEndedError,
    RegistrationError,
    VersionConflictError,
    WaitTimeoutError,
    one_line,
)
from jobs import registration
from jobs.metrics import METRICS_FILE, Requirement, enforce, gate, read_metrics
from jobs.registration import SourceRequest
from jobs.specs import command_job
from jobs.tracking import MetricsReader

# Keep polling on these. NotResponding is here although the SDK counts it terminal: the REST enum
# documents that a run can leave NotResponding for any earlier state. The timeout bounds the wait.
WAITING_STATUSES = frozenset(
    RunHistoryConstants.IN_PROGRESS_STATUSES + RunHistoryConstants.POST_PROCESSING_STATUSES + [JobStatus.NOTRESPONDING]
)
# A status poll that fails for one of these is retried (first after RETRY_FIRST s, doubling up to
# RETRY_CAP s, with jitter) until the wait's timeout: the SDK's own retries are spent within seconds.
RETRY_FIRST, RETRY_CAP = 5.0, 120.0
TRANSIENT_STATUS_CODES = frozenset({408, 429})
_DATA_VERSION_ID = re.compile(r"/data/([^/]+)/versions/([^/]+)/?$")

StatusCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Registration:
    model: Any
    created: bool
    metrics: dict[str, float]
    source: registration.Source | None = None
    notes: tuple[str, ...] = ()


def status_of(job) -> str:
    """A job's status as plain text (azure-ai-ml may hand back a str-valued enum)."""
    return str(getattr(job.status, "value", job.status))


def is_transient(exc: Exception) -> bool:
    """Whether a failed service call may succeed when repeated: connection trouble, 408, 429, 5xx.

    Authentication failures and 4xx such as 401, 403 and 404 will not pass, and neither will anything
    that is no service error at all.
    """
    if isinstance(exc, (ClientAuthenticationError, ResourceNotFoundError)):
        return False
    if isinstance(exc, (ServiceRequestError, ServiceResponseError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, HttpResponseError):
        status = exc.status_code or 0
        return status in TRANSIENT_STATUS_CODES or 500 <= status <= 599
    return False


def retry_after(exc: Exception, now: Callable[[], float] = time.time) -> float | None:
    """The seconds a throttled (429) or unavailable (503) answer asks to wait: its Retry-After header,
    in seconds or as an HTTP date; None without one (or one that cannot be read)."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": HTTP dates are GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - now())


def full_jitter(seconds: float) -> float:
    """A delay drawn between half and all of `seconds`, so that many watchers do not retry in step."""
    return random.uniform(seconds / 2, seconds)


class Lifecycle:
    def __init__(self, jobs, models, data, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, jitter: Callable[[float], float] = full_jitter,
                 metrics: MetricsReader | None = None, files: registration.ArtifactFiles | None = None):
        self.jobs, self.models, self.data = jobs, models, data
        self.clock, self.sleep, self.jitter = clock, sleep, jitter
        self.metrics = metrics
        self.files = files or registration.DatastoreFiles(jobs)

    @classmethod
    def from_client(cls, client) -> "Lifecycle":
        from jobs.tracking import workspace_metrics

        return cls(client.jobs, client.models, client.data, metrics=workspace_metrics(client))

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
             on_status: StatusCallback | None = None, on_note: Callable[[str], None] | None = None):
        """Poll until the job completes; raise on any other end state or when `timeout` runs out.

        A poll that fails transiently (see is_transient) is retried with backoff within the timeout, never
        sooner than the service's Retry-After asks, each retry announced through `on_note`; any other
        error ends the wait at once.
        """
        started = self.clock()
        deadline = started + timeout
        failures = 0
        while True:
            try:
                job = self.jobs.get(job_name)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                failures += 1
                remaining = deadline - self.clock()
                if remaining <= 0:
                    raise WaitTimeoutError(f"job {job_name}: no status for {timeout:g} s, last error: "
                                           f"{type(exc).__name__}: {one_line(exc)}") from None
                backoff = self.jitter(min(RETRY_CAP, RETRY_FIRST * 2 ** (failures - 1)))
                delay = min(max(backoff, retry_after(exc) or 0.0), remaining)
                if on_note:
                    on_note(f"transient error {type(exc).__name__}: {one_line(exc)}, retrying in {delay:.0f}s")
                self.sleep(delay)
                continue
            failures = 0
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
        """Stream logs on a daemon thread: `jobs.stream` has no timeout, so polling stays in charge.

        A failed stream is reported once and not restarted: `jobs.stream` keeps what it has printed of
        each log file only for the call, so a new call would print every log again from its first line.
        """

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

    def register(self, job_name: str, model_name: str, *, source: SourceRequest = SourceRequest(),
                 metrics_output: str | None = None, requirements: Sequence[Requirement] = (),
                 version: str | None = None, stack: str | None = None, description: str | None = None
                 ) -> Registration:
        """Register a model from a Completed job of any type, gated on its metrics; once per source and name.

        The gate reads the MLflow metrics of the run that made the model (the job, the pipeline step, the
        sweep's best trial), or with `metrics_output` the metrics.json the job wrote to that output.
        """
        job = self.jobs.get(job_name)
        status = status_of(job)
        if status != JobStatus.COMPLETED:
            raise RegistrationError(f"job {job_name} is {status}: only Completed jobs are registered")
        found = registration.resolve(self.jobs, job, source, self._read_metrics)
        metrics, notes = self._gate(found, metrics_output, requirements)
        model_type = registration.model_type(found, source, self.files)
        existing = self.registered_from(model_name, job_name, found.uri)
        if existing is not None:
            return Registration(existing, created=False, metrics=metrics, source=found, notes=notes)
        if version:
            self._refuse_existing_version(self.models, "model", model_name, version)
        record = lineage(job, stack, metrics)
        record["properties"].update(_source_record(found))
        model = Model(name=model_name, version=version, path=found.uri, type=model_type, description=description,
                      **record)
        return Registration(self.models.create_or_update(model), created=True, metrics=metrics, source=found,
                            notes=notes)

    def _gate(self, found: registration.Source, metrics_output: str | None,
              requirements: Sequence[Requirement]) -> tuple[dict[str, float], tuple[str, ...]]:
        """The metrics the requirements are checked on (also recorded on the model), and notes for the user."""
        if metrics_output:
            return gate(requirements, found.outputs, metrics_output, lambda name: self.job_metrics(found.holder, name),
                        owner=f"job {found.holder}"), ()
        try:
            metrics = self._read_metrics(found.run)
        except GateError as exc:
            if requirements:
                raise
            return {}, (f"metrics not recorded on the model: {exc}",)
        enforce(requirements, metrics)
        return metrics, ()

    def _read_metrics(self, run_id: str) -> dict[str, float]:
        if self.metrics is None:
            raise GateError("no MLflow tracking URI to read metrics from: pass --metrics-output NAME "
                            "to read a metrics.json output")
        return self.metrics.read_metrics(run_id)

    def registered_from(self, model_name: str, job_name: str, source_uri: str):
        """The version of `model_name` already registered from this source of `job_name`, if any (what makes
        register idempotent). Versions registered before sources were recorded match on the job alone."""
        try:
            versions = list(self.models.list(name=model_name))
        except ResourceNotFoundError:
            return None
        for model in versions:
            properties = model.properties or {}
            if properties.get("job") == job_name and properties.get("source", source_uri) == source_uri:
                return model
        return None

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
    for name, (kind, value) in job_inputs(job).items():
        record[f"{kind}.{name}"] = _data_reference(value) if kind == "data" else value
    record.update({f"metric.{name}": f"{value:g}" for name, value in metrics.items()})
    return {"tags": tags, "properties": record}


def job_inputs(job) -> dict[str, tuple[str, str]]:
    """Input name -> ("data", path) or ("param", literal), for any job type.

    Pipeline inputs wrap their value (an Input, the dict the service returned, or a literal), and
    reading `.path` of a wrapped literal raises "<class 'str'> does not have path.": unwrap first.
    AutoML and fine-tuning jobs name their data as attributes instead of inputs.
    """
    job = command_job(job)
    try:
        inputs = dict(job.inputs or {})
    except AttributeError:
        inputs = {}
    for name in ("training_data", "validation_data", "test_data"):
        if isinstance(getattr(job, name, None), Input):
            inputs.setdefault(name, getattr(job, name))
    entries = {}
    for name, value in inputs.items():
        value = value if isinstance(value, Input) else getattr(value, "_data", value)
        if not isinstance(value, (Input, dict)):
            if value is not None:
                entries[name] = ("param", str(value))
            continue
        path = value
        while isinstance(path, (Input, dict)):
            path = path.get("path") if isinstance(path, dict) else _literal_dict(path.path)
        if path:
            entries[name] = ("data", str(path))
    return entries


def _literal_dict(path):
    """azure-ai-ml rebuilds a fine-tuning job's data Input with the repr of a dict as its path."""
    if isinstance(path, str) and path.startswith("{"):
        try:
            return ast.literal_eval(path)
        except (ValueError, SyntaxError):
            return path
    return path


def _source_record(found: registration.Source) -> dict[str, str]:
    record = {"source": found.uri}
    if found.holder != found.run or found.via:
        record["source_job"] = found.holder
        record["metrics_run"] = found.run
    if found.via:
        record["source_via"] = found.via
    return record


def _data_reference(path: str) -> str:
    """`name:version` for a data asset (however the service spelled its id), else the path itself."""
    match = _DATA_VERSION_ID.search(path)
    return f"{match[1]}:{match[2]}" if match else path.removeprefix("azureml:")


def _studio_hint(job) -> str:
    return f" ({job.studio_url})" if getattr(job, "studio_url", None) else ""
