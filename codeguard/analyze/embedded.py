"""Code hidden in files of other kinds, with every line mapped back to its place in the file.

Shell in Dockerfile `RUN`, CI `run:`/`script:`, Makefile recipes, package.json scripts,
compose `command:` and Terraform provisioners; whole shell scripts and SQL files. Each piece
becomes a `Snippet` whose `line_map` gives the file (line, column) where each of its lines
starts. Positions are exact for text copied verbatim from the file. Where the snippet text
differs from the file text (an escape sequence decoded, `$$` turned into `$`, a folded YAML
line, an exec-form argument list turned into a command), the line is right and the column
is right up to the first such difference on that line.

Everything here is pure and never raises: a file that cannot be read gives no snippets, and
`parse_error` says why so the caller can report it and fall back to other checks.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from bisect import bisect_left
from bisect import bisect_right
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from codeguard.analyze.snippet import Snippet
from codeguard.analyze.snippet import whole

if TYPE_CHECKING:
    from yaml.error import Mark
    from yaml.nodes import Node

_Position = tuple[int, int]

__all__ = ["file_kind", "parse_error", "snippets"]


def snippets(path: str, text: str) -> list[Snippet]:
    """Every embedded piece of code in a file, by the file's kind (decided from `path` and,
    for files without an extension, a shebang)."""
    kind = file_kind(path, text)
    if kind is None:
        return []
    found = _EXTRACTORS[kind](text)
    return _unique_in_file_order(found)


def file_kind(path: str, text: str) -> str | None:
    """'shell' | 'dockerfile' | 'github-actions' | 'gitlab-ci' | 'makefile' | 'package-json' |
    'terraform' | 'sql' | 'python' | 'compose' | None"""
    slashed = "/" + path.replace("\\", "/")
    name = posixpath.basename(slashed)
    lower = name.lower()
    ext = posixpath.splitext(lower)[1]
    yaml_ext = ext in (".yml", ".yaml")
    if _is_dockerfile_name(lower):
        return "dockerfile"
    if lower == "package.json":
        return "package-json"
    if yaml_ext and ("/.github/workflows/" in slashed or lower in ("action.yml", "action.yaml")):
        return "github-actions"
    if lower.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")):
        return "gitlab-ci"
    if yaml_ext and lower.startswith(("docker-compose.", "compose.")):
        return "compose"
    if lower in ("makefile", "gnumakefile") or ext == ".mk":
        return "makefile"
    return _KIND_BY_EXTENSION.get(ext) if ext else _kind_from_shebang(text)


def parse_error(path: str, text: str) -> str | None:
    """Why a structured (YAML or JSON) file could not be read, in one line; None if it could."""
    kind = file_kind(path, text)
    if kind in ("github-actions", "gitlab-ci", "compose"):
        return _read_yaml(text).error
    if kind == "package-json":
        return _read_json(text)[1]
    return None


# --- file kinds ---------------------------------------------------------------------------

_KIND_BY_EXTENSION = {
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".ksh": "shell",
    ".tf": "terraform",
    ".sql": "sql",
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
}
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash"})


def _is_dockerfile_name(lower: str) -> bool:
    return (
        lower in ("dockerfile", "containerfile")
        or lower.startswith(("dockerfile.", "containerfile."))
        or lower.endswith(".dockerfile")
    )


def _kind_from_shebang(text: str) -> str | None:
    language = _shebang_language(text.split("\n", 1)[0])
    return language if language in ("shell", "python") else None


def _shebang_language(first_line: str) -> str | None:
    """The language a `#!` line runs its file with: `#!/usr/bin/env -S bash -e` -> 'shell'."""
    if not first_line.startswith("#!"):
        return None
    words = first_line[2:].split()
    if words and posixpath.basename(words[0]) == "env":
        # env's own options and VAR=value assignments come before the interpreter
        words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    return _interpreter_language(words[0]) if words else None


def _interpreter_language(program: str) -> str:
    """'shell' for POSIX-like shells, else a language name: /usr/bin/python3.12 -> 'python'."""
    name = posixpath.basename(program.replace("\\", "/")).lower()
    name = name.removesuffix(".exe")
    if name in _SHELLS:
        return "shell"
    if re.fullmatch(r"python[0-9.]*", name):
        return "python"
    if name in ("pwsh", "powershell"):
        return "powershell"
    return name or "shell"


# --- shared building blocks ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    """One line of a snippet as found in the file: its text and where that text starts."""

    text: str
    line: int
    column: int

    @property
    def position(self) -> _Position:
        return (self.line, self.column)


def _snippet(language: str, pieces: Sequence[_Piece], origin: str) -> Snippet:
    return Snippet(
        language, "\n".join(p.text for p in pieces), tuple(p.position for p in pieces), origin
    )


def _lines(text: str) -> list[str]:
    """Lines split on '\\n' (as `whole` counts them), without a trailing '\\r'. A leading
    byte-order mark becomes a space, so columns on line 1 still count it."""
    if text.startswith("\ufeff"):
        text = " " + text[1:]
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


@dataclass(frozen=True)
class _Locator:
    """Character offset in the text -> file (line, column), both 1-based."""

    starts: tuple[int, ...]
    size: int

    @classmethod
    def of(cls, text: str) -> _Locator:
        starts = (0, *(m.end() for m in re.finditer("\n", text)))
        return cls(starts, len(text))

    def at(self, index: int) -> _Position:
        index = min(max(index, 0), self.size)
        line = bisect_right(self.starts, index) - 1
        return (line + 1, index - self.starts[line] + 1)


@dataclass(frozen=True, slots=True)
class _Arg:
    """One argument of an argument list (exec form), with where each of its lines starts."""

    value: str
    line_map: tuple[_Position, ...]


def _argv_snippet(args: Sequence[_Arg], language: str, origin: str) -> Snippet:
    """The shell command that runs `args` (each quoted), mapped to where the arguments are.

    The first line is placed so that its anchor argument maps exactly: the script of
    `sh -c SCRIPT`, else the program. A later line (an argument holding a newline) maps to
    that line of its argument.
    """
    anchor = _shell_script_argument(args)
    lines = [""]
    line_map = [args[0].line_map[0]]
    for n, arg in enumerate(args):
        quoted = shlex.quote(arg.value)
        first, *more = quoted.split("\n")
        lines[-1] += " " if n else ""
        if n == anchor and len(lines) == 1:
            opened = int(quoted != arg.value and quoted.startswith("'"))
            line, column = arg.line_map[0]
            if column - len(lines[0]) - opened >= 1:
                line_map[0] = (line, column - len(lines[0]) - opened)
        lines[-1] += first
        for k, part in enumerate(more, start=1):
            lines.append(part)
            line_map.append(arg.line_map[min(k, len(arg.line_map) - 1)])
    return Snippet(language, "\n".join(lines), tuple(line_map), origin)


def _shell_script_argument(args: Sequence[_Arg]) -> int:
    """The index of SCRIPT in `sh [-e] -c SCRIPT ...` (`-ec`, `-xc` too); else 0."""
    if _interpreter_language(args[0].value) != "shell":
        return 0
    for n, arg in enumerate(args[1:-1], start=1):
        if re.fullmatch(r"-[a-z]*c[a-z]*", arg.value):
            return n + 1
    return 0


def _unique_in_file_order(found: list[Snippet]) -> list[Snippet]:
    """Non-blank snippets, each once (YAML merge keys, `<<: *defaults`, can reach one
    command from several places), in the order they appear in the file."""
    seen: set[tuple[str, str, tuple[_Position, ...]]] = set()
    unique = []
    for snippet in sorted(found, key=lambda s: s.line_map[:1]):
        key = (snippet.language, snippet.text, snippet.line_map)
        if snippet.text.strip() and key not in seen:
            seen.add(key)
            unique.append(snippet)
    return unique


def _escaped_string(raw: str, hcl: bool) -> tuple[str, list[int]]:
    """Decode the body of a JSON (or HCL) string literal; also return, for each line of the
    decoded text, the offset in `raw` where that line starts."""
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}
    out: list[str] = []
    starts = [0]
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw):
            code = raw[i + 1]
            width = {"u": 4, "U": 8 if hcl else 0}.get(code, 0)
            digits = raw[i + 2 : i + 2 + width]
            if width and re.fullmatch(r"[0-9a-fA-F]+", digits) and len(digits) == width:
                out.append(chr(min(int(digits, 16), 0x10FFFF)))
                i += 2 + width
            else:
                out.append(simple.get(code, code))
                i += 2
        elif hcl and raw.startswith(("$${", "%%{"), i):
            out.append(raw[i + 1 : i + 3])  # $${ and %%{ are a literal ${ and %{
            i += 3
        else:
            out.append(char)
            i += 1
        if out[-1] == "\n":
            starts.append(i)
    return "".join(out), starts


# --- Dockerfile ---------------------------------------------------------------------------

_DOCKER_DIRECTIVE = re.compile(r"\s*#\s*([A-Za-z][A-Za-z0-9]*)\s*=(.*)")
_DOCKER_INSTRUCTION = re.compile(r"\s*([A-Za-z]+)(?=\s|$)\s*")
_DOCKER_FLAG = re.compile(r"--\S*\s*")
# Docker only sees a heredoc in a word of its own: `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`
_DOCKER_HEREDOC = re.compile(
    r"(?<!\S)\d*<<(-?)(?:\"([^\"]{1,128})\"|'([^']{1,128})'|([^\s\"'<>&|;()]+))"
)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class _Heredoc:
    name: str
    strip_tabs: bool
    body: list[_Piece]
    terminator: _Piece | None


def _dockerfile(text: str) -> list[Snippet]:
    lines = _lines(text)
    escape = _docker_escape(lines)
    found: list[Snippet] = []
    shell_language = "shell"
    index = 0
    while index < len(lines):
        if not lines[index].strip() or _is_docker_comment(lines[index]):
            index += 1
            continue
        pieces, index = _docker_logical_line(lines, index, escape)
        keyword, args = _docker_keyword(pieces)
        if keyword == "ONBUILD":
            keyword, args = _docker_keyword(args)
        if keyword == "FROM":
            shell_language = "shell"  # SHELL holds for one build stage
        elif keyword == "SHELL":
            shell_language = _docker_shell_language(args, shell_language)
        elif keyword in ("RUN", "COPY", "ADD"):
            heredocs, index = _docker_heredocs(args, lines, index)
            if keyword == "RUN":
                found += _docker_run(_drop_flags(args), heredocs, shell_language)
        elif keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            found += _docker_command(keyword, args, shell_language)
    return found


def _docker_escape(lines: list[str]) -> str:
    """The `# escape=` parser directive, read from the top of the file as Docker does."""
    for line in lines:
        match = _DOCKER_DIRECTIVE.match(line)
        if not match:
            break
        if match[1].lower() == "escape" and match[2].strip() in ("\\", "`"):
            return match[2].strip()
    return "\\"


def _is_docker_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _docker_logical_line(lines: list[str], start: int, escape: str) -> tuple[list[_Piece], int]:
    """An instruction and its continuation lines, each without its escape character.

    Docker drops comment lines and blank lines inside a continuation, so they are dropped
    here too: kept, a `# note` line would end the shell command early.
    """
    pieces: list[_Piece] = []
    index = start
    continues = True
    while continues and index < len(lines):
        raw = lines[index]
        index += 1
        if pieces and (not raw.strip() or _is_docker_comment(raw)):
            continue
        trimmed = raw.rstrip(" \t")
        continues = trimmed.endswith(escape)
        pieces.append(_Piece(trimmed[:-1] if continues else raw, index, 1))
    return pieces, index


def _docker_keyword(pieces: list[_Piece]) -> tuple[str, list[_Piece]]:
    if not pieces:
        return "", []
    first = pieces[0]
    match = _DOCKER_INSTRUCTION.match(first.text)
    if not match:
        return "", pieces
    rest = _Piece(first.text[match.end() :], first.line, first.column + match.end())
    return match[1].upper(), [rest, *pieces[1:]]


def _drop_flags(pieces: list[_Piece], flags: bool = True) -> list[_Piece]:
    """Without leading blanks and (with `flags`) `--mount=...`-style flags, which may span
    several lines."""
    for index, piece in enumerate(pieces):
        while True:
            stripped = piece.text.lstrip()
            column = piece.column + len(piece.text) - len(stripped)
            flag = _DOCKER_FLAG.match(stripped) if flags else None
            if not flag:
                break
            piece = _Piece(stripped[flag.end() :], piece.line, column + flag.end())
        if stripped:
            return [_Piece(stripped, piece.line, column), *pieces[index + 1 :]]
    return []


def _as_shell_lines(pieces: list[_Piece]) -> list[_Piece]:
    """Continuation lines end in a backslash again (whatever the escape character), so a
    shell parser joins them as Docker did, and each line keeps its own position."""
    return [_Piece(p.text + "\\", p.line, p.column) for p in pieces[:-1]] + pieces[-1:]


def _docker_heredocs(
    args: list[_Piece], lines: list[str], index: int
) -> tuple[list[_Heredoc], int]:
    """Heredocs opened on the instruction, with their bodies read from the lines after it."""
    heredocs = []
    for piece in args:
        for match in _DOCKER_HEREDOC.finditer(piece.text):
            name = match[2] or match[3] or match[4]
            strip_tabs = match[1] == "-"
            body: list[_Piece] = []
            terminator = None
            while index < len(lines) and terminator is None:
                raw = lines[index]
                index += 1
                if (raw.lstrip("\t") if strip_tabs else raw) == name:
                    terminator = _Piece(raw, index, 1)
                else:
                    body.append(_Piece(raw, index, 1))
            heredocs.append(_Heredoc(name, strip_tabs, body, terminator))
    return heredocs, index


def _docker_run(args: list[_Piece], heredocs: list[_Heredoc], language: str) -> list[Snippet]:
    if not args and not heredocs:
        return []
    exec_form = _docker_exec_args(args)
    if exec_form is not None:
        return (
            [_argv_snippet(exec_form, "shell", "Dockerfile RUN (exec form)")] if exec_form else []
        )
    if not heredocs:
        return [_snippet(language, _as_shell_lines(args), "Dockerfile RUN")]
    rest = "".join(_DOCKER_HEREDOC.sub("", p.text) for p in args)
    if not rest.strip():
        # `RUN <<EOF` alone: Docker runs the body itself as the script
        return [_heredoc_script(doc, language) for doc in heredocs if doc.body]
    # a command reading a heredoc is shell as written: the body follows the command
    pieces = _as_shell_lines(args)
    for doc in heredocs:
        pieces += doc.body + ([doc.terminator] if doc.terminator else [])
    return [_snippet(language, pieces, "Dockerfile RUN")]


def _heredoc_script(doc: _Heredoc, default_language: str) -> Snippet:
    body = doc.body
    if doc.strip_tabs:
        body = [_strip_leading_tabs(p) for p in body]
    language = _shebang_language(body[0].text) or default_language
    return _snippet(language, body, "Dockerfile RUN heredoc")


def _strip_leading_tabs(piece: _Piece) -> _Piece:
    text = piece.text.lstrip("\t")
    return _Piece(text, piece.line, piece.column + len(piece.text) - len(text))


def _docker_command(keyword: str, args: list[_Piece], language: str) -> list[Snippet]:
    args = _drop_flags(args, flags=keyword == "HEALTHCHECK")
    if keyword == "HEALTHCHECK":
        inner, args = _docker_keyword(args)
        if inner != "CMD":
            return []  # HEALTHCHECK NONE
        keyword, args = "HEALTHCHECK CMD", _drop_flags(args, flags=False)
    if not args:
        return []
    origin = f"Dockerfile {keyword}"
    exec_form = _docker_exec_args(args)
    if exec_form is not None:
        return [_argv_snippet(exec_form, "shell", f"{origin} (exec form)")] if exec_form else []
    return [_snippet(language, _as_shell_lines(args), origin)]


def _docker_exec_args(pieces: list[_Piece]) -> list[_Arg] | None:
    """The arguments of an exec-form instruction (`["rm", "-rf", "/x"]`), or None for the
    shell form. Like Docker, anything that is not a JSON list of strings is shell form."""
    joined = "".join(p.text for p in pieces)
    if not joined.lstrip().startswith("["):
        return None
    try:
        values = json.loads(joined)
    except (ValueError, RecursionError):
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    # a list of strings only: the n-th string literal in the text is the n-th argument
    literals = list(_JSON_STRING.finditer(joined))
    return [
        _Arg(value, (_joined_position(pieces, literal.start() + 1),))
        for value, literal in zip(values, literals, strict=False)
    ]


def _joined_position(pieces: list[_Piece], offset: int) -> _Position:
    """Where the character at `offset` of the pieces joined together is in the file."""
    for piece in pieces:
        if offset < len(piece.text):
            return (piece.line, piece.column + offset)
        offset -= len(piece.text)
    return pieces[-1].position


def _docker_shell_language(args: list[_Piece], current: str) -> str:
    exec_form = _docker_exec_args(_drop_flags(args))
    return _interpreter_language(exec_form[0].value) if exec_form else current


# --- YAML (workflows, GitLab CI, compose) -------------------------------------------------

# YAML counts a line at each of these; the file is split on '\n' only
_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass
class _Yaml:
    """Composed YAML documents and what is needed to map their nodes back to the file."""

    documents: list[Node]
    error: str | None
    lines: list[str] = field(default_factory=list)
    yaml_line_starts: list[int] = field(default_factory=list)
    bom: int = 0
    locator: _Locator = field(default_factory=lambda: _Locator((0,), 0))
    _merged: dict[int, list[tuple[str, Node]]] = field(default_factory=dict)

    def at(self, mark: Mark) -> _Position:
        line = min(max(mark.line, 0), len(self.yaml_line_starts) - 1)
        return self.locator.at(self.bom + self.yaml_line_starts[line] + mark.column)

    def pairs(self, node: Node | None) -> list[tuple[str, Node]]:
        """A mapping's (key, value) pairs, with `<<` merge keys expanded (own keys first)."""
        from yaml.nodes import MappingNode
        from yaml.nodes import ScalarNode
        from yaml.nodes import SequenceNode

        if not isinstance(node, MappingNode):
            return []
        if id(node) in self._merged:
            return self._merged[id(node)]
        self._merged[id(node)] = []  # a guard while this mapping is being expanded
        own: list[tuple[str, Node]] = []
        inherited: list[tuple[str, Node]] = []
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                continue
            if key.tag == "tag:yaml.org,2002:merge" or (key.value == "<<" and not key.style):
                sources = value.value if isinstance(value, SequenceNode) else [value]
                for source in sources:
                    inherited += self.pairs(source)
            else:
                own.append((str(key.value), value))
        names = {name for name, _ in own}
        merged = own + [(name, value) for name, value in inherited if name not in names]
        self._merged[id(node)] = merged
        return merged

    def get(self, node: Node | None, key: str) -> Node | None:
        return next((value for name, value in self.pairs(node) if name == key), None)

    def string(self, node: Node | None) -> str | None:
        from yaml.nodes import ScalarNode

        return str(node.value) if isinstance(node, ScalarNode) else None

    def scalar_arg(self, node: Node) -> _Arg:
        """A scalar's value and where each of its lines starts in the file."""
        value = str(node.value)
        if node.start_mark is None or node.end_mark is None:
            return _Arg(value, ((1, 1),) * (value.count("\n") + 1))
        start = self.at(node.start_mark)
        end = self.at(node.end_mark)
        style = getattr(node, "style", None) or ""
        if style in ("|", ">"):
            segments = self._block_segments(value, start, end)
        else:
            segments = self._flow_segments(start, end, quoted=style in ("'", '"'))
        return _Arg(value, _align(value, segments))

    def snippet(self, node: Node, language: str, origin: str) -> Snippet:
        arg = self.scalar_arg(node)
        return Snippet(language, arg.value, arg.line_map, origin)

    def _block_segments(self, value: str, header: _Position, end: _Position) -> list[_Piece]:
        """The content lines of a `|` or `>` block scalar, without their indentation."""
        first, last = header[0] + 1, min(max(end[0], header[0] + 1), len(self.lines))
        raw = [(n, self.lines[n - 1]) for n in range(first, last + 1) if n <= len(self.lines)]
        indent = _block_indent(value, [line for _, line in raw])
        segments = [_Piece(line[indent:], n, indent + 1) for n, line in raw]
        return segments or [_Piece("", *header)]

    def _flow_segments(self, start: _Position, end: _Position, quoted: bool) -> list[_Piece]:
        """A plain or quoted scalar's text, line by line, as YAML folds it (trimmed)."""
        quote = int(quoted)  # the text starts after the opening quote, ends before the closing
        first, last = start[0], min(end[0], len(self.lines))
        if first > len(self.lines) or last < first:
            return [_Piece("", *start)]
        column = start[1] + quote
        if first == last:
            line = self.lines[first - 1]
            return [_Piece(line[column - 1 : end[1] - 1 - quote], first, column)]
        segments = [_Piece(self.lines[first - 1][column - 1 :].rstrip(), first, column)]
        for n in range(first + 1, last + 1):
            line = self.lines[n - 1]
            if n == last:
                line = line[: max(end[1] - 1 - quote, 0)]
            text = line.strip(" \t")
            segments.append(_Piece(text, n, len(line) - len(line.lstrip(" \t")) + 1))
        return segments


