"""Edit a stack file's `endpoints` section: pin a model version on a deployment, shift live and
mirrored traffic, retire a deployment. Nothing is deployed here: the edited file goes through
review and `pulumi up` like any other config change.

The file is edited round-trip (comments, key order, quoting and layout kept), and the whole result
is read as the Pulumi CLI reads it and validated with the program's own load_config before an
atomic write, so a refused change leaves the file as it was.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML, YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from components.config import PROJECT, load_config
from components.endpoints_config import WORKSPACE_MODEL, ModelReference
from components.settings import ConfigError
from jobs.errors import PromotionError, StackFileError, one_line
from preview.encoding import config_for_program
from preview.plan import PreviewError
from preview.stackfile import PROJECT_ROOT, read_stack_file, stack_config_dir, stack_file

ENDPOINTS = f"{PROJECT}:endpoints"
Note = Callable[[str], None]


@dataclass(frozen=True)
class ModelVersion:
    """A deployment's `model`: NAME:VERSION in the stack's workspace, or an Azure ML registry id."""

    reference: str
    name: str | None = None  # None for a registry model
    version: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelVersion:
        if "@" in text:
            raise PromotionError(
                f"model {text!r}: pin a version (NAME:VERSION); with a label the stack's plan would change "
                "whenever someone registers a model"
            )
        try:
            TypeAdapter(ModelReference).validate_python(text)
        except ValidationError as error:
            raise PromotionError(f"model {text!r}: {error.errors()[0]['msg'].removeprefix('Value error, ')}") from None
        in_workspace = WORKSPACE_MODEL.fullmatch(text)
        if in_workspace is None:
            return cls(text)
        name, version = in_workspace["name"], in_workspace["version"]
        return cls(f"{name}:{version}", name, version)


@dataclass(frozen=True)
class Change:
    """What an edit did to one deployment and its endpoint's traffic: (old, new) pairs."""

    stack: str
    file: str
    endpoint: str
    deployment: str
    model: tuple[str | None, str | None]
    traffic: tuple[dict[str, int], dict[str, int]]
    mirror_traffic: tuple[dict[str, int], dict[str, int]]
    created: bool = False

    def as_dict(self) -> dict[str, Any]:
        pairs = {"model": self.model, "traffic": self.traffic, "mirrorTraffic": self.mirror_traffic}
        return {"stack": self.stack, "file": self.file, "endpoint": self.endpoint, "deployment": self.deployment,
                **{key: {"old": old, "new": new} for key, (old, new) in pairs.items()}, "created": self.created}

    def __str__(self) -> str:
        status = " (new)" if self.created else " (retired)" if self.model[1] is None else ""
        changed = self.created or any(old != new for old, new in (self.model, self.traffic, self.mirror_traffic))
        next_step = (f"next: git diff {self.file}, open a pull request, and once it is merged: pulumi up --stack {self.stack}"
                     if changed else f"nothing changed in {self.file}")
        return "\n".join([
            f"{self.file}: endpoint {self.endpoint}, deployment {self.deployment}{status}",
            f"  model          {_old_to_new(*self.model)}",
            f"  traffic        {_shares(*self.traffic)}",
            f"  mirrorTraffic  {_shares(*self.mirror_traffic)}",
            next_step,
        ])


