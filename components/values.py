"""Value types the config sections share: each rule's error says what is allowed, with an example."""

from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Annotated, Any, Iterable, Literal

from pydantic import AfterValidator, StringConstraints, model_validator

from components.naming import INSTANCE_RULES, RULES
from components.regions import REGIONS
from components.roles import resolve_role
from components.settings import Section


def matching(pattern: str, description: str) -> AfterValidator:
    """A string rule whose error says what is allowed, with an example, instead of a regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {description}")
        return value

    return AfterValidator(check)


_IN_A_GROUP = r"(?i)/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w.()]+/providers/"


def arm_id(provider_path: str, what: str, example: str) -> AfterValidator:
    """The id of a resource in a resource group whose part after `/providers/` matches
    `provider_path`; the error names `what` and shows the id's shape with `example`."""
    return matching(_IN_A_GROUP + provider_path, f"{what} (/subscriptions/<id>/resourceGroups/<rg>/providers/{example})")


Guid = Annotated[
    str,
    matching(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", "a GUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7"),
]


def _region(value: str) -> str:
    if value in REGIONS:
        return value
    # A display name ("West Europe") is the region's name with spaces and capitals.
    spelled = value.lower().replace(" ", "")
    close = [spelled] if spelled in REGIONS else difflib.get_close_matches(spelled, sorted(REGIONS), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "names such as westeurope are listed in components/regions.py"
    raise ValueError(f"not an Azure region; {hint}")


Location = Annotated[str, AfterValidator(_region)]
# Lowercase so one prefix works for every Azure name; hyphens are dropped where a type forbids them.
Prefix = Annotated[
    str,
    matching(
        r"[a-z](?!.*--)[a-z0-9-]{0,18}[a-z0-9]",
        "2-20 lowercase letters, digits and single hyphens, starting with a letter (e.g. mlp)",
    ),
]
NameSuffix = Annotated[str, matching(r"[a-z0-9]{4,8}", "4-8 lowercase letters or digits (e.g. a1b2c3)")]
ResourceGroupName = Annotated[
    str,
    matching(r"[-\w.()]{0,89}[-\w()]", "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'"),
]
ComputeName = Annotated[
    str,
    matching(
        INSTANCE_RULES["compute"].pattern,
        "3-16 letters, digits and hyphens, starting with a letter, with a letter somewhere after each hyphen (e.g. cpu, gpu-a100)",
    ),
]
WorkspaceName = Annotated[
    str,
    matching(RULES["workspace"].pattern, "3-33 letters, digits and hyphens, starting with a letter or digit (e.g. mlw-mlp-dev-2)"),
]
# Azure VM size names: Standard_DS3_v2, Standard_NC24ads_A100_v4, Standard_E64-16ds_v4 (constrained vCPUs).
VmSize = Annotated[
    str,
    matching(r"Standard_[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*", "an Azure VM size such as Standard_DS3_v2"),
    StringConstraints(max_length=64),
]
# Five fields, as Azure ML schedules take them: minute hour day-of-month month day-of-week.
Cron = Annotated[
    str,
    matching(r"[0-9*,/-]+( [0-9*,/-]+){4}", "a cron expression of five fields such as '0 8 * * 1-5' (minute hour day month weekday)"),
]
# Azure ML schedules name time zones as Windows does ("UTC", "W. Europe Standard Time").
TimeZone = Annotated[
    str,
    matching(r"[A-Za-z][A-Za-z0-9 .+()-]{1,63}", "a Windows time zone name such as UTC or 'W. Europe Standard Time'"),
]
TagKey = Annotated[str, matching(r"[^<>%&\\?/]{1,512}", "1-512 characters without < > % & \\ ? /")]
TagValue = Annotated[str, StringConstraints(max_length=256)]
Access = Literal["Enabled", "Disabled"]
ArmStorageAccountId = Annotated[
    str,
    arm_id(
        r"Microsoft\.Storage/storageAccounts/[a-z0-9]{3,24}",
        "a storage account resource id",
        "Microsoft.Storage/storageAccounts/<name>",
    ),
]
ArmId = Annotated[
    str,
    arm_id(
        r"[A-Za-z]+\.[A-Za-z]+/[^/]+/[^/]+(/[^/]+/[^/]+)*",
        "an Azure resource id",
        "<namespace>/<type>/<name>",
    ),
]


def _cidr(value: str) -> str:
    try:
        ipaddress.IPv4Network(value)
    except ValueError as error:
        raise ValueError(f"must be an IPv4 CIDR range such as 10.60.0.0/24 with no host bits set ({error})") from None
    if "/" not in value:
        raise ValueError("must be an IPv4 CIDR range such as 10.60.0.0/24 (a prefix length is required)")
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
# A host name, or a wildcard over a domain (*.anaconda.org), as managed network FQDN rules take them.
Fqdn = Annotated[
    str,
    matching(
        r"(\*\.)?([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}",
        "a host name such as pypi.org, or a wildcard such as *.anaconda.org",
    ),
]
PrivateZoneName = Annotated[
    str, matching(r"privatelink(\.[a-z0-9-]+)+", "a private DNS zone name such as privatelink.blob.core.windows.net")
]
ArmKeyVaultId = Annotated[
    str,
    arm_id(
        r"Microsoft\.KeyVault/vaults/[a-z0-9-]{3,24}",
        "a key vault resource id",
        "Microsoft.KeyVault/vaults/<name>",
    ),
]
KeyUri = Annotated[
    str,
    matching(
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


def _ip_address(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError("must be an IPv4 address such as 10.0.0.4") from None
    return value


IpAddress = Annotated[str, AfterValidator(_ip_address)]
RoleName = Annotated[str, AfterValidator(resolve_role)]


class NetworkAccess(Section):
    """Network exposure of a data-plane resource (storage, key vault, registry): the same knob on each."""

    public_network_access: Access = "Disabled"
    default_action: Literal["Allow", "Deny"] = "Deny"
    allowed_ip_ranges: tuple[IpRange, ...] = ()

    @model_validator(mode="after")
    def _ip_rules_take_effect(self) -> NetworkAccess:
        # Azure applies IP rules only to public traffic that the default action denies: storage, key
        # vault and registry ignore them otherwise, and the ranges are not what is let in (issue #7).
        if self.allowed_ip_ranges and self.public_network_access == "Disabled":
            raise ValueError(
                "allowedIpRanges do nothing while publicNetworkAccess is Disabled (Azure ignores IP rules "
                "then); set publicNetworkAccess: Enabled with defaultAction: Deny to let in only these ranges, "
                "or remove them"
            )
        if self.allowed_ip_ranges and self.default_action == "Allow":
            raise ValueError(
                "allowedIpRanges do nothing while defaultAction is Allow (every address is let in); "
                "set defaultAction: Deny to let in only these ranges, or remove them"
            )
        return self


# Dev's data-plane resources: reachable from a developer's machine without a VPN.
OPEN_NETWORK: dict[str, Any] = {"publicNetworkAccess": "Enabled", "defaultAction": "Allow"}


def refuse_names_equal_but_for_case(field: str, keys: Iterable[str]) -> None:
    """Azure compares these names without case: two keys that differ only in case are one resource."""
    seen: dict[str, str] = {}
    for key in keys:
        if key.lower() in seen:
            raise ValueError(f"{field}.{key}: the same Azure name as {field}.{seen[key.lower()]} (names ignore case)")
        seen[key.lower()] = key


def iso_duration(seconds: float) -> str:
    """The canonical ISO 8601 form Azure returns (PT30M, not PT1800S), so a refresh shows no change."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, whole_seconds = divmod(rest, 60)
    seconds = whole_seconds + round(seconds - int(seconds), 3)  # request timeouts are in milliseconds
    parts = [f"{value:g}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if value]
    return "PT" + ("".join(parts) or "0S")
