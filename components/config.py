"""The stack's configuration: one typed model, validated before any resource is declared.

The model's own defaults are the security baseline (what prod gets). Other environments deviate
only through ENVIRONMENT_DEFAULTS below, each deviation with its reason, and prod is refused if
its config falls below PROD_BASELINE.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from typing import Annotated, Any, Literal, Mapping

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components.roles import resolve_role

PROJECT = "azureml-platform"
ENVIRONMENTS = ("dev", "staging", "prod")
Environment = Literal["dev", "staging", "prod"]


class ConfigError(Exception):
    """The stack config is invalid; the message names every offending key."""


# --- reusable value types -------------------------------------------------------------------

def _matching(pattern: str, description: str) -> AfterValidator:
    """A string rule whose error says what is allowed, with an example, instead of a regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {description}")
        return value

    return AfterValidator(check)


Guid = Annotated[
    str,
    _matching(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", "a GUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7"),
]
Location = Annotated[str, _matching(r"[a-z][a-z0-9]{1,39}", "an Azure region name such as westeurope")]
# Lowercase so one prefix works for every Azure name; hyphens are dropped where a type forbids them.
Prefix = Annotated[
    str,
    _matching(
        r"[a-z](?!.*--)[a-z0-9-]{0,18}[a-z0-9]",
        "2-20 lowercase letters, digits and single hyphens, starting with a letter (e.g. mlp)",
    ),
]
NameSuffix = Annotated[str, _matching(r"[a-z0-9]{4,8}", "4-8 lowercase letters or digits (e.g. a1b2c3)")]
ResourceGroupName = Annotated[
    str,
    _matching(r"[-\w.()]{0,89}[-\w()]", "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'"),
]
ComputeName = Annotated[
    str, _matching(r"[a-zA-Z][a-zA-Z0-9-]{2,31}", "3-32 letters, digits and hyphens, starting with a letter")
]
TagKey = Annotated[str, _matching(r"[^<>%&\\?/]{1,512}", "1-512 characters without < > % & \\ ? /")]
TagValue = Annotated[str, StringConstraints(max_length=256)]
Access = Literal["Enabled", "Disabled"]
ArmKeyVaultId = Annotated[
    str,
    _matching(
        r"(?i)/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w.()]+/providers/Microsoft\.KeyVault/vaults/[a-z0-9-]{3,24}",
        "a key vault resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>)",
    ),
]
KeyUri = Annotated[
    str,
    _matching(
        r"https://[a-zA-Z0-9-]{3,24}\.vault\.azure\.net/keys/[a-zA-Z0-9-]+(/[0-9a-f]{32})?",
        "a key URI such as https://<vault>.vault.azure.net/keys/<name>/<version>",
    ),
]


def _ip_range(value: str) -> str:
    try:
        ipaddress.IPv4Network(value)
    except ValueError:
        raise ValueError("must be an IPv4 address or CIDR range such as 203.0.113.0/24") from None
    return value


IpRange = Annotated[str, AfterValidator(_ip_range)]
RoleName = Annotated[str, AfterValidator(resolve_role)]


class _Section(BaseModel):
    # Keys are camelCase as in Pulumi config; unknown keys are errors, never silently ignored.
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, frozen=True)


# --- sections -------------------------------------------------------------------------------


class NetworkAccess(_Section):
    """Network exposure of a data-plane resource (storage, key vault, registry)."""

    public_network_access: Access = "Disabled"
    default_action: Literal["Allow", "Deny"] = "Deny"
    allowed_ip_ranges: tuple[IpRange, ...] = ()


class CustomerManagedKey(_Section):
    key_vault_id: ArmKeyVaultId
    key_uri: KeyUri


class WorkspaceConfig(_Section):
    friendly_name: str | None = Field(default=None, max_length=256)
    description: str = Field(default="Azure Machine Learning workspace managed by azureml-platform", max_length=256)
    public_network_access: Access = "Disabled"
    isolation_mode: Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"] = (
        "AllowOnlyApprovedOutbound"
    )
    # High business impact: less diagnostic data leaves the workspace, compute scratch disks are encrypted.
    hbi: bool = True
    # A registry closed to the internet cannot build images itself (ImageBuildComputeNotValid):
    # Azure ML then builds them on this compute cluster. None uses the registry's own builder.
    image_build_compute: ComputeName | None = "image-builder"
    customer_managed_key: CustomerManagedKey | None = None


