"""The stack config model: environment defaults, the prod floor, and exact errors for bad input."""

import json

import pytest

from components.config import StackConfig, load_config
from components.settings import ConfigError, Section

NS = "azureml-platform"


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_stack_file_is_valid(stack, stack_config):
    assert load_config(stack_config(stack), stack).environment == stack


def all_sections(base=Section):
    for section in base.__subclasses__():
        yield section
        yield from all_sections(section)


def test_model_defaults_are_the_prod_baseline():
    """Prod gets the secure defaults untouched (no section has prod defaults), and they pass the floor."""
    sections = [section for section in all_sections() if section.__module__.startswith("components.")]
    assert StackConfig in sections
    assert [section for section in sections if "prod" in section.environment_defaults] == []
    assert load_config({f"{NS}:location": "westeurope"}, "prod") == StackConfig(environment="prod", location="westeurope")


def test_environments_differ_where_they_should(stack_config):
    dev = load_config(stack_config("dev"), "dev")
    staging = load_config(stack_config("staging"), "staging")
    prod = load_config(stack_config("prod"), "prod")
    assert (dev.workspace.public_network_access, staging.workspace.public_network_access) == ("Enabled", "Disabled")
    assert prod.workspace.public_network_access == "Disabled"
    assert (dev.workspace.isolation_mode, prod.workspace.isolation_mode) == (
        "AllowInternetOutbound",
        "AllowOnlyApprovedOutbound",
    )
    assert (dev.storage.sku, staging.storage.sku, prod.storage.sku) == ("Standard_LRS", "Standard_ZRS", "Standard_GZRS")
    assert (dev.key_vault.purge_protection, staging.key_vault.purge_protection, prod.key_vault.purge_protection) == (
        False,
        True,
        True,
    )
    assert (dev.container_registry.sku, prod.container_registry.sku) == ("Basic", "Premium")
    assert (dev.lock, staging.lock, prod.lock) == ("None", "None", "CanNotDelete")
    assert (dev.protect, staging.protect, prod.protect) == (False, False, True)
    assert (dev.monitoring.local_auth, prod.monitoring.local_auth) == (True, False)
    assert dev.workspace.image_build_compute is None and prod.workspace.image_build_compute == "image-builder"
    assert prod.workspace.hbi is True


def test_user_values_override_environment_defaults_key_by_key(stack_config):
    network = {"defaultAction": "Deny", "allowedIpRanges": ["203.0.113.0/24"]}
    config = load_config(stack_config("dev", storage={"network": network}), "dev")
    # The dev defaults for the rest of the section survive a partial override.
    assert config.storage.sku == "Standard_LRS"
    assert config.storage.network.public_network_access == "Enabled"
    assert config.storage.network.default_action == "Deny"
    assert config.storage.network.allowed_ip_ranges == ("203.0.113.0/24",)


