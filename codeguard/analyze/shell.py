"""Shell parsed with tree-sitter-bash and canonicalised the way bash would run it.

Every simple command becomes a `Command`: its real name (after `sudo`, `env`, `timeout`
and friends are peeled off), its arguments after quote removal, escapes, ANSI-C quoting,
variable expansion, word splitting and brace expansion, and the working directory it runs
in. Code hidden inside a command (`bash -c`, `eval`, heredocs, pipes into a shell,
`find -exec`, `xargs`, `ssh host CMD`, `python -c`, `psql -c`) is analysed too. What
cannot be seen (a download piped into `sh`, `eval "$(...)"`) is reported as such, never
assumed harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from codeguard.analyze.shellwords import INTERPRETERS
from codeguard.analyze.shellwords import MAX_DEPTH
from codeguard.analyze.shellwords import SHELLS
from codeguard.analyze.shellwords import UNKNOWN_CLOSE
from codeguard.analyze.shellwords import UNKNOWN_OPEN
from codeguard.analyze.shellwords import WRAPPERS
from codeguard.analyze.shellwords import Command
from codeguard.analyze.shellwords import basename as _basename
from codeguard.analyze.shellwords import chdir as _chdir
from codeguard.analyze.shellwords import display
from codeguard.analyze.shellwords import has_unknown
from codeguard.analyze.shellwords import option_value as _option_value
from codeguard.analyze.shellwords import unknown
from codeguard.analyze.shellwords import unwrap as _unwrap

__all__ = [
    "INTERPRETERS",
    "SHELLS",
    "UNKNOWN_CLOSE",
    "UNKNOWN_OPEN",
    "WRAPPERS",
    "Command",
    "Embedded",
    "ShellAnalysis",
    "analyze",
    "display",
    "has_unknown",
    "unknown",
]

if TYPE_CHECKING:
    from tree_sitter import Node
    from tree_sitter import Parser

_INIT_IDIOM = re.compile(
    r"^\s*(ssh-agent|pyenv|rbenv|nodenv|goenv|jenv|direnv|starship|zoxide|fnm|mise|rtx|"
    r"brew|conda|thefuck|atuin|keychain|gpg-agent|dircolors|opam|luarocks|"
    r"register-python-argcomplete|kubectl|helm|gh|npm|pip|poetry|rustup|nvm)\b"
)
# `${{ github.x }}` (Actions) and `${path.module}` (Terraform, templates) are replaced before
# the shell runs; bash itself would reject them.
_GHA_EXPR = re.compile(r"\$\{\{.*?\}\}|\$\{(?![#!])[^}\s]*[.(\[][^}]*\}")
_KNOWN_EXPR = {
    "github.workspace": ".",
    "runner.temp": "/tmp/runner",
    "env.RUNNER_TEMP": "/tmp/runner",
    "runner.tool_cache": "/opt/hostedtoolcache",
    "github.action_path": "./.github/actions",
}
_KNOWN_ENV = {
    "HOME": "~",
    "TMPDIR": "/tmp",
    "TMP": "/tmp",
    "TEMP": "/tmp",
    "RUNNER_TEMP": "/tmp/runner",
    "GITHUB_WORKSPACE": ".",
    "CI_PROJECT_DIR": ".",
    "CI_BUILDS_DIR": ".",
    "WORKSPACE": ".",
    "BITBUCKET_CLONE_DIR": ".",
    "PWD": ".",
    "IFS": " ",
}


@dataclass(frozen=True, slots=True)
class Embedded:
    """Code of another language handed to a command (`psql -c`, `python -c`, heredocs)."""

    language: str
    text: str
    line: int
    column: int
    end_line: int
    end_column: int
    via: tuple[str, ...] = ()


@dataclass
class ShellAnalysis:
    commands: list[Command] = field(default_factory=list)
    embedded: list[Embedded] = field(default_factory=list)
    parse_error: bool = False


@dataclass
class _State:
    env: dict[str, str]
    cwd: str = ""
    functions: dict[str, Node] = field(default_factory=dict)


@dataclass(frozen=True)
class _Span:
    line: int
    column: int
    end_line: int
    end_column: int


_PARSER: list[Parser] = []


def _parser() -> Parser:
    if not _PARSER:
        import tree_sitter_bash
        from tree_sitter import Language
        from tree_sitter import Parser

        _PARSER.append(Parser(Language(tree_sitter_bash.language())))
    return _PARSER[0]


def analyze(text: str, *, env: dict[str, str] | None = None, cwd: str = "") -> ShellAnalysis:
    """Every command a script (or one command line) would run."""
    out = ShellAnalysis()
    _Walker(out).script(text, _State(dict(env or {}), cwd), (), None, 0)
    return out


class _Walker:
    def __init__(self, out: ShellAnalysis) -> None:
        self.out = out

    # -- entry points -------------------------------------------------------------------

    def script(
        self,
        text: str,
        state: _State,
        via: tuple[str, ...],
        span: _Span | None,
        depth: int,
    ) -> None:
        """Analyse `text`; nested scripts report at `span`, the outer command's place."""
        if depth > MAX_DEPTH:
            self._emit_unknown(
                via, span or _Span(1, 1, 1, 1), "nesting deeper than codeguard follows"
            )
            return
        exprs: dict[str, str] = {}

        def placeholder(m: re.Match[str]) -> str:
            key = f"CGX{len(exprs)}"
            raw = m.group(0)
            exprs[key] = (raw[3:-2] if raw.startswith("${{") else raw[2:-1]).strip()
            return key.ljust(len(m.group(0)), "_")

        source = _line_start_escapes(_GHA_EXPR.sub(placeholder, text))
        for key, expr in exprs.items():
            state.env[key] = _KNOWN_EXPR.get(expr, unknown(expr.replace(" ", "")))
        data = source.encode("utf-8", "surrogatepass")
        tree = _parser().parse(data)
        if tree.root_node.has_error:
            self.out.parse_error = True
        ctx = _Ctx(data, source.split("\n"), via, span, depth, exprs)
        self.statements(tree.root_node, state, ctx)

    # -- statements ---------------------------------------------------------------------

    def statements(self, node: Node, state: _State, ctx: _Ctx) -> None:
        for child in node.named_children:
            self.statement(child, state, ctx)

    def statement(self, node: Node, state: _State, ctx: _Ctx, stdin: _Stdin | None = None) -> None:
        kind = node.type
        if kind == "command":
            self.command(node, state, ctx, stdin)
        elif kind == "variable_assignment":
            self.assign(node, state, ctx)
        elif kind == "declaration_command":
            for child in node.named_children:
                if child.type == "variable_assignment":
                    self.assign(child, state, ctx)
                else:
                    self.expansions_in(child, state, ctx)
        elif kind == "pipeline":
            self.pipeline(node, state, ctx)
        elif kind == "redirected_statement":
            self.redirected(node, state, ctx, stdin)
        elif kind == "function_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                state.functions[ctx.text(name)] = body
            # A function body runs when called; analyse it once, in place, regardless.
            if body is not None:
                self.statement(body, _State(dict(state.env), state.cwd, state.functions), ctx)
        elif kind == "for_statement":
            self.for_loop(node, state, ctx)
        elif kind in ("subshell",):
            self.statements(node, _State(dict(state.env), state.cwd, state.functions), ctx)
        elif kind == "negated_command":
            self.statements(node, state, ctx)
        elif kind in ("comment", "heredoc_body", "heredoc_end", "heredoc_start"):
            return
        else:
            # lists, if/while/case, compound statements, test commands: walk what runs
            for child in node.named_children:
                if child.type in ("comment",):
                    continue
                if child.type in _STATEMENTS:
                    self.statement(child, state, ctx)
                else:
                    self.expansions_in(child, state, ctx)

    def assign(self, node: Node, state: _State, ctx: _Ctx) -> None:
        name_node = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name_node is None:
            return
        name = ctx.text(name_node)
        if value is None:
            state.env[name] = ""
            return
        words = self.words(value, state, ctx, split=False)
        state.env[name] = words[0] if words else ""

    def for_loop(self, node: Node, state: _State, ctx: _Ctx) -> None:
        var = node.child_by_field_name("variable")
        items: list[str] = []
        body = node.child_by_field_name("body")
        for child in node.children_by_field_name("value"):
            items.extend(self.words(child, state, ctx))
        if var is not None:
            # One value stands for all: the most dangerous one is the one to check.
            state.env[ctx.text(var)] = _pick(items) if items else unknown(ctx.text(var))
        if body is not None:
            self.statement(body, state, ctx)

    def pipeline(self, node: Node, state: _State, ctx: _Ctx) -> None:
        parts = [c for c in node.named_children if c.type != "comment"]
        previous: _Stdin | None = None
        for part in parts:
            sub = _State(dict(state.env), state.cwd, state.functions)
            self.statement(part, sub, ctx, previous)
            previous = self.stdout_of(part, sub, ctx)

    def redirected(self, node: Node, state: _State, ctx: _Ctx, stdin: _Stdin | None) -> None:
        body = node.child_by_field_name("body")
        redirects = node.children_by_field_name("redirect")
        heredoc: _Stdin | None = None
        piped: list[Node] = []
        for r in redirects:
            if r.type == "heredoc_redirect":
                body_node = next((c for c in r.named_children if c.type == "heredoc_body"), None)
                start = next((c for c in r.named_children if c.type == "heredoc_start"), None)
                quoted = start is not None and ctx.text(start)[:1] in ("'", '"', "\\")
                text = ctx.text(body_node) if body_node is not None else ""
                if not quoted:
                    text = self.expand_text(text, state)
                heredoc = _Stdin("literal", text, body_node)
                piped.extend(
                    c for c in r.named_children if c.type in ("pipeline", "command", "list")
                )
            elif r.type in ("herestring_redirect", "file_redirect"):
                found, _ = self.redirect_inputs([r], state, ctx)
                heredoc = found or heredoc
                if found is None or found.kind == "file" or r.type == "herestring_redirect":
                    self.expansions_in(r, state, ctx)
        if body is None:
            return
        outs = tuple(self.redirect_pairs(redirects, state, ctx))
        if body.type == "command":
            self.command(body, state, ctx, heredoc or stdin, outs)
        else:
            self.statement(body, state, ctx, heredoc or stdin)
        if piped:
            previous: _Stdin | None = self.stdout_of(body, state, ctx, heredoc)
            for part in piped:
                sub = _State(dict(state.env), state.cwd, state.functions)
                if part.type == "pipeline":
                    for inner in part.named_children:
                        self.statement(inner, sub, ctx, previous)
                        previous = self.stdout_of(inner, sub, ctx)
                else:
                    self.statement(part, sub, ctx, previous)

    def redirect_inputs(
        self, redirects: list[Node], state: _State, ctx: _Ctx
    ) -> tuple[_Stdin | None, list[tuple[str, str]]]:
        """What redirections feed a command (stdin) and where its output goes."""
        stdin: _Stdin | None = None
        for r in redirects:
            if r.type == "herestring_redirect":
                words = [
                    w for c in r.named_children for w in self.words(c, state, ctx, split=False)
                ]
                stdin = _Stdin("literal", " ".join(words) + "\n", r)
            elif r.type == "file_redirect":
                dest = r.child_by_field_name("destination")
                op = next((ctx.text(c) for c in r.children if not c.is_named), "")
                if op in ("<", "<>") and dest is not None:
                    stdin = self.file_input(dest, state, ctx)
        return stdin, self.redirect_pairs(redirects, state, ctx)

    def file_input(self, dest: Node, state: _State, ctx: _Ctx) -> _Stdin:
        """`< file` reads a file; `< <(cmd)` reads what cmd prints."""
        if dest.type == "process_substitution":
            inner = [c for c in dest.named_children if c.type in _STATEMENTS]
            sub = _State(dict(state.env), state.cwd, state.functions)
            for c in inner:
                self.statement(c, sub, ctx)
            if len(inner) == 1:
                return self.stdout_of(inner[0], sub, ctx)
            return _Stdin("unknown", "a process substitution", dest)
        return _Stdin("file", ctx.text(dest), dest)

    def redirect_pairs(
        self, redirects: list[Node], state: _State, ctx: _Ctx
    ) -> list[tuple[str, str]]:
        pairs = []
        for r in redirects:
            if r.type != "file_redirect":
                continue
            dest = r.child_by_field_name("destination")
            op = next((ctx.text(c) for c in r.children if not c.is_named), "")
            if dest is not None:
                words = self.words(dest, state, ctx, split=False)
                pairs.append((op, words[0] if words else ""))
        return pairs

    def stdout_of(
        self, node: Node, state: _State, ctx: _Ctx, stdin: _Stdin | None = None
    ) -> _Stdin:
        """What a command writes to a pipe, when that can be known (echo, printf, cat <<EOF)."""
        target = node.child_by_field_name("body") if node.type == "redirected_statement" else node
        if target is None or target.type != "command":
            return _Stdin("unknown", _first_word(ctx, target or node), node)
        words = self.command_words(target, state, ctx)
        if not words:
            return _Stdin("unknown", "", node)
        name = _basename(words[0])
        args = words[1:]
        if name == "echo":
            args = [a for a in args if not re.fullmatch(r"-[neE]+", a)]
            text = " ".join(args)
            return _Stdin("literal" if not has_unknown(text) else "unknown", text + "\n", node)
        if name == "printf" and args:
            text = args[0].replace("\\n", "\n") % () if "%" not in args[0] else " ".join(args[1:])
            return _Stdin("literal" if not has_unknown(text) else "unknown", text, node)
        if name == "cat" and not [a for a in args if not a.startswith("-")] and stdin is not None:
            return stdin
        if name == "find":
            starts, expr = _find_starts(args)
            filtered = any(a in _FIND_TESTS for a in expr)
            paths = [s_ if not filtered else s_.rstrip("/") + "/**" for s_ in starts]
            return _Stdin("paths", " ".join(paths), node)
        if node.type == "redirected_statement" and name == "cat" and stdin is not None:
            return stdin
        return _Stdin("unknown", name, node)

    # -- commands -----------------------------------------------------------------------

    def command_words(self, node: Node, state: _State, ctx: _Ctx) -> list[str]:
        words: list[str] = []
        for child in node.named_children:
            if child.type in (
                "variable_assignment",
                "file_redirect",
                "heredoc_redirect",
                "herestring_redirect",
                "comment",
            ):
                continue
            if child.type == "command_name":
                words.extend(self.words(child, state, ctx))
            else:
                words.extend(self.words(child, state, ctx))
        return words

    def command(
        self,
        node: Node,
        state: _State,
        ctx: _Ctx,
        stdin: _Stdin | None,
        redirects: tuple[tuple[str, str], ...] = (),
    ) -> None:
        env = dict(state.env)
        own = [c for c in node.named_children if c.type in ("herestring_redirect", "file_redirect")]
        if own:
            inner_stdin, inner_outs = self.redirect_inputs(own, state, ctx)
            stdin = inner_stdin or stdin
            redirects = (*redirects, *inner_outs)
        for child in node.named_children:
            if child.type == "variable_assignment":
                name = child.child_by_field_name("name")
                value = child.child_by_field_name("value")
                if name is not None:
                    vals = self.words(value, state, ctx, split=False) if value is not None else [""]
                    env[ctx.text(name)] = vals[0] if vals else ""
        self._execute(node, state, ctx, env, stdin, redirects)

    def _execute(
        self,
        node: Node,
        state: _State,
        ctx: _Ctx,
        env: dict[str, str],
        stdin: _Stdin | None,
        redirects: tuple[tuple[str, str], ...],
    ) -> None:
        local = _State(env, state.cwd, state.functions)
        words = self.command_words(node, local, ctx)
        span = ctx.span(node)
        if not words:
            return
        self.run(words, local, ctx, span, stdin, redirects, ctx.text(node), ctx.via)
        if len(words) >= 1 and _basename(words[0]) in ("cd", "pushd"):
            state.cwd = _chdir(state.cwd, words[1] if len(words) > 1 else "~")
        if _basename(words[0]) == "set" and "--" in words:
            state.env.update(_positional(words[words.index("--") + 1 :]))
        if _basename(words[0]) in ("export", "readonly", "local", "declare", "typeset"):
            for word in words[1:]:
                if "=" in word and not word.startswith("-"):
                    key, _, assigned = word.partition("=")
                    state.env[key] = assigned

    def run(
        self,
        words: list[str],
        state: _State,
        ctx: _Ctx,
        span: _Span,
        stdin: _Stdin | None,
        redirects: tuple[tuple[str, str], ...],
        text: str,
        via: tuple[str, ...],
    ) -> None:
        """Peel wrappers off `words`, record the command, and follow code it runs."""
        words, via = _unwrap(words, via)
        if not words:
            return
        raw_name = words[0]
        name = _basename(raw_name)
        args = tuple(words[1:])
        if has_unknown(raw_name):
            self._emit_unknown(
                via, span, f"the command name is computed at run time: {display(raw_name)}", text
            )
            return
        if name in state.functions:
            # a call runs the body with its arguments as $1, $2, ... and "$@"
            if via.count(name) < 2 and len(via) < MAX_DEPTH:
                env = {**state.env, **_positional(list(args))}
                body_state = _State(env, state.cwd, state.functions)
                nested = _Ctx(
                    ctx.data, ctx.lines, (*via, name), ctx.outer or span, ctx.depth, ctx.exprs
                )
                self.statement(state.functions[name], body_state, nested)
            return
        cmd = Command(
            name=name,
            args=args,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            via=via,
            cwd=state.cwd,
            redirects=redirects,
            stdin=stdin.kind if stdin is not None else "",
            stdin_text=stdin.text[:4096]
            if stdin is not None and stdin.kind in ("literal", "paths")
            else "",
            text=text,
        )
        inner = self.follow(cmd, state, ctx, span, stdin)
        if inner:
            cmd = cmd.replace(runs_unknown_code=inner)
        self.out.commands.append(cmd)
        if len(via) < MAX_DEPTH:
            for words2, via2 in _synthetic(cmd):
                self.run(words2, state, ctx, span, None, (), text, via2)

    def follow(
        self, cmd: Command, state: _State, ctx: _Ctx, span: _Span, stdin: _Stdin | None
    ) -> str:
        """Analyse code the command runs; return why it cannot be seen, or ""."""
        name, args, via = cmd.name, list(cmd.args), (*cmd.via, cmd.name)
        depth = ctx.depth + 1
        sub_state = _State(dict(state.env), state.cwd, state.functions)
        if name in SHELLS or (name == "busybox" and args[:1] and args[0] in SHELLS):
            if name == "busybox":
                args = args[1:]
            script = _option_value(args, ("-c",))
            if script is not None:
                if has_unknown(script):
                    return f"`{name} -c` runs a command built at run time: {display(script)[:80]}"
                self.script(script, sub_state, (*via, "-c"), span, depth)
                return ""
            positional = [a for a in args if not a.startswith("-")]
            if positional and positional[0].startswith("/dev/fd/"):
                return _substituted_code(name, positional[0])
            if positional:
                return ""  # a script file: its contents are scanned where they are written
            return self.from_stdin(name, "shell", stdin, sub_state, ctx, span, via, depth)
        if name == "eval" or (name in (".", "source") and args):
            if name in (".", "source"):
                target = args[0]
                if target.startswith("/dev/fd/"):
                    return _substituted_code(name, target)
                if has_unknown(target):
                    return f"`{name}` runs code that cannot be seen: {display(target)[:80]}"
                return ""
            code = " ".join(args)
            if has_unknown(code):
                if _INIT_IDIOM.match(display(code).lstrip("$( '\"")) or _is_init_idiom(cmd.text):
                    return ""
                return f"`eval` runs a command built at run time: {display(code)[:80]}"
            self.script(code, sub_state, via, span, depth)
            return ""
        if name in ("su",) and (script := _option_value(args, ("-c", "--command"))) is not None:
            self.script(script, sub_state, via, span, depth)
            return ""
        if name == "ssh":
            remote = _ssh_command(args)
            if remote:
                self.script(remote, _State({}, ""), via, span, depth)
            return ""
        if name in ("docker", "podman", "kubectl", "oc", "nerdctl"):
            inner = _container_command(name, args)
            if inner:
                self.run(inner, _State({}, ""), ctx, span, None, (), cmd.text, via)
            return ""
        if name in INTERPRETERS:
            language = INTERPRETERS[name]
            flag = ("-c",) if language == "python" else ("-e", "-E", "--eval", "-r", "-p")
            one_liner = _awk_program(args) if language == "awk" else _option_value(args, flag)
            if one_liner is not None and language == "python":
                self.embed(language, one_liner, span, via)
                return ""
            if one_liner is not None:
                self.one_liner(one_liner, sub_state, ctx, span, via, depth)
                return ""
            if not [a for a in args if not a.startswith("-")] or args[-1:] == ["-"]:
                return self.from_stdin(name, language, stdin, sub_state, ctx, span, via, depth)
            return ""
        self.database_clients(cmd, stdin, span, via)
        return ""

    def one_liner(
        self, code: str, state: _State, ctx: _Ctx, span: _Span, via: tuple[str, ...], depth: int
    ) -> None:
        """perl/ruby/node/php/awk one-liners: the shell commands they run and what they delete."""
        for command in _ONE_LINER_SHELL.finditer(code):
            self.script(command.group("cmd") or command.group("bt"), state, via, span, depth)
        for call in _ONE_LINER_DELETE.finditer(code):
            target = call.group("path") if call.group("path") is not None else "~"
            self.out.commands.append(
                Command(
                    name="rm",
                    args=("-rf", target),
                    line=span.line,
                    column=span.column,
                    end_line=span.end_line,
                    end_column=span.end_column,
                    via=(*via, call.group("fn")),
                    cwd=state.cwd,
                    text=call.group(0),
                )
            )

    def from_stdin(
        self,
        name: str,
        language: str,
        stdin: _Stdin | None,
        state: _State,
        ctx: _Ctx,
        span: _Span,
        via: tuple[str, ...],
        depth: int,
    ) -> str:
        if stdin is None or stdin.kind == "":
            return ""  # an interactive shell
        if stdin.kind == "literal":
            if language == "shell":
                self.script(stdin.text, state, (*via, "stdin"), span, depth)
            else:
                self.embed(language, stdin.text, span, via)
            return ""
        if stdin.kind == "file":
            return ""  # a script file: scanned where it is written
        source = display(stdin.text)[:60] or "a command"
        return f"`{name}` runs code piped in from `{source}`, which cannot be seen"

    def database_clients(
        self, cmd: Command, stdin: _Stdin | None, span: _Span, via: tuple[str, ...]
    ) -> None:
        name, args = cmd.name, list(cmd.args)
        sql: str | None = None
        if name in ("psql", "cockroach"):
            sql = _option_value(args, ("-c", "--command", "-e", "--execute"))
        elif name in ("mysql", "mariadb"):
            sql = _option_value(args, ("-e", "--execute"))
        elif name in ("sqlite3", "duckdb"):
            positional = [a for a in args if not a.startswith("-")]
            sql = positional[1] if len(positional) >= 2 else None
        elif name in ("clickhouse-client", "clickhouse"):
            sql = _option_value(args, ("-q", "--query"))
        elif name in ("sqlcmd",):
            sql = _option_value(args, ("-Q", "-q"))
        elif name in ("mongosh", "mongo"):
            js = _option_value(args, ("--eval",))
            if js is not None:
                self.embed("mongo", js, span, (*via, name))
            elif stdin is not None and stdin.kind == "literal":
                self.embed("mongo", stdin.text, span, (*via, name))
            return
        elif name in ("redis-cli", "valkey-cli", "keydb-cli"):
            if stdin is not None and stdin.kind == "literal":
                for line in stdin.text.splitlines()[:64]:
                    if line.strip():
                        self.out.commands.append(
                            cmd.replace(args=(*cmd.args, *line.split()), via=(*via, "stdin"))
                        )
            return
        else:
            return
        if sql is not None:
            self.embed("sql", sql, span, (*via, name))
        elif stdin is not None and stdin.kind == "literal":
            self.embed("sql", stdin.text, span, (*via, name))

    def embed(self, language: str, text: str, span: _Span, via: tuple[str, ...]) -> None:
        self.out.embedded.append(
            Embedded(
                language, display(text), span.line, span.column, span.end_line, span.end_column, via
            )
        )

    def _emit_unknown(self, via: tuple[str, ...], span: _Span, why: str, text: str = "") -> None:
        self.out.commands.append(
            Command(
                name="<unknown>",
                args=(),
                line=span.line,
                column=span.column,
                end_line=span.end_line,
                end_column=span.end_column,
                via=via,
                text=text,
                runs_unknown_code=why,
            )
        )

    # -- words --------------------------------------------------------------------------

    def expansions_in(self, node: Node, state: _State, ctx: _Ctx) -> None:
        """Commands inside `$(...)` and `<(...)` anywhere in `node` run too."""
        if node.type == "heredoc_redirect":
            return  # its body is data; a pipeline after it is walked by `redirected`
        if node.type in ("command_substitution", "process_substitution"):
            sub = _State(dict(state.env), state.cwd, state.functions)
            self.statements(node, sub, ctx)
            return
        for child in node.named_children:
            if child.type in _STATEMENTS:
                self.statement(child, state, ctx)
            else:
                self.expansions_in(child, state, ctx)

    def words(self, node: Node, state: _State, ctx: _Ctx, split: bool = True) -> list[str]:
        """The arguments one syntax node becomes after expansion."""
        segments = self.segments(node, state, ctx, quoted=False)
        alternatives = _brace_expand(segments)
        out: list[str] = []
        for segs in alternatives:
            out.extend(_split(segs) if split else ["".join(t for t, _ in segs)])
        return out

    def segments(self, node: Node, state: _State, ctx: _Ctx, quoted: bool) -> list[tuple[str, str]]:
        """(text, kind) pieces: kind 'lit' (unquoted literal), 'q' (quoted) or 'exp'."""
        kind = node.type
        if kind in (
            "word",
            "number",
            "command_name",
            "special_variable_name",
            "variable_name",
            "test_operator",
            "regex",
            "extglob_pattern",
        ):
            if node.named_child_count and kind == "command_name":
                return [
                    s for c in node.named_children for s in self.segments(c, state, ctx, quoted)
                ]
            raw = ctx.text(node)
            return [
                (
                    self.placeholders(_unescape(raw) if not quoted else raw, state),
                    "q" if quoted else "lit",
                )
            ]
        if kind == "raw_string":
            return [(ctx.text(node)[1:-1], "q")]
        if kind == "ansi_c_string":
            return [(_ansi_c(ctx.text(node)[2:-1]), "q")]
        if kind == "translated_string":
            inner = node.named_children[0] if node.named_children else None
            return self.segments(inner, state, ctx, True) if inner is not None else []
        if kind == "string":
            out: list[tuple[str, str]] = []
            for child in node.named_children:
                if child.type == "string_content":
                    out.append((self.placeholders(_unescape_dq(ctx.text(child)), state), "q"))
                else:
                    out.extend(self.segments(child, state, ctx, True))
            return out or [("", "q")]
        if kind == "string_content":
            return [(self.placeholders(_unescape_dq(ctx.text(node)), state), "q")]
        if kind == "concatenation":
            return [s for c in node.named_children for s in self.segments(c, state, ctx, quoted)]
        if kind == "simple_expansion":
            name = ctx.text(node)[1:]
            # "$@" is the one expansion that splits into words even when quoted
            split_anyway = name in ("@",) and "@" in state.env
            return [(self.lookup(name, state), "exp" if split_anyway or not quoted else "q")]
        if kind == "expansion":
            return [(self.expansion(node, state, ctx), "q" if quoted else "exp")]
        if kind == "command_substitution":
            value = self.substitution(node, state, ctx)
            return [(value, "q" if quoted else "exp")]
        if kind == "process_substitution":
            self.expansions_in(node, state, ctx)
            ran = " ".join(
                display(w)
                for c in node.named_children
                if c.type == "command"
                for w in self.command_words(c, state, ctx)
            )
            return [("/dev/fd/63" + unknown("<(" + ran[:60] + ")"), "q")]
        if kind == "arithmetic_expansion":
            return [(unknown("arithmetic"), "q")]
        if kind == "brace_expression":
            return [(ctx.text(node), "lit")]
        return [(self.placeholders(ctx.text(node), state), "q" if quoted else "lit")]

    def placeholders(self, text: str, state: _State) -> str:
        if "CGX" not in text:
            return text
        return re.sub(
            r"CGX\d+_*", lambda m: state.env.get(m.group(0).rstrip("_"), m.group(0)), text
        )

    def lookup(self, name: str, state: _State) -> str:
        if name in state.env:
            return state.env[name]
        if name in _KNOWN_ENV:
            return state.cwd or "." if name == "PWD" else _KNOWN_ENV[name]
        if name in ("@", "*") or name.isdigit():
            return unknown(name)
        return unknown(name)

    def expansion(self, node: Node, state: _State, ctx: _Ctx) -> str:
        text = ctx.text(node)
        m = re.fullmatch(
            r"\$\{(#?)([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])(?:(:?[-=?+])(.*))?\}", text, re.S
        )
        if m is None:
            return unknown("expansion")
        length, name, op, word = m.groups()
        if length:
            return unknown(f"#{name}")
        value = state.env.get(name)
        if value is None and name in _KNOWN_ENV:
            value = self.lookup(name, state)
        if op in (":-", "-", ":=", "="):
            default = self.expand_text(word or "", state)
            return value if value not in (None, "") else default
        if op in (":?", "?"):
            # bash stops with an error when it is unset (or empty): never expands to ""
            return value if value not in (None, "") else unknown(f"{name}:?")
        if op in (":+", "+"):
            return self.expand_text(word or "", state) if value else ""
        return value if value is not None else unknown(name)

    def substitution(self, node: Node, state: _State, ctx: _Ctx) -> str:
        """`$(...)`: the commands run (and are analysed); the value is known only for a few."""
        sub = _State(dict(state.env), state.cwd, state.functions)
        self.statements(node, sub, ctx)
        inner = [c for c in node.named_children if c.type == "command"]
        if len(inner) == 1:
            words = self.command_words(inner[0], sub, ctx)
            name = _basename(words[0]) if words else ""
            if name == "mktemp":
                return "/tmp/mktemp.XXXXXX"
            if name == "pwd":
                return state.cwd or "."
            if name == "echo" and len(words) > 1 and not has_unknown(" ".join(words[1:])):
                return " ".join(words[1:])
            if name == "dirname" and len(words) > 1 and words[1] in ("$0", unknown("0")):
                return "."
            return unknown(f"({' '.join(display(w) for w in words)[:40]})")
        return unknown("(...)")

    def expand_text(self, text: str, state: _State) -> str:
        """Variables in a heredoc body or a default value (no word splitting)."""

        def sub(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2)
            return self.lookup(name, state)

        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", sub, text)


