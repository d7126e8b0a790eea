"""URNs as the Pulumi engine makes them, for resources and for the aliases programs declare.

    urn:pulumi:<stack>::<project>::<parent's qualified type>$<type>::<name>
"""

from __future__ import annotations

from dataclasses import dataclass

STACK_TYPE = "pulumi:pulumi:Stack"


def qualified_type(urn: str) -> str:
    """The `parent$child` type chain of a URN."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]  # a name may itself hold "::"


def is_stack(urn: str) -> bool:
    return urn.count("::") >= 3 and qualified_type(urn) == STACK_TYPE


def create_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The engine's URN: the parent's whole qualified type before the type, but not the root stack's."""
    prefix = f"{qualified_type(parent)}$" if parent and not is_stack(parent) else ""
    return f"urn:pulumi:{stack}::{project}::{prefix}{type_}::{name}"


@dataclass(frozen=True)
class AliasSpec:
    """An alias as the SDK sends it when the monitor supports alias specs: the fields that differ
    from the resource's own, empty where they do not."""

    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent: str = ""  # the parent URN it had; empty: the resource's current parent
    no_parent: bool = False  # it had no parent (it sat under the stack)


def own_type(urn: str) -> str:
    """The resource's own type: the last of its qualified type chain."""
    return qualified_type(urn).rsplit("$", 1)[-1]


def alias_spec_urn(spec: AliasSpec, *, urn: str, parent: str) -> str:
    """The URN an alias spec stands for, for the resource registered as urn under parent (the
    engine's collapseAliasToUrn): what the spec leaves empty is the resource's own."""
    stack, project = _stack_and_project(urn)
    return create_urn(
        spec.stack or stack,
        spec.project or project,
        "" if spec.no_parent else spec.parent or parent,
        spec.type or own_type(urn),
        spec.name or urn_name(urn),
    )


def inherited_aliases(own_aliases: list[str], parent_aliases: list[str], *, urn: str, parent: str) -> list[str]:
    """The aliases the resource registered as urn gets from its parent's: its URN, and each of its
    own aliases, as they were under each old URN of the parent. A child named after its parent
    (`app-function` under `app`) is taken to have been renamed with it."""

    def under(parent_alias: str, child_urn: str) -> str:
        child_name, parent_name = urn_name(child_urn), urn_name(parent)
        if child_name.startswith(parent_name):
            child_name = urn_name(parent_alias) + child_name[len(parent_name) :]
        return create_urn(*_stack_and_project(parent_alias), parent_alias, own_type(child_urn), child_name)

    return [under(parent_alias, child) for parent_alias in parent_aliases for child in [urn, *own_aliases]]


def _stack_and_project(urn: str) -> tuple[str, str]:
    stack, project = urn.split("::")[:2]
    return stack.removeprefix("urn:pulumi:"), project
