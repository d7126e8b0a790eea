"""A malformed project or stack file is one `error: file:line: ...` line from python -m preview
(exit status 1, nothing on stdout, no traceback), never a plan of something else."""

import pathlib
import shutil

import pytest

from preview.__main__ import main

SECURE_ALONE = "a secure value is `secure: <ciphertext>` alone, as `pulumi config set --secret` writes it"

BAD_STACK_FILES = {
    "duplicate key": (
        "config:\n  fixture-platform:prefix: fx\n  fixture-platform:location: westeurope\n  fixture-platform:prefix: fy\n",
        "stacks/Pulumi.dev.yaml:4: duplicate key 'fixture-platform:prefix' (first at line 2)",
    ),
    "duplicate nested key": (
        "config:\n  fixture-platform:storage: {sku: Standard_LRS, sku: Standard_ZRS}\n",
        "stacks/Pulumi.dev.yaml:2: duplicate key 'sku' (first at line 2)",
    ),
    "config a list": (
        "config:\n  - fixture-platform:prefix\n",
        "stacks/Pulumi.dev.yaml:2: config: must be a mapping of config keys to values",
    ),
    "file a list": ("- config\n", "stacks/Pulumi.dev.yaml:1: must be a mapping of keys to values"),
    "number as key": (
        "config:\n  fixture-platform:storage:\n    1: raw\n",
        "stacks/Pulumi.dev.yaml:3: key '1' is not a string: quote it",
    ),
    "key without value": (
        "config:\n  fixture-platform:location: westeurope\n  fixture-platform:prefix:\n",
        "stacks/Pulumi.dev.yaml:3: fixture-platform:prefix: no value (remove the key, or quote an empty string: '')",
    ),
    "secure beside other keys": (
        "config:\n  fixture-platform:datastoreKey:\n    secure: v1:abc\n    note: rotate yearly\n",
        f"stacks/Pulumi.dev.yaml:3: fixture-platform:datastoreKey: {SECURE_ALONE}",
    ),
    "secure not a string": (
        "config:\n  fixture-platform:storage:\n    key: {secure: [v1]}\n",
        f"stacks/Pulumi.dev.yaml:3: fixture-platform:storage: {SECURE_ALONE}",
    ),
    "key of three parts": (
        "config:\n  fixture-platform:storage:sku: x\n",
        "stacks/Pulumi.dev.yaml:2: config key 'fixture-platform:storage:sku': must be <namespace>:<name>, "
        "or <name> for the project's",
    ),
    "empty namespace": (
        "config:\n  ':prefix': fx\n",
        "stacks/Pulumi.dev.yaml:2: config key ':prefix': must be <namespace>:<name>, or <name> for the project's",
    ),
    "misspelled config": (
        "confg:\n  fixture-platform:prefix: fx\n",
        "stacks/Pulumi.dev.yaml:1: unknown key 'confg'; did you mean 'config'?",
    ),
    "esc environment": (
        "environment:\n  - shared\nconfig: {}\n",
        "stacks/Pulumi.dev.yaml:2: environment: the offline preview cannot open Pulumi ESC environments",
    ),
    "two documents": (
        "config: {}\n---\nconfig: {}\n",
        "stacks/Pulumi.dev.yaml:2: expected a single document in the stream, but found another document",
    ),
    "alias inside itself": (
        "config:\n  fixture-platform:storage: &storage\n    containers: [*storage]\n",
        "stacks/Pulumi.dev.yaml:2: an alias refers to a node that contains it",
    ),
    "binary value": (
        "config:\n  fixture-platform:prefix: !!binary Zng=\n",
        "stacks/Pulumi.dev.yaml:2: could not determine a constructor for the tag 'tag:yaml.org,2002:binary'",
    ),
    "not utf-8": (
        b"config:\n  fixture-platform:prefix: \xff\n",
        "stacks/Pulumi.dev.yaml: unacceptable character #x00ff: invalid start byte",
    ),
    "infinite number": (
        "config:\n  fixture-platform:replicas: .inf\n",
        "fixture-platform:replicas: not representable in JSON (Out of range float values are not JSON compliant",
    ),
}

BAD_PROJECT_FILES = {
    "no name": (
        "runtime: python\nstackConfigDir: stacks\n",
        "Pulumi.yaml: name: required, 1-100 letters, digits, '-', '_' or '.' (got None)",
    ),
    "name a list": ("name: [fixture]\nstackConfigDir: stacks\n", "Pulumi.yaml:1: name: required"),
    "name with a space": ("name: fixture platform\nstackConfigDir: stacks\n", "Pulumi.yaml:1: name: required"),
    "stack config dir missing": (
        "name: fixture-platform\nstackConfigDir: stack\n",
        "Pulumi.yaml:2: stackConfigDir: not a directory (got 'stack')",
    ),
    "file a list": ("- name\n", "Pulumi.yaml:1: must be a mapping of keys to values"),
}


@pytest.fixture
def project(tmp_path, fixture_root):
    """A copy of the fixture program, to break one file of."""
    shutil.copytree(fixture_root, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def preview_cli(capsys, project):
    """preview_cli(*args): python -m preview on the copy; (exit status, stdout, stderr)."""

    def run(*args):
        code = main([*args, "--root", str(project)])
        return code, *capsys.readouterr()

    return run


def write(path: pathlib.Path, content: str | bytes) -> None:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.mark.parametrize(("content", "message"), BAD_STACK_FILES.values(), ids=BAD_STACK_FILES)
def test_a_malformed_stack_file_is_one_error_line(content, message, project, preview_cli):
    write(project / "stacks" / "Pulumi.dev.yaml", content)
    code, out, err = preview_cli("dev")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize(("content", "message"), BAD_PROJECT_FILES.values(), ids=BAD_PROJECT_FILES)
def test_a_malformed_project_file_is_one_error_line(content, message, project, preview_cli):
    write(project / "Pulumi.yaml", content)
    code, out, err = preview_cli("dev")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize("stack", ["../stacks/Pulumi.dev", "dev/prod", ""])
def test_a_stack_name_that_is_a_path_is_refused(stack, preview_cli):
    assert preview_cli(stack) == (1, "", f"error: invalid stack name {stack!r}: 1-100 letters, digits, '-', '_' or '.'\n")


def test_an_unreadable_file_is_named(monkeypatch, preview_cli):
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)
    assert preview_cli("dev") == (1, "", "error: Pulumi.yaml: cannot read (Permission denied)\n")


def test_a_project_without_its_program_is_refused(project, preview_cli):
    """Not another __main__.py found further along sys.path."""
    (project / "__main__.py").unlink()
    assert preview_cli("dev") == (1, "", f"error: no __main__.py in {project}: the preview runs a Python program's __main__.py\n")
