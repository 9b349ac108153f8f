"""The lean core of shell analysis: words, wrappers and the Command record.

Everything the agent gate's fast path needs to judge a simple command, importable without
tree-sitter or `dataclasses`; `analyze.shell` builds on it for full scripts.
"""

from __future__ import annotations

import posixpath
import re

# Unknown parts of a word: "\ue000NAME\ue001" (NAME says where the value would come from).
UNKNOWN_OPEN = "\ue000"
UNKNOWN_CLOSE = "\ue001"
MAX_DEPTH = 8
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "busybox-sh"})
INTERPRETERS = {
    "python": "python",
    "python2": "python",
    "python3": "python",
    "pypy": "python",
    "pypy3": "python",
    "perl": "perl",
    "ruby": "ruby",
    "node": "javascript",
    "nodejs": "javascript",
    "deno": "javascript",
    "bun": "javascript",
    "php": "php",
    "awk": "awk",
    "gawk": "awk",
    "mawk": "awk",
    "nawk": "awk",
}
# Options of common wrappers that take a value (the value is not the wrapped command).
WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset(
        {
            "-u",
            "-g",
            "-h",
            "-p",
            "-C",
            "-D",
            "-r",
            "-t",
            "-U",
            "-T",
            "--user",
            "--group",
            "--host",
            "--prompt",
            "--chdir",
            "--role",
            "--type",
            "--other-user",
            "--command-timeout",
            "--close-from",
        }
    ),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "exec": frozenset({"-a"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}),
    "nohup": frozenset(),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "watch": frozenset({"-n", "-d", "--interval", "--differences"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "chrt": frozenset(),
    "taskset": frozenset(),
    "setsid": frozenset(),
    "unbuffer": frozenset(),
    "caffeinate": frozenset(),
    "flock": frozenset({"-w", "-E", "--timeout", "--conflict-exit-code"}),
    "chroot": frozenset({"--userspec", "--groups"}),
    "runuser": frozenset({"-u", "-g", "-G", "--user", "--group"}),
    "strace": frozenset({"-e", "-o", "-p", "-s", "-u"}),
    "ltrace": frozenset({"-e", "-o", "-p", "-s", "-u"}),
    "faketime": frozenset(),
    "torsocks": frozenset(),
    "proxychains": frozenset({"-f"}),
    "proxychains4": frozenset({"-f"}),
    "rtk": frozenset(),
}
# Wrappers whose first positional argument is not the command (a duration, a CPU list).
WRAPPER_LEADING_ARGS = {
    "timeout": 1,
    "chrt": 1,
    "taskset": 1,
    "flock": 1,
    "chroot": 1,
    "faketime": 1,
}


def unknown(name: str) -> str:
    return f"{UNKNOWN_OPEN}{name}{UNKNOWN_CLOSE}"


def has_unknown(text: str) -> bool:
    return UNKNOWN_OPEN in text


def display(text: str) -> str:
    """A canonical word as people write it: unknown parts back as `$NAME`."""
    return re.sub(f"{UNKNOWN_OPEN}(.*?){UNKNOWN_CLOSE}", lambda m: "$" + (m.group(1) or "?"), text)


class Command:
    """One simple command as it would run, with its place in the analysed text.

    A plain class, not a dataclass: the agent gate imports this module on every command
    and `dataclasses` alone costs more than the rest of that path.
    """

    __slots__ = (
        "args",
        "column",
        "cwd",
        "end_column",
        "end_line",
        "line",
        "name",
        "redirects",
        "runs_unknown_code",
        "stdin",
        "stdin_text",
        "text",
        "via",
    )

    def __init__(
        self,
        name: str,
        args: tuple[str, ...],
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        via: tuple[str, ...] = (),
        cwd: str = "",
        redirects: tuple[tuple[str, str], ...] = (),
        stdin: str = "",
        stdin_text: str = "",
        text: str = "",
        runs_unknown_code: str = "",
    ) -> None:
        self.name = name
        self.args = args
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.via = via
        self.cwd = cwd  # "" = where the script starts (unknown); else an absolute or ~ path
        self.redirects = redirects
        self.stdin = stdin  # "" | "literal" | "paths" | "unknown" | "file"
        self.stdin_text = stdin_text  # the literal input, when stdin is "literal"
        self.text = text
        self.runs_unknown_code = runs_unknown_code  # why the code it runs cannot be seen

    def replace(self, **changes: object) -> Command:
        values = {k: getattr(self, k) for k in self.__slots__}
        values.update(changes)
        return Command(**values)

    def __repr__(self) -> str:
        return f"Command({self.label!r}, via={self.via!r})"

    @property
    def label(self) -> str:
        return " ".join([self.name, *(display(a) for a in self.args)])[:200]


def basename(word: str) -> str:
    """`/usr/bin/rm` -> `rm`; `\\rm` was unescaped already."""
    if has_unknown(word):
        return word
    return word.rsplit("/", 1)[-1] if "/" in word else word


def option_value(args: list[str], names: tuple[str, ...]) -> str | None:
    """The value of `-c VALUE`, `-cVALUE` or `--name=VALUE`; None when absent."""
    for i, arg in enumerate(args):
        if arg in names:
            return args[i + 1] if i + 1 < len(args) else ""
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg[len(name) + 1 :]
            # clustered short flags: `bash -lc 'cmd'`, `bash -xec 'cmd'`
            clustered = len(name) == 2 and name[0] == "-" and name[1] != "-"
            if clustered and re.fullmatch(r"-[A-Za-z]+", arg) and arg[-1] == name[1]:
                return args[i + 1] if i + 1 < len(args) else ""
    return None


def unwrap(words: list[str], via: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    """Strip `sudo -u x`, `env A=1`, `timeout 5`, `nice -n 5`, `xargs`, `busybox` ..."""
    for _ in range(16):
        if not words:
            return words, via
        name = basename(words[0])
        if name == "busybox" and len(words) > 1 and words[1] not in SHELLS:
            words, via = words[1:], (*via, "busybox")
            continue
        if name == "env" and len(words) > 1:
            rest = words[1:]
            split = option_value(rest, ("-S", "--split-string"))
            if split:
                words, via = (
                    split.split()
                    + [w for w in rest if w != split and w not in ("-S", "--split-string")],
                    (*via, "env -S"),
                )
                continue
        if name not in WRAPPERS:
            return words, via
        if name == "command" and len(words) > 1 and words[1] in ("-v", "-V"):
            return words, via  # only looks the name up
        takes_value = WRAPPERS[name]
        i = 1
        leading = WRAPPER_LEADING_ARGS.get(name, 0)
        while i < len(words):
            w = words[i]
            if w == "--":
                i += 1
                break
            if name == "env" and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w):
                i += 1
                continue
            if w.startswith("-") and len(w) > 1:
                i += 2 if w in takes_value else 1
                continue
            if leading:
                leading -= 1
                i += 1
                continue
            break
        words, via = words[i:], (*via, name)
    return words, via


def chdir(cwd: str, target: str) -> str:
    """The working directory after `cd target` ("" = still where the script started)."""
    if has_unknown(target) or target == "-":
        return unknown("cd")
    if target.startswith(("/", "~")):
        return posixpath.normpath(target) if target.startswith("/") else target
    if not cwd:
        rel = posixpath.normpath(target)
        # above the starting directory is somewhere unknown
        return unknown("cd ..") if rel.startswith("..") else ("" if rel == "." else "./" + rel)
    if has_unknown(cwd):
        return cwd
    return posixpath.normpath(posixpath.join(cwd, target))
