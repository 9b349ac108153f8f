"""Credentials in text: provider formats, private keys, JWTs, URL and keyword credentials.

`find_secrets(text, path)` reports where each secret's *value* is: 1-based lines and
columns counting code points, ends exclusive, lines ending at "\\n" only (as git counts
them). Confidence is 0.9 and up for provider formats with a fixed prefix (0.99 when the
format's checksum verifies), lower for keyword assignments (~0.7) and entropy (~0.5).
`mask` rewrites values for logs and reports; `might_contain_secret` is the prefilter the
agent gate calls on every command.

Deliberately not reported:
- Stripe test-mode keys (`sk_test_`, `rk_test_`) and publishable keys (`pk_live_`,
  `pk_test_`): test keys cannot move money and Stripe prints them in its docs;
  publishable keys ship to browsers by design.
- Twilio account SIDs (`AC` + 32 hex): identifiers in every API URL. API key SIDs (`SK`
  + 32 hex) are reported, like AWS access key IDs, because a secret travels with them.
- Placeholders and references: `YOUR_API_KEY_HERE`, `<token>`, `xxxx`, `****`, `...`,
  `changeme`, values containing EXAMPLE (AWS's documentation keys), `${VAR}`, `$VAR`,
  `{{ var }}`, `%(var)s`, `{var}`, `os.environ[...]`, secret-manager references, masked
  values (`…`).
- Names rather than values (`PASSWORD_FIELD = "password"`, `token_type = "Bearer"`,
  `SECRET_KEY_NAME = "SECRET_KEY"`, `pad_token = "<pad>"`), file paths, URLs without
  credentials, and a URL password equal to its user name (`postgres:postgres@`).
- Hashes, checksums, UUIDs, SRI and lockfile integrity strings, git SHAs: entropy alone
  never reports a value; a key-like name must be assigned it (`high-entropy-string`).

In test paths (tests/, fixtures/, `*_test.go`, `*.spec.ts`, ...) keyword and entropy
findings keep 0.6 of their confidence; provider formats keep theirs: a real key in a
fixture is still a leaked key.

Why the patterns are ours and not detect-secrets' plugins (measured with their
`analyze_line`, filters off, on the fixtures in tests/test_secrets.py): importing them
takes 200-300 ms (it imports `requests`) and a line ~87 us, against ~4 us here. They miss
11 of 47 provider fixtures (GitHub fine-grained, Hugging Face, Groq, Google OAuth, Discord,
Azure Service Bus, AWS secret keys beside `export`/INI names, ...) and 37 of 57 keyword
fixtures (call arguments, annotated defaults, unquoted .env/YAML values, CLI flags, XML,
URL passwords with sub-delimiters, Authorization headers), and report 25 of 90 negatives.
Their values come without columns; the private-key plugin reports the BEGIN line only.
Their regexes were the reference for the formats both cover.

Only `re` is imported at module level, and regexes compile on first use (all of them at
once would cost ~30 ms, most commands that pass the prefilter need three or four).
`Secret` is a real frozen dataclass, created with the first finding: importing
`dataclasses` alone costs ~12 ms. Other stdlib modules load inside the functions that
need them.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterator
    from dataclasses import dataclass

    # (start offset, end offset, kind, confidence, description)
    _Hit = tuple[int, int, str, float, str]
    _Check = Callable[[str], float | None]

    @dataclass(frozen=True, slots=True)
    class Secret:
        """A credential's value in a text: where it is, what it looks like, how sure."""

        kind: str
        description: str
        line: int
        column: int
        end_line: int
        end_column: int
        confidence: float

    def _secret_class() -> type[Secret]: ...

else:
    _SECRET_CLASS = None

    def _secret_class():
        # The same class as the one mypy sees above, built on first use (see the module
        # docstring); tests compare the two field lists.
        global _SECRET_CLASS
        if _SECRET_CLASS is None:
            from dataclasses import dataclass

            @dataclass(frozen=True, slots=True)
            class Secret:
                """A credential's value in a text: where it is, what it looks like, how sure."""

                kind: str
                description: str
                line: int
                column: int
                end_line: int
                end_column: int
                confidence: float

            Secret.__qualname__ = "Secret"
            _SECRET_CLASS = globals()["Secret"] = Secret
        return _SECRET_CLASS

    def __getattr__(name):
        if name == "Secret":
            return _secret_class()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- prefilter -------------------------------------------------------------------------

# Every detector's match contains one of these, compared case-insensitively (detectors
# use re.ASCII, so no other case folding can reach them). Keep in step with the detectors:
# tests check that nothing is found in text the prefilter rejects.
_NEEDLES = (
    # names of keyword assignments (_KEYWORD) and the Authorization header
    "pass", "pwd", "secret", "token", "key", "auth", "cred", "salt", "cookie", "session",
    "seed", "hmac", "jwt.",
    # SQL's IDENTIFIED BY, smtp.login(user, password), JWTs, Azure SAS signatures
    "identified", "login(", "eyj", "sig=",
    # provider prefixes
    "akia", "asia", "abia", "acca", "a3t", "aws", "aiza", "gocspx-", "ya29.", "ghp_",
    "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-", "glptt-",
    "glsoat-", "glft-", "glcbt-", "glimt-", "gloas-", "glagent-", "glffct-", "gr1348941",
    "xox", "xapp-", "hooks.slack.com", "discord", "_live_", "whsec_", "sk-", "npm_",
    "pypi-", "sg.", "-us", "hf_", "api_org_", "gsk_", "r8_", "xai-", "pplx-", "_v1_",
    "shpat_", "shpca_", "shppa_", "shpss_", "dapi", "hvs.", "dp.", "pmak-", "nrak-",
    "lin_api_", "ntn_", ":aa", "sq0", "atatt3", "q~",
)  # fmt: skip
# Needles too common alone in agent commands (`curl https://...`, `git push -u`): the
# detectors behind them need both.
_NEEDLE_PAIRS = (
    ("://", "@"), ("-u", ":"), ("login", "-p"), ("mysql", "-p"), ("mariadb", "-p"),
    ("redis-cli", "-a"),
)  # fmt: skip
# Twilio API key SIDs are the one upper-case-only prefix; "sk" in lower case is everywhere.
_CASE_NEEDLES = ("SK",)


def might_contain_secret(text: str) -> bool:
    """False only when `find_secrets(text)` is certainly empty: a few substring scans."""
    lowered = text.lower()
    for needle in _NEEDLES:
        if needle in lowered:
            return True
    for first, second in _NEEDLE_PAIRS:
        if first in lowered and second in lowered:
            return True
    return any(needle in text for needle in _CASE_NEEDLES)


# --- public API ------------------------------------------------------------------------

KINDS: dict[str, str] = {
    "aws-access-key-id": "AWS access key ID",
    "aws-secret-access-key": "AWS secret access key",
    "github-token": "GitHub token",
    "gitlab-token": "GitLab token",
    "slack-token": "Slack token",
    "slack-webhook": "Slack webhook URL",
    "discord-webhook": "Discord webhook URL",
    "stripe-key": "Stripe live secret key",
    "stripe-webhook-secret": "Stripe webhook signing secret",
    "openai-key": "OpenAI API key",
    "sk-api-key": "API key with the sk- prefix (OpenAI-compatible providers)",
    "anthropic-key": "Anthropic API key",
    "google-api-key": "Google API key",
    "google-oauth-client-secret": "Google OAuth client secret",
    "google-oauth-token": "Google OAuth access token",
    "gcp-service-account-key": "GCP service-account private key",
    "azure-storage-key": "Azure storage account key",
    "azure-connection-string": "Azure shared access key in a connection string",
    "azure-sas-token": "Azure shared access signature",
    "azure-client-secret": "Azure AD client secret",
    "npm-token": "npm access token",
    "pypi-token": "PyPI API token",
    "twilio-api-key": "Twilio API key SID",
    "sendgrid-key": "SendGrid API key",
    "mailchimp-key": "Mailchimp API key",
    "huggingface-token": "Hugging Face token",
    "groq-key": "Groq API key",
    "replicate-token": "Replicate API token",
    "xai-key": "xAI API key",
    "perplexity-key": "Perplexity API key",
    "digitalocean-token": "DigitalOcean token",
    "shopify-token": "Shopify access token",
    "databricks-token": "Databricks token",
    "vault-token": "HashiCorp Vault token",
    "doppler-token": "Doppler token",
    "postman-key": "Postman API key",
    "newrelic-key": "New Relic user API key",
    "linear-key": "Linear API key",
    "notion-token": "Notion integration token",
    "telegram-bot-token": "Telegram bot token",
    "square-token": "Square access token",
    "atlassian-token": "Atlassian API token",
    "age-secret-key": "age secret key",
    "private-key": "private key",
    "jwt": "JSON Web Token",
    "url-credentials": "password in a URL",
    "authorization-header": "credentials in an Authorization header",
    "password-assignment": "hard-coded password",
    "api-key-assignment": "hard-coded API key, token or secret",
    "high-entropy-string": "high-entropy string assigned to a key-like name",
}
"""Every kind `find_secrets` reports, with its default description."""


