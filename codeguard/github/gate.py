"""`codeguard scan --pr`: the pull request of this Actions run, judged and published."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeguard import git
from codeguard.changes import ChangeSet
from codeguard.config import Config
from codeguard.finding import Report
from codeguard.finding import RunMeta
from codeguard.github import checkout
from codeguard.github.context import Actions
from codeguard.github.context import from_env
from codeguard.stage import LLMAccess

MAX_STEP_SUMMARY = 1024 * 1024  # bytes per step; more fails the upload
MAX_WORKFLOW_ANNOTATIONS = 10  # per level and step: GitHub shows no more


@dataclass
class Gate:
    actions: Actions
    root: Path
    merge_base: str
    holder: tempfile.TemporaryDirectory[str] | None = None
    config_file: Path | None = None

    @classmethod
    def start(cls, cwd: Path, env: Mapping[str, str]) -> Gate:
        actions = from_env(env)
        root = git.require_repo(cwd)
        if actions.event == "pull_request_target":
            print(
                "codeguard: note: pull_request_target: codeguard reads the head as data only;"
                " never check out or run the head's code in this workflow",
                file=sys.stderr,
            )
        base = checkout.ensure_commits(root, actions.pr.base_sha, actions.pr.head_sha)
        return cls(actions, root, base)

    def config(self, explicit: str | None) -> Config:
        """The base commit's configuration (`--config` names a file in the base commit)."""
        from codeguard.config import load_config

        path, self.holder = checkout.base_config(self.root, self.actions.pr.base_sha)
        if explicit:
            checkout._extract(
                self.root, self.actions.pr.base_sha, [explicit], Path(self.holder.name)
            )
            path = Path(self.holder.name) / explicit
            if not path.is_file():
                from codeguard.errors import ConfigError

                raise ConfigError(
                    f"{explicit}: not in the base commit {self.actions.pr.base_sha[:12]}"
                )
        self.config_file = path
        config = load_config(Path(self.holder.name), str(path)) if path else Config()
        return config.replace(root=str(self.root))

    def changes(self) -> ChangeSet:
        from codeguard.sources.gitdiff import commit_range

        changes = commit_range(self.root, f"{self.merge_base}..{self.actions.pr.head_sha}")
        touched = checkout.changed_config(
            [c.path for c in changes],
            self.config_file,
            Path(self.holder.name) if self.holder else self.root,
        )
        notes = tuple(changes.notices)
        if touched:
            notes += (
                f"this pull request changes codeguard's configuration ({', '.join(touched)});"
                " it was judged by the base branch's, and the change applies after merge",
            )
        return ChangeSet(
            changes.files, source=f"pr#{self.actions.pr.number}", root=str(self.root), notices=notes
        )

    def with_description(self, access: LLMAccess) -> LLMAccess:
        """The PR's title and body go to the LLM as a separate, down-weighted field."""
        from dataclasses import replace

        pr = self.actions.pr
        return replace(access, description=f"{pr.title}\n\n{pr.body}".strip())

    def with_pull_request(self, rendered: str) -> str:
        doc = json.loads(rendered)
        pr = self.actions.pr
        doc["pull_request"] = {
            "repo": pr.repo,
            "number": pr.number,
            "base_sha": pr.base_sha,
            "head_sha": pr.head_sha,
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def publish(self, report: Report, meta: RunMeta, changes: ChangeSet) -> None:
        from codeguard.github.publish import commentable_from_changes
        from codeguard.github.publish import publish
        from codeguard.report import markdown

        self._step_summary(markdown.render(report, meta))
        pr = self.actions.pr
        if pr.from_fork or not self.actions.token:
            why = "a fork's pull request (read-only token)" if pr.from_fork else "no GITHUB_TOKEN"
            print(f"codeguard: note: {why}: annotations and the job summary only", file=sys.stderr)
            sys.stdout.write(workflow_annotations(report, meta))
            return
        outcome = publish(self.actions, report, meta, commentable_from_changes(changes))
        for note in outcome.notes:
            print(f"codeguard: note: github: {note}", file=sys.stderr)
        if not outcome.check_run and not outcome.status:
            sys.stdout.write(workflow_annotations(report, meta))
        print(
            f"codeguard: github: check run {'posted' if outcome.check_run else 'not posted'},"
            f" {outcome.annotations} annotation(s), review comments"
            f" {outcome.comments_created} new / {outcome.comments_updated} updated /"
            f" {outcome.comments_kept} unchanged / {outcome.comments_resolved} resolved,"
            " summary comment"
            f" {outcome.summary_comment or 'not needed'}, {outcome.requests} request(s)",
            file=sys.stderr,
        )

    def _step_summary(self, text: str) -> None:
        path = self.actions.step_summary
        if not path:
            return
        data = text.encode("utf-8")
        if len(data) > MAX_STEP_SUMMARY - 1024:
            data = data[: MAX_STEP_SUMMARY - 1024].decode("utf-8", "ignore").encode()
            data += b"\n\n... (cut to GitHub's 1 MiB step summary limit)\n"
        try:
            with open(path, "ab") as fh:
                fh.write(data)
        except OSError as exc:
            print(f"codeguard: note: cannot write the job summary: {exc.strerror}", file=sys.stderr)


def workflow_annotations(report: Report, meta: RunMeta) -> str:
    """Workflow-command annotations (no token needed), the first 10 per level, inside a
    stop-commands block so no diff or model text can act as a command."""
    from dataclasses import replace

    from codeguard.report import github

    kept: list[Any] = []
    counts: dict[str, int] = {}
    for f in report.findings:
        level = f.severity.label
        if counts.get(level, 0) < MAX_WORKFLOW_ANNOTATIONS:
            kept.append(f)
            counts[level] = counts.get(level, 0) + 1
    nonce = meta.nonce or os.urandom(16).hex()
    return github.render(replace(report, findings=tuple(kept)), replace(meta, nonce=nonce))


def publish_artifact(report_file: Path, env: Mapping[str, str]) -> int:
    """`codeguard publish --report FILE`, in a `workflow_run` workflow: post a report that a
    fork's `pull_request` run produced. The file is data from the fork: it is validated,
    tied to the run that made it (same head SHA), and everything in it is escaped."""
    from codeguard.errors import InputError
    from codeguard.errors import UsageError
    from codeguard.github.context import PullRequest
    from codeguard.github.publish import commentable_from_patches
    from codeguard.github.publish import publish
    from codeguard.report.json_report import load_report

    try:
        event = json.loads(Path(env.get("GITHUB_EVENT_PATH", "")).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError("publish runs in a workflow_run workflow: no readable event") from None
    run = event.get("workflow_run") if isinstance(event, dict) else None
    if env.get("GITHUB_EVENT_NAME") != "workflow_run" or not isinstance(run, dict):
        raise UsageError("publish needs a workflow_run event")
    report, meta, pr_data = load_report(report_file)
    if not isinstance(pr_data, dict):
        raise InputError(f"{report_file}: no pull_request in the report (scan with --pr)")
    if str(pr_data.get("head_sha")) != str(run.get("head_sha")):
        raise InputError(f"{report_file}: made for another commit than this workflow run's")
    repo = env.get("GITHUB_REPOSITORY", "")
    pr = PullRequest(
        repo=repo,
        number=int(pr_data.get("number", 0)),
        base_sha=str(pr_data.get("base_sha", "")),
        head_sha=str(run["head_sha"]),
        head_repo=str((run.get("head_repository") or {}).get("full_name") or ""),
    )
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    actions = Actions(
        pr=pr,
        event="workflow_run",
        api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        token=env.get("GITHUB_TOKEN", ""),
        step_summary=env.get("GITHUB_STEP_SUMMARY", ""),
        server_url=server,
        run_url=str(run.get("html_url") or ""),
    )
    from codeguard.github.publish import client

    gh = client(actions)
    pull = gh.get_repo(repo).get_pull(pr.number)
    if pull.head.sha != pr.head_sha:
        # the number came from the fork too: it must name the PR this run was for
        raise InputError(f"{report_file}: PR #{pr.number} is not the pull request of this run")
    files = pull.get_files()
    outcome = publish(actions, report, meta, commentable_from_patches(files), gh=gh)
    for note in outcome.notes:
        print(f"codeguard: note: github: {note}", file=sys.stderr)
    from codeguard.cli import VERDICT_EXIT

    return VERDICT_EXIT[report.verdict]
