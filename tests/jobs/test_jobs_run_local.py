"""`run-local` really trains the sample model: an MLflow model, metrics.json and an MLflow run."""

import json

import pandas as pd
import pytest
from jobs_fakes import TRAIN_SPEC
from local_runs import PYTHON, mlflow_runs, run_cli

from jobs.errors import InputError, JobEndedError, SpecError
from jobs.local import run_local

pytest_plugins = ["jobs_fixtures"]

IRIS = TRAIN_SPEC.parent.parent / "data" / "iris.csv"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One real training run shared by the tests that inspect its outputs (it takes seconds)."""
    output_dir = tmp_path_factory.mktemp("run-local")
    code, out, _ = run_cli(TRAIN_SPEC, "--output-dir", output_dir, "--require", "accuracy>=0.85", "--output", "json",
                           "--python", PYTHON)
    return code, json.loads(out), output_dir


def test_run_local_writes_the_model_and_metrics(trained):
    code, printed, output_dir = trained
    written = json.loads((output_dir / "metrics" / "metrics.json").read_text())
    assert code == 0
    assert printed["outputs"] == {"model": str(output_dir / "model"), "metrics": str(output_dir / "metrics")}
    assert printed["artifacts"] == {"train": str(output_dir / "artifacts")}
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


def test_the_script_logs_to_the_run_made_for_the_job(trained):
    """As on Azure ML, MLFLOW_RUN_ID names the job's run: the script's start_run() continues it."""
    _, printed, output_dir = trained
    [run] = mlflow_runs(output_dir, "iris-classifier")
    assert (run.info.run_id, run.info.status) == (printed["mlflow_run"], "FINISHED")
    assert run.data.params == {"C": "1.0", "max_iter": "200", "test_size": "0.25", "random_state": "42", "rows": "150"}
    assert run.data.metrics == printed["metrics"]


def test_a_failing_command_fails_the_local_run(tmp_path):
    spec = tmp_path / "exit.yml"
    spec.write_text('type: command\nexperiment_name: e\ncommand: python -c "import sys; sys.exit(3)"\n'
                    "environment: azureml:any@latest\n")
    with pytest.raises(JobEndedError, match=f"local run of {spec} failed with exit code 3"):
        run_local(spec, tmp_path / "out", python=PYTHON)


def test_a_run_never_writes_over_an_earlier_run(trained):
    _, _, output_dir = trained
    with pytest.raises(InputError, match=f"output folder {output_dir} is not empty: pass another --output-dir"):
        run_local(TRAIN_SPEC, output_dir)


def test_a_remote_data_input_needs_a_local_copy(tmp_path):
    with pytest.raises(SpecError, match="input 'training_data' is iris:2: run-local needs a local copy, "
                                        "pass --input training_data=PATH"):
        run_local(TRAIN_SPEC, tmp_path, inputs={"training_data": "azureml:iris:2"})
