"""The command line: help, the error boundary, and the lifecycle after `pulumi up` against fakes."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from azure.identity import CredentialUnavailableError
from jobs_fakes import DEV_OUTPUTS, TRAIN_SPEC

from jobs import client
from jobs.cli import COMMANDS, build_parser, main

pytest_plugins = ["jobs_fixtures"]

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv, connect=None):
    code = main([str(arg) for arg in argv], connect=connect)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert all(f"\n    {name}" in out for name in COMMANDS)


def test_every_command_and_option_has_help():
    subparsers = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    assert set(subparsers.choices) == set(COMMANDS)
    for name, parser in subparsers.choices.items():
        assert parser.description.strip(), name
        undocumented = [action.dest for action in parser._actions if not action.help]
        assert undocumented == [], name


def test_the_help_path_loads_no_heavy_module():
    probe = ("import sys; from jobs.cli import build_parser; build_parser().format_help(); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'azure', 'mlflow', 'sklearn', 'pandas', 'yaml'}))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


@pytest.mark.parametrize("argv, message", [
    (["run-local", "missing.yml"], "error: missing.yml: no such job spec"),
    (["submit", TRAIN_SPEC, "--stack", "dev", "--compute", "gpu"],
     "error: unknown compute 'gpu': stack 'dev' exports computes: cpu"),
    (["submit", TRAIN_SPEC, "--stack", "dev", "--input", "epochs=3"],
     f"error: {TRAIN_SPEC}: no input 'epochs' "
     "(inputs: training_data, target_column, C, max_iter, test_size, random_state)"),
    (["workspace", "--stack", "broken"],
     "error: stack 'broken' has no output 'workspaceName' (outputs: resourceGroupName, subscriptionId)"),
    (["upload", "absent.csv", "--name", "iris", "--stack", "dev"], "error: no such file or folder: absent.csv"),
])
def test_bad_input_is_one_line_and_exit_1(capsys, fake_pulumi, ops, argv, message):
    fake_pulumi({"dev": DEV_OUTPUTS, "broken": {"subscriptionId": "s", "resourceGroupName": "rg"}})
    code, out, err = run(capsys, *argv, connect=ops.connect)
    assert (code, out, err) == (1, "", message + "\n")


@pytest.mark.parametrize("argv, message", [
    (["register", "job-1", "--name", "m", "--require", "accuracy>>0.8"], "bad requirement 'accuracy>>0.8'"),
    (["register", "job-1", "--name", "m", "--require", "accuracy>=high"], "'high' is not a number"),
    (["submit", TRAIN_SPEC, "--input", "C"], "--input expects KEY=VALUE, got 'C'"),
    (["watch", "job-1", "--timeout", "0"], "bad duration '0': must be positive"),
    (["watch", "job-1", "--stack", "dev", "--workspace-config", "c.json"], "not allowed with argument --stack"),
])
def test_usage_errors_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exited:
        main([str(arg) for arg in argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def _upload_signing_in_with(capsys, tmp_path, workspace_config, credential):
    (tmp_path / "iris.csv").write_text("a\n1\n")
    return run(capsys, "upload", tmp_path / "iris.csv", "--name", "iris", "--workspace-config", workspace_config,
               connect=lambda workspace: client.connect(workspace, credential=credential))


@pytest.fixture
def no_azure_environment(monkeypatch, tmp_path):
    """No credential in the environment, and an `az` that is not logged in."""
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                 "AZURE_USERNAME", "AZURE_AUTHORITY_HOST", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    az = tmp_path / "az-bin" / "az"
    az.parent.mkdir()
    az.write_text("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n")
    az.chmod(0o755)
    monkeypatch.setenv("PATH", f"{az.parent}:/usr/bin:/bin")


def test_no_credential_is_one_line_without_sdk_noise(workspace_config, tmp_path, no_azure_environment):
    """In a process of its own: pytest's log capture would hide what the SDK writes to a real stderr."""
    (tmp_path / "iris.csv").write_text("a\n1\n")
    script = f"""
import sys
from azure.identity import AzureCliCredential, ChainedTokenCredential, EnvironmentCredential
from jobs import client
from jobs.cli import main
chain = ChainedTokenCredential(EnvironmentCredential(), AzureCliCredential())  # logs a warning per attempt
sys.exit(main(["upload", {str(tmp_path / "iris.csv")!r}, "--name", "iris", "--workspace-config",
               {str(workspace_config)!r}], connect=lambda workspace: client.connect(workspace, credential=chain)))
"""
    ran = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr.splitlines()[1:] == [
        "error: no Azure credential found (tried EnvironmentCredential, AzureCliCredential): run `az login`, "
        "or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"]


