"""`codeguard github protect`: make the gate a required status check, idempotently.

The check to require is the job `codeguard-gate` of examples/github/codeguard.yml, not the
check run `codeguard`: the job runs on every pull request, forks included, while a fork's pull
request only gets the check run if codeguard-post.yml publishes it.

Two mechanisms (../shared/research/llm-review-and-github.md §3.6):

- classic branch protection (default). An unprotected branch gets protection with only this
  required check. A protected one gets the check ADDED through PATCH
  .../protection/required_status_checks, which leaves every other setting alone; the checks
  already required are sent back with their `app_id`, a null one (any source) as -1, because
  an omitted `app_id` lets GitHub pin the check to whichever app reported it last. A branch
  protected without required status checks cannot be PATCHed (404 "Required status checks not
  enabled"): its protection is PUT again with every setting as read, and read back.
- `--ruleset`: the repository ruleset named "codeguard", created or completed (target branch,
  required_status_checks rule, enforcement active). Organisation rulesets are never edited.

`checks` is used, never the deprecated `contexts`. Every GitHub error becomes one line.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from codeguard.errors import EXIT_PASS
from codeguard.errors import InputError
from codeguard.errors import UsageError
from codeguard.github.publish import api_message

if TYPE_CHECKING:
    from github import Github
    from github import GithubException
    from github.Branch import Branch
    from github.Repository import Repository

DEFAULT_CHECK = "codeguard-gate"
CHECK_RUN = "codeguard"  # what codeguard publishes itself; not the one to require
RULESET_NAME = "codeguard"
DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
NOTHING = "already required: nothing changed"
ADMIN_HINT = (
    "this needs admin rights on the repository: a fine-grained token or GitHub App with the"
    ' "Administration" repository permission (read and write), or a classic token with the'
    " repo scope of a repository admin; the Actions GITHUB_TOKEN never has it"
)
REPO_RE = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
MAX_RULESET_PAGES = 10
# GET protection answers these as {"enabled": bool}; PUT takes a bool
PROTECTION_FLAGS = (
    "required_linear_history",
    "allow_force_pushes",
    "allow_deletions",
    "block_creations",
    "required_conversation_resolution",
    "lock_branch",
    "allow_fork_syncing",
)
REVIEW_SETTINGS = (
    "dismiss_stale_reviews",
    "require_code_owner_reviews",
    "required_approving_review_count",
    "require_last_push_approval",
)


@dataclass(frozen=True)
class Change:
    would: str  # --dry-run
    done: str


@dataclass
class _Step:
    """What codeguard is asking GitHub, for the error message if GitHub says no."""

    what: str = "reach the repository"
    kind: str = "read"  # "branch": a 404 means no such branch; "admin": a 404 means no rights


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """The CLI's `codeguard github protect`: token and API URL from the environment."""
    token_var = next((name for name in TOKEN_VARS if env.get(name)), None)
    if token_var is None:
        raise UsageError(
            f"no GitHub token: set GITHUB_TOKEN or GH_TOKEN to a token with admin rights on"
            f" {args.repo}"
        )
    notes: list[str] = []
    lines = protect(
        env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        env[token_var],
        args.repo,
        args.branch,
        args.check,
        args.ruleset,
        args.dry_run,
        notes=notes,
        who=f"the token in {token_var}",
    )
    for line in lines:
        print(line)
    for note in notes:
        print(f"codeguard: note: {note}", file=sys.stderr)
    return EXIT_PASS


def protect(
    api_url: str,
    token: str,
    repo: str,
    branch: str,
    check: str,
    ruleset: bool,
    dry_run: bool,
    *,
    notes: list[str] | None = None,
    who: str = "the token",
) -> list[str]:
    """Make `check` a required status check on `branch` of `repo`; return one line per change
    (with --dry-run: per change it would make), or NOTHING."""
    api_url, repo, branch, check = _validate(api_url, repo, branch, check)
    from github import GithubException
    from requests.exceptions import RequestException

    notes = notes if notes is not None else []
    step = _Step()
    gh = _client(api_url, token)
    try:
        if ruleset:
            changes = _ruleset(gh, repo, branch, check, dry_run, notes, step)
        else:
            changes = _classic(gh, repo, branch, check, dry_run, notes, step)
    except GithubException as exc:
        raise _explain(exc, step, repo, branch, who) from None
    except RequestException as exc:  # retries ran out on 5xx, or the network failed
        raise InputError(
            f"GitHub at {api_url} could not be reached to {step.what} ({type(exc).__name__})"
        ) from None
    finally:
        gh.close()
    if not changes:
        return [NOTHING]
    return [c.would if dry_run else c.done for c in changes]


