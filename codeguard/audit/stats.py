"""Block rates per rule (or stage, surface, day) over a window, drift and precision.

A rate is the share of runs in which the group blocked (or, for warnings, reported).
Drift compares the window's earlier half with its later half with a two-proportion
z-test; a change is flagged only when both halves have enough runs and |z| passes the
threshold, so 5% -> 10% over a thousand runs is flagged and the same swing over fifty is
noise. Precision comes from `codeguard feedback` labels.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

DEFAULT_Z = 3.0
MIN_RUNS = 30  # per half, before a change in rate can mean anything
MIN_EVENTS = 5

_KEYS = {
    "rule": "f.rule_id",
    "stage": "f.stage",
    "surface": "r.surface",
    "day": "date(f.time, 'unixepoch')",
}


@dataclass
class Row:
    key: str
    name: str
    findings: int
    blocks: int
    runs_hit: int
    rate: float
    earlier: float
    later: float
    z: float
    drift: str  # "" | "up" | "down"
    true_positives: int = 0
    false_positives: int = 0

    @property
    def precision(self) -> float | None:
        labelled = self.true_positives + self.false_positives
        return self.true_positives / labelled if labelled else None


@dataclass
class Stats:
    since: float
    until: float
    runs: int
    blocked_runs: int
    by: str
    rows: list[Row]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for row, data in zip(self.rows, out["rows"], strict=True):
            data["precision"] = row.precision
        return out


def z_score(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-proportion z statistic for x1/n1 -> x2/n2 (0 when undefined)."""
    if not n1 or not n2:
        return 0.0
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return (x2 / n2 - x1 / n1) / spread if spread else 0.0


def compute(
    db: sqlite3.Connection,
    since: float,
    until: float,
    by: str = "rule",
    threshold: float = DEFAULT_Z,
) -> Stats:
    key = _KEYS[by]
    mid = since + (until - since) / 2
    runs_total, runs_blocked = db.execute(
        "SELECT count(*), coalesce(sum(verdict = 'block'), 0) FROM runs"
        " WHERE time >= ? AND time < ?",
        (since, until),
    ).fetchone()
    halves = [
        db.execute("SELECT count(*) FROM runs WHERE time >= ? AND time < ?", (a, b)).fetchone()[0]
        for a, b in ((since, mid), (mid, until))
    ]
    # one row per group: findings, blocking findings, runs it fired in, per half. A
    # finding carries its run's time, so only `surface` needs the runs table; the halves
    # split the window, so runs hit = earlier + later.
    join = "JOIN runs r ON r.id = f.run_id" if by == "surface" else ""
    query = f"""
        SELECT {key} AS k, min(f.name), count(*), sum(f.blocking),
               count(DISTINCT CASE WHEN (f.blocking OR NOT f.suppressed) AND f.time < ?
                                   THEN f.run_id END),
               count(DISTINCT CASE WHEN (f.blocking OR NOT f.suppressed) AND f.time >= ?
                                   THEN f.run_id END)
        FROM findings f {join}
        WHERE f.time >= ? AND f.time < ?
        GROUP BY k ORDER BY k
    """  # noqa: S608 - `key` and `join` are ours, never input
    labels = {
        (rule, label): count
        for rule, label, count in db.execute(
            "SELECT rule_id, label, count(*) FROM labels GROUP BY rule_id, label"
        )
    }
    rows = []
    for k, name, findings, blocks, early, late in db.execute(query, (mid, mid, since, until)):
        hit = early + late
        n1, n2 = halves
        z = z_score(early, n1, late, n2)
        enough = min(n1, n2) >= MIN_RUNS and early + late >= MIN_EVENTS
        drift = ("up" if z > 0 else "down") if enough and abs(z) >= threshold else ""
        rows.append(
            Row(
                key=str(k),
                name=str(name) if by == "rule" else "",
                findings=int(findings),
                blocks=int(blocks or 0),
                runs_hit=int(hit),
                rate=hit / runs_total if runs_total else 0.0,
                earlier=early / n1 if n1 else 0.0,
                later=late / n2 if n2 else 0.0,
                z=round(z, 2),
                drift=drift,
                true_positives=labels.get((k, "true-positive"), 0) if by == "rule" else 0,
                false_positives=labels.get((k, "false-positive"), 0) if by == "rule" else 0,
            )
        )
    rows.sort(key=lambda r: (not r.drift, -r.rate, r.key))
    return Stats(since, until, int(runs_total), int(runs_blocked), by, rows)


def advice(stats: Stats) -> list[str]:
    """Rules to look at: drifting ones, and imprecise ones with enough labels."""
    out = []
    for row in stats.rows:
        if row.drift:
            out.append(
                f"{row.key} {row.name}: rate {row.earlier:.1%} -> {row.later:.1%}"
                f" (z {row.z:+.1f}): {'noisier' if row.drift == 'up' else 'quieter'}; find out why"
            )
        precision = row.precision
        labelled = row.true_positives + row.false_positives
        if precision is not None and labelled >= 5 and precision < 0.5:
            out.append(
                f"{row.key} {row.name}: precision {precision:.0%} over {labelled} labels:"
                " fix the rule or demote it (severity = warning)"
            )
    return out
