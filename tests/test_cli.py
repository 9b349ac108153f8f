"""End to end: the installed `codeguard` command, as a user or another tool runs it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import EXAMPLES
from tests.conftest import ROOT
from tests.conftest import SARIF_SCHEMA
from tests.conftest import commit_all
from tests.conftest import run_cli

REPORT_SCHEMA = json.loads((ROOT / "codeguard/schema/report.schema.json").read_text())


def test_example_patch_blocks_with_a_readable_report() -> None:
    result = run_cli("scan", "--diff", str(EXAMPLES / "ai-patch.diff"))
    assert result.code == 1
    assert "scripts/reset_env.py:12:5 CG101 [recursive-delete]" in result.out
    assert "'/var/lib/postgresql'" in result.out
    assert "deploy.sh:5:1 CG201 [git-force-push]" in result.out
    # the benign lines of the same patch pass
    assert "BUILD_DIR" not in result.out
    assert "./dist" not in result.out
    summary, hint = result.out.rstrip().splitlines()[-2:]
    assert summary == "codeguard: block: 2 blocking findings, 2 errors, 0 warnings, 0 notes"
    assert hint.startswith("codeguard: if one is really intended, add `# codeguard: ignore[CG")
    assert result.err == ""


def test_json_report_validates_against_the_shipped_schema() -> None:
    result = run_cli("scan", "--diff", str(EXAMPLES / "ai-patch.diff"), "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["verdict"] == "block"
    assert [(f["rule_id"], f["path"], f["start"]["line"]) for f in report["findings"]] == [
        ("CG201", "deploy.sh", 5),
        ("CG101", "scripts/reset_env.py", 12),
    ]
    assert all(f["blocking"] for f in report["findings"])
    assert set(report["timings_ms"]) >= {"parse", "destructive"}


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    result = run_cli(
        "scan", "--diff", str(EXAMPLES / "ai-patch.diff"), "--format", "sarif", "-o", str(out)
    )
    assert result.code == 1
    assert result.out == ""
    sarif = json.loads(out.read_text())
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["CG101", "CG201"]
    region = run["results"][1]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 12 and region["startColumn"] == 5


def test_routine_command_passes_silently_enough() -> None:
    result = run_cli("scan", "--command", "ls -la && git status")
    assert result.code == 0
    assert "codeguard: pass" in result.out


def test_command_from_stdin() -> None:
    result = run_cli("scan", "--command", "-", "--format", "json", stdin=b"sudo rm -rf /\n")
    assert result.code == 1
    finding = json.loads(result.out)["findings"][0]
    assert finding["path"] == "<command>"
    assert finding["rule_id"] == "CG102"


def test_diff_from_stdin() -> None:
    data = (EXAMPLES / "ai-patch.diff").read_bytes()
    result = run_cli("scan", "--diff", "-", "--format", "json", stdin=data)
    assert result.code == 1
    assert len(json.loads(result.out)["findings"]) == 2


def test_empty_diff_passes() -> None:
    result = run_cli("scan", "--diff", "-", stdin=b"")
    assert result.code == 0
    assert "codeguard: pass" in result.out


def test_scan_paths_as_wholly_added(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text('import shutil\nshutil.rmtree("/etc")\n')
    (tmp_path / "ok.py").write_text("print('hello')\n")
    result = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert result.code == 1
    findings = json.loads(result.out)["findings"]
    assert [(f["path"], f["start"]["line"]) for f in findings] == [("job.py", 2)]


def test_directory_scan_respects_gitignore(repo: Path) -> None:
    (repo / ".gitignore").write_text("generated/\n")
    (repo / "generated").mkdir()
    (repo / "generated" / "nuke.sh").write_text("rm -rf /\n")
    (repo / "kept.sh").write_text("rm -rf ~\n")
    result = run_cli("scan", ".", "--format", "json", cwd=repo)
    paths = [f["path"] for f in json.loads(result.out)["findings"]]
    assert paths == ["kept.sh"]


def test_staged_and_range_in_a_real_repository(repo: Path) -> None:
    (repo / "app.py").write_text("print('v1')\n")
    base = commit_all(repo, "base")
    (repo / "app.py").write_text("import shutil\nprint('v1')\nshutil.rmtree('/srv')\n")
    staged_only = run_cli("scan", "--staged", "--format", "json", cwd=repo)
    assert staged_only.code == 0  # nothing staged yet
    result = run_cli("scan", "--staged", cwd=repo)
    assert result.code == 0
    from tests.conftest import git

    git(repo, "add", "app.py")
    result = run_cli("scan", "--staged", "--format", "json", cwd=repo)
    assert result.code == 1
    assert [f["start"]["line"] for f in json.loads(result.out)["findings"]] == [3]
    head = commit_all(repo, "head")
    result = run_cli("scan", "--range", f"{base}..{head}", "--format", "json", cwd=repo)
    assert result.code == 1
    assert json.loads(result.out)["findings"][0]["path"] == "app.py"


def test_version() -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.out.startswith("codeguard ")


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("none", ["scan", "missing.py"], "missing.py: no such file or directory"),
        (
            "garbage",
            ["scan", "--diff", "garbage.bin"],
            "garbage.bin: binary data, not a unified diff",
        ),
        ("prose", ["scan", "--diff", "prose.txt"], "prose.txt: no unified diff found"),
        ("none", ["scan", "--diff", "."], ".: is a directory, not a diff"),
        ("none", ["scan", "--diff", "nope.diff"], "nope.diff: no such file"),
        ("badkey", ["scan", "--command", "ls"], "unknown key 'fial-on'"),
        ("badrule", ["scan", "--command", "ls"], "CG900-broken.yaml:6: severity"),
        ("none", ["scan", "--staged"], "not inside a git repository"),
        ("repo", ["scan", "--range", "nope..HEAD"], "unknown revision 'nope'"),
        ("repo", ["scan", "--range", "HEAD"], "bad range 'HEAD'"),
        ("none", ["scan", "--command", "ls", "--format", "xml"], "invalid choice: 'xml'"),
        ("none", ["scan"], "nothing to scan"),
        ("none", ["scan", "--staged", "--command", "ls"], "give one source to scan"),
        ("none", ["rules", "show", "CG999"], "no rule 'CG999'"),
        ("none", ["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, setup: str, args: list[str], message: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (work / "prose.txt").write_text("this is not a diff\njust words\n")
    if setup == "badkey":
        (work / ".codeguard.toml").write_text('fial-on = "warning"\n')
    if setup == "badrule":
        rules = work / "myrules"
        rules.mkdir()
        (rules / "CG900-broken.yaml").write_text(
            "id: CG900\nname: broken\nstage: destructive\nmessage: m\ndescription: d\n"
            "severity: fatal\nmatch: {regex: {pattern: x}}\nexamples: {bad: [x], good: [y]}\n"
        )
        (work / ".codeguard.toml").write_text('rule-dirs = ["myrules"]\n')
    if setup == "repo":
        from tests.conftest import git

        git(work, "init", "-q")
        (work / "f.txt").write_text("x\n")
        commit_all(work)
    result = run_cli(*args, cwd=work)
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert message in lines[0]
    assert "Traceback" not in result.err


def test_interrupted_exit_code_is_130() -> None:
    import signal
    import subprocess
    import sys
    import time

    exe = Path(sys.executable).with_name("codeguard")
    proc = subprocess.Popen(
        [str(exe), "scan", "--command", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until it blocks reading stdin (past start-up), then interrupt it.
    wchan = Path(f"/proc/{proc.pid}/wchan")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if wchan.exists() and "pipe" in wchan.read_text():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"interrupted" in err
    assert b"Traceback" not in err