def _block_indent(value: str, raw_lines: list[str]) -> int:
    """A block scalar's indentation: the first content line's leading spaces in the file,
    less those the value keeps (an explicit indentation indicator keeps some)."""
    value_line = next((v for v in value.split("\n") if v.strip()), "")
    file_line = next((line for line in raw_lines if line.strip()), "")
    kept = len(value_line) - len(value_line.lstrip(" "))
    return max(len(file_line) - len(file_line.lstrip(" ")) - kept, 0)


def _align(value: str, segments: list[_Piece]) -> tuple[_Position, ...]:
    """For each line of a scalar's value, where it starts among the file segments.

    A value line is one segment (literal), or several joined by single spaces (folded, plain
    or quoted scalars over several lines). From the first value line that does not start
    with its segment (an escape sequence, a `''`) on, lines keep the last known position.
    """
    positions: list[_Position] = []
    last = segments[0].position
    index = 0
    aligned = True
    for line in value.split("\n"):
        if aligned and not line:
            if index < len(segments) and not segments[index].text.strip():
                last = segments[index].position
                index += 1
        elif aligned:
            while index < len(segments) and _blank_elsewhere(segments[index].text, line):
                index += 1
            if index < len(segments) and line.startswith(segments[index].text):
                last = segments[index].position
                joined = len(segments[index].text)
                index += 1
                while (
                    joined < len(line)
                    and index < len(segments)
                    and segments[index].text
                    and line.startswith(" " + segments[index].text, joined)
                ):
                    joined += 1 + len(segments[index].text)
                    index += 1
            else:
                aligned = False
        positions.append(last)
    return tuple(positions)


