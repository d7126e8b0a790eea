"""The prod floor of the config and the baseline rules agree: each floor entry guarantees the rules
it names, and a value below it breaks them in the plan, so prod config that the floor accepts
always yields a plan that passes the baseline."""

from collections import defaultdict

import pytest

from components.config import StackConfig, load_config
from components.settings import ConfigError, floor_entries
from components.storage import REDUNDANT_SKUS
from policies.baseline import REDUNDANT_STORAGE, RULES, check_plan
from preview.capture import capture_plan
from preview.stackfile import load_stack_config

NS = "azureml-platform"
FLOOR = dict(floor_entries(StackConfig))
RULE_TARGET = {rule.id: rule.resource_type for rule in RULES}

# A value just below each floor entry, as stack-file overrides.
BELOW_FLOOR = {
    "workspace.publicNetworkAccess": {"workspace": {"publicNetworkAccess": "Enabled"}},
    "workspace.isolationMode": {"workspace": {"isolationMode": "AllowInternetOutbound"}},
    "workspace.hbi": {"workspace": {"hbi": False}},
    "storage.sku": {"storage": {"sku": "Standard_LRS"}},
    "storage.network.defaultAction": {"storage": {"network": {"defaultAction": "Allow"}}},
    "keyVault.purgeProtection": {"keyVault": {"purgeProtection": False}},
    "keyVault.network.defaultAction": {"keyVault": {"network": {"defaultAction": "Allow"}}},
    # Standard cannot keep Premium features: turn them off so the sku is what is below the floor.
    "containerRegistry.sku": {"containerRegistry": {
        "sku": "Standard", "zoneRedundancy": False,
        "network": {"publicNetworkAccess": "Enabled", "defaultAction": "Allow"}}},
    "containerRegistry.network.publicNetworkAccess": {"containerRegistry": {"network": {"publicNetworkAccess": "Enabled"}}},
    "containerRegistry.zoneRedundancy": {"containerRegistry": {"zoneRedundancy": False}},
    "containerRegistry.untaggedRetentionDays": {"containerRegistry": {"untaggedRetentionDays": 0}},
    "monitoring.localAuth": {"monitoring": {"localAuth": True}},
    "computes.*.minNodes": {"computes": {"cpu": {"minNodes": 1}}},
    # A closed endpoint needs the private endpoints too: open it, or the config is refused before the floor.
    "network.privateEndpoints": {"network": {"privateEndpoints": False}, "endpoints": {"iris": {"publicNetworkAccess": "Enabled"}}},
    "endpoints.*.authMode": {"endpoints": {"iris": {"authMode": "Key"}}},
    "endpoints.*.publicNetworkAccess": {"endpoints": {"iris": {"publicNetworkAccess": "Enabled"}}},
    "lock": {"lock": "None"},
    "protect": {"protect": False},
    "diagnostics": {"diagnostics": False},
}


def merged(base: dict, overrides: dict) -> dict:
    result = dict(base)
    for key, value in overrides.items():
        result[key] = merged(result.get(key) or {}, value) if isinstance(value, dict) else value
    return result


def at_the_floor() -> dict:
    """Every floor entry at the weakest value it accepts."""
    overrides: dict = {}
    for path, floor in FLOOR.items():
        for expanded in expand(path):
            *parents, leaf = expanded.split(".")
            node = overrides
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = floor.requirement.values[0]
    return overrides


def expand(path: str) -> list[str]:
    """A floor path with `map.*` as one path per item of that top-level map's default items."""
    head, _, rest = path.partition(".*.")
    if not rest:
        return [path]
    field = next(f for f in StackConfig.model_fields.values() if f.alias == head)
    return [f"{head}.{key}.{rest}" for key in field.get_default(call_default_factory=True)]


def plan_outside_prod(overrides: dict):
    """The prod stack's config with the floor held by hand, under an environment without a floor,
    so that single values can go below it."""
    stack_file = {key.removeprefix(f"{NS}:"): value for key, value in load_stack_config("prod").items()}
    config = merged(merged(stack_file, {"environment": "staging", **at_the_floor()}), overrides)
    return capture_plan("floor-check", config={f"{NS}:{key}": value for key, value in config.items()})


def violated(plan) -> set[str]:
    return {violation.rule for violation in check_plan(plan.resources, "prod")}


def batches() -> list[list[str]]:
    """Floor entries in as few groups as possible with at most one entry per resource type, so no
    entry's value can break a rule another entry in its group claims."""
    groups: dict[str, list[str]] = defaultdict(list)
    for path, floor in FLOOR.items():
        groups[RULE_TARGET.get(floor.rules[0], floor.rules[0])].append(path)
    rounds = max(len(paths) for paths in groups.values())
    return [[paths[i] for paths in groups.values() if i < len(paths)] for i in range(rounds)]


def test_every_prod_rule_is_guaranteed_by_a_floor_entry():
    guaranteed = {rule for floor in FLOOR.values() for rule in floor.rules}
    assert guaranteed == {rule.id for rule in RULES if rule.scope == "prod"} | {"lock", "protect", "diagnostics", "private-endpoints"}
    assert set(BELOW_FLOOR) == set(FLOOR)
    # Each entry guards the rules of one resource type (what the batches below rely on).
    for floor in FLOOR.values():
        assert len({RULE_TARGET.get(rule, rule) for rule in floor.rules}) == 1, floor.path


@pytest.mark.parametrize("path", FLOOR)
def test_prod_refuses_a_value_below_the_floor(path, stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("prod", **BELOW_FLOOR[path]), "prod")
    reported = path.replace("*", "iris" if path.startswith("endpoints") else "cpu")  # the item BELOW_FLOOR weakens
    assert f"{NS}:{reported}: prod requires {FLOOR[path].requirement.description} (security baseline)" in str(raised.value)


def test_the_weakest_values_the_floor_accepts_pass_the_baseline():
    assert violated(plan_outside_prod({})) == set()
    # The storage floor's other values: the rule's own list.
    assert set(REDUNDANT_SKUS) == REDUNDANT_STORAGE == set(FLOOR["storage.sku"].requirement.values)


@pytest.mark.parametrize("group", batches(), ids=lambda group: "+".join(group))
def test_a_value_below_the_floor_breaks_the_rules_its_entry_names(group):
    overrides: dict = {}
    for path in group:
        overrides = merged(overrides, BELOW_FLOOR[path])
    broken = violated(plan_outside_prod(overrides))
    for path in group:
        assert set(FLOOR[path].rules) <= broken, path
