"""The project's files as the Pulumi CLI reads them: Pulumi.yaml and the stack files it points to.

What the CLI would refuse, and what it would read otherwise than a plain YAML loader does, is a
PreviewError naming the file and line.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from preview.plan import PreviewError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The Pulumi CLI's rule for project and stack names (alphanumerics, hyphens, underscores, periods);
# a stack name also names its file, so it can hold no path.
NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
NAME_RULE = "1-100 letters, digits, '-', '_' or '.'"
# The keys of a stack file (the CLI's workspace.ProjectStack).
STACK_FILE_KEYS = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")

NULL, STR, MERGE = "tag:yaml.org,2002:null", "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"


def load_project_settings(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Pulumi.yaml of the project at root."""
    project_file = Path(root) / "Pulumi.yaml"
    if not project_file.is_file():
        raise PreviewError(f"no Pulumi.yaml in {root}")
    document = _YamlFile(project_file, root)
    name = document.settings.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise PreviewError(f"{document.where('name')}: name: required, {NAME_RULE} (got {name!r})")
    config_dir = document.settings.get("stackConfigDir", ".")
    if not isinstance(config_dir, str) or not (Path(root) / config_dir).is_dir():
        raise PreviewError(f"{document.where('stackConfigDir')}: stackConfigDir: not a directory (got {config_dir!r})")
    return document.settings


def load_stack_config(stack: str, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The `config:` map of the stack's file, as written (keys as in the file, values YAML-typed)."""
    return read_stack_file(stack_file(stack_config_dir(root), stack, root), root)


def stack_config_dir(root: Path = PROJECT_ROOT) -> Path:
    """The folder of the project's stack files (Pulumi.yaml's stackConfigDir)."""
    return Path(root) / load_project_settings(root).get("stackConfigDir", ".")


def stack_file(config_dir: Path, stack: str, root: Path = PROJECT_ROOT) -> Path:
    """The file of `stack` in config_dir, which must exist; messages show paths relative to root."""
    if not NAME.fullmatch(stack):
        raise PreviewError(f"invalid stack name {stack!r}: {NAME_RULE}")
    path = Path(config_dir) / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(found.name[len("Pulumi.") : -len(".yaml")] for found in Path(config_dir).glob("Pulumi.*.yaml"))
        raise PreviewError(f"no stack file {_shown(path, root)} (known stacks: {', '.join(known) or 'none'})")
    return path


def read_stack_file(path: Path, root: Path = PROJECT_ROOT, content: bytes | None = None) -> dict[str, Any]:
    """The `config:` map of a stack file as the Pulumi CLI reads it; `content` stands in for the
    file's bytes, to check a change before it is written."""
    return _YamlFile(Path(path), Path(root), content).stack_config()


class _YamlFile:
    """A YAML file whose top level is a mapping, with its nodes, for the line of each error."""

    def __init__(self, path: Path, root: Path, content: bytes | None = None) -> None:
        self.shown = _shown(path, root)
        try:
            content = path.read_bytes() if content is None else content
        except OSError as error:
            raise PreviewError(f"{self.shown}: cannot read ({error.strerror})") from None
        try:
            self.node, self.settings = self._parse(content)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = error.problem or error.context
            if error.context and problem.startswith("but "):  # "expected a single document ..., but found another"
                problem = f"{error.context}, {problem}"
            raise PreviewError(f"{self.shown}:{mark.line + 1}: {problem}") from None
        except yaml.YAMLError as error:  # the reader's: bytes that are not UTF-8 text, control characters
            raise PreviewError(f"{self.shown}: {str(error).splitlines()[0]}") from None

    def _parse(self, content: bytes) -> tuple[yaml.MappingNode | None, dict[str, Any]]:
        loader = _Loader(content)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}
            if not isinstance(node, yaml.MappingNode):
                raise self._error(node, "must be a mapping of keys to values")
            self._refuse_recursion(node, ())
            return node, loader.construct_document(node)
        finally:
            loader.dispose()

    def where(self, key: str) -> str:
        """`file:line` of a top-level key's value; the file alone when the key is absent."""
        node = self._value(key)
        return f"{self.shown}:{node.start_mark.line + 1}" if node is not None else self.shown

    def stack_config(self) -> dict[str, Any]:
        for key_node, _ in self._entries(self.node):
            close = difflib.get_close_matches(key_node.value, STACK_FILE_KEYS, n=1, cutoff=0.75)
            if key_node.value not in STACK_FILE_KEYS and close:
                raise self._error(key_node, f"unknown key {key_node.value!r}; did you mean {close[0]!r}?")
        if (environment := self._value("environment")) is not None:
            # Their values would be missing from the plan without a word.
            raise self._error(environment, "environment: the offline preview cannot open Pulumi ESC environments")
        config = self._value("config")
        if config is None or config.tag == NULL:
            return {}
        if not isinstance(config, yaml.MappingNode):
            raise self._error(config, "config: must be a mapping of config keys to values")
        for key_node, value_node in self._entries(config):
            self._check_config_entry(key_node, value_node)
        return self.settings["config"]

    def _check_config_entry(self, key_node: yaml.ScalarNode, value_node: yaml.Node) -> None:
        key = key_node.value
        namespace, colon, name = key.rpartition(":")
        if not name or key.count(":") > 1 or (colon and not namespace):
            raise self._error(key_node, f"config key {key!r}: must be <namespace>:<name>, or <name> for the project's")
        if value_node.tag == NULL:
            raise self._error(key_node, f"{key}: no value (remove the key, or quote an empty string: '')")
        for mapping in _mappings(value_node):
            keys = [entry.value for entry, _ in self._entries(mapping)]
            # Anything else is no secret to the CLI: it would hand the ciphertext to the program as data.
            if "secure" in keys and (len(keys) > 1 or mapping.value[0][1].tag != STR):
                raise self._error(
                    mapping, f"{key}: a secure value is `secure: <ciphertext>` alone, as `pulumi config set --secret` writes it"
                )

    def _value(self, key: str) -> yaml.Node | None:
        return next((value for entry, value in self._entries(self.node) if entry.value == key), None)

    @staticmethod
    def _entries(node: yaml.MappingNode | None) -> list[tuple[yaml.Node, yaml.Node]]:
        """A mapping's own entries (merged ones, `<<: *anchor`, are their anchor's)."""
        return [(key, value) for key, value in (node.value if node is not None else ()) if key.tag != MERGE]

    def _refuse_recursion(self, node: yaml.Node | None, ancestors: tuple[yaml.Node, ...]) -> None:
        # An alias to its own ancestor: a structure without end, which JSON cannot hold.
        if node is None or not isinstance(node, yaml.CollectionNode):
            return
        if any(node is ancestor for ancestor in ancestors):
            raise self._error(node, "an alias refers to a node that contains it")
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
        for child in children:
            self._refuse_recursion(child, (*ancestors, node))

    def _error(self, node: yaml.Node, message: str) -> PreviewError:
        return PreviewError(f"{self.shown}:{node.start_mark.line + 1}: {message}")