class Endpoint:
    """One endpoint's settings in the round-trip document, edited in place."""

    def __init__(self, key: str, settings: CommentedMap):
        self.key, self.settings = key, settings

    # Read-only views: a section missing from the file stays missing until something is written to it.
    @property
    def deployments(self) -> dict[str, Any]:
        return self.settings.get("deployments") or {}

    @property
    def traffic(self) -> dict[str, int]:
        return self.settings.get("traffic") or {}

    @property
    def mirror(self) -> dict[str, int]:
        return self.settings.get("mirrorTraffic") or {}

    def state(self, deployment: str) -> tuple[str | None, dict[str, int], dict[str, int]]:
        """(model, traffic, mirrorTraffic) as plain values, for the summary."""
        model = self.deployments.get(deployment, {}).get("model")
        return None if model is None else str(model), dict(self.traffic), dict(self.mirror)

    def require(self, deployment: str, hint: str = "") -> CommentedMap:
        if deployment not in self.deployments:
            raise PromotionError(f"endpoint {self.key} has no deployment '{deployment}' ({self._listed()}){hint}")
        return self.deployments[deployment]

    def default_deployment(self) -> str:
        """The only deployment, or of two the one without live traffic (green, beside a live blue)."""
        names = list(self.deployments)
        idle = [name for name in names if not self.traffic.get(name)]
        if len(names) == 1:
            return names[0]
        if len(names) == 2 and len(idle) == 1:
            return idle[0]
        raise PromotionError(f"endpoint {self.key}: which deployment? ({self._listed()}): name one with --deployment")

    def create(self, deployment: str, model: str) -> None:
        """A deployment with the settings of the one taking the most live traffic, at 0 %."""
        if deployment in self.deployments:
            raise PromotionError(f"endpoint {self.key} has a deployment '{deployment}' already: drop --new to promote to it")
        busiest = max(self.deployments, key=lambda name: self.traffic.get(name, 0), default=None)
        settings = _without_comments(self.deployments[busiest]) if busiest else CommentedMap()
        settings.pop("description", None)  # it described the other deployment
        settings["model"] = model
        self._section("deployments")[deployment] = settings
        self._section("traffic")[deployment] = 0

    def shift_traffic(self, deployment: str, percent: int, note: Note) -> None:
        """Give `deployment` percent of live traffic and the rest to the one other deployment."""
        others = [name for name in self.deployments if name != deployment]
        live = [name for name in others if self.traffic.get(name)]
        receivers = live or others
        rest = 100 - percent
        if rest and len(receivers) != 1:
            whose = f"{', '.join(receivers)} would share" if receivers else "no other deployment takes"
            raise PromotionError(
                f"--traffic {percent}: {whose} the other {rest} %; set endpoints.{self.key}.traffic in the file by hand"
            )
        traffic = self._section("traffic")
        for name in live:
            traffic[name] = 0
        traffic[deployment] = percent
        if rest:
            traffic[receivers[0]] = rest
        if percent and self.mirror.get(deployment):
            note(f"{deployment}: mirroring ({self.mirror[deployment]} %) ends, as it takes live traffic now")
            self._remove(deployment, "mirrorTraffic")

    def mirror_to(self, deployment: str, percent: int) -> None:
        live = self.traffic.get(deployment)
        if live:
            raise PromotionError(
                f"--mirror {percent}: {deployment} takes live traffic ({live} %); mirror only to a deployment with "
                "no live traffic"
            )
        if percent:
            self._section("mirrorTraffic")[deployment] = percent
        else:
            self._remove(deployment, "mirrorTraffic")

    def remove(self, deployment: str) -> None:
        for section in ("deployments", "traffic", "mirrorTraffic"):
            self._remove(deployment, section)

    def _section(self, key: str) -> CommentedMap:
        if not isinstance(self.settings.get(key), dict):
            self.settings[key] = CommentedMap()
        return self.settings[key]

    def _remove(self, deployment: str, section: str) -> None:
        """Drop the deployment's entry, and the section once empty (no `mirrorTraffic: {}` left behind)."""
        if section in self.settings:
            self.settings[section].pop(deployment, None)
            if not self.settings[section]:
                del self.settings[section]

    def _listed(self) -> str:
        shares = [f"{name} {self.traffic.get(name, 0)} %" for name in self.deployments]
        return f"deployments: {', '.join(shares) or 'none'}"


