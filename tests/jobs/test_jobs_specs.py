"""Job specs load and validate with azure-ai-ml, and overrides resolve against the stack."""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from jobs_fakes import DEV_OUTPUTS, TRAIN_SPEC

from jobs import specs
from jobs.errors import InputError, SpecError, WorkspaceError
from jobs.workspace import Workspace

pytest_plugins = ["jobs_fixtures"]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
ALL_SPECS = sorted(specs.SPECS_DIR.glob("*.yml"))
DEV = Workspace("sub", "rg", "mlw", source="stack dev", stack="dev", outputs=DEV_OUTPUTS)


def test_the_sample_spec_is_shipped():
    assert TRAIN_SPEC in ALL_SPECS


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda path: path.name)
def test_every_spec_loads_and_builds_its_rest_object(spec):
    from azure.ai.ml import load_job
    from azure.ai.ml.entities._job.to_rest_functions import to_rest_job_object

    job = load_job(spec)
    rest = to_rest_job_object(job)
    bound = set(re.findall(r"\$\{\{\s*(inputs|outputs)\.(\w+)", job.command))
    declared = {("inputs", name) for name in job.inputs} | {("outputs", name) for name in job.outputs}
    assert rest.properties.job_type == "Command"
    assert job.experiment_name, "without experiment_name Azure ML files the job under the folder name"
    assert bound <= declared, f"command binds undeclared {sorted(bound - declared)}"
    scripts = re.findall(r"[\w./-]+\.py\b", job.command)
    assert all((spec.parent / job.code / script).is_file() for script in scripts), scripts


def test_the_training_environment_pins_what_run_local_installs():
    conda = yaml.safe_load((REPO / "jobs/environments/train-conda.yml").read_text())
    remote = dict(line.split("==") for line in conda["dependencies"][-1]["pip"])
    local = dict(line.split("==") for line in (REPO / "requirements-jobs.txt").read_text().split() if "==" in line)
    for package in ("scikit-learn", "pandas", "skops", "mlflow-skinny"):
        assert remote[package] == local[package], package


def test_the_shipped_csv_is_scikit_learns_iris():
    from sklearn.datasets import load_iris

    shipped = pd.read_csv(REPO / "jobs/data/iris.csv")
    iris = load_iris()
    assert shipped.shape == (150, 5)
    assert (shipped.iloc[:, :4].to_numpy() == iris.data).all()
    assert list(shipped["species"]) == [iris.target_names[label] for label in iris.target]


def test_overrides_reach_the_job():
    job = specs.load(TRAIN_SPEC, specs.Overrides(
        compute="cpu", experiment="tuning", inputs={"C": "0.5", "training_data": "azureml:iris@latest"},
        tags={"owner": "team-a"}), DEV)
    assert job.compute == "cpu-cluster"
    assert job.experiment_name == "tuning"
    assert job.tags == {"owner": "team-a"}
    assert job._to_job().inputs["C"] == 0.5
    assert job.inputs["training_data"].path == "iris@latest"  # azure-ai-ml drops the azureml: prefix on load


def test_a_local_data_input_is_taken_relative_to_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "more.csv").write_text("a,b\n1,2\n")
    monkeypatch.chdir(tmp_path)
    job = specs.load(TRAIN_SPEC, specs.Overrides(inputs={"training_data": "more.csv"}))
    assert job._to_job().inputs["training_data"].path == str(tmp_path / "more.csv")


def test_compute_can_be_named_by_its_azure_name_and_defaults_to_serverless():
    assert specs.load(TRAIN_SPEC, specs.Overrides(compute="cpu-cluster"), DEV).compute == "cpu-cluster"
    assert specs.load(TRAIN_SPEC).compute is None


@pytest.mark.parametrize("overrides, error, message", [
    (specs.Overrides(compute="gpu"), WorkspaceError, "unknown compute 'gpu': stack 'dev' exports computes: cpu"),
    (specs.Overrides(inputs={"learning_rate": "1"}), SpecError,
     "no input 'learning_rate' (inputs: training_data, target_column, C, max_iter, test_size, random_state)"),
    (specs.Overrides(inputs={"training_data": "missing.csv"}), InputError,
     "input 'training_data': no such file or folder: missing.csv"),
])
def test_bad_overrides_name_the_offending_key(overrides, error, message):
    with pytest.raises(error) as raised:
        specs.load(TRAIN_SPEC, overrides, DEV)
    assert message in str(raised.value)


@pytest.mark.parametrize("content, message", [
    ("type: command\ncommand: [unclosed\n", "bad.yml: invalid YAML at line 3"),
    ("- a list\n", "bad.yml: a job spec is a YAML mapping, found list"),
    ("type: command\ncommand: echo\nenvironment: azureml:env@latest\nbogus_field: 1\n",
     "bad.yml: bogus_field: Unknown field."),
])
def test_bad_specs_are_one_line_errors_naming_file_and_key(tmp_path, content, message):
    spec = tmp_path / "bad.yml"
    spec.write_text(content)
    with pytest.raises(SpecError) as raised:
        specs.load(spec)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_missing_spec_is_named(tmp_path):
    with pytest.raises(SpecError, match=r"nope\.yml: no such job spec"):
        specs.load(tmp_path / "nope.yml")


@pytest.mark.parametrize("where, message", [
    (("jobs", "train", "inputs"), "jobs.train.inputs.max_iter: Invalid input type. (value: [1, 2])"),
    (("inputs",), "inputs.max_iter: Invalid input type. (value: [1, 2])"),
])
def test_a_nested_schema_error_keeps_the_key_at_fault(tmp_path, where, message):
    spec = yaml.safe_load((FIXTURES / "pipeline_literals.yml").read_text())
    spec["inputs"]["training_data"]["path"] = str(REPO / "jobs/data/iris.csv")
    for step in spec["jobs"].values():
        step["code"] = str(FIXTURES / "src")
    holder = spec
    for key in where:
        holder = holder[key]
    holder["max_iter"] = [1, 2]
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(spec))
    with pytest.raises(SpecError) as raised:
        specs.load(tmp_path / "bad.yml")
    assert str(raised.value) == f"{tmp_path / 'bad.yml'}: {message}"


def test_a_command_jobs_nested_input_error_names_the_input(tmp_path):
    spec = yaml.safe_load((FIXTURES / "command_autolog.yml").read_text())
    spec.update(code=str(FIXTURES / "src"), inputs={"C": [1, 2]})
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(spec))
    with pytest.raises(SpecError, match=r"bad\.yml: inputs\.C: Invalid input type\.$"):
        specs.load(tmp_path / "bad.yml")


@pytest.mark.parametrize("declared, value, typed", [
    ("species", "yes", "yes"), ("species", "a #b", "a #b"), (150, "200", 200), (150, "0.5", 0.5),
    (0.5, "1", 1.0), (True, "FALSE", False),
])
def test_an_input_takes_its_declared_type(declared, value, typed):
    result = specs.typed_literal("x", declared, value)
    assert (result, type(result)) == (typed, type(typed))


@pytest.mark.parametrize("declared, value, message", [
    (150, "many", "input 'x' is a number: 'many' is not one"),
    (True, "yes", "input 'x' is a boolean: pass true or false, not 'yes'"),
])
def test_a_value_of_the_wrong_type_is_refused(declared, value, message):
    with pytest.raises(InputError, match=message):
        specs.typed_literal("x", declared, value)
