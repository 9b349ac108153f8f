"""Audit log benchmark: `codeguard stats` over large logs, the agent gate with auditing on
and off, the cost of one recorded run, and concurrent writers.

    .venv/bin/python bench/audit_bench.py [--quick] [--seed N] [--keep]

1. Synthetic audit logs of 10k, 100k and 1M findings (--quick: 10k and 100k), built once
   per run in a temporary directory: codeguard's own AuditLog creates the schema, then
   rows are bulk-inserted with sqlite3 executemany in one transaction: ~40 rules with
   different rates (two drifting), ~3 findings per run over 60 days, some suppressed, a
   few LLM traces, labels for some fingerprints. `codeguard stats --since 30d --format
   json` is timed as a whole process on each (CODEGUARD_AUDIT_DB points at it), with
   `--format text`, `--by day` and `--format html` on the largest, interleaved with
   `python -c pass` in a shuffled order per round. Then, in process on the largest log:
   the time of every query `compute()` runs (captured with a trace callback, so it
   follows stats.py as it is), its EXPLAIN QUERY PLAN, and `-X importtime` of the stats
   process. (An earlier version timed a candidate index here; schema 2 adopted it.)
2. `codeguard hook claude-code` fed Claude Code's PreToolUse JSON for a routine command and
   a destructive one, in a temporary git repo whose .codeguard.toml says `audit = true`
   (CODEGUARD_AUDIT_DB set to a temporary file) and in another whose config says `audit =
   false`, with `python -c pass`, interleaved: medians and paired ratios on/off. Then, in
   process, the cost of one run with 3 findings: `AuditLog.record` on an open log, and
   `codeguard.audit.record` (open, record, prune, close: what a hook process pays), into a
   fresh log and into the largest synthetic one. Then the same hook calls with
   OpenTelemetry export on (OTEL_EXPORTER_OTLP_ENDPOINT at an OTLP/HTTP receiver on
   127.0.0.1, tests/otlp_receiver.py) and off, and the run spans the receiver got.
3. 8 writer processes, started together on a log that does not exist yet, each recording
   200 runs through `codeguard.audit.record`: wall time, per-run latency, and the rows
   present at the end (lost rows reported); one process writing all 1600 for comparison;
   then 20 first-use trials (8 writers x 5 runs on a fresh log each), where the race to
   create the log shows, with the sqlite3 error and statement behind every lost run.

No timed assertion: it reports. Exit 1 when a run failed or rows were lost.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from codeguard.finding import Finding
    from codeguard.finding import Report

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # bench/run.py, beside this file: environment, formatting, git
from hooks_bench import payload  # the same Claude Code input as the hooks benchmark
from hooks_bench import verdict

SEED = bench.SEED
ROOT = Path(__file__).resolve().parent.parent
FLOOR = bench.FLOOR
RUN_TIMEOUT_S = 300.0

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
SPAN_DAYS = 60
STATS_ROUNDS = 3  # timed, after one warm-up round
HOOK_ROUNDS = 15
QUICK_HOOK_ROUNDS = 3
RECORD_SAMPLES = 200
QUICK_RECORD_SAMPLES = 50
WRITERS = 8
WRITER_RUNS = 200
QUICK_WRITER_RUNS = 25
# first use, repeated: fresh logs, WRITERS processes x RACE_RUNS runs each
RACE_TRIALS = 20
QUICK_RACE_TRIALS = 5
RACE_RUNS = 5
# the bar: "stats over one million findings answers within a few seconds"
BAR_S = 3.0

ROUTINE = "ls -la"
DESTRUCTIVE = "rm -rf /var/lib/postgresql"
HOOK_ON = "hook, audit on"
HOOK_OFF = "hook, audit off"
OTEL_ON = "otel export"
OTEL_OFF = "no export"
HOOK_OK = frozenset({0, 2})
FLOOR_OK = frozenset({0})

DAY = 86400.0
NOT_WRITTEN = "audit log not written"


def log(message: str) -> None:
    bench.log(f"audit: {message}")


def ms(seconds: float) -> str:
    return bench.ms(seconds)


def spread(values: Sequence[float]) -> str:
    """`median (min-max)` in milliseconds."""
    if not values:
        return "-"
    if len(values) == 1:
        return ms(values[0])
    return f"{ms(statistics.median(values))} ({ms(min(values))}-{ms(max(values))})"


def count(n: int) -> str:
    return f"{n / 1_000_000:g}M" if n >= 1_000_000 else f"{n / 1000:g}k" if n >= 1000 else str(n)


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


# --------------------------------------------------------------------------------------
# Synthetic audit logs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    stage: str
    severity: str  # error | warning | note
    weight: float  # relative rate: findings of this rule per finding
    messages: tuple[str, ...]


# bandit's ids and the LLM stage's: findings the YAML rules do not name
EXTRA_RULES = (
    ("B201", "flask_debug_true", "security", "error"),
    ("B307", "eval", "security", "warning"),
    ("B413", "import_pycrypto", "security", "warning"),
    ("B501", "request_with_no_cert_validation", "security", "error"),
    ("B113", "request_without_timeout", "security", "note"),
    ("CG900", "llm-review", "llm", "warning"),
)
N_RULES = 40
DRIFTING = 2  # rules whose rate rises in the last quarter of the span
_FIELD = re.compile(r"^(id|name|stage|severity|message):\s*(.+?)\s*$", re.MULTILINE)


def load_rules(rng: random.Random) -> list[Rule]:
    """~40 rules: the repository's YAML rules (id, name, stage, severity, message) plus
    bandit and LLM ids, with Zipf-like rates so a few rules dominate, as in a real log."""
    found = []
    for path in sorted((ROOT / "rules").glob("CG*.yaml")):
        data = dict(_FIELD.findall(path.read_text(encoding="utf-8")))
        if {"id", "name", "stage", "severity"} <= data.keys():
            message = str(data.get("message") or data["name"]).strip("\"'")
            found.append((data["id"], data["name"], data["stage"], data["severity"], message))
    picked = rng.sample(found, min(len(found), N_RULES - len(EXTRA_RULES)))
    picked += [(*extra, f"{extra[1]} at this line") for extra in EXTRA_RULES]
    rng.shuffle(picked)
    rules = []
    for rank, (rule_id, name, stage, severity, message) in enumerate(picked, start=1):
        variants = tuple(re.sub(r"\{[a-z_]+\}", f"x{v}", message)[:160] for v in range(4))
        rules.append(Rule(rule_id, name, stage, severity, 1.0 / rank**1.1, variants))
    return rules


SURFACES = (
    ("hook:claude-code", "command:Bash", 0.45),
    ("hook:claude-code", "write:Edit", 0.15),
    ("hook:codex", "command:shell", 0.08),
    ("cli", "--staged", 0.17),
    ("github-pr", "pr", 0.10),
    ("apply", "patch", 0.05),
)
PATHS = tuple(
    f"{top}/{mod}_{i}.py"
    for top in ("app", "src/service", "scripts", "tests", "infra")
    for mod in ("api", "jobs", "storage", "deploy", "models", "utils")
    for i in range(10)
)
TRACE = json.dumps(
    {
        "model": "gemma-3-270m",
        "request": {"messages": [{"role": "user", "content": "diff --git a/app/x.py " * 40}]},
        "response": {"content": '{"findings": []}', "tokens": 512},
        "ms": 812.5,
    }
)


@dataclass
class Built:
    size: int
    path: Path
    runs: int
    findings: int
    labels: int
    traces: int
    seconds: float
    bytes: int


def build_log(
    path: Path, n_findings: int, rules: list[Rule], rng: random.Random, now: float
) -> Built:
    """A log of exactly `n_findings` findings in ~n/3 runs spread over SPAN_DAYS days."""
    from codeguard.audit.store import AuditLog

    started = time.perf_counter()
    with AuditLog(path):
        pass  # codeguard's own schema and migrations
    # ~30% of runs find nothing (a clean hook call through the full path); the rest 1-7.
    counts: list[int] = []
    total = 0
    while total < n_findings:
        k = 0 if rng.random() < 0.3 else rng.randint(1, 7)
        k = min(k, n_findings - total)
        counts.append(k)
        total += k
    span = SPAN_DAYS * DAY
    start = now - span
    times = sorted(start + rng.random() * span for _ in counts)
    drift_from = now - span / 4
    weights = [r.weight for r in rules]
    drifted = [w * (2.5 if i < DRIFTING else 1.0) for i, w in enumerate(weights)]
    pools = {r.id: [os.urandom(10).hex() for _ in range(500)] for r in rules}
    surface_w = [s[2] for s in SURFACES]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    run_rows: list[tuple[object, ...]] = []
    finding_rows: list[tuple[object, ...]] = []
    trace_rows: list[tuple[object, ...]] = []
    label_rows: list[tuple[object, ...]] = []
    n_runs = n_traces = 0

    def flush() -> None:
        db.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", run_rows)
        db.executemany(
            "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", finding_rows
        )
        db.executemany("INSERT INTO traces VALUES (?, ?, ?)", trace_rows)
        run_rows.clear()
        finding_rows.clear()
        trace_rows.clear()

    for k, at in zip(counts, times, strict=True):
        run_id = os.urandom(16).hex()
        surface, source, _ = rng.choices(SURFACES, weights=surface_w)[0]
        chosen = rng.choices(rules, weights=drifted if at >= drift_from else weights, k=k)
        verdict = "pass"
        llm = False
        for rule in chosen:
            suppressed = rng.random() < 0.03
            blocking = rule.severity == "error" and not suppressed
            if blocking:
                verdict = "block"
            elif verdict == "pass" and not suppressed and rule.severity == "warning":
                verdict = "warn"
            llm = llm or rule.stage == "llm"
            fingerprint = rng.choice(pools[rule.id])
            command = source.startswith("command")
            finding_rows.append(
                (
                    run_id,
                    at,
                    rule.id,
                    rule.name,
                    rule.stage,
                    rule.severity,
                    int(blocking),
                    int(suppressed),
                    fingerprint,
                    "<command>" if command else rng.choice(PATHS),
                    1 if command else rng.randint(1, 400),
                    rng.choice(rule.messages),
                )
            )
            if rng.random() < 1 / 400:
                wrong = rng.random() < (0.6 if rule.weight < 0.05 else 0.15)
                label = "false-positive" if wrong else "true-positive"
                label_rows.append((fingerprint, rule.id, label, "", at + 3600))
        timings = {
            "parse": round(rng.uniform(0.01, 3), 3),
            "destructive": round(rng.uniform(2, 90), 3),
            "secrets": round(rng.uniform(1, 30), 3),
            "security": round(rng.uniform(0.05, 400), 3),
            "llm": round(rng.uniform(500, 4000), 3) if llm else 0.004,
        }
        run_rows.append(
            (run_id, at, surface, source, verdict, "228a6bd2fe9ef75e", "0.1.0",
             json.dumps(timings), "[]")
        )  # fmt: skip
        if llm:
            trace_rows.append((run_id, 0, TRACE))
            n_traces += 1
        n_runs += 1
        if len(run_rows) >= 20_000:
            flush()
    flush()
    db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?, ?)", label_rows)
    db.execute("COMMIT")
    db.close()
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return Built(n_findings, path, n_runs, total, len(label_rows), n_traces, seconds, size)


# --------------------------------------------------------------------------------------
# Whole processes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: Path
    ok_codes: frozenset[int]
    stdin: bytes = b""


@dataclass
class Runs:
    times: dict[tuple[int, str], float] = field(default_factory=dict)  # (round, group) -> s
    outputs: list[tuple[str, int, str]] = field(default_factory=list)  # (group, exit, stdout)
    failures: list[str] = field(default_factory=list)

    def values(self, group: str | None = None) -> list[float]:
        return [v for (_, g), v in self.times.items() if group is None or g == group]


def run_case(case: Case) -> tuple[float, str | None, int, str]:
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            case.argv,
            input=case.stdin,
            cwd=case.cwd,
            env=case.env,
            capture_output=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"timed out after {RUN_TIMEOUT_S:.0f} s", -1, ""
    elapsed = time.perf_counter() - start
    stdout = proc.stdout.decode(errors="replace")
    if proc.returncode not in case.ok_codes:
        stderr = proc.stderr.decode(errors="replace").strip()[-1500:]
        error = f"exit {proc.returncode}: {stderr or stdout.strip()[-1500:]}"
        return elapsed, error, proc.returncode, stdout
    return elapsed, None, proc.returncode, stdout


def run_rounds(
    groups: dict[str, list[Case]], rounds: int, warmups: int, rng: random.Random, what: str
) -> dict[str, Runs]:
    """Every case of every group once per round; groups and the cases inside each group
    in an order shuffled per round. The first `warmups` rounds are not timed."""
    runs: dict[str, Runs] = {}
    for cases in groups.values():
        for case in cases:
            runs.setdefault(case.label, Runs())
    for rnd in range(-warmups, rounds):
        started = time.perf_counter()
        order = list(groups.items())
        rng.shuffle(order)
        for name, cases in order:
            cases = list(cases)
            rng.shuffle(cases)
            for case in cases:
                seconds, error, exit_code, stdout = run_case(case)
                r = runs[case.label]
                if error is not None:
                    if not r.failures:
                        log(f"FAILED {case.label} ({name})\n{error}")
                    r.failures.append(error)
                    continue
                r.outputs.append((name, exit_code, stdout))
                if rnd >= 0:
                    r.times[(rnd, name)] = seconds
        kind = "warm-up" if rnd < 0 else f"round {rnd + 1}/{rounds}"
        log(f"{what}: {kind} {time.perf_counter() - started:.1f} s")
    return runs


def paired(a: Runs, b: Runs, group: str | None = None, b_group: str | None = None) -> list[float]:
    """Per-round ratios a/b; b's group defaults to a's (or any round of b's group)."""
    out = []
    for (rnd, g), v in a.times.items():
        if group is not None and g != group:
            continue
        other = b.times.get((rnd, b_group if b_group is not None else g))
        if other:
            out.append(v / other)
    return out


def make_repo(path: Path, config: str) -> Path:
    path.mkdir(parents=True)
    bench.git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("bench\n", encoding="utf-8")
    (path / ".codeguard.toml").write_text(config, encoding="utf-8")
    bench.git(path, "add", "-A")
    bench.git(path, "commit", "-q", "-m", "init")
    return path


# --------------------------------------------------------------------------------------
# 1. codeguard stats over large logs
# --------------------------------------------------------------------------------------


def stats_section(
    root: Path, env: dict[str, str], sizes: Sequence[int], rng: random.Random, seed: int
) -> tuple[list[str], list[Built], bool]:
    python = sys.executable
    codeguard = str(Path(python).parent / "codeguard")
    rules = load_rules(random.Random(seed))
    now = time.time()
    built = []
    for size in sizes:
        log(f"building a log of {count(size)} findings")
        b = build_log(
            root / f"audit-{count(size)}.db", size, rules, random.Random(seed + size), now
        )
        log(f"built {count(size)}: {b.runs} runs, {mib(b.bytes)}, {b.seconds:.1f} s")
        built.append(b)
    cwd = make_repo(root / "stats-repo", "")
    largest = built[-1]

    def stats_case(b: Built, *extra: str) -> Case:
        argv = (codeguard, "stats", "--since", "30d", *extra)
        label = f"{count(b.size)}: codeguard stats {' '.join(extra)}"
        return Case(label, argv, {**env, "CODEGUARD_AUDIT_DB": str(b.path)}, cwd, FLOOR_OK)

    json_cases = {b.size: stats_case(b, "--format", "json") for b in built}
    text_case = stats_case(largest, "--format", "text")
    day_case = stats_case(largest, "--format", "json", "--by", "day")
    html_case = stats_case(largest, "--format", "html")
    floor = Case(FLOOR, (python, "-c", "pass"), env, cwd, FLOOR_OK)
    cases = [*json_cases.values(), text_case, day_case, html_case, floor]
    groups = {"stats": cases}
    runs = run_rounds(groups, STATS_ROUNDS, 1, rng, "stats")
    failed = any(r.failures for r in runs.values())

    lines = [
        "### audit log: `codeguard stats` over large logs",
        "",
        f"Synthetic logs built in a temporary directory: schema by codeguard's AuditLog, rows "
        f"bulk-inserted with executemany in one transaction (no ANALYZE, as codeguard never "
        f"runs it): {len(rules)} rules with Zipf-like rates ({DRIFTING} rising in the last "
        f"quarter), ~3 findings per run (30% of runs clean, the rest 1-7) over {SPAN_DAYS} "
        "days, 3% suppressed, a trace per run with an LLM finding, a label per ~400 findings. "
        "`--since 30d` covers about half of each log. Whole processes, "
        "CODEGUARD_AUDIT_DB pointing at the log, cwd a temporary git repo; "
        f"{STATS_ROUNDS} timed rounds after 1 warm-up, the cases in a shuffled order per round.",
        "",
        "| log | runs | findings | labels | traces | size | build s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for b in built:
        lines.append(
            f"| {count(b.size)} | {b.runs} | {b.findings} | {b.labels} | {b.traces} | "
            f"{mib(b.bytes)} | {b.seconds:.1f} |"
        )
    lines += [
        "",
        "| command | runs in window | rows | median ms (min-max) | x python -c pass (paired) |",
        "|---|---:|---:|---:|---:|",
    ]
    for case in cases:
        r = runs[case.label]
        window, rows = "-", "-"
        if case is not floor and r.outputs and "json" in case.argv:
            try:
                doc = json.loads(r.outputs[-1][2])
                window, rows = str(doc["runs"]), str(len(doc["rows"]))
            except (ValueError, KeyError, TypeError):
                window = "unreadable JSON"
        ratio = "-" if case is floor else bench.ratio_cell(paired(r, runs[FLOOR]))
        fails = f" ({len(r.failures)} failed)" if r.failures else ""
        lines.append(
            f"| {code(case.label)}{fails} | {window} | {rows} | {spread(r.values())} | {ratio} |"
        )
    big, small = runs[json_cases[built[-1].size].label], runs[json_cases[built[0].size].label]
    scaling = paired(big, small)
    big_med = statistics.median(big.values()) if big.values() else float("nan")
    if largest.size >= 1_000_000:
        verdict = "within" if big_med <= BAR_S else "**over**"
        bar = f"the {count(largest.size)} JSON run's median is {big_med:.2f} s, {verdict} it"
    else:
        bar = f"not measured, the largest log here has {count(largest.size)} findings"
    lines += [
        "",
        f"Scaling, {count(largest.size)}/{count(built[0].size)} findings (paired per round): "
        f"{bench.ratio_cell(scaling)}. The issue's bar (stats over 1M findings answers within a "
        f"few seconds, read here as {BAR_S:g} s): {bar}.",
        "",
    ]
    lines += profile_stats(largest, built, codeguard, env, cwd)
    return lines, built, failed


def captured_queries(db: sqlite3.Connection, since: float, until: float, by: str) -> list[str]:
    """The SQL `compute()` runs, parameters expanded, in the order it runs them."""
    from codeguard.audit.stats import compute

    seen: list[str] = []
    db.set_trace_callback(seen.append)
    try:
        compute(db, since, until, by)
    finally:
        db.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def plan(db: sqlite3.Connection, sql: str) -> list[str]:
    rows = db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    depth: dict[int, int] = {0: -1}
    out = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        out.append("  " * depth[node] + detail)
    return out


def one_line(sql: str, limit: int = 110) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def timed_each(fn: Callable[[Any], object], items: Sequence[Any]) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - start)
    return out


def fetch(db: sqlite3.Connection, sql: str, args: dict[str, float] | None = None) -> list[Any]:
    return db.execute(sql, args or {}).fetchall()


def profile_stats(
    largest: Built, built: list[Built], codeguard: str, env: dict[str, str], cwd: Path
) -> list[str]:
    """Where the time of `codeguard stats` goes: start-up (imports) and each query."""
    from codeguard.audit.stats import compute

    until = time.time()
    since = until - 30 * DAY
    lines = [
        f"In process (read-only connection, warm page cache; median of {STATS_ROUNDS}): "
        "`compute()` by log size, then every query it runs on the "
        f"{count(largest.size)} log with its EXPLAIN QUERY PLAN.",
        "",
        "| log | compute(by=rule) ms | compute(by=day) ms |",
        "|---|---:|---:|",
    ]
    for b in built:
        db = sqlite3.connect(f"file:{b.path}?mode=ro", uri=True)
        by_rule = timed(functools.partial(compute, db, since, until, "rule"), STATS_ROUNDS)
        by_day = timed(functools.partial(compute, db, since, until, "day"), STATS_ROUNDS)
        db.close()
        lines.append(f"| {count(b.size)} | {spread(by_rule)} | {spread(by_day)} |")
    lines.append("")
    db = sqlite3.connect(f"file:{largest.path}?mode=ro", uri=True)
    try:
        for by in ("rule", "day"):
            lines += [f"Queries of `compute(by={by!r})` on {count(largest.size)}:", ""]
            for sql in captured_queries(db, since, until, by):
                if by != "rule" and "FROM findings" not in sql:
                    continue  # the same run counts as by=rule
                took = timed(functools.partial(fetch, db, sql), STATS_ROUNDS)
                lines.append(f"- {spread(took)} ms: {code(one_line(sql))}")
                lines += ["", "  ```", *(f"  {p}" for p in plan(db, sql)), "  ```", ""]
    finally:
        db.close()
    lines += importtime(codeguard, largest, env, cwd)
    return lines


def importtime(codeguard: str, b: Built, env: dict[str, str], cwd: Path) -> list[str]:
    """`python -X importtime codeguard stats`: the start-up share of the wall time."""
    lines = []
    for fmt in ("json", "text"):
        argv = [sys.executable, "-X", "importtime", codeguard, "stats", "--format", fmt]
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env={**env, "CODEGUARD_AUDIT_DB": str(b.path)},
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
        top: list[tuple[int, str]] = []
        for row in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", row)
            if m and len(m.group(3)) == 1:  # a top-level import
                top.append((int(m.group(2)), m.group(4)))
        total = sum(us for us, _ in top) / 1000
        heavy = ", ".join(f"{name} {us / 1000:.0f}" for us, name in sorted(top, reverse=True)[:5])
        lines.append(
            f"- `-X importtime codeguard stats --format {fmt}`: {total:.0f} ms of imports "
            f"(top level, heaviest in ms: {heavy})"
        )
    return [*lines, ""]


# --------------------------------------------------------------------------------------
# 2. The agent gate with auditing on and off; the cost of one record
# --------------------------------------------------------------------------------------


def decision(stdout: str, code: int) -> str:
    """What Claude Code would do with the hook's answer (the hooks benchmark's reading)."""
    return verdict(code, stdout)


def audit_rows(db: Path) -> dict[str, int]:
    """What the log holds, read without AuditLog (which would ingest a spool)."""
    out = {"block": 0, "pass": 0, "other": 0, "spooled": 0}
    if db.exists():
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for verdict, n in con.execute("SELECT verdict, count(*) FROM runs GROUP BY 1"):
                out[verdict if verdict in out else "other"] += n
        finally:
            con.close()
    for spool in db.parent.glob(db.name + ".spool*"):
        out["spooled"] += len(spool.read_text(encoding="utf-8", errors="replace").splitlines())
    return out


@dataclass
class Variant:
    label: str
    repo: Path
    env: dict[str, str]


def gate_runs(
    a: Variant, b: Variant, env: dict[str, str], rounds: int, rng: random.Random, name: str
) -> dict[str, Runs]:
    """`codeguard hook claude-code` on a routine and a destructive command in two setups,
    with `python -c pass`, interleaved per round."""
    python = sys.executable
    argv = (str(Path(python).parent / "codeguard"), "hook", "claude-code")
    groups: dict[str, list[Case]] = {}
    for cmd in (ROUTINE, DESTRUCTIVE):
        groups[cmd] = [
            Case(v.label, argv, v.env, v.repo, HOOK_OK, payload(cmd, v.repo)) for v in (a, b)
        ] + [Case(FLOOR, (python, "-c", "pass"), env, a.repo, FLOOR_OK)]
    # The first full run writes the fast path's gate file: run the destructive call once in
    # each repo before anything, so the routine call is answered as it will be from then on.
    for case in groups[DESTRUCTIVE][:2]:
        run_case(case)
    return run_rounds(groups, rounds, 1, rng, name)


def gate_table(runs: dict[str, Runs], a: str, b: str) -> tuple[list[str], bool]:
    """The comparison table (and whether a run failed)."""
    lines = [
        f"| command | {a} ms | {b} ms | python ms | {a} / {b} (paired) | "
        f"{a} x python | {b} x python | answer {a} / {b} |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    first, second, floor = runs[a], runs[b], runs[FLOOR]
    for cmd in (ROUTINE, DESTRUCTIVE):
        answer = " / ".join(
            "/".join(sorted({decision(out, rc) for g, rc, out in runs[label].outputs if g == cmd}))
            or "failed"
            for label in (a, b)
        )
        lines.append(
            f"| {code(cmd)} | {spread(first.values(cmd))} | {spread(second.values(cmd))} | "
            f"{spread(floor.values(cmd))} | {bench.ratio_cell(paired(first, second, cmd))} | "
            f"{bench.ratio_cell(paired(first, floor, cmd))} | "
            f"{bench.ratio_cell(paired(second, floor, cmd))} | {answer} |"
        )
    fails = [f"{label} ({len(r.failures)})" for label, r in runs.items() if r.failures]
    if fails:
        lines += ["", "**Failed runs** (first error on stderr): " + "; ".join(fails)]
    return [*lines, ""], bool(fails)


def hooks_section(
    root: Path, env: dict[str, str], rounds: int, rng: random.Random
) -> tuple[list[str], bool]:
    on_repo = make_repo(root / "hook-audit-on", "audit = true\n")
    off_repo = make_repo(root / "hook-audit-off", "audit = false\n")
    db = root / "hook-audit" / "audit.db"
    on = Variant(HOOK_ON, on_repo, {**env, "CODEGUARD_AUDIT_DB": str(db)})
    runs = gate_runs(on, Variant(HOOK_OFF, off_repo, env), env, rounds, rng, "hooks")
    calls = rounds + 1  # per command and tool: 1 warm-up round + timed rounds
    written = audit_rows(db)
    off_logs = list(off_repo.rglob("audit.db*")) + list(off_repo.rglob("*.spool"))
    table, failed = gate_table(runs, HOOK_ON, HOOK_OFF)
    lines = [
        "### audit log: the agent gate with auditing on and off",
        "",
        f"`codeguard hook claude-code` fed Claude Code's PreToolUse JSON; {HOOK_ON}: a "
        "temporary git repo whose .codeguard.toml says `audit = true`, CODEGUARD_AUDIT_DB a "
        f"temporary file; {HOOK_OFF}: another repo whose .codeguard.toml says `audit = false`. "
        f"Each command is a group per round (on, off and `python -c pass` in a shuffled order); "
        f"{rounds} timed rounds after 1 warm-up (and one destructive call per repo before, "
        "which writes the fast path's gate file). Ratios: medians of per-round ratios "
        "(min-max).",
        "",
        *table,
        f"Written with audit on, over {calls} calls of each command (+1 gate-writing "
        f"destructive call, so {calls + 1} destructive in all): {written['block']} blocked "
        f"runs in the log, {written['pass']} passing runs in the log, {written['spooled']} "
        "lines still in a spool"
        + (f", {written['other']} other runs" if written["other"] else "")
        + f". With audit off: {len(off_logs)} log files in the repo.",
        "",
    ]
    return lines, failed


def otel_section(
    root: Path, env: dict[str, str], rounds: int, rng: random.Random
) -> tuple[list[str], bool]:
    """The agent gate exporting to an OTLP/HTTP receiver on 127.0.0.1, and not exporting."""
    sys.path.insert(0, str(ROOT))
    from tests.otlp_receiver import OTLPReceiver

    receiver = OTLPReceiver().start()
    try:
        on_repo = make_repo(root / "hook-otel-on", "")
        off_repo = make_repo(root / "hook-otel-off", "")
        exporting = {
            **env,
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "CODEGUARD_AUDIT_DB": str(root / "otel-on" / "audit.db"),
        }
        quiet = {**env, "CODEGUARD_AUDIT_DB": str(root / "otel-off" / "audit.db")}
        on, off = Variant(OTEL_ON, on_repo, exporting), Variant(OTEL_OFF, off_repo, quiet)
        runs = gate_runs(on, off, env, rounds, rng, "otel")
        # the hook exports from a detached process: give the last ones time to arrive
        blocked = rounds + 2  # the gate-writing call, the warm-up round, the timed rounds
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            spans = receiver.spans()
            if sum(s["attrs"].get("codeguard.verdict") == "block" for s in spans) >= blocked:
                break
            time.sleep(0.1)
    finally:
        receiver.stop()
    table, failed = gate_table(runs, OTEL_ON, OTEL_OFF)
    by_verdict: dict[str, int] = {}
    for span in spans:
        if span["name"] == "codeguard.run":
            verdict = str(span["attrs"].get("codeguard.verdict"))
            by_verdict[verdict] = by_verdict.get(verdict, 0) + 1
    calls = rounds + 1
    lines = [
        "### OpenTelemetry export: the agent gate exporting and not",
        "",
        f"As above, both repos auditing; {OTEL_ON}: OTEL_EXPORTER_OTLP_ENDPOINT points at an "
        "OTLP/HTTP receiver on 127.0.0.1 (tests/otlp_receiver.py, decoding what it gets), "
        f"{OTEL_OFF}: unset. {rounds} timed rounds after 1 warm-up.",
        "",
        *table,
        f"Received over {calls} calls of each command (+1 gate-writing destructive call): "
        + ", ".join(f"{n} `{v}` run spans" for v, n in sorted(by_verdict.items()))
        + ". The routine command is answered by the fast path, which spools it; its spans "
        "leave with the next full run (the destructive one here).",
        "",
    ]
    return lines, failed


def sample_report(serial: int, rng: random.Random) -> Report:
    """A blocked run with 3 findings (two destructive, one secret), as a hook records it."""
    from codeguard.finding import Finding
    from codeguard.finding import Position
    from codeguard.finding import Report
    from codeguard.finding import Severity

    def finding(rule: str, name: str, stage: str, severity: Severity, blocking: bool) -> Finding:
        return Finding(
            rule_id=rule,
            name=name,
            stage=stage,
            severity=severity,
            message=f"`rm -rf /var/lib/postgresql` deletes protected path ({serial})",
            path="<command>",
            start=Position(1, 1),
            fingerprint=f"{rng.getrandbits(80):020x}",
            blocking=blocking,
        )

    return Report(
        verdict="block",
        findings=(
            finding("CG102", "shell-recursive-delete", "destructive", Severity.ERROR, True),
            finding("CG103", "working-tree-delete", "destructive", Severity.ERROR, True),
            finding("CG702", "possible-credential", "secrets", Severity.WARNING, False),
        ),
        timings_ms={"parse": 0.01, "destructive": 75.9, "secrets": 22.8, "security": 0.07},
        run_id=os.urandom(16).hex(),
    )


# what `judge()` in codeguard/hooks/run.py has imported before it records
JUDGE_IMPORTS = (
    "codeguard.pipeline",
    "codeguard.changes",
    "codeguard.cli",
    "codeguard.config",
    "codeguard.stages",
)


def marginal_import(env: dict[str, str], n: int = 5) -> list[float]:
    script = (
        f"import time, {', '.join(JUDGE_IMPORTS)}\n"
        "t = time.perf_counter()\n"
        "import codeguard.audit.store\n"
        "print(time.perf_counter() - t)\n"
    )
    out = []
    for _ in range(n + 1):  # the first fills the bytecode cache
        proc = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
        )
        try:
            out.append(float(proc.stdout.strip()))
        except ValueError:
            log(f"import measurement failed: {proc.stderr.strip()[-500:]}")
    return out[1:]


def record_section(
    root: Path, env: dict[str, str], largest: Built | None, samples: int, seed: int
) -> list[str]:
    """In process: one run with 3 findings, on an open log and as a hook process pays it."""
    from codeguard import audit
    from codeguard.audit.store import AuditLog
    from codeguard.config import Config

    rng = random.Random(seed + 3)
    saved = os.environ.pop("CODEGUARD_AUDIT_DB", None)  # never write the user's log
    targets = [("fresh log", root / "record" / "audit.db")]
    if largest is not None:
        targets.append((f"{count(largest.size)}-finding log", largest.path))
    rows = []
    try:
        for name, path in targets:
            # no size bound: the largest log is over the default one, and this measures
            # recording, not pruning
            config = Config(root=str(root), audit_path=str(path), audit_max_mb=0)
            reports = [sample_report(i, rng) for i in range(2 * samples + 20)]
            with AuditLog(path) as opened:
                for r in reports[:10]:  # warm-up
                    opened.record(r, surface="hook:claude-code", source="command:Bash",
                                  config_hash=config.digest)  # fmt: skip
                on_open = timed_each(
                    functools.partial(
                        opened.record, surface="hook:claude-code", source="command:Bash",
                        config_hash=config.digest,
                    ),
                    reports[10 : 10 + samples],
                )  # fmt: skip
            hook_record = functools.partial(
                audit.record, config, surface="hook:claude-code", source="command:Bash"
            )
            for r in reports[10 + samples : 20 + samples]:  # warm-up
                hook_record(r)
            whole = timed_each(hook_record, reports[20 + samples :])
            rows.append((name, on_open, whole))
    finally:
        if saved is not None:
            os.environ["CODEGUARD_AUDIT_DB"] = saved
    imports = marginal_import(env)
    lines = [
        f"One blocked run with 3 findings, in process, median (min-max) of {samples} after 10 "
        "warm-ups. `AuditLog.record`: the insert transaction on an open log; "
        "`audit.record`: what a hook process pays (connect, PRAGMAs, migration check, "
        "spool check, record, prune check, close).",
        "",
        "| log | AuditLog.record ms | p90 ms | audit.record ms | p90 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, on_open, whole in rows:
        lines.append(
            f"| {name} | {spread(on_open)} | {ms(quantile(on_open, 0.9))} | {spread(whole)} | "
            f"{ms(quantile(whole, 0.9))} |"
        )
    lines += [
        "",
        "Imports a hook process adds to record (`import codeguard.audit.store` after what the "
        f"full path has already imported, median (min-max) of 5 processes): {spread(imports)} "
        "ms.",
        "",
    ]
    return lines


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --------------------------------------------------------------------------------------
# 3. Concurrent writers
# --------------------------------------------------------------------------------------


def writer(db: str, n: int, index: int, go: str) -> int:
    """One writer process: wait for `go`, then record n runs as n hook processes would."""
    from codeguard import audit
    from codeguard.config import Config

    os.environ["CODEGUARD_AUDIT_DB"] = db
    config = Config(root=str(Path(db).parent), audit_path=db)
    where = watch_sqlite_errors()
    rng = random.Random(index)
    reports = [sample_report(i, rng) for i in range(n)]
    Path(f"{go}.ready-{index}").touch()
    while not os.path.exists(go):
        time.sleep(0.001)
    took = []
    for report in reports:
        start = time.perf_counter()
        audit.record(config, report, "hook:claude-code", "command:Bash")
        took.append(time.perf_counter() - start)
    print(json.dumps({"took": took, "where": where}))
    return 0


def watch_sqlite_errors() -> dict[str, int]:
    """Diagnostics only: audit.record turns a failure into a one-line note; count, per
    AuditLog method and the statement that raised, the sqlite3 errors behind the notes
    (the methods still run and raise exactly as before)."""
    import traceback

    from codeguard.audit import store

    where: dict[str, int] = {}

    def wrap(name: str, method: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(method)
        def wrapper(*args: object, **kwargs: object) -> object:
            try:
                return method(*args, **kwargs)
            except sqlite3.Error as exc:
                if not getattr(exc, "_bench_seen", False):  # the innermost method only
                    exc._bench_seen = True  # type: ignore[attr-defined]
                    line = (traceback.extract_tb(exc.__traceback__)[-1].line or "").strip()
                    kind = getattr(exc, "sqlite_errorname", type(exc).__name__)
                    key = f"AuditLog.{name}: {line} ({kind}: {exc})"
                    where[key] = where.get(key, 0) + 1
                raise

        return wrapper

    for name in ("__init__", "_migrate", "_ingest_spool", "record", "prune"):
        method = getattr(store.AuditLog, name, None)
        if callable(method):
            setattr(store.AuditLog, name, wrap(name, method))
    return where


@dataclass
class Writers:
    processes: int
    per_process: int
    wall: float
    latencies: list[float]
    notes: int
    runs: int
    findings: int
    integrity: str
    errors: list[str]
    where: dict[str, int]


def run_writers(
    root: Path, env: dict[str, str], processes: int, per_process: int, name: str = ""
) -> Writers:
    work = root / f"writers-{processes}x{per_process}{name}"
    work.mkdir()
    db = work / "audit.db"  # does not exist yet: the processes race to create the schema
    go = work / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--writer", str(db), str(per_process), str(i), str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while len(list(work.glob("go.ready-*"))) < processes:
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            break
        time.sleep(0.005)
    start = time.perf_counter()
    go.touch()
    latencies: list[float] = []
    where: dict[str, int] = {}
    notes = 0
    errors = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            errors.append("timed out")
        notes += err.count(NOT_WRITTEN)
        if p.returncode != 0:
            errors.append(f"exit {p.returncode}: {err.strip()[-500:]}")
        elif NOT_WRITTEN in err:
            errors.append(next(ln for ln in err.splitlines() if NOT_WRITTEN in ln))
        with contextlib.suppress(ValueError, IndexError, KeyError, TypeError):
            doc = json.loads(out.strip().splitlines()[-1])
            latencies += doc["took"]
            for key, n in doc["where"].items():
                where[key] = where.get(key, 0) + n
    wall = time.perf_counter() - start
    n_runs = n_findings = 0
    integrity = "no log"
    if db.exists():
        con = sqlite3.connect(db)
        try:
            n_runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
            n_findings = con.execute("SELECT count(*) FROM findings").fetchone()[0]
            integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            con.close()
    return Writers(
        processes, per_process, wall, latencies, notes, n_runs, n_findings, integrity, errors, where
    )


def writers_section(
    root: Path, env: dict[str, str], per_process: int, trials: int
) -> tuple[list[str], bool]:
    results = []
    for processes, n in ((WRITERS, per_process), (1, WRITERS * per_process)):
        log(f"writers: {processes} process(es) x {n} runs")
        results.append(run_writers(root, env, processes, n))
    log(f"writers: {trials} first-use trials of {WRITERS} x {RACE_RUNS} runs")
    race = [run_writers(root, env, WRITERS, RACE_RUNS, f"trial-{i}") for i in range(trials)]
    lines = [
        "### audit log: concurrent writers",
        "",
        "Writer processes started on a log that does not exist yet, released together once "
        "each has imported codeguard; each records its runs (3 findings each) one by one "
        "through `codeguard.audit.record`, opening and closing the log every time as a hook "
        "process does. Latency: one `audit.record` call, waits for the write lock included. "
        "A failed write is a note on stderr (the verdict stands), so lost runs are counted "
        "in the log afterwards; the sqlite3 error behind each note is caught on its way out "
        "of the AuditLog method that raised it.",
        "",
        "| writers | runs each | wall s | runs/s | latency median ms | p99 ms | max ms | "
        "runs present | findings present | lost runs | notes on stderr | integrity |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lost_any = False
    for w in results:
        expected = w.processes * w.per_process
        lost = expected - w.runs
        lost_any = lost_any or lost != 0 or w.findings != 3 * expected or bool(w.errors)
        lat = w.latencies
        lines.append(
            f"| {w.processes} | {w.per_process} | {w.wall:.2f} | {expected / w.wall:.0f} | "
            f"{ms(statistics.median(lat)) if lat else '-'} | {ms(quantile(lat, 0.99))} | "
            f"{ms(max(lat)) if lat else '-'} | {w.runs} of {expected} | {w.findings} of "
            f"{3 * expected} | {'**' + str(lost) + '**' if lost else 0} | {w.notes} | "
            f"{w.integrity} |"
        )
    expected = WRITERS * RACE_RUNS
    lost_trials = [w for w in race if w.runs != expected]
    lost_runs = sum(expected - w.runs for w in race)
    lost_any = lost_any or bool(lost_runs) or any(w.errors for w in race)
    lines += [
        "",
        f"First use, repeated: {trials} fresh logs, {WRITERS} writers x {RACE_RUNS} runs each "
        f"(the race to create the log and its schema): {len(lost_trials)} trial(s) lost runs, "
        f"{lost_runs} of {trials * expected} runs lost in all; integrity "
        + ", ".join(sorted({w.integrity for w in race}))
        + ".",
    ]
    where: dict[str, dict[str, int]] = {}
    for label, group in (
        ("8 writers", results[:1]),
        ("1 writer", results[1:]),
        ("first use", race),
    ):
        for w in group:
            for key, n in w.where.items():
                where.setdefault(label, {})[key] = where.get(label, {}).get(key, 0) + n
    for label, found in where.items():
        lines += ["", f"Where the notes came from ({label}):", ""]
        lines += [f"- {n} x {code(key)}" for key, n in sorted(found.items())]
    for w in [*results, *race]:
        other = [e for e in w.errors if NOT_WRITTEN not in e]
        if other:
            lines.append(f"\n{w.processes} writer(s) failed: {'; '.join(other[:3])}")
    return [*lines, ""], lost_any


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def measure(quick: bool = False, seed: int = SEED, keep: bool = False) -> tuple[list[str], bool]:
    """(Markdown lines, whether a run failed or rows were lost)."""
    load_start = bench.load_average()
    root = Path(tempfile.mkdtemp(prefix="codeguard-audit-bench-"))
    rng = random.Random(seed + 4)
    started = time.perf_counter()
    try:
        env = bench.bench_env(root)
        sizes = QUICK_SIZES if quick else SIZES
        stats_lines, built, stats_failed = stats_section(root, env, sizes, rng, seed)
        rounds = QUICK_HOOK_ROUNDS if quick else HOOK_ROUNDS
        hook_lines, hooks_failed = hooks_section(root, env, rounds, rng)
        otel_lines, otel_failed = otel_section(root, env, rounds, rng)
        samples = QUICK_RECORD_SAMPLES if quick else RECORD_SAMPLES
        hook_lines += record_section(root, env, built[-1] if built else None, samples, seed)
        per_process = QUICK_WRITER_RUNS if quick else WRITER_RUNS
        trials = QUICK_RACE_TRIALS if quick else RACE_TRIALS
        writer_lines, lost = writers_section(root, env, per_process, trials)
    finally:
        if keep:
            log(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    codeguard = Path(sys.executable).parent / "codeguard"
    version = subprocess.run(
        [str(codeguard), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    head = [
        "## audit log benchmark" + (" (--quick)" if quick else ""),
        "",
        f"- codeguard: {version}, {bench.codeguard_source()}; sqlite {sqlite3.sqlite_version}",
        f"- python {sys.version.split()[0]} ({sys.executable})",
        f"- nproc {os.cpu_count()}, load average (1/5/15 min) at start {load_start}, at end "
        f"{bench.load_average()}; {time.perf_counter() - started:.0f} s in all",
        "",
    ]
    lines = head + stats_lines + hook_lines + otel_lines + writer_lines
    return lines, stats_failed or hooks_failed or otel_failed or lost


def section(quick: bool = False) -> list[str]:
    """The Markdown section for bench/run.py's report."""
    return measure(quick)[0]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Time codeguard's audit log: stats over large logs, hooks with auditing "
        "on and off, one record, concurrent writers."
    )
    p.add_argument("--quick", action="store_true", help="logs up to 100k, 3 hook rounds")
    p.add_argument("--seed", type=int, default=SEED, help="seed for the logs and run order")
    p.add_argument("--keep", action="store_true", help="keep the generated logs")
    p.add_argument("--writer", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.writer:
        db, n, index, go = args.writer
        return writer(db, int(n), int(index), go)
    lines, failed = measure(args.quick, args.seed, args.keep)
    sys.stdout.write("\n".join(lines) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
