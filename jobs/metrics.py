"""Metrics written by a training job (metrics.json) and the gate that registration must pass."""

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs.errors import GateError
from jobs.files import read_json

METRICS_FILE = "metrics.json"

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


def enforce(requirements: Iterable[Requirement], metrics: dict[str, float]) -> None:
    """Raise GateError naming every unmet requirement."""
    failures = [reason for requirement in requirements if (reason := requirement.failure(metrics))]
    if failures:
        raise GateError("metric gate failed: " + "; ".join(failures))


def gate(requirements: Sequence[Requirement], outputs: Iterable[str], output_name: str,
         read: Callable[[str], dict[str, float]], owner: str) -> dict[str, float]:
    """Read the metrics `owner` wrote to `output_name` and enforce the requirements on them."""
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
