"""Monitoring: the Log Analytics workspace every resource reports to, and workspace-based Application Insights."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights
from pydantic import Field

from components.base import CommonArgs, PlatformComponent
from components.settings import Floor, Section, one_of
from components.values import Access


class MonitoringConfig(Section):
    retention_days: int = Field(default=90, ge=30, le=730)
    daily_quota_gb: float | None = Field(default=None, gt=0)
    # Keys/connection strings for Application Insights ingestion; off means Entra ID only, and every
    # identity that sends telemetry holds Monitoring Metrics Publisher on Application Insights.
    local_auth: bool = False
    # Ingestion and queries over public networks, for Log Analytics and Application Insights alike.
    # Private ones need an Azure Monitor Private Link Scope in the network the sources send from
    # (the network component's job): until then, Disabled would cut off the platform's own telemetry.
    public_network_access_for_ingestion: Access = "Enabled"
    public_network_access_for_query: Access = "Enabled"

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
            public_network_access_for_ingestion=settings.public_network_access_for_ingestion,
            public_network_access_for_query=settings.public_network_access_for_query,
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
            public_network_access_for_ingestion=settings.public_network_access_for_ingestion,
            public_network_access_for_query=settings.public_network_access_for_query,
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
