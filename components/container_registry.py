"""The workspace's container registry: no admin user or anonymous pull; Premium features per environment."""

from __future__ import annotations

from typing import Literal

from pulumi_azure_native import containerregistry
from pydantic import Field, model_validator

from components.base import CommonArgs, PlatformComponent
from components.settings import Floor, Section, at_least, one_of
from components.values import OPEN_NETWORK, NetworkAccess


class ContainerRegistryConfig(Section):
    sku: Literal["Basic", "Standard", "Premium"] = "Premium"
    zone_redundancy: bool = True
    untagged_retention_days: int = Field(default=7, ge=0, le=365)
    # Off by default: a quarantined image cannot be pulled until a scanner releases it, which
    # blocks the environment images Azure ML builds and pushes itself.
    quarantine_policy: bool = False
    network: NetworkAccess = NetworkAccess()

    # Basic has no network rules, zones or policies; dev images need none of them.
    environment_defaults = {
        "dev": {"sku": "Basic", "zoneRedundancy": False, "network": OPEN_NETWORK}
    }
    prod_floor = (
        Floor("sku", one_of("Premium"), rules=("registry-premium",)),
        Floor("network.publicNetworkAccess", one_of("Disabled"), rules=("registry-public-network-disabled",)),
        Floor("zoneRedundancy", one_of(True), rules=("registry-zone-redundant",)),
        Floor("untaggedRetentionDays", at_least(1), rules=("registry-retention",)),
    )

    @model_validator(mode="after")
    def _premium_features(self) -> ContainerRegistryConfig:
        if self.sku == "Premium":
            return self
        premium_only = {
            "zoneRedundancy": self.zone_redundancy,
            "quarantinePolicy": self.quarantine_policy,
            "network.publicNetworkAccess=Disabled": self.network.public_network_access == "Disabled",
            "network.defaultAction=Deny": self.network.default_action == "Deny",
            "network.allowedIpRanges": bool(self.network.allowed_ip_ranges),
        }
        used = [key for key, on in premium_only.items() if on]
        if used:
            raise ValueError(f"sku {self.sku} does not support {', '.join(used)}: use sku Premium or turn them off")
        return self


class ContainerRegistry(PlatformComponent):
    registry: containerregistry.Registry

    def __init__(self, name: str, common: CommonArgs, settings: ContainerRegistryConfig):
        super().__init__("azureml-platform:containerregistry:ContainerRegistry", name, common)
        context = self.context
        premium = settings.sku == "Premium"
        self.registry = self.declare(
            containerregistry.Registry,
            name,
            stateful=True,
            moved_from="ml-container-registry",
            registry_name=context.names.container_registry,
            **context.placement,
            sku=containerregistry.SkuArgs(name=settings.sku),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access=settings.network.public_network_access,
            network_rule_bypass_options="AzureServices",
            network_rule_set=_network_rules(settings.network) if premium else None,
            zone_redundancy="Enabled" if settings.zone_redundancy else "Disabled",
            policies=_policies(settings) if premium else None,
        )
        self.grant_people("containerRegistry", self.registry.id, moved=True)
        self.finish(
            {
                "containerRegistry": {
                    "name": self.registry.name,
                    "id": self.registry.id,
                    "loginServer": self.registry.login_server,
                }
            }
        )


def _network_rules(network: NetworkAccess) -> containerregistry.NetworkRuleSetArgs:
    return containerregistry.NetworkRuleSetArgs(
        default_action=network.default_action,
        ip_rules=[
            containerregistry.IPRuleArgs(i_p_address_or_range=ip, action="Allow") for ip in network.allowed_ip_ranges
        ],
    )


def _policies(settings: ContainerRegistryConfig) -> containerregistry.PoliciesArgs:
    def status(enabled: bool) -> str:
        return "enabled" if enabled else "disabled"

    return containerregistry.PoliciesArgs(
        retention_policy=containerregistry.RetentionPolicyArgs(
            status=status(settings.untagged_retention_days > 0), days=settings.untagged_retention_days
        ),
        # No trust policy: Docker Content Trust is deprecated (aka.ms/acr/dctdeprecation, removal
        # 2028-03-31) and new registries that ask for it are refused (ContentTrustUnsupported).
        # Notation signing replaces it; the registry holds signatures as OCI artifacts.
        quarantine_policy=containerregistry.QuarantinePolicyArgs(status=status(settings.quarantine_policy)),
        # Images may not leave a registry that is closed to the internet.
        export_policy=containerregistry.ExportPolicyArgs(
            status=status(settings.network.public_network_access == "Enabled")
        ),
    )
