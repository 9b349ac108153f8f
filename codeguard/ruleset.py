"""Load and validate `rules/*.yaml` into Rules; examples, markers and the rule selection."""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from codeguard.errors import RuleError
from codeguard.finding import RuleMeta
from codeguard.finding import Severity

SCHEMA_PATH = Path(__file__).parent / "schema" / "rule.schema.json"
MESSAGE_FIELDS = frozenset({"callee", "match", "arg", "path", "target", "via"})
_MARKER = re.compile(r"\s*(?:#|--|//)\s*expect:\s*([A-Za-z0-9_, -]+?)\s*$")
DOCS_URL = "https://github.com/codeguard-dev/codeguard/blob/main/docs/rules.md"


def builtin_rules_dir() -> Path:
    """Rules ship inside the wheel as `codeguard/_rules`; a checkout keeps them in `rules/`."""
    packaged = Path(__file__).parent / "_rules"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "rules"


@dataclass(frozen=True, slots=True)
class Example:
    path: str
    code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ArgPredicate:
    position: int | None = None
    keyword: str | None = None
    is_: str | None = None
    equals: object = None
    has_equals: bool = False
    matches: Regex | None = None
    not_matches: Regex | None = None
    source_matches: Regex | None = None
    less_than: float | None = None
    receiver: bool = False
    any_arg: bool = False


@dataclass(frozen=True, kw_only=True)
class PyCall:
    """One `python-call` pattern: which calls, and what their arguments must (not) be."""

    callees: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    args: tuple[ArgPredicate, ...] = ()
    unless: tuple[ArgPredicate, ...] = ()
    skip_in_tests: bool = False
    in_handler: bool = False
    statement_matches: Regex | None = None
    function_lacks: Regex | None = None
    kwargs_tainted: bool = False


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    name: str
    stage: str
    severity: Severity
    status: str
    message: str
    description: str
    references: tuple[str, ...]
    files: tuple[str, ...]
    exclude: tuple[str, ...]
    kinds: tuple[str, ...]  # "regex" | "python-call" | "shell" | "sql" | "builtin"
    pattern: Regex | None = None
    python: tuple[PyCall, ...] = ()
    assigns: tuple[dict[str, Any], ...] = ()
    compare: dict[str, Any] | None = None
    decorator: dict[str, Any] | None = None
    returns: dict[str, Any] | None = None
    builtin: str = ""
    shell: tuple[dict[str, Any], ...] = ()
    sql: tuple[dict[str, Any], ...] = ()
    bad: tuple[Example, ...] = ()
    good: tuple[Example, ...] = ()
    source: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def meta(self) -> RuleMeta:
        return RuleMeta(
            id=self.id,
            name=self.name,
            severity=self.severity,
            short=self.message.replace("{", "").replace("}", ""),
            description=self.description,
            help_uri=f"{DOCS_URL}#{self.id.lower()}-{self.name}",
        )

    def render_message(self, **values: str) -> str:
        return string.Formatter().vformat(self.message, (), _Defaults(values))


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key


def _validator() -> Any:
    import jsonschema  # lazily: only when rule files are (re)validated

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _yaml_line(text: str, path: list[str | int]) -> int | None:
    """The line of the YAML node at `path`, for error messages."""
    import yaml

    try:
        node: Any = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
        if node is None:
            return None
    return int(node.start_mark.line) + 1


