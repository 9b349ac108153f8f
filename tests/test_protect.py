"""`codeguard github protect`, through the real CLI against the fake GitHub (tests/fake_github.py),
which stores branch protection and rulesets the way GitHub's PUT/PATCH/POST leave them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Result
from tests.conftest import run_cli
from tests.fake_github import FakeGitHub

REPO = "octo-org/octo-repo"
ADMIN = "ghp_admin_token"  # a repository admin's token
ADMIN_APP = "ghs_admin_app"  # a GitHub App installation with Administration: write
ACTIONS = "ghs_actions_token"  # the Actions GITHUB_TOKEN: writes, but never administration
WRITER = "ghp_writer_token"  # a user with push rights, not admin
GATE = "codeguard-gate"
NOTHING = "already required: nothing changed"

# every setting a classic protection can have, none of them codeguard's to touch
FULL = {
    "required_status_checks": {
        "strict": True,
        "checks": [{"context": "ci/build", "app_id": -1}, {"context": "lint", "app_id": 12345}],
    },
    "enforce_admins": True,
    "required_pull_request_reviews": {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": True,
        "required_approving_review_count": 2,
        "require_last_push_approval": True,
        "dismissal_restrictions": {"users": ["alice"], "teams": ["core"], "apps": []},
        "bypass_pull_request_allowances": {"users": [], "teams": ["release"], "apps": ["bot"]},
    },
    "restrictions": {"users": ["alice"], "teams": ["core"], "apps": ["deployer"]},
    "required_linear_history": True,
    "allow_force_pushes": False,
    "allow_deletions": False,
    "block_creations": True,
    "required_conversation_resolution": True,
    "lock_branch": False,
    "allow_fork_syncing": True,
}


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(REPO) as f:
        f.add_token(ADMIN, "alice", kind="user", admin=True)
        f.add_token(ADMIN_APP, "admin-app[bot]", permissions={"administration": "write"})
        f.add_token(ACTIONS, "github-actions[bot]")
        f.add_token(WRITER, "bob", kind="user")
        yield f


def protect(fake: FakeGitHub, *args: str, token: str = ADMIN, branch: str = "main") -> Result:
    env = {"GITHUB_API_URL": fake.url, "GITHUB_TOKEN": token, "GH_TOKEN": ""}
    return run_cli("github", "protect", "--repo", REPO, "--branch", branch, *args, env=env)


def lines(result: Result) -> list[str]:
    assert result.code == 0, result.err
    return result.out.splitlines()


def one_line_error(result: Result) -> str:
    assert result.code == 2, (result.out, result.err)
    assert result.out == ""
    err = result.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("codeguard: error: "), err
    assert "Traceback" not in err
    return err


def writes(fake: FakeGitHub) -> list[str]:
    return [f"{r.method} {r.route}" for r in fake.requests if r.method != "GET"]


# --------------------------------------------------------------------------- classic protection


def test_an_unprotected_branch_gets_protection_with_only_the_check(fake: FakeGitHub) -> None:
    out = lines(protect(fake))
    assert out == [
        f"created branch protection for main: status check {GATE} required, nothing else"
        " (no required reviews, no push restrictions, admins not included)"
    ]
    put = fake.calls("PUT", r"/branches/main/protection$")
    assert len(put) == 1
    body = put[0].body
    assert body["required_status_checks"] == {"strict": False, "checks": [{"context": GATE}]}
    assert body["enforce_admins"] is False
    assert body["required_pull_request_reviews"] is None and body["restrictions"] is None
    assert fake.repo.protection["main"] == {
        "required_status_checks": {"strict": False, "checks": [{"context": GATE, "app_id": None}]},
        "enforce_admins": False,
        "required_pull_request_reviews": None,
        "restrictions": None,
        "required_linear_history": False,
        "allow_force_pushes": False,
        "allow_deletions": False,
        "block_creations": False,
        "required_conversation_resolution": False,
        "lock_branch": False,
        "allow_fork_syncing": False,
        "required_signatures": False,
    }

    fake.requests.clear()
    assert lines(protect(fake)) == [NOTHING]
    assert writes(fake) == []


def test_a_protected_branch_keeps_every_setting_and_gains_the_check(fake: FakeGitHub) -> None:
    fake.protect_branch("main", FULL, required_signatures=True)
    # GitHub pins a check sent without app_id to the app that reported it last: codeguard must
    # send the existing "any source" check back as -1, or it would become app 777's
    fake.repo.check_apps.update({"ci/build": 777, GATE: 15368})
    before = copy.deepcopy(fake.repo.protection["main"])
    assert before["required_status_checks"]["checks"][0] == {"context": "ci/build", "app_id": None}

    out = lines(protect(fake))
    assert out == [
        f"added {GATE} to the required status checks of main (kept: ci/build, lint; strict: on)"
    ]
    assert writes(fake) == [f"PATCH /repos/{REPO}/branches/main/protection/required_status_checks"]
    patch = fake.calls("PATCH")[0].body
    assert "contexts" not in patch and "strict" not in patch
    expected = copy.deepcopy(before)
    # ours: sent without app_id, so GitHub picks the app that reports it (Actions here)
    expected["required_status_checks"]["checks"].append({"context": GATE, "app_id": 15368})
    assert fake.repo.protection["main"] == expected

    fake.requests.clear()
    assert lines(protect(fake)) == [NOTHING]
    assert writes(fake) == []
    assert fake.repo.protection["main"] == expected


def test_protected_without_required_checks_is_rewritten_with_every_setting_kept(
    fake: FakeGitHub,
) -> None:
    # PATCH .../required_status_checks answers 404 here: the protection is PUT again as read
    fake.protect_branch("main", {**FULL, "required_status_checks": None}, required_signatures=True)
    before = copy.deepcopy(fake.repo.protection["main"])

    result = protect(fake)
    assert lines(result) == [
        f"turned on required status checks on the protected branch main: {GATE} (its other"
        " protection settings sent back unchanged)"
    ]
    assert result.err == ""  # read back: nothing else differs
    assert writes(fake) == [f"PUT /repos/{REPO}/branches/main/protection"]
    expected = {
        **before,
        "required_status_checks": {"strict": False, "checks": [{"context": GATE, "app_id": None}]},
    }
    assert fake.repo.protection["main"] == expected

    fake.requests.clear()
    assert lines(protect(fake)) == [NOTHING]
    assert writes(fake) == []


def test_an_existing_check_with_another_name_and_a_branch_with_a_slash(fake: FakeGitHub) -> None:
    fake.add_branch("release/1.x")
    fake.protect_branch(
        "release/1.x",
        {
            "required_status_checks": {"strict": False, "checks": []},
            "enforce_admins": None,
            "required_pull_request_reviews": None,
            "restrictions": None,
        },
    )
    out = lines(protect(fake, "--check", "security/gate", branch="refs/heads/release/1.x"))
    assert out == [
        "added security/gate to the required status checks of release/1.x (kept: none; strict: off)"
    ]
    checks = fake.repo.protection["release/1.x"]["required_status_checks"]["checks"]
    assert checks == [{"context": "security/gate", "app_id": None}]
    assert "main" not in fake.repo.protection


def test_requiring_the_check_run_too_gets_a_note(fake: FakeGitHub) -> None:
    fake.protect_branch(
        "main",
        {
            "required_status_checks": {"strict": False, "checks": [{"context": "codeguard"}]},
            "enforce_admins": False,
            "required_pull_request_reviews": None,
            "restrictions": None,
        },
    )
    result = protect(fake)
    assert lines(result)[0].startswith(f"added {GATE} ")
    assert "note: the check run 'codeguard' is also required on main" in result.err
    assert "codeguard-post.yml" in result.err


# --------------------------------------------------------------------------- rulesets


def ruleset(fake: FakeGitHub) -> dict[str, Any]:
    ours = [
        r
        for r in fake.repo.rulesets.values()
        if r["name"] == "codeguard" and r["source_type"] == "Repository"
    ]
    assert len(ours) == 1, fake.repo.rulesets
    return ours[0]


def test_ruleset_is_created_then_left_alone(fake: FakeGitHub) -> None:
    out = lines(protect(fake, "--ruleset"))
    created = ruleset(fake)
    assert out == [
        f"created the ruleset codeguard (id {created['id']}): status check {GATE} required on"
        " refs/heads/main, enforcement active"
    ]
    assert created["target"] == "branch" and created["enforcement"] == "active"
    assert created["conditions"] == {"ref_name": {"include": ["refs/heads/main"], "exclude": []}}
    assert created["rules"] == [
        {
            "type": "required_status_checks",
            "parameters": {
                "required_status_checks": [{"context": GATE}],
                "strict_required_status_checks_policy": False,
            },
        }
    ]
    assert fake.repo.protection == {}  # classic protection untouched

    before = copy.deepcopy(created)
    fake.requests.clear()
    assert lines(protect(fake, "--ruleset")) == [NOTHING]
    assert writes(fake) == []
    assert ruleset(fake) == before


def test_a_ruleset_missing_the_rule_gets_it_and_keeps_the_rest(fake: FakeGitHub) -> None:
    bypass = [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}]
    seeded = fake.add_ruleset(
        "codeguard",
        enforcement="disabled",
        conditions={"ref_name": {"include": ["refs/heads/develop"], "exclude": []}},
        rules=[{"type": "deletion"}, {"type": "non_fast_forward"}],
        bypass_actors=bypass,
    )
    rid = seeded["id"]
    out = lines(protect(fake, "--ruleset"))
    name = f"the ruleset codeguard (id {rid})"
    assert out == [
        f"changed the enforcement of {name} from disabled to active",
        f"made {name} target refs/heads/main",
        f"added a required_status_checks rule with {GATE} to {name}",
    ]
    assert writes(fake) == [f"PUT /repos/{REPO}/rulesets/{rid}"]
    after = ruleset(fake)
    assert after["id"] == rid and after["enforcement"] == "active"
    assert after["bypass_actors"] == bypass
    assert after["conditions"]["ref_name"]["include"] == ["refs/heads/develop", "refs/heads/main"]
    assert [r["type"] for r in after["rules"]] == [
        "deletion",
        "non_fast_forward",
        "required_status_checks",
    ]

    fake.requests.clear()
    assert lines(protect(fake, "--ruleset")) == [NOTHING]
    assert writes(fake) == []


def test_a_ruleset_rule_keeps_its_checks_and_policy(fake: FakeGitHub) -> None:
    rule = {
        "type": "required_status_checks",
        "parameters": {
            "required_status_checks": [{"context": "ci/build", "integration_id": 15368}],
            "strict_required_status_checks_policy": True,
            "do_not_enforce_on_create": True,
        },
    }
    seeded = fake.add_ruleset(
        "codeguard",
        conditions={"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": ["refs/heads/main"]}},
        rules=[rule],
    )
    name = f"the ruleset codeguard (id {seeded['id']})"
    out = lines(protect(fake, "--ruleset"))
    assert out == [
        f"removed refs/heads/main from the branches {name} excludes",
        f"added {GATE} to the required status checks of {name} (kept: ci/build)",
    ]
    after = ruleset(fake)
    assert after["conditions"] == {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}}
    assert after["rules"][0]["parameters"] == {
        "required_status_checks": [
            {"context": "ci/build", "integration_id": 15368},
            {"context": GATE},
        ],
        "strict_required_status_checks_policy": True,
        "do_not_enforce_on_create": True,
    }


def test_an_organisation_ruleset_of_the_same_name_is_not_edited(fake: FakeGitHub) -> None:
    org = fake.add_ruleset("codeguard", rules=[], organization="octo-org")
    before = copy.deepcopy(org)
    out = lines(protect(fake, "--ruleset"))
    assert out[0].startswith("created the ruleset codeguard (id ")
    assert fake.repo.rulesets[org["id"]] == before
    assert ruleset(fake)["id"] != org["id"]


def test_a_ruleset_named_codeguard_that_targets_tags_is_refused(fake: FakeGitHub) -> None:
    fake.add_ruleset("codeguard", target="tag", rules=[])
    err = one_line_error(protect(fake, "--ruleset"))
    assert "targets tags, not branches" in err


# --------------------------------------------------------------------------- dry run


@pytest.mark.parametrize("mode", ["unprotected", "protected", "ruleset-new", "ruleset-old"])
def test_dry_run_changes_nothing(fake: FakeGitHub, mode: str) -> None:
    args = ["--dry-run"]
    if mode == "protected":
        fake.protect_branch("main", FULL)
    if mode.startswith("ruleset"):
        args.append("--ruleset")
    if mode == "ruleset-old":
        fake.add_ruleset("codeguard", rules=[{"type": "deletion"}])
    protection, rulesets = copy.deepcopy(fake.repo.protection), copy.deepcopy(fake.repo.rulesets)

    out = lines(protect(fake, *args))
    assert out and all(line.startswith("would ") for line in out), out
    assert writes(fake) == []
    assert fake.repo.protection == protection and fake.repo.rulesets == rulesets
    expected = {
        "unprotected": "would create branch protection for main",
        "protected": f"would add {GATE} to the required status checks of main",
        "ruleset-new": "would create the ruleset codeguard",
        "ruleset-old": f"would add a required_status_checks rule with {GATE}",
    }[mode]
    assert any(line.startswith(expected) for line in out), out


def test_dry_run_when_already_required(fake: FakeGitHub) -> None:
    assert lines(protect(fake))[0].startswith("created ")
    fake.requests.clear()
    assert lines(protect(fake, "--dry-run")) == [NOTHING]
    assert writes(fake) == []


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("token", "ruleset", "answer"),
    [
        (ACTIONS, False, "403 Resource not accessible by integration"),
        (WRITER, False, "403 Must have admin rights to Repository."),
        (ACTIONS, True, "403 Resource not accessible by integration"),
    ],
)
def test_a_token_without_admin_rights_is_one_line_naming_the_permission(
    fake: FakeGitHub, token: str, ruleset: bool, answer: str
) -> None:
    err = one_line_error(protect(fake, *(["--ruleset"] if ruleset else []), token=token))
    assert answer in err
    assert '"Administration" repository permission (read and write)' in err
    assert "GITHUB_TOKEN never has it" in err
    assert fake.repo.protection == {} and fake.repo.rulesets == {}


def test_a_404_for_missing_admin_rights_says_so(fake: FakeGitHub) -> None:
    fake.non_admin_status = 404  # what GitHub answers some tokens without admin rights
    err = one_line_error(protect(fake, token=WRITER))
    assert "404 Not Found" in err and "rather than 403" in err and "Administration" in err


def test_an_admin_app_installation_works(fake: FakeGitHub) -> None:
    assert lines(protect(fake, token=ADMIN_APP))[0].startswith("created branch protection")


def test_missing_token_is_a_usage_error(fake: FakeGitHub) -> None:
    result = run_cli(
        "github",
        "protect",
        "--repo",
        REPO,
        "--branch",
        "main",
        env={"GITHUB_API_URL": fake.url, "GITHUB_TOKEN": "", "GH_TOKEN": ""},
    )
    err = one_line_error(result)
    assert "no GitHub token: set GITHUB_TOKEN or GH_TOKEN" in err
    assert fake.requests == []


def test_gh_token_is_read_too(fake: FakeGitHub) -> None:
    env = {"GITHUB_API_URL": fake.url, "GITHUB_TOKEN": "", "GH_TOKEN": ADMIN}
    result = run_cli("github", "protect", "--repo", REPO, "--branch", "main", env=env)
    assert lines(result)[0].startswith("created branch protection")


@pytest.mark.parametrize(
    ("args", "token", "phrase"),
    [
        (["--branch", "nope"], ADMIN, "octo-org/octo-repo has no branch 'nope'"),
        (["--repo", "octo-org/missing"], ADMIN, "repository octo-org/missing not found"),
        ([], "ghp_unknown", "GitHub rejected the token in GITHUB_TOKEN (401 Bad credentials)"),
        (["--repo", "not-a-repo"], ADMIN, "--repo 'not-a-repo': expected OWNER/NAME"),
        (["--check", " "], ADMIN, "--check: the status check's name cannot be empty"),
    ],
)
def test_other_errors_are_one_line(
    fake: FakeGitHub, args: list[str], token: str, phrase: str
) -> None:
    base = {"--repo": REPO, "--branch": "main"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [x for pair in base.items() for x in pair]
    env = {"GITHUB_API_URL": fake.url, "GITHUB_TOKEN": token, "GH_TOKEN": ""}
    err = one_line_error(run_cli("github", "protect", *flat, env=env))
    assert phrase in err


def test_github_needs_an_action() -> None:
    result = run_cli("github")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
