"""`promote` and `retire` on a copy of the dev stack file: the edited text, the config the program
would read from it, every refusal leaving the file as it was, and the model check against fakes."""

import json
import shutil
from pathlib import Path

import pytest
from jobs_fakes import DEV_OUTPUTS

from components.config import PROJECT, load_config
from jobs.cli import main
from preview.encoding import config_for_program
from preview.stackfile import read_stack_file

pytest_plugins = ["jobs_fixtures"]

REPO = Path(__file__).resolve().parents[2]
REGISTRY_MODEL = "azureml://registries/shared/models/iris-classifier/versions/4"
NOT_REGISTERED = ("error: model iris-classifier:2 is not registered in workspace mlw-mlplat-dev: register it first "
                  "(python -m jobs register JOB --name iris-classifier --stack dev)\n")


@pytest.fixture
def stack_file(tmp_path, monkeypatch) -> Path:
    """A copy of stacks/Pulumi.dev.yaml in tmp_path/stacks, the current directory being tmp_path."""
    (tmp_path / "stacks").mkdir()
    monkeypatch.chdir(tmp_path)
    return Path(shutil.copy(REPO / "stacks/Pulumi.dev.yaml", tmp_path / "stacks"))


@pytest.fixture
def registered(fake_pulumi, ops):
    """The dev stack's workspace, in which iris-classifier:2 is registered."""
    fake_pulumi({"dev": DEV_OUTPUTS})
    ops.models.versions[("iris-classifier", "2")] = object()
    return ops


def jobs(capsys, command, *argv, connect=None):
    code = main([command, *argv, "--stack", "dev", "--stacks-dir", "stacks"], connect=connect or refuse_connect)
    out, err = capsys.readouterr()
    return code, out, err


def refuse_connect(workspace):
    raise AssertionError("the workspace was asked")


def iris(path: Path):
    """The endpoint as the program would read it from the file (load_config: what `pulumi preview` checks)."""
    values, secret_keys = config_for_program(read_stack_file(path, path.parent), PROJECT)
    return load_config(values, "dev", secret_keys).endpoints["iris"]


@pytest.mark.parametrize("model, written", [
    ("iris-classifier:2", "iris-classifier:2"),
    ("azureml:iris-classifier:2", "iris-classifier:2"),
    (REGISTRY_MODEL, REGISTRY_MODEL),
])
def test_promoting_into_the_only_deployment_changes_its_model_line_only(capsys, stack_file, model, written):
    before = stack_file.read_text()
    code, _, err = jobs(capsys, "promote", model, "--endpoint", "iris", "--no-verify")
    assert code == 0, err
    assert stack_file.read_text() == before.replace("model: iris-classifier:1", f"model: {written}")
    assert iris(stack_file).deployments["blue"].model == written


def test_quoting_and_comments_of_the_model_line_are_kept(capsys, stack_file):
    quoted = stack_file.read_text().replace("model: iris-classifier:1", 'model: "iris-classifier:1"  # v1, May')
    stack_file.write_text(quoted)
    code, _, _ = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--no-verify")
    assert (code, stack_file.read_text()) == (0, quoted.replace('"iris-classifier:1"', '"iris-classifier:2"'))


def test_the_blue_green_rollout(capsys, stack_file, registered):
    original = stack_file.read_text()

    def promote(*options):
        code, out, err = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "green",
                              *options, connect=registered.connect)
        assert code == 0, err
        return out, err, iris(stack_file)

    out, err, endpoint = promote("--new")
    assert out.splitlines() == [
        "stacks/Pulumi.dev.yaml: endpoint iris, deployment green (new)",
        "  model          - → iris-classifier:2",
        "  traffic        blue 100, green - → 0",
        "  mirrorTraffic  none",
        "next: git diff stacks/Pulumi.dev.yaml, open a pull request, and once it is merged: pulumi up --stack dev",
    ]
    assert err == "iris-classifier:2: registered in workspace mlw-mlplat-dev\n"
    blue, green = endpoint.deployments["blue"], endpoint.deployments["green"]
    assert green.model_dump(exclude={"model"}) == blue.model_dump(exclude={"model"})
    assert (green.model, endpoint.traffic, endpoint.mirror_traffic) == ("iris-classifier:2", {"blue": 100, "green": 0}, {})

    _, _, endpoint = promote("--mirror", "20")
    assert (endpoint.traffic, endpoint.mirror_traffic) == ({"blue": 100, "green": 0}, {"green": 20})

    _, err, endpoint = promote("--traffic", "10")
    assert (endpoint.traffic, endpoint.mirror_traffic) == ({"blue": 90, "green": 10}, {})
    assert "green: mirroring (20 %) ends, as it takes live traffic now\n" in err

    _, _, endpoint = promote("--traffic", "100")
    assert endpoint.traffic == {"blue": 0, "green": 100}

    code, out, err = jobs(capsys, "retire", "--endpoint", "iris", "--deployment", "blue")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == ["stacks/Pulumi.dev.yaml: endpoint iris, deployment blue (retired)",
                                    "  model          iris-classifier:1 → -"]
    assert stack_file.read_text() == (original
                                      .replace("        blue:\n          model: iris-classifier:1",
                                               "        green:\n          model: iris-classifier:2")
                                      .replace("        blue: 100", "        green: 100"))
    assert [call[2] for call in registered.models.calls] == [{"version": "2", "label": None}] * 4


