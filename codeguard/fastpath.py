"""The agent gate's fast path: clear a simple command without loading the full pipeline.

An agent runs codeguard before every command, so its latency is the product. The full
pipeline (tree-sitter, config parsing, rule validation, renderers) costs ~150 ms of
imports; a bare interpreter starts in ~20 ms. Most commands an agent runs are simple
(`git status`, `pytest -q`, `ls -la && cat x`): words in quotes, joined by `&&`, `||`,
`;` or `|`, with no expansions, redirections or subshells. For those, this module:

1. finds the gate file the full pipeline wrote for the current configuration and rule
   files (a JSON digest of the enabled command rules, keyed by their files' stamps);
2. splits the command at unquoted operators, splits the words as bash would (`shlex`
   agrees with bash when there is no `$`, backquote, backslash, brace or redirection);
3. runs the same shell matcher the full pipeline runs on the same canonical commands.

Anything else goes to the full pipeline: a command with expansions, redirections,
heredocs or comments; one that runs other code (shells, interpreters, `eval`, `xargs`,
`find`, `ssh`, `docker exec`, database clients); no gate file; any match at all. The
fast path only ever answers "pass"; every finding, and every report with findings, comes
from the full pipeline. `CODEGUARD_NO_FASTPATH=1` turns it off.
"""

from __future__ import annotations

import json
import os
import sys
import time

from codeguard import __version__
from codeguard import otelenv

GATE_SCHEMA = 3  # 2: "secrets"; 3: "audit"
# Commands that run other code, or whose meaning depends on what they read: the full
# pipeline follows them.
_FOLLOW = frozenset(
    {
        "busybox", "awk", "gawk", "mawk", "nawk", "eval", "source", ".", "exec", "xargs",
        "parallel", "find", "ssh", "su", "env", "watch", "psql", "mysql", "mariadb", "sqlite3",
        "duckdb", "cockroach", "clickhouse-client", "clickhouse", "sqlcmd", "mongosh", "mongo",
        "redis-cli", "valkey-cli", "keydb-cli",
    }
)  # fmt: skip
_CONTAINER_TOOLS = frozenset({"docker", "podman", "kubectl", "oc", "nerdctl"})
# Outside quotes these change words, run code or redirect: the full parser handles them.
_UNSAFE = frozenset("$`\\(){}<>#\n\r\t!")
_DOUBLE_QUOTED_UNSAFE = frozenset("$`\\!")


def cache_dir() -> str | None:
    """$CODEGUARD_CACHE_DIR, else the XDG cache; "" in the variable turns caching off."""
    explicit = os.environ.get("CODEGUARD_CACHE_DIR")
    if explicit is not None:
        return explicit or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "codeguard")


def project_root(start: str) -> str:
    """The repository root above `start` (found without running git), or `start`."""
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.abspath(start)
        here = parent


def _stamp(path: str) -> list[object]:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None]
    return [path, st.st_size, st.st_mtime_ns]


def dir_stamps(directory: str) -> list[list[object]]:
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".yaml"))
    except OSError:
        return [[directory, None]]
    return [_stamp(os.path.join(directory, n)) for n in names]


def gate_inputs(root: str, builtin_rules: str) -> list[object]:
    """What a gate was computed from: if any of it changed, the gate is stale."""
    return [
        GATE_SCHEMA,
        __version__,
        root,
        _stamp(os.path.join(root, ".codeguard.toml")),
        _stamp(os.path.join(root, "pyproject.toml")),
        dir_stamps(builtin_rules),
    ]


def gate_path(cache: str, inputs: list[object]) -> str:
    # crc32 only names the file (hashlib's OpenSSL start-up costs 4 ms here); the gate
    # stores its inputs and is used only when they match exactly.
    import zlib

    key = zlib.crc32(json.dumps(inputs).encode()) & 0xFFFFFFFF
    return os.path.join(cache, f"gate-{key:08x}.json")


def builtin_rules_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "_rules")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(here), "rules")


