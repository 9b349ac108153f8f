"""Writes the gate file the agent gate's fast path reads (see `fastpath`)."""

from __future__ import annotations

import json
import os

from codeguard.changes import COMMAND_PATH
from codeguard.config import Config
from codeguard.engine import applies
from codeguard.fastpath import GATE_SCHEMA
from codeguard.fastpath import cache_dir
from codeguard.fastpath import dir_stamps
from codeguard.fastpath import gate_inputs
from codeguard.fastpath import gate_path
from codeguard.ruleset import Rule
from codeguard.ruleset import builtin_rules_dir
from codeguard.ruleset import is_enabled

# Stages whose every possible finding on a command the fast path reproduces. A stage added
# to the registry later turns the fast path off until it is listed here.
# `security` only reads Python files; a command's `python -c` goes to the full pipeline.
FAST_STAGES = frozenset({"parse", "destructive", "secrets", "security"})


def command_rules(config: Config, rules: list[Rule]) -> list[Rule]:
    """The rules the full pipeline would run on a `<command>` under this configuration."""
    ignores = [ids for glob, ids in config.per_file_ignores if glob in (COMMAND_PATH, "*", "**")]
    return [
        r
        for r in rules
        if r.status == "stable" or (r.status == "preview" and config.preview)
        if is_enabled(config.select, config.ignore, r.id, r.name)
        if not any(not is_enabled((), ids, r.id, r.name) for ids in ignores)
        if r.stage in config.stages and applies(r, COMMAND_PATH)
    ]


def write_gate(config: Config, rules: list[Rule], registered: set[str]) -> None:
    """Best effort: a gate that cannot be written only costs speed."""
    cache = cache_dir()
    if cache is None:
        return
    chosen = command_rules(config, rules)
    active = set(config.stages) & registered
    if not config.llm.model:
        active.discard("llm")  # the LLM stage does nothing without a model
    inputs = gate_inputs(config.root, str(builtin_rules_dir()))
    from codeguard.audit import location

    audit = location(config)
    gate = {
        "schema": GATE_SCHEMA,
        "audit": str(audit) if audit is not None else "",
        "config_hash": config.digest,
        "inputs": inputs,
        "fast": active <= FAST_STAGES,
        # a command that may hold a credential goes to the full path (the secrets stage)
        "secrets": "secrets" in active,
        "rule_dirs": [[d, dir_stamps(d)] for d in config.rule_dirs],
        "protected": list(config.protected_paths),
        "disposable": list(config.disposable_paths),
        "branches": list(config.protected_branches),
        "shell": [{"id": r.id, "patterns": list(r.shell)} for r in chosen if "shell" in r.kinds],
        "regex": [
            {
                "id": r.id,
                "pattern": r.pattern.pattern,
                "ignore_case": bool(r.pattern.flags & 2),
            }
            for r in chosen
            if "regex" in r.kinds and r.pattern is not None
        ],
    }
    path = gate_path(cache, inputs)
    if os.path.exists(path):
        return
    try:
        os.makedirs(cache, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(gate, fh)
        os.replace(tmp, path)
    except OSError:
        pass
