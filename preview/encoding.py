"""Stack config encoded the way the Pulumi CLI hands it to a program: the one encoder of the project."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from preview.plan import PlannedResource, PreviewError

# What the program gets for a secure value: there is no key to decrypt it. Each names its own key
# path, so that one that reaches the plan outside a secret can be traced to its config key. Not in
# brackets: the program would take a value that starts with [ or { for JSON.
SECRET_PLACEHOLDER = re.compile(r"<secret:([^<>]+)>")


def config_for_program(config: dict[str, Any], project: str) -> tuple[dict[str, str], list[str]]:
    """The config map and secret keys as the Pulumi CLI hands them to the program: keys namespaced
    (`project:key`), strings as they are, everything else JSON (true, 3, {"a":1}), each secure value
    replaced by a placeholder naming it (`<secret:project:db.users[0]>`), its key marked secret."""
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        full_key = key if ":" in key else f"{project}:{key}"
        masked = _placeholders(value, full_key)
        if masked != value:
            secret_keys.append(full_key)
        try:
            values[full_key] = masked if isinstance(masked, str) else cli_json(masked)
        except ValueError as error:  # a float the CLI cannot write either (.inf, .nan)
            raise PreviewError(f"{full_key}: not representable in JSON ({error})") from None
    return values, secret_keys


def cli_json(value: Any) -> str:
    """JSON the way the Pulumi CLI (Go) writes it: compact, object keys sorted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, allow_nan=False)


def refuse_unmasked_secrets(resources: list[PlannedResource], outputs: dict[str, Any]) -> None:
    """A secure config value must reach the plan only inside a secret (which the capture shows as
    "[secret]"): anywhere else the state would hold it in plain text."""
    places = []
    for resource in resources:
        places.append((f"the name of {resource.type} '{resource.name}'", resource.name))
        places += [(f"{resource.type} '{resource.name}' input {path}", text) for path, text in _strings(resource.inputs)]
    places += [(f"stack output {path}", text) for path, text in _strings(outputs)]
    found = [(match.group(1), where) for where, text in places for match in SECRET_PLACEHOLDER.finditer(text)]
    if found:
        (key, where), others = found[0], len(found) - 1
        more = f" (and {others} more place{'s' if others > 1 else ''})" if others else ""
        raise PreviewError(
            f"secret config value {key} reaches {where} unmasked{more}: make it a secret there "
            "(pulumi.Output.secret), or the state holds it in plain text"
        )


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, string) of every string in plain data."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in sorted(value.items()):  # the same first place in every run
            yield from _strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _placeholders(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return f"<secret:{path}>"
        return {key: _placeholders(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_placeholders(item, f"{path}[{index}]") for index, item in enumerate(value)]
    return value