_STATEMENTS = frozenset(
    {
        "command",
        "pipeline",
        "list",
        "redirected_statement",
        "variable_assignment",
        "declaration_command",
        "subshell",
        "compound_statement",
        "if_statement",
        "elif_clause",
        "else_clause",
        "while_statement",
        "for_statement",
        "c_style_for_statement",
        "case_statement",
        "case_item",
        "function_definition",
        "negated_command",
        "do_group",
        "test_command",
        "unset_command",
    }
)


@dataclass(frozen=True)
class _Stdin:
    kind: str  # "literal" | "unknown" | "file"
    text: str
    node: Node | None


class _Ctx:
    """The text being walked, and where nested code reports its findings."""

    def __init__(
        self,
        data: bytes,
        lines: list[str],
        via: tuple[str, ...],
        span: _Span | None,
        depth: int,
        exprs: dict[str, str],
    ) -> None:
        self.data = data
        self.lines = lines
        self.via = via
        self.outer = span
        self.depth = depth
        self.exprs = exprs

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def span(self, node: Node) -> _Span:
        if self.outer is not None:
            return self.outer
        (row, col), (erow, ecol) = node.start_point, node.end_point
        return _Span(row + 1, self._column(row, col), erow + 1, self._column(erow, ecol))

    def _column(self, row: int, byte_col: int) -> int:
        """tree-sitter counts bytes; reports count characters (1-based)."""
        line = self.lines[row] if row < len(self.lines) else ""
        encoded = line.encode("utf-8", "surrogatepass")
        return len(encoded[:byte_col].decode("utf-8", "replace")) + 1


