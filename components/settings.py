"""Config machinery: sections that carry their own environment defaults and prod floor.

Each component declares its config as a `Section` beside it; the sections compose into one root
model, which `load_settings` fills with environment defaults, validates, and holds to the floor.

Environment defaults apply at every level, lowest first: the model's own defaults (a map field's
default items merge with the user's like an environment's do), the section's
`environment_defaults`, its parent's defaults for that sub-path, then the user's values, key by key
(maps merge by key; lists and scalars replace). Each item of a map or list of sections is built on
the item model's `environment_defaults` (its per-item template); in a discriminated union the
member named by the item's tag gives the template. A null item in a map (whose items cannot be
null) removes it, so a user can drop an item that an environment default adds.

The floor (`prod_floor`, enforced in the floor environment) is checked on the validated settings.
A None section is below a floor entry on a key inside it, as is a missing optional value, unless
the entry says `allow_none`; a wildcard over a None or empty map or list has no items to check.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

ENVIRONMENTS = ("dev", "staging", "prod")

KeyPath = list[str | int]


class ConfigError(Exception):
    """The stack config is invalid; the message names every offending key, one per line."""


# --- floor ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    description: str  # as in "prod requires <description>"
    holds: Callable[[Any], bool]
    values: tuple[Any, ...]  # the values it names, checked against the field's type at class definition


def one_of(*values: Any) -> Requirement:
    return Requirement(" or ".join(json.dumps(v) for v in values), lambda value: value in values, values)


def at_least(minimum: float) -> Requirement:
    return Requirement(f"at least {minimum}", lambda value: value is not None and value >= minimum, (minimum,))


@dataclass(frozen=True)
class Floor:
    """One key the floor environment may not weaken, and the policy rules that rely on it."""

    path: str  # relative to the section: dotted camelCase; `*` is every key of a map or item of a list
    requirement: Requirement
    rules: tuple[str, ...]  # policies/baseline.py rule ids, or "lock", "protect", "diagnostics"
    # A None section (or optional value) on the path is below the floor unless this says otherwise.
    allow_none: bool = False

    def allows(self, value: Any) -> bool:
        return (value is None and self.allow_none) or self.requirement.holds(value)


# --- sections -------------------------------------------------------------------------------


class Section(BaseModel):
    """Base of every config section; subclasses may declare the two tables below.

    A field holding a section defaults to the bare section (`network: Network = Network()`): the
    section's values belong in its own field defaults, which the user's partial values build on.
    """

    # Keys are camelCase as in Pulumi config; unknown keys are errors, never silently ignored.
    # Field names work from Python; the file is validated by alias only (see load_settings).
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, frozen=True, validate_by_name=True, validate_by_alias=True
    )

    # Per environment, a partial dict in the file's vocabulary over the model's own defaults.
    environment_defaults: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    prod_floor: ClassVar[tuple[Floor, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Mistakes in the tables are the author's: fail at import, naming the class and table.
        super().__pydantic_init_subclass__(**kwargs)
        _check_environment_defaults(cls)
        _check_floor(cls)


def _check_environment_defaults(section: type[Section]) -> None:
    table = f"{section.__name__}.environment_defaults"
    unknown = [name for name in section.environment_defaults if name not in ENVIRONMENTS]
    if unknown:
        raise TypeError(f"{table}: unknown environment {unknown[0]!r}; environments: {', '.join(ENVIRONMENTS)}")
    for environment in section.environment_defaults:
        try:
            section.model_validate(_with_defaults(_Model(section), {}, environment), by_name=False)
        except ValidationError as error:
            # A partial table leaves required keys to the user; anything else is wrong.
            problems = [e for e in error.errors() if e["type"] != "missing"]
            if problems:
                raise TypeError(_describe_all(section, problems, f"{table}[{environment!r}]")) from None


def _check_floor(section: type[Section]) -> None:
    for floor in section.prod_floor:
        where = f"{section.__name__}.prod_floor: {floor.path!r}"
        if not (isinstance(floor.rules, tuple) and floor.rules and all(isinstance(rule, str) for rule in floor.rules)):
            raise TypeError(f"{where}: rules must name the policy rules the entry guarantees")
        targets = _annotations_at(section, floor.path.split("."))
        if not targets:
            raise TypeError(f"{where}: not a key path of {section.__name__}")
        for annotation in targets:
            for value in floor.requirement.values:
                try:
                    TypeAdapter(annotation).validate_python(value, strict=True)
                except ValidationError:
                    raise TypeError(f"{where}: {value!r} is not a valid value there") from None


def _annotations_at(section: type[Section], segments: list[str]) -> list[Any]:
    """The annotations a floor path reaches (several through a union's members; none if it is not a path)."""

    def reach(annotation: Any, segments: list[str]) -> list[Any]:
        if not segments:
            return [annotation]
        head, *rest = segments
        match _node(annotation):
            case _Items(item) if head == "*":
                return reach(item, rest)
            case _Model(model) if head in _fields(model):
                return reach(_fields(model)[head].rebuild_annotation(), rest)
            case _Union(members):
                return [found for member in members.values() for found in reach(member, segments)]
        return []

    return reach(section, segments)


# --- the shape of a model, as far as defaults, errors and floors need it --------------------


@dataclass(frozen=True)
class _Model:
    model: type[Section]


@dataclass(frozen=True)
class _Items:
    item: Any  # the item annotation
    keyed: bool  # a map keyed by the user's names, else a list


@dataclass(frozen=True)
class _Union:
    # Section members by discriminator tag, or else by the member name pydantic puts in error paths.
    members: Mapping[str, type[Section]]
    tag_key: str | None  # the discriminator's key in the file


_Node = _Model | _Items | _Union | None  # None: a plain value


def _node(annotation: Any, discriminator: str | None = None) -> _Node:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        found = [m.discriminator for m in args[1:] if isinstance(getattr(m, "discriminator", None), str)]
        return _node(args[0], found[0] if found else discriminator)
    if origin in (Union, UnionType):
        members = [arg for arg in args if arg is not NoneType]
        if len(members) == 1:  # Optional[X]: pydantic adds nothing to error paths
            return _node(members[0], discriminator)
        sections = [m for m in members if _is_section(m)]
        if discriminator and sections:
            tag_fields = {m: m.model_fields[discriminator] for m in sections}  # pydantic takes the name
            tags = {tag: m for m, field in tag_fields.items() for tag in get_args(field.annotation)}
            return _Union(tags, _key(tag_fields[sections[0]], discriminator))
        return _Union({m.__name__: m for m in sections}, None)
    if _is_section(annotation):
        return _Model(annotation)
    if origin in (dict, Mapping):
        return _Items(args[1], keyed=True)
    if origin in (list, Sequence) or (origin is tuple and args[1:] == (Ellipsis,)):
        return _Items(args[0], keyed=False)
    return None


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Section)


