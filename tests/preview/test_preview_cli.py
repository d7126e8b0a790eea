"""python -m preview: a tree or JSON on stdout, one error line on stderr."""

import json
import subprocess
import sys

from preview.__main__ import main
from preview.plan import PROJECT_ROOT, Plan, PlannedResource
from preview.render import render_tree
from preview_helpers import FIXTURE, fixture_plan


def run_cli(capsys, *args):
    code = main([*args, "--root", str(FIXTURE)])
    out, err = capsys.readouterr()
    return code, out, err


def test_tree_shows_components_children_names_protection_and_key_settings(capsys):
    code, out, err = run_cli(capsys, "prod")
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
    assert lines[-1] == (
        "13 resources: 2 × azure-native:authorization:RoleAssignment, "
        "1 × azure-native:authorization:ManagementLockByScope, 1 × azure-native:machinelearningservices:Compute, "
        "1 × azure-native:machinelearningservices:Datastore, 1 × azure-native:machinelearningservices:Workspace, "
        "1 × azure-native:managedidentity:UserAssignedIdentity, 1 × azure-native:network:VirtualNetwork, "
        "1 × azure-native:resources:ResourceGroup, 1 × azure-native:storage:BlobContainer, "
        "1 × azure-native:storage:BlobServiceProperties, 1 × azure-native:storage:StorageAccount, "
        "1 × fixture:data:DataLake"
    )
    assert "\033[" not in out  # not a terminal: no colour codes
    assert err == "planning fixture-platform/prod\n"  # the program's print, kept off stdout


def test_json_is_the_plan_and_nothing_else(capsys):
    code, out, err = run_cli(capsys, "dev", "--format", "json")
    assert code == 0
    assert json.loads(out) == fixture_plan("dev").to_json()
    assert err == "planning fixture-platform/dev\n"


def test_an_unknown_stack_is_one_error_line_and_exit_status_1(capsys):
    assert run_cli(capsys, "qa") == (1, "", "error: no stack file stacks/Pulumi.qa.yaml (known stacks: dev, prod)\n")


def test_a_failing_program_is_one_error_line_too(capsys, tmp_path):
    (tmp_path / "stacks").mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "fixture_parts.py"):
        (tmp_path / name).write_text((FIXTURE / name).read_text())
    stack_file = (FIXTURE / "stacks" / "Pulumi.dev.yaml").read_text() + "  fixture-platform:colour: blue\n"
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
    resource = PlannedResource(
        urn="urn:pulumi:dev::p::azure-native:keyvault:Vault::kv", type="azure-native:keyvault:Vault", name="kv",
        custom=True, parent=None, inputs={"vaultName": "kv", "properties": {"tenantId": "[unknown]"}},
        dependencies=[], protect=False,
    )
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
