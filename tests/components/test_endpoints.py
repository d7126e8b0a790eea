"""Online endpoints in the plan: the endpoint and its identity's grants, deployments of pinned models
after those grants, traffic set by a second PUT once the deployments exist, autoscale; what Azure
holds (model versions, a deployment's instance type) read while the program runs; bad config refused."""

from types import SimpleNamespace

import pytest
from pulumi_azure_native import machinelearningservices as ml

from components.config import load_config
from components.settings import ConfigError
from preview.capture import capture_plan
from preview.fake_azure import FakeAzure
from preview.plan import PreviewError
from preview.stackfile import load_stack_config

NS = "azureml-platform"
ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
TRAFFIC = "azure-native:resources:Deployment"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ROLE = "azure-native:authorization:RoleAssignment"
SLEEP = "time:index/sleep:Sleep"
ROLE_IDS = {
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    "635dd51f-9968-44d3-b7fb-6d9a6bd613ae": "AzureML Metrics Writer (preview)",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}
PROBE = {"initialDelay": "PT10S", "period": "PT10S", "timeout": "PT2S", "failureThreshold": 30, "successThreshold": 1}


def with_endpoints(stack: str, endpoints: dict, **more) -> dict:
    return {**load_stack_config(stack), f"{NS}:endpoints": endpoints, **{f"{NS}:{k}": v for k, v in more.items()}}


def identity_id(plan, identity) -> str:
    group = f"/subscriptions/{plan.outputs['subscriptionId']}/resourceGroups/{plan.outputs['resourceGroupName']}"
    return f"{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity.inputs['resourceName']}"


def grants_of(plan, principal_id: str) -> dict[str, str]:
    """Role name -> the ARM name of its scope, for one principal."""
    return {
        ROLE_IDS[g.inputs["roleDefinitionId"].rsplit("/", 1)[-1]]: g.inputs["scope"].rsplit("/", 1)[-1]
        for g in plan.of_type(ROLE)
        if g.inputs["principalId"] == principal_id
    }


def test_each_stack_serves_the_iris_endpoint_with_its_own_identity(plan, any_stack):
    endpoint = plan.one(ENDPOINT)
    # The component's type token is part of every URN below it: a new one re-creates the endpoint.
    assert plan.by_urn(endpoint.parent).type == "azureml-platform:endpoints:Endpoints"
    identity = plan.one(IDENTITY, "endpoints-iris-identity")
    assert endpoint.inputs["endpointName"].startswith(f"iris-{any_stack}-")
    assert endpoint.inputs["workspaceName"] == plan.outputs["workspaceName"]
    assert endpoint.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity_id(plan, identity)]}
    assert identity.inputs["resourceName"] == f"id-mlp-{any_stack}-endpoint-iris"
    assert endpoint.inputs["properties"] == {
        "authMode": "AADToken",
        "publicNetworkAccess": "Enabled" if any_stack == "dev" else "Disabled",
    }
    # Only created here: later changes go with the traffic in the second PUT, never without it.
    assert endpoint.ignore_changes == ["properties", "tags"]
    assert endpoint.replace_on_changes == ["identity"] and endpoint.delete_before_replace
    assert plan.outputs["endpoints"]["iris"]["scoringUri"] == f"https://{endpoint.inputs['endpointName']}.westeurope.inference.ml.azure.com/score"


def test_the_endpoint_identity_holds_only_serving_roles(stack_plans):
    prod = stack_plans["prod"]
    principal = prod.outputs["endpoints"]["iris"]["principalId"]
    assert grants_of(prod, principal) == {
        "Storage Blob Data Reader": prod.outputs["storageAccount"]["name"],
        "AcrPull": prod.outputs["containerRegistry"]["name"],
        "AzureML Metrics Writer (preview)": prod.outputs["workspaceName"],
    }
    # Their names seed the GUIDs: a new name is a new grant, refused while the old one exists.
    assert sorted(g.name for g in prod.of_type(ROLE) if g.inputs["principalId"] == principal) == [
        "ml-endpoint-iris-containerRegistry-acrpull", "ml-endpoint-iris-storage-storage-blob-data-reader",
        "ml-endpoint-iris-workspace-azureml-metrics-writer-(preview)"]


