"""The stack's configuration: one typed model, composed of the sections that live beside their
components, validated as a whole before any resource is declared.

The model's own defaults are the security baseline (what prod gets). Other environments deviate
only through each section's `environment_defaults`, each deviation with its reason, and prod is
refused if its config falls below the sections' `prod_floor` (components/settings.py).
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Collection, Literal, Mapping

from pydantic import Field, TypeAdapter, ValidationError, model_validator

from components.access import PersonasConfig, RoleAssignmentConfig
from components.alerts import AlertsConfig
from components.base import Lock
from components.compute import DEFAULT_COMPUTES, IMAGE_BUILDER, ClusterConfig, Computes
from components.container_registry import ContainerRegistryConfig
from components.data import (
    DEFAULT_DATASTORES,
    DEV_DATA_ASSETS,
    SYSTEM_DATASTORES,
    ContainerName,
    DataAssets,
    Datastores,
    container_name,
)
from components.endpoints_config import Endpoints
from components.key_vault import KeyVaultConfig
from components.monitoring import MonitoringConfig
from components.network_config import FqdnRule, NetworkConfig, ServiceTagRule
from components.settings import ENVIRONMENTS, ConfigError, Floor, Section, load_settings, one_of
from components.storage import StorageConfig
from components.values import Location, NameSuffix, Prefix, ResourceGroupName, TagKey, TagValue, refuse_names_equal_but_for_case
from components.workspace import WorkspaceConfig

PROJECT = "azureml-platform"
Environment = Literal["dev", "staging", "prod"]


class StackConfig(Section):
    environment: Environment
    location: Location
    prefix: Prefix = "mlp"
    name_suffix: NameSuffix | None = None
    existing_resource_group: ResourceGroupName | None = None
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, max_length=40)
    # ReadOnly is not offered: it stops the workspace from creating computes and jobs.
    lock: Lock = "CanNotDelete"
    protect: bool = True
    diagnostics: bool = True
    personas: PersonasConfig = PersonasConfig()
    role_assignments: tuple[RoleAssignmentConfig, ...] = ()
    workspace: WorkspaceConfig = WorkspaceConfig()
    storage: StorageConfig = StorageConfig()
    key_vault: KeyVaultConfig = KeyVaultConfig()
    container_registry: ContainerRegistryConfig = ContainerRegistryConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    # Compute targets by key: the cluster's Azure name, or the start of the instance's (components/compute.py).
    computes: Computes = Field(default={**DEFAULT_COMPUTES, "image-builder": IMAGE_BUILDER}, validate_default=True)
    # Datastores by key, which is also the datastore's Azure name (components/data.py).
    datastores: Datastores = Field(default=DEFAULT_DATASTORES, validate_default=True)
    # Data assets by name, each with its versions.
    data_assets: DataAssets = {}
    network: NetworkConfig = NetworkConfig()
    # Managed online endpoints by key, the start of the endpoint's Azure name (components/endpoints.py).
    endpoints: Endpoints = {}
    alerts: AlertsConfig = AlertsConfig()

    environment_defaults = {
        # Staging rehearses prod's network and data protection, but can be torn down freely.
        "staging": {"lock": "None", "protect": False},
        # Dev is for working in: reachable from a laptop, cheap, disposable. Its open registry
        # builds images itself (no image-build cluster), and it has the sample data.
        "dev": {"lock": "None", "protect": False, "computes": {"image-builder": None}, "dataAssets": DEV_DATA_ASSETS},
    }
    prod_floor = (
        Floor("lock", one_of("CanNotDelete"), rules=("lock",)),
        Floor("protect", one_of(True), rules=("protect",)),
        Floor("diagnostics", one_of(True), rules=("diagnostics",)),
    )

    @model_validator(mode="after")
    def _closed_registry_needs_build_compute(self) -> StackConfig:
        closed = self.container_registry.network.public_network_access == "Disabled"
        if closed and self.workspace.image_build_compute is None:
            raise ValueError(
                "workspace.imageBuildCompute: required while containerRegistry.network.publicNetworkAccess "
                "is Disabled (a closed registry cannot build images)"
            )
        return self

    @property
    def managed_firewall_sku(self) -> str | None:
        """The managed firewall's SKU, where FQDN outbound rules bring one (approved-only outbound)."""
        approved_only = self.workspace.isolation_mode == "AllowOnlyApprovedOutbound"
        return self.network.firewall_sku if approved_only and self.network.fqdn_rules() else None

    def external_storage(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Datastores on other accounts, by key: (account id, the sub-resources they are reached by)."""
        return {
            key: (store.storage_account_id, ("blob", "dfs") if store.type == "adlsGen2" else ("blob",))
            for key, store in self.datastores.items()
            if store.storage_account_id
        }

    @property
    def deployment_egress(self) -> str:
        """Online deployments' egressPublicNetworkAccess. In a managed network the flag no longer applies
        (the network's outbound rules do; "Network isolation with managed online endpoints": avoid
        setting it) and azure-native sends Enabled when it is unset, as the SDK does. Without one, a
        closed workspace keeps its deployments' egress closed too (the legacy isolation)."""
        closed = self.workspace.isolation_mode == "Disabled" and self.workspace.public_network_access == "Disabled"
        return "Disabled" if closed else "Enabled"

    @property
    def monitoring_closed(self) -> bool:
        """Whether Log Analytics and Application Insights are reached only privately."""
        monitoring = self.monitoring
        return "Disabled" in (monitoring.public_network_access_for_ingestion, monitoring.public_network_access_for_query)

    @model_validator(mode="after")
    def _network_fits_the_workspace(self) -> StackConfig:
        mode, network = self.workspace.isolation_mode, self.network
        if self.monitoring_closed and not network.private_endpoints:
            raise ValueError(
                "monitoring.publicNetworkAccessForIngestion/ForQuery: Disabled needs network.privateEndpoints (an Azure "
                "Monitor private link scope is the only way in then)"
            )
        missing = network.missing_zones(monitoring=self.monitoring_closed)
        if missing:
            raise ValueError(
                f"network.dnsZoneIds: no id for {', '.join(missing)}; give the hub's zone ids, or set "
                "dnsZoneGroupsByPolicy: true if Azure Policy attaches the zone groups"
            )
        for key, endpoint in self.endpoints.items():
            if endpoint.public_network_access == "Disabled" and not network.private_endpoints:
                raise ValueError(
                    f"endpoints.{key}.publicNetworkAccess: Disabled needs network.privateEndpoints (scoring requests reach a "
                    "closed endpoint through the workspace's private endpoint)"
                )
        for name, rule in network.outbound_rules.items():
            if mode == "Disabled":
                raise ValueError(f"network.outboundRules.{name}: the workspace has no managed network (workspace.isolationMode Disabled)")
            if isinstance(rule, (FqdnRule, ServiceTagRule)) and mode != "AllowOnlyApprovedOutbound":
                raise ValueError(
                    f"network.outboundRules.{name}: {rule.type} rules apply only with workspace.isolationMode "
                    f"AllowOnlyApprovedOutbound ({mode} already allows internet outbound)"
                )
        return self

    @model_validator(mode="after")
    def _image_build_compute_exists(self) -> StackConfig:
        wanted = self.workspace.image_build_compute
        if wanted is not None and not isinstance(self.computes.get(wanted), ClusterConfig):
            clusters = ", ".join(key for key, c in self.computes.items() if isinstance(c, ClusterConfig)) or "none"
            raise ValueError(
                f"workspace.imageBuildCompute: names '{wanted}', which is not a cluster in computes "
                f"(clusters: {clusters}); add computes.{wanted} with type: cluster, or name one of them"
            )
        return self

    @model_validator(mode="after")
    def _datastores_valid(self) -> StackConfig:
        for key, store in self.datastores.items():
            if key in SYSTEM_DATASTORES:
                raise ValueError(f"datastores.{key}: Azure ML creates and owns this datastore; choose another name")
            if store.container is None and not _valid(ContainerName, container_name(key, store)):
                raise ValueError(
                    f"datastores.{key}.container: required, as '{container_name(key, store)}' is not a valid "
                    "container name (3-63 lowercase letters, digits and single hyphens)"
                )
        for name, asset in self.data_assets.items():
            for version, settings in asset.versions.items():
                if settings.datastore not in self.datastores and settings.datastore != "workspaceblobstore":
                    known = ", ".join([*self.datastores, "workspaceblobstore"])
                    raise ValueError(
                        f"dataAssets.{name}.versions.{version}.datastore: no datastore '{settings.datastore}' (datastores: {known})"
                    )
        return self

    @model_validator(mode="after")
    def _compute_names_unique(self) -> StackConfig:
        refuse_names_equal_but_for_case("computes", self.computes)
        return self


def _valid(annotation: Any, value: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return False
    return True


def load_config(raw: Mapping[str, Any], stack: str, secret_keys: Collection[str] = ()) -> StackConfig:
    """Validate the stack's config: every key of the stack (strings as Pulumi delivers them), of
    which the `azureml-platform:*` keys are the platform's. No error shows the value of a secret key."""
    try:
        return _validated(raw, stack)
    except ConfigError as error:
        raise ConfigError(_without_secret_values(str(error), secret_keys)) from None


def _validated(raw: Mapping[str, Any], stack: str) -> StackConfig:
    misplaced = _misplaced_keys(raw)
    if misplaced:
        raise ConfigError("\n".join(misplaced))
    values = _parse_values(raw)
    environment = values.get("environment", stack)
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"{PROJECT}:environment: required for stack '{stack}' and must be one of "
            f"{', '.join(ENVIRONMENTS)} (got {environment!r})"
        )
    if stack in ENVIRONMENTS and environment != stack:
        # Otherwise a stack named prod could leave the prod floor by declaring itself staging.
        raise ConfigError(
            f"{PROJECT}:environment: stack '{stack}' is the {stack} environment (got {environment!r}); "
            "a stack with another environment needs another name"
        )
    return load_settings(StackConfig, {**values, "environment": environment}, environment, namespace=PROJECT)


def _misplaced_keys(raw: Mapping[str, Any]) -> list[str]:
    """Keys under a near miss of the platform's namespace (`azureml-platfrom:lock`), which nothing
    would read. Other namespaces belong to others (`azure-native:location`, a provider's)."""
    problems = []
    for key in raw:
        namespace, _, name = key.partition(":")
        if namespace != PROJECT and difflib.get_close_matches(namespace.lower(), [PROJECT], cutoff=0.8):
            problems.append(f"{key}: unknown namespace '{namespace}'; did you mean '{PROJECT}:{name}'?")
    return problems


# How an error line quotes the value at fault: "... (got 'x')", or for the prod floor "..., got "x"".
_QUOTED_VALUE = re.compile(r"(?: \(got |, got ).*$")


def _without_secret_values(message: str, secret_keys: Collection[str]) -> str:
    """message with the quoted value cut from each line about a secret key (issue #10)."""
    if not secret_keys:
        return message
    about_secret = re.compile(rf"(?:{'|'.join(map(re.escape, secret_keys))})(?:[.\[:]|$)")
    return "\n".join(
        _QUOTED_VALUE.sub(" (got [secret])", line) if about_secret.match(line) else line for line in message.splitlines()
    )


def _parse_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The platform's keys without their namespace, JSON objects/lists decoded, as `Config.get_object` would."""
    values = {}
    for key, value in raw.items():
        namespace, _, name = key.partition(":")
        if namespace != PROJECT:
            continue
        if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as error:
                raise ConfigError(f"{PROJECT}:{name}: not valid JSON ({error.msg})") from None
        values[name] = value
    return values
