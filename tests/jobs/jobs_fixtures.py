"""Fixtures of the jobs tests, loaded with `pytest_plugins = ["jobs_fixtures"]`.

Not a conftest.py: other test folders import their root conftest by name, which a second
conftest.py would shadow. A plugin's fixtures and hooks reach the whole session, so the autouse
fixture and the hook act on tests/jobs only.
"""

import json
import sys
from pathlib import Path

import pytest
from jobs_fakes import MARSHMALLOW_4_WARNINGS, SUBSCRIPTION, TRAIN_SPEC, Ops

from jobs import specs

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            for category in MARSHMALLOW_4_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(f"ignore::marshmallow.warnings.{category.__name__}"))


@pytest.fixture(autouse=True)
def no_default_credential(request, monkeypatch):
    """DefaultAzureCredential would probe the network (managed identity endpoint): tests pass their own."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test reached DefaultAzureCredential")

    if HERE in request.path.parents:
        monkeypatch.setattr("azure.identity.DefaultAzureCredential", refuse)


@pytest.fixture
def ops():
    """Fakes whose every call must also be valid against the real operation classes."""
    fakes = Ops()
    yield fakes
    fakes.calls_match_the_real_signatures()


@pytest.fixture
def train_job():
    return specs.load(TRAIN_SPEC, specs.Overrides(inputs={"training_data": "azureml:iris:3"}))


@pytest.fixture
def fake_pulumi(tmp_path, monkeypatch):
    """Put a `pulumi` on PATH that answers `stack output --json --stack NAME` from `stacks`."""

    def install(stacks: dict[str, dict]) -> Path:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        (bin_dir / "stacks.json").write_text(json.dumps(stacks))
        script = bin_dir / "pulumi"
        script.write_text(f"""#!{sys.executable}
import json, pathlib, sys
here = pathlib.Path(__file__).parent
(here / "argv.json").write_text(json.dumps(sys.argv[1:]))
stacks = json.loads((here / "stacks.json").read_text())
stack = sys.argv[sys.argv.index("--stack") + 1]
if stack not in stacks:
    sys.exit(f"error: no stack named '{{stack}}' found")
print(json.dumps(stacks[stack]))
""")
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
        return bin_dir / "argv.json"

    return install


@pytest.fixture
def workspace_config(tmp_path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"subscription_id": SUBSCRIPTION, "resource_group": "rg-x", "workspace_name": "mlw-x"}))
    return path
