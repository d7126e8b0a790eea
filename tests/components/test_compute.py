"""Compute targets in the plan: clusters and personal instances, their identity, and what Azure
cannot change in place; bad compute config refused naming the key."""

import pytest

from components.config import load_config
from components.settings import ConfigError
from preview.capture import capture_plan
from preview.stackfile import load_stack_config
from tests.conftest import INSTANCE_USER

NS = "azureml-platform"
COMPUTE = "azure-native:machinelearningservices:Compute"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ROLE = "azure-native:authorization:RoleAssignment"
SLEEP = "time:index/sleep:Sleep"
ROLES = {"ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor", "8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush",
         "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull", "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
         "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
         "f6c7c914-8db3-469d-8ca1-694a8f32e121": "AzureML Data Scientist",
         "69566ab7-960f-475b-8e7c-b3118f30c6bd": "Storage File Data Privileged Contributor"}


def test_every_stack_has_a_cpu_cluster_and_staging_and_prod_the_image_builder(stack_plans):
    for stack, expected in (("dev", ["cpu"]), ("staging", ["cpu", "image-builder"]), ("prod", ["cpu", "image-builder"])):
        plan = stack_plans[stack]
        assert sorted(c.inputs["computeName"] for c in plan.of_type(COMPUTE)) == expected, stack
        assert plan.one(WORKSPACE).inputs.get("imageBuildCompute") == (None if stack == "dev" else "image-builder")
        assert sorted(plan.outputs["computes"]) == expected


def test_clusters_run_as_the_compute_identity_without_public_ip_ssh_or_keys(plan):
    """Job clusters as the compute identity, the image-build cluster as its own (it alone pushes images)."""
    expected = {"compute-cpu": "compute-identity", "compute-image-builder": "compute-image-build-identity"}
    for cluster in plan.of_type(COMPUTE):
        inputs = cluster.inputs
        assert inputs["identity"]["type"] == "UserAssigned"
        [identity_id] = inputs["identity"]["userAssignedIdentities"]
        identity = plan.one(IDENTITY, expected[cluster.name]).inputs
        assert identity_id.endswith(f"/userAssignedIdentities/{identity['resourceName']}")
        assert inputs["properties"]["computeType"] == "AmlCompute"
        assert inputs["properties"]["disableLocalAuth"] is True
        settings = inputs["properties"]["properties"]
        assert (settings["enableNodePublicIp"], settings["remoteLoginPortPublicAccess"], settings["osType"]) == (False, "Disabled", "Linux")
        assert settings["scaleSettings"]["minNodeCount"] == 0
        assert inputs["location"] == plan.one(WORKSPACE).inputs["location"]


