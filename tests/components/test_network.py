"""Network isolation in the plan: private endpoints and private DNS for every closed dependency
(in a VNet the stack creates, or an existing subnet with the hub's zones), and the managed
network's outbound rules; bad network config refused naming the key."""

import pytest

from components.config import load_config
from components.settings import ConfigError
from policies.baseline import check_plan
from preview.capture import capture_plan
from preview.stackfile import load_stack_config

NS = "azureml-platform"
VNET, SUBNET = "azure-native:network:VirtualNetwork", "azure-native:network:Subnet"
ENDPOINT, ZONE_GROUP = "azure-native:network:PrivateEndpoint", "azure-native:network:PrivateDnsZoneGroup"
ZONE, LINK = "azure-native:privatedns:PrivateZone", "azure-native:privatedns:VirtualNetworkLink"
PEERING = "azure-native:network:VirtualNetworkPeering"
NSG, NAT, PUBLIC_IP, ROUTES = (f"azure-native:network:{t}" for t in ("NetworkSecurityGroup", "NatGateway", "PublicIPAddress", "RouteTable"))
RULE = "azure-native:machinelearningservices:ManagedNetworkSettingsRule"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
ROLE = "azure-native:authorization:RoleAssignment"
TARGET_TYPES = {
    "workspace": WORKSPACE,
    "storage": "azure-native:storage:StorageAccount",
    "keyVault": "azure-native:keyvault:Vault",
    "containerRegistry": "azure-native:containerregistry:Registry",
}
HUB = "/subscriptions/00000000-0000-4000-8000-000000000009/resourceGroups/rg-hub/providers/Microsoft.Network"
HUB_SUBNET = f"{HUB}/virtualNetworks/vnet-hub-spoke-ml/subnets/private-endpoints"
# The zones each sub-resource registers in ("Azure Private Endpoint private DNS zone values"),
# written out here rather than read from the component, so that a wrong table is caught.
EXPECTED_ZONES = {
    "amlworkspace": ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"],
    "blob": ["privatelink.blob.core.windows.net"],
    "file": ["privatelink.file.core.windows.net"],
    "queue": ["privatelink.queue.core.windows.net"],
    "table": ["privatelink.table.core.windows.net"],
    "vault": ["privatelink.vaultcore.azure.net"],
    "registry": ["privatelink.azurecr.io"],
}
EXPECTED_GROUPS = {"workspace": ["amlworkspace"], "storage": ["blob", "file", "queue", "table"], "keyVault": ["vault"],
                   "containerRegistry": ["registry"]}
HUB_ZONES = {zone: f"{HUB}/privateDnsZones/{zone}" for zones in EXPECTED_ZONES.values() for zone in zones}
# What image builds and pip/conda installs need ("Managed network isolation": public ML packages).
EXPECTED_PACKAGE_HOSTS = ["pypi.org", "*.pythonhosted.org", "anaconda.com", "*.anaconda.com", "*.anaconda.org", "pytorch.org",
                          "*.pytorch.org", "*.tensorflow.org"]
LAKE = "/subscriptions/00000000-0000-4000-8000-000000000002/resourceGroups/rg-lake/providers/Microsoft.Storage/storageAccounts/stlake"