def test_the_deployment_defaults_to_the_one_without_live_traffic(capsys, stack_file):
    jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "green", "--new", "--no-verify")
    code, out, _ = jobs(capsys, "promote", "iris-classifier:3", "--endpoint", "iris", "--no-verify")
    assert (code, out.splitlines()[:2]) == (0, ["stacks/Pulumi.dev.yaml: endpoint iris, deployment green",
                                                "  model          iris-classifier:2 → iris-classifier:3"])
    jobs(capsys, "promote", "iris-classifier:3", "--endpoint", "iris", "--deployment", "green", "--traffic", "50",
         "--no-verify")
    before = stack_file.read_bytes()
    code, _, err = jobs(capsys, "promote", "iris-classifier:3", "--endpoint", "iris", "--no-verify")
    assert (code, err) == (1, "error: endpoint iris: which deployment? (deployments: blue 50 %, green 50 %): "
                              "name one with --deployment\n")
    assert stack_file.read_bytes() == before


REFUSALS = [
    (["promote", "iris-classifier:2", "--endpoint", "web"],
     "no endpoint 'web' in stacks/Pulumi.dev.yaml (endpoints: iris)"),
    (["promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "green"],
     "endpoint iris has no deployment 'green' (deployments: blue 100 %); --new creates it"),
    (["promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "blue", "--new"],
     "endpoint iris has a deployment 'blue' already: drop --new to promote to it"),
    (["promote", "iris-classifier:2", "--endpoint", "iris", "--new"],
     "--new: name the new deployment with --deployment NAME"),
    (["promote", "iris-classifier@latest", "--endpoint", "iris"],
     "model 'iris-classifier@latest': pin a version (NAME:VERSION); with a label the stack's plan would change "
     "whenever someone registers a model"),
    (["promote", "iris-classifier", "--endpoint", "iris"],
     "model 'iris-classifier': must be a model version: NAME:VERSION in the workspace (e.g. iris-classifier:1) or "
     "azureml://registries/REGISTRY/models/NAME/versions/VERSION"),
    (["promote", "iris-classifier:2", "--endpoint", "iris", "--mirror", "20"],
     "--mirror 20: blue takes live traffic (100 %); mirror only to a deployment with no live traffic"),
    (["promote", "iris-classifier:2", "--endpoint", "iris", "--traffic", "60"],
     "--traffic 60: no other deployment takes the other 40 %; set endpoints.iris.traffic in the file by hand"),
    (["promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "Blue", "--new"],
     "refused: stacks/Pulumi.dev.yaml would be invalid: azureml-platform:endpoints.iris: deployments.blue: the same "
     "Azure name as deployments.Blue (names ignore case)"),
    (["retire", "--endpoint", "iris", "--deployment", "blue"],
     "deployment blue takes 100 % of live traffic: move it to another deployment first (python -m jobs promote "
     "MODEL:VERSION --stack dev --endpoint iris --deployment OTHER --traffic 100)"),
    (["retire", "--endpoint", "iris", "--deployment", "green"],
     "endpoint iris has no deployment 'green' (deployments: blue 100 %)"),
]


@pytest.mark.parametrize("argv, message", REFUSALS)
def test_a_refused_change_is_one_line_and_leaves_the_file_as_it_was(capsys, stack_file, argv, message):
    before = stack_file.read_bytes()
    code, out, err = jobs(capsys, *argv, *(["--no-verify"] if argv[0] == "promote" else []))
    assert (code, out, err) == (1, "", f"error: {message}\n")
    assert stack_file.read_bytes() == before
    assert [path.name for path in stack_file.parent.iterdir()] == ["Pulumi.dev.yaml"]


def test_a_mirror_outlasts_traffic_0_and_keeps_the_deployment_from_retiring(capsys, stack_file):
    jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "green", "--new", "--mirror",
         "10", "--no-verify")
    jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "green", "--traffic", "0",
         "--no-verify")
    assert (iris(stack_file).traffic, iris(stack_file).mirror_traffic) == ({"blue": 100, "green": 0}, {"green": 10})
    before = stack_file.read_bytes()
    code, _, err = jobs(capsys, "retire", "--endpoint", "iris", "--deployment", "green")
    assert (code, err) == (1, "error: deployment green receives 10 % mirrored traffic: end that first (python -m jobs "
                              "promote iris-classifier:2 --stack dev --endpoint iris --deployment green --mirror 0)\n")
    assert stack_file.read_bytes() == before


@pytest.mark.parametrize("option, value, limit", [("--traffic", "101", 100), ("--traffic", "-1", 100),
                                                  ("--mirror", "51", 50), ("--traffic", "ten", 100)])
def test_a_percentage_out_of_range_is_a_usage_error(capsys, stack_file, option, value, limit):
    before = stack_file.read_bytes()
    with pytest.raises(SystemExit) as exited:
        jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", option, value)
    assert exited.value.code == 2
    assert f"argument {option}: '{value}' is not a whole percentage from 0 to {limit}" in capsys.readouterr().err
    assert stack_file.read_bytes() == before


def test_a_model_not_registered_in_the_workspace_is_refused(capsys, stack_file, fake_pulumi, ops):
    fake_pulumi({"dev": DEV_OUTPUTS})
    before = stack_file.read_bytes()
    code, out, err = jobs(capsys, "promote", "azureml:iris-classifier:2", "--endpoint", "iris", connect=ops.connect)
    assert (code, out, err) == (1, "", NOT_REGISTERED)
    assert stack_file.read_bytes() == before
    assert ops.models.calls == [("get", ("iris-classifier",), {"version": "2", "label": None})]


def test_registry_models_and_no_verify_never_ask_the_workspace(capsys, stack_file):
    code, _, err = jobs(capsys, "promote", REGISTRY_MODEL, "--endpoint", "iris")
    assert (code, err) == (0, f"{REGISTRY_MODEL}: a registry model, not checked (only workspace models are)\n")
    code, _, err = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--no-verify")
    assert (code, err) == (0, "iris-classifier:2: not checked against the workspace (--no-verify)\n")


def test_an_invalid_change_is_refused_before_the_workspace_is_asked(capsys, stack_file):
    code, _, err = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "g", "--new")
    assert code == 1
    assert err.startswith("error: refused: stacks/Pulumi.dev.yaml would be invalid: "
                          "azureml-platform:endpoints.iris.deployments.g: must be 3-32 letters")


