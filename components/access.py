"""People's and pipelines' access: personas from the stack config, expanded into role assignments on
every scope each persona needs, plus the explicit `roleAssignments`, routed by scope to the
component that owns it.

With shared keys off, the data plane needs its own roles besides the workspace role: without them,
upload, data assets, model registration and studio's data views return 403 ("Disable shared key
access for Azure Machine Learning storage", role table; "Manage access to an Azure Machine Learning
workspace"). A persona is therefore a set of grants on several scopes; the README lists them.
"""

from __future__ import annotations

from typing import Literal, Mapping, Sequence

from pydantic import Field

from components.base import PrincipalType, RoleAssignment
from components.roles import resolve_role
from components.settings import Section
from components.values import Guid, RoleName

Scope = Literal["workspace", "resourceGroup", "storage", "keyVault", "containerRegistry"]

# What each persona (a PersonasConfig field) is granted, by scope.
PERSONA_ROLES: Mapping[str, Mapping[Scope, Sequence[str]]] = {
    # Work in studio, notebooks and the SDK: jobs, data assets, models, endpoints; browse and
    # upload data; notebooks and compute instances mount the workspace file share.
    "data_scientists": {
        "workspace": ("AzureML Data Scientist",),
        "storage": ("Storage Blob Data Contributor", "Storage File Data Privileged Contributor"),
    },
    # Delivery (python -m jobs in CI): submit jobs, register models from job outputs or local files,
    # deploy online endpoints.
    "delivery_pipelines": {
        "workspace": ("AzureML Data Scientist",),
        "storage": ("Storage Blob Data Contributor",),
    },
    # Look, don't touch: the workspace, its data and its notebooks' files.
    "readers": {
        "workspace": ("Reader",),
        "storage": ("Storage Blob Data Reader", "Storage File Data Privileged Reader"),
    },
}


class Principal(Section):
    principal_id: Guid
    principal_type: PrincipalType
    description: str | None = Field(default=None, max_length=1024)


class PersonasConfig(Section):
    """Who plays each persona; prefer groups, so that people join and leave without a deployment."""

    data_scientists: tuple[Principal, ...] = ()
    delivery_pipelines: tuple[Principal, ...] = ()
    readers: tuple[Principal, ...] = ()


class RoleAssignmentConfig(Section):
    """A single grant, for what no persona covers."""

    principal_id: Guid
    role: RoleName
    principal_type: PrincipalType
    scope: Scope = "workspace"
    description: str | None = Field(default=None, max_length=1024)


def persona_members(personas: PersonasConfig, instance_users: Sequence[str] = ()) -> dict[str, tuple[Principal, ...]]:
    """Who plays each persona. A compute instance's user works on it as a data scientist
    (notebooks on the workspace file share, jobs, data), so `instance_users` (object ids) join that persona."""
    members = {persona: getattr(personas, persona) for persona in PERSONA_ROLES}
    members["data_scientists"] += tuple(
        Principal(principal_id=user, principal_type="User", description="azureml-platform compute instance user")
        for user in instance_users
    )
    return members


def _description(persona: str, principal: Principal) -> str:
    return principal.description or f"azureml-platform persona {PersonasConfig.model_fields[persona].alias}"


def people_role_assignments(
    personas: PersonasConfig, explicit: Sequence[RoleAssignmentConfig], instance_users: Sequence[str] = ()
) -> dict[str, list[RoleAssignment]]:
    """Every grant by scope; one that a persona and an explicit entry both give is made once."""
    wanted = [(g.scope, g.principal_id, g.principal_type, g.role, g.description) for g in explicit]
    for persona, principals in persona_members(personas, instance_users).items():
        for principal in principals:
            wanted += [
                (scope, principal.principal_id, principal.principal_type, role, _description(persona, principal))
                for scope, roles in PERSONA_ROLES[persona].items()
                for role in roles
            ]
    by_scope: dict[str, dict[str, RoleAssignment]] = {}
    for scope, principal_id, principal_type, role, description in wanted:
        assignment = _assignment(principal_id, principal_type, role, description)
        by_scope.setdefault(scope, {}).setdefault(assignment.key, assignment)
    return {scope: list(assignments.values()) for scope, assignments in by_scope.items()}


# What each persona may do with data in a datastore on another storage account (on the platform's
# own account, PERSONA_ROLES' storage grants cover every container). A read-only datastore gives
# everyone the reader role.
PERSONA_DATA_ACCESS: Mapping[str, Literal["readWrite", "readOnly"]] = {
    "data_scientists": "readWrite",
    "delivery_pipelines": "readWrite",
    "readers": "readOnly",
}
DATA_ROLES = {"readWrite": "Storage Blob Data Contributor", "readOnly": "Storage Blob Data Reader"}


def external_data_assignments(
    personas: PersonasConfig, instance_users: Sequence[str], access: Literal["readWrite", "readOnly"]
) -> list[RoleAssignment]:
    """The personas' grants on a container of a datastore whose own access is `access`."""
    assignments: dict[str, RoleAssignment] = {}
    for persona, principals in persona_members(personas, instance_users).items():
        role = DATA_ROLES["readOnly" if "readOnly" in (access, PERSONA_DATA_ACCESS[persona]) else "readWrite"]
        for principal in principals:
            assignment = _assignment(principal.principal_id, principal.principal_type, role, _description(persona, principal))
            assignments.setdefault(assignment.key, assignment)
    return list(assignments.values())


def _assignment(principal_id: str, principal_type: PrincipalType, role: str, description: str | None) -> RoleAssignment:
    role_id = resolve_role(role)
    # With the scope, the key makes the assignment's logical and Azure name.
    return RoleAssignment(principal_id, role_id, principal_type, f"{principal_id}-{role_id}", description)
