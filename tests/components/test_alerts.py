"""Alerts in the plan: the action group, metric alerts on each endpoint, deployment and the workspace's
jobs, the 5xx-share log alert; every metric name, namespace, aggregation and dimension is one Azure
Monitor lists for the resource type (a wrong one is an alert that never fires)."""

import pytest

from components.config import load_config
from components.settings import ConfigError
from preview.capture import capture_plan
from preview.stackfile import load_stack_config

NS = "azureml-platform"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
LOG_ALERT = "azure-native:monitor:ScheduledQueryRule"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"

# Azure Monitor's supported metrics for these resource types (azure-monitor-docs reference/supported-metrics:
# microsoft-machinelearningservices-workspaces-onlineendpoints-metrics.md, ...-onlineendpoints-deployments-metrics.md,
# ...-workspaces-metrics.md; the workspace's GPU, disk and network metrics left out).
SUPPORTED_METRICS = {
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints": {
        "ConnectionsActive": {"aggregations": ["Average"], "dimensions": []},
        "DataCollectionErrorsPerMinute": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["deployment", "reason", "type"]},
        "DataCollectionEventsPerMinute": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["deployment", "type"]},
        "NetworkBytes": {"aggregations": ["Average"], "dimensions": []},
        "NewConnectionsPerSecond": {"aggregations": ["Average"], "dimensions": []},
        "RequestLatency": {"aggregations": ["Average"], "dimensions": ["deployment"]},
        "RequestLatency_P50": {"aggregations": ["Average"], "dimensions": ["deployment"]},
        "RequestLatency_P90": {"aggregations": ["Average"], "dimensions": ["deployment"]},
        "RequestLatency_P95": {"aggregations": ["Average"], "dimensions": ["deployment"]},
        "RequestLatency_P99": {"aggregations": ["Average"], "dimensions": ["deployment"]},
        "RequestsPerMinute": {"aggregations": ["Average"], "dimensions": ["deployment", "statusCode", "statusCodeClass", "modelStatusCode"]},
    },
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments": {
        "CpuMemoryUtilizationPercentage": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId"]},
        "CpuUtilizationPercentage": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId"]},
        "DataCollectionErrorsPerMinute": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId", "reason", "type"]},
        "DataCollectionEventsPerMinute": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId", "type"]},
        "DeploymentCapacity": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId", "State"]},
        "DiskUtilization": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId", "disk"]},
        "GpuEnergyJoules": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId"]},
        "GpuMemoryUtilizationPercentage": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId"]},
        "GpuUtilizationPercentage": {"aggregations": ["Minimum", "Maximum", "Average"], "dimensions": ["instanceId"]},
        "RequestLatency_P50": {"aggregations": ["Average"], "dimensions": []},
        "RequestLatency_P90": {"aggregations": ["Average"], "dimensions": []},
        "RequestLatency_P95": {"aggregations": ["Average"], "dimensions": []},
        "RequestLatency_P99": {"aggregations": ["Average"], "dimensions": []},
        "RequestsPerMinute": {"aggregations": ["Average"], "dimensions": ["envoy_response_code"]},
    },
    "Microsoft.MachineLearningServices/workspaces": {
        **{m: {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"],
               "dimensions": ["Scenario", "RunType", "PublishedPipelineId", "ComputeType", "PipelineStepType", "ExperimentName"]}
           for m in ["Cancel Requested Runs", "Cancelled Runs", "Completed Runs", "Failed Runs", "Finalizing Runs",
                     "Not Responding Runs", "Not Started Runs", "Preparing Runs", "Provisioning Runs", "Queued Runs",
                     "Started Runs", "Starting Runs"]},
        "Errors": {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"], "dimensions": ["Scenario"]},
        "Warnings": {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"], "dimensions": ["Scenario"]},
        "Model Deploy Failed": {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"], "dimensions": ["Scenario", "StatusCode"]},
        "Model Deploy Started": {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"], "dimensions": ["Scenario"]},
        "Model Deploy Succeeded": {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"], "dimensions": ["Scenario"]},
        "Model Register Failed": {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"], "dimensions": ["Scenario", "StatusCode"]},
        "Model Register Succeeded": {"aggregations": ["Total", "Average", "Minimum", "Maximum", "Count"], "dimensions": ["Scenario"]},
        **{m: {"aggregations": ["Average", "Maximum", "Minimum", "Total"], "dimensions": ["Scenario", "ClusterName"]}
           for m in ["Active Cores", "Active Nodes", "Idle Cores", "Idle Nodes", "Leaving Cores", "Leaving Nodes",
                     "Preempted Cores", "Preempted Nodes", "Total Cores", "Total Nodes", "Unusable Cores", "Unusable Nodes"]},
        "Quota Utilization Percentage": {"aggregations": ["Average", "Maximum", "Minimum", "Total"], "dimensions": ["Scenario", "ClusterName", "VmFamilyName", "VmPriority"]},
        "CpuUtilization": {"aggregations": ["Average", "Maximum", "Minimum", "Total"], "dimensions": ["Scenario", "runId", "NodeId", "ClusterName"]},
        "CpuUtilizationPercentage": {"aggregations": ["Average", "Maximum", "Minimum", "Total"], "dimensions": ["RunId", "InstanceId", "ComputeName"]},
        "CpuMemoryUtilizationPercentage": {"aggregations": ["Average", "Maximum", "Minimum", "Total"], "dimensions": ["RunId", "InstanceId", "ComputeName"]},
    },
}
# ARM metric-alert timeAggregation enum spells Sum as "Total"; the docs column writes "Total (Sum)".


def alerts_by_name(plan) -> dict:
    return {alert.name.removeprefix("alerts-"): alert.inputs for alert in plan.of_type(METRIC_ALERT)}


def test_the_action_group_tells_the_stacks_receivers(plan, any_stack):
    group = plan.one(ACTION_GROUP).inputs
    assert plan.by_urn(plan.one(ACTION_GROUP).parent).type == "azureml-platform:alerts:Alerts"
    assert group["actionGroupName"] == f"ag-mlw-mlp-{any_stack}"
    assert group["location"] == "Global" and group["enabled"] is True
    assert group["groupShortName"] == f"ml-{any_stack}"[:12] and len(group["groupShortName"]) <= 12
    mail = {"prod": "ml-oncall@contoso.com"}.get(any_stack, "ml-platform-team@contoso.com")
    assert group["emailReceivers"] == [{"name": "email-1", "emailAddress": mail, "useCommonAlertSchema": True}]
    assert group["webhookReceivers"] == []


def test_metric_alerts_watch_the_endpoint_its_deployments_and_the_workspace(plan):
    endpoint = plan.outputs["endpoints"]["iris"]
    name, group_id = endpoint["name"], plan.one(ACTION_GROUP)
    deployment_id = f"{endpoint['id']}/deployments/blue"
    expected = {
        "iris-latency": (endpoint["id"], "RequestLatency_P95", "Average", "GreaterThan", 1000, {}, 2, "PT5M"),
        "iris-server-errors": (endpoint["id"], "RequestsPerMinute", "Average", "GreaterThanOrEqual", 5, {"statusCodeClass": ["5xx"]}, 1, "PT5M"),
        "iris-blue-cpu": (deployment_id, "CpuUtilizationPercentage", "Average", "GreaterThan", 80, {}, 2, "PT15M"),
        "iris-blue-memory": (deployment_id, "CpuMemoryUtilizationPercentage", "Average", "GreaterThan", 80, {}, 2, "PT15M"),
        "failed-jobs": (plan.outputs["workspace"]["id"], "Failed Runs", "Total", "GreaterThanOrEqual", 1, {}, 3, "PT1H"),
    }
    alerts = alerts_by_name(plan)
    assert set(alerts) == set(expected)
    for key, (scope, metric, aggregation, operator, threshold, dimensions, severity, window) in expected.items():
        alert = alerts[key]
        assert alert["scopes"] == [scope], key
        assert (alert["severity"], alert["windowSize"], alert["enabled"], alert["autoMitigate"]) == (severity, window, True, True), key
        assert alert["location"] == "global"
        assert alert["actions"] == [{"actionGroupId": plan.outputs["alerts"]["actionGroupId"]}]
        assert alert["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
        [criterion] = alert["criteria"]["allOf"]
        assert (criterion["metricName"], criterion["timeAggregation"], criterion["operator"], criterion["threshold"]) == (
            metric, aggregation, operator, threshold), key
        assert criterion["criterionType"] == "StaticThresholdCriterion" and criterion["skipMetricValidation"] is True
        assert {d["name"]: d["values"] for d in criterion["dimensions"]} == dimensions, key
        assert all(d["operator"] == "Include" for d in criterion["dimensions"])
    assert alerts["iris-latency"]["ruleName"] == f"{name}-latency"
    assert alerts["failed-jobs"]["ruleName"] == f"{plan.outputs['workspaceName']}-failed-jobs"
    assert alerts["failed-jobs"]["evaluationFrequency"] == "PT15M" and alerts["iris-latency"]["evaluationFrequency"] == "PT1M"
    assert group_id.inputs["actionGroupName"] in plan.outputs["alerts"]["actionGroupId"]


def test_every_metric_is_one_azure_monitor_lists_for_its_resource_type(plan):
    """Alerts and autoscale rules alike: the namespace, name, aggregation and dimensions exist."""
    criteria = [c for alert in plan.of_type(METRIC_ALERT) for c in alert.inputs["criteria"]["allOf"]]
    triggers = [rule["metricTrigger"] for autoscale in plan.of_type(AUTOSCALE) for profile in autoscale.inputs["profiles"]
                for rule in profile["rules"]]
    assert criteria and triggers
    for namespace, metric, aggregation, dimensions in [
        *((c["metricNamespace"], c["metricName"], c["timeAggregation"], [d["name"] for d in c["dimensions"]]) for c in criteria),
        *((t["metricNamespace"], t["metricName"], t["timeAggregation"], []) for t in triggers),
    ]:
        supported = SUPPORTED_METRICS[namespace][metric]
        assert aggregation in supported["aggregations"], (metric, aggregation)
        assert set(dimensions) <= set(supported["dimensions"]), (metric, dimensions)
    for alert in plan.of_type(METRIC_ALERT):
        # The scope is a resource of the type whose metrics the criterion names.
        [criterion] = alert.inputs["criteria"]["allOf"]
        kind = criterion["metricNamespace"].split("/", 1)[1]
        assert "/".join(alert.inputs["scopes"][0].split("/")[7::2]) == kind, alert.name


def test_the_log_alert_measures_the_5xx_share_of_the_endpoints_traffic_log(plan):
    endpoint = plan.outputs["endpoints"]["iris"]["name"]
    rule = plan.one(LOG_ALERT).inputs
    assert rule["kind"] == "LogAlert" and rule["enabled"] is True and rule["severity"] == 1
    assert rule["autoMitigate"] is True  # resolves itself once the share falls again
    assert rule["scopes"] == [plan.outputs["logAnalytics"]["id"]]
    assert rule["ruleName"] == f"{endpoint}-server-error-share"
    assert (rule["evaluationFrequency"], rule["windowSize"]) == ("PT5M", "PT15M")
    # The table appears with the first logged request: Azure would refuse the query before that.
    assert rule["skipQueryValidation"] is True
    assert rule["actions"] == {"actionGroups": [plan.outputs["alerts"]["actionGroupId"]]}
    [condition] = rule["criteria"]["allOf"]
    assert condition["query"].splitlines() == [
        "AmlOnlineEndpointTrafficLog",
        f'| where EndpointName == "{endpoint}"',
        "| summarize Requests = count(), ServerErrors = countif(toint(ResponseCode) >= 500 or toint(ModelStatusCode) >= 500)",
        "| where Requests >= 10",
        "| extend ErrorPercent = 100.0 * ServerErrors / Requests",
    ]
    assert (condition["metricMeasureColumn"], condition["timeAggregation"], condition["operator"], condition["threshold"]) == (
        "ErrorPercent", "Maximum", "GreaterThan", 5)
    assert condition["failingPeriods"] == {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1}


def test_thresholds_and_receivers_come_from_config():
    config = {
        **load_stack_config("dev"),
        f"{NS}:alerts": {"emailReceivers": ["a@contoso.com", "b@contoso.com"], "webhookUrl": "https://hooks.contoso.com/ml",
                         "failedJobsPerHour": 3},
    }
    config[f"{NS}:endpoints"]["iris"]["alerts"] = {
        "latencyMs": 250, "serverErrorsPerMinute": 2, "serverErrorPercent": 1.5, "cpuPercent": 60, "memoryPercent": 90}
    plan = capture_plan("dev", config=config)
    group = plan.one(ACTION_GROUP).inputs
    assert [r["emailAddress"] for r in group["emailReceivers"]] == ["a@contoso.com", "b@contoso.com"]
    assert [r["name"] for r in group["emailReceivers"]] == ["email-1", "email-2"]
    assert group["webhookReceivers"] == [
        {"name": "webhook", "serviceUri": "https://hooks.contoso.com/ml", "useCommonAlertSchema": True, "useAadAuth": False}]
    thresholds = {key: alert["criteria"]["allOf"][0]["threshold"] for key, alert in alerts_by_name(plan).items()}
    assert thresholds == {"iris-latency": 250, "iris-server-errors": 2, "iris-blue-cpu": 60, "iris-blue-memory": 90, "failed-jobs": 3}
    assert plan.one(LOG_ALERT).inputs["criteria"]["allOf"][0]["threshold"] == 1.5


def test_a_stack_without_endpoints_still_watches_its_jobs():
    plan = capture_plan("dev", config={**load_stack_config("dev"), f"{NS}:endpoints": {}})
    assert set(alerts_by_name(plan)) == {"failed-jobs"} and plan.of_type(LOG_ALERT) == []
    assert plan.one(ACTION_GROUP)


@pytest.mark.parametrize(("alerts", "message"), [
    ({"emailReceivers": ["oncall"]}, "alerts.emailReceivers[0]: must be an email address"),
    ({"webhookUrl": "http://hooks.contoso.com"}, "alerts.webhookUrl: must be an https:// URL"),
    ({"failedJobsPerHour": 0}, "alerts.failedJobsPerHour: Input should be greater than or equal to 1"),
    ({"email": []}, "alerts.email: unknown key; allowed keys: emailReceivers, failedJobsPerHour, webhookUrl"),
])
def test_bad_alert_config_is_refused_naming_the_key(alerts, message, stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("dev", alerts=alerts), "dev")
    assert message in str(raised.value)