def find_secrets(text: str, path: str = "") -> list[Secret]:
    """Credentials in `text`, in order, not overlapping; `path` only adjusts judgement.

    The path's kind decides whether an unquoted value can be a literal (`.env`, YAML,
    shell: yes; Python: `password=pw` is a variable) and test paths lower confidence.
    """
    if not might_contain_secret(text):
        return []
    ctx = _Ctx(text, path)
    hits = _resolve(_scan(ctx))
    if not hits:
        return []  # and dataclasses stays unimported
    secret = _secret_class()
    found = []
    for start, end, kind, confidence, description in hits:
        line, column = ctx.position(start)
        end_line, end_column = ctx.position(end)
        found.append(
            secret(kind, description, line, column, end_line, end_column, round(confidence, 2))
        )
    return found


def mask(text: str, secrets: list[Secret] | None = None) -> str:
    """`text` with each secret value replaced by its first characters and length.

    `ghp_…(40)`: at most 4 characters are kept (fewer for short values), so no run of 6
    characters of a value survives. Private keys keep their BEGIN and END lines. With
    `secrets=None` the secrets are found here, and masking repeats until nothing is found,
    so masking a masked text changes nothing.
    """
    if secrets is not None:
        return _apply_mask(text, secrets)
    for _ in range(4):
        found = find_secrets(text)
        if not found:
            break
        text = _apply_mask(text, found)
    return text


