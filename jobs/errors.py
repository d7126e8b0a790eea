"""One exception hierarchy, caught once at the CLI boundary and reported as a single line (exit 1)."""

from contextlib import contextmanager


class JobsError(Exception):
    """An expected failure whose message is the whole story: no traceback."""


class WorkspaceError(JobsError):
    """The workspace could not be resolved from a stack or a config.json, or names something unknown."""


class CredentialError(JobsError):
    """Azure rejected or could not find credentials."""


class SpecError(JobsError):
    """A job spec, or an override of it, is missing or invalid."""


class InputError(JobsError):
    """A local file or folder given on the command line is missing or unusable."""


class JobEndedError(JobsError):
    """A job (remote or local) ended in a state other than Completed."""


class WaitTimeoutError(JobsError):
    """A job was still running when the wait timed out."""


class GateError(JobsError):
    """Metrics missing, unreadable, or below a --require threshold."""


class RegistrationError(JobsError):
    """A model cannot be registered from this job (not Completed, no such output)."""


class VersionConflictError(JobsError):
    """An asset version already exists; versions are immutable and never overwritten."""


class ServingError(JobsError):
    """A model cannot be served locally, or a scoring endpoint (local or deployed) did not answer with success."""


class StackFileError(JobsError):
    """A stack file is missing or unreadable, or a change would leave its config invalid."""


class PromotionError(JobsError):
    """A promote or retire that the endpoint's deployments and traffic do not allow, or an unknown model."""


class AzureServiceError(JobsError):
    """Any other error raised by azure-core or azure-ai-ml."""


def one_line(exc: BaseException, limit: int = 300) -> str:
    """The first non-empty line of an exception's message (Azure errors span many lines)."""
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    return first if len(first) <= limit else first[: limit - 1] + "…"


@contextmanager
def azure_errors():
    """Translate azure-core / azure-ai-ml exceptions into this hierarchy."""
    try:
        yield
    except JobsError:
        raise
    except Exception as exc:
        # Imported here: azure.core is only loaded once a command has talked to Azure.
        from azure.core.exceptions import AzureError, ClientAuthenticationError

        if isinstance(exc, ClientAuthenticationError):
            raise CredentialError(
                f"Azure credentials failed ({one_line(exc)}): run `az login`, "
                "or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
            ) from exc
        if isinstance(exc, AzureError):
            raise AzureServiceError(one_line(exc)) from exc
        raise
