"""Shared test set-up: the repository root is importable (as it is for `pulumi up`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import functools  # noqa: E402

import pytest  # noqa: E402


@functools.cache
def stack_plan(stack: str):
    """The captured plan of a stack file, computed once per test session (plans are immutable)."""
    from preview.plan import capture_plan

    return capture_plan(stack)


@pytest.fixture(params=["dev", "staging", "prod"])
def any_stack(request):
    return request.param
