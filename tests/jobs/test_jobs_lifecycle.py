"""Submit, wait, register and upload against fakes of the MLClient operation groups."""

import pytest

from jobs.errors import (
    GateError,
    InputError,
    JobEndedError,
    RegistrationError,
    VersionConflictError,
    WaitTimeoutError,
)
from jobs.lifecycle import WAITING_STATUSES
from jobs.metrics import Requirement
from jobs.registration import SourceRequest

pytest_plugins = ["jobs_fixtures"]

NON_TERMINAL = ["NotStarted", "Queued", "Preparing", "Provisioning", "Starting", "Running", "CancelRequested",
                "Finalizing", "NotResponding"]


def wait(ops, name, seen=None, timeout=600.0, poll_interval=10.0):
    on_status = None if seen is None else (lambda status, elapsed: seen.append((status, elapsed)))
    return ops.lifecycle.wait(name, timeout=timeout, poll_interval=poll_interval, on_status=on_status)


def test_every_non_terminal_status_keeps_the_wait_going():
    assert set(NON_TERMINAL) == WAITING_STATUSES


def test_wait_walks_every_non_terminal_status_to_completed(ops, train_job):
    ops.jobs.add(train_job, "job-a", [*NON_TERMINAL, "Completed"])
    seen = []
    job = wait(ops, "job-a", seen)
    assert job.name == "job-a"
    assert [status for status, _ in seen] == [*NON_TERMINAL, "Completed"]
    assert [elapsed for _, elapsed in seen] == [10.0 * poll for poll in range(10)]
    assert ops.clock.sleeps == [10.0] * 9


@pytest.mark.parametrize("end", ["Failed", "Canceled", "Paused"])
def test_a_job_ending_otherwise_than_completed_fails_the_wait(ops, train_job, end):
    ops.jobs.add(train_job, "job-b", ["Queued", "Running", end])
    with pytest.raises(JobEndedError, match=f"job job-b ended {end}"):
        wait(ops, "job-b")
    assert ops.clock.sleeps == [10.0, 10.0]


def test_a_stuck_job_times_out_after_bounded_polls(ops, train_job):
    ops.jobs.add(train_job, "job-c", ["Running"])
    seen = []
    with pytest.raises(WaitTimeoutError, match=r"job job-c still Running after 95 s"):
        wait(ops, "job-c", seen, timeout=95.0, poll_interval=10.0)
    assert ops.clock.sleeps == [10.0] * 9 + [5.0]
    assert len(seen) == 11


def test_a_log_stream_failure_is_reported_not_raised(ops):
    from azure.ai.ml.exceptions import JobException

    ops.jobs.stream_error = JobException(message="job failed", no_personal_data_message="job failed")
    reported = []
    ops.lifecycle.follow_logs("job-d", on_error=reported.append).join(timeout=5)
    assert [str(error) for error in reported] == ["job failed"]


def test_register_records_lineage_from_the_completed_job(ops, train_job):
    ops.jobs.add(train_job, "job-e", ["Completed"], metrics={"accuracy": 0.93, "f1_macro": 0.9})
    registration = ops.lifecycle.register("job-e", "iris-classifier", requirements=[Requirement.parse("accuracy>=0.9")],
                                          stack="dev")
    model = registration.model
    assert registration.created is True
    assert (model.name, model.version, model.type) == ("iris-classifier", "1", "mlflow_model")
    assert model.path == "azureml://jobs/job-e/outputs/model/paths/"
    assert model.tags == {"job": "job-e", "experiment": "iris-classifier", "stack": "dev",
                          "git_commit": ops.jobs.git_commit}
    assert model.properties == {
        **model.tags,
        "data.training_data": "iris:3",
        "param.target_column": "species", "param.C": "1.0", "param.max_iter": "200", "param.test_size": "0.25",
        "param.random_state": "42",
        "metric.accuracy": "0.93", "metric.f1_macro": "0.9",
        "source": "azureml://jobs/job-e/outputs/model/paths/",
    }
    assert registration.metrics == {"accuracy": 0.93, "f1_macro": 0.9}
    assert ops.metrics.reads == ["job-e"]  # the run's MLflow metrics: no download
    assert "download" not in [method for method, _, _ in ops.jobs.calls]


