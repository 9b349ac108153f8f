"""The shell matcher: patterns over canonical commands (name, subcommand, flags, targets)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from codeguard.analyze.shellwords import Command
from codeguard.analyze.shellwords import display
from codeguard.analyze.shellwords import has_unknown
from codeguard.targets import branch_matches
from codeguard.targets import protected_target
from codeguard.targets import refspec_destination
from codeguard.targets import working_tree_target

# `typing` costs 5 ms on the agent gate's path; mypy is told this name is always true.
TYPE_CHECKING = False

# Options that take a value, per command: their values are not positional arguments.
OPTION_VALUES: dict[str, frozenset[str]] = {
    "git": frozenset(
        {
            "-C",
            "-c",
            "--git-dir",
            "--work-tree",
            "--namespace",
            "-o",
            "--push-option",
            "--repo",
            "--receive-pack",
            "--exec",
            "-u",
            "--set-upstream-to",
            "-m",
            "--message",
            "-F",
            "--file",
        }
    ),
    "kubectl": frozenset(
        {
            "-n",
            "--namespace",
            "-l",
            "--selector",
            "-f",
            "--filename",
            "--context",
            "--cluster",
            "--user",
            "-o",
            "--output",
            "--kubeconfig",
            "--field-selector",
            "--grace-period",
            "--timeout",
            "-c",
            "--container",
            "--as",
            "--server",
            "-s",
            "--token",
        }
    ),
    "oc": frozenset({"-n", "--namespace", "-l", "--selector", "-f", "--filename", "--context"}),
    "helm": frozenset(
        {"-n", "--namespace", "--kube-context", "--kubeconfig", "--timeout", "--description"}
    ),
    "aws": frozenset(
        {
            "--profile",
            "--region",
            "--output",
            "--endpoint-url",
            "--query",
            "--cli-input-json",
            "--include",
            "--exclude",
        }
    ),
    "gcloud": frozenset(
        {
            "--project",
            "--zone",
            "--region",
            "--format",
            "--account",
            "--configuration",
            "--impersonate-service-account",
        }
    ),
    "gsutil": frozenset({"-o", "-h", "-u"}),
    "az": frozenset(
        {"-n", "--name", "-g", "--resource-group", "--subscription", "-o", "--output", "--query"}
    ),
    "terraform": frozenset({"-var", "-var-file", "-target", "-state", "-chdir"}),
    "tofu": frozenset({"-var", "-var-file", "-target", "-state", "-chdir"}),
    "docker": frozenset(
        {"-f", "--filter", "--format", "-H", "--host", "--context", "-c", "--config", "--log-level"}
    ),
    "rsync": frozenset(
        {
            "-e",
            "--rsh",
            "--exclude",
            "--include",
            "--filter",
            "-f",
            "--exclude-from",
            "--include-from",
            "--files-from",
            "--link-dest",
            "--compare-dest",
            "--copy-dest",
            "--backup-dir",
            "--suffix",
            "--chmod",
            "--chown",
            "-B",
            "--block-size",
            "-T",
            "--temp-dir",
            "--log-file",
            "--password-file",
            "-M",
            "--remote-option",
            "--timeout",
            "--port",
            "--bwlimit",
            "--rsync-path",
        }
    ),
    "mv": frozenset({"-t", "--target-directory", "-S", "--suffix"}),
    "cp": frozenset({"-t", "--target-directory", "-S", "--suffix"}),
    "truncate": frozenset({"-s", "--size", "-r", "--reference"}),
    "shred": frozenset({"-n", "--iterations", "-s", "--size", "--random-source"}),
    "redis-cli": frozenset(
        {
            "-h",
            "-p",
            "-a",
            "-n",
            "-u",
            "--user",
            "--pass",
            "-s",
            "--askpass",
            "-c",
            "--tls",
            "--cacert",
            "--cert",
            "--key",
        }
    ),
    "mkfs": frozenset({"-t", "--type", "-L", "-b", "-N", "-m", "-O", "-E", "-U"}),
    "wipefs": frozenset({"-o", "--offset", "-t", "--types", "-O", "--output"}),
    "chmod": frozenset({"--reference"}),
    "chown": frozenset({"--reference", "--from"}),
    "chgrp": frozenset({"--reference"}),
    "docker-compose": frozenset(
        {"-f", "--file", "-p", "--project-name", "--env-file", "--profile"}
    ),
    "pulumi": frozenset({"-s", "--stack", "-C", "--cwd"}),
}
# Options written with a single dash and a long name: not a cluster of short flags.
_LONG_SINGLE_DASH = frozenset({"find", "terraform", "tofu", "terragrunt", "dd", "java", "gsutil"})
# Compiled on first use: most commands never reach a device or data-file check, and the
# agent gate pays for every regex compiled at import.
_DEVICE_PATTERN = (
    r"^/dev/(sd[a-z]+\d*|hd[a-z]+\d*|vd[a-z]+\d*|xvd[a-z]+\d*|nvme\d+(n\d+)?(p\d+)?|mmcblk\d+(p\d+)?|"
    r"disk\d+(s\d+)?|rdisk\d+|md\d+|dm-\d+|mapper/.+|loop\d+|sr\d+|[a-z]+/by-(id|uuid|label|path)/.+|root)$"
)
_DATA_FILE_PATTERN = (
    r"(\.(db|sqlite|sqlite3|mdb|accdb|ibd|frm|myd|myi|wt|dbf|rdb|aof|kdbx|pgdata)|ibdata\d*|ib_logfile\d*|"
    r"/pg_wal/|/base/\d+|/data/.*\.(dat|bin))$"
)


def _glob_name(pattern: str, name: str) -> bool:
    """`mkfs.*` matches `mkfs.ext4` (command names only ever use a trailing `*`)."""
    return pattern.endswith("*") and name.startswith(pattern[:-1])


if TYPE_CHECKING:
    from typing import Any

# Plain classes rather than dataclasses: this module sits on the agent gate's fast path.


class Paths:
    __slots__ = ("branches", "disposable", "protected")

    def __init__(
        self, protected: tuple[str, ...], disposable: tuple[str, ...], branches: tuple[str, ...]
    ) -> None:
        self.protected = protected
        self.disposable = disposable
        self.branches = branches


class Parsed:
    """A command's arguments split the way its option syntax says."""

    __slots__ = ("flags", "options", "positional")

    def __init__(
        self, flags: frozenset[str], positional: tuple[str, ...], options: dict[str, list[str]]
    ) -> None:
        self.flags = flags
        self.positional = positional
        self.options = options


