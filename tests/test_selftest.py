"""`codeguard selftest`: canaries through the live configuration, drift reported.

`codeguard.selftest.main` is called in process with the namespace the CLI will give it;
the same scenarios through the installed command run once `selftest` is wired into
codeguard/cli.py (skipped until then). The LLM canaries go to the scripted server of
tests/fake_openai.py.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from codeguard import pipeline
from codeguard import selftest
from codeguard.config import Config
from codeguard.errors import ConfigError
from codeguard.errors import InputError
from codeguard.errors import UsageError
from codeguard.ruleset import builtin_rules_dir
from codeguard.ruleset import load_rules
from codeguard.stages import STAGES
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI
from tests.fake_openai import Reply
from tests.fake_openai import answer
from tests.fake_openai import finding

RULES = load_rules([builtin_rules_dir()])
CANARIES, LLM_CANARIES = selftest.load_canaries()
BY_ID = {c.id: c for c in CANARIES}
RM_RF = {c.id for c in CANARIES if c.rules == ("CG102",)}
DESTRUCTIVE = next(c for c in LLM_CANARIES if c.expect == "finding")
SAFE = next(c for c in LLM_CANARIES if c.expect == "no-finding")
# the new-side line of `deleted = User.query.delete()` in the destructive LLM canary
PURGE_LINE = 12

RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["section", "id", "kind", "path", "expect", "got", "drifted", "why", "fired"],
    "additionalProperties": False,
    "properties": {
        "section": {"enum": ["canary", "example", "llm"]},
        "id": {"type": "string", "minLength": 1},
        "kind": {"enum": ["command", "file", "diff"]},
        "path": {"type": "string", "minLength": 1},
        "expect": {"enum": ["block", "pass", "warn-or-block", "finding", "no-finding"]},
        "got": {
            "enum": [
                "block",
                "warn",
                "pass",
                "error",
                "finding",
                "no-finding",
                "mismatch",
                "skipped",
            ]
        },
        "drifted": {"type": "boolean"},
        "why": {"type": "string"},
        "fired": {"type": "array", "items": {"type": "string"}},
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema", "config", "summary", "canaries", "drifted", "disabled_rules", "llm"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": "codeguard.selftest/1"},
        "config": {"type": ["string", "null"]},
        "summary": {
            "type": "object",
            "required": ["canaries", "drifted", "builtin", "examples", "examples_skipped", "llm"],
            "additionalProperties": False,
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("canaries", "drifted", "builtin", "examples", "examples_skipped", "llm")
            },
        },
        "canaries": {"type": "array", "items": RESULT},
        "drifted": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["section", "id", "path", "expect", "got", "why"],
                "additionalProperties": False,
                "properties": {
                    "section": {"enum": ["canary", "example", "rule", "llm"]},
                    "id": {"type": "string"},
                    "path": {"type": "string"},
                    "expect": {"type": "string"},
                    "got": {"type": "string"},
                    "why": {"type": "string", "minLength": 1},
                },
            },
        },
        "disabled_rules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "how", "why", "must_block", "drifted"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^CG[0-9]{3}$"},
                    "name": {"type": "string"},
                    "how": {"enum": ["disabled", "demoted", "per-file-ignored"]},
                    "why": {"type": "string", "minLength": 1},
                    "must_block": {"type": "boolean"},
                    "drifted": {"type": "boolean"},
                },
            },
        },
        "llm": {
            "type": "object",
            "required": ["status", "reason", "model", "canaries"],
            "additionalProperties": False,
            "properties": {
                "status": {"enum": ["ok", "drifted", "failed", "skipped"]},
                "reason": {"type": "string"},
                "model": {"type": "string"},
                "canaries": {"type": "array", "items": RESULT},
            },
        },
    },
}


def _selftest(
    capsys: pytest.CaptureFixture[str],
    fmt: str = "text",
    config: str | None = None,
    llm: bool = False,
) -> tuple[int, str]:
    code = selftest.main(argparse.Namespace(format=fmt, config=config, llm=llm))
    return code, capsys.readouterr().out


def _json(capsys: pytest.CaptureFixture[str], **kwargs: Any) -> tuple[int, dict[str, Any]]:
    code, out = _selftest(capsys, "json", **kwargs)
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    return code, doc


def _drifted(out: str) -> dict[str, str]:
    """DRIFT lines by id: `DRIFT <section> <id> ...`."""
    found = {}
    for line in out.splitlines():
        if line.startswith("DRIFT "):
            _, section, ident = line.split(" ", 3)[:3]
            found[f"{section} {ident}"] = line
    return found


def _summary(out: str) -> tuple[int, int]:
    m = re.fullmatch(r"selftest: (\d+) canaries, (\d+) drifted", out.rstrip().splitlines()[-1])
    assert m, out
    return int(m.group(1)), int(m.group(2))


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository as the working directory, with no LLM key in the environment."""
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CODEGUARD_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return repo


