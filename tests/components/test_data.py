"""Datastores and data assets in the plan: identity-based access, containers, grants on other
accounts, immutable versions that stay in Azure; bad data config refused naming the key."""

from types import SimpleNamespace

import pytest
from pulumi_azure_native import machinelearningservices as ml

from components.config import load_config
from components.settings import ConfigError
from jobs.workspace import Workspace
from preview.capture import capture_plan
from preview.fake_azure import FakeAzure
from preview.plan import PreviewError
from preview.stackfile import load_stack_config

NS = "azureml-platform"
DATASTORE = "azure-native:machinelearningservices:Datastore"
DATA_CONTAINER = "azure-native:machinelearningservices:DataContainer"
DATA_VERSION = "azure-native:machinelearningservices:DataVersion"
CONTAINER = "azure-native:storage:BlobContainer"
STORAGE = "azure-native:storage:StorageAccount"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
ROLE = "azure-native:authorization:RoleAssignment"
READER, CONTRIBUTOR = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
LAKE = "/subscriptions/00000000-0000-4000-8000-000000000002/resourceGroups/rg-lake/providers/Microsoft.Storage/storageAccounts/stlake"
WORKSPACE_URI = "azureml://subscriptions/00000000-0000-4000-8000-000000000001/resourcegroups/rg-mlp-dev/workspaces/mlw-mlp-dev"
IRIS_URI = f"{WORKSPACE_URI}/datastores/training_data/paths/samples/iris.csv"


def test_training_data_is_an_identity_based_datastore_on_a_private_container(plan):
    store = plan.one(DATASTORE).inputs
    account = plan.one(STORAGE).inputs
    assert store["name"] == "training_data"
    assert store["properties"] == {
        "datastoreType": "AzureBlob",
        "accountName": account["accountName"],
        "containerName": "training-data",
        "credentials": {"credentialsType": "None"},
        "endpoint": "core.windows.net",
        "protocol": "https",
        "subscriptionId": plan.outputs["subscriptionId"],
        "resourceGroup": account["resourceGroupName"],
        "serviceDataAccessAuthIdentity": "WorkspaceUserAssignedIdentity",
    }
    container = plan.one(CONTAINER)
    assert container.inputs["containerName"] == "training-data" and container.inputs["publicAccess"] == "None"
    assert container.protect == (plan.stack == "prod")


def test_the_datastore_waits_for_its_container_and_the_data_roles_it_rests_on(plan):
    store = plan.one(DATASTORE)
    assert plan.depends_on(store, plan.one(CONTAINER))
    assert plan.depends_on(store, plan.one(WORKSPACE))
    grants = {g.name for g in plan.of_type(ROLE) if plan.depends_on(store, g)}
    assert grants == {"ml-identity-storage-storage-blob-data-contributor", "ml-compute-identity-storage-storage-blob-data-contributor"}


def test_dev_declares_the_iris_sample_as_an_immutable_version_that_stays_in_azure(stack_plans):
    plan = stack_plans["dev"]
    asset, version = plan.one(DATA_CONTAINER), plan.one(DATA_VERSION)
    assert asset.inputs["name"] == "iris" and asset.inputs["properties"]["dataType"] == "uri_file"
    assert (version.inputs["name"], version.inputs["version"]) == ("iris", "1")
    assert version.inputs["properties"]["dataUri"] == IRIS_URI
    assert version.inputs["properties"]["isArchived"] is False
    # Azure ML refuses to delete data assets and to change a version's path or type.
    assert asset.retain_on_delete and version.retain_on_delete
    assert version.replace_on_changes == ["properties.dataType", "properties.dataUri"]
    assert plan.depends_on(version, asset) and plan.depends_on(version, plan.one(DATASTORE))
    assert plan.outputs["dataAssets"]["iris"]["versions"]["1"] == {"dataUri": IRIS_URI, "reference": "azureml:iris:1", "archived": False}
    for stack in ("staging", "prod"):
        assert stack_plans[stack].of_type(DATA_VERSION) == []


