"""The config machinery on small test-only models: defaults at every level, errors, the floor."""

from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, StringConstraints, model_validator

from components.settings import ConfigError, Floor, Section, at_least, floor_entries, load_settings, one_of

NS = "test"


class Network(Section):
    public_access: Literal["Enabled", "Disabled"] = "Disabled"
    allowed_ranges: tuple[str, ...] = ()

    environment_defaults = {"dev": {"publicAccess": "Enabled", "allowedRanges": ["0.0.0.0/0"]}}
    prod_floor = (Floor("publicAccess", one_of("Disabled"), rules=("network-closed",)),)


class Encryption(Section):
    key_uri: str
    rotation_days: int | None = None

    environment_defaults = {"dev": {"rotationDays": 7}}


class Storage(Section):
    sku: Literal["LRS", "ZRS"] = "ZRS"
    network: Network = Network()
    encryption: Encryption | None = None

    environment_defaults = {"dev": {"sku": "LRS"}}
    # Prod data is encrypted with a rotated key: no encryption section is below this floor.
    prod_floor = (Floor("encryption.rotationDays", at_least(30), rules=("key-rotation",)),)


class Compute(Section):
    vm_size: str
    priority: Literal["Dedicated", "LowPriority"] = "Dedicated"
    max_nodes: int = Field(default=4, ge=0)

    environment_defaults = {"dev": {"priority": "LowPriority", "maxNodes": 1}}
    prod_floor = (Floor("priority", one_of("Dedicated"), rules=("compute-dedicated",)),)


class Grant(Section):
    principal: str
    role: str = "Reader"

    environment_defaults = {"dev": {"role": "Contributor"}}


class OnlineEndpoint(Section):
    endpoint_type: Literal["online"]
    auth_mode: Literal["key", "aad"] = "aad"

    environment_defaults = {"dev": {"authMode": "key"}}
    prod_floor = (Floor("authMode", one_of("aad"), rules=("endpoint-aad",)),)


class BatchEndpoint(Section):
    endpoint_type: Literal["batch"]
    auth_mode: Literal["key", "aad"] = "key"  # not held to OnlineEndpoint's floor


class Cron(Section):
    expression: str
    timezone: str = "UTC"


class Interval(Section):
    every_hours: int
    timezone: str = "UTC"


class Archive(Section):
    retention_days: int = 90


class Root(Section):
    name: str
    retention: int | Literal["forever"] = 30
    lock: bool = True
    tags: dict[Annotated[str, StringConstraints(max_length=8)], str] = {}
    storage: Storage = Storage()
    archive: Archive | None = None
    schedule: Cron | Interval | None = None  # a plain union: pydantic names the member in error paths
    computes: dict[str, Compute] = {}
    grants: tuple[Grant, ...] = ()
    endpoints: dict[str, Annotated[OnlineEndpoint | BatchEndpoint, Field(discriminator="endpoint_type")]] = {}

    environment_defaults = {
        "dev": {
            "lock": False,
            "tags": {"env": "dev"},
            "computes": {"cpu": {"vmSize": "D2"}},  # built on Compute's dev template
        }
    }
    prod_floor = (
        Floor("lock", one_of(True), rules=("lock",)),
        Floor("computes.*.maxNodes", at_least(1), rules=("compute-capacity",)),
        Floor("grants.*.role", one_of("Reader", "Contributor"), rules=("least-privilege",)),
        # An archive is optional; one that exists keeps a month.
        Floor("archive.retentionDays", at_least(30), rules=("archive-retention",), allow_none=True),
    )

    @model_validator(mode="after")
    def _archive_needs_encryption(self) -> "Root":
        if self.archive and self.storage.encryption is None:
            raise ValueError("storage.encryption: required while archive is set (archives copy the data)")
        return self


PROD = {"name": "x", "storage": {"encryption": {"keyUri": "k", "rotationDays": 90}}}


def load(values, environment="dev", **options) -> Root:
    return load_settings(Root, values, environment, namespace=NS, **options)


def refusal(values, environment="dev", **options) -> str:
    with pytest.raises(ConfigError) as raised:
        load(values, environment, **options)
    return str(raised.value)


# --- environment defaults -------------------------------------------------------------------


