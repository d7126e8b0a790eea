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


def people_role_assignments(
    personas: PersonasConfig, explicit: Sequence[RoleAssignmentConfig]
) -> dict[str, list[RoleAssignment]]:
    """Every grant by scope; one that a persona and an explicit entry both give is made once."""
    wanted = [(g.scope, g.principal_id, g.principal_type, g.role, g.description) for g in explicit]
    for persona, roles_by_scope in PERSONA_ROLES.items():
        for principal in getattr(personas, persona):
            description = principal.description or f"azureml-platform persona {PersonasConfig.model_fields[persona].alias}"
            wanted += [
                (scope, principal.principal_id, principal.principal_type, role, description)
                for scope, roles in roles_by_scope.items()
                for role in roles
            ]
    by_scope: dict[str, dict[str, RoleAssignment]] = {}
    for scope, principal_id, principal_type, role, description in wanted:
        role_id = resolve_role(role)
        key = f"{principal_id}-{role_id}"  # with the scope, the assignment's logical and Azure name
        by_scope.setdefault(scope, {}).setdefault(key, RoleAssignment(principal_id, role_id, principal_type, key, description))
    return {scope: list(assignments.values()) for scope, assignments in by_scope.items()}
