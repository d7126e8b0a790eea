"""Real-world-shaped jobs through submit -> watch -> gate -> register against the fakes: an MLflow-autolog
command saving its model under ./outputs, a pipeline with literal inputs and step outputs, a sweep;
and every way registration can fail, each one `error:` line."""

import json
from pathlib import Path

import pytest
from jobs_fakes import DEV_OUTPUTS

from jobs.cli import main

pytest_plugins = ["jobs_fixtures"]

FIXTURES = Path(__file__).parent / "fixtures"
GIT = "0123456789abcdef0123456789abcdef01234567"
AUTOLOG = {"training_accuracy_score": 0.97, "training_f1_score": 0.96, "test_accuracy": 0.95}


def run(capsys, ops, *argv):
    code = main([str(arg) for arg in argv], connect=ops.connect)
    out, err = capsys.readouterr()
    return code, out, err


def submit(capsys, ops, spec: str, *extra) -> str:
    code, out, err = run(capsys, ops, "submit", FIXTURES / spec, "--stack", "dev", "--no-logs", "--output", "json",
                         "--input", "training_data=azureml:iris:1", *extra)
    assert (code, json.loads(out)["status"]) == (0, "Completed"), err
    return json.loads(out)["name"]


def register(capsys, ops, job: str, *extra):
    code, out, err = run(capsys, ops, "register", job, "--name", "iris", "--stack", "dev", "--output", "json", *extra)
    return code, json.loads(out) if out else None, err


@pytest.fixture
def dev(fake_pulumi):
    fake_pulumi({"dev": DEV_OUTPUTS})


def lineage(job: str, experiment: str, **more) -> dict:
    tags = {"job": job, "experiment": experiment, "stack": "dev", "git_commit": GIT}
    return {**tags, "data.training_data": "iris:1", **more}


def test_autolog_command_registers_its_outputs_folder_gated_on_autolog_metrics(capsys, dev, ops):
    job = submit(capsys, ops, "command_autolog.yml")
    ops.jobs.run_metrics[job] = AUTOLOG
    ops.jobs.files[(job, "artifacts")] = {"outputs/model/MLmodel", "outputs/model/model.pkl"}

    code, result, err = register(capsys, ops, job, "--artifact-path", "outputs/model",
                                 "--require", "training_accuracy_score>=0.9")
    assert (code, err) == (0, "")
    assert result == {"name": "iris", "version": "1", "created": True, "job": job,
                      "path": f"azureml://jobs/{job}/outputs/artifacts/paths/outputs/model/", "type": "mlflow_model",
                      "source_job": job, "metrics": AUTOLOG}
    model = ops.models.versions[("iris", "1")]
    assert model.tags == {"job": job, "experiment": "iris-autolog", "stack": "dev", "git_commit": GIT}
    assert model.properties == lineage(
        job, "iris-autolog", **{"param.C": "0.5", "metric.training_accuracy_score": "0.97",
                                "metric.training_f1_score": "0.96", "metric.test_accuracy": "0.95",
                                "source": f"azureml://jobs/{job}/outputs/artifacts/paths/outputs/model/"})
    assert ops.files.checks == [(job, "artifacts", "outputs/model/MLmodel")]

    # Without an MLmodel the same folder is a custom model; --type overrides what was found.
    ops.jobs.files[(job, "artifacts")] = {"outputs/model/model.pkl"}
    _, custom, _ = register(capsys, ops, job, "--artifact-path", "outputs/model", "--name", "iris-custom")
    _, forced, _ = register(capsys, ops, job, "--artifact-path", "outputs/model/model.pkl", "--name", "iris-file",
                            "--type", "mlflow_model")
    assert (custom["type"], forced["type"]) == ("custom_model", "mlflow_model")
    assert forced["path"] == f"azureml://jobs/{job}/outputs/artifacts/paths/outputs/model/model.pkl"


