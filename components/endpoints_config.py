"""The `endpoints` section: managed online endpoints by key, each with its deployments, live and
mirrored traffic, autoscale and alert thresholds. Validated whole here, so that a traffic split the
service would refuse never reaches `pulumi up`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from components.settings import Floor, Section, one_of
from components.values import Access, VmSize, matching, refuse_names_equal_but_for_case

# Endpoint keys become the start of a region-unique Azure name (components/naming.py, online_endpoint).
EndpointKey = Annotated[
    str, matching(r"[a-z][a-z0-9-]{1,20}[a-z0-9]", "3-22 lowercase letters, digits and hyphens, starting with a letter (e.g. iris)")
]
# Azure ML's deployment name rule (azure-ai-ml validation): 3-32 characters, a letter first.
DeploymentName = Annotated[
    str,
    matching(r"[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]", "3-32 letters, digits and hyphens, starting with a letter (e.g. blue)"),
]
# A model pinned to one version: `name:version` registered in the stack's workspace, or a model in
# an Azure ML registry. `@latest` is refused: the plan would change whenever someone registers.
_ASSET = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}"
# (`azureml:iris` is the asset iris without a version, not version iris of an asset azureml.)
WORKSPACE_MODEL = re.compile(rf"(?!azureml:[^:]*$)(?:azureml:)?(?P<name>{_ASSET}):(?P<version>{_ASSET})")
REGISTRY_ASSET = r"azureml://registries/[A-Za-z0-9][A-Za-z0-9_-]{1,62}/{kind}/" + _ASSET + "/versions/" + _ASSET
ModelReference = Annotated[
    str,
    matching(
        rf"{WORKSPACE_MODEL.pattern}|{REGISTRY_ASSET.replace('{kind}', 'models')}",
        "a model version: NAME:VERSION in the workspace (e.g. iris-classifier:1) or "
        "azureml://registries/REGISTRY/models/NAME/versions/VERSION",
    ),
]
AssetReference = Annotated[
    str,
    matching(
        rf"{WORKSPACE_MODEL.pattern}|{REGISTRY_ASSET.replace('{kind}', 'environments')}",
        "NAME:VERSION in the workspace (e.g. sklearn-serving:3) or azureml://registries/REGISTRY/environments/NAME/versions/VERSION",
    ),
]


class Probe(Section):
    """How Azure ML checks a deployment's container (the azure-ai-ml defaults)."""

    initial_delay_seconds: int = Field(default=10, ge=0, le=3600)
    period_seconds: int = Field(default=10, ge=1, le=3600)
    timeout_seconds: int = Field(default=2, ge=1, le=3600)
    failure_threshold: int = Field(default=30, ge=1, le=1000)
    success_threshold: int = Field(default=1, ge=1, le=1000)


class RequestSettings(Section):
    # Azure ML allows up to 180 s per scoring request ("Online endpoint quotas": request timeout).
    request_timeout_ms: int = Field(default=5000, ge=1, le=180_000)
    max_concurrent_requests_per_instance: int = Field(default=1, ge=1, le=1000)


class Autoscale(Section):
    """Azure Monitor autoscale on the deployment's CPU: out above scaleOutCpuPercent, in below scaleInCpuPercent."""

    min_instances: int = Field(default=1, ge=1, le=50)
    max_instances: int = Field(default=3, ge=1, le=50)
    scale_out_cpu_percent: int = Field(default=70, ge=1, le=100)
    scale_in_cpu_percent: int = Field(default=25, ge=0, le=99)

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Autoscale:
        if self.min_instances > self.max_instances:
            raise ValueError(f"minInstances ({self.min_instances}) is more than maxInstances ({self.max_instances})")
        if self.scale_in_cpu_percent >= self.scale_out_cpu_percent:
            # Otherwise one CPU reading would scale out and in at once, and the deployment flaps.
            raise ValueError(
                f"scaleInCpuPercent ({self.scale_in_cpu_percent}) must be below scaleOutCpuPercent ({self.scale_out_cpu_percent})"
            )
        return self


class ScoringCode(Section):
    """A scoring script in a code asset registered in the workspace (models that are not MLflow)."""

    asset: Annotated[str, matching(WORKSPACE_MODEL.pattern, "a code asset version NAME:VERSION (e.g. iris-scoring:1)")]
    scoring_script: Annotated[str, StringConstraints(min_length=1, max_length=256), matching(r"(?!/)(?!.*\.\.)[^\\]+\.py", "a relative path to a .py file such as score.py")]


