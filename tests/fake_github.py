"""A local fake of GitHub's REST API that the real PyGithub client talks to, with GitHub's limits.

Start it, seed it, point PyGithub at ``fake.url`` (github.com style) or ``fake.enterprise_url``
(GitHub Enterprise style, ``/api/v3``); both work. State is plain Python attributes that tests
read and seed: ``repos``, ``tokens``, ``requests``. Error bodies copy the shapes GitHub returns
(``{"message", "errors", "documentation_url", "status"}``); where the exact wording is not known
from a public report the message is marked "(fake)".

Endpoints (``R`` = ``/repos/{owner}/{repo}``):

- ``GET /rate_limit`` (free, like GitHub); ``GET /user`` (403 for app installation tokens);
  ``GET /users/{login}``; ``POST /graphql`` (only ``{ viewer { login } }``).
- ``GET R``; ``GET R/pulls/{n}`` (JSON, or the unified diff with ``Accept: ...diff``);
  ``GET R/pulls/{n}/files`` (paginated, with ``patch``); ``GET R/issues/{n}``;
  ``GET R/commits/{sha}``.
- Check runs: ``POST R/check-runs``; ``GET|PATCH R/check-runs/{id}`` (annotations append);
  ``GET R/check-runs/{id}/annotations``; ``GET R/commits/{sha}/check-runs``.
- Statuses: ``POST R/statuses/{sha}``; ``GET R/statuses/{sha}``, ``GET R/commits/{sha}/statuses``;
  ``GET R/commits/{sha}/status`` (combined).
- Issue comments: ``GET|POST R/issues/{n}/comments``; ``GET|PATCH|DELETE R/issues/comments/{id}``.
- Review comments: ``GET|POST R/pulls/{n}/comments``; ``POST R/pulls/{n}/comments/{id}/replies``;
  ``GET|PATCH|DELETE R/pulls/comments/{id}``; reviews: ``GET|POST R/pulls/{n}/reviews``,
  ``GET R/pulls/{n}/reviews/{id}``.
- Branches: ``GET R/branches/{b}``; protection (admin): ``GET|PUT R/branches/{b}/protection``,
  ``GET|PATCH R/branches/{b}/protection/required_status_checks``. Rulesets: ``GET|POST
  R/rulesets`` (``includes_parents``), ``GET R/rulesets/{id}``, ``PUT R/rulesets/{id}`` (admin).
  Branch names may contain "/"; ``fake.add_branch``, ``fake.protect_branch``, ``fake.add_ruleset``
  seed them, and ``repo.protection[branch]`` / ``repo.rulesets[id]`` hold what is stored.

Limits enforced, and where each comes from (see ../shared/research/llm-review-and-github.md §3):

- Missing or unknown token: 401 "Bad credentials".
- Only GitHub App tokens (``kind="app"``, e.g. ``GITHUB_TOKEN``) create or update check runs;
  users get 403 "You must authenticate via a GitHub App." (docs.github.com/en/rest/checks/runs).
- Read-only tokens (e.g. ``GITHUB_TOKEN`` on a fork PR): writes get 403 "Resource not accessible
  by integration" (by personal access token, for users) (docs: events-that-trigger-workflows,
  "workflows in forked repositories"). ``GET /user`` with an app token: the same 403
  (actions/create-github-app-token#258); GraphQL ``viewer`` answers instead
  (joshjohanning/bulk-github-repo-settings-sync-action#194).
- Check runs (github/rest-api-description OpenAPI, POST /repos/{o}/{r}/check-runs): ``head_sha``
  must be a known commit, else 422 "No commit found for SHA: ..." (rust-lang/homu#141);
  at most 50 annotations per request, 422 "Invalid request. No more than 50 items are allowed;
  N were supplied." (qiniu/reviewbot#258); ``output.summary``/``text`` at most 65535 characters,
  422 "Only 65535 characters are allowed; N were supplied." (reviewdog/action-rubocop#67), and
  at most 65535 UTF-8 bytes, 422 "summary exceeds a maximum bytesize of 65535"
  (github/docs#35252); ``annotation_level`` in notice|warning|failure; ``start_column`` and
  ``end_column`` only when ``start_line == end_line``; annotation ``title`` <= 255 characters,
  ``message``/``raw_details`` <= 64 KB; ``status``/``conclusion`` enums (``stale`` is GitHub's
  own); ``status: completed`` needs a conclusion; required fields are named in
  'Invalid request. "x" wasn't supplied.' (humanmade/linter-bot#71); at most 3 ``actions``
  (label <= 20, description <= 40, identifier <= 20). PATCH appends annotations ("Each time you
  update the check run, annotations are appended"), needs ``output.summary`` when it sends
  ``output``, and only the app that created the run may update it (403).
- Commit statuses (docs.github.com/rest/commits/statuses): ``state`` enum; ``description`` <= 140
  characters, else 422 "description is too long (maximum is 140 characters)"
  (sclorg/testing-farm-as-github-action#187); 1000 statuses per SHA and context; unknown SHA 422.
- Comment bodies <= 65536 characters, else 422 "Body is too long (maximum is 65536 characters)"
  (telia-oss/github-pr-resource#259; shape from vebr/jest-lcov-reporter#14).
- Review comments (OpenAPI pulls/create-review-comment): ``line`` + ``side`` (+ ``start_line`` /
  ``start_side`` in the same hunk) must be inside the PR's diff, else 422
  "pull_request_review_thread.line must be part of the diff" (mitchspano/sfdx-scan-pull-request#16;
  reviews: "Pull request review thread line must be part of the diff",
  parkerbxyz/suggest-changes#28); ``start_line`` must precede ``line`` (ubuntu/WSL#244); a path the
  PR does not touch: "Path could not be resolved" (warpdotdev/oz-for-oss#310). ``position`` is
  deprecated: this fake REJECTS it (422) so codeguard never uses it (``reject_position``).
  A review is all-or-nothing. One pending review per user per PR, "User can only have one pending
  review per pull request" (microsoft/vscode-pull-request-github#1317). ``github-actions[bot]``
  may not approve: "GitHub Actions is not permitted to approve pull requests."
  (cpp-linter/cpp-linter#51), nor may anyone approve their own PR.
- Editing or deleting a comment: only its author (403 otherwise). This is STRICTER than GitHub,
  where any token with write access may edit anyone's comment: it is a tripwire so that tests
  catch codeguard editing a comment it did not write (``author_only_edits``).
- Branch protection and rulesets need admin rights (``add_token(..., admin=True)`` or
  ``permissions={"administration": "write"}``): else 403 "Resource not accessible by integration"
  for apps (renovatebot/renovate#23885) and "Must have admin rights to Repository." for users;
  ``fake.non_admin_status = 404`` answers 404 "Not Found" instead, as GitHub does to some tokens
  (Wide-Moat/open-computer-use#359). Reading rulesets needs no admin. An unknown branch: 404
  "Branch not found"; an unprotected one: 404 "Branch not protected"; PATCH or GET of
  required_status_checks where they are off: 404 "Required status checks not enabled"
  (PyGithub/PyGithub#973).
- PUT protection (docs: branches/branch-protection#update-branch-protection) replaces it all and
  needs ``required_status_checks``, ``enforce_admins``, ``required_pull_request_reviews`` and
  ``restrictions`` (each may be null), else 422 'Invalid request. "x" wasn't supplied.'
  (cli/cli#7338); ``required_status_checks`` needs ``strict`` and exactly one of ``contexts`` and
  ``checks`` (both: the "No subschema in "anyOf" matched." 422 of ossf/allstar#155); a check's
  ``app_id`` is an integer: -1 stores "any source" (null when read back), and an omitted one
  becomes the app that recently reported that context (``repo.check_apps``), as documented for
  ``checks[].app_id``. ``required_signatures`` is not part of the PUT and is kept (fake).
  STRICTER than GitHub (tripwires, marked "(fake)"): unknown keys are rejected.
- Rulesets (docs: repos/rules): POST needs ``name`` (unique per repository) and ``enforcement``
  (disabled|active|evaluate); ``target`` branch|tag|push; a ``required_status_checks`` rule needs
  ``parameters.required_status_checks`` ([{context, integration_id?}]) and
  ``strict_required_status_checks_policy``; one rule per type. PUT changes only the fields it
  sends (``rules`` replaces the whole list). Organisation rulesets (``source_type``
  "Organization") are listed unless ``includes_parents=false`` and cannot be edited through the
  repository (404). STRICTER than GitHub (fake): branch ``ref_name`` patterns must be
  ``refs/heads/...``, ``~DEFAULT_BRANCH`` or ``~ALL``; unknown keys are rejected.
- Rate limits (github/docs rate-limits-for-the-rest-api.md, secondary-rate-limit-rest-graphql.md):
  every response has ``x-ratelimit-limit/remaining/reset/used/resource``; ``limit`` requests per
  token per ``window`` seconds (GITHUB_TOKEN: 1000/hour), then 403 "API rate limit exceeded for
  ..." with ``x-ratelimit-remaining: 0``; content-creating requests (POST/PATCH/DELETE of
  comments, reviews, statuses, check runs) above ``secondary_per_minute`` (80) per 60 s or
  ``secondary_per_hour`` (500) per hour get ``secondary_status`` (403) "You have exceeded a
  secondary rate limit..." with ``retry-after: retry_after`` and the identity is blocked for
  that long.
- Lists: ``per_page`` (default 30, max 100) and ``page``, with ``Link`` first/prev/next/last;
  a PR's files stop at 3000 (docs: "list pull requests files").

Faults: ``fake.fail_next(method, path_regex, status, headers, body)`` answers the next matching
request with that response (``times=n`` for several; ``apply=True`` performs the request first,
as when GitHub creates the comment and the proxy still answers 502).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import ClassVar
from typing import NamedTuple

from tests.local_server import LocalServer
from tests.local_server import QuietHandler

DOCS = "https://docs.github.com/rest"
GHE_PREFIX = "/api/v3"
MAX_BODY = 65536
MAX_CHECK_TEXT = 65535
MAX_ANNOTATIONS = 50
MAX_ANNOTATION_TITLE = 255
MAX_ANNOTATION_TEXT = 65535
MAX_STATUS_DESCRIPTION = 140
MAX_STATUSES_PER_CONTEXT = 1000
MAX_PULL_FILES = 3000
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
CHECK_STATUSES = ("queued", "in_progress", "completed")
CHECK_CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "timed_out",
)
ANNOTATION_LEVELS = ("notice", "warning", "failure")
STATUS_STATES = ("error", "failure", "pending", "success")
REVIEW_EVENTS = ("APPROVE", "REQUEST_CHANGES", "COMMENT")
SIDES = ("LEFT", "RIGHT")
ACTIONS_BOT = "github-actions[bot]"
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
SAME_REPO = ""  # add_pull(head_repo=SAME_REPO): the PR's head branch lives in the base repo

DOC_CHECKS = "https://docs.github.com/rest/checks/runs#create-a-check-run"
DOC_STATUSES = "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
DOC_ISSUE_COMMENTS = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
DOC_REVIEW_COMMENTS = (
    "https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request"
)
DOC_REVIEWS = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
DOC_RATE = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
DOC_USER = "https://docs.github.com/rest/users/users#get-the-authenticated-user"
DOC_PROTECTION = "https://docs.github.com/rest/branches/branch-protection#update-branch-protection"
DOC_STATUS_CHECKS = (
    "https://docs.github.com/rest/branches/branch-protection#update-status-check-protection"
)
DOC_RULESETS = "https://docs.github.com/rest/repos/rules#create-a-repository-ruleset"
# PUT protection's optional booleans; GET answers each as {"enabled": bool}
PROTECTION_FLAGS = (
    "required_linear_history",
    "allow_force_pushes",
    "allow_deletions",
    "block_creations",
    "required_conversation_resolution",
    "lock_branch",
    "allow_fork_syncing",
)
PROTECTION_KEYS = (
    "required_status_checks",
    "enforce_admins",
    "required_pull_request_reviews",
    "restrictions",
)
REVIEW_FLAGS = ("dismiss_stale_reviews", "require_code_owner_reviews", "require_last_push_approval")
RULESET_TARGETS = ("branch", "tag", "push")
RULESET_ENFORCEMENTS = ("disabled", "active", "evaluate")


class ApiError(Exception):
    """An error response: raised anywhere in a handler, turned into JSON by the server."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        doc: str = DOCS,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.doc = doc
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        out["documentation_url"] = self.doc
        out["status"] = str(self.status)
        return out


def invalid_request(detail: str, doc: str = DOC_CHECKS) -> ApiError:
    """The Checks API's JSON-schema style: 'Invalid request.\\n\\n<detail>'."""
    return ApiError(422, f"Invalid request.\n\n{detail}", doc=doc)


def not_supplied(names: list[str]) -> str:
    quoted = ", ".join(f'"{n}"' for n in names)
    return f"{quoted} {'wasn' if len(names) == 1 else 'weren'}'t supplied."


def validation_failed(
    resource: str, field_: str, code: str, message: str | None = None, doc: str = DOCS
) -> ApiError:
    error: dict[str, Any] = {"resource": resource, "code": code, "field": field_}
    if message is not None:
        error["message"] = message
    return ApiError(422, "Validation Failed", errors=[error], doc=doc)