@pytest.fixture(scope="module")
def lake_plan():
    config = load_stack_config("staging")
    config[f"{NS}:datastores"] = {"lake": {"type": "adlsGen2", "storageAccountId": LAKE, "container": "raw", "access": "readOnly"},
                                  "curated": {"storageAccountId": LAKE}}
    config[f"{NS}:dataAssets"] = {"sales": {"type": "mltable", "versions": {"3": {"datastore": "lake", "path": "sales/"}}}}
    return capture_plan("staging", config=config)


def test_a_datastore_on_another_account_is_referenced_and_granted_on_its_container(lake_plan):
    lake = lake_plan.one(DATASTORE, "data-lake").inputs["properties"]
    assert (lake["datastoreType"], lake["accountName"], lake["filesystem"]) == ("AzureDataLakeGen2", "stlake", "raw")
    assert (lake["subscriptionId"], lake["resourceGroup"]) == ("00000000-0000-4000-8000-000000000002", "rg-lake")
    assert [c.inputs["containerName"] for c in lake_plan.of_type(CONTAINER)] == ["training-data"]  # none created there
    scope = f"{LAKE}/blobServices/default/containers/raw"
    on_lake = {(g.inputs["principalId"], g.inputs["roleDefinitionId"].rsplit("/", 1)[-1]) for g in lake_plan.of_type(ROLE)
               if g.inputs["scope"] == scope}
    workspace, compute = lake_plan.outputs["workspace"]["identityPrincipalId"], lake_plan.outputs["computeIdentity"]["principalId"]
    pipeline = "16f9a2c4-3b1d-4e8a-9c7f-2d5e8b1a6f30"  # staging's delivery pipeline persona
    assert on_lake == {(workspace, READER), (compute, READER), (pipeline, READER)}
    curated = f"{LAKE}/blobServices/default/containers/curated"
    assert {(g.inputs["principalId"], g.inputs["roleDefinitionId"].rsplit("/", 1)[-1]) for g in lake_plan.of_type(ROLE)
            if g.inputs["scope"] == curated} == {(workspace, READER), (compute, CONTRIBUTOR), (pipeline, CONTRIBUTOR)}
    store = lake_plan.one(DATASTORE, "data-lake")
    identity_grants = {g.urn for g in lake_plan.of_type(ROLE) if g.inputs["scope"] == scope and g.inputs["principalId"] in (workspace, compute)}
    assert identity_grants <= set(store.dependencies) and len(identity_grants) == 2
    version = lake_plan.one(DATA_VERSION).inputs
    assert version["properties"] == {"dataType": "mltable", "dataUri": "azureml://subscriptions/00000000-0000-4000-8000-000000000001/resourcegroups/rg-mlp-staging/workspaces/mlw-mlp-staging/datastores/lake/paths/sales/", "isArchived": False,
                                     "isAnonymous": False, "tags": {}}


def test_a_datastore_on_another_account_is_a_blob_container_unless_declared_adls(lake_plan):
    curated = lake_plan.one(DATASTORE, "data-curated").inputs["properties"]
    assert (curated["datastoreType"], curated["containerName"]) == ("AzureBlob", "curated")


def test_readers_only_read_a_writable_datastore_on_another_account():
    scientist, pipeline, reader = (f"3f2504e0-4f89-41d3-9a0c-0305e82c33{n}" for n in ("11", "12", "13"))
    config = load_stack_config("prod")
    config[f"{NS}:personas"] = {"dataScientists": [{"principalId": scientist, "principalType": "Group"}],
                                "deliveryPipelines": [{"principalId": pipeline, "principalType": "ServicePrincipal"}],
                                "readers": [{"principalId": reader, "principalType": "Group"}]}
    config[f"{NS}:datastores"] = {"curated": {"storageAccountId": LAKE}}
    plan = capture_plan("prod", config=config)
    curated = f"{LAKE}/blobServices/default/containers/curated"
    roles = {g.inputs["principalId"]: g.inputs["roleDefinitionId"].rsplit("/", 1)[-1] for g in plan.of_type(ROLE)
             if g.inputs["scope"] == curated}
    assert (roles[scientist], roles[pipeline], roles[reader]) == (CONTRIBUTOR, CONTRIBUTOR, READER)