def _apply_mask(text: str, secrets: list[Secret]) -> str:
    ctx = _Ctx(text, "")
    spans = []
    for s in secrets:
        start = ctx.offset(s.line, s.column)
        end = ctx.offset(s.end_line, s.end_column)
        if start is not None and end is not None and start < end:
            spans.append((start, end))
    spans.sort()
    parts = []
    pos = 0
    for start, end in spans:
        if end <= pos:
            continue
        start = max(start, pos)
        parts.append(text[pos:start])
        parts.append(masked_value(text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def masked_value(value: str) -> str:
    """`sk_l…(32)`: the first characters (at most 4) and the length."""
    keep = 4 if len(value) >= 16 else len(value) // 4
    return f"{value[:keep]}…({len(value)})"


# --- context ---------------------------------------------------------------------------

_CODE_SUFFIXES = frozenset(
    {
        "py", "pyi", "pyw", "js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts", "go", "java",
        "kt", "kts", "scala", "groovy", "gradle", "rb", "php", "cs", "fs", "vb", "rs", "swift",
        "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "m", "mm", "dart", "lua", "pl", "pm", "r",
        "jl", "ex", "exs", "erl", "clj", "cljs", "vue", "svelte",
    }
)  # fmt: skip
_CONFIG_SUFFIXES = frozenset(
    {
        "env", "envrc", "ini", "cfg", "conf", "config", "cnf", "properties", "toml", "tfvars",
        "sh", "bash", "zsh", "ksh", "fish", "ps1", "psm1", "bat", "cmd", "mk", "service",
        "npmrc", "pypirc", "netrc", "pgpass",
    }
)  # fmt: skip
_YAML_SUFFIXES = frozenset({"yaml", "yml"})
_CONFIG_NAMES = frozenset(
    {"dockerfile", "containerfile", "makefile", "gnumakefile", "procfile", "credentials",
     ".env", ".envrc", ".npmrc", ".pypirc", ".netrc", "_netrc", ".pgpass", ".my.cnf"}
)  # fmt: skip
_TEST_PATH = (
    r"(?:^|[/\\])(?:tests?|testing|spec|specs|__tests__|__mocks__|testdata|test_data|"
    r"fixtures?|mocks?|examples?|samples?)(?:[/\\]|$)"
    r"|(?:^|[/\\])(?:test_[^/\\]*|[^/\\]*_test\.\w+|[^/\\]*\.(?:test|spec)\.\w+|conftest\.py)$"
)


class _Ctx:
    """The text being scanned and what its path says about it."""

    __slots__ = (
        "_starts", "code", "config", "lowered", "machine", "netrc", "test_path", "text", "yaml"
    )  # fmt: skip

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        # Case-insensitive detectors scan this copy (IGNORECASE scanning is ~7x slower), so
        # its offsets must be the text's: when Unicode lowering changes the length ("İ"),
        # fold ASCII only.
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = text.translate(_patterns().ascii_lower)
        self.lowered = lowered
        self._starts: list[int] | None = None
        base = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
        suffix = base.rsplit(".", 1)[-1] if "." in base.lstrip(".") else ""
        self.yaml = suffix in _YAML_SUFFIXES
        self.netrc = base in {".netrc", "_netrc"}
        self.machine = self.netrc or "machine" in lowered
        self.config = (
            self.yaml
            or suffix in _CONFIG_SUFFIXES
            or base in _CONFIG_NAMES
            or base.startswith((".env.", "dockerfile"))
        )
        self.code = not self.config and suffix in _CODE_SUFFIXES
        self.test_path = bool(path) and _patterns().test_path.search(path) is not None

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            from itertools import accumulate

            starts = list(accumulate((len(line) + 1 for line in self.text.split("\n")), initial=0))
            self._starts = starts[:-1]
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        from bisect import bisect_right

        starts = self._line_starts()
        index = bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def offset(self, line: int, column: int) -> int | None:
        starts = self._line_starts()
        if not (1 <= line <= len(starts)) or column < 1:
            return None
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        offset = starts[line - 1] + column - 1
        # an exclusive end may sit just past the line's last character
        return offset if offset <= end else None

    def line_bounds(self, offset: int) -> tuple[int, int]:
        """Start and end (before "\n") of the line holding `offset`, in O(log lines)."""
        from bisect import bisect_right

        starts = self._line_starts()
        index = bisect_right(starts, offset) - 1
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.text)
        return starts[index], end


# --- scanning --------------------------------------------------------------------------


def _scan(ctx: _Ctx) -> list[_Hit]:
    """Every candidate, overlapping; `_resolve` keeps the most certain of each overlap."""
    hits: list[_Hit] = []
    hits.extend(_provider_hits(ctx))
    hits.extend(_private_key_hits(ctx))
    hits.extend(_jwt_hits(ctx))
    hits.extend(_url_hits(ctx))
    hits.extend(_authorization_hits(ctx))
    hits.extend(_command_line_hits(ctx))
    hits.extend(_aws_secret_hits(ctx, hits))
    hits.extend(_keyword_hits(ctx))
    if ctx.test_path:
        hits = [(s, e, k, c if k in _PROVIDER_KINDS else c * 0.6, d) for s, e, k, c, d in hits]
    return hits


def _resolve(hits: list[_Hit]) -> list[_Hit]:
    """Drop hits that overlap a more confident (then longer, then earlier) one."""
    kept: list[_Hit] = []
    cluster: list[_Hit] = []
    cluster_end = -1
    for hit in sorted(hits, key=lambda h: (h[0], h[1])):
        if cluster and hit[0] >= cluster_end:
            kept.extend(_resolve_cluster(cluster))
            cluster = []
        cluster.append(hit)
        cluster_end = max(cluster_end, hit[1])
    kept.extend(_resolve_cluster(cluster))
    return kept


def _resolve_cluster(cluster: list[_Hit]) -> list[_Hit]:
    """One run of overlapping hits (usually one or two): greedy by confidence."""
    if len(cluster) < 2:
        return cluster
    chosen: list[_Hit] = []
    for hit in sorted(cluster, key=lambda h: (-h[3], h[0] - h[1], h[0])):
        if all(hit[1] <= c[0] or c[1] <= hit[0] for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h[0])


# Names a keyword assignment can have (see _classify); all are prefilter needles.
_KEYWORD = r"pass|pwd|secret|token|key|auth|cred|salt|cookie|session|seed|hmac"
# Values that point at a secret kept elsewhere, or are filled in later.
_REFERENCE = (
    r"\$\{|\$\(|\{\{|\}\}|\{%|<%|%\(|#\{|@\{|\$[A-Za-z_]|\{[^{}\s]{0,40}\}"
    r"|%[sdr]\b|%\w+%|^<[^<>]*>$|^\[[^\[\]]*\]$|__\w+__|@@\w+@@|^!"
    r"|^(?:vault:|op://|arn:aws:(?:secretsmanager|ssm|kms):|sm://|enc\(|ref\+|keyvault:"
    r"|secret://|env:|file:|process\.env|os\.environ|getenv|system\.getenv)"
)

_A = re.ASCII
_AI = re.ASCII | re.IGNORECASE
# Every detector regex by name, compiled on first use: compiling them all costs ~30 ms,
# and a command that passes the prefilter usually needs three or four. Names marked
# (lowered) scan _Ctx.lowered and are written in lower case.
_REGEXES: dict[str, tuple[str, int]] = {
    "test_path": (_TEST_PATH, _AI),
    "keyword": (_KEYWORD, _A),  # (lowered)
    "words": (r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", _A),
    "op": (
        r"[ \t]*(?:(?P<annot>:[ \t]*[A-Za-z_][\w.\[\], |]*?[ \t]*=(?![=>~]))"
        r"|(?P<op>:=|\?\?=|\|\|=|\?=|=>|===|!==|==|!=|=(?![~>])|<-|\|\||\?\?|or\b|:(?!:)))"
        r"[ \t]*",
        _A,
    ),
    "quoted": (r"[bBrRuUfFL@$]{0,2}([\"'`])((?:(?!\1)[^\\\n]|\\.){0,1000})\1", _A),
    "unquoted": (r"[^\s;,\"'`()\[\]{}&|<>]{1,500}", _A),
    "line_rest": (r"[ \t]*(?:#.*)?\r?$", _A | re.MULTILINE),
    "flag_value": (r"(?:=|[ \t]+)", _A),
    "shell_default": (r":?[-=]([^}\s\"'$]{1,500})\}", _A),
    "xml_text": (r"([^<>\n]{1,500})</", _A),
    "call_left": (r"\([ \t]*$", _A),
    "call_right": (r"[ \t]*,[ \t]*(?:default[ \t]*=[ \t]*)?", _A),
    "pair_left": (r"\bname[\"']?[ \t]*[:=][ \t]*$", _AI),
    "pair_right": (
        r"[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?(?:-[ \t]+)?[\"']?value[\"']?[ \t]*[:=][ \t]*",
        _AI,
    ),
    "attr_left": (r"\b(?:key|name)[ \t]*=[ \t]*$", _AI),
    "attr_right": (r"[ \t]+value[ \t]*=[ \t]*", _AI),
    "in_string": (r"[ \t]*[:=][ \t]*([^\s\"'`;&,<>]{1,500})", _A),
    "yaml_line": (r"[ \t]*(?:[-+][ \t]+)?[\"']?$", _A),
    "setter": (r"\([ \t]*", _A),
    "wrapper": (
        r"(?:Field|SecretStr|SecretBytes|Secret|field|str|bytes|String|Some|Optional\.of)"
        r"\([ \t]*(?:default[ \t]*=[ \t]*)?",
        _A,
    ),
    "whitespace_value": (r"[ \t]+(\S{1,500})", _A),
    "libpq_next": (r"[ \t]+\w+=|[\"']", _A),
    "url": (
        r"://(?P<user>[^\s:/?#@\"'<>\[\]{}|\\^`]{0,200}):(?P<pw>[^\s/?#\"<>\\]{1,500})"
        r"@(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)",
        _A,
    ),
    "scheme": (r"[A-Za-z][A-Za-z0-9+.-]{0,30}$", _A),
    "authorization": (  # (lowered)
        r"authorization[\"']?\]?[ \t]*[:=,][ \t]*[\"']?[ \t]*(?P<scheme>bearer|token|basic)"
        r"[ \t]+(?P<value>[a-z0-9\-._~+/]{8,}=*)(?![a-z0-9\-._~+/=])",
        _A,
    ),
    "sql": (r"(?:password|identified[ \t]+by)[ \t]+'([^'\n]{1,200})'", _A),  # (lowered)
    "sql_with": (r"\bwith[ \t]+(?:encrypted[ \t]+)?$", _A),  # (lowered)
    "pem_begin": (r"-{4,5} ?BEGIN ((?:[A-Z0-9]+ ){0,4})PRIVATE KEY( BLOCK)? ?-{4,5}", _A),
    "pem_end": (r"-{4,5} ?END [A-Z0-9 ]{0,60}PRIVATE KEY(?: BLOCK)? ?-{4,5}", _A),
    # what separates a BEGIN line from the key material: escaped newlines, quotes and
    # concatenation; "+" and "/" are base64 too, so "+" counts only beside a space or quote
    "pem_junk": (r"(?:\\[nrt]|[\s\"'`,(]|\+(?=[\s\"'`]))*", _A),
    # a truncated body: base64 lines, broken by (escaped) newlines, not by spaces as prose is
    "pem_run": (
        r"[A-Za-z0-9+/=]{16,}(?:[ \t\"'`+,]*(?:\\[nr]|\r?\n)[\s\"'`+,]*[A-Za-z0-9+/=]{16,})*",
        _A,
    ),
    "pem_json": (r"[\"']private_key[\"'][ \t]*:[ \t]*[\"']$", _A),
    "base64_chars": (r"\\[nrt]|[^A-Za-z0-9+/=]", _A),
    "putty": (
        r"PuTTY-User-Key-File-\d:[^\n]*\n(?:[^\n]*\n){0,40}?Private-Lines:[ \t]*\d+[ \t]*\r?\n"
        r"(?P<body>(?:[A-Za-z0-9+/=]+\r?\n){1,200})",
        _A,
    ),
    "jwt": (
        r"(eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{5,2000})\.([A-Za-z0-9_-]{2,20000})"
        r"\.([A-Za-z0-9_-]{0,2000})(?![A-Za-z0-9_-])",
        _A,
    ),
    "aws_secret": (r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", _A),
    "percent": (r"%([0-9A-Fa-f]{2})", _A),
    "reference": (_REFERENCE, _AI),
    "masked_only": (r"[xX*#•.\-_ 0<>/]*", _A),
    "constant_name": (
        r"_*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+_*|_*[a-z]+(?:[_.\-]+[a-z]+)*[_.\-]+[a-z]*"
        r"|[a-z]+(?:[A-Z][a-z]+)+|(?:[A-Z][a-z]+){2,}|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+",
        _A,
    ),
    "path_like": (
        r"(?:/|~/|\./|\.\./|[A-Za-z]:\\)[^\s]*|[^\s]*\.(?:pem|key|crt|cer|p12|pfx|jks|"
        r"json|ya?ml|txt|env|ini|cfg|conf|toml|pub|gpg|asc|der|keystore)",
        _AI,
    ),
    "url_like": (r"[A-Za-z][A-Za-z0-9+.-]*://\S*", _A),
    "uuid": (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", _A),
    "hash_prefixed": (r"(?:sha\d*|md5|blake2\w*|h\d)[-:=]", _AI),
    "hex": (r"[0-9a-fA-F]+", _A),
    # code and markup, not key material (Django keys do use !@#$%^&*(-_=+))
    "not_token_chars": (r"[\s\\\[\]<>{}\"'`|]", _A),
    "token_chars": (r"[A-Za-z0-9+/=_\-.~]+", _A),
}


class _Patterns:
    """The regexes of _REGEXES as attributes (`_patterns().keyword`), compiled on first use."""

    def __init__(self) -> None:
        self.ascii_lower = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
        # needle -> the provider rules it gates, their regexes compiled when first tried
        self.providers: dict[str, list[tuple[str, str, float, _Check]]] = {}
        for kind, needles, pattern, confidence, check in _PROVIDERS:
            for needle in needles:
                self.providers.setdefault(needle, []).append((kind, pattern, confidence, check))
        self._compiled: dict[str, re.Pattern[str]] = {}

    def __getattr__(self, name: str) -> re.Pattern[str]:
        pattern, flags = _REGEXES[name]
        compiled = re.compile(pattern, flags)
        setattr(self, name, compiled)
        return compiled

    def compiled(self, pattern: str) -> re.Pattern[str]:
        """A table's regex (providers, calls, command lines), compiled once."""
        found = self._compiled.get(pattern)
        if found is None:
            found = self._compiled[pattern] = re.compile(pattern, _A)
        return found


_PATTERNS: _Patterns | None = None


def _patterns() -> _Patterns:
    global _PATTERNS
    if _PATTERNS is None:
        _PATTERNS = _Patterns()
    return _PATTERNS


# --- value judgement -------------------------------------------------------------------

_PLACEHOLDER_SUBSTRINGS = (
    "password", "passwd", "secret", "changeme", "change_me", "change-me", "example",
    "sample", "dummy", "placeholder", "redacted", "your", "xxx", "***", "...", "…", "fake",
    "insert", "replace", "token", "apikey", "api_key", "api-key", "notreal", "not_real",
    "not-real",
)  # fmt: skip
# Whole words of a value (split at case, digit and punctuation changes), 3+ letters.
_PLACEHOLDER_WORDS = frozenset(
    {
        "test", "tests", "testing", "foo", "bar", "baz", "qux", "quux", "demo", "mock",
        "mocked", "stub", "none", "null", "nil", "undefined", "todo", "fixme", "tbd", "abc",
        "asdf", "qwerty", "value", "string", "default", "empty", "blank", "unknown", "invalid",
        "required", "optional", "here", "pass", "pwd", "user", "username", "letmein", "temp",
    }
)  # fmt: skip


def _entropy(value: str) -> float:
    from math import log2

    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * log2(c / n) for c in counts.values()) if n else 0.0


def _looks_generated(value: str) -> bool:
    """Long, mixed letters and digits, high entropy: made by a generator, not typed."""
    return (
        len(value) >= 12
        and _entropy(value) >= 3.5
        and any(c.isdigit() for c in value)
        and any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and _ascending_run(value) < 4
    )


def _ascending_run(value: str) -> int:
    """Longest run like "123456" or "abcdef": the mark of a typed-in fake."""
    best = run = 1
    for i in range(1, len(value)):
        prev, cur = value[i - 1], value[i]
        run = run + 1 if ord(cur) == ord(prev) + 1 and cur.isalnum() and prev.isalnum() else 1
        best = max(best, run)
    return best if value else 0


# Passwords from comics and tutorials: in code they are examples, not leaks.
_FAMOUS = frozenset(
    {"correct horse battery staple", "hunter2", "tr0ub4dor&3", "p@ssw0rd", "p@$$w0rd",
     "passw0rd", "s3cr3t", "letmein", "opensesame", "qwerty123"}
)  # fmt: skip


def _is_placeholder(value: str) -> bool:
    p = _patterns()
    low = value.lower()
    if low in _FAMOUS or p.masked_only.fullmatch(value) or len(set(low)) <= 2:
        return True
    if any(s in low for s in _PLACEHOLDER_SUBSTRINGS):
        return True
    words = {w.lower() for w in p.words.findall(value) if len(w) >= 3}
    if words & _PLACEHOLDER_WORDS:
        return True
    return _ascending_run(low) >= 6


def _is_reference(value: str) -> bool:
    return _patterns().reference.search(value) is not None


# Stripe keys that are public (pk_) or cannot move money (test mode): see the docstring.
_NOT_SECRET_PREFIXES = ("pk_live_", "pk_test_", "sk_test_", "rk_test_")


def _is_not_a_value(value: str) -> bool:
    """Paths, URLs, references, placeholders, names of things: not a credential."""
    p = _patterns()
    return (
        value.startswith(_NOT_SECRET_PREFIXES)
        or _is_reference(value)
        or _is_placeholder(value)
        or p.path_like.fullmatch(value) is not None
        or p.url_like.fullmatch(value) is not None
        or p.constant_name.fullmatch(value) is not None
    )


def _judge(value: str, cls: str) -> float | None:
    """Confidence that `value`, assigned to a name of class `cls`, is a real credential."""
    if not value or len(value) > 500 or value != value.strip() or _is_not_a_value(value):
        return None
    if cls == "password":
        if len(value) < 6 or value.count(" ") > 3:
            return None
        return 0.7
    p = _patterns()
    if p.not_token_chars.search(value) or p.hash_prefixed.match(value):
        return None
    entropy = _entropy(value)
    if cls == "secret":
        if len(value) < 8 or entropy < 2.5:
            return None
        if value.isalpha() and value.islower() and len(value) < 16:
            return None
        return 0.75 if entropy >= 3.5 and len(value) >= 16 else 0.65
    # weak names ("key", "salt", "session"...): only what looks random counts
    if len(value) < 16 or p.uuid.fullmatch(value) or not p.token_chars.fullmatch(value):
        return None
    classes = sum(any(test(ch) for ch in value) for test in (str.islower, str.isupper, str.isdigit))
    if classes < 2:
        return None
    if p.hex.fullmatch(value):
        # under a name as vague as "key", hex is a digest far more often than a key
        return None
    return 0.5 if entropy >= 3.5 else None


def _password_ok(value: str) -> bool:
    return _judge(value, "password") is not None


# --- provider formats ------------------------------------------------------------------


def _token_check(token: str) -> float | None:
    """1.0 for a plausible token, None for a placeholder in a provider's format."""
    low = token.lower()
    if any(s in low for s in ("example", "sample", "dummy", "placeholder", "redacted")):
        return None
    if any(s in low for s in ("xxxx", "your", "fake", "****", "0000000000")):
        return None
    if _ascending_run(low) >= 8 or (len(token) >= 16 and _entropy(token) < 3.0):
        return None
    return 1.0


def _base62_crc_ok(token: str) -> bool:
    """GitHub and npm tokens end in the base62 CRC32 of the 30 characters before it."""
    from zlib import crc32

    body = token[token.index("_") + 1 :]
    if len(body) != 36:
        return False
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    value = crc32(body[:30].encode("ascii"))
    digits = ""
    while value:
        value, r = divmod(value, 62)
        digits = alphabet[r] + digits
    return body[30:] == digits.rjust(6, "0")


def _checksum_check(token: str) -> float | None:
    # A token failing its checksum is a typo or a fake, but fakes copied from real ones
    # still deserve a look: report it, less sure.
    if _token_check(token) is None:
        return None
    return 1.0 if _base62_crc_ok(token) else 0.86


_AN = r"(?<![A-Za-z0-9])"  # start: not glued to a longer word
_END = r"(?![A-Za-z0-9])"
_END64 = r"(?![A-Za-z0-9_-])"
# kind, needles, regex (group 1 = the value when present), confidence, check (None rejects,
# else multiplies the confidence). Each regex is tried only where one of its needles
# occurs (at the needle, or _LEADS characters before it), never across the whole text:
# these patterns start with a lookbehind, which makes a scan ~10x slower per character.
_PROVIDERS: list[tuple[str, tuple[str, ...], str, float, _Check]] = [
    ("aws-access-key-id", ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
     _AN + r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}" + _END, 0.9, _token_check),
    ("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
     _AN + r"gh[pousr]_[A-Za-z0-9]{36}" + _END, 0.99, _checksum_check),
    ("github-token", ("github_pat_",),
     _AN + r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}" + _END, 0.97, _token_check),
    ("gitlab-token", ("glpat-", "gldt-", "glrt-", "glptt-", "glsoat-", "glft-", "glcbt-",
                      "glimt-", "gloas-", "glagent-", "glffct-", "GR1348941"),
     _AN + r"(?:gl(?:pat|dt|rt|ptt|soat|ft|cbt|imt|oas|agent|ffct)-|GR1348941)"
     r"[0-9A-Za-z_-]{20,300}(?:\.[0-9A-Za-z_-]{2,64}){0,2}" + _END64, 0.95, _token_check),
    ("slack-token", ("xox",),
     _AN + r"xox[abposr]-(?:[0-9]+-)+[0-9A-Za-z]{8,}(?:-[0-9A-Za-z]+)*" + _END64,
     0.95, _token_check),
    ("slack-token", ("xoxe", "xapp-"),
     _AN + r"(?:xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{100,300}|xapp-\d-[A-Z0-9]{9,}-\d+-[a-f0-9]{32,})"
     + _END, 0.95, _token_check),
    ("slack-webhook", ("hooks.slack.com",),
     r"hooks\.slack\.com/(?:services|workflows|triggers)/((?:[A-Za-z0-9_]+/){1,4}"
     r"[A-Za-z0-9_]{16,})", 0.95, _token_check),
    ("discord-webhook", ("discord",),
     r"discord(?:app)?\.com/api/webhooks/([0-9]{17,20}/[A-Za-z0-9_-]{60,100})" + _END64,
     0.95, _token_check),
    ("stripe-key", ("_live_",), _AN + r"[rs]k_live_[0-9A-Za-z]{24,247}" + _END, 0.95,
     _token_check),
    ("stripe-webhook-secret", ("whsec_",), _AN + r"whsec_[A-Za-z0-9+/]{32,100}={0,2}", 0.9,
     _token_check),
    ("anthropic-key", ("sk-ant-",), _AN + r"sk-ant-[a-z]{2,8}[0-9]{2}-[A-Za-z0-9_-]{32,200}"
     + _END64, 0.97, _token_check),
    ("openai-key", ("sk-",),
     _AN + r"sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{16,250}T3BlbkFJ"
     r"[A-Za-z0-9_-]{16,250}" + _END64, 0.97, _token_check),
    ("openai-key", ("sk-proj-", "sk-svcacct-", "sk-admin-"),
     _AN + r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}" + _END64, 0.9, _token_check),
    ("sk-api-key", ("sk-",), _AN + r"sk-[A-Za-z0-9]{32,200}" + _END64, 0.75, _token_check),
    ("google-api-key", ("AIza",), _AN + r"AIza[0-9A-Za-z_-]{35}" + _END64, 0.9, _token_check),
    ("google-oauth-client-secret", ("GOCSPX-",), _AN + r"GOCSPX-[A-Za-z0-9_-]{28}" + _END64,
     0.95, _token_check),
    ("google-oauth-token", ("ya29.",), _AN + r"ya29\.[0-9A-Za-z_-]{30,2000}" + _END64, 0.85,
     _token_check),
    ("azure-storage-key", ("AccountKey",), r"AccountKey=([A-Za-z0-9+/]{86}==)", 0.95,
     _token_check),
    ("azure-connection-string", ("SharedAccessKey",),
     r"SharedAccessKey=([A-Za-z0-9+/]{42,43}=)", 0.9, _token_check),
    ("azure-sas-token", ("sv=",),
     r"[?&;]sv=[0-9-]{10}&[^\s\"']{0,300}?\bsig=([A-Za-z0-9%+/]{40,120}(?:%3D|=){0,2})", 0.85,
     _token_check),
    ("azure-client-secret", ("Q~",),
     r"(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])",
     0.9, _token_check),
    ("npm-token", ("npm_",), _AN + r"npm_[A-Za-z0-9]{36}" + _END, 0.99, _checksum_check),
    ("npm-token", ("_authToken",),
     r":_authToken=([A-Za-z0-9_-]{20,200}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
     r"[0-9a-f]{12})" + _END64, 0.9, _token_check),
    ("pypi-token", ("pypi-",),
     _AN + r"pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,}" + _END64, 0.98,
     _token_check),
    ("twilio-api-key", ("SK",), _AN + r"SK[0-9a-fA-F]{32}" + _END, 0.8, _token_check),
    ("sendgrid-key", ("SG.",), _AN + r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}" + _END64,
     0.97, _token_check),
    ("mailchimp-key", ("-us",), _AN + r"[0-9a-f]{32}-us[0-9]{1,2}" + _END, 0.85, _token_check),
    ("huggingface-token", ("hf_", "api_org_"), _AN + r"(?:hf_|api_org_)[A-Za-z]{34}" + _END,
     0.9, _token_check),
    ("groq-key", ("gsk_",), _AN + r"gsk_[A-Za-z0-9]{52}" + _END, 0.95, _token_check),
    ("replicate-token", ("r8_",), _AN + r"r8_[A-Za-z0-9]{37}" + _END, 0.9, _token_check),
    ("xai-key", ("xai-",), _AN + r"xai-[A-Za-z0-9]{80}" + _END, 0.95, _token_check),
    ("perplexity-key", ("pplx-",), _AN + r"pplx-[A-Za-z0-9]{48}" + _END, 0.9, _token_check),
    ("digitalocean-token", ("_v1_",), _AN + r"do[opr]_v1_[a-f0-9]{64}" + _END, 0.95,
     _token_check),
    ("shopify-token", ("shpat_", "shpca_", "shppa_", "shpss_"),
     _AN + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _END, 0.95, _token_check),
    ("databricks-token", ("dapi",), _AN + r"dapi[a-f0-9]{32}(?:-[0-9])?" + _END, 0.85,
     _token_check),
    ("vault-token", ("hvs.",), _AN + r"hvs\.[A-Za-z0-9_-]{90,200}" + _END64, 0.9, _token_check),
    ("doppler-token", ("dp.",), _AN + r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}"
     + _END, 0.95, _token_check),
    ("postman-key", ("PMAK-",), _AN + r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}" + _END, 0.95,
     _token_check),
    ("newrelic-key", ("NRAK-",), _AN + r"NRAK-[A-Z0-9]{27}" + _END, 0.9, _token_check),
    ("linear-key", ("lin_api_",), _AN + r"lin_api_[A-Za-z0-9]{40}" + _END, 0.95, _token_check),
    ("notion-token", ("ntn_", "secret_"),
     _AN + r"(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})" + _END, 0.85,
     _token_check),
    ("telegram-bot-token", (":AA",), _AN + r"[0-9]{8,10}:AA[0-9A-Za-z_-]{33}" + _END64, 0.85,
     _token_check),
    ("square-token", ("sq0",), _AN + r"sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}" + _END64, 0.95,
     _token_check),
    ("atlassian-token", ("ATATT3",), _AN + r"ATATT3[A-Za-z0-9_=-]{150,250}" + _END64, 0.95,
     _token_check),
    ("age-secret-key", ("AGE-SECRET-KEY-",),
     _AN + r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}" + _END, 0.98,
     _token_check),
]  # fmt: skip
# How many characters of a match come before its needle, where that is not zero.
_LEADS = {
    "_live_": (2,), "_v1_": (3,), "Q~": (4,), "-us": (32,), ":AA": (8, 9, 10), "sv=": (1,),
    "_authToken": (1,),
}  # fmt: skip
_PROVIDER_KINDS = frozenset(kind for kind, *_ in _PROVIDERS) | {
    "private-key",
    "gcp-service-account-key",
    "aws-secret-access-key",
}


