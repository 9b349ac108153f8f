"""`codeguard selftest`: canaries run through the live configuration.

A configuration can quietly break what a team relies on: an `ignore` added to silence one
noisy finding, a demoted severity, a `per-file-ignores` glob wider than meant, a `fail-on`
that stops routine work, a new model that no longer sees data loss. The selftest loads the
configuration `codeguard scan` would load (from the working directory, or `--config`) and
runs, in process:

1. every enabled rule's own examples, judged under that configuration. Rules it disables,
   demotes or per-file-ignores are listed apart; a disabled or demoted rule that a
   must-block canary relies on is a drift of its own.
2. the built-in canaries of codeguard/canaries/canaries.yaml: commands, files and diffs
   that must block (`rm -rf /`, `git push --force origin main`, a key pair in `.env`),
   must at least warn, or must go through (`rm -rf ./build`, `pytest -q`).
3. the model's canaries, when a model is configured and a key is set (or `--llm` given):
   two diffs whose answer is known, asked afresh (the cache is bypassed). Models are not
   deterministic, so this section stands apart.

The deterministic sections never call the model. Exit 0 when nothing drifted, 1 when
something did, 2 for usage and configuration errors.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from codeguard.changes import COMMAND_PATH
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.config import KNOWN_STAGES
from codeguard.config import Config
from codeguard.errors import EXIT_BLOCK
from codeguard.errors import EXIT_PASS
from codeguard.errors import InputError
from codeguard.errors import UsageError
from codeguard.finding import Finding
from codeguard.finding import Report
from codeguard.finding import Severity
from codeguard.finding import StageFailure
from codeguard.globs import match_path
from codeguard.ruleset import Rule
from codeguard.ruleset import is_enabled
from codeguard.ruleset import selects
from codeguard.ruleset import split_markers

if TYPE_CHECKING:
    from codeguard.stage import LLMAccess

SCHEMA = "codeguard.selftest/1"
CANARIES_PATH = Path(__file__).parent / "canaries" / "canaries.yaml"
FORMATS = ("text", "json")
KINDS = ("command", "file", "diff")
EXPECTS = ("block", "pass", "warn-or-block")
LLM_EXPECTS = ("finding", "no-finding")
LLM_RULE = "CG900"
# what each expectation accepts (a stage failure, "error", is never what a canary expects)
ACCEPTS = {"block": ("block",), "pass": ("pass", "warn"), "warn-or-block": ("warn", "block")}


@dataclass(frozen=True)
class Canary:
    id: str
    kind: str
    path: str
    text: str
    expect: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """One canary (or rule example) as it ran under the live configuration."""

    section: str  # "canary" | "example" | "llm"
    id: str
    kind: str
    path: str
    expect: str
    got: str
    drifted: bool
    why: str = ""
    fired: tuple[str, ...] = ()
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "id": self.id,
            "kind": self.kind,
            "path": self.path,
            "expect": self.expect,
            "got": self.got,
            "drifted": self.drifted,
            "why": self.why,
            "fired": list(self.fired),
        }


@dataclass(frozen=True)
class RuleChange:
    """A rule the configuration turns off or down, compared with the defaults."""

    id: str
    name: str
    how: str  # "disabled" | "demoted" | "per-file-ignored"
    why: str
    must_block: bool

    @property
    def drifted(self) -> bool:
        # a per-file ignore is partial: the canaries show whether it reaches them
        return self.must_block and self.how != "per-file-ignored"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "how": self.how,
            "why": self.why,
            "must_block": self.must_block,
            "drifted": self.drifted,
        }


@dataclass(frozen=True)
class LLMSection:
    status: str  # "ok" | "drifted" | "failed" (the stage could not review) | "skipped"
    reason: str = ""
    model: str = ""
    results: tuple[Result, ...] = ()


@dataclass(frozen=True)
class Outcome:
    config: str
    examples: tuple[Result, ...]
    canaries: tuple[Result, ...]
    rule_changes: tuple[RuleChange, ...]
    llm: LLMSection

    @property
    def checked(self) -> int:
        ran = (*self.examples, *self.canaries, *self.llm.results)
        return sum(1 for r in ran if r.got != "skipped")

    @property
    def drifted(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for r in (*self.canaries, *self.examples):
            if r.drifted:
                out.append(_drift(r.section, r.id, r.expect, r.got, r.why, r.path))
        for change in self.rule_changes:
            if change.drifted:
                out.append(
                    _drift(
                        "rule",
                        change.id,
                        "enabled and blocking",
                        change.how,
                        f"{change.name}: {change.why}; must-block canaries rely on it",
                        "",
                    )
                )
        for r in self.llm.results:
            if r.drifted:
                out.append(_drift("llm", r.id, r.expect, r.got, r.why, r.path))
        return out


def _drift(section: str, ident: str, expect: str, got: str, why: str, path: str) -> dict[str, Any]:
    return {
        "section": section,
        "id": ident,
        "path": path,
        "expect": expect,
        "got": got,
        "why": why,
    }


# --- the canary file ------------------------------------------------------------------------


def load_canaries(path: Path = CANARIES_PATH) -> tuple[list[Canary], list[Canary]]:
    """(deterministic canaries, LLM canaries), validated; a bad file is one line, exit 2."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or set(data) - {"canaries", "llm"}:
        raise InputError(f"{path}: expected a mapping with `canaries` and `llm`")
    seen: set[str] = set()
    plain = [
        _canary(path, "canaries", i, raw, EXPECTS, seen)
        for i, raw in _items(path, data, "canaries")
    ]
    llm = [_canary(path, "llm", i, raw, LLM_EXPECTS, seen) for i, raw in _items(path, data, "llm")]
    paths = [c.path for c in plain if c.kind != "command"]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        # bandit reviews every canary's file in one run, told apart by path
        raise InputError(f"{path}: two canaries are both {twice[0]}")
    return plain, llm


