"""`run-local` plans before it runs: every step bound and its command rendered before "outputs in" is
announced; registered components are refused; a run stopped midway leaves no MLflow run RUNNING."""

from pathlib import Path

import pytest
from local_runs import PYTHON, mlflow_runs, run_cli

from jobs import local, sandbox
from jobs.errors import JobEndedError

pytest_plugins = ["jobs_fixtures"]

COMPONENT = """\
type: command
name: show
code: ./src
command: printf '%s %s %s' ${{inputs.data}} ${{inputs.target}} ${{inputs.max_iter}} > outputs/seen.txt
environment: azureml:AzureML-sklearn-1.5@latest
inputs:
  data:
    type: uri_folder
  target:
    type: string
    default: species
  max_iter:
    type: integer
    default: 100
"""


def _pipeline(tmp_path: Path, second: str) -> Path:
    """Step `first` touches tmp_path/ran; step `second` is the YAML given."""
    (tmp_path / "src").mkdir(exist_ok=True)
    spec = tmp_path / "pipeline.yml"
    spec.write_text(f"type: pipeline\nexperiment_name: plan\njobs:\n  first:\n    type: command\n"
                    f"    command: touch {tmp_path / 'ran'}\n    environment: azureml:x@latest\n"
                    f"    outputs:\n      folder:\n        type: uri_folder\n  second:\n{second}")
    return spec


def test_a_step_takes_the_defaults_of_its_component_file(tmp_path):
    (tmp_path / "component.yml").write_text(COMPONENT)
    spec = _pipeline(tmp_path, "    type: command\n    component: ./component.yml\n    inputs:\n"
                               "      data: ${{parent.jobs.first.outputs.folder}}\n      max_iter: 7\n")
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out", "--python", PYTHON)
    assert code == 0, err
    seen = (tmp_path / "out" / "jobs" / "second" / "artifacts" / "outputs" / "seen.txt").read_text()
    assert seen == f"{tmp_path / 'out' / 'jobs' / 'first' / 'folder'} species 7"


def test_a_registered_component_is_refused_in_one_line(tmp_path):
    spec = _pipeline(tmp_path, "    type: command\n    component: azureml:train_comp:1\n")
    code, out, err = run_cli(spec, "--output-dir", tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == (f"error: {spec}: step 'second' uses workspace component azureml:train_comp:1: "
                   "run-local needs a local component file\n")
    assert not (tmp_path / "out").exists()


def test_every_step_is_rendered_before_anything_runs(tmp_path):
    spec = _pipeline(tmp_path, "    type: command\n    command: echo ${{inputs.nope}}\n"
                               "    environment: azureml:x@latest\n")
    code, out, err = run_cli(spec, "--output-dir", tmp_path / "out", "--python", PYTHON)
    assert (code, out) == (1, "")
    assert err == f"error: {spec}: step 'second': command refers to inputs.nope, which the spec does not define\n"
    assert not (tmp_path / "out").exists() and not (tmp_path / "ran").exists()


def test_a_command_job_is_rendered_before_the_output_folder_is_announced(tmp_path):
    spec = tmp_path / "job.yml"
    spec.write_text("type: command\ncommand: echo ${{inputs.nope}}\nenvironment: azureml:x@latest\n")
    code, out, err = run_cli(spec, "--output-dir", tmp_path / "out")
    assert (code, out, err) == (1, "", f"error: {spec}: command refers to inputs.nope, which the spec does not define\n")
    assert not (tmp_path / "out").exists()


def test_a_failing_step_fails_its_run_and_the_pipelines(tmp_path):
    spec = _pipeline(tmp_path, "    type: command\n    command: exit 3\n    environment: azureml:x@latest\n")
    with pytest.raises(JobEndedError, match="local run of step second of .* failed with exit code 3"):
        local.run_local(spec, tmp_path / "out", python=PYTHON)
    runs = {run.info.run_name: run.info.status for run in mlflow_runs(tmp_path / "out", "plan")}
    assert runs == {"pipeline": "FAILED", "first": "FINISHED", "second": "FAILED"}


def test_a_run_stopped_midway_leaves_no_run_running(tmp_path, monkeypatch):
    spec = _pipeline(tmp_path, "    type: command\n    command: 'true'\n    environment: azureml:x@latest\n")
    real = sandbox.run

    def interrupted(step, *args, **kwargs):
        if step.name == "second":
            raise KeyboardInterrupt
        return real(step, *args, **kwargs)

    monkeypatch.setattr(sandbox, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        local.run_local(spec, tmp_path / "out", python=PYTHON)
    runs = {run.info.run_name: run.info.status for run in mlflow_runs(tmp_path / "out", "plan")}
    assert runs == {"pipeline": "FAILED", "first": "FINISHED", "second": "FAILED"}
