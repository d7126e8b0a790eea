"""A plan as a tree for humans: components and their children, each with its Azure name and the
settings a reviewer looks at first, then the stack outputs and a count by type."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from components.roles import BUILTIN_ROLES
from preview.encoding import cli_json
from preview.plan import UNKNOWN_VALUE, Plan, PlannedResource, input_at
from preview.registry import entry_for, needs_entry

ROLE_NAMES = {guid: name for name, guid in BUILTIN_ROLES.items()}

BOLD, DIM, YELLOW, RESET = "\033[1m", "\033[2m", "\033[33m", "\033[0m"


def render_tree(plan: Plan, color: bool = False) -> str:
    paint = (lambda code, text: f"{code}{text}{RESET}") if color else (lambda _, text: text)
    lines = [paint(BOLD, f"{plan.project} · {plan.stack}")]
    lines += _branch(plan, None, "", paint)
    if plan.outputs:
        lines += ["", "Outputs:"]
        lines += [f"  {key}: {_compact(value)}" for key, value in sorted(plan.outputs.items())]
    lines += ["", summary(plan)]
    unknown = _count_unknowns(plan.to_json())
    if unknown:
        lines.append(paint(YELLOW, f"warning: {unknown} values are {UNKNOWN_VALUE}: the mocks left outputs unresolved"))
    return "\n".join(lines)


def summary(plan: Plan) -> str:
    counts = Counter(resource.type for resource in plan.resources)
    by_count = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    noun = "resource" if len(plan.resources) == 1 else "resources"
    return f"{len(plan.resources)} {noun}: " + ", ".join(f"{count} × {type_}" for type_, count in by_count)


def _branch(plan: Plan, parent_urn: str | None, indent: str, paint) -> list[str]:
    children = [resource for resource in plan.resources if resource.parent == parent_urn]
    lines = []
    for index, resource in enumerate(children):
        last = index == len(children) - 1
        lines.append(f"{indent}{'└─' if last else '├─'} {_describe(resource, paint)}")
        lines += _branch(plan, resource.urn, indent + ("   " if last else "│  "), paint)
    return lines


def _describe(resource: PlannedResource, paint) -> str:
    parts = [paint(DIM, resource.type), paint(BOLD, resource.name)]
    entry = entry_for(resource.type) if needs_entry(resource.type, resource.custom) else None
    if entry and entry.name_key:
        name = resource.inputs.get(entry.name_key)
        parts.append(f'"{name}"' if name else "(auto-named)")
    if resource.protect:
        parts.append(paint(YELLOW, "[protected]"))
    if entry:
        parts += [f"{label}={value}" for label, value in _key_settings(resource, entry.shown)]
    return " ".join(parts)


def _key_settings(resource: PlannedResource, paths: tuple[str, ...]) -> list[tuple[str, str]]:
    settings = []
    for path in paths:
        value = input_at(resource.inputs, path)
        if value is not None:
            settings.append((path.replace("properties.", ""), _display(value)))
    return settings


def _display(value: Any) -> str:
    if isinstance(value, str) and value.startswith("/subscriptions/"):  # an ARM id: its last segment says it
        last = value.rsplit("/", 1)[-1]
        value = ROLE_NAMES.get(last, last)
    text = _compact(value)
    return json.dumps(text) if " " in text else text


def _compact(value: Any) -> str:
    return value if isinstance(value, str) else cli_json(value)


def _count_unknowns(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_count_unknowns(item) for item in value.values())
    if isinstance(value, list):
        return sum(_count_unknowns(item) for item in value)
    return int(value == UNKNOWN_VALUE)
