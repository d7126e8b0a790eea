"""Python source for the program's resources (azure-native and the time provider), from which the
bench scripts generate programs."""

from __future__ import annotations

import functools
import inspect
import sys
from importlib import import_module
from typing import Any


# The Python module of each provider's types; {module} is the type token's module part.
SDK_MODULES = {"azure-native": "pulumi_azure_native.{module}", "time": "pulumiverse_time"}


def sdk_module(type_token: str) -> str:
    package, module, _ = type_token.split(":")
    return SDK_MODULES[package].format(module=module)


@functools.cache
def _sdk_class(type_token: str) -> type:
    return getattr(import_module(sdk_module(type_token)), type_token.split(":")[2])


def _pulumi_names(cls: type) -> dict[str, str]:
    """Python attribute → Pulumi (camelCase) name, for a generated class's properties."""
    return {
        attribute: member.fget._pulumi_name
        for attribute, member in vars(cls).items()
        if isinstance(member, property) and hasattr(member.fget, "_pulumi_name")
    }


@functools.cache
def constructor(type_token: str) -> tuple[str, dict[str, str]]:
    """`package.module.Class` for a type token (import `sdk_module(type_token)` first), and its input
    (camelCase) → Python argument map."""
    cls = _sdk_class(type_token)
    module = sys.modules[cls.__module__]
    # The args class is <Name>InitArgs where an input type already has the name <Name>Args.
    candidates = [getattr(module, f"{cls.__name__}{suffix}", None) for suffix in ("InitArgs", "Args")]
    args_class = next(c for c in candidates if c is not None and c.__module__ == cls.__module__)
    names = _pulumi_names(args_class)
    # A parameter whose name the constructor already uses (resource_name) carries a trailing underscore.
    arguments = {
        names[parameter.rstrip("_")]: parameter
        for parameter in inspect.signature(cls._internal_init).parameters
        if parameter.rstrip("_") in names
    }
    return f"{sdk_module(type_token)}.{cls.__name__}", arguments


@functools.cache
def output_attributes(type_token: str) -> dict[str, str]:
    """Output (camelCase) → the Python attribute that reads it."""
    return {pulumi_name: attribute for attribute, pulumi_name in _pulumi_names(_sdk_class(type_token)).items()}


def python_source(value: Any, references: dict[str, str]) -> str:
    """value as a Python expression; a string found in references becomes that expression instead."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {python_source(item, references)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(python_source(item, references) for item in value) + "]"
    if isinstance(value, str) and value in references:
        return references[value]
    return repr(value)
