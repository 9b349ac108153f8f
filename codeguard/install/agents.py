"""Hook configuration for each agent: where it lives, codeguard's entry, and a merge that
keeps everything else as it was.

The entry runs the absolute path of this codeguard (hook shells often lack the user's
PATH, and a hook that cannot start fails open). A settings file is rewritten in the
indentation it had, so an install followed by an uninstall leaves it byte-identical.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from codeguard.errors import InputError

TIMEOUT_S = 30  # the agent's limit for our process; codeguard's own budget is 20 s


def executable() -> str:
    """The codeguard being run, as an absolute path."""
    found = shutil.which("codeguard")
    argv0 = Path(sys.argv[0])
    if argv0.name == "codeguard" and argv0.exists():
        return str(argv0.resolve())
    if found:
        return str(Path(found).resolve())
    return f"{Path(sys.executable).resolve()} -m codeguard"


def _command(agent: str) -> str:
    exe = executable()
    quoted = f'"{exe}"' if " " in exe and not exe.endswith(" -m codeguard") else exe
    return f"{quoted} hook {agent}"


def _is_ours(entry: Any, agent: str) -> bool:
    text = json.dumps(entry)
    return f"hook {agent}" in text and "codeguard" in text


def _settings_path(agent: str, scope: str, cwd: Path) -> Path:
    home = Path(os.environ.get("HOME") or Path.home())
    if agent == "copilot":
        base = Path(os.environ.get("COPILOT_HOME") or home / ".copilot")
        return (base if scope == "user" else _root(cwd) / ".github") / "hooks" / "codeguard.json"
    where = home if scope == "user" else _root(cwd)
    return (
        where
        / {
            "claude-code": ".claude/settings.json",
            "codex": ".codex/hooks.json",
            "gemini": ".gemini/settings.json",
            "cursor": ".cursor/hooks.json",
        }[agent]
    )


def _root(cwd: Path) -> Path:
    from codeguard import git

    return git.toplevel(cwd) or cwd


def _entries(agent: str) -> dict[str, list[dict[str, Any]]]:
    """Event name -> the entries codeguard adds under the file's `hooks` table."""
    command = _command(agent)
    if agent == "claude-code":
        return {
            "PreToolUse": [
                {
                    "matcher": "Bash|Write|Edit|MultiEdit",
                    "hooks": [{"type": "command", "command": command, "timeout": TIMEOUT_S}],
                }
            ]
        }
    if agent == "codex":
        return {
            "PreToolUse": [
                {"hooks": [{"type": "command", "command": command, "timeout": TIMEOUT_S}]}
            ]
        }
    if agent == "gemini":
        hook = {
            "type": "command",
            "command": command,
            "name": "codeguard",
            "timeout": TIMEOUT_S * 1000,
        }
        return {
            "BeforeTool": [{"matcher": "run_shell_command|write_file|replace", "hooks": [hook]}]
        }
    if agent == "cursor":
        hook = {"command": command, "timeout": TIMEOUT_S, "failClosed": True}
        return {"beforeShellExecution": [hook], "preToolUse": [dict(hook)]}
    return {"preToolUse": [{"type": "command", "bash": command, "timeoutSec": TIMEOUT_S}]}


def install(agent: str, scope: str, cwd: Path) -> str:
    path = _settings_path(agent, scope, cwd)
    data, style = _load(path)
    if agent in ("cursor", "copilot") and not data:
        data["version"] = 1  # a new file; an existing one keeps what it says
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise InputError(f"{path}: `hooks` is not a JSON object; not touching it")
    for event, entries in _entries(agent).items():
        current = hooks.setdefault(event, [])
        if not isinstance(current, list):
            raise InputError(f"{path}: `hooks.{event}` is not a list; not touching it")
        kept = [e for e in current if not _is_ours(e, agent)]
        hooks[event] = kept + entries
    _save(path, data, style)
    return f"installed the {agent} hook in {path} ({_command(agent)})"


def uninstall(agent: str, scope: str, cwd: Path) -> str:
    path = _settings_path(agent, scope, cwd)
    if not path.exists():
        return f"no {agent} hook to remove ({path} does not exist)"
    data, style = _load(path)
    hooks = data.get("hooks")
    removed = 0
    if isinstance(hooks, dict):
        for event in list(_entries(agent)):
            current = hooks.get(event)
            if not isinstance(current, list):
                continue
            kept = [e for e in current if not _is_ours(e, agent)]
            removed += len(current) - len(kept)
            if kept:
                hooks[event] = kept
            else:
                del hooks[event]  # a list codeguard made, now empty
        if not hooks:
            del data["hooks"]
    if not removed:
        return f"no codeguard entry in {path}"
    if agent in ("cursor", "copilot") and set(data) == {"version"}:
        data = {}
    if not data:  # nothing but codeguard's entry was there: the file was ours
        path.unlink()
        return f"removed {path}"
    _save(path, data, style)
    return f"removed the {agent} hook from {path}"


def _load(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The settings and how they were written (indent, final newline)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, {"indent": 2, "newline": True}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    if not text.strip():
        return {}, {"indent": 2, "newline": True}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); fix it first, nothing changed") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a JSON object; nothing changed")
    return data, {"indent": _indent(text), "newline": text.endswith("\n"), "ascii": text.isascii()}


def _indent(text: str) -> int | str | None:
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and line != stripped:
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else len(lead)
    return None if "\n" not in text.strip() else 2


def _save(path: Path, data: dict[str, Any], style: dict[str, Any]) -> None:
    indent = style.get("indent", 2)
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    if indent is None:
        text = json.dumps(data, ensure_ascii=False)
    if style.get("newline", True):
        text += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.codeguard-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
