"""Post a report to a pull request through PyGithub, within GitHub's limits.

- one check run `codeguard` on the PR head SHA (not the merge SHA): conclusion from the
  verdict, Markdown summary cut to 65,535 characters, annotations 50 per request;
- review comments on lines inside the diff only (`line` + `side`, never `position`), each
  with a hidden fingerprint marker: a re-run edits a changed comment and skips an equal
  one instead of posting it again; other findings go to annotations;
- one summary comment, found by its marker AND its author, edited in place;
- a commit status (140-character description) where the token cannot create check runs;
- everything posted is escaped: diff text and model output cannot @mention, run slash
  commands or workflow commands.

Requests per run are capped; GitHub's `retry-after` and rate-limit reset are honoured by
PyGithub's retry policy, configured here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from codeguard.finding import Finding
from codeguard.finding import Report
from codeguard.finding import RunMeta
from codeguard.github.context import Actions

CHECK_NAME = "codeguard"
SUMMARY_MARKER = "<!-- codeguard:summary -->"
MAX_TEXT = 65_535  # check run summary and text
MAX_BODY = 65_536  # comment bodies
MAX_STATUS = 140
ANNOTATIONS_PER_REQUEST = 50
MAX_REVIEW_COMMENTS = 25  # per run; the rest are annotations (noise is the top complaint)
MAX_REQUESTS = 200  # per run, far under 1,000/hour and the 80/minute content limit
DEFAULT_BOT = "github-actions[bot]"
CONCLUSION = {"pass": "success", "warn": "neutral", "block": "failure", "error": "failure"}
STATUS_STATE = {"pass": "success", "warn": "success", "block": "failure", "error": "error"}
LEVEL = {"error": "failure", "warning": "warning", "note": "notice"}


def marker(fingerprint: str) -> str:
    # a fingerprint from a report artifact is data from a fork: nothing may close the comment
    safe = "".join(c for c in fingerprint if c.isalnum() or c in ":_-.")[:128]
    return f"<!-- codeguard:finding {safe} -->"


@dataclass
class Outcome:
    check_run: bool = False
    status: bool = False
    comments_created: int = 0
    comments_updated: int = 0
    comments_kept: int = 0
    comments_resolved: int = 0
    summary_comment: str = ""  # "created" | "updated" | ""
    annotations: int = 0
    requests: int = 0
    notes: list[str] = field(default_factory=list)


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.used = 0

    def take(self, n: int = 1) -> bool:
        if self.left < n:
            return False
        self.left -= n
        self.used += n
        return True


def client(actions: Actions) -> Any:
    return client_for(actions.api_url, actions.token)


def client_for(api_url: str, token: str) -> Any:
    from github import Auth
    from github import Github

    write_gap = float(os.environ.get("CODEGUARD_GITHUB_WRITE_INTERVAL", "1.0"))
    return Github(
        base_url=api_url,
        auth=Auth.Token(token),
        per_page=100,
        timeout=30,
        # GitHub's secondary limits: honour retry-after / x-ratelimit-reset, back off,
        # give up after a few tries rather than hammering
        # an exhausted hourly limit raises instead of sleeping up to an hour
        retry=_retry(total=4, backoff_factor=1.0, max_rate_limit_wait=60),
        seconds_between_requests=None,
        seconds_between_writes=write_gap or None,
    )


# POSTs that create a comment, a reply or a review
_CREATES = re.compile(r"/(?:comments|replies|reviews)$")


def _retry(**settings: Any) -> Any:
    """PyGithub's retry (rate limits, 5xx), except a 5xx answering a POST that creates a
    comment or review: GitHub may have made it before failing, and another try would post
    it twice (the next run finds the one made, by its marker)."""
    from github import GithubRetry
    from urllib3.exceptions import MaxRetryError

    class OnceForCreates(GithubRetry):
        def increment(self, method: Any = None, url: Any = None, *args: Any, **kw: Any) -> Any:
            response = kw.get("response", args[0] if args else None)
            status = getattr(response, "status", 0) or 0
            path = str(url or "").split("?", 1)[0]
            if method == "POST" and status >= 500 and _CREATES.search(path):
                reason = RuntimeError(f"HTTP {status} to a POST that creates {path}")
                pool: Any = kw.get("_pool")
                raise MaxRetryError(pool, str(url), reason)
            return super().increment(method, url, *args, **kw)

    return OnceForCreates(**settings)


def publish(
    actions: Actions,
    report: Report,
    meta: RunMeta,
    commentable: dict[str, set[int]],
    gh: Any = None,
) -> Outcome:
    from github import GithubException
    from requests.exceptions import RequestException

    from codeguard.report import markdown

    out = Outcome()
    budget = _Budget(MAX_REQUESTS)
    gh = gh or client(actions)
    pr = actions.pr
    summary = _cut(markdown.render(report, meta), MAX_TEXT - 200)
    try:
        budget.take()
        repo = gh.get_repo(pr.repo, lazy=True)
        bot = _bot_login(gh, budget)
        findings = [f for f in report.findings if not f.suppressed]
        inline, elsewhere = _split(findings, commentable)
        out.check_run = _check_run(repo, actions, report, summary, findings, budget, out)
        if not out.check_run:
            out.status = _status(repo, actions, report, budget, out)
        issue = repo.get_pull(pr.number) if budget.take() else None
        if issue is not None:
            current = {f.fingerprint for f in findings}
            _review_comments(issue, pr.head_sha, inline, bot, budget, out, current)
            _summary_comment(issue, report, meta, summary, bot, budget, out)
        if len(elsewhere) and not out.check_run:
            out.notes.append(f"{len(elsewhere)} finding(s) outside the diff: see the job summary")
    except GithubException as exc:
        out.notes.append(f"GitHub answered {exc.status}: {api_message(exc)}")
    except RequestException as exc:  # retries ran out on 5xx, or the network failed
        out.notes.append(f"GitHub could not be reached: {type(exc).__name__}")
    out.requests = budget.used
    if budget.left <= 0:
        out.notes.append(f"stopped at {MAX_REQUESTS} requests for this run")
    return out


def api_message(exc: Any) -> str:
    """GitHub's own words for a refused request, on one line (the class name if none)."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return " ".join(data["message"].split())[:300]
    return type(exc).__name__


