"""Every config key reaches the plan: a valid value that differs from what the environment gives is
seen where Azure would get it, every model default is seen in prod's plan, and every environment
default in its environment's plan.

KEYS is checked against StackConfig itself, so a key added later without an entry here fails
(test_keys_cover_every_leaf_of_the_stack_config), as does an environment default without a row.
Keys share captures (BATCHES): each key's probe looks only at what that key decides, and each
batch is compared with the plan of its environment without any of its keys.
"""

from __future__ import annotations

import copy

from dataclasses import dataclass, field
from types import NoneType, UnionType
from typing import Annotated, Any, Callable, Mapping, Sequence, Union, get_args, get_origin

import pytest

from components.config import StackConfig
from components.network_config import needed_zones
from components.roles import BUILTIN_ROLES
from components.settings import Section
from policies.baseline import STATEFUL
from preview.capture import capture_plan
from preview.plan import Plan, input_at

NS = "azureml-platform"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
STORAGE = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
KEY_VAULT = "azure-native:keyvault:Vault"
REGISTRY = "azure-native:containerregistry:Registry"
LOG_ANALYTICS = "azure-native:operationalinsights:Workspace"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
ROLE = "azure-native:authorization:RoleAssignment"
LOCK = "azure-native:authorization:ManagementLockByScope"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
SLEEP = "time:index/sleep:Sleep"
COMPUTE = "azure-native:machinelearningservices:Compute"
DATASTORE = "azure-native:machinelearningservices:Datastore"
DATA_CONTAINER = "azure-native:machinelearningservices:DataContainer"
DATA_VERSION = "azure-native:machinelearningservices:DataVersion"
VNET, SUBNET = "azure-native:network:VirtualNetwork", "azure-native:network:Subnet"
ENDPOINT, ZONE_GROUP = "azure-native:network:PrivateEndpoint", "azure-native:network:PrivateDnsZoneGroup"
PEERING = "azure-native:network:VirtualNetworkPeering"
ROUTE_TABLE = "azure-native:network:RouteTable"
OUTBOUND = "azure-native:machinelearningservices:ManagedNetworkSettingsRule"
ONLINE_ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
TRAFFIC = "azure-native:resources:Deployment"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
LOG_ALERT = "azure-native:monitor:ScheduledQueryRule"

# ARM types of role assignment scopes, as they appear in a scope's id.
ON_WORKSPACE = "Microsoft.MachineLearningServices/workspaces"
ON_STORAGE = "Microsoft.Storage/storageAccounts"
ON_REGISTRY = "Microsoft.ContainerRegistry/registries"
ON_LAKE = "Microsoft.Storage/storageAccounts/stlake/blobServices/default/containers"  # the read-only datastore "lake"
ROLE_ID = BUILTIN_ROLES  # names to GUIDs; the GUIDs themselves are checked in test_security_literals.py

DATA_SCIENTIST, PIPELINE, READER, GRANTEE = (
    "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "3f2504e0-4f89-41d3-9a0c-0305e82c3302",
    "3f2504e0-4f89-41d3-9a0c-0305e82c3303",
    "3f2504e0-4f89-41d3-9a0c-0305e82c3304",
)
STORAGE_RANGE, VAULT_RANGE, REGISTRY_RANGE = "203.0.113.0/24", "198.51.100.7", "192.0.2.0/28"
CMK_VAULT = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-keys"
HUB = "/subscriptions/00000000-0000-4000-8000-000000000009/resourceGroups/rg-hub/providers/Microsoft.Network"
HUB_VNET, HUB_SUBNET = f"{HUB}/virtualNetworks/vnet-hub", f"{HUB}/virtualNetworks/vnet-spoke/subnets/endpoints"
HUB_ZONES = {zone: f"{HUB}/privateDnsZones/{zone}" for zone in needed_zones()}
LAKE_ACCOUNT = "/subscriptions/00000000-0000-4000-8000-000000000002/resourceGroups/rg-lake/providers/Microsoft.Storage/storageAccounts/stlake"
OTHER_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CMK_KEY = "https://kv-keys.vault.azure.net/keys/aml/0123456789abcdef0123456789abcdef"


# --- probes: what the plan shows of one key ---------------------------------------------------


def at(resource_type: str, path: str) -> Callable[[Plan], Any]:
    return lambda plan: input_at(plan.one(resource_type).inputs, path)


def at_each(resource_types: Sequence[str], path: str) -> Callable[[Plan], Any]:
    return lambda plan: tuple(input_at(plan.one(t).inputs, path) for t in resource_types)


def item(resource_type: str, name: str, path: str) -> Callable[[Plan], Any]:
    """`path` of the resource with that logical name; None where the plan has none."""
    def probe(plan: Plan) -> Any:
        found = [r for r in plan.of_type(resource_type) if r.name == name]
        return input_at(found[0].inputs, path) if found else None
    return probe


# The endpoint "scorer" with the deployment "green" (MAP_ITEMS), in the staging batch.
SCORER, GREEN = "endpoints-scorer-endpoint", "endpoints-scorer-green"
# The staging batch's workspace: its name and group are keys of the batch too.
STAGING_WORKSPACE = ("/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-shared-ml/providers/"
                     "Microsoft.MachineLearningServices/workspaces/mlw-vision-2")


def green(path: str) -> Callable[[Plan], Any]:
    return item(DEPLOYMENT, GREEN, f"properties.{path}")


def traffic_put(field: str) -> Callable[[Plan], Any]:
    return item(TRAFFIC, "endpoints-scorer-traffic", f"properties.template.resources.0.properties.{field}")


def green_autoscale(path: str) -> Callable[[Plan], Any]:
    return item(AUTOSCALE, "endpoints-scorer-green-autoscale", f"profiles.0.{path}")


