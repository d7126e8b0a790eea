"""Monitoring: the Log Analytics workspace every resource reports to, and workspace-based Application Insights."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights
from pydantic import Field

from components.base import CommonArgs, PlatformComponent
from components.settings import Floor, Section, one_of


class MonitoringConfig(Section):
    retention_days: int = Field(default=90, ge=30, le=730)
    daily_quota_gb: float | None = Field(default=None, gt=0)
    # Keys/connection strings for Application Insights ingestion; off means Entra ID only.
    local_auth: bool = False

    environment_defaults = {
        "staging": {"retentionDays": 30},
        # Connection-string logging from local endpoints and SDK samples.
        "dev": {"retentionDays": 30, "dailyQuotaGb": 1, "localAuth": True},
    }
    prod_floor = (Floor("localAuth", one_of(False), rules=("app-insights-no-local-auth",)),)


class Monitoring(PlatformComponent):
    log_analytics: operationalinsights.Workspace
    application_insights: applicationinsights.Component

    def __init__(self, name: str, common: CommonArgs, settings: MonitoringConfig):
        super().__init__("azureml-platform:monitoring:Monitoring", name, common)
        context = self.context
        self.log_analytics = self.declare(
            operationalinsights.Workspace,
            f"{name}-log-analytics",
            stateful=True,
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
        )
        self.application_insights = self.declare(
            applicationinsights.Component,
            f"{name}-application-insights",
            resource_name_=context.names.application_insights,
            **context.placement,
            kind="web",
            application_type="web",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=self.log_analytics.id,
            disable_local_auth=not settings.local_auth,
        )
        self.finish(
            {
                "logAnalytics": {
                    "name": self.log_analytics.name,
                    "id": self.log_analytics.id,
                    "customerId": self.log_analytics.customer_id,
                },
                "applicationInsights": {
                    "name": self.application_insights.name,
                    "id": self.application_insights.id,
                    "connectionString": pulumi.Output.secret(self.application_insights.connection_string),
                },
            }
        )