_ONE_LINER_SHELL = re.compile(
    r"\b(?:system|exec|execSync|spawnSync|popen|shell_exec|passthru|proc_open|qx)\s*\(?\s*"
    r"(?P<q>['\"`])(?P<cmd>(?:(?!(?P=q)).){2,400})(?P=q)|`(?P<bt>[^`]{2,400})`"
)
_HOME_EXPR = (
    r"(?:require\(\s*['\"]os['\"]\s*\)\.homedir\(\)|os\.homedir\(\)|homedir\(\)|Dir\.home|"
    r"ENV\[['\"]HOME['\"]\]|\$ENV\{HOME\}|process\.env\.HOME|getenv\(['\"]HOME['\"]\))"
)
_ONE_LINER_DELETE = re.compile(
    r"(?P<fn>rmSync|rmdirSync|rm_rf|rm_r|remove_tree|rmtree|rimraf(?:\.sync)?|removeSync|"
    r"emptyDirSync|rm -rf|deleteDirectory)\s*\(?\s*(?:(?P<q>['\"])(?P<path>[^'\"]{1,300})(?P=q)|"
    + _HOME_EXPR
    + r")"
)


def _positional(args: list[str]) -> dict[str, str]:
    env = {str(i): a for i, a in enumerate(args[:9], start=1)}
    env["@"] = " ".join(args)
    env["*"] = " ".join(args)
    env["#"] = str(len(args))
    return env


