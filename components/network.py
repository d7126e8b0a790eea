"""Network isolation people and pipelines can use: private endpoints and private DNS for the closed
workspace and its data plane (inbound), and the managed network's outbound rules.

Inbound, two placements: a VNet the stack creates (a subnet for private endpoints, one for clients
such as a self-hosted runner or jump box, with an egress path, optionally peered to a hub), or an
existing subnet. Names resolve through private DNS zones the stack creates and links to its VNet,
or the hub's, given by id (or Azure Policy attaches the zone groups). Outbound rules are separate
rule resources, so the rules Azure adds to the workspace itself are never the plan's to remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import monitor, network, privatedns

from components.base import CommonArgs, PlatformComponent, RoleAssignment
from components.network_config import TARGET_GROUPS, ZONES, NetworkConfig, PrivateEndpointRule, ServiceTagRule, needed_zones

# Each outbound rule may take long: the first FQDN rule builds the managed firewall (about 10
# minutes, after the network's own ~30), and the rules go one at a time.
RULE_TIMEOUT = "60m"


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
        self._targets = dict(dependencies.targets)
        self.private_endpoints, outputs = {}, {}
        if settings.private_endpoints:
            subnet_id, outputs = self._subnet(name) if settings.creates_network else (settings.subnet_id, {})
            zone_ids = self._zone_ids(name, outputs.get("virtualNetworkId"))
            if zone_ids and settings.creates_zones:
                outputs["dnsZones"] = zone_ids
            if dependencies.monitoring:
                scope, scope_name = self._monitor_scope(name)
                self._targets["monitoring"] = NetworkTarget(scope.id, scope_name)
            for target_key, groups in {**TARGET_GROUPS, "monitoring": ("azuremonitor",)}.items():
                for group in groups if target_key in self._targets else ():
                    self.private_endpoints[f"{target_key}-{group}"] = self._private_endpoint(target_key, group, subnet_id, zone_ids)
            outputs["privateEndpointSubnetId"] = subnet_id
            outputs["privateEndpoints"] = {key: endpoint.id for key, endpoint in self.private_endpoints.items()}
        self._outbound_rules(name)
        self.finish({"network": outputs})

    # --- inbound ---

    def _subnet(self, name: str) -> tuple[pulumi.Input[str], dict]:
        """The VNet the stack creates; the subnet private endpoints go in, and the outputs."""
        settings, context = self._settings, self.context
        vnet = self.declare(
            network.VirtualNetwork,
            f"{name}-vnet",
            virtual_network_name=context.names.virtual_network,
            **context.placement,
            address_space=network.AddressSpaceArgs(address_prefixes=[settings.address_space]),
            # The subnets are resources of their own: the VNet must not claim (and drop) them.
            ignore_changes=("subnets",),
        )
        outputs: dict = {"virtualNetworkId": vnet.id}
        endpoints = self._subnet_in(vnet, "private-endpoints", settings.private_endpoint_subnet, after=[])
        if settings.client_subnet is not None:
            # A subnet is written through its VNet: two at once fail with AnotherOperationInProgress
            # (pulumi-azure-native#699), so the clients subnet comes second.
            clients = self._subnet_in(vnet, "clients", settings.client_subnet, after=[endpoints], egress=True)
            outputs["clientSubnetId"] = clients.id
        if settings.hub is not None:
            self.declare(
                network.VirtualNetworkPeering,
                f"{name}-hub-peering",
                virtual_network_peering_name="to-hub",
                virtual_network_name=vnet.name,
                resource_group_name=context.resource_group_name,
                remote_virtual_network=network.SubResourceArgs(id=settings.hub.virtual_network_id),
                allow_virtual_network_access=True,
                allow_forwarded_traffic=True,
                use_remote_gateways=settings.hub.use_remote_gateways,
            )
        return endpoints.id, outputs

    def _subnet_in(
        self, vnet: network.VirtualNetwork, key: str, cidr: str, *, after: Sequence[pulumi.Resource], egress: bool = False
    ) -> network.Subnet:
        """A subnet with its own NSG (landing zones deny subnets without one); with `egress`, a way
        out to the internet: a CI runner or jump box signs in, reaches GitHub, PyPI and studio."""
        context = self.context
        nsg = self.declare(
            network.NetworkSecurityGroup,
            f"{self._name}-{key}-nsg",
            network_security_group_name=f"nsg-{context.names.virtual_network}-{key}",
            **context.placement,
        )
        return self.declare(
            network.Subnet,
            f"{self._name}-{key}-subnet",
            depends_on=after,
            subnet_name=key,
            virtual_network_name=vnet.name,
            resource_group_name=context.resource_group_name,
            address_prefix=cidr,
            network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
            # No implicit outbound access (retired for new subnets): egress is declared or absent.
            default_outbound_access=False,
            private_endpoint_network_policies="Disabled",
            **(self._egress(key) if egress else {}),
        )

    def _egress(self, key: str) -> dict:
        """Through the hub's firewall where it is given, else a NAT gateway of the subnet's own."""
        context, hub = self.context, self._settings.hub
        if hub is not None and hub.egress_next_hop is not None:
            routes = self.declare(
                network.RouteTable,
                f"{self._name}-{key}-routes",
                route_table_name=f"rt-{context.names.virtual_network}-{key}",
                **context.placement,
                routes=[
                    network.RouteArgs(
                        name="internet-through-hub", address_prefix="0.0.0.0/0",
                        next_hop_type="VirtualAppliance", next_hop_ip_address=hub.egress_next_hop,
                    )
                ],
            )
            return {"route_table": network.RouteTableArgs(id=routes.id)}
        address = self.declare(
            network.PublicIPAddress,
            f"{self._name}-{key}-egress-ip",
            public_ip_address_name=f"pip-{context.names.virtual_network}-{key}",
            **context.placement,
            sku=network.PublicIPAddressSkuArgs(name="Standard"),
            public_ip_allocation_method="Static",
        )
        gateway = self.declare(
            network.NatGateway,
            f"{self._name}-{key}-nat",
            nat_gateway_name=f"ng-{context.names.virtual_network}-{key}",
            **context.placement,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            public_ip_addresses=[network.SubResourceArgs(id=address.id)],
        )
        return {"nat_gateway": network.SubResourceArgs(id=gateway.id)}

    def _zone_ids(self, name: str, vnet_id: pulumi.Input[str] | None) -> dict[str, pulumi.Input[str]] | None:
        """Zone ids by zone name: the ones the stack creates, or the hub's; None where policy attaches them."""
        settings = self._settings
        if settings.dns_zone_groups_by_policy:
            return None
        if not settings.creates_zones:
            return dict(settings.dns_zone_ids)
        return {zone: self._zone(name, zone, vnet_id).id for zone in needed_zones(monitoring=bool(self._dependencies.monitoring))}

    def _zone(self, name: str, zone: str, vnet_id: pulumi.Input[str]) -> privatedns.PrivateZone:
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
            virtual_network=privatedns.SubResourceArgs(id=vnet_id),
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
                        service_tag=rule.service_tag, protocol=rule.protocol, port_ranges=rule.port_ranges.replace(" ", ""),
                        action="Allow",
                    ),
                )
            elif isinstance(rule, PrivateEndpointRule):
                endpoints[key] = (rule.resource_id, rule.subresource)
        approvals = self._approvals(endpoints.values())
        for key, (resource_id, subresource) in endpoints.items():
            rules[key] = ml.PrivateEndpointOutboundRuleArgs(
                type="PrivateEndpoint",
                category="UserDefined",
                destination=ml.PrivateEndpointDestinationArgs(
                    service_resource_id=resource_id, subresource_target=subresource, spark_enabled=False
                ),
            )
        # One at a time: rules written in parallel delete each other (Azure/terraform-provider-azapi#453);
        # the first waits for the approvals its endpoints need.
        previous: list[pulumi.Resource] = approvals
        for key, properties in rules.items():
            previous = [
                self.declare(
                    ml.ManagedNetworkSettingsRule,
                    f"{name}-outbound-{key}",
                    depends_on=previous,
                    timeouts=pulumi.CustomTimeouts(create=RULE_TIMEOUT, update=RULE_TIMEOUT, delete=RULE_TIMEOUT),
                    rule_name=key,
                    workspace_name=dependencies.workspace_name,
                    resource_group_name=self.context.resource_group_name,
                    properties=properties,
                )
            ]

    def _approvals(self, endpoints: Sequence[tuple[str, str]]) -> list[pulumi.Resource]:
        """Since April 2025 the workspace identity approves the managed network's private endpoints to
        resources outside the workspace itself, which needs the approver role on each ("Managed
        network isolation", approval of private endpoints)."""
        approver = RoleAssignment.for_identity(
            self._dependencies.workspace_principal_id, "Azure AI Enterprise Network Connection Approver", "Azure ML managed network"
        )
        targets = dict.fromkeys(resource_id for resource_id, _ in endpoints)
        return [grant for target in targets for grant in self.assign_roles(f"outbound-{target.rsplit('/', 1)[-1]}", target, [approver])]
