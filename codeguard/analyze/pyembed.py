"""Shell commands and SQL that Python code hands to other programs."""

from __future__ import annotations

import ast
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from codeguard.analyze.pyscope import DECODED
from codeguard.analyze.pyscope import UNKNOWN
from codeguard.analyze.pyscope import marker
from codeguard.matchers.python_call import Call
from codeguard.matchers.python_call import argument

# callee -> (position, keyword) of the command; a string runs in a shell, a list is argv.
SHELL_CALLS: dict[str, tuple[int, str]] = {
    "subprocess.run": (0, "args"),
    "subprocess.call": (0, "args"),
    "subprocess.check_call": (0, "args"),
    "subprocess.check_output": (0, "args"),
    "subprocess.Popen": (0, "args"),
    "subprocess.getoutput": (0, "cmd"),
    "subprocess.getstatusoutput": (0, "cmd"),
    "os.system": (0, "command"),
    "os.popen": (0, "cmd"),
    "pty.spawn": (0, "argv"),
    "asyncio.create_subprocess_shell": (0, "cmd"),
    "commands.getoutput": (0, "cmd"),
    "commands.getstatusoutput": (0, "cmd"),
    "invoke.run": (0, "command"),
    "fabric.operations.run": (0, "command"),
    "fabric.operations.sudo": (0, "command"),
    "fabric.api.run": (0, "command"),
    "fabric.api.sudo": (0, "command"),
    "fabric.api.local": (0, "command"),
    "sh.bash": (0, ""),
    "plumbum.local": (0, ""),
}
# argv spread over positional arguments: os.execlp("rm", "rm", "-rf", "/")
ARGV_CALLS = {
    "asyncio.create_subprocess_exec": 0,
    "os.execl": 1,
    "os.execle": 1,
    "os.execlp": 1,
    "os.execlpe": 1,
    "os.spawnl": 2,
    "os.spawnlp": 2,
}
# argv as one list argument: os.execv(path, ["rm", "-rf", "/"])
ARGV_LIST_CALLS = {
    "os.execv": 1,
    "os.execve": 1,
    "os.execvp": 1,
    "os.execvpe": 1,
    "os.spawnv": 2,
    "os.spawnvp": 2,
}
SHELL_METHODS = frozenset({"exec_command", "check_output_shell"})
PYTHON_CALLS = frozenset({"builtins.exec", "builtins.eval", "builtins.compile"})
SQL_CALLS = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "pandas.read_sql",
        "pandas.read_sql_query",
        "databases.Database.execute",
    }
)
SQL_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "exec_driver_sql",
        "raw",
        "execute_sql",
        "fetch",
        "fetchrow",
        "fetchval",
        "query",
    }
)


@dataclass(frozen=True)
class Handoff:
    language: str  # "shell" | "sql"
    texts: tuple[str, ...]  # possible texts (constant propagation may find several)
    call: Call
    via: str


# What a shell command decoded at run time looks like to the shell analyser: code it runs
# but cannot see (reported by hidden-code-execution).
HIDDEN = 'eval "$DECODED_AT_RUN_TIME"'


def _texts(values: list[object]) -> list[str]:
    out: list[str] = []
    for v in values:
        if isinstance(v, str) and DECODED in v:
            out.append(HIDDEN)
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, bytes):
            out.append(v.decode("utf-8", "replace"))
        elif isinstance(v, tuple):
            out.append(_argv(v))
    return out


def _argv(items: tuple[object, ...]) -> str:
    words = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            words.append(shlex.quote(item))
        elif isinstance(item, bytes):
            words.append(shlex.quote(item.decode("utf-8", "replace")))
        else:
            words.append(f'"{marker(f"arg{i}")}"')
    return " ".join(words)


def _shell_true(c: Call) -> bool:
    node = argument(c.node, None, "shell")
    if node is None:
        return False
    return any(v is True or v is UNKNOWN for v in c.unit.resolver.values(node, c.scope))


def handoffs(c: Call) -> Iterator[Handoff]:
    names = c.names
    resolver = c.unit.resolver
    for name in sorted(names & SHELL_CALLS.keys()):
        position, keyword = SHELL_CALLS[name]
        node = argument(c.node, position, keyword or None)
        if node is None:
            continue
        values = resolver.values(node, c.scope)
        if _shell_true(c):
            # shell=True with a list: the first item is the script
            values = [v[0] if isinstance(v, tuple) and v else v for v in values]
        texts = _texts(values)
        if texts:
            yield Handoff("shell", tuple(texts), c, name)
    for name in sorted(names & ARGV_CALLS.keys()):
        start = ARGV_CALLS[name]
        items = tuple(next(iter(resolver.values(a, c.scope)), UNKNOWN) for a in c.node.args[start:])
        if items:
            yield Handoff("shell", (_argv(items),), c, name)
    for name in sorted(names & ARGV_LIST_CALLS.keys()):
        node = argument(c.node, ARGV_LIST_CALLS[name], None)
        if node is not None:
            texts = _texts(resolver.values(node, c.scope))
            if texts:
                yield Handoff("shell", tuple(texts), c, name)
    if names & PYTHON_CALLS and c.node.args:
        codes = [v for v in resolver.values(c.node.args[0], c.scope) if isinstance(v, str)]
        if codes:
            yield Handoff("python", tuple(codes), c, sorted(names & PYTHON_CALLS)[0])
    func = c.node.func
    method = func.attr if isinstance(func, ast.Attribute) else ""
    if method in SHELL_METHODS and c.node.args:
        texts = _texts(resolver.values(c.node.args[0], c.scope))
        if texts:
            yield Handoff("shell", tuple(texts), c, method)
    if (names & SQL_CALLS or method in SQL_METHODS) and c.node.args:
        texts = _texts(resolver.values(c.node.args[0], c.scope))
        if texts:
            yield Handoff(
                "sql",
                tuple(texts),
                c,
                sorted(names & SQL_CALLS)[0] if names & SQL_CALLS else method,
            )
