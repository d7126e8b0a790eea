"""Mutation check: flip one security or protection setting at a time; the suite must fail for each.

Each entry replaces one exact piece of source text. A mutation that no test notices ("SURVIVED")
is a hole in the tests; one whose text no longer matches ("STALE") needs updating with the code.
Every literal that tests/components/test_security_literals.py lists as asserted must be flipped by
some entry ("UNFLIPPED" otherwise), so the listing's claims are checked, not trusted.

Runs the platform tests (tests/components, tests/policies) once per mutation, in scratch copies of
the project (one per worker), never in the work tree: edits made there meanwhile are neither seen
half-way nor overwritten.

    python bench/mutations.py              # every mutation, one worker per CPU
    python bench/mutations.py --check      # only STALE and UNFLIPPED, no test runs
    python bench/mutations.py storage.py   # the entries whose path or text contains any argument
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/components", "tests/policies"]
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", "outputs", "mlruns", ".azureml")

REGISTRY_TRUST = (
    "quarantine_policy=containerregistry.QuarantinePolicyArgs(",
    'trust_policy=containerregistry.TrustPolicyArgs(status="enabled", type="Notary"),\n'
    "        quarantine_policy=containerregistry.QuarantinePolicyArgs(",
)

# The criterion as the dynamic-threshold class, which takes no threshold.
_STATIC_CRITERION = (
    'monitor.MetricCriteriaArgs(\n                        criterion_type="StaticThresholdCriterion",\n'
    '                        name=metric.name.replace(" ", ""),\n'
    '                        metric_namespace=metric.namespace,\n'
    '                        metric_name=metric.name,\n'
    '                        time_aggregation=metric.aggregation,\n'
    '                        operator=operator,\n'
    '                        threshold=threshold,\n'
)
DYNAMIC_THRESHOLD = (
    _STATIC_CRITERION,
    _STATIC_CRITERION.replace("monitor.MetricCriteriaArgs(", "monitor.DynamicMetricCriteriaArgs(")
    .replace('"StaticThresholdCriterion",', '"DynamicThresholdCriterion", alert_sensitivity="Medium",')
    .replace("threshold=threshold,", "failing_periods=monitor.DynamicThresholdFailingPeriodsArgs(number_of_evaluation_periods=4, min_failing_periods_to_alert=4),"),
)

MUTATIONS = [
    # --- access.py: persona roles, explicit grants -----------------------------------------------
    ("components/access.py", '"data_scientists": {\n        "workspace": ("AzureML Data Scientist",),',
     '"data_scientists": {\n        "workspace": ("AzureML Compute Operator",),'),
    ("components/access.py", '"storage": ("Storage Blob Data Contributor", "Storage File Data Privileged Contributor"),',
     '"storage": ("Storage Blob Data Contributor",),'),
    ("components/access.py", '"storage": ("Storage Blob Data Contributor",),', '"storage": ("Storage Blob Data Reader",),'),
    ("components/access.py", '"workspace": ("Reader",),', '"workspace": ("Contributor",),'),
    ("components/access.py", '"storage": ("Storage Blob Data Reader", "Storage File Data Privileged Reader"),',
     '"storage": ("Storage Blob Data Contributor", "Storage File Data Privileged Reader"),'),
    ("components/access.py", 'scope: Scope = "workspace"', 'scope: Scope = "resourceGroup"'),
    ("components/access.py", 'principal_type, f"{principal_id}-{role_id}", description)',
     'principal_type, f"{principal_id}:{role_id}", description)'),
    # Persona members, and what each persona may do on a datastore in another account.
    ("components/access.py", 'principal_type="User", description="azureml-platform compute instance user"',
     'principal_type="Group", description="azureml-platform compute instance user"'),
    ("components/access.py", '"readers": "readOnly",\n}', '"readers": "readWrite",\n}'),
    ("components/access.py", 'DATA_ROLES = {"readWrite": "Storage Blob Data Contributor", "readOnly": "Storage Blob Data Reader"}',
     'DATA_ROLES = {"readWrite": "Storage Blob Data Contributor", "readOnly": "Storage Blob Data Contributor"}'),
    ("components/access.py", '"readOnly" if "readOnly" in (access, PERSONA_DATA_ACCESS[persona]) else "readWrite"',
     '"readOnly" if "readOnly" in (access,) else "readWrite"'),
    # --- base.py: the contract every component follows -------------------------------------------
    ("components/base.py", 'cls(principal_id, role, "ServicePrincipal",', 'cls(principal_id, role, "User",'),
    ("components/base.py", 'role.lower().replace(" ", "-")', 'role.lower().replace(" ", "_")'),
    ("components/base.py", 'GRANT_PREFIX = "ml"', 'GRANT_PREFIX = "mlp"'),
    # An alias URN carries its parent's type, not the parent's name or stack: flip the type.
    ("components/base.py", 'PRE_SPLIT_PARENT = ("azureml-platform:workspace:Workspace", "ml")',
     'PRE_SPLIT_PARENT = ("azureml-platform:ml:Workspace", "ml")'),
    ("components/base.py", "}::{parent_type}::{parent_name}", "}::x{parent_type}::{parent_name}"),
    ("components/base.py", "return pulumi.Alias(name=old_name, parent=parent_urn)", "return pulumi.Alias(name=old_name)"),
    ("components/base.py", 'seed = f"{GRANT_PREFIX}-{group}"', 'seed = f"{GRANT_PREFIX}_{group}"'),
    ("components/base.py", 'f"{seed}-{assignment.key}",\n', 'f"{seed}.{assignment.key}",\n'),
    ("components/base.py", 'opts=self._options(f"{seed}-{assignment.key}" if moved else None)',
     'opts=self._options(f"{seed}/{assignment.key}" if moved else None)'),
    ("components/base.py", 'f"{name}-diagnostics",', 'f"{name}-diag",'),
    ("components/base.py", 'opts=self._options(f"{moved_from}-diagnostics" if moved_from else None)',
     'opts=self._options(f"{moved_from}-diag" if moved_from else None)'),
    ("components/base.py", 'f"{name}-lock",', 'f"{name}-lck",'),
    ("components/base.py", 'if lock == "None":', 'if lock == "CanNotDelete":'),
    ("components/base.py", "level=lock,", 'level="ReadOnly",'),
    ("components/base.py", "category_group=group, enabled=True", "category_group=group, enabled=False"),
    ("components/base.py", "DiagnosticsMetricSettingsArgs(category=category, enabled=True)",
     "DiagnosticsMetricSettingsArgs(category=category, enabled=False)"),
    ("components/base.py", "DiagnosticsLogSettingsArgs(category=category, enabled=True)",
     "DiagnosticsLogSettingsArgs(category=category, enabled=False)"),
    ("components/base.py", 'logs: Sequence[str] = ("allLogs",)', 'logs: Sequence[str] = ("audit",)'),
    ("components/base.py", 'metrics: Sequence[str] = ("AllMetrics",)', "metrics: Sequence[str] = ()"),
    ("components/base.py", 'LOCKED_TYPES = frozenset({"azure-native:operationalinsights:Workspace"})', "LOCKED_TYPES = frozenset()"),
    ("components/base.py", 'LOCKED_TYPES = frozenset({"azure-native:operationalinsights:Workspace"})',
     'LOCKED_TYPES = frozenset({"azure-native:operationalinsights:Workspace", "azure-native:machinelearningservices:Workspace"})'),
    ("components/base.py", "        if resource.pulumi_resource_type in LOCKED_TYPES:\n            self._lock(name, resource.id)\n", ""),
    ("components/base.py", '"azure-native:keyvault:Vault": DiagnosticCategories(),', ""),
    ("components/base.py", '"azure-native:containerregistry:Registry": DiagnosticCategories(),', ""),
    ("components/base.py", '"azure-native:machinelearningservices:Workspace": DiagnosticCategories(),', ""),
    ("components/base.py", '"azure-native:storage:BlobServiceProperties": DiagnosticCategories(metrics=("Transaction",)),', ""),
    ("components/base.py", 'logs=(), metrics=("Transaction",)', "logs=(), metrics=()"),
    ("components/base.py", "protect=self.common.protect if stateful else None,", "protect=None,"),
    # --- config.py: the stack config ----------------------------------------------------------
    ("components/config.py", 'PROJECT = "azureml-platform"', 'PROJECT = "azureml-platforms"'),
    ("components/config.py", 'prefix: Prefix = "mlp"', 'prefix: Prefix = "mlq"'),
    ("components/config.py", '    lock: Lock = "CanNotDelete"', '    lock: Lock = "None"'),
    ("components/config.py", "    protect: bool = True", "    protect: bool = False"),
    ("components/config.py", "    diagnostics: bool = True", "    diagnostics: bool = False"),
    ("components/config.py", '"staging": {"lock": "None", "protect": False},', '"staging": {"lock": "None", "protect": True},'),
    ("components/config.py", '"dev": {"lock": "None", "protect": False, "computes"', '"dev": {"protect": False, "computes"'),
    ("components/config.py", '        Floor("diagnostics", one_of(True), rules=("diagnostics",)),\n', ""),
    ("components/config.py", 'closed = self.container_registry.network.public_network_access == "Disabled"',
     'closed = self.container_registry.network.public_network_access == "Enabled"'),
    ("components/config.py", 'environment = values.get("environment", stack)', 'environment = values.get("env", stack)'),
    ("components/config.py", '{**values, "environment": environment}', '{**values, "env": environment}'),
    ("components/config.py", 'namespace, _, name = key.partition(":")\n        if namespace != PROJECT:\n            continue',
     'namespace, _, name = key.partition("/")\n        if namespace != PROJECT:\n            continue'),
    ("components/config.py", 'value.lstrip()[:1] in ("{", "[")', 'value.lstrip()[:1] in ("{",)'),
    ("components/config.py", "cutoff=0.8", "cutoff=0.99"),
    ("components/config.py", 'namespace, _, name = key.partition(":")\n        if namespace != PROJECT and',
     'namespace, _, name = key.partition("/")\n        if namespace != PROJECT and'),
    ("components/config.py", "(?:[.\\[:]|$)", "(?:[.\\[]|$)"),
    ("components/config.py", '_QUOTED_VALUE = re.compile(r"(?: \\(got |, got ).*$")', '_QUOTED_VALUE = re.compile(r"(?: \\(got ).*$")'),
    ("components/config.py", '_QUOTED_VALUE.sub(" (got [secret])", line)', '_QUOTED_VALUE.sub(" (got [redacted])", line)'),
    # Computes and datastores: the defaults, and what the config refuses.
    ("components/config.py", 'default={**DEFAULT_COMPUTES, "image-builder": IMAGE_BUILDER}', "default=DEFAULT_COMPUTES"),
    ("components/config.py", 'for key, c in self.computes.items() if isinstance(c, ClusterConfig)) or "none"',
     'for key, c in self.computes.items()) or "none"'),
    ("components/config.py", 'settings.datastore != "workspaceblobstore":', 'settings.datastore != "workspacefilestore":'),
    # --- compute.py -----------------------------------------------------------------------------
    # What Azure cannot change in place, or ignores after creation.
    ("components/compute.py", '        "properties.properties.vmPriority",\n', ""),
    ("components/compute.py", '"properties.properties.idleTimeBeforeShutdown", "tags")', '"properties.properties.idleTimeBeforeShutdown")'),
    ("components/compute.py", "delete_before_replace=True,", "delete_before_replace=False,"),
    ("components/compute.py", "IDLE_SHUTDOWN_MINUTES = (15, 3 * 24 * 60)", "IDLE_SHUTDOWN_MINUTES = (15, 7 * 24 * 60)"),
    # Config defaults and bounds.
    ("components/compute.py", '    vm_size: VmSize = "Standard_DS3_v2"\n    # LowPriority', '    vm_size: VmSize = "Standard_NC6s_v3"\n    # LowPriority'),
    ("components/compute.py", 'priority: Literal["Dedicated", "LowPriority"] = "Dedicated"',
     'priority: Literal["Dedicated", "LowPriority"] = "LowPriority"'),
    ("components/compute.py", "min_nodes: int = Field(default=0,", "min_nodes: int = Field(default=1,"),
    ("components/compute.py", "min_nodes: int = Field(default=0, ge=0,", "min_nodes: int = Field(default=0, ge=-1,"),
    ("components/compute.py", "max_nodes: int = Field(default=4,", "max_nodes: int = Field(default=40,"),
    ("components/compute.py", "max_nodes: int = Field(default=4, ge=1,", "max_nodes: int = Field(default=4, ge=0,"),
    ("components/compute.py", "idle_seconds_before_scale_down: int = Field(default=1800,", "idle_seconds_before_scale_down: int = Field(default=7200,"),
    ("components/compute.py", "idle_seconds_before_scale_down: int = Field(default=1800, ge=60,",
     "idle_seconds_before_scale_down: int = Field(default=1800, ge=0,"),
    ("components/compute.py", '"idleSecondsBeforeScaleDown": 600}}', '"idleSecondsBeforeScaleDown": 3600}}'),
    ("components/compute.py", 'prod_floor = (Floor("minNodes", one_of(0), rules=("compute-cluster-scales-to-zero",)),)', "prod_floor = ()"),
    ("components/compute.py", 'time_zone: TimeZone = "UTC"', 'time_zone: TimeZone = "Pacific Standard Time"'),
    ("components/compute.py", '    vm_size: VmSize = "Standard_DS3_v2"\n    idle_minutes', '    vm_size: VmSize = "Standard_NC6s_v3"\n    idle_minutes'),
    ("components/compute.py", "idle_minutes_before_shutdown: int = Field(default=60,", "idle_minutes_before_shutdown: int = Field(default=240,"),
    ("components/compute.py", "ge=IDLE_SHUTDOWN_MINUTES[0],", "ge=1,"),
    ("components/compute.py", "le=IDLE_SHUTDOWN_MINUTES[1])", "le=IDLE_SHUTDOWN_MINUTES[1] + 1)"),
    ("components/compute.py", '"vmSize": "Standard_DS3_v2", "maxNodes": 4}', '"vmSize": "Standard_DS3_v2", "maxNodes": 40}'),
    ("components/compute.py", '"maxNodes": 1, "description": "Builds environment images"', '"maxNodes": 4, "description": "Builds environment images"'),
    # Identities and what they hold: only the image-build cluster pushes.
    ("components/compute.py", '"containerRegistry": ("AcrPull",),', '"containerRegistry": ("AcrPush",),'),
    ("components/compute.py", '"containerRegistry": ("AcrPush",)}', '"containerRegistry": ("Contributor",)}'),
    ("components/compute.py", 'INSTANCE_IDENTITY_ROLES = {"storage": ("Storage File Data Privileged Contributor",',
     'INSTANCE_IDENTITY_ROLES = {"storage": ("Storage Account Contributor",'),
    ("components/compute.py", '"azureml-platform:compute:Compute"', '"azureml-platform:compute:Computes"'),
    ("components/compute.py", 'resource_name_=f"{self.context.names.identity}-image-build",', 'resource_name_=f"{self.context.names.identity}-compute",'),
    ("components/compute.py", 'self._grant("compute-identity", self.identity', 'self._grant("compute", self.identity'),
    ("components/compute.py", '{"storage": self._dependencies.storage_account, "containerRegistry": self._dependencies.container_registry}',
     '{"storage": self._dependencies.container_registry, "containerRegistry": self._dependencies.storage_account}'),
    ("components/base.py", 'f"{group}-{scope}",', 'f"{group}",'),
    # Clusters and instances: no keys, no SSH, personal, shut down when idle.
    ("components/compute.py", 'context.names.instance("compute_instance", key)', 'context.names.instance("compute", key)'),
    ("components/compute.py", 'ml.ManagedServiceIdentityArgs(type="UserAssigned",', 'ml.ManagedServiceIdentityArgs(type="SystemAssigned,UserAssigned",'),
    # The SDK's Args classes pin compute_type whatever is passed: the wrong class is what changes it.
    ("components/compute.py", 'ml.AmlComputeArgs(\n            compute_type="AmlCompute",',
     'ml.ComputeInstanceArgs(\n            compute_type="ComputeInstance",'),
    ("components/compute.py", "disable_local_auth=True,\n            properties=ml.AmlComputePropertiesArgs(",
     "disable_local_auth=False,\n            properties=ml.AmlComputePropertiesArgs("),
    ("components/compute.py", 'os_type="Linux",', 'os_type="Windows",'),
    ("components/compute.py", 'remote_login_port_public_access="Disabled",', 'remote_login_port_public_access="NotSpecified",'),
    ("components/compute.py", 'ml.ComputeInstanceArgs(\n            compute_type="ComputeInstance",',
     'ml.AmlComputeArgs(\n            compute_type="AmlCompute",'),
    ("components/compute.py", "disable_local_auth=True,\n            properties=ml.ComputeInstancePropertiesArgs(",
     "disable_local_auth=False,\n            properties=ml.ComputeInstancePropertiesArgs("),
    # Not None: the SDK defaults it to personal, the only value Azure documents.
    ("components/compute.py", 'compute_instance_authorization_type="personal",', 'compute_instance_authorization_type="shared",'),
    ("components/compute.py", 'application_sharing_policy="Personal",', 'application_sharing_policy="Shared",'),
    ("components/compute.py", 'ssh_public_access="Disabled"', 'ssh_public_access="Enabled"'),
    ("components/compute.py", "iso_duration(settings.idle_minutes_before_shutdown * 60)", "iso_duration(settings.idle_minutes_before_shutdown * 3600)"),
    ("components/compute.py", 'actions = {"Start": schedule.start, "Stop": schedule.stop}', 'actions = {"Start": schedule.stop, "Stop": schedule.start}'),
    ("components/compute.py", 'trigger_type="Cron",', 'trigger_type="Recurrence",'),
    ("components/compute.py", 'status="Enabled",', 'status="Disabled",'),
    # --- data.py --------------------------------------------------------------------------------
    ("components/data.py", 'SYSTEM_DATASTORES = ("workspaceblobstore", ', 'SYSTEM_DATASTORES = ('),
    ("components/data.py", 'DEFAULT_DATASTORES = {"training_data": {"type": "blob"}}', 'DEFAULT_DATASTORES = {"training": {"type": "blob"}}'),
    ("components/data.py", '"path": "samples/iris.csv"}', '"path": "iris.csv"}'),
    ("components/data.py", 'type: Literal["blob", "adlsGen2"] = "blob"', 'type: Literal["blob", "adlsGen2"] = "adlsGen2"'),
    ("components/data.py", 'access: Literal["readWrite", "readOnly"] = "readWrite"', 'access: Literal["readWrite", "readOnly"] = "readOnly"'),
    ("components/data.py", 'if self.type == "adlsGen2" and self.storage_account_id is None:', 'if self.type == "adls" and self.storage_account_id is None:'),
    ("components/data.py", "archived: bool = False", "archived: bool = True"),
    ("components/data.py", "versions: dict[AssetVersion, DataVersionConfig] = Field(min_length=1)",
     "versions: dict[AssetVersion, DataVersionConfig] = Field(min_length=0)"),
    ("components/data.py", 'key.replace("_", "-")', 'key.replace("_", "")'),
    # Datastores: identity-based, on a private container, granted on that container only.
    ("components/data.py", '"azureml-platform:data:Data"', '"azureml-platform:data:Datastores"'),
    ("components/data.py", '            stateful=True,\n', ""),
    ("components/data.py", 'public_access="None",', 'public_access="Blob",'),
    ("components/data.py", 'store.storage_account_id.strip("/").split("/")', 'store.storage_account_id.strip().split("/")'),
    # The SDK's Args classes pin credentials_type and datastore_type whatever is passed: the wrong class is what changes them.
    ("components/data.py", 'ml.NoneDatastoreCredentialsArgs(credentials_type="None")',
     'ml.AccountKeyDatastoreCredentialsArgs(credentials_type="AccountKey", secrets=ml.AccountKeyDatastoreSecretsArgs(secrets_type="AccountKey"))'),
    ("components/data.py", 'protocol="https",', 'protocol="http",'),
    ("components/data.py", 'ml.AzureBlobDatastoreArgs(datastore_type="AzureBlob", container_name=container,',
     'ml.AzureDataLakeGen2DatastoreArgs(datastore_type="AzureDataLakeGen2", filesystem=container,'),
    ("components/data.py", 'ml.AzureDataLakeGen2DatastoreArgs(datastore_type="AzureDataLakeGen2", filesystem=container,',
     'ml.AzureBlobDatastoreArgs(datastore_type="AzureBlob", container_name=container,'),
    ("components/data.py", 'f"{store.storage_account_id}/blobServices/default/containers/{container}"', "store.storage_account_id"),
    ("components/data.py", 'dependencies.workspace_principal_id, DATA_ROLES["readOnly"],', 'dependencies.workspace_principal_id, DATA_ROLES["readWrite"],'),
    ("components/data.py", "dependencies.compute_principal_id, DATA_ROLES[store.access],", 'dependencies.compute_principal_id, DATA_ROLES["readWrite"],'),
    ("components/data.py", 'self.assign_roles(f"datastore-{key}-compute", scope, [jobs])', 'self.assign_roles(f"datastore-{key}-workspace", scope, [jobs])'),
    # Data assets: immutable versions that stay in Azure.
    ("components/data.py", "retain_on_delete=True,\n            depends_on=[dependencies.workspace],",
     "retain_on_delete=False,\n            depends_on=[dependencies.workspace],"),
    ("components/data.py", "retain_on_delete=True,\n                replace_on_changes", "retain_on_delete=False,\n                replace_on_changes"),
    ("components/data.py", 'IMMUTABLE_VERSION_INPUTS = ("properties.dataUri", "properties.dataType")', 'IMMUTABLE_VERSION_INPUTS = ("properties.dataUri",)'),
    ("components/data.py", '"mltable": ml.MLTableDataArgs}', '"mltable": ml.UriFolderDataVersionArgs}'),
    ("components/data.py", 'f"azureml://subscriptions/{subscription_id}/resourcegroups/', 'f"azureml://subscriptions/{subscription_id}/resourceGroups/'),
    # The published-version check: a changed path or type stops the preview.
    ("components/data.py", 're.compile(r"azureml://(?:.*/)?datastores/', 're.compile(r"azureml://(?:.*/)datastores/'),
    ("components/data.py", '_DATASTORE_PATH.fullmatch(uri or "")', '_DATASTORE_PATH.fullmatch((uri or "").lower())'),
    ("components/data.py", "(match.group(1).lower(), match.group(2))", "(match.group(1), match.group(2))"),
    ("components/data.py", '(_location(published.get("dataUri")), published.get("dataType")) == (_location(uri), data_type)',
     'published.get("dataType") == data_type'),
    ("components/data.py", 'f"dataAssets.{key}.versions.{version}: Azure ML', 'f"dataAssets.{key}.{version}: Azure ML'),
    ("components/data.py", 'held_field(found, "properties", "data_uri")', 'held_field(found, "properties", "data_url")'),
    ("components/data.py", 'held_field(found, "properties", "data_type")', 'held_field(found, "properties", "data_kind")'),
    ("components/data.py", "str(int(version) + 1)", "str(int(version))"),
    # --- container_registry.py ---------------------------------------------------------------
    ("components/container_registry.py", "stateful=True,", ""),
    ("components/container_registry.py", 'moved_from="ml-container-registry",', 'moved_from="ml-registry",'),
    ("components/container_registry.py", "admin_user_enabled=False", "admin_user_enabled=True"),
    ("components/container_registry.py", "anonymous_pull_enabled=False", "anonymous_pull_enabled=True"),
    ("components/container_registry.py", 'network_rule_bypass_options="AzureServices",', 'network_rule_bypass_options="None",'),
    ("components/container_registry.py", 'zone_redundancy="Enabled" if settings.zone_redundancy else "Disabled"', 'zone_redundancy="Disabled"'),
    ("components/container_registry.py", 'zone_redundancy="Enabled" if settings.zone_redundancy else "Disabled"',
     'zone_redundancy="Enabled" if settings.zone_redundancy else "Enabled"'),
    ("components/container_registry.py", "public_network_access=settings.network.public_network_access,\n            network_rule_bypass_options",
     'public_network_access="Enabled",\n            network_rule_bypass_options'),
    ("components/container_registry.py", 'self.grant_people("containerRegistry", self.registry.id, moved=True)',
     'self.grant_people("keyVault", self.registry.id, moved=True)'),
    ("components/container_registry.py", 'self.grant_people("containerRegistry", self.registry.id, moved=True)',
     'self.grant_people("containerRegistry", self.registry.id, moved=False)'),
    ("components/container_registry.py", "status=status(settings.untagged_retention_days > 0)", "status=status(False)"),
    ("components/container_registry.py", "status=status(settings.untagged_retention_days > 0)",
     "status=status(settings.untagged_retention_days >= 0)"),
    ("components/container_registry.py", 'status=status(settings.network.public_network_access == "Enabled")',
     'status=status(settings.network.public_network_access == "Disabled")'),
    ("components/container_registry.py", 'action="Allow"', 'action="Deny"'),
    ("components/container_registry.py", 'return "enabled" if enabled else "disabled"', 'return "enabled" if enabled else "enabled"'),
    ("components/container_registry.py", *REGISTRY_TRUST),  # content trust: refused for new registries
    ("components/container_registry.py", 'sku: Literal["Basic", "Standard", "Premium"] = "Premium"',
     'sku: Literal["Basic", "Standard", "Premium"] = "Standard"'),
    ("components/container_registry.py", "zone_redundancy: bool = True", "zone_redundancy: bool = False"),
    ("components/container_registry.py", "untagged_retention_days: int = Field(default=7,", "untagged_retention_days: int = Field(default=30,"),
    ("components/container_registry.py", "quarantine_policy: bool = False", "quarantine_policy: bool = True"),
    ("components/container_registry.py", '"dev": {"sku": "Basic",', '"dev": {"sku": "Standard",'),
    ("components/container_registry.py", '        Floor("untaggedRetentionDays", at_least(1), rules=("registry-retention",)),\n', ""),
    ("components/container_registry.py", '        Floor("zoneRedundancy", one_of(True), rules=("registry-zone-redundant",)),\n', ""),
    ("components/container_registry.py", 'if self.sku == "Premium":', 'if self.sku == "Standard":'),
    ("components/container_registry.py", '"network.publicNetworkAccess=Disabled": self.network.public_network_access == "Disabled",',
     '"network.publicNetworkAccess=Disabled": self.network.public_network_access == "Enabled",'),
    ("components/container_registry.py", '"azureml-platform:containerregistry:ContainerRegistry"', '"azureml-platform:registry:ContainerRegistry"'),
    ("components/container_registry.py", 'premium = settings.sku == "Premium"', 'premium = settings.sku == "Basic"'),
    # --- key_vault.py ---------------------------------------------------------------------------
    ("components/key_vault.py", "stateful=True,", ""),
    ("components/key_vault.py", 'moved_from="ml-key-vault",', 'moved_from="ml-vault",'),
    ("components/key_vault.py", 'self.grant_people("keyVault", self.vault.id, moved=True)', 'self.grant_people("storage", self.vault.id, moved=True)'),
    ("components/key_vault.py", 'self.grant_people("keyVault", self.vault.id, moved=True)', 'self.grant_people("keyVault", self.vault.id, moved=False)'),
    ("components/key_vault.py", "enable_rbac_authorization=True", "enable_rbac_authorization=False"),
    ("components/key_vault.py", "enable_soft_delete=True", "enable_soft_delete=False"),
    ("components/key_vault.py", "enable_purge_protection=True if settings.purge_protection else None", "enable_purge_protection=None"),
    ("components/key_vault.py", 'family="A"', 'family="B"'),
    ("components/key_vault.py", 'name="standard"', 'name="premium"'),
    ("components/key_vault.py", 'bypass="AzureServices",', 'bypass="None",'),
    ("components/key_vault.py", "default_action=settings.network.default_action,\n                    bypass",
     'default_action="Allow",\n                    bypass'),
    ("components/key_vault.py", "purge_protection: bool = True", "purge_protection: bool = False"),
    ("components/key_vault.py", "soft_delete_retention_days: int = Field(default=90,", "soft_delete_retention_days: int = Field(default=30,"),
    ("components/key_vault.py", '"dev": {"purgeProtection": False,', '"dev": {"purgeProtection": True,'),
    # Issue #7: staging keeps prod's purge protection (both settings are set-once on a vault).
    ("components/key_vault.py", 'environment_defaults = {"dev":', 'environment_defaults = {"staging": {"purgeProtection": False}, "dev":'),
    ("components/key_vault.py", '        Floor("purgeProtection", one_of(True), rules=("key-vault-purge-protection",)),\n', ""),
    ("components/key_vault.py", '        Floor("network.defaultAction", one_of("Deny"), rules=("key-vault-network-deny",)),\n', ""),
    ("components/key_vault.py", '"azureml-platform:keyvault:KeyVault"', '"azureml-platform:keyvault:Vault"'),
    # --- monitoring.py --------------------------------------------------------------------------
    ("components/monitoring.py", "stateful=True,", ""),
    ("components/monitoring.py", 'f"{name}-log-analytics",', 'f"{name}-logs",'),
    ("components/monitoring.py", 'f"{name}-application-insights",', 'f"{name}-appi",'),
    ("components/monitoring.py", 'kind="web",', 'kind="other",'),
    ("components/monitoring.py", 'application_type="web",', 'application_type="other",'),
    ("components/monitoring.py", 'ingestion_mode="LogAnalytics"', 'ingestion_mode="ApplicationInsights"'),
    ("components/monitoring.py", "disable_local_auth=not settings.local_auth", "disable_local_auth=False"),
    ("components/monitoring.py", 'name="PerGB2018"', 'name="Free"'),
    ("components/monitoring.py", "enable_log_access_using_only_resource_permissions=True", "enable_log_access_using_only_resource_permissions=False"),
    ("components/monitoring.py", "retention_days: int = Field(default=90,", "retention_days: int = Field(default=30,"),
    ("components/monitoring.py", "local_auth: bool = False", "local_auth: bool = True"),
    ("components/monitoring.py", 'public_network_access_for_ingestion: Access = "Enabled"', 'public_network_access_for_ingestion: Access = "Disabled"'),
    ("components/monitoring.py", 'public_network_access_for_query: Access = "Enabled"', 'public_network_access_for_query: Access = "Disabled"'),
    ("components/monitoring.py", '"dailyQuotaGb": 1,', '"dailyQuotaGb": 5,'),
    ("components/monitoring.py", '"staging": {"retentionDays": 30},', '"staging": {"retentionDays": 60},'),
    ("components/monitoring.py", 'prod_floor = (Floor("localAuth", one_of(False), rules=("app-insights-no-local-auth",)),)', "prod_floor = ()"),
    ("components/monitoring.py", '"azureml-platform:monitoring:Monitoring"', '"azureml-platform:monitor:Monitoring"'),
    # --- resource_group.py ----------------------------------------------------------------------
    ("components/resource_group.py", "protect=common.protect,", ""),
    ("components/resource_group.py", 'self.grant_people("resourceGroup", group_id)', ""),
    ("components/resource_group.py", 'self.grant_people("resourceGroup", group_id)', 'self.grant_people("storage", group_id)'),
    ("components/resource_group.py", "/resourceGroups/{existing}", "/resourcegroups/{existing}"),
    ("components/resource_group.py", '"azureml-platform:resources:ResourceGroup"', '"azureml-platform:resource:ResourceGroup"'),
    # --- roles.py: a wrong GUID grants another role ---------------------------------------------
    ("components/roles.py", '"acdd72a7-3385-48ef-bd42-f606fba81ae7"', '"acdd72a7-3385-48ef-bd42-f606fba81ae8"'),
    ("components/roles.py", '"3913510d-42f4-4e42-8a64-420c390055eb"', '"3913510d-42f4-4e42-8a64-420c390055ec"'),
    ("components/roles.py", '"b8eda974-7b85-4f76-af95-65846b26df6d"', '"b8eda974-7b85-4f76-af95-65846b26df6e"'),
    ("components/roles.py", '"7f951dda-4ed3-4680-a7ca-43fe172d538d"', '"7f951dda-4ed3-4680-a7ca-43fe172d538e"'),
    ("components/roles.py", "/providers/Microsoft.Authorization/roleDefinitions/{resolve_role(role)}",
     "/providers/Microsoft.Authorization/roleDefinition/{resolve_role(role)}"),
    # --- storage.py -----------------------------------------------------------------------------
    ("components/storage.py", '        "https://mlworkspacecanary.azure.ai",\n', ""),
    ("components/storage.py", '"OPTIONS", "POST", "PATCH"]', '"OPTIONS", "POST"]'),
    ("components/storage.py", 'allowed_headers=["*"],', 'allowed_headers=["x-ms-*"],'),
    ("components/storage.py", 'exposed_headers=["*"],', "exposed_headers=[],"),
    ("components/storage.py", "max_age_in_seconds=1800", "max_age_in_seconds=3600"),
    ("components/storage.py", "cors=storage.CorsRulesArgs(cors_rules=[STUDIO_CORS_RULE]),", ""),
    ("components/storage.py", 'stateful=True,\n            moved_from="ml-storage"', 'moved_from="ml-storage"'),
    ("components/storage.py", 'moved_from="ml-storage",', 'moved_from="ml-store",'),
    ("components/storage.py", 'kind="StorageV2",', 'kind="BlobStorage",'),
    ("components/storage.py", 'minimum_tls_version="TLS1_2"', 'minimum_tls_version="TLS1_1"'),
    ("components/storage.py", "enable_https_traffic_only=True", "enable_https_traffic_only=False"),
    ("components/storage.py", "allow_blob_public_access=False", "allow_blob_public_access=True"),
    ("components/storage.py", "allow_shared_key_access=False", "allow_shared_key_access=True"),
    ("components/storage.py", "default_to_o_auth_authentication=True", "default_to_o_auth_authentication=False"),
    ("components/storage.py", "allow_cross_tenant_replication=False", "allow_cross_tenant_replication=True"),
    ("components/storage.py", 'bypass="AzureServices",\n                ip_rules=[storage', 'bypass="None",\n                ip_rules=[storage'),
    ("components/storage.py", 'key_source="Microsoft.Storage"', 'key_source="Microsoft.Keyvault"'),
    ("components/storage.py", "require_infrastructure_encryption=True", "require_infrastructure_encryption=False"),
    ("components/storage.py", "storage.DeleteRetentionPolicyArgs(enabled=True,", "storage.DeleteRetentionPolicyArgs(enabled=False,"),
    ("components/storage.py", "delete_retention_policy=retention,\n            container",
     "delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=False),\n            container"),
    ("components/storage.py", "container_delete_retention_policy=retention,",
     "container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=False),"),
    ("components/storage.py", 'f"{name}-blob-service",', 'f"{name}-blobs",'),
    ("components/storage.py", 'moved_from="ml-blob-service",', 'moved_from="ml-blobs",'),
    ("components/storage.py", "is_versioning_enabled=True", "is_versioning_enabled=False"),
    ("components/storage.py", 'self.grant_people("storage", self.account.id, moved=True)', ""),
    ("components/storage.py", 'self.grant_people("storage", self.account.id, moved=True)', 'self.grant_people("keyVault", self.account.id, moved=True)'),
    ("components/storage.py", 'self.grant_people("storage", self.account.id, moved=True)', 'self.grant_people("storage", self.account.id, moved=False)'),
    ("components/storage.py", 'REDUNDANT_SKUS = ("Standard_ZRS", "Standard_GRS",', 'REDUNDANT_SKUS = ("Standard_ZRS",'),
    ("components/storage.py", 'sku: Literal["Standard_LRS", *REDUNDANT_SKUS] = "Standard_ZRS"', 'sku: Literal["Standard_LRS", *REDUNDANT_SKUS] = "Standard_LRS"'),
    ("components/storage.py", "soft_delete_retention_days: int = Field(default=30,", "soft_delete_retention_days: int = Field(default=7,"),
    ("components/storage.py", '"dev": {"sku": "Standard_LRS",', '"dev": {"sku": "Standard_ZRS",'),
    ("components/storage.py", '        Floor("sku", one_of(*REDUNDANT_SKUS), rules=("storage-redundant",)),\n', ""),
    ("components/storage.py", '        Floor("network.defaultAction", one_of("Deny"), rules=("storage-network-deny",)),\n', ""),
    ("components/storage.py", '"azureml-platform:storage:Storage"', '"azureml-platform:storage:Store"'),
    # --- values.py: the network knob ------------------------------------------------------------
    ("components/values.py", 'public_network_access: Access = "Disabled"\n    default_action', 'public_network_access: Access = "Enabled"\n    default_action'),
    ("components/values.py", 'default_action: Literal["Allow", "Deny"] = "Deny"', 'default_action: Literal["Allow", "Deny"] = "Allow"'),
    ("components/values.py", '{"publicNetworkAccess": "Enabled", "defaultAction": "Allow"}', '{"publicNetworkAccess": "Enabled", "defaultAction": "Deny"}'),
    ("components/values.py", 'if self.allowed_ip_ranges and self.public_network_access == "Disabled":',
     'if self.allowed_ip_ranges and self.public_network_access == "Enabled":'),
    ("components/values.py", 'if self.allowed_ip_ranges and self.default_action == "Allow":',
     'if self.allowed_ip_ranges and self.default_action == "Deny":'),
    # --- workspace.py ---------------------------------------------------------------------------
    ("components/workspace.py", 'f"{name}-identity",', 'f"{name}-id",'),
    ("components/workspace.py", 'self._grant_identity("workspace", self.workspace.id, ("Contributor",))',
     'self._grant_identity("ws", self.workspace.id, ("Contributor",))'),
    ("components/workspace.py", 'self._grant_identity("workspace", self.workspace.id, ("Contributor",))',
     'self._grant_identity("workspace", self.workspace.id, ("Reader",))'),
    ("components/workspace.py", '("Key Vault Crypto Service Encryption User",)', '("Key Vault Administrator",)'),
    ("components/workspace.py", 'self.grant_people("workspace", self.workspace.id)', 'self.grant_people("resourceGroup", self.workspace.id)'),
    ("components/workspace.py", 'f"identity-{scope_key}"', 'f"id-{scope_key}"'),
    # The RBAC wait: grants → wait (base.py `propagated`) → workspace.
    ("components/workspace.py", "depends_on=identity_access,", ""),
    ("components/workspace.py", "role_assignment_wait_seconds: int = Field(default=120, ge=0,", "role_assignment_wait_seconds: int = Field(default=30, ge=0,"),
    ("components/workspace.py", "role_assignment_wait_seconds: int = Field(default=120, ge=0,", "role_assignment_wait_seconds: int = Field(default=120, ge=1,"),
    ("components/workspace.py", 'f"{name}-workspace",', 'f"{name}-mlw",'),
    ("components/workspace.py", "stateful=True,", ""),
    ("components/workspace.py", 'kind="Default",', 'kind="Hub",'),
    ("components/workspace.py", 'SkuArgs(name="Basic", tier="Basic")', 'SkuArgs(name="Standard", tier="Basic")'),
    ("components/workspace.py", 'SkuArgs(name="Basic", tier="Basic")', 'SkuArgs(name="Basic", tier="Standard")'),
    ("components/workspace.py", 'type="UserAssigned", user_assigned_identities', 'type="SystemAssigned,UserAssigned", user_assigned_identities'),
    ("components/workspace.py", "primary_user_assigned_identity=self.identity.id,", ""),
    ("components/workspace.py", "public_network_access=settings.public_network_access,", 'public_network_access="Enabled",'),
    ("components/workspace.py", "isolation_mode=settings.isolation_mode", 'isolation_mode="Disabled"'),
    # Provisioned at creation, not with the first compute (about 30 minutes, and online deployments fail until then).
    ("components/workspace.py", 'provision_network_now=True if settings.isolation_mode != "Disabled" else None,', "provision_network_now=None,"),
    ("components/workspace.py", 'provision_network_now=True if settings.isolation_mode != "Disabled" else None,',
     'provision_network_now=True if settings.isolation_mode != "AllowInternetOutbound" else None,'),
    ("components/workspace.py", 'system_datastores_auth_mode="Identity"', 'system_datastores_auth_mode="AccessKey"'),
    ("components/workspace.py", "v1_legacy_mode=False", "v1_legacy_mode=True"),
    ("components/workspace.py", "hbi_workspace=settings.hbi", "hbi_workspace=False"),
    ("components/workspace.py", 'status="Enabled",', 'status="Disabled",'),
    ("components/workspace.py", 'default="Azure Machine Learning workspace managed by azureml-platform"', 'default="Azure Machine Learning workspace"'),
    ("components/workspace.py", 'public_network_access: Access = "Disabled"', 'public_network_access: Access = "Enabled"'),
    ("components/workspace.py", '        "AllowOnlyApprovedOutbound"\n    )', '        "AllowInternetOutbound"\n    )'),
    ("components/workspace.py", "hbi: bool = True", "hbi: bool = False"),
    ("components/workspace.py", 'image_build_compute: ComputeName | None = "image-builder"', 'image_build_compute: ComputeName | None = "builder"'),
    ("components/workspace.py", '"isolationMode": "AllowInternetOutbound",', '"isolationMode": "AllowOnlyApprovedOutbound",'),
    ("components/workspace.py", '"publicNetworkAccess": "Enabled",', '"publicNetworkAccess": "Disabled",'),
    ("components/workspace.py", '        Floor("hbi", one_of(True), rules=("workspace-hbi",)),\n', ""),
    ("components/workspace.py", '_APPROVER = "Azure AI Enterprise Network Connection Approver"', '_APPROVER = "Reader"'),
    ("components/workspace.py", '"Storage Blob Data Contributor", ', ""),
    ("components/workspace.py", ', "Storage File Data Privileged Contributor"', ""),
    ("components/workspace.py", '"keyVault": ("Contributor", "Key Vault Administrator", _APPROVER)', '"keyVault": ("Contributor", _APPROVER)'),
    ("components/workspace.py", '"containerRegistry": ("Contributor", _APPROVER),', '"containerRegistry": ("Contributor",),'),
    ("components/workspace.py", '"applicationInsights": ("Contributor", "Monitoring Metrics Publisher"),', '"applicationInsights": ("Contributor",),'),
    ("components/workspace.py", '"azureml-platform:workspace:Workspace"', '"azureml-platform:ml:Workspace"'),
    ("components/workspace.py", '"applicationInsights": dependencies.application_insights,', '"appInsights": dependencies.application_insights,'),
    # --- network_config.py: what private endpoints and outbound rules reach ----------------------
    ("components/network_config.py", '"storage": ("blob", "file", "queue", "table"),', '"storage": ("blob", "file"),'),
    ("components/network_config.py", '"amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),',
     '"amlworkspace": ("privatelink.api.azureml.ms",),'),
    ("components/network_config.py", '    "pypi.org",\n    "*.pythonhosted.org",', '    "pypi.org",'),
    ("components/network_config.py", "    private_endpoints: bool = True\n", "    private_endpoints: bool = False\n"),
    ("components/network_config.py", 'prod_floor = (Floor("privateEndpoints", one_of(True), rules=("private-endpoints",)),)',
     'prod_floor = (Floor("privateEndpoints", one_of(True, False), rules=("private-endpoints",)),)'),
    ("components/network_config.py", '"dev": {"privateEndpoints": False},', '"dev": {"privateEndpoints": True},'),
    ("components/network_config.py", 'address_space: Cidr = "10.60.0.0/22"', 'address_space: Cidr = "10.0.0.0/16"'),
    ("components/network_config.py", 'private_endpoint_subnet: Cidr = "10.60.0.0/24"', 'private_endpoint_subnet: Cidr = "10.60.2.0/24"'),
    ("components/network_config.py", 'client_subnet: Cidr | None = "10.60.1.0/24"', 'client_subnet: Cidr | None = None'),
    ("components/network_config.py", "    package_repositories: bool = True\n", "    package_repositories: bool = False\n"),
    ("components/network_config.py", 'firewall_sku: Literal["Basic", "Standard"] = "Basic"', 'firewall_sku: Literal["Basic", "Standard"] = "Standard"'),
    ("components/network_config.py", "    dns_zone_groups_by_policy: bool = False\n", "    dns_zone_groups_by_policy: bool = True\n"),
    ("components/network_config.py", "    use_remote_gateways: bool = False\n", "    use_remote_gateways: bool = True\n"),
    ("components/network_config.py", 'protocol: Literal["TCP", "UDP", "ICMP", "*"] = "TCP"', 'protocol: Literal["TCP", "UDP", "ICMP", "*"] = "*"'),
    ("components/network_config.py", '] = "443"', '] = "*"'),
    ("components/network_config.py", "needed = sum(len(groups) for groups in TARGET_GROUPS.values()) + 1 + 5",
     "needed = sum(len(groups) for groups in TARGET_GROUPS.values())"),
    ("components/network_config.py", 'if placed["privateEndpointSubnet"].num_addresses < needed:', 'if placed["privateEndpointSubnet"].num_addresses < 0:'),
    ("components/network_config.py", 'subnets = {"privateEndpointSubnet": self.private_endpoint_subnet, "clientSubnet": self.client_subnet}',
     'subnets = {"privateEndpointSubnet": self.private_endpoint_subnet}'),
    ("components/network_config.py", 'if not zone_id.lower().endswith(f"/providers/microsoft.network/privatednszones/{zone}"):',
     'if not zone_id.lower().startswith("/subscriptions/"):'),
    ("components/network_config.py", '+ (["azuremonitor"] if monitoring else [])', ""),
    ("components/network_config.py", '"microsoft.storage/storageaccounts": ("blob", "blob_secondary", "file", "queue", "table", "dfs", "dfs_secondary", "web"),',
     '"microsoft.storage/storageaccounts": ("blob", "blob_secondary", "file", "queue", "table", "dfs", "dfs_secondary", "web", "vault"),'),
    ("components/network_config.py", 'provider_type = "/".join(self.resource_id.split("/providers/", 1)[1].split("/")[:2]).lower()',
     'provider_type = self.resource_id.split("/providers/", 1)[1].lower()'),
    # --- network.py: endpoints, DNS, egress, outbound rules ---------------------------------------
    ("components/network.py", 'RULE_TIMEOUT = "60m"', 'RULE_TIMEOUT = "10m"'),
    ("components/network.py", '{**TARGET_GROUPS, "monitoring": ("azuremonitor",)}.items()', "TARGET_GROUPS.items()"),
    ("components/network.py", 'self._targets["monitoring"] = NetworkTarget(scope.id, scope_name)', "pass"),
    ("components/network.py", 'self.private_endpoints[f"{target_key}-{group}"] = self._private_endpoint(target_key, group, subnet_id, zone_ids)',
     'self.private_endpoints[f"{target_key}-{group}"] = self._private_endpoint(target_key, group, subnet_id, None)'),
    ('components/network.py', 'clients = self._subnet_in(vnet, "clients", settings.client_subnet, after=[endpoints], egress=True)',
     'clients = self._subnet_in(vnet, "clients", settings.client_subnet, after=[], egress=True)'),
    ('components/network.py', 'after=[endpoints], egress=True)', 'after=[endpoints], egress=False)'),
    ("components/network.py", 'return {"route_table": network.RouteTableArgs(id=routes.id)}', "return {}"),
    ("components/network.py", 'return {"nat_gateway": network.SubResourceArgs(id=gateway.id)}', "return {}"),
    ("components/network.py", 'address_prefix="0.0.0.0/0",', 'address_prefix="10.0.0.0/8",'),
    ("components/network.py", 'next_hop_type="VirtualAppliance",', 'next_hop_type="Internet",'),
    ("components/network.py", 'sku=network.NatGatewaySkuArgs(name="Standard"),', "sku=None,"),
    ("components/network.py", 'sku=network.PublicIPAddressSkuArgs(name="Standard"),', 'sku=network.PublicIPAddressSkuArgs(name="Basic"),'),
    ("components/network.py", 'public_ip_allocation_method="Static",', 'public_ip_allocation_method="Dynamic",'),
    ("components/network.py", 'endpoint_name = context.names.instance("private_endpoint", f"pe-{target.name}-{group}")',
     'endpoint_name = context.names.instance("private_endpoint", f"pe-{group}-{target.name}")'),
    ("components/network.py", 'custom_network_interface_name=f"{endpoint_name}-nic",', "custom_network_interface_name=None,"),
    ("components/network.py", "            default_outbound_access=False,\n", "            default_outbound_access=True,\n"),
    ("components/network.py", 'private_endpoint_network_policies="Disabled",', 'private_endpoint_network_policies="Enabled",'),
    ("components/network.py", 'ignore_changes=("subnets",),', "ignore_changes=(),"),
    ("components/network.py", '            location="global",\n            tags=context.tags,\n        )\n        self.declare(',
     '            location=context.location,\n            tags=context.tags,\n        )\n        self.declare('),
    ("components/network.py", '            location="global",\n            tags=context.tags,\n            virtual_network=',
     '            location=context.location,\n            tags=context.tags,\n            virtual_network='),
    ("components/network.py", "registration_enabled=False,", "registration_enabled=True,"),
    ("components/network.py", "allow_forwarded_traffic=True,", "allow_forwarded_traffic=False,"),
    ("components/network.py", "allow_virtual_network_access=True,", "allow_virtual_network_access=False,"),
    ("components/network.py", "return dict(settings.dns_zone_ids)", "return {}"),
    ("components/network.py", 'location="global",\n            tags=context.tags,\n            access_mode_settings=',
     'location=context.location,\n            tags=context.tags,\n            access_mode_settings='),
    ("components/network.py", 'ingestion_access_mode="Open"', 'ingestion_access_mode="PrivateOnly"'),
    ("components/network.py", 'query_access_mode="Open"', 'query_access_mode="PrivateOnly"'),
    ("components/network.py", 'if mode == "Disabled":\n            return', 'if mode == "AllowInternetOutbound":\n            return'),
    ("components/network.py", 'endpoints[f"datastore-{key}-{subresource}"] = (account, subresource)', "pass"),
    ("components/network.py", '"Azure AI Enterprise Network Connection Approver", "Azure ML managed network"',
     '"Reader", "Azure ML managed network"'),
    ("components/network.py", "return [grant for target in targets for grant in self.assign_roles(", "return [] and [grant for target in targets for grant in self.assign_roles("),
    ('components/network.py', 'rules |= {key: ml.FqdnOutboundRuleArgs(type="FQDN", destination=fqdn, category="UserDefined")',
     'rules |= {key: ml.FqdnOutboundRuleArgs(type="FQDN", destination=fqdn, category="Recommended")'),
    ("components/network.py", 'type="ServiceTag",\n                    category="UserDefined",', 'type="ServiceTag",\n                    category="Recommended",'),
    ("components/network.py", 'action="Allow",', 'action="Deny",'),
    ("components/network.py", 'port_ranges=rule.port_ranges.replace(" ", ""),', "port_ranges=rule.port_ranges,"),
    ("components/network.py", 'type="PrivateEndpoint",\n                category="UserDefined",', 'type="PrivateEndpoint",\n                category="Required",'),
    ("components/network.py", "spark_enabled=False", "spark_enabled=True"),
    # --- base.py / workspace.py: grants in other subscriptions, the group's approver ------------
    ("components/base.py", 'if isinstance(scope, str) and scope.lower().startswith("/subscriptions/"):', "if False:"),
    ("components/base.py", 'return scope.split("/")[2]', 'return scope.split("/")[1]'),
    ("components/workspace.py", '"resourceGroup": (_APPROVER, "Reader"),', '"resourceGroup": (_APPROVER,),'),
    ("components/values.py", 'if "/" not in value:', 'if False:'),
    ("components/values.py", '_IN_A_GROUP = r"(?i)/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\\w.()]+/providers/"',
     '_IN_A_GROUP = r"(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"'),
    ("components/values.py", 'f"{what} (/subscriptions/<id>/resourceGroups/<rg>/providers/{example})"', 'f"{what}"'),
    ("components/config.py", 'approved_only = self.workspace.isolation_mode == "AllowOnlyApprovedOutbound"',
     'approved_only = self.workspace.isolation_mode != "Disabled"'),
    ("components/config.py", '("blob", "dfs") if store.type == "adlsGen2" else ("blob",)', '("blob",)'),
    ("components/config.py", 'if mode == "Disabled":\n                raise', 'if mode == "Nothing":\n                raise'),
    ("components/config.py", 'isinstance(rule, (FqdnRule, ServiceTagRule)) and mode != "AllowOnlyApprovedOutbound"',
     'isinstance(rule, (FqdnRule, ServiceTagRule)) and mode == "Nothing"'),
    ("components/config.py", 'return "Disabled" in (monitoring.public_network_access_for_ingestion',
     'return "Closed" in (monitoring.public_network_access_for_ingestion'),
    ("components/network.py", 'super().__init__("azureml-platform:network:Network", name, common)',
     'super().__init__("azureml-platform:net:Network", name, common)'),
    ("components/network.py", 'zone_ids = self._zone_ids(name, outputs.get("virtualNetworkId"))',
     'zone_ids = self._zone_ids(name, outputs.get("vnetId"))'),
    # --- base.py: what moved here (existing's _NOT_FOUND, the RBAC wait `propagated`) -----------
    ("components/base.py", r'_NOT_FOUND = re.compile(r"\b404\b|NotFound|not found", re.IGNORECASE)',
     r'_NOT_FOUND = re.compile(r"NotFound", re.IGNORECASE)'),
    # The RBAC wait: grants → wait → workspace, datastores, computes, deployments.
    ("components/base.py", 'create_duration=f"{seconds}s",', 'create_duration=f"{seconds}m",'),
    ("components/base.py", 'triggers={"principalId": principal_id},', 'triggers={"principal": principal_id},'),
    ("components/base.py", "            depends_on=grants,\n", ""),
    ("components/base.py", "if seconds == 0:", "if seconds == 1:"),
    # --- values.py: the ISO 8601 durations Azure returns, names equal but for case ---------------
    ("components/values.py", "hours, rest = divmod(int(seconds), 3600)", "hours, rest = divmod(int(seconds), 360)"),
    ("components/values.py", "minutes, whole_seconds = divmod(rest, 60)", "minutes, whole_seconds = divmod(rest, 100)"),
    ("components/values.py", "round(seconds - int(seconds), 3)", "round(seconds - int(seconds))"),
    ("components/values.py", '(minutes, "M")', '(minutes, "m")'),
    ("components/values.py", 'return "PT" + ("".join(parts) or "0S")', 'return "P" + ("".join(parts) or "0S")'),
    ("components/values.py", "if key.lower() in seen:", "if key in seen:"),
    # --- config.py: deployments' egress, a closed endpoint's network, names Azure folds ---------
    ("components/config.py", 'closed = self.workspace.isolation_mode == "Disabled" and',
     'closed = self.workspace.isolation_mode == "AllowOnlyApprovedOutbound" and'),
    ("components/config.py", 'return "Disabled" if closed else "Enabled"', 'return "Enabled" if closed else "Enabled"'),
    ("components/config.py", 'if endpoint.public_network_access == "Disabled" and not network.private_endpoints:',
     'if endpoint.public_network_access == "Enabled" and not network.private_endpoints:'),
    ("components/config.py", 'refuse_names_equal_but_for_case("computes", self.computes)', 'refuse_names_equal_but_for_case("compute", self.computes)'),
    # --- endpoints.py: the endpoint, its identity and grants --------------------------------------
    ("components/endpoints.py", '    "storage": ("Storage Blob Data Reader",),', '    "storage": ("Storage Blob Data Contributor",),'),
    ("components/endpoints.py", '"containerRegistry": ("AcrPull",),', '"containerRegistry": ("AcrPush",),'),
    ("components/endpoints.py", '"workspace": ("AzureML Metrics Writer (preview)",),', '"workspace": ("AzureML Data Scientist",),'),
    ("components/endpoints.py", 'TELEMETRY_ROLE = "Monitoring Metrics Publisher"', 'TELEMETRY_ROLE = "Monitoring Contributor"'),
    ("components/endpoints.py", 'super().__init__("azureml-platform:endpoints:Endpoints", name, common)',
     'super().__init__("azureml-platform:endpoint:Endpoints", name, common)'),
    ("components/endpoints.py", 'self.context.names.instance("online_endpoint", key)', 'self.context.names.instance("compute", key)'),
    ("components/endpoints.py", 'resource_name_=f"{context.names.identity}-endpoint-{key}",', 'resource_name_=f"{context.names.identity}-endpoints-{key}",'),
    ("components/endpoints.py", 'self._grant(f"endpoint-{key}", identity, settings)', 'self._grant(f"endpoints-{key}", identity, settings)'),
    ("components/endpoints.py", 'replace_on_changes=("identity",),', 'replace_on_changes=("identity.type",),'),
    ("components/endpoints.py", "delete_before_replace=True,", "delete_before_replace=False,"),
    ("components/endpoints.py", 'ENDPOINT_SET_ELSEWHERE = ("properties", "tags")', 'ENDPOINT_SET_ELSEWHERE = ("properties.traffic", "tags")'),
    ("components/endpoints.py", 'type="UserAssigned", user_assigned_identities=[identity.id]',
     'type="SystemAssigned,UserAssigned", user_assigned_identities=[identity.id]'),
    ("components/endpoints.py", '"storage": dependencies.storage_account,\n            "containerRegistry": dependencies.container_registry,',
     '"storage": dependencies.container_registry,\n            "containerRegistry": dependencies.storage_account,'),
    ("components/endpoints.py", 'roles["applicationInsights"] = dependencies.entra_only_telemetry,',
     'roles["applicationInsights"] = dependencies.workspace.id,'),
    ("components/endpoints.py", 'self.grant_identity(group, identity.principal_id, scopes, roles,',
     'self.grant_identity(group, identity.client_id, scopes, roles,'),
    # Model versions and the deployment Azure holds, read while the program runs.
    ("components/endpoints.py", "if reference is None:\n            return True", "if reference is None:\n            return False"),
    ("components/endpoints.py", 'version=reference["version"],', 'version=reference["name"],'),
    ("components/endpoints.py", "model = f\"{reference['name']}:{reference['version']}\"", "model = f\"{reference['name']}/{reference['version']}\""),
    ("components/endpoints.py", 'f"endpoints.{key}.deployments.{deployment}.model: {model} is not registered',
     'f"endpoints.{key}.{deployment}.model: {model} is not registered'),
    ("components/endpoints.py", 'held_count = held_field(held, "sku", "capacity")', 'held_count = held_field(held, "sku", "count")'),
    ("components/endpoints.py", 'instance_type = held_field(held, "properties", "instance_type")', 'instance_type = held_field(held, "properties", "instanceType")'),
    # Deployments: pinned models after the grants, the timeouts, what autoscale owns.
    ("components/endpoints.py", 'create="90m"', 'create="30m"'),
    ("components/endpoints.py", 'update="90m"', 'update="30m"'),
    ("components/endpoints.py", 'delete="30m"', 'delete="10m"'),
    ("components/endpoints.py", 'ignore_changes=("sku.capacity",)', 'ignore_changes=("capacity",)'),
    ("components/endpoints.py", 'sku=ml.SkuArgs(name="Default", capacity=capacity)', 'sku=ml.SkuArgs(name="Standard", capacity=capacity)'),
    # The SDK's Args classes pin endpoint_compute_type and scale_type: the wrong class is what changes them.
    ("components/endpoints.py", 'scale_settings=ml.DefaultScaleSettingsArgs(scale_type="Default"),',
     'scale_settings=ml.TargetUtilizationScaleSettingsArgs(scale_type="TargetUtilization"),'),
    ("components/endpoints.py", "iso_duration(settings.request_settings.request_timeout_ms / 1000)",
     "iso_duration(settings.request_settings.request_timeout_ms // 1000)"),
    ("components/endpoints.py", 'model=self._asset_id("models", settings.model),', 'model=self._asset_id("model", settings.model),'),
    ("components/endpoints.py", "f\"/{kind}/{found['name']}/versions/{found['version']}\"", "f\"/{kind}/{found['name']}/{found['version']}\""),
    # Traffic: the endpoint's second PUT, once its deployments exist.
    ("components/endpoints.py", "if deployments and sum(traffic.values()) != 100:", "if deployments and sum(traffic.values()) > 100:"),
    ("components/endpoints.py", 'late = ", ".join(d for d in waiting if settings.traffic.get(d))',
     'late = ", ".join(d for d in waiting if not settings.traffic.get(d))'),
    ("components/endpoints.py", '"type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",',
     '"type": "Microsoft.MachineLearningServices/onlineEndpoints",'),
    ("components/endpoints.py", 'ENDPOINT_API_VERSION = "2025-12-01"', 'ENDPOINT_API_VERSION = "2024-10-01"'),
    ("components/endpoints.py", '"authMode": settings.auth_mode,\n                "publicNetworkAccess"', '"authMode": "Key",\n                "publicNetworkAccess"'),
    ("components/endpoints.py", '"publicNetworkAccess": settings.public_network_access,', '"publicNetworkAccess": "Enabled",'),
    ("components/endpoints.py", '{"type": "UserAssigned", "userAssignedIdentities": {id_: {}}}',
     '{"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {id_: {}}}'),
    ("components/endpoints.py", 'pulumi.Output.concat(self._dependencies.workspace.name, "/", endpoint.name)',
     'pulumi.Output.concat(self._dependencies.workspace.name, "-", endpoint.name)'),
    ("components/endpoints.py", 'deployment_name=f"traffic-{self.azure_name(key)}",', 'deployment_name=f"traffic-{key}",'),
    ("components/endpoints.py", 'mode="Incremental",', 'mode="Complete",'),
    ("components/endpoints.py", '                    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n', ""),
    # Autoscale on the deployment's CPU.
    ("components/endpoints.py", '"metric_name": "CpuUtilizationPercentage",', '"metric_name": "CpuUtilization",'),
    ("components/endpoints.py", '"metric_namespace": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",',
     '"metric_namespace": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",'),
    ("components/endpoints.py", 'SCALE_COOLDOWN = "PT15M"', 'SCALE_COOLDOWN = "PT5M"'),
    ("components/endpoints.py", 'type="ChangeCount", value="1",', 'type="PercentChangeCount", value="1",'),
    ("components/endpoints.py", 'value="1", cooldown=SCALE_COOLDOWN', 'value="2", cooldown=SCALE_COOLDOWN'),
    ("components/endpoints.py", 'autoscale_setting_name=f"autoscale-{endpoint_name}-{deployment_name}",', 'autoscale_setting_name=f"autoscale-{deployment_name}",'),
    ("components/endpoints.py", "enabled=True,\n            profiles=[", "enabled=False,\n            profiles=["),
    ("components/endpoints.py", 'rule("Decrease", "LessThan",', 'rule("Decrease", "GreaterThan",'),
    ("components/endpoints.py", '"scoringUri": endpoint.properties.scoring_uri,', '"scoringUrl": endpoint.properties.scoring_uri,'),
    # --- endpoints_config.py: the endpoints section -----------------------------------------------
    ("components/endpoints_config.py", '_ASSET = r"[A-Za-z0-9][', '_ASSET = r"[A-Za-z]['),
    ("components/endpoints_config.py", 'rf"(?!azureml:[^:]*$)(?:azureml:)?', 'rf"(?:azureml:)?'),
    ("components/endpoints_config.py", 'REGISTRY_ASSET = r"azureml://registries/', 'REGISTRY_ASSET = r"azureml://registry/'),
    ("components/endpoints_config.py", "initial_delay_seconds: int = Field(default=10,", "initial_delay_seconds: int = Field(default=30,"),
    ("components/endpoints_config.py", "period_seconds: int = Field(default=10,", "period_seconds: int = Field(default=30,"),
    ("components/endpoints_config.py", "timeout_seconds: int = Field(default=2,", "timeout_seconds: int = Field(default=1,"),
    ("components/endpoints_config.py", "failure_threshold: int = Field(default=30,", "failure_threshold: int = Field(default=3,"),
    ("components/endpoints_config.py", "success_threshold: int = Field(default=1,", "success_threshold: int = Field(default=2,"),
    ("components/endpoints_config.py", "request_timeout_ms: int = Field(default=5000,", "request_timeout_ms: int = Field(default=60000,"),
    ("components/endpoints_config.py", "request_timeout_ms: int = Field(default=5000, ge=1, le=180_000)",
     "request_timeout_ms: int = Field(default=5000, ge=1, le=300_000)"),
    ("components/endpoints_config.py", "max_concurrent_requests_per_instance: int = Field(default=1,", "max_concurrent_requests_per_instance: int = Field(default=2,"),
    ("components/endpoints_config.py", "min_instances: int = Field(default=1,", "min_instances: int = Field(default=2,"),
    ("components/endpoints_config.py", "max_instances: int = Field(default=3,", "max_instances: int = Field(default=5,"),
    ("components/endpoints_config.py", "scale_out_cpu_percent: int = Field(default=70,", "scale_out_cpu_percent: int = Field(default=80,"),
    ("components/endpoints_config.py", "scale_in_cpu_percent: int = Field(default=25,", "scale_in_cpu_percent: int = Field(default=30,"),
    ("components/endpoints_config.py", 'instance_type: VmSize = "Standard_DS3_v2"', 'instance_type: VmSize = "Standard_F2s_v2"'),
    ("components/endpoints_config.py", "instance_count: int = Field(default=1,", "instance_count: int = Field(default=3,"),
    ("components/endpoints_config.py", "app_insights_enabled: bool = False", "app_insights_enabled: bool = True"),
    ("components/endpoints_config.py", 'environment_defaults = {"dev": {"appInsightsEnabled": True}}', 'environment_defaults = {"dev": {"appInsightsEnabled": False}}'),
    ("components/endpoints_config.py", "latency_ms: int = Field(default=1000,", "latency_ms: int = Field(default=2000,"),
    ("components/endpoints_config.py", "server_errors_per_minute: int = Field(default=5,", "server_errors_per_minute: int = Field(default=10,"),
    ("components/endpoints_config.py", "server_error_percent: float = Field(default=5.0,", "server_error_percent: float = Field(default=10.0,"),
    ("components/endpoints_config.py", "    cpu_percent: int = Field(default=80,", "    cpu_percent: int = Field(default=90,"),
    ("components/endpoints_config.py", "memory_percent: int = Field(default=80,", "memory_percent: int = Field(default=90,"),
    # Entra ID tokens and a closed endpoint: the defaults, staging rehearsing prod, prod's floor.
    ("components/endpoints_config.py", 'auth_mode: Literal["AADToken", "AMLToken", "Key"] = "AADToken"',
     'auth_mode: Literal["AADToken", "AMLToken", "Key"] = "Key"'),
    ("components/endpoints_config.py", 'public_network_access: Access = "Disabled"', 'public_network_access: Access = "Enabled"'),
    ("components/endpoints_config.py", 'environment_defaults = {"dev": {"publicNetworkAccess": "Enabled"}}',
     'environment_defaults = {"dev": {"publicNetworkAccess": "Enabled"}, "staging": {"publicNetworkAccess": "Enabled"}}'),
    ("components/endpoints_config.py", '        Floor("authMode", one_of("AADToken"), rules=("online-endpoint-entra-auth",)),\n', ""),
    ("components/endpoints_config.py", 'Floor("publicNetworkAccess", one_of("Disabled"),', 'Floor("publicNetworkAccess", one_of("Disabled", "Enabled"),'),
    # The traffic split the service would refuse.
    ("components/endpoints_config.py", '(("traffic", self.traffic), ("mirrorTraffic", self.mirror_traffic))', '(("traffic", self.traffic),)'),
    ("components/endpoints_config.py", 'known = ", ".join(self.deployments) or "none"', 'known = ", ".join(self.deployments) or ""'),
    ("components/endpoints_config.py", "if self.deployments and total != 100:", "if self.deployments and total > 100:"),
    ("components/endpoints_config.py", 'for name, share in self.traffic.items()) or "none"', 'for name, share in self.traffic.items()) or ""'),
    ("components/endpoints_config.py", "if len(mirrored) > 1:", "if len(mirrored) > 2:"),
    ("components/endpoints_config.py", 'refuse_names_equal_but_for_case("deployments", self.deployments)',
     'refuse_names_equal_but_for_case("deployment", self.deployments)'),
    # --- alerts.py: who is told, and the metrics and log query each alert watches -----------------
    ("components/alerts.py", 'ENDPOINT_METRICS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"',
     'ENDPOINT_METRICS = "Microsoft.MachineLearningServices/onlineEndpoints"'),
    ("components/alerts.py", 'DEPLOYMENT_METRICS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"',
     'DEPLOYMENT_METRICS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"'),
    ("components/alerts.py", 'WORKSPACE_METRICS = "Microsoft.MachineLearningServices/workspaces"', 'WORKSPACE_METRICS = "Microsoft.MachineLearning/workspaces"'),
    ("components/alerts.py", 'SEVERITY = {"serverErrors": 1,', 'SEVERITY = {"serverErrors": 3,'),
    ("components/alerts.py", '"serverErrorPercent": 1,', '"serverErrorPercent": 2,'),
    ("components/alerts.py", "MIN_REQUESTS_FOR_ERROR_SHARE = 10", "MIN_REQUESTS_FOR_ERROR_SHARE = 1"),
    ("components/alerts.py", "failed_jobs_per_hour: int = Field(default=1,", "failed_jobs_per_hour: int = Field(default=5,"),
    ("components/alerts.py", "failed_jobs_per_hour: int = Field(default=1, ge=1)", "failed_jobs_per_hour: int = Field(default=1, ge=0)"),
    ("components/alerts.py", 'super().__init__("azureml-platform:alerts:Alerts", name, common)',
     'super().__init__("azureml-platform:alert:Alerts", name, common)'),
    # The failed-jobs alert on the workspace.
    ("components/alerts.py", '            "failed-jobs",\n', '            "failed-runs",\n'),
    ("components/alerts.py", 'f"{self.context.names.workspace}-failed-jobs",', 'f"{self.context.names.workspace}-failed-runs",'),
    ("components/alerts.py", 'Metric(WORKSPACE_METRICS, "Failed Runs", "Total")', 'Metric(WORKSPACE_METRICS, "Failed Jobs", "Total")'),
    ("components/alerts.py", '"GreaterThanOrEqual",\n            settings.failed_jobs_per_hour,', '"GreaterThan",\n            settings.failed_jobs_per_hour,'),
    ("components/alerts.py", 'SEVERITY["failedJobs"]', 'SEVERITY["serverErrors"]'),
    ("components/alerts.py", 'window="PT1H",', 'window="PT15M",'),
    ("components/alerts.py", 'frequency="PT15M",', 'frequency="PT5M",'),
    # The action group.
    ("components/alerts.py", 'location="Global",', 'location=self.context.location,'),
    ("components/alerts.py", 'group_short_name=f"ml-{names.stack}"', 'group_short_name=f"mlp-{names.stack}"'),
    ("components/alerts.py", "enabled=True,\n            email_receivers=[", "enabled=False,\n            email_receivers=["),
    ("components/alerts.py", "enumerate(settings.email_receivers, start=1)", "enumerate(settings.email_receivers, start=0)"),
    ("components/alerts.py", "email_address=address, use_common_alert_schema=True", "email_address=address, use_common_alert_schema=False"),
    ("components/alerts.py", "service_uri=settings.webhook_url, use_common_alert_schema=True", "service_uri=settings.webhook_url, use_common_alert_schema=False"),
    # Metric alerts on the endpoint and its deployments.
    ("components/alerts.py", 'f"{key}-latency",', 'f"{key}-latencies",'),
    ("components/alerts.py", 'f"{endpoint.name}-latency",', 'f"{endpoint.name}-p95-latency",'),
    ("components/alerts.py", 'Metric(ENDPOINT_METRICS, "RequestLatency_P95", "Average")', 'Metric(ENDPOINT_METRICS, "RequestLatencyP95", "Average")'),
    ("components/alerts.py", '{"statusCodeClass": ("5xx",)}', '{"StatusCodeClass": ("5xx",)}'),
    ("components/alerts.py", 'Metric(ENDPOINT_METRICS, "RequestsPerMinute", "Average",', 'Metric(ENDPOINT_METRICS, "RequestsPerMinute", "Total",'),
    ("components/alerts.py", '"GreaterThan",\n            thresholds.latency_ms,', '"GreaterThanOrEqual",\n            thresholds.latency_ms,'),
    ("components/alerts.py", 'SEVERITY["latency"]', 'SEVERITY["failedJobs"]'),
    ("components/alerts.py", 'window="PT15M",\n                    description', 'window="PT5M",\n                    description'),
    ("components/alerts.py", '("memory", "Memory", "CpuMemoryUtilizationPercentage", thresholds.memory_percent)',
     '("memory", "Memory", "MemoryUtilizationPercentage", thresholds.memory_percent)'),
    ("components/alerts.py", 'location="global",', 'location=self.context.location,'),
    ("components/alerts.py", "enabled=True,\n            scopes=[scope],", "enabled=False,\n            scopes=[scope],"),
    ("components/alerts.py", "auto_mitigate=True,\n            criteria=monitor.MetricAlert", "auto_mitigate=False,\n            criteria=monitor.MetricAlert"),
    # The SDK's Args classes pin odata_type and criterion_type: the wrong class is what changes them.
    ("components/alerts.py", 'monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(\n                odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",',
     'monitor.MetricAlertMultipleResourceMultipleMetricCriteriaArgs(\n                odata_type="Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",'),
    ("components/alerts.py", *DYNAMIC_THRESHOLD),  # a learnt threshold instead of the configured one
    ("components/alerts.py", "skip_metric_validation=True,", "skip_metric_validation=False,"),
    ("components/alerts.py", 'operator="Include"', 'operator="Exclude"'),
    # The 5xx-share log alert.
    ("components/alerts.py", '                "AmlOnlineEndpointTrafficLog",\n', '                "AmlOnlineEndpointConsoleLog",\n'),
    ("components/alerts.py", '"| extend ErrorPercent = 100.0 * ServerErrors / Requests",', '"| extend ErrorPercent = 100 * ServerErrors / Requests",'),
    ("components/alerts.py", 'kind="LogAlert",', 'kind="LogToMetric",'),
    ("components/alerts.py", 'severity=SEVERITY["serverErrorPercent"],', 'severity=SEVERITY["latency"],'),
    ("components/alerts.py", "enabled=True,\n            scopes=[self._log_analytics_id],", "enabled=False,\n            scopes=[self._log_analytics_id],"),
    ("components/alerts.py", 'evaluation_frequency="PT5M",', 'evaluation_frequency="PT15M",'),
    ("components/alerts.py", 'window_size="PT15M",', 'window_size="PT5M",'),
    ("components/alerts.py", "skip_query_validation=True,", "skip_query_validation=False,"),
    ("components/alerts.py", "auto_mitigate=True,\n            criteria=monitor.ScheduledQueryRuleCriteriaArgs", "auto_mitigate=False,\n            criteria=monitor.ScheduledQueryRuleCriteriaArgs"),
    ("components/alerts.py", 'time_aggregation="Maximum",', 'time_aggregation="Average",'),
    ("components/alerts.py", 'metric_measure_column="ErrorPercent",', 'metric_measure_column="ServerErrors",'),
    ("components/alerts.py", 'operator="GreaterThan",\n                        threshold=percent', 'operator="GreaterThanOrEqual",\n                        threshold=percent'),
    ("components/alerts.py", "number_of_evaluation_periods=1,", "number_of_evaluation_periods=3,"),
    ("components/alerts.py", "min_failing_periods_to_alert=1", "min_failing_periods_to_alert=2"),
]


def selected(filters: list[str]) -> list[tuple[str, str, str]]:
    return [m for m in MUTATIONS if not filters or any(f in m[0] or f in m[1] for f in filters)]


def unflipped(root: Path) -> list[str]:
    """Sites the literal listing says are asserted, that no mutation's text touches."""
    sys.path[:0] = [str(root), str(root / "tests" / "components")]
    from test_security_literals import ASSERTED, literal_spans

    missing = []
    for file, rows in ASSERTED.items():
        path = root / "components" / file
        source = path.read_bytes()
        touched = []
        for mutated, old, _ in MUTATIONS:
            if Path(mutated).name == file and source.count(old.encode()) == 1:
                start = source.index(old.encode())
                touched.append((start, start + len(old.encode())))
        for site, spans in literal_spans(source.decode()).items():
            if site in rows and not any(a < e and s < b for s, e in spans for a, b in touched):
                missing.append(f"{file}: {site}")
    return missing


