"""`codeguard install` / `uninstall`: put codeguard in front of an agent or git's commits.

Every writer merges into what is there and removes only its own entry: a user's other
hooks and settings come back byte for byte after an install/uninstall round trip.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codeguard.errors import EXIT_PASS


def run(args: argparse.Namespace) -> int:
    cwd = Path.cwd()
    installing = args.subcommand == "install"
    if args.git_hook:
        from codeguard.install import git_hook

        if args.user:
            from codeguard.errors import UsageError

            raise UsageError("--git-hook installs into this repository; --user does not apply")
        hook = git_hook.install if installing else git_hook.uninstall
        message = hook(cwd, args.git_hook)
    else:
        from codeguard.install.agents import install
        from codeguard.install.agents import uninstall

        scope = "user" if args.user else "project"
        act = install if installing else uninstall
        message = act(args.agent, scope, cwd)
    print(f"codeguard: {message}", file=sys.stderr)
    return EXIT_PASS
