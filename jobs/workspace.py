"""Which Azure ML workspace to work against: a Pulumi stack's outputs, or an Azure ML config.json.

Contract with the Pulumi program: a stack exports `subscriptionId`, `resourceGroupName` and
`workspaceName` (required here), plus grouped objects read generically (`workspace`, `storageAccount`,
...) and maps of name -> object for `computes`, `datastores` and `endpoints`.
"""

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs.errors import WorkspaceError
from jobs.files import read_json

REQUIRED_OUTPUTS = {"subscriptionId": "subscription_id", "resourceGroupName": "resource_group", "workspaceName": "name"}
RESOURCE_GROUPS = {"computes": "compute", "datastores": "datastore", "endpoints": "endpoint"}
# The keys MLClient.from_config reads, so `az ml` and the SDK accept the file this module writes.
CONFIG_KEYS = {"subscription_id": "subscription_id", "resource_group": "resource_group", "workspace_name": "name"}
DEFAULT_CONFIG = Path(".azureml/config.json")
PULUMI_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Workspace:
    subscription_id: str
    resource_group: str
    name: str
    source: str
    stack: str | None = None
    outputs: Mapping[str, Any] = field(default_factory=dict)

    def resources(self, group: str) -> dict[str, str]:
        """Logical key -> Azure name for one of the maps a stack exports (computes, datastores, endpoints)."""
        exported = self.outputs.get(group)
        if not isinstance(exported, Mapping):
            return {}
        return {key: str(value.get("name", key)) if isinstance(value, Mapping) else str(value)
                for key, value in exported.items()}

    def resolve(self, group: str, ref: str) -> str:
        """The Azure name of `ref` (a logical key or an Azure name) in a stack's `group` map.

        A config.json lists no resources, so names pass through unchecked and Azure judges them.
        """
        if self.stack is None:
            return ref
        names = self.resources(group)
        if ref in names:
            return names[ref]
        if ref in names.values():
            return ref
        known = ", ".join(sorted(names)) or "none"
        raise WorkspaceError(f"unknown {RESOURCE_GROUPS[group]} '{ref}': stack '{self.stack}' exports {group}: {known}")

    def config(self) -> dict[str, str]:
        return {key: getattr(self, attribute) for key, attribute in CONFIG_KEYS.items()}

    def summary(self) -> dict[str, Any]:
        workspace_output = self.outputs.get("workspace")
        tracking_uri = workspace_output.get("mlflowTrackingUri") if isinstance(workspace_output, Mapping) else None
        return {
            "source": self.source,
            **self.config(),
            "location": self.outputs.get("location"),
            "mlflow_tracking_uri": tracking_uri,
            **{group: self.resources(group) for group in RESOURCE_GROUPS},
        }


def resolve(stack: str | None = None, config: Path | None = None) -> Workspace:
    """From --stack, else --workspace-config, else ./.azureml/config.json."""
    if stack:
        return from_stack(stack)
    if config:
        return from_config(config)
    if DEFAULT_CONFIG.is_file():
        return from_config(DEFAULT_CONFIG)
    raise WorkspaceError(f"no workspace: pass --stack NAME or --workspace-config PATH (there is no {DEFAULT_CONFIG})")


def from_stack(stack: str, pulumi: str = "pulumi") -> Workspace:
    outputs = stack_outputs(stack, pulumi)
    values = {}
    for output, attribute in REQUIRED_OUTPUTS.items():
        value = outputs.get(output)
        if not isinstance(value, str) or not value:
            known = ", ".join(sorted(outputs)) or "none"
            raise WorkspaceError(f"stack '{stack}' has no output '{output}' (outputs: {known})")
        values[attribute] = value
    return Workspace(**values, source=f"stack {stack}", stack=stack, outputs=outputs)


def stack_outputs(stack: str, pulumi: str = "pulumi") -> dict[str, Any]:
    """`pulumi stack output --json` of a stack; secrets stay masked (none of the names needed is secret)."""
    command = [pulumi, "stack", "output", "--json", "--stack", stack]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=PULUMI_TIMEOUT_SECONDS)
    except FileNotFoundError:
        raise WorkspaceError(f"'{pulumi}' CLI not found on PATH: install Pulumi, or pass --workspace-config") from None
    except subprocess.TimeoutExpired:
        raise WorkspaceError(f"`{' '.join(command)}` gave no answer within {PULUMI_TIMEOUT_SECONDS} s") from None
    if completed.returncode != 0:
        reason = (completed.stderr.strip().splitlines() or [f"exit code {completed.returncode}"])[-1]
        raise WorkspaceError(f"`{' '.join(command)}` failed: {reason}")
    try:
        outputs = json.loads(completed.stdout)
    except ValueError:
        raise WorkspaceError(f"`{' '.join(command)}` printed no JSON") from None
    if not isinstance(outputs, dict):
        raise WorkspaceError(f"`{' '.join(command)}` printed {type(outputs).__name__}, expected an object")
    return outputs


def from_config(path: Path) -> Workspace:
    loaded = read_json(path, WorkspaceError, "workspace config")
    if not isinstance(loaded, dict):
        raise WorkspaceError(f"{path}: expected a JSON object with {', '.join(CONFIG_KEYS)}")
    for key in CONFIG_KEYS:
        value = loaded.get(key)
        if value is None or value == "":
            raise WorkspaceError(f"{path}: missing key '{key}' (needs {', '.join(CONFIG_KEYS)})")
        if not isinstance(value, str):
            raise WorkspaceError(f"{path}: invalid key '{key}': expected a string, found {type(value).__name__} "
                                 f"{json.dumps(value)}")
    values = {attribute: loaded[key] for key, attribute in CONFIG_KEYS.items()}
    return Workspace(**values, source=f"config {path}")


def write_config(workspace: Workspace, path: Path = DEFAULT_CONFIG, *, force: bool = False) -> bool:
    """Write the workspace's config.json; False when the file already says exactly that.

    A file with other content (another workspace, other keys) is replaced only with `force`: later
    commands would otherwise quietly work against another workspace. The write is atomic.
    """
    content = json.dumps(workspace.config(), indent=2) + "\n"
    try:
        existing = path.read_text()
    except FileNotFoundError:
        existing = None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: unreadable ({exc}); remove it or pass another path") from None
    if existing == content or existing is not None and _same_config(existing, workspace):
        return False
    if existing is not None and not force:
        raise WorkspaceError(f"{path} exists with other content ({_described(existing)}): "
                             "pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _same_config(text: str, workspace: Workspace) -> bool:
    try:
        return json.loads(text) == workspace.config()
    except ValueError:
        return False


def _described(text: str) -> str:
    try:
        loaded = json.loads(text)
    except ValueError:
        return "not JSON"
    if isinstance(loaded, dict) and isinstance(loaded.get("workspace_name"), str):
        return f"workspace {loaded['workspace_name']} in resource group {loaded.get('resource_group')}"
    return "not a workspace config"
