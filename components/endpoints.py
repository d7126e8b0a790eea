"""Managed online endpoints: REST scoring for registered models, with blue/green deployments.

Each endpoint has an identity of its own with only what serving needs, deployments of pinned model
versions, and a traffic split. Three service behaviours shape the resources:
- Traffic may only name deployments that exist, and Azure has no traffic resource: the endpoint is
  created without traffic, then PUT again with its traffic once its deployments exist (the ARM
  template way: azureml-examples "arm-templates", "Deploy ... with an ARM template"). Here that
  second PUT is an ARM deployment that depends on the endpoint's deployments.
- A deployment's instance type is not changed in place (Azure/AML-Kubernetes#247): the program reads
  the deployment Azure holds and refuses a new type, naming the blue/green path instead.
- A deployment of a model version not yet registered (the first `up` of a stack) waits: it is left
  out, with a warning, until `python -m jobs register` has made the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import managedidentity, monitor, resources

from components.base import CommonArgs, PlatformComponent, existing, held_field
from components.endpoints_config import WORKSPACE_MODEL, Autoscale, DeploymentConfig, EndpointConfig, Probe
from components.values import iso_duration

# What a deployment's container does as the endpoint's identity: pull the environment image, read
# the model from the workspace's storage, write metrics to the workspace. A user-assigned identity
# gets no role by itself; these are the roles Azure gives a system-assigned one ("Authentication and
# authorization for online endpoints", automatic role assignment; azureml-examples
# deploy-managed-online-endpoint-access-resource-uai.sh grants the first two).
ENDPOINT_IDENTITY_ROLES = {
    "storage": ("Storage Blob Data Reader",),
    "containerRegistry": ("AcrPull",),
    "workspace": ("AzureML Metrics Writer (preview)",),
}
# Where Application Insights takes Entra ID ingestion only, a sender needs this role on it. The
# inference server sends with the instrumentation key today (so its telemetry is likely refused
# there, README "Serving a model"); the grant is what an Entra-authenticated sender needs.
TELEMETRY_ROLE = "Monitoring Metrics Publisher"
# The API version of the endpoint PUT that sets traffic: the one azure-native 3.29 declares the
# endpoint with, so both PUTs send the same contract.
ENDPOINT_API_VERSION = "2025-12-01"
# A new instance takes 12-18 minutes to serve (Azure/azureml-examples#3515): wait that long before
# judging a scale action by the CPU it left.
SCALE_COOLDOWN = "PT15M"
# Creating or updating a deployment builds and starts containers: Azure ML allows it up to 90 minutes.
DEPLOYMENT_TIMEOUTS = pulumi.CustomTimeouts(create="90m", update="90m", delete="30m")
# The endpoint resource only creates the endpoint: every later change goes through the second PUT,
# which carries all of its settings with the traffic. A PUT of the endpoint resource alone would
# carry no traffic, and ARM resets what a PUT leaves out ("Azure Resource Manager deployment modes":
# properties not included are reset), which would stop the endpoint serving.
ENDPOINT_SET_ELSEWHERE = ("properties", "tags")


@dataclass(frozen=True)
class EndpointDependencies:
    resource_group_name: str  # Azure names, to read what Azure holds while the program runs
    workspace_name: str
    workspace: ml.Workspace
    storage_account: pulumi.Input[str]  # ARM ids of what the endpoint identity is granted on
    container_registry: pulumi.Input[str]
    # Application Insights' id where it takes Entra ID ingestion only (its local auth off); else None.
    entra_only_telemetry: pulumi.Input[str] | None
    # Deployments' egressPublicNetworkAccess (StackConfig.deployment_egress says which).
    egress_public_network_access: str
    role_propagation_seconds: int


@dataclass(frozen=True)
class ServedEndpoint:
    endpoint: ml.OnlineEndpoint
    identity: managedidentity.UserAssignedIdentity
    deployments: dict[str, ml.OnlineDeployment]
    waiting: tuple[str, ...]  # deployments left out until their model version is registered


class Endpoints(PlatformComponent):
    served: dict[str, ServedEndpoint]

    def __init__(self, name: str, common: CommonArgs, settings: Mapping[str, EndpointConfig], dependencies: EndpointDependencies):
        super().__init__("azureml-platform:endpoints:Endpoints", name, common)
        self._dependencies = dependencies
        self.served = {key: self._endpoint(f"{name}-{key}", key, endpoint) for key, endpoint in settings.items()}
        self.finish({"endpoints": {key: self._outputs(served, settings[key]) for key, served in self.served.items()}})

    def azure_name(self, key: str) -> str:
        return self.context.names.instance("online_endpoint", key)

    def _endpoint(self, name: str, key: str, settings: EndpointConfig) -> ServedEndpoint:
        context, dependencies = self.context, self._dependencies
        identity = self.declare(
            managedidentity.UserAssignedIdentity,
            f"{name}-identity",
            resource_name_=f"{context.names.identity}-endpoint-{key}",
            **context.placement,
        )
        grants = self._grant(f"endpoint-{key}", identity, settings)
        endpoint_name = self.azure_name(key)
        endpoint = self.declare(
            ml.OnlineEndpoint,
            f"{name}-endpoint",
            # The identity cannot change once the endpoint exists ("Online Endpoints - Create Or Update").
            replace_on_changes=("identity",),
            delete_before_replace=True,
            ignore_changes=ENDPOINT_SET_ELSEWHERE,
            endpoint_name=endpoint_name,
            workspace_name=dependencies.workspace.name,
            **context.placement,
            identity=_user_assigned(identity),
            properties=ml.OnlineEndpointPropertiesArgs(
                auth_mode=settings.auth_mode, public_network_access=settings.public_network_access, description=settings.description
            ),
        )
        ready = self.propagated(name, grants, dependencies.role_propagation_seconds, identity.principal_id)
        held = {deployment: self._held_deployment(key, deployment) for deployment in settings.deployments}
        waiting = tuple(
            deployment for deployment, config in settings.deployments.items() if not self._model_ready(key, deployment, config, held[deployment])
        )
        deployments = {
            deployment: self._deployment(name, key, endpoint, deployment, config, ready, held[deployment])
            for deployment, config in settings.deployments.items()
            if deployment not in waiting
        }
        self._set_traffic(name, key, endpoint, identity, settings, deployments, waiting)
        return ServedEndpoint(endpoint, identity, deployments, waiting)

    def _grant(self, group: str, identity: managedidentity.UserAssignedIdentity, settings: EndpointConfig) -> list[pulumi.Resource]:
        dependencies = self._dependencies
        scopes = {
            "storage": dependencies.storage_account,
            "containerRegistry": dependencies.container_registry,
            "workspace": dependencies.workspace.id,
        }
        roles = dict(ENDPOINT_IDENTITY_ROLES)
        if dependencies.entra_only_telemetry is not None and any(d.app_insights_enabled for d in settings.deployments.values()):
            scopes["applicationInsights"], roles["applicationInsights"] = dependencies.entra_only_telemetry, (TELEMETRY_ROLE,)
        granted = self.grant_identity(group, identity.principal_id, scopes, roles, "Azure ML online endpoint identity")
        return [grant for by_role in granted.values() for grant in by_role.values()]

    def _held_deployment(self, key: str, deployment: str) -> Any | None:
        """The deployment as Azure holds it; None before its first `up`."""
        dependencies = self._dependencies
        return existing(
            ml.get_online_deployment,
            resource_group_name=dependencies.resource_group_name,
            workspace_name=dependencies.workspace_name,
            endpoint_name=self.azure_name(key),
            deployment_name=deployment,
        )

    def _model_ready(self, key: str, deployment: str, settings: DeploymentConfig, held: Any | None) -> bool:
        """Whether the deployment's model version exists (registry models are taken on trust). A new
        deployment of a version not registered yet waits, with a warning; a running one is refused
        a version that does not exist rather than being left out (which would delete it)."""
        reference = WORKSPACE_MODEL.fullmatch(settings.model)
        if reference is None:
            return True
        dependencies = self._dependencies
        found = existing(
            ml.get_model_version,
            resource_group_name=dependencies.resource_group_name,
            workspace_name=dependencies.workspace_name,
            name=reference["name"],
            version=reference["version"],
        )
        if found is not None:
            return True
        model = f"{reference['name']}:{reference['version']}"
        if held is not None:
            raise pulumi.RunError(
                f"endpoints.{key}.deployments.{deployment}.model: {model} is not registered in workspace "
                f"{dependencies.workspace_name}, and {deployment} is serving; register the version first (python -m jobs register ...)"
            )
        pulumi.log.warn(
            f"endpoints.{key}.deployments.{deployment}: model {model} is not registered in workspace "
            f"{dependencies.workspace_name} yet, so this deployment and its traffic wait: register it "
            "(python -m jobs register ...), then run `pulumi up` again"
        )
        return False

    def _deployment(
        self, name: str, key: str, endpoint: ml.OnlineEndpoint, deployment: str, settings: DeploymentConfig, ready, held: Any | None
    ) -> ml.OnlineDeployment:
        self._refuse_new_instance_type(key, deployment, settings, held)
        # Under autoscale, an update sends the count Azure holds: `ignore_changes` alone would send
        # the count of the first `up` and scale a busy deployment down in the middle of a rollout.
        held_count = held_field(held, "sku", "capacity")
        capacity = held_count if settings.autoscale and held_count else settings.instance_count
        resource = self.declare(
            ml.OnlineDeployment,
            f"{name}-{deployment}",
            # Nothing serves before the identity can pull the image and read the model.
            depends_on=ready,
            # Autoscale owns the instance count once the deployment runs.
            ignore_changes=("sku.capacity",) if settings.autoscale else (),
            # Deleting the endpoint deletes its deployments (deleting them first is refused while they
            # take traffic); a new endpoint needs them anew.
            deleted_with=endpoint,
            replace_with=[endpoint],
            timeouts=DEPLOYMENT_TIMEOUTS,
            deployment_name=deployment,
            endpoint_name=endpoint.name,
            workspace_name=self._dependencies.workspace.name,
            **self.context.placement,
            sku=ml.SkuArgs(name="Default", capacity=capacity),
            properties=ml.ManagedOnlineDeploymentArgs(**self._deployment_properties(settings)),
        )
        if settings.autoscale:
            self._autoscale(f"{name}-{deployment}", resource, self.azure_name(key), deployment, settings.autoscale, settings.instance_count)
        return resource

    def _deployment_properties(self, settings: DeploymentConfig) -> dict[str, Any]:
        dependencies = self._dependencies
        code = settings.code
        return dict(
            endpoint_compute_type="Managed",
            description=settings.description,
            model=self._asset_id("models", settings.model),
            instance_type=settings.instance_type,
            scale_settings=ml.DefaultScaleSettingsArgs(scale_type="Default"),
            request_settings=ml.OnlineRequestSettingsArgs(
                request_timeout=iso_duration(settings.request_settings.request_timeout_ms / 1000),
                max_concurrent_requests_per_instance=settings.request_settings.max_concurrent_requests_per_instance,
            ),
            liveness_probe=_probe(settings.liveness_probe),
            readiness_probe=_probe(settings.readiness_probe),
            app_insights_enabled=settings.app_insights_enabled,
            egress_public_network_access=dependencies.egress_public_network_access,
            environment_id=self._asset_id("environments", settings.environment) if settings.environment else None,
            code_configuration=(
                ml.CodeConfigurationArgs(code_id=self._asset_id("codes", code.asset), scoring_script=code.scoring_script)
                if code
                else None
            ),
            environment_variables=dict(settings.environment_variables) or None,
        )

    def _asset_id(self, kind: str, reference: str) -> pulumi.Input[str]:
        """A workspace asset's ARM id from NAME:VERSION; a registry asset's azureml:// id as it is."""
        found = WORKSPACE_MODEL.fullmatch(reference)
        if found is None:
            return reference
        return pulumi.Output.concat(self._dependencies.workspace.id, f"/{kind}/{found['name']}/versions/{found['version']}")

    def _refuse_new_instance_type(self, key: str, deployment: str, settings: DeploymentConfig, held: Any | None) -> None:
        instance_type = held_field(held, "properties", "instance_type")
        if instance_type is None or instance_type.lower() == settings.instance_type.lower():
            return
        raise pulumi.RunError(
            f"endpoints.{key}.deployments.{deployment}.instanceType: {deployment} runs on {instance_type}, and Azure does "
            f"not change a deployment's instance type in place (Azure/AML-Kubernetes#247). Keep {instance_type} here, add a "
            f"deployment with instanceType {settings.instance_type}, move traffic to it, then remove {deployment} "
            "(README \"Rolling out a model\")"
        )

    def _set_traffic(self, name, key, endpoint, identity, settings: EndpointConfig, deployments, waiting) -> None:
        """The endpoint's second PUT, with its traffic, once its deployments exist."""
        # Zero shares are left out, as the SDK leaves them out of its PUT.
        traffic = {deployment: share for deployment, share in settings.traffic.items() if deployment in deployments and share}
        mirror = {deployment: share for deployment, share in settings.mirror_traffic.items() if deployment in deployments and share}
        if deployments and sum(traffic.values()) != 100:
            late = ", ".join(d for d in waiting if settings.traffic.get(d))
            raise pulumi.RunError(
                f"endpoints.{key}.traffic: {late} cannot take traffic before its model version is registered, and the "
                "deployments that exist would not take all of it; register the model first"
            )
        endpoint_resource = {
            "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            "apiVersion": ENDPOINT_API_VERSION,
            "name": pulumi.Output.concat(self._dependencies.workspace.name, "/", endpoint.name),
            "location": self.context.location,
            "tags": dict(self.context.tags),
            # The identity's id is a key here, which only a resolved value can be.
            "identity": identity.id.apply(lambda id_: {"type": "UserAssigned", "userAssignedIdentities": {id_: {}}}),
            # The same settings as the endpoint resource's: this PUT replaces the endpoint's properties.
            "properties": {
                "authMode": settings.auth_mode,
                "publicNetworkAccess": settings.public_network_access,
                **({"description": settings.description} if settings.description else {}),
                "traffic": traffic,
                "mirrorTraffic": mirror,
            },
        }
        self.declare(
            resources.Deployment,
            f"{name}-traffic",
            depends_on=list(deployments.values()),
            replace_with=[endpoint],  # a new endpoint starts without traffic
            deployment_name=f"traffic-{self.azure_name(key)}",
            resource_group_name=self.context.resource_group_name,
            properties=resources.DeploymentPropertiesArgs(
                mode="Incremental",
                template={
                    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    "contentVersion": "1.0.0.0",
                    "resources": [endpoint_resource],
                },
            ),
        )

    def _autoscale(self, name: str, deployment: ml.OnlineDeployment, endpoint_name: str, deployment_name: str,
                   settings: Autoscale, instance_count: int) -> None:
        """Azure Monitor autoscale on the deployment's CPU ("Autoscale online endpoints in Azure Machine Learning")."""
        cpu = {
            "metric_name": "CpuUtilizationPercentage",
            "metric_namespace": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            "metric_resource_uri": deployment.id,
            "statistic": "Average",
            "time_aggregation": "Average",
            "time_grain": "PT1M",
            "time_window": "PT5M",
        }

        def rule(direction: str, operator: str, threshold: int) -> monitor.ScaleRuleArgs:
            return monitor.ScaleRuleArgs(
                metric_trigger=monitor.MetricTriggerArgs(**cpu, operator=operator, threshold=threshold),
                scale_action=monitor.ScaleActionArgs(direction=direction, type="ChangeCount", value="1", cooldown=SCALE_COOLDOWN),
            )

        self.declare(
            monitor.AutoscaleSetting,
            f"{name}-autoscale",
            replace_with=[deployment],
            autoscale_setting_name=f"autoscale-{endpoint_name}-{deployment_name}",
            **self.context.placement,
            target_resource_uri=deployment.id,
            enabled=True,
            profiles=[
                monitor.AutoscaleProfileArgs(
                    name="cpu",
                    capacity=monitor.ScaleCapacityArgs(
                        minimum=str(settings.min_instances), maximum=str(settings.max_instances), default=str(instance_count)
                    ),
                    rules=[
                        rule("Increase", "GreaterThan", settings.scale_out_cpu_percent),
                        rule("Decrease", "LessThan", settings.scale_in_cpu_percent),
                    ],
                )
            ],
        )

    def _outputs(self, served: ServedEndpoint, settings: EndpointConfig) -> dict[str, Any]:
        endpoint = served.endpoint
        return {
            "name": endpoint.name,
            "id": endpoint.id,
            "scoringUri": endpoint.properties.scoring_uri,
            "authMode": settings.auth_mode,
            "principalId": served.identity.principal_id,
            "deployments": {
                name: {"model": settings.deployments[name].model, "instanceType": settings.deployments[name].instance_type}
                for name in served.deployments
            },
            "traffic": {name: share for name, share in settings.traffic.items() if name in served.deployments},
            "waitingForModel": list(served.waiting),
        }


def _user_assigned(identity: managedidentity.UserAssignedIdentity) -> ml.ManagedServiceIdentityArgs:
    return ml.ManagedServiceIdentityArgs(type="UserAssigned", user_assigned_identities=[identity.id])


def _probe(settings: Probe) -> ml.ProbeSettingsArgs:
    return ml.ProbeSettingsArgs(
        initial_delay=iso_duration(settings.initial_delay_seconds),
        period=iso_duration(settings.period_seconds),
        timeout=iso_duration(settings.timeout_seconds),
        failure_threshold=settings.failure_threshold,
        success_threshold=settings.success_threshold,
    )

