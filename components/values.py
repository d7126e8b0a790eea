"""Value types the config sections share: each rule's error says what is allowed, with an example."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, StringConstraints

from components.naming import INSTANCE_RULES
from components.roles import resolve_role
from components.settings import Section


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
    str,
    _matching(INSTANCE_RULES["compute"].pattern, "2-16 letters, digits and hyphens, starting with a letter (e.g. cpu)"),
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


class NetworkAccess(Section):
    """Network exposure of a data-plane resource (storage, key vault, registry): the same knob on each."""

    public_network_access: Access = "Disabled"
    default_action: Literal["Allow", "Deny"] = "Deny"
    allowed_ip_ranges: tuple[IpRange, ...] = ()


# Dev's data-plane resources: reachable from a developer's machine without a VPN.
OPEN_NETWORK: dict[str, Any] = {"publicNetworkAccess": "Enabled", "defaultAction": "Allow"}
