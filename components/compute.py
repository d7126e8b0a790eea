"""Compute targets: autoscaling clusters and personal compute instances, a map of named targets.

Clusters run as a compute identity of their own, with only what jobs need: the workspace identity
administers the key vault and registry, and any job's code could use its cluster's identity. The
image-build cluster has an identity of its own, the only one that may push images.
Instances act as their user, with an instance identity only to mount the file share. Both have local (key) auth off, SSH closed, and no public IP wherever
the workspace has a managed network. Azure applies few compute changes in place
(see REPLACED_ON_CHANGE): such a change is declared as a replacement, so `pulumi preview` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Mapping, Union

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import managedidentity
from pydantic import Field, model_validator

from components.base import CommonArgs, PlatformComponent
from components.settings import Floor, Section, one_of
from components.values import ComputeName, Cron, Guid, TimeZone, VmSize, iso_duration

# What Azure does not change on an existing compute, so a change must replace it (the PUT is
# accepted and ignored otherwise):
# - a cluster's VM size and priority (Azure/azure-rest-api-specs#18889); the PATCH API updates
#   scale settings only ("Compute - Update"), which a PUT updates too (azurerm PR #29878); the
#   identity can change in place ("Set up authentication...": switch a cluster's identity);
# - a compute instance's VM size and SSH setting ("Create a compute instance": they can't change
#   after creation), its user and network settings;
# - for both, disableLocalAuth (create-only in the REST spec).
REPLACED_ON_CHANGE = {
    "AmlCompute": (
        "properties.disableLocalAuth",
        "properties.properties.vmSize",
        "properties.properties.vmPriority",
        "properties.properties.enableNodePublicIp",
        "properties.properties.remoteLoginPortPublicAccess",
        "properties.properties.osType",
    ),
    "ComputeInstance": (
        "properties.disableLocalAuth",
        "properties.properties.vmSize",
        "properties.properties.personalComputeInstanceSettings",
        "properties.properties.sshSettings",
        "properties.properties.enableNodePublicIp",
    ),
}
# A compute instance's schedules and idle shutdown are set at creation: a PUT ignores changes to
# them (Azure/bicep#17617) or fails on its schedules (azure-quickstart-templates#11830), and the
# user may change them in studio. Tags would PUT the instance again. Change these in studio (or
# re-create the instance).
INSTANCE_SET_AT_CREATION = ("properties.properties.schedules", "properties.properties.idleTimeBeforeShutdown", "tags")
# Within Azure ML's bounds for a compute instance's idle shutdown ("Configure idle shutdown").
IDLE_SHUTDOWN_MINUTES = (15, 3 * 24 * 60)


class ClusterConfig(Section):
    """An AmlCompute cluster that scales between minNodes and maxNodes."""

    type: Literal["cluster"]
    vm_size: VmSize = "Standard_DS3_v2"
    # LowPriority nodes cost less and can be preempted; jobs on them may restart.
    priority: Literal["Dedicated", "LowPriority"] = "Dedicated"
    min_nodes: int = Field(default=0, ge=0, le=1000)
    max_nodes: int = Field(default=4, ge=1, le=1000)
    # How long an idle node is kept before the cluster scales down.
    idle_seconds_before_scale_down: int = Field(default=1800, ge=60, le=7 * 24 * 3600)
    description: str | None = Field(default=None, max_length=256)

    # Dev runs experiments, which a preempted node only delays.
    environment_defaults = {"dev": {"priority": "LowPriority", "idleSecondsBeforeScaleDown": 600}}
    prod_floor = (Floor("minNodes", one_of(0), rules=("compute-cluster-scales-to-zero",)),)

    @model_validator(mode="after")
    def _nodes_in_order(self) -> ClusterConfig:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"minNodes ({self.min_nodes}) is more than maxNodes ({self.max_nodes})")
        return self


class InstanceUser(Section):
    """The one person who can use a compute instance (Entra ID object id, and tenant if not the stack's)."""

    object_id: Guid
    tenant_id: Guid | None = None


class InstanceSchedule(Section):
    """When Azure ML starts and stops the instance (cron expressions in timeZone)."""

    start: Cron | None = None
    stop: Cron | None = None
    time_zone: TimeZone = "UTC"

    @model_validator(mode="after")
    def _something_scheduled(self) -> InstanceSchedule:
        if self.start is None and self.stop is None:
            raise ValueError("a schedule needs start, stop or both")
        return self


class ComputeInstanceConfig(Section):
    """A personal compute instance: only its user can use it."""

    type: Literal["instance"]
    user: InstanceUser
    vm_size: VmSize = "Standard_DS3_v2"
    idle_minutes_before_shutdown: int = Field(default=60, ge=IDLE_SHUTDOWN_MINUTES[0], le=IDLE_SHUTDOWN_MINUTES[1])
    schedule: InstanceSchedule | None = None
    description: str | None = Field(default=None, max_length=256)


ComputeConfig = Annotated[Union[ClusterConfig, ComputeInstanceConfig], Field(discriminator="type")]
Computes = dict[ComputeName, ComputeConfig]

# Every stack has a CPU cluster; a GPU cluster is an example in stacks/Pulumi.dev.yaml, since most
# subscriptions have no GPU quota until they ask for it.
DEFAULT_COMPUTES = {"cpu": {"type": "cluster", "vmSize": "Standard_DS3_v2", "maxNodes": 4}}
# The cluster Azure ML builds environment images on where the registry is closed (WorkspaceConfig
# imageBuildCompute): small, one node, gone when idle.
IMAGE_BUILDER = {"type": "cluster", "vmSize": "Standard_DS3_v2", "maxNodes": 1, "description": "Builds environment images"}


# What jobs do as their cluster's identity ("Set up authentication between Azure Machine Learning
# and other services": the compute identity pulls images and reads identity-based datastores):
# read and write data and outputs, pull images; parallel jobs (ParallelRunStep, batch) also keep
# their state in queues and tables ("Disable shared key access ...", role table).
COMPUTE_IDENTITY_ROLES = {
    "storage": ("Storage Blob Data Contributor", "Storage Queue Data Contributor", "Storage Table Data Contributor"),
    "containerRegistry": ("AcrPull",),
}
# The image-build cluster pushes the images it builds: only it has a push role.
IMAGE_BUILD_IDENTITY_ROLES = {"storage": ("Storage Blob Data Contributor",), "containerRegistry": ("AcrPush",)}
# With shared keys off, an instance mounts the workspace file share as a user-assigned identity
# with this role ("Disable shared key access for your workspace's storage account", limitations).
# Every instance user holds the same roles on the account themselves (the data-scientist persona).
INSTANCE_IDENTITY_ROLES = {"storage": ("Storage File Data Privileged Contributor", "Storage Blob Data Contributor")}


@dataclass(frozen=True)
class ComputeDependencies:
    workspace_name: pulumi.Input[str]
    storage_account: pulumi.Input[str]  # ARM ids of what the compute identity is granted on
    container_registry: pulumi.Input[str]
    managed_network: bool  # whether the workspace has a managed network (no public IPs then)
    image_build_compute: str | None = None  # the cluster Azure ML builds images on (WorkspaceConfig)


class Compute(PlatformComponent):
    computes: dict[str, ml.Compute]
    identity: managedidentity.UserAssignedIdentity
    grants: dict[str, dict[str, pulumi.Resource]]  # the identity's, by COMPUTE_IDENTITY_ROLES scope, then role
    instance_identity: managedidentity.UserAssignedIdentity | None  # declared when the stack has an instance

    def __init__(self, name: str, common: CommonArgs, settings: Mapping[str, ComputeConfig], dependencies: ComputeDependencies):
        super().__init__("azureml-platform:compute:Compute", name, common)
        self._dependencies = dependencies
        self.identity = self.declare(
            managedidentity.UserAssignedIdentity,
            f"{name}-identity",
            resource_name_=f"{self.context.names.identity}-compute",
            **self.context.placement,
        )
        self.grants = self._grant("compute-identity", self.identity, COMPUTE_IDENTITY_ROLES)
        # (identity, its grants) by cluster key: the image-build cluster's own, every other the compute identity's.
        self._cluster_access = {key: (self.identity, self.grants) for key in settings}
        if dependencies.image_build_compute in settings:
            builder = self.declare(
                managedidentity.UserAssignedIdentity,
                f"{name}-image-build-identity",
                resource_name_=f"{self.context.names.identity}-image-build",
                **self.context.placement,
            )
            self._cluster_access[dependencies.image_build_compute] = (
                builder, self._grant("image-build-identity", builder, IMAGE_BUILD_IDENTITY_ROLES)
            )
        self.instance_identity = None
        if any(isinstance(compute, ComputeInstanceConfig) for compute in settings.values()):
            self.instance_identity = self.declare(
                managedidentity.UserAssignedIdentity,
                f"{name}-instance-identity",
                resource_name_=f"{self.context.names.identity}-instances",
                **self.context.placement,
            )
            self._instance_access = (
                self.instance_identity, self._grant("instance-identity", self.instance_identity, INSTANCE_IDENTITY_ROLES)
            )
        self.computes = {key: self._compute(name, key, compute) for key, compute in settings.items()}
        self.finish(
            {
                "computes": {
                    key: {"name": resource.name, "id": resource.id, "type": settings[key].type, "vmSize": settings[key].vm_size}
                    for key, resource in self.computes.items()
                },
                "computeIdentity": {"id": self.identity.id, "clientId": self.identity.client_id, "principalId": self.identity.principal_id},
            }
        )

    def _grant(self, group: str, identity: managedidentity.UserAssignedIdentity, roles_by_scope: Mapping[str, tuple[str, ...]]):
        scopes = {"storage": self._dependencies.storage_account, "containerRegistry": self._dependencies.container_registry}
        return self.grant_identity(group, identity.principal_id, scopes, roles_by_scope, f"Azure ML {group.replace('-', ' ')}")

    def _compute(self, name: str, key: str, settings: ComputeConfig) -> ml.Compute:
        context, dependencies = self.context, self._dependencies
        if isinstance(settings, ClusterConfig):
            compute_name, properties, fixed = key, self._cluster(settings), ()
            identity, grants = self._cluster_access[key]
        else:
            compute_name, properties = context.names.instance("compute_instance", key), self._instance(settings)
            (identity, grants), fixed = self._instance_access, INSTANCE_SET_AT_CREATION
        return self.declare(
            ml.Compute,
            f"{name}-{key}",
            # Azure names are fixed, so a replacement must delete the old compute first.
            # Nothing uses a compute before its identity's grants, which are long done by then.
            depends_on=[grant for by_role in grants.values() for grant in by_role.values()],
            replace_on_changes=REPLACED_ON_CHANGE[properties.compute_type],
            ignore_changes=fixed,
            delete_before_replace=True,
            compute_name=compute_name,
            workspace_name=dependencies.workspace_name,
            **context.placement,
            identity=ml.ManagedServiceIdentityArgs(type="UserAssigned", user_assigned_identities=[identity.id]),
            properties=properties,
        )

    def _cluster(self, settings: ClusterConfig) -> ml.AmlComputeArgs:
        return ml.AmlComputeArgs(
            compute_type="AmlCompute",
            description=settings.description,
            disable_local_auth=True,
            properties=ml.AmlComputePropertiesArgs(
                vm_size=settings.vm_size,
                vm_priority=settings.priority,
                os_type="Linux",
                scale_settings=ml.ScaleSettingsArgs(
                    min_node_count=settings.min_nodes,
                    max_node_count=settings.max_nodes,
                    node_idle_time_before_scale_down=iso_duration(settings.idle_seconds_before_scale_down),
                ),
                # The SDK's default is a public IP; inside a managed network nodes need none.
                enable_node_public_ip=not self._dependencies.managed_network,
                # Explicit: NotSpecified becomes Enabled or Disabled after creation and diffs on refresh.
                remote_login_port_public_access="Disabled",
            ),
        )

    def _instance(self, settings: ComputeInstanceConfig) -> ml.ComputeInstanceArgs:
        user = settings.user
        return ml.ComputeInstanceArgs(
            compute_type="ComputeInstance",
            description=settings.description,
            disable_local_auth=True,
            properties=ml.ComputeInstancePropertiesArgs(
                vm_size=settings.vm_size,
                personal_compute_instance_settings=ml.PersonalComputeInstanceSettingsArgs(
                    assigned_user=ml.AssignedUserArgs(object_id=user.object_id, tenant_id=user.tenant_id or self.context.tenant_id)
                ),
                compute_instance_authorization_type="personal",
                application_sharing_policy="Personal",
                ssh_settings=ml.ComputeInstanceSshSettingsArgs(ssh_public_access="Disabled"),
                enable_node_public_ip=not self._dependencies.managed_network,
                idle_time_before_shutdown=iso_duration(settings.idle_minutes_before_shutdown * 60),
                schedules=_schedules(settings.schedule),
            ),
        )


def _schedules(schedule: InstanceSchedule | None) -> ml.ComputeSchedulesArgs | None:
    if schedule is None:
        return None
    actions = {"Start": schedule.start, "Stop": schedule.stop}
    return ml.ComputeSchedulesArgs(
        compute_start_stop=[
            ml.ComputeStartStopScheduleArgs(
                action=action,
                trigger_type="Cron",
                cron=ml.CronArgs(expression=expression, time_zone=schedule.time_zone),
                status="Enabled",
            )
            for action, expression in actions.items()
            if expression is not None
        ]
    )


def instance_users(computes: Mapping[str, ComputeConfig]) -> list[str]:
    """Object ids of the people compute instances are assigned to."""
    return sorted({c.user.object_id for c in computes.values() if isinstance(c, ComputeInstanceConfig)})
