"""The whole platform as planned for each stack: resources, links, ordering and outputs, on resolved values."""

import json
import typing
from pathlib import Path

import pytest

from components.access import RoleAssignmentConfig
from components.naming import deterministic_guid
from components.roles import BUILTIN_ROLES
from preview.capture import capture_plan
from preview.plan import PreviewError
from preview.stackfile import load_stack_config
from policies.baseline import DIAGNOSED, LOCKED, ONLINE_ENDPOINT, STATEFUL

NS = "azure-native"
WORKSPACE = f"{NS}:machinelearningservices:Workspace"
STORAGE = f"{NS}:storage:StorageAccount"
KEY_VAULT = f"{NS}:keyvault:Vault"
REGISTRY = f"{NS}:containerregistry:Registry"
APP_INSIGHTS = f"{NS}:applicationinsights:Component"
LOG_ANALYTICS = f"{NS}:operationalinsights:Workspace"
IDENTITY = f"{NS}:managedidentity:UserAssignedIdentity"
ROLE = f"{NS}:authorization:RoleAssignment"
LOCK = f"{NS}:authorization:ManagementLockByScope"
DIAGNOSTICS = f"{NS}:monitor:DiagnosticSetting"
BLOB_SERVICE = f"{NS}:storage:BlobServiceProperties"
SLEEP = "time:index/sleep:Sleep"
ROLE_ID = {name: guid for name, guid in BUILTIN_ROLES.items()}


def arm_name(arm_id: str) -> str:
    return arm_id.rsplit("/", 1)[-1]


COMPONENT = {
    f"{NS}:resources:ResourceGroup": "azureml-platform:resources:ResourceGroup",
    LOG_ANALYTICS: "azureml-platform:monitoring:Monitoring",
    APP_INSIGHTS: "azureml-platform:monitoring:Monitoring",
    STORAGE: "azureml-platform:storage:Storage",
    BLOB_SERVICE: "azureml-platform:storage:Storage",
    KEY_VAULT: "azureml-platform:keyvault:KeyVault",
    REGISTRY: "azureml-platform:containerregistry:ContainerRegistry",
    (IDENTITY, "ml-identity"): "azureml-platform:workspace:Workspace",
    WORKSPACE: "azureml-platform:workspace:Workspace",
    (IDENTITY, "compute-identity"): "azureml-platform:compute:Compute",
    (f"{NS}:machinelearningservices:Compute", "compute-cpu"): "azureml-platform:compute:Compute",
    f"{NS}:machinelearningservices:Datastore": "azureml-platform:data:Data",
    f"{NS}:storage:BlobContainer": "azureml-platform:data:Data",
}
URNS_BEFORE_SPLIT = json.loads((Path(__file__).parent / "urns_before_split.json").read_text())


# Issue #7: the prod locks on workspace, storage, key vault and registry blocked routine deletes.
REMOVED_ON_PURPOSE = {
    f"urn:pulumi:prod::azureml-platform::azureml-platform:workspace:Workspace$azure-native:authorization:ManagementLockByScope::ml-{name}-lock"
    for name in ("workspace", "storage", "key-vault", "container-registry")
}


def one(plan, key):
    """The resource COMPONENT's key names: a type with one resource, or (type, logical name)."""
    return plan.one(*key) if isinstance(key, tuple) else plan.one(key)


def urn_type(urn: str) -> str:
    return urn.split("::")[-2].rsplit("$", 1)[-1]


def test_each_stack_plans_the_whole_platform(plan):
    for key in COMPONENT:
        one(plan, key)
    for component_type in set(COMPONENT.values()):
        plan.one(component_type)


