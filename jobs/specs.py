"""Job specs in the Azure ML CLI v2 YAML format, loaded by azure-ai-ml with command-line overrides.

Overrides go through `load_job(params_override=...)`, the mechanism behind `az ml job create --set`,
so the schema validates them exactly like values written in the file.
"""

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jobs.errors import InputError, SpecError, one_line
from jobs.workspace import Workspace

SPECS_DIR = Path(__file__).parent / "specs"
SERVERLESS = "serverless"
# Top-level fields of a job that are data inputs without being under `inputs` (AutoML, fine-tuning).
TOP_LEVEL_DATA = ("training_data", "validation_data", "test_data")
# Data input types whose local path must be a folder (an MLTable is a folder holding an MLTable file).
FOLDER_TYPES = ("uri_folder", "mltable")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
# marshmallow keys that carry no meaning for the reader: schema-level errors and a dict field's values.
_SCHEMA_KEYS = {"_schema", "value", "null", "None"}


@dataclass(frozen=True)
class Overrides:
    """What `submit` / `run-local` change in a spec; names of inputs and tags map to their values."""

    compute: str | None = None
    experiment: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def load(path: Path, overrides: Overrides = Overrides(), workspace: Workspace | None = None,
         note: Callable[[str], None] | None = None):
    """The azure-ai-ml Job entity for a spec file, overrides applied and validated.

    `note` hears what an override changed beyond the obvious (the pipeline steps whose compute it replaced).
    """
    path = Path(path)
    raw = read(path)
    declared = declared_inputs(raw)
    params = [_input_param(path, declared, name, value) for name, value in overrides.inputs.items()]
    if overrides.experiment:
        params.append({"experiment_name": overrides.experiment})
    if overrides.compute:
        if workspace is None:
            raise SpecError("--compute needs a workspace to resolve the compute name against")
        params += _compute_params(raw, workspace.resolve("computes", overrides.compute), note)
    job = _load_job(path, params)
    job.tags = {**(job.tags or {}), **overrides.tags}
    return job


def declared_inputs(raw: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Input name -> (override key, declared value): the spec's `inputs`, and top-level data such as AutoML's."""
    declared = {key: (key, raw[key]) for key in TOP_LEVEL_DATA if isinstance(raw.get(key), dict)}
    inputs = raw.get("inputs")
    if isinstance(inputs, dict):
        declared.update({name: (f"inputs.{name}", value) for name, value in inputs.items()})
    return declared


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


def describe(job) -> dict[str, Any]:
    """What a loaded job will run as: its type, the compute of the job or of each pipeline step, its inputs."""
    summary: dict[str, Any] = {"type": job.type, **compute_of(job)}
    base = Path(job._base_path or ".")
    summary["inputs"] = {name: _shown(value, base) for name, value in job_inputs(job).items()}
    return summary


def compute_of(job) -> dict[str, Any]:
    """{"compute": name} for a job, {"steps": {step: name}} for a pipeline: where it runs."""
    if job.type == "pipeline":
        default = _compute_name(job.settings.default_compute if job.settings else None) or _compute_name(job.compute)
        return {"steps": {name: _compute_name(node.compute) or default or SERVERLESS for name, node in job.jobs.items()}}
    return {"compute": _compute_name(job.compute) or SERVERLESS}


def job_inputs(job) -> dict[str, Any]:
    """Input name -> azure-ai-ml Input or literal, for every kind of job (top-level data included)."""
    from azure.ai.ml import Input

    # Command nodes answer any attribute name: only an Input is top-level data.
    found = {name: getattr(job, name) for name in TOP_LEVEL_DATA if isinstance(getattr(job, name, None), Input)}
    inputs = getattr(job, "inputs", None) or {}
    found.update({name: getattr(value, "_data", value) for name, value in inputs.items()})
    return found


def _compute_name(compute) -> str | None:
    if not compute:
        return None
    # A job fetched from Azure names its compute by ARM id.
    return str(compute).removeprefix("azureml:").rsplit("/computes/", 1)[-1]


def _shown(value, base: Path):
    """An input as sent: a literal, or a data input's path and type (local paths resolved as azure-ai-ml
    resolves them, asset references with their `azureml:` prefix, which load_job drops)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    path = str(getattr(value, "path", None) or "")
    if not path:
        return str(value)
    if not is_remote(path):
        path = str(Path(base, path).expanduser().resolve())
    elif "://" not in path and not path.startswith("azureml:"):
        path = f"azureml:{path}"
    return f"{path} ({value.type})"


def _compute_params(raw: dict[str, Any], compute: str, note) -> list[dict[str, Any]]:
    """A command or sweep job runs on `compute`; a pipeline's default and every step naming its own do too."""
    target = f"azureml:{compute}"
    if raw.get("type") != "pipeline":
        return [{"compute": target}]
    params = [{"settings.default_compute": target}]
    if raw.get("compute"):
        params.append({"compute": target})
    steps = raw.get("jobs") if isinstance(raw.get("jobs"), dict) else {}
    own = [name for name, step in steps.items() if isinstance(step, dict) and step.get("compute")]
    params += [{f"jobs.{name}.compute": target} for name in own]
    if note and own:
        note(f"--compute {compute}: also replaces the compute of step{'s' if len(own) > 1 else ''} {', '.join(own)}")
    return params


