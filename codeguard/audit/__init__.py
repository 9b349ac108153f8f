"""The audit trail: every run, its findings (masked, as in every report) and LLM traces,
in SQLite; `codeguard stats` reads it for block rates, drift and precision per rule.

Writing never decides anything: a log that cannot be written is reported on stderr and
the verdict stands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from codeguard.config import Config
from codeguard.finding import Report


def location(config: Config, env: Mapping[str, str] | None = None) -> Path | None:
    """CODEGUARD_AUDIT_DB, else `audit-path`, else `.git/codeguard/audit.db` in a
    repository, else the user's state directory; None when auditing is off."""
    env = os.environ if env is None else env
    if not config.audit:
        return None
    if env.get("CODEGUARD_AUDIT_DB"):
        return Path(env["CODEGUARD_AUDIT_DB"])
    if config.audit_path:
        return Path(config.audit_path)
    from codeguard import git

    common = git.common_dir(Path(config.root))
    if common is not None:
        return common / "codeguard" / "audit.db"
    state = env.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(state) / "codeguard" / "audit.db"


def record(config: Config, report: Report, surface: str, source: str) -> None:
    """Record the run in the audit log and export it to OpenTelemetry when configured.
    Best effort: a failure is a note on stderr, never a changed verdict."""
    from codeguard import telemetry

    path = location(config)
    ingested: list[tuple[str, float, str, str, str]] = []
    if path is not None:
        try:
            from codeguard.audit.store import AuditLog

            with AuditLog(path) as log:
                log.record(report, surface=surface, source=source, config_hash=config.digest)
                log.prune(config.audit_retention_days, config.audit_max_mb)
                ingested = log.ingested
        except Exception as exc:
            print(
                f"codeguard: note: audit log not written ({type(exc).__name__}: {exc})",
                file=sys.stderr,
            )
    telemetry.export(
        report,
        surface=surface,
        source=source,
        config_hash=config.digest,
        spooled=ingested,
        detach=surface.startswith("hook:"),  # an agent waits for the answer, not for this
    )