def test_metrics_output_gates_on_the_metrics_json_instead(ops, train_job):
    ops.jobs.add(train_job, "job-e2", ["Completed"], metrics={"accuracy": 0.93})
    ops.jobs.run_metrics["job-e2"] = {"accuracy": 0.5}
    registration = ops.lifecycle.register("job-e2", "iris-classifier", metrics_output="metrics",
                                          requirements=[Requirement.parse("accuracy>=0.9")])
    assert registration.metrics == {"accuracy": 0.93}
    assert ops.metrics.reads == []
    downloads = [kwargs["output_name"] for method, _, kwargs in ops.jobs.calls if method == "download"]
    assert downloads == ["metrics"]


def test_a_failed_gate_blocks_registration(ops, train_job):
    ops.jobs.add(train_job, "job-f", ["Completed"], metrics={"accuracy": 0.8, "f1_macro": 0.7})
    gate = [Requirement.parse("accuracy>=0.85"), Requirement.parse("f1_macro>0.6"), Requirement.parse("auc>=0.5")]
    with pytest.raises(GateError) as raised:
        ops.lifecycle.register("job-f", "iris-classifier", requirements=gate)
    assert str(raised.value) == ("metric gate failed: accuracy=0.8, required accuracy>=0.85; "
                                 "auc missing (metrics: accuracy, f1_macro)")
    assert raised.value.as_dict() == {
        "gate": "failed", "metrics": {"accuracy": 0.8, "f1_macro": 0.7},
        "requirements": ["accuracy>=0.85", "f1_macro>0.6", "auc>=0.5"],
        "failures": ["accuracy=0.8, required accuracy>=0.85", "auc missing (metrics: accuracy, f1_macro)"]}
    assert ops.models.versions == {}


def test_registering_the_same_job_twice_returns_the_existing_version(ops, train_job):
    ops.jobs.add(train_job, "job-g", ["Completed"])
    ops.jobs.add(train_job, "job-h", ["Completed"])
    first = ops.lifecycle.register("job-g", "iris-classifier")
    again = ops.lifecycle.register("job-g", "iris-classifier")
    other = ops.lifecycle.register("job-h", "iris-classifier")
    assert (first.created, again.created, other.created) == (True, False, True)
    assert (first.model.version, again.model.version, other.model.version) == ("1", "1", "2")
    assert sorted(ops.models.versions) == [("iris-classifier", "1"), ("iris-classifier", "2")]


def test_an_explicit_version_that_exists_is_refused(ops, train_job):
    ops.jobs.add(train_job, "job-i", ["Completed"])
    ops.jobs.add(train_job, "job-j", ["Completed"])
    ops.lifecycle.register("job-i", "iris-classifier", version="7")
    with pytest.raises(VersionConflictError, match="model iris-classifier:7 already exists"):
        ops.lifecycle.register("job-j", "iris-classifier", version="7")
    assert list(ops.models.versions) == [("iris-classifier", "7")]


@pytest.mark.parametrize("status", ["Running", "Failed", "Canceled"])
def test_only_completed_jobs_are_registered(ops, train_job, status):
    ops.jobs.add(train_job, "job-k", [status])
    with pytest.raises(RegistrationError, match=f"job job-k is {status}: only Completed jobs are registered"):
        ops.lifecycle.register("job-k", "iris-classifier")
    assert ops.models.calls == []


def test_registering_needs_the_named_outputs(ops, train_job):
    ops.jobs.add(train_job, "job-l", ["Completed"])
    with pytest.raises(RegistrationError, match=r"job job-l has no output 'weights' "
                                                 r"\(outputs: model \(mlflow_model\), metrics \(uri_folder\)\)"):
        ops.lifecycle.register("job-l", "iris-classifier", source=SourceRequest(model_output="weights"))
    with pytest.raises(GateError, match="job job-l has no output 'scores' to check --require against"):
        ops.lifecycle.register("job-l", "iris-classifier", metrics_output="scores",
                               requirements=[Requirement.parse("accuracy>=0.5")])


