"""The command line's options: value types (durations, percentages, metric requirements, KEY=VALUE)
and each command's arguments, with the option groups the commands share."""

import argparse
from collections.abc import Callable
from pathlib import Path

from jobs.metrics import Requirement


def duration(text: str) -> float:
    """Seconds from `90`, `90s`, `15m` or `2h`."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad duration {text!r}: use seconds or a number with s, m or h") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"bad duration {text!r}: must be positive")
    return seconds


def percent(maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or int(text) > maximum:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole percentage from 0 to {maximum}")
        return int(text)

    return parse


def requirement(text: str) -> Requirement:
    try:
        return Requirement.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class KeyValues(argparse.Action):
    """Repeated KEY=VALUE options gathered into one dict."""

    def __call__(self, parser, namespace, value, option_string=None):
        key, separator, item = value.partition("=")
        if not separator or not key:
            parser.error(f"{option_string} expects KEY=VALUE, got {value!r}")
        setattr(namespace, self.dest, {**getattr(namespace, self.dest), key: item})


def shared_options() -> dict[str, argparse.ArgumentParser]:
    workspace = argparse.ArgumentParser(add_help=False)
    source = workspace.add_argument_group("workspace").add_mutually_exclusive_group()
    source.add_argument("--stack", metavar="NAME",
                        help="Pulumi stack whose outputs name the workspace (runs `pulumi stack output --json`)")
    source.add_argument("--workspace-config", type=Path, metavar="PATH",
                        help="Azure ML config.json (subscription_id, resource_group, workspace_name); "
                             "default: ./.azureml/config.json when neither option is given")

    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--output", choices=("text", "json"), default="text", help="result format (default: text)")

    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument("--input", dest="inputs", action=KeyValues, default={}, metavar="NAME=VALUE",
                        help="override a spec input: a literal, a local path, or azureml:ASSET:VERSION / "
                             "azureml:ASSET@latest for data (repeatable)")

    gate = argparse.ArgumentParser(add_help=False)
    gate.add_argument("--require", action="append", type=requirement, default=[], metavar="EXPR",
                      help="metric gate such as 'accuracy>=0.85' (>= <= > < ==; quote it; repeatable, all must hold)")
    gate.add_argument("--metrics-output", metavar="NAME",
                      help="check --require against the metrics.json in this output instead of the run's "
                           "MLflow metrics (run-local default: metrics)")

    wait = argparse.ArgumentParser(add_help=False)
    wait.add_argument("--timeout", type=duration, default=duration("2h"), metavar="DURATION",
                      help="give up waiting after this long, e.g. 900, 30m, 2h (default: 2h)")
    wait.add_argument("--poll-interval", type=duration, default=duration("15s"), metavar="DURATION",
                      help="how often to check the job status (default: 15s)")
    wait.add_argument("--no-logs", dest="logs", action="store_false",
                      help="do not stream the job's logs (never streamed with --output json)")

    stack_file = argparse.ArgumentParser(add_help=False)
    edited = stack_file.add_argument_group("stack file")
    edited.add_argument("--stack", required=True, metavar="NAME",
                        help="stack whose file Pulumi.NAME.yaml is edited (and whose workspace holds the model)")
    edited.add_argument("--endpoint", required=True, metavar="KEY", help="endpoint key in the stack's endpoints config")
    edited.add_argument("--stacks-dir", type=Path, metavar="DIR",
                        help="folder of the stack files (default: the stackConfigDir of the Pulumi.yaml found "
                             "from here upward, else of this project)")
    return {"workspace": workspace, "output": output, "inputs": inputs, "gate": gate, "wait": wait,
            "stack-file": stack_file}


def options_workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write-config", nargs="?", type=Path, const=Path(".azureml/config.json"), metavar="PATH",
                        help="write an Azure ML config.json (default path: .azureml/config.json); an existing "
                             "file with other content is kept unless --force")
    parser.add_argument("--force", action="store_true",
                        help="with --write-config, replace a config.json that names another workspace")


def options_upload(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="local file (uri_file) or folder (uri_folder) to upload")
    parser.add_argument("--name", required=True, help="data asset name")
    parser.add_argument("--version", help="explicit version; refused if it exists (default: next free version)")
    parser.add_argument("--description", help="data asset description")
    parser.add_argument("--tag", dest="tags", action=KeyValues, default={}, metavar="KEY=VALUE",
                        help="data asset tag (repeatable)")


def options_submit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="job spec YAML, e.g. jobs/specs/train.yml")
    parser.add_argument("--compute", metavar="NAME",
                        help="cluster from the stack's computes (key or Azure name); default: serverless")
    parser.add_argument("--experiment", metavar="NAME", help="experiment name (default: the spec's experiment_name)")
    parser.add_argument("--tag", dest="tags", action=KeyValues, default={}, metavar="KEY=VALUE",
                        help="job tag (repeatable; `stack` is added when --stack is used)")
    parser.add_argument("--no-wait", action="store_true", help="return once submitted (see `watch`)")
    parser.add_argument("--allow-outside", action="append", type=Path, default=[], metavar="PATH",
                        help="allow uploading code or data under PATH although it lies outside the spec's "
                             "repository (repeatable)")


def options_watch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", help="job name, as printed by `submit`")


def options_register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", help="name of a Completed job")
    parser.add_argument("--name", required=True, help="model name")
    parser.add_argument("--model-output", metavar="NAME",
                        help="job output holding the model (default: `model`, or the only model-typed output)")
    parser.add_argument("--path", metavar="SUBPATH",
                        help="folder or file inside --model-output holding the model (a last part with a dot "
                             "is a file unless it ends with /)")
    parser.add_argument("--artifact-path", metavar="PATH",
                        help="register from the job's default artifacts instead, e.g. outputs/model "
                             "(what the job saved under ./outputs; end with / for a folder whose name has a dot)")
    parser.add_argument("--step", metavar="NAME", help="pipeline step whose output holds the model")
    parser.add_argument("--type", choices=("mlflow_model", "custom_model"),
                        help="model type (default: mlflow_model if the output is typed so or holds an MLmodel)")
    parser.add_argument("--version", help="explicit model version; refused if it exists (default: next free)")
    parser.add_argument("--description", help="model description")


def options_run_local(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="job spec YAML, e.g. jobs/specs/train.yml")
    parser.add_argument("--output-dir", type=Path, metavar="DIR",
                        help="where outputs go, one folder per output (default: outputs/run-local/SPEC-TIMESTAMP)")
    parser.add_argument("--python", type=Path, metavar="PATH",
                        help="interpreter the job's `python` runs (default: the one on your PATH; never this "
                             "tool's virtualenv unless named here)")


def options_serve_local(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model_dir", type=Path, metavar="MODEL_DIR",
                        help="MLflow model folder (holds MLmodel), e.g. the model output of run-local")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5001, help="port to listen on; 0 picks a free one (default: 5001)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a --host other machines reach: anyone who can connect may call the model")


def options_invoke(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("request", type=Path, metavar="REQUEST_FILE", help="request JSON, e.g. jobs/requests/iris.json")
    parser.add_argument("--url", help="scoring URL of a local server, e.g. http://127.0.0.1:5001/score")
    parser.add_argument("--endpoint", metavar="KEY",
                        help="online endpoint: a key of the stack's endpoints (or its Azure name)")
    parser.add_argument("--deployment", metavar="NAME",
                        help="send the request to this deployment only (azureml-model-deployment header)")
    parser.add_argument("--timeout", type=duration, default=duration("60s"), metavar="DURATION",
                        help="give up waiting for the answer after this long (default: 60s)")


def options_promote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL:VERSION",
                        help="NAME:VERSION (or azureml:NAME:VERSION) in the stack's workspace, or "
                             "azureml://registries/REGISTRY/models/NAME/versions/VERSION")
    parser.add_argument("--deployment", metavar="NAME",
                        help="deployment to promote to (default: the endpoint's only one, or of two the one "
                             "without live traffic)")
    parser.add_argument("--new", action="store_true",
                        help="create --deployment with the settings of the deployment taking the most traffic, "
                             "at 0 %% traffic")
    parser.add_argument("--traffic", type=percent(100), metavar="PERCENT",
                        help="give the deployment this share of live traffic; the rest goes to the one other deployment")
    parser.add_argument("--mirror", type=percent(50), metavar="PERCENT",
                        help="mirror this share of live traffic to the deployment, which must take none (0 ends mirroring)")
    parser.add_argument("--no-verify", action="store_true",
                        help="do not check that the model version is registered in the stack's workspace")


def options_retire(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deployment", required=True, metavar="NAME", help="deployment to remove")


# name -> (handler, shared option groups, own options); the handler's docstring is its help.
