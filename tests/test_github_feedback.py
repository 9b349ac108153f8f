"""`codeguard feedback --from-pr`: 👍/👎 on codeguard's review comments become labels,
through the real PR gate and CLI against the fake GitHub (tests/fake_github.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Result
from tests.conftest import run_cli
from tests.local_server import closed_port_url
from tests.test_pr_gate import BOT
from tests.test_pr_gate import PR
from tests.test_pr_gate import REPO
from tests.test_pr_gate import make_pr


def _gate(tmp_path: Path) -> PR:
    pr = make_pr(
        tmp_path,
        {
            "deploy.sh": "#!/bin/sh\nset -e\nrm -rf /var/lib/postgresql\n",
            "app.py": "def run():\n    value = 2\n    return value\n",
        },
    )
    assert pr.scan().code == 1
    return pr


def _import(pr: PR, *args: str, cwd: Path | None = None, **env: str) -> Result:
    return run_cli(
        "feedback", "--from-pr", "1", *args, cwd=cwd or pr.workspace,
        env={**pr.env, "GITHUB_TOKEN": "ghp_user_pat", **env},
    )  # fmt: skip


def _stats(pr: PR, cwd: Path | None = None, **env: str) -> dict[str, dict[str, object]]:
    result = run_cli("stats", "--format", "json", cwd=cwd or pr.workspace, env={**pr.env, **env})
    assert result.code == 0, result.err
    return {row["key"]: row for row in json.loads(result.out)["rows"]}


def test_reactions_from_writers_become_labels_once(tmp_path: Path) -> None:
    pr = _gate(tmp_path)
    try:
        (comment,) = pr.fake.repo.review_comments.values()
        assert "React 👍" in comment.body
        pr.fake.add_collaborator("alice", "write")
        pr.fake.add_collaborator("carol", "maintain")
        pr.fake.add_reaction(comment.id, "-1", "alice")
        pr.fake.add_reaction(comment.id, "+1", "carol")
        pr.fake.add_reaction(comment.id, "-1", "mallory")  # no write access: not counted
        pr.fake.add_reaction(comment.id, "-1", BOT)  # codeguard's own login: not counted
        pr.fake.add_reaction(comment.id, "eyes", "alice")  # not a verdict
        first = _import(pr, "--repo", REPO)
        assert first.code == 0, first.err
        assert "1 👍 and 1 👎 from writers, 2 new label(s)" in first.err
        assert "1 reaction(s) by @mallory not counted (no write access)" in first.err
        again = _import(pr)  # --repo from GITHUB_REPOSITORY
        assert again.code == 0 and "0 new label(s)" in again.err
        (rule,) = [r for r in _stats(pr).values() if r["findings"]]
        assert (rule["true_positives"], rule["false_positives"]) == (1, 1)
    finally:
        pr.fake.stop()


def test_a_log_without_the_finding_takes_the_rule_from_the_comment(tmp_path: Path) -> None:
    pr = _gate(tmp_path)
    try:
        (comment,) = pr.fake.repo.review_comments.values()
        pr.fake.add_collaborator("alice", "admin")
        pr.fake.add_reaction(comment.id, "-1", "alice")
        elsewhere = tmp_path / "laptop"
        elsewhere.mkdir()
        db = {"CODEGUARD_AUDIT_DB": str(elsewhere / "audit.db")}
        result = _import(pr, cwd=elsewhere, **db)
        assert result.code == 0, result.err
        assert "1 new label(s)" in result.err
        from codeguard.audit.store import AuditLog

        with AuditLog(elsewhere / "audit.db") as log:
            rows = log.db.execute("SELECT rule_id, label, note FROM labels").fetchall()
        ((rule, label, note),) = rows
        assert rule.startswith("CG1") and label == "false-positive"
        assert note.startswith(f"github: @alice on {REPO}#1 (")
    finally:
        pr.fake.stop()


def test_bad_requests_are_one_line_errors(tmp_path: Path) -> None:
    pr = _gate(tmp_path)
    try:
        for args, env, words in [
            (("--repo", "not a repo"), {}, "expected OWNER/NAME"),
            ((), {"GITHUB_TOKEN": "", "GH_TOKEN": ""}, "set GITHUB_TOKEN"),
            (("abc123",), {}, "give no FINGERPRINT"),
            (("--repo", "octo-org/missing"), {}, "GitHub answered 404"),
            # nothing listens there: PyGithub's retries run out (~15 s), then one line
            ((), {"GITHUB_API_URL": closed_port_url()}, "could not be reached"),
        ]:
            result = _import(pr, *args, **env)
            assert result.code == 2, (args, result.err)
            (line,) = result.err.strip().splitlines()
            assert line.startswith("codeguard: error: ") and words in line, line
        plain = run_cli("feedback", cwd=pr.workspace, env=pr.env)
        assert plain.code == 2 and "--true-positive or --false-positive" in plain.err
    finally:
        pr.fake.stop()