def test_unreadable_metrics_block_the_gate(ops, train_job):
    ops.jobs.add(train_job, "job-m", ["Completed"], metrics={"accuracy": "high"})
    with pytest.raises(GateError, match="expected a JSON object of metric name -> number"):
        ops.lifecycle.register("job-m", "iris-classifier", metrics_output="metrics",
                               requirements=[Requirement.parse("accuracy>=0.5")])


def test_upload_creates_the_next_version_by_file_or_folder(ops, tmp_path):
    (tmp_path / "part.csv").write_text("a\n1\n")
    first = ops.lifecycle.upload_data("iris", tmp_path / "part.csv", description="first cut")
    second = ops.lifecycle.upload_data("iris", tmp_path, tags={"source": "test"})
    assert (first.version, first.type, first.description) == ("1", "uri_file", "first cut")
    assert (second.version, second.type, second.tags) == ("2", "uri_folder", {"source": "test"})


def test_upload_never_overwrites_a_version(ops, tmp_path):
    (tmp_path / "part.csv").write_text("a\n1\n")
    ops.lifecycle.upload_data("iris", tmp_path / "part.csv", version="2024.1")
    with pytest.raises(VersionConflictError, match=r"data asset iris:2024\.1 already exists"):
        ops.lifecycle.upload_data("iris", tmp_path / "part.csv", version="2024.1")
    with pytest.raises(InputError, match=r"no such file or folder: .*absent\.csv"):
        ops.lifecycle.upload_data("iris", tmp_path / "absent.csv")
    assert list(ops.data.versions) == [("iris", "2024.1")]


def test_the_fakes_reject_calls_the_real_api_would_reject():
    from jobs_fakes import Ops

    fakes = Ops()
    fakes.jobs._record("download", "job-n", destination=".")
    with pytest.raises(TypeError, match="unexpected keyword argument 'destination'"):
        fakes.calls_match_the_real_signatures()


def http_error(status: int, message: str = "service says no"):
    from azure.core.exceptions import HttpResponseError

    error = HttpResponseError(message=message)
    error.status_code = status
    return error


def test_a_transient_error_while_waiting_is_retried_with_backoff(ops, train_job):
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    ops.jobs.add(train_job, "job-r", ["Running", "Completed"])
    ops.jobs.get_errors = [ServiceRequestError("Connection reset by peer"), http_error(503, "Service Unavailable"),
                           ServiceResponseError("Connection aborted")]  # the fourth poll answers
    notes, seen = [], []
    job = ops.lifecycle.wait("job-r", timeout=600.0, poll_interval=10.0, on_note=notes.append,
                             on_status=lambda status, elapsed: seen.append((status, elapsed)))
    assert job.name == "job-r"
    assert notes == ["transient error ServiceRequestError: Connection reset by peer, retrying in 5s",
                     "transient error HttpResponseError: Service Unavailable, retrying in 10s",
                     "transient error ServiceResponseError: Connection aborted, retrying in 20s"]
    assert ops.clock.sleeps == [5.0, 10.0, 20.0, 10.0]
    assert seen == [("Running", 35.0), ("Completed", 45.0)]


def test_the_backoff_starts_again_after_a_poll_that_answers(ops, train_job):
    from azure.core.exceptions import ServiceRequestError

    ops.jobs.add(train_job, "job-s", ["Running", "Running", "Completed"])
    reset = ServiceRequestError("Connection reset by peer")
    answered = ops.jobs.get
    answers = iter([reset, reset, None, reset, None, None])

    def flaky_get(name):
        error = next(answers)
        if error:
            ops.jobs._record("get", name)
            raise error
        return answered(name)

    ops.jobs.get = flaky_get
    ops.lifecycle.wait("job-s", timeout=600.0, poll_interval=10.0)
    assert ops.clock.sleeps == [5.0, 10.0, 10.0, 5.0, 10.0]


@pytest.mark.parametrize("status", [429, 500, 502, 504, 408])
def test_throttling_and_server_errors_are_transient(ops, train_job, status):
    ops.jobs.add(train_job, "job-t", ["Completed"])
    ops.jobs.get_errors = [http_error(status)]
    assert ops.lifecycle.wait("job-t", timeout=60.0, poll_interval=10.0).name == "job-t"
    assert ops.clock.sleeps == [5.0]