class StorageConfig(_Section):
    sku: Literal[
        "Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"
    ] = "Standard_ZRS"
    soft_delete_retention_days: int = Field(default=30, ge=1, le=365)
    network: NetworkAccess = NetworkAccess()


class KeyVaultConfig(_Section):
    # Azure cannot turn purge protection off once on, so false means "leave it off".
    purge_protection: bool = True
    soft_delete_retention_days: int = Field(default=90, ge=7, le=90)
    network: NetworkAccess = NetworkAccess()


class ContainerRegistryConfig(_Section):
    sku: Literal["Basic", "Standard", "Premium"] = "Premium"
    zone_redundancy: bool = True
    untagged_retention_days: int = Field(default=7, ge=0, le=365)
    trust_policy: bool = True
    # Off by default: a quarantined image cannot be pulled until a scanner releases it, which
    # blocks the environment images Azure ML builds and pushes itself.
    quarantine_policy: bool = False
    network: NetworkAccess = NetworkAccess()

    @model_validator(mode="after")
    def _premium_features(self) -> ContainerRegistryConfig:
        if self.sku == "Premium":
            return self
        premium_only = {
            "zoneRedundancy": self.zone_redundancy,
            "trustPolicy": self.trust_policy,
            "quarantinePolicy": self.quarantine_policy,
            "network.publicNetworkAccess=Disabled": self.network.public_network_access == "Disabled",
            "network.defaultAction=Deny": self.network.default_action == "Deny",
            "network.allowedIpRanges": bool(self.network.allowed_ip_ranges),
        }
        used = [key for key, on in premium_only.items() if on]
        if used:
            raise ValueError(f"sku {self.sku} does not support {', '.join(used)}: use sku Premium or turn them off")
        return self


class MonitoringConfig(_Section):
    retention_days: int = Field(default=90, ge=30, le=730)
    daily_quota_gb: float | None = Field(default=None, gt=0)
    # Keys/connection strings for Application Insights ingestion; off means Entra ID only.
    local_auth: bool = False


class RoleAssignmentConfig(_Section):
    principal_id: Guid
    role: RoleName
    principal_type: Literal["User", "Group", "ServicePrincipal"]
    scope: Literal["workspace", "resourceGroup", "storage", "keyVault", "containerRegistry"] = "workspace"
    description: str | None = Field(default=None, max_length=1024)


class StackConfig(_Section):
    environment: Environment
    location: Location
    prefix: Prefix = "mlp"
    name_suffix: NameSuffix | None = None
    existing_resource_group: ResourceGroupName | None = None
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, max_length=40)
    # ReadOnly is not offered: it stops the workspace from creating computes and jobs.
    lock: Literal["CanNotDelete", "None"] = "CanNotDelete"
    protect: bool = True
    diagnostics: bool = True
    role_assignments: tuple[RoleAssignmentConfig, ...] = ()
    workspace: WorkspaceConfig = WorkspaceConfig()
    storage: StorageConfig = StorageConfig()
    key_vault: KeyVaultConfig = KeyVaultConfig()
    container_registry: ContainerRegistryConfig = ContainerRegistryConfig()
    monitoring: MonitoringConfig = MonitoringConfig()

    @model_validator(mode="after")
    def _closed_registry_needs_build_compute(self) -> StackConfig:
        closed = self.container_registry.network.public_network_access == "Disabled"
        if closed and self.workspace.image_build_compute is None:
            raise ValueError(
                "workspace.imageBuildCompute: required while containerRegistry.network.publicNetworkAccess "
                "is Disabled (a closed registry cannot build images)"
            )
        return self


# --- environment defaults: the only place environments differ ------------------------------

_OPEN_NETWORK = {"publicNetworkAccess": "Enabled", "defaultAction": "Allow"}

ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "prod": {},
    # Staging rehearses prod's network and data protection, but can be torn down freely.
    "staging": {"lock": "None", "protect": False, "monitoring": {"retentionDays": 30}},
    # Dev is for working in: reachable from a laptop, cheap, disposable.
    "dev": {
        "lock": "None",
        "protect": False,
        # Studio, notebooks and the SDK from a developer's machine without a VPN.
        "workspace": {
            "publicNetworkAccess": "Enabled",
            "isolationMode": "AllowInternetOutbound",
            "imageBuildCompute": None,  # the open Basic registry builds images itself
        },
        "storage": {"sku": "Standard_LRS", "softDeleteRetentionDays": 7, "network": _OPEN_NETWORK},
        # Purge protection would hold the vault's name for the retention period after a destroy.
        "keyVault": {"purgeProtection": False, "softDeleteRetentionDays": 7, "network": _OPEN_NETWORK},
        # Basic has no network rules, zones or policies; dev images need none of them.
        "containerRegistry": {
            "sku": "Basic",
            "zoneRedundancy": False,
            "trustPolicy": False,
            "network": _OPEN_NETWORK,
        },
        # Connection-string logging from local endpoints and SDK samples.
        "monitoring": {"retentionDays": 30, "dailyQuotaGb": 1, "localAuth": True},
    },
}

