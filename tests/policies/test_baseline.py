"""The security baseline holds on the planned stacks, and every rule fires when its setting is weakened."""

import copy
from dataclasses import replace

import pytest

from policies.baseline import DIAGNOSED, DIAGNOSTIC_SETTING, LOCK, LOCKED, RULES, STATEFUL, check_plan, check_resource

# How to break each rule: the input path and a non-compliant value.
WEAKENED = {
    "workspace-public-network-disabled": ("publicNetworkAccess", "Enabled"),
    "workspace-approved-outbound-only": ("managedNetwork.isolationMode", "AllowInternetOutbound"),
    "workspace-user-assigned-identity": ("identity.type", "SystemAssigned"),
    "workspace-identity-datastores": ("systemDatastoresAuthMode", "accesskey"),
    "workspace-no-v1-legacy": ("v1LegacyMode", True),
    "workspace-network-provisioned": ("provisionNetworkNow", None),
    "workspace-hbi": ("hbiWorkspace", False),
    "storage-tls12": ("minimumTlsVersion", "TLS1_0"),
    "storage-https-only": ("enableHttpsTrafficOnly", False),
    "storage-no-public-blobs": ("allowBlobPublicAccess", True),
    "storage-no-shared-key": ("allowSharedKeyAccess", True),
    "storage-entra-by-default": ("defaultToOAuthAuthentication", False),
    "storage-no-cross-tenant-replication": ("allowCrossTenantReplication", True),
    "storage-infrastructure-encryption": ("encryption.requireInfrastructureEncryption", False),
    "storage-network-deny": ("networkRuleSet.defaultAction", "Allow"),
    "storage-redundant": ("sku.name", "Standard_LRS"),
    "storage-blob-soft-delete": ("deleteRetentionPolicy.enabled", False),
    "storage-container-soft-delete": ("containerDeleteRetentionPolicy.enabled", False),
    "storage-versioning": ("isVersioningEnabled", False),
    "storage-studio-cors": ("cors.corsRules", []),
    "key-vault-rbac": ("properties.enableRbacAuthorization", False),
    "key-vault-soft-delete": ("properties.enableSoftDelete", False),
    "key-vault-purge-protection": ("properties.enablePurgeProtection", None),
    "key-vault-network-deny": ("properties.networkAcls.defaultAction", "Allow"),
    "registry-no-admin-user": ("adminUserEnabled", True),
    "registry-no-anonymous-pull": ("anonymousPullEnabled", True),
    "registry-trusted-services": ("networkRuleBypassOptions", "None"),
    "registry-premium": ("sku.name", "Standard"),
    "registry-public-network-disabled": ("publicNetworkAccess", "Enabled"),
    "registry-zone-redundant": ("zoneRedundancy", "Disabled"),
    "registry-retention": ("policies.retentionPolicy.status", "disabled"),
    "compute-local-auth-disabled": ("properties.disableLocalAuth", False),
    "compute-no-public-ip": ("properties.properties.enableNodePublicIp", True),
    "compute-cluster-ssh-closed": ("properties.properties.remoteLoginPortPublicAccess", "NotSpecified"),
    "compute-cluster-scales-to-zero": ("properties.properties.scaleSettings.minNodeCount", 1),
    "compute-instance-ssh-closed": ("properties.properties.sshSettings.sshPublicAccess", "Enabled"),
    "compute-instance-idle-shutdown": ("properties.properties.idleTimeBeforeShutdown", None),
    "compute-instance-personal": ("properties.properties.applicationSharingPolicy", "Shared"),
    "datastore-identity-based": ("properties.credentials.credentialsType", "AccountKey"),
    "blob-container-private": ("publicAccess", "Container"),
    "app-insights-workspace-based": ("ingestionMode", "ApplicationInsights"),
    "app-insights-no-local-auth": ("disableLocalAuth", False),
    "online-endpoint-entra-auth": ("properties.authMode", "Key"),
    "online-endpoint-private": ("properties.publicNetworkAccess", "Enabled"),
    "online-endpoint-own-identity": ("identity.type", "SystemAssigned"),
}

# The prod rules dev breaks on purpose (components/config.py ENVIRONMENT_DEFAULTS says why).
DEV_DEVIATIONS = {
    "workspace-public-network-disabled",
    "workspace-approved-outbound-only",
    "storage-network-deny",
    "storage-redundant",
    "key-vault-purge-protection",
    "key-vault-network-deny",
    "registry-premium",
    "registry-public-network-disabled",
    "registry-zone-redundant",
    "registry-retention",
    "app-insights-no-local-auth",
    "online-endpoint-private",
    "lock",
    "protect",
}


