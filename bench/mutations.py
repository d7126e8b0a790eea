"""Mutation check: flip one security or protection setting at a time; the suite must fail for each.

Each entry replaces one exact piece of source text. A mutation that no test notices ("SURVIVED")
is a hole in the tests; one whose text no longer matches ("STALE") needs updating with the code.
Runs the platform tests (tests/components, tests/policies) once per mutation, about 5 s each.

    python bench/mutations.py
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/components", "tests/policies"]

MUTATIONS = [
    ('components/key_vault.py', '        Floor("purgeProtection", one_of(True), rules=("key-vault-purge-protection",)),\n', ''),
    ('components/container_registry.py', '        Floor("untaggedRetentionDays", at_least(1), rules=("registry-retention",)),\n', ''),
    ('components/storage.py', 'allow_blob_public_access=False', 'allow_blob_public_access=True'),
    ('components/storage.py', 'allow_shared_key_access=False', 'allow_shared_key_access=True'),
    ('components/storage.py', 'minimum_tls_version="TLS1_2"', 'minimum_tls_version="TLS1_1"'),
    ('components/storage.py', 'enable_https_traffic_only=True', 'enable_https_traffic_only=False'),
    ('components/storage.py', 'bypass="AzureServices",\n                ip_rules=[storage', 'bypass="None",\n                ip_rules=[storage'),
    ('components/storage.py', 'is_versioning_enabled=True', 'is_versioning_enabled=False'),
    ('components/key_vault.py', 'enable_rbac_authorization=True', 'enable_rbac_authorization=False'),
    ('components/key_vault.py', 'enable_soft_delete=True', 'enable_soft_delete=False'),
    ('components/key_vault.py', 'enable_purge_protection=True if settings.purge_protection else None', 'enable_purge_protection=None'),
    ('components/key_vault.py', 'default_action=settings.network.default_action,\n                    bypass', 'default_action="Allow",\n                    bypass'),
    ('components/container_registry.py', 'admin_user_enabled=False', 'admin_user_enabled=True'),
    ('components/container_registry.py', 'anonymous_pull_enabled=False', 'anonymous_pull_enabled=True'),
    ('components/container_registry.py', 'zone_redundancy="Enabled" if settings.zone_redundancy else "Disabled"', 'zone_redundancy="Disabled"'),
    ('components/container_registry.py', 'trust_policy=containerregistry.TrustPolicyArgs(status=status(settings.trust_policy)', 'trust_policy=containerregistry.TrustPolicyArgs(status=status(False)'),
    ('components/container_registry.py', 'status=status(settings.untagged_retention_days > 0)', 'status=status(False)'),
    ('components/container_registry.py', 'public_network_access=settings.network.public_network_access,\n            network_rule_bypass_options', 'public_network_access="Enabled",\n            network_rule_bypass_options'),
    ('components/workspace.py', 'public_network_access=settings.public_network_access,', 'public_network_access="Enabled",'),
    ('components/workspace.py', 'isolation_mode=settings.isolation_mode', 'isolation_mode="Disabled"'),
    ('components/workspace.py', 'system_datastores_auth_mode="identity"', 'system_datastores_auth_mode="accesskey"'),
    ('components/workspace.py', 'v1_legacy_mode=False', 'v1_legacy_mode=True'),
    ('components/workspace.py', 'hbi_workspace=settings.hbi', 'hbi_workspace=False'),
    ('components/workspace.py', 'primary_user_assigned_identity=self.identity.id,', ''),
    ('components/workspace.py', '"Storage Blob Data Contributor", ', ''),
    ('components/workspace.py', '"keyVault": ("Contributor", "Key Vault Administrator", _APPROVER)', '"keyVault": ("Contributor", _APPROVER)'),
    ('components/monitoring.py', 'disable_local_auth=not settings.local_auth', 'disable_local_auth=False'),
    ('components/monitoring.py', 'ingestion_mode="LogAnalytics"', 'ingestion_mode="ApplicationInsights"'),
    ('components/base.py', 'level=lock,', 'level="ReadOnly",'),
    ('components/base.py', 'category_group=group, enabled=True', 'category_group=group, enabled=False'),
    ('components/values.py', 'public_network_access: Access = "Disabled"\n    default_action', 'public_network_access: Access = "Enabled"\n    default_action'),
    ('components/config.py', '    lock: Literal["CanNotDelete", "None"] = "CanNotDelete"', '    lock: Literal["CanNotDelete", "None"] = "None"'),
    ('components/storage.py', 'delete_retention_policy=retention,\n            container', 'delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=False),\n            container'),
    ('components/storage.py', 'container_delete_retention_policy=retention,', 'container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=False),'),
    ('components/workspace.py', 'depends_on=identity_access,', ''),
    ('components/storage.py', 'stateful=True,\n            moved_from="ml-storage"', 'moved_from="ml-storage"'),
    ('components/key_vault.py', 'stateful=True,', ''),
    ('components/container_registry.py', 'stateful=True,', ''),
    ('components/workspace.py', 'stateful=True,', ''),
    ('components/monitoring.py', 'stateful=True,', ''),
    ('components/base.py', 'protect = self.common.protect if stateful else None', 'protect = None'),
    ('components/base.py', '        if stateful:\n            self._lock(name, resource.id, moved_from)\n', ''),
    ('components/base.py', '"azure-native:keyvault:Vault": DiagnosticCategories(),', ''),
    ('components/base.py', '"azure-native:machinelearningservices:Workspace": DiagnosticCategories(),', ''),
    ('components/base.py', 'logs=(), metrics=("Transaction",)', 'logs=(), metrics=()'),
    ('components/base.py', 'return pulumi.Alias(name=old_name, parent=parent_urn)', 'return pulumi.Alias(name=old_name)'),
    ('components/resource_group.py', 'protect=common.protect,', ''),
    ('components/storage.py', 'self.grant_people("storage", self.account.id, moved=True)', ''),
    ('components/resource_group.py', 'self.grant_people("resourceGroup", group_id)', ''),
]


def killed(path: str, old: str, new: str) -> bool | None:
    """True if the tests fail with the mutation in place; None if the mutation no longer applies."""
    source_file = ROOT / path
    source = source_file.read_text()
    if source.count(old) != 1:
        return None
    source_file.write_text(source.replace(old, new))
    try:
        command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS]
        return subprocess.run(command, cwd=ROOT, capture_output=True).returncode != 0
    finally:
        source_file.write_text(source)


def main() -> int:
    results = []
    for path, old, new in MUTATIONS:
        result = killed(path, old, new)
        results.append(result)
        label = {True: "killed  ", False: "SURVIVED", None: "STALE   "}[result]
        print(f"{label} {path}: {old.strip().splitlines()[0][:80]}", flush=True)
    print(f"{results.count(True)}/{len(MUTATIONS)} mutations killed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
