"""Azure names for the platform's resources: readable, deterministic and within each type's rules.

Pulumi logical names come from the component; Azure names come only from here. Globally unique
types (storage, key vault, registry) carry a short stable suffix derived from subscription,
project, stack and prefix, so two stacks or two subscriptions never collide.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class NameRule:
    abbreviation: str  # Cloud Adoption Framework abbreviation
    max_length: int
    pattern: str  # the full Azure rule, checked on every name built
    hyphens: bool = True
    globally_unique: bool = False


RULES = {
    "resource_group": NameRule("rg", 90, r"[-\w.()]{0,89}[-\w()]"),
    "log_analytics": NameRule("log", 63, r"[a-zA-Z0-9][a-zA-Z0-9-]{2,61}[a-zA-Z0-9]"),
    "application_insights": NameRule("appi", 260, r"[^%&\\?/]{1,260}"),
    "identity": NameRule("id", 128, r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}"),
    "workspace": NameRule("mlw", 33, r"[a-zA-Z0-9][a-zA-Z0-9-]{2,32}"),
    "storage_account": NameRule("st", 24, r"[a-z0-9]{3,24}", hyphens=False, globally_unique=True),
    "key_vault": NameRule("kv", 24, r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]", globally_unique=True),
    "container_registry": NameRule("cr", 50, r"[a-zA-Z0-9]{5,50}", hyphens=False, globally_unique=True),
    "virtual_network": NameRule("vnet", 64, r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]"),
}


# Names of items the user names in the stack config (computes, endpoints, ...). A name whose
# uniqueness scope is wider than the stack (a region) gets the stack and the stable suffix, so two
# stacks in one region never collide; within a workspace or group the user's key is the name.
# Rules: "Naming rules and restrictions for Azure resources" (Microsoft.MachineLearningServices,
# Microsoft.Network) and the service's own messages (compute instance: 3-24, no "-<digit>" ending).
@dataclass(frozen=True)
class InstanceRule:
    max_length: int
    pattern: str
    unique_in: Literal["workspace", "region", "resource_group"]


INSTANCE_RULES = {
    # Clusters: Azure ML documents 3-24 characters and a letter after every hyphen (the rule it
    # gives instances); older SDKs allow 16, which every API accepts.
    "compute": InstanceRule(16, r"[a-zA-Z](?![a-zA-Z0-9-]*-[0-9]*$)[a-zA-Z0-9-]{2,15}", "workspace"),
    # "test-0" and "test-01" are refused, "test-a0" is not: after the last hyphen, not digits only.
    "compute_instance": InstanceRule(24, r"[a-zA-Z](?![a-zA-Z0-9-]*-[0-9]*$)[a-zA-Z0-9-]{2,23}", "region"),
    "online_endpoint": InstanceRule(32, r"[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]", "region"),
    "private_endpoint": InstanceRule(64, r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]", "resource_group"),
}


_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


@dataclass(frozen=True)
class Names:
    stack: str  # as it appears in names: lowercase letters, digits, hyphens
    suffix: str
    resource_group: str
    log_analytics: str
    application_insights: str
    identity: str
    workspace: str
    storage_account: str
    key_vault: str
    container_registry: str
    virtual_network: str

    def instance(self, kind: str, key: str) -> str:
        """The Azure name of the item `key` of a map in the stack config (e.g. compute "cpu")."""
        rule = INSTANCE_RULES[kind]
        name = key
        if rule.unique_in == "region":  # key-stack-suffix; too long, the stack is cut first, then the key
            suffix = self.suffix.translate(_DIGITS_AS_LETTERS)  # a digits-only last part is refused
            room = rule.max_length - len(suffix) - 1
            key_part = key[:room].rstrip("-")
            stack_part = self.stack[: max(0, room - len(key_part) - 1)].strip("-")
            name = "-".join(part for part in (key_part, stack_part, suffix) if part)
        if not re.fullmatch(rule.pattern, name):
            raise ValueError(f"{kind} name {name!r} (from {key!r}) breaks Azure's rule {rule.pattern}")
        return name


def stable_suffix(*parts: str, length: int = 6) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def platform_names(prefix: str, stack: str, subscription_id: str, project: str, suffix: str | None = None) -> Names:
    suffix = suffix or stable_suffix(subscription_id, project, stack, prefix)
    stack_part = re.sub(r"[^a-z0-9-]+", "-", stack.lower()).strip("-") or "stack"
    return Names(stack_part, suffix, **{kind: azure_name(kind, prefix, stack_part, suffix) for kind in RULES})


def azure_name(kind: str, prefix: str, stack: str, suffix: str) -> str:
    """`<abbr>-<prefix>-<stack>[-<suffix>]`; too long, the prefix is cut first, then the stack."""
    rule = RULES[kind]
    separator = "-" if rule.hyphens else ""
    tail = separator + suffix if rule.globally_unique else ""
    if not rule.hyphens:
        prefix, stack = prefix.replace("-", ""), stack.replace("-", "")
    room = rule.max_length - len(tail) - len(rule.abbreviation) - 2 * len(separator)
    prefix = prefix[: max(2, room - len(stack))].rstrip("-")
    readable = separator.join([rule.abbreviation, prefix, stack])[: rule.max_length - len(tail)].rstrip("-")
    name = re.sub("-{2,}", "-", readable + tail)
    if not re.fullmatch(rule.pattern, name):
        raise ValueError(f"{kind} name {name!r} breaks Azure's rule {rule.pattern}")
    return name


def deterministic_guid(*parts: str) -> str:
    """A GUID that stays the same for the same inputs: role assignment names must be GUIDs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))
