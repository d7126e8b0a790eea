"""An authenticated Lifecycle for a workspace: MLClient with DefaultAzureCredential."""

from jobs.lifecycle import Lifecycle
from jobs.workspace import Workspace

# Any ARM scope proves the credential works; MLClient's own constructor makes no call at all.
MANAGEMENT_SCOPE = "https://management.azure.com/.default"


def connect(workspace: Workspace, credential=None) -> Lifecycle:
    """Fails fast (ClientAuthenticationError, mapped to CredentialError) before any upload starts."""
    from azure.ai.ml import MLClient
    from azure.identity import DefaultAzureCredential

    credential = credential or DefaultAzureCredential()
    credential.get_token(MANAGEMENT_SCOPE)
    client = MLClient(credential, workspace.subscription_id, workspace.resource_group, workspace.name)
    return Lifecycle.from_client(client)
