"""`python -m jobs`: upload data, submit and watch jobs, register models, against a stack's workspace;
train, serve and invoke a model offline, and promote a model version to an endpoint in a stack file.

Only argparse and the light modules load before a subcommand runs: handlers import azure-ai-ml
themselves. Every expected failure is a JobsError, reported here as one line with exit code 1.
"""

import argparse
import json
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobs.arguments import (
    options_invoke,
    options_promote,
    options_register,
    options_retire,
    options_run_local,
    options_serve_local,
    options_submit,
    options_upload,
    options_watch,
    options_workspace,
    shared_options,
)
from jobs.errors import (
    InputError,
    JobEndedError,
    JobsError,
    PromotionError,
    WaitTimeoutError,
    azure_errors,
    one_line,
)

DESCRIPTION = "The ML lifecycle against the Azure ML workspace a Pulumi stack deployed."
EPILOG = """lifecycle after `pulumi up`:
  python -m jobs workspace --stack dev --write-config
  python -m jobs upload jobs/data/iris.csv --name iris --stack dev
  python -m jobs submit jobs/specs/train.yml --stack dev --input training_data=azureml:iris@latest
  python -m jobs register JOB_NAME --name iris-classifier --stack dev --require 'accuracy>=0.9'
  python -m jobs invoke jobs/requests/iris.json --stack dev --endpoint iris
offline: python -m jobs run-local jobs/specs/train.yml --require 'accuracy>=0.9' --output-dir outputs/iris --python .venv/bin/python
  python -m jobs serve-local outputs/iris/model
  python -m jobs invoke jobs/requests/iris.json --url http://127.0.0.1:5001/score
blue/green rollout, each step a stack-file edit followed by a pull request and `pulumi up --stack dev`:
  python -m jobs promote iris-classifier:2 --stack dev --endpoint iris --deployment green --new
  python -m jobs promote iris-classifier:2 --stack dev --endpoint iris --deployment green --mirror 20
  python -m jobs promote iris-classifier:2 --stack dev --endpoint iris --deployment green --traffic 10
  python -m jobs promote iris-classifier:2 --stack dev --endpoint iris --deployment green --traffic 100
  python -m jobs retire --stack dev --endpoint iris --deployment blue
(quote --require expressions: the shell reads > as a redirection)"""
HEARTBEAT_SECONDS = 60.0
LOG_DRAIN_SECONDS = 15.0
_PROGRESS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Services:
    """What handlers sign in with: `connect(workspace) -> Lifecycle`, `sign_in(workspace) -> EndpointAccess`."""

    connect: Callable
    sign_in: Callable


def main(argv: list[str] | None = None, *, connect: Callable | None = None, sign_in: Callable | None = None) -> int:
    """Run one command; `connect` and `sign_in` (see Services) are replaceable for tests."""
    args = build_parser().parse_args(argv)
    try:
        with azure_errors():
            result = args.handler(args, Services(connect or _connect, sign_in or _sign_in))
    except JobsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if getattr(args, "output", "text") == "json":  # stdout stays one JSON document
            emit({**(exc.result or {}), "error": str(exc)}, "json")
        elif exc.result is not None:
            emit(exc.result, "text")
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    emit(result, args.output)
    return 0


# -- commands ----------------------------------------------------------------------------------


def cmd_workspace(args, services) -> dict[str, Any]:
    """Show the workspace a stack (or config.json) resolves to; optionally write .azureml/config.json.

    Reads the stack's outputs with `pulumi stack output --json`: subscriptionId, resourceGroupName and
    workspaceName are required; computes, datastores and endpoints are listed when the stack exports them.
    """
    from jobs.workspace import write_config

    workspace = _workspace(args)
    summary = workspace.summary()
    if args.write_config:
        written = write_config(workspace, args.write_config, force=args.force)
        summary["config_written" if written else "config_unchanged"] = str(args.write_config)
    return summary


def cmd_upload(args, services) -> dict[str, Any]:
    """Register a local file or folder as a new version of a data asset (never overwrites a version)."""
    from jobs import uploads

    uploads.check_asset_name(args.name)
    if args.version is not None:
        uploads.check_asset_name(args.version, "data asset version")
    if not args.path.exists():
        raise InputError(f"no such file or folder: {args.path}")
    workspace = _workspace(args)  # every local check above comes before any sign-in
    files, size = uploads.count(args.path.resolve(), code=False)
    progress(f"will upload {uploads.Upload(args.path.resolve(), (f'data asset {args.name}',), files, size)}")
    asset = services.connect(workspace).upload_data(
        args.name, args.path, version=args.version, description=args.description, tags=args.tags
    )
    return {"name": asset.name, "version": asset.version, "type": asset.type, "path": asset.path,
            "reference": f"azureml:{asset.name}:{asset.version}"}


