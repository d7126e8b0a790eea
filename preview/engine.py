"""Runs a Pulumi program in-process against the fake Azure provider and records what it registers.

The program runs the way the Python language host runs it (run_in_stack over runpy, config in
pulumi.runtime.config and PULUMI_CONFIG, cwd at the project root), but against a recording mock
monitor. Every run gets its own contextvars context (Pulumi keeps its settings, root stack and
config there), its own event loop and freshly imported program modules, so runs in one process
cannot see each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import json
import logging
import os
import runpy
import sys
import traceback
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from google.protobuf import json_format, struct_pb2
from pulumi.errors import RunError
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockEngine, MockMonitor, MockSettings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.rpc import UNKNOWN, _special_secret_sig, _special_sig_key
from pulumi.runtime.stack import run_in_stack

from preview.encoding import refuse_unmasked_secrets
from preview.fake_azure import FakeAzure
from preview.plan import SECRET, UNKNOWN_VALUE, PlannedResource, PreviewError
from preview.urns import STACK_TYPE, AliasSpec, alias_spec_urn, create_urn, inherited_aliases, is_stack

PROGRAM_LOG = logging.getLogger("preview.program")


def run_program(
    root: Path, project: str, stack: str, config: dict[str, str], secret_keys: list[str]
) -> tuple[list[PlannedResource], dict[str, Any]]:
    """Run root/__main__.py; return the resources it registered (sorted by URN) and its stack outputs.
    A secure config value found in them outside a secret fails the run (preview.encoding)."""
    if not (root / "__main__.py").is_file():
        # runpy would look further along sys.path and could run another project's __main__.py.
        raise PreviewError(f"no __main__.py in {root}: the preview runs a Python program's __main__.py")
    monitor = RecordingMonitor(FakeAzure(project, stack), project, stack)
    environment = {"PULUMI_CONFIG": json.dumps(config), "PULUMI_CONFIG_SECRET_KEYS": json.dumps(secret_keys)}
    with (
        contextlib.chdir(root),
        mock.patch.dict(os.environ, environment),
        fresh_program_modules(root),
        garbage_collection_paused(),
    ):
        contextvars.copy_context().run(_run_in_fresh_runtime, root, project, stack, config, secret_keys, monitor)
    resources = sorted(monitor.planned, key=lambda resource: resource.urn)
    refuse_unmasked_secrets(resources, monitor.stack_outputs)
    return resources, monitor.stack_outputs


def _run_in_fresh_runtime(
    root: Path, project: str, stack: str, config: dict[str, str], secret_keys: list[str], monitor: MockMonitor
) -> None:
    # set_mocks would also create and finish a root Stack at once, before the program runs: its
    # exports would then never reach the monitor and pulumi.run entrypoints would never run. So
    # configure the same mock settings and let run_in_stack own the Stack, as the language host does.
    settings.reset_options(project=project, stack=stack, root_directory=str(root), preview=False)
    settings.configure(MockSettings(monitor=monitor, engine=MockEngine(PROGRAM_LOG)))
    runtime_config.set_all_config(config, secret_keys)
    try:
        _run_on_new_loop(run_in_stack(lambda: runpy.run_path(str(root), run_name="__main__")))
    except RunError as error:
        raise PreviewError(str(error)) from error
    except PreviewError:
        raise
    except Exception as error:
        raise PreviewError(describe_failure(error, root)) from error


def _run_on_new_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """asyncio.run without touching the thread's current event loop, which callers may own."""
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_ignore_unobserved_failures)
    try:
        loop.run_until_complete(coroutine)
    finally:
        leftovers = asyncio.all_tasks(loop)  # only after a failure
        if leftovers:
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.wait(leftovers))
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


@contextlib.contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """A run allocates tens of thousands of short-lived tasks and outputs; with pulumi_azure_native's
    large modules in memory, the collections they trigger would take more than half of the run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _ignore_unobserved_failures(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # A failed registration fails every output of its resource: the first failure is raised as
    # PreviewError, asyncio would log the unobserved copies when they are garbage-collected.
    if "exception" not in context:
        loop.default_exception_handler(context)


@contextlib.contextmanager
def fresh_program_modules(root: Path) -> Iterator[None]:
    """The program imports the modules it finds in root (by top-level name) afresh, as in a new
    process: no module-level state survives from an earlier run, and a same-named module from
    another project cannot stand in. The caller's copies are put back afterwards, so that code
    holding them (classes, exceptions) keeps working."""
    names = {entry.stem for entry in root.iterdir() if entry.suffix == ".py" or entry.is_dir()}
    names -= {"__main__", __name__.partition(".")[0]}

    def from_root() -> list[str]:
        return [module for module in sys.modules if module.partition(".")[0] in names]

    callers = {module: sys.modules.pop(module) for module in from_root()}
    try:
        yield
    finally:
        for module in from_root():
            del sys.modules[module]
        sys.modules.update(callers)


def describe_failure(error: Exception, root: Path) -> str:
    """`Type: message (file:line)`: the innermost frame inside the project, when the traceback has one."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if Path(frame.filename).is_relative_to(root) and not Path(frame.filename).is_relative_to(sys.prefix)
    ]
    where = f" ({Path(frames[-1].filename).relative_to(root)}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {error}{where}"


