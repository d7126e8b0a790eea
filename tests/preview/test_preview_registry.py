"""The registry knows every type the stacks declare, each entry matches the azure-native SDK, and a
type it does not know stops the preview with the entry to add."""

import importlib
import string
import sys

import pytest

from preview.capture import capture_plan
from preview.plan import PreviewError
from preview.registry import REGISTRY, ResourceType, needs_entry

AZURE_ENTRIES = [entry for entry in REGISTRY.values() if entry.is_azure]


def sdk_class(type_token: str) -> type:
    _, module, name = type_token.split(":")
    return getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)


def property_names(cls: type) -> set[str]:
    """The Pulumi (camelCase) names of a generated class's properties."""
    return {
        member.fget._pulumi_name
        for member in vars(cls).values()
        if isinstance(member, property) and hasattr(member.fget, "_pulumi_name")
    }


def constructor_arguments(type_token: str) -> set[str]:
    """The inputs a resource class takes, from its args class: `<Name>Args` in the class's own module,
    `<Name>InitArgs` where an input type already has that name."""
    cls = sdk_class(type_token)
    module = sys.modules[cls.__module__]
    args = next(
        candidate
        for candidate in (getattr(module, f"{cls.__name__}InitArgs", None), getattr(module, f"{cls.__name__}Args", None))
        if candidate is not None and candidate.__module__ == cls.__module__
    )
    return property_names(args)


def test_every_custom_resource_type_of_every_stack_has_an_entry(plan):
    """plan: each of this project's stacks in turn (tests/conftest.py), captured once per session."""
    types = {r.type for r in plan.resources if needs_entry(r.type, r.custom)}
    assert types
    assert sorted(types - set(REGISTRY)) == []


@pytest.mark.parametrize("entry", AZURE_ENTRIES, ids=lambda entry: entry.token)
def test_the_name_key_is_a_constructor_argument_and_ends_the_id(entry: ResourceType):
    assert entry.name_key in constructor_arguments(entry.token)
    assert entry.id_template.endswith(f"/{{{entry.name_key}}}")


@pytest.mark.parametrize("entry", AZURE_ENTRIES, ids=lambda entry: entry.token)
def test_the_id_template_shown_inputs_and_outputs_name_real_properties(entry: ResourceType):
    arguments = constructor_arguments(entry.token)
    id_fields = {field for _, field, _, _ in string.Formatter().parse(entry.id_template) if field}
    assert id_fields - arguments <= {"subscriptionId"}
    assert {path.split(".")[0] for path in entry.shown} <= arguments
    assert {path.split(".")[0] for path in entry.outputs} <= property_names(sdk_class(entry.token))


@pytest.mark.parametrize(
    ("declaration", "type_token"),
    [
        ("containerservice.ManagedCluster('aks', resource_group_name='rg')", "azure-native:containerservice:ManagedCluster"),
        ("pulumi.CustomResource('acme:index:Widget', 'widget', {})", "acme:index:Widget"),
    ],
)
def test_a_custom_resource_of_an_unknown_type_stops_the_preview_naming_the_entry_to_add(
    scratch_project, declaration, type_token
):
    project = scratch_project(f"import pulumi\nfrom pulumi_azure_native import containerservice\n{declaration}\n")
    with pytest.raises(PreviewError) as caught:
        capture_plan("dev", root=project)
    assert str(caught.value) == (
        f"the offline preview does not know resource type {type_token}: add ResourceType({type_token!r}, "
        "id_template, name_key, ...) to REGISTRY in preview.registry "
        "(its id, the input that carries its name, the outputs programs read from it)"
    )


def test_components_and_explicit_providers_need_no_entry(scratch_project):
    project = scratch_project("""\
        import pulumi
        import pulumi_azure_native as azure_native
        from pulumi_azure_native import resources

        box = pulumi.ComponentResource("scratch:index:Box", "box")
        other = azure_native.Provider("other-subscription", subscription_id="00000000-0000-4000-8000-0000000000ff")
        resources.ResourceGroup("group", location="westeurope", opts=pulumi.ResourceOptions(parent=box, provider=other))
        """)
    plan = capture_plan("dev", root=project)
    assert {r.type for r in plan.resources} == {
        "scratch:index:Box", "pulumi:providers:azure-native", "azure-native:resources:ResourceGroup",
    }