def test_pipeline_registers_its_output_gated_on_the_step_that_wrote_it(capsys, dev, ops):
    job = submit(capsys, ops, "pipeline_literals.yml")
    ops.jobs.run_metrics[job] = {}  # a pipeline logs nothing itself
    ops.jobs.add_child(job, f"{job}-prep", "prep")
    train = ops.jobs.add_child(job, f"{job}-train", "train", metrics={"training_accuracy_score": 0.98})

    code, result, err = register(capsys, ops, job, "--model-output", "trained_model",
                                 "--require", "training_accuracy_score>=0.9")
    assert (code, err) == (0, "")
    uri = f"azureml://jobs/{job}/outputs/trained_model/paths/"
    assert (result["path"], result["type"], result["metrics"]) == (uri, "mlflow_model", {"training_accuracy_score": 0.98})
    assert ops.models.versions[("iris", "1")].properties == lineage(
        job, "iris-pipeline", **{"param.target": "species", "param.max_iter": "150",
                                 "metric.training_accuracy_score": "0.98", "source": uri, "source_job": job,
                                 "metrics_run": train, "source_via": "metrics of step train"})
    assert ops.files.checks == []  # the output is typed mlflow_model: nothing to look at

    # The step's own output, from the step's job.
    code, result, _ = register(capsys, ops, job, "--step", "train", "--name", "iris-step")
    step_uri = f"azureml://jobs/{train}/outputs/model/paths/"
    assert (code, result["path"], result["type"], result["source_job"]) == (0, step_uri, "mlflow_model", train)
    assert ops.models.versions[("iris-step", "1")].properties["source_via"] == "step train"


def test_pipeline_with_literal_inputs_no_longer_crashes_on_lineage(ops):
    """Reading `.path` of a pipeline's literal input raised "<class 'str'> does not have path."."""
    from jobs import specs

    job = ops.jobs.add(specs.load(FIXTURES / "pipeline_literals.yml"), "pipe-1", ["Completed"], metrics={})
    registration = ops.lifecycle.register("pipe-1", "iris", source=_request(model_output="trained_model"))
    assert {key: value for key, value in registration.model.properties.items() if key.startswith(("data.", "param."))} \
        == {"data.training_data": "../../../jobs/data/iris.csv", "param.target": "species", "param.max_iter": "150"}
    assert job == "pipe-1"


def test_sweep_registers_the_trial_the_service_names_best(capsys, dev, ops):
    job = submit(capsys, ops, "sweep.yml")
    ops.jobs.add_child(job, f"{job}_0", f"{job}_0", metrics={"training_accuracy_score": 0.99})
    best = ops.jobs.add_child(job, f"{job}_1", f"{job}_1", metrics={"training_accuracy_score": 0.96})
    ops.jobs.properties[job] = {"best_child_run_id": best}
    ops.jobs.files[(best, "artifacts")] = {"outputs/model/MLmodel"}

    code, result, err = register(capsys, ops, job, "--artifact-path", "outputs/model",
                                 "--require", "training_accuracy_score>=0.95")
    uri = f"azureml://jobs/{best}/outputs/artifacts/paths/outputs/model/"
    assert (code, err) == (0, "")
    assert (result["path"], result["type"], result["source_job"], result["metrics"]) == (
        uri, "mlflow_model", best, {"training_accuracy_score": 0.96})
    assert ops.models.versions[("iris", "1")].properties == lineage(
        job, "iris-sweep", **{"metric.training_accuracy_score": "0.96", "source": uri, "source_job": best,
                              "metrics_run": best, "source_via": f"best trial of sweep {job}"})


def test_sweep_without_a_recorded_best_trial_ranks_trials_by_its_objective(capsys, dev, ops):
    job = submit(capsys, ops, "sweep.yml")
    ops.jobs.add_child(job, f"{job}_0", f"{job}_0", metrics={"training_accuracy_score": 0.91})
    ops.jobs.add_child(job, f"{job}_1", f"{job}_1", metrics={"training_accuracy_score": 0.97})
    ops.jobs.add_child(job, f"{job}_2", f"{job}_2", status="Failed", metrics={"training_accuracy_score": 0.99})
    ops.jobs.add_child(job, f"{job}_3", f"{job}_3", metrics={})
    code, result, _ = register(capsys, ops, job, "--artifact-path", "outputs/model")
    assert (code, result["source_job"], result["type"]) == (0, f"{job}_1", "custom_model")
    assert ops.models.versions[("iris", "1")].properties["source_via"] == \
        f"best trial of sweep {job} by training_accuracy_score=0.97"


def test_a_failed_gate_with_json_output_still_writes_the_metrics(capsys, dev, ops):
    job = submit(capsys, ops, "command_autolog.yml")
    ops.jobs.run_metrics[job] = AUTOLOG
    code, result, err = register(capsys, ops, job, "--artifact-path", "outputs/model",
                                 "--require", "training_accuracy_score>=0.99", "--require", "accuracy>=0.9")
    failures = ["training_accuracy_score=0.97, required training_accuracy_score>=0.99",
                "accuracy missing (metrics: test_accuracy, training_accuracy_score, training_f1_score)"]
    assert code == 1
    assert result == {"job": job, "registered": False, "gate": "failed", "metrics": AUTOLOG,
                      "requirements": ["training_accuracy_score>=0.99", "accuracy>=0.9"], "failures": failures,
                      "error": f"metric gate failed: {'; '.join(failures)}"}
    assert err == f"error: metric gate failed: {'; '.join(failures)}\n"
    assert ops.models.versions == {}


