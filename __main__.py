"""The Pulumi program: read and validate the stack config, then wire the platform's components."""

from dataclasses import replace

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env
from pulumi_azure_native import authorization, resources

from components.common import CommonArgs, DiagnosticSettings, PlatformContext, RoleAssignment
from components.config import PROJECT, ConfigError, StackConfig, load_config
from components.monitoring import Monitoring, MonitoringArgs
from components.naming import platform_names
from components.workspace import Workspace, WorkspaceArgs


def read_config() -> StackConfig:
    """Every `azureml-platform:*` key of the stack, validated as a whole before anything is declared."""
    values = {**get_config_env(), **CONFIG.get()}
    ours = {key: value for key, value in values.items() if key.startswith(f"{PROJECT}:")}
    try:
        return load_config(ours, pulumi.get_stack())
    except ConfigError as error:
        raise pulumi.RunError(f"invalid stack config (stacks/Pulumi.{pulumi.get_stack()}.yaml):\n{error}") from None


def people_role_assignments(config: StackConfig) -> dict[str, list[RoleAssignment]]:
    by_scope: dict[str, list[RoleAssignment]] = {}
    for grant in config.role_assignments:
        by_scope.setdefault(grant.scope, []).append(
            RoleAssignment(
                principal_id=grant.principal_id,
                role=grant.role,
                principal_type=grant.principal_type,
                key=f"{grant.principal_id}-{grant.role}",
                description=grant.description,
            )
        )
    return by_scope


def main() -> None:
    config = read_config()
    stack = pulumi.get_stack()
    client = authorization.get_client_config()
    names = platform_names(config.prefix, stack, client.subscription_id, PROJECT, config.name_suffix)
    tags = {"environment": config.environment, "stack": stack, "managed-by": f"pulumi/{PROJECT}", **config.tags}

    if config.existing_resource_group:
        resource_group_name = config.existing_resource_group
    else:
        resource_group_name = resources.ResourceGroup(
            "resource-group",
            resource_group_name=names.resource_group,
            location=config.location,
            tags=tags,
            opts=pulumi.ResourceOptions(protect=config.protect),
        ).name

    context = PlatformContext(
        project=PROJECT,
        stack=stack,
        location=config.location,
        subscription_id=client.subscription_id,
        tenant_id=client.tenant_id,
        resource_group_name=resource_group_name,
        names=names,
        tags=tags,
    )
    common = CommonArgs(context=context, lock=config.lock, protect=config.protect)
    monitoring = Monitoring("monitoring", MonitoringArgs(common=common, settings=config.monitoring))
    diagnostics = DiagnosticSettings(workspace_id=monitoring.log_analytics.id) if config.diagnostics else None
    platform = Workspace(
        "ml",
        WorkspaceArgs(
            common=replace(common, diagnostics=diagnostics),
            workspace=config.workspace,
            storage=config.storage,
            key_vault=config.key_vault,
            container_registry=config.container_registry,
            application_insights_id=monitoring.application_insights.id,
            role_assignments=people_role_assignments(config),
        ),
    )

    # Flat names for tools (python -m jobs reads subscriptionId, resourceGroupName, workspaceName).
    pulumi.export("environment", config.environment)
    pulumi.export("location", config.location)
    pulumi.export("subscriptionId", client.subscription_id)
    pulumi.export("resourceGroupName", resource_group_name)
    pulumi.export("workspaceName", platform.workspace.name)
    pulumi.export(
        "workspace",
        {
            "name": platform.workspace.name,
            "id": platform.workspace.id,
            "workspaceId": platform.workspace.workspace_id,
            "mlflowTrackingUri": platform.workspace.ml_flow_tracking_uri,
            "discoveryUrl": platform.workspace.discovery_url,
            "identityId": platform.identity.id,
            "identityClientId": platform.identity.client_id,
            "identityPrincipalId": platform.identity.principal_id,
        },
    )
    pulumi.export("storageAccount", {"name": platform.storage_account.name, "id": platform.storage_account.id})
    pulumi.export(
        "keyVault",
        {"name": platform.key_vault.name, "id": platform.key_vault.id, "uri": platform.key_vault.properties.vault_uri},
    )
    pulumi.export(
        "containerRegistry",
        {
            "name": platform.container_registry.name,
            "id": platform.container_registry.id,
            "loginServer": platform.container_registry.login_server,
        },
    )
    pulumi.export(
        "logAnalytics",
        {
            "name": monitoring.log_analytics.name,
            "id": monitoring.log_analytics.id,
            "customerId": monitoring.log_analytics.customer_id,
        },
    )
    pulumi.export(
        "applicationInsights",
        {
            "name": monitoring.application_insights.name,
            "id": monitoring.application_insights.id,
            "connectionString": pulumi.Output.secret(monitoring.application_insights.connection_string),
        },
    )


main()
