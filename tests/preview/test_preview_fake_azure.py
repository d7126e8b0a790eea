"""The fake provider names and identifies resources like azure-native and fills computed outputs."""

import re

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.rpc import unwrap_rpc_secret, wrap_rpc_secret

from preview.fake_azure import FakeAzure, managed_identity_ids
from preview.plan import PreviewError
from preview.registry import CREATION_TIME
from preview.registry import SUBSCRIPTION_ID as SUBSCRIPTION

GROUP_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg"
WORKSPACE_ID = f"{GROUP_ID}/providers/Microsoft.MachineLearningServices/workspaces/mlw"
ACCOUNT_ID = f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/st"
VNET_ID = f"{GROUP_ID}/providers/Microsoft.Network/virtualNetworks/vnet"
IN_WORKSPACE = {"resourceGroupName": "rg", "workspaceName": "mlw"}


def create(type_name: str, inputs: dict, name: str = "logical", azure: FakeAzure | None = None):
    """type_name: an azure-native type without its package (`storage:StorageAccount`) or a whole token."""
    token = type_name if type_name.count(":") == 2 else f"azure-native:{type_name}"
    args = MockResourceArgs(typ=token, name=name, inputs=inputs, custom=True)
    return (azure or FakeAzure("proj", "dev")).new_resource(args)


def state_of(type_name: str, inputs: dict, **options) -> dict:
    return create(type_name, inputs, **options)[1]


@pytest.mark.parametrize(
    ("type_name", "inputs", "arm_id"),
    [
        ("resources:ResourceGroup", {"resourceGroupName": "rg", "location": "westeurope"}, GROUP_ID),
        ("storage:StorageAccount", {"resourceGroupName": "rg", "accountName": "st"}, ACCOUNT_ID),
        ("storage:BlobServiceProperties", {"resourceGroupName": "rg", "accountName": "st"},
         f"{ACCOUNT_ID}/blobServices/default"),
        ("authorization:RoleAssignment", {"scope": ACCOUNT_ID, "roleAssignmentName": "r1"},
         f"{ACCOUNT_ID}/providers/Microsoft.Authorization/roleAssignments/r1"),
        ("authorization:ManagementLockByScope", {"scope": ACCOUNT_ID, "lockName": "keep"},
         f"{ACCOUNT_ID}/providers/Microsoft.Authorization/locks/keep"),
        ("monitor:DiagnosticSetting", {"resourceUri": ACCOUNT_ID, "name": "to-logs"},
         f"{ACCOUNT_ID}/providers/Microsoft.Insights/diagnosticSettings/to-logs"),
        ("applicationinsights:Component", {"resourceGroupName": "rg", "resourceName": "appi"},
         f"{GROUP_ID}/providers/Microsoft.Insights/components/appi"),
        ("machinelearningservices:Compute", {"resourceGroupName": "rg", "workspaceName": "mlw", "computeName": "cpu"},
         f"{WORKSPACE_ID}/computes/cpu"),
        ("machinelearningservices:OnlineDeployment",
         {"resourceGroupName": "rg", "workspaceName": "mlw", "endpointName": "ep", "deploymentName": "blue"},
         f"{WORKSPACE_ID}/onlineEndpoints/ep/deployments/blue"),
        ("machinelearningservices:ManagedNetworkSettingsRule", IN_WORKSPACE | {"ruleName": "pypi"},
         f"{WORKSPACE_ID}/outboundRules/pypi"),
        ("machinelearningservices:DataVersion", IN_WORKSPACE | {"name": "iris", "version": "3"},
         f"{WORKSPACE_ID}/data/iris/versions/3"),
        ("network:Subnet", {"resourceGroupName": "rg", "virtualNetworkName": "vnet", "subnetName": "pe"},
         f"{VNET_ID}/subnets/pe"),
        ("network:PrivateDnsZoneGroup",
         {"resourceGroupName": "rg", "privateEndpointName": "pe-kv", "privateDnsZoneGroupName": "default"},
         f"{GROUP_ID}/providers/Microsoft.Network/privateEndpoints/pe-kv/privateDnsZoneGroups/default"),
        ("privatedns:PrivateZone", {"resourceGroupName": "rg", "privateZoneName": "privatelink.vaultcore.azure.net"},
         f"{GROUP_ID}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"),
        ("privatedns:VirtualNetworkLink",
         {"resourceGroupName": "rg", "privateZoneName": "zone", "virtualNetworkLinkName": "to-vnet"},
         f"{GROUP_ID}/providers/Microsoft.Network/privateDnsZones/zone/virtualNetworkLinks/to-vnet"),
        ("monitor:MetricAlert", {"resourceGroupName": "rg", "ruleName": "cpu-high"},
         f"{GROUP_ID}/providers/Microsoft.Insights/metricAlerts/cpu-high"),
        ("monitor:AutoscaleSetting", {"resourceGroupName": "rg", "autoscaleSettingName": "scale"},
         f"{GROUP_ID}/providers/Microsoft.Insights/autoscalesettings/scale"),
    ],
)
def test_arm_ids_follow_the_resource_type(type_name, inputs, arm_id):
    resource_id, state = create(type_name, inputs)
    assert resource_id == arm_id
    assert state["name"] == arm_id.rsplit("/", 1)[1]


