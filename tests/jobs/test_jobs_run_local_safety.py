"""`run-local` safety: input values never become shell code, --input keeps the declared type, outputs
stay inside --output-dir, and every refusal is one `error:` line that leaves no folder behind."""

import os
from pathlib import Path

import pytest
from local_runs import PYTHON, run_cli

from jobs.errors import SpecError
from jobs.sandbox import render
from jobs.specs import typed_literal

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
    ("n", "1.5", "1.5"),  # a declared number takes any number, as submit does
    ("f", "1e-3", "0.001"),
    ("b", "FALSE", "False"),
])
def test_an_input_value_takes_the_declared_type(tmp_path, name, value, seen):
    """run-local types a value as submit does (jobs.specs.typed_literal), then as Azure ML prints it."""
    inputs = "  s: hello\n  n: 3\n  f: 0.5\n  b: true\n"
    spec = _spec(tmp_path, f"printf %s ${{{{inputs.{name}}}}} > outputs/seen.txt", inputs)
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out", "--input", f"{name}={value}")
    assert code == 0, err
    assert (_outputs(tmp_path) / "seen.txt").read_text() == seen
    assert str(typed_literal(name, {"s": "", "n": 3, "f": 0.5, "b": True}[name], value)) == seen


@pytest.mark.parametrize(("value", "message"), [
    ("n=x1", "input 'n' is a number: 'x1' is not one"),
    ("b=yes", "input 'b' is a boolean: pass true or false, not 'yes'"),
    ("f=fast", "input 'f' is a number: 'fast' is not one"),
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


def _script_spec(tmp_path: Path, command: str, mark: Path) -> Path:
    """A command kept line by line (YAML `|`), whose inputs would touch MARK if bash ran them as code."""
    spec = tmp_path / "job.yml"
    body = "".join(f"  {line}\n" for line in command.splitlines())
    spec.write_text(f"type: command\ncommand: |\n{body}inputs:\n  x: \"x\"\n  n: \"1\"\nenvironment: azureml:x@latest\n")
    return spec


def _exploits(mark: Path) -> list[str]:
    return [f"x=a\"; touch {mark}; echo \"b $(touch {mark}) ' `touch {mark}`", f"n=a[$(touch {mark})]"]


@pytest.mark.parametrize(("command", "seen"), [
    ("# don't forget the quotes\nprintf '[%s]' ${{inputs.x}} > outputs/seen.txt", "[{x}]"),
    ("echo hi # it's\nprintf '[%s]' ${{inputs.x}} ${{inputs.n}} > outputs/seen.txt", "[{x}][{n}]"),
    ("cat <<'EOF' > outputs/seen.txt\nit's ${HOME\nEOF\nprintf '[%s]' ${{inputs.x}} >> outputs/seen.txt", "it's ${{HOME\n[{x}]"),
    ("case a in a) printf '[%s]' ${{inputs.x}} > outputs/seen.txt;; esac", "[{x}]"),
    ('echo "$(case a in a) printf "[%s]" "${{inputs.x}}";; esac)" > outputs/seen.txt', "[{x}]\n"),
    ("printf '[%s]' $'it\\'s' $'${{inputs.x}}' > outputs/seen.txt", "[it's][{x}]"),
    ("cat <<< ${{inputs.x}} > outputs/seen.txt", "{x}\n"),
    ('[ "${{inputs.n}}" = 1 ] || printf "%s" ${#HOME} $# ${{inputs.n}} > outputs/seen.txt', "{hlen}0{n}"),
], ids=["comment", "comment-after-code", "quoted-heredoc-before", "case", "case-in-substitution", "ansi-c", "here-string",
        "test-and-hash"])
def test_contexts_the_scanner_models_keep_each_value_one_word(tmp_path, command, seen):
    mark = tmp_path / "pwned"
    spec = _script_spec(tmp_path, command, mark)
    x, n = (value.split("=", 1)[1] for value in _exploits(mark))
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out", *[arg for value in _exploits(mark)
                                                                      for arg in ("--input", value)])
    assert code == 0, err
    assert not mark.exists()
    expected = seen.format(x=x, n=n, hlen=len(os.environ["HOME"]))
    assert (_outputs(tmp_path) / "seen.txt").read_text() == expected


