"""Fakes of MLClient's operation groups and a fake clock, shared by the jobs tests.

Fetched jobs are real azure-ai-ml entities, rebuilt from the REST object of a spec (what the service
returns), so the code under test reads them exactly as it reads jobs from Azure. Every call made to
a fake is checked against the signature of the real operation class.
"""

import copy
import inspect
import itertools
import json
import warnings
from pathlib import Path

from marshmallow.warnings import ChangedInMarshmallow4Warning, RemovedInMarshmallow4Warning

# azure-ai-ml 1.35.2 builds its schemas in ways marshmallow 3.26 flags for marshmallow 4: not ours to fix.
# Silenced here while azure-ai-ml is first imported, and per test by jobs_fixtures.
MARSHMALLOW_4_WARNINGS = (RemovedInMarshmallow4Warning, ChangedInMarshmallow4Warning)
with warnings.catch_warnings():
    for category in MARSHMALLOW_4_WARNINGS:
        warnings.simplefilter("ignore", category)
    from azure.ai.ml.entities import EndpointAuthKeys, EndpointAuthToken, Job, ManagedOnlineEndpoint
    from azure.ai.ml.entities._job.base_job import _BaseJob
    from azure.ai.ml.entities._job.to_rest_functions import to_rest_job_object
    from azure.ai.ml.operations import DataOperations, JobOperations, ModelOperations, OnlineEndpointOperations
    from azure.core.exceptions import ResourceNotFoundError

    from jobs import specs
    from jobs.lifecycle import Lifecycle

TRAIN_SPEC = specs.SPECS_DIR / "train.yml"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
DEV_OUTPUTS = {
    "subscriptionId": SUBSCRIPTION,
    "resourceGroupName": "rg-mlplat-dev",
    "workspaceName": "mlw-mlplat-dev",
    "location": "westeurope",
    "environment": "dev",
    "workspace": {
        "name": "mlw-mlplat-dev",
        "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-mlplat-dev/providers/"
              "Microsoft.MachineLearningServices/workspaces/mlw-mlplat-dev",
        "mlflowTrackingUri": f"azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/{SUBSCRIPTION}",
    },
    "storageAccount": {"name": "stmlplatdev01"},
    "keyVault": "[secret]",
    "computes": {"cpu": {"name": "cpu-cluster", "vmSize": "Standard_DS3_v2"}},
    "datastores": {"raw": {"name": "raw_data"}},
}


class Recorder:
    """Records each call so that a test can bind it to the real operation's signature."""

    real: type

    def __init__(self):
        self.calls = []

    def _record(self, method: str, *args, **kwargs):
        self.calls.append((method, args, kwargs))


class FakeJobs(Recorder):
    real = JobOperations

    def __init__(self):
        super().__init__()
        self.submitted = {}
        self.statuses = {}
        self.metrics = {}  # per job: its metrics.json (any output) and, unless run_metrics says otherwise, MLflow's
        self.run_metrics = {}  # per run: MLflow metrics (latest value per key), read by FakeMetrics
        self.properties = {}  # per job: service properties beyond the git commit (e.g. best_child_run_id)
        self.children = {}  # per parent: its child jobs, as run history lists them (_BaseJob)
        self.files = {}  # per (job, output): the relative paths of the files in it ("artifacts": default artifacts)
        self.get_errors = []  # raised by the next calls of `get`, one each, before it answers again
        self.git_commit = "0123456789abcdef0123456789abcdef01234567"
        self.stream_error = None
        self.next_statuses = ["NotStarted", "Queued", "Running", "Completed"]  # of the next submitted job
        self._names = (f"job-{number}" for number in itertools.count(1))

    def add(self, job, name: str, statuses: list[str], metrics: dict | None = None) -> str:
        """A job as if submitted earlier: `get` walks `statuses`, then stays on the last one."""
        self.submitted[name] = job
        self.statuses[name] = list(statuses)
        self.metrics[name] = {"accuracy": 0.95, "f1_macro": 0.94} if metrics is None else metrics
        self.run_metrics.setdefault(name, self.metrics[name])
        return name

    def add_child(self, parent: str, name: str, display_name: str, status: str = "Completed",
                  metrics: dict | None = None) -> str:
        """A pipeline step's or sweep trial's job: listed under its parent, fetched from run history."""
        child = _BaseJob(name=name, display_name=display_name, status=status,
                         experiment_name=self.submitted[parent].experiment_name,
                         properties={"azureml.pipelinerunid": parent})
        self.children.setdefault(parent, []).append(child)
        self.run_metrics[name] = metrics or {}
        return name

    def list(self, *, parent_job_name=None, **kwargs):
        self._record("list", parent_job_name=parent_job_name, **kwargs)
        assert parent_job_name, "only child listings are faked"
        if parent_job_name not in self.statuses:
            raise ResourceNotFoundError(f"job {parent_job_name} not found")
        return iter(self.children.get(parent_job_name, []))

    def create_or_update(self, job, **kwargs):
        self._record("create_or_update", job, **kwargs)
        name = self.add(job, next(self._names), self.next_statuses)
        return self._fetched(name, "NotStarted")

    def get(self, name):
        self._record("get", name)
        if self.get_errors:
            raise self.get_errors.pop(0)
        child = next((job for jobs in self.children.values() for job in jobs if job.name == name), None)
        if child is not None:
            return child
        if name not in self.statuses:
            raise ResourceNotFoundError(f"job {name} not found")
        sequence = self.statuses[name]
        status = sequence.pop(0) if len(sequence) > 1 else sequence[0]
        return self._fetched(name, status)

    def stream(self, name):
        self._record("stream", name)
        if self.stream_error:
            raise self.stream_error

    def download(self, name, *, download_path=".", output_name=None, all=False):
        self._record("download", name, download_path=download_path, output_name=output_name, all=all)
        folder = Path(download_path, "named-outputs", output_name)
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps(self.metrics[name]))

    def _fetched(self, name: str, status: str):
        rest = to_rest_job_object(self.submitted[name])
        rest.name = name
        rest.properties.status = status
        rest.properties.properties = {"mlflow.source.git.commit": self.git_commit, **self.properties.get(name, {})}
        return Job._from_rest_object(rest)


