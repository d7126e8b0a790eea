"""The plan as data: lookups, JSON both ways, and a model that loads without the engine."""

import json
import subprocess
import sys

import pytest

from fixture_types import DATA_LAKE, LOCK, ROLE, STORAGE
from preview.plan import Plan
from preview.stackfile import PROJECT_ROOT


def test_one_names_the_candidates_when_there_is_not_exactly_one(fixture_plans):
    plan = fixture_plans["dev"]
    with pytest.raises(AssertionError, match=r"one azure-native:authorization:RoleAssignment, found 2; "
                                             r"of that type: identity-blob-data, workspace-blob-data$"):
        plan.one(ROLE)
    with pytest.raises(LookupError, match=r"RoleAssignment named 'reader', found 0; of that type: identity-blob-data"):
        plan.one(ROLE, "reader")
    with pytest.raises(LookupError, match=rf"found 0; types in the plan: {ROLE}, .*, {DATA_LAKE}$"):
        plan.one(LOCK)
    with pytest.raises(LookupError, match="no resource with URN urn:pulumi:dev::nothing"):
        plan.by_urn("urn:pulumi:dev::nothing")


def test_to_json_holds_everything_as_plain_json_in_pulumis_spelling(fixture_plans):
    plan = fixture_plans["prod"]
    data = plan.to_json()
    assert json.loads(json.dumps(data)) == data
    assert (data["project"], data["stack"], data["outputs"]) == ("fixture-platform", "prod", plan.outputs)
    lock = next(r for r in data["resources"] if r["type"] == LOCK)
    assert lock == {
        "urn": "urn:pulumi:prod::fixture-platform::fixture:data:DataLake$azure-native:authorization:ManagementLockByScope::lake-lock",
        "type": LOCK,
        "name": "lake-lock",
        "custom": True,
        "parent": "urn:pulumi:prod::fixture-platform::fixture:data:DataLake::lake",
        "inputs": {"scope": plan.outputs["storageAccountId"], "level": "CanNotDelete"},
        "dependencies": [plan.one(STORAGE, "lake-account").urn],
        "protect": True,
        "aliases": plan.one(LOCK, "lake-lock").aliases,
        "replaceOnChanges": [],
        "ignoreChanges": [],
        "deleteBeforeReplace": False,
        "retainOnDelete": False,
        "timeouts": {},
        "deletedWith": None,
        "replaceWith": [],
    }


def test_from_json_reads_back_what_to_json_wrote(fixture_plans):
    plan = fixture_plans["dev"]
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


def test_the_plan_model_loads_without_pulumi_yaml_or_the_engine():
    """Policies read plans with it: it must not pull in what only capturing needs."""
    script = (
        "import sys, preview.plan; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'yaml', 'preview')))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "['preview', 'preview.plan']"