class Leaf(Section):
    model_only: str = "model"
    own: str = "model"
    parent: str = "model"
    grandparent: str = "model"
    user: str = "model"

    environment_defaults = {"dev": {"own": "leaf", "parent": "leaf", "grandparent": "leaf", "user": "leaf"}}


class Middle(Section):
    leaf: Leaf = Leaf()

    environment_defaults = {"dev": {"leaf": {"parent": "middle", "grandparent": "middle", "user": "middle"}}}


class Top(Section):
    middle: Middle = Middle()

    environment_defaults = {"dev": {"middle": {"leaf": {"grandparent": "top", "user": "top"}}}}


def test_each_level_overrides_the_one_below_key_by_key():
    top = load_settings(Top, {"middle": {"leaf": {"user": "user"}}}, "dev", namespace=NS)
    assert top.middle.leaf.model_dump() == {
        "model_only": "model", "own": "leaf", "parent": "middle", "grandparent": "top", "user": "user",
    }


def test_an_absent_section_gets_its_environment_defaults():
    assert load_settings(Top, {}, "dev", namespace=NS).middle.leaf.user == "top"
    assert load_settings(Top, {}, "staging", namespace=NS) == Top()
    # Neither the user nor Root's table names storage: its own tables still apply, at each level.
    storage = load({"name": "x"}).storage
    network = storage.network
    assert (storage.sku, network.public_access, network.allowed_ranges) == ("LRS", "Enabled", ("0.0.0.0/0",))


def test_a_required_section_is_the_users_to_give_even_with_defaults():
    class Owner(Section):
        team: str

        environment_defaults = {"dev": {"team": "platform"}}

    class Project(Section):
        owner: Owner

    with pytest.raises(ConfigError, match=f"^{NS}:owner: required key is missing$"):
        load_settings(Project, {}, "dev", namespace=NS)
    assert load_settings(Project, {"owner": {}}, "dev", namespace=NS).owner.team == "platform"


def test_maps_merge_by_key_and_lists_replace():
    root = load({"name": "x", "tags": {"team": "ml"}, "storage": {"network": {"allowedRanges": ["10.0.0.0/8"]}}})
    assert root.tags == {"env": "dev", "team": "ml"}
    assert root.storage.network.allowed_ranges == ("10.0.0.0/8",)
    assert (root.storage.sku, root.storage.network.public_access) == ("LRS", "Enabled")


def test_every_map_item_is_built_on_its_models_environment_defaults():
    root = load({"name": "x", "computes": {"gpu": {"vmSize": "NC6"}, "big": {"vmSize": "E8", "maxNodes": 8}}})
    assert {name: (c.vm_size, c.priority, c.max_nodes) for name, c in root.computes.items()} == {
        "cpu": ("D2", "LowPriority", 1),
        "gpu": ("NC6", "LowPriority", 1),
        "big": ("E8", "LowPriority", 8),
    }
    assert load({**PROD, "computes": {"gpu": {"vmSize": "NC6"}}}, "prod").computes["gpu"].priority == "Dedicated"


def test_every_list_item_is_built_on_its_models_environment_defaults():
    root = load({"name": "x", "grants": [{"principal": "a"}, {"principal": "b", "role": "Owner"}]})
    assert [(g.principal, g.role) for g in root.grants] == [("a", "Contributor"), ("b", "Owner")]


def test_a_union_item_is_built_on_its_own_members_defaults():
    root = load({"name": "x", "endpoints": {"web": {"endpointType": "online"}, "nightly": {"endpointType": "batch"}}})
    assert root.endpoints["web"].auth_mode == "key"
    assert root.endpoints["nightly"] == BatchEndpoint(endpoint_type="batch")


def test_an_optional_section_stays_none_unless_given():
    assert load({"name": "x"}).storage.encryption is None
    assert load({"name": "x", "storage": {"encryption": {"keyUri": "k"}}}).storage.encryption.rotation_days == 7


def test_null_removes_an_item_an_environment_default_adds_to_a_map():
    root = load({"name": "x", "computes": {"cpu": None}, "tags": {"env": None}})
    assert (root.computes, root.tags) == ({}, {})
    # The defaults table is untouched: the next load has the item again.
    assert list(load({"name": "x"}).computes) == ["cpu"]