def _validate(api_url: str, repo: str, branch: str, check: str) -> tuple[str, str, str, str]:
    if not REPO_RE.fullmatch(repo):
        raise UsageError(f"--repo {repo!r}: expected OWNER/NAME")
    branch = branch.strip().removeprefix("refs/heads/")
    if not branch or any(c.isspace() for c in branch):
        raise UsageError(f"--branch {branch!r}: expected a branch name such as main")
    check = check.strip()
    if not check:
        raise UsageError("--check: the status check's name cannot be empty")
    if not re.match(r"https?://[^/\s]+", api_url):
        raise UsageError(f"GITHUB_API_URL {api_url!r}: expected an http(s) URL")
    return api_url.rstrip("/"), repo, branch, check


def _client(api_url: str, token: str) -> Github:
    import logging

    from github import Auth
    from github import Github
    from github import GithubRetry

    # PyGithub logs every refused request to stderr at INFO; codeguard says it in one line
    logging.getLogger("github.GithubRetry").setLevel(logging.WARNING)
    return Github(
        base_url=api_url,
        auth=Auth.Token(token),
        per_page=100,
        timeout=30,
        # 5xx and secondary limits are retried a few times; an exhausted hourly limit raises
        retry=GithubRetry(total=3, backoff_factor=0.5, max_rate_limit_wait=60),
    )


def _explain(exc: GithubException, step: _Step, repo: str, branch: str, who: str) -> InputError:
    status, message = exc.status, api_message(exc)
    answer = f"{status} {message}"
    if status == 401:
        return InputError(f"GitHub rejected {who} ({answer})")
    if status in (403, 429) and "rate limit" in message.lower():
        return InputError(f"GitHub's rate limit stopped codeguard trying to {step.what} ({answer})")
    if status == 403:
        return InputError(f"GitHub refused to {step.what} of {repo} ({answer}): {ADMIN_HINT}")
    if status == 404 and step.kind == "branch":
        if message == "Branch not found":
            return InputError(f"{repo} has no branch {branch!r} ({answer})")
        return InputError(
            f"repository {repo} not found, or not visible to {who} ({answer}); a private"
            " repository needs a token that can read it"
        )
    if status == 404 and step.kind == "admin":
        return InputError(
            f"GitHub answered {answer} when asked to {step.what} of {repo}: GitHub answers 404"
            f" rather than 403 to tokens without admin rights; {ADMIN_HINT}"
        )
    return InputError(f"GitHub refused to {step.what} of {repo} ({answer})")


# --------------------------------------------------------------------------- classic protection


def _classic(
    gh: Github,
    repo_name: str,
    branch_name: str,
    check: str,
    dry_run: bool,
    notes: list[str],
    step: _Step,
) -> list[Change]:
    from github import GithubException

    repo = gh.get_repo(repo_name, lazy=True)
    step.what, step.kind = f"read the branch {branch_name}", "branch"
    branch = repo.get_branch(branch_name)
    step.what, step.kind = f"read the protection of the branch {branch_name}", "admin"
    current: dict[str, Any] | None
    try:
        current = dict(branch.get_protection().raw_data)
    except GithubException as exc:
        if exc.status != 404 or api_message(exc) != "Branch not protected":
            raise
        current = None
    if current is None:
        return _create_protection(branch, check, dry_run, step)
    status_checks = current.get("required_status_checks")
    if not isinstance(status_checks, dict):
        return _enable_status_checks(gh, branch, current, check, dry_run, notes, step)
    required = _required_checks(status_checks)
    _note_check_run(required, check, branch_name, notes)
    if check in required:
        return []
    kept = ", ".join(required) or "none"
    strict = "on" if status_checks.get("strict") else "off"
    what = (
        f"{check} to the required status checks of {branch_name} (kept: {kept}; strict: {strict})"
    )
    if not dry_run:
        step.what = f"add {check} to the required status checks of the branch {branch_name}"
        # app_id as read: null is "any source", sent as -1; an omitted app_id would pin the
        # check to whichever app reported it last
        keep: list[str | tuple[str, int]] = [
            (name, -1 if app_id is None else app_id) for name, app_id in required.items()
        ]
        branch.edit_required_status_checks(checks=[*keep, check])
    return [Change(f"would add {what}", f"added {what}")]


def _required_checks(status_checks: dict[str, Any]) -> dict[str, int | None]:
    """context -> app_id (None: any source), from GET protection's required_status_checks."""
    out: dict[str, int | None] = {}
    checks = status_checks.get("checks")
    if isinstance(checks, list):
        for item in checks:
            if isinstance(item, dict) and isinstance(item.get("context"), str):
                app_id = item.get("app_id")
                out[item["context"]] = app_id if isinstance(app_id, int) else None
    else:  # an older GitHub Enterprise Server: contexts only
        for name in status_checks.get("contexts") or []:
            if isinstance(name, str):
                out[name] = None
    return out