# The floor for prod: (key path, allowed values). Prod config below it is an error.
PROD_BASELINE: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("workspace.publicNetworkAccess", ("Disabled",)),
    ("workspace.isolationMode", ("AllowOnlyApprovedOutbound",)),
    ("workspace.hbi", (True,)),
    ("storage.sku", ("Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS")),
    ("storage.network.defaultAction", ("Deny",)),
    ("keyVault.purgeProtection", (True,)),
    ("keyVault.network.defaultAction", ("Deny",)),
    ("containerRegistry.sku", ("Premium",)),
    ("containerRegistry.network.publicNetworkAccess", ("Disabled",)),
    ("containerRegistry.zoneRedundancy", (True,)),
    ("containerRegistry.trustPolicy", (True,)),
    ("monitoring.localAuth", (False,)),
    ("lock", ("CanNotDelete",)),
    ("protect", (True,)),
    ("diagnostics", (True,)),
)


# --- loading --------------------------------------------------------------------------------


def load_config(raw: Mapping[str, Any], stack: str) -> StackConfig:
    """Validate the stack's `azureml-platform:*` config values (strings as Pulumi delivers them)."""
    values = _parse_values(raw)
    environment = values.get("environment", stack)
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"{PROJECT}:environment: required for stack '{stack}' and must be one of "
            f"{', '.join(ENVIRONMENTS)} (got {environment!r})"
        )
    merged = _deep_merge(ENVIRONMENT_DEFAULTS[environment], {**values, "environment": environment})
    try:
        config = StackConfig.model_validate(merged)
    except ValidationError as error:
        raise ConfigError("\n".join(_describe(e) for e in error.errors())) from None
    if config.environment == "prod":
        _enforce_baseline(config)
    return config


def _parse_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Strip the namespace and decode JSON objects/lists, as `Config.get_object` would."""
    values = {}
    for key, value in raw.items():
        name = key.removeprefix(f"{PROJECT}:")
        if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as error:
                raise ConfigError(f"{PROJECT}:{name}: not valid JSON ({error.msg})") from None
        values[name] = value
    return values


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _key_path(location: tuple[int | str, ...]) -> str:
    path = f"{PROJECT}:{location[0]}"
    for part in location[1:]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _describe(error: Mapping[str, Any]) -> str:
    location = tuple(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if not location:  # a rule across sections: its message starts with the key path
        return f"{PROJECT}:{message}"
    if error["type"] == "extra_forbidden":
        return f"{_key_path(location)}: unknown key{_suggestion(location)}"
    if error["type"] == "missing":
        message = "required key is missing"
    elif not isinstance(error["input"], Mapping):
        message += f" (got {error['input']!r})"
    return f"{_key_path(location)}: {message}"


def _suggestion(location: tuple[int | str, ...]) -> str:
    model: type[BaseModel] = StackConfig
    for part in location[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for f in model.model_fields.values() if f.alias == part), None)
        annotation = getattr(field, "annotation", None)
        model = getattr(annotation, "__args__", (annotation,))[0]
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
    known = sorted(field.alias for field in model.model_fields.values())
    close = difflib.get_close_matches(str(location[-1]), known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"; {hint}allowed keys: {', '.join(known)}"


def _enforce_baseline(config: StackConfig) -> None:
    settings = config.model_dump(by_alias=True)
    problems = []
    for path, allowed in PROD_BASELINE:
        value = settings
        for part in path.split("."):
            value = value[part]
        if value not in allowed:
            expected = " or ".join(json.dumps(v) for v in allowed)
            problems.append(f"{PROJECT}:{path}: prod requires {expected} (security baseline), got {json.dumps(value)}")
    if problems:
        raise ConfigError("\n".join(problems))