@pytest.mark.parametrize("item", [str | None, Annotated[str | None, Field(max_length=40)], Any])
def test_null_is_kept_in_a_map_whose_items_may_be_null(item):
    class Notes(Section):
        notes: dict[str, item] = {}

        environment_defaults = {"dev": {"notes": {"owner": "platform"}}}

    assert load_settings(Notes, {"notes": {"owner": None}}, "dev", namespace=NS).notes == {"owner": None}


def test_a_table_may_leave_required_keys_to_the_user():
    class Partial(Section):
        vm_size: str
        priority: str = "Dedicated"

        environment_defaults = {"dev": {"priority": "LowPriority"}}

    partial = load_settings(Partial, {"vmSize": "D2"}, "dev", namespace=NS)
    assert partial == Partial(vm_size="D2", priority="LowPriority")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"dev": {"publicAcess": "Enabled"}},
            "Bad.environment_defaults['dev']:publicAcess: unknown key; did you mean 'publicAccess'? "
            "allowed keys: allowedRanges, computes, publicAccess",
        ),
        ({"dev": {"public_access": "Enabled"}}, "Bad.environment_defaults['dev']:public_access: unknown key; did you"),
        (
            {"staging": {"publicAccess": "Open"}},
            "Bad.environment_defaults['staging']:publicAccess: Input should be 'Enabled' or 'Disabled' (got 'Open')",
        ),
        (
            {"dev": {"computes": {"cpu": {"vmSzie": "D2"}}}},
            "Bad.environment_defaults['dev']:computes.cpu.vmSzie: unknown key; did you mean 'vmSize'?",
        ),
        ({"stagng": {}}, "Bad.environment_defaults: unknown environment 'stagng'; environments: dev, staging, prod"),
    ],
)
def test_a_mistake_in_a_defaults_table_fails_when_the_class_is_defined(table, message):
    with pytest.raises(TypeError) as raised:

        class Bad(Section):
            public_access: Literal["Enabled", "Disabled"] = "Disabled"
            allowed_ranges: tuple[str, ...] = ()
            computes: dict[str, Compute] = {}

            environment_defaults = table

    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("floor", "message"),
    [
        (Floor("priorty", one_of("Dedicated"), rules=("r",)), "Bad.prod_floor: 'priorty': not a key path of Bad"),
        (Floor("computes.*.vmSise", one_of("D2"), rules=("r",)), "Bad.prod_floor: 'computes.*.vmSise': not a key path"),
        (Floor("priority.*", one_of("Dedicated"), rules=("r",)), "Bad.prod_floor: 'priority.*': not a key path"),
        (Floor("priority", one_of("Dedicatd"), rules=("r",)), "Bad.prod_floor: 'priority': 'Dedicatd' is not a valid"),
        (Floor("computes.*.maxNodes", at_least("1"), rules=("r",)), "Bad.prod_floor: 'computes.*.maxNodes': '1' is"),
        (Floor("priority", one_of("Dedicated"), rules=()), "Bad.prod_floor: 'priority': rules must name"),
        (Floor("priority", one_of("Dedicated"), rules="lock"), "Bad.prod_floor: 'priority': rules must name"),
    ],
)
def test_a_mistake_in_a_floor_fails_when_the_class_is_defined(floor, message):
    with pytest.raises(TypeError) as raised:

        class Bad(Section):
            priority: Literal["Dedicated", "LowPriority"] = "Dedicated"
            computes: dict[str, Compute] = {}

            prod_floor = (floor,)

    assert str(raised.value).startswith(message)


# --- error messages -------------------------------------------------------------------------

ROOT_KEYS = "archive, computes, endpoints, grants, lock, name, retention, schedule, storage, tags"

