"""Names and values in Python code: what a call really calls, what a path really is.

Built on the stdlib `ast`: libcst's QualifiedNameProvider gave the same names but cost
2.2 s on a 1,300-line commit (5.4x bandit; see the README's benchmark notes), where this
resolver takes milliseconds. It follows imports and aliases through Python's scopes
(local, enclosing, module, builtins), `__import__`/`importlib`/`getattr` with constant
names, and propagates constants: literals, concatenation, f-strings, `pathlib` and
`os.path` arithmetic, `expanduser`, `os.environ["HOME"]`, `tempfile`, loops over
constant lists and over directory walks.
"""

from __future__ import annotations

import ast
import builtins
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

from codeguard.analyze.shell import UNKNOWN_CLOSE
from codeguard.analyze.shell import UNKNOWN_OPEN


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


class _Number:
    """A number whose value is not known (`int(x)`, `len(x)`): it cannot carry SQL or a
    path, and it is not small or large either."""

    def __repr__(self) -> str:
        return "NUMBER"

    def __str__(self) -> str:
        return "0"


NUMBER = _Number()
BUILTINS = frozenset(dir(builtins))
MAX_VALUES = 8
MAX_DEPTH = 24
_IMPORTERS = frozenset({"builtins.__import__", "importlib.import_module", "importlib.__import__"})
_PATH_TYPES = frozenset(
    {
        "pathlib.Path",
        "pathlib.PosixPath",
        "pathlib.PurePath",
        "pathlib.PurePosixPath",
        "pathlib.WindowsPath",
        "path.Path",
        "py.path.local",
    }
)
_SAME_PATH = frozenset(
    {
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
        "os.path.expanduser",
        "os.fspath",
        "builtins.str",
        "os.fsdecode",
        "os.fsencode",
        "posixpath.abspath",
        "posixpath.normpath",
        "posixpath.expanduser",
    }
)
_TEMP = frozenset(
    {
        "tempfile.mkdtemp",
        "tempfile.gettempdir",
        "tempfile.mkstemp",
        "tempfile.TemporaryDirectory",
        "tempfile.NamedTemporaryFile",
        "tempfile.SpooledTemporaryFile",
    }
)
_WALKERS = frozenset({"os.walk", "os.listdir", "os.scandir", "glob.glob", "glob.iglob", "os.fwalk"})
_PATH_METHODS_SAME = frozenset(
    {"resolve", "absolute", "expanduser", "as_posix", "__str__", "__fspath__"}
)
_PATH_WALK_METHODS = frozenset({"rglob", "glob", "iterdir", "walk"})
_HOME_VARS = frozenset({"HOME", "USERPROFILE"})
_BINDING_NODES = frozenset(
    {ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr,
     ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.ExceptHandler, ast.Global, ast.Nonlocal}
)  # fmt: skip
_ITER_WRAPPERS = frozenset(
    {
        "builtins.sorted",
        "builtins.list",
        "builtins.reversed",
        "builtins.tuple",
        "builtins.set",
        "builtins.filter",
        "builtins.enumerate",
        "builtins.iter",
    }
)
_DECODERS = frozenset(
    {
        "base64.b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.a85decode",
        "base64.b85decode",
        "base64.urlsafe_b64decode",
        "base64.decodebytes",
        "binascii.a2b_base64",
        "binascii.unhexlify",
        "binascii.a2b_hex",
        "codecs.decode",
        "zlib.decompress",
        "gzip.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "bytes.fromhex",
        "marshal.loads",
    }
)
# A hunk seen without its file often uses names imported above it: an unbound name that
# is unmistakably one framework's (`HttpResponseRedirect`) stands for it. Ambiguous names
# (`load`, `Template`, `get`) are left out on purpose.
_FRAGMENT_GUESSES: dict[str, tuple[str, ...]] = {
    "redirect": ("flask.redirect", "django.shortcuts.redirect"),
    "send_file": ("flask.send_file",),
    "render_template_string": ("flask.render_template_string",),
    "make_response": ("flask.make_response",),
    "Markup": ("markupsafe.Markup",),
    "HttpResponse": ("django.http.HttpResponse",),
    "HttpResponseRedirect": ("django.http.HttpResponseRedirect",),
    "HttpResponsePermanentRedirect": ("django.http.HttpResponsePermanentRedirect",),
    "mark_safe": ("django.utils.safestring.mark_safe",),
    "csrf_exempt": ("django.views.decorators.csrf.csrf_exempt",),
    "RedirectResponse": ("starlette.responses.RedirectResponse",),
    "HTMLResponse": ("starlette.responses.HTMLResponse",),
    "FileResponse": ("starlette.responses.FileResponse",),
    "CORSMiddleware": ("starlette.middleware.cors.CORSMiddleware",),
    "CORS": ("flask_cors.CORS",),
    "Popen": ("subprocess.Popen",),
    "check_output": ("subprocess.check_output",),
    "check_call": ("subprocess.check_call",),
    "urlopen": ("urllib.request.urlopen",),
    "PoolManager": ("urllib3.PoolManager",),
    "text": ("sqlalchemy.text",),
    "PBKDF2HMAC": ("cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC",),
    "pbkdf2_hmac": ("hashlib.pbkdf2_hmac",),
}
DECODED = "\ue000decoded\ue001"
# `shlex.quote(x)`: one shell word whatever x holds
QUOTED = "'\ue000quoted\ue001'"
_SHELL_QUOTES = frozenset({"shlex.quote", "pipes.quote", "shlex.join"})
# what comes out of these no longer carries the input's meaning (markup, a path, a URL)
_SANITIZERS = frozenset(
    {
        "html.escape",
        "markupsafe.escape",
        "flask.escape",
        "jinja2.escape",
        "django.utils.html.escape",
        "django.utils.html.conditional_escape",
        "bleach.clean",
        "nh3.clean",
        "werkzeug.utils.secure_filename",
        "werkzeug.secure_filename",
        "urllib.parse.quote",
        "urllib.parse.quote_plus",
    }
)
TEMP_PATH = "/tmp/tmp.codeguard"