def _awk_program(args: list[str]) -> str | None:
    """The program text of `awk [-F sep] [-v var=val] 'program' files...`."""
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-F", "-v", "-f", "--field-separator", "--assign", "--file"):
            if a in ("-f", "--file"):
                return None
            i += 2
            continue
        if a.startswith("-") and len(a) > 1:
            i += 1
            continue
        return a
    return None


def _line_start_escapes(text: str) -> str:
    """`\\rm` at the very start of a line: tree-sitter-bash takes it for a continuation of
    the line before (`echo hi` + newline + `\\rm -rf /` parses as one `echo`). The escape
    only skips aliases, so a space in its place runs the same command and keeps columns.
    """
    if "\n\\" not in text:
        return text
    lines = text.split("\n")
    for i in range(1, len(lines)):
        prev = lines[i - 1]
        trailing = len(prev) - len(prev.rstrip("\\"))
        if lines[i][:1] == "\\" and lines[i][1:2] not in ("", "\n") and trailing % 2 == 0:
            lines[i] = " " + lines[i][1:]
    return "\n".join(lines)


def _first_word(ctx: _Ctx, node: Node) -> str:
    return ctx.text(node).split(None, 1)[0] if ctx.text(node).strip() else ""


def _unescape(raw: str) -> str:
    """Unquoted backslashes: `\\x` is `x`, a backslash-newline vanishes."""
    return re.sub(r"\\(\n|.)", lambda m: "" if m.group(1) == "\n" else m.group(1), raw, flags=re.S)