def _config(project: Path, text: str) -> None:
    (project / ".codeguard.toml").write_text(text, encoding="utf-8")


# --- the canaries themselves --------------------------------------------------------------------


def test_the_canary_set_covers_the_promises() -> None:
    expects = [c.expect for c in CANARIES]
    assert expects.count("block") >= 25 and expects.count("pass") >= 25
    assert expects.count("warn-or-block") >= 1
    assert {c.kind for c in CANARIES} == {"command", "file", "diff"}
    assert [c.expect for c in LLM_CANARIES] == ["finding", "no-finding"]
    texts = {c.text for c in CANARIES}
    for promise in (
        "rm -rf /",
        "rm -rf ~",
        "git push --force origin main",
        "terraform destroy -auto-approve",
        "kubectl delete namespace production",
        "rm -rf ./build",
        "git push origin feature/x",
        "pytest -q",
        "kubectl get pods -n production",
    ):
        assert promise in texts


def _alone(canary: selftest.Canary, scratch: Path, config: Config | None = None) -> Any:
    """The canary as `codeguard scan` runs it: one pipeline, bandit in its own process."""
    config = config or Config()
    live = config.replace(stages=tuple(s for s in config.stages if s != "llm"))
    return pipeline.run(live, selftest.changes_of(canary, scratch), RULES, STAGES)


def test_every_expectation_holds_with_the_default_configuration(tmp_path: Path) -> None:
    """Each canary scanned on its own (as `codeguard scan` would): the verdict it expects,
    decided by exactly the rules it names; and selftest, which batches bandit, agrees."""
    batched = {r.id: r for r in selftest.check_canaries(Config(), RULES, CANARIES, tmp_path)}
    codeguard_ids = {r.id for r in RULES}
    for canary in CANARIES:
        report = _alone(canary, tmp_path)
        assert report.verdict in selftest.ACCEPTS[canary.expect], (canary.id, report.findings)
        assert not report.failures, canary.id
        mine = {f.rule_id for f in report.findings if f.rule_id in codeguard_ids}
        if canary.expect == "block":
            assert {f.rule_id for f in report.blocking} & codeguard_ids == set(canary.rules), (
                canary.id
            )
        elif canary.expect == "warn-or-block":
            assert mine == set(canary.rules), canary.id
        else:
            assert not report.blocking, canary.id
        fired = tuple(sorted({f.rule_id for f in report.findings if not f.suppressed}))
        assert (batched[canary.id].got, batched[canary.id].fired) == (report.verdict, fired)
        assert not batched[canary.id].drifted


def test_no_deterministic_rule_fires_on_the_llm_canaries(tmp_path: Path) -> None:
    for canary in LLM_CANARIES:
        report = _alone(canary, tmp_path, Config().replace(filter="all"))
        assert report.findings == () and report.verdict == "pass", canary.id
    lines = selftest.changes_of(DESTRUCTIVE, tmp_path).files[0].lines
    assert lines[PURGE_LINE].strip() == "deleted = User.query.delete()"


