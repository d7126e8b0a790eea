"""Helpers of the run-local tests: the CLI with its output captured, and the runs of a local MLflow store."""

import contextlib
import io
import os
import sys
from pathlib import Path
from unittest import mock

from jobs.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PYTHON = sys.executable  # the job's `python`: tests name it, as the tool's own is never on the job's PATH


def run_cli(*args) -> tuple[int, str, str]:
    """`run-local ARGS` with stdout and stderr captured (works in module-scoped fixtures, unlike capsys)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run-local", *map(str, args)])
    return code, out.getvalue(), err.getvalue()


def mlflow_runs(output_dir: Path, experiment: str) -> list:
    from mlflow.tracking import MlflowClient

    with mock.patch.dict(os.environ, {"MLFLOW_ALLOW_FILE_STORE": "true"}):
        tracking = MlflowClient(tracking_uri=(output_dir / "mlruns").as_uri())
        return tracking.search_runs([tracking.get_experiment_by_name(experiment).experiment_id])