def _blank_elsewhere(segment: str, line: str) -> bool:
    """A blank file line that is not where this value line starts (folding dropped it)."""
    return not segment.strip() and not (segment and line.startswith(segment))


def _read_yaml(text: str) -> _Yaml:
    """All documents of a YAML stream, or the reason it cannot be read."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    bom = int(text.startswith("\ufeff"))
    body = text[bom:]
    try:
        documents = [d for d in yaml.compose_all(body, Loader=loader) if d is not None]
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "unreadable"
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        return _Yaml([], _one_line(f"invalid YAML: {problem}{at}"))
    except yaml.YAMLError as exc:
        return _Yaml([], _one_line(f"invalid YAML: {exc}"))
    except UnicodeError:
        return _Yaml([], "invalid YAML: the text is not valid Unicode")
    except RecursionError:
        return _Yaml([], "invalid YAML: nested too deeply")
    starts = [0, *(m.end() for m in _YAML_LINE_BREAK.finditer(body))]
    return _Yaml(documents, None, _lines(text), starts, bom, _Locator.of(text))


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _github_actions(text: str) -> list[Snippet]:
    doc = _read_yaml(text)
    found: list[Snippet] = []
    for root in doc.documents:
        shell = _actions_default_shell(doc, root, None)
        for job_name, job in doc.pairs(doc.get(root, "jobs")):
            job_shell = _actions_default_shell(doc, job, shell)
            steps = doc.get(job, "steps")
            found += _actions_steps(doc, steps, job_shell, f"workflow job '{job_name}' step run:")
        steps = doc.get(doc.get(root, "runs"), "steps")
        found += _actions_steps(doc, steps, shell, "composite action step run:")
    return found


def _actions_default_shell(doc: _Yaml, node: Node | None, inherited: str | None) -> str | None:
    return doc.string(doc.get(doc.get(doc.get(node, "defaults"), "run"), "shell")) or inherited


def _actions_steps(
    doc: _Yaml, steps: Node | None, default_shell: str | None, origin: str
) -> list[Snippet]:
    from yaml.nodes import ScalarNode
    from yaml.nodes import SequenceNode

    if not isinstance(steps, SequenceNode):
        return []
    found = []
    for step in steps.value:
        run = doc.get(step, "run")
        if isinstance(run, ScalarNode):
            shell = doc.string(doc.get(step, "shell")) or default_shell or "bash"
            # `shell: bash -e {0}` names its program first
            language = _interpreter_language(shell.split()[0] if shell.split() else "bash")
            found.append(doc.snippet(run, language, origin))
    return found


_GITLAB_SCRIPTS = ("before_script", "script", "after_script")
_GITLAB_NOT_JOBS = frozenset({"stages", "variables", "include", "workflow", "image", "services"})


def _gitlab_ci(text: str) -> list[Snippet]:
    doc = _read_yaml(text)
    found: list[Snippet] = []
    for root in doc.documents:
        for name, value in doc.pairs(root):
            if name in _GITLAB_SCRIPTS:  # the old global form of default:
                found += _gitlab_script(doc, value, f"GitLab CI global {name}")
            elif name not in _GITLAB_NOT_JOBS:
                where = "default" if name == "default" else f"job '{name}'"
                for key, script in doc.pairs(value):
                    if key in _GITLAB_SCRIPTS:
                        found += _gitlab_script(doc, script, f"GitLab CI {where} {key}")
                hook = doc.get(doc.get(value, "hooks"), "pre_get_sources_script")
                found += _gitlab_script(doc, hook, f"GitLab CI {where} pre_get_sources_script")
    return found


def _gitlab_script(doc: _Yaml, node: Node | None, origin: str) -> list[Snippet]:
    """One snippet for a script: its commands run one after another in the same shell."""
    items = [doc.scalar_arg(item) for item in _flat_scalars(node, set())]
    if not items:
        return []
    text = "\n".join(item.value for item in items)
    line_map = tuple(position for item in items for position in item.line_map)
    return [Snippet("shell", text, line_map, origin)]


def _flat_scalars(node: Node | None, seen: set[int]) -> Iterator[Node]:
    """Scalars of a possibly nested list (lists nest when anchors are reused), each once:
    an alias repeated many times cannot make the walk explode."""
    from yaml.nodes import ScalarNode
    from yaml.nodes import SequenceNode

    if node is None or id(node) in seen or node.tag == "!reference":
        return  # `!reference [.job, script]` names another script; it is read there
    seen.add(id(node))
    if isinstance(node, ScalarNode):
        yield node
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _flat_scalars(item, seen)


def _compose(text: str) -> list[Snippet]:
    doc = _read_yaml(text)
    found: list[Snippet] = []
    for root in doc.documents:
        for name, service in doc.pairs(doc.get(root, "services")):
            for key in ("command", "entrypoint"):
                origin = f"compose service '{name}' {key}"
                found += _compose_command(doc, doc.get(service, key), origin)
            test = doc.get(doc.get(service, "healthcheck"), "test")
            found += _compose_healthcheck(doc, test, f"compose service '{name}' healthcheck")
    return found


def _compose_command(doc: _Yaml, node: Node | None, origin: str) -> list[Snippet]:
    from yaml.nodes import ScalarNode
    from yaml.nodes import SequenceNode

    if isinstance(node, ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return [doc.snippet(node, "shell", origin)]
    if isinstance(node, SequenceNode):
        return _argv_nodes_snippet(doc, node.value, origin)
    return []


def _argv_nodes_snippet(doc: _Yaml, nodes: list[Node], origin: str) -> list[Snippet]:
    from yaml.nodes import ScalarNode

    args = [doc.scalar_arg(item) for item in nodes if isinstance(item, ScalarNode)]
    return [_argv_snippet(args, "shell", origin)] if args else []


def _compose_healthcheck(doc: _Yaml, node: Node | None, origin: str) -> list[Snippet]:
    from yaml.nodes import ScalarNode
    from yaml.nodes import SequenceNode

    if isinstance(node, ScalarNode):  # a plain string is CMD-SHELL
        return [doc.snippet(node, "shell", origin)]
    if not isinstance(node, SequenceNode) or not node.value:
        return []
    form, *rest = node.value
    if doc.string(form) == "CMD-SHELL" and rest and isinstance(rest[0], ScalarNode):
        return [doc.snippet(rest[0], "shell", origin)]
    if doc.string(form) == "CMD":
        return _argv_nodes_snippet(doc, rest, origin)
    return []


# --- Makefile -----------------------------------------------------------------------------

# `targets:` or `targets::`, not `X := y`, `X ::= y` or `X :::= y`
_MAKE_RULE = re.compile(r" *(?P<targets>[^\s:#=][^:#=]*)(?P<colon>::?)(?![:=])(?P<rest>.*)")
_MAKE_CONDITIONAL = re.compile(r"\s*(ifeq|ifneq|ifdef|ifndef|else|endif)\b")
_MAKE_DEFINE = re.compile(r"\s*(?:(?:export|override)\s+)*define\s+(\S+)")
_MAKE_ENDEF = re.compile(r"\s*endef\b")
_MAKE_RECIPE_PREFIX = re.compile(r"\.RECIPEPREFIX\s*(?::{1,3}|\+|\?)?=\s*(.?)")
_MAKE_ONESHELL = re.compile(r"\.ONESHELL\s*:")
_MAKE_SHELL_ASSIGN = re.compile(r"\s*(?:(?:export|override)\s+)*[^\s:#=!]+\s*!=\s*")
_MAKE_SHELL_CALL = re.compile(r"\$([({])shell\s+")
# make reads these off a recipe line: @ (silent), - (ignore errors), + (always run)
_MAKE_LINE_FLAGS = re.compile(r"[@+\-\s]*")


def _makefile(text: str) -> list[Snippet]:
    return _MakefileReader(_lines(text)).read()


@dataclass
class _MakefileReader:
    """Recipes, `$(shell ...)` calls and `!=` assignments of a Makefile.

    Each logical recipe line runs in its own shell, so each is a snippet (the whole recipe
    is one under `.ONESHELL:`). `$$` becomes `$` as make passes it to the shell; columns
    after a `$$` on the same line are one to the right per `$$` before them.
    """

    lines: list[str]
    found: list[Snippet] = field(default_factory=list)
    prefix: str = "\t"
    target: str | None = None
    recipe: list[list[_Piece]] = field(default_factory=list)

    def read(self) -> list[Snippet]:
        oneshell = any(_MAKE_ONESHELL.match(line) for line in self.lines)
        define: str | None = None
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            if define is not None:
                if _MAKE_ENDEF.match(line):
                    define = None
                index = self._canned_recipe_line(index, define)
                continue
            if self.target is not None and line.startswith(self.prefix):
                pieces, index = self._recipe_line(index)
                self.recipe.append(pieces)
                continue
            if not line.strip() or line.lstrip().startswith("#") or _MAKE_CONDITIONAL.match(line):
                index += 1  # none of these ends a recipe
                continue
            self._end_recipe(oneshell)
            index = self._directive_or_rule(index)
            define_match = _MAKE_DEFINE.match(line)
            if define_match:
                define = define_match[1]
        self._end_recipe(oneshell)
        for number, line in enumerate(self.lines, start=1):
            if not line.lstrip().startswith("#"):
                self._shell_calls(line, number)
        return self.found

    def _directive_or_rule(self, index: int) -> int:
        """Read the non-recipe logical line at `index`; return the index after it."""
        line = self.lines[index]
        prefix = _MAKE_RECIPE_PREFIX.match(line)
        if prefix:
            self.prefix = prefix[1] or "\t"
        assign = _MAKE_SHELL_ASSIGN.match(line)
        if assign:
            first = _Piece(line[assign.end() :], index + 1, assign.end() + 1)
            pieces, after = self._continued(first, index + 1)
            self.found.append(self._shell(pieces, "Makefile != assignment"))
            return after
        rule = _MAKE_RULE.fullmatch(line) if not _MAKE_DEFINE.match(line) else None
        if rule is None:
            return self._continued(_Piece(line, index + 1, 1), index + 1)[1]
        self.target = rule["targets"].split()[0]
        rest, rest_start = rule["rest"], rule.start("rest")
        semicolon = rest.find(";")
        if semicolon < 0 or "#" in rest[:semicolon]:
            return self._continued(_Piece(line, index + 1, 1), index + 1)[1]
        # `target: prerequisites ; recipe` starts the recipe on the rule's own line
        start = rest_start + semicolon + 1
        first = self._without_line_flags(_Piece(line[start:], index + 1, start + 1))
        pieces, after = self._continued(first, index + 1)
        self.recipe.append(pieces)
        return after

    def _canned_recipe_line(self, index: int, define: str | None) -> int:
        """A line of a `define` body: prefixed lines are recipe lines once the variable is
        used in a rule, so they are read as such (other lines may be any text)."""
        if define is None or not self.lines[index].startswith(self.prefix):
            return index + 1
        pieces, after = self._recipe_line(index)
        self.found.append(self._shell(pieces, f"Makefile define '{define}'"))
        return after

    def _recipe_line(self, index: int) -> tuple[list[_Piece], int]:
        line = self.lines[index]
        width = len(self.prefix)
        first = self._without_line_flags(_Piece(line[width:], index + 1, width + 1))
        return self._continued(first, index + 1)

    def _without_line_flags(self, piece: _Piece) -> _Piece:
        flags = _MAKE_LINE_FLAGS.match(piece.text)
        width = flags.end() if flags else 0
        return _Piece(piece.text[width:], piece.line, piece.column + width)

    def _continued(self, first: _Piece, index: int) -> tuple[list[_Piece], int]:
        """A logical line: `first` and the lines a trailing backslash joins to it. Make
        passes backslash-newline to the shell, which joins them the same way; it drops
        one recipe prefix from each continuation line."""
        pieces = [first]
        while _ends_in_backslash(pieces[-1].text) and index < len(self.lines):
            line = self.lines[index]
            index += 1
            width = len(self.prefix) if line.startswith(self.prefix) else 0
            pieces.append(_Piece(line[width:], index, width + 1))
        return pieces, index

    def _end_recipe(self, oneshell: bool) -> None:
        origin = f"Makefile recipe '{self.target}'"
        if oneshell and self.recipe:
            self.found.append(self._shell([p for line in self.recipe for p in line], origin))
        else:
            self.found += [self._shell(pieces, origin) for pieces in self.recipe]
        self.target = None
        self.recipe = []

    def _shell_calls(self, line: str, number: int) -> None:
        for match in _MAKE_SHELL_CALL.finditer(line):
            if match.start() > 0 and line[match.start() - 1] == "$":
                continue  # `$$(shell` is text for the shell, not a call
            end = _closing_bracket(line, match.end(), match[1])
            piece = _Piece(line[match.end() : end], number, match.end() + 1)
            self.found.append(self._shell([piece], "Makefile $(shell ...)"))

    @staticmethod
    def _shell(pieces: list[_Piece], origin: str) -> Snippet:
        unescaped = [_Piece(p.text.replace("$$", "$"), p.line, p.column) for p in pieces]
        return _snippet("shell", unescaped, origin)


def _ends_in_backslash(text: str) -> bool:
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


def _closing_bracket(text: str, start: int, opening: str) -> int:
    closing = ")" if opening == "(" else "}"
    depth = 1
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return index
    return len(text)


# --- package.json -------------------------------------------------------------------------

_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _read_json(text: str) -> tuple[object, str | None]:
    try:
        return json.loads(_bom_as_space(text)), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return None, _one_line(f"invalid JSON: {exc}")


def _bom_as_space(text: str) -> str:
    # keeps every offset where it was; JSON allows leading whitespace, not a BOM
    return " " + text[1:] if text.startswith("\ufeff") else text


def _package_json(text: str) -> list[Snippet]:
    data, _ = _read_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("scripts"), dict):
        return []
    text = _bom_as_space(text)
    locator = _Locator.of(text)
    decoder = json.JSONDecoder()
    start = _skip_json_space(text, 0)
    found: list[Snippet] = []
    for key, at in _json_members(text, start, decoder):
        if key == "scripts" and text.startswith("{", at):
            for name, value_at in _json_members(text, at, decoder):
                if text.startswith('"', value_at):
                    found.append(_json_string_snippet(text, value_at, locator, name, decoder))
    return found


def _json_members(text: str, start: int, decoder: json.JSONDecoder) -> Iterator[tuple[str, int]]:
    """(key, offset of its value) for each member of the object opening at `start`, in a
    text already known to be valid JSON (json.loads keeps no positions)."""
    index = _skip_json_space(text, start + 1)
    while text.startswith('"', index):
        key, index = decoder.raw_decode(text, index)
        index = _skip_json_space(text, _skip_json_space(text, index) + 1)  # past ':'
        yield str(key), index
        _, index = decoder.raw_decode(text, index)
        index = _skip_json_space(text, index)
        if not text.startswith(",", index):
            return
        index = _skip_json_space(text, index + 1)


def _skip_json_space(text: str, index: int) -> int:
    match = _JSON_SPACE.match(text, index)
    return match.end() if match else index


def _json_string_snippet(
    text: str, quote: int, locator: _Locator, name: str, decoder: json.JSONDecoder
) -> Snippet:
    decoded, end = decoder.raw_decode(text, quote)
    value = str(decoded)
    _, starts = _escaped_string(text[quote + 1 : end - 1], hcl=False)
    if len(starts) != value.count("\n") + 1:
        starts = [0] * (value.count("\n") + 1)
    line_map = tuple(locator.at(quote + 1 + offset) for offset in starts)
    return Snippet("shell", value, line_map, f"package.json script '{name}'")


# --- Terraform ----------------------------------------------------------------------------

_HCL_PROVISIONER = re.compile(r'\bprovisioner\s+"(local-exec|remote-exec)"\s*\{')
# an attribute starts a line, or follows the `{` of a one-line block
_HCL_ATTRIBUTE = re.compile(r"(?m)(?:^|\{)[ \t]*(command|inline|interpreter)[ \t]*=[ \t]*")
_HCL_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
_HCL_TOKEN_START = re.compile(r'#|//|/\*|"|<<-?[A-Za-z_]')
_HCL_BRACKET = re.compile(r"[{}\[\]]")


@dataclass(frozen=True, slots=True)
class _Token:
    """A span the HCL scan must not look inside: a string, a heredoc or a comment."""

    kind: str  # "string" | "heredoc" | "comment"
    start: int
    end: int


@dataclass(frozen=True)
class _Hcl:
    """A Terraform file scanned once (regex-level, no HCL parser): its strings, heredocs and
    comments; the bracket closing each opening one; the attributes directly in each block."""

    text: str
    tokens: list[_Token]
    starts: list[int]
    closing: dict[int, int]  # offset of `{` or `[` -> offset of its match
    members: dict[int, list[re.Match[str]]]  # offset of `{` -> its command/inline/... attributes
    locator: _Locator

    @classmethod
    def of(cls, text: str) -> _Hcl:
        tokens = _hcl_tokens(text)
        starts = [t.start for t in tokens]
        closing, members = _hcl_structure(text, tokens, starts)
        return cls(text, tokens, starts, closing, members, _Locator.of(text))

    def token_at(self, index: int) -> _Token | None:
        """The token starting exactly at `index`."""
        position = bisect_right(self.starts, index) - 1
        if position >= 0 and self.tokens[position].start == index:
            return self.tokens[position]
        return None

    def inside_token(self, index: int) -> bool:
        return _inside(self.tokens, self.starts, index)

    def closing_of(self, opening: int) -> int:
        return self.closing.get(opening, len(self.text))


def _inside(tokens: list[_Token], starts: list[int], index: int) -> bool:
    position = bisect_right(starts, index) - 1
    return position >= 0 and index < tokens[position].end


def _hcl_structure(
    text: str, tokens: list[_Token], starts: list[int]
) -> tuple[dict[int, int], dict[int, list[re.Match[str]]]]:
    """Match brackets and find the block each attribute is directly in, in one pass over the
    code, so that nested or unclosed blocks cost no more than well-formed ones."""
    events: list[tuple[int, str, re.Match[str] | None]] = [
        (m.start(), m[0], None) for m in _HCL_BRACKET.finditer(text)
    ]
    events += [(m.start(1), "=", m) for m in _HCL_ATTRIBUTE.finditer(text)]
    events.sort(key=lambda event: event[0])
    closing: dict[int, int] = {}
    members: dict[int, list[re.Match[str]]] = {}
    open_: dict[str, list[int]] = {"{": [], "[": []}
    for index, kind, attribute in events:
        if _inside(tokens, starts, index):
            continue
        if kind in open_:
            open_[kind].append(index)
        elif kind in "}]":
            stack = open_["{" if kind == "}" else "["]
            if stack:
                closing[stack.pop()] = index
        elif attribute is not None and open_["{"]:
            members.setdefault(open_["{"][-1], []).append(attribute)
    return closing, members


def _terraform(text: str) -> list[Snippet]:
    if "provisioner" not in text:
        return []
    text = _bom_as_space(text)
    hcl = _Hcl.of(text)
    found: list[Snippet] = []
    for match in _HCL_PROVISIONER.finditer(text):
        if not hcl.inside_token(match.start()):
            found += _provisioner(hcl, match[1], match.end() - 1)
    return found


def _provisioner(hcl: _Hcl, kind: str, opening: int) -> list[Snippet]:
    values = {m[1]: _hcl_strings(hcl, m.end()) for m in hcl.members.get(opening, [])}
    interpreter = values.get("interpreter")
    language = _interpreter_language(interpreter[0].value) if interpreter else "shell"
    if kind == "local-exec" and values.get("command"):
        command = values["command"][0]
        return [Snippet(language, command.value, command.line_map, "Terraform local-exec command")]
    inline = values.get("inline")
    if kind == "remote-exec" and inline:
        # Terraform writes the lines into one script and runs it
        text = "\n".join(arg.value for arg in inline)
        line_map = tuple(position for arg in inline for position in arg.line_map)
        return [Snippet("shell", text, line_map, "Terraform remote-exec inline")]
    return []


def _hcl_strings(hcl: _Hcl, index: int) -> list[_Arg]:
    """The string (or heredoc) at `index`, or the strings of the list opening there."""
    token = hcl.token_at(index)
    if token is not None and token.kind != "comment":
        return [_hcl_string(hcl, token)]
    if not hcl.text.startswith("[", index):
        return []
    within = hcl.tokens[
        bisect_right(hcl.starts, index) : bisect_left(hcl.starts, hcl.closing_of(index))
    ]
    return [_hcl_string(hcl, t) for t in within if t.kind != "comment"]


def _hcl_string(hcl: _Hcl, token: _Token) -> _Arg:
    if token.kind == "heredoc":
        return _hcl_heredoc(hcl, token)
    end = token.end - 1 if hcl.text[token.end - 1 : token.end] == '"' else token.end
    value, starts = _escaped_string(hcl.text[token.start + 1 : max(end, token.start + 1)], True)
    return _Arg(value, tuple(hcl.locator.at(token.start + 1 + offset) for offset in starts))


def _hcl_heredoc(hcl: _Hcl, token: _Token) -> _Arg:
    """A heredoc's body lines; `<<-` removes the smallest indentation from every line."""
    header = _HCL_HEREDOC.match(hcl.text, token.start)
    first_line = hcl.locator.at(token.start)[0] + 1
    lines = hcl.text[header.end() if header else token.start : token.end].split("\n")
    body = [line.removesuffix("\r") for line in lines]
    if header and body and body[-1].strip() == header[2]:
        body.pop()  # the closing marker
    indent = 0
    if header and header[1] == "-":
        widths = [len(line) - len(line.lstrip(" \t")) for line in body if line.strip()]
        indent = min(widths, default=0)
    if not body:
        return _Arg("", (hcl.locator.at(token.start),))
    return _Arg(
        "\n".join(line[indent:] for line in body),
        tuple((first_line + n, indent + 1) for n in range(len(body))),
    )