def test_without_requirements_unreadable_metrics_only_leave_the_lineage_without_them(capsys, dev, ops):
    job = submit(capsys, ops, "command_autolog.yml")
    del ops.jobs.run_metrics[job]
    code, result, err = register(capsys, ops, job, "--artifact-path", "outputs/model")
    assert (code, result["metrics"]) == (0, {})
    assert err == f"metrics not recorded on the model: MLflow run {job}: Run '{job}' not found\n"


def test_a_watch_rides_out_a_transient_error_and_says_so(capsys, workspace_config, ops, train_job):
    from azure.core.exceptions import ServiceRequestError

    ops.jobs.add(train_job, "job-w", ["Running", "Completed"])
    ops.jobs.get_errors = [ServiceRequestError("Connection reset by peer")]
    code, _, err = run(capsys, ops, "watch", "job-w", "--workspace-config", workspace_config, "--no-logs")
    assert code == 0
    assert err.splitlines() == ["transient error ServiceRequestError: Connection reset by peer, retrying in 5s",
                                "[0:00:05] job-w Running", "[0:00:20] job-w Completed"]


@pytest.mark.parametrize("fixture, argv, message", [
    ("command_autolog.yml", [],
     "job {job}: no model output to pick (outputs: none): pass --model-output NAME, or --artifact-path PATH for a "
     "folder the job saved under ./outputs (e.g. outputs/model)"),
    ("command_autolog.yml", ["--model-output", "model"], "job {job} has no output 'model' (outputs: none)"),
    ("command_autolog.yml", ["--step", "train"], "--step applies to pipeline jobs; job {job} is a command job"),
    ("command_autolog.yml", ["--artifact-path", "../secrets"],
     "--artifact-path '../secrets': expected a relative path inside the job's outputs, without '..'"),
    ("command_autolog.yml", ["--artifact-path", "outputs/model", "--model-output", "model"],
     "--artifact-path names a folder of the job's default artifacts: it does not combine with --model-output or "
     "--path"),
    ("command_autolog.yml", ["--artifact-path", "outputs/model", "--metrics-output", "metrics", "--require", "a>1"],
     "job {job} has no output 'metrics' to check --require against"),
    ("pipeline_literals.yml", ["--step", "evaluate"], "pipeline {job} has no step 'evaluate' (steps: prep, train)"),
    ("pipeline_literals.yml", ["--step", "train"],
     "pipeline {job}: no child job for step 'train' named 'train' (child jobs: none)"),
    ("pipeline_literals.yml", ["--model-output", "trained_model", "--require", "training_accuracy_score>=0.9"],
     "metric gate failed: training_accuracy_score missing (metrics: none)"),
    ("sweep.yml", [], "sweep {job}: no completed trial logged its objective training_accuracy_score"),
])
def test_every_registration_failure_is_one_line(capsys, dev, ops, fixture, argv, message):
    job = submit(capsys, ops, fixture)
    ops.jobs.run_metrics[job] = {}
    code, _, err = register(capsys, ops, job, *argv)
    assert (code, err) == (1, f"error: {message.format(job=job)}\n")
    assert ops.models.versions == {}


def test_a_fine_tuning_job_registers_from_its_model_output(ops):
    from azure.ai.ml import Input
    from azure.ai.ml.finetuning import create_finetuning_job

    job = create_finetuning_job(
        task="ChatCompletion", training_data=Input(type="uri_file", path="azureml:chat-train:1"),
        validation_data=Input(type="uri_file", path="azureml:chat-valid:1"),
        model="azureml://registries/azureml/models/gpt-35-turbo/versions/1", output_model_name_prefix="ft-",
        experiment_name="fine-tune")
    ops.jobs.add(job, "ft-1", ["Completed"], metrics={"train_loss": 0.4})
    registration = ops.lifecycle.register("ft-1", "chat", source=_request())
    assert (registration.model.path, registration.model.type) == (
        "azureml://jobs/ft-1/outputs/registered_model/paths/", "mlflow_model")
    assert registration.model.properties == {
        "job": "ft-1", "experiment": "fine-tune", "git_commit": GIT, "data.training_data": "chat-train:1",
        "data.validation_data": "chat-valid:1", "metric.train_loss": "0.4", "source": "azureml://jobs/ft-1/outputs/registered_model/paths/"}


