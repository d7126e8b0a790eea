"""Median wall time of `python -m jobs --help` and of each subcommand's --help.

The help path must stay well under a second: azure-ai-ml (about 2 s to import) loads only inside
the subcommands that use it. Usage: python bench/jobs_help.py [RUNS]
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jobs.cli import COMMANDS  # noqa: E402 (needs the repository on the path)


def median_seconds(argv: list[str], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jobs", *argv], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    print(f"median of {runs} runs, {sys.executable}")
    for argv in [["--help"], *([name, "--help"] for name in COMMANDS)]:
        print(f"  python -m jobs {' '.join(argv):<22} {median_seconds(argv, runs) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
