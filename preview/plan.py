"""The offline plan of a stack: what the Pulumi program would ask Azure for, as plain data.

Only the data model: it imports neither pulumi nor PyYAML nor the engine, so that policies and
tools can read plans (Plan.from_json) without them. preview.capture makes plans.

    plan = capture_plan("dev")
    account = plan.one("azure-native:storage:StorageAccount", "ml-storage")
    assert account.inputs["allowBlobPublicAccess"] is False
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

SECRET = "[secret]"  # stands for every secret value, as `pulumi preview --json` shows them
UNKNOWN_VALUE = "[unknown]"  # an output still unresolved when its consumer registered (should not happen)


class PreviewError(Exception):
    """The stack cannot be previewed: bad stack file or config, the program failed, or it declares
    a resource type the preview does not know."""


class PlanLookupError(LookupError, AssertionError):
    """A lookup in a plan found no match or too many. An AssertionError too, so that a test
    using Plan.one as its assertion reports a failure rather than an error."""


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None  # None for resources at the top, under the stack
    inputs: dict  # as the provider receives them: camelCase, resolved, secrets "[secret]"
    dependencies: list[str]  # URNs, from depends_on and from the inputs
    protect: bool
    # The URNs this resource may have had before (the engine adopts a resource found under one
    # instead of replacing it), sorted; they include azure-native's own aliases for earlier type tokens.
    aliases: list[str]
    replace_on_changes: list[str]  # input paths whose change replaces the resource instead of updating it
    ignore_changes: list[str]  # input paths whose changes the engine ignores after creation
    delete_before_replace: bool  # a replacement deletes the old resource first (its Azure name is fixed)
    retain_on_delete: bool  # deleting it (or removing it from the program) leaves it in Azure
    timeouts: dict  # custom create/update/delete timeouts ("60m"); empty for the provider's own
    deleted_with: str | None = None  # URN of a resource whose deletion deletes this one too (not deleted itself then)
    replace_with: list[str] = field(default_factory=list)  # URNs of resources whose replacement replaces this one


_RESOURCE_FIELDS = fields(PlannedResource)
# JSON keys of the PlannedResource fields whose names are not single words, as Pulumi spells them.
_JSON_KEYS = {
    "replace_on_changes": "replaceOnChanges",
    "ignore_changes": "ignoreChanges",
    "delete_before_replace": "deleteBeforeReplace",
    "retain_on_delete": "retainOnDelete",
    "deleted_with": "deletedWith",
    "replace_with": "replaceWith",
}


@dataclass(frozen=True)
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource]
    outputs: dict  # stack outputs, resolved, secrets "[secret]"

    def of_type(self, type_token: str) -> list[PlannedResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> PlannedResource:
        """The only resource of that type (and logical name, if given)."""
        candidates = self.of_type(type_token)
        matches = [resource for resource in candidates if name is None or resource.name == name]
        if len(matches) == 1:
            return matches[0]
        wanted = type_token + (f" named {name!r}" if name is not None else "")
        found = [resource.name for resource in candidates] or sorted({r.type for r in self.resources})
        what = "of that type" if candidates else "types in the plan"
        raise PlanLookupError(f"expected exactly one {wanted}, found {len(matches)}; {what}: {', '.join(found)}")

    def by_urn(self, urn: str) -> PlannedResource:
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise PlanLookupError(f"no resource with URN {urn}")

    def children(self, parent: PlannedResource) -> list[PlannedResource]:
        return [resource for resource in self.resources if resource.parent == parent.urn]

    def depends_on(self, resource: PlannedResource, other: PlannedResource) -> bool:
        """Whether resource directly depends on other (through an input or depends_on)."""
        return other.urn in resource.dependencies

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [
                {_JSON_KEYS.get(field.name, field.name): getattr(resource, field.name) for field in _RESOURCE_FIELDS}
                for resource in self.resources
            ],
            "outputs": self.outputs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        """The plan that to_json (or `python -m preview --format json`) wrote."""
        resources = [
            PlannedResource(**{field.name: entry[_JSON_KEYS.get(field.name, field.name)] for field in _RESOURCE_FIELDS})
            for entry in data["resources"]
        ]
        return cls(data["project"], data["stack"], resources, data["outputs"])


def input_at(inputs: Any, path: str) -> Any:
    """The value at `a.b.c` in a resource's nested inputs (`a.0.c`: the first item of list a); None
    where any step is missing."""
    for part in path.split("."):
        if isinstance(inputs, list) and part.isdigit():
            inputs = inputs[int(part)] if int(part) < len(inputs) else None
        elif isinstance(inputs, dict):
            inputs = inputs.get(part)
        else:
            return None
    return inputs
