"""The fixture's component and naming helper."""

import pulumi
from pulumi_azure_native import authorization, storage

# Module state, as real naming helpers keep: a run that reused it would see every name as taken.
_claimed_names: set[str] = set()


def claim_name(name: str) -> str:
    if name in _claimed_names:
        raise pulumi.RunError(f"azure name {name!r} is used twice")
    _claimed_names.add(name)
    return name


class DataLake(pulumi.ComponentResource):
    """An auto-named storage account with its blob service, containers and, when protected, a lock."""

    def __init__(self, name: str, resource_group_name: pulumi.Input[str], sku: str, containers: list[str],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("fixture:data:DataLake", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.account = storage.StorageAccount(
            f"{name}-account",
            resource_group_name=resource_group_name,
            kind="StorageV2",
            sku=storage.SkuArgs(name=sku),
            allow_blob_public_access=False,
            minimum_tls_version="TLS1_2",
            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=["is_hns_enabled"], delete_before_replace=True,
                                        custom_timeouts=pulumi.CustomTimeouts(create="30m")),
        )
        blob_service = storage.BlobServiceProperties(
            f"{name}-blobs",
            account_name=self.account.name,
            resource_group_name=resource_group_name,
            is_versioning_enabled=True,
            opts=child,
        )
        for container in containers:
            storage.BlobContainer(
                f"{name}-{container}",
                container_name=container,
                account_name=self.account.name,
                resource_group_name=resource_group_name,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service], retain_on_delete=True),
            )
        if opts and opts.protect:
            authorization.ManagementLockByScope(
                f"{name}-lock", scope=self.account.id, level="CanNotDelete", opts=child
            )
        self.register_outputs({"accountId": self.account.id})
