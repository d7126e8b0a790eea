"""The contract every component follows, enforced here rather than remembered in each component.

A component is a `PlatformComponent`: type token `azureml-platform:<module>:<Name>`, its Azure
resources declared through `declare`, which parents them, protects the stateful ones, locks where a
lock costs nothing and sends each type's own diagnostic categories to Log Analytics. Role assignments go through
`assign_roles` (identities) and `grant_people` (the stack config's grants for the component's
scope). A component ends with `finish(stack_outputs)`: what it registers is what the stack exports.

The cross-cutting knobs follow the Azure Verified Modules vocabulary (tags, lock, role assignments,
diagnostic settings) and mean the same in every component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping, Sequence, TypeVar

import pulumi
import pulumiverse_time
from pulumi_azure_native import authorization, monitor
from pydantic.alias_generators import to_camel

from components.naming import Names, deterministic_guid
from components.roles import role_definition_id

Lock = Literal["CanNotDelete", "None"]
PrincipalType = Literal["User", "Group", "ServicePrincipal"]
AzureResource = TypeVar("AzureResource", bound=pulumi.CustomResource)

# The seed of every role assignment's logical name and Azure name (a GUID). Never change it: a new
# name replaces the assignment, and Azure refuses to create it while the old one, with the same
# principal, role and scope, still exists (RoleAssignmentExists).
GRANT_PREFIX = "ml"

# Before the workspace was split into a component per dependency, its resources were children of
# this component; `moved_from` names carry their old URNs as aliases so `pulumi up` moves them in
# state instead of deleting and re-creating them.
PRE_SPLIT_PARENT = ("azureml-platform:workspace:Workspace", "ml")


@dataclass(frozen=True)
class DiagnosticCategories:
    logs: Sequence[str] = ("allLogs",)  # category groups
    metrics: Sequence[str] = ("AllMetrics",)
    log_categories: Sequence[str] = ()  # single categories, where the type's groups are not enough


# Where the stack's CanNotDelete lock goes: only where it costs nothing. A lock on a resource also
# blocks deleting its child resources and the role assignments on it ("Lock your resources to
# protect your infrastructure": "a cannot-delete lock on a resource ... prevents the deletion of
# Azure RBAC assignments"; locks are inherited by child and extension resources), and Azure ML's
# managed network needs its resources free of scope locks ("how-to-managed-network", limitations).
# A lock on the workspace would block removing a compute or an endpoint, on storage, key vault or
# registry removing a person's grant or a managed private endpoint. Those are kept by Pulumi
# `protect` and Azure's soft delete instead (workspace 14 days, key vault purge protection, blob
# and container soft delete with versioning); see README "Protecting prod".
LOCKED_TYPES = frozenset({"azure-native:operationalinsights:Workspace"})

# What each type can report. A type missing here sends no diagnostics.
DIAGNOSTIC_CATEGORIES: Mapping[str, DiagnosticCategories] = {
    # Storage accounts have no log categories; their logs come from the blob service.
    "azure-native:storage:StorageAccount": DiagnosticCategories(logs=(), metrics=("Transaction",)),
    "azure-native:storage:BlobServiceProperties": DiagnosticCategories(metrics=("Transaction",)),
    "azure-native:keyvault:Vault": DiagnosticCategories(),
    "azure-native:containerregistry:Registry": DiagnosticCategories(),
    "azure-native:machinelearningservices:Workspace": DiagnosticCategories(),
    # Named one by one: the 5xx log alert reads the traffic log ("Monitor online endpoints", logs).
    "azure-native:machinelearningservices:OnlineEndpoint": DiagnosticCategories(
        logs=(), log_categories=("AmlOnlineEndpointTrafficLog", "AmlOnlineEndpointConsoleLog", "AmlOnlineEndpointEventLog")
    ),
}


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
    principal_type: PrincipalType
    key: str
    description: str | None = None

    @classmethod
    def for_identity(cls, principal_id: pulumi.Input[str], role: str, description: str) -> RoleAssignment:
        """A managed identity's grant, keyed by the role's name (one grant per role and scope)."""
        return cls(principal_id, role, "ServicePrincipal", role.lower().replace(" ", "-"), description)


@dataclass(frozen=True)
class CommonArgs:
    """The cross-cutting knobs every component takes."""

    context: PlatformContext
    lock: Lock = "CanNotDelete"
    protect: bool = True
    # Log Analytics workspace id that diagnostics go to; None sends none.
    diagnostics_workspace_id: pulumi.Input[str] | None = None
    # People's and pipelines' grants from the stack config, by scope ("workspace", "storage", ...).
    role_assignments: Mapping[str, Sequence[RoleAssignment]] = field(default_factory=dict)


class PlatformComponent(pulumi.ComponentResource):
    """Base of every component: see the module docstring for the contract."""

    stack_outputs: Mapping[str, Any]

    def __init__(self, type_token: str, name: str, common: CommonArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(type_token, name, None, opts)
        self.common = common
        self.context = common.context

    def declare(
        self,
        resource_type: Callable[..., AzureResource],
        name: str,
        /,
        *,
        stateful: bool = False,
        moved_from: str | None = None,
        depends_on: Sequence[pulumi.Resource] = (),
        replace_on_changes: Sequence[str] = (),
        ignore_changes: Sequence[str] = (),
        delete_before_replace: bool = False,
        retain_on_delete: bool = False,
        deleted_with: pulumi.Resource | None = None,
        replace_with: Sequence[pulumi.Resource] = (),
        timeouts: pulumi.CustomTimeouts | None = None,
        **args: Any,
    ) -> AzureResource:
        """Declare a child resource. Stateful ones (they hold data) get Pulumi `protect`; types in
        LOCKED_TYPES get the stack's lock; every one whose type reports diagnostics sends them to
        Log Analytics. `replace_on_changes` lists the inputs Azure does not change in place."""
        options = self._options(
            moved_from,
            protect=self.common.protect if stateful else None,
            depends_on=depends_on,
            replace_on_changes=list(replace_on_changes) or None,
            ignore_changes=list(ignore_changes) or None,
            delete_before_replace=delete_before_replace or None,
            retain_on_delete=retain_on_delete or None,
            deleted_with=deleted_with,
            replace_with=list(replace_with) or None,
            custom_timeouts=timeouts,
        )
        resource = resource_type(name, **args, opts=options)
        self._send_diagnostics(name, resource, moved_from)
        if resource.pulumi_resource_type in LOCKED_TYPES:
            self._lock(name, resource.id)
        return resource

    def assign_roles(
        self,
        group: str,
        scope: pulumi.Input[str],
        assignments: Sequence[RoleAssignment],
        *,
        moved: bool = False,
    ) -> list[authorization.RoleAssignment]:
        """Role assignments on `scope`. `group` (e.g. "identity-storage") and each assignment's key
        make the logical name and the GUID Azure name: the same inputs give the same names."""
        seed = f"{GRANT_PREFIX}-{group}"
        return [
            authorization.RoleAssignment(
                f"{seed}-{assignment.key}",
                scope=scope,
                principal_id=assignment.principal_id,
                principal_type=assignment.principal_type,
                role_definition_id=role_definition_id(_subscription_of(scope) or self.context.subscription_id, assignment.role),
                role_assignment_name=deterministic_guid(
                    self.context.subscription_id, self.context.project, self.context.stack, seed, assignment.key,
                    assignment.role,
                ),
                description=assignment.description,
                opts=self._options(f"{seed}-{assignment.key}" if moved else None),
            )
            for assignment in assignments
        ]

    def grant_identity(
        self,
        group: str,
        principal_id: pulumi.Input[str],
        scopes: Mapping[str, pulumi.Input[str]],
        roles_by_scope: Mapping[str, Sequence[str]],
        description: str,
    ) -> dict[str, dict[str, authorization.RoleAssignment]]:
        """A managed identity's roles on each scope key of `roles_by_scope` (`scopes` holds their ids), by scope
        then role; `group` and the scope key name the assignments (see assign_roles)."""
        return {
            scope: dict(zip(roles, self.assign_roles(
                f"{group}-{scope}",
                scopes[scope],
                [RoleAssignment.for_identity(principal_id, role, description) for role in roles],
            )))
            for scope, roles in roles_by_scope.items()
        }

    def grant_people(self, scope_key: str, scope: pulumi.Input[str], *, moved: bool = False) -> None:
        """The stack config's role assignments whose scope is `scope_key`, on `scope`."""
        self.assign_roles(scope_key, scope, self.common.role_assignments.get(scope_key, ()), moved=moved)

    def propagated(
        self, name: str, grants: Sequence[pulumi.Resource], seconds: int, principal_id: pulumi.Input[str]
    ) -> Sequence[pulumi.Resource]:
        """What a user of `grants` waits for: the grants, then the time Azure RBAC takes to propagate
        them (a new principal's grants can take minutes: "Troubleshoot Azure RBAC")."""
        if seconds == 0:
            return grants
        wait = self.declare(
            pulumiverse_time.Sleep,
            f"{name}-role-propagation",
            depends_on=grants,
            create_duration=f"{seconds}s",
            # A new identity (new principal) waits again.
            triggers={"principalId": principal_id},
        )
        return [wait]

    def finish(self, stack_outputs: Mapping[str, Any]) -> None:
        """Register the component's outputs; the program exports exactly these, under these keys."""
        self.stack_outputs = stack_outputs
        self.register_outputs(dict(stack_outputs))

    def _options(self, moved_from: str | None, **options: Any) -> pulumi.ResourceOptions:
        aliases = [_pre_split_alias(moved_from)] if moved_from else None
        return pulumi.ResourceOptions(parent=self, aliases=aliases, **options)

    def _send_diagnostics(self, name: str, resource: pulumi.CustomResource, moved_from: str | None) -> None:
        categories = DIAGNOSTIC_CATEGORIES.get(resource.pulumi_resource_type)
        workspace_id = self.common.diagnostics_workspace_id
        if categories is None or workspace_id is None:
            return
        monitor.DiagnosticSetting(
            f"{name}-diagnostics",
            name="to-log-analytics",
            resource_uri=resource.id,
            workspace_id=workspace_id,
            logs=[
                *(monitor.DiagnosticsLogSettingsArgs(category_group=group, enabled=True) for group in categories.logs),
                *(monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True) for category in categories.log_categories),
            ],
            metrics=[
                monitor.DiagnosticsMetricSettingsArgs(category=category, enabled=True)
                for category in categories.metrics
            ],
            opts=self._options(f"{moved_from}-diagnostics" if moved_from else None),
        )

    def _lock(self, name: str, resource_id: pulumi.Input[str]) -> None:
        lock = self.common.lock
        if lock == "None":
            return
        authorization.ManagementLockByScope(
            f"{name}-lock",
            scope=resource_id,
            level=lock,
            lock_name=f"{name}-{lock.lower()}",
            notes="Managed by azureml-platform: remove the lock in the stack config before deleting.",
            opts=self._options(None),
        )