def _provider_hits(ctx: _Ctx) -> Iterator[_Hit]:
    p = _patterns()
    text = ctx.text
    find = text.find
    for needle, rules in p.providers.items():
        leads = _LEADS.get(needle, (0,))
        at = find(needle)
        while at >= 0:
            for kind, source, confidence, check in rules:
                pattern = p.compiled(source)
                for lead in leads:
                    m = pattern.match(text, at - lead) if at >= lead else None
                    if m is None:
                        continue
                    group = 1 if pattern.groups else 0
                    factor = check(m.group(group))
                    if factor is not None:
                        start, end = m.span(group)
                        yield start, end, kind, confidence * factor, KINDS[kind]
            at = find(needle, at + 1)


# --- private keys ----------------------------------------------------------------------

_PEM_MAX_BODY = 65536


def _private_key_hits(ctx: _Ctx) -> Iterator[_Hit]:
    text = ctx.text
    if "PRIVATE KEY" in text:
        yield from _pem_hits(ctx)
    if "PuTTY-User-Key-File-" in text:
        for m in _patterns().putty.finditer(text):
            start, end = m.span("body")
            while end > start and text[end - 1] in "\r\n":
                end -= 1
            yield start, end, "private-key", 0.95, "PuTTY private key"


def _pem_hits(ctx: _Ctx) -> Iterator[_Hit]:
    from bisect import bisect_left

    p = _patterns()
    text = ctx.text
    # every END line, found once: searching from each BEGIN would be quadratic
    ends = list(p.pem_end.finditer(text))
    end_starts = [m.start() for m in ends]
    pos = 0
    while True:
        begin = p.pem_begin.search(text, pos)
        if begin is None:
            return
        label = (begin.group(1) or "").strip()
        pos = begin.end()
        body_start = p.pem_junk.match(text, pos).end()  # type: ignore[union-attr]
        i = bisect_left(end_starts, pos)
        end = ends[i] if i < len(ends) and end_starts[i] <= pos + _PEM_MAX_BODY else None
        if end is not None:
            body_end = _trim_pem_body(text, body_start, end.start())
            pos = end.end()
            confidence = 0.95
        else:
            run = p.pem_run.match(text, body_start)
            body_end = _trim_pem_body(text, body_start, run.end()) if run else body_start
            confidence = 0.85  # truncated: a hunk or a paste cut short
        body = text[body_start:body_end]
        if _pem_body_ok(body):
            kind = "private-key"
            if p.pem_json.search(text, max(0, begin.start() - 40), begin.start()):
                kind, confidence = "gcp-service-account-key", confidence + 0.02
            if "ENCRYPTED" in label or "Proc-Type: 4,ENCRYPTED" in body:
                confidence -= 0.1
            description = f"{label} private key" if label else "private key"
            if kind == "gcp-service-account-key":
                description = KINDS[kind]
            yield body_start, body_end, kind, confidence, description
        elif end is None and _lone_pem_header(ctx, begin.start(), begin.end()):
            # A key added one diff line at a time arrives as its BEGIN line alone.
            yield begin.start(), begin.end(), "private-key", 0.5, "private key BEGIN line"