def parse_args(cmd: Command) -> Parsed:
    takes = OPTION_VALUES.get(cmd.name, frozenset())
    if cmd.name.startswith("mkfs"):
        takes = OPTION_VALUES["mkfs"]
    flags: set[str] = set()
    positional: list[str] = []
    options: dict[str, list[str]] = {}
    args = list(cmd.args)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            positional.extend(args[i + 1 :])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg.partition("=")
            flags.add(name)
            if eq:
                options.setdefault(name, []).append(value)
            elif name in takes and i + 1 < len(args):
                options.setdefault(name, []).append(args[i + 1])
                i += 1
        elif arg.startswith("-") and len(arg) > 1 and not re.fullmatch(r"-\d+", arg):
            name, eq, value = arg.partition("=")
            if name in takes:
                flags.add(name)
                if eq:
                    options.setdefault(name, []).append(value)
                elif i + 1 < len(args):
                    options.setdefault(name, []).append(args[i + 1])
                    i += 1
            elif cmd.name in _LONG_SINGLE_DASH or eq:
                flags.add(name)
                if eq:
                    options.setdefault(name, []).append(value)
            else:
                flags.add(arg)
                for j, ch in enumerate(arg[1:], start=1):
                    short = "-" + ch
                    flags.add(short)
                    if short in takes:
                        # `-nprod`: the rest of the cluster is the value
                        rest = arg[j + 1 :]
                        if rest:
                            options.setdefault(short, []).append(rest)
                        elif i + 1 < len(args):
                            options.setdefault(short, []).append(args[i + 1])
                            i += 1
                        break
        else:
            positional.append(arg)
        i += 1
    return Parsed(frozenset(flags), tuple(positional), options)