def split_commands(text: str) -> list[str] | None:
    """The simple commands of `text` (split at unquoted `&&`, `||`, `;`, `|`, `&`), or
    None when anything in it needs the real shell parser."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif quote == '"':
            if ch in _DOUBLE_QUOTED_UNSAFE:
                return None
            if ch == '"':
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
        elif ch in _UNSAFE:
            return None
        elif ch in "|&;":
            parts.append("".join(current))
            current = []
            while i + 1 < len(text) and text[i + 1] in "|&;":
                i += 1
            i += 1
            continue
        current.append(ch)
        i += 1
    if quote:
        return None
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


_INTERPRETERS = frozenset(
    {
        "python",
        "python2",
        "python3",
        "pypy",
        "pypy3",
        "perl",
        "ruby",
        "node",
        "nodejs",
        "deno",
        "bun",
        "php",
    }
)
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"})
_INLINE_CODE = frozenset({"-c", "-e", "-E", "--eval", "-r", "-p", "--print", "-"})


def _follows_code(name: str, args: tuple[str, ...]) -> bool:
    """Whether the command runs code given inline or on stdin (the full pipeline reads it).

    `python -m pip install`, `node server.js` and `bash deploy.sh` run files, which are
    scanned where they are written; `python -c ...`, `bash -c ...` and a bare `sh` reading
    a pipe are not."""
    if name in _SHELLS or name in _INTERPRETERS:
        # Conservative: an inline-code flag anywhere sends it to the full parser, except
        # after `python -m module`, where every argument is the module's.
        looked = list(args[: args.index("-m")]) if "-m" in args else list(args)
        if "-m" not in args and not [a for a in args if not a.startswith("-")]:
            return True  # no script: code comes inline or on stdin
        clustered = any(a.startswith("-") and not a.startswith("--") and "c" in a for a in looked)
        return bool(_INLINE_CODE & set(looked)) or (name in _SHELLS and clustered)
    if name in _CONTAINER_TOOLS:
        return bool({"exec", "run"} & set(args))
    return name in _FOLLOW


def _commands(text: str) -> list[object] | None:
    """Canonical commands, or None when the full pipeline must look."""
    import shlex

    from codeguard.analyze.shellwords import Command
    from codeguard.analyze.shellwords import basename
    from codeguard.analyze.shellwords import chdir
    from codeguard.analyze.shellwords import unwrap

    segments = split_commands(text)
    if segments is None:
        return None
    cwd = ""
    out: list[object] = []
    for segment in segments:
        try:
            words = shlex.split(segment, comments=False, posix=True)
        except ValueError:
            return None
        if not words or "=" in words[0]:
            return None  # assignments change the environment: the full parser tracks it
        words, via = unwrap(words, ())
        if not words:
            continue
        name = basename(words[0])
        args = tuple(words[1:])
        if _follows_code(name, args):
            return None
        out.append(Command(name, args, 1, 1, 1, len(text) + 1, via=via, cwd=cwd))
        if name in ("cd", "pushd"):
            cwd = chdir(cwd, args[0] if args else "~")
    return out


def _clean(text: str, gate: dict[str, object]) -> bool:
    """True when no enabled rule matches any command of `text`."""
    import re

    from codeguard.matchers.shell import Paths
    from codeguard.matchers.shell import ShellPattern

    if re.search(r"[^\x20-\x7e\t\n]", text):
        return False  # a character a reader may not see (CG802): the full pipeline judges it
    if gate.get("secrets", True):
        from codeguard.analyze.secrets import might_contain_secret

        if might_contain_secret(text):
            return False
    commands = _commands(text)
    if commands is None:
        return False
    paths = Paths(
        tuple(gate["protected"]),  # type: ignore[arg-type]
        tuple(gate["disposable"]),  # type: ignore[arg-type]
        tuple(gate["branches"]),  # type: ignore[arg-type]
    )
    for rule in gate["shell"]:  # type: ignore[attr-defined]
        for spec in rule["patterns"]:
            pattern = ShellPattern(spec)
            if any(pattern.match(c, paths, commands) is not None for c in commands):  # type: ignore[arg-type]
                return False
    for rule in gate["regex"]:  # type: ignore[attr-defined]
        regex = re.compile(rule["pattern"], re.IGNORECASE if rule["ignore_case"] else 0)
        if any(regex.search(line) for line in text.split("\n")):
            return False
    return True


def _parse_argv(argv: list[str]) -> tuple[str, str] | None:
    """(command, format) for `scan --command CMD [--format text|json]`, else None."""
    if len(argv) < 3 or argv[0] != "scan":
        return None
    command = None
    fmt = "text"
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--command" and i + 1 < len(argv) and command is None:
            command = argv[i + 1]
        elif arg.startswith("--command=") and command is None:
            command = arg.split("=", 1)[1]
            i -= 1
        elif arg == "--format" and i + 1 < len(argv) and argv[i + 1] in ("text", "json"):
            fmt = argv[i + 1]
        elif arg.startswith("--format=") and arg.split("=", 1)[1] in ("text", "json"):
            fmt = arg.split("=", 1)[1]
            i -= 1
        else:
            return None
        i += 2
    if command is None or command == "-" or "\x00" in command:
        return None
    return command, fmt


def _load_gate(root: str) -> dict[str, object] | None:
    cache = cache_dir()
    if cache is None:
        return None
    inputs = gate_inputs(root, builtin_rules_dir())
    try:
        with open(gate_path(cache, inputs), encoding="utf-8") as fh:
            gate: dict[str, object] = json.load(fh)
    except (OSError, ValueError):
        return None
    if gate.get("inputs") != json.loads(json.dumps(inputs)):
        return None
    # rule directories named by the config: still as they were when the gate was written
    for directory, stamps in gate.get("rule_dirs", []):  # type: ignore[attr-defined]
        if dir_stamps(directory) != stamps:
            return None
    if not gate.get("fast", False):
        return None
    return gate


def pass_report(fmt: str, elapsed_ms: float) -> str:
    """The report the full pipeline prints for a clean command, byte for byte."""
    summary = "codeguard: pass: 0 blocking findings, 0 errors, 0 warnings, 0 notes"
    if fmt == "text":
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        return f"\x1b[32m{summary}\x1b[0m\n" if color else summary + "\n"
    doc = {
        "schema": "codeguard.report/1",
        "tool": {"name": "codeguard", "version": __version__},
        "verdict": "pass",
        "run_id": os.urandom(16).hex(),
        "findings": [],
        "failures": [],
        "timings_ms": {"destructive": round(elapsed_ms, 3)},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def clean_command(command: str, cwd: str, surface: str = "hook") -> bool:
    """Whether the gate written by an earlier full run says `command` is clean here (and
    if so, the run is spooled for the audit log)."""
    gate = _load_gate(project_root(cwd))
    if gate is None or not _clean(command, gate):
        return False
    if not gate.get("audit") and otelenv.configured():
        return False  # no spool to carry the run to OpenTelemetry: the full path exports it
    spool(gate, surface)
    return True


def spool(gate: dict[str, object], surface: str) -> None:
    """A clean run, appended to the audit log's spool: one small O_APPEND write instead
    of opening SQLite (~15 ms) on the agent gate's path; the next full run ingests it.
    The command itself is not written (it may hold a credential)."""
    path = gate.get("audit")
    if not isinstance(path, str) or not path:
        return
    line = json.dumps(
        {
            "id": os.urandom(16).hex(),
            "time": time.time(),
            "surface": surface,
            "source": "command",
            "config_hash": gate.get("config_hash", ""),
        }
    )
    try:
        fd = os.open(path + ".spool", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
    except OSError:
        pass  # the log is best effort; the answer is what matters


def try_fast(argv: list[str]) -> int | None:
    """Answer `argv` here when it is a clean simple command; None hands it to the CLI."""
    if argv == ["--version"]:
        sys.stdout.write(f"codeguard {__version__}\n")
        return 0
    if os.environ.get("CODEGUARD_NO_FASTPATH"):
        return None
    parsed = _parse_argv(argv)
    if parsed is None:
        return None
    command, fmt = parsed
    started = time.perf_counter()
    if not clean_command(command, os.getcwd(), "cli"):
        return None
    sys.stdout.write(pass_report(fmt, (time.perf_counter() - started) * 1000))
    sys.stdout.flush()
    return 0