@functools.cache
def _names(model: type[Section]) -> dict[str, str]:
    """The model's field names by their key in the file."""
    return {_key(field, name): name for name, field in model.model_fields.items()}


@functools.cache
def _fields(model: type[Section]) -> dict[str, FieldInfo]:
    """The model's fields by their key in the file."""
    return {key: model.model_fields[name] for key, name in _names(model).items()}


def _key(field: FieldInfo, name: str) -> str:
    return field.alias or name


def _field_node(field: FieldInfo) -> _Node:
    return _node(field.annotation, field.discriminator if isinstance(field.discriminator, str) else None)


def _nullable(annotation: Any) -> bool:
    """Whether a map's items may be null: then null is a value, not a removal."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation is Any or NoneType in get_args(annotation)


# --- environment defaults -------------------------------------------------------------------


def _with_defaults(node: _Node, value: Any, environment: str) -> Any:
    """`value` (the user's, already over the parent's defaults) over every level's environment defaults."""
    match node:
        case _Model(model) if isinstance(value, Mapping):
            merged = _deep_merge(model.environment_defaults.get(environment, {}), value)
            for key, field in _fields(model).items():
                child = _field_node(field)
                default = field.get_default(call_default_factory=True)
                if isinstance(child, _Items) and child.keyed and isinstance(default, Mapping) and default:
                    # A map's default items are there unless removed (null), like an environment's.
                    merged[key] = _deep_merge(default, merged.get(key) or {})
                if key in merged:
                    merged[key] = _with_defaults(child, merged[key], environment)
                elif isinstance(child, _Model) and isinstance(field.get_default(call_default_factory=True), BaseModel):
                    # An absent section still gets its environment defaults (an absent optional one stays None).
                    if template := _with_defaults(child, {}, environment):
                        merged[key] = template
            return merged
        case _Items(item, keyed=True) if isinstance(value, Mapping):
            removable = not _nullable(item)
            child = _node(item)
            return {k: _with_defaults(child, v, environment) for k, v in value.items() if not (v is None and removable)}
        case _Items(item, keyed=False) if isinstance(value, (list, tuple)):
            child = _node(item)
            return [_with_defaults(child, v, environment) for v in value]
        case _Union(members, tag_key) if tag_key and isinstance(value, Mapping):
            tag = value.get(tag_key)
            member = members.get(tag) if isinstance(tag, str) else None  # a bad tag is pydantic's to report
            return _with_defaults(_Model(member), value, environment) if member else value
    return value


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# --- loading --------------------------------------------------------------------------------

SectionT = TypeVar("SectionT", bound=Section)


def load_settings(
    model: type[SectionT],
    values: Mapping[str, Any],
    environment: str,
    *,
    namespace: str,
    floor_environment: str = "prod",
) -> SectionT:
    """Validate the user's values over `environment`'s defaults; in `floor_environment`, enforce the floor."""
    merged = _with_defaults(_Model(model), values, environment)
    try:
        # By alias only: a snake_case key in the file is a typo like any other.
        settings = model.model_validate(merged, by_name=False)
    except ValidationError as error:
        raise ConfigError(_describe_all(model, error.errors(), namespace)) from None
    if environment == floor_environment:
        problems = _floor_violations(settings, environment, namespace)
        if problems:
            raise ConfigError("\n".join(problems))
    return settings