def killed(root: Path, path: str, old: str, new: str) -> bool | None:
    """True if the tests fail with the mutation in place; None if the mutation no longer applies."""
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS]
    if not path:  # the unmutated baseline
        return subprocess.run(command, cwd=root, capture_output=True).returncode != 0
    source_file = root / path
    source = source_file.read_text()
    if source.count(old) != 1:
        return None
    source_file.write_text(source.replace(old, new))
    try:
        return subprocess.run(command, cwd=root, capture_output=True).returncode != 0
    finally:
        source_file.write_text(source)


def main(arguments: list[str]) -> int:
    check_only = "--check" in arguments
    mutations = selected([a for a in arguments if a != "--check"])
    with tempfile.TemporaryDirectory(prefix="mutations-") as scratch:
        workers = 1 if check_only else max(1, min(os.cpu_count() or 1, len(mutations)))
        copies = [Path(scratch) / f"copy-{n}" for n in range(workers)]
        for copy in copies:  # a snapshot of the work tree, taken once
            shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
        gaps = unflipped(copies[0])
        for gap in gaps:
            print(f"UNFLIPPED {gap}")
        if check_only:
            stale = [m for m in mutations if (copies[0] / m[0]).read_text().count(m[1]) != 1]
            for path, old, _ in stale:
                print(f"STALE    {path}: {old.strip().splitlines()[0][:80]}")
            print(f"{len(stale)} stale of {len(mutations)}; {len(gaps)} asserted sites unflipped")
            return 1 if stale or gaps else 0

        if killed(copies[0], "", "", "") is not False:
            print("the tests fail without any mutation: fix them first")
            return 1
        pending: queue.Queue = queue.Queue()
        for index, mutation in enumerate(mutations):
            pending.put((index, mutation))
        results: dict[int, bool | None] = {}
        printed = threading.Condition()

        def work(copy: Path) -> None:
            while True:
                try:
                    index, (path, old, new) = pending.get_nowait()
                except queue.Empty:
                    return
                result = killed(copy, path, old, new)
                with printed:
                    results[index] = result
                    label = {True: "killed  ", False: "SURVIVED", None: "STALE   "}[result]
                    print(f"{label} {path}: {old.strip().splitlines()[0][:80]} -> {(new.strip().splitlines() or [''])[0][:40]}", flush=True)

        threads = [threading.Thread(target=work, args=(copy,)) for copy in copies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    outcomes = list(results.values())
    print(f"{outcomes.count(True)}/{len(mutations)} mutations killed; {outcomes.count(False)} survived, "
          f"{outcomes.count(None)} stale; {len(gaps)} asserted sites unflipped")
    return 0 if all(outcomes) and not gaps else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
