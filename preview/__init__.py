"""Offline preview of the Pulumi program: runs it under mocks and captures the full plan.

preview.capture.capture_plan makes a plan, preview.plan is its data model, preview.registry what
the preview knows of each resource type; `python -m preview <stack>` prints a plan. This
module imports nothing, so that `python -m preview --help` stays instant.
"""