def test_telemetry_to_entra_only_application_insights_is_granted(stack_plans):
    """Where a deployment sends to Application Insights that takes Entra ID only, its identity may publish."""
    endpoints = {"iris": {"deployments": {"blue": {"model": "iris-classifier:1", "appInsightsEnabled": True}}, "traffic": {"blue": 100}}}
    plan = capture_plan("staging", config=with_endpoints("staging", endpoints))
    principal = plan.outputs["endpoints"]["iris"]["principalId"]
    assert grants_of(plan, principal)["Monitoring Metrics Publisher"] == plan.outputs["applicationInsights"]["name"]
    # Dev's Application Insights takes keys: no grant needed there.
    dev = stack_plans["dev"]
    assert "Monitoring Metrics Publisher" not in grants_of(dev, dev.outputs["endpoints"]["iris"]["principalId"])


def test_a_deployment_serves_its_pinned_model_after_the_grants(plan, any_stack):
    deployment = plan.one(DEPLOYMENT)
    endpoint = plan.one(ENDPOINT)
    workspace_id = plan.outputs["workspace"]["id"]
    capacity = {"dev": 1, "staging": 1, "prod": 3}[any_stack]
    assert deployment.inputs["deploymentName"] == "blue"
    assert deployment.inputs["endpointName"] == endpoint.inputs["endpointName"]
    assert deployment.inputs["sku"] == {"name": "Default", "capacity": capacity}
    assert deployment.inputs["location"] == endpoint.inputs["location"] == "westeurope"
    assert deployment.inputs["properties"] == {
        "endpointComputeType": "Managed",
        "model": f"{workspace_id}/models/iris-classifier/versions/1",
        "instanceType": "Standard_DS3_v2",
        "scaleSettings": {"scaleType": "Default"},
        # maxQueueWait: azure-native's own default (Azure's too; the SDK deprecates setting it).
        "requestSettings": {"requestTimeout": "PT5S", "maxConcurrentRequestsPerInstance": 1, "maxQueueWait": "PT0.5S"},
        "livenessProbe": PROBE,
        "readinessProbe": PROBE,
        # Application Insights takes the inference server's key only where local auth is on (dev).
        "appInsightsEnabled": any_stack == "dev",
        # Every stack has a managed network, where the flag does not apply and Enabled is what Azure keeps.
        "egressPublicNetworkAccess": "Enabled",
    }
    # Gone with the endpoint, and made anew with a new one.
    assert deployment.deleted_with == endpoint.urn and deployment.replace_with == [endpoint.urn]
    assert deployment.timeouts == {"create": "90m", "update": "90m", "delete": "30m"}
    # Autoscale owns the instance count.
    assert deployment.ignore_changes == ["sku.capacity"]
    wait = plan.one(SLEEP, "endpoints-iris-role-propagation")
    principal = plan.outputs["endpoints"]["iris"]["principalId"]
    grants = [g for g in plan.of_type(ROLE) if g.inputs["principalId"] == principal]
    assert len(grants) == 3 and all(plan.depends_on(wait, grant) for grant in grants)
    assert plan.depends_on(deployment, wait) and plan.depends_on(deployment, endpoint)


def test_traffic_is_set_by_a_second_put_after_the_deployments(plan):
    endpoint, deployment, traffic = plan.one(ENDPOINT), plan.one(DEPLOYMENT), plan.one(TRAFFIC)
    identity = plan.one(IDENTITY, "endpoints-iris-identity")
    assert plan.depends_on(traffic, deployment)
    assert traffic.replace_with == [endpoint.urn]  # a new endpoint starts without traffic
    assert traffic.inputs["deploymentName"] == f"traffic-{endpoint.inputs['endpointName']}"
    assert traffic.inputs["resourceGroupName"] == plan.outputs["resourceGroupName"]
    assert traffic.inputs["properties"]["mode"] == "Incremental"
    template = traffic.inputs["properties"]["template"]
    assert (template["$schema"], template["contentVersion"]) == (
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "1.0.0.0")
    [put] = template["resources"]
    held_by = identity_id(plan, identity)
    assert put == {
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "apiVersion": "2025-12-01",  # the version azure-native declares the endpoint with
        "name": f"{plan.outputs['workspaceName']}/{endpoint.inputs['endpointName']}",
        "location": endpoint.inputs["location"],
        "tags": endpoint.inputs["tags"],
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {held_by: {}}},
        "properties": {**endpoint.inputs["properties"], "traffic": {"blue": 100}, "mirrorTraffic": {}},
    }