def marker(name: str) -> str:
    return f"{UNKNOWN_OPEN}{name}{UNKNOWN_CLOSE}"


@dataclass
class Scope:
    """One Python scope: its bindings (name -> what was bound) and where lookups go next."""

    node: ast.AST
    parent: Scope | None
    kind: str  # "module" | "function" | "class"
    bindings: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    star_modules: list[str] = field(default_factory=list)
    globals_: set[str] = field(default_factory=set)

    def bind(self, name: str, kind: str, value: object = None) -> None:
        self.bindings.setdefault(name, []).append((kind, value))


class Resolver:
    """Scopes for one module, built once; then names and values on demand."""

    def __init__(self, tree: ast.Module) -> None:
        self.scopes: dict[int, Scope] = {}
        # Each (expression, scope) is resolved once: a name assigned many times from
        # itself (`text = text.replace(...)` thirty times) otherwise fans out at every
        # level, exponentially (47 s on one 900-line pygments module). An entry being
        # computed reads as unknown, which also ends cycles (`x = x + 1`).
        self._values_memo: dict[tuple[int, int], list[object]] = {}
        self._names_memo: dict[tuple[int, int], set[str]] = {}
        # function -> its allow-list checks: (line, name checked, the allow-list)
        self._guards: dict[int, list[tuple[int, str, ast.expr]]] = {}
        self.module = Scope(tree, None, "module")
        self.scopes[id(tree)] = self.module
        # every call (comparison, assignment) with the scope it is evaluated in, found
        # while building the scopes
        self.call_sites: list[tuple[ast.Call, Scope]] = []
        self.compare_sites: list[tuple[ast.Compare, Scope]] = []
        self.assign_sites: list[tuple[ast.Assign | ast.AnnAssign, Scope]] = []
        self.return_sites: list[tuple[ast.Return, Scope]] = []
        # functions a web framework calls with a request (`@app.get(...)`)
        self.handlers: set[int] = set()
        # decorated definitions, with the scope their decorators are evaluated in
        self.decorated: list[
            tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, Scope]
        ] = []
        self.statement_of: dict[int, ast.AST] = {}
        self._build(tree, self.module)

    def aliases(self) -> dict[str, set[str]]:
        """Local name -> last segments of what it may stand for (`nuke` -> {`rmtree`})."""
        found: dict[str, set[str]] = {}
        for scope in self.scopes.values():
            for name, bindings in scope.bindings.items():
                for kind, value in bindings:
                    last = ""
                    if kind == "import":
                        last = str(value).rsplit(".", 1)[-1]
                    elif kind == "expr" and isinstance(value, (ast.Name, ast.Attribute)):
                        last = value.id if isinstance(value, ast.Name) else value.attr
                    if last and last != name:
                        found.setdefault(name, set()).add(last)
        return found

    # -- building -----------------------------------------------------------------------

    def _build(self, root: ast.AST, scope: Scope) -> None:
        # (node, scope it is evaluated in, the statement it belongs to)
        stack: list[tuple[ast.AST, Scope, ast.AST]] = [
            (child, scope, child) for child in ast.iter_child_nodes(root)
        ]
        while stack:
            node, sc, stmt = stack.pop()
            if isinstance(node, ast.stmt):
                stmt = node
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and node.decorator_list
            ):
                self.decorated.append((node, sc))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                self._function(node, sc, stmt, stack)
                continue
            if isinstance(node, ast.ClassDef):
                sc.bind(node.name, "local", node)
                inner = Scope(node, sc, "class")
                self.scopes[id(node)] = inner
                stack.extend((d, sc, stmt) for d in [*node.decorator_list, *node.bases])
                stack.extend((child, inner, child) for child in node.body)
                continue
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                inner = Scope(node, sc, "function")
                self.scopes[id(node)] = inner
                for gen in node.generators:
                    self._bind_target(gen.target, inner, "iter", gen.iter)
                stack.extend((child, inner, stmt) for child in ast.iter_child_nodes(node))
                continue
            kind = type(node)
            if kind is ast.Call:
                self.call_sites.append((node, sc))  # type: ignore[arg-type]
                self.statement_of[id(node)] = stmt
            elif kind is ast.Compare:
                self.compare_sites.append((node, sc))  # type: ignore[arg-type]
            elif kind is ast.Return and node.value is not None:  # type: ignore[attr-defined]
                self.return_sites.append((node, sc))  # type: ignore[arg-type]
            if kind in _BINDING_NODES:
                self._bindings_of(node, sc)
                if kind in (ast.Assign, ast.AnnAssign):
                    self.assign_sites.append((node, sc))  # type: ignore[arg-type]
            stack.extend((child, sc, stmt) for child in ast.iter_child_nodes(node))

    def _function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
        sc: Scope,
        stmt: ast.AST,
        stack: list[tuple[ast.AST, Scope, ast.AST]],
    ) -> None:
        handler = False
        if not isinstance(node, ast.Lambda):
            sc.bind(node.name, "local", node)
            stack.extend((d, sc, stmt) for d in node.decorator_list)
            handler = any(_is_route(d) for d in node.decorator_list)
            if handler:
                self.handlers.add(id(node))
        inner = Scope(node, sc, "function")
        self.scopes[id(node)] = inner
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        with_defaults = [a.arg for a in positional[len(positional) - len(args.defaults) :]]
        defaults: dict[str, ast.expr] = dict(zip(with_defaults, args.defaults, strict=False))
        for kw, d in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            if d is not None:
                defaults[kw.arg] = d
        for param in [*positional, *args.kwonlyargs, args.vararg, args.kwarg]:
            if param is None:
                continue
            # a web framework fills a route handler's parameters from the request; one it
            # validates as a number, date or UUID cannot carry markup, SQL or a path
            tainted = (
                handler
                and param.arg not in ("self", "cls", "db", "session")
                and not _validated_scalar(param.annotation)
            )
            kind = "input" if tainted else "param"
            if handler and not tainted and _validated_scalar(param.annotation):
                kind = "count"  # a number the client chooses: harmless text, not a harmless size
            inner.bind(param.arg, kind, defaults.get(param.arg))
        stack.extend((d, sc, stmt) for d in [*args.defaults, *args.kw_defaults] if d is not None)
        body = node.body if isinstance(node.body, list) else [node.body]
        stack.extend((child, inner, child) for child in body)

    def _bindings_of(self, node: ast.AST, sc: Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    sc.bind(alias.asname, "import", alias.name)
                else:
                    top = alias.name.split(".")[0]
                    sc.bind(top, "import", top)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                for alias in node.names:
                    sc.bind(alias.asname or alias.name, "local", None)
                return
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    sc.star_modules.append(module)
                else:
                    sc.bind(alias.asname or alias.name, "import", f"{module}.{alias.name}")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, sc, "expr", node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            if node.value is not None:
                kind = "expr" if isinstance(node, ast.AnnAssign) else "local"
                self._bind_target(node.target, sc, kind, node.value)
        elif isinstance(node, ast.NamedExpr):
            self._bind_target(node.target, sc, "expr", node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._bind_target(node.target, sc, "iter", node.iter)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, sc, "with", item.context_expr)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            sc.bind(node.name, "local", None)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            sc.globals_.update(node.names)

    def _bind_target(self, target: ast.AST, sc: Scope, kind: str, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            sc.bind(target.id, kind, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for i, element in enumerate(target.elts):
                # `for root, dirs, files in os.walk(x)`: each name still comes from the walk
                if isinstance(element, ast.Name):
                    sc.bind(element.id, f"{kind}-part", (value, i))
                else:
                    self._bind_target(element, sc, "local", value)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, sc, "local", value)

    # -- scopes of nodes ----------------------------------------------------------------

    def walk(self) -> Iterator[tuple[ast.AST, Scope]]:
        """Every node with the scope it is evaluated in, without recursion (deep code)."""
        stack: list[tuple[ast.AST, Scope]] = [(self.module.node, self.module)]
        while stack:
            node, sc = stack.pop()
            yield node, sc
            inner = self.scopes.get(id(node), sc) if node is not self.module.node else sc
            children = list(ast.iter_child_nodes(node))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                # defaults and decorators are evaluated outside the function
                outer = set(map(id, [*node.args.defaults, *node.args.kw_defaults]))
                if not isinstance(node, ast.Lambda):
                    outer |= set(map(id, node.decorator_list))
                stack.extend((c, sc if id(c) in outer else inner) for c in reversed(children))
            elif isinstance(node, ast.ClassDef):
                outer = set(map(id, [*node.decorator_list, *node.bases, *node.keywords]))
                stack.extend((c, sc if id(c) in outer else inner) for c in reversed(children))
            else:
                stack.extend((c, inner) for c in reversed(children))

    def _lookup(self, name: str, sc: Scope) -> tuple[list[tuple[str, object]], Scope] | None:
        here: Scope | None = sc
        first = True
        while here is not None:
            # class bodies are not visible from the functions inside them
            if (
                (first or here.kind != "class")
                and name in here.bindings
                and name not in here.globals_
            ):
                return here.bindings[name], here
            first = False
            here = here.parent
        return None

    # -- qualified names ----------------------------------------------------------------

    def bindings_of(self, name: str, sc: Scope) -> list[ast.AST]:
        """The expressions a name is assigned from, in the scope that defines it."""
        found = self._lookup(name, sc)
        if found is None:
            return []
        return [v for k, v in found[0] if k == "expr" and isinstance(v, ast.AST)]

    def qualnames(self, node: ast.AST, sc: Scope, depth: int = 0) -> set[str]:
        """The fully qualified names an expression may refer to (empty when local)."""
        if depth > MAX_DEPTH:
            return set()
        key = (id(node), id(sc))
        known = self._names_memo.get(key)
        if known is not None:
            return known
        self._names_memo[key] = set()
        found = self._qualnames(node, sc, depth)
        self._names_memo[key] = found
        return found

    def _qualnames(self, node: ast.AST, sc: Scope, depth: int) -> set[str]:
        if isinstance(node, ast.Name):
            found = self._lookup(node.id, sc)
            if found is None:
                stars = {f"{m}.{node.id}" for s in self._chain(sc) for m in s.star_modules}
                if node.id in BUILTINS:
                    return {f"builtins.{node.id}", *stars}
                return {node.id, *stars, *_FRAGMENT_GUESSES.get(node.id, ())}
            bindings, where = found
            names: set[str] = set()
            for kind, value in bindings:
                if kind == "import":
                    names.add(str(value))
                elif kind == "expr" and isinstance(value, ast.AST):
                    names |= self.qualnames(value, where, depth + 1)
            return names
        if isinstance(node, ast.Attribute):
            return {f"{base}.{node.attr}" for base in self.qualnames(node.value, sc, depth + 1)}
        if isinstance(node, ast.Call):
            inner = self.qualnames(node.func, sc, depth + 1)
            if inner & _IMPORTERS and node.args:
                return {v for v in self.values(node.args[0], sc, depth + 1) if isinstance(v, str)}
            if "builtins.getattr" in inner and len(node.args) >= 2:
                attrs = [v for v in self.values(node.args[1], sc, depth + 1) if isinstance(v, str)]
                bases = self.qualnames(node.args[0], sc, depth + 1)
                return {f"{b}.{a}" for b in bases for a in attrs}
        return set()

    def _chain(self, sc: Scope) -> Iterator[Scope]:
        here: Scope | None = sc
        while here is not None:
            yield here
            here = here.parent

    # -- values -------------------------------------------------------------------------

    def values(self, node: ast.AST, sc: Scope, depth: int = 0) -> list[object]:
        """Possible values of an expression; strings may hold unknown markers."""
        if depth > MAX_DEPTH:
            return [UNKNOWN]
        key = (id(node), id(sc))
        known = self._values_memo.get(key)
        if known is not None:
            return known
        self._values_memo[key] = [UNKNOWN]
        try:
            out = self._values(node, sc, depth)
        except RecursionError:
            out = [UNKNOWN]
        unique: list[object] = []
        for v in out:
            if v not in unique:
                unique.append(v)
        result = unique[:MAX_VALUES] or [UNKNOWN]
        self._values_memo[key] = result
        return result

    def _values(self, node: ast.AST, sc: Scope, depth: int) -> list[object]:
        if isinstance(node, ast.Constant):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, sc, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            left = self.values(node.left, sc, depth + 1)
            right = self.values(node.right, sc, depth + 1)
            join = _concat if isinstance(node.op, ast.Add) else _path_join
            return [join(a, b) for a in left for b in right][:MAX_VALUES]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            operand = node.right
            items = operand.elts if isinstance(operand, ast.Tuple) else [operand]
            args = [self.values(a, sc, depth + 1)[0] for a in items[:16]]
            return [_percent(v, args) for v in self.values(node.left, sc, depth + 1)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left = self.values(node.left, sc, depth + 1)
            right = self.values(node.right, sc, depth + 1)
            return [_repeat(a, b) for a in left for b in right][:MAX_VALUES]
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            # a sample element: `"?" for _ in ids` is always "?"
            return [(v,) for v in self.values(node.elt, sc, depth + 1)]
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            elements = [self.values(e, sc, depth + 1) for e in node.elts[:32]]
            if all(len(e) == 1 for e in elements):
                return [tuple(e[0] for e in elements)]
            return [tuple(e[0] for e in elements)]
        if isinstance(node, ast.Name):
            return self._name_values(node, sc, depth)
        if isinstance(node, ast.Call):
            return self._call_values(node, sc, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute_values(node, sc, depth)
        if isinstance(node, ast.Subscript):
            names = self.qualnames(node.value, sc, depth + 1)
            if "os.environ" in names:
                keys = self.values(node.slice, sc, depth + 1)
                return [_env(k) for k in keys]
            if names & {"sys.argv"} or _request_rooted(node):
                return [TAINT]
            table = self._literal_dict(node.value, sc)
            if table is not None:
                # an allow-list: `TABLES[kind]` is one of the dict's (constant) values
                return [
                    v for e in table.values for v in self.values(e, sc, depth + 1) if e is not None
                ]
            base = self.values(node.value, sc, depth + 1)
            return [TAINT] if any(is_tainted(v) for v in base) else [UNKNOWN]
        if isinstance(node, (ast.Await, ast.Starred, ast.NamedExpr)):
            return self.values(node.value, sc, depth + 1)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            # `os.environ.get("VERIFY", "false").lower() == "true"` is False by default
            op = node.ops[0]
            if isinstance(op, (ast.Eq, ast.NotEq)):
                left = self.values(node.left, sc, depth + 1)
                right = self.values(node.comparators[0], sc, depth + 1)
                equal = isinstance(op, ast.Eq)
                results: list[object] = [
                    (a == b) is equal if _known(a) and _known(b) else UNKNOWN
                    for a in left
                    for b in right
                ]
                return results[:MAX_VALUES]
        if isinstance(node, ast.IfExp):
            return self.values(node.body, sc, depth + 1) + self.values(node.orelse, sc, depth + 1)
        if isinstance(node, ast.BoolOp):
            return [v for e in node.values for v in self.values(e, sc, depth + 1)]
        return [UNKNOWN]

    def _allow_listed(self, node: ast.Name, sc: Scope, depth: int) -> list[object] | None:
        """After `if kind not in ALLOWED: abort(400)` (or raise, return) earlier in the
        function, `kind` is one of ALLOWED's constant members: those are its values."""
        func = sc.node
        if sc.kind != "function" or not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        guards = self._guards.get(id(func))
        if guards is None:
            guards = self._guards[id(func)] = _allow_list_guards(func)
        for line, name, allowed in guards:
            if line >= node.lineno:
                return None
            if name == node.id:
                members = self._constant_members(allowed, sc, depth)
                if members:
                    return members
                # a constant by name (`EXPORTABLE`, `settings.ALLOWED_TABLES`) defined out of
                # sight (another module, or outside the hunk): one of its members, unknown
                last = (
                    allowed.attr
                    if isinstance(allowed, ast.Attribute)
                    else (allowed.id if isinstance(allowed, ast.Name) else "")
                )
                if last.isupper():
                    return [ALLOW_LISTED]
        return None

    def _constant_members(self, node: ast.AST, sc: Scope, depth: int) -> list[object]:
        """The string members of a literal set, list, tuple or dict (its keys), directly,
        through `frozenset(...)` or through a name bound once to one; [] otherwise."""
        if depth > 4:
            return []
        if isinstance(node, ast.Name):
            bound = self.bindings_of(node.id, sc)
            return self._constant_members(bound[0], sc, depth + 1) if len(bound) == 1 else []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
            if node.func.id in ("frozenset", "set", "tuple", "list"):
                return self._constant_members(node.args[0], sc, depth + 1)
            return []
        elements = (
            node.keys
            if isinstance(node, ast.Dict)
            else node.elts
            if isinstance(node, (ast.Set, ast.List, ast.Tuple))
            else []
        )
        if not elements or not all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elements
        ):
            return []
        members: list[object] = [e.value for e in elements if isinstance(e, ast.Constant)]
        return members[:MAX_VALUES]

    def _fstring(self, node: ast.JoinedStr, sc: Scope, depth: int) -> list[object]:
        results: list[object] = [""]
        for part in node.values:
            if isinstance(part, ast.Constant):
                options: list[object] = [part.value]
            elif isinstance(part, ast.FormattedValue):
                options = self.values(part.value, sc, depth + 1)
            else:
                options = [UNKNOWN]
            results = [
                _concat(r, o if o is not UNKNOWN else marker("fstring"))
                for r in results
                for o in options
            ][:MAX_VALUES]
        return list(results)

    def _name_values(self, node: ast.Name, sc: Scope, depth: int) -> list[object]:
        allowed = self._allow_listed(node, sc, depth)
        if allowed is not None:
            return allowed
        found = self._lookup(node.id, sc)
        if found is None:
            return [UNKNOWN]
        bindings, where = found
        out: list[object] = []
        for kind, value in bindings:
            if kind == "expr" and isinstance(value, ast.AST):
                out.extend(self.values(value, where, depth + 1))
            elif kind == "with" and isinstance(value, ast.AST):
                out.extend(self._with_values(value, where, depth))
            elif kind in ("iter", "iter-part") and value is not None:
                iterable = value[0] if isinstance(value, tuple) else value
                if isinstance(iterable, ast.AST):
                    out.extend(self._iter_values(iterable, where, depth))
            elif kind in ("param", "input", "count"):
                name = {"input": f"input:{node.id}", "count": f"count:{node.id}"}.get(kind)
                out.append(marker(name or node.id))
                if isinstance(value, ast.AST):
                    # a default reaches the body whenever the caller leaves it out
                    out.extend(self.values(value, where.parent or where, depth + 1))
            else:
                out.append(UNKNOWN)
        return out or [UNKNOWN]

    def _with_values(self, node: ast.AST, sc: Scope, depth: int) -> list[object]:
        if isinstance(node, ast.Call) and self.qualnames(node.func, sc, depth + 1) & _TEMP:
            return [TEMP_PATH]
        return [UNKNOWN]

    def _iter_values(self, node: ast.AST, sc: Scope, depth: int) -> list[object]:
        """A loop variable: each element of a constant list, or a path inside a walk."""
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [v for e in node.elts[:MAX_VALUES] for v in self.values(e, sc, depth + 1)]
        if isinstance(node, ast.Call):
            names = self.qualnames(node.func, sc, depth + 1)
            if names & _ITER_WRAPPERS and node.args:
                return self._iter_values(
                    node.args[-1 if "builtins.filter" in names else 0], sc, depth + 1
                )
            if names & _WALKERS and node.args:
                return [_inside(v) for v in self.values(node.args[0], sc, depth + 1)]
            if isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_WALK_METHODS:
                return [_inside(v) for v in self.values(node.func.value, sc, depth + 1)]
        # iterating over input (`request.json.items()`) yields input
        if any(is_tainted(v) for v in self.values(node, sc, depth + 1)):
            return [TAINT]
        return [UNKNOWN]

    def _call_values(self, node: ast.Call, sc: Scope, depth: int) -> list[object]:
        names = self.qualnames(node.func, sc, depth + 1)
        args = node.args
        if names & _INPUTS or _request_rooted(node.func):
            return [TAINT]
        if names & _NUMBERS:
            return [NUMBER]
        if names & {"builtins.str", "builtins.repr"} and args:
            return self.values(args[0], sc, depth + 1)
        if names & _PATH_TYPES:
            if not args:
                return ["."]
            parts = [self.values(a, sc, depth + 1) for a in args]
            out: list[object] = [parts[0][0]] if parts[0] else [UNKNOWN]
            out = list(parts[0])
            for p in parts[1:]:
                out = [_path_join(a, b) for a in out for b in p][:MAX_VALUES]
            return out
        if names & {f"{t}.home" for t in _PATH_TYPES} or (
            names & {"os.path.expanduser"} and not args
        ):
            return ["~"]
        if names & {f"{t}.cwd" for t in _PATH_TYPES} or names & {"os.getcwd", "os.getcwdb"}:
            return ["."]
        if names & {"os.path.join", "posixpath.join"} and args:
            out = list(self.values(args[0], sc, depth + 1))
            for a in args[1:]:
                out = [_path_join(x, y) for x in out for y in self.values(a, sc, depth + 1)][
                    :MAX_VALUES
                ]
            return out
        if names & _SAME_PATH and args:
            return self.values(args[0], sc, depth + 1)
        if names & {"os.path.expandvars"} and args:
            return [_expandvars(v) for v in self.values(args[0], sc, depth + 1)]
        if names & {"os.path.dirname", "posixpath.dirname"} and args:
            return [_dirname(v) for v in self.values(args[0], sc, depth + 1)]
        if names & _TEMP:
            return [TEMP_PATH]
        if names & _DECODERS:
            return [DECODED]
        if names & _SHELL_QUOTES:
            return [QUOTED]
        if names & _SANITIZERS:
            return [marker("sanitized")]
        if names & {"shlex.split"} and args:
            return [_shlex_split(v) for v in self.values(args[0], sc, depth + 1)]
        if names & {"os.getenv", "os.environ.get", "os.environ.setdefault"} and args:
            keys = self.values(args[0], sc, depth + 1)
            out = [_env(k) for k in keys]
            if len(args) > 1:
                out += self.values(args[1], sc, depth + 1)
            return out
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in _PATH_METHODS_SAME:
                return self.values(node.func.value, sc, depth + 1)
            if method == "joinpath":
                out = list(self.values(node.func.value, sc, depth + 1))
                for a in args:
                    out = [_path_join(x, y) for x in out for y in self.values(a, sc, depth + 1)][
                        :MAX_VALUES
                    ]
                return out
            if method == "join" and len(args) == 1:
                seps = self.values(node.func.value, sc, depth + 1)
                items = self.values(args[0], sc, depth + 1)
                return [
                    s.join(_as_text(x, "join") for x in item)
                    for s in seps
                    for item in items
                    if isinstance(s, str) and isinstance(item, tuple)
                ] or [UNKNOWN]
            if method == "format":
                fields = [self.values(a, sc, depth + 1)[0] for a in args[:16]]
                named = {
                    k.arg: self.values(k.value, sc, depth + 1)[0]
                    for k in node.keywords[:16]
                    if k.arg is not None
                }
                splat = any(k.arg is None for k in node.keywords) or any(
                    isinstance(a, ast.Starred) for a in args
                )
                return [
                    _format(v, fields, named, splat)
                    for v in self.values(node.func.value, sc, depth + 1)
                ]
            if method == "get" and args:
                table = self._literal_dict(node.func.value, sc)
                if table is not None:
                    # `ALLOWED.get(key, default)`: one of the dict's values or the default
                    out = [v for e in table.values for v in self.values(e, sc, depth + 1)]
                    if len(args) > 1:
                        out += self.values(args[1], sc, depth + 1)
                    return out[:MAX_VALUES]
            if method in _STR_METHODS and not args:
                return [
                    getattr(v, method)() if isinstance(v, str) and _known(v) else v
                    for v in self.values(node.func.value, sc, depth + 1)
                ]
            if method in ("decode", "encode", "strip", "rstrip", "lstrip"):
                base = self.values(node.func.value, sc, depth + 1)
                if (
                    method == "decode"
                    and node.args
                    and any(
                        isinstance(v, str) and "rot" in v.lower()
                        for a in node.args
                        for v in self.values(a, sc, depth + 1)
                    )
                ):
                    return [DECODED]
                return [
                    v.decode("utf-8", "replace")
                    if isinstance(v, bytes) and method == "decode"
                    else v
                    for v in base
                ]
        return self._taint_through(node, sc, depth)

    def _taint_through(self, node: ast.Call, sc: Scope, depth: int) -> list[object]:
        """An unknown call on input (`json.loads(request.data)`, `url.strip()`) is input;
        what a file at a user-chosen path holds is not (that path is its own finding)."""
        if isinstance(node.func, ast.Attribute) and node.func.attr in _FILE_READS:
            return [UNKNOWN]
        parts: list[ast.AST] = [*node.args, *(k.value for k in node.keywords)]
        if isinstance(node.func, ast.Attribute):
            parts.append(node.func.value)
        for part in parts[:8]:
            if any(is_tainted(v) for v in self.values(part, sc, depth + 1)):
                return [TAINT]
        return [UNKNOWN]

    def _literal_dict(self, node: ast.AST, sc: Scope) -> ast.Dict | None:
        if isinstance(node, ast.Dict):
            return node
        if isinstance(node, ast.Name):
            found = self._lookup(node.id, sc)
            if found is not None:
                exprs = [v for k, v in found[0] if k == "expr"]
                if len(exprs) == 1 and isinstance(exprs[0], ast.Dict):
                    return exprs[0]
        return None

    def interpolated(self, node: ast.AST, sc: Scope, depth: int = 0) -> bool:
        """A string built at run time from parts that are not constants (f-string, `+`, `%`,
        `.format`, `.join`), directly or through the variable it was assigned to."""
        if depth > 6:
            return False
        if isinstance(node, ast.Name):
            found = self._lookup(node.id, sc)
            if found is None:
                return False
            bindings, where = found
            return any(
                k == "expr" and isinstance(v, ast.AST) and self.interpolated(v, where, depth + 1)
                for k, v in bindings
            ) or any(k == "local" and isinstance(v, ast.AugAssign) for k, v in bindings)
        built = (
            isinstance(node, ast.JoinedStr)
            or (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)))
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("format", "join", "replace", "format_map")
            )
        )
        if not built:
            return False
        return any(
            _has_marker(v.replace(QUOTED, "") if isinstance(v, str) else v)
            for v in self.values(node, sc, depth + 1)
        )

    def _attribute_values(self, node: ast.Attribute, sc: Scope, depth: int) -> list[object]:
        if _request_rooted(node):
            return [TAINT]
        if node.attr == "parent":
            return [_dirname(v) for v in self.values(node.value, sc, depth + 1)]
        if node.attr == "name" and isinstance(node.value, (ast.Name, ast.Call)):
            base = self.values(node.value, sc, depth + 1)
            if TEMP_PATH in base:
                return [TEMP_PATH]
        # `Path(x).name` is a base name: it cannot climb out of a directory
        if (
            node.attr in ("name", "stem", "suffix")
            and isinstance(node.value, ast.Call)
            and self.qualnames(node.value.func, sc, depth + 1) & _PATH_TYPES
        ):
            return [marker("sanitized")]
        names = self.qualnames(node, sc, depth + 1)
        if "os.sep" in names or "os.path.sep" in names:
            return ["/"]
        if "sys.executable" in names:
            return ["python3"]
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            owner = _enclosing_class(sc)
            if owner is not None and node.attr in owner.bindings:
                out: list[object] = []
                for kind, value in owner.bindings[node.attr]:
                    if kind == "expr" and isinstance(value, ast.AST):
                        out.extend(self.values(value, owner, depth + 1))
                return out or [UNKNOWN]
        # a field of input is input: `request.files["f"].filename`, `body.image_url`
        if any(is_tainted(v) for v in self.values(node.value, sc, depth + 1)):
            return [TAINT]
        return [UNKNOWN]