def endpoints_of(plan, target) -> dict[str, object]:
    """The private endpoints to a target, by group id."""
    return {e.inputs["privateLinkServiceConnections"][0]["groupIds"][0]: e
            for e in plan.of_type(ENDPOINT) if plan.depends_on(e, target)}


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_closed_dependency_is_reachable_through_private_endpoints(stack, stack_plans):
    plan = stack_plans[stack]
    subnet = plan.one(SUBNET, "network-private-endpoints-subnet")
    for key, groups in EXPECTED_GROUPS.items():
        target = plan.one(TARGET_TYPES[key])
        found = endpoints_of(plan, target)
        assert sorted(found) == sorted(groups), key
        for group, endpoint in found.items():
            connection = endpoint.inputs["privateLinkServiceConnections"][0]
            assert connection["privateLinkServiceId"].endswith(target.inputs.get("workspaceName") or target.inputs.get(
                "accountName") or target.inputs.get("vaultName") or target.inputs.get("registryName"))
            assert endpoint.inputs["subnet"]["id"].endswith("/subnets/private-endpoints")
            assert plan.depends_on(endpoint, subnet)  # after its subnet and its target
            assert plan.by_urn(endpoint.parent).type == "azureml-platform:network:Network"
            assert endpoint.inputs["customNetworkInterfaceName"] == f"{endpoint.inputs['privateEndpointName']}-nic"
    assert check_plan(plan.resources, stack) == []


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_each_endpoint_registers_in_its_private_dns_zones_linked_to_the_vnet(stack, stack_plans):
    plan = stack_plans[stack]
    vnet = plan.one(VNET)
    zones = {z.inputs["privateZoneName"]: z for z in plan.of_type(ZONE)}
    assert set(zones) == set(HUB_ZONES)
    for zone in zones.values():
        [link] = [link for link in plan.of_type(LINK) if plan.depends_on(link, zone)]
        assert link.inputs["virtualNetwork"]["id"].endswith(f"/virtualNetworks/{vnet.inputs['virtualNetworkName']}")
        assert link.inputs["registrationEnabled"] is False and zone.inputs["location"] == link.inputs["location"] == "global"
    for endpoint in plan.of_type(ENDPOINT):
        group = endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
        [zone_group] = [g for g in plan.of_type(ZONE_GROUP) if plan.depends_on(g, endpoint)]
        configured = [c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in zone_group.inputs["privateDnsZoneConfigs"]]
        assert configured == EXPECTED_ZONES[group]  # the workspace's group holds the API and notebooks zones
        assert all(plan.depends_on(zone_group, zones[zone]) for zone in EXPECTED_ZONES[group])


def test_the_workspace_endpoint_comes_after_the_workspace(stack_plans):
    plan = stack_plans["prod"]
    [endpoint] = endpoints_of(plan, plan.one(WORKSPACE)).values()
    assert endpoint.inputs["privateEndpointName"] == "pe-mlw-mlp-prod-amlworkspace"


def test_the_stack_vnet_has_an_endpoint_and_a_client_subnet(stack_plans):
    for stack, space in (("staging", "10.61.0.0/22"), ("prod", "10.60.0.0/22")):
        plan = stack_plans[stack]
        vnet = plan.one(VNET)
        assert vnet.inputs["addressSpace"] == {"addressPrefixes": [space]}
        assert vnet.ignore_changes == ["subnets"]  # the subnets are resources of their own
        subnets = {s.inputs["subnetName"]: s for s in plan.of_type(SUBNET)}
        assert set(subnets) == {"private-endpoints", "clients"}
        for subnet in subnets.values():
            assert subnet.inputs["defaultOutboundAccess"] is False and subnet.inputs["privateEndpointNetworkPolicies"] == "Disabled"
            # Every subnet has an NSG (landing zones deny subnets without one).
            [nsg] = [plan.by_urn(d) for d in subnet.dependencies if plan.by_urn(d).type == NSG]
            assert subnet.inputs["networkSecurityGroup"]["id"].endswith(nsg.inputs["networkSecurityGroupName"])
        # Written one after the other: a VNet takes one subnet write at a time (pulumi-azure-native#699).
        assert plan.depends_on(subnets["clients"], subnets["private-endpoints"])
        assert plan.outputs["network"]["clientSubnetId"].endswith("/subnets/clients")


def test_the_client_subnet_reaches_the_internet_through_a_nat_gateway(stack_plans):
    """A runner signs in to Azure and reaches GitHub and PyPI; a jump box loads studio."""
    plan = stack_plans["prod"]
    clients = plan.one(SUBNET, "network-clients-subnet")
    gateway, address = plan.one(NAT), plan.one(PUBLIC_IP)
    assert clients.inputs["natGateway"]["id"].endswith(f"/natGateways/{gateway.inputs['natGatewayName']}")
    assert len(gateway.inputs["publicIpAddresses"]) == 1
    assert gateway.inputs["publicIpAddresses"][0]["id"].endswith(f"/publicIPAddresses/{address.inputs['publicIpAddressName']}")
    assert (address.inputs["sku"], address.inputs["publicIPAllocationMethod"]) == ({"name": "Standard"}, "Static")
    assert "natGateway" not in plan.one(SUBNET, "network-private-endpoints-subnet").inputs


def test_dev_is_reached_over_the_internet(stack_plans):
    plan = stack_plans["dev"]
    for resource_type in (VNET, SUBNET, ENDPOINT, ZONE, ZONE_GROUP, RULE):
        assert plan.of_type(resource_type) == [], resource_type
    assert plan.one(WORKSPACE).inputs["publicNetworkAccess"] == "Enabled"
    assert "firewallSku" not in plan.one(WORKSPACE).inputs["managedNetwork"]  # no FQDN rules, no firewall


