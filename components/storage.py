"""The workspace's storage account: Entra ID only, versioned and soft-deleted blobs."""

from __future__ import annotations

from typing import Literal

from pulumi_azure_native import storage
from pydantic import Field

from components.base import CommonArgs, PlatformComponent
from components.settings import Floor, Section, one_of
from components.values import OPEN_NETWORK, NetworkAccess

REDUNDANT_SKUS = ("Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS")

# Azure ML writes this CORS rule onto its storage's blob service so that studio can browse data.
# Blob service properties are a full PUT: a declaration without it would remove it on the next `up`
# (or diff forever). Origins as the Bicep AVM pattern `avm/ptn/azd/ml-hub-dependencies` declares them
# (a superset of the Terraform AVM workspace module's, "for idempotency", which omits the canary and
# test hosts); methods, headers and max age as both declare.
STUDIO_CORS_RULE = storage.CorsRuleArgs(
    allowed_origins=[
        "https://mlworkspace.azure.ai",
        "https://ml.azure.com",
        "https://*.ml.azure.com",
        "https://ai.azure.com",
        "https://*.ai.azure.com",
        "https://mlworkspacecanary.azure.ai",
        "https://mlworkspace.azureml-test.net",
    ],
    allowed_methods=["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"],
    allowed_headers=["*"],
    exposed_headers=["*"],
    max_age_in_seconds=1800,
)


class StorageConfig(Section):
    sku: Literal["Standard_LRS", *REDUNDANT_SKUS] = "Standard_ZRS"
    soft_delete_retention_days: int = Field(default=30, ge=1, le=365)
    network: NetworkAccess = NetworkAccess()

    # Dev is cheap and disposable, and reachable from a laptop.
    environment_defaults = {"dev": {"sku": "Standard_LRS", "softDeleteRetentionDays": 7, "network": OPEN_NETWORK}}
    prod_floor = (
        Floor("sku", one_of(*REDUNDANT_SKUS), rules=("storage-redundant",)),
        Floor("network.defaultAction", one_of("Deny"), rules=("storage-network-deny",)),
    )


class Storage(PlatformComponent):
    account: storage.StorageAccount
    blob_service: storage.BlobServiceProperties

    def __init__(self, name: str, common: CommonArgs, settings: StorageConfig):
        super().__init__("azureml-platform:storage:Storage", name, common)
        context = self.context
        self.account = self.declare(
            storage.StorageAccount,
            name,
            stateful=True,
            moved_from="ml-storage",
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
        )
        retention = storage.DeleteRetentionPolicyArgs(enabled=True, days=settings.soft_delete_retention_days)
        self.blob_service = self.declare(
            storage.BlobServiceProperties,
            f"{name}-blob-service",
            moved_from="ml-blob-service",
            account_name=self.account.name,
            resource_group_name=context.resource_group_name,
            blob_services_name="default",
            is_versioning_enabled=True,
            cors=storage.CorsRulesArgs(cors_rules=[STUDIO_CORS_RULE]),
            delete_retention_policy=retention,
            container_delete_retention_policy=retention,
        )
        self.grant_people("storage", self.account.id, moved=True)
        self.finish({"storageAccount": {"name": self.account.name, "id": self.account.id}})
