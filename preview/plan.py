"""The offline plan of a stack: what the Pulumi program would ask Azure for, as plain data.

    plan = capture_plan("dev")
    account = plan.one("azure-native:storage:StorageAccount")
    assert account.inputs["allowBlobPublicAccess"] is False
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET = "[secret]"  # stands for every secret value, as `pulumi preview --json` shows them
UNKNOWN_VALUE = "[unknown]"  # an output still unresolved when its consumer registered (should not happen)


class PreviewError(Exception):
    """The stack cannot be previewed: bad stack file or config, or the program failed."""


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
            "resources": [asdict(resource) for resource in self.resources],
            "outputs": self.outputs,
        }


def input_at(inputs: Any, path: str) -> Any:
    """The value at `a.b.c` in a resource's nested inputs; None where any step is missing."""
    for part in path.split("."):
        if not isinstance(inputs, dict):
            return None
        inputs = inputs.get(part)
    return inputs


def capture_plan(stack: str, config: dict[str, Any] | None = None, *, root: Path = PROJECT_ROOT) -> Plan:
    """Run the program of the project at root for stack, offline, and return what it registered.

    config replaces the stack file's `config:` map (same shape as load_stack_config returns)."""
    root = Path(root).resolve()
    project = _project_settings(root)["name"]
    program_config, secret_keys = config_for_program(
        load_stack_config(stack, root) if config is None else config, project
    )
    from preview.engine import run_program  # imports pulumi (0.5 s): keep it off `import preview.plan`

    resources, outputs = run_program(root, project, stack, program_config, secret_keys)
    return Plan(project, stack, resources, outputs)


def load_stack_config(stack: str, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The `config:` map of the stack's file, as written (keys as in the file, values YAML-typed)."""
    root = Path(root)
    config_dir = root / _project_settings(root).get("stackConfigDir", ".")
    stack_file = config_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in config_dir.glob("Pulumi.*.yaml"))
        raise PreviewError(
            f"no stack file {stack_file.relative_to(root)} (known stacks: {', '.join(known) or 'none'})"
        )
    return _read_yaml(stack_file, root).get("config") or {}


def _project_settings(root: Path) -> dict[str, Any]:
    project_file = root / "Pulumi.yaml"
    if not project_file.is_file():
        raise PreviewError(f"no Pulumi.yaml in {root}")
    return _read_yaml(project_file, root)


def _read_yaml(path: Path, root: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.MarkedYAMLError as error:
        line = f":{error.problem_mark.line + 1}" if error.problem_mark else ""
        raise PreviewError(f"{path.relative_to(root)}{line}: {error.problem}") from None


def config_for_program(config: dict[str, Any], project: str) -> tuple[dict[str, str], list[str]]:
    """The config map and secret keys as the Pulumi CLI hands them to the program: keys namespaced
    (`project:key`), strings as they are, everything else JSON (true, 3, {"a":1}), secure values
    replaced by "[secret]" (there is no key to decrypt them) with their key marked secret."""
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        full_key = key if ":" in key else f"{project}:{key}"
        masked = _mask_secure(value)
        if masked != value:
            secret_keys.append(full_key)
        values[full_key] = masked if isinstance(masked, str) else cli_json(masked)
    return values, secret_keys


def cli_json(value: Any) -> str:
    """JSON the way the Pulumi CLI (Go) writes it: compact, object keys sorted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _mask_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET
        return {key: _mask_secure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_secure(item) for item in value]
    return value
