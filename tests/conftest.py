"""Shared test set-up: the repository root is importable (as it is for `pulumi up`), and the plans
and config of the stack files are fixtures."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STACKS = ("dev", "staging", "prod")


class StackPlans(dict):
    """Plans of the stack files by stack name, each captured once per session (a Plan is immutable)."""

    def __missing__(self, stack: str):
        from preview.capture import capture_plan

        self[stack] = capture_plan(stack)
        return self[stack]


@pytest.fixture(scope="session")
def stack_plans() -> StackPlans:
    return StackPlans()


@pytest.fixture(params=STACKS)
def any_stack(request):
    return request.param


@pytest.fixture
def plan(stack_plans, any_stack):
    """The plan of each stack file in turn."""
    return stack_plans[any_stack]


@pytest.fixture(scope="session")
def stack_config():
    """stack_config(stack, **overrides): the stack file's config as the Pulumi CLI hands it to the
    program (namespaced keys, JSON-encoded values), with top-level keys replaced by `overrides`."""
    from preview.encoding import config_for_program
    from preview.stackfile import load_stack_config

    def build(stack: str, **overrides) -> dict[str, str]:
        namespaced = {f"azureml-platform:{key}": value for key, value in overrides.items()}
        values, _ = config_for_program({**load_stack_config(stack), **namespaced}, "azureml-platform")
        return values

    return build


# A person's compute instance, as a dev stack would declare one (the stack files declare none).
INSTANCE_USER = "5d1e0f6a-2b3c-4d5e-8f90-a1b2c3d4e5f6"
INSTANCE = {"type": "instance", "user": {"objectId": INSTANCE_USER}, "schedule": {"stop": "0 19 * * 1-5"}}


@pytest.fixture(scope="session")
def instance_plan(stack_config):
    """The dev plan with a compute instance `alice` for INSTANCE_USER."""
    from preview.capture import capture_plan
    from preview.stackfile import load_stack_config

    config = {**load_stack_config("dev"), "azureml-platform:computes": {"alice": INSTANCE}}
    return capture_plan("dev", config=config)
