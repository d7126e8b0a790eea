"""The security baseline as rules over a plan: every resource's inputs as the provider receives them.

Each rule names the scanner check or Azure Policy it mirrors. `scope="all"` rules hold in every
environment; `scope="prod"` rules are the prod floor that dev and staging may deviate from (the
deviations are listed, with their reasons, in components/config.py ENVIRONMENT_DEFAULTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Mapping, Protocol

from preview.plan import input_at

STORAGE = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
KEY_VAULT = "azure-native:keyvault:Vault"
REGISTRY = "azure-native:containerregistry:Registry"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
LOG_ANALYTICS = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
LOCK = "azure-native:authorization:ManagementLockByScope"
COMPUTE = "azure-native:machinelearningservices:Compute"
DATASTORE = "azure-native:machinelearningservices:Datastore"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"
ONLINE_ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
ONLINE_DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"

# Resources that hold data or state: protected in prod.
STATEFUL = (STORAGE, KEY_VAULT, REGISTRY, WORKSPACE, LOG_ANALYTICS)
# Locked in prod: where a lock blocks no routine change (a lock on the workspace, storage, key vault
# or registry would block removing computes, endpoints, people's grants and managed private
# endpoints; components/base.py LOCKED_TYPES says why).
LOCKED = (LOG_ANALYTICS,)
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
# What a closed data-plane resource must be reachable through: a private endpoint for each
# sub-resource Azure ML uses (components/network.py TARGET_GROUPS says why).
PRIVATE_LINK_GROUPS = {
    WORKSPACE: ("amlworkspace",),
    STORAGE: ("blob", "file", "queue", "table"),
    KEY_VAULT: ("vault",),
    REGISTRY: ("registry",),
}
# Resources whose logs and metrics must reach Log Analytics.
DIAGNOSED = (STORAGE, BLOB_SERVICE, KEY_VAULT, REGISTRY, WORKSPACE, ONLINE_ENDPOINT)
REDUNDANT_STORAGE = {"Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"}
STUDIO_ORIGINS = {"https://ml.azure.com", "https://*.ml.azure.com", "https://ai.azure.com", "https://*.ai.azure.com"}

# Scanner checks that do not apply, and why (a scanner run on an export of the plan skips these).
NOT_APPLICABLE = {
    "CKV_AZURE_164": "registry content trust: Docker Content Trust is deprecated (aka.ms/acr/dctdeprecation, "
    "removal 2028-03-31) and new registries asking for it are refused; Notation signing replaces it",
    "CKV_AZURE_166": "registry quarantine: quarantined images cannot be pulled until a scanner releases them, "
    "which blocks the environment images Azure ML builds and pushes",
}


class Resource(Protocol):
    urn: str
    type: str
    name: str
    inputs: dict
    dependencies: list[str]
    protect: bool


@dataclass(frozen=True)
class Rule:
    id: str
    resource_type: str
    description: str
    reference: str
    compliant: Callable[[Mapping[str, Any]], bool]
    scope: Literal["all", "prod"] = "all"
    # Which resources of the type the rule is about (e.g. clusters, not compute instances).
    applies: Callable[[Mapping[str, Any]], bool] = lambda inputs: True


def equals(path: str, expected: Any) -> Callable[[Mapping[str, Any]], bool]:
    return lambda inputs: input_at(inputs, path) == expected


def compute_type(kind: str) -> Callable[[Mapping[str, Any]], bool]:
    return equals("properties.computeType", kind)


CLUSTER, INSTANCE = compute_type("AmlCompute"), compute_type("ComputeInstance")


RULES: tuple[Rule, ...] = (
    # Workspace
    Rule("workspace-public-network-disabled", WORKSPACE, "publicNetworkAccess is Disabled",
         "CKV2_AZURE_49, CKV_AZURE_144", equals("publicNetworkAccess", "Disabled"), "prod"),
    Rule("workspace-approved-outbound-only", WORKSPACE, "managed network allows only approved outbound",
         "Azure Policy: managed virtual network", equals("managedNetwork.isolationMode", "AllowOnlyApprovedOutbound"), "prod"),
    Rule("workspace-user-assigned-identity", WORKSPACE, "a user-assigned identity is the primary identity",
         "Azure Policy: user-assigned identity",
         lambda i: input_at(i, "identity.type") == "UserAssigned"
         and bool(input_at(i, "primaryUserAssignedIdentity"))),
    Rule("workspace-identity-datastores", WORKSPACE, "system datastores use identity, not account keys",
         "AVM default", equals("systemDatastoresAuthMode", "Identity")),
    Rule("workspace-network-provisioned", WORKSPACE, "an isolated managed network is provisioned at creation",
         "how-to-managed-network", lambda i: input_at(i, "managedNetwork.isolationMode") in (None, "Disabled")
         or input_at(i, "provisionNetworkNow") is True),
    Rule("workspace-no-v1-legacy", WORKSPACE, "v1LegacyMode is false", "AVM default", equals("v1LegacyMode", False)),
    Rule("workspace-hbi", WORKSPACE, "high-business-impact flag set", "CKV2_AZURE_50", equals("hbiWorkspace", True), "prod"),
    # Storage
    Rule("storage-tls12", STORAGE, "minimum TLS 1.2", "CKV_AZURE_44", equals("minimumTlsVersion", "TLS1_2")),
    Rule("storage-https-only", STORAGE, "HTTPS only", "CKV_AZURE_3", equals("enableHttpsTrafficOnly", True)),
    Rule("storage-no-public-blobs", STORAGE, "no anonymous blob access", "CKV_AZURE_190",
         equals("allowBlobPublicAccess", False)),
    Rule("storage-no-shared-key", STORAGE, "shared-key access off", "CKV2_AZURE_40", equals("allowSharedKeyAccess", False)),
    Rule("storage-entra-by-default", STORAGE, "Entra ID is the default authorization in the portal", "AVM default",
         equals("defaultToOAuthAuthentication", True)),
    Rule("storage-no-cross-tenant-replication", STORAGE, "no object replication to other tenants",
         "Azure Policy: storage cross-tenant replication", equals("allowCrossTenantReplication", False)),
    Rule("storage-infrastructure-encryption", STORAGE, "infrastructure (double) encryption", "CKV2_AZURE_1 family",
         equals("encryption.requireInfrastructureEncryption", True)),
    Rule("storage-network-deny", STORAGE, "network default action Deny with AzureServices bypass", "CKV_AZURE_35/36",
         lambda i: input_at(i, "networkRuleSet.defaultAction") == "Deny"
         and "AzureServices" in str(input_at(i, "networkRuleSet.bypass")), "prod"),
    Rule("storage-redundant", STORAGE, "zone- or geo-redundant replication", "CKV_AZURE_206",
         lambda i: input_at(i, "sku.name") in REDUNDANT_STORAGE, "prod"),
    Rule("storage-blob-soft-delete", BLOB_SERVICE, "blob soft delete on", "data-loss protection",
         equals("deleteRetentionPolicy.enabled", True)),
    Rule("storage-container-soft-delete", BLOB_SERVICE, "container soft delete on", "data-loss protection",
         equals("containerDeleteRetentionPolicy.enabled", True)),
    Rule("storage-versioning", BLOB_SERVICE, "blob versioning on", "data-loss protection",
         equals("isVersioningEnabled", True)),
    Rule("storage-studio-cors", BLOB_SERVICE, "the CORS rule studio needs is declared (a full PUT drops it)",
         "Azure ML studio; AVM workspace module",
         lambda i: any(STUDIO_ORIGINS <= set(rule.get("allowedOrigins", ()))
                       for rule in input_at(i, "cors.corsRules") or ())),
    # Key Vault
    Rule("key-vault-rbac", KEY_VAULT, "RBAC authorization", "CKV_AZURE_189 family",
         equals("properties.enableRbacAuthorization", True)),
    Rule("key-vault-soft-delete", KEY_VAULT, "soft delete on", "CKV_AZURE_42", equals("properties.enableSoftDelete", True)),
    Rule("key-vault-purge-protection", KEY_VAULT, "purge protection on", "CKV_AZURE_110",
         equals("properties.enablePurgeProtection", True), "prod"),
    Rule("key-vault-network-deny", KEY_VAULT, "network default action Deny with AzureServices bypass", "CKV_AZURE_109",
         lambda i: input_at(i, "properties.networkAcls.defaultAction") == "Deny"
         and "AzureServices" in str(input_at(i, "properties.networkAcls.bypass")), "prod"),
    # Container registry
    Rule("registry-no-admin-user", REGISTRY, "admin user off", "CKV_AZURE_137", equals("adminUserEnabled", False)),
    Rule("registry-no-anonymous-pull", REGISTRY, "anonymous pull off", "CKV_AZURE_138",
         equals("anonymousPullEnabled", False)),
    Rule("registry-trusted-services", REGISTRY, "trusted Azure services (Azure ML) bypass the network rules",
         "Azure ML: container registry behind a network", equals("networkRuleBypassOptions", "AzureServices")),
    Rule("registry-premium", REGISTRY, "Premium SKU", "CKV_AZURE_233 prerequisite", equals("sku.name", "Premium"), "prod"),
    Rule("registry-public-network-disabled", REGISTRY, "public network access Disabled", "CKV_AZURE_139",
         equals("publicNetworkAccess", "Disabled"), "prod"),
    Rule("registry-zone-redundant", REGISTRY, "zone redundancy on", "CKV_AZURE_233",
         equals("zoneRedundancy", "Enabled"), "prod"),
    Rule("registry-retention", REGISTRY, "untagged manifests are purged", "CKV_AZURE_167",
         equals("policies.retentionPolicy.status", "enabled"), "prod"),
    # Monitoring
    # Compute (Azure Policy "Azure Machine Learning Computes should have local authentication methods
    # disabled" and "... should be in a virtual network"; PSRule Azure.ML.*)
    Rule("compute-local-auth-disabled", COMPUTE, "local (key, SSH credential) authentication off",
         "CKV_AZURE_142, PSRule Azure.ML.DisableLocalAuth", equals("properties.disableLocalAuth", True)),
    Rule("compute-no-public-ip", COMPUTE, "nodes have no public IP (they sit in the managed network)",
         "Azure Policy: computes in a virtual network", equals("properties.properties.enableNodePublicIp", False)),
    Rule("compute-cluster-ssh-closed", COMPUTE, "the SSH port is closed to the internet", "Azure ML security baseline",
         equals("properties.properties.remoteLoginPortPublicAccess", "Disabled"), applies=CLUSTER),
    Rule("compute-cluster-scales-to-zero", COMPUTE, "minimum node count 0", "CKV_AZURE_150",
         equals("properties.properties.scaleSettings.minNodeCount", 0), "prod", applies=CLUSTER),
    Rule("compute-instance-ssh-closed", COMPUTE, "SSH access disabled", "Azure ML security baseline",
         equals("properties.properties.sshSettings.sshPublicAccess", "Disabled"), applies=INSTANCE),
    Rule("compute-instance-idle-shutdown", COMPUTE, "idle shutdown set", "PSRule Azure.ML.ComputeIdleShutdown, Azure Policy",
         lambda i: bool(input_at(i, "properties.properties.idleTimeBeforeShutdown")), applies=INSTANCE),
    Rule("compute-instance-personal", COMPUTE, "assigned to one user, applications not shared", "Azure ML security baseline",
         lambda i: input_at(i, "properties.properties.applicationSharingPolicy") == "Personal"
         and bool(input_at(i, "properties.properties.personalComputeInstanceSettings.assignedUser.objectId")),
         applies=INSTANCE),
    # Data
    Rule("datastore-identity-based", DATASTORE, "no stored credential: identity-based access", "Azure ML: identity-based data access",
         equals("properties.credentials.credentialsType", "None")),
    Rule("blob-container-private", BLOB_CONTAINER, "no anonymous access to the container", "CKV_AZURE_34",
         equals("publicAccess", "None")),
    # Serving
    Rule("online-endpoint-entra-auth", ONLINE_ENDPOINT, "callers authenticate with Entra ID tokens, not keys",
         "Azure ML: authentication and authorization for online endpoints", equals("properties.authMode", "AADToken"), "prod"),
    Rule("online-endpoint-private", ONLINE_ENDPOINT, "public network access Disabled (scored through the private endpoint)",
         "Azure ML security baseline NS-2", equals("properties.publicNetworkAccess", "Disabled"), "prod"),
    Rule("online-endpoint-own-identity", ONLINE_ENDPOINT, "a user-assigned identity of its own, holding only serving roles",
         "Azure ML: access Azure resources from an online endpoint", equals("identity.type", "UserAssigned")),
    Rule("app-insights-workspace-based", APP_INSIGHTS, "workspace-based (Log Analytics) ingestion", "AVM",
         lambda i: input_at(i, "ingestionMode") == "LogAnalytics"
         and bool(input_at(i, "workspaceResourceId"))),
    Rule("app-insights-no-local-auth", APP_INSIGHTS, "local (key) authentication off", "AVM",
         equals("disableLocalAuth", True), "prod"),
)


@dataclass(frozen=True)
class Violation:
    rule: str
    resource: str  # URN
    message: str


def check_resource(resource_type: str, inputs: Mapping[str, Any], environment: str) -> list[Rule]:
    """The rules a single resource breaks (usable from a Pulumi policy pack's validate function)."""
    return [
        rule
        for rule in RULES
        if rule.resource_type == resource_type
        and (rule.scope == "all" or environment == "prod")
        and rule.applies(inputs)
        and not rule.compliant(inputs)
    ]


def check_plan(resources: Iterable[Resource], environment: str) -> list[Violation]:
    """Every violation in a plan: per-resource rules, then diagnostics, locks and protection."""
    resources = list(resources)
    violations = [
        Violation(rule.id, resource.urn, f"{resource.name}: {rule.description} ({rule.reference})")
        for resource in resources
        for rule in check_resource(resource.type, resource.inputs, environment)
    ]
    violations += _missing_extensions(resources, DIAGNOSTIC_SETTING, DIAGNOSED, "diagnostics",
                                      "logs and metrics go to Log Analytics (Azure Policy: resource logs)")
    violations += _unreachable(resources)
    if environment == "prod":
        violations += _missing_extensions(resources, LOCK, LOCKED, "lock",
                                          "a CanNotDelete lock (AVM lock)", level="CanNotDelete")
        violations += [
            Violation("protect", r.urn, f"{r.name}: protected from `pulumi destroy`")
            for r in resources
            if r.type in STATEFUL and not r.protect
        ]
    return violations


def _unreachable(resources: list[Resource]) -> list[Violation]:
    """Closed resources without a private endpoint for each sub-resource Azure ML uses: nobody
    (people, pipelines, the platform's clients) could reach them."""
    groups_by_target: dict[str, set[str]] = {}
    for endpoint in resources:
        if endpoint.type == PRIVATE_ENDPOINT:
            for connection in input_at(endpoint.inputs, "privateLinkServiceConnections") or []:
                for urn in endpoint.dependencies:
                    groups_by_target.setdefault(urn, set()).update(connection.get("groupIds", []))
    violations = []
    for resource in resources:
        wanted = PRIVATE_LINK_GROUPS.get(resource.type)
        closed = "Disabled" in (input_at(resource.inputs, "publicNetworkAccess"), input_at(resource.inputs, "properties.publicNetworkAccess"))
        if wanted and closed:
            missing = sorted(set(wanted) - groups_by_target.get(resource.urn, set()))
            if missing:
                violations.append(Violation("private-endpoints", resource.urn,
                                            f"{resource.name}: closed, with no private endpoint for {', '.join(missing)}"))
    return violations


def _missing_extensions(
    resources: list[Resource], extension_type: str, targets: tuple[str, ...],
    rule: str, description: str, level: str | None = None,
) -> list[Violation]:
    """Targets that no extension resource (diagnostic setting, lock) is attached to.

    An extension refers to its target by ARM id, so it depends on the target in the plan.
    """
    covered = {
        urn
        for r in resources
        if r.type == extension_type and (level is None or input_at(r.inputs, "level") == level)
        for urn in r.dependencies
    }
    return [Violation(rule, r.urn, f"{r.name}: {description}") for r in resources if r.type in targets and r.urn not in covered]
