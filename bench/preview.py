"""Benchmark the offline preview: median wall time per stack, and its cost against a bare program.

The bare program declares the same azure-native resources with the same (literal) inputs, generated
from the captured plan: no components, no config model, no references between resources. Both run
in-process under the same mocks, so the ratio is what this project adds on top of Pulumi's own floor.
Measured twice: warm (in-process, modules imported, as in a test session) and cold (a new
process per run, interpreter start and imports included: what `make preview` costs), each against
the bare program measured the same way.

    python bench/preview.py [--runs 7] [--stacks dev staging prod]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from preview.capture import capture_plan  # noqa: E402
from preview.engine import run_program  # noqa: E402
from preview.plan import Plan  # noqa: E402
from sdk_source import constructor, python_source, sdk_module  # noqa: E402


def seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def alternating_medians(first, second, runs: int) -> tuple[float, float]:
    """Median wall times of two actions run turn about, so that drift in machine speed hits both alike."""
    timings = [(seconds(first), seconds(second)) for _ in range(runs)]
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def bare_program(plan: Plan) -> str:
    """Python source declaring every custom resource of the plan flat, with literal inputs."""
    modules, lines = set(), []
    for resource in plan.resources:
        if not resource.custom:
            continue
        class_name, arguments = constructor(resource.type)
        modules.add(sdk_module(resource.type))
        kwargs = ", ".join(f"{arguments[key]}={python_source(value, {})}" for key, value in resource.inputs.items())
        lines.append(f"{class_name}({resource.name!r}, {kwargs})")
    return "\n".join([*(f"import {module}" for module in sorted(modules)), *lines]) + "\n"


def in_new_process(command: list[str]):
    return lambda: subprocess.run(command, cwd=ROOT, check=True, capture_output=True)


def bare_process(bare_root: str, stack: str) -> list[str]:
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from pathlib import Path; "
        f"from preview.engine import run_program; run_program(Path({bare_root!r}), 'bare', {stack!r}, {{}}, [])"
    )
    return [sys.executable, "-c", script]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement (median reported)")
    parser.add_argument("--stacks", nargs="+", default=["dev", "staging", "prod"])
    args = parser.parse_args()

    cold_runs = max(3, args.runs // 2)
    print(f"median of {args.runs} warm / {cold_runs} cold runs; ratio = preview / bare")
    print(f"{'stack':8} {'resources':>9} | {'warm':>8} {'bare':>8} {'ratio':>6} | {'cold':>8} {'bare':>8} {'ratio':>6}")
    for stack in args.stacks:
        plan = capture_plan(stack)  # warm-up: imports and caches, as a long-lived test process has them
        with tempfile.TemporaryDirectory() as bare_root:
            Path(bare_root, "Pulumi.yaml").write_text("name: bare\nruntime: python\n")
            Path(bare_root, "__main__.py").write_text(bare_program(plan))
            run_bare = lambda: run_program(Path(bare_root), "bare", stack, {}, [])  # noqa: E731
            run_bare()
            warm, warm_bare = alternating_medians(lambda: capture_plan(stack), run_bare, args.runs)
            cold, cold_bare = alternating_medians(
                in_new_process([sys.executable, "-m", "preview", stack, "--format", "json"]),
                in_new_process(bare_process(bare_root, stack)),
                cold_runs,
            )
        count = sum(r.custom for r in plan.resources)
        print(
            f"{stack:8} {count:>9} | {warm:>7.3f}s {warm_bare:>7.3f}s {warm / warm_bare:>5.2f}x "
            f"| {cold:>7.3f}s {cold_bare:>7.3f}s {cold / cold_bare:>5.2f}x"
        )


if __name__ == "__main__":
    main()