def test_a_published_version_with_another_path_stops_the_preview(monkeypatch):
    """Azure refuses to change a version's path ("Asset paths cannot be updated"): the program says
    so before `up`, naming the key, instead of failing half-way through the update."""
    monkeypatch.setattr(FakeAzure, "published_data_versions",
                        {("mlw-mlp-dev", "iris", "1"): {"dataType": "uri_file", "dataUri": "azureml://datastores/training_data/paths/old.csv"}})
    with pytest.raises(PreviewError) as raised:
        capture_plan("dev")
    assert ("dataAssets.iris.versions.1: Azure ML already holds version 1 of data asset 'iris' as uri_file "
            "azureml://datastores/training_data/paths/old.csv; versions are immutable, so declare the new path as a new "
            "version (e.g. 2) and keep this one as it is") in str(raised.value)


@pytest.mark.parametrize("held", [IRIS_URI, "azureml://datastores/training_data/paths/samples/iris.csv",
                                  IRIS_URI.replace("training_data", "TRAINING_DATA")])
def test_a_published_version_unchanged_passes(held, monkeypatch):
    """Azure may hold the path in the short or long form, the datastore in any case."""
    monkeypatch.setattr(FakeAzure, "published_data_versions", {("mlw-mlp-dev", "iris", "1"): {"dataType": "uri_file", "dataUri": held}})
    assert capture_plan("dev").one(DATA_VERSION).inputs["properties"]["dataUri"] == IRIS_URI


def test_a_published_version_whose_path_differs_in_case_stops_the_preview(monkeypatch):
    """Blob paths are case-sensitive: samples/IRIS.csv is another blob."""
    held = IRIS_URI.replace("iris.csv", "IRIS.csv")
    monkeypatch.setattr(FakeAzure, "published_data_versions", {("mlw-mlp-dev", "iris", "1"): {"dataType": "uri_file", "dataUri": held}})
    with pytest.raises(PreviewError, match="already holds version 1 of data asset 'iris' as uri_file"):
        capture_plan("dev")


def test_a_published_version_of_another_type_stops_the_preview(monkeypatch):
    monkeypatch.setattr(FakeAzure, "published_data_versions", {("mlw-mlp-dev", "iris", "1"): {"dataType": "uri_folder", "dataUri": IRIS_URI}})
    with pytest.raises(PreviewError, match="already holds version 1 of data asset 'iris' as uri_folder"):
        capture_plan("dev")


def test_published_properties_handed_over_as_an_object_are_compared_too(monkeypatch):
    """The provider may hand a version's properties over as an object rather than a map."""
    def held(uri):
        return lambda **_: SimpleNamespace(properties=SimpleNamespace(data_uri=uri, data_type="uri_file"))

    monkeypatch.setattr(ml, "get_data_version", held(IRIS_URI))
    assert capture_plan("dev").one(DATA_VERSION).inputs["properties"]["dataUri"] == IRIS_URI
    monkeypatch.setattr(ml, "get_data_version", held(IRIS_URI.replace("iris.csv", "old.csv")))
    with pytest.raises(PreviewError, match="already holds version 1 of data asset 'iris' as uri_file"):
        capture_plan("dev")


def test_the_jobs_module_resolves_the_stacks_computes_and_datastores(stack_plans):
    outputs = stack_plans["dev"].outputs
    workspace = Workspace(outputs["subscriptionId"], outputs["resourceGroupName"], outputs["workspaceName"], "stack dev", "dev", outputs)
    assert workspace.resolve("computes", "cpu") == "cpu"
    assert workspace.resolve("datastores", "training_data") == "training_data"
    assert outputs["datastores"]["training_data"]["container"] == "training-data"
    assert outputs["dataAssets"]["iris"]["name"] == "iris"