def test_mirror_traffic_and_a_second_deployment_reach_the_traffic_put():
    endpoints = {"iris": {
        "deployments": {"blue": {"model": "iris-classifier:1"}, "green": {"model": "iris-classifier:2", "instanceType": "Standard_F4s_v2"}},
        "traffic": {"blue": 100, "green": 0}, "mirrorTraffic": {"green": 20}}}
    plan = capture_plan("dev", config=with_endpoints("dev", endpoints))
    traffic = plan.one(TRAFFIC)
    assert all(plan.depends_on(traffic, d) for d in plan.of_type(DEPLOYMENT)) and len(plan.of_type(DEPLOYMENT)) == 2
    properties = traffic.inputs["properties"]["template"]["resources"][0]["properties"]
    # Zero shares are left out, as the SDK leaves them out.
    assert (properties["traffic"], properties["mirrorTraffic"]) == ({"blue": 100}, {"green": 20})
    assert plan.one(DEPLOYMENT, "endpoints-iris-green").inputs["properties"]["instanceType"] == "Standard_F4s_v2"
    # What a deployment declared by its model alone gets.
    blue = plan.one(DEPLOYMENT, "endpoints-iris-blue").inputs
    assert (blue["properties"]["instanceType"], blue["sku"]["capacity"]) == ("Standard_DS3_v2", 1)


def test_autoscale_declared_empty_scales_between_one_and_three_instances():
    endpoints = {"iris": {"deployments": {"blue": {"model": "iris-classifier:1", "autoscale": {}}}, "traffic": {"blue": 100}}}
    [profile] = capture_plan("dev", config=with_endpoints("dev", endpoints)).one(AUTOSCALE).inputs["profiles"]
    assert profile["capacity"] == {"minimum": "1", "maximum": "3", "default": "1"}
    assert [rule["metricTrigger"]["threshold"] for rule in profile["rules"]] == [70, 25]


def test_autoscale_follows_cpu_on_the_deployment(plan, any_stack):
    deployment, autoscale = plan.one(DEPLOYMENT), plan.one(AUTOSCALE)
    deployment_id = plan.outputs["endpoints"]["iris"]["id"] + "/deployments/blue"
    minimum, maximum = {"dev": (1, 2), "staging": (1, 2), "prod": (3, 6)}[any_stack]
    assert plan.depends_on(autoscale, deployment) and autoscale.replace_with == [deployment.urn]
    assert autoscale.inputs["autoscaleSettingName"] == f"autoscale-{plan.one(ENDPOINT).inputs['endpointName']}-blue"
    assert autoscale.inputs["targetResourceUri"] == deployment_id
    assert autoscale.inputs["enabled"] is True and autoscale.inputs["location"] == "westeurope"
    [profile] = autoscale.inputs["profiles"]
    assert profile["capacity"] == {"minimum": str(minimum), "maximum": str(maximum), "default": str(minimum)}
    trigger = {"metricName": "CpuUtilizationPercentage", "metricNamespace": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
               "metricResourceUri": deployment_id, "statistic": "Average", "timeAggregation": "Average", "timeGrain": "PT1M", "timeWindow": "PT5M"}
    assert profile["rules"] == [
        {"metricTrigger": {**trigger, "operator": "GreaterThan", "threshold": 70},
         "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT15M"}},
        {"metricTrigger": {**trigger, "operator": "LessThan", "threshold": 25},
         "scaleAction": {"direction": "Decrease", "type": "ChangeCount", "value": "1", "cooldown": "PT15M"}},
    ]


def test_a_deployment_without_autoscale_keeps_its_count():
    endpoints = {"iris": {"deployments": {"blue": {"model": "iris-classifier:1", "instanceCount": 3}}, "traffic": {"blue": 100}}}
    plan = capture_plan("dev", config=with_endpoints("dev", endpoints))
    assert plan.of_type(AUTOSCALE) == [] and plan.one(DEPLOYMENT).ignore_changes == []
    assert plan.one(DEPLOYMENT).inputs["sku"] == {"name": "Default", "capacity": 3}


def test_an_endpoint_without_deployments_is_valid_and_sets_no_traffic():
    plan = capture_plan("dev", config=with_endpoints("dev", {"iris": {}}))
    assert plan.of_type(DEPLOYMENT) == [] and plan.of_type(AUTOSCALE) == []
    properties = plan.one(TRAFFIC).inputs["properties"]["template"]["resources"][0]["properties"]
    assert (properties["traffic"], properties["mirrorTraffic"]) == ({}, {})