def test_a_canary_file_that_is_wrong_says_where_in_one_line(tmp_path: Path) -> None:
    good = "- id: a\n  kind: command\n  text: ls\n  expect: pass\n"
    cases = {
        "id: a is used twice": good + good,
        "a: expect: expected one of block, pass, warn-or-block": good.replace("pass", "maybe"),
        "b: rules: name the rules that decide it": good.replace("id: a", "id: b").replace(
            "pass", "block"
        ),
        "unknown key 'colour'": good + "  colour: red\n",
        "path: only a command's path is <command>": good + "  path: x.sh\n",
        "c: text: expected a string": "- id: c\n  kind: file\n  path: x\n  expect: pass\n",
        "two canaries are both x.py": (
            "- {id: d, kind: file, path: x.py, text: a, expect: pass}\n"
            "- {id: e, kind: file, path: x.py, text: b, expect: pass}\n"
        ),
    }
    for message, body in cases.items():
        path = tmp_path / "canaries.yaml"
        path.write_text("canaries:\n" + body, encoding="utf-8")
        with pytest.raises(InputError, match=re.escape(message)):
            selftest.load_canaries(path)
    diff = "--- a/one.py\n+++ b/one.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
    canary = selftest.Canary("f", "diff", "two.py", diff, "pass")
    with pytest.raises(InputError, match=r"its diff must change exactly two\.py"):
        selftest.changes_of(canary, tmp_path)


def test_the_canaries_ship_inside_the_package() -> None:
    # the wheel is the package directory (pyproject: packages = ["codeguard"]), data included
    assert selftest.CANARIES_PATH.is_relative_to(Path(selftest.__file__).parent)
    assert selftest.CANARIES_PATH.is_file()


# --- the live configuration ---------------------------------------------------------------------


def test_the_default_configuration_passes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _selftest(capsys)
    assert code == 0, out
    assert _drifted(out) == {}
    total, drifted = _summary(out)
    assert drifted == 0
    examples = sum(len(r.bad) + len(r.good) for r in RULES)
    assert total == examples + len(CANARIES)
    assert f"rule examples: {examples} checked, 0 drifted\n" in out
    assert "llm: skipped: no model configured (llm.model)" in out
    assert "config: the defaults (no config file)" in out