def test_json_output(capsys, stack_file, registered):
    code, out, _ = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "green", "--new",
                        "--output", "json", connect=registered.connect)
    assert (code, json.loads(out)) == (0, {
        "stack": "dev", "file": "stacks/Pulumi.dev.yaml", "endpoint": "iris", "deployment": "green",
        "model": {"old": None, "new": "iris-classifier:2"},
        "traffic": {"old": {"blue": 100}, "new": {"blue": 100, "green": 0}},
        "mirrorTraffic": {"old": {}, "new": {}},
        "created": True,
    })


def test_a_file_whose_layout_would_change_is_not_edited(capsys, stack_file):
    stack_file.write_text(stack_file.read_text().replace("      - ml-platform-team", "    - ml-platform-team"))
    before = stack_file.read_bytes()
    code, _, err = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--no-verify")
    assert (code, err) == (1, "error: stacks/Pulumi.dev.yaml: its layout does not survive a round trip (the stack "
                              "files indent by 2 spaces, list items as `  - item`): edit it by hand\n")
    assert stack_file.read_bytes() == before


def test_the_stack_folder_is_found_from_the_current_directory(tmp_path, monkeypatch):
    from jobs.promote import default_stacks_dir

    (tmp_path / "Pulumi.yaml").write_text("name: other\nruntime: python\nstackConfigDir: config\n")
    (tmp_path / "config" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "config" / "deep")
    assert default_stacks_dir() == tmp_path.resolve() / "config"


def test_traffic_shared_by_two_others_is_left_to_the_file(capsys, stack_file):
    for name, options in (("green", ["--new", "--traffic", "10"]), ("red", ["--new"])):
        code, _, err = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", name,
                            *options, "--no-verify")
        assert code == 0, err
    code, _, err = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "red",
                        "--traffic", "5", "--no-verify")
    assert (code, err) == (1, "error: --traffic 5: blue, green would share the other 95 %; set endpoints.iris.traffic "
                              "in the file by hand\n")
    code, _, _ = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "red",
                      "--traffic", "100", "--no-verify")
    assert (code, iris(stack_file).traffic) == (0, {"blue": 0, "green": 0, "red": 100})


def test_the_plan_follows_the_promoted_stack_file(capsys, stack_file, registered):
    """What `pulumi preview` of the edited file declares: green beside blue, then the traffic PUT's split."""
    from preview.capture import capture_plan

    def plan():
        return capture_plan("dev", config=read_stack_file(stack_file, stack_file.parent))

    def traffic(captured):
        return captured.one("azure-native:resources:Deployment").inputs["properties"]["template"]["resources"][0]["properties"]

    for options in (("--new",), ("--traffic", "10")):
        code, _, err = jobs(capsys, "promote", "iris-classifier:2", "--endpoint", "iris", "--deployment", "green", *options,
                            connect=registered.connect)
        assert code == 0, err
        captured = plan()
        deployments = {d.inputs["deploymentName"]: d.inputs["properties"]["model"].split("/models/")[1]
                       for d in captured.of_type("azure-native:machinelearningservices:OnlineDeployment")}
        assert deployments == {"blue": "iris-classifier/versions/1", "green": "iris-classifier/versions/2"}
    assert traffic(captured)["traffic"] == {"blue": 90, "green": 10}
