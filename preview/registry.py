"""Everything the offline preview knows of each resource type: one entry per type.

An entry says how Azure identifies a resource of the type (its id template and the input that
carries its Azure name), how azure-native names it when that input is absent, which outputs Azure
computes on creation (the fake provider fills them, so that programs can reference them), and which
inputs the tree shows. A custom resource of a type without an entry stops the preview: a guessed id
or name would flow into every input that references it, wrong but plausible.

Plain data, no pulumi import. tests/preview checks every entry against the installed
pulumi_azure_native (name key, id template fields, shown inputs and outputs are real properties).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from preview.plan import PreviewError

# The fake tenant the offline preview deploys into (what getClientConfig answers).
SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001"
TENANT_ID = "00000000-0000-4000-8000-000000000002"
CLIENT_ID = "00000000-0000-4000-8000-000000000003"
OBJECT_ID = "00000000-0000-4000-8000-000000000004"
CREATION_TIME = "2001-01-01T00:00:00Z"  # what the fake clock reads, for ids made of a timestamp

RESOURCE_GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
GUID = "{guid}"  # an output that Azure makes a GUID: the fake derives one from the id and the output's path

# Pulumi's own provider resources: the preview has nothing to emulate for them.
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


def in_resource_group(provider_path: str) -> str:
    return f"{RESOURCE_GROUP}/providers/{provider_path}"


STORAGE_ACCOUNT = in_resource_group("Microsoft.Storage/storageAccounts/{accountName}")
ML_WORKSPACE = in_resource_group("Microsoft.MachineLearningServices/workspaces/{workspaceName}")


@dataclass(frozen=True)
class ResourceType:
    token: str  # the Pulumi type token
    # The resource's id, formatted with its inputs and {subscriptionId}; the name key's field holds
    # the Azure name there, also where azure-native chose it.
    id_template: str
    name_key: str | None  # the input that carries the Azure name; None where the type has no name
    # How azure-native names the resource when that input is absent: the logical name and 8 random
    # hex characters, a GUID, or "default" (a singleton such as a storage account's blob service).
    auto_name: Literal["random", "uuid", "default"] = "random"
    # Output path → template, formatted with {name}, {lowercase_name}, {id}, {location}, {tenantId},
    # {subscriptionId}, {guid} and the outputs listed before it. A dotted path adds to the input of
    # that name (as `properties.vaultUri` joins the vault's declared properties).
    outputs: Mapping[str, str] = field(default_factory=dict)
    shown: tuple[str, ...] = ()  # the input paths the tree shows, "properties." dropped from their labels

    @property
    def is_azure(self) -> bool:
        """Whether this is an Azure resource: it has a name and a location."""
        return self.token.startswith("azure-native:")


def _entries(*entries: ResourceType) -> dict[str, ResourceType]:
    return {entry.token: entry for entry in entries}


REGISTRY: dict[str, ResourceType] = _entries(
    # Resource groups, identity, access
    ResourceType(
        "azure-native:resources:ResourceGroup",
        RESOURCE_GROUP,
        "resourceGroupName",
        shown=("location",),
    ),
    ResourceType(
        "azure-native:managedidentity:UserAssignedIdentity",
        in_resource_group("Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}"),
        "resourceName",
        # principalId and clientId as fake_azure.managed_identity_ids derives them for the identity's users
        outputs={"principalId": GUID, "clientId": GUID, "tenantId": "{tenantId}"},
    ),
    ResourceType(
        "azure-native:authorization:RoleAssignment",
        "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
        "roleAssignmentName",
        auto_name="uuid",
        shown=("roleDefinitionId", "principalType"),
    ),
    ResourceType(
        "azure-native:authorization:ManagementLockByScope",
        "{scope}/providers/Microsoft.Authorization/locks/{lockName}",
        "lockName",
        shown=("level",),
    ),
    # Monitoring
    ResourceType(
        "azure-native:operationalinsights:Workspace",
        in_resource_group("Microsoft.OperationalInsights/workspaces/{workspaceName}"),
        "workspaceName",
        outputs={"customerId": GUID},
        shown=("sku.name", "retentionInDays"),
    ),
    ResourceType(
        "azure-native:applicationinsights:Component",
        in_resource_group("Microsoft.Insights/components/{resourceName}"),
        "resourceName",
        outputs={
            "instrumentationKey": GUID,
            "appId": GUID,
            "connectionString": "InstrumentationKey={instrumentationKey};"
            "IngestionEndpoint=https://{location}-0.in.applicationinsights.azure.com/;"
            "LiveEndpoint=https://{location}.livediagnostics.monitor.azure.com/;ApplicationId={appId}",
        },
        shown=("kind", "disableLocalAuth"),
    ),
    # azure-native 3.x registers diagnostic settings as monitor:DiagnosticSetting (insights:* is an alias).
    ResourceType(
        "azure-native:monitor:DiagnosticSetting",
        "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
        "name",
    ),
    ResourceType(
        "azure-native:monitor:PrivateLinkScope",
        in_resource_group("microsoft.insights/privateLinkScopes/{scopeName}"),
        "scopeName",
        shown=("accessModeSettings.ingestionAccessMode", "accessModeSettings.queryAccessMode"),
    ),
    ResourceType(
        "azure-native:monitor:PrivateLinkScopedResource",
        in_resource_group("microsoft.insights/privateLinkScopes/{scopeName}/scopedResources/{name}"),
        "name",
    ),
    ResourceType(
        "azure-native:monitor:ActionGroup",
        in_resource_group("Microsoft.Insights/actionGroups/{actionGroupName}"),
        "actionGroupName",
        shown=("groupShortName", "enabled"),
    ),
    ResourceType(
        "azure-native:monitor:MetricAlert",
        in_resource_group("Microsoft.Insights/metricAlerts/{ruleName}"),
        "ruleName",
        shown=("severity", "enabled", "windowSize"),
    ),
    ResourceType(
        "azure-native:monitor:ScheduledQueryRule",
        in_resource_group("Microsoft.Insights/scheduledQueryRules/{ruleName}"),
        "ruleName",
        shown=("severity", "enabled", "windowSize"),
    ),
    ResourceType(
        # An ARM template deployment (here: the PUT that sets an online endpoint's traffic)
        "azure-native:resources:Deployment",
        in_resource_group("Microsoft.Resources/deployments/{deploymentName}"),
        "deploymentName",
        shown=("properties.mode",),
    ),
    ResourceType(
        "azure-native:monitor:AutoscaleSetting",
        # the path Azure documents for autoscale settings is all lower case
        in_resource_group("Microsoft.Insights/autoscalesettings/{autoscaleSettingName}"),
        "autoscaleSettingName",
        shown=("enabled",),
    ),
    # Storage, secrets, images
    ResourceType(
        "azure-native:storage:StorageAccount",
        in_resource_group("Microsoft.Storage/storageAccounts/{accountName}"),
        "accountName",
        outputs={
            f"primaryEndpoints.{service}": f"https://{{name}}.{service}.core.windows.net/"
            for service in ("blob", "dfs", "file", "queue", "table")
        },
        shown=("sku.name", "kind", "publicNetworkAccess", "allowBlobPublicAccess", "allowSharedKeyAccess"),
    ),
    ResourceType(
        "azure-native:storage:BlobServiceProperties",
        STORAGE_ACCOUNT + "/blobServices/{blobServicesName}",
        "blobServicesName",
        auto_name="default",
        shown=("isVersioningEnabled", "deleteRetentionPolicy.days"),
    ),
    ResourceType(
        "azure-native:storage:BlobContainer",
        STORAGE_ACCOUNT + "/blobServices/default/containers/{containerName}",
        "containerName",
    ),
    ResourceType(
        "azure-native:keyvault:Vault",
        in_resource_group("Microsoft.KeyVault/vaults/{vaultName}"),
        "vaultName",
        outputs={"properties.vaultUri": "https://{name}.vault.azure.net/"},
        shown=(
            "properties.sku.name",
            "properties.enableRbacAuthorization",
            "properties.enablePurgeProtection",
            "properties.publicNetworkAccess",
        ),
    ),
    ResourceType(
        "azure-native:containerregistry:Registry",
        in_resource_group("Microsoft.ContainerRegistry/registries/{registryName}"),
        "registryName",
        outputs={"loginServer": "{lowercase_name}.azurecr.io"},
        shown=("sku.name", "adminUserEnabled", "publicNetworkAccess"),
    ),
    # Azure Machine Learning
    ResourceType(
        "azure-native:machinelearningservices:Workspace",
        in_resource_group("Microsoft.MachineLearningServices/workspaces/{workspaceName}"),
        "workspaceName",
        outputs={
            "workspaceId": GUID,
            "mlFlowTrackingUri": "azureml://{location}.api.azureml.ms/mlflow/v1.0{id}",
            "discoveryUrl": "https://{location}.api.azureml.ms/discovery",
        },
        shown=("sku.name", "publicNetworkAccess", "managedNetwork.isolationMode", "systemDatastoresAuthMode"),
    ),
    ResourceType(
        # the workspace's managed network outbound rule
        "azure-native:machinelearningservices:ManagedNetworkSettingsRule",
        ML_WORKSPACE + "/outboundRules/{ruleName}",
        "ruleName",
        shown=("properties.type", "properties.category"),
    ),
    ResourceType(
        "azure-native:machinelearningservices:Compute",
        ML_WORKSPACE + "/computes/{computeName}",
        "computeName",
        shown=(
            "properties.computeType",
            "properties.properties.vmSize",
            "properties.properties.scaleSettings.minNodeCount",
            "properties.properties.scaleSettings.maxNodeCount",
        ),
    ),
    ResourceType(
        "azure-native:machinelearningservices:Datastore",
        ML_WORKSPACE + "/datastores/{name}",
        "name",
        shown=("properties.datastoreType", "properties.credentials.credentialsType"),
    ),
    ResourceType(
        "azure-native:machinelearningservices:DataContainer",
        ML_WORKSPACE + "/data/{name}",
        "name",
        shown=("properties.dataType",),
    ),
    ResourceType(
        # `name` is the data asset (the container), `version` this version of it
        "azure-native:machinelearningservices:DataVersion",
        ML_WORKSPACE + "/data/{name}/versions/{version}",
        "version",
        shown=("properties.dataType", "properties.dataUri"),
    ),
    ResourceType(
        "azure-native:machinelearningservices:OnlineEndpoint",
        ML_WORKSPACE + "/onlineEndpoints/{endpointName}",
        "endpointName",
        outputs={"properties.scoringUri": "https://{name}.{location}.inference.ml.azure.com/score"},
        shown=("properties.authMode", "properties.publicNetworkAccess"),
    ),
    ResourceType(
        "azure-native:machinelearningservices:OnlineDeployment",
        ML_WORKSPACE + "/onlineEndpoints/{endpointName}/deployments/{deploymentName}",
        "deploymentName",
        shown=("properties.instanceType", "sku.capacity"),
    ),
    # Networking
    ResourceType(
        "azure-native:network:VirtualNetwork",
        in_resource_group("Microsoft.Network/virtualNetworks/{virtualNetworkName}"),
        "virtualNetworkName",
        shown=("addressSpace.addressPrefixes",),
    ),
    ResourceType(
        "azure-native:network:Subnet",
        in_resource_group("Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}"),
        "subnetName",
        shown=("addressPrefix", "privateEndpointNetworkPolicies"),
    ),
    ResourceType(
        "azure-native:network:NetworkSecurityGroup",
        in_resource_group("Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}"),
        "networkSecurityGroupName",
    ),
    ResourceType(
        "azure-native:network:RouteTable",
        in_resource_group("Microsoft.Network/routeTables/{routeTableName}"),
        "routeTableName",
    ),
    ResourceType(
        "azure-native:network:PublicIPAddress",
        in_resource_group("Microsoft.Network/publicIPAddresses/{publicIpAddressName}"),
        "publicIpAddressName",
        shown=("sku.name", "publicIPAllocationMethod"),
    ),
    ResourceType(
        "azure-native:network:NatGateway",
        in_resource_group("Microsoft.Network/natGateways/{natGatewayName}"),
        "natGatewayName",
    ),
    ResourceType(
        "azure-native:network:VirtualNetworkPeering",
        in_resource_group(
            "Microsoft.Network/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}"
        ),
        "virtualNetworkPeeringName",
        shown=("remoteVirtualNetwork.id",),
    ),
    ResourceType(
        "azure-native:network:PrivateEndpoint",
        in_resource_group("Microsoft.Network/privateEndpoints/{privateEndpointName}"),
        "privateEndpointName",
        shown=("subnet.id",),
    ),
    ResourceType(
        "azure-native:network:PrivateDnsZoneGroup",
        in_resource_group(
            "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}"
        ),
        "privateDnsZoneGroupName",
    ),
    ResourceType(
        "azure-native:privatedns:PrivateZone",
        in_resource_group("Microsoft.Network/privateDnsZones/{privateZoneName}"),
        "privateZoneName",
    ),
    ResourceType(
        "azure-native:privatedns:VirtualNetworkLink",
        in_resource_group(
            "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}"
        ),
        "virtualNetworkLinkName",
        shown=("registrationEnabled", "virtualNetwork.id"),
    ),
    # pulumiverse-time: a pause between two resources (the id of a Terraform time_sleep is its creation time)
    ResourceType("time:index/sleep:Sleep", CREATION_TIME, None, shown=("createDuration",)),
)


def needs_entry(type_token: str, custom: bool) -> bool:
    """Whether a resource must have a registry entry: every custom resource but Pulumi's own
    providers. Components only group resources; the preview has nothing to emulate for them."""
    return custom and not type_token.startswith(PROVIDER_TYPE_PREFIX)


def entry_for(type_token: str) -> ResourceType:
    """The type's registry entry; a PreviewError that says what to add when there is none."""
    entry = REGISTRY.get(type_token)
    if entry is None:
        raise PreviewError(
            f"the offline preview does not know resource type {type_token}: add "
            f"ResourceType({type_token!r}, id_template, name_key, ...) to REGISTRY in {__name__} "
            "(its id, the input that carries its name, the outputs programs read from it)"
        )
    return entry
