"""One exception hierarchy, caught once at the CLI boundary and reported as a single line (exit 1)."""

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

SIGN_IN_HOST = "login.microsoftonline.com"
NO_CREDENTIAL_HINT = "run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
# How requests, urllib3, azure-cli and the OS word a host that cannot be reached.
_CONNECTION_SIGNS = re.compile(
    r"Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|"
    r"nodename nor servname|getaddrinfo failed|Connection refused|Connection reset|Connection aborted|"
    r"Network is unreachable|No route to host|Max retries exceeded|timed out|ConnectTimeout", re.IGNORECASE)
_HOST = re.compile(r"host='([^']+)'|https?://([^/:\s'\"]+)")


class JobsError(Exception):
    """An expected failure whose message is the whole story: no traceback.

    `result` is what the command can still show (a job that ended Failed): with --output json it is
    printed to stdout, the message going to stderr as always.
    """

    def __init__(self, *args, result=None):
        super().__init__(*args)
        self.result = result


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
            raise credential_error(exc) from exc
        host = unreachable_host(exc)
        if host is not None:
            raise AzureServiceError(f"cannot reach {host or 'Azure'} (connection error): {one_line(exc, 200)}") from exc
        if isinstance(exc, AzureError):
            raise AzureServiceError(one_line(exc)) from exc
        raise


def credential_error(exc: BaseException, failures: Sequence[BaseException] = ()) -> CredentialError:
    """What is wrong with signing in, from the error and the credentials that failed (not merely unavailable).

    `failures` are the exceptions a credential chain met and logged; with none, a chain's error means
    that no credential was found at all, the one case where `az login` is the answer.
    """
    from azure.identity import CredentialUnavailableError

    attempts = _attempted_credentials(str(exc))
    # A chain's own message lists why each credential was unavailable (a managed identity endpoint that
    # does not answer off Azure, a troubleshooting link): only the credentials that failed are read.
    for cause in failures if attempts else (*failures, exc):
        host = unreachable_host(cause)
        if host is not None:
            sign_in_host = os.environ.get("AZURE_AUTHORITY_HOST", SIGN_IN_HOST).removeprefix("https://").strip("/")
            where = sign_in_host if not host or host.startswith("proxy ") else host
            through = f" through {host}" if host.startswith("proxy ") else ""
            return CredentialError(f"cannot reach the sign-in host {where}{through} (connection error): check the "
                                   f"network or proxy settings ({one_line(cause, 200)})")
    if isinstance(exc, CredentialUnavailableError) or attempts and not failures:
        tried = f" (tried {', '.join(name for name, _ in attempts)})" if attempts else ""
        return CredentialError(f"no Azure credential found{tried}: {NO_CREDENTIAL_HINT}")
    reason = f"{attempts[-1][0]}: {attempts[-1][1]}" if attempts else one_line(exc)
    return CredentialError(f"Azure refused the credential ({one_line(Exception(reason), 240)})")


def unreachable_host(exc: BaseException) -> str | None:
    """The host a connection error could not reach ("" when it names none), or None for other errors."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    chain = list(_causes(exc))
    texts = [str(cause) for cause in chain]
    connection = any(isinstance(cause, (ServiceRequestError, ServiceResponseError, ConnectionError)) for cause in chain)
    if not connection and not any(_CONNECTION_SIGNS.search(text) for text in texts):
        return None
    hosts = [found[1] or found[2] for text in texts for found in _HOST.finditer(text)]
    if not hosts:
        return ""
    return f"proxy {hosts[0]}" if any("to proxy" in text for text in texts) else hosts[0]


def _causes(exc: BaseException | None, seen=None) -> Iterator[BaseException]:
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    yield exc
    for inner in (getattr(exc, "inner_exception", None), exc.__cause__, exc.__context__):
        if isinstance(inner, BaseException):
            yield from _causes(inner, seen)


def _attempted_credentials(message: str) -> list[tuple[str, str]]:
    """(credential, first line of its error) from a chain's "Attempted credentials:" list."""
    _, found, rest = message.partition("Attempted credentials:")
    if not found:
        return []
    attempts = []
    for line in rest.splitlines():
        if line.startswith("To mitigate"):
            break
        if line.startswith("\t"):
            name, _, reason = line.strip().partition(": ")
            attempts.append((name, reason.strip()))
    return attempts