def _mappings(node: yaml.Node) -> Iterator[yaml.MappingNode]:
    """The mapping nodes at and below node."""
    if isinstance(node, yaml.MappingNode):
        yield node
        for _, value in node.value:
            yield from _mappings(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _mappings(item)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, reading a file as the Pulumi CLI (Go's yaml.v3) reads it where the two
    differ: only true and false are booleans (yes, no, on, off are strings), dates and times stay
    strings, and 1:30 is a string, not YAML 1.1's base-60 number 90. Values are JSON's types only
    (no !!binary, !!set, ...). A duplicate key, which yaml.v3 refuses, and a key that is not a string
    (a number, a boolean, null) are errors."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        first_lines: dict[str, int] = {}
        for key_node, _ in _YamlFile._entries(node):
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else key
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {shown!r} is not a string: quote it", key_node.start_mark
                )
            if key in first_lines:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {first_lines[key]})", key_node.start_mark
                )
            first_lines[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


# JSON's types; None is the constructor that refuses any other tag.
_JSON_TAGS = {NULL, STR, *(f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "seq", "map")), None}
_Loader.yaml_constructors = {tag: made for tag, made in yaml.SafeLoader.yaml_constructors.items() if tag in _JSON_TAGS}
_REREAD = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _REREAD]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    # PyYAML's own int and float patterns, without their base-60 forms.
    ("tag:yaml.org,2002:int", r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
):
    _Loader.add_implicit_resolver(_tag, re.compile(f"^(?:{_pattern})$"), list(_first))


def _shown(path: Path, root: Path) -> str:
    """path as messages show it: relative to the project root, even outside it (../x)."""
    return os.path.relpath(path, root)
