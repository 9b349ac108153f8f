"""The `codeguard` command: the fast path for clean agent commands, else the full CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        from codeguard import __version__

        sys.stdout.write(f"codeguard {__version__}\n")
        return 0
    from codeguard.fastpath import try_fast

    try:
        code = try_fast(args)
    except KeyboardInterrupt:
        return 130
    if code is not None:
        return code
    from codeguard.cli import main as full

    return full(args)
