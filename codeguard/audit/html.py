"""`codeguard stats --format html`: one self-contained file (no script, no CDN, works
offline): the table, drift markers, precision, and an inline SVG chart per rule of its
daily rate. All text from the log is HTML-escaped (messages and paths came from diffs)."""

from __future__ import annotations

import html
import sqlite3
from collections import defaultdict

from codeguard.audit.stats import Stats

W, H = 360, 90


def _daily(
    db: sqlite3.Connection, since: float, until: float
) -> dict[str, list[tuple[str, float]]]:
    runs = dict(
        db.execute(
            "SELECT date(time, 'unixepoch'), count(*) FROM runs WHERE time >= ? AND time < ?"
            " GROUP BY 1",
            (since, until),
        ).fetchall()
    )
    hits: dict[str, dict[str, int]] = defaultdict(dict)
    for rule, day, count in db.execute(
        # a finding carries its run's time: the covering index answers without runs
        "SELECT rule_id, date(time, 'unixepoch'), count(DISTINCT run_id) FROM findings"
        " WHERE time >= ? AND time < ? AND (blocking OR NOT suppressed) GROUP BY 1, 2",
        (since, until),
    ):
        hits[rule][day] = count
    days = sorted(runs)
    return {
        rule: [(day, per_day.get(day, 0) / runs[day]) for day in days]
        for rule, per_day in hits.items()
    }


def _chart(points: list[tuple[str, float]], drift: str) -> str:
    if not points:
        return ""
    top = max(max(v for _, v in points), 0.01)
    step = W / max(len(points) - 1, 1)
    coords = " ".join(
        f"{i * step:.1f},{H - 10 - (v / top) * (H - 20):.1f}" for i, (_, v) in enumerate(points)
    )
    colour = {"up": "#c0392b", "down": "#2471a3"}.get(drift, "#555")
    label = html.escape(f"{points[0][0]} .. {points[-1][0]}, peak {top:.1%}")
    return (
        f'<svg class="chart" role="img" aria-label="{label}" width="{W}" height="{H}"'
        f' viewBox="0 0 {W} {H}"><polyline fill="none" stroke="{colour}" stroke-width="2"'
        f' points="{coords}"/><text x="2" y="12" font-size="10">{label}</text></svg>'
    )


def render(db: sqlite3.Connection, stats: Stats, advice: list[str]) -> str:
    daily = _daily(db, stats.since, stats.until) if stats.by == "rule" else {}
    rows = []
    for row in stats.rows:
        precision = row.precision
        marker = {"up": "▲ drift up", "down": "▼ drift down"}.get(row.drift, "")
        rows.append(
            "<tr>"
            f"<td>{html.escape(row.key)} {html.escape(row.name)}</td>"
            f"<td>{row.findings}</td><td>{row.blocks}</td><td>{row.rate:.1%}</td>"
            f"<td>{row.earlier:.1%} → {row.later:.1%}</td>"
            f'<td class="drift">{marker}</td>'
            f"<td>{'' if precision is None else f'{precision:.0%}'}"
            f" ({row.true_positives} TP / {row.false_positives} FP)</td>"
            f"<td>{_chart(daily.get(row.key, []), row.drift)}</td>"
            "</tr>"
        )
    items = "".join(f"<li>{html.escape(a)}</li>" for a in advice)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>codeguard stats</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px; }}
.drift {{ color: #c0392b; font-weight: bold; }}
</style></head><body>
<h1>codeguard: {stats.runs} runs, {stats.blocked_runs} blocked</h1>
<p>Rates per {html.escape(stats.by)}: share of runs it reported in; drift compares the
window's halves (two-proportion z-test).</p>
<ul id="advice">{items}</ul>
<table id="rules"><thead><tr><th>{html.escape(stats.by)}</th><th>findings</th>
<th>blocking</th><th>rate</th><th>earlier → later</th><th>drift</th><th>precision</th>
<th>daily rate</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</body></html>
"""