def test_ignoring_cg102_makes_the_rm_rf_canaries_drift(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(project, 'ignore = ["CG102"]\n')
    code, out = _selftest(capsys)
    assert code == 1
    drifted = _drifted(out)
    assert set(drifted) == {f"canary {i}" for i in RM_RF} | {"rule CG102"}
    assert {"rm-rf-root", "rm-rf-home"} <= RM_RF
    assert drifted["canary rm-rf-root"] == (
        "DRIFT canary rm-rf-root (`rm -rf /`): expected block, got pass:"
        ' CG102 [shell-recursive-delete] did not fire: ignored (ignore = ["CG102"])'
    )
    assert "must-block canaries rely on it" in drifted["rule CG102"]
    assert _summary(out)[1] == len(RM_RF) + 1


def test_routine_canaries_that_a_config_would_block_drift_as_must_pass(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(project, 'fail-on = "note"\n')
    code, out = _selftest(capsys)
    assert code == 1
    drifted = _drifted(out)
    assert set(drifted) == {"canary python-subprocess-argv", "canary test-fixture-password"}
    line = drifted["canary test-fixture-password"]
    assert "expected pass, got block: CG702 [possible-credential] fired at line 5 as note" in line
    assert "(fail-on note)" in line
    assert BY_ID["test-fixture-password"].expect == "pass"
    # warnings blocking is not drift of must-pass: no routine canary warns
    _config(project, 'fail-on = "warning"\n')
    assert _selftest(capsys)[0] == 0


def test_a_demoted_must_block_rule_drifts_and_other_changes_are_notes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(project, 'ignore = ["CG536"]\n[severity]\nCG201 = "warning"\nCG512 = "note"\n')
    code, doc = _json(capsys)
    assert code == 1
    assert [(d["section"], d["id"]) for d in doc["drifted"]] == [
        ("canary", "git-force-push-main"),
        ("rule", "CG201"),
    ]
    assert doc["drifted"][0]["why"] == (
        "CG201 [git-force-push] fired as warning, below fail-on error (severity CG201 = warning)"
    )
    changes = {(r["id"], r["how"], r["must_block"], r["drifted"]) for r in doc["disabled_rules"]}
    assert changes == {
        ("CG201", "demoted", True, True),
        ("CG512", "demoted", False, False),
        ("CG536", "disabled", False, False),
    }
    _config(project, 'ignore = ["CG536"]\n[severity]\nCG512 = "note"\n')
    code, out = _selftest(capsys)
    assert code == 0
    assert (
        'note: rule CG536 [request-without-timeout] disabled: ignored (ignore = ["CG536"])' in out
    )
    assert "note: rule CG512 [weak-hash] demoted: severity CG512 = note, below fail-on error" in out


def test_per_file_ignores_reach_the_canaries_they_cover(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(project, '[per-file-ignores]\n"migrations/**" = ["CG3"]\n')
    code, doc = _json(capsys)
    assert code == 1
    assert {d["id"] for d in doc["drifted"]} == {
        "migration-drop-database",
        "migration-delete-every-row",
    }
    why = next(d["why"] for d in doc["drifted"] if d["id"] == "migration-drop-database")
    assert why == (
        "CG301 [sql-drop] did not fire: per-file-ignores 'migrations/**'"
        " at migrations/0042_drop_prod.sql"
    )
    # rule examples written at those paths cannot be judged here: skipped, not drift
    skipped = [c for c in doc["canaries"] if c["got"] == "skipped"]
    assert skipped and all(c["path"].startswith("migrations/") for c in skipped)
    assert doc["summary"]["examples_skipped"] == len(skipped)


def test_stages_turned_off_disable_their_rules(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(project, 'stages = ["parse", "destructive"]\n')
    code, doc = _json(capsys)
    assert code == 1
    off = {r["id"]: r for r in doc["disabled_rules"]}
    assert off["CG701"]["why"] == (
        'its stage \'secrets\' is off (stages = ["parse", "destructive"])'
    )
    assert off["CG501"]["how"] == "disabled" and off["CG501"]["must_block"]
    drifted = {d["id"] for d in doc["drifted"] if d["section"] == "canary"}
    assert {"aws-key-pair-in-env", "private-key-block", "python-sql-from-fstring"} <= drifted
    assert "rm-rf-root" not in drifted


def test_a_config_that_changes_what_a_rule_matches_breaks_its_examples(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # nothing but `/` counts as production: the rules still run, their examples no longer hold
    _config(project, 'protected-paths = ["/"]\n')
    code, out = _selftest(capsys)
    assert code == 1
    drifted = _drifted(out)
    assert "example CG101/bad[0]" in drifted
    assert (
        "expected finding, got no-finding: expected CG101 at line"
        in drifted["example CG101/bad[0]"]
    )
    assert drifted["canary rm-rf-database-files"].endswith(
        "CG102 [shell-recursive-delete] did not fire: enabled, but this configuration changes what it matches"
    )
    assert "canary rm-rf-root" not in drifted


def test_a_custom_rule_whose_example_no_longer_fires_is_drift(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = project / "guard-rules"
    rules.mkdir()
    (rules / "CG950-prod-db-restart.yaml").write_text(
        """\
id: CG950
name: prod-db-restart
stage: destructive
severity: error
message: "restarting the production database drops every connection"
description: |
  ## What it does
  Flags restarts of the production database.
  ## Why is this bad?
  Every connection drops.
  ## Instead
  Use a rolling restart.
match:
  regex:
    pattern: 'systemctl restart postgresql@prod'
examples:
  bad:
    - path: ops.sh
      code: |
        systemctl restart postgresql@prod  # expect: CG950
  good:
    - path: ops.sh
      code: |
        systemctl restart postgresql@staging
""",
        encoding="utf-8",
    )
    _config(project, 'rule-dirs = ["guard-rules"]\n')
    code, out = _selftest(capsys)
    assert code == 0, out
    # the team's own per-file ignore hides its rule where its example lives
    _config(project, 'rule-dirs = ["guard-rules"]\n[per-file-ignores]\n"*.sh" = ["CG950"]\n')
    code, out = _selftest(capsys)
    assert code == 0
    assert "note: per-file-ignores '*.sh' = [\"CG950\"]: 1 rule(s) off for those files" in out
    text = (rules / "CG950-prod-db-restart.yaml").read_text(encoding="utf-8")
    (rules / "CG950-prod-db-restart.yaml").write_text(
        text.replace("pattern: 'systemctl restart postgresql@prod'", "pattern: 'pg_ctl restart'"),
        encoding="utf-8",
    )
    _config(project, 'rule-dirs = ["guard-rules"]\n')
    code, out = _selftest(capsys)
    assert code == 1
    assert _drifted(out) == {
        "example CG950/bad[0]": "DRIFT example CG950/bad[0] (ops.sh): expected finding,"
        " got no-finding: expected CG950 at line 1, found none"
    }


def test_json_report_validates_structurally(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = _json(capsys)
    assert code == 0
    assert doc["schema"] == "codeguard.selftest/1"
    assert doc["drifted"] == [] and doc["disabled_rules"] == []
    assert doc["summary"]["canaries"] == len(doc["canaries"])
    assert doc["summary"]["builtin"] == len(CANARIES)
    builtin = {c["id"]: c for c in doc["canaries"] if c["section"] == "canary"}
    assert builtin["rm-rf-root"] == {
        "section": "canary",
        "id": "rm-rf-root",
        "kind": "command",
        "path": "<command>",
        "expect": "block",
        "got": "block",
        "drifted": False,
        "why": "",
        "fired": ["CG102"],
    }
    assert builtin["python-subprocess-argv"]["got"] == "warn"  # bandit's note, batched
    assert doc["llm"] == {
        "status": "skipped",
        "reason": "no model configured (llm.model)",
        "model": "",
        "canaries": [],
    }


def test_usage_and_config_errors_raise_for_the_cli_to_report(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        _selftest(capsys, config="missing.toml")
    _config(project, 'fail-on = "loud"\n')
    with pytest.raises(ConfigError, match="fail-on"):
        _selftest(capsys)
    _config(project, "")
    with pytest.raises(UsageError, match="--format"):
        _selftest(capsys, fmt="sarif")
    with pytest.raises(UsageError, match="--llm: no model configured"):
        _selftest(capsys, llm=True)
    assert capsys.readouterr().out == ""


def test_an_explicit_config_file_is_the_one_judged(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "strict.toml").write_text('ignore = ["CG201"]\n', encoding="utf-8")
    code, out = _selftest(capsys, config="strict.toml")
    assert code == 1
    assert "canary git-force-push-main" in _drifted(out)
    assert f"config: {project / 'strict.toml'}" in out


# --- the LLM canaries ---------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


def _llm_project(project: Path, server: FakeOpenAI, extra: str = "") -> None:
    _config(
        project,
        f'[llm]\nbase-url = "{server.url}"\nmodel = "test-model"\nretries = 0\ntimeout = 10\n'
        + extra,
    )


def _reviewer(flag_purge: bool, flag_safe: bool = False) -> Callable[[dict[str, Any]], Reply]:
    """A model that reads the diff it is sent and flags what it is told to."""

    def reply(body: dict[str, Any]) -> Reply:
        text = "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")
        if "User.query.delete()" in text and flag_purge:
            return answer(
                finding(DESTRUCTIVE.path, PURGE_LINE, message="deletes every user every night")
            )
        if "user.full_name" in text and flag_safe:
            return answer(finding(SAFE.path, 3, message="changes \u202ethe\nheader"))
        return answer()

    return reply


def test_a_model_that_flags_the_purge_and_passes_the_safe_change_has_no_drift(
    project: Path,
    server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _llm_project(project, server)
    monkeypatch.setenv("CODEGUARD_LLM_API_KEY", "test-key")
    server.default = _reviewer(flag_purge=True)
    code, doc = _json(capsys)
    assert code == 0, doc["drifted"]
    llm = doc["llm"]
    assert (llm["status"], llm["model"]) == ("ok", "test-model")
    assert [(c["id"], c["got"], c["drifted"]) for c in llm["canaries"]] == [
        (DESTRUCTIVE.id, "finding", False),
        (SAFE.id, "no-finding", False),
    ]
    assert llm["canaries"][0]["fired"] == ["CG900"]
    # one request per canary: the deterministic sections never call the model
    assert len(server.requests) == 2
    assert server.headers[0]["authorization"] == "Bearer test-key"
    # asked again, not answered from the verdict cache: a model change shows at once
    _json(capsys)
    assert len(server.requests) == 4
    assert doc["summary"]["llm"] == 2
    assert doc["summary"]["canaries"] == len(doc["canaries"]) + 2


def test_a_model_that_finds_nothing_makes_the_destructive_canary_drift(
    project: Path,
    server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _llm_project(project, server)
    monkeypatch.setenv("CODEGUARD_LLM_API_KEY", "test-key")
    server.default = answer()
    code, out = _selftest(capsys)
    assert code == 1
    assert _drifted(out) == {
        f"llm {DESTRUCTIVE.id}": f"DRIFT llm {DESTRUCTIVE.id} ({DESTRUCTIVE.path}): expected"
        " finding, got no-finding: the model reported nothing"
    }
    assert "llm (test-model): 2 checked, 1 drifted" in out
    assert _summary(out)[1] == 1


def test_a_model_that_flags_the_safe_change_drifts_with_its_words_on_one_line(
    project: Path,
    server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _llm_project(project, server)
    monkeypatch.setenv("OPENAI_API_KEY", "other-key")
    server.default = _reviewer(flag_purge=True, flag_safe=True)
    code, out = _selftest(capsys)
    assert code == 1
    line = _drifted(out)[f"llm {SAFE.id}"]
    assert "expected no-finding, got finding: the model flagged line 3: changes" in line
    assert "\u202e" not in out and "\n" not in line


def test_a_model_below_the_confidence_floor_says_so(
    project: Path,
    server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _llm_project(project, server)
    monkeypatch.setenv("CODEGUARD_LLM_API_KEY", "test-key")
    server.default = answer(finding(DESTRUCTIVE.path, PURGE_LINE, confidence=0.3))
    code, out = _selftest(capsys)
    assert code == 1
    assert "the model reported nothing (llm: 1 finding(s) below confidence 0.7" in out


def test_a_failing_llm_stage_is_reported_as_drift(
    project: Path,
    server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # on-error = "warn" lets a scan through; the selftest still says the model is unreachable
    _llm_project(project, server, 'on-error = "warn"\n')
    monkeypatch.setenv("CODEGUARD_LLM_API_KEY", "test-key")
    server.default = Reply(status=500, error="model not loaded")
    code, doc = _json(capsys)
    assert code == 1
    assert doc["llm"]["status"] == "failed"
    assert [(d["section"], d["got"]) for d in doc["drifted"]] == [("llm", "error")] * 2
    assert all("llm stage failed" in d["why"] for d in doc["drifted"])
    assert "model not loaded" in doc["drifted"][0]["why"]


def test_without_a_key_the_llm_section_is_skipped_and_llm_runs_it_keyless(
    project: Path,
    server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _llm_project(project, server)
    server.default = _reviewer(flag_purge=True)
    code, out = _selftest(capsys)
    assert code == 0
    assert "llm: skipped: no API key (set CODEGUARD_LLM_API_KEY or OPENAI_API_KEY" in out
    assert server.requests == []
    code, out = _selftest(capsys, llm=True)  # a local server needs no key
    assert code == 0, out
    assert "llm (test-model): 2 checked, 0 drifted" in out
    assert len(server.requests) == 2
    # a stage the configuration turns off is skipped, and --llm cannot turn it on
    _config(
        project,
        'stages = ["parse", "destructive", "secrets", "security"]\n'
        f'[llm]\nbase-url = "{server.url}"\nmodel = "test-model"\n',
    )
    code, out = _selftest(capsys)
    assert code == 0
    assert (
        'llm: skipped: the llm stage is off (stages = ["parse", "destructive", "secrets", "security"])'
        in out
    )
    with pytest.raises(UsageError, match="--llm: the llm stage is off"):
        _selftest(capsys, llm=True)


# --- through the installed command (once `selftest` is wired into codeguard/cli.py) ---------


@functools.lru_cache(maxsize=1)
def _wired() -> bool:
    result = run_cli("--help")
    return "selftest" in result.out


needs_cli = pytest.mark.skipif(
    not _wired(), reason="`codeguard selftest` is not wired into codeguard/cli.py yet"
)


@needs_cli
def test_cli_default_configuration_passes(repo: Path) -> None:
    result = run_cli("selftest", cwd=repo, env={"CODEGUARD_LLM_API_KEY": "", "OPENAI_API_KEY": ""})
    assert result.code == 0, result.out + result.err
    assert _summary(result.out)[1] == 0
    assert result.err == ""


@needs_cli
def test_cli_ignoring_cg102_exits_1_naming_the_rm_rf_canaries(repo: Path) -> None:
    _config(repo, 'ignore = ["CG102"]\n')
    result = run_cli("selftest", cwd=repo)
    assert result.code == 1
    assert set(_drifted(result.out)) == {f"canary {i}" for i in RM_RF} | {"rule CG102"}


@needs_cli
def test_cli_json_validates_and_fail_on_note_is_must_pass_drift(repo: Path) -> None:
    _config(repo, 'fail-on = "note"\n')
    result = run_cli("selftest", "--format", "json", cwd=repo)
    assert result.code == 1
    doc = json.loads(result.out)
    jsonschema.validate(doc, SCHEMA)
    assert {(d["id"], d["expect"], d["got"]) for d in doc["drifted"]} == {
        ("python-subprocess-argv", "pass", "block"),
        ("test-fixture-password", "pass", "block"),
    }


@needs_cli
def test_cli_usage_and_config_errors_are_one_line_exit_2(repo: Path) -> None:
    for args in (
        ("selftest", "--config", "missing.toml"),
        ("selftest", "--format", "sarif"),
        ("selftest", "--bogus"),
    ):
        result = run_cli(*args, cwd=repo)
        assert result.code == 2, args
        assert result.out == ""
        assert result.err.count("\n") == 1 and result.err.startswith("codeguard: error: ")
        assert "Traceback" not in result.err


@needs_cli
def test_cli_llm_canaries_against_the_fake_server(repo: Path, server: FakeOpenAI) -> None:
    _llm_project(repo, server)
    server.default = _reviewer(flag_purge=True)
    env = {"CODEGUARD_LLM_API_KEY": "cg-key"}
    result = run_cli("selftest", cwd=repo, env=env)
    assert result.code == 0, result.out
    assert "llm (test-model): 2 checked, 0 drifted" in result.out
    server.default = answer()
    result = run_cli("selftest", "--llm", cwd=repo, env={"CODEGUARD_LLM_API_KEY": ""})
    assert result.code == 1
    assert f"llm {DESTRUCTIVE.id}" in _drifted(result.out)
    assert "cg-key" not in result.out + result.err
