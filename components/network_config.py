"""The network section of the stack config, and what Azure ML's private endpoints and outbound
rules need (zones, sub-resources, package hosts), shared by the config and the component."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, Mapping, Union

from pydantic import Field, model_validator

from components.settings import Floor, Section, one_of
from components.values import ArmId, Cidr, Fqdn, IpAddress, PrivateZoneName, arm_id, matching

# Private DNS zone of each private endpoint sub-resource (group id), Azure public cloud ("Azure
# Private Endpoint private DNS zone values").
ZONES: Mapping[str, tuple[str, ...]] = {
    # The workspace's API (online endpoints' scoring names included) and its notebooks ("Configure
    # a private endpoint for an Azure Machine Learning workspace"): one zone group holds both.
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    "blob": ("privatelink.blob.core.windows.net",),
    "file": ("privatelink.file.core.windows.net",),
    "queue": ("privatelink.queue.core.windows.net",),
    "table": ("privatelink.table.core.windows.net",),
    "vault": ("privatelink.vaultcore.azure.net",),
    "registry": ("privatelink.azurecr.io",),
    # Log Analytics and Application Insights through an Azure Monitor private link scope ("Use Azure
    # Private Link to connect networks to Azure Monitor"): the blob zone serves its agent packages.
    "azuremonitor": (
        "privatelink.monitor.azure.com",
        "privatelink.oms.opinsights.azure.com",
        "privatelink.ods.opinsights.azure.com",
        "privatelink.agentsvc.azure-automation.net",
        "privatelink.blob.core.windows.net",
    ),
}
# The sub-resources each dependency is reached through: storage by blob and file (data, studio,
# notebooks) and queue and table (parallel jobs, batch endpoints), per "Secure an Azure Machine
# Learning workspace with virtual networks". The workspace storage has no hierarchical namespace: no dfs.
TARGET_GROUPS: Mapping[str, tuple[str, ...]] = {
    "workspace": ("amlworkspace",),
    "storage": ("blob", "file", "queue", "table"),
    "keyVault": ("vault",),
    "containerRegistry": ("registry",),
}
# What image builds and `pip`/`conda` installs reach in AllowOnlyApprovedOutbound ("Managed
# network isolation", scenario: access public machine learning packages), and the host pip
# downloads packages from (files.pythonhosted.org).
PACKAGE_REPOSITORIES = (
    "pypi.org",
    "*.pythonhosted.org",
    "anaconda.com",
    "*.anaconda.com",
    "*.anaconda.org",
    "pytorch.org",
    "*.pytorch.org",
    "*.tensorflow.org",
)

RuleName = Annotated[str, matching(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}", "up to 63 letters, digits, '_' and '-' (e.g. pypi)")]
SubnetId = Annotated[
    str,
    arm_id(
        r"Microsoft\.Network/virtualNetworks/[-\w.]+/subnets/[-\w.]+",
        "a subnet resource id",
        "Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
    ),
]
VirtualNetworkId = Annotated[
    str,
    arm_id(
        r"Microsoft\.Network/virtualNetworks/[-\w.]+",
        "a virtual network resource id",
        "Microsoft.Network/virtualNetworks/<name>",
    ),
]


class FqdnRule(Section):
    type: Literal["fqdn"]
    destination: Fqdn


class ServiceTagRule(Section):
    type: Literal["serviceTag"]
    service_tag: Annotated[str, matching(r"[A-Za-z][A-Za-z0-9.]{1,79}", "an Azure service tag such as AzureMonitor or Storage.WestEurope")]
    protocol: Literal["TCP", "UDP", "ICMP", "*"] = "TCP"
    port_ranges: Annotated[
        str,
        matching(r"(\*|\d{1,5}(-\d{1,5})?)(, ?\d{1,5}(-\d{1,5})?)*", "ports such as 443, or 80, 8080-8089"),
    ] = "443"


# Private link sub-resources of the types outbound rules most often target ("What is a private
# endpoint?", private-link resource table); other types are left for Azure to judge.
SUBRESOURCES: Mapping[str, tuple[str, ...]] = {
    "microsoft.storage/storageaccounts": ("blob", "blob_secondary", "file", "queue", "table", "dfs", "dfs_secondary", "web"),
    "microsoft.keyvault/vaults": ("vault",),
    "microsoft.containerregistry/registries": ("registry",),
    "microsoft.machinelearningservices/workspaces": ("amlworkspace",),
    "microsoft.machinelearningservices/registries": ("amlregistry",),
    "microsoft.cognitiveservices/accounts": ("account",),
    "microsoft.search/searchservices": ("searchService",),
    "microsoft.sql/servers": ("sqlServer",),
}


class PrivateEndpointRule(Section):
    type: Literal["privateEndpoint"]
    resource_id: ArmId
    subresource: Annotated[str, matching(r"[a-zA-Z][a-zA-Z0-9_]{1,39}", "a private link sub-resource such as blob, dfs or registry")]

    @model_validator(mode="after")
    def _subresource_of_the_target(self) -> PrivateEndpointRule:
        provider_type = "/".join(self.resource_id.split("/providers/", 1)[1].split("/")[:2]).lower()
        known = SUBRESOURCES.get(provider_type)
        if known is not None and self.subresource not in known:
            raise ValueError(f"subresource: {provider_type} offers {', '.join(known)} (got {self.subresource!r})")
        return self


OutboundRule = Annotated[Union[FqdnRule, ServiceTagRule, PrivateEndpointRule], Field(discriminator="type")]


class HubConfig(Section):
    """A hub VNet that the stack's VNet peers with; the hub declares its own side of the peering."""

    virtual_network_id: VirtualNetworkId
    # Reach on-premises through the hub's VPN or ExpressRoute gateway (the hub allows gateway transit).
    use_remote_gateways: bool = False
    # The hub firewall's address, which the clients subnet sends internet traffic to; without it the
    # clients subnet gets a NAT gateway of its own.
    egress_next_hop: IpAddress | None = None