def test_auto_names_are_azure_natives_random_suffix_uuid_or_default_and_stable():
    in_group = {"resourceGroupName": "rg"}
    account_id, account = create("storage:StorageAccount", in_group, name="data")
    assert re.fullmatch(r"data[0-9a-f]{8}", account["name"])
    assert state_of("storage:StorageAccount", in_group, name="data")["name"] == account["name"]
    other_stack = FakeAzure("proj", "prod")
    assert state_of("storage:StorageAccount", in_group, name="data", azure=other_stack)["name"] != account["name"]
    assignment = state_of("authorization:RoleAssignment", {"scope": account_id})
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", assignment["name"])
    assert state_of("storage:BlobServiceProperties", in_group | {"accountName": "st"})["name"] == "default"


def test_an_auto_named_child_gets_its_name_in_its_parents_path():
    subnet_id, subnet = create("network:Subnet", {"resourceGroupName": "rg", "virtualNetworkName": "vnet"}, name="pe")
    assert re.fullmatch(rf"{VNET_ID}/subnets/pe[0-9a-f]{{8}}", subnet_id)
    assert subnet["name"] == subnet_id.rsplit("/", 1)[1]


def test_a_resource_outside_azure_gets_its_own_kind_of_id_and_no_name_or_location():
    sleep_id, state = create("time:index/sleep:Sleep", {"createDuration": "30s"}, name="wait")
    assert (sleep_id, state) == (CREATION_TIME, {"createDuration": "30s"})


@pytest.mark.parametrize(
    "type_token", ["azure-native:containerservice:ManagedCluster", "random:index/randomPassword:RandomPassword"]
)
def test_a_custom_resource_of_a_type_without_registry_entry_is_refused(type_token):
    with pytest.raises(PreviewError, match=rf"does not know resource type {re.escape(type_token)}: add ResourceType"):
        create(type_token, {})


def test_a_missing_scope_input_is_an_error_naming_it():
    with pytest.raises(PreviewError, match=r"^azure-native:authorization:RoleAssignment 'logical': input 'scope' is "):
        create("authorization:RoleAssignment", {"principalId": "p"})


def test_location_defaults_to_the_resource_groups():
    azure = FakeAzure("proj", "dev")
    create("resources:ResourceGroup", {"resourceGroupName": "rg", "location": "swedencentral"}, azure=azure)
    assert state_of("keyvault:Vault", {"resourceGroupName": "rg", "vaultName": "kv"}, azure=azure)["location"] == "swedencentral"


