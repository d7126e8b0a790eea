"""The MLflow metrics reader: the latest value per key of a run, from a local store (what run-local keeps)
or, with the azureml-mlflow plugin, from the workspace."""

import pytest

from jobs.errors import GateError
from jobs.tracking import MlflowMetrics

pytest_plugins = ["jobs_fixtures"]


def test_the_latest_value_of_each_metric_of_a_local_run(tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (tmp_path / "mlruns").as_uri()
    client = MlflowClient(tracking_uri=uri)
    run = client.create_run(client.create_experiment("iris-autolog"))
    for step, value in enumerate([0.5, 0.8, 0.97]):
        client.log_metric(run.info.run_id, "training_accuracy_score", value, step=step)
    client.log_metric(run.info.run_id, "training_log_loss", 0.2)
    assert MlflowMetrics(uri).read_metrics(run.info.run_id) == {"training_accuracy_score": 0.97,
                                                                "training_log_loss": 0.2}
    with pytest.raises(GateError, match=r"^MLflow run absent: Run 'absent' not found$"):
        MlflowMetrics(uri).read_metrics("absent")


def test_the_workspace_tracking_uri_needs_the_plugin(monkeypatch):
    monkeypatch.setattr("jobs.tracking._plugin_installed", lambda: False)
    uri = "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/resourceGroups/rg/providers/" \
          "Microsoft.MachineLearningServices/workspaces/w"
    with pytest.raises(GateError) as raised:
        MlflowMetrics(uri).read_metrics("job-1")
    assert str(raised.value) == (f"reading the job's MLflow metrics from the workspace ({uri}) needs the "
                                 "azureml-mlflow plugin: pip install azureml-mlflow, or pass --metrics-output NAME "
                                 "to read a metrics.json output")


def test_the_workspace_reader_asks_for_the_tracking_uri_only_when_metrics_are_read(monkeypatch):
    from types import SimpleNamespace

    from jobs.tracking import workspace_metrics

    asked = []
    workspaces = SimpleNamespace(get=lambda name: asked.append(name) or SimpleNamespace(mlflow_tracking_uri=None))
    reader = workspace_metrics(SimpleNamespace(workspaces=workspaces, workspace_name="mlw-x"))
    assert asked == []
    with pytest.raises(GateError, match="^workspace mlw-x reports no MLflow tracking URI$"):
        reader.read_metrics("job-1")
    assert asked == ["mlw-x"]