def _trim_pem_body(text: str, start: int, end: int) -> int:
    """End of the key material: before quotes, escaped newlines and spaces."""
    while end > start:
        if text[end - 2 : end] in ("\\n", "\\r", "\\t") and end - 2 >= start:
            end -= 2
        elif text[end - 1] in " \t\r\n\"'`,(" or (
            text[end - 1] == "+" and end - 2 >= start and text[end - 2] in " \t\"'`"
        ):
            end -= 1
        else:
            break
    return end


def _pem_body_ok(body: str) -> bool:
    if "..." in body or "…" in body or "<" in body:
        return False
    material = _patterns().base64_chars.sub("", body)
    return len(material) >= 64 and _entropy(material) >= 4.0


def _lone_pem_header(ctx: _Ctx, start: int, end: int) -> bool:
    """The BEGIN line is the last thing in the text, alone on its line."""
    text = ctx.text
    line_start, _ = ctx.line_bounds(start)
    before = text[line_start:start].strip(" \t\"'`+(")
    after = _patterns().pem_junk.match(text, end).end()  # type: ignore[union-attr]
    return not before and after == len(text)


# --- JWTs, URLs, headers, command lines ------------------------------------------------

# https://jwt.io's example token: in every tutorial.
_JWT_EXAMPLE_SIGNATURE = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