def test_cluster_settings_per_environment(stack_plans):
    dev, prod = stack_plans["dev"].one(COMPUTE, "compute-cpu"), stack_plans["prod"].one(COMPUTE, "compute-cpu")
    assert dev.inputs["properties"]["properties"]["vmPriority"] == "LowPriority"
    assert dev.inputs["properties"]["properties"]["scaleSettings"] == {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT10M"}
    assert prod.inputs["properties"]["properties"]["vmPriority"] == "Dedicated"
    assert prod.inputs["properties"]["properties"]["vmSize"] == "Standard_DS3_v2"
    builder = stack_plans["prod"].one(COMPUTE, "compute-image-builder").inputs["properties"]["properties"]
    assert builder["scaleSettings"]["maxNodeCount"] == 1


def test_a_cluster_declared_by_type_alone_gets_the_model_defaults():
    config = load_stack_config("prod")
    config[f"{NS}:computes"] = {"gpu": {"type": "cluster"}}
    settings = capture_plan("prod", config=config).one(COMPUTE, "compute-gpu").inputs["properties"]["properties"]
    assert (settings["vmSize"], settings["vmPriority"]) == ("Standard_DS3_v2", "Dedicated")
    assert settings["scaleSettings"] == {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT30M"}


def test_nodes_get_a_public_ip_only_without_a_managed_network():
    config = load_stack_config("dev")
    config[f"{NS}:workspace"] = {"isolationMode": "Disabled"}
    plan = capture_plan("dev", config=config)
    assert plan.one(COMPUTE, "compute-cpu").inputs["properties"]["properties"]["enableNodePublicIp"] is True


def held_by(plan, identity_name: str) -> set:
    """(scope type, role name) of every grant to the identity of that logical name."""
    identity = plan.one(IDENTITY, identity_name)
    return {(g.inputs["scope"].rsplit("/", 2)[-2], ROLES.get(g.inputs["roleDefinitionId"].rsplit("/", 1)[-1]))
            for g in plan.of_type(ROLE) if plan.depends_on(g, identity)}


def test_the_compute_identity_holds_only_what_jobs_need(plan):
    assert held_by(plan, "compute-identity") == {
        ("storageAccounts", "Storage Blob Data Contributor"),
        # parallel jobs keep their state in queues and tables
        ("storageAccounts", "Storage Queue Data Contributor"),
        ("storageAccounts", "Storage Table Data Contributor"),
        ("registries", "AcrPull"),
    }
    assert plan.outputs["computeIdentity"]["principalId"] in {
        g.inputs["principalId"] for g in plan.of_type(ROLE) if plan.depends_on(g, plan.one(IDENTITY, "compute-identity"))}


def test_each_identity_is_an_azure_identity_of_its_own(stack_plans, instance_plan):
    """One Azure name would be one identity: job clusters would hold the image builder's AcrPush."""
    for plan, own, suffix in ((stack_plans["prod"], "compute-image-build-identity", "image-build"),
                              (instance_plan, "compute-instance-identity", "instances")):
        workspace = plan.one(IDENTITY, "ml-identity").inputs["resourceName"]
        assert {r.name: r.inputs["resourceName"] for r in plan.of_type(IDENTITY)} == {
            "ml-identity": workspace, "compute-identity": f"{workspace}-compute", own: f"{workspace}-{suffix}",
            "endpoints-iris-identity": f"{workspace}-endpoint-iris"}


def test_only_the_image_build_cluster_can_push_images(stack_plans):
    for stack in ("staging", "prod"):
        plan = stack_plans[stack]
        assert held_by(plan, "compute-image-build-identity") == {
            ("storageAccounts", "Storage Blob Data Contributor"), ("registries", "AcrPush")}
    assert [r for r in stack_plans["dev"].of_type(IDENTITY) if r.name == "compute-image-build-identity"] == []


def test_computes_wait_for_the_workspace_their_identity_and_its_grants_only(plan):
    workspace = plan.one(WORKSPACE)
    for compute in plan.of_type(COMPUTE):
        assert plan.depends_on(compute, workspace)
        assert {plan.by_urn(d).type for d in compute.dependencies} <= {WORKSPACE, IDENTITY, ROLE, "azure-native:resources:ResourceGroup"}
        [identity] = [plan.by_urn(d) for d in compute.dependencies if plan.by_urn(d).type == IDENTITY]
        grants = {g.urn for g in plan.of_type(ROLE) if plan.depends_on(g, identity)}
        assert grants and {d for d in compute.dependencies if plan.by_urn(d).type == ROLE} == grants


def test_changes_azure_cannot_make_in_place_are_replacements(plan, instance_plan):
    cluster = plan.one(COMPUTE, "compute-cpu")
    assert {"properties.properties.vmSize", "properties.properties.vmPriority", "properties.disableLocalAuth"} <= set(
        cluster.replace_on_changes)
    # Scale settings and the identity change in place.
    assert not any(path.startswith(("properties.properties.scaleSettings", "identity")) for path in cluster.replace_on_changes)
    assert cluster.ignore_changes == []
    instance = instance_plan.one(COMPUTE, "compute-alice")
    assert {"properties.properties.vmSize", "properties.properties.personalComputeInstanceSettings",
            "properties.properties.sshSettings"} <= set(instance.replace_on_changes)
    # Set at creation, then the user's to change in studio: never a replacement, never a PUT.
    assert instance.ignore_changes == ["properties.properties.idleTimeBeforeShutdown", "properties.properties.schedules", "tags"]
    # The Azure name is fixed: the old compute must go first.
    assert cluster.delete_before_replace and instance.delete_before_replace


def test_a_compute_instance_belongs_to_its_user(instance_plan):
    instance = instance_plan.one(COMPUTE, "compute-alice").inputs
    suffix = instance_plan.outputs["computes"]["alice"]["name"].rsplit("-", 1)[-1]
    assert instance["computeName"] == f"alice-dev-{suffix}" and not any(ch.isdigit() for ch in suffix)
    identity = instance_plan.one(IDENTITY, "compute-instance-identity").inputs["resourceName"]
    assert instance["identity"]["userAssignedIdentities"][0].endswith(f"/userAssignedIdentities/{identity}")
    assert instance["properties"]["computeType"] == "ComputeInstance"
    assert instance["properties"]["disableLocalAuth"] is True
    settings = instance["properties"]["properties"]
    assert settings["personalComputeInstanceSettings"]["assignedUser"]["objectId"] == INSTANCE_USER
    assert settings["computeInstanceAuthorizationType"] == "personal"
    assert settings["vmSize"] == "Standard_DS3_v2"
    assert settings["applicationSharingPolicy"] == "Personal"
    assert settings["sshSettings"] == {"sshPublicAccess": "Disabled"}
    assert settings["enableNodePublicIp"] is False
    assert settings["idleTimeBeforeShutdown"] == "PT1H"
    assert settings["schedules"] == {"computeStartStop": [
        {"action": "Stop", "triggerType": "Cron", "cron": {"expression": "0 19 * * 1-5", "timeZone": "UTC"}, "status": "Enabled"}]}


def test_the_instance_user_defaults_to_the_stacks_tenant(instance_plan):
    from preview.registry import TENANT_ID

    user = instance_plan.one(COMPUTE, "compute-alice").inputs["properties"]["properties"]["personalComputeInstanceSettings"]
    assert user["assignedUser"]["tenantId"] == TENANT_ID


def test_instances_mount_the_file_share_as_the_instance_identity(stack_plans, instance_plan):
    """Shared keys are off: the identity needs the file role ("Disable shared key access ..."); its
    user holds the same roles, so it lets them do nothing more."""
    principal = instance_plan.outputs["computes"]["alice"]
    identity = instance_plan.one(IDENTITY, "compute-instance-identity")
    held = {ROLES.get(g.inputs["roleDefinitionId"].rsplit("/", 1)[-1]) for g in instance_plan.of_type(ROLE)
            if plan_principal(instance_plan, identity) == g.inputs["principalId"]}
    assert principal and held == {"Storage File Data Privileged Contributor", "Storage Blob Data Contributor"}
    assert [r for r in stack_plans["dev"].of_type(IDENTITY) if r.name == "compute-instance-identity"] == []


def plan_principal(plan, identity):
    """The principal id the fake provider gave an identity, as grants reference it."""
    return next(g.inputs["principalId"] for g in plan.of_type(ROLE) if plan.depends_on(g, identity))


def test_the_instance_user_can_work_on_it(instance_plan):
    """AzureML Data Scientist covers start, stop and the applications; the file share holds notebooks."""
    held = {(g.inputs["scope"].rsplit("/", 2)[-2], ROLES.get(g.inputs["roleDefinitionId"].rsplit("/", 1)[-1]), g.inputs["principalType"])
            for g in instance_plan.of_type(ROLE) if g.inputs["principalId"] == INSTANCE_USER}
    assert held == {("workspaces", "AzureML Data Scientist", "User"), ("storageAccounts", "Storage Blob Data Contributor", "User"),
                    ("storageAccounts", "Storage File Data Privileged Contributor", "User")}


USER = {"objectId": INSTANCE_USER}
BAD_COMPUTE_CONFIG = [
    ({"gpu": {"type": "cluster", "vmSize": "NC6"}}, "computes.gpu.vmSize: must be an Azure VM size such as Standard_DS3_v2 (got 'NC6')"),
    ({"gpu": {"type": "cluster", "minNodes": 5, "maxNodes": 2}}, "computes.gpu: minNodes (5) is more than maxNodes (2)"),
    ({"gpu": {"type": "cluster", "minNodes": -1}}, "computes.gpu.minNodes: Input should be greater than or equal to 0 (got -1)"),
    ({"gpu": {"type": "cluster", "maxNodes": 0}}, "computes.gpu.maxNodes: Input should be greater than or equal to 1 (got 0)"),
    ({"gpu": {"type": "cluster", "idleSecondsBeforeScaleDown": 10}}, "computes.gpu.idleSecondsBeforeScaleDown: Input should be greater than or equal to 60"),
    ({"alice": {"type": "instance", "user": USER, "idleMinutesBeforeShutdown": 5}}, "computes.alice.idleMinutesBeforeShutdown: Input should be greater than or equal to 15"),
    ({"alice": {"type": "instance", "user": USER, "idleMinutesBeforeShutdown": 4321}}, "computes.alice.idleMinutesBeforeShutdown: Input should be less than or equal to 4320"),
    ({"g": {"type": "cluster"}}, "computes.g: must be 3-16 letters"),
    ({"cpu-2": {"type": "cluster"}}, "computes.cpu-2: must be 3-16 letters"),
    ({"a-very-long-cluster": {"type": "cluster"}}, "computes.a-very-long-cluster: must be 3-16 letters"),
    ({"alice": {"type": "instance"}}, "computes.alice.user: required key is missing"),
    ({"alice": {"type": "instance", "user": {"objectId": "alice@contoso.com"}}}, "computes.alice.user.objectId: must be a GUID"),
    ({"alice": {"type": "instance", "user": USER, "schedule": {"stop": "at seven"}}}, "computes.alice.schedule.stop: must be a cron expression"),
    ({"alice": {"type": "instance", "user": USER, "schedule": {}}}, "computes.alice.schedule: a schedule needs start, stop or both"),
    ({"CPU": {"type": "cluster"}}, "computes.CPU: the same Azure name as computes.cpu (names ignore case)"),
    ({"gpu": {"type": "vm"}}, "computes.gpu.type: Input should be 'cluster' or 'instance' (got 'vm')"),
    ({"gpu": {"type": "cluster", "vmSzie": "Standard_NC6s_v3"}}, "computes.gpu.vmSzie: unknown key; did you mean 'vmSize'?"),
]


@pytest.mark.parametrize(("computes", "message"), BAD_COMPUTE_CONFIG, ids=[m.split(":")[0] for _, m in BAD_COMPUTE_CONFIG])
def test_bad_compute_config_is_refused_naming_the_key(computes, message, stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("dev", computes=computes), "dev")
    assert f"{NS}:{message}" in str(raised.value)


def test_the_image_build_compute_must_be_a_declared_cluster(stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("prod", computes={"image-builder": None}), "prod")
    assert str(raised.value) == (
        f"{NS}:workspace.imageBuildCompute: names 'image-builder', which is not a cluster in computes (clusters: cpu); "
        "add computes.image-builder with type: cluster, or name one of them")
    instance = {"builder": {"type": "instance", "user": USER}}
    with pytest.raises(ConfigError, match=r"names 'builder', which is not a cluster in computes \(clusters: cpu, image-builder\)"):
        load_config(stack_config("prod", computes=instance, workspace={"imageBuildCompute": "builder"}), "prod")


def test_prod_clusters_scale_to_zero(stack_config):
    with pytest.raises(ConfigError, match=r"computes\.gpu\.minNodes: prod requires 0"):
        load_config(stack_config("prod", computes={"gpu": {"type": "cluster", "minNodes": 1}}), "prod")
    assert load_config(stack_config("dev", computes={"gpu": {"type": "cluster", "minNodes": 1}}), "dev").computes["gpu"].min_nodes == 1