def _bot_login(gh: Any, budget: _Budget) -> str:
    """Whose comments are codeguard's: an installation token cannot ask (GET /user is a
    403), so Actions' bot unless CODEGUARD_GITHUB_LOGIN names another identity."""
    named = os.environ.get("CODEGUARD_GITHUB_LOGIN")
    if named:
        return named
    from github import GithubException

    try:
        budget.take()
        return str(gh.get_user().login)
    except GithubException:
        return DEFAULT_BOT


def _split(
    findings: list[Finding], commentable: dict[str, set[int]]
) -> tuple[list[Finding], list[Finding]]:
    inline, elsewhere = [], []
    for f in findings:
        lines = commentable.get(f.path, set())
        if f.start.line in lines and f.severity.label != "note":
            inline.append(f)
        else:
            elsewhere.append(f)
    inline.sort(key=lambda f: (not f.blocking, -f.severity, f.path, f.start.line))
    return inline[:MAX_REVIEW_COMMENTS], elsewhere + inline[MAX_REVIEW_COMMENTS:]


def _annotation(f: Finding) -> dict[str, Any]:
    from codeguard.report.common import safe

    end = f.end.line if f.end is not None and f.end.line >= f.start.line else f.start.line
    if f.end is not None and f.end.column == 1 and end > f.start.line:
        end -= 1
    item: dict[str, Any] = {
        "path": f.path,
        "start_line": f.start.line,
        "end_line": end,
        "annotation_level": LEVEL[f.severity.label],
        "title": _cut(f"{f.rule_id} {f.name}", 255),
        "message": _cut(safe(f.message), 60_000),
    }
    if end == f.start.line and f.end is not None and f.end.column > f.start.column:
        item["start_column"] = f.start.column
        item["end_column"] = f.end.column
    return item