def _b64_json(part: str) -> object:
    import base64
    import binascii
    import json

    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        return None


def _jwt_hits(ctx: _Ctx) -> Iterator[_Hit]:
    if "eyJ" not in ctx.text:
        return
    for m in _patterns().jwt.finditer(ctx.text):
        header, payload, signature = m.groups()
        decoded = _b64_json(header)
        if not isinstance(decoded, dict) or not isinstance(decoded.get("alg"), str):
            continue
        if signature == _JWT_EXAMPLE_SIGNATURE:
            continue
        if not isinstance(_b64_json(payload), dict) or 0 < len(signature) < 16:
            continue
        confidence = 0.9
        if not signature:
            confidence = 0.6 if decoded["alg"].lower() == "none" else 0.7
        yield m.start(), m.end(), "jwt", confidence, KINDS["jwt"]


_LOCAL_HOSTS = ("localhost", "127.", "0.0.0.0", "[::1]", "host.docker.internal")  # noqa: S104
_EXAMPLE_HOSTS = (".example", "example.com", "example.org", "example.net", ".test", ".invalid")


def _url_hits(ctx: _Ctx) -> Iterator[_Hit]:
    if "://" not in ctx.text:
        return
    p = _patterns()
    text = ctx.text
    for m in p.url.finditer(text):
        if not p.scheme.search(text, max(0, m.start() - 31), m.start()):
            continue
        user, password, host = m.group("user", "pw", "host")
        decoded = p.percent.sub(lambda h: chr(int(h.group(1), 16)), password)
        if len(password) < 3 or decoded == user or password == user:
            continue
        if _is_reference(decoded) or _is_placeholder(decoded) or _is_reference(password):
            continue
        host = host.lower()
        confidence = 0.8
        if host.startswith(_LOCAL_HOSTS):
            confidence = 0.5
        elif host.endswith(_EXAMPLE_HOSTS):
            # documentation hosts carry typed-in fakes; a random-looking password on one
            # is more often a real one with the host name anonymised
            confidence = 0.7 if _looks_generated(decoded) else 0.5
        yield m.start("pw"), m.end("pw"), "url-credentials", confidence, KINDS["url-credentials"]


def _authorization_hits(ctx: _Ctx) -> Iterator[_Hit]:
    if "authorization" not in ctx.lowered:
        return
    for m in _patterns().authorization.finditer(ctx.lowered):
        value = ctx.text[m.start("value") : m.end("value")]
        if m.group("scheme") == "basic":
            ok = _basic_credentials_ok(value)
            description = "Basic credentials in an Authorization header"
        else:
            ok = _judge(value, "secret") is not None and len(value) >= 16
            description = "bearer token in an Authorization header"
        if ok:
            yield m.start("value"), m.end("value"), "authorization-header", 0.8, description


def _basic_credentials_ok(value: str) -> bool:
    import base64
    import binascii

    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep) and password != user and _password_ok(password)


_STRING = r"[bBrRuU]?([\"'])(?P<v>(?:(?!\{q})[^\\\n]|\\.){{1,500}})\{q}"
# Calls that take a secret as a positional argument: pattern, needle, class, description.
# Patterns start with a literal and check word boundaries after it: a leading lookbehind
# or \b makes the regex engine try every position (~10x slower on a large file).
_CALLS = [
    (r"jwt\.(?<![\w.]jwt\.)(?:encode|decode)\([ \t]*[^,()\n]{1,200},[ \t]*" + _STRING.format(q=1),
     "jwt.", "secret", "JWT signing secret"),
    (r"hmac\.new\((?<![\w.]hmac\.new\()[ \t]*" + _STRING.format(q=1), "hmac", "secret", "HMAC key"),
    (r"\.login\([ \t]*([\"'])[^\"'\n]{1,200}\1[ \t]*,[ \t]*" + _STRING.format(q=2), "login",
     "password", "password passed to login()"),
    (r"(?:auth(?<![\w.]auth)[ \t]*=[ \t]*|Basic[A-Za-z]*Auth\(|Digest[A-Za-z]*Auth\()\(?[ \t]*"
     r"([\"'])[^\"'\n]{1,200}\1[ \t]*,[ \t]*" + _STRING.format(q=2), "auth", "password",
     "password in HTTP authentication"),
]  # fmt: skip
_OPTION_VALUE = r"(?:'([^'\n]{1,200})'|\"([^\"\n]{1,200})\"|([^\s'\"]\S{0,199}))"
# pattern, needles (lower-case), description; the first non-empty group is the password
_COMMAND_LINES = [
    (r"(?:mysql(?<![\w-]mysql)(?:dump|admin|import)?|mariadb(?<![\w-]mariadb)(?:-dump)?)\b"
     r"[^\n;&|]*?[ \t]-p" + _OPTION_VALUE, ("mysql", "mariadb"),
     "password in a mysql command line"),
    (r"sshpass(?<![\w-]sshpass)\b[^\n;&|]*?[ \t]-p[ \t]*" + _OPTION_VALUE, ("sshpass",),
     "password in an sshpass command line"),
    (r"redis-cli(?<![\w-]redis-cli)\b[^\n;&|]*?[ \t](?:-a|--pass)[ \t]+" + _OPTION_VALUE,
     ("redis-cli",), "password in a redis-cli command line"),
    (r"login(?<![\w-]login)\b[^\n;&|]*?[ \t]-p(?:[ \t]+|=)" + _OPTION_VALUE, ("login",),
     "password in a login command line"),
    (r"-(?:u|-user)(?<![^\s\"']-u)(?<![^\s\"']--user)(?:[ \t]+|=)[\"']?[^\s:\"'$]{1,100}:"
     r"([^\s\"']{1,200})", ("-u",), "password in a user:password option"),
]  # fmt: skip


def _command_line_hits(ctx: _Ctx) -> Iterator[_Hit]:
    p = _patterns()
    for source, needles, description in _COMMAND_LINES:
        if not any(n in ctx.lowered for n in needles):
            continue
        pattern = p.compiled(source)
        for m in pattern.finditer(ctx.lowered):
            group = next(i for i in range(1, (pattern.groups or 0) + 1) if m.group(i))
            if _password_ok(ctx.text[m.start(group) : m.end(group)]):
                yield m.start(group), m.end(group), "password-assignment", 0.75, description
    if "password" in ctx.lowered or "identified" in ctx.lowered:
        for m in p.sql.finditer(ctx.lowered):
            # CREATE/ALTER ROLE ... WITH PASSWORD '...', MySQL's IDENTIFIED BY '...'
            if m.group().startswith("password") and not p.sql_with.search(
                ctx.lowered, max(0, m.start() - 20), m.start()
            ):
                continue
            if _password_ok(ctx.text[m.start(1) : m.end(1)]):
                yield m.start(1), m.end(1), "password-assignment", 0.7, "password in SQL"
    for source, needle, cls, description in _CALLS:
        if needle not in ctx.lowered:
            continue
        for m in p.compiled(source).finditer(ctx.text):
            confidence = _judge(m.group("v"), cls)
            if confidence is not None:
                kind = "password-assignment" if cls == "password" else "api-key-assignment"
                yield m.start("v"), m.end("v"), kind, confidence, description