def _key(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _optional(where: str, key: str, raw: dict[str, Any], name: str) -> Regex | None:
    return _compile(where, f"{key}.{name}", raw[name], 0) if name in raw else None


def _predicate(where: str, key: str, raw: dict[str, Any]) -> ArgPredicate:
    return ArgPredicate(
        position=raw.get("position"),
        keyword=raw.get("keyword"),
        is_=raw.get("is"),
        equals=raw.get("equals"),
        has_equals="equals" in raw,
        matches=_optional(where, key, raw, "matches"),
        not_matches=_optional(where, key, raw, "not-matches"),
        source_matches=_optional(where, key, raw, "source-matches"),
        less_than=raw.get("less-than"),
        receiver=bool(raw.get("receiver")),
        any_arg=bool(raw.get("any")),
    )


def _pycall(where: str, n: int, spec: dict[str, Any]) -> PyCall:
    key = f"match.python-call[{n}]"
    if "*" in spec.get("callee", []) and spec.get("kwargs") != "tainted":
        # a call with no name to look for is found by its `**kwargs` (engine.run_rules)
        raise RuleError(f'{where}: {key}: callee "*" needs kwargs: tainted')
    return PyCall(
        callees=tuple(spec.get("callee", [])),
        methods=tuple(spec.get("method", [])),
        args=tuple(
            _predicate(where, f"{key}.args[{i}]", p) for i, p in enumerate(spec.get("args", []))
        ),
        unless=tuple(
            _predicate(where, f"{key}.unless[{i}]", p) for i, p in enumerate(spec.get("unless", []))
        ),
        skip_in_tests=bool(spec.get("skip-in-tests", False)),
        in_handler=bool(spec.get("in-handler", False)),
        statement_matches=_optional(where, key, spec, "statement-matches"),
        function_lacks=_optional(where, key, spec, "function-lacks"),
        kwargs_tainted=spec.get("kwargs") == "tainted",
    )


class Regex:
    """A rule's regular expression, compiled on first use.

    Rules read from the cache were validated when the cache was written; compiling all
    ~280 of their regexes again on every run cost ~40 ms, most of them for rules whose
    trigger words never appear in the change.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int, compiled: re.Pattern[str] | None = None):
        self.pattern = pattern
        self.flags = flags
        self._compiled = compiled

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)


# True while rules are rebuilt from the cache: their regexes were checked when it was made
_TRUSTED = False


def _compile(where: str, key: str, pattern: str, flags: int) -> Regex:
    if _TRUSTED:
        return Regex(pattern, flags)
    try:
        return Regex(pattern, flags, re.compile(pattern, flags))
    except re.error as exc:
        raise RuleError(f"{where}: {key}: invalid regex: {exc}") from None


def _examples(items: list[Any]) -> tuple[Example, ...]:
    return tuple(
        Example("example.py", item)
        if isinstance(item, str)
        else Example(item["path"], item["code"])
        for item in items
    )


def parse_rule(path: Path, text: str, validator: Any) -> Rule:
    """One rule file -> Rule, or a RuleError naming the file, the key and the line."""
    return build_rule(path, validate_rule(path, text, validator))


def validate_rule(path: Path, text: str, validator: Any) -> dict[str, Any]:
    """A rule file's YAML, checked against the schema and the naming conventions."""
    import yaml

    where = str(path)
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RuleError(f"{where}{line}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{where}: a rule file must be a mapping")
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.path), str(e.path)))
    if errors:
        import jsonschema

        err = jsonschema.exceptions.best_match(errors)
        key_path = list(err.absolute_path)
        line_no = _yaml_line(text, key_path)
        loc = f"{where}:{line_no}" if line_no else where
        raise RuleError(f"{loc}: {_key(key_path)}: {err.message}")
    expected_stem = f"{data['id']}-{data['name']}"
    if path.stem != expected_stem:
        raise RuleError(f"{where}: id/name: the file must be named {expected_stem}.yaml")
    fields = {f for _, f, _, _ in string.Formatter().parse(data["message"]) if f}
    if not fields <= MESSAGE_FIELDS:
        bad = sorted(fields - MESSAGE_FIELDS)[0]
        raise RuleError(f"{where}: message: unknown placeholder {{{bad}}}")
    build_rule(path, data)  # regexes compile
    return data


def _pattern_regexes(pattern: Any, key: str = "") -> list[tuple[str, str]]:
    """Every `matches`/`not-matches` regex inside a shell or SQL pattern."""
    found: list[tuple[str, str]] = []
    if isinstance(pattern, dict):
        for k, v in pattern.items():
            here = f"{key}.{k}" if key else str(k)
            if k in ("matches", "not-matches") and isinstance(v, str):
                found.append((here, v))
            else:
                found.extend(_pattern_regexes(v, here))
    return found


def build_rule(path: Path, data: dict[str, Any]) -> Rule:
    """A validated rule mapping -> Rule."""
    where = str(path)
    extra: dict[str, Any] = {}
    for kind, spec in data["match"].items():
        if kind == "regex":
            flags = re.IGNORECASE if spec.get("ignore-case") else 0
            extra["pattern"] = _compile(where, "match.regex.pattern", spec["pattern"], flags)
        elif kind == "python-call":
            specs = spec if isinstance(spec, list) else [spec]
            extra["python"] = tuple(_pycall(where, n, s) for n, s in enumerate(specs))
        elif kind == "python-assign":
            assigns = tuple(spec) if isinstance(spec, list) else (spec,)
            for i, a in enumerate(assigns):
                for key, regex in _pattern_regexes(a.get("value", {})):
                    _compile(where, f"match.python-assign[{i}].value.{key}", regex, 0)
                if "source-matches" in a.get("value", {}):
                    _compile(where, f"match.python-assign[{i}]", a["value"]["source-matches"], 0)
                if "function-lacks" in a:
                    key = f"match.python-assign[{i}].function-lacks"
                    _compile(where, key, a["function-lacks"], 0)
            extra["assigns"] = assigns
        elif kind == "python-return":
            if "matches" in spec:
                _compile(where, "match.python-return.matches", spec["matches"], 0)
            extra["returns"] = spec
        elif kind == "python-decorator":
            for name in ("function-lacks", "decorator-matches", "module-matches", "module-lacks"):
                if name in spec:
                    _compile(where, f"match.python-decorator.{name}", spec[name], 0)
            extra["decorator"] = spec
        elif kind == "python-compare":
            for name in ("operand-matches", "other-not-matches", "origin-matches"):
                if name in spec:
                    _compile(where, f"match.python-compare.{name}", spec[name], 0)
            extra["compare"] = spec
        elif kind in ("shell", "sql"):
            patterns = tuple(spec) if isinstance(spec, list) else (spec,)
            for i, pattern in enumerate(patterns):
                for key, regex in _pattern_regexes(pattern):
                    _compile(where, f"match.{kind}[{i}].{key}", regex, 0)
            extra[kind] = patterns
        else:
            extra["builtin"] = spec
    return Rule(
        id=data["id"],
        name=data["name"],
        stage=data["stage"],
        severity=Severity.parse(data["severity"]),
        status=data.get("status", "stable"),
        message=data["message"],
        description=data["description"].strip(),
        references=tuple(data.get("references", [])),
        files=tuple(data.get("files", [])),
        exclude=tuple(data.get("exclude", [])),
        kinds=tuple(data["match"]),
        bad=_examples(data["examples"]["bad"]),
        good=_examples(data["examples"]["good"]),
        source=where,
        raw=data,
        **extra,
    )


