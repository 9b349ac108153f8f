"""The fake GitHub (tests/fake_github.py) enforces GitHub's documented limits, seen through the
real PyGithub client."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from collections.abc import Iterator

import github
import pytest
import requests
from github import GithubException
from github import GithubRetry

from tests.fake_github import FakeGitHub

APP = "ghs_app_token"  # GITHUB_TOKEN: the GitHub Actions app's installation token
READONLY = "ghs_fork_token"  # GITHUB_TOKEN on a pull request from a fork
USER = "ghp_alice_token"  # a personal access token
USER_READONLY = "ghp_bob_token"
BOT = "github-actions[bot]"

DIFF = """\
diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -1,4 +1,5 @@
 import os
-x = 1
+x = 2
+y = 3
\x20
 def f():
@@ -20,3 +21,3 @@ def g():
     a
-    b
+    c
     d
diff --git a/docs/new.md b/docs/new.md
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/docs/new.md
@@ -0,0 +1,2 @@
+# New
+-- a line that starts with two dashes
"""


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as f:
        f.add_token(APP, BOT)
        f.add_token(READONLY, BOT, write=False)
        f.add_token(USER, "alice", kind="user")
        f.add_token(USER_READONLY, "bob", kind="user", write=False)
        f.add_pull(1, DIFF, title="Change x", user="alice")
        yield f


@pytest.fixture
def clients() -> Iterator[list[github.Github]]:
    made: list[github.Github] = []
    yield made
    for g in made:
        g.close()


@pytest.fixture
def gh(fake: FakeGitHub, clients: list[github.Github]) -> Callable[..., github.Github]:
    """gh(token, retry=None, base_url=None): a PyGithub client on the fake, no throttling."""

    def make(
        token: str | None = APP, retry: GithubRetry | int | None = None, base_url: str = ""
    ) -> github.Github:
        g = github.Github(
            base_url=base_url or fake.url,
            auth=github.Auth.Token(token) if token else None,
            retry=retry,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        clients.append(g)
        return g

    return make


def pull(g: github.Github, number: int = 1) -> github.PullRequest.PullRequest:
    return g.get_repo("octo-org/octo-repo").get_pull(number)


def annotation(line: int = 1, **extra: object) -> dict[str, object]:
    return {
        "path": "app.py",
        "start_line": line,
        "end_line": line,
        "annotation_level": "warning",
        "message": "a finding",
        **extra,
    }


def message(e: pytest.ExceptionInfo[GithubException]) -> str:
    return str(e.value.data)


# ---------------------------------------------------------------- base URL, auth, recording


@pytest.mark.parametrize("enterprise", [False, True])
def test_pygithub_reads_a_pull_request_on_either_base_url(fake: FakeGitHub, gh, enterprise: bool):
    g = gh(base_url=fake.enterprise_url if enterprise else fake.url)
    pr = pull(g)
    seeded = fake.repo.pulls[1]
    assert (pr.number, pr.title, pr.user.login) == (1, "Change x", "alice")
    assert (pr.head.sha, pr.base.sha) == (seeded.head_sha, seeded.base_sha)
    assert pr.head.repo.full_name == pr.base.repo.full_name == "octo-org/octo-repo"
    files = list(pr.get_files())
    assert [(f.filename, f.status, f.additions, f.deletions) for f in files] == [
        ("app.py", "modified", 3, 2),
        ("docs/new.md", "added", 2, 0),
    ]
    assert files[1].patch == "@@ -0,0 +1,2 @@\n+# New\n+-- a line that starts with two dashes"
    # recorded without the /api/v3 prefix, with the client's headers
    assert [r.route for r in fake.requests] == [
        "/repos/octo-org/octo-repo",
        "/repos/octo-org/octo-repo/pulls/1",
        "/repos/octo-org/octo-repo/pulls/1/files",
    ]
    assert fake.requests[0].headers["authorization"] == f"token {APP}"


def test_commentable_lines_come_from_the_diff(fake: FakeGitHub):
    pr = fake.repo.pulls[1]
    app = {(line, side) for path, line, side in pr.commentable if path == "app.py"}
    # hunk 1: context 1,4,5(new)/3,4(old); deleted old 2; added new 2,3
    assert app >= {(1, "LEFT"), (2, "LEFT"), (3, "LEFT"), (4, "LEFT")}
    assert app >= {(1, "RIGHT"), (2, "RIGHT"), (3, "RIGHT"), (4, "RIGHT"), (5, "RIGHT")}
    # hunk 2: old 20-22, new 21-23
    assert {(20, "LEFT"), (21, "LEFT"), (22, "LEFT"), (23, "RIGHT")} <= app
    assert (5, "LEFT") not in app and (10, "RIGHT") not in app and (20, "RIGHT") not in app
    assert {(1, "RIGHT"), (2, "RIGHT")} == {
        (line, side) for path, line, side in pr.commentable if path == "docs/new.md"
    }


def test_pull_request_diff_media_type(fake: FakeGitHub):
    host, port = fake.server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port)
    headers = {"Authorization": f"Bearer {APP}", "Accept": "application/vnd.github.diff"}
    connection.request("GET", "/repos/octo-org/octo-repo/pulls/1", headers=headers)
    response = connection.getresponse()
    assert response.status == 200
    assert response.read().decode() == DIFF
    connection.close()


def test_unknown_or_missing_token_is_401_bad_credentials(gh):
    for token in ("ghs_nobody", None):
        with pytest.raises(github.BadCredentialsException) as e:
            gh(token).get_repo("octo-org/octo-repo")
        assert e.value.status == 401
        assert e.value.data["message"] == "Bad credentials"


def test_every_response_carries_rate_limit_headers(fake: FakeGitHub, gh):
    g = gh()
    repo = g.get_repo("octo-org/octo-repo")
    assert repo.raw_headers["x-ratelimit-limit"] == "1000"
    assert repo.raw_headers["x-ratelimit-used"] == "1"
    assert repo.raw_headers["x-ratelimit-remaining"] == "999"
    assert int(repo.raw_headers["x-ratelimit-reset"]) > time.time()
    assert repo.raw_headers["x-ratelimit-resource"] == "core"
    with pytest.raises(GithubException) as e:
        repo.get_pull(99)
    assert e.value.status == 404
    assert e.value.headers["x-ratelimit-remaining"] == "998"
    assert g.get_rate_limit().resources.core.remaining == 998  # /rate_limit is free


# ---------------------------------------------------------------- identity


def test_get_user_is_refused_to_installation_tokens_and_graphql_viewer_answers(gh):
    with pytest.raises(GithubException) as e:
        gh(APP).get_user().login  # noqa: B018
    assert e.value.status == 403
    assert e.value.data["message"] == "Resource not accessible by integration"
    assert gh(USER).get_user().login == "alice"
    _, data = gh(APP).requester.graphql_query("query { viewer { login } }", {})
    assert data["data"]["viewer"]["login"] == BOT


def test_a_comment_answer_names_its_author(gh):
    comment = pull(gh(APP)).create_issue_comment("hello")
    assert (comment.user.login, comment.user.type) == (BOT, "Bot")


# ---------------------------------------------------------------- check runs


def test_only_apps_create_check_runs(fake: FakeGitHub, gh):
    head = fake.repo.pulls[1].head_sha
    with pytest.raises(GithubException) as e:
        gh(USER).get_repo("octo-org/octo-repo").create_check_run("codeguard", head)
    assert e.value.status == 403
    assert e.value.data["message"] == "You must authenticate via a GitHub App."
    run = gh(APP).get_repo("octo-org/octo-repo").create_check_run("codeguard", head)
    assert (run.name, run.status, run.app.slug) == ("codeguard", "queued", "github-actions")


def test_read_only_tokens_get_403_on_every_write(fake: FakeGitHub, gh):
    head = fake.repo.pulls[1].head_sha
    for token, who in ((READONLY, "integration"), (USER_READONLY, "personal access token")):
        g = gh(token)
        repo = g.get_repo("octo-org/octo-repo")  # reading works
        pr = repo.get_pull(1)
        writes = [
            lambda pr=pr: pr.create_issue_comment("hi"),
            lambda pr=pr: pr.create_review_comment("hi", head, "app.py", line=2, side="RIGHT"),
            lambda pr=pr: pr.create_review(body="hi", event="COMMENT"),
            lambda repo=repo: repo.get_commit(head).create_status("success"),
        ]
        if token == READONLY:
            writes.append(lambda repo=repo: repo.create_check_run("codeguard", head))
        for write in writes:
            with pytest.raises(GithubException) as e:
                write()
            assert e.value.status == 403
            assert e.value.data["message"] == f"Resource not accessible by {who}"
    assert not fake.repo.issue_comments and not fake.repo.check_runs


def test_fine_grained_permissions(fake: FakeGitHub, gh):
    fake.add_token("ghs_checks_only", BOT, permissions={"checks": "write", "issues": "read"})
    g = gh("ghs_checks_only")
    repo = g.get_repo("octo-org/octo-repo")
    repo.create_check_run("codeguard", fake.repo.pulls[1].head_sha)
    with pytest.raises(GithubException) as e:
        repo.get_pull(1).create_issue_comment("hi")
    assert e.value.status == 403


def test_check_run_head_sha_must_be_a_known_commit(fake: FakeGitHub, gh):
    repo = gh().get_repo("octo-org/octo-repo")
    with pytest.raises(GithubException) as e:
        repo.create_check_run("codeguard", "0" * 40)
    assert e.value.status == 422
    assert e.value.data["message"] == f"No commit found for SHA: {'0' * 40}"
    repo.create_check_run("codeguard", fake.repo.pulls[1].base_sha)  # the base is known too


def test_at_most_50_annotations_per_request_and_patches_append(fake: FakeGitHub, gh):
    repo = gh().get_repo("octo-org/octo-repo")
    head = fake.repo.pulls[1].head_sha
    batch = [annotation(i + 1) for i in range(51)]
    with pytest.raises(GithubException) as e:
        repo.create_check_run(
            "codeguard", head, output={"title": "t", "summary": "s", "annotations": batch}
        )
    assert e.value.status == 422
    assert e.value.data["message"] == (
        "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied."
    )
    run = repo.create_check_run(
        "codeguard",
        head,
        status="in_progress",
        output={"title": "t", "summary": "s", "annotations": batch[:50]},
    )
    with pytest.raises(GithubException) as e:
        run.edit(output={"summary": "s", "annotations": batch})
    assert e.value.status == 422
    run.edit(output={"summary": "s", "annotations": [annotation(200 + i) for i in range(50)]})
    run.edit(
        output={"title": "done", "summary": "s2", "annotations": [annotation(300)]},
        conclusion="failure",
    )
    assert (run.status, run.conclusion, run.output.title) == ("completed", "failure", "done")
    assert run.output.annotations_count == 101
    lines = [a.start_line for a in run.get_annotations()]  # paginated: 30 a page
    assert lines == [*range(1, 51), *range(200, 250), 300]
    assert len(fake.calls("GET", r"/annotations$")) == 4


def test_summary_and_text_at_most_65535_characters_and_bytes(fake: FakeGitHub, gh):
    repo = gh().get_repo("octo-org/octo-repo")
    head = fake.repo.pulls[1].head_sha
    for key in ("summary", "text"):
        output = {"title": "t", "summary": "s", key: "x" * 65536}
        with pytest.raises(GithubException) as e:
            repo.create_check_run("codeguard", head, output=output)
        assert e.value.status == 422
        assert "Only 65535 characters are allowed; 65536 were supplied." in message(e)
    # GitHub counts the limit in bytes too (github/docs#35252)
    with pytest.raises(GithubException) as e:
        repo.create_check_run("codeguard", head, output={"title": "t", "summary": "é" * 40000})
    assert e.value.status == 422
    assert e.value.data["errors"][0]["message"] == "summary exceeds a maximum bytesize of 65535"
    run = repo.create_check_run(
        "codeguard", head, output={"title": "t", "summary": "x" * 65535, "text": "y" * 65535}
    )
    assert len(run.output.summary) == 65535


@pytest.mark.parametrize(
    ("bad", "phrase"),
    [
        ({"annotation_level": "error"}, "annotation_level"),
        ({"annotation_level": "info"}, "annotation_level"),
        ({"end_line": 3, "start_column": 1, "end_column": 4}, "start_column and end_column"),
        ({"end_line": 3, "end_column": 4}, "start_column and end_column"),
        ({"title": "t" * 256}, "Only 255 characters are allowed; 256 were supplied."),
        ({"message": "m" * 65536}, "Only 65535 characters are allowed"),
        ({"message": None}, None),
    ],
)
def test_annotation_fields_are_validated(fake: FakeGitHub, gh, bad: dict, phrase: str | None):
    repo = gh().get_repo("octo-org/octo-repo")
    item = annotation(1, **bad)
    if bad == {"message": None}:
        del item["message"]
        phrase = '"message" wasn\'t supplied.'
    output = {"title": "t", "summary": "s", "annotations": [item]}
    with pytest.raises(GithubException) as e:
        repo.create_check_run("codeguard", fake.repo.pulls[1].head_sha, output=output)
    assert e.value.status == 422
    assert phrase in e.value.data["message"]


def test_columns_on_a_single_line_annotation_are_fine(fake: FakeGitHub, gh):
    repo = gh().get_repo("octo-org/octo-repo")
    output = {
        "title": "t",
        "summary": "s",
        "annotations": [annotation(2, start_column=1, end_column=5, title="t" * 255)],
    }
    run = repo.create_check_run("codeguard", fake.repo.pulls[1].head_sha, output=output)
    [a] = list(run.get_annotations())
    assert (a.start_column, a.end_column, a.annotation_level) == (1, 5, "warning")


@pytest.mark.parametrize(
    ("fields", "phrase"),
    [
        ({"conclusion": "passed"}, "properties/conclusion"),
        ({"conclusion": "stale"}, "properties/conclusion"),  # only GitHub sets stale
        ({"status": "done"}, "properties/status"),
        ({"status": "completed"}, '"conclusion" wasn\'t supplied.'),
        ({"output": {"summary": "no title"}}, '"title" wasn\'t supplied.'),
        ({"actions": [{"label": "l", "description": "d", "identifier": "i"}] * 4}, "No more"),
    ],
)
def test_check_run_enums_and_required_fields(fake: FakeGitHub, gh, fields: dict, phrase: str):
    repo = gh().get_repo("octo-org/octo-repo")
    with pytest.raises(GithubException) as e:
        repo.create_check_run("codeguard", fake.repo.pulls[1].head_sha, **fields)
    assert e.value.status == 422
    assert phrase in e.value.data["message"]


def test_check_runs_of_a_commit_and_of_a_fork_pull_request(fake: FakeGitHub, gh):
    fork = fake.add_pull(2, DIFF, head_repo="forker/octo-repo", user="mallory")
    repo = gh().get_repo("octo-org/octo-repo")
    head = fake.repo.pulls[1].head_sha
    repo.create_check_run("codeguard", head, conclusion="failure")
    latest = repo.create_check_run("codeguard", head, conclusion="success")
    repo.create_check_run("other", head, status="in_progress")
    runs = repo.get_commit(head).get_check_runs()
    assert sorted((r.name, r.conclusion) for r in runs) == [
        ("codeguard", "success"),
        ("other", None),
    ]
    assert [p.number for p in latest.pull_requests] == [1]
    assert repo.get_check_run(latest.id).conclusion == "success"
    assert len(list(repo.get_commit(head).get_check_runs(filter="all"))) == 3
    pr = repo.get_pull(2)
    assert pr.head.repo.full_name == "forker/octo-repo" != pr.base.repo.full_name
    assert repo.create_check_run("codeguard", fork.head_sha).pull_requests == []


# ---------------------------------------------------------------- commit statuses


def test_status_description_at_most_140_characters(fake: FakeGitHub, gh):
    repo = gh().get_repo("octo-org/octo-repo")
    commit = repo.get_commit(fake.repo.pulls[1].head_sha)
    with pytest.raises(GithubException) as e:
        commit.create_status("failure", description="d" * 141, context="codeguard")
    assert e.value.status == 422
    assert e.value.data["message"] == "Validation Failed"
    assert e.value.data["errors"][0]["message"] == (
        "description is too long (maximum is 140 characters)"
    )
    with pytest.raises(GithubException) as e:
        commit.create_status("passed", context="codeguard")
    assert e.value.status == 422
    commit.create_status("pending", description="d" * 140, context="codeguard")
    commit.create_status("failure", description="2 findings", context="codeguard")
    commit.create_status("success", context="other")
    assert [s.state for s in commit.get_statuses()] == ["success", "failure", "pending"]
    combined = commit.get_combined_status()
    assert (combined.state, combined.total_count) == ("failure", 2)


def test_status_on_an_unknown_sha_is_422(gh):
    repo = gh().get_repo("octo-org/octo-repo")
    with pytest.raises(GithubException) as e:
        repo.get_commit("f" * 40)
    assert e.value.status == 422
    assert e.value.data["message"] == f"No commit found for SHA: {'f' * 40}"


# ---------------------------------------------------------------- issue comments


def test_issue_comments_paginate_past_30(fake: FakeGitHub, gh):
    for i in range(35):
        fake.add_issue_comment(1, f"comment {i}", user="alice" if i % 2 else "bob")
    comments = list(pull(gh()).get_issue_comments())
    assert [c.body for c in comments] == [f"comment {i}" for i in range(35)]
    pages = fake.calls("GET", r"/issues/1/comments$")
    assert [r.query.get("page") for r in pages] == [None, "2"]
    assert pages[1].query["per_page"] == "30"
    g = gh()
    g.per_page = 100
    assert pull(g).get_issue_comments().totalCount == 35


def test_issue_comment_body_at_most_65536_characters(fake: FakeGitHub, gh):
    pr = pull(gh())
    with pytest.raises(GithubException) as e:
        pr.create_issue_comment("x" * 65537)
    assert e.value.status == 422
    assert e.value.data["errors"][0]["message"] == "Body is too long (maximum is 65536 characters)"
    comment = pr.create_issue_comment("x" * 65536)
    with pytest.raises(GithubException) as e:
        comment.edit("y" * 65537)
    assert e.value.status == 422
    assert len(fake.repo.issue_comments) == 1


def test_only_the_author_edits_or_deletes_a_comment(fake: FakeGitHub, gh):
    theirs = fake.add_issue_comment(1, "<!-- codeguard:summary --> pasted by a person", "alice")
    pr = pull(gh(APP))
    for comment in pr.get_issue_comments():
        with pytest.raises(GithubException) as e:
            comment.edit("overwritten")
        assert e.value.status == 403
        with pytest.raises(GithubException) as e:
            comment.delete()
        assert e.value.status == 403
    assert fake.repo.issue_comments[theirs.id].body.endswith("pasted by a person")
    mine = pr.create_issue_comment("<!-- codeguard:summary --> v1")
    mine.edit("<!-- codeguard:summary --> v2")
    assert fake.repo.issue_comments[mine.id].body.endswith("v2")
    assert fake.calls("PATCH")[-1].body == {"body": "<!-- codeguard:summary --> v2"}
    pull(gh(USER)).get_issue_comment(theirs.id).edit("alice edits her own")
    mine.delete()
    assert list(fake.repo.issue_comments) == [theirs.id]


# ---------------------------------------------------------------- review comments and reviews


def test_review_comments_on_lines_inside_the_diff(fake: FakeGitHub, gh):
    pr = pull(gh())
    head = pr.head.sha
    added = pr.create_review_comment("added", head, "app.py", line=3, side="RIGHT")
    assert (added.line, added.side, added.position) == (3, "RIGHT", 4)
    assert added.diff_hunk == "@@ -1,4 +1,5 @@\n import os\n-x = 1\n+x = 2\n+y = 3"
    pr.create_review_comment("deleted", head, "app.py", line=2, side="LEFT")
    pr.create_review_comment("context", head, "app.py", line=23, side="RIGHT")
    multi = pr.create_review_comment(
        "range", head, "app.py", line=5, side="RIGHT", start_line=2, start_side="RIGHT"
    )
    assert (multi.start_line, multi.line) == (2, 5)
    # a range from a deleted line to an added one, in the same hunk
    pr.create_review_comment(
        "mixed", head, "app.py", line=3, side="RIGHT", start_line=2, start_side="LEFT"
    )
    pr.create_review_comment("file", head, "docs/new.md", subject_type="file")
    reply = pr.create_review_comment_reply(added.id, "a reply")
    assert reply.in_reply_to_id == added.id and reply.line == 3
    assert len(list(pr.get_review_comments())) == 7


@pytest.mark.parametrize(
    ("where", "fields"),
    [
        ({"line": 10, "side": "RIGHT"}, ["pull_request_review_thread.line"]),
        ({"line": 5, "side": "LEFT"}, ["pull_request_review_thread.line"]),  # new side only
        ({"line": 20, "side": "RIGHT"}, ["pull_request_review_thread.line"]),  # old side only
        ({"line": 10}, ["pull_request_review_thread.line"]),  # side defaults to RIGHT
    ],
)
def test_review_comment_outside_the_diff_is_422(fake: FakeGitHub, gh, where: dict, fields: list):
    pr = pull(gh())
    with pytest.raises(GithubException) as e:
        pr.create_review_comment("x", pr.head.sha, "app.py", **where)
    assert e.value.status == 422
    assert e.value.data["message"] == "Validation Failed"
    assert [x["field"] for x in e.value.data["errors"]][: len(fields)] == fields
    assert e.value.data["errors"][0]["message"] == (
        "pull_request_review_thread.line must be part of the diff"
    )
    assert not fake.repo.review_comments


def test_review_comment_ranges_and_paths(fake: FakeGitHub, gh):
    pr = pull(gh())
    head = pr.head.sha
    cases = [
        ({"line": 22, "start_line": 2}, "must be part of the same hunk as the line."),
        ({"line": 3, "start_line": 3}, "must precede the end line."),
        ({"line": 3, "start_line": 5}, "must precede the end line."),
    ]
    for fields, phrase in cases:
        with pytest.raises(GithubException) as e:
            pr.create_review_comment("x", head, "app.py", side="RIGHT", **fields)
        assert e.value.status == 422
        assert phrase in message(e)
    with pytest.raises(GithubException) as e:
        pr.create_review_comment("x", head, "not/in/the/pr.py", line=1, side="RIGHT")
    assert e.value.status == 422
    assert "Path could not be resolved" in message(e)
    with pytest.raises(GithubException) as e:
        pr.create_review_comment("x", "a" * 40, "app.py", line=3, side="RIGHT")
    assert e.value.status == 422
    assert e.value.data["errors"][0]["field"] == "commit_id"
    with pytest.raises(GithubException) as e:
        pr.create_review_comment("x" * 65537, head, "app.py", line=3, side="RIGHT")
    assert e.value.status == 422
    assert "Body is too long (maximum is 65536 characters)" in message(e)
    assert not fake.repo.review_comments


def test_position_is_rejected(fake: FakeGitHub, gh):
    g = gh()
    pr = pull(g)
    body = {"body": "x", "commit_id": pr.head.sha, "path": "app.py", "position": 2}
    with pytest.raises(GithubException) as e:
        g.requester.requestJsonAndCheck("POST", f"{pr.url}/comments", input=body)
    assert e.value.status == 422
    assert e.value.data["errors"][0]["field"] == "position"
    comments = [{"path": "app.py", "position": 2, "body": "x"}]
    with pytest.raises(GithubException) as e:
        pr.create_review(body="r", event="COMMENT", comments=comments)
    assert e.value.status == 422
    assert "Position is deprecated" in message(e)
    assert not fake.repo.review_comments and not fake.repo.reviews


def test_review_comments_paginate_past_30(fake: FakeGitHub, gh):
    for i in range(31):
        fake.add_review_comment(1, f"note {i}", "app.py", 2, "LEFT" if i % 2 else "RIGHT")
    comments = list(pull(gh()).get_review_comments())
    assert [c.body for c in comments] == [f"note {i}" for i in range(31)]
    assert len(fake.calls("GET", r"/pulls/1/comments$")) == 2
    with pytest.raises(ValueError, match="not in PR #1's diff"):
        fake.add_review_comment(1, "x", "app.py", 10)


def test_review_comment_edits_are_author_only(fake: FakeGitHub, gh):
    theirs = fake.add_review_comment(1, "a person's note", "app.py", 3)
    pr = pull(gh(APP))
    [comment] = list(pr.get_review_comments())
    with pytest.raises(GithubException) as e:
        comment.edit("overwritten")
    assert e.value.status == 403
    mine = pr.create_review_comment("v1", pr.head.sha, "app.py", line=3, side="RIGHT")
    mine.edit("v2")
    assert fake.repo.review_comments[mine.id].body == "v2"
    assert fake.repo.review_comments[theirs.id].body == "a person's note"


def test_reviews_are_all_or_nothing(fake: FakeGitHub, gh):
    pr = pull(gh())
    good = {"path": "app.py", "line": 3, "side": "RIGHT", "body": "ok"}
    bad = {"path": "app.py", "line": 10, "side": "RIGHT", "body": "outside"}
    with pytest.raises(GithubException) as e:
        pr.create_review(body="r", event="COMMENT", comments=[good, bad])
    assert e.value.status == 422
    assert e.value.data["message"] == "Unprocessable Entity"
    assert e.value.data["errors"] == [
        "Pull request review thread line must be part of the diff and"
        " Pull request review thread diff hunk can't be blank"
    ]
    assert not fake.repo.review_comments and not fake.repo.reviews
    with pytest.raises(GithubException) as e:
        pr.create_review(body="r", event="COMMENT", comments=[{**good, "path": "nope.py"}])
    assert e.value.data["errors"] == ["Path could not be resolved"]
    ranged = {**good, "start_line": 22, "start_side": "LEFT"}
    with pytest.raises(GithubException) as e:
        pr.create_review(body="r", event="COMMENT", comments=[ranged])
    assert "start line must be part of the same hunk" in message(e)
    review = pr.create_review(body="r", event="COMMENT", comments=[good, {**good, "line": 23}])
    assert review.state == "COMMENTED"
    assert sorted(c.line for c in pr.get_review_comments()) == [3, 23]
    assert {c.pull_request_review_id for c in pr.get_review_comments()} == {review.id}


def test_review_events(fake: FakeGitHub, gh):
    pr = pull(gh(APP))
    with pytest.raises(GithubException) as e:
        pr.create_review(body="lgtm", event="APPROVE")
    assert e.value.data["errors"] == ["GitHub Actions is not permitted to approve pull requests."]
    with pytest.raises(GithubException) as e:
        pull(gh(USER)).create_review(body="mine", event="APPROVE")
    assert e.value.data["errors"] == ["Can not approve your own pull request"]
    pending = pr.create_review(body="draft")  # no event: PENDING
    assert pending.state == "PENDING"
    with pytest.raises(GithubException) as e:
        pr.create_review(body="again", event="COMMENT")
    assert e.value.status == 422
    assert e.value.data["errors"] == ["User can only have one pending review per pull request"]
    assert [r.state for r in pull(gh(USER)).get_reviews()] == []  # pending is the author's
    fake.actions_can_approve = True
    fake.repo.reviews.clear()
    assert pr.create_review(body="lgtm", event="APPROVE").state == "APPROVED"


# ---------------------------------------------------------------- rate limits


def test_primary_rate_limit(fake: FakeGitHub, gh):
    fake.limit = 3
    g = gh()
    repo = g.get_repo("octo-org/octo-repo")
    repo.get_pull(1)
    assert g.get_rate_limit().resources.core.remaining == 1
    repo.get_pull(1)
    with pytest.raises(github.RateLimitExceededException) as e:
        repo.get_pull(1)
    assert e.value.status == 403
    assert e.value.data["message"].startswith("API rate limit exceeded for installation ID ")
    assert e.value.headers["x-ratelimit-remaining"] == "0"
    assert e.value.headers["x-ratelimit-used"] == "3"
    reset = int(e.value.headers["x-ratelimit-reset"])
    assert time.time() + 3500 < reset <= time.time() + 3601
    # another token has its own budget
    assert gh(USER).get_repo("octo-org/octo-repo").get_pull(1).number == 1
    # PyGithub's retry would sleep until the reset; max_rate_limit_wait makes it raise instead
    waiting = gh(retry=GithubRetry(total=3, max_rate_limit_wait=5))
    with pytest.raises(github.RateLimitExceededException) as e:
        waiting.get_repo("octo-org/octo-repo")
    assert type(e.value).__name__ == "RateLimitExceededExceedsMaxWait"


def test_primary_rate_limit_window_resets(fake: FakeGitHub, gh):
    fake.limit, fake.window = 1, 0.5
    repo = gh().get_repo("octo-org/octo-repo")
    with pytest.raises(github.RateLimitExceededException):
        repo.get_pull(1)
    time.sleep(0.6)
    assert repo.get_pull(1).number == 1


def test_secondary_rate_limit_on_content_creation(fake: FakeGitHub, gh):
    fake.secondary_per_minute = 2
    pr = pull(gh())
    pr.create_issue_comment("1")
    pr.create_issue_comment("2")
    with pytest.raises(github.RateLimitExceededException) as e:
        pr.create_issue_comment("3")
    assert e.value.status == 403
    assert e.value.data["message"].startswith("You have exceeded a secondary rate limit")
    assert e.value.headers["retry-after"] == "1"
    assert len(list(pr.get_issue_comments())) == 2  # reads are not content creation
    with pytest.raises(github.RateLimitExceededException):  # blocked for retry-after seconds
        pr.create_review_comment("x", pr.head.sha, "app.py", line=3, side="RIGHT")
    # PyGithub's GithubRetry sleeps Retry-After, then the request goes through
    patient = pull(gh(retry=GithubRetry(total=3, secondary_rate_wait=1)))
    started = time.monotonic()
    patient.create_issue_comment("3")
    assert time.monotonic() - started >= 0.5
    assert [c.body for c in fake.repo.issue_comments.values()] == ["1", "2", "3"]
    assert len(fake.calls("POST", r"/issues/1/comments$")) == 5


def test_secondary_rate_limit_as_429(fake: FakeGitHub, gh):
    fake.secondary_per_minute, fake.secondary_status, fake.retry_after = 1, 429, 60
    pr = pull(gh())
    pr.create_issue_comment("1")
    with pytest.raises(GithubException) as e:
        pr.create_issue_comment("2")
    # PyGithub maps only 403s to RateLimitExceededException
    assert e.value.status == 429
    assert not isinstance(e.value, github.RateLimitExceededException)
    assert e.value.headers["retry-after"] == "60"


def test_secondary_rate_limit_per_hour(fake: FakeGitHub, gh):
    fake.secondary_per_hour = 3
    repo = gh().get_repo("octo-org/octo-repo")
    commit = repo.get_commit(fake.repo.pulls[1].head_sha)
    for state in ("pending", "failure", "success"):
        commit.create_status(state, context="codeguard")
    with pytest.raises(github.RateLimitExceededException):
        commit.create_status("success", context="codeguard")


# ---------------------------------------------------------------- injected faults


def test_fail_next_502_is_retried_by_pygithub_even_for_a_post(fake: FakeGitHub, gh):
    fake.fail_next("POST", r"/issues/\d+/comments$", 502)
    with pytest.raises(GithubException) as e:
        pull(gh()).create_issue_comment("no retry")
    assert e.value.status == 502
    fake.fail_next("POST", r"/issues/\d+/comments$", 502)
    pull(gh(retry=GithubRetry(total=2))).create_issue_comment("retried")
    assert [c.body for c in fake.repo.issue_comments.values()] == ["retried"]
    # when GitHub did create the comment before the 502, the retry duplicates it
    fake.fail_next("POST", r"/issues/\d+/comments$", 502, apply=True)
    pull(gh(retry=GithubRetry(total=2))).create_issue_comment("twice")
    assert [c.body for c in fake.repo.issue_comments.values()] == ["retried", "twice", "twice"]


def test_exhausted_retries_raise_requests_retry_error_and_patch_is_not_retried(
    fake: FakeGitHub, gh
):
    fake.fail_next("*", r"/pulls/1$", 502, times=3)
    with pytest.raises(requests.exceptions.RetryError):  # not a GithubException
        pull(gh(retry=GithubRetry(total=2)))
    comment = pull(gh()).create_issue_comment("x")
    fake.fail_next("PATCH", r"/issues/comments/\d+$", 502)
    with pytest.raises(GithubException) as e:  # urllib3 does not retry PATCH
        pull(gh(retry=GithubRetry(total=2))).get_issue_comment(comment.id).edit("y")
    assert e.value.status == 502


def test_fail_next_429_with_retry_after(fake: FakeGitHub, gh):
    fake.fail_next("GET", r"/pulls/1$", 429, {"retry-after": "0"}, {"message": "slow down"})
    assert pull(gh(retry=GithubRetry(total=2))).number == 1
    fake.fail_next("*", r"/pulls/1$", 429, {"retry-after": "0"}, times=2)
    with pytest.raises(GithubException) as e:
        pull(gh())
    assert e.value.status == 429
    with pytest.raises(GithubException):
        pull(gh())
    assert pull(gh()).number == 1


# ---------------------------------------------------------------- branch protection, rulesets

ADMIN = "ghp_admin_token"
OFF = {
    "required_status_checks": None,
    "enforce_admins": None,
    "required_pull_request_reviews": None,
    "restrictions": None,
}


@pytest.fixture
def admin(fake: FakeGitHub, gh) -> github.Github:
    fake.add_token(ADMIN, "carol", kind="user", admin=True)
    return gh(ADMIN)


def api(g: github.Github, method: str, path: str, body: object = None) -> object:
    return g.requester.requestJsonAndCheck(method, f"/repos/octo-org/octo-repo{path}", input=body)[
        1
    ]


def test_branch_protection_404s_and_admin_only(fake: FakeGitHub, gh, admin: github.Github):
    repo = admin.get_repo("octo-org/octo-repo")
    with pytest.raises(GithubException) as e:
        repo.get_branch("nope")
    assert (e.value.status, e.value.data["message"]) == (404, "Branch not found")
    branch = repo.get_branch("main")
    assert branch.protected is False
    with pytest.raises(GithubException) as e:
        branch.get_protection()
    assert (e.value.status, e.value.data["message"]) == (404, "Branch not protected")
    fake.protect_branch("main", OFF)
    assert branch.get_protection().required_status_checks is None
    with pytest.raises(GithubException) as e:  # PyGithub/PyGithub#973
        branch.edit_required_status_checks(checks=["ci"])
    assert (e.value.status, e.value.data["message"]) == (404, "Required status checks not enabled")
    # reading a branch needs no admin; its protection does
    for token, answer in [
        (APP, "Resource not accessible by integration"),
        (USER, "Must have admin rights to Repository."),
    ]:
        other = gh(token).get_repo("octo-org/octo-repo").get_branch("main")
        with pytest.raises(GithubException) as e:
            other.get_protection()
        assert (e.value.status, e.value.data["message"]) == (403, answer)
    fake.non_admin_status = 404
    with pytest.raises(GithubException) as e:
        gh(USER).get_repo("octo-org/octo-repo").get_branch("main").get_protection()
    assert (e.value.status, e.value.data["message"]) == (404, "Not Found")


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"required_status_checks": None}, '"enforce_admins", "required_pull_request_reviews",'),
        ({**OFF, "required_status_checks": {"checks": []}}, '"strict" wasn\'t supplied.'),
        (
            {**OFF, "required_status_checks": {"strict": True, "contexts": [], "checks": []}},
            'No subschema in "anyOf" matched.',
        ),
        (
            {
                **OFF,
                "required_status_checks": {
                    "strict": True,
                    "checks": [{"context": "a", "app_id": None}],
                },
            },
            "is not an integer",
        ),
        ({**OFF, "enforce_admins": "yes"}, "is not a boolean"),
        ({**OFF, "required_signatures": True}, "not part of PUT protection (fake)"),
        ({**OFF, "restrictions": {"users": []}}, '"teams" wasn\'t supplied.'),
    ],
)
def test_put_protection_validates_the_body(admin: github.Github, body: dict, phrase: str):
    with pytest.raises(GithubException) as e:
        api(admin, "PUT", "/branches/main/protection", body)
    assert e.value.status == 422
    assert phrase in e.value.data["message"]


def test_protection_round_trip_and_app_ids(fake: FakeGitHub, admin: github.Github):
    fake.repo.check_apps["lint"] = 777
    branch = admin.get_repo("octo-org/octo-repo").get_branch("main")
    branch.edit_protection(
        strict=True,
        checks=[("any", -1), ("pinned", 42), "lint"],
        enforce_admins=True,
        required_approving_review_count=1,
        dismissal_users=["alice"],
        user_push_restrictions=["alice"],
        team_push_restrictions=["core"],
        required_linear_history=True,
    )
    stored = fake.repo.protection["main"]
    assert stored["required_status_checks"]["checks"] == [
        {"context": "any", "app_id": None},  # -1: any source, null when read back
        {"context": "pinned", "app_id": 42},
        {"context": "lint", "app_id": 777},  # omitted: the app that reported it last
    ]
    p = branch.get_protection()
    assert p.enforce_admins is True and p.required_linear_history is True
    assert p.allow_force_pushes is False and p.required_signatures is False
    assert p.required_status_checks.strict is True
    assert p.required_status_checks.contexts == ["any", "pinned", "lint"]
    reviews = p.required_pull_request_reviews
    assert reviews.required_approving_review_count == 1
    assert [
        u["login"]
        for u in p.raw_data["required_pull_request_reviews"]["dismissal_restrictions"]["users"]
    ] == ["alice"]
    assert p.raw_data["restrictions"]["teams"][0]["slug"] == "core"
    assert admin.get_repo("octo-org/octo-repo").get_branch("main").protected is True
    # PATCH changes only what it sends
    branch.edit_required_status_checks(checks=[("any", -1)])
    after = fake.repo.protection["main"]
    assert after["required_status_checks"] == {
        "strict": True,
        "checks": [{"context": "any", "app_id": None}],
    }
    assert after["enforce_admins"] is True and after["restrictions"]["teams"] == ["core"]


def test_rulesets(fake: FakeGitHub, gh, admin: github.Github):
    rule = {
        "type": "required_status_checks",
        "parameters": {
            "required_status_checks": [{"context": "ci"}],
            "strict_required_status_checks_policy": False,
        },
    }
    cond = {"ref_name": {"include": ["refs/heads/main"], "exclude": []}}
    body = {"name": "r", "enforcement": "active", "conditions": cond, "rules": [rule]}
    created = api(admin, "POST", "/rulesets", body)
    assert isinstance(created, dict) and created["source_type"] == "Repository"
    rid = created["id"]
    org = fake.add_ruleset("org-wide", organization="octo-org")
    # reading needs no admin; the list is a summary and includes the organisation's
    listed = api(gh(APP), "GET", "/rulesets")
    assert [(r["name"], "rules" in r) for r in listed] == [("r", False), ("org-wide", False)]
    assert [r["name"] for r in api(gh(APP), "GET", "/rulesets?includes_parents=false")] == ["r"]
    assert api(gh(APP), "GET", f"/rulesets/{rid}")["rules"] == [rule]
    # PUT changes only what it sends
    api(admin, "PUT", f"/rulesets/{rid}", {"enforcement": "disabled"})
    assert fake.repo.rulesets[rid]["rules"] == [rule]
    assert fake.repo.rulesets[rid]["enforcement"] == "disabled"
    with pytest.raises(GithubException) as e:
        api(admin, "PUT", f"/rulesets/{org['id']}", {"enforcement": "disabled"})
    assert e.value.status == 404
    with pytest.raises(GithubException) as e:
        api(gh(APP), "POST", "/rulesets", {**body, "name": "s"})
    assert (e.value.status, e.value.data["message"]) == (
        403,
        "Resource not accessible by integration",
    )
    bad_check = {**rule, "parameters": {"required_status_checks": [{"context": "ci"}]}}
    for bad, phrase in [
        ({"name": "x"}, '"enforcement" wasn\'t supplied.'),
        (body, "Name must be unique"),
        ({**body, "name": "y", "rules": [bad_check]}, "strict_required_status_checks_policy"),
        ({**body, "name": "y", "rules": [rule, rule]}, "a second required_status_checks rule"),
        ({**body, "name": "y", "conditions": {"ref_name": {"include": ["main"]}}}, "'main'"),
        ({**body, "name": "y", "enforcement": "on"}, "/enforcement"),
    ]:
        with pytest.raises(GithubException) as e:
            api(admin, "POST", "/rulesets", bad)
        assert e.value.status == 422 and phrase in e.value.data["message"] + str(
            e.value.data.get("errors")
        ), bad
