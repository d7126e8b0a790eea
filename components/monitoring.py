"""Monitoring: the Log Analytics workspace every resource reports to, and workspace-based Application Insights."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights

from components.common import CommonArgs, child_options, lock_resource
from components.config import MonitoringConfig


@dataclass(frozen=True)
class MonitoringArgs:
    common: CommonArgs
    settings: MonitoringConfig


class Monitoring(pulumi.ComponentResource):
    log_analytics: operationalinsights.Workspace
    application_insights: applicationinsights.Component

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("azureml-platform:monitoring:Monitoring", name, None, opts)
        context, settings = args.common.context, args.settings
        self.log_analytics = operationalinsights.Workspace(
            f"{name}-log-analytics",
            workspace_name=context.names.log_analytics,
            **context.placement,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=settings.retention_days,
            workspace_capping=(
                operationalinsights.WorkspaceCappingArgs(daily_quota_gb=settings.daily_quota_gb)
                if settings.daily_quota_gb
                else None
            ),
            # Readers see only the logs of resources they may read, not the whole workspace.
            features=operationalinsights.WorkspaceFeaturesArgs(enable_log_access_using_only_resource_permissions=True),
            opts=child_options(self, protect=args.common.protect),
        )
        self.application_insights = applicationinsights.Component(
            f"{name}-application-insights",
            resource_name_=context.names.application_insights,
            **context.placement,
            kind="web",
            application_type="web",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=self.log_analytics.id,
            disable_local_auth=not settings.local_auth,
            opts=child_options(self),
        )
        lock_resource(self, f"{name}-log-analytics", self.log_analytics.id, args.common.lock)
        self.register_outputs(
            {
                "logAnalyticsWorkspaceId": self.log_analytics.id,
                "applicationInsightsId": self.application_insights.id,
            }
        )