def test_identities_get_principal_and_client_ids_that_their_users_see_too():
    identity_id, identity = create("managedidentity:UserAssignedIdentity", {"resourceGroupName": "rg", "resourceName": "u"})
    assert {key: identity[key] for key in ("principalId", "clientId")} == managed_identity_ids(identity_id)
    assert identity["tenantId"] == "00000000-0000-4000-8000-000000000002"
    _, workspace = create(
        "machinelearningservices:Workspace",
        {"resourceGroupName": "rg", "workspaceName": "mlw", "location": "westeurope",
         "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": [identity_id]}},
    )
    assert workspace["identity"]["userAssignedIdentities"] == {
        identity_id: {"principalId": identity["principalId"], "clientId": identity["clientId"]}
    }
    assert workspace["identity"]["principalId"] not in (identity["principalId"], None)
    assert workspace["mlFlowTrackingUri"] == f"azureml://westeurope.api.azureml.ms/mlflow/v1.0{WORKSPACE_ID}"
    assert workspace["discoveryUrl"] == "https://westeurope.api.azureml.ms/discovery"


def test_online_endpoints_get_their_scoring_uri():
    inputs = IN_WORKSPACE | {"endpointName": "iris", "location": "westeurope", "properties": {"authMode": "Key"}}
    assert state_of("machinelearningservices:OnlineEndpoint", inputs)["properties"] == {
        "authMode": "Key",
        "scoringUri": "https://iris.westeurope.inference.ml.azure.com/score",
    }


def test_service_endpoints_are_computed_from_the_name():
    in_group = {"resourceGroupName": "rg", "location": "westeurope"}
    assert state_of("containerregistry:Registry", in_group | {"registryName": "CrMlp"})["loginServer"] == "crmlp.azurecr.io"
    account = state_of("storage:StorageAccount", in_group | {"accountName": "st"})
    assert account["primaryEndpoints"]["dfs"] == "https://st.dfs.core.windows.net/"
    insights = state_of("applicationinsights:Component", in_group | {"resourceName": "appi"})
    assert insights["connectionString"].startswith(f"InstrumentationKey={insights['instrumentationKey']};")
    assert "IngestionEndpoint=https://westeurope-0.in.applicationinsights.azure.com/" in insights["connectionString"]


def test_vault_uri_joins_the_declared_properties_and_keeps_them_secret():
    vault = {"resourceGroupName": "rg", "vaultName": "kv"}
    assert state_of("keyvault:Vault", vault | {"properties": {"tenantId": "t"}})["properties"] == {
        "tenantId": "t",
        "vaultUri": "https://kv.vault.azure.net/",
    }
    vault = state_of("keyvault:Vault", vault | {"properties": wrap_rpc_secret({"tenantId": "t"})})
    assert vault["properties"] == wrap_rpc_secret({"tenantId": "t", "vaultUri": "https://kv.vault.azure.net/"})
    assert unwrap_rpc_secret(vault["properties"])["vaultUri"] == "https://kv.vault.azure.net/"


def test_components_and_other_providers_pass_through():
    azure = FakeAzure("proj", "dev")
    component = MockResourceArgs(typ="azureml-platform:storage:Storage", name="s", inputs={"a": 1}, custom=False)
    assert azure.new_resource(component) == ("", {"a": 1})
    provider = MockResourceArgs(typ="pulumi:providers:azure-native", name="p", inputs={}, custom=True)
    provider_id, state = azure.new_resource(provider)
    assert (len(provider_id), state) == (36, {})


def test_get_client_config_is_the_fake_tenant_and_other_invokes_are_refused():
    azure = FakeAzure("proj", "dev")
    assert azure.call(MockCallArgs("azure-native:authorization:getClientConfig", {}, "")) == {
        "clientId": "00000000-0000-4000-8000-000000000003",
        "objectId": "00000000-0000-4000-8000-000000000004",
        "subscriptionId": SUBSCRIPTION,
        "tenantId": "00000000-0000-4000-8000-000000000002",
    }
    with pytest.raises(PreviewError, match="no fake for invoke azure-native:storage:listStorageAccountKeys"):
        azure.call(MockCallArgs("azure-native:storage:listStorageAccountKeys", {}, ""))