def test_a_deployment_waits_for_its_model_version(monkeypatch):
    """The first `up` of a stack: no model version yet, so the endpoint comes without the deployment."""
    monkeypatch.setattr(FakeAzure, "unregistered_models", {("mlw-mlp-dev", "iris-classifier", "1")})
    plan = capture_plan("dev")
    assert plan.of_type(DEPLOYMENT) == [] and plan.of_type(AUTOSCALE) == []
    assert plan.outputs["endpoints"]["iris"]["waitingForModel"] == ["blue"]
    assert plan.outputs["endpoints"]["iris"]["traffic"] == {}
    properties = plan.one(TRAFFIC).inputs["properties"]["template"]["resources"][0]["properties"]
    assert properties["traffic"] == {}


def test_an_unregistered_model_cannot_take_traffic_from_a_live_deployment(monkeypatch):
    monkeypatch.setattr(FakeAzure, "unregistered_models", {("mlw-mlp-dev", "iris-classifier", "2")})
    endpoints = {"iris": {"deployments": {"blue": {"model": "iris-classifier:1"}, "green": {"model": "iris-classifier:2"}},
                          "traffic": {"blue": 90, "green": 10}}}
    with pytest.raises(PreviewError) as raised:
        capture_plan("dev", config=with_endpoints("dev", endpoints))
    assert ("endpoints.iris.traffic: green cannot take traffic before its model version is registered, and the "
            "deployments that exist would not take all of it; register the model first") in str(raised.value)


def test_registry_models_environments_and_scoring_code_are_referenced():
    registry_model = "azureml://registries/azureml/models/iris-classifier/versions/3"
    endpoints = {"iris": {"deployments": {"blue": {
        "model": registry_model, "environment": "sklearn-serving:2", "code": {"asset": "iris-scoring:1", "scoringScript": "score.py"},
        "environmentVariables": {"WORKERS": "2"}, "requestSettings": {"requestTimeoutMs": 1500, "maxConcurrentRequestsPerInstance": 4},
        "livenessProbe": {"initialDelaySeconds": 90, "periodSeconds": 30}}}, "traffic": {"blue": 100}}}
    plan = capture_plan("dev", config=with_endpoints("dev", endpoints))
    workspace_id = plan.outputs["workspace"]["id"]
    properties = plan.one(DEPLOYMENT).inputs["properties"]
    assert properties["model"] == registry_model
    assert properties["environmentId"] == f"{workspace_id}/environments/sklearn-serving/versions/2"
    assert properties["codeConfiguration"] == {"codeId": f"{workspace_id}/codes/iris-scoring/versions/1", "scoringScript": "score.py"}
    assert properties["environmentVariables"] == {"WORKERS": "2"}
    assert properties["requestSettings"] == {"requestTimeout": "PT1.5S", "maxConcurrentRequestsPerInstance": 4, "maxQueueWait": "PT0.5S"}
    assert properties["livenessProbe"] == {**PROBE, "initialDelay": "PT1M30S", "period": "PT30S"}


def test_a_closed_workspace_without_a_managed_network_closes_deployment_egress():
    config = {**load_stack_config("staging"), f"{NS}:workspace": {"isolationMode": "Disabled"}}
    plan = capture_plan("staging", config=config)
    assert plan.one(DEPLOYMENT).inputs["properties"]["egressPublicNetworkAccess"] == "Disabled"


def held_deployment(instance_type, capacity=1):
    return {("mlw-mlp-dev", _dev_endpoint_name(), "blue"): {"properties": {"instanceType": instance_type}, "sku": {"capacity": capacity}}}


def _dev_endpoint_name() -> str:
    return capture_plan("dev").one(ENDPOINT).inputs["endpointName"]


def test_a_new_instance_type_is_refused_naming_the_blue_green_path(monkeypatch):
    monkeypatch.setattr(FakeAzure, "online_deployments", held_deployment("Standard_F4s_v2"))
    with pytest.raises(PreviewError) as raised:
        capture_plan("dev")
    assert ("endpoints.iris.deployments.blue.instanceType: blue runs on Standard_F4s_v2, and Azure does not change a "
            "deployment's instance type in place (Azure/AML-Kubernetes#247). Keep Standard_F4s_v2 here, add a deployment "
            "with instanceType Standard_DS3_v2, move traffic to it, then remove blue") in str(raised.value)