# --- AWS secret access keys ------------------------------------------------------------


def _aws_secret_hits(ctx: _Ctx, earlier: list[_Hit]) -> Iterator[_Hit]:
    """40 base64 characters on a line that says aws, or next to an access key ID."""
    p = _patterns()
    text = ctx.text
    kind = "aws-secret-access-key"
    key_ids = [h[0] for h in earlier if h[2] == "aws-access-key-id"]
    if "aws" not in ctx.lowered and not key_ids:
        return
    lines: dict[tuple[int, int], bool] = {}
    at = ctx.lowered.find("aws")
    while at >= 0:
        bounds = ctx.line_bounds(at)
        lines[bounds] = True
        at = ctx.lowered.find("aws", bounds[1])
    for offset in key_ids:
        # the lines around an access key ID: credentials files, .env files, exports
        start, end = ctx.line_bounds(offset)
        for _ in range(3):
            start, _ = ctx.line_bounds(max(0, start - 1))
            end = ctx.line_bounds(min(len(text), end + 1))[1]
        pos = start
        while pos <= end:
            bounds = ctx.line_bounds(pos)
            lines.setdefault(bounds, False)
            pos = bounds[1] + 1
    for (start, end), says_aws in lines.items():
        # what the line says, once per line: per candidate it would grow with the line
        line = ctx.lowered[start:end]
        if "secret" in line:
            confidence = 0.9
        elif says_aws and "key" in line:
            confidence = 0.8
        else:
            confidence = 0.7
        assigned_from = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
        for m in p.aws_secret.finditer(text, start, end):
            if confidence == 0.7 and not 0 <= assigned_from < m.start() - start:
                continue
            if _aws_secret_ok(m.group()):
                yield m.start(), m.end(), kind, confidence, KINDS[kind]


def _aws_secret_ok(value: str) -> bool:
    return (
        any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
        and "EXAMPLE" not in value.upper()
        and value.count("/") <= 4
        and _entropy(value) >= 4.0
    )


# --- keyword assignments ---------------------------------------------------------------

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
# Trailing words that keep a name's meaning: DB_PASSWORD_PROD, SECRET_KEY_BASE, password1.
_NEUTRAL = frozenset(
    {
        "value", "str", "string", "plain", "plaintext", "raw", "b64", "base64", "hex", "bytes",
        "literal", "default", "prod", "production", "dev", "development", "staging", "stage",
        "live", "local", "base", "confirmation", "confirm", "new", "old", "current", "again",
        "repeat",
    }
)  # fmt: skip
_PASSWORD_NOUNS = frozenset({"password", "passwd", "pwd", "pass", "passphrase", "passwort"})
_NOT_PASS = frozenset(
    {
        "first", "second", "third", "last", "next", "prev", "previous", "single", "multi",
        "render", "compiler", "boarding", "by", "high", "low", "band", "sub", "one", "two",
        "final", "initial", "main", "shadow", "depth", "forward", "backward", "lint", "opt",
        "free", "hall", "day", "season", "bus",
    }
)  # fmt: skip
_KEY_STRONG = frozenset(
    {
        "api", "secret", "private", "priv", "access", "auth", "client", "master", "signing",
        "sign", "encryption", "encrypt", "enc", "crypt", "crypto", "cipher", "app",
        "application", "service", "account", "storage", "subscription", "admin", "ssh", "gpg",
        "pgp", "hmac", "jwt", "shared", "consumer", "license", "partner", "integration",
        "webhook", "deploy", "server", "backend", "merchant", "developer", "root",
    }
)  # fmt: skip
_KEY_NOT_SECRET = frozenset(
    {
        "public", "pub", "publishable", "primary", "foreign", "sort", "partition", "range",
        "hash", "cache", "idempotency", "lookup", "dict", "map", "row", "column", "col",
        "unique", "composite", "natural", "surrogate", "object", "bucket", "i18n",
        "translation", "message", "msg", "config", "setting", "settings", "registry", "index",
        "group", "item", "entry", "record", "field", "attr", "attribute", "prop", "property",
        "state", "query", "route", "react", "site", "turnstile", "recaptcha", "event",
        "metadata", "meta", "label", "tag", "order", "table", "s3", "lock", "shard", "routing",
        "parent", "child", "next", "prev", "last", "first", "cursor", "page", "join", "json",
        "yaml", "toml", "env", "name", "id", "data", "context", "ctx", "request", "header",
        "param", "arg", "option", "flag", "feature", "shortcut", "press", "pressed", "down",
        "up", "enter", "escape", "arrow", "modifier", "mod", "ctrl", "alt", "shift", "tab",
        "home", "end", "esc", "space", "delete", "backspace", "return", "dedup", "dedupe",
        "cmd", "hot", "sorting", "redis", "memcache",
    }
)  # fmt: skip
_TOKEN_NOT_SECRET = frozenset(
    {
        "page", "next", "continuation", "pagination", "cursor", "sync", "csrf", "xsrf",
        "cancellation", "cancel", "lexer", "parser", "eof", "end", "start", "stop", "pad",
        "bos", "eos", "unk", "mask", "sep", "cls", "special", "vocab", "max", "num", "input",
        "output", "prompt", "completion", "image", "audio", "text", "split", "word", "sub",
        "first", "last",
    }
)  # fmt: skip
# Signatures are not on the list: a MAC or signature is public by design.
_WEAK_NOUNS = frozenset({"auth", "salt", "seed", "cookie", "session", "sessionid", "hmac"})
_SECRET_COMPOUNDS = ("apikey", "secretkey", "accesskey", "privatekey", "authkey", "masterkey",
                     "signingkey", "encryptionkey", "appkey", "clientkey")  # fmt: skip


def _classify(name: str) -> str | None:
    """A name's class: "password", "secret", "weak" (random values only) or None."""
    last = name.lstrip("-").rsplit(".", 1)[-1]
    words = [w.lower() for w in _patterns().words.findall(last)]
    if not words or any(w in ("public", "publishable", "pub") for w in words):
        return None
    while len(words) > 1 and (words[-1] in _NEUTRAL or words[-1].isdigit()):
        words.pop()
    noun = words[-1]
    prev = words[-2] if len(words) > 1 else ""
    if noun in _PASSWORD_NOUNS:
        return None if noun == "pass" and prev in _NOT_PASS else "password"
    if noun.endswith(("password", "passwd", "passphrase")):
        return "password"
    if noun.endswith("secret") or noun in ("credential", "credentials", "creds"):
        return "secret"
    if noun.endswith("token"):
        qualifier = prev if noun == "token" else noun[:-5]
        return None if qualifier in _TOKEN_NOT_SECRET else "secret"
    if noun in ("key", "keys"):
        if prev in _KEY_STRONG:
            return "secret"
        return None if prev in _KEY_NOT_SECRET else "weak"
    if noun.endswith(_SECRET_COMPOUNDS):
        return "secret"
    return "weak" if noun in _WEAK_NOUNS else None


def _expand_name(text: str, start: int, end: int) -> tuple[int, int]:
    """The identifier around a keyword hit, without leading or trailing dots and dashes."""
    limit = max(0, start - 100)
    while start > limit and text[start - 1] in _NAME_CHARS:
        start -= 1
    limit = min(len(text), end + 100)
    while end < limit and text[end] in _NAME_CHARS:
        end += 1
    while end > start and text[end - 1] in ".-":
        end -= 1
    while start < end and text[start] == ".":
        start += 1
    return start, end


_QUOTES = "\"'`"


def _keyword_hits(ctx: _Ctx) -> Iterator[_Hit]:
    text = ctx.text
    seen = 0
    for m in _patterns().keyword.finditer(ctx.lowered):
        if m.start() < seen:
            continue
        start, end = _expand_name(text, m.start(), m.end())
        seen = end
        if start == end:
            continue
        cls = _classify(text[start:end])
        if cls is None:
            continue
        span = _value_after_name(ctx, start, end)
        if span is None:
            continue
        vs, ve, literal_from_config = span
        confidence = _judge(text[vs:ve], cls)
        if confidence is None:
            continue
        if literal_from_config:
            confidence += 0.05
        if cls == "password":
            kind = "password-assignment"
        elif cls == "secret":
            kind = "api-key-assignment"
        else:
            kind = "high-entropy-string"
        yield vs, ve, kind, confidence, KINDS[kind]