def weaken(inputs: dict, path: str, bad) -> dict:
    inputs = copy.deepcopy(inputs)
    *parents, leaf = path.split(".")
    node = inputs
    for part in parents:
        node = node[part]
    node[leaf] = bad
    return inputs


def test_every_rule_has_a_way_to_break_it():
    assert set(WEAKENED) == {rule.id for rule in RULES}


def test_prod_meets_the_whole_baseline(stack_plans):
    assert check_plan(stack_plans["prod"].resources, "prod") == []


def test_staging_meets_the_baseline_but_for_locks(stack_plans):
    """Staging rehearses prod's network and data protection; only lock and protect are off."""
    assert {v.rule for v in check_plan(stack_plans["staging"].resources, "prod")} == {"lock", "protect"}
    assert check_plan(stack_plans["staging"].resources, "staging") == []


def test_dev_meets_the_rules_for_every_environment(stack_plans):
    assert check_plan(stack_plans["dev"].resources, "dev") == []


def test_dev_deviates_from_prod_only_where_documented(stack_plans):
    broken = {violation.rule for violation in check_plan(stack_plans["dev"].resources, "prod")}
    assert broken == DEV_DEVIATIONS


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_each_rule_fires_when_its_setting_is_weakened(rule, stack_plans, instance_plan):
    """On each resource the rule is about: in prod's plan, or (compute instances) a dev plan with one."""
    plan = stack_plans["prod"] if any(rule.applies(r.inputs) for r in stack_plans["prod"].of_type(rule.resource_type)) else instance_plan
    targets = [r for r in plan.of_type(rule.resource_type) if rule.applies(r.inputs)]
    assert targets
    for resource in targets:
        assert rule not in check_resource(rule.resource_type, resource.inputs, "prod")
        weakened = weaken(resource.inputs, *WEAKENED[rule.id])
        assert rule in check_resource(rule.resource_type, weakened, "prod")


def test_compute_rules_hold_on_a_compute_instance(instance_plan):
    assert check_plan(instance_plan.resources, "dev") == []


def test_rules_about_one_kind_of_compute_leave_the_other_alone(instance_plan):
    cluster = instance_plan.one("azure-native:machinelearningservices:Compute", "compute-cpu").inputs
    instance = instance_plan.one("azure-native:machinelearningservices:Compute", "compute-alice").inputs
    scales = next(rule for rule in RULES if rule.id == "compute-cluster-scales-to-zero")
    idle = next(rule for rule in RULES if rule.id == "compute-instance-idle-shutdown")
    assert scales not in check_resource(scales.resource_type, instance, "prod")
    assert idle not in check_resource(idle.resource_type, cluster, "prod")


@pytest.mark.parametrize("resource_type", LOCKED)
def test_prod_needs_a_lock_where_a_lock_costs_nothing(resource_type, stack_plans):
    plan = stack_plans["prod"]
    target = plan.one(resource_type)
    without_lock = [r for r in plan.resources if not (r.type == LOCK and target.urn in r.dependencies)]
    assert [v.rule for v in check_plan(without_lock, "prod")] == ["lock"]


@pytest.mark.parametrize("resource_type", STATEFUL)
def test_prod_needs_protect_on_each_stateful_resource(resource_type, stack_plans):
    plan = stack_plans["prod"]
    target = plan.one(resource_type)
    unprotected = [replace(r, protect=False) if r is target else r for r in plan.resources]
    assert [v.rule for v in check_plan(unprotected, "prod")] == ["protect"]


@pytest.mark.parametrize("resource_type", DIAGNOSED)
def test_each_diagnosed_resource_needs_its_diagnostic_setting(resource_type, stack_plans):
    plan = stack_plans["prod"]
    target = plan.one(resource_type)
    without = [r for r in plan.resources if not (r.type == DIAGNOSTIC_SETTING and target.urn in r.dependencies)]
    assert [(v.rule, v.resource) for v in check_plan(without, "prod")] == [("diagnostics", target.urn)]


@pytest.mark.parametrize(("rule_id", "path", "bad"), [
    ("key-vault-network-deny", "properties.networkAcls.bypass", "None"),
    ("storage-network-deny", "networkRuleSet.bypass", "None"),
])
def test_network_rules_need_the_trusted_services_bypass_too(rule_id, path, bad, stack_plans):
    rule = next(rule for rule in RULES if rule.id == rule_id)
    inputs = stack_plans["prod"].one(rule.resource_type).inputs
    assert rule not in check_resource(rule.resource_type, inputs, "prod")
    assert rule in check_resource(rule.resource_type, weaken(inputs, path, bad), "prod")
