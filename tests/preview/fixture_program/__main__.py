"""Fixture for the preview engine's tests: a small azure-native program with what the engine must
capture (a component, auto-names, references, a secret, protect, depends_on, aliases,
replace_on_changes and ignore_changes, a config object, an invoke) and a few exports that show how
config arrived."""

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi_azure_native import authorization, managedidentity, network, resources
from pulumi_azure_native import machinelearningservices as ml

from fixture_parts import DataLake, claim_name

KNOWN_KEYS = {"location", "prefix", "storage", "protect", "replicas", "datastoreKey"}
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
IDENTITY_TYPE = "azure-native:managedidentity:UserAssignedIdentity"

project, stack = pulumi.get_project(), pulumi.get_stack()
given = {*runtime_config.CONFIG.get(), *runtime_config.get_config_env()}
unknown = sorted(key for key in given if key.startswith(f"{project}:") and key.split(":", 1)[1] not in KNOWN_KEYS)
if unknown:
    raise pulumi.RunError(f"unknown config key(s): {', '.join(unknown)}")
config = pulumi.Config()
storage_config = config.require_object("storage")
if storage_config.get("sku") not in ("Standard_LRS", "Standard_ZRS"):
    raise pulumi.RunError(f"storage.sku: {storage_config.get('sku')!r} is not one of Standard_LRS, Standard_ZRS")
location, prefix = config.require("location"), config.require("prefix")
replicas = config.get_int("replicas") or 1
datastore_key = config.require_secret("datastoreKey")
print(f"planning {project}/{stack}")  # programs print; the CLI must keep this out of its output

client = authorization.get_client_config()
group = resources.ResourceGroup(
    "group",
    resource_group_name=claim_name(f"rg-{prefix}-{stack}"),
    location=location,
    opts=pulumi.ResourceOptions(ignore_changes=["tags"]),
)
identity = managedidentity.UserAssignedIdentity(
    "identity",
    resource_group_name=group.name,
    opts=pulumi.ResourceOptions(aliases=[f"urn:pulumi:{stack}::{project}::{IDENTITY_TYPE}::workspace-identity"]),
)
lake = DataLake(
    "lake",
    resource_group_name=group.name,
    sku=storage_config["sku"],
    containers=storage_config["containers"],
    opts=pulumi.ResourceOptions(
        protect=config.get_bool("protect") or False,
        aliases=[pulumi.Alias(type_="fixture:storage:Lake")],  # its type was renamed: its children inherit the alias
    ),
)
workspace = ml.Workspace(
    "workspace",
    workspace_name=claim_name(f"mlw-{prefix}-{stack}"),
    resource_group_name=group.name,
    storage_account=lake.account.id,
    identity=ml.ManagedServiceIdentityArgs(type="SystemAssigned,UserAssigned", user_assigned_identities=[identity.id]),
    primary_user_assigned_identity=identity.id,
    public_network_access="Disabled",
    # Declared inside the lake component before, under another name.
    opts=pulumi.ResourceOptions(
        aliases=[pulumi.Alias(name="lake-workspace", parent=f"urn:pulumi:{stack}::{project}::fixture:data:DataLake::lake")]
    ),
)
blob_data_role = f"/subscriptions/{client.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{BLOB_DATA_CONTRIBUTOR}"
workspace_access = authorization.RoleAssignment(
    "workspace-blob-data",
    scope=lake.account.id,
    principal_id=workspace.identity.principal_id,
    principal_type="ServicePrincipal",
    role_definition_id=blob_data_role,
)
authorization.RoleAssignment(
    "identity-blob-data",
    scope=lake.account.id,
    principal_id=identity.principal_id,
    principal_type="ServicePrincipal",
    role_definition_id=blob_data_role,
)
datastore = ml.Datastore(
    "raw",
    name="raw",
    resource_group_name=group.name,
    workspace_name=workspace.name,
    properties=ml.AzureBlobDatastoreArgs(
        datastore_type="AzureBlob",
        account_name=lake.account.name,
        container_name=storage_config["containers"][0],
        credentials=ml.AccountKeyDatastoreCredentialsArgs(
            credentials_type="AccountKey",
            secrets=ml.AccountKeyDatastoreSecretsArgs(secrets_type="AccountKey", key=datastore_key),
        ),
    ),
    opts=pulumi.ResourceOptions(depends_on=[workspace_access]),
)
ml.Compute(
    "cpu",
    compute_name="cpu",
    resource_group_name=group.name,
    workspace_name=workspace.name,
    properties=ml.AmlComputeArgs(
        compute_type="AmlCompute",
        properties=ml.AmlComputePropertiesArgs(
            vm_size="Standard_DS3_v2",
            scale_settings=ml.ScaleSettingsArgs(min_node_count=0, max_node_count=replicas),
            user_account_credentials=ml.UserAccountCredentialsArgs(
                admin_user_name="azureuser", admin_user_password=pulumi.Output.secret(f"{prefix}-Passw0rd!")
            ),
        ),
    ),
)
vnet = network.VirtualNetwork(
    "vnet",
    virtual_network_name=f"vnet-{prefix}-{stack}",
    resource_group_name=group.name,
    address_space=network.AddressSpaceArgs(address_prefixes=["10.0.0.0/16"]),
)

pulumi.export("subscriptionId", client.subscription_id)
pulumi.export("storageAccountId", lake.account.id)
pulumi.export("mlflowTrackingUri", workspace.ml_flow_tracking_uri)
pulumi.export("identity", {"principalId": identity.principal_id, "clientId": identity.client_id})
pulumi.export("workspacePrincipalId", workspace.identity.principal_id)
pulumi.export("vnetId", vnet.id)
pulumi.export("datastore", {"name": datastore.name, "key": datastore_key})
pulumi.export("connectionString", pulumi.Output.concat("AccountName=", lake.account.name, ";AccountKey=", datastore_key))
pulumi.export("replicas", replicas)
pulumi.export("configSeen", {k: v for k, v in runtime_config.CONFIG.get().items() if not runtime_config.is_config_secret(k)})
pulumi.export("secretConfigKeys", sorted(k for k in runtime_config.CONFIG.get() if runtime_config.is_config_secret(k)))
pulumi.export("configEnvKeys", sorted(runtime_config.get_config_env()))