def test_components_parent_their_children(plan):
    """Every Azure resource sits in the component of its concern; extensions sit beside their target."""
    for key, component_type in COMPONENT.items():
        assert plan.by_urn(one(plan, key).parent).type == component_type, key
    for resource in plan.resources:
        if resource.custom:
            assert resource.parent and not plan.by_urn(resource.parent).custom, resource.name
        if resource.type in (LOCK, DIAGNOSTICS):
            # A diagnostic setting also depends on the Log Analytics workspace it reports to.
            targets = [plan.by_urn(urn) for urn in resource.dependencies if plan.by_urn(urn).custom]
            [target] = [t for t in targets if t.type != LOG_ANALYTICS] if len(targets) > 1 else targets
            assert resource.parent == target.parent, resource.name


def test_no_resource_changes_its_urn(plan):
    """A changed URN is a delete and a create (of prod data, for stateful resources): every URN of
    the plans before the split into components is still there, or carried by one alias of a
    resource of the same type and name in Azure."""
    before = [urn for urn in URNS_BEFORE_SPLIT[plan.stack] if urn not in REMOVED_ON_PURPOSE]
    current = {resource.urn: resource for resource in plan.resources}
    # azure-native adds aliases for its versioned types (storage/v20240101:...): not moves of ours.
    moves = [(alias, r) for r in plan.resources for alias in r.aliases if urn_type(alias) == r.type]
    aliased = dict(moves)
    assert len(aliased) == len(moves), "an alias claimed twice"
    for urn in before:
        resource = current.get(urn) or aliased.get(urn)
        assert resource is not None, f"{urn} would be deleted"
        assert urn_type(urn) == resource.type, urn


def test_workspace_links_its_four_dependencies_by_arm_id(plan):
    workspace = plan.one(WORKSPACE).inputs
    storage, vault, registry = plan.one(STORAGE).inputs, plan.one(KEY_VAULT).inputs, plan.one(REGISTRY).inputs
    assert workspace["storageAccount"].endswith(f"/providers/Microsoft.Storage/storageAccounts/{storage['accountName']}")
    assert workspace["keyVault"].endswith(f"/providers/Microsoft.KeyVault/vaults/{vault['vaultName']}")
    assert workspace["containerRegistry"].endswith(
        f"/providers/Microsoft.ContainerRegistry/registries/{registry['registryName']}"
    )
    app_insights = plan.one(APP_INSIGHTS).inputs
    assert workspace["applicationInsights"].endswith(f"/providers/Microsoft.Insights/components/{app_insights['resourceName']}")
    assert app_insights["workspaceResourceId"].endswith(
        f"/providers/Microsoft.OperationalInsights/workspaces/{plan.one(LOG_ANALYTICS).inputs['workspaceName']}"
    )


