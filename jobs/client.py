"""Signed-in access to a workspace, MLClient with DefaultAzureCredential: a Lifecycle, or its online endpoints."""

from jobs.endpoints import EndpointAccess
from jobs.lifecycle import Lifecycle
from jobs.workspace import Workspace

# Any ARM scope proves the credential works; MLClient's own constructor makes no call at all.
MANAGEMENT_SCOPE = "https://management.azure.com/.default"


def connect(workspace: Workspace, credential=None) -> Lifecycle:
    """Fails fast (ClientAuthenticationError, mapped to CredentialError) before any upload starts."""
    credential = credential or _default_credential()
    credential.get_token(MANAGEMENT_SCOPE)
    return Lifecycle.from_client(_ml_client(workspace, credential))


def sign_in(workspace: Workspace, credential=None) -> EndpointAccess:
    credential = credential or _default_credential()
    return EndpointAccess(_ml_client(workspace, credential).online_endpoints, credential)


def _default_credential():
    from azure.identity import DefaultAzureCredential

    # A command line may run where no browser opens: it fails with a reason instead of waiting for one.
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def _ml_client(workspace: Workspace, credential):
    from azure.ai.ml import MLClient

    return MLClient(credential, workspace.subscription_id, workspace.resource_group, workspace.name)