def _create_protection(branch: Branch, check: str, dry_run: bool, step: _Step) -> list[Change]:
    what = (
        f"branch protection for {branch.name}: status check {check} required, nothing else"
        " (no required reviews, no push restrictions, admins not included)"
    )
    if not dry_run:
        step.what = f"protect the branch {branch.name}"
        # PUT needs all four top-level keys; PyGithub sends the rest as null
        branch.edit_protection(strict=False, checks=[check], enforce_admins=False)
    return [Change(f"would create {what}", f"created {what}")]


def _enable_status_checks(
    gh: Github,
    branch: Branch,
    current: dict[str, Any],
    check: str,
    dry_run: bool,
    notes: list[str],
    step: _Step,
) -> list[Change]:
    """Protected, but without required status checks: PATCH answers 404 there, so PUT the
    protection again, every other setting as read, and read it back."""
    what = (
        f"required status checks on the protected branch {branch.name}: {check} (its other"
        " protection settings sent back unchanged)"
    )
    if dry_run:
        return [Change(f"would turn on {what}", "")]
    step.what = f"turn on required status checks on the branch {branch.name}"
    body = _put_body(current, check)
    gh.requester.requestJsonAndCheck("PUT", branch.protection_url, input=body)
    step.what = f"read back the protection of the branch {branch.name}"
    after = dict(branch.get_protection().raw_data)
    drift = sorted(k for k in set(current) | set(after) if _differs(k, current, after))
    if drift:
        notes.append(
            f"after the update GitHub reports different {', '.join(drift)} on {branch.name}:"
            " check Settings > Branches"
        )
    return [Change("", f"turned on {what}")]


def _put_body(current: dict[str, Any], check: str) -> dict[str, Any]:
    """GET protection's answer as a PUT body, with `check` as the only required check."""

    def enabled(key: str) -> bool:
        value = current.get(key)
        return bool(value.get("enabled")) if isinstance(value, dict) else bool(value)

    def names(actors: dict[str, Any]) -> dict[str, list[str]]:
        return {
            "users": [u["login"] for u in actors.get("users") or []],
            "teams": [t["slug"] for t in actors.get("teams") or []],
            "apps": [a["slug"] for a in actors.get("apps") or []],
        }

    reviews: dict[str, Any] | None = None
    got = current.get("required_pull_request_reviews")
    if isinstance(got, dict):
        reviews = {k: got[k] for k in REVIEW_SETTINGS if k in got}
        for key in ("dismissal_restrictions", "bypass_pull_request_allowances"):
            if isinstance(got.get(key), dict):
                reviews[key] = names(got[key])
    restrictions = current.get("restrictions")
    body: dict[str, Any] = {
        "required_status_checks": {"strict": False, "checks": [{"context": check}]},
        "enforce_admins": enabled("enforce_admins"),
        "required_pull_request_reviews": reviews,
        "restrictions": names(restrictions) if isinstance(restrictions, dict) else None,
    }
    for key in PROTECTION_FLAGS:
        if key in current:
            body[key] = enabled(key)
    return body


def _differs(key: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
    if key in ("url", "required_status_checks"):
        return False
    return bool(_strip_urls(before.get(key)) != _strip_urls(after.get(key)))


def _strip_urls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_urls(v) for k, v in value.items() if not k.endswith("url")}
    if isinstance(value, list):
        return [_strip_urls(v) for v in value]
    return value


def _note_check_run(required: Mapping[str, Any], check: str, where: str, notes: list[str]) -> None:
    if CHECK_RUN in required and check != CHECK_RUN:
        notes.append(
            f"the check run {CHECK_RUN!r} is also required on {where}: a fork's pull request only"
            f" gets it if codeguard-post.yml publishes it; require only the job {check!r}"
        )


# --------------------------------------------------------------------------- rulesets


def _ruleset(
    gh: Github,
    repo_name: str,
    branch: str,
    check: str,
    dry_run: bool,
    notes: list[str],
    step: _Step,
) -> list[Change]:
    repo = gh.get_repo(repo_name, lazy=True)
    url = f"{repo.url}/rulesets"
    step.what, step.kind = "list the rulesets", "branch"
    ours: dict[str, Any] | None = None
    for page in range(1, MAX_RULESET_PAGES + 1):
        _, data = gh.requester.requestJsonAndCheck(
            "GET", url, parameters={"per_page": 100, "page": page}
        )
        if not isinstance(data, list):
            break
        # an organisation's ruleset of the same name is listed too; it is not ours to edit
        ours = next(
            (
                r
                for r in data
                if isinstance(r, dict)
                and r.get("name") == RULESET_NAME
                and r.get("source_type", "Repository") == "Repository"
            ),
            None,
        )
        if ours is not None or len(data) < 100:
            break
    ref = f"refs/heads/{branch}"
    if ours is None:
        return _create_ruleset(gh, url, ref, check, dry_run, step)
    rid = ours["id"]
    step.what, step.kind = f"read the ruleset {RULESET_NAME} (id {rid})", "read"
    _, detail = gh.requester.requestJsonAndCheck("GET", f"{url}/{rid}")
    return _complete_ruleset(gh, repo, url, detail, branch, check, dry_run, notes, step)