def test_a_failing_look_for_mlmodel_asks_for_the_type(capsys, dev, ops):
    job = submit(capsys, ops, "command_autolog.yml")

    def unreachable(*args):
        raise ConnectionError("storage unreachable")

    ops.files.exists = unreachable
    code, _, err = register(capsys, ops, job, "--artifact-path", "outputs/model")
    assert (code, err) == (1, f"error: cannot tell whether azureml://jobs/{job}/outputs/artifacts/paths/outputs/model/ "
                              "holds an MLmodel (ConnectionError): pass --type mlflow_model or --type custom_model\n")
    code, result, _ = register(capsys, ops, job, "--artifact-path", "outputs/model", "--type", "custom_model")
    assert (code, result["type"]) == (0, "custom_model")


def test_a_path_inside_an_output_and_idempotence_per_source(ops, train_job):
    ops.jobs.add(train_job, "job-p", ["Completed"])
    ops.jobs.files[("job-p", "metrics")] = {"nested/MLmodel"}
    first = ops.lifecycle.register("job-p", "iris", source=_request(model_output="metrics", path="./nested"))
    again = ops.lifecycle.register("job-p", "iris", source=_request(model_output="metrics", path="nested/"))
    whole = ops.lifecycle.register("job-p", "iris")
    assert (first.model.path, first.model.type) == ("azureml://jobs/job-p/outputs/metrics/paths/nested/", "mlflow_model")
    assert (first.created, again.created, whole.created) == (True, False, True)
    assert (whole.model.path, whole.model.version) == ("azureml://jobs/job-p/outputs/model/paths/", "2")


def _request(**fields):
    from jobs.registration import SourceRequest

    return SourceRequest(**fields)


PIPE_COMPONENT = """\
type: pipeline
experiment_name: iris-pipeline-component
settings:
  default_compute: azureml:cpu-cluster
jobs:
  prep:
    type: command
    display_name: Prepare data
    code: src
    command: python prep.py --prepared ${{outputs.prepared}}
    environment: azureml:AzureML-sklearn-1.5@latest
    outputs:
      prepared:
        type: uri_folder
  train:
    type: command
    component: ./train_component.yml
    inputs:
      prepared: ${{parent.jobs.prep.outputs.prepared}}
"""
TRAIN_COMPONENT = """\
type: command
name: train_comp
display_name: Train model
code: ./src
command: python train_step.py --prepared ${{inputs.prepared}} --model ${{outputs.model}}
environment: azureml:AzureML-sklearn-1.5@latest
inputs:
  prepared:
    type: uri_folder
outputs:
  model:
    type: mlflow_model
"""


def test_a_step_is_found_by_its_name_its_display_name_or_its_components(capsys, dev, ops, tmp_path):
    """Run history names no step: its child job shows the node's display name, else the step name (or the
    component's display name)."""
    (tmp_path / "pipeline.yml").write_text(PIPE_COMPONENT)
    (tmp_path / "train_component.yml").write_text(TRAIN_COMPONENT)
    (tmp_path / "src").mkdir()
    code, out, err = run(capsys, ops, "submit", tmp_path / "pipeline.yml", "--stack", "dev", "--no-logs",
                         "--output", "json")
    job = json.loads(out)["name"]
    prep = ops.jobs.add_child(job, f"{job}-prep", "Prepare data")
    train = ops.jobs.add_child(job, f"{job}-train", "Train model", metrics={"training_accuracy_score": 0.98})
    code, result, err = register(capsys, ops, job, "--step", "train", "--require", "training_accuracy_score>=0.9")
    assert (code, result["source_job"], result["path"]) == (0, train, f"azureml://jobs/{train}/outputs/model/paths/")
    code, result, err = register(capsys, ops, job, "--step", "prep", "--model-output", "prepared", "--name", "prep")
    assert (code, result["source_job"]) == (0, prep), err

    ops.jobs.add_child(job, f"{job}-train-again", "train")
    code, _, err = register(capsys, ops, job, "--step", "train", "--name", "other")
    assert (code, err) == (1, f"error: pipeline {job}: more than one child job for step 'train' named 'Train model' "
                              f"or 'train' (child jobs: {prep} (Prepare data), {train} (Train model), "
                              f"{job}-train-again (train))\n")


