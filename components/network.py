"""Network isolation people and pipelines can use: private endpoints and private DNS for the closed
workspace and its data plane (inbound), and the managed network's outbound rules.

Inbound, two placements: a VNet the stack creates (a subnet for private endpoints, one for clients
such as a self-hosted runner or jump box, private DNS zones linked to it, optionally peered to a
hub), or an existing subnet and the hub's existing zones, given by id (then no zones are created,
and "zone groups by policy" leaves the zone groups to Azure Policy). Outbound rules are separate
rule resources, so the rules Azure adds to the workspace itself are never the plan's to remove.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Annotated, Literal, Mapping, Sequence, Union

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import monitor, network, privatedns
from pydantic import Field, model_validator

from components.base import CommonArgs, PlatformComponent, RoleAssignment
from components.settings import Floor, Section, one_of
from components.values import ArmId, Cidr, Fqdn, PrivateZoneName, matching

# Private DNS zone of each private endpoint sub-resource (group id), Azure public cloud ("Azure
# Private Endpoint private DNS zone values").
ZONES: Mapping[str, tuple[str, ...]] = {
    # The workspace's API and its notebooks ("Configure a private endpoint for an Azure Machine
    # Learning workspace"); the inference zone serves online endpoints reached privately.
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
# Learning workspace with virtual networks".
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

RuleName = Annotated[
    str, matching(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}", "up to 63 letters, digits, '_' and '-' (e.g. pypi)")
]


class FqdnRule(Section):
    type: Literal["fqdn"]
    destination: Fqdn


class ServiceTagRule(Section):
    type: Literal["serviceTag"]
    service_tag: Annotated[str, matching(r"[A-Za-z][A-Za-z0-9.]{1,79}", "an Azure service tag such as AzureMonitor or Storage.WestEurope")]
    protocol: Literal["TCP", "UDP", "ICMP", "*"] = "TCP"
    port_ranges: Annotated[str, matching(r"(\*|\d{1,5}(-\d{1,5})?)(,\d{1,5}(-\d{1,5})?)*", "ports such as 443 or 80,443 or 8000-8080")] = "443"


class PrivateEndpointRule(Section):
    type: Literal["privateEndpoint"]
    resource_id: ArmId
    subresource: Annotated[str, matching(r"[a-zA-Z][a-zA-Z0-9_]{1,39}", "a private link sub-resource such as blob, dfs or registry")]


OutboundRule = Annotated[Union[FqdnRule, ServiceTagRule, PrivateEndpointRule], Field(discriminator="type")]


class ExistingNetwork(Section):
    """Private endpoints in a subnet that exists (a landing zone's spoke), names resolved by the
    hub's private DNS zones."""

    subnet_id: Annotated[
        str,
        matching(
            r"(?i)/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w.()]+/providers/Microsoft\.Network/virtualNetworks/[-\w.]+/subnets/[-\w.]+",
            "a subnet resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>)",
        ),
    ]
    # The hub's zones by zone name; every zone the endpoints need, unless policy attaches them.
    dns_zone_ids: dict[PrivateZoneName, ArmId] = {}
    # Azure Policy (DeployIfNotExists) attaches zone groups to new private endpoints: declaring them
    # too would fight it on every refresh (AVM key vault #32, AVM storage #138).
    dns_zone_groups_by_policy: bool = False

    @model_validator(mode="after")
    def _zone_ids_name_their_zones(self) -> ExistingNetwork:
        for zone, zone_id in self.dns_zone_ids.items():
            if not zone_id.lower().endswith(f"/providers/microsoft.network/privatednszones/{zone}"):
                raise ValueError(f"dnsZoneIds.{zone}: {zone_id} is not the id of private DNS zone {zone}")
        return self


class NetworkConfig(Section):
    # Private endpoints for the workspace, storage, key vault and registry, with private DNS.
    private_endpoints: bool = True
    # The VNet the stack creates, unless `existing` is set.
    address_space: Cidr = "10.60.0.0/22"
    private_endpoint_subnet: Cidr = "10.60.0.0/24"
    # For what reaches the workspace from inside: a self-hosted CI runner, a jump box (with Bastion).
    client_subnet: Cidr | None = "10.60.1.0/24"
    # A hub VNet to peer with (its side of the peering is the hub's to declare).
    hub_virtual_network_id: ArmId | None = None
    existing: ExistingNetwork | None = None
    # FQDN rules for PyPI and conda, which image builds need; they bring a managed Azure Firewall.
    package_repositories: bool = True
    firewall_sku: Literal["Basic", "Standard"] = "Standard"
    outbound_rules: dict[RuleName, OutboundRule] = {}

    environment_defaults = {
        # Dev is reached over the internet (public access with an allow-list where set) and its
        # managed network allows internet outbound, which needs no rules.
        "dev": {"privateEndpoints": False, "packageRepositories": False},
        # Staging and prod can be peered to one hub: their address spaces differ.
        "staging": {"addressSpace": "10.61.0.0/22", "privateEndpointSubnet": "10.61.0.0/24", "clientSubnet": "10.61.1.0/24"},
    }
    prod_floor = (Floor("privateEndpoints", one_of(True), rules=("private-endpoints",)),)

    @model_validator(mode="after")
    def _one_placement(self) -> NetworkConfig:
        if self.existing is not None and self.hub_virtual_network_id is not None:
            raise ValueError("hubVirtualNetworkId: peers the VNet the stack creates; with existing, the subnet's VNet is peered already")
        return self

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkConfig:
        if not self.private_endpoints or self.existing is not None:
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
        # Azure keeps 5 addresses of every subnet; each private endpoint takes one (or more).
        needed = sum(len(groups) for groups in TARGET_GROUPS.values()) + 5
        if placed["privateEndpointSubnet"].num_addresses < needed:
            raise ValueError(
                f"privateEndpointSubnet: {self.private_endpoint_subnet} has {placed['privateEndpointSubnet'].num_addresses} "
                f"addresses; the private endpoints and Azure's reserved ones need {needed} (use /27 or larger)"
            )
        return self

    def missing_zones(self, monitoring: bool) -> list[str]:
        """The zones an existing network gives no id for, where this stack declares the zone groups."""
        existing = self.existing
        if existing is None or existing.dns_zone_groups_by_policy or not self.private_endpoints:
            return []
        return [zone for zone in needed_zones(monitoring) if zone not in existing.dns_zone_ids]

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


@dataclass(frozen=True)
class NetworkTarget:
    """A resource reached through private endpoints: its ARM id and its Azure name (known before deployment)."""

    id: pulumi.Input[str]
    name: str


@dataclass(frozen=True)
class NetworkDependencies:
    # By TARGET_GROUPS key; a registry below Premium has no private endpoints (it is public anyway).
    targets: Mapping[str, NetworkTarget]
    workspace_name: pulumi.Input[str]
    workspace_principal_id: pulumi.Input[str]
    isolation_mode: str
    # Datastores on other accounts, by key: (account id, sub-resources). The managed network
    # reaches them through private endpoints of its own.
    external_storage: Mapping[str, tuple[str, Sequence[str]]] = field(default_factory=dict)
    # Log Analytics and Application Insights, when their public ingestion or query is closed: then
    # they are reached through an Azure Monitor private link scope.
    monitoring: Sequence[pulumi.Input[str]] = ()


class Network(PlatformComponent):
    private_endpoints: dict[str, network.PrivateEndpoint]

    def __init__(self, name: str, common: CommonArgs, settings: NetworkConfig, dependencies: NetworkDependencies):
        super().__init__("azureml-platform:network:Network", name, common)
        self._name, self._settings, self._dependencies = name, settings, dependencies
        self._targets = dependencies.targets
        self.private_endpoints, outputs = {}, {}
        if settings.private_endpoints:
            subnet_id, zone_ids, outputs = self._placement(name)
            for target_key, groups in TARGET_GROUPS.items():
                if target_key not in dependencies.targets:
                    continue
                for group in groups:
                    self.private_endpoints[f"{target_key}-{group}"] = self._private_endpoint(target_key, group, subnet_id, zone_ids)
            if dependencies.monitoring:
                scope, scope_name = self._monitor_scope(name)
                self._targets = {**dependencies.targets, "monitoring": NetworkTarget(scope.id, scope_name)}
                self.private_endpoints["monitoring-azuremonitor"] = self._private_endpoint("monitoring", "azuremonitor", subnet_id, zone_ids)
            outputs["privateEndpoints"] = {key: endpoint.id for key, endpoint in self.private_endpoints.items()}
        self._outbound_rules(name)
        self.finish({"network": outputs})

    # --- inbound ---

    def _placement(self, name: str) -> tuple[pulumi.Input[str], Mapping[str, pulumi.Input[str]] | None, dict]:
        """The subnet private endpoints go in and the zone ids by zone name (None: policy attaches them)."""
        settings, context = self._settings, self.context
        existing = settings.existing
        if existing is not None:
            zone_ids = None if existing.dns_zone_groups_by_policy else existing.dns_zone_ids
            return existing.subnet_id, zone_ids, {"privateEndpointSubnetId": existing.subnet_id}
        vnet = self.declare(
            network.VirtualNetwork,
            f"{name}-vnet",
            virtual_network_name=context.names.virtual_network,
            **context.placement,
            address_space=network.AddressSpaceArgs(address_prefixes=[settings.address_space]),
            # The subnets are resources of their own: the VNet must not claim (and drop) them.
            ignore_changes=("subnets",),
        )
        subnets = {"private-endpoints": settings.private_endpoint_subnet, "clients": settings.client_subnet}
        declared = {
            key: self.declare(
                network.Subnet,
                f"{name}-{key}-subnet",
                subnet_name=key,
                virtual_network_name=vnet.name,
                resource_group_name=context.resource_group_name,
                address_prefix=cidr,
                # No outbound internet by default (the platform's default outbound access retires in 2025).
                default_outbound_access=False,
                private_endpoint_network_policies="Disabled",
            )
            for key, cidr in subnets.items()
            if cidr is not None
        }
        if settings.hub_virtual_network_id:
            self.declare(
                network.VirtualNetworkPeering,
                f"{name}-hub-peering",
                virtual_network_peering_name="to-hub",
                virtual_network_name=vnet.name,
                resource_group_name=context.resource_group_name,
                remote_virtual_network=network.SubResourceArgs(id=settings.hub_virtual_network_id),
                allow_virtual_network_access=True,
                allow_forwarded_traffic=True,
            )
        zones = {zone: self._zone(name, zone, vnet) for zone in needed_zones(monitoring=bool(self._dependencies.monitoring))}
        outputs = {
            "virtualNetworkId": vnet.id,
            "privateEndpointSubnetId": declared["private-endpoints"].id,
            **({"clientSubnetId": declared["clients"].id} if "clients" in declared else {}),
            "dnsZones": {zone: created.id for zone, created in zones.items()},
        }
        return declared["private-endpoints"].id, {zone: created.id for zone, created in zones.items()}, outputs

    def _zone(self, name: str, zone: str, vnet: network.VirtualNetwork) -> privatedns.PrivateZone:
        context = self.context
        key = zone.removeprefix("privatelink.").replace(".", "-")
        created = self.declare(
            privatedns.PrivateZone,
            f"{name}-zone-{key}",
            private_zone_name=zone,
            resource_group_name=context.resource_group_name,
            location="global",
            tags=context.tags,
        )
        self.declare(
            privatedns.VirtualNetworkLink,
            f"{name}-zone-{key}-link",
            virtual_network_link_name=context.names.virtual_network,
            private_zone_name=created.name,
            resource_group_name=context.resource_group_name,
            location="global",
            tags=context.tags,
            virtual_network=privatedns.SubResourceArgs(id=vnet.id),
            registration_enabled=False,
        )
        return created

    def _private_endpoint(
        self, target_key: str, group: str, subnet_id: pulumi.Input[str], zone_ids: Mapping[str, pulumi.Input[str]] | None
    ) -> network.PrivateEndpoint:
        context, target = self.context, self._targets[target_key]
        endpoint_name = context.names.instance("private_endpoint", f"pe-{target.name}-{group}")
        endpoint = self.declare(
            network.PrivateEndpoint,
            f"{self._name}-{target_key}-{group}",
            private_endpoint_name=endpoint_name,
            custom_network_interface_name=f"{endpoint_name}-nic",
            **context.placement,
            subnet=network.SubnetArgs(id=subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(name=endpoint_name, private_link_service_id=target.id, group_ids=[group])
            ],
        )
        if zone_ids is not None:
            self.declare(
                network.PrivateDnsZoneGroup,
                f"{self._name}-{target_key}-{group}-dns",
                private_dns_zone_group_name="default",
                private_endpoint_name=endpoint.name,
                resource_group_name=context.resource_group_name,
                private_dns_zone_configs=[
                    network.PrivateDnsZoneConfigArgs(name=zone.replace(".", "-"), private_dns_zone_id=zone_ids[zone])
                    for zone in ZONES[group]
                ],
            )
        return endpoint

    def _monitor_scope(self, name: str) -> tuple[monitor.PrivateLinkScope, str]:
        """An Azure Monitor private link scope over Log Analytics and Application Insights. Open access
        modes, as Azure ML requires ("Secure workspace resources": Azure Monitor), so resources outside
        the scope stay reachable from networks that share its DNS."""
        context = self.context
        scope_name = f"ampls-{context.names.workspace.removeprefix('mlw-')}"
        scope = self.declare(
            monitor.PrivateLinkScope,
            f"{name}-monitor-scope",
            scope_name=scope_name,
            resource_group_name=context.resource_group_name,
            location="global",
            tags=context.tags,
            access_mode_settings=monitor.AccessModeSettingsArgs(ingestion_access_mode="Open", query_access_mode="Open"),
        )
        for index, resource_id in enumerate(self._dependencies.monitoring):
            self.declare(
                monitor.PrivateLinkScopedResource,
                f"{name}-monitor-scope-{index}",
                name=pulumi.Output.from_input(resource_id).apply(lambda rid: rid.rsplit("/", 1)[-1]),
                scope_name=scope.name,
                resource_group_name=context.resource_group_name,
                linked_resource_id=resource_id,
            )
        return scope, scope_name

    # --- outbound ---

    def _outbound_rules(self, name: str) -> None:
        settings, dependencies = self._settings, self._dependencies
        mode = dependencies.isolation_mode
        if mode == "Disabled":
            return
        rules: dict[str, ml.FqdnOutboundRuleArgs | ml.ServiceTagOutboundRuleArgs | ml.PrivateEndpointOutboundRuleArgs] = {}
        if mode == "AllowOnlyApprovedOutbound":
            rules |= {key: ml.FqdnOutboundRuleArgs(type="FQDN", destination=fqdn, category="UserDefined")
                      for key, fqdn in settings.fqdn_rules().items()}
        endpoints: dict[str, tuple[str, str]] = {}
        for key, (account, subresources) in dependencies.external_storage.items():
            for subresource in subresources:
                if (account, subresource) not in endpoints.values():  # one endpoint per account and sub-resource
                    endpoints[f"datastore-{key}-{subresource}"] = (account, subresource)
        for key, rule in settings.outbound_rules.items():
            if isinstance(rule, ServiceTagRule):
                rules[key] = ml.ServiceTagOutboundRuleArgs(
                    type="ServiceTag",
                    category="UserDefined",
                    destination=ml.ServiceTagDestinationArgs(
                        service_tag=rule.service_tag, protocol=rule.protocol, port_ranges=rule.port_ranges, action="Allow"
                    ),
                )
            elif isinstance(rule, PrivateEndpointRule):
                endpoints[key] = (rule.resource_id, rule.subresource)
        for key, (resource_id, subresource) in endpoints.items():
            rules[key] = ml.PrivateEndpointOutboundRuleArgs(
                type="PrivateEndpoint",
                category="UserDefined",
                destination=ml.PrivateEndpointDestinationArgs(
                    service_resource_id=resource_id, subresource_target=subresource, spark_enabled=False
                ),
            )
        # Since April 2025 the workspace identity approves the managed network's private endpoints
        # itself, which needs the approver role on each target ("Managed network isolation").
        for resource_id in dict.fromkeys(resource_id for resource_id, _ in endpoints.values()):
            approver = RoleAssignment.for_identity(
                dependencies.workspace_principal_id, "Azure AI Enterprise Network Connection Approver", "Azure ML managed network"
            )
            self.assign_roles(f"outbound-{resource_id.rsplit('/', 1)[-1]}", resource_id, [approver])
        # One at a time: rules written in parallel delete each other (Azure/terraform-provider-azapi#453).
        previous: list[pulumi.Resource] = []
        for key, properties in rules.items():
            previous = [
                self.declare(
                    ml.ManagedNetworkSettingsRule,
                    f"{name}-outbound-{key}",
                    depends_on=previous,
                    rule_name=key,
                    workspace_name=dependencies.workspace_name,
                    resource_group_name=self.context.resource_group_name,
                    properties=properties,
                )
            ]