class DeploymentConfig(Section):
    """A managed online deployment: one model version on `instanceCount` instances of `instanceType`."""

    model: ModelReference
    # Azure does not change an existing deployment's instance type: a new type is a new deployment.
    instance_type: VmSize = "Standard_DS3_v2"
    # Under autoscale, the count the first `up` starts with; autoscale owns it from then on.
    instance_count: int = Field(default=1, ge=1, le=50)
    request_settings: RequestSettings = RequestSettings()
    liveness_probe: Probe = Probe()
    readiness_probe: Probe = Probe()
    # Request telemetry to Application Insights. Its sender uses the instrumentation key, which
    # Application Insights refuses with local auth off (monitoring.localAuth, off outside dev), so
    # it is on where keys work; console and traffic logs reach Log Analytics either way.
    app_insights_enabled: bool = False
    # Omitted for MLflow models: Azure ML serves them without code or environment.
    environment: AssetReference | None = None
    code: ScoringCode | None = None
    # Plain text in the deployment, readable by anyone who may read it: secrets belong in Key Vault.
    environment_variables: dict[Annotated[str, matching(r"[A-Za-z_][A-Za-z0-9_]{0,127}", "an environment variable name")], str] = {}
    autoscale: Autoscale | None = None
    description: str | None = Field(default=None, max_length=256)

    environment_defaults = {"dev": {"appInsightsEnabled": True}}

    @model_validator(mode="after")
    def _code_runs_in_an_environment(self) -> DeploymentConfig:
        if self.code is not None and self.environment is None:
            raise ValueError("code: a scoring script needs an environment to run in (set environment)")
        if self.autoscale and not self.autoscale.min_instances <= self.instance_count <= self.autoscale.max_instances:
            raise ValueError(
                f"instanceCount ({self.instance_count}) must lie within autoscale's minInstances and maxInstances "
                f"({self.autoscale.min_instances}-{self.autoscale.max_instances})"
            )
        return self


class EndpointAlerts(Section):
    """Alert thresholds for one endpoint and its deployments (components/alerts.py)."""

    # Average of the endpoint's 95th-percentile request latency over 5 minutes.
    latency_ms: int = Field(default=1000, ge=1, le=180_000)
    # 5xx responses per minute (metric alert) and their share of requests (log alert over 15 minutes).
    server_errors_per_minute: int = Field(default=5, ge=1)
    server_error_percent: float = Field(default=5.0, gt=0, le=100)
    cpu_percent: int = Field(default=80, ge=1, le=100)
    memory_percent: int = Field(default=80, ge=1, le=100)


Percent = Annotated[int, Field(ge=0, le=100)]
# Azure mirrors at most 50 % of an endpoint's traffic ("Safe rollout for online endpoints").
MirrorPercent = Annotated[int, Field(ge=0, le=50)]


class EndpointConfig(Section):
    """A managed online endpoint: its deployments and how traffic splits between them."""

    # Entra ID tokens: access is an Azure role, revoked with the person; keys and AML tokens are shared secrets.
    auth_mode: Literal["AADToken", "AMLToken", "Key"] = "AADToken"
    # Scoring over the internet; Disabled is reached through the workspace's private endpoint.
    public_network_access: Access = "Disabled"
    description: str | None = Field(default=None, max_length=256)
    deployments: dict[DeploymentName, DeploymentConfig] = {}
    # Live traffic by deployment, summing to 100 (empty while the endpoint has no deployment).
    traffic: dict[DeploymentName, Percent] = {}
    # A copy of live requests sent to a deployment whose answers are dropped: try green on real load.
    mirror_traffic: dict[DeploymentName, MirrorPercent] = {}
    alerts: EndpointAlerts = EndpointAlerts()

    # Dev is scored from laptops; staging rehearses prod's closed network.
    environment_defaults = {"dev": {"publicNetworkAccess": "Enabled"}}
    prod_floor = (
        Floor("authMode", one_of("AADToken"), rules=("online-endpoint-entra-auth",)),
        Floor("publicNetworkAccess", one_of("Disabled"), rules=("online-endpoint-private",)),
    )

    @model_validator(mode="after")
    def _traffic_names_deployments(self) -> EndpointConfig:
        for field, split in (("traffic", self.traffic), ("mirrorTraffic", self.mirror_traffic)):
            for name in split:
                if name not in self.deployments:
                    known = ", ".join(self.deployments) or "none"
                    raise ValueError(f"{field}.{name}: no such deployment (deployments: {known})")
        total = sum(self.traffic.values())
        if self.deployments and total != 100:
            shares = ", ".join(f"{name} {share}" for name, share in self.traffic.items()) or "none"
            raise ValueError(f"traffic: shares must sum to 100 (got {total}: {shares})")
        if not self.deployments and total:
            raise ValueError("traffic: the endpoint has no deployments to send traffic to")
        mirrored = [name for name, share in self.mirror_traffic.items() if share]
        if len(mirrored) > 1:
            raise ValueError(f"mirrorTraffic: Azure mirrors to one deployment only (got {', '.join(mirrored)})")
        for name in mirrored:
            if self.traffic.get(name):
                raise ValueError(
                    f"mirrorTraffic.{name}: {name} takes live traffic ({self.traffic[name]} %); mirror only to a "
                    "deployment with no live traffic"
                )
        return self

    @model_validator(mode="after")
    def _deployment_names_unique(self) -> EndpointConfig:
        refuse_names_equal_but_for_case("deployments", self.deployments)
        return self


Endpoints = dict[EndpointKey, EndpointConfig]
