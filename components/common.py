"""What every component shares: the platform context and the cross-cutting knobs.

The knobs follow the Azure Verified Modules vocabulary (tags, lock, role assignments, diagnostic
settings), typed once here and applied the same way by every component.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import pulumi
from pulumi_azure_native import authorization, monitor

from components.naming import Names, deterministic_guid
from components.roles import role_definition_id

Lock = Literal["CanNotDelete", "None"]


@dataclass(frozen=True)
class PlatformContext:
    """Where and for whom resources are declared: passed to components instead of repeated fields."""

    project: str
    stack: str
    location: str
    subscription_id: str
    tenant_id: str
    resource_group_name: pulumi.Input[str]
    names: Names
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def placement(self) -> dict[str, Any]:
        """Where a tracked resource goes: the same group, region and tags for every one of them."""
        return {"resource_group_name": self.resource_group_name, "location": self.location, "tags": self.tags}


@dataclass(frozen=True)
class RoleAssignment:
    """Grant `role` (built-in name or GUID) to a principal; `key` keeps the assignment's name stable."""

    principal_id: pulumi.Input[str]
    role: str
    principal_type: Literal["User", "Group", "ServicePrincipal"]
    key: str
    description: str | None = None


@dataclass(frozen=True)
class DiagnosticSettings:
    """Send a resource's logs and metrics to a Log Analytics workspace."""

    workspace_id: pulumi.Input[str]
    log_category_groups: Sequence[str] = ("allLogs",)
    metric_categories: Sequence[str] = ("AllMetrics",)


@dataclass(frozen=True)
class CommonArgs:
    """The cross-cutting knobs every component takes."""

    context: PlatformContext
    lock: Lock = "CanNotDelete"
    protect: bool = True
    diagnostics: DiagnosticSettings | None = None


def child_options(parent: pulumi.Resource, **options) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **options)


def assign_roles(
    parent: pulumi.Resource,
    name: str,
    scope: pulumi.Input[str],
    assignments: Sequence[RoleAssignment],
    context: PlatformContext,
) -> list[authorization.RoleAssignment]:
    """Role assignments on `scope`, named deterministically from scope, principal and role."""
    return [
        authorization.RoleAssignment(
            f"{name}-{assignment.key}",
            scope=scope,
            principal_id=assignment.principal_id,
            principal_type=assignment.principal_type,
            role_definition_id=role_definition_id(context.subscription_id, assignment.role),
            role_assignment_name=deterministic_guid(
                context.subscription_id, context.project, context.stack, name, assignment.key, assignment.role
            ),
            description=assignment.description,
            opts=child_options(parent),
        )
        for assignment in assignments
    ]


def send_diagnostics(
    parent: pulumi.Resource, name: str, resource_id: pulumi.Input[str], settings: DiagnosticSettings | None
) -> monitor.DiagnosticSetting | None:
    if settings is None:
        return None
    return monitor.DiagnosticSetting(
        f"{name}-diagnostics",
        name="to-log-analytics",
        resource_uri=resource_id,
        workspace_id=settings.workspace_id,
        logs=[
            monitor.DiagnosticsLogSettingsArgs(category_group=group, enabled=True)
            for group in settings.log_category_groups
        ],
        metrics=[
            monitor.DiagnosticsMetricSettingsArgs(category=category, enabled=True)
            for category in settings.metric_categories
        ],
        opts=child_options(parent),
    )


def lock_resource(
    parent: pulumi.Resource, name: str, resource_id: pulumi.Input[str], lock: Lock
) -> authorization.ManagementLockByScope | None:
    if lock == "None":
        return None
    return authorization.ManagementLockByScope(
        f"{name}-lock",
        scope=resource_id,
        level=lock,
        lock_name=f"{name}-{lock.lower()}",
        notes="Managed by azureml-platform: remove the lock in the stack config before deleting.",
        opts=child_options(parent),
    )


def govern(parent: pulumi.Resource, name: str, resource_id: pulumi.Input[str], common: CommonArgs) -> None:
    """Apply the knobs that every stateful resource gets: diagnostics and lock."""
    send_diagnostics(parent, name, resource_id, common.diagnostics)
    lock_resource(parent, name, resource_id, common.lock)