# --- error messages -------------------------------------------------------------------------


def _describe_all(model: type[Section], errors: Sequence[ErrorDetails], namespace: str) -> str:
    return "\n".join(dict.fromkeys(_describe(model, error, namespace) for error in errors))


def _describe(model: type[Section], error: ErrorDetails, namespace: str) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a rule across sections: its message starts with the key path
        return f"{namespace}:{message}"
    path, holder, node = _file_path(model, error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{namespace}:{_dotted(path)}: unknown key{_suggestion(holder, path[-1])}"
    if kind in ("union_tag_not_found", "union_tag_invalid") and isinstance(node, _Union) and node.tag_key:
        # Point at the discriminator key itself, as a literal field would be reported.
        path.append(node.tag_key)
        if kind == "union_tag_not_found":
            return f"{namespace}:{_dotted(path)}: required key is missing"
        return f"{namespace}:{_dotted(path)}: Input should be {_choices(node.members)} (got {error['ctx']['tag']!r})"
    if kind == "missing":
        message = "required key is missing"
    elif not isinstance(error["input"], Mapping):
        message += f" (got {error['input']!r})"
    return f"{namespace}:{_dotted(path)}: {message}"


def _file_path(model: type[Section], loc: Sequence[str | int]) -> tuple[KeyPath, type[Section] | None, _Node]:
    """Pydantic's error location as the key path in the file; the section holding its last key; its node."""
    path: KeyPath = []
    holder: type[Section] | None = None
    node: _Node = _Model(model)
    for segment in loc:
        if segment == "[key]":  # pydantic's marker after an invalid map key, which is named already
            continue
        holder = None
        match node:
            case _Union(members):  # a tag or member name: not in the file
                node = _Model(members[segment]) if segment in members else None
                continue
            case _Model(section):
                holder = section
                node = _field_node(_fields(section)[segment]) if segment in _fields(section) else None
            case _Items(item):
                node = _node(item)
        path.append(segment)
    return path, holder, node


def _dotted(path: KeyPath) -> str:
    text = str(path[0])
    for part in path[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _suggestion(holder: type[Section] | None, key: str | int) -> str:
    if holder is None:
        return ""
    known = sorted(_fields(holder))
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"; {hint}allowed keys: {', '.join(known)}"


def _choices(members: Mapping[str, Any]) -> str:
    *others, last = [repr(tag) for tag in members]
    return f"{', '.join(others)} or {last}" if others else last


# --- the floor over the composed model ------------------------------------------------------


def floor_entries(model: type[Section]) -> list[tuple[str, Floor]]:
    """Every floor entry in the composed model, with its dotted path from the root (wildcards kept)."""
    return [(".".join([*prefix, floor.path]), floor) for prefix, _, floor in _owned_floors(model, [])]


def _owned_floors(model: type[Section], prefix: list[str]) -> Iterator[tuple[list[str], type[Section], Floor]]:
    """(path to the section, the section declaring the entry, entry): nested sections first, in field order."""
    for key, field in _fields(model).items():
        for path, section in _sections_below(_field_node(field), [*prefix, key]):
            yield from _owned_floors(section, path)
    for floor in model.prod_floor:
        yield prefix, model, floor


def _sections_below(node: _Node, path: list[str]) -> Iterator[tuple[list[str], type[Section]]]:
    match node:
        case _Model(model):
            yield path, model
        case _Items(item):
            yield from _sections_below(_node(item), [*path, "*"])
        case _Union(members):
            for member in dict.fromkeys(members.values()):
                yield path, member


def _floor_violations(settings: Section, environment: str, namespace: str) -> list[str]:
    problems = []
    for prefix, owner, floor in _owned_floors(type(settings), []):
        for section_path, section in _reach(settings, prefix, []):
            if section is not None and not isinstance(section, owner):
                continue  # another member of a union: the entry is not about it
            for path, value in _reach(section, floor.path.split("."), section_path):
                if not floor.allows(value):
                    problems.append(
                        f"{namespace}:{_dotted(path)}: {environment} requires {floor.requirement.description} "
                        f"(security baseline), got {json.dumps(value, default=str)}"
                    )
    return list(dict.fromkeys(problems))


def _reach(value: Any, segments: list[str], path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    """Each (key path, value) a floor path reaches in validated settings."""
    if not segments:
        yield path, value
        return
    head, *rest = segments
    if head == "*":  # a None or empty map or list has no items to hold to the floor
        items = value.items() if isinstance(value, Mapping) else enumerate(value or ())
        for key, item in items:
            yield from _reach(item, rest, [*path, key])
    elif value is None:
        # A None section is below a floor on a key inside it, unless a wildcard lies between.
        if "*" not in rest:
            yield [*path, *segments], None
    elif isinstance(value, Section) and head in _names(type(value)):
        yield from _reach(getattr(value, _names(type(value))[head]), rest, [*path, head])
    # else: a union member without this key, which the entry is not about