class ShellPattern:
    """One `match.shell` pattern from a rule file (already schema-validated)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.commands = tuple(spec["command"])
        self.subcommand = tuple(tuple(s.split("|")) for s in spec.get("subcommand", []))
        flags = spec.get("flags", {})
        self.flags_any = tuple(flags.get("any", ()))
        self.flags_all = tuple(flags.get("all", ()))
        self.flags_none = tuple(flags.get("none", ()))
        self.args = spec.get("args", {})
        self.options = {tuple(k.split("|")): v for k, v in spec.get("options", {}).items()}
        self.missing_options = tuple(tuple(k.split("|")) for k in spec.get("without-options", []))
        self.redirect = spec.get("redirect")
        self.unknown_code = bool(spec.get("runs-unknown-code", False))
        self.also = ShellPattern(spec["with"]) if "with" in spec else None
        self.source: object = None

    def names(self, cmd: Command) -> bool:
        if "*" in self.commands:
            return cmd.name != "<unknown>" or self.unknown_code
        return any(c == cmd.name or _glob_name(c, cmd.name) for c in self.commands)

    def match(self, cmd: Command, paths: Paths, siblings: Sequence[Command]) -> str | None:
        """The argument that matched (for the message), or None."""
        if not self.names(cmd):
            return None
        if self.unknown_code:
            return cmd.runs_unknown_code or None
        parsed = parse_args(cmd)
        rest = parsed.positional
        for alternatives in self.subcommand:
            if not rest or rest[0] not in alternatives:
                return None
            rest = rest[1:]
        if self.flags_any and not parsed.flags & set(self.flags_any):
            return None
        if not all(f in parsed.flags for f in self.flags_all):
            return None
        if parsed.flags & set(self.flags_none):
            return None
        for names in self.missing_options:
            if any(n in parsed.flags or n in parsed.options for n in names):
                return None
        shown = cmd.label
        for names, pred in self.options.items():
            values = [v for n in names for v in parsed.options.get(n, [])]
            if not any(_pred(v, pred, cmd, paths) for v in values):
                return None
        if self.redirect is not None:
            outs = [target for op, target in cmd.redirects if ">" in op]
            found = next((t for t in outs if _pred(t, self.redirect, cmd, paths)), None)
            if found is None:
                return None
            shown = found
        if self.args:
            got = _args(rest, self.args, cmd, paths)
            if got is None:
                return None
            shown = got or shown
        if self.also is not None and not any(
            self.also.match(s, paths, ()) for s in siblings if s is not cmd
        ):
            return None
        return shown


def _args(rest: tuple[str, ...], spec: dict[str, Any], cmd: Command, paths: Paths) -> str | None:
    """None when the positional arguments fail the spec; else the one worth naming ("" if none)."""
    items = list(rest[spec.get("from", 0) :])
    count = len(items)
    if "count" in spec and count != spec["count"]:
        return None
    if "min-count" in spec and count < spec["min-count"]:
        return None
    if "max-count" in spec and count > spec["max-count"]:
        return None
    shown = ""
    if "any" in spec:
        found = next((a for a in items if _pred(a, spec["any"], cmd, paths)), None)
        if found is None:
            return None
        shown = found
    if "all" in spec and not (items and all(_pred(a, spec["all"], cmd, paths) for a in items)):
        return None
    if "none" in spec and any(_pred(a, spec["none"], cmd, paths) for a in items):
        return None
    if "last" in spec:
        if not items or not _pred(items[-1], spec["last"], cmd, paths):
            return None
        shown = items[-1]
    return shown


def _pred(value: str, pred: dict[str, Any], cmd: Command, paths: Paths) -> bool:
    kind = pred.get("is")
    if kind == "protected-path":
        found = protected_target(
            value,
            cwd=cmd.cwd,
            protected=paths.protected,
            disposable=paths.disposable,
            may_be_empty=True,
        )
        if found is None:
            return False
    elif kind == "working-tree":
        if not working_tree_target(value, cmd.cwd):
            return False
    elif kind == "protected-branch":
        dest, _, _ = refspec_destination(value)
        if not dest or not branch_matches(dest, paths.branches):
            return False
    elif kind == "device":
        target = value.partition("=")[2] if value.startswith("of=") else value
        if not re.match(_DEVICE_PATTERN, target):
            return False
    elif kind == "data-file":
        if not re.search(_DATA_FILE_PATTERN, value):
            return False
    elif kind == "unknown" and not has_unknown(value):
        return False
    if "equals" in pred and value != pred["equals"]:
        return False
    if "matches" in pred and not re.search(pred["matches"], display(value)):
        return False
    return not ("not-matches" in pred and re.search(pred["not-matches"], display(value)))


_COMPILED: dict[int, tuple[ShellPattern, ...]] = {}


def compiled(rule: Any) -> tuple[ShellPattern, ...]:
    """A rule's shell patterns, compiled once per rule object."""
    key = id(rule)
    found = _COMPILED.get(key)
    if found is None or (found and found[0].source is not rule.shell):
        found = tuple(ShellPattern(p) for p in rule.shell)
        for p in found:
            p.source = rule.shell
        _COMPILED[key] = found
    return found
