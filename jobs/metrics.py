"""The metric gate that registration must pass, and metrics.json, the optional file source of metrics.

The gate's primary source is the run's MLflow metrics (jobs.tracking); a job that writes a
metrics.json to one of its outputs can be gated on that file instead (`--metrics-output NAME`).
"""

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs.errors import GateError
from jobs.files import read_json

METRICS_FILE = "metrics.json"
DEFAULT_METRICS_OUTPUT = "metrics"  # where `gate` looks when no output is named (run-local's metrics.json)

_COMPARISONS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
_REQUIREMENT = re.compile(r"^\s*([A-Za-z_][\w.\-/]*)\s*(>=|<=|==|>|<)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Requirement:
    """One `--require` term, such as `accuracy>=0.85`."""

    metric: str
    comparison: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> "Requirement":
        match = _REQUIREMENT.match(text)
        if not match:
            raise ValueError(f"bad requirement {text!r}: expected METRIC OP NUMBER with OP one of >= <= > < ==")
        metric, comparison, threshold = match.groups()
        try:
            value = float(threshold)
        except ValueError:
            raise ValueError(f"bad requirement {text!r}: {threshold!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"bad requirement {text!r}: the threshold must be a finite number")
        return cls(metric, comparison, value)

    def failure(self, metrics: dict[str, float]) -> str | None:
        """Why `metrics` miss this requirement, or None when they meet it."""
        if self.metric not in metrics:
            return f"{self.metric} missing (metrics: {', '.join(sorted(metrics)) or 'none'})"
        value = metrics[self.metric]
        if _COMPARISONS[self.comparison](value, self.threshold):
            return None
        return f"{self.metric}={value:g}, required {self}"

    def __str__(self) -> str:
        return f"{self.metric}{self.comparison}{self.threshold:g}"


class MetricGateFailed(GateError):
    """Metrics were read and some requirement does not hold: the metrics and the failures travel along,
    so that `--output json` can still write them."""

    def __init__(self, metrics: dict[str, float], requirements: Sequence[Requirement], failures: list[str]):
        super().__init__("metric gate failed: " + "; ".join(failures))
        self.metrics, self.requirements, self.failures = metrics, list(requirements), failures

    def as_dict(self) -> dict:
        return {"gate": "failed", "metrics": self.metrics,
                "requirements": [str(requirement) for requirement in self.requirements], "failures": self.failures}


def enforce(requirements: Sequence[Requirement], metrics: dict[str, float]) -> None:
    """Raise MetricGateFailed naming every unmet requirement."""
    failures = [reason for requirement in requirements if (reason := requirement.failure(metrics))]
    if failures:
        raise MetricGateFailed(metrics, requirements, failures)


def gate(requirements: Sequence[Requirement], outputs: Iterable[str], output_name: str | None,
         read: Callable[[str], dict[str, float]], owner: str) -> dict[str, float]:
    """Read the metrics.json `owner` wrote to `output_name` (default: `metrics`) and enforce the requirements."""
    output_name = output_name or DEFAULT_METRICS_OUTPUT
    if output_name not in outputs:
        if requirements:
            raise GateError(f"{owner} has no output '{output_name}' to check --require against")
        return {}
    metrics = read(output_name)
    enforce(requirements, metrics)
    return metrics


def read_metrics(path: Path) -> dict[str, float]:
    """A metrics.json: one JSON object of metric name -> number."""
    loaded = read_json(path, GateError, "metrics file")
    if not isinstance(loaded, dict) or not all(_is_number(value) for value in loaded.values()):
        raise GateError(f"{path}: expected a JSON object of metric name -> number")
    return {name: float(value) for name, value in loaded.items()}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
