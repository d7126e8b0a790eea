"""`run-local` safety: input values never become shell code, --input keeps the declared type, outputs
stay inside --output-dir, and every refusal is one `error:` line that leaves no folder behind."""

import os
from pathlib import Path

import pytest
from local_runs import PYTHON, run_cli

from jobs.errors import SpecError
from jobs.sandbox import render

pytest_plugins = ["jobs_fixtures"]

EXPLOIT = 'x=a"; touch /tmp/p; echo "'


def _spec(tmp_path: Path, command: str, inputs: str = "  x: hello\n", extra: str = "") -> Path:
    spec = tmp_path / "job.yml"
    spec.write_text(f"type: command\ncommand: >-\n  {command}\ninputs:\n{inputs}environment: azureml:x@latest\n{extra}")
    return spec


def _outputs(tmp_path: Path) -> Path:
    return tmp_path / "out" / "artifacts" / "outputs"


@pytest.mark.parametrize("value", [EXPLOIT, "x=a'; touch /tmp/p; echo '", "x=$(touch /tmp/p)`touch /tmp/p`"])
def test_an_input_value_never_runs_as_shell_code_whatever_quotes_surround_it(tmp_path, value):
    if Path("/tmp/p").exists():
        pytest.skip("/tmp/p exists already: the exploit's effect could not be seen")
    command = ('printf "%s\\n" "${{inputs.x}}" \'${{inputs.x}}\' ${{inputs.x}} "$(printf %s "${{inputs.x}}")" '
               "> outputs/seen.txt")
    code, _, err = run_cli(_spec(tmp_path, command), "--output-dir", tmp_path / "out", "--input", value)
    assert code == 0, err
    assert not Path("/tmp/p").exists()
    assert (_outputs(tmp_path) / "seen.txt").read_text() == f"{value[2:]}\n" * 4  # each one word, verbatim


def test_render_references_variables_fit_for_each_quoting():
    bindings = {"inputs": {"data": "/tmp/my data.csv", "lr": "0.1"}, "outputs": {"model": "/tmp/out"}}
    command = ("python t.py --data ${{inputs.data}} $[[--lr ${{inputs.lr}}]] $[[--seed ${{inputs.seed}}]] "
               "-o \"${{outputs.model}}/m\" '${{inputs.lr}}' \\\"${{inputs.lr}}")
    assert render(command, bindings) == (
        'python t.py --data "${AZURE_ML_INPUT_data}" --lr "${AZURE_ML_INPUT_lr}"  '
        '-o "${AZURE_ML_OUTPUT_model}/m" \'\'"${AZURE_ML_INPUT_lr}"\'\' \\""${AZURE_ML_INPUT_lr}"',
        {"AZURE_ML_INPUT_data": "/tmp/my data.csv", "AZURE_ML_INPUT_lr": "0.1", "AZURE_ML_OUTPUT_model": "/tmp/out"},
    )
    with pytest.raises(SpecError, match=r"command refers to outputs\.report, which the spec does not define"):
        render("echo ${{outputs.report}}", bindings)


@pytest.mark.parametrize(("name", "value", "seen"), [
    ("s", "yes", "yes"),  # a string stays a string: not YAML's True
    ("s", "a #b", "a #b"),  # not a YAML comment
    ("s", "", ""),
    ("n", "7", "7"),
    ("f", "1e-3", "1e-3"),
    ("b", "FALSE", "False"),
])
def test_an_input_value_takes_the_declared_type(tmp_path, name, value, seen):
    inputs = "  s: hello\n  n: 3\n  f: 0.5\n  b: true\n"
    spec = _spec(tmp_path, f"printf %s ${{{{inputs.{name}}}}} > outputs/seen.txt", inputs)
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out", "--input", f"{name}={value}")
    assert code == 0, err
    assert (_outputs(tmp_path) / "seen.txt").read_text() == seen


@pytest.mark.parametrize(("value", "message"), [
    ("n=1.5", "input 'n' is an integer (the spec has 3): '1.5' is not one"),
    ("b=yes", "input 'b' is a boolean (the spec has True): 'yes' is not one"),
    ("f=fast", "input 'f' is a number (the spec has 0.5): 'fast' is not one"),
])
def test_a_refused_input_is_one_line_and_leaves_no_folder(tmp_path, value, message):
    spec = _spec(tmp_path, "true ${{inputs.n}}", "  n: 3\n  f: 0.5\n  b: true\n")
    code, out, err = run_cli(spec, "--output-dir", tmp_path / "out", "--input", value, "--python", PYTHON)
    assert (code, out, err) == (1, "", f"error: {message}\n")  # and no "outputs in" announced
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "..", "artifacts"])
def test_an_output_cannot_leave_the_output_folder(tmp_path, name):
    spec = _spec(tmp_path, "true", extra=f'outputs:\n  "{name}":\n    type: uri_folder\n')
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "a" / "b" / "out")
    assert code == 1
    assert err.startswith(f"error: output name {name!r} ") and len(err.splitlines()) == 1
    assert os.listdir(tmp_path) == ["job.yml"]


def test_code_from_the_workspace_is_refused_in_one_line(tmp_path):
    spec = _spec(tmp_path, "python train.py", extra="code: azureml:name:1\n")
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out")
    assert (code, err) == (1, "error: code is azureml:name:1: run-local needs local code, a folder next to the spec\n")
    assert not (tmp_path / "out").exists()