class StackFile:
    """A stack file loaded round-trip: edited in memory, validated, then written in one step."""

    def __init__(self, stacks_dir: Path, stack: str):
        self.stack = stack
        try:
            self.path = stack_file(stacks_dir, stack, Path.cwd())
            self.text = self.path.read_text()
            self.document = _yaml().load(self.text)
        except PreviewError as error:
            raise StackFileError(str(error)) from None
        except (OSError, YAMLError) as error:
            raise StackFileError(f"{os.path.relpath(self.path)}: unreadable ({one_line(error)})") from None
        self.shown = os.path.relpath(self.path)
        if _render(self.document) != self.text:
            # Writing it back would reformat lines nobody asked to change.
            raise StackFileError(
                f"{self.shown}: its layout does not survive a round trip (the stack files indent by 2 spaces, "
                "list items as `  - item`): edit it by hand"
            )

    def endpoint(self, key: str) -> Endpoint:
        endpoints = (self.document.get("config") or {}).get(ENDPOINTS) or {}
        if key not in endpoints:
            raise PromotionError(f"no endpoint '{key}' in {self.shown} (endpoints: {', '.join(endpoints) or 'none'})")
        return Endpoint(key, endpoints[key])

    def promote(self, key: str, model: str, *, deployment: str | None = None, new: bool = False,
                traffic: int | None = None, mirror: int | None = None, note: Note) -> Change:
        endpoint = self.endpoint(key)
        if new and deployment is None:
            raise PromotionError("--new: name the new deployment with --deployment NAME")
        deployment = deployment or endpoint.default_deployment()
        before = endpoint.state(deployment)
        if new:
            endpoint.create(deployment, model)
        else:
            endpoint.require(deployment, hint="; --new creates it")["model"] = model
        if traffic is not None:
            endpoint.shift_traffic(deployment, traffic, note)
        if mirror is not None:
            endpoint.mirror_to(deployment, mirror)
        return self._change(endpoint, deployment, before, created=new)

    def retire(self, key: str, deployment: str) -> Change:
        endpoint = self.endpoint(key)
        endpoint.require(deployment)
        before = endpoint.state(deployment)
        model, traffic, mirror = before
        promote = f"python -m jobs promote MODEL:VERSION --stack {self.stack} --endpoint {key} --deployment"
        if traffic.get(deployment):
            raise PromotionError(f"deployment {deployment} takes {traffic[deployment]} % of live traffic: move it to "
                                 f"another deployment first ({promote} OTHER --traffic 100)")
        if mirror.get(deployment):
            raise PromotionError(f"deployment {deployment} receives {mirror[deployment]} % mirrored traffic: end that "
                                 f"first ({promote.replace('MODEL:VERSION', model)} {deployment} --mirror 0)")
        endpoint.remove(deployment)
        return self._change(endpoint, deployment, before)

    def validate(self) -> None:
        """Read the edited text as the Pulumi CLI would, and validate it as `pulumi preview` would."""
        try:
            config = read_stack_file(self.path, Path.cwd(), _render(self.document).encode())
            values, secret_keys = config_for_program(config, PROJECT)
            load_config(values, self.stack, secret_keys)
        except (PreviewError, ConfigError) as error:
            raise StackFileError(f"refused: {self.shown} would be invalid: {error}") from None

    def save(self) -> None:
        """Replace the file in one step: a temporary file in the same folder, then os.replace."""
        text = _render(self.document)
        if text == self.text:
            return
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with open(descriptor, "wb") as file:
                file.write(text.encode())
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, stat.S_IMODE(self.path.stat().st_mode))
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.text = text

    def _change(self, endpoint: Endpoint, deployment: str, before: tuple, created: bool = False) -> Change:
        after = endpoint.state(deployment)
        return Change(self.stack, self.shown, endpoint.key, deployment, *zip(before, after), created=created)


def default_stacks_dir(start: Path | None = None) -> Path:
    """The stack folder of the Pulumi project around the current directory, else of this project."""
    here = (start or Path.cwd()).resolve()
    root = next((folder for folder in (here, *here.parents) if (folder / "Pulumi.yaml").is_file()), PROJECT_ROOT)
    try:
        return stack_config_dir(root)
    except PreviewError as error:
        raise StackFileError(str(error)) from None


def _yaml() -> YAML:
    # The stack files' layout; the width keeps long values on their line.
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def _render(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def _without_comments(node: Any) -> Any:
    """A copy of a mapping or list: comments stay with the original they describe."""
    if isinstance(node, dict):
        return CommentedMap((key, _without_comments(value)) for key, value in node.items())
    if isinstance(node, list):
        return CommentedSeq(_without_comments(item) for item in node)
    return node


def _old_to_new(old: Any, new: Any) -> str:
    shown = ["-" if value is None else str(value) for value in (old, new)]
    return shown[0] if old == new else " → ".join(shown)


def _shares(old: dict[str, int], new: dict[str, int]) -> str:
    names = dict.fromkeys([*old, *new])
    return ", ".join(f"{name} {_old_to_new(old.get(name), new.get(name))}" for name in names) or "none"
