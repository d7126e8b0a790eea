"""Job specs in the Azure ML CLI v2 YAML format, loaded by azure-ai-ml with command-line overrides.

Overrides go through `load_job(params_override=...)`, the mechanism behind `az ml job create --set`,
so the schema validates them exactly like values written in the file.
"""

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jobs.errors import InputError, SpecError, one_line
from jobs.workspace import Workspace

SPECS_DIR = Path(__file__).parent / "specs"
# azure-ai-ml nests marshmallow's {"field": ["message"]} as JSON inside its error text.
_FIELD_ERROR = re.compile(r'"([A-Za-z_][\w.]*)": \[\s*(?:\{\s*"_schema": \[\s*)?"([^"\\]+)')


@dataclass(frozen=True)
class Overrides:
    """What `submit` / `run-local` change in a spec; names of inputs and tags map to their values."""

    compute: str | None = None
    experiment: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def load(path: Path, overrides: Overrides = Overrides(), workspace: Workspace | None = None):
    """The azure-ai-ml Job entity for a spec file, overrides applied and validated."""
    path = Path(path)
    declared_inputs = read(path).get("inputs") or {}
    params = [_input_param(path, declared_inputs, name, value) for name, value in overrides.inputs.items()]
    if overrides.experiment:
        params.append({"experiment_name": overrides.experiment})
    if overrides.compute:
        if workspace is None:
            raise SpecError("--compute needs a workspace to resolve the compute name against")
        params.append({"compute": f"azureml:{workspace.resolve('computes', overrides.compute)}"})
    job = _load_job(path, params)
    job.tags = {**(job.tags or {}), **overrides.tags}
    return job


def command_job(job):
    """azure-ai-ml hands command jobs out as `Command` nodes; their `CommandJob` form has plain inputs."""
    return job._to_job() if hasattr(job, "_to_job") else job


def read(path: Path) -> dict[str, Any]:
    """The spec as plain YAML, with one-line errors naming the file (load_job's are pages long)."""
    try:
        loaded = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: no such job spec") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(f"{path}: invalid YAML{where} ({getattr(exc, 'problem', None) or exc})") from None
    except OSError as exc:
        raise SpecError(f"{path}: unreadable ({exc.strerror})") from None
    if not isinstance(loaded, dict):
        raise SpecError(f"{path}: a job spec is a YAML mapping, found {type(loaded).__name__}")
    return loaded


def is_remote(path: str) -> bool:
    """Whether a data input path names an asset or a URL rather than a local path.

    The order follows JobOperations._resolve_job_input, which also sees `iris:3` and `iris@latest`
    after load_job has dropped their `azureml:` prefix.
    """
    if Path(path).is_absolute():
        return False
    return "://" in path or ":" in path or "@" in path


def _input_param(path: Path, declared: dict, name: str, value: str) -> dict[str, Any]:
    if name not in declared:
        raise SpecError(f"{path}: no input '{name}' (inputs: {', '.join(declared) or 'none'})")
    if not isinstance(declared[name], dict):
        return {f"inputs.{name}": _literal(value)}
    # A data input: point it elsewhere; local paths are taken relative to where the command runs.
    if is_remote(value):
        return {f"inputs.{name}.path": value}
    local = Path(value).expanduser().resolve()
    if not local.exists():
        raise InputError(f"input '{name}': no such file or folder: {value}")
    return {f"inputs.{name}.path": str(local)}


def _literal(value: str):
    """Read a literal the way YAML would (0.5, 200, true) so the schema sees the intended type."""
    parsed = yaml.safe_load(value) if value.strip() else value
    return parsed if isinstance(parsed, (str, int, float, bool)) else value


def _load_job(path: Path, params: list[dict[str, Any]]):
    from azure.ai.ml import load_job
    from azure.ai.ml.exceptions import MlException
    from marshmallow import ValidationError

    # Every load otherwise prints "experimental class" notices about schema internals.
    logging.getLogger("azure.ai.ml._utils._experimental").setLevel(logging.ERROR)
    try:
        return load_job(path, params_override=params)
    except (MlException, ValidationError) as exc:
        raise SpecError(f"{path}: {_schema_error(exc)}") from None


def _schema_error(exc: Exception) -> str:
    text = str(exc).replace('\\"', '"').replace("\\n", "\n")
    found = _FIELD_ERROR.search(text)
    if found:
        return f"{found[1]}: {found[2]}"
    return one_line(exc)
