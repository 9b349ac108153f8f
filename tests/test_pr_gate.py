"""`codeguard scan --pr` end to end: a real shallow clone of a real git remote, the real
CLI, the real PyGithub client, and a fake GitHub REST API enforcing GitHub's limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Result
from tests.conftest import git
from tests.conftest import run_cli
from tests.fake_github import FakeGitHub

REPO = "octo-org/octo-repo"
TOKEN = "ghs_actions_token"  # noqa: S105 - a fake server's token
BOT = "github-actions[bot]"


@dataclass
class PR:
    workspace: Path
    base: str
    head: str
    fake: FakeGitHub
    env: dict[str, str]
    summary: Path
    dev: Path
    event: Path

    def push(self, files: dict[str, str]) -> None:
        """A new commit on the PR branch, as the next push of the same PR."""
        self.head = _commit(self.dev, files, "next push")
        git(self.dev, "push", "-q", "origin", "feature")
        git(self.workspace, "fetch", "-q", "--depth", "1", "origin", "feature")
        git(self.workspace, "checkout", "-q", self.head)
        diff = git(self.dev, "diff", f"{self.base}...{self.head}")
        pull = self.fake.repo.pulls[1]
        self.fake.add_pull(
            1, diff, title=pull.title, body=pull.body, head_sha=self.head, base_sha=self.base,
            head_repo=pull.head_repo,
        )  # fmt: skip
        doc = json.loads(self.event.read_text())
        doc["pull_request"]["head"]["sha"] = self.head
        self.event.write_text(json.dumps(doc))

    def scan(self, *args: str) -> Result:
        return run_cli("scan", "--pr", *args, cwd=self.workspace, env=self.env)


def _commit(path: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(path, "add", "-A")
    git(path, "-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "-qm", message)
    return git(path, "rev-parse", "HEAD").strip()


def make_pr(
    tmp_path: Path,
    head_files: dict[str, str],
    *,
    fork: bool = False,
    token: str = TOKEN,
    base_files: dict[str, str] | None = None,
) -> PR:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")  # as GitHub allows
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(dev))
    base = _commit(
        dev,
        base_files
        or {
            "app.py": "def run():\n    return 1\n",
            ".codeguard.toml": 'fail-on = "error"\n',
            "README.md": "# app\n",
        },
        "base",
    )
    git(dev, "push", "-q", "origin", "HEAD:main")
    git(dev, "checkout", "-q", "-b", "feature")
    for i in range(3):  # a few commits, so a depth-1 clone lacks the base
        _commit(dev, {f"notes/{i}.md": f"note {i}\n"}, f"note {i}")
    head = _commit(dev, head_files, "the change")
    git(dev, "push", "-q", "origin", "feature")
    diff = git(dev, "diff", f"{base}...{head}")
    workspace = tmp_path / "workspace"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{origin}",
        str(workspace),
    )
    fake = FakeGitHub(REPO).start()
    fake.add_token(TOKEN, BOT, kind="app", write=not fork)
    fake.add_token("ghp_user_pat", "alice", kind="user")
    fake.add_pull(
        1, diff, title="Tidy up", body="Small refactor.", head_sha=head, base_sha=base,
        head_repo="mallory/octo-repo" if fork else REPO,
    )  # fmt: skip
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "action": "synchronize",
                "number": 1,
                "pull_request": {
                    "number": 1,
                    "title": "Tidy up",
                    "body": "Small refactor. @everyone please approve",
                    "user": {"login": "alice"},
                    "base": {"sha": base, "ref": "main", "repo": {"full_name": REPO}},
                    "head": {
                        "sha": head,
                        "ref": "feature",
                        "repo": {"full_name": "mallory/octo-repo" if fork else REPO},
                    },
                },
            }
        ),
        encoding="utf-8",
    )
    summary = tmp_path / "step-summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": fake.url,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "77",
        "GITHUB_TOKEN": token,
        "GITHUB_STEP_SUMMARY": str(summary),
        "CODEGUARD_GITHUB_WRITE_INTERVAL": "0",
        "CODEGUARD_LLM_API_KEY": "",
        "OPENAI_API_KEY": "",
    }
    return PR(workspace, base, head, fake, env, summary, dev, event)


@pytest.fixture
def blocked(tmp_path: Path) -> Iterator[PR]:
    pr = make_pr(
        tmp_path,
        {
            "deploy.sh": "#!/bin/sh\nset -e\nrm -rf /var/lib/@admins\n",
            "app.py": "def run():\n    value = 2\n    return value\n",
        },
    )
    yield pr
    pr.fake.stop()


def test_a_blocking_pr_gets_a_failed_check_comments_and_a_summary(blocked: PR) -> None:
    result = blocked.scan("--sarif", "codeguard.sarif")
    assert result.code == 1, result.err
    repo = blocked.fake.repo
    (run,) = repo.check_runs.values()
    assert (run.name, run.head_sha, run.conclusion) == ("codeguard", blocked.head, "failure")
    assert run.details_url == f"https://github.example/{REPO}/actions/runs/77"
    assert any(a["path"] == "deploy.sh" and a["start_line"] == 3 for a in run.annotations)
    (comment,) = repo.review_comments.values()
    assert (comment.path, comment.line, comment.side) == ("deploy.sh", 3, "RIGHT")
    posted = [r.body for r in blocked.fake.requests if r.path.endswith("/pulls/1/comments")]
    assert posted and all("position" not in (body or {}) for body in posted)
    assert comment.user == BOT and "<!-- codeguard:finding " in comment.body
    assert "@admins" not in comment.body  # no mention can ring anyone
    (summary,) = repo.issue_comments.values()
    assert summary.user == BOT and summary.body.startswith("<!-- codeguard:summary -->")
    assert "CG102" in blocked.summary.read_text(encoding="utf-8")
    sarif = json.loads((blocked.workspace / "codeguard.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert "check run posted" in result.err


def test_a_rerun_updates_in_place_instead_of_duplicating(blocked: PR) -> None:
    assert blocked.scan().code == 1
    first = len(blocked.fake.requests)
    assert blocked.scan().code == 1
    repo = blocked.fake.repo
    assert len(repo.review_comments) == 1
    assert len(repo.issue_comments) == 1
    posts = [r for r in blocked.fake.requests[first:] if r.method == "POST"]
    assert [r.route for r in posts] == ["/repos/{o}/{r}/check-runs"] or len(posts) == 1


def test_someone_elses_comment_with_the_marker_is_not_edited(blocked: PR) -> None:
    blocked.fake.add_issue_comment(
        1, "<!-- codeguard:summary -->\nall clear, merge it", user="mallory"
    )
    assert blocked.scan().code == 1
    bodies = {c.user: c.body for c in blocked.fake.repo.issue_comments.values()}
    assert bodies["mallory"].endswith("all clear, merge it")
    assert "CG102" in bodies[BOT]


def test_a_clean_pr_passes_quietly(tmp_path: Path) -> None:
    pr = make_pr(tmp_path, {"app.py": "def run():\n    return 2\n"})
    try:
        result = pr.scan()
        assert result.code == 0, result.err
        (run,) = pr.fake.repo.check_runs.values()
        assert run.conclusion == "success"
        assert pr.fake.repo.issue_comments == {} and pr.fake.repo.review_comments == {}
    finally:
        pr.fake.stop()


def test_the_pr_cannot_loosen_the_rules_it_is_judged_by(tmp_path: Path) -> None:
    pr = make_pr(
        tmp_path,
        {".codeguard.toml": 'ignore = ["CG102"]\n', "wipe.sh": "rm -rf /var/lib/postgresql\n"},
    )
    try:
        result = pr.scan()
        assert result.code == 1
        assert "wipe.sh" in result.out and "CG102" in result.out
        assert "changes codeguard's configuration (.codeguard.toml)" in result.err
    finally:
        pr.fake.stop()


def test_a_fork_pr_degrades_to_annotations_and_the_job_summary(tmp_path: Path) -> None:
    pr = make_pr(tmp_path, {"wipe.sh": "rm -rf /var/lib/postgresql\n"}, fork=True)
    try:
        result = pr.scan("--format", "github")
        assert result.code == 1
        writes = [r for r in pr.fake.requests if r.method != "GET"]
        assert writes == []
        assert "::error file=wipe.sh,line=1" in result.out
        assert "::stop-commands::" in result.out
        assert "CG102" in pr.summary.read_text(encoding="utf-8")
        assert "fork" in result.err
    finally:
        pr.fake.stop()


def test_without_check_run_rights_a_commit_status_is_set(tmp_path: Path) -> None:
    pr = make_pr(tmp_path, {"wipe.sh": "rm -rf /var/lib/postgresql\n"}, token="ghp_user_pat")  # noqa: S106 - a fake server's token
    try:
        pr.env["CODEGUARD_GITHUB_LOGIN"] = "alice"
        assert pr.scan().code == 1
        repo = pr.fake.repo
        assert repo.check_runs == {}
        (status,) = repo.statuses
        assert (status.state, status.context, status.sha) == ("failure", "codeguard", pr.head)
        assert status.description is not None and len(status.description) <= 140
    finally:
        pr.fake.stop()


def test_more_than_fifty_annotations_are_sent_in_batches(tmp_path: Path) -> None:
    script = "".join(f"rm -rf /var/lib/db{i}\n" for i in range(120))
    pr = make_pr(tmp_path, {"wipe.sh": script})
    try:
        assert pr.scan().code == 1
        (run,) = pr.fake.repo.check_runs.values()
        assert len(run.annotations) == 120
        sent = [
            len((r.body or {}).get("output", {}).get("annotations", []))
            for r in pr.fake.requests
            if "check-runs" in r.path and r.method in ("POST", "PATCH")
        ]
        assert max(sent) <= 50 and sum(sent) == 120
        assert len(pr.fake.repo.review_comments) == 25  # the cap; the rest are annotations
    finally:
        pr.fake.stop()


def test_a_fork_report_is_published_by_workflow_run(tmp_path: Path) -> None:
    pr = make_pr(tmp_path, {"wipe.sh": "rm -rf /var/lib/postgresql\n"}, fork=True)
    try:
        report = tmp_path / "codeguard.json"
        assert pr.scan("--format", "json", "--output", str(report)).code == 1
        assert json.loads(report.read_text())["pull_request"]["head_sha"] == pr.head
        event = tmp_path / "run.json"
        event.write_text(
            json.dumps(
                {
                    "workflow_run": {
                        "head_sha": pr.head,
                        "html_url": "https://github.example/run/1",
                        "head_repository": {"full_name": "mallory/octo-repo"},
                    }
                }
            )
        )
        env = {**pr.env, "GITHUB_EVENT_NAME": "workflow_run", "GITHUB_EVENT_PATH": str(event)}
        pr.fake.add_token("ghs_post", BOT, kind="app", write=True)
        env["GITHUB_TOKEN"] = "ghs_post"  # noqa: S105 - a fake server's token
        result = run_cli("publish", "--report", str(report), cwd=tmp_path, env=env)
        assert result.code == 1, result.err
        (run,) = pr.fake.repo.check_runs.values()
        assert run.conclusion == "failure"
        assert len(pr.fake.repo.review_comments) == 1
        forged = json.loads(report.read_text())
        forged["pull_request"]["head_sha"] = "0" * 40
        report.write_text(json.dumps(forged))
        result = run_cli("publish", "--report", str(report), cwd=tmp_path, env=env)
        assert result.code == 2 and "another commit" in result.err
    finally:
        pr.fake.stop()


def test_outside_actions_pr_is_a_one_line_usage_error(tmp_path: Path) -> None:
    result = run_cli("scan", "--pr", cwd=tmp_path, env={"GITHUB_EVENT_PATH": ""})
    assert result.code == 2
    assert (
        result.err.strip()
        == "codeguard: error: --pr runs in GitHub Actions: GITHUB_EVENT_PATH is not set"
    )


def test_a_push_that_fixes_a_finding_resolves_its_comment(tmp_path: Path) -> None:
    pr = make_pr(tmp_path, {"wipe.sh": "rm -rf /var/lib/postgresql\nrm -rf /srv/data\n"})
    try:
        assert pr.scan().code == 1
        assert len(pr.fake.repo.review_comments) == 2
        pr.push({"wipe.sh": "rm -rf /var/lib/postgresql\nrm -rf ./build\n"})
        assert pr.scan().code == 1
        comments = list(pr.fake.repo.review_comments.values())
        assert len(comments) == 2  # nothing new was posted
        resolved = [c for c in comments if c.body.startswith("✅ **Resolved**")]
        assert len(resolved) == 1 and resolved[0].line == 2
        assert "/srv/data" in resolved[0].body
        assert len(pr.fake.repo.check_runs) == 2  # one per head commit
        pr.push({"wipe.sh": "rm -rf ./build\n"})
        assert pr.scan().code == 0
        assert all(
            c.body.startswith("✅ **Resolved**") for c in pr.fake.repo.review_comments.values()
        )
    finally:
        pr.fake.stop()


def test_a_finding_outside_the_diff_is_an_annotation_not_a_comment(tmp_path: Path) -> None:
    base_files = {
        ".codeguard.toml": 'filter = "file"\n',
        "jobs.sh": "#!/bin/sh\nrm -rf /var/lib/postgresql\n" + "echo step\n" * 20,
    }
    pr = make_pr(
        tmp_path, {"jobs.sh": base_files["jobs.sh"] + "echo done\n"}, base_files=base_files
    )
    try:
        assert pr.scan().code == 1
        (run,) = pr.fake.repo.check_runs.values()
        assert [a["start_line"] for a in run.annotations] == [2]
        assert pr.fake.repo.review_comments == {}
    finally:
        pr.fake.stop()


def test_a_rate_limited_run_waits_and_finishes(tmp_path: Path) -> None:
    script = "".join(f"rm -rf /var/lib/db{i}\n" for i in range(6))
    pr = make_pr(tmp_path, {"wipe.sh": script})
    pr.fake.secondary_per_minute = 4  # content-creating requests before a secondary limit
    pr.fake.retry_after = 1
    try:
        result = pr.scan()
        assert result.code == 1, result.err
        assert len(pr.fake.repo.review_comments) == 6
        assert len(pr.fake.repo.issue_comments) == 1
        posts = [r for r in pr.fake.requests if r.method == "POST" and "/comments" in r.path]
        assert len(posts) > 7  # some were refused with retry-after and sent again
    finally:
        pr.fake.stop()


def test_github_being_down_is_reported_not_crashed(tmp_path: Path) -> None:
    pr = make_pr(tmp_path, {"wipe.sh": "rm -rf /var/lib/postgresql\n"})
    try:
        pr.fake.fail_next("POST", r"/check-runs$", 502, times=20)
        pr.fake.fail_next("POST", r"/statuses/", 502, times=20)
        result = pr.scan()
        assert result.code == 1  # the verdict stands; publishing failed and says so
        assert "GitHub" in result.err and "internal error" not in result.err
    finally:
        pr.fake.stop()


def test_a_5xx_after_github_made_a_comment_does_not_post_it_twice(blocked: PR) -> None:
    # GitHub creates the comment, then answers 502 (a timeout at its edge): PyGithub would
    # retry the POST and post the same comment again
    blocked.fake.fail_next("POST", r"/pulls/1/comments$", 502, apply=True)
    result = blocked.scan()
    assert result.code == 1  # the verdict stands
    assert len(blocked.fake.repo.review_comments) == 1
    assert len(blocked.fake.calls("POST", r"/pulls/1/comments$")) == 1
    assert "GitHub" in result.err and "Traceback" not in result.err
    assert blocked.scan().code == 1  # the next run finds it by its marker
    assert len(blocked.fake.repo.review_comments) == 1
    assert len(blocked.fake.repo.issue_comments) == 1  # and posts the summary it missed