def _check_run(
    repo: Any,
    actions: Actions,
    report: Report,
    summary: str,
    findings: list[Finding],
    budget: _Budget,
    out: Outcome,
) -> bool:
    from github import GithubException

    annotations = [_annotation(f) for f in findings if f.path != "<command>"]
    title = _title(report)
    batches = [
        annotations[i : i + ANNOTATIONS_PER_REQUEST]
        for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    try:
        if not budget.take():
            return False
        run = repo.create_check_run(
            name=CHECK_NAME,
            head_sha=actions.pr.head_sha,
            status="completed",
            conclusion=CONCLUSION[report.verdict],
            details_url=actions.run_url or None,
            output={"title": title, "summary": summary, "annotations": batches[0]},
        )
        out.annotations += len(batches[0])
        for batch in batches[1:]:
            if not budget.take():
                out.notes.append("annotation cap reached; the rest are in the job summary")
                break
            # each update appends its annotations to the run
            run.edit(output={"title": title, "summary": summary, "annotations": batch})
            out.annotations += len(batch)
        return True
    except GithubException as exc:
        if exc.status in (403, 404):
            out.notes.append(f"no check run ({api_message(exc)}); a commit status instead")
            return False
        raise


def _status(repo: Any, actions: Actions, report: Report, budget: _Budget, out: Outcome) -> bool:
    from github import GithubException

    if not budget.take(2):
        return False
    try:
        commit = repo.get_commit(actions.pr.head_sha)
        commit.create_status(
            state=STATUS_STATE[report.verdict],
            description=_cut(_title(report), MAX_STATUS),
            context=CHECK_NAME,
            target_url=actions.run_url or None,
        )
        return True
    except GithubException as exc:
        out.notes.append(f"no commit status either ({api_message(exc)})")
        return False


def _title(report: Report) -> str:
    from codeguard.report.common import summary

    return summary(report).removeprefix("codeguard: ")


def _comment_body(f: Finding) -> str:
    from codeguard.report.markdown import code
    from codeguard.report.markdown import escape

    icon = {"error": "🛑", "warning": "⚠️", "note": "ℹ️"}[f.severity.label]
    verdict = "blocks this pull request" if f.blocking else f.severity.label
    body = (
        f"{icon} **codeguard {code(f.rule_id)} {escape(f.name)}** ({verdict})\n\n"
        f"{escape(f.message)}\n\n"
        f"<sub>If it is intended, a maintainer can add `# codeguard: ignore[{f.rule_id}]"
        f" <reason>` on the line. React 👍 if this finding is right, 👎 if it is wrong:"
        f" `codeguard feedback --from-pr` turns them into precision per rule.</sub>\n"
        f"{marker(f.fingerprint)}"
    )
    return _cut(body, MAX_BODY - 100)


RESOLVED = "✅ **Resolved**"


def _review_comments(
    issue: Any,
    head: str,
    inline: list[Finding],
    bot: str,
    budget: _Budget,
    out: Outcome,
    current: set[str] | None = None,
) -> None:
    if not budget.take():
        return
    import re

    wanted = {marker(f.fingerprint): f.fingerprint for f in inline}
    still = {marker(fp) for fp in (current or set())} | set(wanted)
    existing: dict[str, Any] = {}
    for comment in issue.get_review_comments():
        if comment.user is None or comment.user.login != bot:
            continue
        found = re.search(r"<!-- codeguard:finding [^>]*-->", comment.body or "")
        if found is None:
            continue
        if found.group(0) in wanted:
            existing[wanted[found.group(0)]] = comment
        elif (
            found.group(0) not in still
            and not (comment.body or "").startswith(RESOLVED)
            and budget.take()
        ):
            # the finding is gone from this push: say so once, keep the thread
            comment.edit(
                f"{RESOLVED} in {head[:12]}.\n\n~~{_first_line(comment.body)}~~\n{found.group(0)}"
            )
            out.comments_resolved += 1
    for f in inline:
        body = _comment_body(f)
        old = existing.get(f.fingerprint)
        if old is not None:
            if old.body == body:
                out.comments_kept += 1
                continue
            if budget.take():
                old.edit(body)
                out.comments_updated += 1
            continue
        if not budget.take():
            out.notes.append("request cap reached before every review comment was posted")
            return
        issue.create_review_comment(body, head, f.path, line=f.start.line, side="RIGHT")
        out.comments_created += 1


def _first_line(body: str) -> str:
    """The heading and the message of a finding's comment, for its resolved form."""
    lines = [x for x in (body or "").splitlines() if x.strip() and not x.startswith("<")]
    return " ".join(lines[:2]).replace("~~", "")[:600]


def _summary_comment(
    issue: Any,
    report: Report,
    meta: RunMeta,
    summary: str,
    bot: str,
    budget: _Budget,
    out: Outcome,
) -> None:
    body = _cut(f"{SUMMARY_MARKER}\n{summary}", MAX_BODY - 100)
    if not budget.take():
        return
    mine = None
    for comment in issue.get_issue_comments():
        # the marker alone proves nothing: anyone can paste it into their own comment
        if (
            comment.user is not None
            and comment.user.login == bot
            and SUMMARY_MARKER in (comment.body or "")
        ):
            mine = comment
    if mine is not None:
        if mine.body != body and budget.take():
            mine.edit(body)
            out.summary_comment = "updated"
        else:
            out.summary_comment = "kept"
        return
    if not report.findings and not report.failures:
        return  # a clean first run says nothing: the check run is enough
    if budget.take():
        issue.create_issue_comment(body)
        out.summary_comment = "created"


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters AND UTF-8 bytes (GitHub checks both)."""
    if len(text.encode("utf-8")) <= limit:
        return text
    note = "\n\n… (cut to fit GitHub's limit; the full report is in the job summary)"
    room = limit - len(note.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", "ignore") + note


def commentable_from_patches(files: Iterable[Any]) -> dict[str, set[int]]:
    """The same from GitHub's own view of the PR (`pulls/N/files`, each with a `patch`)."""
    from codeguard.diff import parse_diff
    from codeguard.errors import InputError

    out: dict[str, set[int]] = {}
    for item in files:
        patch = getattr(item, "patch", None)
        if not patch:
            continue
        text = f"--- a/{item.filename}\n+++ b/{item.filename}\n{patch}\n"
        try:
            changes = parse_diff(text, origin="github")
        except InputError:
            continue  # an unreadable patch only loses its inline comments
        for change in changes:
            out.setdefault(item.filename, set()).update(change.context_lines)
    return out


def commentable_from_changes(changes: Iterable[Any]) -> dict[str, set[int]]:
    """Lines GitHub accepts a RIGHT-side review comment on: inside a hunk, new side."""
    out: dict[str, set[int]] = {}
    for change in changes:
        if change.deleted or change.binary:
            continue
        out[change.path] = set(change.context_lines)
    return out
