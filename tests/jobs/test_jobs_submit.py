"""`submit` on real-world-shaped specs against the fakes: overrides that do what they say, a summary
that tells the truth, every local check before sign-in, and what leaves the machine shown first."""

import json
from pathlib import Path

import pytest
import yaml
from jobs_fakes import DEV_OUTPUTS

from jobs.cli import main

pytest_plugins = ["jobs_fixtures"]

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
OUTPUTS = {**DEV_OUTPUTS, "computes": {"cpu": {"name": "cpu-cluster"}, "gpu": {"name": "gpu-cluster"}}}


class RefusedSignIn:
    """A connect that must not be reached: local checks come first."""

    def __init__(self):
        self.calls = 0

    def __call__(self, workspace):
        self.calls += 1
        raise AssertionError("signed in before the local checks")


def submit(capsys, ops, *argv):
    code = main(["submit", *map(str, argv), "--stack", "dev", "--no-wait", "--output", "json"], connect=ops.connect)
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else None, err


@pytest.fixture
def dev(fake_pulumi):
    fake_pulumi({"dev": OUTPUTS})


def test_compute_on_a_pipeline_replaces_the_default_and_every_step_naming_its_own(capsys, dev, ops):
    code, summary, err = submit(capsys, ops, FIXTURES / "pipeline_step_compute.yml", "--compute", "gpu")
    sent = ops.jobs.submitted["job-1"]
    assert code == 0
    assert (sent.settings.default_compute, {name: step.compute for name, step in sent.jobs.items()}) == (
        "gpu-cluster", {"prep": None, "train": "gpu-cluster"})
    assert "--compute gpu-cluster: also replaces the compute of step train" in err.splitlines()
    assert (summary["type"], summary["steps"]) == ("pipeline", {"prep": "gpu-cluster", "train": "gpu-cluster"})
    assert "compute" not in summary


def test_the_summary_reports_the_compute_each_step_will_use(capsys, dev, ops):
    _, summary, _ = submit(capsys, ops, FIXTURES / "pipeline_step_compute.yml")
    assert summary["steps"] == {"prep": "cpu-cluster", "train": "gpu-cluster"}
    _, summary, _ = submit(capsys, ops, FIXTURES / "pipeline_literals.yml", "--compute", "gpu")
    sent = ops.jobs.submitted["job-2"]
    assert sent.settings.default_compute == "gpu-cluster"
    assert summary["steps"] == {"prep": "gpu-cluster", "train": "gpu-cluster"}


def test_compute_on_a_sweep_is_the_jobs_compute(capsys, dev, ops):
    _, summary, _ = submit(capsys, ops, FIXTURES / "sweep.yml", "--compute", "gpu")
    assert (ops.jobs.submitted["job-1"].compute, summary["type"], summary["compute"]) == (
        "gpu-cluster", "sweep", "gpu-cluster")


def test_input_overrides_an_automl_jobs_training_data(capsys, dev, ops):
    code, summary, err = submit(capsys, ops, FIXTURES / "automl_classification.yml",
                                "--input", "training_data=azureml:iris-mltable:1")
    sent = ops.jobs.submitted["job-1"]
    assert code == 0, err
    assert (sent.training_data.type, sent.training_data.path) == ("mltable", "iris-mltable:1")
    assert summary["inputs"] == {"training_data": "azureml:iris-mltable:1 (mltable)",
                                 "validation_data": "azureml:iris-validation-mltable:1 (mltable)"}
    assert (summary["type"], summary["compute"], summary["uploads"]) == ("automl", "cpu-cluster", {})


def test_inputs_take_the_declared_type_not_yaml(capsys, dev, ops):
    code, summary, _ = submit(capsys, ops, FIXTURES / "pipeline_literals.yml",
                              "--input", "target=yes", "--input", "max_iter=200")
    sent = ops.jobs.submitted["job-1"].inputs
    assert code == 0
    assert (sent["target"]._data, sent["max_iter"]._data) == ("yes", 200)
    assert (summary["inputs"]["target"], summary["inputs"]["max_iter"]) == ("yes", 200)
    code, summary, _ = submit(capsys, ops, FIXTURES / "command_autolog.yml", "--input", "C=1")
    assert ops.jobs.submitted["job-2"]._to_job().inputs["C"] == 1.0  # C: 0.5 declares a number, so 1 is one


@pytest.mark.parametrize("argv, message", [
    (["--input", "training_data=missing.csv"], "input 'training_data': no such file or folder: missing.csv"),
    (["--input", "max_iter=many"], "input 'max_iter' is a number: 'many' is not one"),
    (["--input", "training_data=azureml:bad name:1"], "input 'training_data': invalid asset reference"),
    (["--compute", "tpu"], "unknown compute 'tpu': stack 'dev' exports computes: cpu, gpu"),
    (["--input", f"training_data={REPO / 'jobs/data'}"],
     f"input 'training_data' is uri_file, which takes a file: {REPO / 'jobs/data'} is a folder"),
])
def test_local_checks_fail_before_sign_in(capsys, dev, argv, message):
    refused = RefusedSignIn()
    code = main(["submit", str(FIXTURES / "pipeline_literals.yml"), "--stack", "dev", *argv], connect=refused)
    out, err = capsys.readouterr()
    assert (code, out, refused.calls) == (1, "", 0)
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("argv, message", [
    (["upload", "absent.csv", "--name", "iris"], "error: no such file or folder: absent.csv"),
    (["upload", str(REPO / "jobs/data/iris.csv"), "--name", ".iris"], "error: invalid data asset name '.iris'"),
])
def test_upload_checks_fail_before_sign_in(capsys, dev, argv, message):
    refused = RefusedSignIn()
    code = main([*argv, "--stack", "dev"], connect=refused)
    assert (code, refused.calls) == (1, 0)
    assert capsys.readouterr().err.startswith(message)