BAD_VALUES = [
    ({"nmae": "x"}, f"{NS}:nmae: unknown key; did you mean 'name'? allowed keys: {ROOT_KEYS}"),
    ({"zzz": 1}, f"{NS}:zzz: unknown key; allowed keys: {ROOT_KEYS}"),
    (
        {"storage": {"network": {"publicAces": "Enabled"}}},
        f"{NS}:storage.network.publicAces: unknown key; did you mean 'publicAccess'? "
        "allowed keys: allowedRanges, publicAccess",
    ),
    (  # the file is read by alias only
        {"archive": {"retention_days": 60}},
        f"{NS}:archive.retention_days: unknown key; did you mean 'retentionDays'? allowed keys: retentionDays",
    ),
    (
        {"computes": {"gpu": {"vmSize": "NC6", "maxNode": 2}}},
        f"{NS}:computes.gpu.maxNode: unknown key; did you mean 'maxNodes'? allowed keys: maxNodes, priority, vmSize",
    ),
    (
        {"grants": [{"principal": "a"}, {"principal": "b", "roel": "Owner"}]},
        f"{NS}:grants[1].roel: unknown key; did you mean 'role'? allowed keys: principal, role",
    ),
    (
        {"endpoints": {"web": {"endpointType": "online", "authMod": "key"}}},
        f"{NS}:endpoints.web.authMod: unknown key; did you mean 'authMode'? allowed keys: authMode, endpointType",
    ),
    (
        {"endpoints": {"web": {"endpointType": "online", "authMode": "cert"}}},
        f"{NS}:endpoints.web.authMode: Input should be 'key' or 'aad' (got 'cert')",
    ),
    ({"endpoints": {"web": {"authMode": "key"}}}, f"{NS}:endpoints.web.endpointType: required key is missing"),
    (
        {"endpoints": {"web": {"endpointType": "stream"}}},
        f"{NS}:endpoints.web.endpointType: Input should be 'online' or 'batch' (got 'stream')",
    ),
    ({"computes": {"gpu": {"maxNodes": 2}}}, f"{NS}:computes.gpu.vmSize: required key is missing"),
    (
        {"computes": {"gpu": {"vmSize": "NC6", "maxNodes": -1}}},
        f"{NS}:computes.gpu.maxNodes: Input should be greater than or equal to 0 (got -1)",
    ),
    (
        {"retention": "always"},
        f"{NS}:retention: Input should be a valid integer, unable to parse string as an integer (got 'always')\n"
        f"{NS}:retention: Input should be 'forever' (got 'always')",
    ),
    (  # each member's errors, without the member's name; the same line once
        {"schedule": {"expression": "0 * * * *", "timezone": 5}},
        f"{NS}:schedule.timezone: Input should be a valid string (got 5)\n"
        f"{NS}:schedule.everyHours: required key is missing\n"
        f"{NS}:schedule.expression: unknown key; allowed keys: everyHours, timezone",
    ),
    (  # an invalid map key is named once, without pydantic's "[key]" marker
        {"tags": {"muchtoolong": "x"}},
        f"{NS}:tags.muchtoolong: String should have at most 8 characters (got 'muchtoolong')",
    ),
    ({"storage": "big"}, f"{NS}:storage: Input should be a valid dictionary or instance of Storage (got 'big')"),
    ({"grants": {"principal": "a"}}, f"{NS}:grants: Input should be a valid tuple"),  # no (got) for a mapping
    (
        {"archive": {}},
        f"{NS}:storage.encryption: required while archive is set (archives copy the data)",
    ),
    (
        {"lock": "maybe", "computes": {"gpu": {}}},
        f"{NS}:lock: Input should be a valid boolean, unable to interpret input (got 'maybe')\n"
        f"{NS}:computes.gpu.vmSize: required key is missing",
    ),
]


@pytest.mark.parametrize(("values", "message"), BAD_VALUES, ids=[m.split(":")[1] for _, m in BAD_VALUES])
def test_an_error_names_the_key_as_it_is_in_the_file(values, message):
    assert refusal({"name": "x", **values}) == message


def test_a_missing_required_key_is_named():
    assert refusal({}) == f"{NS}:name: required key is missing"


# --- the floor ------------------------------------------------------------------------------


def test_the_floor_holds_only_in_the_floor_environment():
    weak = {**PROD, "lock": False}
    assert load(weak, "dev").lock is False
    assert load(weak, "staging").lock is False
    assert refusal(weak, "staging", floor_environment="staging") == (
        f"{NS}:lock: staging requires true (security baseline), got false"
    )


def test_a_valid_prod_config_passes_the_floor():
    assert load(PROD, "prod").storage.encryption.rotation_days == 90


