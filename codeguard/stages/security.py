"""The security stage: codeguard's own security rules, and bandit on the changed Python.

bandit runs in a worker process started before the other stages run (its import alone
costs more than codeguard's whole analysis of a typical commit), on a sparse copy of each
file: only imports and the top-level statements the change touches survive, the rest is
blanked so line numbers hold. Its findings keep bandit's ids (B602...) and map to
codeguard severities through one table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from codeguard.analyze import is_python
from codeguard.changes import FileChange
from codeguard.config import Config
from codeguard.errors import StageError
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.finding import Severity
from codeguard.stage import Context
from codeguard.stages import hidden_text

# bandit severity x confidence -> codeguard severity. Only what is both severe and
# confident blocks by default (fail-on = error); notes are shown but never counted.
SEVERITY: dict[tuple[str, str], Severity] = {
    ("HIGH", "HIGH"): Severity.ERROR,
    ("HIGH", "MEDIUM"): Severity.WARNING,
    ("MEDIUM", "HIGH"): Severity.WARNING,
    ("MEDIUM", "MEDIUM"): Severity.WARNING,
}
# The default `bandit-skip` (config.py) leaves out the bandit tests codeguard replaces with
# sharper rules of its own, or that are noise in changed code: B101 assert (CG531), B103
# chmod (CG524), B104 bind-all (CG526), B105-B107 passwords (the secrets stage), B108
# /tmp (CG525), B301/B302/B506 pickle, marshal, yaml.load (CG509, which knows a safe
# loader imported under another name and in-memory round trips), B308/B703 mark_safe and
# B701 autoescape (CG529, CG504), B310 urlopen (CG507), B311 random (CG517), B313-B320
# XML parsers (CG510: the stdlib parsers do not fetch external entities), B324 hashlib
# (CG512), B403/B404 importing pickle or subprocess and B603 subprocess without a shell
# (nothing to act on), B602/B605 shells (CG502, which knows `shlex.quote`), B608 SQL
# (CG501, which needs the string to reach a database call). On the labelled corpus these
# bandit tests flagged 12 safe look-alikes and no flaw codeguard's rules missed.
TIMEOUT = 120.0


@dataclass
class _Input:
    change: FileChange
    name: str
    text: str
    line_map: tuple[int, ...]  # bandit line i+1 -> file line (0 = not in the file)


class _Worker:
    def __init__(self, inputs: list[_Input], skip: tuple[str, ...]) -> None:
        self.inputs = {i.name: i for i in inputs}
        request = json.dumps(
            {"skip": list(skip), "files": [{"name": i.name, "text": i.text} for i in inputs]}
        )
        self.proc = _take_prestarted() or _spawn()
        # write from a thread: a large request must not stall the stages that run meanwhile
        self.writer = threading.Thread(target=self._send, args=(request.encode(),), daemon=True)
        self.writer.start()

    def _send(self, data: bytes) -> None:
        try:
            assert self.proc.stdin is not None  # noqa: S101 - opened with PIPE above
            self.proc.stdin.write(data)
            self.proc.stdin.close()
        except OSError:
            pass  # the worker died; `result` reports it

    def result(self) -> dict[str, object]:
        self.writer.join(timeout=TIMEOUT)
        self.proc.stdin = None  # closed by the writer; communicate must not flush it again
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise StageError(f"bandit did not finish within {TIMEOUT:.0f} s") from None
        if self.proc.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise StageError(f"bandit failed: {lines[-1] if lines else self.proc.returncode}")
        try:
            data: dict[str, object] = json.loads(out)
        except ValueError as exc:
            raise StageError(f"bandit's output could not be read: {exc}") from None
        return data


def _spawn() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "codeguard.banditworker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


_prestarted: list[subprocess.Popen[bytes]] = []


def prestart(config: Config) -> None:
    """Start the bandit worker now, before the change is even read: it imports bandit
    while this process loads rules and parses, and waits for its files on stdin."""
    if "security" not in config.stages or not config.bandit or _prestarted:
        return
    import atexit

    _prestarted.append(_spawn())
    atexit.register(_discard_prestarted)


def _take_prestarted() -> subprocess.Popen[bytes] | None:
    return _prestarted.pop() if _prestarted else None


def _discard_prestarted() -> None:
    """Not needed after all (no Python changed): stop it without waiting for its imports."""
    while _prestarted:
        proc = _prestarted.pop()
        proc.kill()
        proc.communicate()


def _keep(change: FileChange, mode: str) -> frozenset[int]:
    if mode == "added":
        return change.added_lines
    if mode == "diff-context":
        return change.context_lines
    return frozenset(change.lines)


def _sparse(source: str, tree: object, wanted: frozenset[int]) -> str:
    """Blank every top-level statement the change does not touch (imports stay)."""
    import ast

    assert isinstance(tree, ast.Module)  # noqa: S101 - parsed by analyze.python
    lines = source.split("\n")
    keep: set[int] = set()
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        last = node.end_lineno or node.lineno
        span = range(first, last + 1)
        if isinstance(node, (ast.Import, ast.ImportFrom)) or any(n in wanted for n in span):
            keep.update(span)
    return "\n".join(line if i in keep else "" for i, line in enumerate(lines, start=1))


def _inputs(ctx: Context) -> list[_Input]:
    out: list[_Input] = []
    for change in ctx.changes:
        if not change.has_text or not is_python(change):
            continue
        parsed = ctx.python(change)
        wanted = _keep(change, ctx.config.filter)
        for n, unit in enumerate(parsed.units):
            # a unit that is the whole file keeps its numbering; fragments map through line_map
            whole_file = change.post_image is not None and unit.line_map[:1] == (1,)
            text = _sparse(unit.source, unit.tree, wanted) if whole_file else unit.source
            out.append(_Input(change, f"{n}:{change.path}", text, unit.line_map))
    return out


def start(ctx: Context) -> None:
    """Start bandit early, so it runs while the other stages do."""
    if "security" not in ctx.config.stages or not ctx.config.bandit:
        return
    inputs = _inputs(ctx)
    if inputs:
        skip = tuple(dict.fromkeys([*ctx.config.bandit_skip]))
        ctx.shared["bandit"] = _Worker(inputs, skip)


def run(ctx: Context) -> Iterator[Finding]:
    yield from ctx.rule_findings("security")
    yield from hidden_text.findings(ctx)
    worker = ctx.shared.pop("bandit", None)
    if worker is None:
        if ctx.config.bandit and "security" in ctx.config.stages:
            start(ctx)
            worker = ctx.shared.pop("bandit", None)
        if worker is None:
            return
    assert isinstance(worker, _Worker)  # noqa: S101 - only start() puts it there
    data = worker.result()
    # where codeguard's own rules already spoke, bandit's echo of the same flaw is noise
    covered = {(f.path, f.start.line) for f in ctx.all_rule_findings()}
    for issue in data.get("issues", []):  # type: ignore[attr-defined]
        source = worker.inputs.get(issue["file"])
        if source is None:
            continue
        finding = _finding(issue, source)
        if finding is not None and (finding.path, finding.start.line) not in covered:
            yield finding


def _finding(issue: dict[str, object], source: _Input) -> Finding | None:
    line = int(issue["line"])  # type: ignore[call-overload]
    if not 0 < line <= len(source.line_map) or source.line_map[line - 1] == 0:
        return None  # in the import preamble added to a fragment
    real = source.line_map[line - 1]
    indent = 0
    text = source.change.lines.get(real, "")
    if source.change.post_image is None:
        # fragments were dedented before parsing
        unit_line = (
            source.text.split("\n")[line - 1] if line - 1 < len(source.text.split("\n")) else ""
        )
        indent = max(len(text) - len(text.lstrip()) - (len(unit_line) - len(unit_line.lstrip())), 0)
    severity = SEVERITY.get((str(issue["severity"]), str(issue["confidence"])), Severity.NOTE)
    test = str(issue["test"])
    name = "bandit-blacklist" if test == "blacklist" else test.replace("_", "-")
    col = int(issue["col"]) + 1 + indent  # type: ignore[call-overload]
    end_col = issue.get("end_col")
    cwe = f" (CWE-{issue['cwe']})" if issue.get("cwe") else ""
    level = f"{str(issue['severity']).lower()}/{str(issue['confidence']).lower()}"
    return Finding(
        rule_id=str(issue["test_id"]),
        name=name,
        stage="security",
        severity=severity,
        message=f"{issue['text']}{cwe} [bandit {level}]",
        path=source.change.path,
        start=Position(real, col),
        end=Position(real, end_col + 1 + indent) if isinstance(end_col, int) else None,
        snippet=text,
        fingerprint=text.strip(),
    )
