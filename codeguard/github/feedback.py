"""`codeguard feedback --from-pr N`: labels from reactions on codeguard's review comments.

A 👍 on a finding's comment says it was right (true positive), a 👎 that it was wrong
(false positive). Reactions are anyone's to give, and labels steer `codeguard stats`'
advice (which rules to demote), so only reactions from people with write access to the
repository count; the PR's author counts only if they have it too. Comments are
codeguard's when they carry a finding marker and come from codeguard's login, as when
publishing; the rule comes from the local audit log when the finding is in it, else from
the comment's heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from codeguard.errors import InputError
from codeguard.errors import UsageError

LABELS = {"+1": "true-positive", "-1": "false-positive"}
WRITERS = frozenset({"admin", "maintain", "write"})
MARKER = re.compile(r"<!-- codeguard:finding ([A-Za-z0-9:_.-]{1,128}) -->")
HEADING = re.compile(r"\*\*codeguard `([A-Za-z0-9_.-]{1,64})`")
REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Vote:
    fingerprint: str
    rule_id: str
    label: str
    note: str


@dataclass
class Votes:
    votes: list[Vote] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)  # login -> reactions not counted
    comments: int = 0


def collect(api_url: str, token: str, repo_name: str, number: int, bot: str) -> Votes:
    """Every 👍/👎 by a writer on codeguard's review comments of pull request `number`."""
    from github import GithubException
    from requests.exceptions import RequestException

    from codeguard.github.publish import api_message
    from codeguard.github.publish import client_for

    if not REPO.fullmatch(repo_name):
        raise UsageError(f"--repo {repo_name!r}: expected OWNER/NAME")
    gh = client_for(api_url, token)
    out = Votes()
    rights: dict[str, bool] = {}
    try:
        repo = gh.get_repo(repo_name)
        for comment in repo.get_pull(number).get_review_comments():
            found = MARKER.search(comment.body or "")
            if found is None or comment.user is None or comment.user.login != bot:
                continue
            out.comments += 1
            heading = HEADING.search(comment.body or "")
            for reaction in comment.get_reactions():
                label = LABELS.get(reaction.content)
                login = reaction.user.login if reaction.user is not None else ""
                if label is None or not login or login == bot:
                    continue
                if login not in rights:
                    rights[login] = _can_write(repo, login)
                if not rights[login]:
                    out.ignored[login] = out.ignored.get(login, 0) + 1
                    continue
                out.votes.append(
                    Vote(
                        fingerprint=found.group(1),
                        rule_id=heading.group(1) if heading else "",
                        label=label,
                        note=f"github: @{login} on {repo_name}#{number} ({comment.html_url})",
                    )
                )
    except GithubException as exc:
        raise InputError(
            f"GitHub answered {exc.status} reading {repo_name}#{number}'s comments"
            f" ({api_message(exc)})"
        ) from None
    except RequestException as exc:  # retries ran out, or the network failed
        raise InputError(
            f"GitHub at {api_url} could not be reached to read {repo_name}#{number}'s"
            f" comments ({type(exc).__name__})"
        ) from None
    return out


def _can_write(repo: Any, login: str) -> bool:
    from github import GithubException

    try:
        return str(repo.get_collaborator_permission(login)) in WRITERS
    except GithubException:
        return False  # unknown to GitHub, or not ours to ask: not counted
