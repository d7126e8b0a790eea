"""A secure config value reaches the plan only inside a secret: the program gets a placeholder that
names it, and a placeholder found anywhere else fails the capture, naming the key and the place."""

import pytest

from preview.capture import capture_plan
from preview.plan import PreviewError

SECRET_TOKEN = "config:\n  scratch:token:\n    secure: v1:dG9rZW4=\n  scratch:plain: visible\n"
PROGRAM = """\
    import pulumi
    from pulumi_azure_native import resources
    config = pulumi.Config()
    token = config.require("token")  # read raw, as a program that validates its config does
    {use}
    """
FIX = "make it a secret there (pulumi.Output.secret), or the state holds it in plain text"
GROUP = "azure-native:resources:ResourceGroup"


@pytest.mark.parametrize(
    ("use", "place"),
    [
        (
            'resources.ResourceGroup("group", location="westeurope", tags={"plain": config.require("plain"), "token": token})',
            f"{GROUP} 'group' input tags.token",
        ),
        (
            'resources.ResourceGroup("group", location="westeurope", tags={"t": pulumi.Output.concat("a-", token)})',
            f"{GROUP} 'group' input tags.t",
        ),
        ('pulumi.export("connection", {"hosts": ["h", f"token={token}"]})', "stack output connection.hosts[1]"),
        ('resources.ResourceGroup(f"group-{token}", location="westeurope")', f"the name of {GROUP} 'group-<secret:scratch:token>'"),
    ],
    ids=["input", "output-in-an-input", "stack-output", "resource-name"],
)
def test_a_secret_outside_a_secret_fails_the_capture_naming_key_and_place(use, place, scratch_project):
    project = scratch_project(PROGRAM.format(use=use), SECRET_TOKEN)
    with pytest.raises(PreviewError) as caught:
        capture_plan("dev", root=project)
    assert str(caught.value) == f"secret config value scratch:token reaches {place} unmasked: {FIX}"


def test_every_place_counts(scratch_project):
    use = 'pulumi.export("a", token); pulumi.export("b", token); pulumi.export("c", [token])'
    with pytest.raises(PreviewError, match=r"reaches stack output a unmasked \(and 2 more places\): "):
        capture_plan("dev", root=scratch_project(PROGRAM.format(use=use), SECRET_TOKEN))


def test_a_secret_inside_a_secret_is_shown_as_secret(scratch_project):
    use = (
        'resources.ResourceGroup("group", location="westeurope", tags={"token": pulumi.Output.secret(token)}); '
        'pulumi.export("token", config.require_secret("token"))'
    )
    plan = capture_plan("dev", root=scratch_project(PROGRAM.format(use=use), SECRET_TOKEN))
    assert plan.one(GROUP).inputs["tags"] == {"token": "[secret]"}
    assert plan.outputs == {"token": "[secret]"}