def _unescape_dq(raw: str) -> str:
    """Inside double quotes only `\\$`, `\\``, `\\"`, `\\\\` and backslash-newline are escapes."""
    return re.sub(r"\\([$`\"\\\n])", lambda m: "" if m.group(1) == "\n" else m.group(1), raw)


_ANSI = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
    "E": "\x1b",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


def _ansi_c(body: str) -> str:
    def sub(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in _ANSI and len(esc) == 1:
            return _ANSI[esc]
        if esc[0] == "x":
            return chr(int(esc[1:], 16)) if len(esc) > 1 else "x"
        if esc[0] in "uU":
            return chr(int(esc[1:], 16)) if len(esc) > 1 else esc
        if esc[0] in "01234567":
            return chr(int(esc, 8) & 0xFF)
        if esc[0] == "c" and len(esc) == 2:
            return chr(ord(esc[1]) & 0x1F)
        return "\\" + esc

    pattern = r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)"
    return re.sub(pattern, sub, body, flags=re.S)


def _brace_expand(segments: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """`/{etc,usr}` -> `/etc`, `/usr` (only braces that are unquoted literal text)."""
    for i, (text, kind) in enumerate(segments):
        if kind != "lit":
            continue
        m = re.search(r"\{([^{}]*,[^{}]*)\}", text)
        if m is None:
            # a brace group split over several literal segments by the parser
            joined = "".join(t if k == "lit" else "\x00" for t, k in segments[i:])
            m2 = re.match(r"([^{}\x00]*)\{([^{}\x00]*,[^{}\x00]*)\}", joined)
            if m2 is None or "{" not in text:
                continue
            end = len(m2.group(0))
            taken, count = 0, 0
            for t, _ in segments[i:]:
                taken += len(t)
                count += 1
                if taken >= end:
                    break
            rest_text = joined[end:taken] if taken > end else ""
            head = m2.group(1)
            options = m2.group(2).split(",")
            tail = segments[i + count :]
            out = []
            for option in options[:64]:
                expanded = [*segments[:i], (head + option + rest_text, "lit"), *tail]
                out.extend(_brace_expand(expanded))
            return out
        options = m.group(1).split(",")
        out = []
        for option in options[:64]:
            new = text[: m.start()] + option + text[m.end() :]
            out.extend(_brace_expand([*segments[:i], (new, "lit"), *segments[i + 1 :]]))
        return out
    return [segments]


def _split(segments: list[tuple[str, str]]) -> list[str]:
    """Word splitting: unquoted expansions split on whitespace; quoted text never does."""
    words: list[str] = []
    current = ""
    started = False
    for text, kind in segments:
        if kind != "exp":
            current += text
            started = True
            continue
        parts = re.split(r"[ \t\n]+", text)
        for j, part in enumerate(parts):
            if j > 0:
                if started and current:
                    words.append(current)
                current = ""
                started = False
            if part:
                current += part
                started = True
    if current or (started and any(k == "q" for _, k in segments)):
        words.append(current)
    return words


def _pick(items: list[str]) -> str:
    from codeguard.globs import normalize_target

    for item in items:
        t = normalize_target(item)
        if t.startswith(("/", "~")) and t.count("/") <= 2:
            return item
    return items[0]


def _ssh_command(args: list[str]) -> str:
    """The remote command of `ssh [options] host command...`."""
    takes_value = set("bcDEeFIiJLlmOoPpRSWw")
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1:
            i += 2 if a[-1] in takes_value and len(a) == 2 else 1
            continue
        break
    rest = args[i + 1 :]
    return " ".join(rest)


_CONTAINER_VALUES = frozenset(
    {
        "-e",
        "--env",
        "-u",
        "--user",
        "-w",
        "--workdir",
        "-v",
        "--volume",
        "--name",
        "-p",
        "--publish",
        "--network",
        "--entrypoint",
        "--env-file",
        "-l",
        "--label",
        "--mount",
        "--platform",
        "-n",
        "--namespace",
        "-c",
        "--container",
        "--context",
        "--kubeconfig",
        "--cpus",
        "-m",
        "--memory",
        "--restart",
        "--hostname",
        "-h",
        "--pull",
        "--runtime",
    }
)


def _container_command(tool: str, args: list[str]) -> list[str]:
    """The command of `kubectl exec POD -- CMD`, `docker exec CTR CMD`, `docker run IMG CMD`,
    with paths inside a bind mount (`-v /:/host`) mapped back to the host."""
    head = args[: args.index("--")] if "--" in args else args
    sub = next((a for a in head if a in ("exec", "run")), "")
    if not sub:
        return []
    if "--" in args:
        inner = args[args.index("--") + 1 :]
    elif tool in ("kubectl", "oc"):
        return []
    else:
        i = args.index(sub) + 1
        while i < len(args) and args[i].startswith("-"):
            i += 2 if args[i] in _CONTAINER_VALUES and "=" not in args[i] else 1
        inner = args[i + 1 :]
    mounts: list[tuple[str, str]] = []
    for i, a in enumerate(args):
        spec = ""
        if a in ("-v", "--volume") and i + 1 < len(args):
            spec = args[i + 1]
        elif a.startswith("--volume="):
            spec = a.split("=", 1)[1]
        if spec.count(":") >= 1:
            host, container = spec.split(":")[:2]
            if host.startswith(("/", "~")):
                mounts.append((container.rstrip("/") or "/", host))
        if (a.startswith("--mount") and "=" in a) or (a == "--mount" and i + 1 < len(args)):
            opts = dict(
                kv.split("=", 1)
                for kv in (a.split("=", 1)[1] if "=" in a else args[i + 1]).split(",")
                if "=" in kv
            )
            src = opts.get("source") or opts.get("src", "")
            dst = opts.get("target") or opts.get("destination") or opts.get("dst", "")
            if src.startswith("/") and dst:
                mounts.append((dst.rstrip("/") or "/", src))
    return [_host_path(w, mounts) for w in inner]


def _host_path(word: str, mounts: list[tuple[str, str]]) -> str:
    for container, host in sorted(mounts, key=lambda m: -len(m[0])):
        if word == container or word.startswith(container + "/"):
            rest = word[len(container) :]
            return (host.rstrip("/") + rest) or "/"
    return word


def _substituted_code(name: str, target: str) -> str:
    """`source <(cmd)`: fine when cmd is a local tool's init or completion output."""
    m = re.search(f"{UNKNOWN_OPEN}<\\((.*)\\){UNKNOWN_CLOSE}", target)
    inner = m.group(1) if m else ""
    local_tool = _INIT_IDIOM.match(inner) or re.search(r"\bcompletions?\b", inner)
    download = re.match(r"\s*(curl|wget|fetch|http|https|nc|base64|openssl|xxd)\b", inner)
    if inner and local_tool and not download:
        return ""
    shown = inner or "a process substitution"
    return f"`{name}` runs the output of `{shown[:60]}`, which cannot be seen"


def _is_init_idiom(text: str) -> bool:
    m = re.search(r"\$\(\s*([^)]*)\)|`([^`]*)`", text)
    return bool(m and _INIT_IDIOM.match(m.group(1) or m.group(2) or ""))


def _synthetic(cmd: Command) -> list[tuple[list[str], tuple[str, ...]]]:
    """Commands that other commands run on their behalf: `find -delete`, `xargs rm`."""
    if cmd.name == "find":
        return _find(cmd)
    if cmd.name in ("xargs", "parallel"):
        return _xargs(cmd)
    return []


_FIND_TESTS = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-regex",
        "-iregex",
        "-type",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-newer",
        "-size",
        "-user",
        "-group",
        "-perm",
        "-empty",
        "-wholename",
        "-iwholename",
        "-links",
        "-inum",
        "-samefile",
        "-maxdepth",
        "-mindepth",
        "-prune",
        "-not",
        "!",
    }
)