def test_internet_outbound_needs_no_package_rules_and_no_firewall():
    """Where the managed network already allows internet outbound, FQDN rules would add only a bill."""
    config = load_stack_config("dev")
    config[f"{NS}:network"] = {"packageRepositories": True}
    plan = capture_plan("dev", config=config)
    assert plan.of_type(RULE) == []
    assert "firewallSku" not in plan.one(WORKSPACE).inputs["managedNetwork"]


def test_prod_allows_package_repositories_behind_a_managed_firewall(stack_plans):
    plan = stack_plans["prod"]
    rules = plan.of_type(RULE)
    assert sorted(r.inputs["properties"]["destination"] for r in rules) == sorted(EXPECTED_PACKAGE_HOSTS)
    assert all(r.inputs["properties"]["type"] == "FQDN" and r.inputs["properties"]["category"] == "UserDefined" for r in rules)
    # Basic suffices: FQDN rules allow ports 80 and 443 only.
    assert plan.one(WORKSPACE).inputs["managedNetwork"]["firewallSku"] == "Basic"
    # The workspace's own map is never declared: Azure's required rules stay Azure's.
    assert "outboundRules" not in plan.one(WORKSPACE).inputs["managedNetwork"]
    # One at a time: rules written in parallel delete each other (azapi#453).
    ordered = [r for r in rules if any(plan.by_urn(d).type == RULE for d in r.dependencies)]
    assert len(ordered) == len(rules) - 1


@pytest.fixture(scope="module")
def hub_plan():
    """Prod in a landing zone: an existing spoke subnet, the hub's zones, a storage account elsewhere."""
    config = load_stack_config("prod")
    config[f"{NS}:network"] = {
        "subnetId": HUB_SUBNET,
        "dnsZoneIds": HUB_ZONES,
        "outboundRules": {
            "monitor": {"type": "serviceTag", "serviceTag": "AzureMonitor", "portRanges": "443, 8443"},
            "github": {"type": "fqdn", "destination": "github.com"},
            "feeds": {"type": "privateEndpoint", "resourceId": LAKE, "subresource": "blob"},
        },
    }
    config[f"{NS}:datastores"] = {"lake": {"type": "adlsGen2", "storageAccountId": LAKE, "container": "raw"}}
    return capture_plan("prod", config=config)


def test_an_existing_subnet_and_the_hubs_zones_create_no_network_of_their_own(hub_plan):
    for resource_type in (VNET, SUBNET, ZONE, LINK, PEERING, NSG, NAT, PUBLIC_IP):
        assert hub_plan.of_type(resource_type) == [], resource_type
    assert {e.inputs["subnet"]["id"] for e in hub_plan.of_type(ENDPOINT)} == {HUB_SUBNET}
    zone_ids = {c["privateDnsZoneId"] for g in hub_plan.of_type(ZONE_GROUP) for c in g.inputs["privateDnsZoneConfigs"]}
    assert zone_ids == set(HUB_ZONES.values())
    assert check_plan(hub_plan.resources, "prod") == []


def test_zone_groups_can_be_left_to_azure_policy():
    config = load_stack_config("prod")
    config[f"{NS}:network"] = {"subnetId": HUB_SUBNET, "dnsZoneGroupsByPolicy": True}
    plan = capture_plan("prod", config=config)
    assert plan.of_type(ZONE_GROUP) == [] and len(plan.of_type(ENDPOINT)) == 7


def test_outbound_rules_from_config_and_for_datastores_elsewhere(hub_plan):
    rules = {r.inputs["ruleName"]: r.inputs["properties"] for r in hub_plan.of_type(RULE)}
    assert rules["monitor"] == {"type": "ServiceTag", "category": "UserDefined", "destination": {
        "serviceTag": "AzureMonitor", "protocol": "TCP", "portRanges": "443,8443", "action": "Allow"}}
    assert rules["github"]["destination"] == "github.com"
    endpoint_rules = {(r["destination"]["serviceResourceId"], r["destination"]["subresourceTarget"])
                      for r in rules.values() if r["type"] == "PrivateEndpoint"}
    assert endpoint_rules == {(LAKE, "blob"), (LAKE, "dfs")}  # one per account and sub-resource
    for rule in (r for r in rules.values() if r["type"] == "PrivateEndpoint"):
        assert rule["category"] == "UserDefined" and rule["destination"]["sparkEnabled"] is False
    # The workspace identity approves the managed network's endpoints to the lake itself.
    principal = hub_plan.outputs["workspace"]["identityPrincipalId"]
    approver = [g for g in hub_plan.of_type(ROLE) if g.inputs["scope"] == LAKE and g.inputs["principalId"] == principal
                and g.inputs["roleDefinitionId"].endswith("b556d68e-0be0-4f35-a333-ad7ee1ce17ea")]
    assert len(approver) == 1
    # The rules wait for that approval (the first rule, and the rest after it).
    [first] = [r for r in hub_plan.of_type(RULE) if not any(hub_plan.by_urn(d).type == RULE for d in r.dependencies)]
    assert hub_plan.depends_on(first, approver[0])
    # A grant on another subscription names that subscription's role definition (azure-rest-api-specs#10939).
    assert approver[0].inputs["roleDefinitionId"].startswith("/subscriptions/00000000-0000-4000-8000-000000000002/")