def threshold(alert: str) -> Callable[[Plan], Any]:
    return item(METRIC_ALERT, f"alerts-{alert}", "criteria.allOf.0.threshold")


def probes(kind: str, values: Mapping[str, Any], seen: Mapping[str, Any]) -> dict[str, Key]:
    return {
        f"endpoints.*.deployments.*.{kind}.{field}": Key(value, green(f"{kind}.{FIELD_IN_PLAN[field]}"), seen[field], None)
        for field, value in values.items()
    }


FIELD_IN_PLAN = {"initialDelaySeconds": "initialDelay", "periodSeconds": "period", "timeoutSeconds": "timeout",
                 "failureThreshold": "failureThreshold", "successThreshold": "successThreshold"}


TRAINER = "compute-trainer"
TRAINER_SETTINGS = "properties.properties"


def schedule(plan: Plan) -> Any:
    entries = item(COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.schedules.computeStartStop")(plan) or []
    return {(e["action"], e["triggerType"], e["cron"]["expression"], e["cron"]["timeZone"], e["status"]) for e in entries}


def lake_roles(plan: Plan) -> set:
    """The roles granted on the lake datastore's container, whoever holds them."""
    return {role_guid(g.inputs) for g in plan.of_type(ROLE) if g.inputs["scope"].endswith("/containers/raw")}


def every(resource_type: str, path: str) -> Callable[[Plan], Any]:
    """`path` of every resource of the type, sorted (an empty list where there is none)."""
    return lambda plan: sorted(str(input_at(r.inputs, path)) for r in plan.of_type(resource_type))


def extra_rule(path: str) -> Callable[[Plan], Any]:
    return item(OUTBOUND, "network-outbound-extra", f"properties.{path}")


def zone_ids(plan: Plan) -> list:
    return sorted({c["privateDnsZoneId"] for g in plan.of_type(ZONE_GROUP) for c in g.inputs["privateDnsZoneConfigs"]})


def next_hops(plan: Plan) -> list:
    return [route["nextHopIpAddress"] for table in plan.of_type(ROUTE_TABLE) for route in table.inputs["routes"]]


def package_rules(plan: Plan) -> bool:
    return "pypi.org" in every(OUTBOUND, "properties.destination")(plan)


def scope_type(scope: str) -> str:
    """The ARM type a role assignment is scoped to ("resourceGroups" for a group)."""
    return scope.split("/providers/")[-1].rsplit("/", 1)[0] if "/providers/" in scope else "resourceGroups"


def role_guid(inputs: Mapping[str, Any]) -> str:
    return inputs["roleDefinitionId"].rsplit("/", 1)[-1]


def granted(principal: str, what: Callable[[Mapping[str, Any]], Any]) -> Callable[[Plan], set]:
    """`what` of every role assignment to `principal`."""
    return lambda plan: {what(g.inputs) for g in plan.of_type(ROLE) if g.inputs["principalId"] == principal}


def grants(principal: str) -> Callable[[Plan], set]:
    return granted(principal, lambda g: (scope_type(g["scope"]), role_guid(g)))


def tracked(plan: Plan) -> list:
    return [r for r in plan.resources if r.custom and "location" in r.inputs]


def locations(plan: Plan) -> set:
    """The regions of regional resources (private DNS zones and their links are global)."""
    return {r.inputs["location"] for r in tracked(plan) if r.inputs["location"].lower() != "global"}


def team_tag(plan: Plan) -> set:
    return {r.inputs["tags"].get("team") for r in tracked(plan)}


def placement(plan: Plan) -> tuple[set, bool]:
    """The groups resources go to, and whether the stack declares a group of its own."""
    placed = {r.inputs["resourceGroupName"] for r in plan.resources if r.custom and r.type != RESOURCE_GROUP
              and "resourceGroupName" in r.inputs}
    return placed, bool(plan.of_type(RESOURCE_GROUP))


def unique_names(plan: Plan) -> tuple[str, str, str]:
    """The names that must be unique across Azure."""
    return (plan.one(STORAGE).inputs["accountName"], plan.one(KEY_VAULT).inputs["vaultName"],
            plan.one(REGISTRY).inputs["registryName"])


def environment(plan: Plan) -> tuple[str, str]:
    """The environment tag, and a value the environment's defaults decide."""
    storage = plan.one(STORAGE).inputs
    return storage["tags"]["environment"], storage["sku"]["name"]


def lock_levels(plan: Plan) -> list[str]:
    return sorted(lock.inputs["level"] for lock in plan.of_type(LOCK))


def protected(plan: Plan) -> set[bool]:
    return {r.protect for r in plan.resources if r.type in STATEFUL}


def diagnosed(plan: Plan) -> bool:
    return bool(plan.of_type(DIAGNOSTICS))


def blob_retention(plan: Plan) -> tuple:
    blob = plan.one(BLOB_SERVICE).inputs
    return blob["deleteRetentionPolicy"]["days"], blob["containerDeleteRetentionPolicy"]["days"]


def managed_network(plan: Plan) -> tuple:
    workspace = plan.one(WORKSPACE).inputs
    return workspace["managedNetwork"]["isolationMode"], workspace.get("provisionNetworkNow")


def registry_exposure(plan: Plan) -> tuple:
    """Public access, and whether images may be exported (only from a registry open anyway)."""
    registry = plan.one(REGISTRY).inputs
    return registry["publicNetworkAccess"], input_at(registry, "policies.exportPolicy.status")


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    value: Any  # valid in its batch, and not what the batch's environment gives
    probe: Callable[[Plan], Any]  # what the plan shows of the key
    seen: Any  # what probe finds with `value`
    default: Any  # what probe finds in prod with the model's default (a bare config)
    batch: str = "staging"


@dataclass(frozen=True)
class Batch:
    stack: str
    base: str  # the environment whose bare plan shows none of the batch's keys set
    extra: Mapping[str, Any] = field(default_factory=dict)  # config the batch's keys need besides themselves


# Three batches because some values exclude others: IP ranges need defaultAction Deny, a registry
# below Premium needs an open network and shows no network rules, and `environment` needs a stack
# not named after one.
BATCHES = {
    "staging": Batch("staging", base="staging"),
    "staging-allow": Batch("staging", base="staging"),
    "sandbox": Batch("sandbox", base="staging"),
    # A compute instance's keys, on the item the cluster keys set in "staging".
    "instance": Batch("staging", base="staging", extra={"computes": {"trainer": {"type": "instance"}}}),
    # Network keys that exclude one another: no endpoints, an existing subnet with the hub's zones
    # (or policy's), and each kind of outbound rule on the rule the fqdn keys set in "staging".
    "no-endpoints": Batch("staging", base="staging"),
    "hub": Batch("staging", base="staging"),
    "policy-dns": Batch("staging", base="staging", extra={"network": {"subnetId": HUB_SUBNET}}),
    "service-tag": Batch("staging", base="staging", extra={"network": {"outboundRules": {"extra": {"type": "serviceTag"}}}}),
    "endpoint-rule": Batch("staging", base="staging", extra={"network": {"outboundRules": {"extra": {"type": "privateEndpoint"}}}}),
    # Mirroring needs a second deployment that takes no live traffic.
    "mirror": Batch("staging", base="staging", extra={"endpoints": {"scorer": {
        "deployments": {"blue": {"model": "iris-classifier:1"}, "green": {"model": "iris-classifier:2"}}, "traffic": {"blue": 100}}}}),
}


def persona(principal: str, principal_type: str, description: str, roles: set) -> dict[str, Key]:
    return {
        "principalId": Key(principal, grants(principal), roles, set()),
        "principalType": Key(principal_type, granted(principal, lambda g: g["principalType"]), {principal_type}, set()),
        "description": Key(description, granted(principal, lambda g: g["description"]), {description}, set()),
    }


PERSONAS = {
    "dataScientists": persona(DATA_SCIENTIST, "User", "Vision team", {
        (ON_WORKSPACE, ROLE_ID["AzureML Data Scientist"]),
        (ON_STORAGE, ROLE_ID["Storage Blob Data Contributor"]),
        (ON_STORAGE, ROLE_ID["Storage File Data Privileged Contributor"]),
        (ON_LAKE, ROLE_ID["Storage Blob Data Reader"]),
    }),
    "deliveryPipelines": persona(PIPELINE, "Group", "Nightly retraining", {
        (ON_WORKSPACE, ROLE_ID["AzureML Data Scientist"]),
        (ON_STORAGE, ROLE_ID["Storage Blob Data Contributor"]),
        (ON_LAKE, ROLE_ID["Storage Blob Data Reader"]),
    }),
    "readers": persona(READER, "ServicePrincipal", "Audit", {
        (ON_WORKSPACE, ROLE_ID["Reader"]),
        (ON_STORAGE, ROLE_ID["Storage Blob Data Reader"]),
        (ON_STORAGE, ROLE_ID["Storage File Data Privileged Reader"]),
        (ON_LAKE, ROLE_ID["Storage Blob Data Reader"]),
    }),
}

PROD_NETWORK = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-mlp-prod/providers/Microsoft.Network"
PROD_SUBNET = f"{PROD_NETWORK}/virtualNetworks/vnet-mlp-prod/subnets/private-endpoints"
PROD_ZONES = sorted(f"{PROD_NETWORK}/privateDnsZones/{zone}" for zone in set(needed_zones()))
SCHEDULE = {("Start", "Cron", "0 8 * * 1-5", "W. Europe Standard Time", "Enabled"), ("Stop", "Cron", "0 19 * * 1-5", "W. Europe Standard Time", "Enabled")}
SALES_URI = "azureml://subscriptions/00000000-0000-4000-8000-000000000001/resourcegroups/rg-shared-ml/workspaces/mlw-vision-2/datastores/lake/paths/sales/2024/"

KEYS: dict[str, Key] = {
    "environment": Key("dev", environment, ("dev", "Standard_LRS"), ("prod", "Standard_ZRS"), batch="sandbox"),
    "location": Key("northeurope", locations, {"northeurope"}, {"westeurope"}),
    "prefix": Key("ops", at(LOG_ANALYTICS, "workspaceName"), "log-ops-staging", "log-mlp-prod"),
    "nameSuffix": Key("zz99", unique_names, ("stopsstagingzz99", "kv-ops-staging-zz99", "cropsstagingzz99"),
                      ("stmlpprodaaafec", "kv-mlp-prod-aaafec", "crmlpprodaaafec")),
    "existingResourceGroup": Key("rg-shared-ml", placement, ({"rg-shared-ml"}, False), ({"rg-mlp-prod"}, True)),
    "tags": Key({"team": "vision"}, team_tag, {"vision"}, {None}),
    "lock": Key("CanNotDelete", lock_levels, ["CanNotDelete"], ["CanNotDelete"]),
    "protect": Key(True, protected, {True}, {True}),
    "diagnostics": Key(False, diagnosed, False, True),
    **{f"personas.{name}.*.{field}": key for name, fields in PERSONAS.items() for field, key in fields.items()},
    "roleAssignments.*.principalId": Key(GRANTEE, grants(GRANTEE), {(ON_REGISTRY, ROLE_ID["AcrPull"])}, set()),
    "roleAssignments.*.role": Key("AcrPull", granted(GRANTEE, role_guid), {ROLE_ID["AcrPull"]}, set()),
    "roleAssignments.*.principalType": Key("Group", granted(GRANTEE, lambda g: g["principalType"]), {"Group"}, set()),
    "roleAssignments.*.scope": Key("containerRegistry", granted(GRANTEE, lambda g: scope_type(g["scope"])), {ON_REGISTRY}, set()),
    "roleAssignments.*.description": Key("Pulls images", granted(GRANTEE, lambda g: g["description"]), {"Pulls images"}, set()),
    "workspace.name": Key("mlw-vision-2", at(WORKSPACE, "workspaceName"), "mlw-vision-2", "mlw-mlp-prod"),
    "workspace.friendlyName": Key("Vision lab", at(WORKSPACE, "friendlyName"), "Vision lab", "mlw-mlp-prod"),
    "workspace.description": Key("Vision experiments", at(WORKSPACE, "description"), "Vision experiments",
                                 "Azure Machine Learning workspace managed by azureml-platform"),
    "workspace.publicNetworkAccess": Key("Enabled", at(WORKSPACE, "publicNetworkAccess"), "Enabled", "Disabled"),
    # Disabled: no managed network, so none to provision at creation.
    "workspace.isolationMode": Key("Disabled", managed_network, ("Disabled", None), ("AllowOnlyApprovedOutbound", True),
                                   batch="staging-allow"),
    "workspace.hbi": Key(False, at(WORKSPACE, "hbiWorkspace"), False, True),
    "workspace.imageBuildCompute": Key("trainer", at(WORKSPACE, "imageBuildCompute"), "trainer", "image-builder"),
    "workspace.customerManagedKey.keyVaultId": Key(CMK_VAULT, at(WORKSPACE, "encryption.keyVaultProperties.keyVaultArmId"),
                                                   CMK_VAULT, None),
    "workspace.customerManagedKey.keyUri": Key(CMK_KEY, at(WORKSPACE, "encryption.keyVaultProperties.keyIdentifier"),
                                               CMK_KEY, None),
    "workspace.roleAssignmentWaitSeconds": Key(45, item(SLEEP, "ml-role-propagation", "createDuration"), "45s", "120s"),
    "storage.sku": Key("Standard_GRS", at(STORAGE, "sku.name"), "Standard_GRS", "Standard_ZRS"),
    "storage.softDeleteRetentionDays": Key(14, blob_retention, (14, 14), (30, 30)),
    "storage.network.publicNetworkAccess": Key("Enabled", at(STORAGE, "publicNetworkAccess"), "Enabled", "Disabled"),
    "storage.network.defaultAction": Key("Allow", at(STORAGE, "networkRuleSet.defaultAction"), "Allow", "Deny",
                                         batch="staging-allow"),
    "storage.network.allowedIpRanges": Key([STORAGE_RANGE], at(STORAGE, "networkRuleSet.ipRules"),
                                           [{"action": "Allow", "iPAddressOrRange": STORAGE_RANGE}], []),
    # Off is absent: Azure accepts only true or nothing.
    "keyVault.purgeProtection": Key(False, at(KEY_VAULT, "properties.enablePurgeProtection"), None, True),
    "keyVault.softDeleteRetentionDays": Key(30, at(KEY_VAULT, "properties.softDeleteRetentionInDays"), 30, 90),
    "keyVault.network.publicNetworkAccess": Key("Enabled", at(KEY_VAULT, "properties.publicNetworkAccess"), "Enabled",
                                                "Disabled"),
    "keyVault.network.defaultAction": Key("Allow", at(KEY_VAULT, "properties.networkAcls.defaultAction"), "Allow", "Deny",
                                          batch="staging-allow"),
    "keyVault.network.allowedIpRanges": Key([VAULT_RANGE], at(KEY_VAULT, "properties.networkAcls.ipRules"),
                                            [{"value": VAULT_RANGE}], []),
    "containerRegistry.sku": Key("Standard", at(REGISTRY, "sku.name"), "Standard", "Premium", batch="sandbox"),
    "containerRegistry.zoneRedundancy": Key(False, at(REGISTRY, "zoneRedundancy"), "Disabled", "Enabled"),
    # 0 turns retention off: the policy says disabled rather than purging after 0 days.
    "containerRegistry.untaggedRetentionDays": Key(0, at(REGISTRY, "policies.retentionPolicy"),
                                                   {"status": "disabled", "days": 0}, {"status": "enabled", "days": 7}),
    "containerRegistry.quarantinePolicy": Key(True, at(REGISTRY, "policies.quarantinePolicy.status"), "enabled", "disabled"),
    "containerRegistry.network.publicNetworkAccess": Key("Enabled", registry_exposure, ("Enabled", "enabled"),
                                                         ("Disabled", "disabled")),
    "containerRegistry.network.defaultAction": Key("Allow", at(REGISTRY, "networkRuleSet.defaultAction"), "Allow", "Deny",
                                                   batch="staging-allow"),
    "containerRegistry.network.allowedIpRanges": Key([REGISTRY_RANGE], at(REGISTRY, "networkRuleSet.ipRules"),
                                                     [{"action": "Allow", "iPAddressOrRange": REGISTRY_RANGE}], []),
    "monitoring.retentionDays": Key(60, at(LOG_ANALYTICS, "retentionInDays"), 60, 90),
    "monitoring.dailyQuotaGb": Key(2.5, at(LOG_ANALYTICS, "workspaceCapping.dailyQuotaGb"), 2.5, None),
    "monitoring.localAuth": Key(True, at(APP_INSIGHTS, "disableLocalAuth"), False, True),
    "monitoring.publicNetworkAccessForIngestion": Key(
        "Disabled", at_each((LOG_ANALYTICS, APP_INSIGHTS), "publicNetworkAccessForIngestion"),
        ("Disabled", "Disabled"), ("Enabled", "Enabled")),
    "monitoring.publicNetworkAccessForQuery": Key(
        "Disabled", at_each((LOG_ANALYTICS, APP_INSIGHTS), "publicNetworkAccessForQuery"),
        ("Disabled", "Disabled"), ("Enabled", "Enabled")),
    # A cluster "trainer" (staging batch), then an instance of that name (instance batch).
    "computes.*.type": Key("cluster", item(COMPUTE, TRAINER, "properties.computeType"), "AmlCompute", None),
    "computes.*.vmSize": Key("Standard_E4ds_v4", item(COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.vmSize"), "Standard_E4ds_v4", None),
    "computes.*.priority": Key("LowPriority", item(COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.vmPriority"), "LowPriority", None),
    "computes.*.minNodes": Key(1, item(COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.scaleSettings.minNodeCount"), 1, None),
    "computes.*.maxNodes": Key(8, item(COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.scaleSettings.maxNodeCount"), 8, None),
    "computes.*.idleSecondsBeforeScaleDown": Key(
        300, item(COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.scaleSettings.nodeIdleTimeBeforeScaleDown"), "PT5M", None),
    "computes.*.description": Key("Training", item(COMPUTE, TRAINER, "properties.description"), "Training", None),
    "computes.*.user.objectId": Key(DATA_SCIENTIST, item(
        COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.personalComputeInstanceSettings.assignedUser.objectId"), DATA_SCIENTIST, None,
        batch="instance"),
    "computes.*.user.tenantId": Key(OTHER_TENANT, item(
        COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.personalComputeInstanceSettings.assignedUser.tenantId"), OTHER_TENANT, None,
        batch="instance"),
    "computes.*.idleMinutesBeforeShutdown": Key(
        30, item(COMPUTE, TRAINER, f"{TRAINER_SETTINGS}.idleTimeBeforeShutdown"), "PT30M", None, batch="instance"),
    "computes.*.schedule.start": Key("0 8 * * 1-5", schedule, SCHEDULE, set(), batch="instance"),
    "computes.*.schedule.stop": Key("0 19 * * 1-5", schedule, SCHEDULE, set(), batch="instance"),
    "computes.*.schedule.timeZone": Key("W. Europe Standard Time", schedule, SCHEDULE, set(), batch="instance"),
    # The stack's VNet elsewhere, peered to a hub, its firewall, one more FQDN rule ("extra").
    "network.addressSpace": Key("10.62.0.0/22", at(VNET, "addressSpace.addressPrefixes"), ["10.62.0.0/22"], ["10.60.0.0/22"]),
    "network.privateEndpointSubnet": Key("10.62.0.0/24", every(SUBNET, "addressPrefix"), ["10.62.0.0/24", "10.62.2.0/24"],
                                         ["10.60.0.0/24", "10.60.1.0/24"]),
    "network.clientSubnet": Key("10.62.2.0/24", every(SUBNET, "addressPrefix"), ["10.62.0.0/24", "10.62.2.0/24"],
                                ["10.60.0.0/24", "10.60.1.0/24"]),
    "network.hub.virtualNetworkId": Key(HUB_VNET, every(PEERING, "remoteVirtualNetwork.id"), [HUB_VNET], []),
    "network.hub.useRemoteGateways": Key(True, every(PEERING, "useRemoteGateways"), ["True"], []),
    "network.hub.egressNextHop": Key("10.62.3.4", next_hops, ["10.62.3.4"], []),
    "network.firewallSku": Key("Standard", at(WORKSPACE, "managedNetwork.firewallSku"), "Standard", "Basic"),
    "network.packageRepositories": Key(False, package_rules, False, True),
    "network.outboundRules.*.type": Key("fqdn", extra_rule("type"), "FQDN", None),
    "network.outboundRules.*.destination": Key("github.com", extra_rule("destination"), "github.com", None),
    "network.outboundRules.*.serviceTag": Key("AzureMonitor", extra_rule("destination.serviceTag"), "AzureMonitor", None,
                                             batch="service-tag"),
    "network.outboundRules.*.protocol": Key("UDP", extra_rule("destination.protocol"), "UDP", None, batch="service-tag"),
    "network.outboundRules.*.portRanges": Key("8080", extra_rule("destination.portRanges"), "8080", None, batch="service-tag"),
    "network.outboundRules.*.resourceId": Key(LAKE_ACCOUNT, extra_rule("destination.serviceResourceId"), LAKE_ACCOUNT, None,
                                             batch="endpoint-rule"),
    "network.outboundRules.*.subresource": Key("dfs", extra_rule("destination.subresourceTarget"), "dfs", None, batch="endpoint-rule"),
    "network.privateEndpoints": Key(False, lambda plan: len(plan.of_type(ENDPOINT)), 0, 7, batch="no-endpoints"),
    "network.subnetId": Key(HUB_SUBNET, every(ENDPOINT, "subnet.id"), [HUB_SUBNET] * 7, [PROD_SUBNET] * 7, batch="hub"),
    "network.dnsZoneIds": Key(HUB_ZONES, zone_ids, sorted(HUB_ZONES.values()), PROD_ZONES, batch="hub"),
    "network.dnsZoneGroupsByPolicy": Key(True, lambda plan: len(plan.of_type(ZONE_GROUP)), 0, 7, batch="policy-dns"),
    # A datastore "lake" on another account, and a data asset "sales" on it.
    "datastores.*.type": Key("adlsGen2", item(DATASTORE, "data-lake", "properties.datastoreType"), "AzureDataLakeGen2", None),
    "datastores.*.container": Key("raw", item(DATASTORE, "data-lake", "properties.filesystem"), "raw", None),
    "datastores.*.storageAccountId": Key(LAKE_ACCOUNT, item(DATASTORE, "data-lake", "properties.accountName"), "stlake", None),
    "datastores.*.access": Key("readOnly", lake_roles, {ROLE_ID["Storage Blob Data Reader"]}, set()),
    "datastores.*.description": Key("Raw lake", item(DATASTORE, "data-lake", "properties.description"), "Raw lake", None),
    "dataAssets.*.type": Key("uri_folder", item(DATA_CONTAINER, "data-asset-sales", "properties.dataType"), "uri_folder", None),
    "dataAssets.*.description": Key("Sales", item(DATA_CONTAINER, "data-asset-sales", "properties.description"), "Sales", None),
    "dataAssets.*.tags": Key({"domain": "sales"}, item(DATA_CONTAINER, "data-asset-sales", "properties.tags"),
                             {"domain": "sales"}, None),
    "dataAssets.*.versions.*.datastore": Key(
        "lake", item(DATA_VERSION, "data-asset-sales-3", "properties.dataUri"), SALES_URI, None),
    "dataAssets.*.versions.*.path": Key(
        "sales/2024/", item(DATA_VERSION, "data-asset-sales-3", "properties.dataUri"), SALES_URI, None),
    "dataAssets.*.versions.*.description": Key(
        "2024 sales", item(DATA_VERSION, "data-asset-sales-3", "properties.description"), "2024 sales", None),
    "dataAssets.*.versions.*.archived": Key(True, item(DATA_VERSION, "data-asset-sales-3", "properties.isArchived"), True, None),
    # An endpoint "scorer" with a deployment "green" taking all traffic, and the stack's alerts.
    "endpoints.*.authMode": Key("Key", item(ONLINE_ENDPOINT, SCORER, "properties.authMode"), "Key", None),
    "endpoints.*.publicNetworkAccess": Key("Enabled", item(ONLINE_ENDPOINT, SCORER, "properties.publicNetworkAccess"), "Enabled", None),
    "endpoints.*.description": Key("Scores", item(ONLINE_ENDPOINT, SCORER, "properties.description"), "Scores", None),
    "endpoints.*.traffic": Key({"green": 100}, traffic_put("traffic"), {"green": 100}, None),
    "endpoints.*.mirrorTraffic": Key({"green": 20}, traffic_put("mirrorTraffic"), {"green": 20}, None, batch="mirror"),
    "endpoints.*.deployments.*.model": Key("iris-classifier:7", green("model"), f"{STAGING_WORKSPACE}/models/iris-classifier/versions/7", None),
    "endpoints.*.deployments.*.instanceType": Key("Standard_F4s_v2", green("instanceType"), "Standard_F4s_v2", None),
    "endpoints.*.deployments.*.instanceCount": Key(2, item(DEPLOYMENT, GREEN, "sku.capacity"), 2, None),
    "endpoints.*.deployments.*.description": Key("Green", green("description"), "Green", None),
    "endpoints.*.deployments.*.appInsightsEnabled": Key(True, green("appInsightsEnabled"), True, None),
    "endpoints.*.deployments.*.environment": Key("sklearn-serving:2", green("environmentId"),
                                                 f"{STAGING_WORKSPACE}/environments/sklearn-serving/versions/2", None),
    "endpoints.*.deployments.*.code.asset": Key("scoring:1", green("codeConfiguration.codeId"), f"{STAGING_WORKSPACE}/codes/scoring/versions/1", None),
    "endpoints.*.deployments.*.code.scoringScript": Key("score.py", green("codeConfiguration.scoringScript"), "score.py", None),
    "endpoints.*.deployments.*.environmentVariables": Key({"WORKERS": "2"}, green("environmentVariables"), {"WORKERS": "2"}, None),
    "endpoints.*.deployments.*.requestSettings.requestTimeoutMs": Key(2500, green("requestSettings.requestTimeout"), "PT2.5S", None),
    "endpoints.*.deployments.*.requestSettings.maxConcurrentRequestsPerInstance": Key(
        4, green("requestSettings.maxConcurrentRequestsPerInstance"), 4, None),
    **probes("livenessProbe", {"initialDelaySeconds": 30, "periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 10, "successThreshold": 2},
             {"initialDelaySeconds": "PT30S", "periodSeconds": "PT20S", "timeoutSeconds": "PT5S", "failureThreshold": 10, "successThreshold": 2}),
    **probes("readinessProbe", {"initialDelaySeconds": 45, "periodSeconds": 25, "timeoutSeconds": 4, "failureThreshold": 15, "successThreshold": 3},
             {"initialDelaySeconds": "PT45S", "periodSeconds": "PT25S", "timeoutSeconds": "PT4S", "failureThreshold": 15, "successThreshold": 3}),
    "endpoints.*.deployments.*.autoscale.minInstances": Key(2, green_autoscale("capacity.minimum"), "2", None),
    "endpoints.*.deployments.*.autoscale.maxInstances": Key(4, green_autoscale("capacity.maximum"), "4", None),
    "endpoints.*.deployments.*.autoscale.scaleOutCpuPercent": Key(60, green_autoscale("rules.0.metricTrigger.threshold"), 60, None),
    "endpoints.*.deployments.*.autoscale.scaleInCpuPercent": Key(20, green_autoscale("rules.1.metricTrigger.threshold"), 20, None),
    "endpoints.*.alerts.latencyMs": Key(300, threshold("scorer-latency"), 300, None),
    "endpoints.*.alerts.serverErrorsPerMinute": Key(3, threshold("scorer-server-errors"), 3, None),
    "endpoints.*.alerts.serverErrorPercent": Key(
        2.5, item(LOG_ALERT, "alerts-scorer-server-error-share", "criteria.allOf.0.threshold"), 2.5, None),
    "endpoints.*.alerts.cpuPercent": Key(70, threshold("scorer-green-cpu"), 70, None),
    "endpoints.*.alerts.memoryPercent": Key(85, threshold("scorer-green-memory"), 85, None),
    "alerts.emailReceivers": Key(["oncall@contoso.com"], every(ACTION_GROUP, "emailReceivers.0.emailAddress"), ["oncall@contoso.com"], ["None"]),
    "alerts.webhookUrl": Key("https://hooks.contoso.com/ml", every(ACTION_GROUP, "webhookReceivers.0.serviceUri"),
                             ["https://hooks.contoso.com/ml"], ["None"]),
    "alerts.failedJobsPerHour": Key(4, threshold("failed-jobs"), 4, 1),
}

IRIS_URI = "azureml://subscriptions/00000000-0000-4000-8000-000000000001/resourcegroups/rg-mlp-dev/workspaces/mlw-mlp-dev/datastores/training_data/paths/samples/iris.csv"
# What each environment's defaults show in a bare config's plan, by key (probes as in KEYS, or ENVIRONMENT_PROBES).
ENVIRONMENT_DEFAULTS_SEEN = {
    ("staging", "lock"): [],
    ("staging", "protect"): {False},
    ("staging", "monitoring.retentionDays"): 30,
    ("dev", "lock"): [],
    ("dev", "protect"): {False},
    ("dev", "storage.sku"): "Standard_LRS",
    ("dev", "storage.softDeleteRetentionDays"): (7, 7),
    ("dev", "storage.network.publicNetworkAccess"): "Enabled",
    ("dev", "storage.network.defaultAction"): "Allow",
    ("dev", "keyVault.purgeProtection"): None,
    ("dev", "keyVault.softDeleteRetentionDays"): 7,
    ("dev", "keyVault.network.publicNetworkAccess"): "Enabled",
    ("dev", "keyVault.network.defaultAction"): "Allow",
    ("dev", "containerRegistry.sku"): "Basic",
    ("dev", "containerRegistry.zoneRedundancy"): "Disabled",
    ("dev", "containerRegistry.network.publicNetworkAccess"): ("Enabled", None),  # Basic: no policies
    ("dev", "containerRegistry.network.defaultAction"): None,  # Basic: no network rules
    ("dev", "workspace.publicNetworkAccess"): "Enabled",
    ("dev", "workspace.isolationMode"): ("AllowInternetOutbound", True),
    ("dev", "workspace.imageBuildCompute"): None,
    ("dev", "monitoring.retentionDays"): 30,
    ("dev", "monitoring.dailyQuotaGb"): 1,
    ("dev", "monitoring.localAuth"): False,
    ("dev", "computes.image-builder"): ["compute-cpu"],
    ("dev", "network.privateEndpoints"): 0,
    ("staging", "network.addressSpace"): ["10.61.0.0/22"],
    ("staging", "network.privateEndpointSubnet"): ["10.61.0.0/24", "10.61.1.0/24"],
    ("staging", "network.clientSubnet"): ["10.61.0.0/24", "10.61.1.0/24"],
    ("dev", "computes.*.priority"): "LowPriority",
    ("dev", "computes.*.idleSecondsBeforeScaleDown"): "PT10M",
    ("dev", "dataAssets.iris.type"): "uri_file",
    ("dev", "dataAssets.iris.description"): "Fisher's iris flowers: the sample the example training job reads",
    ("dev", "dataAssets.iris.versions.1.datastore"): IRIS_URI,
    ("dev", "dataAssets.iris.versions.1.path"): IRIS_URI,
    ("dev", "endpoints.*.publicNetworkAccess"): "Enabled",
    ("dev", "endpoints.*.deployments.*.appInsightsEnabled"): True,
}
IRIS_VERSION = "data-asset-iris-1"
# Probes for environment defaults of map items, which KEYS probes on other items.
ENVIRONMENT_PROBES = {
    "computes.image-builder": lambda plan: sorted(r.name for r in plan.of_type(COMPUTE)),
    "computes.*.priority": item(COMPUTE, "compute-cpu", f"{TRAINER_SETTINGS}.vmPriority"),
    "computes.*.idleSecondsBeforeScaleDown": item(COMPUTE, "compute-cpu", f"{TRAINER_SETTINGS}.scaleSettings.nodeIdleTimeBeforeScaleDown"),
    "dataAssets.iris.type": item(DATA_VERSION, IRIS_VERSION, "properties.dataType"),
    "dataAssets.iris.description": item(DATA_CONTAINER, "data-asset-iris", "properties.description"),
    "dataAssets.iris.versions.1.datastore": item(DATA_VERSION, IRIS_VERSION, "properties.dataUri"),
    "dataAssets.iris.versions.1.path": item(DATA_VERSION, IRIS_VERSION, "properties.dataUri"),
}


# --- the model's key paths ----------------------------------------------------------------------


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Section)


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _item(annotation: Any) -> Any | None:
    """The item type of a list, tuple or map, else None."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (dict, Mapping):
        return args[1]
    if origin in (list, Sequence) or (origin is tuple and args[1:] == (Ellipsis,)):
        return args[0]
    return None


def _sections(annotation: Any) -> list[type[Section]]:
    """The sections a value of this type is one of (an optional section, a union of sections), else []."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) in (Union, UnionType):
        members = [_unwrap(a) for a in get_args(annotation) if a is not NoneType]
        return members if all(_is_section(m) for m in members) else []
    return [annotation] if _is_section(annotation) else []


def key_paths(annotation: Any, path: str = "") -> set[str]:
    """Every leaf key path under `annotation`, dotted camelCase as in the file; `*` for every item."""
    if sections := _sections(annotation):
        return {
            found
            for section in sections
            for name, field in section.model_fields.items()
            for found in key_paths(field.annotation, f"{path}{field.alias or name}.")
        }
    item = _item(_unwrap(annotation))
    if item is not None and _sections(item):
        return key_paths(item, f"{path}*.")
    return {path.rstrip(".")}


def environment_default_leaves(section: type[Section] = StackConfig, path: str = "") -> set[tuple[str, str]]:
    """(environment, key path) for every leaf of every section's environment_defaults, from the root."""

    def leaves(table: Mapping[str, Any], prefix: str) -> set[str]:
        return {leaf for key, value in table.items()
                for leaf in (leaves(value, f"{prefix}{key}.") if isinstance(value, Mapping) else {f"{prefix}{key}"})}

    found = {(env, leaf) for env, table in section.environment_defaults.items() for leaf in leaves(table, path)}
    for name, field in section.model_fields.items():
        key = f"{path}{field.alias or name}."
        item = _item(_unwrap(field.annotation))
        for child in _sections(field.annotation) or (_sections(item) if item is not None else []):
            found |= environment_default_leaves(child, key if item is None else f"{key}*.")
    return found


# --- plans --------------------------------------------------------------------------------------


# The item a `*` stands for in a map of the config (in a list it is the first item).
MAP_ITEMS = {"computes": "trainer", "datastores": "lake", "dataAssets": "sales", "versions": "3", "outboundRules": "extra",
             "endpoints": "scorer", "deployments": "green"}
# A bare config with one endpoint, where environment defaults of endpoints show.
WITH_ENDPOINT = {"endpoints": {"scorer": {"deployments": {"green": {"model": "iris-classifier:1"}}, "traffic": {"green": 100}}}}


def with_value(tree: dict, path: str, value: Any) -> None:
    """Set `path` in a stack-config tree; `*` is the first item of a list, or MAP_ITEMS' item of a map."""
    *parents, leaf = path.split(".")
    node: Any = tree
    for previous, part, following in zip(["", *parents], parents, [*parents[1:], leaf]):
        if part == "*" and previous in MAP_ITEMS:
            node = node.setdefault(MAP_ITEMS[previous], {})
        elif part == "*":
            if not node:
                node.append({})
            node = node[0]
        else:
            node = node.setdefault(part, [] if following == "*" and part not in MAP_ITEMS else {})
    if leaf == "*":
        raise ValueError(f"{path}: a list of plain values is one key, not one per item")
    node[leaf] = value


def bare_config() -> dict[str, Any]:
    return {"location": "westeurope"}


def batch_config(batch: str) -> dict[str, Any]:
    config = {**bare_config(), **copy.deepcopy(dict(BATCHES[batch].extra))}
    for path, key in KEYS.items():
        if key.batch == batch:
            with_value(config, path, key.value)
    return config


class Plans(dict):
    """Bare plans by environment ("bare:prod") and batch plans by batch name, captured on first use."""

    def __missing__(self, name: str) -> Plan:
        kind, which = name.split(":")
        if kind == "batch":
            stack, config = BATCHES[which].stack, batch_config(which)
        else:
            stack, config = which, {**bare_config(), **(WITH_ENDPOINT if kind == "endpoint" else {})}
        self[name] = capture_plan(stack, config={f"{NS}:{key}": value for key, value in config.items()})
        return self[name]


@pytest.fixture(scope="module")
def plans() -> Plans:
    return Plans()


# --- tests --------------------------------------------------------------------------------------


def test_keys_cover_every_leaf_of_the_stack_config():
    assert set(KEYS) == key_paths(StackConfig)


def test_every_environment_default_has_a_row():
    assert set(ENVIRONMENT_DEFAULTS_SEEN) == environment_default_leaves()


@pytest.mark.parametrize("path", KEYS)
def test_each_key_reaches_the_plan(path, plans):
    key = KEYS[path]
    assert key.probe(plans[f"batch:{key.batch}"]) == key.seen
    # Were the key ignored, the plan would show what its environment gives without it.
    assert key.probe(plans[f"bare:{BATCHES[key.batch].base}"]) != key.seen


@pytest.mark.parametrize("path", KEYS)
def test_each_model_default_shows_in_prods_plan(path, plans):
    assert KEYS[path].probe(plans["bare:prod"]) == KEYS[path].default


@pytest.mark.parametrize(("environment", "path"), ENVIRONMENT_DEFAULTS_SEEN)
def test_each_environment_default_shows_in_its_plan(environment, path, plans):
    probe = ENVIRONMENT_PROBES.get(path) or KEYS[path].probe
    # Endpoints' defaults show on an endpoint, which a bare config has none of.
    plan = plans[f"endpoint:{environment}" if path.startswith("endpoints.") else f"bare:{environment}"]
    assert probe(plan) == ENVIRONMENT_DEFAULTS_SEEN[environment, path]


def test_a_batch_sets_each_key_once_and_names_a_known_batch():
    assert {key.batch for key in KEYS.values()} == set(BATCHES)
    for batch in BATCHES:
        paths = [path for path, key in KEYS.items() if key.batch == batch]
        # No key is the prefix of another in one batch: each value is set exactly as listed.
        assert not [(a, b) for a in paths for b in paths if b.startswith(f"{a}.")], batch