def _create_ruleset(
    gh: Github, url: str, ref: str, check: str, dry_run: bool, step: _Step
) -> list[Change]:
    body = {
        "name": RULESET_NAME,
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": [ref], "exclude": []}},
        "rules": [_status_checks_rule(check)],
    }
    what = f"status check {check} required on {ref}, enforcement active"
    if dry_run:
        return [Change(f"would create the ruleset {RULESET_NAME}: {what}", "")]
    step.what, step.kind = f"create the ruleset {RULESET_NAME}", "admin"
    _, created = gh.requester.requestJsonAndCheck("POST", url, input=body)
    rid = created.get("id") if isinstance(created, dict) else None
    return [Change("", f"created the ruleset {RULESET_NAME} (id {rid}): {what}")]


def _status_checks_rule(check: str) -> dict[str, Any]:
    return {
        "type": "required_status_checks",
        "parameters": {
            "required_status_checks": [{"context": check}],
            "strict_required_status_checks_policy": False,
        },
    }


def _complete_ruleset(
    gh: Github,
    repo: Repository,
    url: str,
    detail: dict[str, Any],
    branch: str,
    check: str,
    dry_run: bool,
    notes: list[str],
    step: _Step,
) -> list[Change]:
    rid = detail.get("id")
    name = f"the ruleset {RULESET_NAME} (id {rid})"
    if detail.get("target", "branch") != "branch":
        raise InputError(
            f"{name} targets {detail.get('target')}s, not branches: rename or delete it, or"
            " use classic branch protection (without --ruleset)"
        )
    ref = f"refs/heads/{branch}"
    update: dict[str, Any] = {}
    changes: list[Change] = []

    enforcement = detail.get("enforcement")
    if enforcement != "active":
        update["enforcement"] = "active"
        what = f"the enforcement of {name} from {enforcement} to active"
        changes.append(Change(f"would change {what}", f"changed {what}"))

    conditions = dict(detail.get("conditions") or {})
    ref_name = dict(conditions.get("ref_name") or {})
    include = list(ref_name.get("include") or [])
    exclude = list(ref_name.get("exclude") or [])
    included = ref in include or "~ALL" in include
    if not included and "~DEFAULT_BRANCH" in include:
        step.what, step.kind = "read the repository", "branch"
        included = str(repo.default_branch) == branch
    retarget = not included or ref in exclude
    if not included:
        include.append(ref)
        changes.append(Change(f"would make {name} target {ref}", f"made {name} target {ref}"))
    if ref in exclude:
        exclude.remove(ref)
        what = f"{ref} from the branches {name} excludes"
        changes.append(Change(f"would remove {what}", f"removed {what}"))
    if retarget:
        ref_name.update(include=include, exclude=exclude)
        update["conditions"] = {**conditions, "ref_name": ref_name}

    rules = [dict(r) for r in detail.get("rules") or [] if isinstance(r, dict)]
    index = next(
        (i for i, r in enumerate(rules) if r.get("type") == "required_status_checks"), None
    )
    if index is None:
        rules.append(_status_checks_rule(check))
        update["rules"] = rules
        what = f"a required_status_checks rule with {check} to {name}"
        changes.append(Change(f"would add {what}", f"added {what}"))
    else:
        params = dict(rules[index].get("parameters") or {})
        required = [c for c in params.get("required_status_checks") or [] if isinstance(c, dict)]
        contexts = {str(c.get("context")): c for c in required}
        _note_check_run(contexts, check, name, notes)
        if check not in contexts:
            params["required_status_checks"] = [*required, {"context": check}]
            rules[index] = {**rules[index], "parameters": params}
            update["rules"] = rules
            kept = ", ".join(contexts) or "none"
            what = f"{check} to the required status checks of {name} (kept: {kept})"
            changes.append(Change(f"would add {what}", f"added {what}"))

    if update and not dry_run:
        step.what, step.kind = f"update {name}", "admin"
        gh.requester.requestJsonAndCheck("PUT", f"{url}/{rid}", input=update)
    return changes
