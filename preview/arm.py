"""How Azure Resource Manager names and identifies the resource types the platform uses.

Plain data, no pulumi import: the fake provider builds names and ids from it, the tree renderer
reads the name keys.
"""

from __future__ import annotations

from dataclasses import dataclass

# The fake tenant the offline preview deploys into (what getClientConfig answers).
SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001"
TENANT_ID = "00000000-0000-4000-8000-000000000002"
CLIENT_ID = "00000000-0000-4000-8000-000000000003"
OBJECT_ID = "00000000-0000-4000-8000-000000000004"

RESOURCE_GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
STORAGE_ACCOUNT = RESOURCE_GROUP + "/providers/Microsoft.Storage/storageAccounts/{accountName}"
ML_WORKSPACE = RESOURCE_GROUP + "/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}"


def in_resource_group(arm_resource_type: str) -> str:
    return f"{RESOURCE_GROUP}/providers/{arm_resource_type}/{{name}}"


@dataclass(frozen=True)
class ArmType:
    """id_template is formatted with the resource's inputs plus {name} (its Azure name) and
    {subscriptionId}; name_key is the input that carries the Azure name; auto_name is how
    azure-native names the resource when that input is absent."""

    id_template: str
    name_key: str
    auto_name: str = "random"  # "random": logical name + 8 hex chars, "uuid", or "default"


ARM_TYPES: dict[str, ArmType] = {
    "azure-native:resources:ResourceGroup": ArmType(
        "/subscriptions/{subscriptionId}/resourceGroups/{name}", "resourceGroupName"
    ),
    "azure-native:operationalinsights:Workspace": ArmType(
        in_resource_group("Microsoft.OperationalInsights/workspaces"), "workspaceName"
    ),
    "azure-native:applicationinsights:Component": ArmType(
        in_resource_group("Microsoft.Insights/components"), "resourceName"
    ),
    "azure-native:storage:StorageAccount": ArmType(in_resource_group("Microsoft.Storage/storageAccounts"), "accountName"),
    "azure-native:storage:BlobServiceProperties": ArmType(
        STORAGE_ACCOUNT + "/blobServices/{name}", "blobServicesName", auto_name="default"
    ),
    "azure-native:storage:BlobContainer": ArmType(
        STORAGE_ACCOUNT + "/blobServices/default/containers/{name}", "containerName"
    ),
    "azure-native:keyvault:Vault": ArmType(in_resource_group("Microsoft.KeyVault/vaults"), "vaultName"),
    "azure-native:containerregistry:Registry": ArmType(
        in_resource_group("Microsoft.ContainerRegistry/registries"), "registryName"
    ),
    "azure-native:managedidentity:UserAssignedIdentity": ArmType(
        in_resource_group("Microsoft.ManagedIdentity/userAssignedIdentities"), "resourceName"
    ),
    "azure-native:authorization:RoleAssignment": ArmType(
        "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", "roleAssignmentName", auto_name="uuid"
    ),
    "azure-native:authorization:ManagementLockByScope": ArmType(
        "{scope}/providers/Microsoft.Authorization/locks/{name}", "lockName"
    ),
    # azure-native 3.x registers diagnostic settings as monitor:DiagnosticSetting (insights:* is an alias).
    "azure-native:monitor:DiagnosticSetting": ArmType(
        "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}", "name"
    ),
    "azure-native:machinelearningservices:Workspace": ArmType(
        in_resource_group("Microsoft.MachineLearningServices/workspaces"), "workspaceName"
    ),
    "azure-native:machinelearningservices:Compute": ArmType(ML_WORKSPACE + "/computes/{name}", "computeName"),
    "azure-native:machinelearningservices:Datastore": ArmType(ML_WORKSPACE + "/datastores/{name}", "name"),
    "azure-native:machinelearningservices:OnlineEndpoint": ArmType(
        ML_WORKSPACE + "/onlineEndpoints/{name}", "endpointName"
    ),
    "azure-native:machinelearningservices:OnlineDeployment": ArmType(
        ML_WORKSPACE + "/onlineEndpoints/{endpointName}/deployments/{name}", "deploymentName"
    ),
}


def arm_type(type_token: str) -> ArmType | None:
    """The table entry, a best guess for other azure-native types, None for non-Azure resources.

    The guess follows the common ARM pattern (azure-native:network:VirtualNetwork →
    Microsoft.Network/virtualNetworks, name in `virtualNetworkName`); add a table row where it is wrong.
    """
    if type_token in ARM_TYPES:
        return ARM_TYPES[type_token]
    package, module, type_name = type_token.split(":")
    if package != "azure-native":
        return None
    singular = type_name[0].lower() + type_name[1:]
    return ArmType(in_resource_group(f"Microsoft.{module.capitalize()}/{singular}s"), f"{singular}Name")