def _hcl_tokens(text: str) -> list[_Token]:
    """Strings, heredocs and comments, in order, so that nothing inside them is mistaken
    for structure."""
    tokens: list[_Token] = []
    candidate = _HCL_TOKEN_START.search(text)
    while candidate:
        index = candidate.start()
        if candidate[0] in ("#", "//"):
            end = text.find("\n", index)
            tokens.append(_Token("comment", index, len(text) if end < 0 else end))
        elif candidate[0] == "/*":
            end = text.find("*/", index + 2)
            tokens.append(_Token("comment", index, len(text) if end < 0 else end + 2))
        elif candidate[0] == '"':
            tokens.append(_Token("string", index, _hcl_string_end(text, index)))
        elif _HCL_HEREDOC.match(text, index):
            tokens.append(_Token("heredoc", index, _hcl_heredoc_end(text, index)))
        after = tokens[-1].end if tokens and tokens[-1].start == index else index + 1
        candidate = _HCL_TOKEN_START.search(text, max(after, index + 1))
    return tokens


def _hcl_string_end(text: str, start: int) -> int:
    """The offset just past the string literal opening at `start`.

    `${ ... }` and `%{ ... }` may hold strings of their own (`"${join(",", var.x)}"`): a
    stack keeps, for each open template, its brace depth (-1 marks being inside a string).
    """
    stack = [-1]
    index = start + 1
    while index < len(text) and stack:
        char = text[index]
        if stack[-1] == -1:
            if char == "\\":
                index += 2
                continue
            if char == "\n":
                return index  # strings end at the line; an unclosed one stops here
            if char == '"':
                stack.pop()
            elif text.startswith(("$${", "%%{"), index):
                index += 3
                continue
            elif text.startswith(("${", "%{"), index):
                stack.append(1)
                index += 2
                continue
        elif char == '"':
            stack.append(-1)
        elif char == "{":
            stack[-1] += 1
        elif char == "}":
            stack[-1] -= 1
            if stack[-1] == 0:
                stack.pop()
        index += 1
    return min(index, len(text))


def _hcl_heredoc_end(text: str, start: int) -> int:
    """The offset just past a heredoc's closing marker line (or the end of the text)."""
    header = _HCL_HEREDOC.match(text, start)
    if header is None:
        return start + 1
    closing = re.compile(rf"(?m)^[ \t]*{re.escape(header[2])}[ \t]*\r?$")
    end = closing.search(text, header.end())
    return end.end() if end else len(text)


# --- dispatch -----------------------------------------------------------------------------


def _shell_script(text: str) -> list[Snippet]:
    return [whole("shell", text)]


def _sql(text: str) -> list[Snippet]:
    return [whole("sql", text)]


def _nothing(text: str) -> list[Snippet]:
    return []  # Python is analysed on its own (codeguard.analyze.python)


_EXTRACTORS: dict[str, Callable[[str], list[Snippet]]] = {
    "shell": _shell_script,
    "dockerfile": _dockerfile,
    "github-actions": _github_actions,
    "gitlab-ci": _gitlab_ci,
    "makefile": _makefile,
    "package-json": _package_json,
    "terraform": _terraform,
    "sql": _sql,
    "python": _nothing,
    "compose": _compose,
}
