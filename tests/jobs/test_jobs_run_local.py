"""`run-local` really trains the sample model: an MLflow model, metrics.json and an MLflow run."""

import contextlib
import io
import json

import pandas as pd
import pytest
from jobs_fakes import TRAIN_SPEC

from jobs.cli import main
from jobs.errors import InputError, JobEndedError, SpecError
from jobs.local import render, run_local

pytest_plugins = ["jobs_fixtures"]

IRIS = TRAIN_SPEC.parent.parent / "data" / "iris.csv"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One real training run shared by the tests that inspect its outputs (it takes seconds)."""
    output_dir = tmp_path_factory.mktemp("run-local")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run-local", str(TRAIN_SPEC), "--output-dir", str(output_dir), "--require", "accuracy>=0.85",
                     "--output", "json"])
    return code, json.loads(printed.getvalue()), output_dir


def test_run_local_writes_the_model_and_metrics(trained):
    code, printed, output_dir = trained
    written = json.loads((output_dir / "metrics" / "metrics.json").read_text())
    assert code == 0
    assert printed["outputs"] == {"model": str(output_dir / "model"), "metrics": str(output_dir / "metrics")}
    assert printed["metrics"] == written
    assert sorted(written) == ["accuracy", "f1_macro", "precision_macro", "recall_macro"]
    assert written["accuracy"] == pytest.approx(0.921, abs=1e-3)  # fixed split (random_state 42), pinned sklearn


def test_the_model_is_an_mlflow_model_that_predicts_species(trained):
    import mlflow.pyfunc

    _, _, output_dir = trained
    model = mlflow.pyfunc.load_model(str(output_dir / "model"))
    iris = pd.read_csv(IRIS)
    samples = iris.iloc[[0, 50, 100]]
    assert list(model.predict(samples.drop(columns=["species"]))) == ["setosa", "versicolor", "virginica"]
    assert model.metadata.flavors["sklearn"]["serialization_format"] == "skops"
    assert model.metadata.get_input_schema().input_names() == list(iris.columns[:4])


def test_the_run_is_tracked_with_mlflow(trained, monkeypatch):
    from mlflow.tracking import MlflowClient

    _, printed, output_dir = trained
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    tracking = MlflowClient(tracking_uri=(output_dir / "mlruns").as_uri())
    experiment = tracking.get_experiment_by_name("iris-classifier")
    [run] = tracking.search_runs([experiment.experiment_id])
    assert run.data.params == {"C": "1.0", "max_iter": "200", "test_size": "0.25", "random_state": "42", "rows": "150"}
    assert run.data.metrics == printed["metrics"]


def test_a_failing_gate_fails_the_local_run(tmp_path, capfd):
    code = main(["run-local", str(TRAIN_SPEC), "--output-dir", str(tmp_path), "--input", "C=0.01",
                 "--require", "accuracy>=0.9"])
    err = capfd.readouterr().err
    assert code == 1
    assert err.splitlines()[-1] == "error: metric gate failed: accuracy=0.842105, required accuracy>=0.9"
    assert json.loads((tmp_path / "metrics" / "metrics.json").read_text())["accuracy"] == pytest.approx(0.842, abs=1e-3)


def test_a_failing_command_fails_the_local_run(tmp_path):
    spec = tmp_path / "exit.yml"
    spec.write_text('type: command\nexperiment_name: e\ncommand: python -c "import sys; sys.exit(3)"\n'
                    "environment: azureml:any@latest\n")
    with pytest.raises(JobEndedError, match=f"local run of {spec} failed with exit code 3"):
        run_local(spec, tmp_path / "out")


def test_a_run_never_writes_over_an_earlier_runs_outputs(trained):
    _, _, output_dir = trained
    with pytest.raises(InputError, match=f"output folder {output_dir / 'model'} is not empty: pass another --output-dir"):
        run_local(TRAIN_SPEC, output_dir)


def test_a_remote_data_input_needs_a_local_copy(tmp_path):
    with pytest.raises(SpecError, match="input 'training_data' is iris:2: run-local needs a local copy, "
                                        "pass --input training_data=PATH"):
        run_local(TRAIN_SPEC, tmp_path, inputs={"training_data": "azureml:iris:2"})


def test_render_substitutes_bindings_and_optional_blocks():
    bindings = {"inputs": {"data": "/tmp/my data.csv", "lr": "0.1"}, "outputs": {"model": "/tmp/out"}}
    command = ("python t.py --data ${{inputs.data}} $[[--lr ${{inputs.lr}}]] $[[--seed ${{inputs.seed}}]] "
               "-o ${{outputs.model}}")
    assert render(command, bindings) == "python t.py --data '/tmp/my data.csv' --lr 0.1  -o /tmp/out"
    with pytest.raises(SpecError, match=r"command refers to outputs\.report, which the spec does not define"):
        render("echo ${{outputs.report}}", bindings)
