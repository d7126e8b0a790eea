"""Azure names: deterministic, readable, and within each resource type's rules."""

import re

import pytest

from components.naming import INSTANCE_RULES, RULES, Names, azure_name, deterministic_guid, platform_names

SUBSCRIPTION = "11111111-1111-1111-1111-111111111111"
STACKS = ["dev", "staging", "prod", "feature-very-long-branch-name-x", "Dev_Alice.2"]
PREFIXES = ["ml", "mlp", "contoso-research", "abcdefghijklmnopqrst"]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_name_obeys_its_azure_rule(prefix, stack):
    names = platform_names(prefix, stack, SUBSCRIPTION, "azureml-platform")
    for kind, rule in RULES.items():
        name = getattr(names, kind)
        assert re.fullmatch(rule.pattern, name), (kind, name)
        assert len(name) <= rule.max_length, (kind, name)
        assert "--" not in name, (kind, name)


def test_names_are_readable_and_deterministic():
    names = platform_names("mlp", "dev", SUBSCRIPTION, "azureml-platform")
    assert names == platform_names("mlp", "dev", SUBSCRIPTION, "azureml-platform")
    suffix = names.storage_account[-6:]
    assert names == Names(
        stack="dev",
        suffix=suffix,
        resource_group="rg-mlp-dev",
        log_analytics="log-mlp-dev",
        application_insights="appi-mlp-dev",
        identity="id-mlp-dev",
        workspace="mlw-mlp-dev",
        storage_account=f"stmlpdev{suffix}",
        key_vault=f"kv-mlp-dev-{suffix}",
        container_registry=f"crmlpdev{suffix}",
        virtual_network="vnet-mlp-dev",
    )


def test_globally_unique_names_differ_per_stack_and_subscription():
    base = platform_names("mlp", "dev", SUBSCRIPTION, "azureml-platform")
    other_stack = platform_names("mlp", "prod", SUBSCRIPTION, "azureml-platform")
    other_subscription = platform_names("mlp", "dev", "22222222-2222-2222-2222-222222222222", "azureml-platform")
    for kind in ("storage_account", "key_vault", "container_registry"):
        assert len({getattr(n, kind) for n in (base, other_stack, other_subscription)}) == 3, kind


def test_long_names_cut_the_prefix_first_and_keep_stack_and_suffix():
    assert azure_name("storage_account", "abcdefghijklmnopqrst", "staging", "a1b2c3") == "stabcdefghistaginga1b2c3"
    assert azure_name("key_vault", "abcdefghijklmnopqrst", "prod", "a1b2c3") == "kv-abcdefghi-prod-a1b2c3"
    # A stack too long for the room left: the prefix keeps two characters, the stack is cut.
    assert azure_name("key_vault", "contoso", "feature-very-long", "a1b2c3") == "kv-co-feature-ver-a1b2c3"


def test_an_explicit_suffix_replaces_the_derived_one():
    names = platform_names("mlp", "dev", SUBSCRIPTION, "azureml-platform", suffix="x9y8")
    assert (names.storage_account, names.key_vault) == ("stmlpdevx9y8", "kv-mlp-dev-x9y8")


def test_deterministic_guid_is_a_stable_guid():
    guid = deterministic_guid("scope", "principal", "role")
    assert guid == deterministic_guid("scope", "principal", "role") != deterministic_guid("scope", "principal", "other")
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", guid)


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("key", ["cpu", "image-builder", "alice-smith", "iris-classifier-blue-green-endpoint"])
def test_instance_names_obey_their_azure_rule(stack, key):
    names = platform_names("contoso-research", stack, SUBSCRIPTION, "azureml-platform")
    for kind, rule in INSTANCE_RULES.items():
        if rule.unique_in != "region" and len(key) > rule.max_length:
            continue  # the user's own name: refused by the config, see below
        name = names.instance(kind, key)
        assert re.fullmatch(rule.pattern, name) and len(name) <= rule.max_length, (kind, name)


def test_region_unique_names_keep_the_key_and_carry_stack_and_suffix():
    dev = platform_names("mlp", "dev", SUBSCRIPTION, "azureml-platform")
    prod = platform_names("mlp", "prod", SUBSCRIPTION, "azureml-platform")
    letters = str.maketrans("0123456789", "ghijklmnop")
    assert dev.instance("online_endpoint", "iris") == f"iris-dev-{dev.suffix.translate(letters)}"
    assert dev.instance("online_endpoint", "iris") != prod.instance("online_endpoint", "iris")
    long_stack = platform_names("mlp", "feature-very-long-branch-name-x", SUBSCRIPTION, "azureml-platform")
    # The stack is cut before the key: the endpoint stays recognisable.
    assert long_stack.instance("compute_instance", "alice") == f"alice-feature-ver-{long_stack.suffix.translate(letters)}"
    # Workspace- and group-scoped names are the user's key, unchanged.
    assert dev.instance("compute", "gpu-cluster") == "gpu-cluster"


@pytest.mark.parametrize(("name", "valid"), [("test-0", False), ("test-01", False), ("ci-", False), ("test-a0", True),
                                             ("test-0a", True), ("alice", True)])
def test_the_compute_instance_rule_is_azures(name, valid):
    assert bool(re.fullmatch(INSTANCE_RULES["compute_instance"].pattern, name)) is valid


def test_a_digits_only_suffix_still_ends_a_compute_instance_name_azure_accepts():
    names = platform_names("mlp", "prod", SUBSCRIPTION, "azureml-platform", suffix="123456")
    assert names.instance("compute_instance", "alice") == "alice-prod-hijklm"


@pytest.mark.parametrize(
    ("kind", "key"),
    [("compute", "c"), ("compute", "a-very-long-cluster-name"), ("compute", "9lives")],
)
def test_a_name_azure_would_refuse_is_an_error_naming_it(kind, key):
    with pytest.raises(ValueError, match=rf"^{kind} name '{key}'"):
        platform_names("mlp", "dev", SUBSCRIPTION, "azureml-platform").instance(kind, key)
