"""The project's files as the Pulumi CLI reads them: Pulumi.yaml and the stack files it points to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from preview.plan import PreviewError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_project_settings(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Pulumi.yaml of the project at root."""
    project_file = Path(root) / "Pulumi.yaml"
    if not project_file.is_file():
        raise PreviewError(f"no Pulumi.yaml in {root}")
    return _read_yaml(project_file, root)


def load_stack_config(stack: str, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The `config:` map of the stack's file, as written (keys as in the file, values YAML-typed)."""
    root = Path(root)
    config_dir = root / load_project_settings(root).get("stackConfigDir", ".")
    stack_file = config_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in config_dir.glob("Pulumi.*.yaml"))
        raise PreviewError(
            f"no stack file {stack_file.relative_to(root)} (known stacks: {', '.join(known) or 'none'})"
        )
    return _read_yaml(stack_file, root).get("config") or {}


def _read_yaml(path: Path, root: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.MarkedYAMLError as error:
        line = f":{error.problem_mark.line + 1}" if error.problem_mark else ""
        raise PreviewError(f"{path.relative_to(root)}{line}: {error.problem}") from None
