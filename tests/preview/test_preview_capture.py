"""What capture_plan records from a real azure-native program: resources, tree, edges, inputs, outputs."""

import json
import re

import pytest
from google.protobuf import struct_pb2

from fixture_types import (
    BLOB_SERVICE,
    COMPUTE,
    CONTAINER,
    DATA_LAKE,
    DATASTORE,
    IDENTITY,
    LOCK,
    RESOURCE_GROUP,
    ROLE,
    STORAGE,
    VNET,
    WORKSPACE,
)
from preview.capture import capture_plan
from preview.engine import plain
from preview.registry import SUBSCRIPTION_ID

DEV_GROUP_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-fx-dev"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


@pytest.fixture
def dev(fixture_plans):
    return fixture_plans["dev"]


def test_every_registered_resource_is_captured_with_type_name_and_kind(dev):
    assert sorted((r.type, r.name, r.custom) for r in dev.resources) == sorted([
        (RESOURCE_GROUP, "group", True),
        (IDENTITY, "identity", True),
        (DATA_LAKE, "lake", False),
        (STORAGE, "lake-account", True),
        (BLOB_SERVICE, "lake-blobs", True),
        (CONTAINER, "lake-raw", True),
        (CONTAINER, "lake-curated", True),
        (WORKSPACE, "workspace", True),
        (ROLE, "workspace-blob-data", True),
        (ROLE, "identity-blob-data", True),
        (DATASTORE, "raw", True),
        (COMPUTE, "cpu", True),
        (VNET, "vnet", True),
    ])
    assert [r.urn for r in dev.resources] == sorted(r.urn for r in dev.resources)


def test_urns_and_parents_follow_the_component_tree(dev):
    lake, account = dev.one(DATA_LAKE, "lake"), dev.one(STORAGE, "lake-account")
    # Like the engine (unlike MockMonitor), the root stack's type stays out of the URNs.
    assert lake.urn == "urn:pulumi:dev::fixture-platform::fixture:data:DataLake::lake"
    assert account.urn == "urn:pulumi:dev::fixture-platform::fixture:data:DataLake$azure-native:storage:StorageAccount::lake-account"
    assert account.parent == lake.urn
    assert sorted(r.name for r in dev.children(lake)) == ["lake-account", "lake-blobs", "lake-curated", "lake-raw"]
    assert sorted(r.name for r in dev.resources if r.parent is None) == [
        "cpu", "group", "identity", "identity-blob-data", "lake", "raw", "vnet", "workspace", "workspace-blob-data",
    ]
    assert dev.by_urn(account.urn) is account


def test_nested_components_carry_their_whole_type_chain_in_child_urns(scratch_project):
    project = scratch_project("""\
        import pulumi
        from pulumi_azure_native import resources

        class Box(pulumi.ComponentResource):
            def __init__(self, type_, name, opts=None):
                super().__init__(type_, name, None, opts)

        outer = Box("scratch:index:Outer", "outer")
        inner = Box("scratch:index:Inner", "inner", pulumi.ResourceOptions(parent=outer))
        resources.ResourceGroup("group", location="westeurope", opts=pulumi.ResourceOptions(parent=inner))
        """)
    group = capture_plan("dev", root=project).one(RESOURCE_GROUP, "group")
    chain = "scratch:index:Outer$scratch:index:Inner$azure-native:resources:ResourceGroup"
    assert group.urn == f"urn:pulumi:dev::scratch::{chain}::group"


def test_dependencies_come_from_input_references_and_depends_on(dev):
    group, identity = dev.one(RESOURCE_GROUP, "group"), dev.one(IDENTITY, "identity")
    account, blobs = dev.one(STORAGE, "lake-account"), dev.one(BLOB_SERVICE, "lake-blobs")
    workspace, datastore = dev.one(WORKSPACE, "workspace"), dev.one(DATASTORE, "raw")
    access = dev.one(ROLE, "workspace-blob-data")
    assert workspace.dependencies == sorted([group.urn, identity.urn, account.urn])
    assert access.dependencies == sorted([workspace.urn, account.urn])
    assert dev.depends_on(datastore, access)  # depends_on alone: no input of the datastore refers to it
    assert dev.depends_on(dev.one(CONTAINER, "lake-raw"), blobs)  # depends_on inside the component
    assert not dev.depends_on(access, datastore)
    assert group.dependencies == []


def test_protect_is_captured_and_children_inherit_it_from_the_component(fixture_plans):
    protected = {r.name for r in fixture_plans["prod"].resources if r.protect}
    assert protected == {"lake", "lake-account", "lake-blobs", "lake-raw", "lake-lock"}
    assert not any(r.protect for r in fixture_plans["dev"].resources)


def test_inputs_are_what_the_provider_receives_camel_case_with_sdk_defaults(dev):
    assert dev.one(STORAGE, "lake-account").inputs == {
        "resourceGroupName": "rg-fx-dev",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "allowBlobPublicAccess": False,
        "minimumTlsVersion": "TLS1_2",
    }
    aml = dev.one(COMPUTE, "cpu").inputs["properties"]["properties"]
    assert aml["enableNodePublicIp"] is True  # filled in by the SDK, not by the program
    assert aml["scaleSettings"] == {"minNodeCount": 0, "maxNodeCount": 1}
    assert type(aml["scaleSettings"]["maxNodeCount"]) is int


