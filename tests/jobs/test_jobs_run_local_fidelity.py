"""`run-local` on real-world-shaped specs runs them as Azure ML would: bash, a copy of the code with
./outputs and ./logs kept as artifacts, an MLflow run the script logs into, pipelines step by step."""

import json
import os
import sys
from pathlib import Path

import pytest
from local_runs import FIXTURES, PYTHON, mlflow_runs, run_cli

pytest_plugins = ["jobs_fixtures"]


def gated_run(tmp_path_factory, spec: str, requirement: str):
    """One real run of a fixture spec behind a gate: (exit code, the JSON result or stderr, output folder)."""
    output_dir = tmp_path_factory.mktemp(spec.split("_")[0]) / "out"
    code, out, err = run_cli(FIXTURES / spec, "--output-dir", output_dir, "--python", PYTHON,
                             "--require", requirement, "--output", "json")
    return code, json.loads(out) if code == 0 else err, output_dir


@pytest.fixture(scope="module")
def autolog(tmp_path_factory):
    return gated_run(tmp_path_factory, "command_autolog.yml", "training_accuracy_score>=0.9")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    return gated_run(tmp_path_factory, "pipeline_literals.yml", "train.training_accuracy_score>=0.9")


def test_autolog_metrics_gate_the_run_and_the_model_is_kept_from_outputs(autolog):
    code, printed, output_dir = autolog
    assert code == 0, printed
    assert (output_dir / "artifacts" / "outputs" / "model" / "MLmodel").is_file()
    assert printed["outputs"] == {}
    assert printed["metrics"]["training_accuracy_score"] == pytest.approx(0.973, abs=1e-3)
    assert printed["metrics"]["test_accuracy"] == pytest.approx(0.947, abs=1e-3)
    [run] = mlflow_runs(output_dir, "iris-autolog")
    assert run.info.run_id == printed["mlflow_run"]
    assert run.data.metrics == printed["metrics"]


def test_the_job_runs_in_a_copy_of_its_code(autolog):
    """The spec's code folder is untouched: the script wrote ./outputs in a copy."""
    assert not (FIXTURES / "src" / "outputs").exists()
    assert not (FIXTURES / "src" / "mlruns").exists()


def test_a_failing_gate_on_autolog_names_the_metric(tmp_path):
    code, out, err = run_cli(FIXTURES / "bash_source.yml", "--output-dir", tmp_path / "out", "--python", PYTHON,
                             "--require", "training_accuracy_score>=0.99", "--output", "json")
    failure = "training_accuracy_score=0.973214, required training_accuracy_score>=0.99"
    assert code == 1
    assert err.splitlines()[-1] == f"error: metric gate failed: {failure}"
    # stdout is still one JSON document, saying why
    printed = json.loads(out)
    assert {key: printed[key] for key in ("output_dir", "gate", "requirements", "failures", "error")} == {
        "output_dir": str(tmp_path / "out"), "gate": "failed", "requirements": ["training_accuracy_score>=0.99"],
        "failures": [failure], "error": f"metric gate failed: {failure}"}
    assert printed["metrics"]["training_accuracy_score"] == pytest.approx(0.973, abs=1e-3)
    # bash ran `source setup.sh &&`: the variable it exported reached the script, whose output is kept
    log = (tmp_path / "out" / "artifacts" / "user_logs" / "std_log.txt").read_text()
    assert "greeting: hello from setup.sh" in log.splitlines()
    assert err.startswith(f"run-local {FIXTURES / 'bash_source.yml'}: outputs in {tmp_path / 'out'}\n")


def test_a_pipeline_runs_its_steps_in_order_into_the_pipeline_output(pipeline):
    import mlflow.pyfunc

    code, printed, output_dir = pipeline
    assert code == 0, printed
    assert printed["outputs"] == {"trained_model": str(output_dir / "trained_model")}
    assert printed["artifacts"] == {step: str(output_dir / "jobs" / step / "artifacts") for step in ("prep", "train")}
    assert printed["metrics"] == {"train.training_accuracy_score": pytest.approx(0.973, abs=1e-3)}
    assert (output_dir / "jobs" / "prep" / "prepared" / "prepared.csv").is_file()
    model = mlflow.pyfunc.load_model(str(output_dir / "trained_model"))
    assert model.metadata.flavors["sklearn"]
    runs = {run.info.run_name: run for run in mlflow_runs(output_dir, "iris-pipeline")}
    assert sorted(runs) == ["pipeline_literals", "prep", "train"]
    assert {runs[step].data.tags["mlflow.parentRunId"] for step in ("prep", "train")} == {printed["mlflow_run"]}


