"""The `codeguard` command: the fast path for clean agent commands, else the full CLI."""

from __future__ import annotations

import sys

_AGENTS = ("claude-code", "codex", "gemini", "cursor", "copilot")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        from codeguard import __version__

        sys.stdout.write(f"codeguard {__version__}\n")
        return 0
    if len(args) == 2 and args[0] == "hook" and args[1] in _AGENTS:
        # the agent gate: no argparse, nothing heavy until a call is known not to be clean
        from codeguard.hooks.run import main as hook

        try:
            return hook(args[1])
        except KeyboardInterrupt:
            return 130
    from codeguard.fastpath import try_fast

    try:
        code = try_fast(args)
    except KeyboardInterrupt:
        return 130
    if code is not None:
        return code
    from codeguard.cli import main as full

    return full(args)
