"""Each agent's pre-tool-use JSON, read into one shape.

The protocols differ in names, not in substance (research/destructive-guards.md §5):
Claude Code and Codex send `tool_name` + `tool_input`; Gemini the same with its own tool
names; Cursor `beforeShellExecution` sends `command` at the top level; Copilot sends
`toolName` + `toolArgs` as a JSON *string*. Tool arguments are recognised by their keys
(`command`; a path with `content`; a path with old/new strings; a patch body), so a
renamed or new tool with the usual arguments is still judged.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~4 ms here
if TYPE_CHECKING:
    from typing import Any

MAX_INPUT = 32 * 1024 * 1024  # bytes of hook JSON read; more is refused, not truncated


class PayloadError(ValueError):
    """The hook input cannot be read as this agent's protocol (the message says why)."""


# Plain classes, not dataclasses: `dataclasses` imports `inspect`, ~10 ms on the agent
# gate's path, which must stay near a bare interpreter's start-up.
class Edit:
    __slots__ = ("new", "old", "replace_all")

    def __init__(self, old: str, new: str, replace_all: bool = False) -> None:
        self.old = old
        self.new = new
        self.replace_all = replace_all


class ToolCall:
    __slots__ = ("command", "content", "cwd", "edits", "event", "kind", "patch", "path", "tool")

    def __init__(
        self,
        kind: str,  # "command" | "write" | "edit" | "patch" | "other"
        tool: str,
        cwd: str,
        *,
        command: str = "",
        path: str = "",
        content: str = "",
        edits: tuple[Edit, ...] = (),
        patch: str = "",
        event: str = "",  # the hook event, echoed back where the protocol needs it
    ) -> None:
        self.kind = kind
        self.tool = tool
        self.cwd = cwd
        self.command = command
        self.path = path
        self.content = content
        self.edits = edits
        self.patch = patch
        self.event = event


def parse(agent: str, raw: bytes) -> ToolCall:
    if len(raw) > MAX_INPUT:
        raise PayloadError(f"hook input is larger than {MAX_INPUT // (1024 * 1024)} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"hook input is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("hook input is not a JSON object")
    cwd = _text(data.get("cwd")) or _first_root(data)
    if agent == "copilot":
        if not isinstance(data.get("toolName"), str):
            raise PayloadError("hook input has no toolName")
        tool = _text(data.get("toolName"))
        args = data.get("toolArgs")
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except json.JSONDecodeError as exc:
                raise PayloadError(f"toolArgs is not a JSON string: {exc}") from None
        return _call(tool, args, cwd, event="preToolUse")
    event = _text(data.get("hook_event_name"))
    if (agent == "cursor" and event == "beforeShellExecution") or (
        agent == "cursor" and "command" in data and "tool_input" not in data
    ):
        return ToolCall("command", "shell", cwd, command=_command(data.get("command")), event=event)
    if agent == "cursor" and event in ("beforeMCPExecution", "beforeReadFile"):
        return ToolCall("other", _text(data.get("tool_name")) or event, cwd, event=event)
    if "tool_name" not in data:
        raise PayloadError("hook input has no tool_name")
    return _call(_text(data.get("tool_name")), data.get("tool_input"), cwd, event=event)


def _call(tool: str, args: Any, cwd: str, *, event: str) -> ToolCall:
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise PayloadError(f"the arguments of {tool or 'the tool'} are not a JSON object")
    low = tool.lower()
    command = args.get("command", args.get("cmd"))
    if low in ("apply_patch", "applypatch") or (
        isinstance(command, str) and command.lstrip().startswith("*** Begin Patch")
    ):
        body = command if isinstance(command, str) else _text(args.get("patch", args.get("input")))
        return ToolCall("patch", tool, cwd, patch=body, event=event)
    if isinstance(args.get("patch"), str):
        return ToolCall("patch", tool, cwd, patch=args["patch"], event=event)
    if command is not None and low not in _NOT_SHELL:
        return ToolCall("command", tool, cwd, command=_command(command), event=event)
    path = _text(args.get("file_path", args.get("path", args.get("absolute_path", ""))))
    if path:
        edits = _edits(args)
        if edits:
            return ToolCall("edit", tool, cwd, path=path, edits=edits, event=event)
        for key in ("content", "file_text", "contents", "text", "new_content"):
            if isinstance(args.get(key), str):
                return ToolCall("write", tool, cwd, path=path, content=args[key], event=event)
    return ToolCall("other", tool, cwd, event=event)


# tools that carry a `command` argument that is not a shell command
_NOT_SHELL = frozenset({"str_replace_editor", "str_replace_based_edit_tool", "todowrite"})


def _edits(args: dict[str, Any]) -> tuple[Edit, ...]:
    items = args.get("edits")
    if isinstance(items, list):
        out = []
        for item in items:
            if isinstance(item, dict):
                edit = _edit(item)
                if edit is not None:
                    out.append(edit)
        return tuple(out)
    edit = _edit(args)
    return (edit,) if edit is not None else ()


def _edit(item: dict[str, Any]) -> Edit | None:
    old = item.get("old_string", item.get("old_str"))
    new = item.get("new_string", item.get("new_str"))
    if isinstance(old, str) and isinstance(new, str):
        return Edit(old, new, bool(item.get("replace_all", False)))
    return None


def _command(value: Any) -> str:
    """Codex sends argv lists (`["bash", "-lc", "..."]`); others a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        import shlex

        return shlex.join(value)
    raise PayloadError("the command is neither a string nor a list of strings")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _first_root(data: dict[str, Any]) -> str:
    roots = data.get("workspace_roots")
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    return ""
