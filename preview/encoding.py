"""Stack config encoded the way the Pulumi CLI hands it to a program: the one encoder of the project."""

from __future__ import annotations

import json
from typing import Any

from preview.plan import SECRET


def config_for_program(config: dict[str, Any], project: str) -> tuple[dict[str, str], list[str]]:
    """The config map and secret keys as the Pulumi CLI hands them to the program: keys namespaced
    (`project:key`), strings as they are, everything else JSON (true, 3, {"a":1}), secure values
    replaced by "[secret]" (there is no key to decrypt them) with their key marked secret."""
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        full_key = key if ":" in key else f"{project}:{key}"
        masked = _mask_secure(value)
        if masked != value:
            secret_keys.append(full_key)
        values[full_key] = masked if isinstance(masked, str) else cli_json(masked)
    return values, secret_keys


def cli_json(value: Any) -> str:
    """JSON the way the Pulumi CLI (Go) writes it: compact, object keys sorted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _mask_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET
        return {key: _mask_secure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_secure(item) for item in value]
    return value
