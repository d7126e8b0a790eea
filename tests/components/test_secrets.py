"""Issue #10: a secret given in config is a secret wherever it reaches, and no error shows it.

The captures fail on their own (preview.encoding) if a secure value reaches an input or output
outside a secret: a plan that comes back is the first assertion of each test."""

import textwrap

import pytest

from components.secrets import secret_strings
from preview.capture import capture_plan
from preview.plan import PreviewError
from preview.stackfile import load_stack_config

NS = "azureml-platform"
COST_CENTER = {"secure": "v1:Y29zdC1jZW50ZXI="}


def test_a_secret_tag_is_secret_in_every_resource_and_the_other_namespaces_secret_is_left_alone():
    config = load_stack_config("dev")
    config[f"{NS}:tags"] = {**config[f"{NS}:tags"], "costCenter": COST_CENTER}
    config["azure-native:clientSecret"] = {"secure": "v1:c2VjcmV0"}  # the provider's, never the program's
    plan = capture_plan("dev", config)
    tagged = [resource for resource in plan.resources if "tags" in resource.inputs]
    assert len(tagged) > 5
    for resource in tagged:
        # Pulumi marks the whole `tags` key secret, not saying which value was secure: each is hidden.
        assert resource.inputs["tags"]["costCenter"] == resource.inputs["tags"]["owner"] == "[secret]", resource.urn
        assert resource.inputs["tags"]["environment"] == "dev", resource.urn
    assert plan.outputs == capture_plan("dev").outputs


def test_a_secret_in_an_invalid_value_is_not_shown_in_the_error():
    config = load_stack_config("dev") | {f"{NS}:location": {"secure": "v1:d2VzdGV1cm9wZQ=="}}
    with pytest.raises(PreviewError) as caught:
        capture_plan("dev", config)
    assert str(caught.value).splitlines()[1:] == [
        f"{NS}:location: not an Azure region; names such as westeurope are listed in components/regions.py (got [secret])"
    ]


PROGRAM = """\
    import pulumi
    from pulumi_azure_native import resources, storage
    from components.secrets import hide_secrets, hide_secrets_in_every_resource, secret_strings, stack_config

    values, secret_keys = stack_config()
    secrets = secret_strings(values, secret_keys)
    hide_secrets_in_every_resource(secrets)
    token = values["scratch:token"]
    group = resources.ResourceGroup("group", location="westeurope", tags={"token": token, "other": "plain"})
    storage.StorageAccount(
        "account",
        resource_group_name=group.name,
        kind="StorageV2",
        sku=storage.SkuArgs(name="Standard_LRS"),
        network_rule_set=storage.NetworkRuleSetArgs(
            default_action="Deny", ip_rules=[storage.IPRuleArgs(i_p_address_or_range=f"{token}/32")]
        ),
        tags={"derived": group.name.apply(lambda name: f"{name}-{token}"), "name": group.name},
    )
    pulumi.export("plain", "visible")
    pulumi.export("nested", hide_secrets({"list": ["a", f"x{token}x"], "resolved": group.name.apply(lambda _: token)}, secrets))
    """


def test_every_input_that_holds_a_secret_is_made_secret_and_nothing_else(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: scratch\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  scratch:token:\n    secure: v1:dG9rZW4=\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    plan = capture_plan("dev", root=tmp_path)
    assert plan.one("azure-native:resources:ResourceGroup").inputs["tags"] == {"token": "[secret]", "other": "plain"}
    account = plan.one("azure-native:storage:StorageAccount").inputs
    assert account["networkRuleSet"]["defaultAction"] == "Deny"
    assert account["networkRuleSet"]["ipRules"][0]["iPAddressOrRange"] == "[secret]"
    assert account["tags"]["derived"] == "[secret]" and account["tags"]["name"] != "[secret]"
    assert plan.outputs == {"plain": "visible", "nested": {"list": ["a", "[secret]"], "resolved": "[secret]"}}


def test_secret_strings_are_every_string_in_a_secret_keys_value():
    values = {"p:a": '{"x":["s1",{"y":"s2"}],"n":3}', "p:b": "plain", "p:c": "s3", "p:d": "", "p:e": "{not json"}
    assert secret_strings(values, {"p:a", "p:c", "p:d", "p:e", "p:absent"}) == {"s1", "s2", "s3", "{not json"}
