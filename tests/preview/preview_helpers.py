"""Shared by the preview engine's tests (a plain module: a conftest.py here would shadow
tests/conftest.py, which other tests import as `conftest`)."""

import functools
import textwrap
from pathlib import Path

import yaml

from preview.plan import Plan, capture_plan

FIXTURE = Path(__file__).resolve().parent / "fixture_program"
SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"

NS = "azure-native"
RESOURCE_GROUP = f"{NS}:resources:ResourceGroup"
IDENTITY = f"{NS}:managedidentity:UserAssignedIdentity"
STORAGE = f"{NS}:storage:StorageAccount"
BLOB_SERVICE = f"{NS}:storage:BlobServiceProperties"
CONTAINER = f"{NS}:storage:BlobContainer"
WORKSPACE = f"{NS}:machinelearningservices:Workspace"
COMPUTE = f"{NS}:machinelearningservices:Compute"
DATASTORE = f"{NS}:machinelearningservices:Datastore"
ROLE = f"{NS}:authorization:RoleAssignment"
LOCK = f"{NS}:authorization:ManagementLockByScope"
VNET = f"{NS}:network:VirtualNetwork"
DATA_LAKE = "fixture:data:DataLake"


@functools.cache
def fixture_plan(stack: str) -> Plan:
    """The fixture's plan for a stack file, captured once per session (read it, never change it)."""
    return capture_plan(stack, root=FIXTURE)


def write_project(root: Path, program: str, stack_file: str = "config: {}\n") -> Path:
    """A throwaway project `scratch` with one stack, dev, in root."""
    (root / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "scratch", "runtime": "python"}))
    (root / "Pulumi.dev.yaml").write_text(stack_file)
    (root / "__main__.py").write_text(textwrap.dedent(program))
    return root
