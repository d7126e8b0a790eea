"""A run's MLflow metrics, read through a tracking URI: the primary source of the metric gate.

On Azure ML a job's name is its MLflow run id, so `read_metrics(job_name)` against the workspace's
tracking URI (`azureml://<region>.api.azureml.ms/mlflow/...`) returns what the job logged with
`mlflow.log_metric` or autolog. mlflow reads `azureml://` URIs only with the azureml-mlflow plugin
installed; any other URI (a local `file:` store, as `run-local` keeps) needs mlflow alone.
"""

import importlib.util
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlparse

from jobs.errors import GateError, one_line

PLUGIN = "azureml-mlflow"


class MetricsReader(Protocol):
    """What the gate reads metrics through: the latest value of each metric a run logged."""

    def read_metrics(self, run_id: str) -> dict[str, float]: ...


class MlflowMetrics:
    """MetricsReader over mlflow's own client for one tracking URI (remote workspace or local store)."""

    def __init__(self, tracking_uri: str):
        self.tracking_uri = tracking_uri
        self._client = None

    def read_metrics(self, run_id: str) -> dict[str, float]:
        from mlflow.exceptions import MlflowException

        try:
            run = self.client().get_run(run_id)
        except MlflowException as exc:
            raise GateError(f"MLflow run {run_id}: {one_line(exc)}") from None
        # run.data.metrics holds the latest logged value of each key (its history is a separate call).
        return {name: float(value) for name, value in run.data.metrics.items()}

    def client(self):
        if self._client is None:
            if urlparse(self.tracking_uri).scheme == "azureml" and not _plugin_installed():
                raise GateError(
                    f"reading the job's MLflow metrics from the workspace ({self.tracking_uri}) needs the {PLUGIN} "
                    f"plugin: pip install {PLUGIN}, or pass --metrics-output NAME to read a metrics.json output"
                )
            from mlflow.tracking import MlflowClient

            self._client = MlflowClient(tracking_uri=self.tracking_uri)
        return self._client


class LazyMetrics:
    """A MetricsReader whose tracking URI is looked up (one service call) only when metrics are read."""

    def __init__(self, tracking_uri: Callable[[], str]):
        self._tracking_uri, self._reader = tracking_uri, None

    def read_metrics(self, run_id: str) -> dict[str, float]:
        if self._reader is None:
            self._reader = MlflowMetrics(self._tracking_uri())
        return self._reader.read_metrics(run_id)


def workspace_metrics(client) -> LazyMetrics:
    """The metrics of the MLClient's workspace, through the tracking URI the workspace reports."""

    def tracking_uri() -> str:
        uri = client.workspaces.get(client.workspace_name).mlflow_tracking_uri
        if not uri:
            raise GateError(f"workspace {client.workspace_name} reports no MLflow tracking URI")
        return uri

    return LazyMetrics(tracking_uri)


def _plugin_installed() -> bool:
    # azureml-mlflow registers the azureml:// tracking store through this module.
    try:
        return importlib.util.find_spec("azureml.mlflow") is not None
    except ModuleNotFoundError:  # no `azureml` namespace package at all
        return False
