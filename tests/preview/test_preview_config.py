"""Stack config reaches the program exactly as the Pulumi CLI delivers it."""

import copy
import shutil

import pytest

from fixture_types import COMPUTE, CONTAINER
from preview.capture import capture_plan
from preview.encoding import cli_json, config_for_program
from preview.stackfile import load_stack_config


def test_load_stack_config_returns_the_stack_files_map_as_written(fixture_root):
    assert load_stack_config("prod", fixture_root) == {
        "fixture-platform:location": "northeurope",
        "fixture-platform:prefix": "fx",
        "fixture-platform:protect": True,
        "fixture-platform:replicas": 3,
        "fixture-platform:storage": {"sku": "Standard_ZRS", "containers": ["raw"]},
        "fixture-platform:datastoreKey": {"secure": "v1:cHJvZC1hY2NvdW50LWtleS1jaXBoZXJ0ZXh0"},
    }


def test_the_program_sees_strings_json_and_secret_keys_in_config_and_environment(fixture_plans, fixture_root):
    outputs = fixture_plans["prod"].outputs
    assert outputs["configSeen"] == {
        "fixture-platform:location": "northeurope",
        "fixture-platform:prefix": "fx",
        "fixture-platform:protect": "true",
        "fixture-platform:replicas": "3",
        "fixture-platform:storage": '{"containers":["raw"],"sku":"Standard_ZRS"}',
    }
    assert outputs["secretConfigKeys"] == ["fixture-platform:datastoreKey"]
    assert outputs["configEnvKeys"] == sorted(load_stack_config("prod", fixture_root))  # PULUMI_CONFIG, as the CLI sets it
    assert outputs["replicas"] == 3


@pytest.mark.parametrize(
    ("value", "delivered"),
    [
        ("westeurope", "westeurope"),
        ("true", "true"),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (2.5, "2.5"),
        ({"b": 1, "a": [True, None]}, '{"a":[true,null],"b":1}'),
        (["raw", 2], '["raw",2]'),
    ],
)
def test_values_are_encoded_like_the_cli_encodes_them(value, delivered):
    assert config_for_program({"key": value}, "proj") == ({"proj:key": delivered}, [])
    if not isinstance(value, str):
        assert cli_json(value) == delivered


def test_keys_get_the_project_namespace_unless_they_have_one():
    values, _ = config_for_program({"location": "a", "proj:prefix": "b", "azure-native:location": "c"}, "proj")
    assert values == {"proj:location": "a", "proj:prefix": "b", "azure-native:location": "c"}


def test_secure_values_become_placeholders_naming_them_and_mark_their_key_secret_even_when_nested():
    values, secret_keys = config_for_program(
        {"password": {"secure": "v1:abc"}, "db": {"host": "h", "users": [{"secure": "v1:def"}]}, "plain": "p"}, "proj"
    )
    assert values == {
        "proj:password": "<secret:proj:password>",
        "proj:db": '{"host":"h","users":["<secret:proj:db.users[0]>"]}',
        "proj:plain": "p",
    }
    assert secret_keys == ["proj:password", "proj:db"]


def test_scalars_are_read_as_the_cli_reads_them(tmp_path, fixture_root):
    """Go's yaml.v3 reads only true/false as booleans, and dates and base-60 lookalikes as text."""
    shutil.copytree(fixture_root, tmp_path, dirs_exist_ok=True)
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  fixture-platform:tags:\n    country: no\n    on: call\n    expires: 2026-12-31\n"
        "    window: 10:30\n    enabled: true\n    count: 0x10\n    ratio: 1.5\n"
    )
    assert load_stack_config("dev", tmp_path) == {
        "fixture-platform:tags": {
            "country": "no", "on": "call", "expires": "2026-12-31", "window": "10:30", "enabled": True, "count": 16,
            "ratio": 1.5,
        }
    }


def test_merge_keys_may_override_what_they_merge(tmp_path, fixture_root):
    shutil.copytree(fixture_root, tmp_path, dirs_exist_ok=True)
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  fixture-platform:a: &base {sku: x, tier: y}\n  fixture-platform:b:\n    <<: *base\n    sku: z\n"
    )
    assert load_stack_config("dev", tmp_path)["fixture-platform:b"] == {"sku": "z", "tier": "y"}


def test_a_config_dict_replaces_the_stack_file(fixture_root):
    config = copy.deepcopy(load_stack_config("dev", fixture_root))
    config["fixture-platform:storage"]["containers"] = ["landing"]
    config["replicas"] = 5  # no namespace: the project's
    plan = capture_plan("dev", config, root=fixture_root)
    assert [r.name for r in plan.of_type(CONTAINER)] == ["lake-landing"]
    assert plan.one(COMPUTE, "cpu").inputs["properties"]["properties"]["scaleSettings"]["maxNodeCount"] == 5
    assert plan.outputs["configSeen"]["fixture-platform:replicas"] == "5"