def test_an_unreachable_sign_in_host_is_a_connection_error_not_az_login(capsys, workspace_config, tmp_path,
                                                                        no_azure_environment, monkeypatch):
    from azure.identity import ChainedTokenCredential, EnvironmentCredential

    monkeypatch.setenv("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000002")
    monkeypatch.setenv("AZURE_CLIENT_ID", "app")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "secret")
    for proxy in ("HTTPS_PROXY", "https_proxy"):  # nothing listens there: every connection is refused
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    code, out, err = _upload_signing_in_with(capsys, tmp_path, workspace_config,
                                             ChainedTokenCredential(EnvironmentCredential(retry_total=0)))
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 2
    assert err.splitlines()[1].startswith(
        "error: cannot reach the sign-in host login.microsoftonline.com through proxy 127.0.0.1 (connection error)")
    assert "az login" not in err


def test_an_unreachable_workspace_host_is_named():
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import RetryPolicy
    from azure.core.rest import HttpRequest

    from jobs.errors import AzureServiceError, azure_errors

    service = PipelineClient("https://management.invalid", policies=[RetryPolicy(retry_total=0)])
    with pytest.raises(AzureServiceError) as raised, azure_errors():
        service.send_request(HttpRequest("GET", "https://management.invalid/subscriptions"))
    assert str(raised.value).startswith("cannot reach management.invalid (connection error): ")


def test_a_rejected_credential_says_why(capsys, workspace_config, tmp_path):
    from azure.core.exceptions import ClientAuthenticationError

    class Rejected:
        def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError("AADSTS7000215: Invalid client secret provided.\nTrace ID: 1")

    code, _, err = _upload_signing_in_with(capsys, tmp_path, workspace_config, Rejected())
    assert (code, err.splitlines()[1]) == (1, "error: Azure refused the credential (AADSTS7000215: Invalid client "
                                              "secret provided.)")


def test_workspace_prints_what_it_resolved_and_writes_config(capsys, fake_pulumi, tmp_path):
    fake_pulumi({"dev": DEV_OUTPUTS})
    config = tmp_path / ".azureml" / "config.json"
    code, out, _ = run(capsys, "workspace", "--stack", "dev", "--write-config", config, "--output", "json")
    printed = json.loads(out)
    assert code == 0
    assert (printed["workspace_name"], printed["computes"], printed["config_written"]) == (
        "mlw-mlplat-dev", {"cpu": "cpu-cluster"}, str(config))
    assert json.loads(config.read_text()) == {"subscription_id": DEV_OUTPUTS["subscriptionId"],
                                              "resource_group": "rg-mlplat-dev", "workspace_name": "mlw-mlplat-dev"}
    code, out, _ = run(capsys, "workspace", "--workspace-config", config)
    assert out.splitlines()[:2] == [f"source                   config {config}",
                                    f"subscription_id          {DEV_OUTPUTS['subscriptionId']}"]


def test_write_config_never_silently_points_elsewhere(capsys, fake_pulumi, tmp_path):
    fake_pulumi({"dev": DEV_OUTPUTS, "prod": {**DEV_OUTPUTS, "workspaceName": "mlw-mlplat-prod"}})
    config = tmp_path / "config.json"
    assert run(capsys, "workspace", "--stack", "dev", "--write-config", config)[0] == 0
    written = config.read_text()
    code, out, err = run(capsys, "workspace", "--stack", "dev", "--write-config", config, "--output", "json")
    assert (code, json.loads(out)["config_unchanged"], config.read_text()) == (0, str(config), written)
    code, out, err = run(capsys, "workspace", "--stack", "prod", "--write-config", config)
    assert (code, out, config.read_text()) == (1, "", written)
    assert err == (f"error: {config} exists with other content (workspace mlw-mlplat-dev in resource group "
                   "rg-mlplat-dev): pass --force to replace it\n")
    code, _, _ = run(capsys, "workspace", "--stack", "prod", "--write-config", config, "--force")
    assert (code, json.loads(config.read_text())["workspace_name"]) == (0, "mlw-mlplat-prod")
    assert [path.name for path in tmp_path.iterdir() if path.name != "bin"] == ["config.json"]


