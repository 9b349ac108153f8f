"""`codeguard stats`, `feedback`, `runs` and `trace`: reading the audit log."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sqlite3
import sys
import time
from pathlib import Path

from codeguard.audit import location
from codeguard.audit.stats import advice
from codeguard.audit.stats import compute
from codeguard.audit.store import AuditLog
from codeguard.config import load_config
from codeguard.errors import EXIT_PASS
from codeguard.errors import CodeguardError
from codeguard.errors import InputError
from codeguard.errors import UsageError

_SPAN = re.compile(r"(\d+)([dhm])")
_UNIT = {"d": 86400, "h": 3600, "m": 60}


def seconds(text: str) -> int:
    m = _SPAN.fullmatch(text.strip())
    if m is None:
        raise UsageError(f"--since {text!r}: expected a number and d, h or m (30d, 12h)")
    return int(m.group(1)) * _UNIT[m.group(2)]


def run(args: argparse.Namespace) -> int:
    """`stats`, `feedback`, `runs` or `trace`; a log SQLite cannot read is one line, exit 2."""
    command = {"stats": stats, "feedback": feedback, "runs": runs, "trace": trace}
    try:
        return int(command[args.subcommand](args))
    except sqlite3.DatabaseError as exc:
        raise InputError(f"the audit log cannot be read ({exc}): {_path(args)}") from None


def _path(args: argparse.Namespace) -> str:
    try:
        return str(location(load_config(Path.cwd(), getattr(args, "config", None))))
    except CodeguardError:
        return "(its location could not be worked out)"


def _open(args: argparse.Namespace, create: bool = False) -> AuditLog:
    config = load_config(Path.cwd(), getattr(args, "config", None))
    path = location(config)
    if path is None:
        raise UsageError("auditing is off (audit = false in the config)")
    if not path.exists() and not create:
        raise InputError(f"no audit log yet at {path}: scan something first")
    log = AuditLog(path)
    if log.ingested:  # clean fast-path runs this read took from the spool
        from codeguard import telemetry

        telemetry.export(None, spooled=log.ingested)
    return log


def stats(args: argparse.Namespace) -> int:
    if not args.drift_z > 0:  # also refuses nan
        raise UsageError(f"--drift-z {args.drift_z}: expected a positive number (3.0 by default)")
    until = time.time()
    with _open(args) as log:
        result = compute(log.db, until - seconds(args.since), until, args.by, args.drift_z)
    if args.format == "json":
        text = json.dumps({**result.as_dict(), "advice": advice(result)}, indent=2) + "\n"
    elif args.format == "html":
        from codeguard.audit.html import render

        with _open(args) as log:
            text = render(log.db, result, advice(result))
    else:
        text = _table(result, args.since)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_PASS


def _table(result, since: str) -> str:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140, record=True, file=io.StringIO())
    title = (
        f"codeguard over the last {since}: {result.runs} runs,"
        f" {result.blocked_runs} blocked ({result.blocked_runs / result.runs:.1%})"
        if result.runs
        else f"codeguard over the last {since}: no runs"
    )
    table = Table(title=title)
    for column in (result.by, "findings", "blocking", "rate", "earlier", "later", "drift",
                   "precision"):  # fmt: skip
        table.add_column(column, justify="left" if column == result.by else "right")
    for row in result.rows:
        precision = row.precision
        labelled = row.true_positives + row.false_positives
        table.add_row(
            f"{row.key} {row.name}".strip(),
            str(row.findings),
            str(row.blocks),
            f"{row.rate:.1%}",
            f"{row.earlier:.1%}",
            f"{row.later:.1%}",
            {"up": f"▲ z {row.z:+.1f}", "down": f"▼ z {row.z:+.1f}"}.get(row.drift, ""),
            f"{precision:.0%} ({row.true_positives}/{labelled})" if precision is not None else "",
        )
    console.print(table)
    for line in advice(result):
        console.print(f"look at: {line}")
    return console.export_text()


def feedback(args: argparse.Namespace) -> int:
    if args.from_pr is not None:
        if args.fingerprint or args.true_positive or args.false_positive or args.note:
            raise UsageError("--from-pr takes its labels from GitHub: give no FINGERPRINT")
        return _feedback_from_pr(args)
    if not args.fingerprint or not (args.true_positive or args.false_positive):
        raise UsageError("give FINGERPRINT and --true-positive or --false-positive, or --from-pr")
    label = "true-positive" if args.true_positive else "false-positive"
    with _open(args) as log:
        try:
            rule = log.label(args.fingerprint, label, args.note or "")
        except LookupError:
            raise InputError(f"no finding with fingerprint {args.fingerprint} in the log") from None
    print(f"codeguard: {args.fingerprint} ({rule}) labelled {label}", file=sys.stderr)
    return EXIT_PASS


def _feedback_from_pr(args: argparse.Namespace) -> int:
    from codeguard.github import feedback as github_feedback
    from codeguard.github.publish import DEFAULT_BOT

    env = os.environ
    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not token:
        raise UsageError("--from-pr: set GITHUB_TOKEN or GH_TOKEN (read access to the PR)")
    repo = args.repo or env.get("GITHUB_REPOSITORY", "")
    if not repo:
        raise UsageError("--from-pr: give --repo OWNER/NAME (or set GITHUB_REPOSITORY)")
    if args.from_pr < 1:
        raise UsageError(f"--from-pr {args.from_pr}: expected a pull request number")
    bot = args.bot or env.get("CODEGUARD_GITHUB_LOGIN") or DEFAULT_BOT
    api = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    found = github_feedback.collect(api, token, repo, args.from_pr, bot)
    added = 0
    with _open(args, create=True) as log:
        for vote in found.votes:
            if not log.labelled(vote.fingerprint, vote.label, vote.note):
                log.label(vote.fingerprint, vote.label, vote.note, vote.rule_id)
                added += 1
    counts = {
        label: sum(v.label == label for v in found.votes)
        for label in github_feedback.LABELS.values()
    }
    print(
        f"codeguard: {repo}#{args.from_pr}: {found.comments} finding comment(s),"
        f" {counts['true-positive']} 👍 and {counts['false-positive']} 👎 from writers,"
        f" {added} new label(s)",
        file=sys.stderr,
    )
    for login, n in sorted(found.ignored.items()):
        print(
            f"codeguard: note: {n} reaction(s) by @{login} not counted (no write access)",
            file=sys.stderr,
        )
    return EXIT_PASS


def runs(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError(f"--limit {args.limit}: expected 1 or more")
    since = time.time() - seconds(args.since) if args.since else 0.0
    with _open(args) as log:
        rows = log.db.execute(
            "SELECT r.id, r.time, r.surface, r.source, r.verdict,"
            " (SELECT count(*) FROM findings f WHERE f.run_id = r.id),"
            " (SELECT count(*) FROM traces t WHERE t.run_id = r.id)"
            " FROM runs r WHERE r.time >= ? AND (? IS NULL OR r.verdict = ?)"
            " AND (? IS NULL OR r.surface = ?) ORDER BY r.time DESC LIMIT ?",
            (since, args.verdict, args.verdict, args.surface, args.surface, args.limit),
        ).fetchall()
    for run_id, at, surface, source, verdict, findings, traces in rows:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at))
        extra = f", {traces} LLM call(s)" if traces else ""
        counts = f"({findings} finding(s){extra})"
        print(f"{run_id}  {when}Z  {verdict:<5}  {surface:<16} {source}  {counts}")
    return EXIT_PASS


def trace(args: argparse.Namespace) -> int:
    from codeguard.report.trace import render_traces

    with _open(args) as log:
        run = log.db.execute(
            "SELECT id, time, surface, source, verdict, timings, failures FROM runs"
            " WHERE id LIKE ? ORDER BY time DESC",
            (args.run_id + "%",),
        ).fetchall()
        if len(run) != 1:
            raise InputError(
                f"{args.run_id}: {'no run' if not run else 'more than one run'} with that id"
            )
        run_id, at, surface, source, verdict, timings, failures = run[0]
        findings = log.db.execute(
            "SELECT rule_id, name, stage, severity, blocking, path, line, message FROM findings"
            " WHERE run_id = ? ORDER BY path, line",
            (run_id,),
        ).fetchall()
        traces = [json.loads(t) for (t,) in log.db.execute(
            "SELECT data FROM traces WHERE run_id = ? ORDER BY seq", (run_id,)
        )]  # fmt: skip
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at))
    out = [f"run {run_id} at {when}Z: {surface}, {source}: verdict {verdict}"]
    out.append(f"timings (ms): {timings}")
    for stage, message in json.loads(failures):
        out.append(f"stage {stage} failed: {message}")
    decided = sorted({stage for _, _, stage, _, blocking, *_ in findings if blocking})
    out.append(f"decided by: {', '.join(decided) or 'no blocking finding'}")
    for rule, name, stage, severity, blocking, path, line, message in findings:
        flag = " (blocking)" if blocking else ""
        out.append(f"{path}:{line} {rule} [{name}] {severity}{flag} ({stage}): {message}")
    sys.stdout.write("\n".join(out) + "\n")
    if traces:
        sys.stdout.write(render_traces(traces))
    return EXIT_PASS