def _find_starts(args: list[str]) -> tuple[list[str], list[str]]:
    """(start paths, expression) of a `find` command line."""
    starts: list[str] = []
    i = 0
    while i < len(args) and args[i] in ("-H", "-L", "-P", "-O0", "-O1", "-O2", "-O3"):
        i += 1
    while i < len(args) and not args[i].startswith(("-", "(", "!")):
        starts.append(args[i])
        i += 1
    return starts or ["."], args[i:]


def _find(cmd: Command) -> list[tuple[list[str], tuple[str, ...]]]:
    starts, expr = _find_starts(list(cmd.args))
    filtered = any(a in _FIND_TESTS for a in expr)
    # unfiltered, everything below the start goes; filtered, what matches below it
    targets = starts if not filtered else [s.rstrip("/") + "/**" for s in starts]
    via = (*cmd.via, "find")
    out: list[tuple[list[str], tuple[str, ...]]] = []
    if "-delete" in expr:
        out.append((["rm", "-r" if not filtered else "-f", *targets], via))
    for j, a in enumerate(expr):
        if a in ("-exec", "-execdir", "-ok", "-okdir") and j + 1 < len(expr):
            end = next(
                (k for k in range(j + 1, len(expr)) if expr[k] in (";", "+", "\\;")), len(expr)
            )
            inner = expr[j + 1 : end]
            if not inner:
                continue
            words = [
                t for w in inner for t in (targets if w == "{}" else [w.replace("{}", targets[0])])
            ]
            if "{}" not in " ".join(inner):
                words += targets
            out.append((words, via))
    return out


