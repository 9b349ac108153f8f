"""The single decision point: filter to the change, select, suppress, fail-on, verdict."""

from __future__ import annotations

import types
from collections.abc import Iterable

import pytest

from codeguard import pipeline
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.config import Config
from codeguard.diff import parse_diff
from codeguard.finding import Finding
from codeguard.finding import Severity
from codeguard.ruleset import load_rules
from codeguard.sources.command import from_command
from codeguard.stage import Context
from codeguard.stages import STAGES
from tests.conftest import ROOT

RULES = load_rules([ROOT / "rules"])

OLD = 'import shutil\nshutil.rmtree("/srv")  # codeguard: ignore[CG101] vetted by ops\nx = 1\n'


def modified(post: str, diff: str, path: str = "job.py") -> ChangeSet:
    (change,) = parse_diff(diff)
    change = FileChange(path=path, status="modified", hunks=change.hunks, post_image=post)
    return ChangeSet((change,))


def run(changes: ChangeSet, **config: object) -> pipeline.Report:  # type: ignore[name-defined]
    # bandit has its own tests (test_security.py); these are about the decision point
    return pipeline.run(Config(bandit=False).replace(**config), changes, RULES, STAGES)


def added(code: str, path: str = "job.py") -> ChangeSet:
    return ChangeSet((FileChange(path=path, status="added", post_image=code, wholly_added=True),))


# A change that adds line 3 only, to a file whose line 2 already deletes /srv.
POST = 'import shutil\nshutil.rmtree("/srv")\nshutil.rmtree("/etc")\n'
DIFF = """--- a/job.py
+++ b/job.py
@@ -1,2 +1,3 @@
 import shutil
 shutil.rmtree("/srv")
+shutil.rmtree("/etc")
"""


@pytest.mark.parametrize(
    ("mode", "lines"),
    [("added", [3]), ("diff-context", [2, 3]), ("file", [2, 3]), ("all", [2, 3])],
)
def test_filter_modes(mode: str, lines: list[int]) -> None:
    report = run(modified(POST, DIFF), filter=mode)
    assert [f.start.line for f in report.findings] == lines


def test_findings_outside_the_hunks_are_dropped_by_diff_context() -> None:
    post = POST + "y = 2\n" * 10 + 'shutil.rmtree("/usr")\n'
    report = run(modified(post, DIFF), filter="diff-context")
    assert [f.start.line for f in report.findings] == [2, 3]
    report = run(modified(post, DIFF), filter="file")
    assert [f.start.line for f in report.findings] == [2, 3, 14]


def test_a_multiline_call_is_reported_at_the_argument_that_matched() -> None:
    post = 'import shutil\nshutil.rmtree(\n    "/etc",\n)\n'
    diff = '--- a/job.py\n+++ b/job.py\n@@ -1,4 +1,4 @@\n import shutil\n shutil.rmtree(\n-    "./build",\n+    "/etc",\n )\n'
    report = run(modified(post, diff))
    assert [(f.rule_id, f.start.line) for f in report.findings] == [("CG101", 3)]


def test_a_multiline_call_is_not_blamed_on_a_change_to_another_argument() -> None:
    post = (
        'import requests\nrequests.get(\n    "https://x",\n    timeout=5,\n    verify=False,\n)\n'
    )
    diff = (
        "--- a/job.py\n+++ b/job.py\n@@ -1,6 +1,6 @@\n import requests\n requests.get(\n"
        '     "https://x",\n-    timeout=3,\n+    timeout=5,\n     verify=False,\n )\n'
    )
    assert [f.rule_id for f in run(modified(post, diff)).findings] == []
    assert [f.rule_id for f in run(modified(post, diff), filter="file").findings] == ["CG511"]


def test_suppression_with_reason_on_an_unchanged_line_silences_an_error() -> None:
    post = OLD
    diff = '--- a/job.py\n+++ b/job.py\n@@ -1,3 +1,3 @@\n import shutil\n shutil.rmtree("/srv")  # codeguard: ignore[CG101] vetted by ops\n-x = 0\n+x = 1\n'
    report = run(modified(post, diff), filter="file")
    (finding,) = report.findings
    assert finding.suppressed and not finding.blocking
    assert finding.suppression_reason == "vetted by ops"
    assert report.verdict == "pass"


def test_suppression_added_by_the_change_cannot_silence_an_error() -> None:
    report = run(added(OLD))
    by_id = {f.rule_id: f for f in report.findings}
    assert by_id["CG101"].blocking and not by_id["CG101"].suppressed
    assert by_id["CG003"].start.line == 2
    assert report.verdict == "block"


def test_suppression_added_by_the_change_can_silence_a_warning() -> None:
    code = "def broken(:  # codeguard: ignore[CG001] generated template, filled in later\n"
    report = run(added(code))
    (finding,) = report.findings
    assert finding.rule_id == "CG001" and finding.suppressed
    assert report.verdict == "pass"


def test_suppression_by_name_on_the_line_above() -> None:
    code = "# codeguard: ignore[python-syntax-error] a template\ndef broken(:\n"
    (finding,) = run(added(code)).findings
    assert finding.suppressed