def test_upload_submit_watch_register_after_pulumi_up(capsys, fake_pulumi, ops):
    fake_pulumi({"dev": DEV_OUTPUTS})
    code, out, _ = run(capsys, "upload", REPO / "jobs/data/iris.csv", "--name", "iris", "--stack", "dev",
                       "--output", "json", connect=ops.connect)
    uploaded = json.loads(out)
    assert (code, uploaded["version"], uploaded["type"]) == (0, "1", "uri_file")
    assert uploaded["reference"] == "azureml:iris:1"

    code, out, err = run(capsys, "submit", TRAIN_SPEC, "--stack", "dev", "--compute", "cpu", "--input",
                         f"training_data={uploaded['reference']}", "--tag", "owner=team-a", connect=ops.connect)
    assert code == 0
    assert out.splitlines()[:5] == ["name                     job-1", "status                   Completed",
                                    "experiment               iris-classifier", "type                     command",
                                    "compute                  cpu-cluster"]
    assert err.splitlines()[1:] == ["submitted job-1 to experiment iris-classifier", "[0:00:00] job-1 NotStarted",
                                "[0:00:15] job-1 Queued", "[0:00:30] job-1 Running", "[0:00:45] job-1 Completed"]
    assert ops.jobs.submitted["job-1"].tags == {"stack": "dev", "owner": "team-a"}
    assert ("stream", ("job-1",), {}) in ops.jobs.calls

    register = ["register", "job-1", "--name", "iris-classifier", "--stack", "dev", "--require", "accuracy>=0.9",
                "--output", "json"]
    code, out, _ = run(capsys, *register, connect=ops.connect)
    first = json.loads(out)
    code_again, out_again, _ = run(capsys, *register, connect=ops.connect)
    assert (code, first["version"], first["created"], first["metrics"]) == (
        0, "1", True, {"accuracy": 0.95, "f1_macro": 0.94})
    assert (code_again, json.loads(out_again)["created"]) == (0, False)
    model = ops.models.versions[("iris-classifier", "1")]
    assert (model.properties["stack"], model.properties["data.training_data"]) == ("dev", "iris:1")


def test_a_gate_that_fails_exits_1_without_registering(capsys, workspace_config, ops, train_job):
    ops.jobs.add(train_job, "job-9", ["Completed"], metrics={"accuracy": 0.84})
    code, out, err = run(capsys, "register", "job-9", "--name", "iris-classifier", "--workspace-config",
                         workspace_config, "--require", "accuracy>=0.85", connect=ops.connect)
    assert (code, err) == (1, "error: metric gate failed: accuracy=0.84, required accuracy>=0.85\n")
    # What the gate saw stays on stdout, as a failed job's summary does.
    assert out.splitlines()[:4] == ["job                      job-9", "registered               False",
                                    "gate                     failed", "metrics:"]
    assert ops.models.versions == {}


def test_submit_exits_1_when_the_job_fails_and_json_mode_streams_no_logs(capsys, workspace_config, ops):
    ops.jobs.next_statuses = ["Queued", "Running", "Failed"]
    code, out, err = run(capsys, "submit", TRAIN_SPEC, "--workspace-config", workspace_config, "--output", "json",
                         connect=ops.connect)
    assert (code, json.loads(out)["status"]) == (1, "Failed")
    assert err.splitlines()[-1] == "error: job job-1 ended Failed"
    assert "stream" not in [method for method, _, _ in ops.jobs.calls]


def test_watch_times_out_with_heartbeats(capsys, workspace_config, ops, train_job):
    ops.jobs.add(train_job, "job-7", ["Queued", "Running"])
    code, _, err = run(capsys, "watch", "job-7", "--workspace-config", workspace_config, "--timeout", "5m",
                       "--poll-interval", "20s", "--no-logs", connect=ops.connect)
    assert code == 1
    assert err.splitlines() == ["[0:00:00] job-7 Queued", "[0:00:20] job-7 Running", "[0:01:20] job-7 Running",
                                "[0:02:20] job-7 Running", "[0:03:20] job-7 Running", "[0:04:20] job-7 Running",
                                "error: job job-7 still Running after 300 s"]
    assert sum(ops.clock.sleeps) == 300


def test_a_failed_log_stream_is_reported_once_while_status_polling_goes_on(capsys, workspace_config, ops, train_job):
    from azure.core.exceptions import ServiceRequestError

    ops.jobs.add(train_job, "job-l", ["Running", "Running", "Completed"])
    ops.jobs.stream_error = ServiceRequestError("Connection reset by peer")
    code, _, err = run(capsys, "watch", "job-l", "--workspace-config", workspace_config, connect=ops.connect)
    assert code == 0
    assert err.count("log streaming paused: ServiceRequestError: Connection reset by peer; status polling "
                     "continues\n") == 1
    assert err.splitlines()[-1] == "[0:00:30] job-l Completed"
    assert [method for method, _, _ in ops.jobs.calls].count("stream") == 1  # never restarted: it would repeat logs


def test_progress_lines_from_two_threads_never_run_together(capsys):
    import threading

    from jobs.cli import progress

    def report(text):
        for _ in range(200):
            progress(text)

    threads = [threading.Thread(target=report, args=(text,)) for text in ("retrying in 5s", "log streaming paused")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = capsys.readouterr().err.splitlines()
    assert sorted(set(lines)) == ["log streaming paused", "retrying in 5s"] and len(lines) == 400
