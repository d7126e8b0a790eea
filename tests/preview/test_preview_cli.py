"""python -m preview: a tree or JSON on stdout, one error line on stderr."""

import json
import subprocess
import sys

import pytest

from preview.__main__ import main
from preview.plan import Plan, PlannedResource
from preview.render import render_tree, summary
from preview.stackfile import PROJECT_ROOT


@pytest.fixture
def run_cli(capsys, fixture_root):
    """run_cli(*args): python -m preview on the fixture program; (exit status, stdout, stderr)."""

    def run(*args):
        code = main([*args, "--root", str(fixture_root)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def planned(type_: str, name: str, inputs: dict) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:dev::p::{type_}::{name}", type=type_, name=name, custom=True, parent=None, inputs=inputs,
        dependencies=[], protect=False, aliases=[], replace_on_changes=[], ignore_changes=[],
        delete_before_replace=False, retain_on_delete=False, timeouts={},
    )


def test_tree_shows_components_children_names_protection_and_key_settings(run_cli, fixture_plans):
    code, out, err = run_cli("prod")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "fixture-platform · prod"
    assert "├─ azure-native:resources:ResourceGroup group \"rg-fx-prod\" location=northeurope" in lines
    assert "├─ azure-native:machinelearningservices:Compute cpu \"cpu\" computeType=AmlCompute vmSize=Standard_DS3_v2 " \
           "scaleSettings.minNodeCount=0 scaleSettings.maxNodeCount=3" in lines
    assert "├─ azure-native:authorization:RoleAssignment identity-blob-data (auto-named) " \
           "roleDefinitionId=\"Storage Blob Data Contributor\" principalType=ServicePrincipal" in lines
    component = lines.index("└─ fixture:data:DataLake lake [protected]")
    assert lines[component + 1:component + 5] == [
        "   ├─ azure-native:authorization:ManagementLockByScope lake-lock (auto-named) [protected] level=CanNotDelete",
        "   ├─ azure-native:storage:BlobContainer lake-raw \"raw\" [protected]",
        "   ├─ azure-native:storage:BlobServiceProperties lake-blobs (auto-named) [protected] isVersioningEnabled=true",
        "   └─ azure-native:storage:StorageAccount lake-account (auto-named) [protected] sku.name=Standard_ZRS "
        "kind=StorageV2 allowBlobPublicAccess=false",
    ]
    assert "  connectionString: [secret]" in lines
    assert lines[-1] == summary(fixture_plans["prod"])
    assert "\033[" not in out  # not a terminal: no colour codes
    assert err == "planning fixture-platform/prod\n"  # the program's print, kept off stdout


def test_summary_counts_resources_by_type_most_first():
    vault, role = "azure-native:keyvault:Vault", "azure-native:authorization:RoleAssignment"
    plan = Plan("p", "dev", [planned(vault, "kv", {}), planned(role, "a", {}), planned(role, "b", {})], {})
    assert summary(plan) == f"3 resources: 2 × {role}, 1 × {vault}"
    assert summary(Plan("p", "dev", [planned(vault, "kv", {})], {})) == f"1 resource: 1 × {vault}"


def test_json_is_the_plan_and_nothing_else(run_cli, fixture_plans):
    code, out, err = run_cli("dev", "--format", "json")
    assert code == 0
    assert json.loads(out) == fixture_plans["dev"].to_json()
    assert err == "planning fixture-platform/dev\n"


def test_an_unknown_stack_is_one_error_line_and_exit_status_1(run_cli):
    assert run_cli("qa") == (1, "", "error: no stack file stacks/Pulumi.qa.yaml (known stacks: dev, prod)\n")


def test_a_failing_program_is_one_error_line_too(capsys, tmp_path, fixture_root):
    (tmp_path / "stacks").mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "fixture_parts.py"):
        (tmp_path / name).write_text((fixture_root / name).read_text())
    stack_file = (fixture_root / "stacks" / "Pulumi.dev.yaml").read_text() + "  fixture-platform:colour: blue\n"
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(stack_file)
    code = main(["dev", "--root", str(tmp_path)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == "error: unknown config key(s): fixture-platform:colour"
    assert "Traceback" not in err


def test_help_works_without_importing_pulumi():
    shown = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "preview", "--help"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    assert shown.stdout.startswith("usage: python -m preview [-h] [--format {tree,json}] [--root ROOT] stack")
    imported = [line.rsplit("|", 1)[-1].strip() for line in shown.stderr.splitlines() if line.startswith("import time:")]
    assert "preview" in imported
    assert not [module for module in imported if module.split(".")[0] in ("pulumi", "pulumi_azure_native", "yaml")]


def test_unknown_values_are_called_out():
    resource = planned("azure-native:keyvault:Vault", "kv", {"vaultName": "kv", "properties": {"tenantId": "[unknown]"}})
    tree = render_tree(Plan("p", "dev", [resource], {"uri": "[unknown]"}))
    assert tree.splitlines() == [
        "p · dev",
        '└─ azure-native:keyvault:Vault kv "kv"',
        "",
        "Outputs:",
        "  uri: [unknown]",
        "",
        "1 resource: 1 × azure-native:keyvault:Vault",
        "warning: 2 values are [unknown]: the mocks left outputs unresolved",
    ]


def test_a_reader_that_stops_early_gets_no_traceback(fixture_root):
    """`python -m preview prod | head -1`: here the reader is gone before the plan is written."""
    process = subprocess.Popen(
        [sys.executable, "-m", "preview", "prod", "--root", str(fixture_root)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait() == 1
    assert err == "planning fixture-platform/prod\n"