TAINT = "\ue000input:request\ue001"
_INPUTS = frozenset({"builtins.input", "sys.stdin.read", "sys.stdin.readline", "getpass.getpass"})
_NUMBERS = frozenset(
    {"builtins.int", "builtins.float", "builtins.len", "builtins.bool", "uuid.uuid4"}
)
# names a web framework hands user input through
_REQUEST_NAMES = frozenset({"request", "req"})
_ROUTE_ATTRS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "head", "options",
     "view", "api_view", "action"}
)  # fmt: skip


def is_tainted(value: object) -> bool:
    """Whether a value may carry user input (a request field, `input()`, argv)."""
    return isinstance(value, str) and f"{UNKNOWN_OPEN}input:" in value


def _known(value: object) -> bool:
    return value is not UNKNOWN and value is not NUMBER and not _has_marker(value)


_FILE_READS = frozenset({"read_bytes", "read_text"})
_STR_METHODS = frozenset({"lower", "upper", "casefold", "title"})


def _allow_list_guards(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
) -> list[tuple[int, str, ast.expr]]:
    """`if NAME not in ALLOWED: <leave>` among a function's top-level statements."""
    out = []
    for statement in func.body:
        if not isinstance(statement, ast.If) or statement.orelse or not _exits(statement.body):
            continue
        test = statement.test
        if (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.NotIn)
        ):
            out.append((statement.lineno, test.left.id, test.comparators[0]))
    return out


