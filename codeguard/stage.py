"""The Stage protocol and the Context every stage reads (parsed once, shared)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Protocol

from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.config import Config
from codeguard.finding import Finding
from codeguard.ruleset import Rule

if TYPE_CHECKING:
    from codeguard.analyze.python import ParsedPython


@dataclass(frozen=True)
class LLMAccess:
    """What the edge (the CLI) read for the LLM stage: the key from the environment,
    whether `--llm` demands the stage, where verdicts are cached, the author's stated
    intent (PR title and body) when there is one."""

    api_key: str = field(default="", repr=False)
    required: bool = False
    cache_dir: str = ""
    description: str = ""
    key_source: str = ""


@dataclass
class Context:
    """Everything a stage may read. Stages never read argv, env or the working directory.

    Parsing results and rule findings are computed on first use and shared, so each
    file is parsed once however many stages look at it.
    """

    config: Config
    changes: ChangeSet
    rules: list[Rule]
    notices: list[str] = field(default_factory=list)
    llm: LLMAccess = field(default_factory=LLMAccess)
    # what the LLM was shown and answered, per HTTP attempt (for --trace and the audit log)
    traces: list[dict[str, object]] = field(default_factory=list)
    # what a stage's `start` leaves for its `run` (a worker process, for instance)
    shared: dict[str, object] = field(default_factory=dict)
    _python: dict[str, ParsedPython] = field(default_factory=dict)
    _rule_findings: list[Finding] | None = None

    def python(self, change: FileChange) -> ParsedPython:
        parsed = self._python.get(change.path)
        if parsed is None:
            from codeguard.analyze.python import parse_change

            parsed = self._python[change.path] = parse_change(change)
            self.notices.extend(parsed.notes)
        return parsed

    def rule_findings(self, stage: str) -> list[Finding]:
        """Findings of the rules owned by `stage`; all rules run in one pass."""
        if self._rule_findings is None:
            from codeguard.engine import run_rules

            self._rule_findings = run_rules(self)
        return [f for f in self._rule_findings if f.stage == stage]

    def all_rule_findings(self) -> list[Finding]:
        self.rule_findings("")
        return list(self._rule_findings or [])

    def rule(self, builtin: str) -> Rule | None:
        return next((r for r in self.rules if r.builtin == builtin), None)


class Stage(Protocol):
    """A stage is a module with a `run` function; the pipeline isolates its errors.

    A stage module may also define `start(ctx)`, called for every stage before any
    `run`, to begin slow work (a subprocess) that then overlaps the other stages.
    """

    def run(self, ctx: Context) -> Iterable[Finding]: ...