BAD_DATA_CONFIG = [
    ({"datastores": {"workspaceblobstore": {}}}, "datastores.workspaceblobstore: Azure ML creates and owns this datastore"),
    ({"datastores": {"training-data": {}}}, "datastores.training-data: must be lowercase letters, digits and '_'"),
    ({"datastores": {"lake": {"type": "adlsGen2"}}}, "datastores.lake: type adlsGen2 needs storageAccountId"),
    ({"datastores": {"ab": {}}}, "datastores.ab.container: required, as 'ab' is not a valid container name"),
    ({"datastores": {"lake": {"container": "Raw_Data"}}}, "datastores.lake.container: must be 3-63 lowercase letters"),
    ({"datastores": {"lake": {"storageAccountId": "/subscriptions/x/rg"}}}, "datastores.lake.storageAccountId: must be a storage account resource id"),
    ({"datastores": {"lake": {"storageAccountId": "/subscriptions/prod/resourceGroups/rg-lake/providers/Microsoft.Storage/storageAccounts/stlake"}}},
     "datastores.lake.storageAccountId: must be a storage account resource id"),
    ({"datastores": {"lake": {"access": "write"}}}, "datastores.lake.access: Input should be 'readWrite' or 'readOnly'"),
    ({"datastores": {"lake": {"accountKey": "abc"}}}, "datastores.lake.accountKey: unknown key"),
    ({"dataAssets": {"sales": {"type": "uri_folder", "versions": {"1": {"datastore": "lake", "path": "x/"}}}}},
     "dataAssets.sales.versions.1.datastore: no datastore 'lake' (datastores: training_data, workspaceblobstore)"),
    ({"dataAssets": {"sales": {"type": "uri_folder", "versions": {"1": {"datastore": "training_data", "path": "../x"}}}}},
     "dataAssets.sales.versions.1.path: must be a relative path inside the datastore"),
    ({"dataAssets": {"sales": {"type": "uri_folder", "versions": {"1": {"datastore": "training_data", "path": "/x"}}}}},
     "dataAssets.sales.versions.1.path: must be a relative path inside the datastore"),
    ({"dataAssets": {"sales": {"type": "uri_folder", "versions": {"1": {"datastore": "training_data", "path": "https://x/y"}}}}},
     "dataAssets.sales.versions.1.path: must be a relative path inside the datastore"),
    ({"dataAssets": {"sales": {"type": "uri_folder", "versions": {}}}}, "dataAssets.sales.versions: Dictionary should have at least 1 item"),
    ({"dataAssets": {"sales": {"type": "parquet", "versions": {"1": {"datastore": "training_data", "path": "x"}}}}},
     "dataAssets.sales.type: Input should be 'uri_file', 'uri_folder' or 'mltable'"),
    ({"dataAssets": {"sales data": {"type": "uri_file", "versions": {"1": {"datastore": "training_data", "path": "x"}}}}},
     "dataAssets.sales data: must be letters, digits, '_' and '-'"),
    ({"dataAssets": {"sales": {"type": "uri_file", "versions": {"v 1": {"datastore": "training_data", "path": "x"}}}}},
     "dataAssets.sales.versions.v 1: must be letters, digits, '_' and '-'"),
    ({"dataAssets": {"sales": {"type": "uri_file", "versions": {"1": {"path": "x"}}}}}, "dataAssets.sales.versions.1.datastore: required key is missing"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_DATA_CONFIG, ids=[m.split(":")[0] for _, m in BAD_DATA_CONFIG])
def test_bad_data_config_is_refused_naming_the_key(overrides, message, stack_config):
    with pytest.raises(ConfigError) as raised:
        load_config(stack_config("dev", **overrides), "dev")
    assert f"{NS}:{message}" in str(raised.value)


def test_data_on_the_system_blob_store_needs_no_datastore(stack_config):
    assets = {"logs": {"type": "uri_folder", "versions": {"1": {"datastore": "workspaceblobstore", "path": "logs/"}}}}
    assert load_config(stack_config("dev", dataAssets=assets), "dev").data_assets["logs"].versions["1"].datastore == "workspaceblobstore"