def _items(path: Path, data: dict[str, Any], key: str) -> Iterable[tuple[int, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list):
        raise InputError(f"{path}: {key}: expected a list")
    return enumerate(items)


def _canary(
    path: Path, key: str, i: int, raw: Any, expects: tuple[str, ...], seen: set[str]
) -> Canary:
    where = f"{path}: {key}[{i}]"
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a mapping")
    unknown = set(raw) - {"id", "kind", "path", "text", "expect", "rules"}
    if unknown:
        raise InputError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident:
        raise InputError(f"{where}: id: expected a string")
    if ident in seen:
        raise InputError(f"{where}: id: {ident} is used twice")
    seen.add(ident)
    where = f"{path}: {ident}"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InputError(f"{where}: kind: expected one of {', '.join(KINDS)}")
    expect = raw.get("expect")
    if expect not in expects:
        raise InputError(f"{where}: expect: expected one of {', '.join(expects)}")
    text = raw.get("text")
    if isinstance(text, list) and all(isinstance(t, str) for t in text):
        text = "".join(text)
    if not isinstance(text, str) or not text:
        raise InputError(f"{where}: text: expected a string or a list of strings")
    file_path = raw.get("path", COMMAND_PATH if kind == "command" else None)
    if not isinstance(file_path, str) or not file_path:
        raise InputError(f"{where}: path: expected a string")
    if (kind == "command") != (file_path == COMMAND_PATH):
        raise InputError(f"{where}: path: only a command's path is {COMMAND_PATH}")
    rules = raw.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise InputError(f"{where}: rules: expected a list of rule ids")
    if expect in ("block", "warn-or-block") and not rules:
        raise InputError(f"{where}: rules: name the rules that decide it")
    return Canary(ident, str(kind), file_path, text, str(expect), tuple(rules))


def changes_of(canary: Canary, scratch: Path) -> ChangeSet:
    """The canary as `codeguard scan` would see it (`--command`, PATH, `--diff`).

    Diffs are read against `scratch`, an empty directory: a file of the same name in the
    repository must not change what a canary means.
    """
    if canary.kind == "command":
        from codeguard.sources.command import from_command

        return from_command(canary.text)
    if canary.kind == "diff":
        from codeguard.sources.patch import from_diff

        changes = from_diff(canary.text.encode(), origin=f"canary {canary.id}", cwd=scratch)
        if [c.path for c in changes] != [canary.path]:
            raise InputError(f"canary {canary.id}: its diff must change exactly {canary.path}")
        return changes
    change = FileChange(path=canary.path, status="added", post_image=canary.text, wholly_added=True)
    return ChangeSet((change,), source=f"canary {canary.id}")


# --- what the configuration changes -----------------------------------------------------------


def disabled_reason(config: Config, rule: Rule) -> str | None:
    """Why the live configuration does not run a rule the defaults run; None if it does."""
    if not is_enabled(config.select, config.ignore, rule.id, rule.name):
        if config.select and selects(config.select, rule.id, rule.name) == 0:
            return f"not selected (select = {_list(config.select)})"
        hits = [p for p in config.ignore if selects((p,), rule.id, rule.name)]
        return f"ignored (ignore = {_list(hits or config.ignore)})"
    if rule.stage in KNOWN_STAGES and rule.stage not in config.stages:
        return f"its stage {rule.stage!r} is off (stages = {_list(config.stages)})"
    return None


def severity_override(config: Config, rule_id: str, name: str) -> tuple[str, Severity] | None:
    """The `[severity]` entry the pipeline applies to the rule's findings (the first wins)."""
    for key, severity in config.severity:
        if key in (rule_id, name):
            return key, severity
    return None


def per_file_ignored(config: Config, rule_id: str, name: str, path: str) -> str | None:
    """The `per-file-ignores` glob that drops the rule's findings at `path`, if one does."""
    for glob, ids in config.per_file_ignores:
        if match_path(path, glob) and not is_enabled((), ids, rule_id, name):
            return glob
    return None


def _runs_by_default(rule: Rule) -> bool:
    return rule.status == "stable"


def _runs_live(config: Config, rule: Rule) -> bool:
    if rule.status == "removed" or (rule.status == "preview" and not config.preview):
        return False
    return disabled_reason(config, rule) is None


def rule_changes(config: Config, rules: list[Rule], must_block: set[str]) -> list[RuleChange]:
    default_fail_on = Config().fail_on
    out: list[RuleChange] = []
    for rule in rules:
        if not _runs_by_default(rule):
            continue
        vital = rule.id in must_block
        reason = disabled_reason(config, rule)
        if reason is not None:
            out.append(RuleChange(rule.id, rule.name, "disabled", reason, vital))
            continue
        override = severity_override(config, rule.id, rule.name)
        key, severity = override or ("", rule.severity)
        if rule.severity >= default_fail_on and severity < config.fail_on:
            how = f"severity {key} = {severity.label}" if key else f"severity {severity.label}"
            why = f"{how}, below fail-on {config.fail_on.label}"
            out.append(RuleChange(rule.id, rule.name, "demoted", why, vital))
        for glob, ids in config.per_file_ignores:
            if not is_enabled((), ids, rule.id, rule.name):
                why = f"per-file-ignores {glob!r} = {_list(ids)}"
                out.append(RuleChange(rule.id, rule.name, "per-file-ignored", why, vital))
    return out


def _list(items: Iterable[str]) -> str:
    return json.dumps(list(items))


# --- running ----------------------------------------------------------------------------------


def deterministic(config: Config) -> Config:
    """The live configuration for the deterministic sections: the LLM is never called."""
    return config.replace(stages=tuple(s for s in config.stages if s != "llm"))


def check_examples(config: Config, rules: list[Rule]) -> list[Result]:
    """Each live rule's examples under the live configuration (bandit aside: its findings
    are not the examples' to expect, and it would cost a process per example)."""
    from codeguard import pipeline
    from codeguard.examples import example_changes
    from codeguard.stages import STAGES

    base = deterministic(config).replace(bandit=False)
    live = {r.id: r for r in rules if _runs_live(config, r)}
    results: list[Result] = []
    for rule in rules:
        if rule.id not in live:
            continue
        cases = [("bad", i, e) for i, e in enumerate(rule.bad)]
        cases += [("good", i, e) for i, e in enumerate(rule.good)]
        for kind, i, example in cases:
            ident = f"{rule.id}/{kind}[{i}]"
            shape = "command" if example.path == COMMAND_PATH else "file"
            _, expected = split_markers(example.code)
            expect = "finding" if kind == "bad" else "no-finding"
            off = _not_applicable(config, live, rule, example.path, expected)
            if off is not None:
                results.append(
                    Result("example", ident, shape, example.path, expect, "skipped", False, off)
                )
                continue
            report = pipeline.run(base, example_changes(example), rules, STAGES)
            results.append(
                _judge_example(rule, ident, shape, example.path, expect, expected, report)
            )
    return results


def _not_applicable(
    config: Config, live: dict[str, Rule], rule: Rule, path: str, expected: set[tuple[int, str]]
) -> str | None:
    """Why an example cannot be judged under this configuration (it relies on a rule the
    configuration turns off at its path); None when it can."""
    for rule_id in sorted({rule.id} | {e[1] for e in expected}):
        other = live.get(rule_id)
        if other is None:
            return f"expects {rule_id}, which this configuration does not run"
        glob = per_file_ignored(config, other.id, other.name, path)
        if glob is not None:
            return f"{rule_id} is per-file-ignored at {path} ({glob!r})"
    return None


def _judge_example(
    rule: Rule,
    ident: str,
    shape: str,
    path: str,
    expect: str,
    expected: set[tuple[int, str]],
    report: Report,
) -> Result:
    fired = tuple(sorted({f.rule_id for f in report.findings}))
    if report.failures:
        why = _failures(report)
        return Result("example", ident, shape, path, expect, "error", True, why, fired)
    found = {(f.start.line, f.rule_id) for f in report.findings}
    mine = {(line, rid) for line, rid in found if rid == rule.id}
    if expect == "no-finding":
        if not mine:
            return Result("example", ident, shape, path, expect, "no-finding", False, "", fired)
        why = f"expected no {rule.id}, found {_at(mine)}"
        return Result("example", ident, shape, path, expect, "finding", True, why, fired)
    wanted = {e for e in expected if e[1] == rule.id}
    missing = {e for e in expected if e[1] != rule.id} - found
    if mine == wanted and not missing:
        return Result("example", ident, shape, path, expect, "finding", False, "", fired)
    got = "no-finding" if not mine else "mismatch"
    parts = []
    if mine != wanted:
        parts.append(f"expected {_at(wanted)}, found {_at(mine) if mine else 'none'}")
    if missing:
        parts.append(f"expected with it {_at(missing)}, not found")
    return Result("example", ident, shape, path, expect, got, True, "; ".join(parts), fired)


def _at(found: Iterable[tuple[int, str]]) -> str:
    return ", ".join(f"{rid} at line {line}" for line, rid in sorted(found))


def _failures(report: Report) -> str:
    return "; ".join(f"stage {x.stage} failed: {x.message}" for x in report.failures)


def check_canaries(
    config: Config, rules: list[Rule], canaries: list[Canary], scratch: Path
) -> list[Result]:
    """Each canary through the live pipeline, one run per canary.

    bandit, when the configuration runs it, checks the Python of every canary in one
    worker instead of one process per canary (~0.2 s each): each file is its own input to
    bandit, its findings are decided by file as in a run of their own, and they are added
    to the findings of their canary's run before the canary is judged.
    """
    from codeguard import pipeline
    from codeguard.analyze import is_python
    from codeguard.stages import STAGES

    live = deterministic(config)
    changes = {c.id: changes_of(c, scratch) for c in canaries}
    python = {c.id for c in canaries if any(is_python(f) for f in changes[c.id])}
    extra: dict[str, list[Finding]] = {}
    failed: tuple[StageFailure, ...] = ()
    if live.bandit and "security" in live.stages and python:
        files = tuple(f for c in canaries if c.id in python for f in changes[c.id])
        batch = pipeline.run(
            live.replace(stages=("security",)), ChangeSet(files, source="canaries"), rules, STAGES
        )
        own = {r.id for r in rules}
        for f in batch.findings:
            if f.rule_id not in own:  # bandit's: codeguard's own come from each canary's run
                extra.setdefault(f.path, []).append(f)
        failed = batch.failures
    quick = live.replace(bandit=False)
    by_id = {r.id: r for r in rules}
    results = []
    for canary in canaries:
        report = pipeline.run(quick, changes[canary.id], rules, STAGES)
        if canary.id in python:
            report = _joined(report, extra.get(canary.path, []), failed)
        results.append(_judge_canary(config, by_id, canary, report))
    return results


def _joined(report: Report, findings: list[Finding], failures: tuple[StageFailure, ...]) -> Report:
    from codeguard import pipeline

    if not findings and not failures:
        return report
    every = sorted([*report.findings, *findings], key=lambda f: f.sort_key)
    lost = (*report.failures, *failures)
    return dataclasses.replace(
        report,
        findings=tuple(every),
        failures=lost,
        verdict=pipeline.verdict(every, list(lost), set()),
    )


def _judge_canary(config: Config, by_id: dict[str, Rule], canary: Canary, report: Report) -> Result:
    got = report.verdict
    fired = tuple(sorted({f.rule_id for f in report.findings if not f.suppressed}))
    ok = got in ACCEPTS[canary.expect]
    why = ""
    if not ok:
        if got == "error":
            why = _failures(report)
        elif canary.expect == "pass":
            why = "; ".join(_fired(config, f) for f in report.blocking)
        else:
            need = "block" if canary.expect == "block" else "report"
            why = "; ".join(
                _missed(config, by_id.get(rid), rid, canary, report, need) for rid in canary.rules
            )
    return Result(
        "canary", canary.id, canary.kind, canary.path, canary.expect, got, not ok, why, fired,
        canary.text if canary.kind == "command" else "",
    )  # fmt: skip


def _fired(config: Config, f: Finding) -> str:
    return (
        f"{f.rule_id} [{f.name}] fired at line {f.start.line} as {f.severity.label}"
        f" (fail-on {config.fail_on.label}): {_one_line(f.message, 120)}"
    )


def _missed(
    config: Config, rule: Rule | None, rule_id: str, canary: Canary, report: Report, need: str
) -> str:
    """Why `rule_id` did not block (or report) the canary."""
    if rule is None:
        return f"{rule_id} is not among the loaded rules"
    mine = [f for f in report.findings if f.rule_id == rule_id]
    if not mine:
        reason = disabled_reason(config, rule)
        if reason is None and rule.status == "preview" and not config.preview:
            reason = "a preview rule (preview = false)"
        if reason is None:
            glob = per_file_ignored(config, rule.id, rule.name, canary.path)
            if glob is not None:
                reason = f"per-file-ignores {glob!r} at {canary.path}"
        if reason is None:
            reason = "enabled, but this configuration changes what it matches"
        return f"{rule_id} [{rule.name}] did not fire: {reason}"
    live = [f for f in mine if not f.suppressed]
    if not live:
        return f"{rule_id} [{rule.name}] fired but was suppressed: {mine[0].suppression_reason}"
    if need == "block" and not any(f.blocking for f in live):
        severity = live[0].severity
        override = severity_override(config, rule.id, rule.name)
        how = (
            f"severity {override[0]} = {severity.label}" if override else "as the rule reported it"
        )
        return (
            f"{rule_id} [{rule.name}] fired as {severity.label}, below fail-on"
            f" {config.fail_on.label} ({how})"
        )
    return f"{rule_id} [{rule.name}] fired"


# --- the LLM section --------------------------------------------------------------------------


def check_llm(
    config: Config,
    rules: list[Rule],
    canaries: list[Canary],
    access: LLMAccess | None,
    scratch: Path,
) -> LLMSection:
    """The LLM canaries, reviewed live, or why they were not."""
    from codeguard import pipeline
    from codeguard.stages import STAGES

    model = config.llm.model
    if "llm" not in config.stages:
        return LLMSection("skipped", f"the llm stage is off (stages = {_list(config.stages)})")
    if access is None or not model:
        return LLMSection("skipped", "no model configured (llm.model)")
    if not (access.api_key or access.required):
        reason = "no API key (set CODEGUARD_LLM_API_KEY or OPENAI_API_KEY, or pass --llm)"
        return LLMSection("skipped", reason, model)
    # the model's answer now, not one remembered from before a model or policy change
    fresh = dataclasses.replace(access, cache_dir="")
    only_llm = config.replace(stages=("llm",))
    results = []
    for canary in canaries:
        report = pipeline.run(only_llm, changes_of(canary, scratch), rules, STAGES, llm=fresh)
        results.append(_judge_llm(canary, report))
    status = "ok"
    if any(r.got == "error" for r in results):
        status = "failed"
    elif any(r.drifted for r in results):
        status = "drifted"
    return LLMSection(status, "", model, tuple(results))


def _judge_llm(canary: Canary, report: Report) -> Result:
    failed = [x for x in report.failures if x.stage == "llm"]
    found = [f for f in report.findings if f.rule_id == LLM_RULE and not f.suppressed]
    fired = tuple(sorted({f.rule_id for f in report.findings}))

    def result(got: str, drifted: bool, why: str = "") -> Result:
        return Result("llm", canary.id, canary.kind, canary.path, canary.expect, got, drifted,
                      why, fired)  # fmt: skip

    if failed:
        return result("error", True, "; ".join(f"llm stage failed: {x.message}" for x in failed))
    if canary.expect == "finding":
        if found:
            return result("finding", False)
        notes = [n for n in report.notices if n.startswith("llm:") and "chunk(s)" not in n]
        detail = f" ({'; '.join(notes)})" if notes else ""
        return result("no-finding", True, f"the model reported nothing{detail}")
    if not found:
        return result("no-finding", False)
    why = "; ".join(
        f"the model flagged line {f.start.line}: {_one_line(f.message, 160)}" for f in found
    )
    return result("finding", True, why)


# --- the command --------------------------------------------------------------------------------


def run(
    config: Config,
    rules: list[Rule],
    *,
    access: LLMAccess | None = None,
    canaries_path: Path = CANARIES_PATH,
) -> Outcome:
    plain, llm_canaries = load_canaries(canaries_path)
    must_block = {rid for c in plain if c.expect == "block" for rid in c.rules}
    with tempfile.TemporaryDirectory(prefix="codeguard-selftest-") as scratch:
        where = Path(scratch)
        canaries = check_canaries(config, rules, plain, where)
        examples = check_examples(config, rules)
        llm = check_llm(config, rules, llm_canaries, access, where)
    return Outcome(
        config=config.source,
        examples=tuple(examples),
        canaries=tuple(canaries),
        rule_changes=tuple(rule_changes(config, rules, must_block)),
        llm=llm,
    )


def main(args: argparse.Namespace) -> int:
    """`codeguard selftest [--format text|json] [--config FILE] [--llm]`."""
    from codeguard.cli import llm_access
    from codeguard.cli import load_configured_rules
    from codeguard.config import load_config

    fmt = getattr(args, "format", None) or "text"
    if fmt not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    required = bool(getattr(args, "llm", False))
    config = load_config(Path.cwd(), getattr(args, "config", None))
    if required and not config.llm.model:
        raise UsageError("--llm: no model configured (set llm.model in .codeguard.toml)")
    if required and "llm" not in config.stages:
        raise UsageError(f"--llm: the llm stage is off (stages = {_list(config.stages)})")
    if "security" in config.stages and config.bandit:
        from codeguard.stages.security import prestart

        prestart(config)  # bandit imports while the rules load
    rules = load_configured_rules(config)
    access = llm_access(config, required) if "llm" in config.stages else None
    outcome = run(config, rules, access=access)
    sys.stdout.write(render_json(outcome) if fmt == "json" else render_text(outcome))
    sys.stdout.flush()
    return EXIT_BLOCK if outcome.drifted else EXIT_PASS


# --- reports ----------------------------------------------------------------------------------


def render_json(outcome: Outcome) -> str:
    drifted = outcome.drifted
    examples = outcome.examples
    data = {
        "schema": SCHEMA,
        "config": outcome.config or None,
        "summary": {
            "canaries": outcome.checked,
            "drifted": len(drifted),
            "builtin": len(outcome.canaries),
            "examples": sum(1 for r in examples if r.got != "skipped"),
            "examples_skipped": sum(1 for r in examples if r.got == "skipped"),
            "llm": len(outcome.llm.results),
        },
        "canaries": [r.to_json() for r in (*outcome.canaries, *examples)],
        "drifted": drifted,
        "disabled_rules": [c.to_json() for c in outcome.rule_changes],
        "llm": {
            "status": outcome.llm.status,
            "reason": outcome.llm.reason,
            "model": outcome.llm.model,
            "canaries": [r.to_json() for r in outcome.llm.results],
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_text(outcome: Outcome) -> str:
    lines: list[str] = []
    for r in outcome.canaries:
        if r.drifted:
            what = f"`{_one_line(r.text, 60)}`" if r.text else r.path
            lines.append(
                f"DRIFT canary {r.id} ({what}): expected {r.expect}, got {r.got}:"
                f" {_one_line(r.why)}"
            )
    for c in outcome.rule_changes:
        if c.drifted:
            lines.append(
                f"DRIFT rule {c.id} [{c.name}]: {c.how}: {c.why}; must-block canaries rely on it"
            )
    for r in outcome.examples:
        if r.drifted:
            lines.append(
                f"DRIFT example {r.id} ({r.path}): expected {r.expect}, got {r.got}:"
                f" {_one_line(r.why)}"
            )
    for r in outcome.llm.results:
        if r.drifted:
            lines.append(
                f"DRIFT llm {r.id} ({r.path}): expected {r.expect}, got {r.got}: {_one_line(r.why)}"
            )
    for c in outcome.rule_changes:
        if not c.drifted and c.how != "per-file-ignored":
            lines.append(f"note: rule {c.id} [{c.name}] {c.how}: {c.why}")
    # one line per glob: `"tests/**" = ["CG"]` turns every rule off there
    by_glob: dict[str, list[RuleChange]] = {}
    for c in outcome.rule_changes:
        if c.how == "per-file-ignored":
            by_glob.setdefault(c.why, []).append(c)
    for why, changes in by_glob.items():
        vital = sum(c.must_block for c in changes)
        lines.append(
            f"note: {why}: {len(changes)} rule(s) off for those files"
            + (f" ({vital} of them must-block)" if vital else "")
        )
    checked = [r for r in outcome.examples if r.got != "skipped"]
    skipped = len(outcome.examples) - len(checked)
    lines.append(
        f"rule examples: {len(checked)} checked, {sum(r.drifted for r in checked)} drifted"
        + (f", {skipped} skipped (their rules are off here)" if skipped else "")
    )
    counts = {e: sum(1 for c in outcome.canaries if c.expect == e) for e in EXPECTS}
    lines.append(
        f"built-in canaries: {len(outcome.canaries)} checked ({counts['block']} must block,"
        f" {counts['warn-or-block']} must warn, {counts['pass']} must pass),"
        f" {sum(r.drifted for r in outcome.canaries)} drifted"
    )
    llm = outcome.llm
    if llm.status == "skipped":
        lines.append(f"llm: skipped: {llm.reason}")
    else:
        lines.append(
            f"llm ({_one_line(llm.model, 60)}): {len(llm.results)} checked,"
            f" {sum(r.drifted for r in llm.results)} drifted"
            + (" (the stage failed)" if llm.status == "failed" else "")
        )
    source = outcome.config or "the defaults (no config file)"
    lines.append(f"config: {_one_line(source)}")
    lines.append(f"selftest: {outcome.checked} canaries, {len(outcome.drifted)} drifted")
    return "\n".join(lines) + "\n"


def _one_line(text: str, limit: int = 300) -> str:
    """Text for one terminal line: whitespace collapsed, control and invisible characters
    spelled out (rule and model messages can quote what they matched)."""
    flat = " ".join(text.split())
    safe = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in flat)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."