def test_role_names_resolve_to_builtin_guids(stack_config):
    group = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    grants = [{"principalId": group, "principalType": "Group", "role": role}
              for role in ("AzureML Data Scientist", "Storage File Data Privileged Contributor")]
    config = load_config(stack_config("dev", roleAssignments=grants), "dev")
    assert [grant.role for grant in config.role_assignments] == [
        "f6c7c914-8db3-469d-8ca1-694a8f32e121",
        "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    ]


BAD_INPUTS = [
    (
        {"workspace": {"publicNetworkAcess": "Disabled"}},
        f"{NS}:workspace.publicNetworkAcess: unknown key; did you mean 'publicNetworkAccess'? allowed keys: "
        "customerManagedKey, description, friendlyName, hbi, imageBuildCompute, isolationMode, name, "
        "publicNetworkAccess, roleAssignmentWaitSeconds",
    ),
    ({"prefx": "abc"}, f"{NS}:prefx: unknown key; did you mean 'prefix'?"),
    (
        {"storage": {"network": {"defaultActon": "Deny"}}},
        f"{NS}:storage.network.defaultActon: unknown key; did you mean 'defaultAction'?",
    ),
    (
        {"storage": {"sku": "Premium_LRS"}},
        f"{NS}:storage.sku: Input should be 'Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS', "
        "'Standard_GZRS' or 'Standard_RAGZRS' (got 'Premium_LRS')",
    ),
    (
        {"keyVault": {"softDeleteRetentionDays": 3}},
        f"{NS}:keyVault.softDeleteRetentionDays: Input should be greater than or equal to 7 (got 3)",
    ),
    (
        {"monitoring": {"retentionDays": "lots"}},
        f"{NS}:monitoring.retentionDays: Input should be a valid integer, unable to parse string as an integer (got 'lots')",
    ),
    ({"protect": "maybe"}, f"{NS}:protect: Input should be a valid boolean, unable to interpret input (got 'maybe')"),
    (
        {"prefix": "My_Prefix"},
        f"{NS}:prefix: must be 2-20 lowercase letters, digits and single hyphens, starting with a letter (e.g. mlp) "
        "(got 'My_Prefix')",
    ),
    ({"prefix": "ml--p"}, f"{NS}:prefix: must be 2-20 lowercase letters"),
    ({"nameSuffix": "A!"}, f"{NS}:nameSuffix: must be 4-8 lowercase letters or digits (e.g. a1b2c3) (got 'A!')"),
    ({"existingResourceGroup": "rg."}, f"{NS}:existingResourceGroup: must be 1-90 letters"),
    ({"location": "westeruope"}, f"{NS}:location: not an Azure region; did you mean 'westeurope'? (got 'westeruope')"),
    ({"location": "West Europe"}, f"{NS}:location: not an Azure region; did you mean 'westeurope'? (got 'West Europe')"),
    # A staging region is Microsoft's own (components/regions.py).
    ({"location": "eastusstg"}, f"{NS}:location: not an Azure region; did you mean 'eastus'? (got 'eastusstg')"),
    (
        {"location": "mars"},
        f"{NS}:location: not an Azure region; names such as westeurope are listed in components/regions.py (got 'mars')",
    ),
    (
        {"roleAssignments": [{"principalId": "nope", "principalType": "Group", "role": "Reader"}]},
        f"{NS}:roleAssignments[0].principalId: must be a GUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7 (got 'nope')",
    ),
    (
        {"roleAssignments": [{"principalId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "principalType": "Group", "role": "Data Wizard"}]},
        f"{NS}:roleAssignments[0].role: unknown role; use a role definition GUID or one of: AcrPull, AcrPush,",
    ),
    (
        {"roleAssignments": [{"principalId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "role": "Reader"}]},
        f"{NS}:roleAssignments[0].principalType: required key is missing",
    ),
    (
        {"storage": {"network": {"allowedIpRanges": ["10.0.0.300/24"]}}},
        f"{NS}:storage.network.allowedIpRanges[0]: must be an IPv4 address or CIDR range such as 203.0.113.0/24 "
        "(got '10.0.0.300/24')",
    ),
    (
        {"workspace": {"customerManagedKey": {"keyVaultId": "kv", "keyUri": "https://kv1.vault.azure.net/keys/k"}}},
        f"{NS}:workspace.customerManagedKey.keyVaultId: must be a key vault resource id",
    ),
    (
        {"workspace": {"imageBuildCompute": None}},
        f"{NS}:workspace.imageBuildCompute: required while containerRegistry.network.publicNetworkAccess is Disabled",
    ),
    (
        {"workspace": {"publicNetworkAccess": "Enabled"}, "lock": "None"},
        f'{NS}:workspace.publicNetworkAccess: prod requires "Disabled" (security baseline), got "Enabled"\n'
        f'{NS}:lock: prod requires "CanNotDelete" (security baseline), got "None"',
    ),
    ({"environment": "qa"}, f"{NS}:environment: required for stack 'prod' and must be one of dev, staging, prod (got 'qa')"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS, ids=[m.split(":")[1].split(" ")[0] for _, m in BAD_INPUTS])
def test_bad_input_is_refused_with_a_message_naming_the_key(overrides, message, stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("prod", **overrides), "prod")
    assert str(raised.value).startswith(message)


def test_invalid_json_names_the_key(stack_config):
    raw = {**stack_config("dev"), f"{NS}:storage": "{sku: x"}
    with pytest.raises(ConfigError, match=rf"^{NS}:storage: not valid JSON"):
        load_config(raw, "dev")


def test_premium_only_registry_features_are_refused_on_basic(stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("dev", containerRegistry={"zoneRedundancy": True, "quarantinePolicy": True}), "dev")
    assert str(raised.value) == (
        f"{NS}:containerRegistry: sku Basic does not support zoneRedundancy, quarantinePolicy: "
        "use sku Premium or turn them off"
    )


def test_a_missing_location_is_reported():
    with pytest.raises(ConfigError, match=rf"^{NS}:location: required key is missing$"):
        load_config({}, "dev")


def test_a_custom_stack_name_needs_an_environment():
    raw = {f"{NS}:location": "westeurope"}
    with pytest.raises(ConfigError, match="required for stack 'alice'"):
        load_config(raw, "alice")
    assert load_config({**raw, f"{NS}:environment": "dev"}, "alice").environment == "dev"


def test_a_stack_named_after_an_environment_cannot_declare_another():
    """Else `environment: staging` on the prod stack would leave the prod floor."""
    with pytest.raises(ConfigError, match=rf"^{NS}:environment: stack 'prod' is the prod environment \(got 'staging'\)"):
        load_config({f"{NS}:location": "westeurope", f"{NS}:environment": "staging", f"{NS}:lock": "None"}, "prod")


def test_canary_regions_are_accepted(stack_config):
    assert load_config(stack_config("dev", location="centraluseuap"), "dev").location == "centraluseuap"


IP_RANGES = ["203.0.113.0/24"]
NETWORKED = {"storage": "storage", "keyVault": "key_vault", "containerRegistry": "container_registry"}  # key: field


@pytest.mark.parametrize("section", NETWORKED)
def test_ip_ranges_are_refused_where_azure_would_ignore_them(section, stack_config):
    """Issue #7: IP rules apply only to public traffic that the default action denies."""
    with pytest.raises(ConfigError) as closed:
        load_config(stack_config("staging", **{section: {"network": {"allowedIpRanges": IP_RANGES}}}), "staging")
    assert str(closed.value) == (
        f"{NS}:{section}.network: allowedIpRanges do nothing while publicNetworkAccess is Disabled (Azure ignores "
        "IP rules then); set publicNetworkAccess: Enabled with defaultAction: Deny to let in only these ranges, "
        "or remove them"
    )
    open_to_all = {"publicNetworkAccess": "Enabled", "defaultAction": "Allow", "allowedIpRanges": IP_RANGES}
    with pytest.raises(ConfigError) as allowing:
        load_config(stack_config("staging", **{section: {"network": open_to_all}}), "staging")
    assert str(allowing.value) == (
        f"{NS}:{section}.network: allowedIpRanges do nothing while defaultAction is Allow (every address is let in); "
        "set defaultAction: Deny to let in only these ranges, or remove them"
    )
    open_to_ranges = {"publicNetworkAccess": "Enabled", "defaultAction": "Deny", "allowedIpRanges": IP_RANGES}
    config = load_config(stack_config("staging", **{section: {"network": open_to_ranges}}), "staging")
    assert getattr(config, NETWORKED[section]).network.allowed_ip_ranges == tuple(IP_RANGES)


def test_a_near_miss_of_the_namespace_is_refused_naming_the_key(stack_config):
    """Else `azureml-platfrom:lock: None` would be read by nothing, and prod would get its lock anyway."""
    raw = {**stack_config("prod"), "azureml-platfrom:lock": "None", "AzureML-Platform:protect": "false"}
    with pytest.raises(ConfigError) as raised:
        load_config(raw, "prod")
    assert str(raised.value) == (
        "azureml-platfrom:lock: unknown namespace 'azureml-platfrom'; did you mean 'azureml-platform:lock'?\n"
        "AzureML-Platform:protect: unknown namespace 'AzureML-Platform'; did you mean 'azureml-platform:protect'?"
    )


def test_other_namespaces_are_left_to_their_readers(stack_config):
    others = {"azure-native:location": "northeurope", "pulumi:tags": "{}", "time:x": "1", "azureml:workspace": "w"}
    assert load_config({**stack_config("prod"), **others}, "prod") == load_config(stack_config("prod"), "prod")


def test_errors_never_show_a_secret_keys_value(stack_config):
    raw = stack_config("prod", tags={"costCenter": "c" * 300}, prefix="Bad_Prefix")
    with pytest.raises(ConfigError) as raised:
        load_config(raw, "prod", secret_keys=[f"{NS}:tags", f"{NS}:lock"])
    assert str(raised.value).splitlines() == [
        f"{NS}:prefix: must be 2-20 lowercase letters, digits and single hyphens, starting with a letter (e.g. mlp) "
        "(got 'Bad_Prefix')",
        f"{NS}:tags.costCenter: String should have at most 256 characters (got [secret])",
    ]
    with pytest.raises(ConfigError) as below_floor:  # the floor's own wording: "..., got <value>"
        load_config(stack_config("prod", lock="None"), "prod", secret_keys=[f"{NS}:tags", f"{NS}:lock"])
    assert str(below_floor.value) == f'{NS}:lock: prod requires "CanNotDelete" (security baseline) (got [secret])'