@pytest.mark.parametrize(("command", "context"), [
    ("echo $(( ${{inputs.n}} + 1 ))", "$((...)) arithmetic"),
    ('echo "$(( ${{inputs.n}} ))"', "$((...)) arithmetic"),
    ("(( ${{inputs.n}} > 0 )) && echo yes", "((...)) arithmetic"),
    ("echo $[ ${{inputs.n}} + 1 ]", "$[...] arithmetic"),
    ("[[ ${{inputs.n}} -eq 1 ]] && echo yes", "[[ ... ]]"),
    ('a=(1 2); a["${{inputs.n}}"]=3', "[...] (an array subscript or a pattern)"),
    ('x=abc; echo "${x:${{inputs.n}}}"', "${...}"),
    ('echo "${FOO:-${{inputs.x}}}"', "${...}"),
    ('echo "`echo ${{inputs.x}}`"', "`...` backticks"),
    ("cat <<EOF\n[${{inputs.x}}]\nEOF", "a here-document"),
    ("cat <<'EOF'\n[${{inputs.x}}]\nEOF", "a here-document"),
    ("cat <<-EOF\n\t${{inputs.n}}\n\tEOF", "a here-document"),
], ids=["arith", "arith-quoted", "arith-command", "arith-old", "double-bracket", "subscript", "substring", "default",
        "backticks", "heredoc", "quoted-heredoc", "tab-heredoc"])
def test_a_placeholder_where_bash_would_evaluate_it_is_refused_before_anything_runs(tmp_path, command, context):
    mark = tmp_path / "pwned"
    spec = _script_spec(tmp_path, command, mark)
    code, out, err = run_cli(spec, "--output-dir", tmp_path / "out", *[arg for value in _exploits(mark)
                                                                       for arg in ("--input", value)])
    placeholder = "${{inputs.n}}" if "inputs.n" in command else "${{inputs.x}}"
    assert (code, out) == (1, "")
    assert err == (f"error: {spec}: command puts {placeholder} inside {context}: run-local substitutes a placeholder "
                   "only in a plain word, \"...\", '...' or $(...)\n")
    assert not mark.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["echo $(( ${{inputs.n}} + 1 ))", "a=(1); a[${{inputs.n}}]=2",
                                     "[[ ${{inputs.n}} -eq 1 ]]", "(( ${{inputs.n}} ))"])
def test_bash_would_run_the_arithmetic_exploit(tmp_path, command):
    """Why those contexts are refused: substituted as a quoted variable, bash still runs the subscript."""
    import subprocess

    mark = tmp_path / "pwned"
    variable = command.replace("${{inputs.n}}", '"${N}"')
    subprocess.run(["bash", "-c", variable], env={**os.environ, "N": f"a[$(touch {mark})]"}, capture_output=True)
    assert mark.exists()


@pytest.mark.parametrize(("kind", "given", "message"), [
    ("uri_folder", "data.csv", "is uri_folder, which takes a folder: {path} is a file"),
    ("mltable", "data.csv", "is mltable, which takes a folder: {path} is a file"),
    ("uri_file", "folder", "is uri_file, which takes a file: {path} is a folder"),
])
def test_a_data_input_of_the_wrong_kind_is_refused_in_one_line(tmp_path, kind, given, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "data.csv").write_text("a\n1\n")
    spec = _spec(tmp_path, "ls ${{inputs.data}}", f"  data:\n    type: {kind}\n    path: ./{given}\n")
    code, out, err = run_cli(spec, "--output-dir", tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == f"error: input 'data' {message.format(path=tmp_path / given)}\n"
    assert not (tmp_path / "out").exists()
    code, _, err = run_cli(spec, "--output-dir", tmp_path / "out", "--input", f"data={tmp_path / given}")
    assert err == f"error: input 'data' {message.format(path=tmp_path / given)}\n"
