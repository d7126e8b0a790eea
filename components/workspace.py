"""The Azure ML workspace with its dependencies: storage, key vault, container registry, identity.

The workspace runs as a user-assigned identity created here. Azure checks that identity's access to
storage, key vault, registry and Application Insights when it creates the workspace, so those role
assignments are the only explicit dependencies; everything else is ordered by references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Sequence

import pulumi
from pulumi_azure_native import containerregistry, keyvault, machinelearningservices, managedidentity, storage

from components.common import (
    CommonArgs,
    DiagnosticSettings,
    RoleAssignment,
    assign_roles,
    child_options,
    govern,
    lock_resource,
    send_diagnostics,
)
from components.config import (
    ContainerRegistryConfig,
    KeyVaultConfig,
    NetworkAccess,
    StorageConfig,
    WorkspaceConfig,
)

RoleScope = Literal["workspace", "storage", "keyVault", "containerRegistry"]

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
    "applicationInsights": ("Contributor",),
}


@dataclass(frozen=True)
class WorkspaceArgs:
    common: CommonArgs
    workspace: WorkspaceConfig
    storage: StorageConfig
    key_vault: KeyVaultConfig
    container_registry: ContainerRegistryConfig
    application_insights_id: pulumi.Input[str]
    role_assignments: Mapping[RoleScope, Sequence[RoleAssignment]] = field(default_factory=dict)


class Workspace(pulumi.ComponentResource):
    identity: managedidentity.UserAssignedIdentity
    storage_account: storage.StorageAccount
    key_vault: keyvault.Vault
    container_registry: containerregistry.Registry
    workspace: machinelearningservices.Workspace

    def __init__(self, name: str, args: WorkspaceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("azureml-platform:workspace:Workspace", name, None, opts)
        self._name, self._args = name, args
        self.identity = self._identity()
        self.storage_account = self._storage_account()
        self.key_vault = self._key_vault()
        self.container_registry = self._container_registry()
        scopes = {
            "storage": self.storage_account.id,
            "keyVault": self.key_vault.id,
            "containerRegistry": self.container_registry.id,
            "applicationInsights": args.application_insights_id,
        }
        identity_access = self._grant_identity(scopes)
        self.workspace = self._workspace(identity_access)
        self._grant_identity({"workspace": self.workspace.id}, roles={"workspace": ("Contributor",)})
        scopes["workspace"] = self.workspace.id
        for scope, assignments in args.role_assignments.items():
            assign_roles(self, f"{name}-{scope}", scopes[scope], assignments, args.common.context)
        self.register_outputs(
            {
                "workspaceName": self.workspace.name,
                "workspaceId": self.workspace.id,
                "mlflowTrackingUri": self.workspace.ml_flow_tracking_uri,
                "identityPrincipalId": self.identity.principal_id,
            }
        )

    # --- dependencies ---------------------------------------------------------------------

    def _identity(self) -> managedidentity.UserAssignedIdentity:
        context = self._args.common.context
        return managedidentity.UserAssignedIdentity(
            f"{self._name}-identity",
            resource_name_=context.names.identity,
            **context.placement,
            opts=child_options(self),
        )

    def _storage_account(self) -> storage.StorageAccount:
        context, settings = self._args.common.context, self._args.storage
        account = storage.StorageAccount(
            f"{self._name}-storage",
            account_name=context.names.storage_account,
            **context.placement,
            kind="StorageV2",
            sku=storage.SkuArgs(name=settings.sku),
            access_tier="Hot",
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            allow_blob_public_access=False,
            # Entra ID only: datastores and the workspace use identities, never account keys.
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            public_network_access=settings.network.public_network_access,
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=settings.network.default_action,
                bypass="AzureServices",
                ip_rules=[storage.IPRuleArgs(i_p_address_or_range=ip) for ip in settings.network.allowed_ip_ranges],
            ),
            encryption=storage.EncryptionArgs(key_source="Microsoft.Storage", require_infrastructure_encryption=True),
            opts=child_options(self, protect=self._args.common.protect),
        )
        blob_service = storage.BlobServiceProperties(
            f"{self._name}-blob-service",
            account_name=account.name,
            resource_group_name=context.resource_group_name,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=settings.soft_delete_retention_days
            ),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=settings.soft_delete_retention_days
            ),
            opts=child_options(self),
        )
        self._storage_diagnostics(account, blob_service)
        lock_resource(self, f"{self._name}-storage", account.id, self._args.common.lock)
        return account

    def _storage_diagnostics(
        self, account: storage.StorageAccount, blob_service: storage.BlobServiceProperties
    ) -> None:
        """Storage accounts report metrics only; their logs come from the blob service."""
        diagnostics = self._args.common.diagnostics
        if diagnostics is None:
            return
        account_metrics = DiagnosticSettings(
            diagnostics.workspace_id, log_category_groups=(), metric_categories=("Transaction",)
        )
        blob_logs = DiagnosticSettings(diagnostics.workspace_id, metric_categories=("Transaction",))
        send_diagnostics(self, f"{self._name}-storage", account.id, account_metrics)
        send_diagnostics(self, f"{self._name}-blob-service", blob_service.id, blob_logs)

    def _key_vault(self) -> keyvault.Vault:
        context, settings = self._args.common.context, self._args.key_vault
        vault = keyvault.Vault(
            f"{self._name}-key-vault",
            vault_name=context.names.key_vault,
            **context.placement,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=context.tenant_id,
                sku=keyvault.SkuArgs(family="A", name="standard"),
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=settings.soft_delete_retention_days,
                # Azure accepts only true or absent: purge protection can never be switched off.
                enable_purge_protection=True if settings.purge_protection else None,
                public_network_access=settings.network.public_network_access,
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action=settings.network.default_action,
                    bypass="AzureServices",
                    ip_rules=[keyvault.IPRuleArgs(value=ip) for ip in settings.network.allowed_ip_ranges],
                ),
            ),
            opts=child_options(self, protect=self._args.common.protect),
        )
        govern(self, f"{self._name}-key-vault", vault.id, self._args.common)
        return vault

    def _container_registry(self) -> containerregistry.Registry:
        context, settings = self._args.common.context, self._args.container_registry
        premium = settings.sku == "Premium"
        registry = containerregistry.Registry(
            f"{self._name}-container-registry",
            registry_name=context.names.container_registry,
            **context.placement,
            sku=containerregistry.SkuArgs(name=settings.sku),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access=settings.network.public_network_access,
            network_rule_bypass_options="AzureServices",
            network_rule_set=_registry_network_rules(settings.network) if premium else None,
            zone_redundancy="Enabled" if settings.zone_redundancy else "Disabled",
            policies=_registry_policies(settings) if premium else None,
            opts=child_options(self, protect=self._args.common.protect),
        )
        govern(self, f"{self._name}-container-registry", registry.id, self._args.common)
        return registry

    def _grant_identity(
        self, scopes: Mapping[str, pulumi.Input[str]], roles: Mapping[str, Sequence[str]] = IDENTITY_ROLES
    ) -> list[pulumi.Resource]:
        grants = []
        for scope, role_names in roles.items():
            assignments = [
                RoleAssignment(
                    principal_id=self.identity.principal_id,
                    role=role,
                    principal_type="ServicePrincipal",
                    key=role.lower().replace(" ", "-"),
                    description="Azure ML workspace identity",
                )
                for role in role_names
            ]
            grants += assign_roles(
                self, f"{self._name}-identity-{scope}", scopes[scope], assignments, self._args.common.context
            )
        return grants

    # --- the workspace --------------------------------------------------------------------

    def _workspace(self, identity_access: Sequence[pulumi.Resource]) -> machinelearningservices.Workspace:
        context, settings = self._args.common.context, self._args.workspace
        workspace = machinelearningservices.Workspace(
            f"{self._name}-workspace",
            workspace_name=context.names.workspace,
            **context.placement,
            kind="Default",
            sku=machinelearningservices.SkuArgs(name="Basic", tier="Basic"),
            friendly_name=settings.friendly_name or context.names.workspace,
            description=settings.description,
            identity=machinelearningservices.ManagedServiceIdentityArgs(
                type="UserAssigned", user_assigned_identities=[self.identity.id]
            ),
            primary_user_assigned_identity=self.identity.id,
            storage_account=self.storage_account.id,
            key_vault=self.key_vault.id,
            container_registry=self.container_registry.id,
            application_insights=self._args.application_insights_id,
            public_network_access=settings.public_network_access,
            managed_network=machinelearningservices.ManagedNetworkSettingsArgs(isolation_mode=settings.isolation_mode),
            system_datastores_auth_mode="identity",
            v1_legacy_mode=False,
            hbi_workspace=settings.hbi,
            image_build_compute=settings.image_build_compute,
            encryption=self._encryption(),
            opts=child_options(
                self, protect=self._args.common.protect, depends_on=[*identity_access, *self._key_access()]
            ),
        )
        govern(self, f"{self._name}-workspace", workspace.id, self._args.common)
        return workspace

    def _encryption(self) -> machinelearningservices.EncryptionPropertyArgs | None:
        key = self._args.workspace.customer_managed_key
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

    def _key_access(self) -> list[pulumi.Resource]:
        """The identity must be able to wrap keys with the customer-managed key before creation."""
        key = self._args.workspace.customer_managed_key
        if key is None:
            return []
        return self._grant_identity(
            {"customerManagedKey": key.key_vault_id},
            roles={"customerManagedKey": ("Key Vault Crypto Service Encryption User",)},
        )


def _registry_network_rules(network: NetworkAccess) -> containerregistry.NetworkRuleSetArgs:
    return containerregistry.NetworkRuleSetArgs(
        default_action=network.default_action,
        ip_rules=[
            containerregistry.IPRuleArgs(i_p_address_or_range=ip, action="Allow") for ip in network.allowed_ip_ranges
        ],
    )


def _registry_policies(settings: ContainerRegistryConfig) -> containerregistry.PoliciesArgs:
    def status(enabled: bool) -> str:
        return "enabled" if enabled else "disabled"

    return containerregistry.PoliciesArgs(
        retention_policy=containerregistry.RetentionPolicyArgs(
            status=status(settings.untagged_retention_days > 0), days=settings.untagged_retention_days
        ),
        trust_policy=containerregistry.TrustPolicyArgs(status=status(settings.trust_policy), type="Notary"),
        quarantine_policy=containerregistry.QuarantinePolicyArgs(status=status(settings.quarantine_policy)),
        # Images may not leave a registry that is closed to the internet.
        export_policy=containerregistry.ExportPolicyArgs(
            status=status(settings.network.public_network_access == "Enabled")
        ),
    )
