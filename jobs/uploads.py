"""What a submission or a data upload sends from this machine, checked before anyone signs in.

azure-ai-ml uploads every local path a job names (its code, the code of each pipeline step or sweep
trial, local data inputs, an environment's build context) when the job is created. Here those paths
are found in the loaded job, resolved the way azure-ai-ml resolves them (against the job's base
path), refused when they lie outside the spec's repository, and counted with azure-ai-ml's own ignore
rules: `.amlignore`, else `.gitignore`, in the root of the uploaded folder only; code also drops
`__pycache__`. azure-ai-ml follows symbolic links while it walks a folder, so every file walked is
resolved and checked too: a link in the code folder cannot reach past the allowed roots.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from jobs.errors import InputError
from jobs.specs import is_remote, job_inputs

# The name pattern of Azure ML's asset REST API (models and data share it).
ASSET_NAME = re.compile(r"(?![\-_.])[a-zA-Z0-9\-_.]{1,255}(?<!\.)")
_ASSET_REFERENCE = re.compile(r"azureml:(?P<name>[^:@/]*)(?:[:@](?P<version>.*))?")


@dataclass(frozen=True)
class Upload:
    """One local file or folder to upload, what names it, and what azure-ai-ml will send of it."""

    path: Path
    roles: tuple[str, ...]
    files: int
    size: int

    @property
    def contents(self) -> str:
        return f"{self.files} file{'s' * (self.files != 1)}, {human_size(self.size)}"

    def __str__(self) -> str:
        return f"{', '.join(self.roles)}: {self.path} ({self.contents})"


def plan(job, spec: Path, allow_outside: list[Path] = ()) -> list[Upload]:
    """The local paths `job` would upload, each checked: it exists, and lies in the spec's repository
    (the git work tree holding the spec, else the spec's folder) or under an --allow-outside path."""
    root = repository(spec)
    allowed = [root, *(Path(path).expanduser().resolve() for path in allow_outside)]
    found: dict[Path, tuple[list[str], bool]] = {}
    for role, path, is_code in local_paths(job):
        roles, code = found.setdefault(path, ([], False))
        roles.append(role)
        found[path] = (roles, code or is_code)
    uploads = []
    for path, (roles, is_code) in found.items():
        if not path.exists():
            raise InputError(f"{roles[0]}: no such file or folder: {path}")
        if not _inside(path, allowed):
            raise InputError(f"{roles[0]}: {path} is outside the spec's repository {root}; "
                             f"pass --allow-outside {path} to upload it")
        files = walk(path, code=is_code)
        for file, link in files:
            if not _inside(file, allowed):
                raise InputError(f"{roles[0]}: {file} (through the link {link}) is outside the spec's repository "
                                 f"{root}; pass --allow-outside {link.resolve()} to upload it")
        uploads.append(Upload(path, tuple(roles), len(files), sum(file.stat().st_size for file, _ in files)))
    return uploads


def repository(spec: Path) -> Path:
    """The git work tree holding the spec (a `.git` folder, or file in a worktree), else the spec's folder."""
    folder = Path(spec).resolve().parent
    return next((parent for parent in (folder, *folder.parents) if (parent / ".git").exists()), folder)


def local_paths(job):
    """(role, resolved path, is code) for every local path azure-ai-ml would upload for `job`."""
    base = Path(job._base_path or ".")
    yield from _code_paths(job, "code", base)
    if getattr(job, "trial", None) is not None:  # a sweep's trial command
        yield from _code_paths(job.trial, "trial code", base)
    for name, value in _data_inputs(job):
        yield from _local(f"input {name}", getattr(value, "path", None), base, code=False)
    for name, node in (getattr(job, "jobs", None) or {}).items():
        node_base = Path(getattr(node, "_base_path", None) or base)
        yield from _code_paths(node, f"code of step {name}", node_base)
        for input_name, value in _data_inputs(node):
            yield from _local(f"input {input_name} of step {name}", getattr(value, "path", None), node_base, code=False)


def count(path: Path, *, code: bool) -> tuple[int, int]:
    """Files and bytes azure-ai-ml uploads from `path`, with its ignore rules for code or for data."""
    files = walk(path, code=code)
    return len(files), sum(file.stat().st_size for file, _ in files)


def walk(path: Path, *, code: bool) -> list[tuple[Path, Path]]:
    """(resolved file, how it was reached) for each file azure-ai-ml uploads from `path`, with its ignore
    rules for code or for data, following symbolic links as it does (os.walk(followlinks=True)).

    How it was reached: the first symbolic link on the way from `path` to the file, else the file itself.
    """
    if not path.is_dir():
        return [(path.resolve(), path)] if path.is_file() else []
    found = []
    for local, remote in uploaded_files(path, code=code):
        file = Path(local).resolve()
        if file.is_file():
            found.append((file, _first_link(path, Path(remote)) or path / remote))
    return found


def uploaded_files(folder: Path, *, code: bool) -> list[tuple[str, str]]:
    """(local file, its path in the upload) for each file azure-ai-ml uploads from `folder`: its own list,
    with its ignore rules for code (.amlignore, else .gitignore, at the root; __pycache__) or for data,
    following symbolic links."""
    from azure.ai.ml._utils._asset_utils import get_ignore_file, get_upload_files_from_folder
    from azure.ai.ml.entities._component.code import ComponentIgnoreFile

    ignore_file = ComponentIgnoreFile(folder) if code else get_ignore_file(folder)
    return get_upload_files_from_folder(folder, ignore_file=ignore_file)


def check_asset_name(name: str, what: str = "data asset") -> None:
    if not ASSET_NAME.fullmatch(name):
        raise InputError(f"invalid {what} name {name!r}: use letters, digits, '-', '_' and '.', "
                         "not first nor '.' last, at most 255 characters")


def check_reference(input_name: str, value: str) -> None:
    """An `azureml:NAME:VERSION` / `azureml:NAME@LABEL` input names a valid asset (URIs pass through)."""
    found = _ASSET_REFERENCE.fullmatch(value) if value.startswith("azureml:") and "://" not in value else None
    if found and not (ASSET_NAME.fullmatch(found["name"]) and (found["version"] is None or found["version"])):
        raise InputError(f"input '{input_name}': invalid asset reference {value!r}: "
                         "use azureml:NAME:VERSION or azureml:NAME@latest")


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _inside(path: Path, allowed: list[Path]) -> bool:
    return any(path.is_relative_to(base) for base in allowed)


def _first_link(folder: Path, relative: Path) -> Path | None:
    current = folder
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def _code_paths(entity, role: str, base: Path):
    component = getattr(entity, "component", None)
    if component is not None and not isinstance(component, str) and getattr(component, "code", None):
        entity, base = component, Path(getattr(component, "_base_path", None) or base)
    yield from _local(role, getattr(entity, "code", None), base, code=True)
    build = getattr(getattr(entity, "environment", None), "build", None)
    yield from _local(f"{role.replace('code', 'environment build context')}", getattr(build, "path", None), base,
                      code=False)


def _data_inputs(entity):
    """Inputs whose value is data (has a path), not a literal nor a binding to another step."""
    return [(name, value) for name, value in job_inputs(entity).items()
            if not isinstance(value, (str, int, float, bool)) and getattr(value, "path", None) is not None]


def _local(role: str, value, base: Path, *, code: bool):
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        return
    text = str(value)
    if text.startswith(("git+", "azureml:")) or is_remote(text):
        return
    yield role, Path(base, text).expanduser().resolve(), code
