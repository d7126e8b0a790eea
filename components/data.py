"""Datastores (storage linked to the workspace by identity, never by key) and versioned data assets.

A datastore is a blob container or ADLS Gen2 filesystem, in the platform's storage account (created
here) or in an existing account elsewhere (referenced, and the workspace identity and the personas
granted access on that container). A data asset is a container of immutable versions, each a path on
a datastore; see README "Data assets" for what changing or removing a version does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal, Mapping, Sequence

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pulumi_azure_native import storage
from pydantic import Field, StringConstraints, model_validator

from components.access import DATA_ROLES
from components.base import CommonArgs, PlatformComponent, RoleAssignment, existing, held_field
from components.settings import Section
from components.values import ArmStorageAccountId, TagKey, TagValue, matching

# Azure ML creates and owns these in every workspace; a declared datastore must not take their names.
SYSTEM_DATASTORES = ("workspaceblobstore", "workspacefilestore", "workspaceartifactstore", "workspaceworkingdirectory")

# Azure ML's pattern allows hyphens, but studio refuses them in datastore names and paths with them
# fail (MicrosoftDocs/azure-docs#110869): lowercase letters, digits and underscores.
DatastoreKey = Annotated[
    str, matching(r"[a-z][a-z0-9_]{0,254}", "lowercase letters, digits and '_', starting with a letter (e.g. training_data)")
]
ContainerName = Annotated[
    str,
    matching(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]", "3-63 lowercase letters, digits and single hyphens (e.g. training-data)"),
]
# Azure ML's pattern for asset names and versions: ^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$ (the REST API spec).
AssetName = Annotated[
    str, matching(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}", "letters, digits, '_' and '-', starting with a letter or digit (e.g. iris)")
]
AssetVersion = Annotated[
    str, matching(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}", "letters, digits, '_' and '-', starting with a letter or digit (e.g. 1)")
]
# A path inside a datastore: relative, no '..' segment, no URL.
DataPath = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1024),
    matching(r"(?!/)(?!(.*/)?\.\.(/|$))(?!.*://)[^\\]+", "a relative path inside the datastore such as samples/iris.csv"),
]


class DatastoreConfig(Section):
    type: Literal["blob", "adlsGen2"] = "blob"
    # Default: the datastore's key with '-' for '_' (container names take no underscores).
    container: ContainerName | None = None
    # An existing account elsewhere; None is the platform's own account, whose container is created here.
    storage_account_id: ArmStorageAccountId | None = None
    # On an existing account: what the workspace identity and the data scientists may do there.
    access: Literal["readWrite", "readOnly"] = "readWrite"
    description: str | None = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _adls_is_external(self) -> DatastoreConfig:
        if self.type == "adlsGen2" and self.storage_account_id is None:
            # Azure ML's workspace storage cannot have a hierarchical namespace.
            raise ValueError(
                "type adlsGen2 needs storageAccountId (an account with hierarchical namespace); "
                "the platform's own account is not ADLS Gen2"
            )
        return self


class DataVersionConfig(Section):
    datastore: DatastoreKey
    path: DataPath
    description: str | None = Field(default=None, max_length=1024)
    # Archived versions stay usable by explicit version but leave lists and `@latest`.
    archived: bool = False


class DataAssetConfig(Section):
    type: Literal["uri_file", "uri_folder", "mltable"]
    description: str | None = Field(default=None, max_length=1024)
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, max_length=50)
    versions: dict[AssetVersion, DataVersionConfig] = Field(min_length=1)


Datastores = dict[DatastoreKey, DatastoreConfig]
DataAssets = dict[AssetName, DataAssetConfig]

# Every stack has a place for training data.
DEFAULT_DATASTORES = {"training_data": {"type": "blob"}}
# Dev: the iris sample the jobs module ships (jobs/data/iris.csv), once uploaded there (README).
DEV_DATA_ASSETS = {
    "iris": {
        "type": "uri_file",
        "description": "Fisher's iris flowers: the sample the example training job reads",
        "versions": {"1": {"datastore": "training_data", "path": "samples/iris.csv"}},
    }
}



def container_name(key: str, store: DatastoreConfig) -> str:
    return store.container or key.replace("_", "-")


def data_uri(subscription_id: str, resource_group: str, workspace: str, datastore: str, path: str) -> str:
    """The long form, which Azure ML stores and returns (the short azureml://datastores/... form is
    accepted but comes back long, so it would differ from what Azure holds on every run)."""
    return (
        f"azureml://subscriptions/{subscription_id}/resourcegroups/{resource_group}/workspaces/{workspace}"
        f"/datastores/{datastore}/paths/{path}"
    )


_DATASTORE_PATH = re.compile(r"azureml://(?:.*/)?datastores/([^/]+)/paths/(.*)", re.IGNORECASE)


def _location(uri: str | None) -> tuple[str, str] | None:
    """(datastore, path) of a datastore URI in either form, to compare what Azure holds with ours."""
    match = _DATASTORE_PATH.fullmatch(uri or "")
    return (match.group(1).lower(), match.group(2)) if match else None


@dataclass(frozen=True)
class DataDependencies:
    # Plain names: the published-version check reads Azure while the program runs.
    resource_group_name: str
    workspace_name: str
    workspace: pulumi.Resource
    storage_account_name: pulumi.Input[str]
    # What identity-based access to the platform's account already rests on (the workspace and
    # compute identities' data roles there): a datastore waits for them.
    storage_grants: Sequence[pulumi.Resource]
    # Who gets data roles on an external container: the workspace identity (studio's data preview
    # reads through it) and the compute identity (jobs read and write through it).
    workspace_principal_id: pulumi.Input[str]
    compute_principal_id: pulumi.Input[str]


_VERSION_ARGS = {"uri_file": ml.UriFileDataVersionArgs, "uri_folder": ml.UriFolderDataVersionArgs, "mltable": ml.MLTableDataArgs}
# Data versions cannot change their path or type ("Asset paths cannot be updated"), and Azure ML
# refuses to delete data assets at all: removing one from the program must leave it in Azure.
IMMUTABLE_VERSION_INPUTS = ("properties.dataUri", "properties.dataType")


class Data(PlatformComponent):
    datastores: dict[str, ml.Datastore]

    def __init__(
        self,
        name: str,
        common: CommonArgs,
        datastores: Mapping[str, DatastoreConfig],
        assets: Mapping[str, DataAssetConfig],
        dependencies: DataDependencies,
        external_people: Mapping[str, Sequence[RoleAssignment]] = {},
    ):
        """`external_people`: people's grants on a container in another account, by the datastore's
        access (readWrite, readOnly); on the platform's account their storage grants cover it."""
        super().__init__("azureml-platform:data:Data", name, common)
        self._dependencies = dependencies
        self._external_people = external_people
        self.datastores = {key: self._datastore(name, key, store) for key, store in datastores.items()}
        self.finish(
            {
                "datastores": {
                    key: {"name": key, "id": datastore.id, "container": container_name(key, datastores[key])}
                    for key, datastore in self.datastores.items()
                },
                "dataAssets": {key: self._asset(name, key, asset) for key, asset in assets.items()},
            }
        )

    # --- datastores ---

    def _datastore(self, name: str, key: str, store: DatastoreConfig) -> ml.Datastore:
        dependencies, context = self._dependencies, self.context
        container = container_name(key, store)
        if store.storage_account_id is None:
            account_name = dependencies.storage_account_name
            subscription_id, resource_group = context.subscription_id, dependencies.resource_group_name
            created = self.declare(
                storage.BlobContainer,
                f"{name}-{key}-container",
                stateful=True,
                container_name=container,
                account_name=account_name,
                resource_group_name=context.resource_group_name,
                public_access="None",
            )
            ready = [created, *dependencies.storage_grants]
        else:
            _, subscription_id, _, resource_group, *_, account_name = store.storage_account_id.strip("/").split("/")
            ready = self._grant_external(key, f"{store.storage_account_id}/blobServices/default/containers/{container}", store)
        credentials = ml.NoneDatastoreCredentialsArgs(credentials_type="None")
        common = dict(
            credentials=credentials,
            account_name=account_name,
            subscription_id=subscription_id,
            resource_group=resource_group,
            endpoint="core.windows.net",
            protocol="https",
            description=store.description,
            # Studio previews data through the workspace identity, not the viewer's.
            service_data_access_auth_identity="WorkspaceUserAssignedIdentity",
        )
        properties = (
            ml.AzureBlobDatastoreArgs(datastore_type="AzureBlob", container_name=container, **common)
            if store.type == "blob"
            else ml.AzureDataLakeGen2DatastoreArgs(datastore_type="AzureDataLakeGen2", filesystem=container, **common)
        )
        return self.declare(
            ml.Datastore,
            f"{name}-{key}",
            depends_on=[dependencies.workspace, *ready],
            name=key,
            workspace_name=dependencies.workspace_name,
            resource_group_name=context.resource_group_name,
            properties=properties,
        )

    def _grant_external(self, key: str, scope: str, store: DatastoreConfig) -> list[pulumi.Resource]:
        dependencies = self._dependencies
        preview = RoleAssignment.for_identity(
            dependencies.workspace_principal_id, DATA_ROLES["readOnly"], "Azure ML workspace identity: studio data preview"
        )
        jobs = RoleAssignment.for_identity(
            dependencies.compute_principal_id, DATA_ROLES[store.access], "Azure ML compute identity: jobs"
        )
        identities = self.assign_roles(f"datastore-{key}-workspace", scope, [preview])
        identities += self.assign_roles(f"datastore-{key}-compute", scope, [jobs])
        self.assign_roles(f"datastore-{key}", scope, self._external_people.get(store.access, ()))
        return identities

    # --- data assets ---

    def _asset(self, name: str, key: str, asset: DataAssetConfig) -> dict:
        dependencies, context = self._dependencies, self.context
        container = self.declare(
            ml.DataContainer,
            f"{name}-asset-{key}",
            retain_on_delete=True,
            depends_on=[dependencies.workspace],
            name=key,
            workspace_name=dependencies.workspace_name,
            resource_group_name=context.resource_group_name,
            properties=ml.DataContainerPropertiesArgs(data_type=asset.type, description=asset.description, tags=asset.tags),
        )
        versions = {}
        for version, settings in asset.versions.items():
            uri = data_uri(context.subscription_id, dependencies.resource_group_name, dependencies.workspace_name,
                           settings.datastore, settings.path)
            self._refuse_changed_version(key, version, asset.type, uri)
            datastore = self.datastores.get(settings.datastore)
            self.declare(
                ml.DataVersion,
                f"{name}-asset-{key}-{version}",
                retain_on_delete=True,
                replace_on_changes=IMMUTABLE_VERSION_INPUTS,
                depends_on=[container, *([datastore] if datastore else [])],
                name=key,
                version=version,
                workspace_name=dependencies.workspace_name,
                resource_group_name=context.resource_group_name,
                properties=_VERSION_ARGS[asset.type](
                    data_type=asset.type,
                    data_uri=uri,
                    description=settings.description or asset.description,
                    tags=asset.tags,
                    is_archived=settings.archived,
                ),
            )
            versions[version] = {"dataUri": uri, "reference": f"azureml:{key}:{version}", "archived": settings.archived}
        return {"name": key, "id": container.id, "type": asset.type, "versions": versions}

    def _refuse_changed_version(self, key: str, version: str, data_type: str, uri: str) -> None:
        """Stop before `pulumi up` when Azure holds this version with another path or type: Azure
        refuses the change ("Asset paths cannot be updated"), after the rest of the update ran."""
        published = published_version(self._dependencies.resource_group_name, self._dependencies.workspace_name, key, version)
        if published is None or (_location(published.get("dataUri")), published.get("dataType")) == (_location(uri), data_type):
            return
        raise pulumi.RunError(
            f"dataAssets.{key}.versions.{version}: Azure ML already holds version {version} of data asset '{key}' "
            f"as {published.get('dataType')} {published.get('dataUri')}; versions are immutable, so declare the "
            f"new path as a new version (e.g. {_next_version(version)}) and keep this one as it is"
        )


def published_version(resource_group: str, workspace: str, name: str, version: str) -> dict | None:
    """The version's properties as Azure holds them; None if it (or its workspace) does not exist yet."""
    found = existing(ml.get_data_version, resource_group_name=resource_group, workspace_name=workspace, name=name, version=version)
    if found is None:
        return None
    return {"dataUri": held_field(found, "properties", "data_uri"), "dataType": held_field(found, "properties", "data_type")}


def _next_version(version: str) -> str:
    return str(int(version) + 1) if version.isdigit() else f"{version}-2"
