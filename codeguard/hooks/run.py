"""`codeguard hook <agent>`: read the tool call, judge it, answer once, never fail open.

Every way this can go wrong (unreadable input, a config error, an internal error, the
time budget running out) answers "deny" with the reason, in the agent's protocol. A clean
shell command is answered by the fast path without importing the pipeline.
"""

from __future__ import annotations

import os
import sys

from codeguard.hooks.decision import ALLOW
from codeguard.hooks.decision import ASK
from codeguard.hooks.decision import DENY
from codeguard.hooks.decision import render
from codeguard.hooks.payload import MAX_INPUT
from codeguard.hooks.payload import PayloadError
from codeguard.hooks.payload import ToolCall
from codeguard.hooks.payload import parse

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~4 ms here
if TYPE_CHECKING:
    import threading
    from pathlib import Path

DEFAULT_BUDGET = 20.0  # seconds; agents allow 30-60 s, and a timeout there fails open
MAX_FINDINGS_SHOWN = 5


class _Answer:
    """Exactly one answer is written, whoever gets there first (the work or the timer)."""

    def __init__(self, agent: str, event: str = "") -> None:
        self.agent = agent
        self.event = event
        self.lock: threading.Lock | None = None  # made when a timer can race the work
        self.done = False

    def give(self, decision: str, reason: str) -> int:
        if self.lock is None:
            return self._write(decision, reason)
        with self.lock:
            return self._write(decision, reason)

    def _write(self, decision: str, reason: str) -> int:
        if self.done:
            return 0
        self.done = True
        out, err, code = render(self.agent, decision, reason, self.event)
        if out:
            sys.stdout.write(out)
            sys.stdout.flush()
        if err:
            sys.stderr.write(err)
            sys.stderr.flush()
        return code


def main(agent: str) -> int:
    answer = _Answer(agent)
    try:
        raw = sys.stdin.buffer.read(MAX_INPUT + 1)
        call = parse(agent, raw)
    except PayloadError as exc:
        return answer.give(DENY, f"codeguard could not read the {agent} hook input: {exc}")
    except (OSError, MemoryError) as exc:
        return answer.give(DENY, f"codeguard could not read the hook input: {exc}")
    answer.event = call.event
    if call.kind == "other":
        return answer.give(ALLOW, "")
    if call.kind == "command" and _fast_clean(call, agent):
        return answer.give(ALLOW, "")
    import threading

    budget = _budget()
    answer.lock = threading.Lock()

    def expire() -> None:
        code = answer.give(
            DENY,
            f"codeguard did not finish within {budget:g} s, so the call is denied"
            " (raise CODEGUARD_HOOK_TIMEOUT if your changes are this large)",
        )
        os._exit(code)

    timer = threading.Timer(budget, expire)
    timer.daemon = True
    timer.start()
    try:
        decision, reason = judge(call, agent)
    except Exception as exc:  # a guardrail that crashes must not let the call through
        decision = DENY
        reason = f"codeguard failed ({type(exc).__name__}: {exc}), so the call is denied"
    finally:
        timer.cancel()
    return answer.give(decision, reason)


def _budget() -> float:
    value = os.environ.get("CODEGUARD_HOOK_TIMEOUT", "")
    try:
        seconds = float(value) if value else DEFAULT_BUDGET
    except ValueError:
        return DEFAULT_BUDGET
    return seconds if seconds > 0 else DEFAULT_BUDGET


def _fast_clean(call: ToolCall, agent: str) -> bool:
    if os.environ.get("CODEGUARD_NO_FASTPATH"):
        return False
    from codeguard.fastpath import clean_command

    return clean_command(call.command, call.cwd or os.getcwd(), f"hook:{agent}")


