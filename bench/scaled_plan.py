"""How plan capture scales: a program --scale times the size of today's prod plan, and the test suite.

The scaled program is generated from prod's captured plan and repeats it --scale times (logical names
suffixed per copy). Each copy has the same components (plain ComponentResources of the same types and
tree), the same custom resources with the same inputs and protection, and the same references: an
input holding the id, the Azure name or a computed output of a resource it depends on reads that
resource's output; a dependency no input shows stays a depends_on. Ids, names and computed outputs
are those the fake provider gives, so every reference resolves to the value prod's plan holds.

The suite's cost: one pytest run with capture_plan instrumented counts the captures and their time,
split into captures of this project's stacks (which grow with the platform) and of the tests' small
fixture programs (which do not). The estimate at scale adds, for each capture of a stack, what a
capture of the scaled program costs more than one of prod.

    python bench/scaled_plan.py [--scale 3] [--runs 5] [--no-suite]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pulumi.runtime.mocks import MockResourceArgs  # noqa: E402

from preview.capture import capture_plan  # noqa: E402
from preview.fake_azure import FakeAzure  # noqa: E402
from preview.plan import Plan, PlannedResource  # noqa: E402
from preview.registry import entry_for  # noqa: E402
from sdk_source import constructor, output_attributes, python_source, sdk_module  # noqa: E402

# A pytest plugin (loaded with -p before any test module imports capture_plan) that times every capture.
CAPTURE_COUNTER = '''
import json, os, time
from pathlib import Path
import preview.capture
from preview.stackfile import PROJECT_ROOT

_capture, _records = preview.capture.capture_plan, []

def _timed_capture(stack, config=None, *, root=PROJECT_ROOT):
    started = time.perf_counter()
    try:
        return _capture(stack, config, root=root)
    finally:
        _records.append({
            "project": Path(root).resolve() == PROJECT_ROOT,
            "seconds": time.perf_counter() - started,
            "test_file": os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[0],
        })

preview.capture.capture_plan = _timed_capture

def pytest_sessionfinish(session):
    Path(os.environ["CAPTURE_LOG"]).write_text(json.dumps(_records))
'''


def in_dependency_order(resources: list[PlannedResource]) -> list[PlannedResource]:
    """Parents and dependencies before the resources that need them."""
    by_urn, ordered, placed = {r.urn: r for r in resources}, [], set()

    def place(resource: PlannedResource) -> None:
        if resource.urn in placed:
            return
        placed.add(resource.urn)
        for urn in [resource.parent, *resource.dependencies]:
            if urn in by_urn:
                place(by_urn[urn])
        ordered.append(resource)

    for resource in resources:
        place(resource)
    return ordered


def provisioned(plan: Plan) -> dict[str, dict]:
    """URN → the state the fake provider gives each custom resource (with "id"), as in the capture."""
    fake, states = FakeAzure(plan.project, plan.stack), {}
    for resource in in_dependency_order(plan.resources):
        if resource.custom:
            args = MockResourceArgs(resource.type, resource.name, resource.inputs, custom=True)
            resource_id, state = fake.new_resource(args)
            states[resource.urn] = {**state, "id": resource_id}
    return states


def references(
    resource: PlannedResource, variables: dict[str, str], plan: Plan, states: dict[str, dict]
) -> dict[str, str]:
    """Value → expression, for the values resource may have read from the resources it depends on:
    their ids, Azure names and the outputs the fake provider computes (not echoed inputs, which a
    program passes on from its own config)."""
    found: dict[str, str] = {}
    for urn in resource.dependencies:
        if urn not in states:  # a component: the SDK lists its children instead
            continue
        type_token = plan.by_urn(urn).type
        attributes = output_attributes(type_token)
        for key in ["id", "name", *entry_for(type_token).outputs]:
            value = states[urn].get(key)
            if isinstance(value, str) and (key == "id" or key in attributes):
                found.setdefault(value, f"{variables[urn]}.{attributes.get(key, 'id')}")
    return found


def string_leaves(value) -> set[str]:
    if isinstance(value, dict):
        return set().union(*map(string_leaves, value.values()))
    if isinstance(value, list):
        return set().union(*map(string_leaves, value))
    return {value} if isinstance(value, str) else set()


def scaled_program(plan: Plan, scale: int) -> str:
    """Python source declaring plan's resources scale times over, references and all."""
    states = provisioned(plan)
    ordered = in_dependency_order(plan.resources)
    modules = sorted({sdk_module(r.type) for r in ordered if r.custom})
    lines = ["import pulumi", *(f"import {module}" for module in modules), ""]
    for copy in range(1, scale + 1):
        variables = {resource.urn: f"r{copy}_{index}" for index, resource in enumerate(ordered)}
        for resource in ordered:
            refs = references(resource, variables, plan, states)
            used = {refs[value].split(".")[0] for value in string_leaves(resource.inputs) if value in refs}
            waits = [variables[urn] for urn in resource.dependencies if urn in states and variables[urn] not in used]
            options = [f"parent={variables[resource.parent]}"] if resource.parent else []
            options += [f"depends_on=[{', '.join(waits)}]"] * bool(waits) + ["protect=True"] * resource.protect
            opts = f"pulumi.ResourceOptions({', '.join(options)})"
            name = repr(f"{resource.name}-{copy}")
            if resource.custom:
                class_name, arguments = constructor(resource.type)
                kwargs = "".join(f", {arguments[k]}={python_source(v, refs)}" for k, v in resource.inputs.items())
                declaration = f"{class_name}({name}{kwargs}, opts={opts})"
            else:
                declaration = f"pulumi.ComponentResource({resource.type!r}, {name}, None, {opts})"
            lines.append(f"{variables[resource.urn]} = {declaration}")
        lines += [f"{variables[r.urn]}.register_outputs({{}})" for r in ordered if not r.custom]
    return "\n".join(lines) + "\n"


