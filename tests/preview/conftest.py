"""Fixtures of the preview tests: the fixture program and its plans, and throwaway projects. (The
plans of this project's own stacks are the session fixtures of tests/conftest.py.)"""

import textwrap
from pathlib import Path

import pytest
import yaml

from preview.capture import capture_plan

FIXTURE_ROOT = Path(__file__).resolve().parent / "fixture_program"


class FixturePlans(dict):
    """The fixture program's plans by stack name, each captured on first use (read them, never change them)."""

    def __missing__(self, stack: str):
        self[stack] = capture_plan(stack, root=FIXTURE_ROOT)
        return self[stack]


@pytest.fixture(scope="session")
def fixture_root() -> Path:
    """tests/preview/fixture_program: a small azure-native project with stacks dev and prod."""
    return FIXTURE_ROOT


@pytest.fixture(scope="session")
def fixture_plans() -> FixturePlans:
    """The fixture program's plans by stack, each captured once per session."""
    return FixturePlans()


@pytest.fixture
def scratch_project(tmp_path):
    """scratch_project(program, stack_file): a throwaway project `scratch` with one stack, dev."""

    def write(program: str, stack_file: str = "config: {}\n") -> Path:
        (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "scratch", "runtime": "python"}))
        (tmp_path / "Pulumi.dev.yaml").write_text(stack_file)
        (tmp_path / "__main__.py").write_text(textwrap.dedent(program))
        return tmp_path

    return write