def test_suppression_without_reason_is_reported_and_not_honoured() -> None:
    code = "def broken(:  # codeguard: ignore[CG001]\n"
    report = run(added(code))
    assert sorted((f.rule_id, f.suppressed) for f in report.findings) == [
        ("CG001", False),
        ("CG002", False),
    ]


def test_a_suppression_for_another_rule_does_nothing() -> None:
    code = 'import shutil\nshutil.rmtree("/srv")  # codeguard: ignore[CG999] other\n'
    report = run(added(code))
    assert [f.rule_id for f in report.findings] == ["CG101"]


@pytest.mark.parametrize(
    ("fail_on", "verdict"),
    [(Severity.ERROR, "warn"), (Severity.WARNING, "block"), (Severity.NOTE, "block")],
)
def test_fail_on(fail_on: Severity, verdict: str) -> None:
    report = run(added("def broken(:\n"), fail_on=fail_on)
    assert report.verdict == verdict


def test_select_ignore_and_per_file_ignores() -> None:
    code = 'import shutil\nshutil.rmtree("/srv")\ndef broken(:\n'
    # the file does not parse: CG001, and its lines are still checked one by one
    assert {f.rule_id for f in run(added(code)).findings} == {"CG001", "CG101"}
    good = 'import shutil\nshutil.rmtree("/srv")\nos.system("git push -f origin main")\n'
    assert [f.rule_id for f in run(added(good)).findings] == ["CG101", "CG201"]
    assert [f.rule_id for f in run(added(good), ignore=("CG1",)).findings] == ["CG201"]
    assert [f.rule_id for f in run(added(good), select=("CG2",)).findings] == ["CG201"]
    assert [
        f.rule_id for f in run(added(good), select=("CG",), ignore=("git-force-push",)).findings
    ] == ["CG101"]
    # the more specific wins: select CG101 beats ignore CG1
    assert [f.rule_id for f in run(added(good), select=("CG101",), ignore=("CG1",)).findings] == [
        "CG101"
    ]
    pfi = (("scripts/**", ("CG101",)),)
    assert [
        f.rule_id for f in run(added(good, "scripts/a/job.py"), per_file_ignores=pfi).findings
    ] == ["CG201"]
    assert [f.rule_id for f in run(added(good, "app/job.py"), per_file_ignores=pfi).findings] == [
        "CG101",
        "CG201",
    ]


def test_severity_override_changes_the_verdict() -> None:
    code = 'import shutil\nshutil.rmtree("/srv")\n'
    report = run(added(code), severity=(("recursive-delete", Severity.WARNING),))
    (finding,) = report.findings
    assert finding.severity == Severity.WARNING and not finding.blocking
    assert report.verdict == "warn"


def _stage(findings: Iterable[Finding] = (), error: Exception | None = None) -> types.ModuleType:
    module = types.ModuleType("fake_stage")

    def run(ctx: Context) -> Iterable[Finding]:
        if error is not None:
            raise error
        return list(findings)

    module.run = run  # type: ignore[attr-defined]
    return module


def test_a_failing_stage_is_an_error_never_a_pass() -> None:
    stages = {**STAGES, "llm": _stage(error=RuntimeError("connection refused"))}
    report = pipeline.run(Config(), from_command("ls"), RULES, stages)  # type: ignore[arg-type]
    assert report.verdict == "error"
    assert [(x.stage, x.message) for x in report.failures] == [
        ("llm", "RuntimeError: connection refused")
    ]
    # on-error = warn downgrades only the LLM stage
    soft = Config().replace(llm=Config().llm.__class__(on_error="warn"))
    assert pipeline.run(soft, from_command("ls"), RULES, stages).verdict == "warn"  # type: ignore[arg-type]
    hard = {**STAGES, "destructive": _stage(error=ValueError("bad"))}
    assert pipeline.run(soft, from_command("ls"), RULES, hard).verdict == "error"  # type: ignore[arg-type]


def test_block_wins_over_a_stage_failure_and_both_are_reported() -> None:
    stages = {**STAGES, "llm": _stage(error=TimeoutError("slow"))}
    report = pipeline.run(Config(), from_command("rm -rf /"), RULES, stages)  # type: ignore[arg-type]
    assert report.verdict == "block"
    assert len(report.failures) == 1


def test_disabled_stage_does_not_run() -> None:
    report = run(from_command("rm -rf /"), stages=("parse",))
    assert report.findings == ()
    assert set(report.timings_ms) == {"parse"}


def test_fingerprints_survive_moved_lines_and_tell_repeats_apart() -> None:
    a = run(added('import shutil\nshutil.rmtree("/srv")\nshutil.rmtree("/srv")\n'))
    b = run(added('import shutil\n\n\n\nshutil.rmtree("/srv")\nshutil.rmtree("/srv")\n'))
    fa = [f.fingerprint for f in a.findings]
    fb = [f.fingerprint for f in b.findings]
    assert fa == fb
    assert len(set(fa)) == 2


def test_preview_rules_run_only_with_preview() -> None:
    import dataclasses

    preview_rules = [
        dataclasses.replace(r, status="preview") if r.id == "CG102" else r for r in RULES
    ]
    cmd = from_command("rm -rf /")
    assert pipeline.run(Config(), cmd, preview_rules, STAGES).findings == ()
    assert len(pipeline.run(Config(preview=True), cmd, preview_rules, STAGES).findings) == 1