def test_outbound_rules_wait_long_enough_for_the_managed_firewall(stack_plans):
    """The first FQDN rule builds the managed firewall (about 10 minutes after the network's ~30)."""
    for rule in stack_plans["prod"].of_type(RULE):
        assert rule.timeouts == {"create": "60m", "update": "60m", "delete": "60m"}


def test_internet_outbound_still_reaches_datastores_elsewhere_privately():
    """Private-endpoint rules apply in both managed modes: a closed account elsewhere is reached from dev too."""
    config = load_stack_config("dev")
    config[f"{NS}:datastores"] = {"lake": {"storageAccountId": LAKE, "container": "raw"}}
    rules = capture_plan("dev", config=config).of_type(RULE)
    assert [(r.inputs["ruleName"], r.inputs["properties"]["type"]) for r in rules] == [("datastore-lake-blob", "PrivateEndpoint")]


def test_a_hub_peering_is_declared_from_the_stacks_side_with_the_hubs_zones_and_firewall():
    config = load_stack_config("prod")
    hub_vnet = f"{HUB}/virtualNetworks/vnet-hub"
    config[f"{NS}:network"] = {
        "hub": {"virtualNetworkId": hub_vnet, "useRemoteGateways": True, "egressNextHop": "10.0.0.4"},
        "dnsZoneIds": HUB_ZONES,
    }
    plan = capture_plan("prod", config=config)
    peering = plan.one(PEERING).inputs
    assert peering["remoteVirtualNetwork"] == {"id": hub_vnet}
    assert (peering["allowVirtualNetworkAccess"], peering["allowForwardedTraffic"], peering["useRemoteGateways"]) == (True, True, True)
    # The hub's zones serve VPN users too: the stack creates none of its own.
    assert plan.of_type(ZONE) == [] and plan.of_type(LINK) == []
    assert {c["privateDnsZoneId"] for g in plan.of_type(ZONE_GROUP) for c in g.inputs["privateDnsZoneConfigs"]} == set(HUB_ZONES.values())
    # Internet traffic of the clients subnet goes through the hub's firewall, not a NAT gateway.
    routes = plan.one(ROUTES)
    assert routes.inputs["routes"] == [{"name": "internet-through-hub", "addressPrefix": "0.0.0.0/0",
                                        "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4"}]
    assert plan.one(SUBNET, "network-clients-subnet").inputs["routeTable"]["id"].endswith(f"/routeTables/{routes.inputs['routeTableName']}")
    assert plan.of_type(NAT) == []


def test_hub_and_rule_defaults_are_the_narrow_ones():
    """Without asking: no use of the hub's gateways, a service-tag rule for HTTPS only."""
    config = load_stack_config("prod")
    config[f"{NS}:network"] = {"hub": {"virtualNetworkId": f"{HUB}/virtualNetworks/vnet-hub"},
                               "outboundRules": {"monitor": {"type": "serviceTag", "serviceTag": "AzureMonitor"}}}
    plan = capture_plan("prod", config=config)
    assert plan.one(PEERING).inputs["useRemoteGateways"] is False
    [monitor] = [r for r in plan.of_type(RULE) if r.inputs["ruleName"] == "monitor"]
    assert monitor.inputs["properties"]["destination"]["portRanges"] == "443"
    assert monitor.inputs["properties"]["destination"]["protocol"] == "TCP"
    assert plan.one(NAT)  # no egressNextHop: the clients subnet keeps its NAT gateway