def cmd_submit(args, services) -> dict[str, Any]:
    """Submit a job spec (Azure ML CLI v2 YAML) with overrides, then stream its logs and wait for it.

    Compute defaults to serverless; --compute names a cluster the stack exports and replaces a
    pipeline's default compute and that of every step naming its own. --input also sets top-level
    data (an AutoML job's training_data), typed as the spec declares the input. Local code and data
    must lie in the spec's repository (git work tree, else its folder) unless --allow-outside; what
    will be uploaded is shown first. Every local check runs before signing in. Exits 1 when the job
    ends Failed or Canceled, or is still running at --timeout.
    """
    from jobs import specs, uploads

    for name, value in args.inputs.items():
        uploads.check_reference(name, value)
    workspace = _workspace(args)
    tags = {"stack": workspace.stack, **args.tags} if workspace.stack else args.tags
    overrides = specs.Overrides(compute=args.compute, experiment=args.experiment, inputs=args.inputs, tags=tags)
    job = specs.load(args.spec, overrides, workspace, note=progress)
    planned = uploads.plan(job, args.spec, args.allow_outside)
    for upload in planned:
        progress(f"will upload {upload}")
    described = specs.describe(job)  # before submission: the SDK rewrites compute and inputs as ARM ids
    lifecycle = services.connect(workspace)
    submitted = lifecycle.submit(job)
    link = f": {submitted.studio_url}" if submitted.studio_url else ""
    progress(f"submitted {submitted.name} to experiment {submitted.experiment_name}{link}")

    def summary(status: str) -> dict[str, Any]:
        return {"name": submitted.name, "status": status, "experiment": submitted.experiment_name, **described,
                "uploads": {str(upload.path): upload.contents for upload in planned},
                "studio_url": submitted.studio_url}

    if args.no_wait:
        return summary(_status(submitted))
    try:
        return summary(_status(watch(lifecycle, submitted.name, args)))
    except (JobEndedError, WaitTimeoutError) as exc:
        exc.result = summary(_last_status(lifecycle, submitted.name))
        raise


def cmd_watch(args, services) -> dict[str, Any]:
    """Stream a submitted job's logs and wait for it to finish (exit 1 unless it completes)."""
    return job_summary(watch(services.connect(_workspace(args)), args.job, args))


def cmd_register(args, services) -> dict[str, Any]:
    """Register a model from a Completed job, with lineage, behind a metric gate.

    The source: a named output (default: `model`, or the only model-typed output), a --path inside it,
    the job's default artifacts (--artifact-path, what it saved under ./outputs), a pipeline --step's
    output, or for a sweep its best trial. The type is mlflow_model when the output is so typed or holds
    an MLmodel, else custom_model (--type overrides). The gate reads the MLflow metrics of the run that
    made the model (--metrics-output NAME: a metrics.json output instead); every --require must hold.
    Registering the same source under the same model name again returns the existing version.
    """
    from jobs import registration, uploads
    from jobs.metrics import MetricGateFailed

    uploads.check_asset_name(args.name, "model")
    if args.version is not None:
        uploads.check_asset_name(args.version, "model version")
    source = registration.SourceRequest(model_output=args.model_output, path=args.path,
                                        artifact_path=args.artifact_path, step=args.step, model_type=args.type)
    registration.check(source)
    workspace = _workspace(args)  # every local check above comes before any sign-in
    try:
        registered = services.connect(workspace).register(
            args.job, args.name, source=source, metrics_output=args.metrics_output, requirements=args.require,
            version=args.version, stack=workspace.stack, description=args.description,
        )
    except MetricGateFailed as exc:
        exc.result = {"job": args.job, "registered": False, **exc.as_dict()}  # main() shows it: --output json says why
        raise
    for note in registered.notes:
        progress(note)
    model = registered.model
    return {"name": model.name, "version": model.version, "created": registered.created, "job": args.job,
            "path": model.path, "type": model.type, "source_job": registered.source.holder,
            "metrics": registered.metrics}