def _input_param(path: Path, declared: dict, name: str, value: str) -> dict[str, Any]:
    if name not in declared:
        raise SpecError(f"{path}: no input '{name}' (inputs: {', '.join(declared) or 'none'})")
    key, declared_value = declared[name]
    if not isinstance(declared_value, dict):
        return {key: typed_literal(name, declared_value, value)}
    # A data input: point it elsewhere; local paths are taken relative to where the command runs.
    if is_remote(value):
        return {f"{key}.path": value}
    local = Path(value).expanduser().resolve()
    if not local.exists():
        raise InputError(f"input '{name}': no such file or folder: {value}")
    refuse_wrong_kind(name, declared_value.get("type"), local, value)
    return {f"{key}.path": str(local)}


def refuse_wrong_kind(name: str, kind: str | None, local: Path, shown) -> None:
    """A folder for a uri_folder or mltable input, a file for a uri_file input (Azure ML fails the job otherwise)."""
    if kind in FOLDER_TYPES and not local.is_dir() or kind == "uri_file" and local.is_dir():
        expected = "a folder" if kind in FOLDER_TYPES else "a file"
        raise InputError(f"input '{name}' is {kind}, which takes {expected}: {shown} is "
                         f"{'a folder' if local.is_dir() else 'a file'}")


def typed_literal(name: str, declared, value: str):
    """A command-line value as the type the spec declares for the input (never YAML-parsed: `yes` stays text).

    A declared number takes any number (`C: 1` accepts 0.5); a declared boolean takes true or false.
    """
    if isinstance(declared, bool):
        if value.lower() not in ("true", "false"):
            raise InputError(f"input '{name}' is a boolean: pass true or false, not {value!r}")
        return value.lower() == "true"
    if isinstance(declared, (int, float)):
        if not _NUMBER.fullmatch(value.strip()):
            raise InputError(f"input '{name}' is a number: {value!r} is not one")
        text = value.strip()
        return int(text) if isinstance(declared, int) and _INTEGER.fullmatch(text) else float(text)
    return value


def _load_job(path: Path, params: list[dict[str, Any]]):
    from azure.ai.ml import load_job
    from azure.ai.ml.exceptions import MlException
    from marshmallow import ValidationError

    # Every load otherwise prints "experimental class" notices about schema internals.
    logging.getLogger("azure.ai.ml._utils._experimental").setLevel(logging.ERROR)
    try:
        return load_job(path, params_override=params)
    except (MlException, ValidationError) as exc:
        raise SpecError(f"{path}: {schema_error(exc)}") from None


def schema_error(exc: Exception) -> str:
    """The most specific `key.path: message` in azure-ai-ml's validation report, else its first line.

    The report is JSON: {"errors": [{"path", "message", "value"}]}, where a message may itself hold a
    nested schema's report (marshmallow's {"field": [...]} tree, unions as lists of alternatives).
    """
    found = _field_errors(str(exc), "")
    if not found:
        return one_line(exc)
    key, message, value = max(found, key=lambda error: len(error[0].split(".")))
    shown = json.dumps(value) if value is not None else ""
    return f"{key or '(spec)'}: {message}" + (f" (value: {shown})" if shown and len(shown) <= 80 else "")


def _field_errors(text: str, prefix: str) -> list[tuple[str, str, Any]]:
    start = text.find("{", text.find("failed:") + 1 if "failed:" in text else 0)
    try:
        report, _ = json.JSONDecoder().raw_decode(text[start:]) if start >= 0 else (None, 0)
    except ValueError:
        return []
    if not isinstance(report, dict):
        return []
    if isinstance(report.get("errors"), list):
        found = []
        for error in report["errors"]:
            path = "" if error.get("path") in (None, "*") else str(error["path"])
            key = ".".join(part for part in (prefix, path) if part)
            message = str(error.get("message", ""))
            nested = _field_errors(message, key) if "failed:" in message else []
            first = message.split("; ")[0].strip()
            found += nested or [(key, first, error.get("value"))]
        return found
    return _marshmallow_errors(report, prefix)


def _marshmallow_errors(tree, prefix: str) -> list[tuple[str, str, Any]]:
    """Leaves of marshmallow's error tree; of a union's alternatives only the first is followed."""
    if isinstance(tree, str):
        return [(prefix, tree, None)]
    if isinstance(tree, list):
        return _marshmallow_errors(tree[0], prefix) if tree else []
    found = []
    for key, inner in tree.items():
        path = prefix if str(key) in _SCHEMA_KEYS else ".".join(part for part in (prefix, str(key)) if part)
        found += _marshmallow_errors(inner, path)
    return found