# the value of a name checked against an allow-list whose members are out of sight
ALLOW_LISTED = "allow-listed"


def _exits(body: list[ast.stmt]) -> bool:
    """A block that leaves the function: raise, return, or `abort(...)` / `sys.exit(...)`."""
    last = body[-1] if body else None
    if isinstance(last, (ast.Raise, ast.Return)):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        func = last.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in ("abort", "exit", "fail")
    return False


def is_user_number(value: object) -> bool:
    """A number the client picks (`limit: int` of a handler), or any input; in a shape
    (`(n, n)`), any of its parts."""
    if isinstance(value, (tuple, list)):
        return any(is_user_number(v) for v in value)
    return is_tainted(value) or (isinstance(value, str) and f"{UNKNOWN_OPEN}count:" in value)


def _has_marker(value: object) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and UNKNOWN_OPEN in value)


def _request_rooted(node: ast.AST) -> bool:
    """`request.args["x"]`, `request.json.get(...)`, `self.request.GET`: input."""
    chain = 0
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
        chain += 1
    if chain == 0:
        return False
    if isinstance(node, ast.Name):
        return node.id in _REQUEST_NAMES
    return False


def _is_route(decorator: ast.AST) -> bool:
    """`@app.route(...)`, `@router.get(...)`, `@api_view([...])`: a request handler."""
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(func, ast.Attribute):
        return func.attr in _ROUTE_ATTRS
    return isinstance(func, ast.Name) and func.id in ("api_view", "route")