def to_sentence(parts: list[str]) -> str:
    """Rails' Array#to_sentence, which GitHub uses to join review errors."""
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return f"{', '.join(parts[:-1])}, and {parts[-1]}"


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("\0".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


# --------------------------------------------------------------------------- state


@dataclass
class Identity:
    """Who a token is. ``kind`` "app" is an installation token (GITHUB_TOKEN is the Actions app's);
    ``write=False`` makes every write 403; ``permissions`` ({"checks": "write", "issues": "read",
    ...} over checks, statuses, issues, pull_requests) overrides ``write`` per scope."""

    login: str
    kind: str = "app"
    write: bool = True
    permissions: dict[str, str] | None = None
    id: int = 0
    limit: int | None = None  # this token's primary limit, instead of FakeGitHub.limit
    admin: bool = False  # admin rights on the repositories (branch protection, rulesets)

    def can_write(self, scope: str) -> bool:
        if self.permissions is not None:
            return self.permissions.get(scope) == "write"
        return self.write

    def can_admin(self) -> bool:
        if self.permissions is not None:
            return self.permissions.get("administration") == "write"
        return self.admin and self.write


@dataclass
class Hunk:
    header: str
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    first_index: int  # index of the header among the patch's lines


@dataclass
class PullFile:
    """One file of a PR's diff. ``patch`` is GitHub's ``patch`` field: the hunks, from the first
    "@@" on (None for binary files). ``lines`` maps (side, line) to (hunk index, position,
    index of the line in the patch) for every commentable line."""

    filename: str
    status: str = "modified"
    patch: str | None = None
    previous_filename: str | None = None
    hunks: list[Hunk] = field(default_factory=list)
    lines: dict[tuple[str, int], tuple[int, int, int]] = field(default_factory=dict)
    additions: int = 0
    deletions: int = 0

    def __post_init__(self) -> None:
        if self.patch is not None and not self.hunks:
            self.index()

    def index(self) -> None:
        self.hunks, self.lines = [], {}
        self.additions = self.deletions = 0
        patch_lines = (self.patch or "").split("\n")
        position = 0
        old = new = 0
        for i, text in enumerate(patch_lines):
            m = HUNK_RE.match(text)
            if m:
                if self.hunks:
                    position += 1  # a later hunk's header counts as a position
                old, new = int(m[1]), int(m[3])
                self.hunks.append(
                    Hunk(text, old, int(m[2] or 1), new, int(m[4] or 1), first_index=i)
                )
                continue
            if not self.hunks:
                continue
            position += 1
            tag, hunk = text[:1], len(self.hunks) - 1
            if tag == "+":
                self.lines[("RIGHT", new)] = (hunk, position, i)
                new += 1
                self.additions += 1
            elif tag == "-":
                self.lines[("LEFT", old)] = (hunk, position, i)
                old += 1
                self.deletions += 1
            elif tag in (" ", ""):
                if i == len(patch_lines) - 1 and text == "":
                    continue  # the patch's trailing newline
                self.lines[("LEFT", old)] = (hunk, position, i)
                self.lines[("RIGHT", new)] = (hunk, position, i)
                old += 1
                new += 1

    def diff_hunk(self, side: str, line: int) -> str:
        """GitHub's ``diff_hunk`` of a comment: its hunk, from the header to the line."""
        hunk, _, index = self.lines[(side, line)]
        start = self.hunks[hunk].first_index
        return "\n".join((self.patch or "").split("\n")[start : index + 1])


@dataclass
class Pull:
    number: int
    head_sha: str
    base_sha: str
    files: list[PullFile]
    diff: str
    title: str = "A change"
    body: str = ""
    user: str = "alice"
    head_ref: str = "feature"
    base_ref: str = "main"
    head_repo: str | None = None  # None: the fork was deleted
    base_repo: str = ""
    commits: list[str] = field(default_factory=list)
    state: str = "open"
    draft: bool = False
    id: int = 0
    created_at: float = 0.0

    def file(self, path: str) -> PullFile | None:
        return next((f for f in self.files if f.filename == path), None)

    @property
    def commentable(self) -> set[tuple[str, int, str]]:
        """Every (path, line, side) a review comment may be put on."""
        return {(f.filename, line, side) for f in self.files for side, line in f.lines}


@dataclass
class IssueComment:
    id: int
    number: int
    body: str
    user: str
    created_at: float
    updated_at: float


@dataclass
class ReviewComment:
    id: int
    number: int
    body: str
    user: str
    commit_id: str
    path: str
    line: int | None
    side: str | None
    start_line: int | None = None
    start_side: str | None = None
    subject_type: str = "line"
    review_id: int | None = None
    in_reply_to_id: int | None = None
    position: int | None = None
    diff_hunk: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    reactions: list[tuple[int, str, str]] = field(default_factory=list)  # (id, login, content)


@dataclass
class Review:
    id: int
    number: int
    user: str
    body: str
    state: str  # PENDING, COMMENTED, APPROVED, CHANGES_REQUESTED
    commit_id: str
    submitted_at: float | None


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    app: str  # login of the app that created it
    status: str = "queued"
    conclusion: str | None = None
    started_at: float | None = None
    completed_at: float | None = None
    details_url: str | None = None
    external_id: str | None = None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Status:
    id: int
    sha: str
    state: str
    description: str | None
    target_url: str | None
    context: str
    creator: str
    created_at: float


@dataclass
class Repo:
    full_name: str
    id: int
    private: bool = False
    default_branch: str = "main"
    pulls: dict[int, Pull] = field(default_factory=dict)
    issue_comments: dict[int, IssueComment] = field(default_factory=dict)
    review_comments: dict[int, ReviewComment] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    statuses: list[Status] = field(default_factory=list)
    commits: set[str] = field(default_factory=set)  # further known SHAs (add_commit)
    branches: set[str] = field(default_factory=set)  # besides default_branch (add_branch)
    protection: dict[str, dict[str, Any]] = field(default_factory=dict)  # branch -> stored
    rulesets: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> stored ruleset
    check_apps: dict[str, int] = field(default_factory=dict)  # context -> app that reported it
    # login -> "admin" | "maintain" | "write" | "triage" | "read" (add_collaborator)
    collaborators: dict[str, str] = field(default_factory=dict)

    def has_branch(self, name: str) -> bool:
        return name == self.default_branch or name in self.branches

    def known_shas(self) -> set[str]:
        shas = set(self.commits)
        for pr in self.pulls.values():
            shas.update((pr.head_sha, pr.base_sha, *pr.commits))
        return shas


class Request(NamedTuple):
    """One request as received: ``path`` has no /api/v3 prefix and keeps its query string."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.path.partition("?")[2]))


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Any
    times: int = 1
    apply: bool = False


@dataclass
class Ctx:
    method: str
    route: str
    base: str  # absolute API root for URLs in responses, e.g. http://127.0.0.1:PORT/api/v3
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    identity: Identity
    token: str
    groups: dict[str, str]
    repo: Repo | None = None

    @property
    def repo_(self) -> Repo:
        assert self.repo is not None
        return self.repo

    @property
    def api(self) -> str:
        return f"{self.base}/repos/{self.repo_.full_name}"

    def json_body(self) -> dict[str, Any]:
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.body


Handler = Callable[[Ctx], "tuple[int, Any, dict[str, str]]"]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    scopes: tuple[str, ...] = ()  # write scopes; a non-empty tuple makes it content-creating
    app_only: bool = False


# --------------------------------------------------------------------------- diff parsing


def _diff_path(text: str) -> str | None:
    path = text[4:].split("\t", 1)[0].strip()
    if path == "/dev/null":
        return None
    if path[:2] in ("a/", "b/"):
        path = path[2:]
    return path


def parse_diff(text: str) -> list[PullFile]:
    """Split a unified diff (``git diff`` or ``diff -u`` output) into PullFiles."""
    files: list[PullFile] = []
    current: dict[str, Any] | None = None
    remaining_old = remaining_new = 0

    def finish() -> None:
        if current is None:
            return
        old, new = current["old"], current["new"]
        status = current["status"]
        if status is None:
            if old is None and new is not None:
                status = "added"
            elif new is None and old is not None:
                status = "removed"
            elif old is not None and new is not None and old != new:
                status = "renamed"
            else:
                status = "modified"
        name = new if new is not None else old
        patch = "\n".join(current["patch"]) if current["patch"] else None
        previous = old if status == "renamed" else None
        files.append(PullFile(str(name), status, patch, previous))

    for line in text.splitlines():
        if current is not None and (remaining_old > 0 or remaining_new > 0):
            tag = line[:1]
            if tag == "+":
                remaining_new -= 1
            elif tag == "-":
                remaining_old -= 1
            elif tag in (" ", ""):
                remaining_old -= 1
                remaining_new -= 1
                line = line or " "
            current["patch"].append(line)
            continue
        if line.startswith("diff --git "):
            finish()
            m = re.match(r"diff --git a/(.+?) b/(.+)$", line)
            old, new = (m[1], m[2]) if m else (None, None)
            current = {"old": old, "new": new, "status": None, "patch": []}
        elif line.startswith("--- ") and (current is None or current["patch"]):
            finish()
            current = {"old": _diff_path(line), "new": None, "status": None, "patch": []}
        elif current is None:
            continue
        elif line.startswith("--- "):
            current["old"] = _diff_path(line)
        elif line.startswith("+++ "):
            current["new"] = _diff_path(line)
        elif line.startswith("new file mode"):
            current["status"] = "added"
            current["old"] = None
        elif line.startswith("deleted file mode"):
            current["status"] = "removed"
            current["new"] = None
        elif line.startswith("rename from "):
            current["old"], current["status"] = line[12:], "renamed"
        elif line.startswith("rename to "):
            current["new"], current["status"] = line[10:], "renamed"
        elif line.startswith("@@"):
            m = HUNK_RE.match(line)
            if m:
                remaining_old = int(m[2] or 1)
                remaining_new = int(m[4] or 1)
                current["patch"].append(line)
        elif line.startswith("\\") and current["patch"]:
            current["patch"].append(line)
    finish()
    return files


def render_diff(files: list[PullFile]) -> str:
    out = []
    for f in files:
        old = f.previous_filename or f.filename
        out.append(f"diff --git a/{old} b/{f.filename}")
        if f.patch is None:
            out.append(f"Binary files a/{old} and b/{f.filename} differ")
            continue
        out.append("--- /dev/null" if f.status == "added" else f"--- a/{old}")
        out.append("+++ /dev/null" if f.status == "removed" else f"+++ b/{f.filename}")
        out.append(f.patch)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the fake


class FakeGitHub(LocalServer):
    """A fake GitHub REST API on 127.0.0.1 (see the module docstring). Use as a context manager
    or call start()/stop()."""

    def __init__(
        self,
        repo: str = "octo-org/octo-repo",
        *,
        limit: int = 1000,
        window: float = 3600.0,
        secondary_per_minute: int = 80,
        secondary_per_hour: int = 500,
        retry_after: int = 1,
    ) -> None:
        self.lock = threading.RLock()
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, Identity] = {}
        self.users: dict[str, int] = {}
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.limit = limit  # primary: requests per token per window
        self.window = window  # seconds
        self.secondary_per_minute = secondary_per_minute
        self.secondary_per_hour = secondary_per_hour
        self.retry_after = retry_after  # seconds, the retry-after of a secondary limit
        self.secondary_status = 403  # GitHub sends 403 or 429
        self.reject_position = True
        self.author_only_edits = True
        self.actions_can_approve = False  # the repo setting "Allow GitHub Actions to ... approve"
        self.non_admin_status = 403  # what admin-only endpoints answer other tokens (403 or 404)
        self._ids = itertools.count(1001)
        self._usage: dict[str, list[float]] = {}  # token -> [window start, used]
        self._writes: dict[str, list[float]] = {}  # login -> times of content-creating requests
        self._blocked: dict[str, float] = {}  # login -> secondary block end
        self._default_repo = self.add_repo(repo).full_name
        self._routes = self._make_routes()
        fake = self

        class _Handler(QuietHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, out_headers, data = fake.handle(self.command, self.path, headers, raw)
                try:
                    self.send_response(status)
                    for key, value in out_headers.items():
                        self.send_header(key, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    if data:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        super().__init__(_Handler, poll_interval=0.05)

    # ---- lifecycle (start, stop, with: LocalServer)

    @property
    def url(self) -> str:
        return self.origin

    @property
    def enterprise_url(self) -> str:
        return self.url + GHE_PREFIX

    # ---- seeding

    @property
    def repo(self) -> Repo:
        """The repository created by the constructor."""
        return self.repos[self._default_repo]

    def _repo(self, name: str | None) -> Repo:
        return self.repos[name or self._default_repo]

    def add_repo(self, full_name: str, *, private: bool = False) -> Repo:
        with self.lock:
            repo = Repo(full_name, next(self._ids), private=private)
            self.repos[full_name] = repo
            return repo

    def user_id(self, login: str) -> int:
        with self.lock:
            if login not in self.users:
                self.users[login] = 41898282 if login == ACTIONS_BOT else next(self._ids)
            return self.users[login]

    def add_token(
        self,
        token: str,
        login: str,
        *,
        kind: str = "app",
        write: bool = True,
        permissions: dict[str, str] | None = None,
        limit: int | None = None,
        admin: bool = False,
    ) -> Identity:
        assert kind in ("app", "user"), kind
        identity = Identity(login, kind, write, permissions, self.user_id(login), limit, admin)
        with self.lock:
            self.tokens[token] = identity
        return identity

    def add_commit(self, sha: str, repo: str | None = None) -> None:
        with self.lock:
            self._repo(repo).commits.add(sha)

    def add_branch(self, name: str, repo: str | None = None) -> None:
        with self.lock:
            self._repo(repo).branches.add(name)

    def protect_branch(
        self,
        branch: str,
        settings: dict[str, Any],
        *,
        required_signatures: bool = False,
        repo: str | None = None,
    ) -> dict[str, Any]:
        """Seed classic protection from a PUT-shaped body (validated like PUT); returns what is
        stored in ``repo.protection[branch]``."""
        with self.lock:
            target = self._repo(repo)
            if not target.has_branch(branch):
                target.branches.add(branch)
            stored = self._protection_from_put(target, settings, None)
            stored["required_signatures"] = required_signatures
            target.protection[branch] = stored
            return stored

    def add_ruleset(
        self,
        name: str,
        *,
        enforcement: str = "active",
        target: str = "branch",
        conditions: dict[str, Any] | None = None,
        rules: list[dict[str, Any]] | None = None,
        bypass_actors: list[dict[str, Any]] | None = None,
        organization: str | None = None,
        repo: str | None = None,
    ) -> dict[str, Any]:
        """Seed a ruleset (validated like POST). ``organization``: an organisation's ruleset
        that applies to this repository, not editable through it."""
        with self.lock:
            target_repo = self._repo(repo)
            body: dict[str, Any] = {"name": name, "enforcement": enforcement, "target": target}
            if conditions is not None:
                body["conditions"] = conditions
            if rules is not None:
                body["rules"] = rules
            if bypass_actors is not None:
                body["bypass_actors"] = bypass_actors
            fields = self._ruleset_fields(target_repo, body, None)
            return self._store_ruleset(target_repo, fields, organization)

    def add_pull(
        self,
        number: int = 1,
        diff: str | dict[str, str] = "",
        *,
        title: str = "A change",
        body: str = "",
        user: str = "alice",
        head_sha: str | None = None,
        base_sha: str | None = None,
        head_ref: str = "feature",
        base_ref: str = "main",
        head_repo: str | None = SAME_REPO,
        commits: list[str] | None = None,
        repo: str | None = None,
    ) -> Pull:
        """Seed a PR. ``diff``: a unified diff (``git diff`` output) or {path: patch} with GitHub's
        ``patch`` text (hunks only). ``head_repo``: another full name for a fork PR, None for a
        deleted fork. ``commits``: the PR's commit SHAs (default: the head)."""
        with self.lock:
            target = self._repo(repo)
            if isinstance(diff, dict):
                files = []
                for path, patch in diff.items():
                    status = "modified"
                    if re.match(r"@@ -0,0 ", patch):
                        status = "added"
                    elif re.match(r"@@ -\d+(,\d+)? \+0,0 @@", patch):
                        status = "removed"
                    files.append(PullFile(path, status, patch.rstrip("\n")))
                text = render_diff(files)
            else:
                files, text = parse_diff(diff), diff
            head = head_sha or fake_sha(target.full_name, number, "head")
            pr = Pull(
                number=number,
                head_sha=head,
                base_sha=base_sha or fake_sha(target.full_name, number, "base"),
                files=files,
                diff=text,
                title=title,
                body=body,
                user=user,
                head_ref=head_ref,
                base_ref=base_ref,
                head_repo=target.full_name if head_repo == SAME_REPO else head_repo,
                base_repo=target.full_name,
                commits=list(commits) if commits else [head],
                id=next(self._ids),
                created_at=time.time(),
            )
            self.user_id(user)
            target.pulls[number] = pr
            return pr

    def add_issue_comment(
        self, number: int, body: str, user: str = "alice", repo: str | None = None
    ) -> IssueComment:
        with self.lock:
            now = time.time()
            comment = IssueComment(next(self._ids), number, body, user, now, now)
            self._repo(repo).issue_comments[comment.id] = comment
            self.user_id(user)
            return comment

    def add_review_comment(
        self,
        number: int,
        body: str,
        path: str,
        line: int,
        side: str = "RIGHT",
        user: str = "alice",
        repo: str | None = None,
    ) -> ReviewComment:
        with self.lock:
            target = self._repo(repo)
            pr = target.pulls[number]
            f = pr.file(path)
            if f is None or (side, line) not in f.lines:
                raise ValueError(f"{path}:{line} ({side}) is not in PR #{number}'s diff")
            now = time.time()
            comment = ReviewComment(
                next(self._ids),
                number,
                body,
                user,
                pr.head_sha,
                path,
                line,
                side,
                position=f.lines[(side, line)][1],
                diff_hunk=f.diff_hunk(side, line),
                created_at=now,
                updated_at=now,
            )
            target.review_comments[comment.id] = comment
            self.user_id(user)
            return comment

    def add_reaction(
        self, comment_id: int, content: str, user: str, repo: str | None = None
    ) -> None:
        """A reaction on a review comment, as someone clicking it in the UI."""
        assert content in REACTIONS, content
        with self.lock:
            comment = self._repo(repo).review_comments[comment_id]
            if all((login, c) != (user, content) for _, login, c in comment.reactions):
                comment.reactions.append((next(self._ids), user, content))
            self.user_id(user)

    def add_collaborator(self, login: str, permission: str, repo: str | None = None) -> None:
        assert permission in ("admin", "maintain", "write", "triage", "read"), permission
        with self.lock:
            self._repo(repo).collaborators[login] = permission
            self.user_id(login)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        times: int = 1,
        apply: bool = False,
    ) -> None:
        """Answer the next ``times`` requests whose method matches (``*`` for any) and whose path
        (no /api/v3 prefix, no query) matches ``path_regex`` (re.search) with this response.
        ``body``: a dict or list (sent as JSON), str or bytes; default {"message": ...}.
        ``apply=True``: carry out the request first (it takes effect), then answer the fault."""
        with self.lock:
            self.faults.append(
                Fault(
                    method.upper(),
                    re.compile(path_regex),
                    status,
                    dict(headers or {}),
                    body,
                    times,
                    apply,
                )
            )

    def calls(self, method: str | None = None, path_regex: str | None = None) -> list[Request]:
        """The recorded requests with this method and a route matching ``path_regex``."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.search(path_regex, r.route))
            ]

    def reset_limits(self) -> None:
        with self.lock:
            self._usage.clear()
            self._writes.clear()
            self._blocked.clear()

    # ---- request handling

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urllib.parse.urlsplit(raw_path)
        route, prefix = parts.path, ""
        if route == "/api/graphql":
            route = "/graphql"
        elif route.startswith(GHE_PREFIX + "/"):
            route, prefix = route[len(GHE_PREFIX) :], GHE_PREFIX
        base = f"http://{headers.get('host') or self.url[7:]}{prefix}"
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body, bad_json = raw.decode("utf-8", "replace"), True
        query = dict(urllib.parse.parse_qsl(parts.query))
        with self.lock:
            self.requests.append(
                Request(method, route + (f"?{parts.query}" if parts.query else ""), body, headers)
            )
            fault = self._take_fault(method, route)
            if fault is not None and not fault.apply:
                return self._fault_response(fault, self._anonymous_rate())
            token: str | None = None
            extra: dict[str, str] = {}
            try:
                if bad_json:
                    raise ApiError(400, "Problems parsing JSON")
                token, identity = self._authenticate(headers)
                found = self._match(method, route)
                if route != "/rate_limit":
                    self._count_primary(token, identity)
                if found is None:
                    raise ApiError(404, "Not Found")
                spec, groups = found
                ctx = Ctx(method, route, base, query, body, headers, identity, token, groups)
                if "owner" in groups:
                    ctx.repo = self._find_repo(f"{groups['owner']}/{groups['name']}")
                status, payload, extra = self._run(spec, ctx)
            except ApiError as e:
                status, payload, extra = e.status, e.body(), e.headers
            out = {
                "content-type": "application/json; charset=utf-8",
                "x-github-api-version-selected": "2022-11-28",
                "x-github-request-id": f"FAKE:{len(self.requests):04d}",
                **(self._rate_headers(token, route) if token else self._anonymous_rate()),
                **extra,
            }
            if fault is not None:
                return self._fault_response(fault, out)
            if isinstance(payload, (bytes, str)):
                data = payload.encode() if isinstance(payload, str) else payload
            elif status == 204:
                data = b""
            else:
                data = json.dumps(payload).encode()
            return status, out, data

    def _take_fault(self, method: str, route: str) -> Fault | None:
        for fault in self.faults:
            if fault.method in ("*", method.upper()) and fault.pattern.search(route):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _fault_response(
        self, fault: Fault, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        body = fault.body
        if body is None:
            body = {"message": f"fault injected by the fake ({fault.status})"}
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = bytes(body)
        out = {"content-type": "application/json; charset=utf-8", **headers}
        out.update({k.lower(): v for k, v in fault.headers.items()})
        return fault.status, out, data

    def _authenticate(self, headers: dict[str, str]) -> tuple[str, Identity]:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        identity = self.tokens.get(token.strip()) if scheme.lower() in ("token", "bearer") else None
        if identity is None:
            raise ApiError(401, "Bad credentials")
        return token.strip(), identity

    def _match(self, method: str, route: str) -> tuple[Route, dict[str, str]] | None:
        for spec in self._routes:
            m = spec.pattern.fullmatch(route)
            if m and spec.method == method.upper():
                return spec, {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
        return None

    def _find_repo(self, full_name: str) -> Repo:
        for name, repo in self.repos.items():
            if name.lower() == full_name.lower():
                return repo
        raise ApiError(404, "Not Found")

    # ---- rate limits

    def _limit_of(self, identity: Identity) -> int:
        return identity.limit if identity.limit is not None else self.limit

    def _bucket(self, token: str) -> list[float]:
        now = time.time()
        bucket = self._usage.setdefault(token, [now, 0.0])
        if now >= bucket[0] + self.window:
            bucket[:] = [now, 0.0]
        return bucket

    def _count_primary(self, token: str, identity: Identity) -> None:
        bucket = self._bucket(token)
        if bucket[1] >= self._limit_of(identity):
            who = "installation" if identity.kind == "app" else "user"
            raise ApiError(
                403,
                f"API rate limit exceeded for {who} ID {identity.id}. If you reach out to GitHub"
                " Support for help, please include the request ID"
                f" FAKE:{len(self.requests):04d}.",
                doc=DOC_RATE,
            )
        bucket[1] += 1

    def _rate_headers(self, token: str, route: str) -> dict[str, str]:
        identity = self.tokens[token]
        bucket = self._bucket(token)
        limit = self._limit_of(identity)
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - int(bucket[1]))),
            "x-ratelimit-reset": str(math.ceil(bucket[0] + self.window)),
            "x-ratelimit-used": str(int(bucket[1])),
            "x-ratelimit-resource": "graphql" if route == "/graphql" else "core",
        }

    def _anonymous_rate(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": "60",
            "x-ratelimit-remaining": "60",
            "x-ratelimit-reset": str(math.ceil(time.time() + 3600)),
            "x-ratelimit-used": "0",
            "x-ratelimit-resource": "core",
        }

    def _count_secondary(self, identity: Identity) -> None:
        now = time.time()
        login = identity.login
        until = self._blocked.get(login, 0.0)
        if now < until:
            raise self._secondary(math.ceil(until - now))
        writes = self._writes.setdefault(login, [])
        if until:
            self._blocked.pop(login)
            writes.clear()
        writes[:] = [t for t in writes if now - t < 3600]
        minute = sum(1 for t in writes if now - t < 60)
        if minute >= self.secondary_per_minute or len(writes) >= self.secondary_per_hour:
            self._blocked[login] = now + self.retry_after
            raise self._secondary(self.retry_after)
        writes.append(now)

    def _secondary(self, retry_after: int) -> ApiError:
        return ApiError(
            self.secondary_status,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try"
            " again. If you reach out to GitHub Support for help, please include the request ID"
            f" FAKE:{len(self.requests):04d}.",
            doc="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
            "#about-secondary-rate-limits",
            headers={"retry-after": str(retry_after)},
        )

    # ---- dispatch

    def _run(self, spec: Route, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        if spec.scopes:
            if spec.app_only and ctx.identity.kind != "app":
                raise ApiError(403, "You must authenticate via a GitHub App.", doc=DOC_CHECKS)
            if not any(ctx.identity.can_write(s) for s in spec.scopes):
                who = "integration" if ctx.identity.kind == "app" else "personal access token"
                raise ApiError(403, f"Resource not accessible by {who}")
            self._count_secondary(ctx.identity)
        return spec.handler(ctx)

    def _make_routes(self) -> list[Route]:
        r = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
        n = r"(?P<number>\d+)"
        i = r"(?P<id>\d+)"
        ref = r"(?P<ref>[^/]+)"
        b = rf"{r}/branches/(?P<branch>.+?)"
        table: list[tuple[str, str, Handler, tuple[str, ...], bool]] = [
            ("GET", "/rate_limit", self._get_rate_limit, (), False),
            ("GET", "/user", self._get_user, (), False),
            ("GET", r"/users/(?P<login>[^/]+)", self._get_named_user, (), False),
            ("POST", "/graphql", self._graphql, (), False),
            ("GET", r, self._get_repo, (), False),
            ("GET", rf"{r}/pulls/{n}", self._get_pull, (), False),
            ("GET", rf"{r}/pulls/{n}/files", self._list_files, (), False),
            ("GET", rf"{r}/issues/{n}", self._get_issue, (), False),
            ("GET", rf"{r}/commits/{ref}", self._get_commit, (), False),
            ("POST", rf"{r}/check-runs", self._create_check_run, ("checks",), True),
            ("GET", rf"{r}/check-runs/{i}", self._get_check_run, (), False),
            ("PATCH", rf"{r}/check-runs/{i}", self._update_check_run, ("checks",), True),
            ("GET", rf"{r}/check-runs/{i}/annotations", self._list_annotations, (), False),
            ("GET", rf"{r}/commits/{ref}/check-runs", self._list_check_runs, (), False),
            ("POST", rf"{r}/statuses/(?P<sha>[^/]+)", self._create_status, ("statuses",), False),
            ("GET", rf"{r}/statuses/{ref}", self._list_statuses, (), False),
            ("GET", rf"{r}/commits/{ref}/statuses", self._list_statuses, (), False),
            ("GET", rf"{r}/commits/{ref}/status", self._combined_status, (), False),
            ("GET", rf"{r}/issues/{n}/comments", self._list_issue_comments, (), False),
            (
                "POST",
                rf"{r}/issues/{n}/comments",
                self._create_issue_comment,
                ("issues", "pull_requests"),
                False,
            ),
            ("GET", rf"{r}/issues/comments/{i}", self._get_issue_comment, (), False),
            (
                "PATCH",
                rf"{r}/issues/comments/{i}",
                self._edit_issue_comment,
                ("issues", "pull_requests"),
                False,
            ),
            (
                "DELETE",
                rf"{r}/issues/comments/{i}",
                self._delete_issue_comment,
                ("issues", "pull_requests"),
                False,
            ),
            ("GET", rf"{r}/pulls/{n}/comments", self._list_review_comments, (), False),
            (
                "POST",
                rf"{r}/pulls/{n}/comments",
                self._create_review_comment,
                ("pull_requests",),
                False,
            ),
            (
                "POST",
                rf"{r}/pulls/{n}/comments/{i}/replies",
                self._reply_review_comment,
                ("pull_requests",),
                False,
            ),
            ("GET", rf"{r}/pulls/comments/{i}", self._get_review_comment, (), False),
            ("GET", rf"{r}/pulls/comments/{i}/reactions", self._list_reactions, (), False),
            (
                "GET",
                rf"{r}/collaborators/(?P<login>[^/]+)/permission",
                self._get_permission,
                (),
                False,
            ),
            (
                "PATCH",
                rf"{r}/pulls/comments/{i}",
                self._edit_review_comment,
                ("pull_requests",),
                False,
            ),
            (
                "DELETE",
                rf"{r}/pulls/comments/{i}",
                self._delete_review_comment,
                ("pull_requests",),
                False,
            ),
            ("GET", rf"{r}/pulls/{n}/reviews", self._list_reviews, (), False),
            ("POST", rf"{r}/pulls/{n}/reviews", self._create_review, ("pull_requests",), False),
            ("GET", rf"{r}/pulls/{n}/reviews/{i}", self._get_review, (), False),
            ("GET", rf"{b}/protection/required_status_checks", self._get_status_checks, (), False),
            (
                "PATCH",
                rf"{b}/protection/required_status_checks",
                self._patch_status_checks,
                (),
                False,
            ),
            ("GET", rf"{b}/protection", self._get_protection, (), False),
            ("PUT", rf"{b}/protection", self._put_protection, (), False),
            ("GET", b, self._get_branch, (), False),  # after /protection: names may hold "/"
            ("GET", rf"{r}/rulesets", self._list_rulesets, (), False),
            ("POST", rf"{r}/rulesets", self._create_ruleset, (), False),
            ("GET", rf"{r}/rulesets/{i}", self._get_ruleset, (), False),
            ("PUT", rf"{r}/rulesets/{i}", self._update_ruleset, (), False),
        ]
        return [Route(m, re.compile(p), h, s, a) for m, p, h, s, a in table]

    # ---- pagination

    def _page(self, ctx: Ctx, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        def number(key: str, default: int) -> int:
            try:
                return int(ctx.query.get(key, default))
            except ValueError:
                return default

        per_page = min(max(number("per_page", DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
        page = max(number("page", 1), 1)
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(p: int) -> str:
            params = {**ctx.query, "per_page": str(per_page), "page": str(p)}
            return f"<{ctx.base}{ctx.route}?{urllib.parse.urlencode(params)}>"

        links = []
        if page > 1:
            links += [f'{link(page - 1)}; rel="prev"', f'{link(1)}; rel="first"']
        if page < last:
            links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        return chunk, ({"link": ", ".join(links)} if links else {})

    # ---- JSON shapes

    def _user(self, base: str, login: str) -> dict[str, Any]:
        uid = self.user_id(login)
        bot = login.endswith("[bot]")
        return {
            "login": login,
            "id": uid,
            "node_id": f"U_fake{uid}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "url": f"{base}/users/{urllib.parse.quote(login)}",
            "html_url": f"https://github.com/{'apps/' + login[:-5] if bot else login}",
            "type": "Bot" if bot else "User",
            "site_admin": False,
        }

    def _app(self, base: str, login: str) -> dict[str, Any]:
        slug = login.removesuffix("[bot]")
        app_id = 15368 if login == ACTIONS_BOT else self.user_id(login) + 7
        return {
            "id": app_id,
            "slug": slug,
            "node_id": f"A_fake{app_id}",
            "name": "GitHub Actions" if login == ACTIONS_BOT else slug,
            "owner": self._user(base, "github"),
            "description": "",
            "external_url": f"https://github.com/apps/{slug}",
            "html_url": f"https://github.com/apps/{slug}",
            "created_at": iso(0),
            "updated_at": iso(0),
            "permissions": {},
            "events": [],
        }

    def _repo_json(self, base: str, full_name: str, identity: Identity | None) -> dict[str, Any]:
        owner, name = full_name.split("/", 1)
        repo = self.repos.get(full_name)
        rid = repo.id if repo else int(fake_sha(full_name)[:7], 16)
        write = bool(identity and identity.write)
        return {
            "id": rid,
            "node_id": f"R_fake{rid}",
            "name": name,
            "full_name": full_name,
            "private": bool(repo and repo.private),
            "owner": self._user(base, owner),
            "html_url": f"https://github.com/{full_name}",
            "description": None,
            "fork": repo is None,
            "url": f"{base}/repos/{full_name}",
            "pulls_url": f"{base}/repos/{full_name}/pulls{{/number}}",
            "default_branch": repo.default_branch if repo else "main",
            "visibility": "private" if repo and repo.private else "public",
            "permissions": {
                "admin": bool(identity and identity.can_admin()),
                "maintain": False,
                "push": write,
                "triage": write,
                "pull": True,
            },
            "created_at": iso(0),
            "updated_at": iso(0),
            "pushed_at": iso(0),
        }

    def _pull_json(self, ctx: Ctx, pr: Pull) -> dict[str, Any]:
        api, base, full = ctx.api, ctx.base, ctx.repo_.full_name
        n = pr.number

        def part(ref: str, sha: str, repo_name: str | None) -> dict[str, Any]:
            owner = (repo_name or full).split("/")[0]
            return {
                "label": f"{owner}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": self._user(base, owner),
                "repo": self._repo_json(base, repo_name, ctx.identity) if repo_name else None,
            }

        repo = ctx.repo_
        return {
            "url": f"{api}/pulls/{n}",
            "id": pr.id,
            "node_id": f"PR_fake{pr.id}",
            "html_url": f"https://github.com/{full}/pull/{n}",
            "diff_url": f"https://github.com/{full}/pull/{n}.diff",
            "patch_url": f"https://github.com/{full}/pull/{n}.patch",
            "issue_url": f"{api}/issues/{n}",
            "commits_url": f"{api}/pulls/{n}/commits",
            "review_comments_url": f"{api}/pulls/{n}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{n}/comments",
            "statuses_url": f"{api}/statuses/{pr.head_sha}",
            "number": n,
            "state": pr.state,
            "locked": False,
            "title": pr.title,
            "user": self._user(base, pr.user),
            "body": pr.body,
            "labels": [],
            "milestone": None,
            "created_at": iso(pr.created_at),
            "updated_at": iso(pr.created_at),
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "draft": pr.draft,
            "head": part(pr.head_ref, pr.head_sha, pr.head_repo),
            "base": part(pr.base_ref, pr.base_sha, full),
            "author_association": "CONTRIBUTOR",
            "merged": False,
            "mergeable": True,
            "comments": sum(1 for c in repo.issue_comments.values() if c.number == n),
            "review_comments": sum(1 for c in repo.review_comments.values() if c.number == n),
            "commits": len(pr.commits),
            "additions": sum(f.additions for f in pr.files),
            "deletions": sum(f.deletions for f in pr.files),
            "changed_files": len(pr.files),
        }

    def _file_json(self, ctx: Ctx, pr: Pull, f: PullFile) -> dict[str, Any]:
        full = ctx.repo_.full_name
        quoted = urllib.parse.quote(f.filename)
        out: dict[str, Any] = {
            "sha": fake_sha(full, pr.head_sha, f.filename),
            "filename": f.filename,
            "status": f.status,
            "additions": f.additions,
            "deletions": f.deletions,
            "changes": f.additions + f.deletions,
            "blob_url": f"https://github.com/{full}/blob/{pr.head_sha}/{quoted}",
            "raw_url": f"https://github.com/{full}/raw/{pr.head_sha}/{quoted}",
            "contents_url": f"{ctx.api}/contents/{quoted}?ref={pr.head_sha}",
        }
        if f.patch is not None:
            out["patch"] = f.patch
        if f.previous_filename:
            out["previous_filename"] = f.previous_filename
        return out

    def _issue_comment_json(self, ctx: Ctx, c: IssueComment) -> dict[str, Any]:
        return {
            "id": c.id,
            "node_id": f"IC_fake{c.id}",
            "url": f"{ctx.api}/issues/comments/{c.id}",
            "html_url": f"https://github.com/{ctx.repo_.full_name}/pull/{c.number}"
            f"#issuecomment-{c.id}",
            "issue_url": f"{ctx.api}/issues/{c.number}",
            "body": c.body,
            "user": self._user(ctx.base, c.user),
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "author_association": "NONE" if c.user.endswith("[bot]") else "CONTRIBUTOR",
            "performed_via_github_app": None,
        }

    def _review_comment_json(self, ctx: Ctx, c: ReviewComment) -> dict[str, Any]:
        url = f"{ctx.api}/pulls/comments/{c.id}"
        html = f"https://github.com/{ctx.repo_.full_name}/pull/{c.number}#discussion_r{c.id}"
        pull = f"{ctx.api}/pulls/{c.number}"
        out = {
            "id": c.id,
            "node_id": f"PRRC_fake{c.id}",
            "url": url,
            "pull_request_review_id": c.review_id,
            "diff_hunk": c.diff_hunk,
            "path": c.path,
            "position": c.position,
            "original_position": c.position,
            "commit_id": c.commit_id,
            "original_commit_id": c.commit_id,
            "user": self._user(ctx.base, c.user),
            "body": c.body,
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "html_url": html,
            "pull_request_url": pull,
            "author_association": "NONE" if c.user.endswith("[bot]") else "CONTRIBUTOR",
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "pull_request": {"href": pull},
            },
            "start_line": c.start_line,
            "original_start_line": c.start_line,
            "start_side": c.start_side,
            "line": c.line,
            "original_line": c.line,
            "side": c.side,
            "subject_type": c.subject_type,
        }
        if c.in_reply_to_id is not None:
            out["in_reply_to_id"] = c.in_reply_to_id
        return out

    def _review_json(self, ctx: Ctx, r: Review) -> dict[str, Any]:
        html = f"https://github.com/{ctx.repo_.full_name}/pull/{r.number}"
        return {
            "id": r.id,
            "node_id": f"PRR_fake{r.id}",
            "user": self._user(ctx.base, r.user),
            "body": r.body,
            "state": r.state,
            "html_url": f"{html}#pullrequestreview-{r.id}",
            "pull_request_url": f"{ctx.api}/pulls/{r.number}",
            "_links": {
                "html": {"href": f"{html}#pullrequestreview-{r.id}"},
                "pull_request": {"href": f"{ctx.api}/pulls/{r.number}"},
            },
            "submitted_at": iso(r.submitted_at) if r.submitted_at is not None else None,
            "commit_id": r.commit_id,
            "author_association": "NONE" if r.user.endswith("[bot]") else "CONTRIBUTOR",
        }

    def _check_run_json(self, ctx: Ctx, run: CheckRun) -> dict[str, Any]:
        url = f"{ctx.api}/check-runs/{run.id}"
        repo = ctx.repo_
        pulls = [
            {
                "url": f"{ctx.api}/pulls/{pr.number}",
                "id": pr.id,
                "number": pr.number,
                "head": {"ref": pr.head_ref, "sha": pr.head_sha},
                "base": {"ref": pr.base_ref, "sha": pr.base_sha},
            }
            for pr in repo.pulls.values()
            # "fork pushes give an empty pull_requests array"
            if pr.head_sha == run.head_sha and pr.head_repo == repo.full_name
        ]
        return {
            "id": run.id,
            "node_id": f"CR_fake{run.id}",
            "head_sha": run.head_sha,
            "external_id": run.external_id or "",
            "url": url,
            "html_url": f"https://github.com/{repo.full_name}/runs/{run.id}",
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": iso(run.started_at) if run.started_at else None,
            "completed_at": iso(run.completed_at) if run.completed_at else None,
            "output": {
                "title": run.title,
                "summary": run.summary,
                "text": run.text,
                "annotations_count": len(run.annotations),
                "annotations_url": f"{url}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": int(fake_sha(run.head_sha, run.app)[:8], 16)},
            "app": self._app(ctx.base, run.app),
            "pull_requests": pulls,
        }

    def _status_json(self, ctx: Ctx, s: Status) -> dict[str, Any]:
        creator = self._user(ctx.base, s.creator)
        return {
            "url": f"{ctx.api}/statuses/{s.sha}",
            "avatar_url": creator["avatar_url"],
            "id": s.id,
            "node_id": f"SC_fake{s.id}",
            "state": s.state,
            "description": s.description,
            "target_url": s.target_url,
            "context": s.context,
            "created_at": iso(s.created_at),
            "updated_at": iso(s.created_at),
            "creator": creator,
        }

    # ---- lookups

    def _pull(self, ctx: Ctx) -> Pull:
        pr = ctx.repo_.pulls.get(int(ctx.groups["number"]))
        if pr is None:
            raise ApiError(404, "Not Found")
        return pr

    def _sha(self, ctx: Ctx, sha: str) -> str:
        if sha not in ctx.repo_.known_shas():
            raise ApiError(422, f"No commit found for SHA: {sha}")
        return sha

    # ---- meta endpoints

    def _get_rate_limit(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        h = self._rate_headers(ctx.token, "/")
        core = {
            "limit": int(h["x-ratelimit-limit"]),
            "remaining": int(h["x-ratelimit-remaining"]),
            "reset": int(h["x-ratelimit-reset"]),
            "used": int(h["x-ratelimit-used"]),
            "resource": "core",
        }
        resources = {
            "core": core,
            "search": {**core, "limit": 30, "remaining": 30, "used": 0, "resource": "search"},
            "graphql": {**core, "resource": "graphql"},
        }
        return 200, {"resources": resources, "rate": core}, {}

    def _get_user(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        if ctx.identity.kind == "app":
            raise ApiError(403, "Resource not accessible by integration", doc=DOC_USER)
        return 200, self._user(ctx.base, ctx.identity.login), {}

    def _get_named_user(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        login = ctx.groups["login"]
        if login not in self.users:
            raise ApiError(404, "Not Found")
        return 200, self._user(ctx.base, login), {}

    def _graphql(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        query = str(ctx.json_body().get("query", ""))
        if re.search(r"\bviewer\b", query):
            login = ctx.identity.login
            viewer = {
                "login": login,
                "databaseId": self.user_id(login),
                "id": f"U_fake{self.user_id(login)}",
                "__typename": "Bot" if login.endswith("[bot]") else "User",
            }
            return 200, {"data": {"viewer": viewer}}, {}
        error = {"message": "the fake GitHub answers only { viewer { login } } (fake)"}
        return 200, {"errors": [error]}, {}

    # ---- repository, pulls, commits

    def _get_repo(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        return 200, self._repo_json(ctx.base, ctx.repo_.full_name, ctx.identity), {}

    def _get_pull(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        if "diff" in ctx.headers.get("accept", ""):
            return 200, pr.diff, {"content-type": "application/vnd.github.diff; charset=utf-8"}
        return 200, self._pull_json(ctx, pr), {}

    def _list_files(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        files = [self._file_json(ctx, pr, f) for f in pr.files[:MAX_PULL_FILES]]
        return (200, *self._page(ctx, files))

    def _get_issue(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        api, n = ctx.api, pr.number
        full = ctx.repo_.full_name
        return (
            200,
            {
                "url": f"{api}/issues/{n}",
                "repository_url": api,
                "comments_url": f"{api}/issues/{n}/comments",
                "html_url": f"https://github.com/{full}/pull/{n}",
                "id": pr.id + 1,
                "node_id": f"I_fake{pr.id}",
                "number": n,
                "title": pr.title,
                "user": self._user(ctx.base, pr.user),
                "labels": [],
                "state": pr.state,
                "locked": False,
                "assignee": None,
                "assignees": [],
                "comments": sum(1 for c in ctx.repo_.issue_comments.values() if c.number == n),
                "created_at": iso(pr.created_at),
                "updated_at": iso(pr.created_at),
                "closed_at": None,
                "body": pr.body,
                "pull_request": {
                    "url": f"{api}/pulls/{n}",
                    "html_url": f"https://github.com/{full}/pull/{n}",
                    "diff_url": f"https://github.com/{full}/pull/{n}.diff",
                    "patch_url": f"https://github.com/{full}/pull/{n}.patch",
                },
            },
            {},
        )

    def _get_commit(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        sha = self._sha(ctx, ctx.groups["ref"])
        author = {"name": "Test Author", "email": "author@example.com", "date": iso(0)}
        return (
            200,
            {
                "sha": sha,
                "node_id": f"C_fake{sha[:10]}",
                "url": f"{ctx.api}/commits/{sha}",
                "html_url": f"https://github.com/{ctx.repo_.full_name}/commit/{sha}",
                "comments_url": f"{ctx.api}/commits/{sha}/comments",
                "commit": {
                    "message": "a commit",
                    "author": author,
                    "committer": author,
                    "tree": {"sha": fake_sha(sha, "tree"), "url": f"{ctx.api}/git/trees/x"},
                    "url": f"{ctx.api}/git/commits/{sha}",
                    "comment_count": 0,
                },
                "author": None,
                "committer": None,
                "parents": [],
                "stats": {"total": 0, "additions": 0, "deletions": 0},
                "files": [],
            },
            {},
        )

    # ---- check runs

    def _check_annotation(self, a: Any) -> None:
        if not isinstance(a, dict):
            raise invalid_request("For 'items', an annotation is not an object.")
        missing = [
            k
            for k in ("path", "start_line", "end_line", "annotation_level", "message")
            if k not in a
        ]
        if missing:
            raise invalid_request(not_supplied(missing))
        level = a["annotation_level"]
        if level not in ANNOTATION_LEVELS:
            raise invalid_request(
                f"For 'properties/annotation_level', {json.dumps(level)} is not a member of"
                f" {json.dumps(list(ANNOTATION_LEVELS))}."
            )
        start, end = a["start_line"], a["end_line"]
        if not isinstance(start, int) or not isinstance(end, int) or start < 1 or end < start:
            raise invalid_request(
                f"start_line {start!r} and end_line {end!r} must be lines, start <= end (fake)."
            )
        if ("start_column" in a or "end_column" in a) and start != end:
            raise invalid_request(
                "start_column and end_column may only be given when start_line equals"
                " end_line (fake)."
            )
        for key, most in (
            ("title", MAX_ANNOTATION_TITLE),
            ("message", MAX_ANNOTATION_TEXT),
            ("raw_details", MAX_ANNOTATION_TEXT),
        ):
            value = a.get(key)
            if isinstance(value, str) and len(value) > most:
                raise invalid_request(
                    f"Only {most} characters are allowed; {len(value)} were supplied."
                )

    def _check_output(self, output: Any, creating: bool) -> None:
        if not isinstance(output, dict):
            raise invalid_request("For 'properties/output', the value is not an object.")
        required = ["title", "summary"] if creating else ["summary"]
        missing = [k for k in required if k not in output]
        if missing:
            raise invalid_request(not_supplied(missing))
        for key in ("summary", "text"):
            value = output.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise invalid_request(f"For 'properties/{key}', the value is not a string.")
            if len(value) > MAX_CHECK_TEXT:
                raise invalid_request(
                    f"Only {MAX_CHECK_TEXT} characters are allowed; {len(value)} were supplied."
                )
            if len(value.encode()) > MAX_CHECK_TEXT:
                raise validation_failed(
                    "CheckRun",
                    key,
                    "custom",
                    f"{key} exceeds a maximum bytesize of {MAX_CHECK_TEXT}",
                    DOC_CHECKS,
                )
        annotations = output.get("annotations", [])
        if not isinstance(annotations, list):
            raise invalid_request("For 'properties/annotations', the value is not an array.")
        if len(annotations) > MAX_ANNOTATIONS:
            raise invalid_request(
                f"No more than {MAX_ANNOTATIONS} items are allowed;"
                f" {len(annotations)} were supplied."
            )
        for a in annotations:
            self._check_annotation(a)

    def _check_fields(self, body: dict[str, Any], creating: bool, run: CheckRun | None) -> None:
        if creating:
            missing = [k for k in ("name", "head_sha") if not body.get(k)]
            if missing:
                raise invalid_request(not_supplied(missing))
        status, conclusion = body.get("status"), body.get("conclusion")
        if status is not None and status not in CHECK_STATUSES:
            raise invalid_request(
                f"For 'properties/status', {json.dumps(status)} is not a member of"
                f" {json.dumps(list(CHECK_STATUSES))}."
            )
        if conclusion is not None and conclusion not in CHECK_CONCLUSIONS:
            raise invalid_request(
                f"For 'properties/conclusion', {json.dumps(conclusion)} is not a member of"
                f" {json.dumps(list(CHECK_CONCLUSIONS))}."
            )
        has_conclusion = conclusion is not None or (run is not None and run.conclusion)
        if (status == "completed" or "completed_at" in body) and not has_conclusion:
            raise invalid_request(not_supplied(["conclusion"]))
        if "output" in body:
            self._check_output(body["output"], creating)
        actions = body.get("actions", [])
        if not isinstance(actions, list) or len(actions) > 3:
            count = len(actions) if isinstance(actions, list) else 0
            raise invalid_request(f"No more than 3 items are allowed; {count} were supplied.")
        for action in actions:
            for key, most in (("label", 20), ("description", 40), ("identifier", 20)):
                value = action.get(key) if isinstance(action, dict) else None
                if not isinstance(value, str):
                    raise invalid_request(not_supplied([key]))
                if len(value) > most:
                    raise invalid_request(
                        f"Only {most} characters are allowed; {len(value)} were supplied."
                    )

    def _apply_check(self, run: CheckRun, body: dict[str, Any]) -> None:
        now = time.time()
        for key in ("name", "details_url", "external_id"):
            if key in body:
                setattr(run, key, body[key])
        if "status" in body:
            run.status = body["status"]
            if run.status == "in_progress" and run.started_at is None:
                run.started_at = now
        if body.get("conclusion") is not None:
            run.conclusion = body["conclusion"]
            run.status = "completed"
        if run.status == "completed" and run.completed_at is None:
            run.completed_at = now
        if "actions" in body:
            run.actions = list(body["actions"])
        output = body.get("output")
        if isinstance(output, dict):
            for key in ("title", "summary", "text"):
                if key in output:
                    setattr(run, key, output[key])
            run.annotations.extend(dict(a) for a in output.get("annotations", []))

    def _create_check_run(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        body = ctx.json_body()
        self._check_fields(body, creating=True, run=None)
        self._sha(ctx, body["head_sha"])
        now = time.time()
        run = CheckRun(next(self._ids), body["name"], body["head_sha"], ctx.identity.login)
        run.started_at = now
        self._apply_check(run, body)
        ctx.repo_.check_runs[run.id] = run
        return 201, self._check_run_json(ctx, run), {"location": f"{ctx.api}/check-runs/{run.id}"}

    def _run_of(self, ctx: Ctx) -> CheckRun:
        run = ctx.repo_.check_runs.get(int(ctx.groups["id"]))
        if run is None:
            raise ApiError(404, "Not Found")
        return run

    def _get_check_run(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        return 200, self._check_run_json(ctx, self._run_of(ctx)), {}

    def _update_check_run(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        run = self._run_of(ctx)
        if run.app != ctx.identity.login:
            raise ApiError(403, "Resource not accessible by integration")
        body = ctx.json_body()
        self._check_fields(body, creating=False, run=run)
        self._apply_check(run, body)
        return 200, self._check_run_json(ctx, run), {}

    def _list_annotations(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        run = self._run_of(ctx)
        full = ctx.repo_.full_name
        items = []
        for a in run.annotations:
            item = {
                "path": a["path"],
                "blob_href": f"https://github.com/{full}/blob/{run.head_sha}/{a['path']}",
                "start_line": a["start_line"],
                "end_line": a["end_line"],
                "start_column": a.get("start_column"),
                "end_column": a.get("end_column"),
                "annotation_level": a["annotation_level"],
                "title": a.get("title"),
                "message": a["message"],
                "raw_details": a.get("raw_details"),
            }
            items.append(item)
        return (200, *self._page(ctx, items))

    def _list_check_runs(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        sha = self._sha(ctx, ctx.groups["ref"])
        runs = [r for r in ctx.repo_.check_runs.values() if r.head_sha == sha]
        if "check_name" in ctx.query:
            runs = [r for r in runs if r.name == ctx.query["check_name"]]
        if "status" in ctx.query:
            runs = [r for r in runs if r.status == ctx.query["status"]]
        if ctx.query.get("filter", "latest") == "latest":
            latest: dict[str, CheckRun] = {}
            for r in runs:
                if r.name not in latest or r.id > latest[r.name].id:
                    latest[r.name] = r
            runs = list(latest.values())
        runs.sort(key=lambda r: -r.id)
        page, headers = self._page(ctx, [self._check_run_json(ctx, r) for r in runs])
        return 200, {"total_count": len(runs), "check_runs": page}, headers

    # ---- statuses

    def _create_status(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        sha = self._sha(ctx, ctx.groups["sha"])
        body = ctx.json_body()
        state = body.get("state")
        if state not in STATUS_STATES:
            raise validation_failed(
                "Status", "state", "custom", "state is not included in the list", DOC_STATUSES
            )
        description = body.get("description")
        if isinstance(description, str) and len(description) > MAX_STATUS_DESCRIPTION:
            raise validation_failed(
                "Status",
                "description",
                "custom",
                f"description is too long (maximum is {MAX_STATUS_DESCRIPTION} characters)",
                DOC_STATUSES,
            )
        context = body.get("context") or "default"
        same = sum(1 for s in ctx.repo_.statuses if s.sha == sha and s.context == context)
        if same >= MAX_STATUSES_PER_CONTEXT:
            raise ApiError(
                422,
                "This SHA and context has reached the maximum number of statuses.",
                doc=DOC_STATUSES,
            )
        status = Status(
            next(self._ids),
            sha,
            state,
            description,
            body.get("target_url"),
            context,
            ctx.identity.login,
            time.time(),
        )
        ctx.repo_.statuses.append(status)
        return 201, self._status_json(ctx, status), {"location": f"{ctx.api}/statuses/{sha}"}

    def _list_statuses(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        sha = self._sha(ctx, ctx.groups["ref"])
        items = [self._status_json(ctx, s) for s in reversed(ctx.repo_.statuses) if s.sha == sha]
        return (200, *self._page(ctx, items))

    def _combined_status(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        sha = self._sha(ctx, ctx.groups["ref"])
        latest: dict[str, Status] = {}
        for s in ctx.repo_.statuses:
            if s.sha == sha:
                latest[s.context] = s
        states = {s.state for s in latest.values()}
        if states & {"error", "failure"}:
            state = "failure"
        elif not states or "pending" in states:
            state = "pending"
        else:
            state = "success"
        return (
            200,
            {
                "state": state,
                "statuses": [self._status_json(ctx, s) for s in latest.values()],
                "sha": sha,
                "total_count": len(latest),
                "repository": self._repo_json(ctx.base, ctx.repo_.full_name, ctx.identity),
                "commit_url": f"{ctx.api}/commits/{sha}",
                "url": f"{ctx.api}/commits/{sha}/status",
            },
            {},
        )

    # ---- issue comments

    def _comment_body(self, body: dict[str, Any], resource: str, doc: str) -> str:
        text = body.get("body")
        if not isinstance(text, str) or not text:
            raise validation_failed(resource, "body", "missing_field", doc=doc)
        if len(text) > MAX_BODY:
            raise validation_failed(
                resource,
                "data",
                "unprocessable",
                f"Body is too long (maximum is {MAX_BODY} characters)",
                doc,
            )
        return text

    def _list_issue_comments(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        items = [
            self._issue_comment_json(ctx, c)
            for c in sorted(ctx.repo_.issue_comments.values(), key=lambda c: c.id)
            if c.number == pr.number
        ]
        return (200, *self._page(ctx, items))

    def _create_issue_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        text = self._comment_body(ctx.json_body(), "IssueComment", DOC_ISSUE_COMMENTS)
        now = time.time()
        c = IssueComment(next(self._ids), pr.number, text, ctx.identity.login, now, now)
        ctx.repo_.issue_comments[c.id] = c
        url = f"{ctx.api}/issues/comments/{c.id}"
        return 201, self._issue_comment_json(ctx, c), {"location": url}

    def _issue_comment(self, ctx: Ctx) -> IssueComment:
        c = ctx.repo_.issue_comments.get(int(ctx.groups["id"]))
        if c is None:
            raise ApiError(404, "Not Found")
        return c

    def _check_author(self, ctx: Ctx, author: str) -> None:
        if self.author_only_edits and author != ctx.identity.login:
            raise ApiError(
                403,
                f"Only the comment's author ({author}) may edit or delete it (fake: GitHub itself"
                " lets any token with write access do so).",
            )

    def _get_issue_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        return 200, self._issue_comment_json(ctx, self._issue_comment(ctx)), {}

    def _edit_issue_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        c = self._issue_comment(ctx)
        self._check_author(ctx, c.user)
        c.body = self._comment_body(ctx.json_body(), "IssueComment", DOC_ISSUE_COMMENTS)
        c.updated_at = time.time()
        return 200, self._issue_comment_json(ctx, c), {}

    def _delete_issue_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        c = self._issue_comment(ctx)
        self._check_author(ctx, c.user)
        del ctx.repo_.issue_comments[c.id]
        return 204, None, {}

    # ---- review comments and reviews

    def _locate(self, pr: Pull, spec: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """Check where a review comment goes. Returns (problems, resolved fields); problems are
        keys of _SINGLE_ERRORS / _REVIEW_ERRORS."""
        if "position" in spec and self.reject_position:
            return ["position"], {}
        path = spec.get("path")
        f = pr.file(path) if isinstance(path, str) else None
        if f is None:
            return ["path"], {}
        if spec.get("subject_type") == "file":
            return [], {"path": path, "line": None, "side": None, "subject_type": "file"}
        if "position" in spec:  # only when reject_position is off
            by_position = {pos: key for key, (_, pos, _) in f.lines.items()}
            key = by_position.get(spec["position"])
            if key is None:
                return ["line"], {}
            spec = {**spec, "side": key[0], "line": key[1]}
        line, side = spec.get("line"), spec.get("side", "RIGHT")
        if side not in SIDES:
            return ["side"], {}
        if not isinstance(line, int):
            return ["missing_line"], {}
        problems = []
        where = f.lines.get((side, line))
        if where is None:
            problems += ["line", "diff_hunk"]
        start_line = spec.get("start_line")
        start_side = spec.get("start_side", side) if start_line is not None else None
        if start_line is not None:
            if start_side not in SIDES:
                return ["side"], {}
            start = (
                f.lines.get((str(start_side), start_line)) if isinstance(start_line, int) else None
            )
            if not isinstance(start_line, int) or (start_side == side and start_line >= line):
                problems.insert(0, "start_order")
            elif start is None or where is None or start[0] != where[0]:
                problems.insert(1 if "line" in problems else 0, "start_hunk")
            elif start[1] >= where[1]:  # LEFT start, RIGHT end: compare diff positions
                problems.insert(0, "start_order")
        if problems:
            return problems, {}
        assert where is not None
        return [], {
            "path": path,
            "line": line,
            "side": side,
            "start_line": start_line,
            "start_side": start_side,
            "position": where[1],
            "diff_hunk": f.diff_hunk(side, line),
            "subject_type": "line",
        }

    _SINGLE_ERRORS: ClassVar[dict[str, dict[str, str]]] = {
        "line": {
            "code": "custom",
            "field": "pull_request_review_thread.line",
            "message": "pull_request_review_thread.line must be part of the diff",
        },
        "diff_hunk": {"code": "missing_field", "field": "pull_request_review_thread.diff_hunk"},
        "start_hunk": {
            "code": "custom",
            "field": "pull_request_review_thread.start_line",
            "message": "pull_request_review_thread.start_line must be part of the same hunk as"
            " the line.",
        },
        "start_order": {
            "code": "custom",
            "field": "pull_request_review_thread.start_line",
            "message": "pull_request_review_thread.start_line must precede the end line.",
        },
        "path": {"code": "invalid", "field": "path", "message": "Path could not be resolved"},
        "side": {"code": "invalid", "field": "side"},
        "missing_line": {"code": "missing_field", "field": "line"},
        "position": {
            "code": "custom",
            "field": "position",
            "message": "position is deprecated: use line and side (fake: rejected so that"
            " codeguard never relies on it)",
        },
    }
    _REVIEW_ERRORS: ClassVar[dict[str, str]] = {
        "line": "Pull request review thread line must be part of the diff",
        "diff_hunk": "Pull request review thread diff hunk can't be blank",
        "start_hunk": "Pull request review thread start line must be part of the same hunk as"
        " the line.",
        "start_order": "Pull request review thread start line must precede the end line.",
        "path": "Path could not be resolved",
        "side": "Side is invalid (fake)",
        "missing_line": "Line could not be resolved",
        "position": "Position is deprecated: use line and side (fake: rejected so that codeguard"
        " never relies on it)",
    }

    def _visible_comments(self, ctx: Ctx, number: int) -> list[ReviewComment]:
        out = []
        for c in sorted(ctx.repo_.review_comments.values(), key=lambda c: c.id):
            review = ctx.repo_.reviews.get(c.review_id) if c.review_id else None
            hidden = review is not None and review.state == "PENDING"
            if c.number == number and (not hidden or c.user == ctx.identity.login):
                out.append(c)
        return out

    def _list_review_comments(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        items = [self._review_comment_json(ctx, c) for c in self._visible_comments(ctx, pr.number)]
        return (200, *self._page(ctx, items))

    def _new_review_comment(
        self, ctx: Ctx, pr: Pull, text: str, commit_id: str, where: dict[str, Any]
    ) -> ReviewComment:
        now = time.time()
        c = ReviewComment(
            next(self._ids),
            pr.number,
            text,
            ctx.identity.login,
            commit_id,
            where["path"],
            where.get("line"),
            where.get("side"),
            start_line=where.get("start_line"),
            start_side=where.get("start_side"),
            subject_type=where.get("subject_type", "line"),
            review_id=where.get("review_id"),
            in_reply_to_id=where.get("in_reply_to_id"),
            position=where.get("position"),
            diff_hunk=where.get("diff_hunk", ""),
            created_at=now,
            updated_at=now,
        )
        ctx.repo_.review_comments[c.id] = c
        return c

    def _reply(self, ctx: Ctx, pr: Pull, parent_id: int, text: str) -> tuple[int, Any, dict]:
        parent = ctx.repo_.review_comments.get(parent_id)
        if parent is None or parent.number != pr.number:
            raise ApiError(404, "Not Found")
        root = parent.in_reply_to_id or parent.id
        where = {
            "path": parent.path,
            "line": parent.line,
            "side": parent.side,
            "start_line": parent.start_line,
            "start_side": parent.start_side,
            "subject_type": parent.subject_type,
            "position": parent.position,
            "diff_hunk": parent.diff_hunk,
            "in_reply_to_id": root,
        }
        c = self._new_review_comment(ctx, pr, text, parent.commit_id, where)
        return 201, self._review_comment_json(ctx, c), {}

    def _create_review_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        body = ctx.json_body()
        text = self._comment_body(body, "PullRequestReviewComment", DOC_REVIEW_COMMENTS)
        if body.get("in_reply_to") is not None:
            return self._reply(ctx, pr, int(body["in_reply_to"]), text)
        commit_id = body.get("commit_id")
        if not commit_id:
            raise validation_failed(
                "PullRequestReviewComment", "commit_id", "missing_field", doc=DOC_REVIEW_COMMENTS
            )
        if commit_id not in pr.commits:
            raise validation_failed(
                "PullRequestReviewComment",
                "commit_id",
                "invalid",
                "commit_id is not part of the pull request (fake)",
                DOC_REVIEW_COMMENTS,
            )
        problems, where = self._locate(pr, body)
        if problems:
            errors = [
                {"resource": "PullRequestReviewComment", **self._SINGLE_ERRORS[p]} for p in problems
            ]
            raise ApiError(422, "Validation Failed", errors=errors, doc=DOC_REVIEW_COMMENTS)
        c = self._new_review_comment(ctx, pr, text, str(commit_id), where)
        return (
            201,
            self._review_comment_json(ctx, c),
            {"location": f"{ctx.api}/pulls/comments/{c.id}"},
        )

    def _reply_review_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        text = self._comment_body(ctx.json_body(), "PullRequestReviewComment", DOC_REVIEW_COMMENTS)
        return self._reply(ctx, pr, int(ctx.groups["id"]), text)

    def _review_comment(self, ctx: Ctx) -> ReviewComment:
        c = ctx.repo_.review_comments.get(int(ctx.groups["id"]))
        if c is None:
            raise ApiError(404, "Not Found")
        return c

    def _get_review_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        return 200, self._review_comment_json(ctx, self._review_comment(ctx)), {}

    def _list_reactions(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        c = self._review_comment(ctx)
        wanted = ctx.query.get("content")
        if wanted is not None and wanted not in REACTIONS:
            raise validation_failed("Reaction", "content", "invalid")
        items = [
            {
                "id": rid,
                "node_id": f"REA_fake{rid}",
                "user": self._user(ctx.base, login),
                "content": content,
                "created_at": iso(c.created_at),
            }
            for rid, login, content in c.reactions
            if wanted is None or content == wanted
        ]
        return (200, *self._page(ctx, items))

    def _get_permission(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        """GitHub: admin, write, read or none (maintain reads as write, triage as read);
        role_name keeps the exact role. A user GitHub does not know is a 404."""
        login = ctx.groups["login"]
        if login not in self.users:
            raise ApiError(404, "Not Found")
        role = ctx.repo_.collaborators.get(login, "" if ctx.repo_.private else "read")
        legacy = {"maintain": "write", "triage": "read", "": "none"}.get(role, role)
        body = {
            "permission": legacy,
            "role_name": role or "none",
            "user": self._user(ctx.base, login),
        }
        return 200, body, {}

    def _edit_review_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        c = self._review_comment(ctx)
        self._check_author(ctx, c.user)
        c.body = self._comment_body(
            ctx.json_body(), "PullRequestReviewComment", DOC_REVIEW_COMMENTS
        )
        c.updated_at = time.time()
        return 200, self._review_comment_json(ctx, c), {}

    def _delete_review_comment(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        c = self._review_comment(ctx)
        self._check_author(ctx, c.user)
        del ctx.repo_.review_comments[c.id]
        return 204, None, {}

    def _list_reviews(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        items = [
            self._review_json(ctx, r)
            for r in sorted(ctx.repo_.reviews.values(), key=lambda r: r.id)
            if r.number == pr.number and (r.state != "PENDING" or r.user == ctx.identity.login)
        ]
        return (200, *self._page(ctx, items))

    def _get_review(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        r = ctx.repo_.reviews.get(int(ctx.groups["id"]))
        if r is None or r.number != pr.number:
            raise ApiError(404, "Not Found")
        return 200, self._review_json(ctx, r), {}

    def _create_review(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        pr = self._pull(ctx)
        body = ctx.json_body()
        login = ctx.identity.login

        def refuse(*messages: str) -> ApiError:
            return ApiError(
                422, "Unprocessable Entity", errors=[to_sentence(list(messages))], doc=DOC_REVIEWS
            )

        event = body.get("event")
        if event is not None and event not in REVIEW_EVENTS:
            raise refuse(f"Event {event!r} is not one of APPROVE, REQUEST_CHANGES, COMMENT (fake)")
        if any(
            r.number == pr.number and r.user == login and r.state == "PENDING"
            for r in ctx.repo_.reviews.values()
        ):
            raise refuse("User can only have one pending review per pull request")
        if event == "APPROVE" and login == ACTIONS_BOT and not self.actions_can_approve:
            raise refuse("GitHub Actions is not permitted to approve pull requests.")
        if event == "APPROVE" and login == pr.user:
            raise refuse("Can not approve your own pull request")
        if event == "REQUEST_CHANGES" and login == pr.user:
            raise refuse("Can not request changes on your own pull request")
        text = body.get("body") or ""
        if not isinstance(text, str) or len(text) > MAX_BODY:
            raise refuse(f"Body is too long (maximum is {MAX_BODY} characters)")
        commit_id = body.get("commit_id") or pr.head_sha
        if commit_id not in pr.commits:
            raise refuse("Commit could not be resolved (fake)")
        comments = body.get("comments") or []
        resolved = []
        for spec in comments:  # all or nothing: validate every comment before creating any
            if not isinstance(spec, dict):
                raise refuse("Comments is invalid (fake)")
            comment_text = spec.get("body")
            if not isinstance(comment_text, str) or not comment_text:
                raise refuse("Body can't be blank")
            if len(comment_text) > MAX_BODY:
                raise refuse(f"Body is too long (maximum is {MAX_BODY} characters)")
            problems, where = self._locate(pr, spec)
            if problems:
                raise refuse(*(self._REVIEW_ERRORS[p] for p in problems))
            resolved.append((comment_text, where))
        state = {
            None: "PENDING",
            "APPROVE": "APPROVED",
            "REQUEST_CHANGES": "CHANGES_REQUESTED",
            "COMMENT": "COMMENTED",
        }[event]
        review = Review(
            next(self._ids),
            pr.number,
            login,
            text,
            state,
            commit_id,
            None if state == "PENDING" else time.time(),
        )
        ctx.repo_.reviews[review.id] = review
        for comment_text, where in resolved:
            self._new_review_comment(
                ctx, pr, comment_text, commit_id, {**where, "review_id": review.id}
            )
        return 200, self._review_json(ctx, review), {}

    # ---- branches, branch protection and rulesets

    def _require_admin(self, ctx: Ctx, doc: str = DOC_PROTECTION) -> None:
        if ctx.identity.can_admin():
            return
        if self.non_admin_status == 404:
            raise ApiError(404, "Not Found", doc=doc)
        if ctx.identity.kind == "app":
            raise ApiError(403, "Resource not accessible by integration", doc=doc)
        raise ApiError(403, "Must have admin rights to Repository.", doc=doc)

    def _branch(self, ctx: Ctx) -> str:
        name = ctx.groups["branch"]
        if not ctx.repo_.has_branch(name):
            raise ApiError(404, "Branch not found", doc=DOC_PROTECTION)
        return name

    def _protected(self, ctx: Ctx) -> tuple[str, dict[str, Any]]:
        self._require_admin(ctx)
        name = self._branch(ctx)
        stored = ctx.repo_.protection.get(name)
        if stored is None:
            raise ApiError(404, "Branch not protected", doc=DOC_PROTECTION)
        return name, stored

    def _get_branch(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        name = self._branch(ctx)
        repo = ctx.repo_
        sha = fake_sha(repo.full_name, "branch", name)
        stored = repo.protection.get(name)
        url = f"{ctx.api}/branches/{name}"
        checks = (stored or {}).get("required_status_checks")
        return (
            200,
            {
                "name": name,
                "commit": {"sha": sha, "url": f"{ctx.api}/commits/{sha}"},
                "_links": {"self": url, "html": f"https://github.com/{repo.full_name}/tree/{name}"},
                "protected": stored is not None,
                "protection": {
                    "enabled": stored is not None,
                    "required_status_checks": {
                        "enforcement_level": "non_admins" if checks else "off",
                        "contexts": [c["context"] for c in (checks or {}).get("checks", [])],
                        "checks": list((checks or {}).get("checks", [])),
                    },
                },
                "protection_url": f"{url}/protection",
            },
            {},
        )

    # PUT body -> what is stored

    def _bool_or_null(self, body: dict[str, Any], key: str, where: str = "properties") -> bool:
        value = body.get(key)
        if value is not None and not isinstance(value, bool):
            raise invalid_request(
                f"For '{where}/{key}', {json.dumps(value)} is not a boolean.", DOC_PROTECTION
            )
        return bool(value)

    def _names(self, value: Any, where: str, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid_request(f"For '{where}', {json.dumps(value)} is not an object.")
        missing = [k for k in required if k not in value]
        if missing:
            raise invalid_request(not_supplied(missing), DOC_PROTECTION)
        out: dict[str, Any] = {}
        for key in ("users", "teams", "apps"):
            names = value.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise invalid_request(
                    f"For '{where}/{key}', {json.dumps(names)} is not an array of strings.",
                    DOC_PROTECTION,
                )
            out[key] = list(names)
        unknown = sorted(set(value) - {"users", "teams", "apps"})
        if unknown:
            raise invalid_request(f"Unknown keys in '{where}': {unknown} (fake)", DOC_PROTECTION)
        return out

    def _checks_from(self, repo: Repo, value: Any, where: str, doc: str) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise invalid_request(f"For '{where}', {json.dumps(value)} is not an array.", doc)
        out = []
        for item in value:
            if isinstance(item, str):  # ``contexts``: the app that reported it last, if any
                out.append({"context": item, "app_id": repo.check_apps.get(item)})
                continue
            if not isinstance(item, dict) or not isinstance(item.get("context"), str):
                raise invalid_request(f"For '{where}', {json.dumps(item)} has no context.", doc)
            if not item["context"]:
                raise invalid_request(f"For '{where}', a context can't be blank (fake).", doc)
            unknown = sorted(set(item) - {"context", "app_id"})
            if unknown:
                raise invalid_request(f"Unknown keys in '{where}': {unknown} (fake)", doc)
            if "app_id" not in item:
                app_id = repo.check_apps.get(item["context"])
            else:
                app_id = item["app_id"]
                if not isinstance(app_id, int) or isinstance(app_id, bool):
                    raise invalid_request(
                        f"For '{where}/app_id', {json.dumps(app_id)} is not an integer.", doc
                    )
                app_id = None if app_id == -1 else app_id
            out.append({"context": item["context"], "app_id": app_id})
        return out

    def _status_checks_from(
        self, repo: Repo, value: Any, doc: str, *, partial: bool
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid_request(
                f"For 'properties/required_status_checks', {json.dumps(value)} is not an object"
                " or null.",
                doc,
            )
        if "contexts" in value and "checks" in value:
            raise invalid_request(
                'No subschema in "anyOf" matched.\nMore than one subschema in "oneOf" matched.\n'
                'Not all subschemas of "allOf" matched.\n'
                f"For 'anyOf/1', {json.dumps(value)} is not a null.",
                doc,
            )
        unknown = sorted(set(value) - {"strict", "contexts", "checks"})
        if unknown:
            raise invalid_request(f"Unknown keys in required_status_checks: {unknown} (fake)", doc)
        if not partial:
            if "strict" not in value:
                raise invalid_request(not_supplied(["strict"]), doc)
            if "contexts" not in value and "checks" not in value:
                raise invalid_request(not_supplied(["contexts"]), doc)
        out: dict[str, Any] = {}
        if "strict" in value:
            out["strict"] = self._bool_or_null(value, "strict", "required_status_checks")
        for key in ("contexts", "checks"):
            if key in value:
                if key == "contexts" and not all(isinstance(c, str) for c in value[key] or []):
                    raise invalid_request("For 'contexts', expected strings.", doc)
                out["checks"] = self._checks_from(repo, value[key], key, doc)
        return out

    def _protection_from_put(
        self, repo: Repo, body: Any, current: dict[str, Any] | None
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(400, "Problems parsing JSON")
        missing = [k for k in PROTECTION_KEYS if k not in body]
        if missing:
            raise invalid_request(not_supplied(missing), DOC_PROTECTION)
        unknown = sorted(set(body) - set(PROTECTION_KEYS) - set(PROTECTION_FLAGS))
        if unknown:
            raise invalid_request(
                f"Unknown keys {unknown}: not part of PUT protection (fake)", DOC_PROTECTION
            )
        stored: dict[str, Any] = {}
        rsc = body["required_status_checks"]
        stored["required_status_checks"] = (
            None
            if rsc is None
            else self._status_checks_from(repo, rsc, DOC_PROTECTION, partial=False)
        )
        stored["enforce_admins"] = self._bool_or_null(body, "enforce_admins")
        reviews = body["required_pull_request_reviews"]
        if reviews is None:
            stored["required_pull_request_reviews"] = None
        else:
            if not isinstance(reviews, dict):
                raise invalid_request(
                    "For 'properties/required_pull_request_reviews', "
                    f"{json.dumps(reviews)} is not an object or null.",
                    DOC_PROTECTION,
                )
            allowed = {
                *REVIEW_FLAGS,
                "required_approving_review_count",
                "dismissal_restrictions",
                "bypass_pull_request_allowances",
            }
            unknown = sorted(set(reviews) - allowed)
            if unknown:
                raise invalid_request(
                    f"Unknown keys in required_pull_request_reviews: {unknown} (fake)",
                    DOC_PROTECTION,
                )
            count = reviews.get("required_approving_review_count", 0)
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 6:
                raise invalid_request(
                    "For 'properties/required_approving_review_count', "
                    f"{json.dumps(count)} is not an integer from 0 to 6.",
                    DOC_PROTECTION,
                )
            stored_reviews: dict[str, Any] = {
                k: self._bool_or_null(reviews, k, "required_pull_request_reviews")
                for k in REVIEW_FLAGS
            }
            stored_reviews["required_approving_review_count"] = count
            for key in ("dismissal_restrictions", "bypass_pull_request_allowances"):
                value = reviews.get(key)
                stored_reviews[key] = None if value is None else self._names(value, f"{key}")
            stored["required_pull_request_reviews"] = stored_reviews
        restrictions = body["restrictions"]
        stored["restrictions"] = (
            None
            if restrictions is None
            else self._names(restrictions, "restrictions", required=("users", "teams"))
        )
        for key in PROTECTION_FLAGS:
            stored[key] = self._bool_or_null(body, key)
        stored["required_signatures"] = bool(current and current.get("required_signatures"))
        return stored

    # stored -> GET JSON

    def _status_checks_json(self, url: str, rsc: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"{url}/required_status_checks",
            "strict": rsc["strict"],
            "contexts": [c["context"] for c in rsc["checks"]],
            "contexts_url": f"{url}/required_status_checks/contexts",
            "checks": [dict(c) for c in rsc["checks"]],
        }

    def _team_json(self, ctx: Ctx, slug: str) -> dict[str, Any]:
        tid = self.user_id(f"team:{slug}")
        org = ctx.repo_.full_name.split("/")[0]
        return {
            "id": tid,
            "node_id": f"T_fake{tid}",
            "url": f"{ctx.base}/orgs/{org}/teams/{slug}",
            "html_url": f"https://github.com/orgs/{org}/teams/{slug}",
            "name": slug,
            "slug": slug,
            "description": None,
            "privacy": "closed",
            "permission": "push",
            "members_url": f"{ctx.base}/orgs/{org}/teams/{slug}/members{{/member}}",
            "repositories_url": f"{ctx.base}/orgs/{org}/teams/{slug}/repos",
            "parent": None,
        }

    def _actors_json(self, ctx: Ctx, names: dict[str, Any]) -> dict[str, Any]:
        return {
            "users": [self._user(ctx.base, login) for login in names["users"]],
            "teams": [self._team_json(ctx, slug) for slug in names["teams"]],
            "apps": [self._app(ctx.base, f"{slug}[bot]") for slug in names["apps"]],
        }

    def _protection_json(self, ctx: Ctx, branch: str, p: dict[str, Any]) -> dict[str, Any]:
        url = f"{ctx.api}/branches/{branch}/protection"
        out: dict[str, Any] = {"url": url}
        if p["required_status_checks"] is not None:
            out["required_status_checks"] = self._status_checks_json(
                url, p["required_status_checks"]
            )
        reviews = p["required_pull_request_reviews"]
        if reviews is not None:
            r: dict[str, Any] = {"url": f"{url}/required_pull_request_reviews"}
            r.update({k: reviews[k] for k in REVIEW_FLAGS})
            r["required_approving_review_count"] = reviews["required_approving_review_count"]
            if reviews["dismissal_restrictions"] is not None:
                d = f"{url}/dismissal_restrictions"
                r["dismissal_restrictions"] = {
                    "url": d,
                    "users_url": f"{d}/users",
                    "teams_url": f"{d}/teams",
                    **self._actors_json(ctx, reviews["dismissal_restrictions"]),
                }
            if reviews["bypass_pull_request_allowances"] is not None:
                r["bypass_pull_request_allowances"] = self._actors_json(
                    ctx, reviews["bypass_pull_request_allowances"]
                )
            out["required_pull_request_reviews"] = r
        out["required_signatures"] = {
            "url": f"{url}/required_signatures",
            "enabled": p["required_signatures"],
        }
        out["enforce_admins"] = {"url": f"{url}/enforce_admins", "enabled": p["enforce_admins"]}
        for key in PROTECTION_FLAGS:
            out[key] = {"enabled": p[key]}
        if p["restrictions"] is not None:
            rurl = f"{url}/restrictions"
            out["restrictions"] = {
                "url": rurl,
                "users_url": f"{rurl}/users",
                "teams_url": f"{rurl}/teams",
                "apps_url": f"{rurl}/apps",
                **self._actors_json(ctx, p["restrictions"]),
            }
        return out

    def _get_protection(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        name, stored = self._protected(ctx)
        return 200, self._protection_json(ctx, name, stored), {}

    def _put_protection(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        self._require_admin(ctx)
        name = self._branch(ctx)
        repo = ctx.repo_
        stored = self._protection_from_put(repo, ctx.body, repo.protection.get(name))
        repo.protection[name] = stored
        return 200, self._protection_json(ctx, name, stored), {}

    def _enabled_status_checks(self, ctx: Ctx) -> tuple[str, dict[str, Any]]:
        name, stored = self._protected(ctx)
        if stored["required_status_checks"] is None:
            raise ApiError(404, "Required status checks not enabled", doc=DOC_STATUS_CHECKS)
        return name, stored

    def _get_status_checks(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        name, stored = self._enabled_status_checks(ctx)
        url = f"{ctx.api}/branches/{name}/protection"
        return 200, self._status_checks_json(url, stored["required_status_checks"]), {}

    def _patch_status_checks(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        name, stored = self._enabled_status_checks(ctx)
        update = self._status_checks_from(
            ctx.repo_, ctx.json_body(), DOC_STATUS_CHECKS, partial=True
        )
        stored["required_status_checks"] = {**stored["required_status_checks"], **update}
        url = f"{ctx.api}/branches/{name}/protection"
        return 200, self._status_checks_json(url, stored["required_status_checks"]), {}

    # rulesets

    def _ruleset_error(self, detail: str) -> ApiError:
        return invalid_request(detail, DOC_RULESETS)

    def _ruleset_rules(self, rules: Any) -> list[dict[str, Any]]:
        if not isinstance(rules, list):
            raise self._ruleset_error(f"Invalid property /rules: {json.dumps(rules)} (fake)")
        seen: set[str] = set()
        out = []
        for i, rule in enumerate(rules):
            where = f"/rules/{i}"
            if not isinstance(rule, dict) or not isinstance(rule.get("type"), str):
                raise self._ruleset_error(f"Invalid property {where}: no type (fake)")
            if set(rule) - {"type", "parameters"}:
                raise self._ruleset_error(f"Invalid property {where}: unknown keys (fake)")
            if rule["type"] in seen:
                raise self._ruleset_error(
                    f"Invalid property {where}: a second {rule['type']} rule (fake)"
                )
            seen.add(rule["type"])
            if rule["type"] == "required_status_checks":
                params = rule.get("parameters")
                if not isinstance(params, dict):
                    raise self._ruleset_error(f"Invalid property {where}/parameters (fake)")
                missing = [
                    k
                    for k in ("required_status_checks", "strict_required_status_checks_policy")
                    if k not in params
                ]
                if missing:
                    raise self._ruleset_error(not_supplied(missing))
                allowed = {
                    "required_status_checks",
                    "strict_required_status_checks_policy",
                    "do_not_enforce_on_create",
                }
                if set(params) - allowed:
                    raise self._ruleset_error(
                        f"Invalid property {where}/parameters: unknown keys (fake)"
                    )
                for key in ("strict_required_status_checks_policy", "do_not_enforce_on_create"):
                    if key in params and not isinstance(params[key], bool):
                        raise self._ruleset_error(
                            f"Invalid property {where}/parameters/{key}: not a boolean (fake)"
                        )
                checks = params["required_status_checks"]
                if not isinstance(checks, list):
                    raise self._ruleset_error(
                        f"Invalid property {where}/parameters/required_status_checks (fake)"
                    )
                for check in checks:
                    ok = (
                        isinstance(check, dict)
                        and isinstance(check.get("context"), str)
                        and bool(check["context"])
                        and not set(check) - {"context", "integration_id"}
                        and (
                            check.get("integration_id") is None
                            or isinstance(check["integration_id"], int)
                        )
                    )
                    if not ok:
                        raise self._ruleset_error(
                            f"Invalid property {where}/parameters/required_status_checks:"
                            f" {json.dumps(check)} (fake)"
                        )
            out.append(json.loads(json.dumps(rule)))
        return out

    def _ruleset_conditions(self, conditions: Any, target: str) -> dict[str, Any]:
        if not isinstance(conditions, dict) or set(conditions) - {"ref_name"}:
            raise self._ruleset_error(
                f"Invalid property /conditions: {json.dumps(conditions)} (fake)"
            )
        ref_name = conditions.get("ref_name", {})
        if not isinstance(ref_name, dict) or set(ref_name) - {"include", "exclude"}:
            raise self._ruleset_error("Invalid property /conditions/ref_name (fake)")
        out: dict[str, list[str]] = {}
        prefix = "refs/tags/" if target == "tag" else "refs/heads/"
        for key in ("include", "exclude"):
            refs = ref_name.get(key, [])
            if not isinstance(refs, list) or not all(isinstance(x, str) for x in refs):
                raise self._ruleset_error(f"Invalid property /conditions/ref_name/{key} (fake)")
            for ref in refs:
                if ref not in ("~DEFAULT_BRANCH", "~ALL") and not ref.startswith(prefix):
                    raise self._ruleset_error(
                        f"Invalid property /conditions/ref_name/{key}: {ref!r} is neither"
                        f" {prefix}..., ~DEFAULT_BRANCH nor ~ALL (fake)"
                    )
            out[key] = list(refs)
        return {"ref_name": out}

    def _ruleset_fields(
        self, repo: Repo, body: Any, current: dict[str, Any] | None
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(400, "Problems parsing JSON")
        allowed = {"name", "target", "enforcement", "bypass_actors", "conditions", "rules"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise self._ruleset_error(f"Unknown keys {unknown} (fake)")
        if current is None:
            missing = [k for k in ("name", "enforcement") if k not in body]
            if missing:
                raise self._ruleset_error(not_supplied(missing))
        fields: dict[str, Any] = {}
        if "name" in body:
            name = body["name"]
            if not isinstance(name, str) or not name.strip():
                raise self._ruleset_error("Invalid property /name: can't be blank (fake)")
            taken = any(
                r["name"] == name and r["source_type"] == "Repository" and r is not current
                for r in repo.rulesets.values()
            )
            if taken:
                raise ApiError(
                    422,
                    "Validation Failed",
                    errors=["Name must be unique (fake)"],
                    doc=DOC_RULESETS,
                )
            fields["name"] = name
        target = body.get("target", (current or {}).get("target", "branch"))
        if target not in RULESET_TARGETS:
            raise self._ruleset_error(f"Invalid property /target: {json.dumps(target)} (fake)")
        fields["target"] = target
        if "enforcement" in body:
            if body["enforcement"] not in RULESET_ENFORCEMENTS:
                raise self._ruleset_error(
                    f"Invalid property /enforcement: {json.dumps(body['enforcement'])} (fake)"
                )
            fields["enforcement"] = body["enforcement"]
        if "bypass_actors" in body:
            if not isinstance(body["bypass_actors"], list):
                raise self._ruleset_error("Invalid property /bypass_actors (fake)")
            fields["bypass_actors"] = json.loads(json.dumps(body["bypass_actors"]))
        if "conditions" in body:
            fields["conditions"] = (
                None
                if body["conditions"] is None
                else self._ruleset_conditions(body["conditions"], target)
            )
        if "rules" in body:
            fields["rules"] = self._ruleset_rules(body["rules"])
        return fields

    def _store_ruleset(
        self, repo: Repo, fields: dict[str, Any], organization: str | None = None
    ) -> dict[str, Any]:
        now = iso(time.time())
        ruleset = {
            "id": next(self._ids),
            "name": fields["name"],
            "target": fields.get("target", "branch"),
            "source_type": "Organization" if organization else "Repository",
            "source": organization or repo.full_name,
            "enforcement": fields["enforcement"],
            "bypass_actors": fields.get("bypass_actors", []),
            "conditions": fields.get("conditions"),
            "rules": fields.get("rules", []),
            "created_at": now,
            "updated_at": now,
        }
        repo.rulesets[ruleset["id"]] = ruleset
        return ruleset

    def _ruleset_json(self, ctx: Ctx, r: dict[str, Any], *, detail: bool) -> dict[str, Any]:
        url = f"{ctx.api}/rulesets/{r['id']}"
        out = {
            "id": r["id"],
            "name": r["name"],
            "target": r["target"],
            "source_type": r["source_type"],
            "source": r["source"],
            "enforcement": r["enforcement"],
            "node_id": f"RRS_fake{r['id']}",
            "_links": {
                "self": {"href": url},
                "html": {"href": f"https://github.com/{ctx.repo_.full_name}/rules/{r['id']}"},
            },
            "created_at": r["created_at"],
            "updated_at": r["updated_at"],
        }
        if detail:
            out["current_user_can_bypass"] = "never"
            out["bypass_actors"] = json.loads(json.dumps(r["bypass_actors"]))
            out["conditions"] = json.loads(json.dumps(r["conditions"]))
            out["rules"] = json.loads(json.dumps(r["rules"]))
        return out

    def _visible_rulesets(self, ctx: Ctx) -> list[dict[str, Any]]:
        parents = ctx.query.get("includes_parents", "true").lower() != "false"
        return [
            r
            for _, r in sorted(ctx.repo_.rulesets.items())
            if parents or r["source_type"] == "Repository"
        ]

    def _list_rulesets(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        items = [self._ruleset_json(ctx, r, detail=False) for r in self._visible_rulesets(ctx)]
        return (200, *self._page(ctx, items))

    def _ruleset(self, ctx: Ctx, *, editable: bool = False) -> dict[str, Any]:
        r = ctx.repo_.rulesets.get(int(ctx.groups["id"]))
        if r is None or not any(r is v for v in self._visible_rulesets(ctx)):
            raise ApiError(404, "Not Found", doc=DOC_RULESETS)
        if editable and r["source_type"] != "Repository":
            raise ApiError(404, "Not Found", doc=DOC_RULESETS)  # an organisation's: not here
        return r

    def _get_ruleset(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        return 200, self._ruleset_json(ctx, self._ruleset(ctx), detail=True), {}

    def _create_ruleset(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        self._require_admin(ctx, DOC_RULESETS)
        fields = self._ruleset_fields(ctx.repo_, ctx.body, None)
        r = self._store_ruleset(ctx.repo_, fields)
        return 201, self._ruleset_json(ctx, r, detail=True), {}

    def _update_ruleset(self, ctx: Ctx) -> tuple[int, Any, dict[str, str]]:
        self._require_admin(ctx, DOC_RULESETS)
        r = self._ruleset(ctx, editable=True)
        fields = self._ruleset_fields(ctx.repo_, ctx.body, r)
        r.update(fields)
        r["updated_at"] = iso(time.time())
        return 200, self._ruleset_json(ctx, r, detail=True), {}