def cmd_run_local(args, services) -> dict[str, Any]:
    """Run a job spec on this machine as Azure ML would: a command job, or a pipeline's command steps in order.

    Each command runs with bash in a fresh copy of its code folder; what it leaves in ./outputs and
    ./logs is kept in OUTPUT_DIR/artifacts. Data inputs must be local (the spec's own, or --input
    NAME=PATH). The job gets your PATH without this tool's virtualenv (--python chooses its `python`),
    and logs to an MLflow run in OUTPUT_DIR/mlruns, whose metrics the --require gate checks.
    """
    from jobs.local import run_local
    from jobs.metrics import MetricGateFailed

    output_dir = args.output_dir or Path("outputs", "run-local", f"{args.spec.stem}-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        run = run_local(args.spec, output_dir, inputs=args.inputs, metrics_output=args.metrics_output,
                        requirements=args.require, python=args.python, announce=progress)
    except MetricGateFailed as exc:
        exc.result = {"output_dir": str(output_dir), **exc.as_dict()}  # main() shows it: --output json says why
        raise
    return {"output_dir": str(run.output_dir), "outputs": {name: str(path) for name, path in run.outputs.items()},
            "artifacts": {name: str(path) for name, path in run.artifacts.items()}, "mlflow_run": run.mlflow_run,
            "metrics": run.metrics}


