"""Pulumi mocks that answer like the azure-native provider would, offline.

Mocks on their own echo inputs back: an auto-named resource then has no `name`, and any input
fed from it silently disappears (its dependency too). This provider names resources the way
azure-native does, gives them ARM ids, and fills the computed outputs programs reference, all as
preview.registry describes each type; a type it has no entry for stops the preview.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret, wrap_rpc_secret

from components.naming import deterministic_guid as fake_guid
from preview.plan import PreviewError
from preview.registry import (
    CLIENT_ID,
    OBJECT_ID,
    SUBSCRIPTION_ID,
    TENANT_ID,
    ResourceType,
    entry_for,
    needs_entry,
)

# Used when neither the resource nor its resource group (as declared in the program) has a location.
DEFAULT_LOCATION = "westeurope"
RESOURCE_GROUP_TYPE = "azure-native:resources:ResourceGroup"
CLIENT_CONFIG = {"clientId": CLIENT_ID, "objectId": OBJECT_ID, "subscriptionId": SUBSCRIPTION_ID, "tenantId": TENANT_ID}


@dataclass(frozen=True)
class Provisioned:
    """A resource as the fake provider created it."""

    entry: ResourceType
    name: str
    id: str
    location: str
    inputs: dict[str, Any]


class FakeAzure(Mocks):
    def __init__(self, project: str, stack: str) -> None:
        self._stack_path = f"{project}/{stack}"  # auto-names differ per stack, as random ones would
        self._resource_group_locations: dict[str, str] = {}

    # Data asset versions Azure already holds, by (workspace, name, version): their properties.
    # Empty offline (nothing is deployed); tests put versions here to stand for a deployed stack.
    published_data_versions: dict[tuple[str, str, str], dict[str, Any]] = {}
    # Model versions by (workspace, name, version) that are NOT registered. Offline every model a
    # deployment names counts as registered, so the plan shows the deployments a stack will have.
    unregistered_models: set[tuple[str, str, str]] = set()
    # Online deployments Azure already holds, by (workspace, endpoint, deployment): what a GET
    # answers ({"properties": {...}, "sku": {...}}).
    online_deployments: dict[tuple[str, str, str], dict[str, Any]] = {}

    def call(self, args: MockCallArgs) -> dict[str, Any] | tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "azure-native:authorization:getClientConfig":
            return dict(CLIENT_CONFIG)
        if args.token == "azure-native:machinelearningservices:getDataVersion":
            key = (args.args["workspaceName"], args.args["name"], args.args["version"])
            if key not in self.published_data_versions:
                return not_found("version", f"data version {key}")
            return {"name": key[2], "properties": self.published_data_versions[key]}
        if args.token == "azure-native:machinelearningservices:getModelVersion":
            key = (args.args["workspaceName"], args.args["name"], args.args["version"])
            if key in self.unregistered_models:
                return not_found("version", f"model version {key}")
            return {"name": key[2], "properties": {"modelType": "mlflow_model"}}
        if args.token == "azure-native:machinelearningservices:getOnlineDeployment":
            key = (args.args["workspaceName"], args.args["endpointName"], args.args["deploymentName"])
            if key not in self.online_deployments:
                return not_found("deploymentName", f"deployment {key}")
            return {"name": key[2], **self.online_deployments[key]}
        raise PreviewError(f"the offline preview has no fake for invoke {args.token} (add one in {__name__})")

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.resource_id:  # a read (Resource.get) or an import: the id is given
            return args.resource_id, {**args.inputs, "name": args.resource_id.rsplit("/", 1)[-1]}
        if not needs_entry(args.typ, args.custom):  # components and explicit providers: nothing to emulate
            return (fake_guid(self._stack_path, args.typ, args.name) if args.custom else ""), args.inputs
        resource = self._provision(args, entry_for(args.typ))
        if not resource.entry.is_azure:
            return resource.id, {**args.inputs, **computed_outputs(resource)}
        if resource.entry.token == RESOURCE_GROUP_TYPE:
            self._resource_group_locations[resource.name] = resource.location
        state = {**args.inputs, "name": resource.name, "location": resource.location, **computed_outputs(resource)}
        return resource.id, state

    def _provision(self, args: MockResourceArgs, entry: ResourceType) -> Provisioned:
        inputs = {key: unwrap_rpc_secret(value) for key, value in args.inputs.items()}
        name = args.name
        if entry.name_key:
            name = inputs.get(entry.name_key) or auto_name(f"{self._stack_path}/{args.typ}", args.name, entry.auto_name)
        try:
            resource_id = entry.id_template.format_map(
                {**inputs, **({entry.name_key: name} if entry.name_key else {}), "subscriptionId": SUBSCRIPTION_ID}
            )
        except KeyError as missing:
            raise PreviewError(
                f"{args.typ} {args.name!r}: input {missing} is missing, so it has no id "
                "(is it fed from an output that resolved to None?)"
            ) from None
        location = inputs.get("location") or self._resource_group_locations.get(
            inputs.get("resourceGroupName"), DEFAULT_LOCATION
        )
        return Provisioned(entry, name, resource_id, location, args.inputs)


def not_found(argument: str, what: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """An invoke's answer as the provider reports a GET that found nothing: a failure on `argument`."""
    return {}, [(argument, f"RESPONSE 404: 404 Not Found, ERROR CODE: UserError ({what})")]


def auto_name(seed: str, logical_name: str, style: str) -> str:
    """azure-native's auto-name, with a hash of seed and logical name in place of its random part."""
    if style == "uuid":
        return fake_guid(seed, logical_name)
    if style == "default":
        return "default"
    return logical_name + hashlib.sha256(f"{seed}/{logical_name}".encode()).hexdigest()[:8]


def managed_identity_ids(identity_id: str) -> dict[str, str]:
    """The principal and client ids of a user-assigned identity, derived from its ARM id so that a
    resource referencing the identity sees the same GUIDs as the identity itself (whose registry
    entry derives them alike)."""
    return {"principalId": fake_guid(identity_id, "principalId"), "clientId": fake_guid(identity_id, "clientId")}


def merged(value: Any, extra: dict[str, Any]) -> Any:
    """value (a dict, possibly wrapped as a secret) with extra keys, keeping its secretness."""
    if is_rpc_secret(value):
        return wrap_rpc_secret({**unwrap_rpc_secret(value), **extra})
    return {**(value or {}), **extra}


def identity_outputs(resource: Provisioned) -> dict[str, Any]:
    """What Azure adds to any resource's managed identity: tenant, principal and client ids."""
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


def registered_outputs(resource: Provisioned) -> dict[str, Any]:
    """The outputs the type's registry entry lists, its templates filled in."""
    context = {
        "name": resource.name,
        "lowercase_name": resource.name.lower(),
        "id": resource.id,
        "location": resource.location,
        "tenantId": TENANT_ID,
        "subscriptionId": SUBSCRIPTION_ID,
    }
    top_level: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for path, template in resource.entry.outputs.items():
        value = template.format_map({**context, **top_level, "guid": fake_guid(resource.id, path)})
        key, _, rest = path.partition(".")
        if rest:
            nested.setdefault(key, {})[rest] = value
        else:
            top_level[key] = value
    return {**top_level, **{key: merged(resource.inputs.get(key), extra) for key, extra in nested.items()}}


def computed_outputs(resource: Provisioned) -> dict[str, Any]:
    """The outputs Azure computes on creation, for the types programs read them from."""
    return {**identity_outputs(resource), **registered_outputs(resource)}