def _value_after_name(ctx: _Ctx, start: int, end: int) -> tuple[int, int, bool] | None:
    """The literal assigned to the name at text[start:end], in the syntaxes we know.

    Returns (value start, value end, whether the syntax is a config file's) or None when
    nothing literal is assigned (a variable, a call, a type annotation).
    """
    p = _patterns()
    text = ctx.text
    before = text[start - 1] if start else ""
    if text[start] == "-":
        return _flag_value(text, end)
    if before == "{" and text[start - 2 : start] == "${":
        m = p.shell_default.match(text, end)
        return (m.start(1), m.end(1), False) if m else None
    if before == "<" and text.startswith(">", end):
        m = p.xml_text.match(text, end + 1)
        return (m.start(1), m.end(1), False) if m and m.group(1).strip() == m.group(1) else None
    if before and before in _QUOTES:
        if not text.startswith(before, end):
            return _in_string_value(ctx, start, end, before)
        found = _quoted_name_value(ctx, start - 1, end + 1)
        if found is not None:
            return found
        pos = end + 1
    else:
        if p.pair_left.search(text, max(0, start - 24), start):
            found = _pair_value(ctx, end)
            if found is not None:
                return found
        pos = end
    if text.startswith("(", pos) and _is_setter(text[start:end]):
        q = p.quoted.match(text, p.setter.match(text, pos).end())  # type: ignore[union-attr]
        return (q.start(2), q.end(2), False) if q else None
    if text.startswith(("]", ")"), pos):
        pos += 1
    return _operator_value(ctx, start, end, pos)


# Calls that take a secret without storing it: check_password("guess") is not a leak.
_VERBS = frozenset(
    {
        "check", "verify", "validate", "hash", "compare", "get", "has", "is", "encode",
        "decode", "encrypt", "decrypt", "generate", "create", "make", "parse", "mask", "redact",
        "strip", "log", "print", "find", "read", "load", "fetch", "request", "refresh",
        "revoke", "rotate", "test", "assert", "expect", "add", "append", "push", "emit",
        "consume", "insert", "remove", "delete", "pop", "peek", "next", "match", "tokenize",
        "lookup", "count", "split",
    }
)  # fmt: skip


def _is_setter(name: str) -> bool:
    """setPassword("..."), with_api_key("..."), builder.password("...")."""
    last = name.rsplit(".", 1)[-1]
    words = [w.lower() for w in _patterns().words.findall(last)]
    if not words:
        return False
    return words[0] in ("set", "with") or ("." in name and words[0] not in _VERBS)


def _flag_value(text: str, end: int) -> tuple[int, int, bool] | None:
    p = _patterns()
    m = p.flag_value.match(text, end)
    if m is None:
        return None
    q = p.quoted.match(text, m.end())
    if q:
        return q.start(2), q.end(2), False
    u = p.unquoted.match(text, m.end())
    # "--password options" in prose: a bare lower-case word is rarely the password
    if (
        u is None
        or u.group().startswith(("-", "$"))
        or (u.group().isalpha() and u.group().islower())
    ):
        return None
    return u.start(), u.end(), False


def _quoted_name_value(ctx: _Ctx, quote: int, after: int) -> tuple[int, int, bool] | None:
    """("NAME", "value") calls, name/value pairs and key="NAME" value="..." attributes."""
    p = _patterns()
    text = ctx.text
    if p.call_left.search(text, max(0, quote - 8), quote):
        m = p.call_right.match(text, after)
        q = p.quoted.match(text, m.end()) if m else None
        if q:
            return q.start(2), q.end(2), False
    if p.pair_left.search(text, max(0, quote - 24), quote):
        found = _pair_value(ctx, after)
        if found is not None:
            return found
    if p.attr_left.search(text, max(0, quote - 16), quote):
        m = p.attr_right.match(text, after)
        q = p.quoted.match(text, m.end()) if m else None
        if q:
            return q.start(2), q.end(2), False
    return None


def _pair_value(ctx: _Ctx, after: int) -> tuple[int, int, bool] | None:
    """`- name: DB_PASSWORD` then `value: ...` (Kubernetes, ECS, compose)."""
    p = _patterns()
    text = ctx.text
    if text.startswith(("'", '"'), after):
        after += 1
    m = p.pair_right.match(text, after)
    if m is None:
        return None
    q = p.quoted.match(text, m.end())
    if q:
        return q.start(2), q.end(2), False
    u = p.unquoted.match(text, m.end())
    if u and p.line_rest.match(text, u.end()):
        return u.start(), u.end(), True
    return None


def _in_string_value(ctx: _Ctx, start: int, end: int, quote: str) -> tuple[int, int, bool] | None:
    """A name inside a string literal: `"X-Api-Key: value"`, `"user=u;password=value"`."""
    m = _patterns().in_string.match(ctx.text, end)
    if m is None:
        return None
    follow = ctx.text[m.end() : m.end() + 1]
    if follow == quote or (follow and follow in ";&"):
        return m.start(1), m.end(1), False
    return None


def _operator_value(ctx: _Ctx, start: int, end: int, pos: int) -> tuple[int, int, bool] | None:
    p = _patterns()
    text = ctx.text
    m = p.op.match(text, pos)
    if m is None or (m.group("op") is None and m.group("annot") is None):
        return _whitespace_value(ctx, start, end)
    op = m.group("op")
    vpos = m.end()
    wrapper = p.wrapper.match(text, vpos)
    if wrapper:
        # Field(default="..."), SecretStr("..."): the literal inside counts as assigned
        vpos = wrapper.end()
    if op is None or op not in ("=", ":=", "?=", ":") or wrapper:
        q = p.quoted.match(text, vpos)
        return (q.start(2), q.end(2), False) if q else None
    q = p.quoted.match(text, vpos)
    if q:
        return q.start(2), q.end(2), False
    if op == ":" and text.startswith("(", pos):
        return None
    u = p.unquoted.match(text, vpos)
    if u is None or "(" in u.group() or text.startswith(("(", "[", "."), u.end()):
        return None
    spaced = m.group() != op
    if op == ":":
        ok = _unquoted_colon_ok(ctx, start, u)
    else:
        ok = _unquoted_assignment_ok(ctx, start, u, spaced)
    return (u.start(), u.end(), ctx.config) if ok else None


def _unquoted_colon_ok(ctx: _Ctx, start: int, u: re.Match[str]) -> bool:
    """`password: value` is YAML (or a header); in code it is a type or a variable."""
    p = _patterns()
    if ctx.code or not p.line_rest.match(ctx.text, u.end()):
        return False
    if ctx.yaml or ctx.config:
        return True
    line_start, _ = ctx.line_bounds(start)
    if not p.yaml_line.fullmatch(ctx.text, line_start, start):
        return False
    value = u.group()
    return not value.isalpha() or len(value) >= 12


def _unquoted_assignment_ok(ctx: _Ctx, start: int, u: re.Match[str], spaced: bool) -> bool:
    """`NAME=value` is a literal in .env, shell, ini and connection strings only."""
    text = ctx.text
    before = text[start - 1] if start else "\n"
    if ctx.config:
        return True
    if spaced or before in "(,.[":
        return False
    if before in ";?&":
        return True
    if ctx.code:
        # libpq-style "host=x password=y dbname=z" inside a string
        return before in " \t" and _patterns().libpq_next.match(text, u.end()) is not None
    follow = text[u.end() : u.end() + 1]
    return not follow or follow in " \t\r\n;&|\"'"


def _whitespace_value(ctx: _Ctx, start: int, end: int) -> tuple[int, int, bool] | None:
    """.netrc's `machine host login user password value`; Dockerfile's `ENV NAME value`."""
    text = ctx.text
    line_start, _ = ctx.line_bounds(start)
    # (bounded slices and scans: the cost per hit must not grow with the line)
    docker_env = (
        text.startswith("ENV ", line_start)
        and start - line_start < 40
        and not text[line_start + 4 : start].strip()
    )
    netrc = ctx.machine and (
        ctx.netrc or ctx.lowered.rfind("machine", max(line_start, start - 300), start) >= 0
    )
    if not (docker_env or netrc):
        return None
    m = _patterns().whitespace_value.match(text, end)
    return (m.start(1), m.end(1), True) if m else None