def judge(call: ToolCall, agent: str = "") -> tuple[str, str]:
    """(decision, reason) from the full pipeline."""
    from pathlib import Path

    from codeguard import pipeline
    from codeguard.changes import ChangeSet
    from codeguard.cli import llm_access
    from codeguard.cli import load_configured_rules
    from codeguard.config import load_config
    from codeguard.errors import CodeguardError
    from codeguard.stages import STAGES

    cwd = Path(call.cwd) if call.cwd and Path(call.cwd).is_dir() else Path.cwd()
    try:
        config = load_config(cwd)
        rules = load_configured_rules(config)
        changes = _changes(call, cwd, Path(config.root))
    except CodeguardError as exc:
        return DENY, f"codeguard cannot check this call: {exc}"
    if call.kind == "command":
        from codeguard.gatewriter import write_gate

        write_gate(config, rules, set(STAGES))
    access = llm_access(config) if "llm" in config.stages else None
    report = pipeline.run(
        config, ChangeSet(changes.files, source=f"{call.tool} hook"), rules, STAGES, llm=access
    )
    from codeguard import audit

    audit.record(config, report, f"hook:{agent or 'agent'}", f"{call.kind}:{call.tool}")
    if report.verdict == "block":
        return DENY, _reason(report, "blocked")
    if report.verdict == "error":
        failed = "; ".join(f"{f.stage}: {f.message}" for f in report.failures)
        return DENY, f"codeguard could not finish checking this call ({failed}), so it is denied"
    if report.verdict == "warn" and config.hook_warn == "ask" and report.active:
        return ASK, _reason(report, "needs a look")
    return ALLOW, ""


def _changes(call: ToolCall, cwd: Path, root: Path):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from codeguard.changes import ChangeSet
    from codeguard.sources.texts import text_change

    if call.kind == "command":
        from codeguard.sources.command import from_command

        return from_command(call.command)
    if call.kind == "patch":
        return _patch_changes(call.patch, cwd, root)
    target = Path(call.path) if os.path.isabs(call.path) else cwd / call.path
    before = _read(target)
    if call.kind == "write":
        after: str | None = call.content
        extra = []
    else:
        after, unplaced = _edited(before or "", call)
        extra = (
            [text_change(_display(target, root), None, "\n".join(unplaced) + "\n")]
            if unplaced
            else []
        )
    main = text_change(_display(target, root), before, after)
    return ChangeSet((main, *extra))


def _edited(before: str, call: ToolCall) -> tuple[str, list[str]]:
    """The file after the edits; new text of an edit whose old text is not there is kept
    apart (the edit will fail in the agent, but what it tried to write is still judged)."""
    text = before
    unplaced: list[str] = []
    for edit in call.edits:
        if edit.old and edit.old in text:
            text = (
                text.replace(edit.old, edit.new)
                if edit.replace_all
                else text.replace(edit.old, edit.new, 1)
            )
        elif not edit.old:
            text = edit.new + text
        else:
            unplaced.append(edit.new)
    return text, unplaced


def _patch_changes(body: str, cwd: Path, root: Path):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from codeguard.changes import ChangeSet
    from codeguard.sources.texts import text_change

    if not body.lstrip().startswith("*** Begin Patch"):
        from codeguard.sources.patch import from_diff

        return from_diff(body.encode("utf-8", "surrogateescape"), origin="patch", cwd=cwd)
    from codeguard.errors import InputError
    from codeguard.hooks import codexpatch

    try:
        files = codexpatch.parse(body)
    except codexpatch.PatchError as exc:
        raise InputError(f"apply_patch: {exc}") from None
    out = []
    for f in files:
        target = Path(f.path) if os.path.isabs(f.path) else cwd / f.path
        before = _read(target)
        if f.op == "add":
            out.append(text_change(_display(target, root), None, f.added))
        elif f.op == "delete":
            out.append(text_change(_display(target, root), before or "", None))
        else:
            after = codexpatch.apply(before or "", f.chunks)
            dest = f.move_to or f.path
            dest_path = Path(dest) if os.path.isabs(dest) else cwd / dest
            out.append(text_change(_display(dest_path, root), before, after))
    return ChangeSet(tuple(out), source="apply_patch")


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError:
        return None


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _reason(report, what: str) -> str:  # type: ignore[no-untyped-def]
    shown = [f for f in report.active if f.blocking] or list(report.active)
    lines = [f"codeguard {what} this call:"]
    for f in shown[:MAX_FINDINGS_SHOWN]:
        lines.append(f"- {f.rule_id} {f.name} at {f.path}:{f.start.line}: {f.message}")
    if len(shown) > MAX_FINDINGS_SHOWN:
        lines.append(f"- and {len(shown) - MAX_FINDINGS_SHOWN} more")
    lines.append(
        "Do it the safer way the message names. If it is really intended, ask the user:"
        " only a person can add `# codeguard: ignore[ID] reason` for it."
    )
    return "\n".join(lines)