@pytest.mark.parametrize("argv, message", [
    (["--name", ".iris"], "invalid model name '.iris'"),
    (["--version", "1/2"], "invalid model version name '1/2'"),
    (["--artifact-path", "../outside"], "--artifact-path '../outside': expected a relative path inside the job's "
                                        "outputs, without '..'"),
    (["--model-output", "model", "--path", "a/../../b"], "--path 'a/../../b': expected a relative path"),
    (["--artifact-path", "outputs/model", "--path", "x"], "--artifact-path names a folder of the job's default "
                                                           "artifacts: it does not combine with --model-output or "
                                                           "--path"),
])
def test_register_checks_its_options_before_sign_in(capsys, dev, argv, message):
    def refused(workspace):
        raise AssertionError("signed in before the local checks")

    code = main(["register", "job-1", "--name", "iris", "--stack", "dev", *argv], connect=refused)
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {message}") and len(err.splitlines()) == 1


def test_a_trailing_slash_makes_a_dotted_name_a_folder(ops, train_job):
    ops.jobs.add(train_job, "job-d", ["Completed"])
    ops.jobs.files[("job-d", "artifacts")] = {"outputs/iris.model/MLmodel"}
    folder = ops.lifecycle.register("job-d", "iris", source=_request(artifact_path="outputs/iris.model/"))
    file = ops.lifecycle.register("job-d", "iris-file", source=_request(artifact_path="outputs/iris.model"))
    assert (folder.model.path, folder.model.type) == (
        "azureml://jobs/job-d/outputs/artifacts/paths/outputs/iris.model/", "mlflow_model")
    assert (file.model.path, file.model.type) == (
        "azureml://jobs/job-d/outputs/artifacts/paths/outputs/iris.model", "custom_model")


@pytest.mark.parametrize("goal, best", [("Maximize", "s_1"), ("Minimize", "s_0")])
def test_a_sweep_objective_read_from_the_service_ranks_by_its_enum_value(ops, goal, best):
    """A fetched sweep's objective holds the service's Goal enum, whose str() is 'Goal.MAXIMIZE'."""
    from azure.ai.ml._restclient.arm_ml_service.models import Goal

    from jobs import specs
    from jobs.registration import best_trial

    sweep = specs.load(FIXTURES / "sweep.yml")
    ops.jobs.add(sweep, "s", ["Completed"])
    ops.jobs.add_child("s", "s_0", "s_0", metrics={"training_accuracy_score": 0.91})
    ops.jobs.add_child("s", "s_1", "s_1", metrics={"training_accuracy_score": 0.97})
    sweep.name, sweep.objective.goal = "s", Goal(goal)
    assert best_trial(ops.jobs, sweep, ops.metrics.read_metrics)[0] == best


def test_a_command_sourcing_a_bash_script_goes_submit_watch_gate_register(capsys, dev, ops):
    """bash_source.yml: `source setup.sh && python ...`, its local data uploaded, its model under ./outputs."""
    code, out, err = run(capsys, ops, "submit", FIXTURES / "bash_source.yml", "--stack", "dev", "--no-wait",
                         "--output", "json")
    submitted = json.loads(out)
    assert (code, submitted["status"], submitted["type"]) == (0, "NotStarted", "command"), err
    assert set(submitted["uploads"]) == {str(FIXTURES / "src"), str(FIXTURES.parents[2] / "jobs/data/iris.csv")}
    job = submitted["name"]
    assert ops.jobs.submitted[job].command.startswith("source setup.sh &&")

    code, out, err = run(capsys, ops, "watch", job, "--stack", "dev", "--output", "json")
    assert (code, json.loads(out)["status"]) == (0, "Completed"), err

    ops.jobs.run_metrics[job] = AUTOLOG
    ops.jobs.files[(job, "artifacts")] = {"outputs/model/MLmodel"}
    code, result, err = register(capsys, ops, job, "--artifact-path", "outputs/model",
                                 "--require", "training_accuracy_score>=0.95")
    assert (code, err) == (0, "")
    assert (result["path"], result["type"], result["metrics"]) == (
        f"azureml://jobs/{job}/outputs/artifacts/paths/outputs/model/", "mlflow_model", AUTOLOG)
    properties = ops.models.versions[("iris", "1")].properties
    assert (properties["experiment"], properties["job"]) == ("iris-bash", job)

    code, result, err = register(capsys, ops, job, "--artifact-path", "outputs/model", "--name", "strict",
                                 "--require", "training_accuracy_score>=0.99")
    assert (code, ("iris", "1") in ops.models.versions, ("strict", "1") in ops.models.versions) == (1, True, False)
    assert err == "error: metric gate failed: training_accuracy_score=0.97, required training_accuracy_score>=0.99\n"