@pytest.mark.parametrize("error", [
    pytest.param(lambda: __import__("azure.core.exceptions").core.exceptions.ResourceNotFoundError("job not found"),
                 id="404"),
    pytest.param(lambda: __import__("azure.core.exceptions").core.exceptions.ClientAuthenticationError("expired"),
                 id="auth"),
    pytest.param(lambda: http_error(401), id="401"),
    pytest.param(lambda: http_error(403), id="403"),
    pytest.param(lambda: http_error(404), id="404-plain"),
    pytest.param(lambda: ValueError("a bug"), id="no-service-error"),
])
def test_errors_that_will_not_pass_end_the_wait_at_once(ops, train_job, error):
    ops.jobs.add(train_job, "job-u", ["Running", "Completed"])
    raised = error()
    ops.jobs.get_errors = [raised]
    notes = []
    with pytest.raises(type(raised)):
        ops.lifecycle.wait("job-u", timeout=600.0, poll_interval=10.0, on_note=notes.append)
    assert (ops.clock.sleeps, notes) == ([], [])


def test_retries_end_at_the_timeout(ops, train_job):
    from azure.core.exceptions import ServiceRequestError

    ops.jobs.add(train_job, "job-v", ["Running"])
    ops.jobs.get_errors = [ServiceRequestError("Name or service not known")] * 1000
    with pytest.raises(WaitTimeoutError, match=r"^job job-v: no status for 300 s, last error: ServiceRequestError: "
                                               r"Name or service not known$"):
        ops.lifecycle.wait("job-v", timeout=300.0, poll_interval=10.0)
    assert ops.clock.sleeps == [5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 25.0]
    assert len(ops.jobs.get_errors) == 1000 - 8


def test_the_default_jitter_stays_within_half_and_all_of_the_delay():
    from jobs.lifecycle import full_jitter

    delays = [full_jitter(40.0) for _ in range(200)]
    assert all(20.0 <= delay <= 40.0 for delay in delays)
    assert len(set(delays)) > 100


class _Response:
    def __init__(self, status: int, headers: dict):
        self.status_code, self.headers, self.reason = status, headers, "throttled"

    def text(self, encoding=None):
        return ""


def throttled(status: int, retry_after: str):
    from azure.core.exceptions import HttpResponseError

    error = HttpResponseError(message="slow down", response=_Response(status, {"Retry-After": retry_after}))
    error.status_code = status
    return error


def test_a_retry_waits_at_least_as_long_as_retry_after_asks_within_the_timeout(ops, train_job):
    from email.utils import formatdate
    import time

    ops.jobs.add(train_job, "job-x", ["Completed"])
    in_a_minute = formatdate(time.time() + 60, usegmt=True)
    ops.jobs.get_errors = [throttled(429, "300"), throttled(503, "2"), throttled(503, in_a_minute)]
    notes = []
    ops.lifecycle.wait("job-x", timeout=3600.0, poll_interval=10.0, on_note=notes.append)
    assert ops.clock.sleeps[:2] == [300.0, 10.0]  # Retry-After when longer than the backoff, else the backoff
    assert 58.0 <= ops.clock.sleeps[2] <= 60.0  # an HTTP date
    assert notes[0] == "transient error HttpResponseError: slow down, retrying in 300s"

    ops.jobs.add(train_job, "job-y", ["Running"])
    ops.jobs.get_errors = [throttled(429, "3600")] * 3
    with pytest.raises(WaitTimeoutError):
        ops.lifecycle.wait("job-y", timeout=120.0, poll_interval=10.0)
    assert ops.clock.sleeps[3:] == [120.0]  # never past --timeout


@pytest.mark.parametrize("value, seconds", [("7", 7.0), ("0", 0.0), ("soon", None),
                                            ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_reads_seconds_or_an_http_date(value, seconds):
    from jobs.lifecycle import retry_after

    assert retry_after(throttled(429, value)) == seconds
    assert retry_after(http_error(429)) is None