def refused_submit(capsys, *argv) -> str:
    """`submit` that must fail before signing in: its stderr."""
    refused = RefusedSignIn()
    code = main(["submit", *map(str, argv), "--stack", "dev"], connect=refused)
    assert (code, refused.calls) == (1, 0)
    return capsys.readouterr().err


def _repo_with_spec(tmp_path: Path, code: str) -> Path:
    """tmp/home/repo (a git work tree) holding a command spec two folders down."""
    repo = tmp_path / "home" / "repo"
    (repo / ".git").mkdir(parents=True)
    (tmp_path / "home" / "secrets.txt").write_text("not for the workspace")
    spec = repo / "jobs" / "specs" / "train.yml"
    spec.parent.mkdir(parents=True)
    spec.write_text(yaml.safe_dump({"type": "command", "code": code, "command": "python train.py",
                                    "environment": "azureml:AzureML-sklearn-1.5@latest"}))
    return spec


def test_code_outside_the_repository_is_refused_before_sign_in(capsys, dev, tmp_path):
    spec = _repo_with_spec(tmp_path, "../../..")
    assert refused_submit(capsys, spec) == (
        f"error: code: {tmp_path / 'home'} is outside the spec's repository {tmp_path / 'home/repo'}; "
        f"pass --allow-outside {tmp_path / 'home'} to upload it\n")


def test_what_will_be_uploaded_is_shown_first_with_azure_ml_ignore_rules(capsys, dev, ops, tmp_path):
    spec = _repo_with_spec(tmp_path, "../../..")
    home = tmp_path / "home"
    (home / ".amlignore").write_text("*.csv\n")  # .amlignore wins over .gitignore
    (home / ".gitignore").write_text("secrets.txt\n")
    (home / "big.csv").write_text("x" * 5000)
    (home / "repo" / "__pycache__").mkdir()
    (home / "repo" / "__pycache__" / "a.pyc").write_text("cache")  # never uploaded with code
    code, summary, err = submit(capsys, ops, spec, "--allow-outside", home)
    uploaded = ["secrets.txt", ".amlignore", ".gitignore", "repo/jobs/specs/train.yml"]
    size = sum((home / name).stat().st_size for name in uploaded)
    assert code == 0
    assert err.splitlines()[0] == f"will upload code: {home} (4 files, {size} B)"
    assert summary["uploads"] == {str(home): f"4 files, {size} B"}


def test_a_failed_job_still_prints_one_json_document(capsys, workspace_config, ops):
    ops.jobs.next_statuses = ["Queued", "Failed"]
    code = main(["submit", str(FIXTURES / "command_autolog.yml"), "--workspace-config", str(workspace_config),
                 "--output", "json", "--poll-interval", "1s"], connect=ops.connect)
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert code == 1
    assert (document["name"], document["status"], document["error"]) == ("job-1", "Failed", "job job-1 ended Failed")
    assert err.splitlines()[-1] == "error: job job-1 ended Failed"


def test_a_failure_without_a_result_is_a_json_error(capsys, dev):
    code = main(["submit", "missing.yml", "--stack", "dev", "--output", "json"], connect=RefusedSignIn())
    assert (code, json.loads(capsys.readouterr().out)) == (1, {"error": "missing.yml: no such job spec"})


def test_a_link_in_the_code_folder_cannot_reach_outside_the_repository(capsys, dev, ops, tmp_path):
    """azure-ai-ml walks the code folder following links: every file it would send is checked."""
    spec = _repo_with_spec(tmp_path, "../src")
    repo, other = tmp_path / "home" / "repo", tmp_path / "other"
    (repo / "jobs" / "src").mkdir()
    (repo / "jobs" / "src" / "train.py").write_text("print('train')\n")
    (other / "private").mkdir(parents=True)
    (other / "private" / "key.pem").write_text("secret")
    (repo / "jobs" / "src" / "linked").symlink_to(other)
    (repo / "jobs" / "src" / "inside").symlink_to(repo / "jobs" / "specs")  # a link within the repository is fine
    assert refused_submit(capsys, spec) == (
        f"error: code: {other / 'private/key.pem'} (through the link {repo / 'jobs/src/linked'}) is "
        f"outside the spec's repository {repo}; pass --allow-outside {other} to upload it\n")

    code, summary, err = submit(capsys, ops, spec, "--allow-outside", other)
    assert code == 0, err
    assert summary["uploads"] == {str(repo / "jobs/src"): f"3 files, {15 + 6 + spec.stat().st_size} B"}


def test_a_folder_input_refuses_a_file_before_sign_in(capsys, dev):
    iris = REPO / "jobs/data/iris.csv"
    err = refused_submit(capsys, FIXTURES / "automl_classification.yml", "--input", f"training_data={iris}")
    assert err == f"error: input 'training_data' is mltable, which takes a folder: {iris} is a file\n"