def _rule_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        if not directory.is_dir():
            raise RuleError(f"{directory}: rule directory not found")
        files.extend(sorted(directory.glob("*.yaml")))
    return files


def _cache_key(files: list[Path]) -> str:
    from codeguard import __version__

    parts: list[object] = [__version__, _stamp(SCHEMA_PATH)]
    parts.extend((str(f), _stamp(f)) for f in files)
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns)


def _read_cache(cache: Path) -> list[Rule] | None:
    global _TRUSTED
    try:
        entries = json.loads(cache.read_text(encoding="utf-8"))
        _TRUSTED = True
        return [build_rule(Path(e["source"]), e["data"]) for e in entries]
    except (OSError, ValueError, KeyError, TypeError, RuleError):
        return None
    finally:
        _TRUSTED = False


def _write_cache(cache: Path, rules: list[Rule]) -> None:
    """Best effort: a cache that cannot be written only costs time."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        for old in cache.parent.glob("rules-*.json"):
            old.unlink(missing_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps([{"source": r.source, "data": r.raw} for r in rules]))
        os.replace(tmp, cache)
    except OSError:
        pass


def load_rules(dirs: Iterable[Path], cache_dir: Path | None = None) -> list[Rule]:
    """Every rule in `dirs`, validated; ids are unique across all of them.

    Validation (YAML + JSON Schema) costs ~40 ms of imports; with `cache_dir` the
    validated rules are reused until a rule file or codeguard itself changes.
    """
    files = _rule_files(dirs)
    cache = cache_dir / f"rules-{_cache_key(files)}.json" if cache_dir is not None else None
    if cache is not None and cache.is_file():
        cached = _read_cache(cache)
        if cached is not None:
            return cached
    validator = _validator() if files else None
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"{path}: cannot read: {exc}") from None
        rule = parse_rule(path, text, validator)
        for ident in (rule.id, rule.name):
            if ident in seen:
                raise RuleError(f"{path}: id: {ident} is already used by {seen[ident]}")
            seen[ident] = str(path)
        rules.append(rule)
    if cache is not None:
        _write_cache(cache, rules)
    return rules


def split_markers(code: str) -> tuple[str, set[tuple[int, str]]]:
    """Strip `# expect: ID[, ID]` markers; return the code and {(line, id)} expected."""
    out: list[str] = []
    expected: set[tuple[int, str]] = set()
    for number, line in enumerate(code.split("\n"), start=1):
        m = _MARKER.search(line)
        if m:
            for ident in re.split(r"[,\s]+", m.group(1).strip()):
                if ident:
                    expected.add((number, ident))
            line = line[: m.start()]
        out.append(line)
    return "\n".join(out), expected


def selects(patterns: Iterable[str], rule_id: str, name: str) -> int:
    """How specifically `patterns` name a rule: the longest matching prefix, or 0."""
    best = 0
    for p in patterns:
        if p == name:
            best = max(best, 100)
        elif rule_id.startswith(p):
            best = max(best, len(p))
    return best


def is_enabled(select: tuple[str, ...], ignore: tuple[str, ...], rule_id: str, name: str) -> bool:
    """flake8's decision: the most specific of select and ignore wins.

    On a tie the rule stays on: a contradictory configuration must not weaken the gate.
    """
    if not select:
        return selects(ignore, rule_id, name) == 0
    chosen = selects(select, rule_id, name)
    return chosen > 0 and chosen >= selects(ignore, rule_id, name)
