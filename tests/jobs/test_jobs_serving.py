"""`serve-local` and `invoke` offline: the trained iris model behind the no-code deployment contract,
and `invoke` against loopback servers standing in for an Azure ML online endpoint."""

import contextlib
import inspect
import io
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import mlflow.pyfunc
import numpy as np
import pytest
from azure.core.credentials import AccessToken
from jobs_fakes import DEV_OUTPUTS, TRAIN_SPEC, FakeOnlineEndpoints

from jobs.cli import main
from jobs.endpoints import EndpointAccess
from jobs.serving import is_loopback, serve

pytest_plugins = ["jobs_fixtures"]

IRIS_REQUEST = TRAIN_SPEC.parent.parent / "requests" / "iris.json"
SECRET = FakeOnlineEndpoints.SECRET
SPECIES = ["setosa", "versicolor", "virginica"]
IRIS_ROWS = [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """The iris model as run-local writes it (column signature), trained once for the module."""
    output_dir = tmp_path_factory.mktemp("run-local")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run-local", str(TRAIN_SPEC), "--output-dir", str(output_dir), "--python", sys.executable]) == 0
    return output_dir / "model"


@contextlib.contextmanager
def running(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def iris_server(model_dir):
    with running(serve(model_dir, port=0)) as server:
        yield server


@pytest.fixture(scope="module")
def free_form_servers(model_dir, tmp_path_factory):
    """Models with no signature, whose input_data may be a list, a split DataFrame or named tensors."""
    import mlflow.sklearn

    folder = tmp_path_factory.mktemp("free-form")
    mlflow.sklearn.save_model(mlflow.sklearn.load_model(str(model_dir)), folder / "iris", pip_requirements=[])
    mlflow.pyfunc.save_model(folder / "sums", python_model=SumTensors(), pip_requirements=[])
    sums_server = serve(folder / "sums", port=0)
    with running(serve(folder / "iris", port=0)) as iris, running(sums_server) as sums:
        yield iris, sums


# No type hints on predict, although MLflow warns for them: hints would give the model a signature.
class SumTensors(mlflow.pyfunc.PythonModel):
    """A model over named tensors and no signature: each tensor's rows summed."""

    def predict(self, context, model_input, params=None):
        return {name: np.asarray(value).sum(axis=-1).tolist() for name, value in model_input.items()}


def http(url: str, body: bytes | None = None, *, method: str = "POST", content_type: str | None = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def score(server, input_data) -> tuple[int, object]:
    status, _, body = http(server.url, json.dumps({"input_data": input_data}).encode())
    return status, json.loads(body)


def run(capsys, *argv, sign_in=None):
    code = main([str(arg) for arg in argv], sign_in=sign_in)
    out, err = capsys.readouterr()
    return code, out, err


# -- serve-local -------------------------------------------------------------------------------


def test_the_sample_request_scores_the_three_species(iris_server, capsys):
    code, out, _ = run(capsys, "invoke", IRIS_REQUEST, "--url", iris_server.url, "--output", "json")
    assert (code, out) == (0, '["setosa", "versicolor", "virginica"]\n')
    code, out, _ = run(capsys, "invoke", IRIS_REQUEST, "--url", iris_server.url)
    assert (code, out) == (0, '[\n  "setosa",\n  "versicolor",\n  "virginica"\n]\n')


def test_the_sample_request_is_rows_0_50_100_of_the_csv():
    import pandas as pd

    iris = pd.read_csv(TRAIN_SPEC.parent.parent / "data" / "iris.csv")
    request = json.loads(IRIS_REQUEST.read_text())["input_data"]
    assert request["columns"] == list(iris.columns[:4])
    assert request["data"] == iris.iloc[[0, 50, 100], :4].values.tolist() == IRIS_ROWS
    assert iris.iloc[[0, 50, 100]]["species"].tolist() == SPECIES


def test_liveness_and_the_score_route(iris_server):
    root = iris_server.url.removesuffix("/score")
    assert http(root + "/", method="GET") == (200, "text/html; charset=utf-8", "Healthy")
    query = urllib.parse.urlencode({"input_data": json.dumps({"columns": json.loads(IRIS_REQUEST.read_text())[
        "input_data"]["columns"], "index": [0], "data": [IRIS_ROWS[2]]})})
    assert http(f"{iris_server.url}?{query}", method="GET") == (200, "application/json", '["virginica"]')
    assert http(iris_server.url, method="OPTIONS", content_type=None) == (200, "text/html; charset=utf-8", "")


@pytest.mark.parametrize("path, method, content_type, body, status, message", [
    ("/score", "POST", "text/plain", b"{}", 415, "Expects Content-Type to be application/json"),
    ("/score", "POST", "application/json", b"", 400, "POST body is empty. Expecting a JSON dictionary."),
    ("/score", "POST", "application/json", b"{oops", 400,
     "POST body could not be decoded as JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ("/score", "POST", "application/json", b"[1, 2]", 400, "POST body should be a JSON dictionary."),
    ("/score", "POST", "application/json", b'{"data": [[1, 2, 3, 4]]}', 400,
     "A value is not provided for the 'input_data' parameter."),
    ("/score", "PUT", "application/json", b"{}", 405, "The method is not allowed for the requested URL."),
    ("/predict", "POST", "application/json", b"{}", 404, "The requested URL was not found on the server. If you "
                                                         "entered the URL manually please check your spelling and try again."),
])
def test_a_bad_request_is_the_inference_servers_4xx(iris_server, path, method, content_type, body, status, message):
    url = iris_server.url.removesuffix("/score") + path
    assert http(url, body, method=method, content_type=content_type) == (status, "application/json",
                                                                          json.dumps({"message": message}))


SPLIT_ONLY = ("input_data does not fit the model: the model has a column signature: send a DataFrame in split "
              'orientation, {"columns": [...], "index": [...], "data": [[...]]}')


@pytest.mark.parametrize("input_data, message", [
    (IRIS_ROWS, SPLIT_ONLY),
    ({"sepal_length_cm": [5.1]}, "input_data does not fit the model: JSON data had unexpected key(s): sepal_length_cm"),
    ({"columns": ["sepal_length_cm"], "index": [0], "data": [[5.1]]},
     "input_data does not fit the model: Failed to enforce schema of data '   sepal_length_cm"),
    ({"columns": ["a", "b", "c", "d"], "index": [0], "data": [["x", 1, 2, 3]]},
     "input_data does not fit the model: Failed to enforce schema of data '   a  b  c  d"),
])
def test_a_column_signature_takes_a_split_dataframe_only(iris_server, input_data, message):
    status, answer = score(iris_server, input_data)
    assert status == 400
    assert answer["message"].startswith(message)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")  # the list form has none
def test_a_model_without_signature_takes_a_list_a_dataframe_or_named_tensors(free_form_servers):
    iris, sums = free_form_servers
    columns = json.loads(IRIS_REQUEST.read_text())["input_data"]["columns"]
    assert score(iris, IRIS_ROWS) == (200, SPECIES)
    assert score(iris, {"columns": columns, "index": [0, 1, 2], "data": IRIS_ROWS}) == (200, SPECIES)
    assert score(sums, {"a": [[1, 2], [3, 4]], "b": [[5, 6]]}) == (200, {"a": [3, 7], "b": [11]})
    status, answer = score(sums, [[1, 2]])
    assert (status, answer["message"]) == (400, "input_data does not fit the model: "
                                                "'numpy.ndarray' object has no attribute 'items'")


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True),
                                            ("::1", True), ("0.0.0.0", False), ("10.1.2.3", False), ("myhost", False)])
def test_only_loopback_is_served_without_allow_remote(host, loopback):
    assert is_loopback(host) is loopback


def test_a_remote_host_is_refused(model_dir, capsys):
    code, out, err = run(capsys, "serve-local", model_dir, "--host", "0.0.0.0", "--port", "0")
    assert (code, out) == (1, "")
    assert err == ("error: --host 0.0.0.0 would let anyone who reaches this machine call the model: the server has "
                   "no authentication. Pass --allow-remote to do it anyway\n")


def test_a_bad_model_dir_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "MLmodel").write_text("flavors: {}\n")
    assert run(capsys, "serve-local", tmp_path / "absent") == (1, "", f"error: {tmp_path / 'absent'}: no such model folder\n")
    assert run(capsys, "serve-local", tmp_path / "empty") == (
        1, "", f"error: {tmp_path / 'empty'}: not an MLflow model (no MLmodel file)\n")
    code, _, err = run(capsys, "serve-local", tmp_path / "broken")
    assert code == 1
    assert err.startswith(f"error: {tmp_path / 'broken'}: the MLflow model does not load (")
    assert len(err.splitlines()) == 1