def test_workspace_runs_as_its_user_assigned_identity(plan):
    workspace, identity = plan.one(WORKSPACE).inputs, plan.one(IDENTITY, "ml-identity").inputs
    identity_id = workspace["primaryUserAssignedIdentity"]
    assert identity_id.endswith(f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity['resourceName']}")
    assert workspace["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity_id]}
    assert workspace["systemDatastoresAuthMode"] == "Identity"
    assert workspace["v1LegacyMode"] is False


def identity_grants(plan):
    """(target resource name, role GUID) for every role assignment held by the workspace identity."""
    principal = plan.outputs["workspace"]["identityPrincipalId"]
    return {
        (arm_name(r.inputs["scope"]), arm_name(r.inputs["roleDefinitionId"]))
        for r in plan.of_type(ROLE)
        if r.inputs.get("principalId") == principal
    }


def test_identity_holds_the_roles_azure_ml_needs_on_each_dependency(plan):
    storage = plan.one(STORAGE).inputs["accountName"]
    vault = plan.one(KEY_VAULT).inputs["vaultName"]
    registry = plan.one(REGISTRY).inputs["registryName"]
    app_insights = plan.one(APP_INSIGHTS).inputs["resourceName"]
    workspace = plan.one(WORKSPACE).inputs["workspaceName"]
    approver = ROLE_ID["Azure AI Enterprise Network Connection Approver"]
    group = plan.outputs["resourceGroupName"]
    assert identity_grants(plan) == {
        (group, approver),
        (group, ROLE_ID["Reader"]),
        (storage, ROLE_ID["Contributor"]),
        (storage, ROLE_ID["Storage Blob Data Contributor"]),
        (storage, ROLE_ID["Storage File Data Privileged Contributor"]),
        (storage, approver),
        (vault, ROLE_ID["Contributor"]),
        (vault, ROLE_ID["Key Vault Administrator"]),
        (vault, approver),
        (registry, ROLE_ID["Contributor"]),
        (registry, approver),
        (app_insights, ROLE_ID["Contributor"]),
        (app_insights, ROLE_ID["Monitoring Metrics Publisher"]),
        (workspace, ROLE_ID["Contributor"]),
    }
    for grant in plan.of_type(ROLE):
        if grant.inputs.get("principalId") == plan.outputs["workspace"]["identityPrincipalId"]:
            assert grant.inputs["principalType"] == "ServicePrincipal"


def test_role_ids_are_the_verified_builtin_guids():
    assert ROLE_ID["Contributor"] == "b24988ac-6180-42a0-ab88-20f7382dd24c"
    assert ROLE_ID["Storage Blob Data Contributor"] == "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    assert ROLE_ID["Storage File Data Privileged Contributor"] == "69566ab7-960f-475b-8e7c-b3118f30c6bd"
    assert ROLE_ID["Key Vault Administrator"] == "00482a5a-887f-4fb3-b363-3b7fe8e74483"
    assert ROLE_ID["Key Vault Crypto Service Encryption User"] == "e147488a-f6f5-4113-8e2d-b22465e65bf6"
    assert ROLE_ID["AzureML Data Scientist"] == "f6c7c914-8db3-469d-8ca1-694a8f32e121"
    assert ROLE_ID["Azure AI Enterprise Network Connection Approver"] == "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"


def test_workspace_is_created_after_its_dependencies_and_identity_access(plan):
    workspace = plan.one(WORKSPACE)
    for key in (STORAGE, KEY_VAULT, REGISTRY, APP_INSIGHTS, (IDENTITY, "ml-identity")):
        assert plan.depends_on(workspace, one(plan, key)), key
    principal = plan.outputs["workspace"]["identityPrincipalId"]
    before = [r for r in plan.of_type(ROLE) if r.inputs.get("principalId") == principal and not r.inputs["scope"].endswith(
        workspace.inputs["workspaceName"])]
    assert before
    # grants → wait for RBAC to propagate → workspace (MicrosoftDocs/azure-docs#111772)
    wait = plan.one(SLEEP, "ml-role-propagation")
    assert plan.depends_on(workspace, wait)
    assert wait.inputs["createDuration"] == "120s"
    assert wait.inputs["triggers"] == {"principalId": principal}
    for grant in before:
        assert plan.depends_on(wait, grant), grant.name
        assert plan.depends_on(grant, plan.one(IDENTITY, "ml-identity")), grant.name


def test_the_wait_can_be_tuned_or_left_out(stack_config):
    config = load_stack_config("dev")
    config["azureml-platform:workspace"] = {"roleAssignmentWaitSeconds": 0}
    plan = capture_plan("dev", config=config)
    assert plan.of_type(SLEEP) == []
    workspace = plan.one(WORKSPACE)
    principal = plan.outputs["workspace"]["identityPrincipalId"]
    grants = [r for r in plan.of_type(ROLE) if r.inputs["principalId"] == principal and plan.depends_on(workspace, r)]
    assert {arm_name(g.inputs["scope"]) for g in grants} == {
        plan.one(t).inputs[NAME_KEY.get(t, "resourceName")] for t in (STORAGE, KEY_VAULT, REGISTRY, APP_INSIGHTS)} | {
        plan.outputs["resourceGroupName"]}


def test_no_needless_ordering(plan):
    """Explicit dependencies serialize `pulumi up`: only the wait before the workspace, the
    datastores and computes (nothing uses them before their identities' roles) wait for grants."""
    for resource in plan.resources:
        waits_for_grants = [d for d in resource.dependencies if plan.by_urn(d).type == ROLE]
        if resource.type not in (SLEEP, f"{NS}:machinelearningservices:Datastore", f"{NS}:machinelearningservices:Compute"):
            assert waits_for_grants == [], resource.name
    storage = plan.one(STORAGE)
    assert not plan.depends_on(storage, plan.one(KEY_VAULT))
    assert not plan.depends_on(plan.one(REGISTRY), storage)


def test_every_diagnosed_resource_reports_to_log_analytics(plan):
    log_analytics = plan.one(LOG_ANALYTICS)
    settings = plan.of_type(DIAGNOSTICS)
    for resource_type in DIAGNOSED:
        target = plan.one(resource_type)
        attached = [s for s in settings if plan.depends_on(s, target)]
        assert len(attached) == 1, resource_type
        setting = attached[0].inputs
        assert setting["workspaceId"].endswith(f"/workspaces/{log_analytics.inputs['workspaceName']}")
        assert all(metric["enabled"] for metric in setting["metrics"])
    by_target = {plan.by_urn(next(d for d in s.dependencies if plan.by_urn(d).type in DIAGNOSED)).type: s.inputs for s in settings}
    # Storage accounts have no log categories: metrics only there, logs on the blob service.
    assert "logs" not in by_target[STORAGE] or by_target[STORAGE]["logs"] == []
    assert by_target[STORAGE]["metrics"] == [{"category": "Transaction", "enabled": True}]
    assert by_target[BLOB_SERVICE]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    for resource_type in (KEY_VAULT, REGISTRY, WORKSPACE):
        assert by_target[resource_type]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
        assert by_target[resource_type]["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    # The endpoint's logs by name: the 5xx log alert reads the traffic log table.
    assert by_target[ONLINE_ENDPOINT]["logs"] == [
        {"category": category, "enabled": True}
        for category in ("AmlOnlineEndpointTrafficLog", "AmlOnlineEndpointConsoleLog", "AmlOnlineEndpointEventLog")
    ]
    assert by_target[ONLINE_ENDPOINT]["metrics"] == [{"category": "AllMetrics", "enabled": True}]


def test_prod_protects_stateful_resources_and_dev_does_not(stack_plans):
    prod, dev = stack_plans["prod"], stack_plans["dev"]
    for resource_type in STATEFUL:
        assert prod.one(resource_type).protect, resource_type
        assert not dev.one(resource_type).protect, resource_type
    assert prod.one(f"{NS}:resources:ResourceGroup").protect
    assert dev.of_type(LOCK) == [] and stack_plans["staging"].of_type(LOCK) == []


def test_prod_locks_only_where_no_routine_change_needs_a_delete(stack_plans):
    """A CanNotDelete lock blocks deleting the resource's children and the role assignments on it:
    removing a compute or endpoint (workspace children) or a person's grant must not need a lock lifted."""
    prod = stack_plans["prod"]
    locks = prod.of_type(LOCK)
    locked = {urn for lock in locks for urn in lock.dependencies}
    assert {prod.by_urn(urn).type for urn in locked} == set(LOCKED) == {LOG_ANALYTICS}
    assert all(lock.inputs["level"] == "CanNotDelete" for lock in locks)
    assert prod.one(WORKSPACE).urn not in locked  # parent of computes, endpoints, datastores
    granted_on = {urn for grant in prod.of_type(ROLE) for urn in grant.dependencies if prod.by_urn(urn).custom}
    assert granted_on and not granted_on & locked
    # What a lock would have guarded is guarded by Azure's soft delete instead.
    assert prod.one(KEY_VAULT).inputs["properties"]["enablePurgeProtection"] is True
    blob = prod.one(BLOB_SERVICE).inputs
    assert blob["deleteRetentionPolicy"]["enabled"] and blob["containerDeleteRetentionPolicy"]["enabled"]
    assert blob["isVersioningEnabled"] is True


def test_dev_and_prod_differ_where_environments_should(stack_plans):
    dev, prod = stack_plans["dev"], stack_plans["prod"]
    assert (dev.one(WORKSPACE).inputs["publicNetworkAccess"], prod.one(WORKSPACE).inputs["publicNetworkAccess"]) == (
        "Enabled",
        "Disabled",
    )
    assert dev.one(WORKSPACE).inputs["managedNetwork"]["isolationMode"] == "AllowInternetOutbound"
    assert "imageBuildCompute" not in dev.one(WORKSPACE).inputs
    assert prod.one(WORKSPACE).inputs["imageBuildCompute"] == "image-builder"
    assert dev.one(STORAGE).inputs["sku"] == {"name": "Standard_LRS"}
    assert dev.one(STORAGE).inputs["networkRuleSet"]["defaultAction"] == "Allow"
    assert "enablePurgeProtection" not in dev.one(KEY_VAULT).inputs["properties"]
    assert dev.one(REGISTRY).inputs["sku"] == {"name": "Basic"}
    assert "policies" not in dev.one(REGISTRY).inputs and "networkRuleSet" not in dev.one(REGISTRY).inputs
    assert dev.one(APP_INSIGHTS).inputs["disableLocalAuth"] is False
    assert dev.one(LOG_ANALYTICS).inputs["workspaceCapping"] == {"dailyQuotaGb": 1}
    assert prod.one(LOG_ANALYTICS).inputs["retentionInDays"] == 180


def granted_to(plan, principal):
    return {
        (arm_name(r.inputs["scope"]), arm_name(r.inputs["roleDefinitionId"]), r.inputs["principalType"])
        for r in plan.of_type(ROLE)
        if r.inputs["principalId"] == principal
    }


def test_personas_expand_to_every_grant_they_need(stack_plans):
    """With shared keys off, the data plane needs its own roles besides the workspace role."""
    dev, prod = stack_plans["dev"], stack_plans["prod"]
    data_scientists, pipeline, readers = (
        "7c9e6679-7425-40de-944b-e07fc1f90ae7", "16f9a2c4-3b1d-4e8a-9c7f-2d5e8b1a6f30", "0b5c7e2a-8d4f-4a1b-b6e3-9f2c1d7a4e58")
    workspace, storage = dev.one(WORKSPACE).inputs["workspaceName"], dev.one(STORAGE).inputs["accountName"]
    assert granted_to(dev, data_scientists) == {
        (workspace, ROLE_ID["AzureML Data Scientist"], "Group"),
        (storage, ROLE_ID["Storage Blob Data Contributor"], "Group"),
        (storage, ROLE_ID["Storage File Data Privileged Contributor"], "Group"),
    }
    workspace, storage = prod.one(WORKSPACE).inputs["workspaceName"], prod.one(STORAGE).inputs["accountName"]
    assert granted_to(prod, pipeline) == {
        (workspace, ROLE_ID["AzureML Data Scientist"], "ServicePrincipal"),
        (storage, ROLE_ID["Storage Blob Data Contributor"], "ServicePrincipal"),
    }
    assert granted_to(prod, readers) == {
        (workspace, ROLE_ID["Reader"], "Group"),
        (storage, ROLE_ID["Storage Blob Data Reader"], "Group"),
        (storage, ROLE_ID["Storage File Data Privileged Reader"], "Group"),
    }


def test_a_grant_both_a_persona_and_an_explicit_entry_give_is_made_once():
    group = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    config = load_stack_config("dev")
    config["azureml-platform:roleAssignments"] = [
        {"principalId": group, "principalType": "Group", "role": "AzureML Data Scientist"},
        {"principalId": group, "principalType": "Group", "role": "AcrPull", "scope": "containerRegistry"},
    ]
    plan = capture_plan("dev", config=config)
    grants = [r for r in plan.of_type(ROLE) if r.inputs["principalId"] == group]
    assert len(grants) == len(granted_to(plan, group)) == 4
    assert (plan.one(REGISTRY).inputs["registryName"], ROLE_ID["AcrPull"], "Group") in granted_to(plan, group)


def test_role_assignment_names_are_unique_deterministic_guids(plan):
    names = [r.inputs["roleAssignmentName"] for r in plan.of_type(ROLE)]
    assert len(set(names)) == len(names)


def test_role_assignment_names_are_the_same_in_every_run(stack_plans):
    """A new name is a new assignment, which Azure refuses while the old one exists."""
    names = [r.inputs["roleAssignmentName"] for r in stack_plans["dev"].of_type(ROLE)]
    assert names == [r.inputs["roleAssignmentName"] for r in capture_plan("dev").of_type(ROLE)]


def test_outputs_give_tools_what_they_need(plan):
    outputs = plan.outputs
    assert outputs["environment"] == plan.stack
    assert outputs["workspaceName"] == plan.one(WORKSPACE).inputs["workspaceName"]
    assert outputs["resourceGroupName"] == f"rg-mlp-{plan.stack}"
    assert outputs["subscriptionId"]
    assert outputs["workspace"]["mlflowTrackingUri"].startswith("azureml://westeurope.api.azureml.ms/mlflow/")
    assert outputs["containerRegistry"]["loginServer"] == f"{plan.one(REGISTRY).inputs['registryName']}.azurecr.io"
    assert outputs["applicationInsights"]["connectionString"] == "[secret]"


def test_the_plan_holds_no_plaintext_secret(plan):
    text = json.dumps(plan.to_json())
    assert "InstrumentationKey=" not in text
    assert text.count('"[secret]"') >= 1


def test_every_resource_is_tagged(plan):
    tracked = [r for r in plan.resources if r.custom and "location" in r.inputs]  # Azure tags tracked resources
    assert tracked
    for resource in tracked:
        assert resource.inputs["tags"]["environment"] == plan.stack
        assert resource.inputs["tags"]["managed-by"] == "pulumi/azureml-platform"
        assert resource.inputs["tags"]["owner"] == "ml-platform-team"


def test_invalid_config_stops_the_program_with_the_key_named():

    config = load_stack_config("prod")
    config["azureml-platform:workspace"] = {"publicNetworkAcess": "Enabled"}
    config["azureml-platform:storage"] = {"sku": "Standard_LRS"}
    with pytest.raises(PreviewError) as raised:
        capture_plan("prod", config=config)
    assert str(raised.value).splitlines() == [
        "invalid stack config (stacks/Pulumi.prod.yaml):",
        "azureml-platform:workspace.publicNetworkAcess: unknown key; did you mean 'publicNetworkAccess'? "
        "allowed keys: customerManagedKey, description, friendlyName, hbi, imageBuildCompute, isolationMode, name, "
        "publicNetworkAccess, roleAssignmentWaitSeconds",
    ]


def test_customer_managed_key_is_granted_before_the_workspace_uses_it():

    vault_id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-keys"
    key_uri = "https://kv-keys.vault.azure.net/keys/aml/0123456789abcdef0123456789abcdef"
    config = load_stack_config("prod")
    config["azureml-platform:workspace"] = {"customerManagedKey": {"keyVaultId": vault_id, "keyUri": key_uri}}
    plan = capture_plan("prod", config=config)
    workspace = plan.one(WORKSPACE)
    identity_id = workspace.inputs["primaryUserAssignedIdentity"]
    assert workspace.inputs["encryption"] == {
        "status": "Enabled",
        "keyVaultProperties": {"keyVaultArmId": vault_id, "keyIdentifier": key_uri},
        "identity": {"userAssignedIdentity": identity_id},
    }
    grants = [r for r in plan.of_type(ROLE) if r.inputs["scope"] == vault_id]
    assert [arm_name(g.inputs["roleDefinitionId"]) for g in grants] == [ROLE_ID["Key Vault Crypto Service Encryption User"]]
    assert plan.depends_on(plan.one(SLEEP, "ml-role-propagation"), grants[0]) and plan.depends_on(workspace, plan.one(SLEEP, "ml-role-propagation"))


def test_an_existing_resource_group_is_used_instead_of_created():

    config = load_stack_config("dev")
    config["azureml-platform:existingResourceGroup"] = "rg-shared-ml"
    plan = capture_plan("dev", config=config)
    assert plan.of_type(f"{NS}:resources:ResourceGroup") == []
    placed = [r for r in plan.resources if r.custom and "resourceGroupName" in r.inputs]
    assert placed
    assert {r.inputs["resourceGroupName"] for r in placed} == {"rg-shared-ml"}
    assert plan.outputs["resourceGroupName"] == "rg-shared-ml"
    assert "/resourceGroups/rg-shared-ml/" in plan.one(WORKSPACE).inputs["storageAccount"]


SCOPE_OWNER = {  # every scope the config accepts: the resource granted on, and the component that grants
    "workspace": (WORKSPACE, "azureml-platform:workspace:Workspace"),
    "resourceGroup": (f"{NS}:resources:ResourceGroup", "azureml-platform:resources:ResourceGroup"),
    "storage": (STORAGE, "azureml-platform:storage:Storage"),
    "keyVault": (KEY_VAULT, "azureml-platform:keyvault:KeyVault"),
    "containerRegistry": (REGISTRY, "azureml-platform:containerregistry:ContainerRegistry"),
}


def test_every_scope_the_config_accepts_has_an_owner():
    assert set(typing.get_args(RoleAssignmentConfig.model_fields["scope"].annotation)) == set(SCOPE_OWNER)


NAME_KEY = {WORKSPACE: "workspaceName", f"{NS}:resources:ResourceGroup": "resourceGroupName", STORAGE: "accountName",
            KEY_VAULT: "vaultName", REGISTRY: "registryName"}


def test_people_are_granted_on_every_scope_the_config_accepts():
    principals = {scope: deterministic_guid("principal", scope) for scope in SCOPE_OWNER}
    config = load_stack_config("staging")
    config["azureml-platform:roleAssignments"] = [
        {"principalId": principal, "principalType": "User", "role": "Reader", "scope": scope}
        for scope, principal in principals.items()
    ]
    plan = capture_plan("staging", config=config)
    for scope, (target_type, component_type) in SCOPE_OWNER.items():
        target = plan.one(target_type)
        [grant] = [r for r in plan.of_type(ROLE) if r.inputs["principalId"] == principals[scope]]
        assert arm_name(grant.inputs["scope"]) == target.inputs[NAME_KEY[target_type]], scope
        assert target.urn in grant.dependencies, scope
        assert plan.by_urn(grant.parent).type == component_type, scope
        assert arm_name(grant.inputs["roleDefinitionId"]) == ROLE_ID["Reader"]


def test_a_workspace_name_can_be_given_to_re_create_beside_a_soft_deleted_one():
    config = load_stack_config("dev")
    config["azureml-platform:workspace"] = {"name": "mlw-mlp-dev-2"}
    plan = capture_plan("dev", config=config)
    assert plan.one(WORKSPACE).inputs["workspaceName"] == plan.outputs["workspaceName"] == "mlw-mlp-dev-2"
    with pytest.raises(PreviewError, match=r"workspace\.name: must be 3-33 letters"):
        config["azureml-platform:workspace"] = {"name": "mlw_under_score"}
        capture_plan("dev", config=config)
