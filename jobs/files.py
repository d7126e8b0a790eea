"""The small JSON documents the CLI reads, with one-line errors naming the file."""

import json
from pathlib import Path
from typing import Any

from jobs.errors import JobsError


def read_json(path: Path, error: type[JobsError], what: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except (OSError, ValueError) as exc:
        raise error(f"{path}: unreadable {what} ({exc})") from None