def test_a_sweep_is_refused_in_one_line(tmp_path):
    code, out, err = run_cli(FIXTURES / "sweep.yml", "--output-dir", tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == (f"error: {FIXTURES / 'sweep.yml'}: run-local runs command jobs and pipelines of command steps, "
                   "not a sweep job\n")
    assert not (tmp_path / "out").exists()


def test_a_pipeline_step_that_is_not_a_command_is_refused(tmp_path):
    spec = tmp_path / "pipeline.yml"
    spec.write_text(f"type: pipeline\njobs:\n  tune:\n"
                    + "".join(f"    {line}\n" for line in (FIXTURES / "sweep.yml").read_text().splitlines()
                              if not line.startswith(("$schema", "#", "experiment_name"))))
    (tmp_path / "src").mkdir()
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out")
    assert err.splitlines() == [f"error: {spec}: step 'tune' is a sweep job: run-local runs a pipeline's command steps only"]


def _environment_spec(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "show_env.py").write_text(
        "import json, os, sys\n"
        "json.dump({'PATH': os.environ['PATH'], 'VIRTUAL_ENV': os.environ.get('VIRTUAL_ENV'),\n"
        "           'prefix': sys.prefix, 'cwd': os.getcwd(), 'listing': sorted(os.listdir('.'))},\n"
        "          open('outputs/env.json', 'w'))\n")
    spec = tmp_path / "env.yml"
    spec.write_text("type: command\ncode: src\ncommand: python show_env.py\nenvironment: azureml:x@latest\n")
    return spec


def test_the_job_never_gets_the_tools_virtualenv(tmp_path, monkeypatch):
    venv_bin = os.path.realpath(Path(sys.prefix, "bin"))
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.prefix, "bin")), "/usr/bin", "/bin"]))
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    code, _, err = run_cli(_environment_spec(tmp_path), "--output-dir", tmp_path / "out", "--python", PYTHON)
    seen = json.loads((tmp_path / "out" / "artifacts" / "outputs" / "env.json").read_text())
    assert code == 0, err
    assert seen["VIRTUAL_ENV"] is None
    assert venv_bin not in [os.path.realpath(entry) for entry in seen["PATH"].split(os.pathsep)]
    assert seen["PATH"].split(os.pathsep)[1:] == ["/usr/bin", "/bin"]  # the shim for --python, then the user's
    assert seen["prefix"] == sys.prefix  # --python chose this interpreter explicitly
    assert seen["cwd"] != str(tmp_path / "src") and seen["listing"] == ["logs", "outputs", "show_env.py"]


def test_without_python_the_job_finds_none_in_the_tools_virtualenv(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.prefix, "bin")), str(tmp_path / "empty")]))
    code, _, err = run_cli(_environment_spec(tmp_path), "--output-dir", tmp_path / "out")
    assert code == 1
    assert err.splitlines()[-1].startswith("error: local run of ")
    assert "failed with exit code 127 (command not found: the job runs with your PATH, without this tool's " \
           "virtualenv; --python PATH chooses the interpreter)" in err.splitlines()[-1]


def _listing_spec(tmp_path: Path) -> Path:
    """A code folder whose command lists what the job sees (besides ./outputs and ./logs) and which are links."""
    spec = tmp_path / "listing.yml"
    spec.write_text("type: command\ncode: src\nenvironment: azureml:x@latest\ncommand: >-\n"
                    "  find . -path ./outputs -prune -o -path ./logs -prune -o -type f -print | sort > outputs/files.txt;\n"
                    "  find . -type l > outputs/links.txt\n")
    (tmp_path / "src" / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_text("")
    for name in ("train.py", "big.bin", "notes.tmp", "pkg/m.py"):
        (tmp_path / "src" / name).write_text(name)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "shared.py").write_text("shared")
    (tmp_path / "src" / "shared.py").symlink_to(tmp_path / "elsewhere" / "shared.py")
    (tmp_path / "src" / "lib").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    return spec


def _seen(output_dir: Path) -> tuple[list[str], str]:
    outputs = output_dir / "artifacts" / "outputs"
    return (outputs / "files.txt").read_text().split(), (outputs / "links.txt").read_text()


def test_the_code_copy_is_what_azure_ml_uploads(tmp_path):
    """.amlignore wins over .gitignore, __pycache__ stays out, symlinks are copied as their targets."""
    spec = _listing_spec(tmp_path)
    (tmp_path / "src" / ".amlignore").write_text("big.bin\n")
    (tmp_path / "src" / ".gitignore").write_text("*.tmp\n")
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out")
    files, links = _seen(tmp_path / "out")
    assert code == 0, err
    assert files == ["./.amlignore", "./.gitignore", "./lib/shared.py", "./notes.tmp", "./pkg/m.py", "./shared.py",
                     "./train.py"]
    assert links == ""
    assert (tmp_path / "src" / "shared.py").is_symlink()  # the spec's folder is untouched


def test_without_an_amlignore_the_gitignore_applies(tmp_path):
    spec = _listing_spec(tmp_path)
    (tmp_path / "src" / ".gitignore").write_text("*.tmp\npkg/\n")
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out")
    assert code == 0, err
    assert _seen(tmp_path / "out")[0] == ["./.gitignore", "./big.bin", "./lib/shared.py", "./shared.py", "./train.py"]


def test_an_output_folder_inside_the_code_folder_is_never_copied(tmp_path):
    spec = _listing_spec(tmp_path)
    output_dir = tmp_path / "src" / "runs" / "first"
    code, _, err = run_cli(spec, "--output-dir", output_dir)
    assert code == 0, err
    assert not [name for name in _seen(output_dir)[0] if name.startswith("./runs")]