def test_the_same_instance_type_passes_in_any_case_and_as_an_object(monkeypatch):
    monkeypatch.setattr(FakeAzure, "online_deployments", held_deployment("standard_ds3_v2"))
    assert capture_plan("dev").one(DEPLOYMENT).inputs["properties"]["instanceType"] == "Standard_DS3_v2"
    monkeypatch.setattr(ml, "get_online_deployment", lambda **_: SimpleNamespace(
        properties=SimpleNamespace(instance_type="Standard_F2s_v2"), sku=SimpleNamespace(capacity=1)))
    with pytest.raises(PreviewError, match="blue runs on Standard_F2s_v2"):
        capture_plan("dev")


def test_under_autoscale_an_update_keeps_the_count_azure_holds(monkeypatch):
    """Sending the first `up`'s count again would scale a busy deployment down mid-rollout."""
    monkeypatch.setattr(FakeAzure, "online_deployments", held_deployment("Standard_DS3_v2", capacity=2))
    assert capture_plan("dev").one(DEPLOYMENT).inputs["sku"] == {"name": "Default", "capacity": 2}
    endpoints = {"iris": {"deployments": {"blue": {"model": "iris-classifier:1", "instanceCount": 1}}, "traffic": {"blue": 100}}}
    assert capture_plan("dev", config=with_endpoints("dev", endpoints)).one(DEPLOYMENT).inputs["sku"]["capacity"] == 1


def test_a_serving_deployment_is_refused_a_model_version_that_does_not_exist(monkeypatch):
    """Leaving it out would delete the deployment that serves."""
    monkeypatch.setattr(FakeAzure, "online_deployments", held_deployment("Standard_DS3_v2"))
    monkeypatch.setattr(FakeAzure, "unregistered_models", {("mlw-mlp-dev", "iris-classifier", "1")})
    with pytest.raises(PreviewError) as raised:
        capture_plan("dev")
    assert ("endpoints.iris.deployments.blue.model: iris-classifier:1 is not registered in workspace mlw-mlp-dev, and blue "
            "is serving; register the version first (python -m jobs register ...)") in str(raised.value)


def test_long_endpoint_keys_still_make_region_unique_names_within_32_characters():
    key = "customer-churn-scorer"
    plan = capture_plan("dev", config=with_endpoints("dev", {key: {}}))
    name = plan.one(ENDPOINT).inputs["endpointName"]
    assert len(name) <= 32 and name.startswith(key) and name.endswith(plan.one(ENDPOINT).inputs["endpointName"][-6:])


