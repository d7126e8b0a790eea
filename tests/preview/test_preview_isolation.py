"""Captures in one process start from a clean Pulumi runtime and leave the caller's state alone."""

import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings

from fixture_types import LOCK
from preview.capture import capture_plan
from preview.plan import PreviewError
from preview.stackfile import load_stack_config


def test_captures_of_different_stacks_do_not_see_each_other(fixture_root):
    first_dev = capture_plan("dev", root=fixture_root).to_json()
    prod = capture_plan("prod", root=fixture_root)
    second_dev = capture_plan("dev", root=fixture_root).to_json()
    # Equal also means the fixture's module-level name registry started empty every time.
    assert second_dev == first_dev
    assert prod.one(LOCK, "lake-lock")
    assert LOCK not in {r["type"] for r in second_dev["resources"]}
    assert "fixture-platform:protect" not in second_dev["outputs"]["configSeen"]


def test_a_failed_capture_leaves_nothing_behind(fixture_root, fixture_plans):
    unknown_key = load_stack_config("dev", fixture_root) | {"fixture-platform:colour": "blue"}
    with pytest.raises(PreviewError):
        capture_plan("dev", unknown_key, root=fixture_root)
    assert capture_plan("dev", root=fixture_root).to_json() == fixture_plans["dev"].to_json()


def test_the_callers_pulumi_state_event_loop_environment_and_working_directory_are_untouched(fixture_root):
    def capture_in_a_configured_caller():
        runtime_config.set_all_config({"caller:key": "kept"}, ["caller:key"])
        settings.reset_options(project="caller", stack="mine")
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        before = (os.getcwd(), list(sys.path), dict(os.environ))
        capture_plan("dev", root=fixture_root)
        assert runtime_config.CONFIG.get() == {"caller:key": "kept"}
        assert runtime_config.is_config_secret("caller:key")
        assert (settings.get_project(), settings.get_stack(), settings.get_root_resource()) == ("caller", "mine", None)
        assert asyncio.get_event_loop() is loop and not loop.is_closed()
        assert (os.getcwd(), sys.path, dict(os.environ)) == before
        loop.close()

    # A thread of its own: its context and event loop are its own, so this test's set-up stays here.
    with ThreadPoolExecutor(max_workers=1) as caller:
        caller.submit(capture_in_a_configured_caller).result()


def test_program_modules_come_from_the_program_being_run(scratch_project, monkeypatch, fixture_root):
    monkeypatch.syspath_prepend(str(fixture_root))
    import fixture_parts  # noqa: F401 (the caller's own copy, imported before any capture)

    capture_plan("dev", root=fixture_root)
    project = scratch_project("import pulumi, fixture_parts\npulumi.export('origin', fixture_parts.ORIGIN)\n")
    (project / "fixture_parts.py").write_text("ORIGIN = 'scratch'\n")
    assert capture_plan("dev", root=project).outputs == {"origin": "scratch"}


def test_the_callers_modules_are_put_back_after_a_capture(monkeypatch, fixture_root):
    """Code holding a module's classes (exceptions the caller catches) must keep seeing the same module."""
    monkeypatch.syspath_prepend(str(fixture_root))
    import fixture_parts

    capture_plan("dev", root=fixture_root)
    assert sys.modules["fixture_parts"] is fixture_parts
