"""`invoke`: send a scoring request to a local server or to an online endpoint a stack (or workspace) holds.

A stack exports `endpoints` as key -> {"name", "scoringUri", "authMode", "deployments": {key: {"name"}}};
a config.json names no endpoints, so its endpoint is looked up in the workspace. Every call is authorised
as the endpoint's authMode asks: AADToken with an Entra token for Azure ML, AMLToken and Key with what
the workspace hands out for the endpoint. The token is sent, never printed.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from jobs.errors import ServingError, WorkspaceError, one_line
from jobs.workspace import Workspace

ML_SCOPE = "https://ml.azure.com/.default"
DEPLOYMENT_HEADER = "azureml-model-deployment"  # routes the call to one deployment, past the traffic split


@dataclass(frozen=True)
class Endpoint:
    name: str
    scoring_uri: str
    auth_mode: str
    deployments: Mapping[str, str] = field(default_factory=dict)  # key -> Azure name, when a stack lists them

    @property
    def auth(self) -> str:
        """AADToken, aad_token, ... -> aadtoken: the stack exports ARM's spelling, the SDK its own."""
        return self.auth_mode.replace("_", "").lower()

    def deployment(self, ref: str) -> str:
        """A deployment's Azure name from its key or name; passed through when the stack lists none."""
        if not self.deployments or ref in self.deployments.values():
            return ref
        if ref in self.deployments:
            return self.deployments[ref]
        raise WorkspaceError(f"unknown deployment '{ref}': endpoint '{self.name}' has deployments: "
                             f"{', '.join(sorted(self.deployments))}")


class EndpointAccess:
    """Signed-in access to a workspace's online endpoints: `online_endpoints` is MLClient's operation group."""

    def __init__(self, online_endpoints, credential):
        self.online_endpoints, self.credential = online_endpoints, credential

    def lookup(self, name: str) -> Endpoint:
        endpoint = self.online_endpoints.get(name)
        return Endpoint(endpoint.name, endpoint.scoring_uri, endpoint.auth_mode)

    def authorization(self, endpoint: Endpoint) -> str:
        if endpoint.auth == "aadtoken":
            return f"Bearer {self.credential.get_token(ML_SCOPE).token}"
        keys = self.online_endpoints.get_keys(endpoint.name)
        if endpoint.auth == "amltoken":
            return f"Bearer {keys.access_token}"
        if endpoint.auth == "key":
            return f"Bearer {keys.primary_key}"
        raise ServingError(f"endpoint '{endpoint.name}' has auth mode '{endpoint.auth_mode}': "
                           "expected AADToken, AMLToken or Key")


def exported_endpoint(workspace: Workspace, ref: str) -> Endpoint:
    """A stack's endpoint by key (or Azure name), from its outputs: no call to Azure."""
    name = workspace.resolve("endpoints", ref)
    key, entry = next((key, entry) for key, entry in workspace.outputs["endpoints"].items()
                      if key == ref or isinstance(entry, Mapping) and entry.get("name") == name)
    if not isinstance(entry, Mapping) or not entry.get("scoringUri") or not entry.get("authMode"):
        raise WorkspaceError(f"stack '{workspace.stack}' exports endpoint '{key}' without scoringUri and authMode")
    deployments = entry.get("deployments") if isinstance(entry.get("deployments"), Mapping) else {}
    return Endpoint(name, entry["scoringUri"], entry["authMode"],
                    {key: str(value.get("name", key)) if isinstance(value, Mapping) else str(key)
                     for key, value in deployments.items()})


def endpoint_call(workspace: Workspace, ref: str, sign_in: Callable[[Workspace], EndpointAccess], *,
                  deployment: str | None = None) -> tuple[str, dict[str, str]]:
    """The scoring URI and headers of a call to a deployed endpoint; a stack's is checked before signing in."""
    exported = exported_endpoint(workspace, ref) if workspace.stack else None
    access = sign_in(workspace)
    endpoint = exported or access.lookup(ref)
    headers = {DEPLOYMENT_HEADER: endpoint.deployment(deployment)} if deployment else {}
    return endpoint.scoring_uri, {"Authorization": access.authorization(endpoint), **headers}


def post(url: str, document, *, timeout: float, headers: Mapping[str, str] | None = None) -> str:
    """POST a JSON document and return the response body; every failure is one ServingError line."""
    request = urllib.request.Request(url, data=json.dumps(document).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        raise ServingError(f"{url} answered {exc.code} {exc.reason}: {_service_message(exc)}") from None
    except OSError as exc:  # URLError wraps what failed on connecting; a read that times out arrives bare
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            raise ServingError(f"{url} gave no answer within {timeout:g} s (--timeout)") from None
        if isinstance(reason, ConnectionRefusedError):
            raise ServingError(f"{url} refused the connection: is the server running?") from None
        raise ServingError(f"cannot reach {url}: {reason}") from None


def _service_message(error: urllib.error.HTTPError) -> str:
    """The service's own words: {"message"}, {"error": {"message"}}, or the body's first line."""
    body = error.read().decode("utf-8", errors="replace")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        nested = parsed.get("error")
        message = parsed.get("message") or (nested.get("message") if isinstance(nested, dict) else nested)
        if message:
            return one_line(Exception(str(message)))
    return one_line(Exception(body)) if body.strip() else "no message"
