"""Pulumi mocks that answer like the azure-native provider would, offline.

Mocks on their own echo inputs back: an auto-named resource then has no `name`, and any input
fed from it silently disappears (its dependency too). This provider names resources the way
azure-native does, gives them ARM ids, and fills the computed outputs programs reference.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret, wrap_rpc_secret

from components.naming import deterministic_guid as fake_guid
from preview.arm import CLIENT_ID, OBJECT_ID, SUBSCRIPTION_ID, TENANT_ID, ArmType, arm_type
from preview.plan import PreviewError

# Used when neither the resource nor its resource group (as declared in the program) has a location.
DEFAULT_LOCATION = "westeurope"
RESOURCE_GROUP_TYPE = "azure-native:resources:ResourceGroup"
CLIENT_CONFIG = {"clientId": CLIENT_ID, "objectId": OBJECT_ID, "subscriptionId": SUBSCRIPTION_ID, "tenantId": TENANT_ID}


@dataclass(frozen=True)
class Provisioned:
    """A resource as the fake provider created it."""

    type: str
    name: str
    id: str
    location: str
    inputs: dict[str, Any]


class FakeAzure(Mocks):
    def __init__(self, project: str, stack: str) -> None:
        self._stack_path = f"{project}/{stack}"  # auto-names differ per stack, as random ones would
        self._resource_group_locations: dict[str, str] = {}

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        if args.token == "azure-native:authorization:getClientConfig":
            return dict(CLIENT_CONFIG)
        raise PreviewError(f"the offline preview has no fake for invoke {args.token} (add one in {__name__})")

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.resource_id:  # a read (Resource.get) or an import: the id is given
            return args.resource_id, {**args.inputs, "name": args.resource_id.rsplit("/", 1)[-1]}
        arm = arm_type(args.typ) if args.custom else None
        if arm is None:  # components and non-Azure resources: nothing to emulate
            return (fake_guid(self._stack_path, args.typ, args.name) if args.custom else ""), args.inputs
        resource = self._provision(args, arm)
        if resource.type == RESOURCE_GROUP_TYPE:
            self._resource_group_locations[resource.name] = resource.location
        state = {**args.inputs, "name": resource.name, "location": resource.location, **computed_outputs(resource)}
        return resource.id, state

    def _provision(self, args: MockResourceArgs, arm: ArmType) -> Provisioned:
        inputs = {key: unwrap_rpc_secret(value) for key, value in args.inputs.items()}
        name = inputs.get(arm.name_key) or auto_name(f"{self._stack_path}/{args.typ}", args.name, arm.auto_name)
        try:
            arm_id = arm.id_template.format_map({**inputs, "name": name, "subscriptionId": SUBSCRIPTION_ID})
        except KeyError as missing:
            raise PreviewError(
                f"{args.typ} {args.name!r}: input {missing} is missing, so it has no ARM id "
                "(is it fed from an output that resolved to None?)"
            ) from None
        location = inputs.get("location") or self._resource_group_locations.get(
            inputs.get("resourceGroupName"), DEFAULT_LOCATION
        )
        return Provisioned(args.typ, name, arm_id, location, args.inputs)


def auto_name(seed: str, logical_name: str, style: str) -> str:
    """azure-native's auto-name, with a hash of seed and logical name in place of its random part."""
    if style == "uuid":
        return fake_guid(seed, logical_name)
    if style == "default":
        return "default"
    return logical_name + hashlib.sha256(f"{seed}/{logical_name}".encode()).hexdigest()[:8]


def managed_identity_ids(identity_id: str) -> dict[str, str]:
    """The principal and client ids of a user-assigned identity, derived from its ARM id so that a
    resource referencing the identity sees the same GUIDs as the identity itself."""
    return {"principalId": fake_guid(identity_id, "principalId"), "clientId": fake_guid(identity_id, "clientId")}


def merged(value: Any, extra: dict[str, Any]) -> Any:
    """value (a dict, possibly wrapped as a secret) with extra keys, keeping its secretness."""
    if is_rpc_secret(value):
        return wrap_rpc_secret({**unwrap_rpc_secret(value), **extra})
    return {**(value or {}), **extra}


def identity_outputs(resource: Provisioned) -> dict[str, Any]:
    identity = resource.inputs.get("identity")
    if identity is None:
        return {}
    declared = unwrap_rpc_secret(identity)
    extra: dict[str, Any] = {"tenantId": TENANT_ID}
    if "SystemAssigned" in str(declared.get("type", "")):
        extra["principalId"] = fake_guid(resource.id, "principalId")
    if declared.get("userAssignedIdentities"):
        extra["userAssignedIdentities"] = {
            identity_id: managed_identity_ids(identity_id) for identity_id in declared["userAssignedIdentities"]
        }
    return {"identity": merged(identity, extra)}


def app_insights_outputs(resource: Provisioned) -> dict[str, Any]:
    key, app_id = fake_guid(resource.id, "instrumentationKey"), fake_guid(resource.id, "appId")
    return {
        "instrumentationKey": key,
        "appId": app_id,
        "connectionString": f"InstrumentationKey={key};"
        f"IngestionEndpoint=https://{resource.location}-0.in.applicationinsights.azure.com/;"
        f"LiveEndpoint=https://{resource.location}.livediagnostics.monitor.azure.com/;ApplicationId={app_id}",
    }


def ml_workspace_outputs(resource: Provisioned) -> dict[str, Any]:
    api = f"{resource.location}.api.azureml.ms"
    return {
        "workspaceId": fake_guid(resource.id, "workspaceId"),
        "mlFlowTrackingUri": f"azureml://{api}/mlflow/v1.0{resource.id}",
        "discoveryUrl": f"https://{api}/discovery",
    }


COMPUTED_OUTPUTS: dict[str, Callable[[Provisioned], dict[str, Any]]] = {
    "azure-native:managedidentity:UserAssignedIdentity": lambda r: {
        **managed_identity_ids(r.id),
        "tenantId": TENANT_ID,
    },
    "azure-native:operationalinsights:Workspace": lambda r: {"customerId": fake_guid(r.id, "customerId")},
    "azure-native:applicationinsights:Component": app_insights_outputs,
    "azure-native:storage:StorageAccount": lambda r: {
        "primaryEndpoints": {
            service: f"https://{r.name}.{service}.core.windows.net/"
            for service in ("blob", "dfs", "file", "queue", "table")
        }
    },
    "azure-native:keyvault:Vault": lambda r: {
        "properties": merged(r.inputs.get("properties"), {"vaultUri": f"https://{r.name}.vault.azure.net/"})
    },
    "azure-native:containerregistry:Registry": lambda r: {"loginServer": f"{r.name.lower()}.azurecr.io"},
    "azure-native:machinelearningservices:Workspace": ml_workspace_outputs,
}


def computed_outputs(resource: Provisioned) -> dict[str, Any]:
    """The outputs Azure computes on creation, for the types programs read them from."""
    per_type = COMPUTED_OUTPUTS.get(resource.type, lambda _: {})
    return {**identity_outputs(resource), **per_type(resource)}
