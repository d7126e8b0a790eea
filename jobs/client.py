"""Signed-in access to a workspace, MLClient with DefaultAzureCredential: a Lifecycle, or its online endpoints."""

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from jobs.endpoints import EndpointAccess
from jobs.errors import credential_error
from jobs.lifecycle import Lifecycle
from jobs.workspace import Workspace

# Any ARM scope proves the credential works; MLClient's own constructor makes no call at all.
MANAGEMENT_SCOPE = "https://management.azure.com/.default"
# The SDK loggers a sign-in writes to: a failed credential chain logs a warning per credential.
SDK_LOGGERS = ("azure", "msal", "urllib3")
_FAILED_CREDENTIAL = "raised unexpected error"


def connect(workspace: Workspace, credential=None) -> Lifecycle:
    """Fails fast (CredentialError, one line) before any upload starts."""
    with quiet_sdk() as heard:
        credential = credential or _default_credential()
        try:
            credential.get_token(MANAGEMENT_SCOPE)
        except Exception as exc:
            raise credential_error(exc, heard.failures()) from exc
    return Lifecycle.from_client(_ml_client(workspace, credential))


def sign_in(workspace: Workspace, credential=None) -> EndpointAccess:
    credential = credential or _default_credential()
    return EndpointAccess(_ml_client(workspace, credential).online_endpoints, credential)


class Heard(logging.Handler):
    """Log records and warnings the SDK emitted while it was kept quiet."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.warnings: list[warnings.WarningMessage] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def failures(self) -> list[BaseException]:
        """The exceptions of credentials that tried and failed (a chain logs them at debug level)."""
        return [record.exc_info[1] for record in self.records
                if record.exc_info and record.exc_info[1] is not None and _FAILED_CREDENTIAL in record.getMessage()]


@contextmanager
def quiet_sdk() -> Iterator[Heard]:
    """Keep azure-identity, azure-core and msal from writing to stderr (and warning) while signing in.

    What they say is kept on the handler, azure-identity's debug records included: they tell a
    credential that failed from one that was merely unavailable.
    """
    heard = Heard()
    loggers = [logging.getLogger(name) for name in SDK_LOGGERS]
    identity = logging.getLogger("azure.identity")
    saved = [(logger, logger.handlers, logger.propagate) for logger in loggers]
    saved_level = identity.level
    for logger in loggers:
        logger.handlers, logger.propagate = [heard], False
    identity.setLevel(logging.DEBUG)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield heard
    finally:
        heard.warnings = list(caught)
        identity.setLevel(saved_level)
        for logger, handlers, propagate in saved:
            logger.handlers, logger.propagate = handlers, propagate


def _default_credential():
    from azure.identity import DefaultAzureCredential

    # A command line may run where no browser opens: it fails with a reason instead of waiting for one.
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def _ml_client(workspace: Workspace, credential):
    from azure.ai.ml import MLClient

    return MLClient(credential, workspace.subscription_id, workspace.resource_group, workspace.name)
