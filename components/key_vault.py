"""The workspace's key vault: RBAC authorization, soft delete, purge protection per environment."""

from __future__ import annotations

from pulumi_azure_native import keyvault
from pydantic import Field

from components.base import CommonArgs, PlatformComponent
from components.settings import Floor, Section, one_of
from components.values import OPEN_NETWORK, NetworkAccess


class KeyVaultConfig(Section):
    # Azure cannot turn purge protection off once on, so false means "leave it off".
    purge_protection: bool = True
    soft_delete_retention_days: int = Field(default=90, ge=7, le=90)
    network: NetworkAccess = NetworkAccess()

    # Purge protection would hold a dev vault's name for the whole retention period after a destroy
    # (a vault cannot be re-created over a soft-deleted one: ConflictError); without it the vault can
    # be purged at once (`az keyvault purge`). Staging keeps prod's: both settings are set-once on an
    # existing vault (retention "cannot be changed", MicrosoftDocs/azure-docs#110047), so staging
    # re-creates beside its old vault with a new nameSuffix.
    environment_defaults = {"dev": {"purgeProtection": False, "softDeleteRetentionDays": 7, "network": OPEN_NETWORK}}
    prod_floor = (
        Floor("purgeProtection", one_of(True), rules=("key-vault-purge-protection",)),
        Floor("network.defaultAction", one_of("Deny"), rules=("key-vault-network-deny",)),
    )


class KeyVault(PlatformComponent):
    vault: keyvault.Vault

    def __init__(self, name: str, common: CommonArgs, settings: KeyVaultConfig):
        super().__init__("azureml-platform:keyvault:KeyVault", name, common)
        context = self.context
        self.vault = self.declare(
            keyvault.Vault,
            name,
            stateful=True,
            moved_from="ml-key-vault",
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
        )
        self.grant_people("keyVault", self.vault.id, moved=True)
        self.finish(
            {"keyVault": {"name": self.vault.name, "id": self.vault.id, "uri": self.vault.properties.vault_uri}}
        )