def cmd_serve_local(args, services) -> dict[str, Any]:
    """Serve an MLflow model folder as an Azure ML no-code deployment answers: GET / and POST /score.

    Same request (`input_data` in split orientation, a list or named tensors, as the model's signature
    allows; optional `params`) and response (predictions as JSON) as the online endpoint, same 4xx
    messages. No authentication: it listens on loopback unless --allow-remote. Ctrl-C stops it.
    """
    from jobs.serving import serve

    server = serve(args.model_dir, args.host, args.port, allow_remote=args.allow_remote)
    progress(f"serving {args.model_dir} at {server.url} (Ctrl-C stops it)")
    progress(f"invoke it (the iris sample request): python -m jobs invoke jobs/requests/iris.json --url {server.url}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return {"model_dir": str(args.model_dir), "url": server.url}


def cmd_invoke(args, services) -> str:
    """Send a request JSON file to a local server (--url) or a deployed online endpoint; print the answer.

    --stack reads the endpoint's scoring URI and auth mode from the stack's `endpoints` output
    (--workspace-config looks the endpoint up in the workspace). The call is authorised as the endpoint
    asks (Entra token, Azure ML token or key); --deployment targets one deployment past the traffic split.
    """
    from jobs.endpoints import DEPLOYMENT_HEADER, endpoint_call, post
    from jobs.files import read_json

    if bool(args.url) == bool(args.endpoint) or args.url and (args.stack or args.workspace_config):
        raise InputError("pass --url URL, or --endpoint with --stack or --workspace-config")
    document = read_json(args.request, InputError, "request file")  # a bad file fails before any call
    if args.url:
        url, headers = args.url, {DEPLOYMENT_HEADER: args.deployment} if args.deployment else {}
    else:
        url, headers = endpoint_call(_workspace(args), args.endpoint, services.sign_in, deployment=args.deployment)
    body = post(url, document, timeout=args.timeout, headers=headers)
    if args.output == "json":
        return body
    try:
        return json.dumps(json.loads(body), indent=2)
    except ValueError:
        return body


def cmd_promote(args, services):
    """Pin a model version on an endpoint's deployment in a stack file, and shift its live or mirrored traffic.

    Edits endpoints.KEY of stacks/Pulumi.STACK.yaml, keeping comments and layout, and writes it only
    if the whole config stays valid. The model must be registered in the stack's workspace (checked
    before writing, unless --no-verify). Nothing is deployed: review the diff, open a pull request,
    then `pulumi up`.
    """
    from jobs.promote import ModelVersion

    model = ModelVersion.parse(args.model)
    stack_file = _stack_file(args)
    change = stack_file.promote(args.endpoint, model.reference, deployment=args.deployment, new=args.new,
                                traffic=args.traffic, mirror=args.mirror, note=progress)
    stack_file.validate()
    _verify_model(model, args, services.connect)
    stack_file.save()
    return change


def cmd_retire(args, services):
    """Remove a deployment that takes no traffic from an endpoint in a stack file.

    Its live and mirrored traffic must be 0 (move them first with `promote --traffic` / `--mirror 0`).
    Written only if the whole config stays valid; `pulumi up` then deletes the deployment.
    """
    stack_file = _stack_file(args)
    change = stack_file.retire(args.endpoint, args.deployment)
    stack_file.validate()
    stack_file.save()
    return change


# -- shared steps ------------------------------------------------------------------------------


def _connect(workspace):
    from jobs.client import connect

    return connect(workspace)


def _sign_in(workspace):
    from jobs.client import sign_in

    return sign_in(workspace)


def _workspace(args):
    from jobs.workspace import resolve

    return resolve(args.stack, args.workspace_config)


def _status(job) -> str:
    from jobs.lifecycle import status_of

    return status_of(job)


def _last_status(lifecycle, job_name: str) -> str:
    try:
        return _status(lifecycle.jobs.get(job_name))
    except Exception:  # the failure being reported matters more than this detail
        return "unknown"


def _stack_file(args):
    from jobs.promote import StackFile, default_stacks_dir

    return StackFile(args.stacks_dir or default_stacks_dir(), args.stack)


def _verify_model(model, args, connect) -> None:
    """A deployment of a model version that does not exist would fail only at `pulumi up`."""
    if args.no_verify:
        progress(f"{model.reference}: not checked against the workspace (--no-verify)")
        return
    if model.name is None:
        progress(f"{model.reference}: a registry model, not checked (only workspace models are)")
        return
    from jobs.workspace import from_stack

    workspace = from_stack(args.stack)
    if not connect(workspace).has_model(model.name, model.version):
        raise PromotionError(
            f"model {model.reference} is not registered in workspace {workspace.name}: register it first "
            f"(python -m jobs register JOB --name {model.name} --stack {args.stack})"
        )
    progress(f"{model.reference}: registered in workspace {workspace.name}")


def watch(lifecycle, job_name: str, args):
    """Wait for the job while its logs stream; once it has ended, give the last log lines time to arrive."""
    logs = None
    if args.logs and args.output == "text":
        logs = lifecycle.follow_logs(job_name, on_error=lambda exc: progress(
            f"log streaming paused: {type(exc).__name__}: {one_line(exc)}; status polling continues"))
    try:
        return lifecycle.wait(job_name, timeout=args.timeout, poll_interval=args.poll_interval,
                              on_status=StatusPrinter(job_name), on_note=progress)
    except WaitTimeoutError:
        logs = None  # the job still runs: its stream would not end
        raise
    finally:
        if logs:
            logs.join(timeout=LOG_DRAIN_SECONDS)


def job_summary(job) -> dict[str, Any]:
    from jobs.lifecycle import status_of
    from jobs.specs import compute_of

    return {"name": job.name, "status": status_of(job), "experiment": job.experiment_name, **compute_of(job),
            "studio_url": job.studio_url}


class StatusPrinter:
    """Progress for long waits: a line per status change, and a heartbeat while a status lasts."""

    def __init__(self, job_name: str, heartbeat: float = HEARTBEAT_SECONDS):
        self.job_name, self.heartbeat = job_name, heartbeat
        self.last_status, self.last_printed = None, 0.0

    def __call__(self, status: str, elapsed: float) -> None:
        if status == self.last_status and elapsed - self.last_printed < self.heartbeat:
            return
        minutes, seconds = divmod(int(elapsed), 60)
        progress(f"[{minutes // 60:d}:{minutes % 60:02d}:{seconds:02d}] {self.job_name} {status}")
        self.last_status, self.last_printed = status, elapsed


def progress(message: str) -> None:
    """Progress goes to stderr so that stdout carries only the result (and stays valid JSON).

    One write per line under a lock: the log-streaming thread and the status poll report at once."""
    with _PROGRESS_LOCK:
        sys.stderr.write(f"{message}\n")
        sys.stderr.flush()


def emit(result, output: str) -> None:
    """A dict; a document the handler has already formatted (str); or a result with as_dict() for
    JSON and a text form of its own (str())."""
    if isinstance(result, str):
        print(result)
        return
    data = result if isinstance(result, dict) else result.as_dict()
    if output == "json":
        print(json.dumps(data, indent=2, default=str))
        return
    if data is not result:
        print(result)
        return
    for key, value in data.items():
        if isinstance(value, dict) and value:
            print(f"{key}:")
            for inner_key, inner_value in value.items():
                print(f"  {inner_key:<22} {inner_value}")
        else:
            print(f"{key:<24} {'-' if value in (None, {}) else value}")


COMMANDS = {
    "workspace": (cmd_workspace, ("workspace", "output"), options_workspace),
    "upload": (cmd_upload, ("workspace", "output"), options_upload),
    "submit": (cmd_submit, ("inputs", "wait", "workspace", "output"), options_submit),
    "watch": (cmd_watch, ("wait", "workspace", "output"), options_watch),
    "register": (cmd_register, ("gate", "workspace", "output"), options_register),
    "run-local": (cmd_run_local, ("inputs", "gate", "output"), options_run_local),
    "serve-local": (cmd_serve_local, (), options_serve_local),
    "invoke": (cmd_invoke, ("workspace", "output"), options_invoke),
    "promote": (cmd_promote, ("stack-file", "output"), options_promote),
    "retire": (cmd_retire, ("stack-file", "output"), options_retire),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    shared = shared_options()
    for name, (handler, groups, add_options) in COMMANDS.items():
        summary, _, details = handler.__doc__.partition("\n")
        command = commands.add_parser(name, help=summary, description=f"{summary}\n{textwrap.dedent(details)}",
                                      parents=[shared[group] for group in groups],
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
        add_options(command)
        command.set_defaults(handler=handler)
    return parser