def test_the_workspace_identity_can_approve_its_own_endpoint_and_read_the_client_endpoints(stack_plans):
    """Approver and Reader on the group, before the workspace: the managed network's endpoint to the
    workspace is approved while it is created; studio previews storage through the client endpoints."""
    plan = stack_plans["prod"]
    principal = plan.outputs["workspace"]["identityPrincipalId"]
    group = f"/subscriptions/{plan.outputs['subscriptionId']}/resourceGroups/{plan.outputs['resourceGroupName']}"
    held = {g.inputs["roleDefinitionId"].rsplit("/", 1)[-1]: g for g in plan.of_type(ROLE)
            if g.inputs["scope"] == group and g.inputs["principalId"] == principal}
    assert set(held) == {"b556d68e-0be0-4f35-a333-ad7ee1ce17ea", "acdd72a7-3385-48ef-bd42-f606fba81ae7"}
    wait = plan.one("time:index/sleep:Sleep", "ml-role-propagation")
    assert all(plan.depends_on(wait, grant) for grant in held.values())


def test_without_endpoints_prod_is_refused_and_a_closed_resource_fails_the_baseline(stack_config):
    with pytest.raises(ConfigError, match=r"network\.privateEndpoints: prod requires true"):
        load_config(stack_config("prod", network={"privateEndpoints": False}, endpoints={}), "prod")
    plan = capture_plan(
        "staging", config={**load_stack_config("staging"), f"{NS}:network": {"privateEndpoints": False}, f"{NS}:endpoints": {}}
    )
    unreachable = {v.resource.rsplit("::", 1)[-1] for v in check_plan(plan.resources, "staging") if v.rule == "private-endpoints"}
    assert unreachable == {"ml-workspace", "storage", "key-vault", "container-registry"}


BAD_NETWORK_CONFIG = [
    ({"addressSpace": "10.60.0.0"}, "network.addressSpace: must be an IPv4 CIDR range"),
    ({"addressSpace": "10.60.0.1/22"}, "network.addressSpace: must be an IPv4 CIDR range"),
    ({"privateEndpointSubnet": "10.70.0.0/24"}, "network: privateEndpointSubnet: 10.70.0.0/24 is not inside addressSpace 10.60.0.0/22"),
    ({"clientSubnet": "10.60.0.128/25"}, "network: clientSubnet: 10.60.0.128/25 overlaps privateEndpointSubnet 10.60.0.0/24"),
    ({"privateEndpointSubnet": "10.60.0.0/29"}, "network: privateEndpointSubnet: 10.60.0.0/29 has 8 addresses"),
    ({"subnetId": "subnet-1"}, "network.subnetId: must be a subnet resource id"),
    ({"subnetId": HUB_SUBNET}, "network.dnsZoneIds: no id for privatelink.api.azureml.ms"),
    ({"dnsZoneIds": {"privatelink.blob.core.windows.net": HUB_ZONES["privatelink.blob.core.windows.net"]}},
     "network.dnsZoneIds: no id for privatelink.api.azureml.ms"),
    ({"dnsZoneIds": {**HUB_ZONES, "privatelink.azurecr.io": HUB_ZONES["privatelink.blob.core.windows.net"]}},
     "network: dnsZoneIds.privatelink.azurecr.io: " + HUB_ZONES["privatelink.blob.core.windows.net"] + " is not the id of private DNS zone"),
    ({"dnsZoneIds": {"blob.core.windows.net": f"{HUB}/privateDnsZones/x"}},
     "network.dnsZoneIds.blob.core.windows.net: must be a private DNS zone name"),
    ({"subnetId": HUB_SUBNET, "dnsZoneGroupsByPolicy": True, "hub": {"virtualNetworkId": f"{HUB}/virtualNetworks/hub"}},
     "network: hub: peers the VNet the stack creates"),
    ({"hub": {"virtualNetworkId": f"{HUB}/privateDnsZones/hub"}}, "network.hub.virtualNetworkId: must be a virtual network resource id"),
    ({"hub": {"virtualNetworkId": f"{HUB}/virtualNetworks/hub", "egressNextHop": "10.0.0.0/24"}},
     "network.hub.egressNextHop: must be an IPv4 address"),
    ({"outboundRules": {"git": {"type": "fqdn", "destination": "https://github.com"}}}, "network.outboundRules.git.destination: must be a host name"),
    ({"outboundRules": {"monitor": {"type": "serviceTag", "serviceTag": "AzureMonitor", "portRanges": "https"}}},
     "network.outboundRules.monitor.portRanges: must be ports such as 443"),
    ({"outboundRules": {"feed": {"type": "privateEndpoint", "resourceId": "stlake", "subresource": "blob"}}},
     "network.outboundRules.feed.resourceId: must be an Azure resource id"),
    ({"outboundRules": {"feed": {"type": "privateEndpoint", "resourceId": LAKE, "subresource": "vault"}}},
     "network.outboundRules.feed: subresource: microsoft.storage/storageaccounts offers blob, blob_secondary, file"),
    ({"outboundRules": {"x": {"type": "vpn"}}}, "network.outboundRules.x.type: Input should be 'fqdn', 'serviceTag' or 'privateEndpoint'"),
    ({"firewallSku": "Premium"}, "network.firewallSku: Input should be 'Basic' or 'Standard'"),
]


