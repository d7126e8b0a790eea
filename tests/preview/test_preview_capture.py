"""What capture_plan records from a real azure-native program: resources, tree, edges, inputs, outputs."""

import json
import re

import pytest
from google.protobuf import struct_pb2

from preview.engine import plain
from preview.plan import capture_plan
from preview_helpers import (
    BLOB_DATA_CONTRIBUTOR,
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
    SUBSCRIPTION,
    VNET,
    WORKSPACE,
    fixture_plan,
    write_project,
)

DEV_GROUP_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-fx-dev"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_every_registered_resource_is_captured_with_type_name_and_kind():
    plan = fixture_plan("dev")
    assert sorted((r.type, r.name, r.custom) for r in plan.resources) == sorted([
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
    assert [r.urn for r in plan.resources] == sorted(r.urn for r in plan.resources)


def test_urns_and_parents_follow_the_component_tree():
    plan = fixture_plan("dev")
    lake, account = plan.one(DATA_LAKE), plan.one(STORAGE)
    # Like the engine (unlike MockMonitor), the root stack's type stays out of the URNs.
    assert lake.urn == "urn:pulumi:dev::fixture-platform::fixture:data:DataLake::lake"
    assert account.urn == "urn:pulumi:dev::fixture-platform::fixture:data:DataLake$azure-native:storage:StorageAccount::lake-account"
    assert account.parent == lake.urn
    assert sorted(r.name for r in plan.children(lake)) == ["lake-account", "lake-blobs", "lake-curated", "lake-raw"]
    assert sorted(r.name for r in plan.resources if r.parent is None) == [
        "cpu", "group", "identity", "identity-blob-data", "lake", "raw", "vnet", "workspace", "workspace-blob-data",
    ]
    assert plan.by_urn(account.urn) is account


def test_dependencies_come_from_input_references_and_depends_on():
    plan = fixture_plan("dev")
    group, identity, account, blobs = (plan.one(t) for t in (RESOURCE_GROUP, IDENTITY, STORAGE, BLOB_SERVICE))
    workspace, access, datastore = plan.one(WORKSPACE), plan.one(ROLE, "workspace-blob-data"), plan.one(DATASTORE)
    assert workspace.dependencies == sorted([group.urn, identity.urn, account.urn])
    assert access.dependencies == sorted([workspace.urn, account.urn])
    assert plan.depends_on(datastore, access)  # depends_on alone: no input of the datastore refers to it
    assert plan.depends_on(plan.one(CONTAINER, "lake-raw"), blobs)  # depends_on inside the component
    assert not plan.depends_on(access, datastore)
    assert group.dependencies == []


def test_protect_is_captured_and_children_inherit_it_from_the_component():
    protected = {r.name for r in fixture_plan("prod").resources if r.protect}
    assert protected == {"lake", "lake-account", "lake-blobs", "lake-raw", "lake-lock"}
    assert not any(r.protect for r in fixture_plan("dev").resources)


def test_inputs_are_what_the_provider_receives_camel_case_with_sdk_defaults():
    plan = fixture_plan("dev")
    assert plan.one(STORAGE).inputs == {
        "resourceGroupName": "rg-fx-dev",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "allowBlobPublicAccess": False,
        "minimumTlsVersion": "TLS1_2",
    }
    aml = plan.one(COMPUTE).inputs["properties"]["properties"]
    assert aml["enableNodePublicIp"] is True  # filled in by the SDK, not by the program
    assert aml["scaleSettings"] == {"minNodeCount": 0, "maxNodeCount": 1}
    assert type(aml["scaleSettings"]["maxNodeCount"]) is int


def test_secrets_are_masked_where_they_sit_in_inputs_and_outputs():
    plan = fixture_plan("dev")
    compute = plan.one(COMPUTE).inputs["properties"]["properties"]
    assert compute["userAccountCredentials"] == {"adminUserName": "azureuser", "adminUserPassword": "[secret]"}
    assert plan.one(DATASTORE).inputs["properties"]["credentials"] == {
        "credentialsType": "AccountKey",
        "secrets": {"secretsType": "AccountKey", "key": "[secret]"},
    }
    assert plan.outputs["datastore"] == {"name": "raw", "key": "[secret]"}
    assert plan.outputs["connectionString"] == "[secret]"  # plain text around a secret is secret
    assert "Passw0rd" not in json.dumps(plan.to_json())


def test_auto_names_and_arm_ids_flow_into_the_inputs_that_use_them():
    plan = fixture_plan("dev")
    account_id = plan.outputs["storageAccountId"]
    assert re.fullmatch(rf"{DEV_GROUP_ID}/providers/Microsoft\.Storage/storageAccounts/lake-account[0-9a-f]{{8}}",
                        account_id)
    account_name = account_id.rsplit("/", 1)[1]
    assert plan.one(WORKSPACE).inputs["storageAccount"] == account_id
    assert {r.inputs["scope"] for r in plan.of_type(ROLE)} == {account_id}
    assert plan.one(BLOB_SERVICE).inputs["accountName"] == account_name
    assert plan.one(DATASTORE).inputs["properties"]["accountName"] == account_name
    identity_id = plan.one(WORKSPACE).inputs["primaryUserAssignedIdentity"]
    assert re.fullmatch(
        rf"{DEV_GROUP_ID}/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/identity[0-9a-f]{{8}}", identity_id
    )
    assert plan.one(WORKSPACE).inputs["identity"]["userAssignedIdentities"] == [identity_id]
    assert fixture_plan("prod").outputs["storageAccountId"].rsplit("/", 1)[1] != account_name  # per stack


def test_computed_outputs_reach_their_consumers():
    plan = fixture_plan("dev")
    principals = {r.name: r.inputs["principalId"] for r in plan.of_type(ROLE)}
    assert principals == {
        "identity-blob-data": plan.outputs["identity"]["principalId"],  # user-assigned identity
        "workspace-blob-data": plan.outputs["workspacePrincipalId"],  # the workspace's system identity
    }
    assert all(GUID.fullmatch(principal) for principal in principals.values())
    assert len(set(principals.values())) == 2
    assert plan.outputs["mlflowTrackingUri"] == (
        f"azureml://westeurope.api.azureml.ms/mlflow/v1.0{DEV_GROUP_ID}"
        "/providers/Microsoft.MachineLearningServices/workspaces/mlw-fx-dev"
    )


def test_a_type_outside_the_arm_table_gets_the_usual_arm_id():
    assert fixture_plan("dev").outputs["vnetId"] == f"{DEV_GROUP_ID}/providers/Microsoft.Network/virtualNetworks/vnet-fx-dev"


def test_get_client_config_answers_the_fake_subscription():
    plan = fixture_plan("dev")
    assert plan.outputs["subscriptionId"] == SUBSCRIPTION
    assert plan.one(ROLE, "identity-blob-data").inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{BLOB_DATA_CONTRIBUTOR}"
    )


def test_one_names_the_candidates_when_there_is_not_exactly_one():
    plan = fixture_plan("dev")
    with pytest.raises(AssertionError, match=r"one azure-native:authorization:RoleAssignment, found 2; "
                                             r"of that type: identity-blob-data, workspace-blob-data$"):
        plan.one(ROLE)
    with pytest.raises(LookupError, match=r"RoleAssignment named 'reader', found 0; of that type: identity-blob-data"):
        plan.one(ROLE, "reader")
    with pytest.raises(LookupError, match=rf"found 0; types in the plan: {ROLE}, .*, {DATA_LAKE}$"):
        plan.one(LOCK)
    with pytest.raises(LookupError, match="no resource with URN urn:pulumi:dev::nothing"):
        plan.by_urn("urn:pulumi:dev::nothing")


def test_to_json_holds_everything_as_plain_json():
    plan = fixture_plan("prod")
    data = plan.to_json()
    assert json.loads(json.dumps(data)) == data
    assert (data["project"], data["stack"], data["outputs"]) == ("fixture-platform", "prod", plan.outputs)
    lock = next(r for r in data["resources"] if r["type"] == LOCK)
    assert lock == {
        "urn": "urn:pulumi:prod::fixture-platform::fixture:data:DataLake$azure-native:authorization:ManagementLockByScope::lake-lock",
        "type": LOCK,
        "name": "lake-lock",
        "custom": True,
        "parent": "urn:pulumi:prod::fixture-platform::fixture:data:DataLake::lake",
        "inputs": {"scope": plan.outputs["storageAccountId"], "level": "CanNotDelete"},
        "dependencies": [plan.one(STORAGE).urn],
        "protect": True,
    }


def test_resources_given_as_values_arrive_as_their_id_or_urn(tmp_path):
    project = write_project(tmp_path, """\
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
    group, inner, outer = plan.one(RESOURCE_GROUP), *(plan.one("scratch:index:Holder", name) for name in ("inner", "outer"))
    assert re.fullmatch(rf"/subscriptions/{SUBSCRIPTION}/resourceGroups/group[0-9a-f]{{8}}", outer.inputs["group"])
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
