"""Plans of the stack files, captured once per test session (a Plan is immutable)."""

import functools
import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def stack_plan(stack: str):
    from preview.plan import capture_plan

    return capture_plan(stack)


def stack_file_config(stack: str) -> dict[str, str]:
    """A stack file's config as the Pulumi CLI delivers it: objects JSON-encoded, scalars as strings."""
    config = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {key: json.dumps(value) if isinstance(value, (dict, list)) else str(value) for key, value in config.items()}