@pytest.mark.parametrize(("network", "message"), BAD_NETWORK_CONFIG, ids=[m.split(":")[1].strip() for _, m in BAD_NETWORK_CONFIG])
def test_bad_network_config_is_refused_naming_the_key(network, message, stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("prod", network=network), "prod")
    assert f"{NS}:{message}" in str(raised.value)


MONITOR_ZONES = {"privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com", "privatelink.ods.opinsights.azure.com",
                 "privatelink.agentsvc.azure-automation.net", "privatelink.blob.core.windows.net"}


def test_closed_monitoring_is_reached_through_an_azure_monitor_private_link_scope():
    config = load_stack_config("prod")
    config[f"{NS}:monitoring"] = {**config.get(f"{NS}:monitoring", {}), "publicNetworkAccessForIngestion": "Disabled"}
    plan = capture_plan("prod", config=config)
    scope = plan.one("azure-native:monitor:PrivateLinkScope")
    # Open modes, as Azure ML requires: resources outside the scope stay reachable.
    assert scope.inputs["accessModeSettings"] == {"ingestionAccessMode": "Open", "queryAccessMode": "Open"}
    scoped = {r.inputs["linkedResourceId"].rsplit("/", 2)[-2] for r in plan.of_type("azure-native:monitor:PrivateLinkScopedResource")}
    assert scoped == {"workspaces", "components"}  # Log Analytics and Application Insights
    [endpoint] = endpoints_of(plan, scope).values()
    [zone_group] = [g for g in plan.of_type(ZONE_GROUP) if plan.depends_on(g, endpoint)]
    assert {c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in zone_group.inputs["privateDnsZoneConfigs"]} == MONITOR_ZONES
    assert MONITOR_ZONES <= {z.inputs["privateZoneName"] for z in plan.of_type(ZONE)}
    assert len(plan.of_type(ZONE)) == len({z.inputs["privateZoneName"] for z in plan.of_type(ZONE)})  # the blob zone once


def test_open_monitoring_has_no_private_link_scope(stack_plans):
    """A scope changes DNS for all of Azure Monitor in the networks that share it: only where needed."""
    assert all(stack_plans[stack].of_type("azure-native:monitor:PrivateLinkScope") == [] for stack in ("dev", "staging", "prod"))


def test_closed_monitoring_needs_a_private_path(stack_config):
    closed = {"publicNetworkAccessForQuery": "Disabled"}
    with pytest.raises(ConfigError, match=r"monitoring\.publicNetworkAccessForIngestion/ForQuery: Disabled needs network\.privateEndpoints"):
        load_config(stack_config("dev", monitoring=closed), "dev")
    existing = {"subnetId": HUB_SUBNET, "dnsZoneIds": HUB_ZONES}
    with pytest.raises(ConfigError, match="no id for privatelink.monitor.azure.com"):
        load_config(stack_config("prod", monitoring=closed, network=existing), "prod")


def test_rules_the_workspace_network_cannot_take_are_refused(stack_config):
    fqdn = {"git": {"type": "fqdn", "destination": "github.com"}}
    with pytest.raises(ConfigError, match=r"network\.outboundRules\.git: fqdn rules apply only with workspace\.isolationMode AllowOnlyApprovedOutbound"):
        load_config(stack_config("dev", network={"outboundRules": fqdn}), "dev")
    with pytest.raises(ConfigError, match=r"network\.outboundRules\.git: the workspace has no managed network"):
        load_config(stack_config("dev", network={"outboundRules": fqdn}, workspace={"isolationMode": "Disabled"}), "dev")



def test_a_registry_below_premium_is_public_and_gets_no_endpoint():
    config = load_stack_config("dev")
    config[f"{NS}:network"] = {"privateEndpoints": True}
    plan = capture_plan("dev", config=config)
    assert endpoints_of(plan, plan.one(TARGET_TYPES["containerRegistry"])) == {}
    assert len(plan.of_type(ENDPOINT)) == 6
