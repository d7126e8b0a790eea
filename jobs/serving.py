"""`serve-local`: an MLflow model folder behind the HTTP contract of an Azure ML no-code deployment.

Azure ML serves an MLflow model without a scoring script through azureml-inference-server-http and its
MLflow score script; this module answers as that pair does:
- `GET /` answers 200 `Healthy` (the liveness and readiness probe);
- `POST /score` takes `{"input_data": ..., "params": {...}}` (params optional, other keys ignored) and answers
  the predictions as JSON: a list, or records for a DataFrame; `GET /score?input_data=...` works too;
- what `input_data` may be depends on the model, as the score script's input schema decides: a model with
  a column signature takes a DataFrame in split orientation (`{"columns", "index", "data"}`) and nothing
  else; a tensor signature takes a list (one tensor) or a dict of lists (named tensors); a model with
  neither signature nor input example takes any of the three forms;
- request errors are `{"message": ...}` with the server's status codes and messages (400, 405, 415, 404).
One deliberate difference: an `input_data` the model cannot take is 400 with the reason here, where Azure
answers 500 "An unexpected error occurred in scoring script" and keeps the reason in the deployment's logs.
"""

import ipaddress
import json
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
from mlflow.pyfunc.scoring_server import _get_jsonable_obj  # what Azure's score script serialises with

from jobs.errors import InputError, ServingError, one_line

SCORE_PATH = "/score"
HEALTHY = "Healthy"
# Flavors the score script parses another way (strings and chat payloads): not mirrored here.
LLM_FLAVORS = ("transformers", "hftransformersv2", "langchain", "openai")
SPLIT_KEYS = ("columns", "index", "data")
INTERNAL_ERROR = "An unexpected internal error occurred. Check the logs for more info."


class BadRequest(Exception):
    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status


class MlflowScorer:
    """The score script's run(): input_data converted as the model's signature (or input example) decides."""

    def __init__(self, model):
        self.model = model
        metadata = model.metadata
        schema = metadata.get_input_schema()
        example = (metadata.saved_input_example_info or {}).get("type")
        tensor = schema.is_tensor_spec() if schema else None
        self.form = {"dataframe": "dataframe", "ndarray": "tensor"}.get(example) or (
            None if schema is None else "tensor" if tensor else "dataframe")
        if schema is None:
            self.types = {}
        elif tensor:
            self.types = {spec.name: spec.type for spec in schema.inputs}
        else:
            self.types = dict(zip(schema.input_names(), schema.pandas_types()))

    def score(self, input_data: Any, params: dict | None = None) -> Any:
        try:
            model_input = self.model_input(input_data)
            return _get_jsonable_obj(self.model.predict(model_input, params=params), pandas_orient="records")
        except Exception as exc:
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"input_data does not fit the model: {one_line(exc)}") from exc

    def model_input(self, input_data: Any):
        if self.form == "dataframe":
            if not isinstance(input_data, dict):
                raise ValueError("the model has a column signature: send a DataFrame in split orientation, "
                                 '{"columns": [...], "index": [...], "data": [[...]]}')
            frame = _split_frame(input_data)
            return frame.astype({column: self.types.get(column, object) for column in frame.columns})
        if self.form == "tensor":
            if isinstance(input_data, dict):
                return {name: np.asarray(value, dtype=self.types.get(name)) for name, value in input_data.items()}
            if not isinstance(input_data, list):
                raise ValueError("the model has a tensor signature: send a list, or a dict of named lists")
            return np.asarray(input_data, dtype=self.types.get(None))
        return _free_form(input_data)


def _split_frame(input_data: dict) -> pd.DataFrame:
    return pd.read_json(StringIO(json.dumps(input_data)), orient="split", dtype=False)


def _free_form(input_data: Any):
    """A model with no signature: a list is one tensor, a split dict a DataFrame, another dict named tensors."""
    if isinstance(input_data, str):
        input_data = json.loads(input_data)
    if "input_data" in input_data:
        input_data = input_data["input_data"]
    if isinstance(input_data, list):
        return np.asarray(input_data)
    if isinstance(input_data, dict) and all(key in input_data for key in SPLIT_KEYS):
        return _split_frame(input_data)
    return {name: np.asarray(value) for name, value in input_data.items()}