def existing(invoke: Callable[..., Any], **args: Any) -> Any | None:
    """What Azure holds for a get-invoke (e.g. ml.get_data_version); None if it, or its workspace or
    group, does not exist yet. Every other failure (access, throttling) stops the program."""
    try:
        return invoke(**args)
    except Exception as error:  # an invoke failure arrives as a bare Exception with the service's message
        if _NOT_FOUND.search(str(error)):
            return None
        raise


_NOT_FOUND = re.compile(r"\b404\b|NotFound|not found", re.IGNORECASE)


def held_field(found: Any | None, part: str, field: str) -> Any | None:
    """A field of what an invoke found (see `existing`): the provider hands a union-typed part such as
    `properties` over as a plain camelCase map or as an object."""
    value = getattr(found, part, None) if found is not None else None
    if isinstance(value, Mapping):
        return value.get(to_camel(field))
    return getattr(value, field, None)


def _subscription_of(scope: pulumi.Input[str]) -> str | None:
    """The subscription of a scope given as text: a role definition id names the scope's own
    subscription, or ARM rewrites it and the grant diffs forever (Azure/azure-rest-api-specs#10939)."""
    if isinstance(scope, str) and scope.lower().startswith("/subscriptions/"):
        return scope.split("/")[2]
    return None


def _pre_split_alias(old_name: str) -> pulumi.Alias:
    parent_type, parent_name = PRE_SPLIT_PARENT
    parent_urn = f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{parent_type}::{parent_name}"
    return pulumi.Alias(name=old_name, parent=parent_urn)
