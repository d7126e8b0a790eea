"""The Pulumi program: read and validate the stack config, then wire the platform's components."""

from dataclasses import replace

import pulumi
from pulumi_azure_native import authorization

from components.access import DATA_ROLES, external_data_assignments, people_role_assignments
from components.alerts import AlertDependencies, Alerts, WatchedEndpoint
from components.base import CommonArgs, PlatformContext
from components.compute import Compute, ComputeDependencies, instance_users
from components.config import PROJECT, StackConfig, load_config
from components.settings import ConfigError
from components.container_registry import ContainerRegistry
from components.data import Data, DataDependencies
from components.endpoints import EndpointDependencies, Endpoints
from components.key_vault import KeyVault
from components.monitoring import Monitoring
from components.naming import platform_names
from components.network import Network, NetworkDependencies, NetworkTarget
from components.resource_group import ResourceGroup
from components.secrets import hide_secrets, hide_secrets_in_every_resource, secret_strings, stack_config
from components.storage import Storage
from components.workspace import Workspace, WorkspaceDependencies


def read_config() -> tuple[StackConfig, frozenset[str]]:
    """The stack's config, validated as a whole before anything is declared, and its secret strings."""
    values, secret_keys = stack_config()
    try:
        config = load_config(values, pulumi.get_stack(), secret_keys)
    except ConfigError as error:
        raise pulumi.RunError(f"invalid stack config (stacks/Pulumi.{pulumi.get_stack()}.yaml):\n{error}") from None
    return config, secret_strings(values, secret_keys)


def main() -> None:
    config, secrets = read_config()
    hide_secrets_in_every_resource(secrets)
    stack = pulumi.get_stack()
    client = authorization.get_client_config()
    context = PlatformContext(
        project=PROJECT,
        stack=stack,
        location=config.location,
        subscription_id=client.subscription_id,
        tenant_id=client.tenant_id,
        resource_group_name=None,  # set once the group is declared
        names=platform_names(config.prefix, stack, client.subscription_id, PROJECT, config.name_suffix),
        tags={"environment": config.environment, "stack": stack, "managed-by": f"pulumi/{PROJECT}", **config.tags},
    )
    users = instance_users(config.computes)
    people = people_role_assignments(config.personas, config.role_assignments, users)
    common = CommonArgs(context=context, lock=config.lock, protect=config.protect, role_assignments=people)
    resource_group = ResourceGroup("resource-group", common, existing=config.existing_resource_group)
    common = replace(common, context=replace(context, resource_group_name=resource_group.name))

    monitoring = Monitoring("monitoring", common, config.monitoring)
    if config.diagnostics:
        common = replace(common, diagnostics_workspace_id=monitoring.log_analytics.id)
    storage = Storage("storage", common, config.storage)
    key_vault = KeyVault("key-vault", common, config.key_vault)
    container_registry = ContainerRegistry("container-registry", common, config.container_registry)
    workspace = Workspace(
        "ml",
        common,
        config.workspace,
        WorkspaceDependencies(
            resource_group=resource_group.id,
            storage_account=storage.account.id,
            key_vault=key_vault.vault.id,
            container_registry=container_registry.registry.id,
            application_insights=monitoring.application_insights.id,
        ),
        firewall_sku=config.managed_firewall_sku,
    )

    compute = Compute(
        "compute",
        common,
        config.computes,
        ComputeDependencies(
            workspace_name=workspace.workspace.name,
            storage_account=storage.account.id,
            container_registry=container_registry.registry.id,
            managed_network=config.workspace.isolation_mode != "Disabled",
            image_build_compute=config.workspace.image_build_compute,
        ),
    )
    data = Data(
        "data",
        common,
        config.datastores,
        config.data_assets,
        DataDependencies(
            resource_group_name=resource_group.azure_name,
            workspace_name=workspace.azure_name,
            workspace=workspace.workspace,
            storage_account_name=storage.account.name,
            # The data role of each identity on the platform's account.
            storage_grants=[
                workspace.identity_grants["storage"][DATA_ROLES["readWrite"]],
                compute.grants["storage"][DATA_ROLES["readWrite"]],
            ],
            workspace_principal_id=workspace.identity.principal_id,
            compute_principal_id=compute.identity.principal_id,
        ),
        external_people={
            access: external_data_assignments(config.personas, users, access) for access in ("readWrite", "readOnly")
        },
    )
    names = context.names
    network = Network(
        "network",
        common,
        config.network,
        NetworkDependencies(
            targets={
                "workspace": NetworkTarget(workspace.workspace.id, workspace.azure_name),
                "storage": NetworkTarget(storage.account.id, names.storage_account),
                "keyVault": NetworkTarget(key_vault.vault.id, names.key_vault),
                **(
                    {"containerRegistry": NetworkTarget(container_registry.registry.id, names.container_registry)}
                    if config.container_registry.sku == "Premium"
                    else {}
                ),
            },
            workspace_name=workspace.workspace.name,
            workspace_principal_id=workspace.identity.principal_id,
            isolation_mode=config.workspace.isolation_mode,
            external_storage=config.external_storage(),
            monitoring=(monitoring.log_analytics.id, monitoring.application_insights.id) if config.monitoring_closed else (),
        ),
    )

    endpoints = Endpoints(
        "endpoints",
        common,
        config.endpoints,
        EndpointDependencies(
            resource_group_name=resource_group.azure_name,
            workspace_name=workspace.azure_name,
            workspace=workspace.workspace,
            storage_account=storage.account.id,
            container_registry=container_registry.registry.id,
            entra_only_telemetry=None if config.monitoring.local_auth else monitoring.application_insights.id,
            egress_public_network_access=config.deployment_egress,
            role_propagation_seconds=config.workspace.role_assignment_wait_seconds,
        ),
    )
    alerts = Alerts(
        "alerts",
        common,
        config.alerts,
        AlertDependencies(
            workspace_id=workspace.workspace.id,
            log_analytics_id=monitoring.log_analytics.id,
            endpoints={
                key: WatchedEndpoint(
                    name=endpoints.azure_name(key),
                    id=served.endpoint.id,
                    deployments={name: deployment.id for name, deployment in served.deployments.items()},
                    thresholds=config.endpoints[key].alerts,
                )
                for key, served in endpoints.served.items()
            },
        ),
    )

    outputs = {"environment": config.environment, "location": config.location, "subscriptionId": client.subscription_id}
    components = (
        resource_group, monitoring, storage, key_vault, container_registry, workspace, compute, data, network, endpoints, alerts
    )
    for component in components:
        outputs.update(component.stack_outputs)
    for key, value in outputs.items():
        pulumi.export(key, hide_secrets(value, secrets))


main()