def test_the_floor_names_every_weaker_key_with_what_it_requires():
    values = {
        **PROD,
        "lock": False,
        "storage": {"network": {"publicAccess": "Enabled"}, "encryption": {"keyUri": "k", "rotationDays": 7}},
    }
    assert refusal(values, "prod") == (
        f'{NS}:storage.network.publicAccess: prod requires "Disabled" (security baseline), got "Enabled"\n'
        f"{NS}:storage.encryption.rotationDays: prod requires at least 30 (security baseline), got 7\n"
        f"{NS}:lock: prod requires true (security baseline), got false"
    )


def test_a_wildcard_floor_holds_every_item_of_a_map():
    computes = {
        "a": {"vmSize": "D2", "maxNodes": 0},
        "b": {"vmSize": "D2", "maxNodes": 1},
        "c": {"vmSize": "D2", "priority": "LowPriority"},
    }
    assert refusal({**PROD, "computes": computes}, "prod") == (
        f'{NS}:computes.c.priority: prod requires "Dedicated" (security baseline), got "LowPriority"\n'
        f"{NS}:computes.a.maxNodes: prod requires at least 1 (security baseline), got 0"
    )


def test_a_wildcard_floor_holds_every_item_of_a_list():
    grants = [{"principal": "a", "role": "Reader"}, {"principal": "b", "role": "Owner"}]
    assert refusal({**PROD, "grants": grants}, "prod") == (
        f'{NS}:grants[1].role: prod requires "Reader" or "Contributor" (security baseline), got "Owner"'
    )


def test_a_union_members_floor_holds_only_that_members_items():
    endpoints = {
        "web": {"endpointType": "online", "authMode": "key"},
        "nightly": {"endpointType": "batch", "authMode": "key"},
    }
    assert refusal({**PROD, "endpoints": endpoints}, "prod") == (
        f'{NS}:endpoints.web.authMode: prod requires "aad" (security baseline), got "key"'
    )


def test_a_none_section_is_below_a_floor_inside_it():
    assert refusal({"name": "x"}, "prod") == (
        f"{NS}:storage.encryption.rotationDays: prod requires at least 30 (security baseline), got null"
    )


def test_a_missing_optional_value_is_below_the_floor():
    values = {"name": "x", "storage": {"encryption": {"keyUri": "k"}}}
    assert refusal(values, "prod") == (
        f"{NS}:storage.encryption.rotationDays: prod requires at least 30 (security baseline), got null"
    )


def test_a_floor_may_allow_a_none_section():
    assert load(PROD, "prod").archive is None
    assert refusal({**PROD, "archive": {"retentionDays": 7}}, "prod") == (
        f"{NS}:archive.retentionDays: prod requires at least 30 (security baseline), got 7"
    )


def test_floor_entries_lists_every_entry_with_its_path_from_the_root():
    assert [(path, floor.rules) for path, floor in floor_entries(Root)] == [
        ("storage.network.publicAccess", ("network-closed",)),
        ("storage.encryption.rotationDays", ("key-rotation",)),
        ("computes.*.priority", ("compute-dedicated",)),
        ("endpoints.*.authMode", ("endpoint-aad",)),
        ("lock", ("lock",)),
        ("computes.*.maxNodes", ("compute-capacity",)),
        ("grants.*.role", ("least-privilege",)),
        ("archive.retentionDays", ("archive-retention",)),
    ]
    assert floor_entries(Root)[0][1] is Network.prod_floor[0]


class Nightly(Section):
    kind: Literal["nightly", "daily"]  # two tags, one member
    retries: int = 3

    prod_floor = (Floor("retries", at_least(1), rules=("job-retries",)),)


class Hourly(Section):
    kind: Literal["hourly"]
    retries: int = 3

    prod_floor = (Floor("retries", at_least(1), rules=("job-retries",)),)


class Jobs(Section):
    schedule: Annotated[Nightly | Hourly, Field(discriminator="kind")] | None = None


def test_a_none_union_section_is_below_each_members_floor_named_once():
    assert [path for path, _ in floor_entries(Jobs)] == ["schedule.retries", "schedule.retries"]  # one per member
    with pytest.raises(ConfigError) as raised:
        load_settings(Jobs, {}, "prod", namespace=NS)
    assert str(raised.value) == f"{NS}:schedule.retries: prod requires at least 1 (security baseline), got null"