_SCALARS = frozenset(
    {"int", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "datetime.date",
     "datetime.datetime", "Decimal", "decimal.Decimal", "PositiveInt", "NonNegativeInt"}
)  # fmt: skip


def _validated_scalar(annotation: ast.expr | None) -> bool:
    """`page: int`, `Optional[int]`, `int | None`: FastAPI rejects anything else."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        parts = [annotation.left, annotation.right]
        return all(
            _validated_scalar(p) or (isinstance(p, ast.Constant) and p.value is None) for p in parts
        )
    if isinstance(annotation, ast.Subscript):
        base = ast.unparse(annotation.value)
        if base in ("Optional", "typing.Optional", "Annotated", "typing.Annotated"):
            inner = annotation.slice
            first = inner.elts[0] if isinstance(inner, ast.Tuple) else inner
            return _validated_scalar(first)
        return False
    return ast.unparse(annotation) in _SCALARS


def _enclosing_class(sc: Scope) -> Scope | None:
    """The class whose method `sc` is (for `self.attr` defaults)."""
    if sc.kind == "function" and sc.parent is not None and sc.parent.kind == "class":
        return sc.parent
    return None


def _shlex_split(value: object) -> object:
    import shlex

    if not isinstance(value, str):
        return UNKNOWN
    try:
        return tuple(shlex.split(value))
    except ValueError:
        return UNKNOWN


def _as_text(value: object, why: str) -> str:
    if isinstance(value, str):
        return value
    if value is UNKNOWN:
        return marker(why)
    return str(value)


def _text_of(value: object) -> object:
    """Numbers format as digits; everything else is unchanged."""
    if value is NUMBER or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return str(value)
    return value


def _format(template: object, args: list[object], named: dict[str, object], splat: bool) -> object:
    """`template.format(*args, **named)` with unknown arguments kept as markers."""
    if not isinstance(template, str):
        return marker("format") if template is UNKNOWN else UNKNOWN
    if splat:
        return template + marker("format")
    import string

    out: list[str] = []
    auto = 0
    try:
        for literal, name, _spec, _conv in string.Formatter().parse(template):
            out.append(literal)
            if name is None:
                continue
            key = name.split(".")[0].split("[")[0]
            if key == "":
                value = args[auto] if auto < len(args) else UNKNOWN
                auto += 1
            elif key.isdigit():
                value = args[int(key)] if int(key) < len(args) else UNKNOWN
            else:
                value = named.get(key, UNKNOWN)
            out.append(_as_text(_text_of(value), "format"))
    except (ValueError, IndexError):
        return template + marker("format")
    return "".join(out)


_PERCENT = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsab%])"
)


def _percent(template: object, args: list[object]) -> object:
    """`template % args` with unknown arguments kept as markers."""
    if not isinstance(template, str):
        return marker("format") if template is UNKNOWN else UNKNOWN
    values = iter(args)

    def one(m: re.Match[str]) -> str:
        if m.group(1) == "%":
            return "%"
        return _as_text(_text_of(next(values, UNKNOWN)), "format")

    return _PERCENT.sub(one, template)


def _repeat(a: object, b: object) -> object:
    """`b"\\0" * 16`."""
    if isinstance(b, (str, bytes)) and isinstance(a, int):
        a, b = b, a
    if isinstance(a, (str, bytes)) and isinstance(b, int) and not isinstance(b, bool):
        return a * max(0, min(b, 4096))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a * b
    return UNKNOWN


def _concat(a: object, b: object) -> object:
    if isinstance(a, str):
        b = _text_of(b)
    if isinstance(b, str):
        a = _text_of(a)
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    if isinstance(a, str) and b is UNKNOWN:
        return a + marker("expr")
    if a is UNKNOWN and isinstance(b, str):
        return marker("expr") + b
    if isinstance(a, bytes) and isinstance(b, bytes):
        return a + b
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a + b
    return UNKNOWN


def _path_join(a: object, b: object) -> object:
    a_text = a if isinstance(a, str) else (marker("path") if a is UNKNOWN else None)
    b_text = b if isinstance(b, str) else (marker("path") if b is UNKNOWN else None)
    if a_text is None or b_text is None or (a is UNKNOWN and b is UNKNOWN):
        return UNKNOWN
    return posixpath.join(a_text, b_text)


def _inside(value: object) -> object:
    """Any path below `value` (a directory walk): `X/**/...`."""
    if isinstance(value, str):
        return value.rstrip("/") + "/**" if value.rstrip("/") else "/**"
    return UNKNOWN


def _dirname(value: object) -> object:
    if isinstance(value, str) and UNKNOWN_OPEN not in value.rsplit("/", 1)[0]:
        return posixpath.dirname(value.rstrip("/")) or value
    return UNKNOWN


def _env(key: object) -> object:
    if isinstance(key, str) and key in _HOME_VARS:
        return "~"
    if isinstance(key, str) and key in ("TMPDIR", "TEMP", "TMP"):
        return "/tmp"
    return marker(f"env:{key}" if isinstance(key, str) else "env")


def _expandvars(value: object) -> object:
    if not isinstance(value, str):
        return value
    for var in ("${HOME}", "$HOME"):
        if value.startswith(var):
            return "~" + value[len(var) :]
    return value
