"""`[tool.codeguard]` / `.codeguard.toml` -> a frozen Config. No dict leaves this module.

Unknown keys are an error: a misspelt `fail-on` or `ignore` must never silently weaken
the guardrail.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from codeguard import git
from codeguard.errors import ConfigError
from codeguard.finding import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

FILTERS = ("added", "diff-context", "file", "all")
KNOWN_STAGES = ("parse", "destructive", "secrets", "security", "llm")
# What counts as production. `*` stays inside one path segment; `/**` covers the tree
# below a path and the path itself. Anything deleted at or inside these blocks, unless it
# is also a disposable path.
DEFAULT_PROTECTED_PATHS = (
    "/",
    "/bin/**",
    "/boot/**",
    "/dev/**",
    "/etc/**",
    "/lib/**",
    "/lib32/**",
    "/lib64/**",
    "/libx32/**",
    "/opt/**",
    "/root/**",
    "/sbin/**",
    "/srv/**",
    "/usr/**",
    "/var",
    "/var/lib/**",
    "/var/www",
    "/var/mail/**",
    "/var/spool/**",
    "/var/backups/**",
    "/var/opt/**",
    "/home",
    "/home/*",
    "/Users",
    "/Users/*",
    "~",
    "~/*",
    "~/.ssh/**",
    "~/.gnupg/**",
    "~/.aws/**",
    "~/.kube/**",
    "~/.config/**",
    "/data/**",
    "/mnt/**",
    "/media/**",
    "/backup/**",
    "/backups/**",
    "/Volumes/**",
    "/System/**",
    "/Library/**",
    "/Applications/**",
    "C:/**",
)
# Always fine to delete, even inside a protected tree: temporary files, caches, build output.
DEFAULT_DISPOSABLE_PATHS = (
    "/tmp/**",
    "/var/tmp/**",
    "/var/cache/**",
    "/var/lib/apt/lists/**",
    "/var/lib/dpkg/info/*.list",
    "/usr/share/doc/**",
    "/usr/share/man/**",
    "/usr/share/info/**",
    "/usr/share/locale/**",
    "/usr/share/nginx/html/**",
    "/var/www/html/**",
    "/usr/local/share/.cache/**",
    "/root/.cache/**",
    "/root/.npm/**",
    "/root/.cargo/registry/**",
    "~/.cache/**",
    "~/.npm/_cacache/**",
    "/home/*/.cache/**",
    "/opt/*/cache/**",
    "/opt/*/tmp/**",
    "/opt/*/build/**",
    "/srv/*/cache/**",
    "/srv/*/tmp/**",
    "**/node_modules",
    "**/__pycache__",
    "**/*.pyc",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/.ruff_cache",
    "**/.tox",
    "**/.nox",
    "**/.venv",
    "**/venv",
    "**/build",
    "**/dist",
    "**/target",
    "**/coverage",
    "**/.coverage",
    "**/htmlcov",
    "**/.next",
    "**/.nuxt",
    "**/.gradle",
    "**/.terraform",
    "**/*.egg-info",
    "**/.eggs",
    "**/tmp",
    "**/.tmp",
    "**/*.tmp",
    "**/*.log",
    "**/*.bak",
    "**/*.swp",
    "**/*.orig",
)
DEFAULT_PROTECTED_BRANCHES = (
    "main",
    "master",
    "trunk",
    "develop",
    "production",
    "prod",
    "live",
    "stable",
    "release",
    "release/*",
    "release-*",
    "releases/*",
    "hotfix/*",
)


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = ""
    model: str = ""
    policy: str = ""
    timeout: float = 60.0
    on_error: str = "block"
    max_input_tokens: int = 24000
    max_output_tokens: int = 2000
    concurrency: int = 4
    retries: int = 2
    min_confidence: float = 0.7
    max_findings: int = 10
    can_block: bool = True
    # false: the policy goes at the top of the user message, for chat templates that drop
    # the system role (gemma's does)
    system_message: bool = True
    # empty: codeguard.llm.view.DEFAULT_EXCLUDE (lock files, vendored and generated code)
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    fail_on: Severity = Severity.ERROR
    filter: str = "added"
    stages: tuple[str, ...] = KNOWN_STAGES
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    rule_dirs: tuple[str, ...] = ()
    protected_paths: tuple[str, ...] = DEFAULT_PROTECTED_PATHS
    disposable_paths: tuple[str, ...] = DEFAULT_DISPOSABLE_PATHS
    protected_branches: tuple[str, ...] = DEFAULT_PROTECTED_BRANCHES
    preview: bool = False
    baseline: str = ""
    bandit: bool = True
    # bandit tests not run (see codeguard/stages/security.py for why each is skipped)
    bandit_skip: tuple[str, ...] = (
        "B101", "B103", "B104", "B105", "B106", "B107", "B108", "B301", "B302", "B308",
        "B310", "B311", "B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320",
        "B324", "B403", "B404", "B506", "B602", "B603", "B605", "B608", "B701", "B703",
    )  # fmt: skip
    llm: LLMConfig = field(default_factory=LLMConfig)
    # what an agent hook answers for warnings: "allow" (silence) or "ask" (the user decides)
    hook_warn: str = "allow"
    # the audit log (see codeguard.audit): on by default, in .git/codeguard/audit.db
    audit: bool = True
    audit_path: str = ""
    audit_retention_days: int = 90
    # a bound on the log's size: the oldest runs go first (0: none)
    audit_max_mb: int = 256
    root: str = "."
    source: str = ""

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    @property
    def digest(self) -> str:
        """A short hash of the effective settings (for the audit log and caches)."""
        data = dataclasses.asdict(self)
        data.pop("root")
        data.pop("source")
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _str(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key}: expected a string, got {type(value).__name__}")
    return value


def _choice(options: tuple[str, ...]) -> Callable[[str, str, Any], str]:
    def check(where: str, key: str, value: Any) -> str:
        text = _str(where, key, value)
        if text not in options:
            raise ConfigError(f"{where}: {key}: expected one of {', '.join(options)}, got {text!r}")
        return text

    return check


def _str_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key}: expected a list of strings")
    return tuple(value)


def _severity(where: str, key: str, value: Any) -> Severity:
    try:
        return Severity.parse(_str(where, key, value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from None


def _bool(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key}: expected true or false")
    return value


def _number(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: {key}: expected a positive number")
    return float(value)


def _int(where: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{where}: {key}: expected a positive whole number")
    return value


def _count(where: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}: {key}: expected a whole number, 0 or more")
    return value


def _fraction(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: {key}: expected a number from 0 to 1")
    return float(value)


def _table(where: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key}: expected a table")
    return value


def _stages(where: str, key: str, value: Any) -> tuple[str, ...]:
    names = _str_list(where, key, value)
    for name in names:
        if name not in KNOWN_STAGES:
            raise ConfigError(f"{where}: {key}: unknown stage {name!r} ({', '.join(KNOWN_STAGES)})")
    return names


_LLM_KEYS: dict[str, tuple[str, Callable[[str, str, Any], Any]]] = {
    "base-url": ("base_url", _str),
    "model": ("model", _str),
    "policy": ("policy", _str),
    "timeout": ("timeout", _number),
    "on-error": ("on_error", _choice(("block", "warn"))),
    "max-input-tokens": ("max_input_tokens", _int),
    "max-output-tokens": ("max_output_tokens", _int),
    "concurrency": ("concurrency", _int),
    "retries": ("retries", _count),
    "min-confidence": ("min_confidence", _fraction),
    "max-findings": ("max_findings", _int),
    "can-block": ("can_block", _bool),
    "system-message": ("system_message", _bool),
    "exclude": ("exclude", _str_list),
    "extend-exclude": ("extend_exclude", _str_list),
}


def _llm(where: str, key: str, value: Any) -> LLMConfig:
    table = _table(where, key, value)
    values = _convert(where, table, _LLM_KEYS, prefix="llm.")
    return LLMConfig(**values)


def _per_file_ignores(where: str, key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = _table(where, key, value)
    return tuple((glob, _str_list(where, f"{key}.{glob}", ids)) for glob, ids in table.items())


def _severity_table(where: str, key: str, value: Any) -> tuple[tuple[str, Severity], ...]:
    table = _table(where, key, value)
    return tuple((rule, _severity(where, f"{key}.{rule}", s)) for rule, s in table.items())


_KEYS: dict[str, tuple[str, Callable[[str, str, Any], Any]]] = {
    "fail-on": ("fail_on", _severity),
    "filter": ("filter", _choice(FILTERS)),
    "stages": ("stages", _stages),
    "select": ("select", _str_list),
    "ignore": ("ignore", _str_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "severity": ("severity", _severity_table),
    "rule-dirs": ("rule_dirs", _str_list),
    "protected-paths": ("protected_paths", _str_list),
    "disposable-paths": ("disposable_paths", _str_list),
    "protected-branches": ("protected_branches", _str_list),
    "preview": ("preview", _bool),
    "bandit": ("bandit", _bool),
    "baseline": ("baseline", _str),
    "bandit-skip": ("bandit_skip", _str_list),
    "llm": ("llm", _llm),
    "hook-warn": ("hook_warn", _choice(("allow", "ask"))),
    "audit": ("audit", _bool),
    "audit-path": ("audit_path", _str),
    "audit-retention-days": ("audit_retention_days", _int),
    "audit-max-mb": ("audit_max_mb", _count),
}


def _convert(
    where: str,
    table: dict[str, Any],
    keys: dict[str, tuple[str, Callable[[str, str, Any], Any]]],
    *,
    prefix: str = "",
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in keys:
            raise ConfigError(f"{where}: unknown key {prefix + key!r}")
        attr, convert = keys[key]
        out[attr] = convert(where, prefix + key, value)
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _section(path: Path) -> dict[str, Any] | None:
    """The codeguard table of a config file; None when a pyproject has none."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("codeguard") if isinstance(tool, dict) else None
        if section is None:
            return None
        return _table(str(path), "tool.codeguard", section)
    return data