class ScoringHandler(BaseHTTPRequestHandler):
    server: "ScoringServer"

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/":
            self._send(HTTPStatus.OK, HEALTHY.encode(), "text/html; charset=utf-8")
        else:
            self._score(path, lambda: _query_arguments(query))

    def do_POST(self):
        self._score(urlsplit(self.path).path, self._body_arguments)

    def do_OPTIONS(self):
        if urlsplit(self.path).path == SCORE_PATH:
            self._send(HTTPStatus.OK, b"", "text/html; charset=utf-8")
        else:
            self._not_allowed()

    do_HEAD = do_GET
    do_PUT = do_PATCH = do_DELETE = lambda self: self._not_allowed()

    def _score(self, path: str, arguments):
        if path != SCORE_PATH:
            self._not_allowed()
            return
        try:
            body = arguments()
            if "input_data" not in body:
                raise BadRequest(HTTPStatus.BAD_REQUEST, "A value is not provided for the 'input_data' parameter.")
            predictions = self.server.scorer.score(body["input_data"], body.get("params"))
        except BadRequest as exc:
            self._message(exc.status, str(exc))
            return
        try:
            self._send(HTTPStatus.OK, json.dumps(predictions).encode(), "application/json")
        except TypeError:
            traceback.print_exc()
            self._message(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR)

    def _body_arguments(self) -> dict:
        mimetype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not (mimetype == "application/json" or mimetype.startswith("application/") and mimetype.endswith("+json")):
            raise BadRequest(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Expects Content-Type to be application/json")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not body:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "POST body is empty. Expecting a JSON dictionary.")
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"POST body could not be decoded as JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise BadRequest(HTTPStatus.BAD_REQUEST, "POST body should be a JSON dictionary.")
        return parsed

    def _not_allowed(self):
        if urlsplit(self.path).path in ("/", SCORE_PATH):
            self._message(HTTPStatus.METHOD_NOT_ALLOWED, "The method is not allowed for the requested URL.")
        else:
            self._message(HTTPStatus.NOT_FOUND, "The requested URL was not found on the server. If you entered "
                                                "the URL manually please check your spelling and try again.")

    def _message(self, status: HTTPStatus, message: str):
        self._send(status, json.dumps({"message": message}).encode(), "application/json")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _query_arguments(query: str) -> dict:
    """GET /score: each query value read as JSON when it parses, a repeated name as a list."""

    def value(text: str):
        try:
            return json.loads(text)
        except ValueError:
            return text

    return {name: value(values[0]) if len(values) == 1 else [value(item) for item in values]
            for name, values in parse_qs(query, keep_blank_values=True).items()}


class ScoringServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], scorer: MlflowScorer):
        self.scorer = scorer
        super().__init__(address, ScoringHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{SCORE_PATH}"


def load_model(model_dir: Path):
    import mlflow.pyfunc

    if not model_dir.is_dir():
        raise InputError(f"{model_dir}: no such model folder")
    if not (model_dir / "MLmodel").is_file():
        raise InputError(f"{model_dir}: not an MLflow model (no MLmodel file)")
    try:
        model = mlflow.pyfunc.load_model(str(model_dir))
    except Exception as exc:
        raise InputError(f"{model_dir}: the MLflow model does not load ({one_line(exc)})") from None
    llm_flavors = sorted(set(LLM_FLAVORS) & set(model.metadata.flavors))
    if llm_flavors:
        raise InputError(f"{model_dir}: serve-local mirrors classic models only, not the {llm_flavors[0]} flavor")
    return model


def serve(model_dir: Path, host: str = "127.0.0.1", port: int = 5001, *, allow_remote: bool = False) -> ScoringServer:
    """A bound server, not yet serving: call serve_forever() (and server_close() after)."""
    if not (allow_remote or is_loopback(host)):
        raise ServingError(f"--host {host} would let anyone who reaches this machine call the model: the server "
                           "has no authentication. Pass --allow-remote to do it anyway")
    scorer = MlflowScorer(load_model(Path(model_dir)))
    try:
        return ScoringServer((host, port), scorer)
    except OSError as exc:
        raise ServingError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
