"""python -m preview <stack> [--format tree|json] [--root DIR]: the offline plan of a stack."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m preview",
        description="Run the Pulumi program offline, under mocks, and print what it would deploy.",
    )
    parser.add_argument("stack", help="stack name: its config is read from Pulumi.<stack>.yaml")
    parser.add_argument("--format", choices=("tree", "json"), default="tree", help="output format (default: tree)")
    parser.add_argument("--root", type=Path, help="project directory holding Pulumi.yaml (default: this repository)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Imported once the arguments are parsed, so that --help answers at once (YAML, then pulumi, load slowly).
    from preview.capture import capture_plan
    from preview.plan import PreviewError
    from preview.render import render_tree
    from preview.stackfile import PROJECT_ROOT

    logging.basicConfig(format="%(levelname)s: %(message)s")  # the program's pulumi.log warnings and errors
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the program's prints must not mix with the plan
            plan = capture_plan(args.stack, root=args.root or PROJECT_ROOT)
    except PreviewError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    text = (
        json.dumps(plan.to_json(), indent=2, sort_keys=True)
        if args.format == "json"
        else render_tree(plan, color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    )
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # The reader (`| head`) has stopped reading: no traceback. Python would flush stdout again at
        # exit and fail once more, so point it at devnull (the Python docs, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