def median_seconds(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def suite_captures(workdir: Path) -> tuple[float, list[dict]]:
    """One pytest run of the whole suite: its wall time and every capture it made."""
    (workdir / "capture_counter.py").write_text(textwrap.dedent(CAPTURE_COUNTER))
    log = workdir / "captures.json"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(workdir)]), "CAPTURE_LOG": str(log)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "capture_counter", "-p", "no:cacheprovider"],
        cwd=ROOT, env=environment, capture_output=True, check=False,
    )
    return time.perf_counter() - started, json.loads(log.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=3, help="copies of prod's plan in the scaled program")
    parser.add_argument("--runs", type=int, default=5, help="timed captures per measurement (median reported)")
    parser.add_argument("--no-suite", action="store_true", help="skip the instrumented pytest run")
    args = parser.parse_args()

    prod = capture_plan("prod")  # also the warm-up: imports and caches, as in a test session
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        program = workdir / "scaled"
        program.mkdir()
        (program / "Pulumi.yaml").write_text("name: scaled\nruntime: python\n")
        (program / "Pulumi.prod.yaml").write_text("config: {}\n")
        (program / "__main__.py").write_text(scaled_program(prod, args.scale))
        scaled = capture_plan("prod", root=program)
        prod_time = median_seconds(lambda: capture_plan("prod"), args.runs)
        scaled_time = median_seconds(lambda: capture_plan("prod", root=program), args.runs)
        print(f"median of {args.runs} in-process captures")
        print(f"prod today   {len(prod.resources):4} resources  {prod_time:6.3f}s")
        ratio = f"{scaled_time / prod_time:.2f}× prod"
        print(f"scaled ×{args.scale}    {len(scaled.resources):4} resources  {scaled_time:6.3f}s  ({ratio})")
        if args.no_suite:
            return
        wall, captures = suite_captures(workdir)
    project = sum(c["seconds"] for c in captures if c["project"])
    fixtures = sum(c["seconds"] for c in captures if not c["project"])
    project_count = sum(c["project"] for c in captures)
    print(
        f"test suite   {wall:6.1f}s wall; {len(captures)} captures: {project_count} of this project's stacks "
        f"{project:.1f}s, {len(captures) - project_count} of fixture programs {fixtures:.1f}s"
    )
    by_file = Counter(c["test_file"] for c in captures if c["project"])
    print("             the stacks' captures by test file: " + ", ".join(f"{f} {n}" for f, n in by_file.most_common()))
    more = scaled_time - prod_time
    growth = f"{project_count} captures × {more:.3f}s more"
    print(f"at ×{args.scale}        about {wall + project_count * more:6.1f}s wall ({growth})")


if __name__ == "__main__":
    main()
