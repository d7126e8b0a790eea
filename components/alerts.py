"""Alerts (course step 8): who is told, and when an endpoint, a deployment or the workspace's jobs go wrong.

One action group per stack; metric alerts on each endpoint's latency and 5xx responses and each
deployment's CPU and memory; a log alert on each endpoint's 5xx share from its traffic logs; a
metric alert on failed jobs in the workspace. Metric names, namespaces and dimensions are Azure
Monitor's ("Supported metrics for Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
".../deployments", ".../workspaces"): a wrong name is an alert that never fires, so
tests/components/test_alerts.py checks every one against those pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Mapping

import pulumi
from pulumi_azure_native import monitor
from pydantic import Field

from components.base import CommonArgs, PlatformComponent
from components.endpoints_config import EndpointAlerts
from components.settings import Section
from components.values import matching

EmailAddress = Annotated[str, matching(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an email address such as ml-oncall@contoso.com")]
HttpsUrl = Annotated[str, matching(r"https://[^\s]+", "an https:// URL")]

ENDPOINT_METRICS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
DEPLOYMENT_METRICS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
WORKSPACE_METRICS = "Microsoft.MachineLearningServices/workspaces"
# Severities: 0 critical ... 4 verbose. Errors that users see are worse than slowness or load.
SEVERITY = {"serverErrors": 1, "serverErrorPercent": 1, "latency": 2, "cpu": 2, "memory": 2, "failedJobs": 3}
# Below this many requests in the window the 5xx share is noise (1 failed request of 2 is 50 %).
MIN_REQUESTS_FOR_ERROR_SHARE = 10


class AlertsConfig(Section):
    """Who is told when an alert fires. Thresholds are per endpoint (endpoints.<key>.alerts)."""

    email_receivers: tuple[EmailAddress, ...] = Field(default=(), max_length=1000)
    # A chat or incident tool's incoming webhook; its URL holds a token: `pulumi config set --secret`.
    webhook_url: HttpsUrl | None = None
    # Failed jobs in the workspace within an hour that raise the failed-jobs alert.
    failed_jobs_per_hour: int = Field(default=1, ge=1)


@dataclass(frozen=True)
class WatchedEndpoint:
    name: str  # the endpoint's Azure name
    id: pulumi.Input[str]
    deployments: Mapping[str, pulumi.Input[str]]  # deployment name -> its id
    thresholds: EndpointAlerts


@dataclass(frozen=True)
class AlertDependencies:
    workspace_id: pulumi.Input[str]
    log_analytics_id: pulumi.Input[str]
    endpoints: Mapping[str, WatchedEndpoint]


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    aggregation: str
    dimensions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class Alerts(PlatformComponent):
    action_group: monitor.ActionGroup

    def __init__(self, name: str, common: CommonArgs, settings: AlertsConfig, dependencies: AlertDependencies):
        super().__init__("azureml-platform:alerts:Alerts", name, common)
        self._name, self._log_analytics_id = name, dependencies.log_analytics_id
        self.action_group = self._action_group(settings)
        for key, endpoint in dependencies.endpoints.items():
            self._watch_endpoint(key, endpoint)
            self._error_share_alert(key, endpoint)
        self._metric_alert(
            "failed-jobs",
            f"{self.context.names.workspace}-failed-jobs",
            dependencies.workspace_id,
            Metric(WORKSPACE_METRICS, "Failed Runs", "Total"),
            "GreaterThanOrEqual",
            settings.failed_jobs_per_hour,
            SEVERITY["failedJobs"],
            window="PT1H",
            frequency="PT15M",
            description="Jobs failed in the workspace",
        )
        self.finish({"alerts": {"actionGroupId": self.action_group.id}})

    def _action_group(self, settings: AlertsConfig) -> monitor.ActionGroup:
        names = self.context.names
        return self.declare(
            monitor.ActionGroup,
            f"{self._name}-action-group",
            action_group_name=f"ag-{names.workspace}",
            resource_group_name=self.context.resource_group_name,
            location="Global",
            tags=self.context.tags,
            # Shown in emails and texts: at most 12 characters.
            group_short_name=f"ml-{names.stack}"[:12].rstrip("-"),
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(name=f"email-{index}", email_address=address, use_common_alert_schema=True)
                for index, address in enumerate(settings.email_receivers, start=1)
            ],
            webhook_receivers=(
                [monitor.WebhookReceiverArgs(name="webhook", service_uri=settings.webhook_url, use_common_alert_schema=True)]
                if settings.webhook_url
                else []
            ),
        )

    def _watch_endpoint(self, key: str, endpoint: WatchedEndpoint) -> None:
        thresholds = endpoint.thresholds
        self._metric_alert(
            f"{key}-latency",
            f"{endpoint.name}-latency",
            endpoint.id,
            Metric(ENDPOINT_METRICS, "RequestLatency_P95", "Average"),
            "GreaterThan",
            thresholds.latency_ms,
            SEVERITY["latency"],
            description=f"95th-percentile request latency of endpoint {endpoint.name} above {thresholds.latency_ms} ms",
        )
        self._metric_alert(
            f"{key}-server-errors",
            f"{endpoint.name}-server-errors",
            endpoint.id,
            Metric(ENDPOINT_METRICS, "RequestsPerMinute", "Average", {"statusCodeClass": ("5xx",)}),
            "GreaterThanOrEqual",
            thresholds.server_errors_per_minute,
            SEVERITY["serverErrors"],
            description=f"Endpoint {endpoint.name} answers with 5xx errors",
        )
        for deployment, deployment_id in endpoint.deployments.items():
            for kind, label, metric, threshold in (
                ("cpu", "CPU", "CpuUtilizationPercentage", thresholds.cpu_percent),
                ("memory", "Memory", "CpuMemoryUtilizationPercentage", thresholds.memory_percent),
            ):
                self._metric_alert(
                    f"{key}-{deployment}-{kind}",
                    f"{endpoint.name}-{deployment}-{kind}",
                    deployment_id,
                    Metric(DEPLOYMENT_METRICS, metric, "Average"),
                    "GreaterThan",
                    threshold,
                    SEVERITY[kind],
                    window="PT15M",
                    description=f"{label} of deployment {deployment} ({endpoint.name}) above {threshold} %",
                )

    def _metric_alert(
        self,
        key: str,
        rule_name: str,
        scope: pulumi.Input[str],
        metric: Metric,
        operator: str,
        threshold: float,
        severity: int,
        *,
        description: str,
        window: str = "PT5M",
        frequency: str = "PT1M",
    ) -> monitor.MetricAlert:
        return self.declare(
            monitor.MetricAlert,
            f"{self._name}-{key}",
            rule_name=rule_name,
            resource_group_name=self.context.resource_group_name,
            location="global",
            tags=self.context.tags,
            description=description,
            severity=severity,
            enabled=True,
            scopes=[scope],
            evaluation_frequency=frequency,
            window_size=window,
            auto_mitigate=True,
            criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                all_of=[
                    monitor.MetricCriteriaArgs(
                        criterion_type="StaticThresholdCriterion",
                        name=metric.name.replace(" ", ""),
                        metric_namespace=metric.namespace,
                        metric_name=metric.name,
                        time_aggregation=metric.aggregation,
                        operator=operator,
                        threshold=threshold,
                        # A new endpoint has emitted no metric yet, and Azure Monitor refuses an alert on a
                        # metric it has not seen ("Couldn't find a metric named ...", farmer#807); the
                        # names are checked against Azure Monitor's lists in tests/components/test_alerts.py.
                        skip_metric_validation=True,
                        dimensions=[
                            monitor.MetricDimensionArgs(name=dimension, operator="Include", values=list(values))
                            for dimension, values in metric.dimensions.items()
                        ],
                    )
                ],
            ),
            actions=[monitor.MetricAlertActionArgs(action_group_id=self.action_group.id)],
        )

    def _error_share_alert(self, key: str, endpoint: WatchedEndpoint) -> None:
        """The share of 5xx responses in the endpoint's traffic log (AmlOnlineEndpointTrafficLog)."""
        percent = endpoint.thresholds.server_error_percent
        query = "\n".join(
            (
                "AmlOnlineEndpointTrafficLog",
                f'| where EndpointName == "{endpoint.name}"',
                # 424: the model's own container failed (ModelStatusCode holds its 5xx); the columns are
                # typed int, Microsoft's sample queries compare strings: toint() takes either.
                "| summarize Requests = count(), ServerErrors = countif(toint(ResponseCode) >= 500 or toint(ModelStatusCode) >= 500)",
                f"| where Requests >= {MIN_REQUESTS_FOR_ERROR_SHARE}",
                "| extend ErrorPercent = 100.0 * ServerErrors / Requests",
            )
        )
        self.declare(
            monitor.ScheduledQueryRule,
            f"{self._name}-{key}-server-error-share",
            rule_name=f"{endpoint.name}-server-error-share",
            resource_group_name=self.context.resource_group_name,
            location=self.context.location,
            tags=self.context.tags,
            kind="LogAlert",
            description=f"More than {percent:g} % of requests to endpoint {endpoint.name} end in 5xx",
            severity=SEVERITY["serverErrorPercent"],
            enabled=True,
            scopes=[self._log_analytics_id],
            evaluation_frequency="PT5M",
            window_size="PT15M",
            # The traffic log table exists only once the first request is logged; until then Azure
            # would refuse the query ("Failed to resolve table").
            skip_query_validation=True,
            auto_mitigate=True,
            criteria=monitor.ScheduledQueryRuleCriteriaArgs(
                all_of=[
                    monitor.ConditionArgs(
                        query=query,
                        time_aggregation="Maximum",
                        metric_measure_column="ErrorPercent",
                        operator="GreaterThan",
                        threshold=percent,
                        failing_periods=monitor.ConditionFailingPeriodsArgs(
                            number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                        ),
                    )
                ]
            ),
            actions=monitor.ActionsArgs(action_groups=[self.action_group.id]),
        )

