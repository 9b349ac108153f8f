"""The audit log: what every scan records, concurrent writers, drift, labels, traces."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from pathlib import Path

from codeguard.audit.stats import compute
from codeguard.audit.stats import z_score
from codeguard.audit.store import AuditLog
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.finding import Report
from codeguard.finding import Severity
from tests.conftest import run_cli

SECRET = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"


def _report(run_id: str, blocking_rule: str | None) -> Report:
    findings = ()
    if blocking_rule:
        findings = (
            Finding(
                rule_id=blocking_rule, name="demo", stage="destructive",
                severity=Severity.ERROR, message="m", path="a.sh", start=Position(1, 1),
                fingerprint=f"fp-{run_id}", blocking=True,
            ),
        )  # fmt: skip
    return Report(verdict="block" if blocking_rule else "pass", findings=findings, run_id=run_id)


def test_a_scan_records_its_run_and_findings_without_secrets(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    target = tmp_path / "settings.py"
    target.write_text(f'STRIPE = "{SECRET}"\nimport shutil\nshutil.rmtree("/etc")\n')
    result = run_cli("scan", str(target), cwd=tmp_path, env={"CODEGUARD_AUDIT_DB": str(db)})
    assert result.code == 1
    raw = db.read_bytes() + (
        db.with_name("audit.db-wal").read_bytes() if db.with_name("audit.db-wal").exists() else b""
    )
    assert SECRET.encode() not in raw
    with AuditLog(db) as log:
        (run,) = log.db.execute("SELECT surface, verdict FROM runs").fetchall()
        rules = {r for (r,) in log.db.execute("SELECT rule_id FROM findings")}
    assert run == ("cli", "block")
    assert {"CG101", "CG701"} <= rules


def test_auditing_can_be_turned_off(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    (tmp_path / ".codeguard.toml").write_text("audit = false\n")
    run_cli("scan", "--command", "rm -rf /", cwd=tmp_path, env={"CODEGUARD_AUDIT_DB": str(db)})
    assert not db.exists()


def test_a_log_that_cannot_be_written_changes_nothing_but_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = {"CODEGUARD_AUDIT_DB": str(blocker / "audit.db")}
    result = run_cli("scan", "--command", "rm -rf /", cwd=tmp_path, env=env)
    assert result.code == 1
    assert "audit log not written" in result.err


def _writer(path: str, worker: int) -> None:
    with AuditLog(Path(path)) as log:
        for i in range(40):
            log.record(_report(f"w{worker}-{i}", "CG101" if i % 2 else None),
                       surface="hook:test", source="x", config_hash="h")  # fmt: skip


def test_eight_concurrent_writers_lose_no_rows(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(str(db), n)) for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    with AuditLog(db) as log:
        assert log.db.execute("SELECT count(*) FROM runs").fetchone()[0] == 320
        assert log.db.execute("SELECT count(*) FROM findings").fetchone()[0] == 160


def _seed(db: sqlite3.Connection, start: float, span: float, runs: int, rate: float) -> None:
    """`runs` runs spread over `span` seconds, CG555 blocking in `rate` of them."""
    every = round(1 / rate) if rate else 0
    for i in range(runs):
        at = start + span * i / runs
        run_id = f"r{start}-{i}"
        db.execute("INSERT INTO runs VALUES (?, ?, 'cli', 's', ?, 'h', 'v', '{}', '[]')",
                   (run_id, at, "block" if every and i % every == 0 else "pass"))  # fmt: skip
        if every and i % every == 0:
            db.execute(
                "INSERT INTO findings VALUES (?, ?, 'CG555', 'demo', 'destructive', 'error',"
                " 1, 0, ?, 'a.sh', 1, 'm')",
                (run_id, at, f"fp{start}-{i}"),
            )


def test_five_to_ten_percent_is_drift_over_many_runs_and_noise_over_few(tmp_path: Path) -> None:
    now = time.time()
    for runs, expected in ((2000, "up"), (60, "")):
        with AuditLog(tmp_path / f"{runs}.db") as log:
            _seed(log.db, now - 20 * 86400, 10 * 86400, runs // 2, 0.05)
            _seed(log.db, now - 10 * 86400, 10 * 86400, runs // 2, 0.10)
            stats = compute(log.db, now - 20 * 86400, now + 1)
        (row,) = stats.rows
        assert row.drift == expected, (runs, row)
        if runs == 2000:
            assert abs(row.earlier - 0.05) < 0.01 and abs(row.later - 0.10) < 0.01


def test_z_score_matches_the_textbook() -> None:
    assert round(z_score(50, 1000, 100, 1000), 2) == 4.24
    assert z_score(0, 0, 5, 10) == 0.0


def test_feedback_labels_give_precision_and_advice(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    env = {"CODEGUARD_AUDIT_DB": str(db)}
    for i in range(6):
        (tmp_path / f"w{i}.sh").write_text(f"rm -rf /srv/data{i}\n")
        run_cli("scan", str(tmp_path / f"w{i}.sh"), cwd=tmp_path, env=env)
    with AuditLog(db) as log:
        prints = [f for (f,) in log.db.execute("SELECT fingerprint FROM findings")]
    assert len(prints) == 6
    for n, fp in enumerate(prints):
        flag = "--true-positive" if n == 0 else "--false-positive"
        result = run_cli("feedback", fp, flag, "--note", "staging box", cwd=tmp_path, env=env)
        assert result.code == 0, result.err
    doc = json.loads(run_cli("stats", "--format", "json", cwd=tmp_path, env=env).out)
    (row,) = doc["rows"]
    assert (row["true_positives"], row["false_positives"]) == (1, 5)
    assert abs(row["precision"] - 1 / 6) < 1e-9
    assert any("precision 17%" in a for a in doc["advice"])
    unknown = run_cli("feedback", "nope", "--true-positive", cwd=tmp_path, env=env)
    assert unknown.code == 2 and "no finding with fingerprint nope" in unknown.err


def test_runs_and_trace_show_what_decided(tmp_path: Path) -> None:
    env = {"CODEGUARD_AUDIT_DB": str(tmp_path / "audit.db")}
    run_cli("scan", "--command", "git push --force origin main", cwd=tmp_path, env=env)
    listing = run_cli("runs", cwd=tmp_path, env=env)
    assert listing.code == 0 and "block" in listing.out
    run_id = listing.out.split()[0]
    shown = run_cli("trace", run_id[:10], cwd=tmp_path, env=env)
    assert shown.code == 0
    assert "decided by: destructive" in shown.out and "CG201" in shown.out
    run_cli("scan", "--command", "ls -la", cwd=tmp_path, env={**env, "CODEGUARD_NO_FASTPATH": "1"})
    blocked = run_cli("runs", "--since", "7d", "--verdict", "block", cwd=tmp_path, env=env)
    assert [line.split()[0] for line in blocked.out.splitlines()] == [run_id]
    passed = run_cli("runs", "--verdict", "pass", "--surface", "cli", cwd=tmp_path, env=env)
    assert len(passed.out.splitlines()) == 1 and run_id not in passed.out
    assert run_cli("runs", "--surface", "hook:codex", cwd=tmp_path, env=env).out == ""
    bad = run_cli("runs", "--since", "a week", cwd=tmp_path, env=env)
    assert bad.code == 2 and "--since 'a week'" in bad.err
    for z in ("-1", "0", "nan"):
        bad = run_cli("stats", "--drift-z", z, cwd=tmp_path, env=env)
        assert bad.code == 2 and "expected a positive number" in bad.err, z


def test_stats_html_is_self_contained(tmp_path: Path) -> None:
    env = {"CODEGUARD_AUDIT_DB": str(tmp_path / "audit.db")}
    (tmp_path / "w.sh").write_text("rm -rf /srv/<script>alert(1)</script>\n")
    run_cli("scan", str(tmp_path / "w.sh"), cwd=tmp_path, env=env)
    out = tmp_path / "stats.html"
    result = run_cli("stats", "--format", "html", "--output", str(out), cwd=tmp_path, env=env)
    assert result.code == 0, result.err
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "http" not in page.replace("http-equiv", "")
    assert "<script" not in page


def test_clean_commands_on_the_fast_path_are_counted_too(tmp_path: Path) -> None:
    env = {"CODEGUARD_AUDIT_DB": str(tmp_path / "audit.db")}
    run_cli("scan", "--command", "rm -rf /", cwd=tmp_path, env=env)  # full path; writes the gate
    for _ in range(3):
        assert run_cli("scan", "--command", "ls -la", cwd=tmp_path, env=env).code == 0
    assert (tmp_path / "audit.db.spool").read_text().count("\n") >= 2  # fast-path runs spooled
    assert "ls -la" not in (tmp_path / "audit.db.spool").read_text()  # never the command
    doc = json.loads(run_cli("stats", "--format", "json", cwd=tmp_path, env=env).out)
    assert doc["runs"] == 4 and doc["blocked_runs"] == 1
    assert not (tmp_path / "audit.db.spool").exists()


def _chromium(page: Path) -> tuple[str, str]:
    """(DOM after rendering, console lines) from headless Chromium."""
    import os
    import shutil
    import subprocess

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            raise AssertionError("CI must render the stats page: Debian's chromium is missing")
        import pytest

        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    proc = subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, "\n".join(console)


def test_the_html_renders_in_chromium_with_charts_and_no_console_errors(tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text('<html><body><script>console.error("control-marker")</script></body></html>')
    assert "control-marker" in _chromium(control)[1]  # the check can see a console error
    env = {"CODEGUARD_AUDIT_DB": str(tmp_path / "audit.db")}
    for i in range(3):
        (tmp_path / f"w{i}.sh").write_text(f"rm -rf /srv/data{i}\n")
        run_cli("scan", str(tmp_path / f"w{i}.sh"), cwd=tmp_path, env=env)
    page = tmp_path / "stats.html"
    assert run_cli("stats", "--format", "html", "-o", str(page), cwd=tmp_path, env=env).code == 0
    dom, console = _chromium(page)
    assert console == ""
    assert '<table id="rules">' in dom and "CG102" in dom
    assert dom.count("<polyline") >= 1


def test_the_size_bound_drops_the_oldest_runs_first(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    with AuditLog(db) as log:
        for i in range(600):
            finding = Finding(
                rule_id="CG101", name="demo", stage="destructive", severity=Severity.ERROR,
                message="m" * 2000, path="a.sh", start=Position(1, 1), fingerprint=f"fp{i}",
                blocking=True,
            )  # fmt: skip
            report = Report(verdict="block", findings=(finding,), run_id=f"r{i:04d}")
            log.record(report, surface="cli", source="x", config_hash="h")
        before = log.used_bytes()
        assert before > 1024 * 1024
        deleted = log.prune(retention_days=90, max_mb=1)
        assert deleted > 0
        assert log.used_bytes() <= 1024 * 1024
        kept = [r for (r,) in log.db.execute("SELECT id FROM runs ORDER BY id")]
        assert kept == [f"r{i:04d}" for i in range(600 - len(kept), 600)]  # the newest stay
        orphans = log.db.execute(
            "SELECT count(*) FROM findings WHERE run_id NOT IN (SELECT id FROM runs)"
        ).fetchone()[0]
        assert orphans == 0
        assert log.prune(retention_days=90, max_mb=1) == 0  # under the bound now
        assert log.prune(retention_days=90, max_mb=0) == 0  # 0: no bound


def test_a_log_sqlite_cannot_read_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    db.write_bytes(b"not a database, " * 64)
    env = {"CODEGUARD_AUDIT_DB": str(db)}
    for args in (["stats"], ["runs"], ["trace", "abc"], ["feedback", "abc", "--true-positive"]):
        result = run_cli(*args, cwd=tmp_path, env=env)
        assert result.code == 2, (args, result.err)
        (line,) = result.err.strip().splitlines()
        assert line.startswith("codeguard: error: the audit log cannot be read") and str(db) in line
    # scanning still answers; the log's failure is a note
    assert run_cli("scan", "--command", "rm -rf /", cwd=tmp_path, env=env).code == 1