def _load_chain(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's table, merged over what it `extends` (the file's own keys win)."""
    real = path.resolve()
    if real in seen:
        raise ConfigError(f"{path}: extends itself (cycle through {seen[-1]})")
    table = dict(_section(path) or {})
    parent = table.pop("extends", None)
    # Relative paths in a file are relative to that file, whoever extends it.
    if "rule-dirs" in table:
        dirs = _str_list(str(path), "rule-dirs", table["rule-dirs"])
        table["rule-dirs"] = [str((path.parent / d).resolve()) for d in dirs]
    if isinstance(table.get("baseline"), str) and table["baseline"]:
        table["baseline"] = str((path.parent / table["baseline"]).resolve())
    if isinstance(table.get("audit-path"), str) and table["audit-path"]:
        table["audit-path"] = str((path.parent / table["audit-path"]).expanduser().resolve())
    llm = table.get("llm")
    if isinstance(llm, dict) and isinstance(llm.get("policy"), str) and llm["policy"]:
        llm = {**llm, "policy": str((path.parent / llm["policy"]).resolve())}
        table["llm"] = llm
    if parent is None:
        return table
    base_path = path.parent / _str(str(path), "extends", parent)
    base = _load_chain(base_path, (*seen, real))
    merged = {**base, **table}
    for key in ("llm", "per-file-ignores", "severity"):
        if isinstance(base.get(key), dict) and isinstance(table.get(key), dict):
            merged[key] = {**base[key], **table[key]}
    return merged


def find_config_file(cwd: Path) -> tuple[Path, Path | None]:
    """(root, file): the repository root (or cwd) and the config found there."""
    root = git.toplevel(cwd) or cwd.resolve()
    dedicated = root / ".codeguard.toml"
    if dedicated.is_file():
        return root, dedicated
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and _section(pyproject) is not None:
        return root, pyproject
    return root, None


def load_config(cwd: Path, explicit: str | None = None) -> Config:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_absolute():
            path = cwd / path
        root = git.toplevel(cwd) or cwd.resolve()
        file: Path | None = path
    else:
        root, file = find_config_file(cwd)
    if file is None:
        return Config(root=str(root))
    table = _load_chain(file)
    values = _convert(str(file), table, _KEYS)
    return Config(root=str(root), source=str(file), **values)
