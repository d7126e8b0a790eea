"""Offline preview of the Pulumi program: runs it under mocks and captures the full plan.

The API is in preview.plan (capture_plan, Plan); `python -m preview <stack>` prints it. This
module imports nothing, so that `python -m preview --help` stays instant.
"""