BLUE = {"model": "iris-classifier:1"}
BAD_ENDPOINTS = [
    ({"iris": {"deployments": {"blue": BLUE}, "traffic": {"blue": 90}}}, "endpoints.iris: traffic: shares must sum to 100 (got 90: blue 90)"),
    ({"iris": {"deployments": {"blue": BLUE}}}, "endpoints.iris: traffic: shares must sum to 100 (got 0: none)"),
    ({"iris": {"traffic": {"blue": 100}}}, "endpoints.iris: traffic.blue: no such deployment (deployments: none)"),
    ({"iris": {"deployments": {"blue": BLUE}, "traffic": {"blue": 100, "green": 0}}},
     "endpoints.iris: traffic.green: no such deployment (deployments: blue)"),
    ({"iris": {"deployments": {"blue": BLUE}, "traffic": {"blue": 100}, "mirrorTraffic": {"green": 10}}},
     "endpoints.iris: mirrorTraffic.green: no such deployment (deployments: blue)"),
    ({"iris": {"deployments": {"blue": BLUE, "Blue": BLUE}, "traffic": {"blue": 100}}},
     "endpoints.iris: deployments.blue: the same Azure name as deployments.Blue (names ignore case)"),
    ({"Iris": {}}, "endpoints.Iris: must be 3-22 lowercase letters, digits and hyphens"),
    ({"ab": {}}, "endpoints.ab: must be 3-22 lowercase letters"),
    ({"iris": {"deployments": {"b": BLUE}, "traffic": {"b": 100}}}, "endpoints.iris.deployments.b: must be 3-32 letters, digits and hyphens"),
    ({"iris": {"deployments": {"blue": {"model": "iris-classifier"}}, "traffic": {"blue": 100}}},
     "endpoints.iris.deployments.blue.model: must be a model version: NAME:VERSION"),
    ({"iris": {"deployments": {"blue": {"model": "azureml:iris-classifier"}}, "traffic": {"blue": 100}}},
     "endpoints.iris.deployments.blue.model: must be a model version"),
    ({"iris": {"deployments": {"blue": {"model": "azureml:iris-classifier@latest"}}, "traffic": {"blue": 100}}},
     "endpoints.iris.deployments.blue.model: must be a model version"),
    ({"iris": {"deployments": {"blue": {**BLUE, "autoscale": {"minInstances": 3, "maxInstances": 2}}}, "traffic": {"blue": 100}}},
     "minInstances (3) is more than maxInstances (2)"),
    ({"iris": {"deployments": {"blue": {**BLUE, "autoscale": {"scaleInCpuPercent": 70}}}, "traffic": {"blue": 100}}},
     "scaleInCpuPercent (70) must be below scaleOutCpuPercent (70)"),
    ({"iris": {"deployments": {"blue": {**BLUE, "instanceCount": 5, "autoscale": {"maxInstances": 3}}}, "traffic": {"blue": 100}}},
     "instanceCount (5) must lie within autoscale's minInstances and maxInstances (1-3)"),
    ({"iris": {"deployments": {"blue": BLUE, "green": BLUE}, "traffic": {"blue": 90, "green": 10}, "mirrorTraffic": {"green": 10}}},
     "endpoints.iris: mirrorTraffic.green: green takes live traffic (10 %); mirror only to a deployment with no live traffic"),
    ({"iris": {"deployments": {"blue": BLUE, "green": BLUE}, "traffic": {"blue": 100}, "mirrorTraffic": {"green": 60}}},
     "endpoints.iris.mirrorTraffic.green: Input should be less than or equal to 50"),
    ({"iris": {"deployments": {"blue": BLUE, "green": BLUE, "red": BLUE}, "traffic": {"blue": 100}, "mirrorTraffic": {"green": 10, "red": 10}}},
     "endpoints.iris: mirrorTraffic: Azure mirrors to one deployment only (got green, red)"),
    ({"iris": {"deployments": {"blue": {**BLUE, "code": {"asset": "score:1", "scoringScript": "score.py"}}}, "traffic": {"blue": 100}}},
     "code: a scoring script needs an environment to run in (set environment)"),
    ({"iris": {"deployments": {"blue": {**BLUE, "requestSettings": {"requestTimeoutMs": 200_000}}}, "traffic": {"blue": 100}}},
     "endpoints.iris.deployments.blue.requestSettings.requestTimeoutMs: Input should be less than or equal to 180000"),
    ({"iris": {"authMode": "Certificate"}}, "endpoints.iris.authMode: Input should be 'AADToken', 'AMLToken' or 'Key'"),
    ({"iris": {"deployment": {}}}, "endpoints.iris.deployment: unknown key; did you mean 'deployments'?"),
]


@pytest.mark.parametrize(("endpoints", "message"), BAD_ENDPOINTS, ids=[m for _, m in BAD_ENDPOINTS])
def test_bad_endpoint_config_is_refused_naming_the_key(endpoints, message, stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("dev", endpoints=endpoints), "dev")
    assert message in str(raised.value)


def test_a_closed_endpoint_needs_the_private_endpoints(stack_config):
    config = stack_config("staging", network={"privateEndpoints": False})
    with pytest.raises(ConfigError, match=r"endpoints\.iris\.publicNetworkAccess: Disabled needs network\.privateEndpoints"):
        load_config(config, "staging")


def test_prod_refuses_keys_and_a_public_endpoint(stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("prod", endpoints={"iris": {"authMode": "Key", "publicNetworkAccess": "Enabled"}}), "prod")
    assert f"{NS}:endpoints.iris.authMode: prod requires \"AADToken\" (security baseline)" in str(raised.value)
    assert f"{NS}:endpoints.iris.publicNetworkAccess: prod requires \"Disabled\" (security baseline)" in str(raised.value)


def test_invoke_reaches_the_endpoint_the_plan_exports(stack_plans):
    """What `python -m jobs invoke --stack dev --endpoint iris --deployment blue` reads from the outputs."""
    from types import SimpleNamespace as Token

    from jobs.endpoints import EndpointAccess, endpoint_call
    from jobs.workspace import Workspace

    outputs = stack_plans["dev"].outputs
    workspace = Workspace(outputs["subscriptionId"], outputs["resourceGroupName"], outputs["workspaceName"], "stack dev", "dev", outputs)
    credential = SimpleNamespace(get_token=lambda scope: Token(token=f"token-for-{scope}"))
    url, headers = endpoint_call(workspace, "iris", lambda _: EndpointAccess(None, credential), deployment="blue")
    assert url == outputs["endpoints"]["iris"]["scoringUri"]
    assert headers == {"Authorization": "Bearer token-for-https://ml.azure.com/.default", "azureml-model-deployment": "blue"}