_XARGS_VALUES = frozenset(
    {
        "-I",
        "-i",
        "-n",
        "-P",
        "-L",
        "-l",
        "-s",
        "-d",
        "-E",
        "-e",
        "-a",
        "--max-args",
        "--max-procs",
        "--delimiter",
        "--arg-file",
        "-j",
        "--jobs",
        "--replace",
    }
)


def _xargs(cmd: Command) -> list[tuple[list[str], tuple[str, ...]]]:
    args = list(cmd.args)
    replace_str = ""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        arg = args[i]
        if arg in ("-I", "--replace") and i + 1 < len(args):
            replace_str = args[i + 1]
        elif arg.startswith("-I") and len(arg) > 2:
            replace_str = arg[2:]
        i += 2 if arg in _XARGS_VALUES else 1
    inner = args[i:]
    items: list[str]
    if cmd.name == "parallel" and ":::" in inner:
        k = inner.index(":::")
        items, inner = inner[k + 1 :], inner[:k]
        replace_str = replace_str or "{}"
    elif cmd.stdin in ("literal", "paths"):
        items = cmd.stdin_text.split()
    else:
        items = [unknown("stdin")]
    via = (*cmd.via, cmd.name)
    if not inner:
        inner = ["echo"]
    if replace_str and any(replace_str in w for w in inner):
        return [([w.replace(replace_str, item) for w in inner], via) for item in items[:8]]
    return [([*inner, *items], via)]