def test_ctrl_c_stops_the_server_with_exit_130(model_dir):
    command = [sys.executable, "-m", "jobs", "serve-local", str(model_dir), "--port", "0"]
    server = subprocess.Popen(command, cwd=TRAIN_SPEC.parents[2], stderr=subprocess.PIPE, text=True)
    try:
        announced = server.stderr.readline()
        url = announced.split(" at ")[1].split(" ")[0]
        assert http(url.removesuffix("/score") + "/", method="GET")[2] == "Healthy"
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 130
    finally:
        server.kill()
    rest = server.stderr.read().splitlines()
    assert announced == f"serving {model_dir} at {url} (Ctrl-C stops it)\n"
    assert rest[0] == f"invoke it (the iris sample request): python -m jobs invoke jobs/requests/iris.json --url {url}"
    assert rest[-1] == "interrupted"


# -- invoke against a deployed endpoint --------------------------------------------------------


class StandIn(BaseHTTPRequestHandler):
    """Answers as the endpoint is told to, and records what it was sent."""

    def do_POST(self):
        server = self.server
        server.received.append((self.path, dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
        time.sleep(server.delay)
        body = json.dumps(server.answer).encode() if not isinstance(server.answer, bytes) else server.answer
        self.send_response(server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # a client that timed out has gone
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def azure():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    server.daemon_threads = True
    server.received, server.status, server.answer, server.delay = [], 200, SPECIES, 0.0
    server.url = f"http://127.0.0.1:{server.server_address[1]}/score"
    with running(server):
        yield server


class FakeCredential:
    def __init__(self):
        self.scopes = []

    def get_token(self, *scopes, **kwargs):
        self.scopes.append(scopes)
        return AccessToken(SECRET, int(time.time()) + 3600)


class Access:
    def __init__(self, scoring_uri: str = "", auth_mode: str = "key"):
        self.endpoints, self.credential = FakeOnlineEndpoints(scoring_uri, auth_mode), FakeCredential()
        self.workspaces = []

    def __call__(self, workspace) -> EndpointAccess:
        self.workspaces.append(workspace)
        return EndpointAccess(self.endpoints, self.credential)

    def calls_match_the_real_signatures(self):
        for method, args, kwargs in self.endpoints.calls:
            inspect.signature(getattr(self.endpoints.real, method)).bind(None, *args, **kwargs)


def stack_with(url: str, auth_mode: str) -> dict:
    iris = {"name": "iris-ep", "scoringUri": url, "authMode": auth_mode,
            "deployments": {"blue": {"name": "iris-blue"}, "green": {"name": "iris-green"}}}
    return {**DEV_OUTPUTS, "endpoints": {"iris": iris}}


@pytest.mark.parametrize("auth_mode, scopes", [("AADToken", [("https://ml.azure.com/.default",)]),
                                               ("AMLToken", []), ("Key", [])])
def test_invoke_a_stacks_endpoint_with_its_auth(azure, fake_pulumi, capsys, auth_mode, scopes):
    fake_pulumi({"dev": stack_with(azure.url, auth_mode)})
    access = Access(auth_mode={"AADToken": "aad_token", "AMLToken": "aml_token", "Key": "key"}[auth_mode])
    code, out, err = run(capsys, "invoke", IRIS_REQUEST, "--stack", "dev", "--endpoint", "iris",
                         "--deployment", "blue", "--output", "json", sign_in=access)
    [(path, headers, body)] = azure.received
    assert (code, out, err) == (0, '["setosa", "versicolor", "virginica"]\n', "")
    assert path == "/score"
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert headers["Azureml-Model-Deployment"] == "iris-blue"
    assert json.loads(body) == json.loads(IRIS_REQUEST.read_text())
    assert access.credential.scopes == scopes
    assert access.endpoints.calls == ([] if auth_mode == "AADToken" else [("get_keys", ("iris-ep",), {})])
    access.calls_match_the_real_signatures()


def test_invoke_an_endpoint_of_a_config_json_workspace(azure, workspace_config, capsys):
    access = Access(azure.url, "aml_token")
    code, out, err = run(capsys, "invoke", IRIS_REQUEST, "--workspace-config", workspace_config,
                         "--endpoint", "iris-ep", sign_in=access)
    [(_, headers, _)] = azure.received
    assert (code, err) == (0, "")
    assert json.loads(out) == SPECIES
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert "Azureml-Model-Deployment" not in headers
    assert [call[0] for call in access.endpoints.calls] == ["get", "get_keys"]
    assert access.workspaces[0].name == "mlw-x"
    access.calls_match_the_real_signatures()


@pytest.mark.parametrize("argv, message", [
    (["--endpoint", "nope"], "error: unknown endpoint 'nope': stack 'dev' exports endpoints: iris"),
    (["--endpoint", "iris", "--deployment", "red"],
     "error: unknown deployment 'red': endpoint 'iris-ep' has deployments: blue, green"),
    ([], "error: pass --url URL, or --endpoint with --stack or --workspace-config"),
])
def test_an_unknown_endpoint_or_deployment_fails_before_any_call(azure, fake_pulumi, capsys, argv, message):
    fake_pulumi({"dev": stack_with(azure.url, "Key")})
    access = Access()
    assert run(capsys, "invoke", IRIS_REQUEST, "--stack", "dev", *argv, sign_in=access) == (1, "", message + "\n")
    assert (azure.received, access.endpoints.calls, access.credential.scopes) == ([], [], [])


def test_a_request_file_that_is_not_json_fails_before_any_call(azure, tmp_path, capsys):
    request = tmp_path / "request.json"
    request.write_text('{\n  "input_data": [\n    [1, 2,]\n  ]\n}\n')
    code, out, err = run(capsys, "invoke", request, "--url", azure.url)
    assert (code, out, azure.received) == (1, "", [])
    assert err == (f"error: {request}: unreadable request file "
                   "(Expecting value: line 3 column 11 (char 30))\n")


@pytest.mark.parametrize("status, answer, reason", [
    (401, {"message": "Invalid authentication token"}, "401 Unauthorized: Invalid authentication token"),
    (424, {"message": "An error occurred in model execution\nline two"},
     "424 Failed Dependency: An error occurred in model execution"),
    (500, {"error": {"code": "Internal", "message": "upstream failed"}}, "500 Internal Server Error: upstream failed"),
    (503, b"Service Unavailable", "503 Service Unavailable: Service Unavailable"),
])
def test_an_http_error_is_one_line_with_the_services_message(azure, fake_pulumi, capsys, status, answer, reason):
    fake_pulumi({"dev": stack_with(azure.url, "AADToken")})
    azure.status, azure.answer = status, answer
    code, out, err = run(capsys, "invoke", IRIS_REQUEST, "--stack", "dev", "--endpoint", "iris", sign_in=Access())
    assert (code, out, err) == (1, "", f"error: {azure.url} answered {reason}\n")
    assert SECRET not in err


def test_a_refused_connection_and_a_timeout_are_one_line(azure, capsys):
    port = azure.server_address[1]
    azure.delay = 2.0
    code, out, err = run(capsys, "invoke", IRIS_REQUEST, "--url", azure.url, "--timeout", "0.3")
    assert (code, out, err) == (1, "", f"error: {azure.url} gave no answer within 0.3 s (--timeout)\n")
    azure.shutdown()
    azure.server_close()
    code, out, err = run(capsys, "invoke", IRIS_REQUEST, "--url", f"http://127.0.0.1:{port}/score")
    assert (code, out, err) == (1, "", f"error: http://127.0.0.1:{port}/score refused the connection: "
                                       "is the server running?\n")