class NetworkConfig(Section):
    # Private endpoints for the workspace, storage, key vault and registry, with private DNS.
    private_endpoints: bool = True
    # An existing subnet for the private endpoints (a landing zone's spoke); None creates a VNet.
    subnet_id: SubnetId | None = None
    # The VNet the stack creates: the endpoints' subnet, and one for what reaches the workspace from
    # inside (a self-hosted CI runner, a jump box behind Bastion); null leaves the clients subnet out.
    address_space: Cidr = "10.60.0.0/22"
    private_endpoint_subnet: Cidr = "10.60.0.0/24"
    client_subnet: Cidr | None = "10.60.1.0/24"
    hub: HubConfig | None = None
    # The hub's private DNS zones by zone name: the stack then creates none (one zone per name can
    # serve a hub's DNS). Needed with subnetId, unless Azure Policy attaches the zone groups
    # (DeployIfNotExists): declaring them too would fight it on every refresh (AVM key vault #32,
    # AVM storage #138).
    dns_zone_ids: dict[PrivateZoneName, ArmId] = {}
    dns_zone_groups_by_policy: bool = False
    # FQDN rules for PyPI and conda, which image builds need; they bring a managed Azure Firewall
    # (Basic suffices: FQDN rules allow ports 80 and 443 only).
    package_repositories: bool = True
    firewall_sku: Literal["Basic", "Standard"] = "Basic"
    outbound_rules: dict[RuleName, OutboundRule] = {}

    environment_defaults = {
        # Dev is reached over the internet (public access with an allow-list where set); its
        # managed network allows internet outbound, so it gets no package rules anyway.
        "dev": {"privateEndpoints": False},
        # Staging and prod can be peered to one hub: their address spaces differ.
        "staging": {"addressSpace": "10.61.0.0/22", "privateEndpointSubnet": "10.61.0.0/24", "clientSubnet": "10.61.1.0/24"},
    }
    prod_floor = (Floor("privateEndpoints", one_of(True), rules=("private-endpoints",)),)

    @property
    def creates_network(self) -> bool:
        return self.private_endpoints and self.subnet_id is None

    @property
    def creates_zones(self) -> bool:
        return self.creates_network and not self.dns_zone_ids and not self.dns_zone_groups_by_policy

    @model_validator(mode="after")
    def _one_placement(self) -> NetworkConfig:
        if self.subnet_id is not None and self.hub is not None:
            raise ValueError("hub: peers the VNet the stack creates; with subnetId, the subnet's VNet is peered already")
        return self

    @model_validator(mode="after")
    def _zone_ids_name_their_zones(self) -> NetworkConfig:
        for zone, zone_id in self.dns_zone_ids.items():
            if not zone_id.lower().endswith(f"/providers/microsoft.network/privatednszones/{zone}"):
                raise ValueError(f"dnsZoneIds.{zone}: {zone_id} is not the id of private DNS zone {zone}")
        return self

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkConfig:
        if not self.creates_network:
            return self
        space = ipaddress.IPv4Network(self.address_space)
        subnets = {"privateEndpointSubnet": self.private_endpoint_subnet, "clientSubnet": self.client_subnet}
        placed: dict[str, ipaddress.IPv4Network] = {}
        for key, cidr in subnets.items():
            if cidr is None:
                continue
            subnet = ipaddress.IPv4Network(cidr)
            if not subnet.subnet_of(space):
                raise ValueError(f"{key}: {cidr} is not inside addressSpace {self.address_space}")
            for other, taken in placed.items():
                if subnet.overlaps(taken):
                    raise ValueError(f"{key}: {cidr} overlaps {other} {taken}")
            placed[key] = subnet
        # Azure keeps 5 addresses of every subnet; each private endpoint takes one.
        needed = sum(len(groups) for groups in TARGET_GROUPS.values()) + 1 + 5
        if placed["privateEndpointSubnet"].num_addresses < needed:
            raise ValueError(
                f"privateEndpointSubnet: {self.private_endpoint_subnet} has {placed['privateEndpointSubnet'].num_addresses} "
                f"addresses; the private endpoints and Azure's reserved ones need {needed} (use /27 or larger)"
            )
        return self

    def missing_zones(self, monitoring: bool) -> list[str]:
        """The zones given by id that lack one, where the stack declares zone groups but creates no zones."""
        if not self.private_endpoints or self.creates_zones or self.dns_zone_groups_by_policy:
            return []
        return [zone for zone in needed_zones(monitoring) if zone not in self.dns_zone_ids]

    def fqdn_rules(self) -> dict[str, str]:
        """Every FQDN rule by name: the package repositories' and the stack's own."""
        rules = {_rule_name(fqdn): fqdn for fqdn in PACKAGE_REPOSITORIES} if self.package_repositories else {}
        return {**rules, **{name: rule.destination for name, rule in self.outbound_rules.items() if isinstance(rule, FqdnRule)}}


def _rule_name(fqdn: str) -> str:
    """pypi.org → pypi-org, *.anaconda.org → any-anaconda-org."""
    return fqdn.replace("*.", "any-").replace(".", "-")


def needed_zones(monitoring: bool = False) -> list[str]:
    """The zones the private endpoints register in (once each), with Azure Monitor's if `monitoring`."""
    groups = [group for groups in TARGET_GROUPS.values() for group in groups] + (["azuremonitor"] if monitoring else [])
    return list(dict.fromkeys(zone for group in groups for zone in ZONES[group]))
