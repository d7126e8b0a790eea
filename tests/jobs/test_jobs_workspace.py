"""Workspace resolution from a stack (a fake `pulumi` on PATH) and from an Azure ML config.json."""

import json

import pytest
from jobs_fakes import DEV_OUTPUTS, SUBSCRIPTION

from jobs import workspace
from jobs.errors import WorkspaceError

pytest_plugins = ["jobs_fixtures"]


def test_a_stack_resolves_to_its_workspace_and_exported_resources(fake_pulumi):
    argv = fake_pulumi({"dev": DEV_OUTPUTS})
    resolved = workspace.resolve(stack="dev")
    assert json.loads(argv.read_text()) == ["stack", "output", "--json", "--stack", "dev"]
    assert (resolved.subscription_id, resolved.resource_group, resolved.name) == (
        SUBSCRIPTION, "rg-mlplat-dev", "mlw-mlplat-dev")
    assert resolved.summary() == {
        "source": "stack dev",
        "subscription_id": SUBSCRIPTION,
        "resource_group": "rg-mlplat-dev",
        "workspace_name": "mlw-mlplat-dev",
        "location": "westeurope",
        "mlflow_tracking_uri": DEV_OUTPUTS["workspace"]["mlflowTrackingUri"],
        "computes": {"cpu": "cpu-cluster"},
        "datastores": {"raw": "raw_data"},
        "endpoints": {},
    }


def test_a_stack_without_the_optional_groups_still_resolves(fake_pulumi):
    fake_pulumi({"bare": {"subscriptionId": SUBSCRIPTION, "resourceGroupName": "rg", "workspaceName": "mlw",
                          "computes": "[secret]"}})
    resolved = workspace.resolve(stack="bare")
    assert resolved.resources("computes") == {}
    assert resolved.summary()["location"] is None
    with pytest.raises(WorkspaceError, match="unknown compute 'cpu': stack 'bare' exports computes: none"):
        resolved.resolve("computes", "cpu")


@pytest.mark.parametrize("missing", ["subscriptionId", "resourceGroupName", "workspaceName"])
def test_a_missing_required_output_names_output_and_stack(fake_pulumi, missing):
    outputs = {key: value for key, value in DEV_OUTPUTS.items() if key != missing}
    fake_pulumi({"dev": outputs})
    with pytest.raises(WorkspaceError) as raised:
        workspace.resolve(stack="dev")
    assert str(raised.value).startswith(f"stack 'dev' has no output '{missing}' (outputs: computes, datastores,")


def test_an_unknown_stack_reports_pulumis_reason(fake_pulumi):
    fake_pulumi({"dev": DEV_OUTPUTS})
    with pytest.raises(WorkspaceError) as raised:
        workspace.resolve(stack="prod")
    assert str(raised.value) == ("`pulumi stack output --json --stack prod` failed: "
                                 "error: no stack named 'prod' found")


def test_output_that_is_not_an_object_is_refused(fake_pulumi):
    fake_pulumi({"odd": ["subscriptionId"]})
    with pytest.raises(WorkspaceError) as raised:
        workspace.resolve(stack="odd")
    assert str(raised.value) == "`pulumi stack output --json --stack odd` printed list, expected an object"


def test_no_pulumi_on_path_says_what_to_do_instead(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(WorkspaceError, match="'pulumi' CLI not found on PATH: install Pulumi, or pass --workspace"):
        workspace.resolve(stack="dev")


def test_a_config_json_resolves_without_resources(workspace_config):
    resolved = workspace.resolve(config=workspace_config)
    assert resolved.config() == {"subscription_id": SUBSCRIPTION, "resource_group": "rg-x", "workspace_name": "mlw-x"}
    assert resolved.stack is None
    assert resolved.resolve("computes", "any-cluster") == "any-cluster"  # Azure judges the name


def test_the_default_config_is_used_when_nothing_is_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceError, match=r"no workspace: pass --stack NAME or --workspace-config PATH"):
        workspace.resolve()
    assert workspace.write_config(workspace.Workspace(SUBSCRIPTION, "rg", "mlw", source="test")) is True
    assert workspace.resolve().config() == {"subscription_id": SUBSCRIPTION, "resource_group": "rg",
                                            "workspace_name": "mlw"}


@pytest.mark.parametrize("content, message", [
    ("{not json", "unreadable workspace config (Expecting property name"),
    ('["a"]', "expected a JSON object with subscription_id, resource_group, workspace_name"),
    (json.dumps({"subscription_id": "s", "workspace_name": "w"}), "missing key 'resource_group'"),
    (json.dumps({"subscription_id": 123, "resource_group": "rg", "workspace_name": "w"}),
     "invalid key 'subscription_id': expected a string, found int 123"),
    (json.dumps({"subscription_id": "s", "resource_group": ["rg"], "workspace_name": "w"}),
     'invalid key \'resource_group\': expected a string, found list ["rg"]'),
])
def test_a_bad_config_json_is_named(tmp_path, content, message):
    path = tmp_path / "config.json"
    path.write_text(content)
    with pytest.raises(WorkspaceError) as raised:
        workspace.resolve(config=path)
    assert str(raised.value).startswith(f"{path}: {message}")


def test_a_missing_config_json_is_named(tmp_path):
    with pytest.raises(WorkspaceError, match=r"absent\.json: no such workspace config"):
        workspace.resolve(config=tmp_path / "absent.json")


def test_write_config_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    path.write_text("{}")

    def crash(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(workspace.os, "replace", crash)
    with pytest.raises(OSError):
        workspace.write_config(workspace.Workspace(SUBSCRIPTION, "rg", "mlw", source="test"), path, force=True)
    assert [file.name for file in tmp_path.iterdir()] == ["config.json"]
    assert path.read_text() == "{}"
