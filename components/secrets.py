"""Secret config values stay secret: every resource input and stack output that holds one is a
Pulumi secret, so the state never holds it in plain text (issue #10).

The program reads its config raw, to validate it whole (components/config.py), not through
`Config.require_secret`, which would return secrets. So one stack transformation marks every
input that holds a secret config string, in every resource, whichever component declares it. It
is the SDK-side kind (`register_stack_transformation`): the newer `register_resource_transform`
runs in the engine, which the offline preview's mock monitor does not run.

Pulumi marks a top-level config key secret when any value inside it is `secure:`, and hands the
program the whole value decrypted, without saying which parts were secure: every string in a
secret key's value counts as secret. An input that holds one, anywhere in its text, becomes a
secret; an Output is checked once it resolves. What cannot be a secret is not covered: map keys,
resource names (the preview refuses a secret there), and values the program derives by changing
the text (a hash, a lower-cased copy).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi import _types
from pulumi.runtime.config import CONFIG, get_config_env, get_config_secret_keys_env, is_config_secret


def stack_config() -> tuple[dict[str, str], set[str]]:
    """Every config value of the stack, as the CLI hands it to the program, and the keys marked secret."""
    values = {**get_config_env(), **CONFIG.get()}
    secret_keys = {*get_config_secret_keys_env(), *(key for key in values if is_config_secret(key))}
    return values, secret_keys


def secret_strings(values: Mapping[str, str], secret_keys: set[str]) -> frozenset[str]:
    """The strings that the secret keys' values hold: a string value itself, or each string in its JSON."""
    found: set[str] = set()
    for key in secret_keys & values.keys():
        text = values[key]
        try:
            _collect_strings(json.loads(text) if text.lstrip()[:1] in ("{", "[") else text, found)
        except json.JSONDecodeError:
            found.add(text)
    found.discard("")  # it is in every string
    return frozenset(found)


def hide_secrets_in_every_resource(secrets: frozenset[str]) -> None:
    """From now on, every resource's inputs go through hide_secrets (a stack transformation: it runs
    in the program, so the offline preview's mocks see it too)."""
    if not secrets:
        return

    def transformation(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
        return pulumi.ResourceTransformationResult(hide_secrets(args.props, secrets), args.opts)

    pulumi.runtime.register_stack_transformation(transformation)


def hide_secrets(value: Any, secrets: frozenset[str]) -> Any:
    """value, with every string that holds one of the secrets, and every Output that resolves to
    something holding one, made a Pulumi secret; everything else as it was."""
    if not secrets:
        return value
    if isinstance(value, str):
        return pulumi.Output.secret(value) if _holds_secret(value, secrets) else value
    if isinstance(value, pulumi.Output):
        return value.apply(lambda resolved: pulumi.Output.secret(resolved) if _holds_secret(resolved, secrets) else resolved)
    # An args class (storage.NetworkRuleSetArgs, ...) stays one, for the SDK's name translation.
    if _types.is_input_type(type(value)):
        hidden = copy.copy(value)
        fields = _types.input_type_to_untranslated_dict(hidden)
        for name, item in fields.items():
            fields[name] = hide_secrets(item, secrets)
        return hidden
    if isinstance(value, Mapping):
        return {key: hide_secrets(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [hide_secrets(item, secrets) for item in value]
    if isinstance(value, tuple):
        return tuple(hide_secrets(item, secrets) for item in value)
    return value


def _holds_secret(value: Any, secrets: frozenset[str]) -> bool:
    found: set[str] = set()
    _collect_strings(value, found)
    return any(secret in text for text in found for secret in secrets)


def _collect_strings(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect_strings(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_strings(item, found)