def test_secrets_are_masked_where_they_sit_in_inputs_and_outputs(dev):
    compute = dev.one(COMPUTE, "cpu").inputs["properties"]["properties"]
    assert compute["userAccountCredentials"] == {"adminUserName": "azureuser", "adminUserPassword": "[secret]"}
    assert dev.one(DATASTORE, "raw").inputs["properties"]["credentials"] == {
        "credentialsType": "AccountKey",
        "secrets": {"secretsType": "AccountKey", "key": "[secret]"},
    }
    assert dev.outputs["datastore"] == {"name": "raw", "key": "[secret]"}
    assert dev.outputs["connectionString"] == "[secret]"  # plain text around a secret is secret
    assert "Passw0rd" not in json.dumps(dev.to_json())


def test_auto_names_and_arm_ids_flow_into_the_inputs_that_use_them(dev, fixture_plans):
    account_id = dev.outputs["storageAccountId"]
    assert re.fullmatch(rf"{DEV_GROUP_ID}/providers/Microsoft\.Storage/storageAccounts/lake-account[0-9a-f]{{8}}",
                        account_id)
    account_name = account_id.rsplit("/", 1)[1]
    workspace = dev.one(WORKSPACE, "workspace")
    assert workspace.inputs["storageAccount"] == account_id
    assert {r.inputs["scope"] for r in dev.of_type(ROLE)} == {account_id}
    assert dev.one(BLOB_SERVICE, "lake-blobs").inputs["accountName"] == account_name
    assert dev.one(DATASTORE, "raw").inputs["properties"]["accountName"] == account_name
    identity_id = workspace.inputs["primaryUserAssignedIdentity"]
    assert re.fullmatch(
        rf"{DEV_GROUP_ID}/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/identity[0-9a-f]{{8}}", identity_id
    )
    assert workspace.inputs["identity"]["userAssignedIdentities"] == [identity_id]
    assert fixture_plans["prod"].outputs["storageAccountId"].rsplit("/", 1)[1] != account_name  # per stack
    assert dev.outputs["vnetId"] == f"{DEV_GROUP_ID}/providers/Microsoft.Network/virtualNetworks/vnet-fx-dev"


def test_computed_outputs_reach_their_consumers(dev):
    principals = {r.name: r.inputs["principalId"] for r in dev.of_type(ROLE)}
    assert principals == {
        "identity-blob-data": dev.outputs["identity"]["principalId"],  # user-assigned identity
        "workspace-blob-data": dev.outputs["workspacePrincipalId"],  # the workspace's system identity
    }
    assert all(GUID.fullmatch(principal) for principal in principals.values())
    assert len(set(principals.values())) == len(principals)
    assert dev.outputs["mlflowTrackingUri"] == (
        f"azureml://westeurope.api.azureml.ms/mlflow/v1.0{DEV_GROUP_ID}"
        "/providers/Microsoft.MachineLearningServices/workspaces/mlw-fx-dev"
    )


def test_get_client_config_answers_the_fake_subscription(dev):
    assert dev.outputs["subscriptionId"] == SUBSCRIPTION_ID
    assert dev.one(ROLE, "identity-blob-data").inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{BLOB_DATA_CONTRIBUTOR}"
    )


def test_resources_given_as_values_arrive_as_their_id_or_urn(scratch_project):
    project = scratch_project("""\
        import pulumi
        from pulumi_azure_native import resources

        class Holder(pulumi.ComponentResource):
            def __init__(self, name, props):
                super().__init__("scratch:index:Holder", name, props)

        group = resources.ResourceGroup("group", location="westeurope")
        inner = Holder("inner", {"label": "held"})
        Holder("outer", {"group": group, "inner": inner})
        """)
    plan = capture_plan("dev", root=project)
    group = plan.one(RESOURCE_GROUP, "group")
    inner, outer = plan.one("scratch:index:Holder", "inner"), plan.one("scratch:index:Holder", "outer")
    assert re.fullmatch(rf"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/group[0-9a-f]{{8}}", outer.inputs["group"])
    assert outer.inputs["inner"] == inner.urn
    assert outer.dependencies == [group.urn]  # the SDK expands a component to its children: inner has none


def test_plain_masks_secrets_where_they_sit_and_keeps_unknowns_and_numbers_visible():
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}
    struct = struct_pb2.Struct()
    struct.update({
        "outer": {"password": secret, "user": "admin", "list": [secret, 1]},
        "pending": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "count": 3,
        "ratio": 2.5,
    })
    assert plain(struct) == {
        "outer": {"password": "[secret]", "user": "admin", "list": ["[secret]", 1]},
        "pending": "[unknown]",
        "count": 3,
        "ratio": 2.5,
    }
