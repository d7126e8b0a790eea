"""Config and program failures become one PreviewError with a short, precise message."""

import re
import shutil

import pytest

from preview.capture import capture_plan
from preview.plan import PreviewError
from preview.stackfile import load_stack_config


@pytest.fixture
def capture_dev(fixture_root):
    """capture_dev(**changes): the fixture's dev plan with those config keys changed."""

    def capture(**changes):
        changed = {f"fixture-platform:{key}": value for key, value in changes.items()}
        return capture_plan("dev", load_stack_config("dev", fixture_root) | changed, root=fixture_root)

    return capture


def test_a_run_error_from_the_program_is_its_message(capture_dev):
    with pytest.raises(PreviewError) as caught:
        capture_dev(storage={"sku": "Premium_LRS", "containers": []})
    assert str(caught.value) == "storage.sku: 'Premium_LRS' is not one of Standard_LRS, Standard_ZRS"


def test_config_keys_the_program_does_not_know_are_rejected_by_it(capture_dev):
    with pytest.raises(PreviewError, match=r"^unknown config key\(s\): fixture-platform:colour$"):
        capture_dev(colour="blue")


def test_pulumi_config_type_errors_are_run_errors_too(capture_dev):
    with pytest.raises(PreviewError) as caught:
        capture_dev(replicas="many")
    assert str(caught.value) == "Configuration 'fixture-platform:replicas' value 'many' is not a valid 'int'"


def test_any_other_exception_is_named_with_the_program_line_that_raised_it(capture_dev):
    with pytest.raises(PreviewError) as caught:
        capture_dev(storage=["raw"])
    assert re.fullmatch(r"AttributeError: 'list' object has no attribute 'get' \(__main__\.py:\d+\)", str(caught.value))


def test_an_exception_while_resolving_inputs_fails_the_capture(scratch_project):
    project = scratch_project("""\
        import pulumi
        from pulumi_azure_native import resources
        resources.ResourceGroup("group", location=pulumi.Output.from_input(0).apply(lambda zero: 1 / zero))
        """)
    # The program line only when Pulumi's output machinery kept the apply's frames: it depends on
    # which of the failed outputs is awaited first.
    with pytest.raises(PreviewError, match=r"^ZeroDivisionError: division by zero( \(__main__\.py:3\))?$"):
        capture_plan("dev", root=project)


def test_an_input_fed_from_a_missing_output_is_reported_not_dropped(scratch_project):
    project = scratch_project("""\
        from pulumi_azure_native import authorization, resources
        group = resources.ResourceGroup("group", location="westeurope")
        authorization.ManagementLockByScope("lock", level="CanNotDelete", scope=group.managed_by)
        """)
    with pytest.raises(PreviewError, match=r"^azure-native:authorization:ManagementLockByScope 'lock': input 'scope' is missing"):
        capture_plan("dev", root=project)


def test_an_invoke_without_a_fake_is_reported(scratch_project):
    project = scratch_project("""\
        from pulumi_azure_native import resources
        resources.get_resource_group(resource_group_name="elsewhere")
        """)
    with pytest.raises(PreviewError, match=r"no fake for invoke azure-native:resources:getResourceGroup"):
        capture_plan("dev", root=project)


def test_a_missing_stack_file_lists_the_known_stacks(fixture_root):
    with pytest.raises(PreviewError) as caught:
        capture_plan("qa", root=fixture_root)
    assert str(caught.value) == "no stack file stacks/Pulumi.qa.yaml (known stacks: dev, prod)"


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path, fixture_root):
    shutil.copytree(fixture_root, tmp_path, dirs_exist_ok=True)
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  fixture-platform:prefix: fx\n  storage: [raw\n")
    with pytest.raises(PreviewError, match=r"^stacks/Pulumi\.dev\.yaml:4: expected ',' or '\]', but got '<stream end>'$"):
        load_stack_config("dev", tmp_path)


def test_a_directory_without_pulumi_yaml_is_not_a_project(tmp_path):
    with pytest.raises(PreviewError, match=f"^no Pulumi.yaml in {re.escape(str(tmp_path))}$"):
        capture_plan("dev", root=tmp_path)
