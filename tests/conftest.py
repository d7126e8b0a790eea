"""Shared test set-up: the repository root is importable (as it is for `pulumi up`)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(params=["dev", "staging", "prod"])
def any_stack(request):
    return request.param
