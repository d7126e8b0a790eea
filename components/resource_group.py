"""The resource group everything is placed in: created for the stack, or one that already exists."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import resources

from components.base import CommonArgs, PlatformComponent


class ResourceGroup(PlatformComponent):
    """`existing` names a group to deploy into (created and governed elsewhere); otherwise the
    stack creates its own. Locks are not applied here: Azure ML advises against locking the
    workspace's resource group (a lock there blocks the service's own changes)."""

    name: pulumi.Output[str]
    azure_name: str  # the same, known before deployment
    id: pulumi.Output[str]

    def __init__(self, name: str, common: CommonArgs, existing: str | None = None):
        super().__init__("azureml-platform:resources:ResourceGroup", name, common)
        context = self.context
        self.azure_name = existing or context.names.resource_group
        if existing:
            self.name = pulumi.Output.from_input(existing)
            group_id = pulumi.Output.from_input(f"/subscriptions/{context.subscription_id}/resourceGroups/{existing}")
        else:
            group = resources.ResourceGroup(
                name,
                resource_group_name=context.names.resource_group,
                location=context.location,
                tags=context.tags,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    protect=common.protect,
                    # Declared at the top of the stack before components existed.
                    aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)],
                ),
            )
            self.name, group_id = group.name, group.id
        self.id = group_id
        self.grant_people("resourceGroup", group_id)
        self.finish({"resourceGroupName": self.name})
