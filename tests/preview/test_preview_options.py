"""The resource options a plan diff needs: aliases as URNs, replaceOnChanges and ignoreChanges."""

import pytest
from pulumi.runtime.proto import resource_pb2

from fixture_types import DATA_LAKE, IDENTITY, RESOURCE_GROUP, ROLE, STORAGE, WORKSPACE
from preview.capture import capture_plan
from preview.engine import RecordingMonitor

STACK_PREFIX = "urn:pulumi:dev::fixture-platform::"


@pytest.fixture
def dev(fixture_plans):
    return fixture_plans["dev"]


def test_an_alias_given_as_a_urn_is_recorded_as_given(dev):
    assert f"{STACK_PREFIX}{IDENTITY}::workspace-identity" in dev.one(IDENTITY, "identity").aliases


def test_an_alias_with_another_name_and_parent_becomes_the_urn_it_had(dev):
    # pulumi.Alias(name="lake-workspace", parent=<the lake component's URN>)
    assert f"{STACK_PREFIX}{DATA_LAKE}${WORKSPACE}::lake-workspace" in dev.one(WORKSPACE, "workspace").aliases


def test_children_inherit_their_parents_aliases(dev):
    # The lake component was of type fixture:storage:Lake; its account was under that type then.
    assert dev.one(DATA_LAKE, "lake").aliases == [f"{STACK_PREFIX}fixture:storage:Lake::lake"]
    account_aliases = dev.one(STORAGE, "lake-account").aliases
    assert f"{STACK_PREFIX}fixture:storage:Lake${STORAGE}::lake-account" in account_aliases
    # ...and each of its own aliases, azure-native's earlier type tokens, under the old parent type too.
    assert f"{STACK_PREFIX}{DATA_LAKE}$azure-native:storage/v20220901:StorageAccount::lake-account" in account_aliases
    assert f"{STACK_PREFIX}fixture:storage:Lake$azure-native:storage/v20220901:StorageAccount::lake-account" in account_aliases


def test_aliases_are_sorted_urns_and_include_azure_natives_own(dev):
    for resource in dev.resources:
        assert resource.aliases == sorted(set(resource.aliases))
        assert all(alias.startswith(STACK_PREFIX) for alias in resource.aliases)
    role_aliases = dev.one(ROLE, "identity-blob-data").aliases  # azure-native's own, nothing of the program's
    assert role_aliases and all(":authorization/" in alias or ":authorization:" in alias for alias in role_aliases)


def test_aliases_are_the_same_whether_the_sdk_sends_alias_specs_or_urns(monkeypatch, fixture_root, dev):
    # A monitor without alias specs gets URNs the SDK computed itself, parents' aliases multiplied in.
    monkeypatch.setattr(
        RecordingMonitor,
        "withheld_features",
        RecordingMonitor.withheld_features | {resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS},
    )
    from_urns = capture_plan("dev", root=fixture_root)
    assert {r.urn: r.aliases for r in from_urns.resources} == {r.urn: r.aliases for r in dev.resources}


def test_an_alias_to_the_top_of_the_stack_has_no_parent_type(scratch_project):
    project = scratch_project("""\
        import pulumi
        from pulumi_azure_native import resources

        class Box(pulumi.ComponentResource):
            def __init__(self, name):
                super().__init__("scratch:index:Box", name)

        box = Box("box")
        resources.ResourceGroup(
            "group",
            location="westeurope",
            opts=pulumi.ResourceOptions(parent=box, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]),
        )
        """)
    aliases = capture_plan("dev", root=project).one(RESOURCE_GROUP, "group").aliases
    assert "urn:pulumi:dev::scratch::azure-native:resources:ResourceGroup::group" in aliases


def test_replace_on_changes_and_ignore_changes_are_recorded_as_input_names(dev):
    account = dev.one(STORAGE, "lake-account")
    assert account.replace_on_changes == ["isHnsEnabled"]  # declared as is_hns_enabled
    assert account.ignore_changes == []
    assert dev.one(RESOURCE_GROUP, "group").ignore_changes == ["tags"]
    assert dev.one(RESOURCE_GROUP, "group").replace_on_changes == []


def test_delete_before_replace_and_retain_on_delete_are_recorded(dev):
    account, group = dev.one(STORAGE, "lake-account"), dev.one(RESOURCE_GROUP, "group")
    assert (account.delete_before_replace, group.delete_before_replace) == (True, False)
    containers = [r for r in dev.resources if r.type == "azure-native:storage:BlobContainer"]
    assert containers and all(c.retain_on_delete for c in containers)
    assert (account.retain_on_delete, group.retain_on_delete) == (False, False)


def test_custom_timeouts_are_recorded(dev):
    assert dev.one(STORAGE, "lake-account").timeouts == {"create": "30m"}
    assert dev.one(RESOURCE_GROUP, "group").timeouts == {}