class RecordingMonitor(MockMonitor):
    """A MockMonitor that keeps every registration as a PlannedResource, and the stack's outputs."""

    # Features the SDK must not use against this monitor (tests add alias specs, to see the SDK's other path).
    withheld_features = frozenset({resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES})

    def __init__(self, mocks: FakeAzure, project: str, stack: str) -> None:
        super().__init__(mocks)
        self.project, self.stack = project, stack
        self.planned: list[PlannedResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self._declared_aliases: dict[str, list[str]] = {}  # URN → the aliases its own options declared

    def GetDeploymentInfo(self, request):  # noqa: N802 (gRPC method name)
        # With resource references, MockMonitor rebuilds each referenced resource as a Resource object
        # inside its worker thread, whose outputs then wait on that thread's idle event loop: captures
        # hang at random. Without them, the SDK sends the resource's id (URN for a component), as a
        # provider that does not accept resource references receives it.
        info = super().GetDeploymentInfo(request)
        supported = [feature for feature in info.supportedFeatures if feature not in self.withheld_features]
        return resource_pb2.DeploymentInfo(supportedFeatures=supported)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # MockMonitor keeps only the parent's own type and the root stack's; the engine keeps the
        # parent's whole type chain and leaves the root stack out.
        return create_urn(self.stack, self.project, parent, type_, name)

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != STACK_TYPE:
            self.planned.append(planned_resource(request, response.urn, self._alias_urns(request, response.urn)))
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 (gRPC method name)
        if is_stack(request.urn):
            self.stack_outputs = plain(request.outputs)
        return super().RegisterResourceOutputs(request)

    def _alias_urns(self, request, urn: str) -> list[str]:
        """The resource's aliases as URNs. Without alias specs the SDK sends URNs: its own aliases and
        those inherited from its parent's. With them it sends specs: resolved here as the engine
        resolves them, and multiplied by the parent's aliases as the SDK does, so that a plan holds
        the same URNs either way."""
        if request.aliasURNs:
            return sorted(set(request.aliasURNs))
        declared = [
            alias.urn or alias_spec_urn(_spec(alias.spec), urn=urn, parent=request.parent) for alias in request.aliases
        ]
        self._declared_aliases[urn] = declared
        parent_aliases = self._declared_aliases.get(request.parent, [])
        return sorted(set(declared + inherited_aliases(declared, parent_aliases, urn=urn, parent=request.parent)))


def _spec(spec) -> AliasSpec:
    return AliasSpec(spec.name, spec.type, spec.stack, spec.project, spec.parentUrn, spec.noParent)


def planned_resource(request, urn: str, aliases: list[str]) -> PlannedResource:
    property_dependencies = {dep for deps in request.propertyDependencies.values() for dep in deps.urns}
    return PlannedResource(
        urn=urn,
        type=request.type,
        name=request.name,
        custom=request.custom,
        parent=None if is_stack(request.parent) else request.parent or None,
        inputs=plain(request.object),
        dependencies=sorted(set(request.dependencies) | property_dependencies),
        protect=request.protect,
        aliases=aliases,
        replace_on_changes=sorted(request.replaceOnChanges),
        ignore_changes=sorted(request.ignoreChanges),
        delete_before_replace=request.deleteBeforeReplace,
        retain_on_delete=request.retainOnDelete,
        timeouts={kind: value for kind in ("create", "update", "delete")
                  if (value := getattr(request.customTimeouts, kind))},
        deleted_with=request.deletedWith or None,
        replace_with=sorted(request.replace_with),
    )


def plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A property Struct as plain data: secrets masked where they sit (Pulumi's own deserializer
    would mask the whole enclosing object), whole numbers as int."""
    return _plain_value(json_format.MessageToDict(struct))


def _plain_value(value: Any) -> Any:
    if isinstance(value, dict):
        signature = value.get(_special_sig_key)
        if signature == _special_secret_sig:
            return SECRET
        return {key: _plain_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_value(item) for item in value]
    if value == UNKNOWN:
        return UNKNOWN_VALUE
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
