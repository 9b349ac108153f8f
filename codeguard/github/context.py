"""The GitHub Actions environment and the pull request it is about."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from codeguard.errors import UsageError

PR_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True)
class PullRequest:
    repo: str  # owner/name of the base repository
    number: int
    base_sha: str
    head_sha: str
    head_repo: str
    title: str = ""
    body: str = ""
    author: str = ""

    @property
    def from_fork(self) -> bool:
        return self.head_repo.lower() != self.repo.lower()


@dataclass(frozen=True)
class Actions:
    pr: PullRequest
    event: str
    api_url: str
    token: str = field(repr=False)
    step_summary: str = ""
    server_url: str = "https://github.com"
    run_url: str = ""


def from_env(env: Mapping[str, str]) -> Actions:
    """Read what `--pr` needs; a missing piece is a one-line usage error."""
    event = env.get("GITHUB_EVENT_NAME", "")
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise UsageError("--pr runs in GitHub Actions: GITHUB_EVENT_PATH is not set")
    if event not in PR_EVENTS:
        raise UsageError(f"--pr needs a pull_request event, not {event or 'none'!r}")
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"GITHUB_EVENT_PATH {path}: cannot read the event: {exc}") from None
    pr = payload.get("pull_request") if isinstance(payload, dict) else None
    if not isinstance(pr, dict):
        raise UsageError("the event payload has no pull_request")
    try:
        base, head = pr["base"], pr["head"]
        pull = PullRequest(
            repo=env.get("GITHUB_REPOSITORY") or base["repo"]["full_name"],
            number=int(pr["number"]),
            base_sha=str(base["sha"]),
            head_sha=str(head["sha"]),
            head_repo=str((head.get("repo") or {}).get("full_name") or ""),
            title=str(pr.get("title") or ""),
            body=str(pr.get("body") or ""),
            author=str((pr.get("user") or {}).get("login") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"the pull_request in the event payload lacks {exc}") from None
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID", "")
    return Actions(
        pr=pull,
        event=event,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        token=env.get("GITHUB_TOKEN", "") or env.get("INPUT_GITHUB_TOKEN", ""),
        step_summary=env.get("GITHUB_STEP_SUMMARY", ""),
        server_url=server,
        run_url=f"{server}/{pull.repo}/actions/runs/{run_id}" if run_id else "",
    )
