"""The Azure ML workspace and the user-assigned identity it runs as.

Azure checks the identity's access to storage, key vault, registry and Application Insights when it
creates the workspace, so those role assignments are the workspace's only explicit dependencies;
everything else is ordered by references.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

import pulumi
from pulumi_azure_native import machinelearningservices, managedidentity
from pydantic import Field

from components.base import CommonArgs, PlatformComponent, RoleAssignment
from components.settings import Floor, Section, one_of
from components.values import Access, ArmKeyVaultId, ComputeName, KeyUri, WorkspaceName


class CustomerManagedKey(Section):
    key_vault_id: ArmKeyVaultId
    key_uri: KeyUri


class WorkspaceConfig(Section):
    # Instead of the derived mlw-<prefix>-<stack>: Azure holds a deleted workspace's name for 14 days
    # ("Soft-deleted workspace exists"), so re-creating a stack beside it takes a new name. Changing
    # it on a deployed stack replaces the workspace.
    name: WorkspaceName | None = None
    friendly_name: str | None = Field(default=None, max_length=256)
    description: str = Field(default="Azure Machine Learning workspace managed by azureml-platform", max_length=256)
    public_network_access: Access = "Disabled"
    isolation_mode: Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"] = (
        "AllowOnlyApprovedOutbound"
    )
    # High business impact: less diagnostic data leaves the workspace, compute scratch disks are encrypted.
    hbi: bool = True
    # A registry closed to the internet cannot build images itself (ImageBuildComputeNotValid):
    # Azure ML then builds them on this cluster (components/compute.py creates it). None leaves it
    # to Azure ML (serverless compute, or the registry's own builder).
    image_build_compute: ComputeName | None = "image-builder"
    customer_managed_key: CustomerManagedKey | None = None
    # Azure RBAC takes minutes to propagate: a workspace created right after its identity's grants
    # can miss datastores (MicrosoftDocs/azure-docs#111772); the Azure ML MLOps templates wait 120 s.
    # 0 creates the workspace right after the grants.
    role_assignment_wait_seconds: int = Field(default=120, ge=0, le=1800)

    environment_defaults = {
        # Studio, notebooks and the SDK from a developer's machine without a VPN.
        "dev": {
            "publicNetworkAccess": "Enabled",
            "isolationMode": "AllowInternetOutbound",
            "imageBuildCompute": None,  # the open Basic registry builds images itself
        },
    }
    prod_floor = (
        Floor("publicNetworkAccess", one_of("Disabled"), rules=("workspace-public-network-disabled",)),
        Floor("isolationMode", one_of("AllowOnlyApprovedOutbound"), rules=("workspace-approved-outbound-only",)),
        Floor("hbi", one_of(True), rules=("workspace-hbi",)),
    )

# What the workspace identity needs, per "Set up authentication between Azure Machine Learning
# and other services" (user-assigned identity): control plane plus the data-plane roles that
# identity-based datastores and an RBAC key vault require. The managed network approves its own
# private endpoints to these resources, which a user-assigned identity may only do with the
# approver role ("how-to-managed-network").
_APPROVER = "Azure AI Enterprise Network Connection Approver"
IDENTITY_ROLES: Mapping[str, Sequence[str]] = {
    "storage": ("Contributor", "Storage Blob Data Contributor", "Storage File Data Privileged Contributor", _APPROVER),
    "keyVault": ("Contributor", "Key Vault Administrator", _APPROVER),
    "containerRegistry": ("Contributor", _APPROVER),
    # Publisher: Entra ID ingestion, where Application Insights local auth is off
    # ("Microsoft Entra authentication for Application Insights").
    "applicationInsights": ("Contributor", "Monitoring Metrics Publisher"),
    # The managed network's private endpoint to the workspace itself is approved while the workspace
    # is created, before any grant on the workspace can exist (Microsoft's user-assigned identity
    # samples grant the approver on the group); studio previews closed storage through the client
    # private endpoints, which the identity must be able to read ("Use Azure Machine Learning studio
    # in a virtual network").
    "resourceGroup": (_APPROVER, "Reader"),
}


@dataclass(frozen=True)
class WorkspaceDependencies:
    """ARM ids of the resources the workspace is linked to (storage and key vault for good)."""

    resource_group: pulumi.Input[str]
    storage_account: pulumi.Input[str]
    key_vault: pulumi.Input[str]
    container_registry: pulumi.Input[str]
    application_insights: pulumi.Input[str]


class Workspace(PlatformComponent):
    identity: managedidentity.UserAssignedIdentity
    workspace: machinelearningservices.Workspace
    azure_name: str  # known before deployment (the published-data check reads Azure with it)
    identity_grants: dict[str, dict[str, pulumi.Resource]]  # by IDENTITY_ROLES scope, then role

    def __init__(
        self,
        name: str,
        common: CommonArgs,
        settings: WorkspaceConfig,
        dependencies: WorkspaceDependencies,
        firewall_sku: str | None = None,
    ):
        """`firewall_sku`: the managed Azure Firewall's, which FQDN outbound rules need (None: no firewall)."""
        super().__init__("azureml-platform:workspace:Workspace", name, common)
        self._settings, self._firewall_sku = settings, firewall_sku
        self.identity = self.declare(
            managedidentity.UserAssignedIdentity,
            f"{name}-identity",
            resource_name_=self.context.names.identity,
            **self.context.placement,
        )
        scopes = {
            "resourceGroup": dependencies.resource_group,
            "storage": dependencies.storage_account,
            "keyVault": dependencies.key_vault,
            "containerRegistry": dependencies.container_registry,
            "applicationInsights": dependencies.application_insights,
        }
        self.identity_grants = {
            scope: dict(zip(roles, self._grant_identity(scope, scopes[scope], roles))) for scope, roles in IDENTITY_ROLES.items()
        }
        access = [grant for grants in self.identity_grants.values() for grant in grants.values()]
        self.azure_name = settings.name or self.context.names.workspace
        waited = self.propagated(
            name, [*access, *self._customer_key_access()], settings.role_assignment_wait_seconds, self.identity.principal_id
        )
        self.workspace = self._workspace(name, dependencies, waited)
        self._grant_identity("workspace", self.workspace.id, ("Contributor",))
        self.grant_people("workspace", self.workspace.id)
        self.finish(
            {
                # Flat names for tools (python -m jobs reads workspaceName).
                "workspaceName": self.workspace.name,
                "workspace": {
                    "name": self.workspace.name,
                    "id": self.workspace.id,
                    "workspaceId": self.workspace.workspace_id,
                    "mlflowTrackingUri": self.workspace.ml_flow_tracking_uri,
                    "discoveryUrl": self.workspace.discovery_url,
                    "identityId": self.identity.id,
                    "identityClientId": self.identity.client_id,
                    "identityPrincipalId": self.identity.principal_id,
                },
            }
        )

    def _grant_identity(self, scope_key: str, scope: pulumi.Input[str], roles: Sequence[str]) -> list[pulumi.Resource]:
        assignments = [
            RoleAssignment.for_identity(self.identity.principal_id, role, "Azure ML workspace identity") for role in roles
        ]
        return self.assign_roles(f"identity-{scope_key}", scope, assignments)

    def _workspace(
        self, name: str, dependencies: WorkspaceDependencies, identity_access: Sequence[pulumi.Resource]
    ) -> machinelearningservices.Workspace:
        context, settings = self.context, self._settings
        workspace_name = self.azure_name
        return self.declare(
            machinelearningservices.Workspace,
            f"{name}-workspace",
            stateful=True,
            depends_on=identity_access,
            workspace_name=workspace_name,
            **context.placement,
            kind="Default",
            sku=machinelearningservices.SkuArgs(name="Basic", tier="Basic"),
            friendly_name=settings.friendly_name or workspace_name,
            description=settings.description,
            identity=machinelearningservices.ManagedServiceIdentityArgs(
                type="UserAssigned", user_assigned_identities=[self.identity.id]
            ),
            primary_user_assigned_identity=self.identity.id,
            storage_account=dependencies.storage_account,
            key_vault=dependencies.key_vault,
            container_registry=dependencies.container_registry,
            application_insights=dependencies.application_insights,
            public_network_access=settings.public_network_access,
            managed_network=machinelearningservices.ManagedNetworkSettingsArgs(
                isolation_mode=settings.isolation_mode, firewall_sku=self._firewall_sku
            ),
            # Otherwise the managed network is built with the first compute (about 30 minutes, and it
            # may time out) and online deployments fail until then ("how-to-managed-network").
            provision_network_now=True if settings.isolation_mode != "Disabled" else None,
            system_datastores_auth_mode="Identity",
            v1_legacy_mode=False,
            hbi_workspace=settings.hbi,
            image_build_compute=settings.image_build_compute,
            encryption=self._encryption(),
        )

    def _encryption(self) -> machinelearningservices.EncryptionPropertyArgs | None:
        key = self._settings.customer_managed_key
        if key is None:
            return None
        return machinelearningservices.EncryptionPropertyArgs(
            status="Enabled",
            key_vault_properties=machinelearningservices.KeyVaultPropertiesArgs(
                key_vault_arm_id=key.key_vault_id,
                key_identifier=key.key_uri,
            ),
            identity=machinelearningservices.IdentityForCmkArgs(user_assigned_identity=self.identity.id),
        )

    def _customer_key_access(self) -> list[pulumi.Resource]:
        """The identity must be able to wrap keys with the customer-managed key before creation."""
        key = self._settings.customer_managed_key
        if key is None:
            return []
        return self._grant_identity("customerManagedKey", key.key_vault_id, ("Key Vault Crypto Service Encryption User",))