class FakeMetrics:
    """The MLflow metrics reader: the metrics each run logged (FakeJobs.run_metrics), as the tracking server
    answers (an unknown run id is an error)."""

    def __init__(self, jobs: FakeJobs):
        self.jobs, self.reads = jobs, []

    def read_metrics(self, run_id: str) -> dict[str, float]:
        from jobs.errors import GateError

        self.reads.append(run_id)
        if run_id not in self.jobs.run_metrics:
            raise GateError(f"MLflow run {run_id}: Run '{run_id}' not found")
        return dict(self.jobs.run_metrics[run_id])


class FakeFiles:
    """What a job's outputs hold (FakeJobs.files), standing in for the datastore listing."""

    def __init__(self, jobs: FakeJobs):
        self.jobs, self.checks = jobs, []

    def exists(self, job_name: str, output: str, path: str) -> bool:
        self.checks.append((job_name, output, path))
        return path in self.jobs.files.get((job_name, output), ())


class FakeAssets(Recorder):
    """Versioned assets (models or data): auto-increment, never overwrite."""

    def __init__(self):
        super().__init__()
        self.versions = {}

    def create_or_update(self, asset):
        self._record("create_or_update", asset)
        version = asset.version or str(1 + max((int(v) for n, v in self.versions if n == asset.name), default=0))
        assert (asset.name, version) not in self.versions, "an existing version was overwritten"
        stored = copy.deepcopy(asset)
        stored.version = version
        self.versions[(asset.name, version)] = stored
        return stored

    def get(self, name, version=None, label=None):
        self._record("get", name, version=version, label=label)
        if (name, version) not in self.versions:
            raise ResourceNotFoundError(f"{name}:{version} not found")
        return self.versions[(name, version)]


class FakeModels(FakeAssets):
    real = ModelOperations

    def list(self, name=None, stage=None, **kwargs):
        self._record("list", name=name, stage=stage, **kwargs)
        found = [asset for (asset_name, _), asset in self.versions.items() if asset_name == name]
        if not found:  # the service answers 404 for a model name never registered
            raise ResourceNotFoundError(f"model {name} not found")
        return iter(found)


class FakeData(FakeAssets):
    real = DataOperations


class FakeOnlineEndpoints(Recorder):
    real = OnlineEndpointOperations
    SECRET = "secret-token-never-printed"

    def __init__(self, scoring_uri: str, auth_mode: str):
        super().__init__()
        self.scoring_uri, self.auth_mode = scoring_uri, auth_mode

    def get(self, name, *, local=False):
        self._record("get", name, local=local)
        return ManagedOnlineEndpoint(name=name, auth_mode=self.auth_mode, scoring_uri=self.scoring_uri)

    def get_keys(self, name):
        self._record("get_keys", name)
        if self.auth_mode == "aml_token":
            return EndpointAuthToken(access_token=self.SECRET)
        return EndpointAuthKeys(primary_key=self.SECRET, secondary_key="second")


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Ops:
    def __init__(self):
        self.jobs, self.models, self.data, self.clock = FakeJobs(), FakeModels(), FakeData(), FakeClock()
        self.metrics, self.files = FakeMetrics(self.jobs), FakeFiles(self.jobs)
        self.lifecycle = Lifecycle(self.jobs, self.models, self.data, clock=self.clock, sleep=self.clock.sleep,
                                   jitter=lambda seconds: seconds, metrics=self.metrics, files=self.files)

    def connect(self, workspace):
        """Stands in for jobs.client.connect in CLI tests."""
        self.workspace = workspace
        return self.lifecycle

    def calls_match_the_real_signatures(self) -> None:
        for fake in (self.jobs, self.models, self.data):
            for method, args, kwargs in fake.calls:
                inspect.signature(getattr(fake.real, method)).bind(None, *args, **kwargs)
