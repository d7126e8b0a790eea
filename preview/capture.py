"""capture_plan: run a project's program for a stack, offline, and return its plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from preview.encoding import config_for_program
from preview.engine import run_program
from preview.plan import Plan
from preview.stackfile import PROJECT_ROOT, load_project_settings, load_stack_config


def capture_plan(stack: str, config: dict[str, Any] | None = None, *, root: Path = PROJECT_ROOT) -> Plan:
    """Run the program of the project at root for stack, offline, and return what it registered.

    config replaces the stack file's `config:` map (same shape as load_stack_config returns)."""
    root = Path(root).resolve()
    project = load_project_settings(root)["name"]
    program_config, secret_keys = config_for_program(
        load_stack_config(stack, root) if config is None else config, project
    )
    resources, outputs = run_program(root, project, stack, program_config, secret_keys)
    return Plan(project, stack, resources, outputs)
