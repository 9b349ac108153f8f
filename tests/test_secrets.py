"""Secrets: what is found and where, what is not, masking, the prefilter, robustness.

No credential appears literally in this file: every token is generated at runtime (random
but format-valid, checksums computed), so GitHub push protection and codeguard's own
secrets stage see only templates. Keyword fixtures are templates whose `{V}` is replaced
by a generated value.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import subprocess
import sys
import zlib

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from codeguard.analyze import secrets
from codeguard.analyze.secrets import Secret
from codeguard.analyze.secrets import find_secrets
from codeguard.analyze.secrets import mask
from codeguard.analyze.secrets import might_contain_secret

RNG = random.Random(7)  # noqa: S311 - fixtures, not keys
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
DIGITS = "0123456789"
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
BASE62 = DIGITS + UPPER + LOWER


def rand(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def crc_token(prefix: str, *, valid: bool = True) -> str:
    """GitHub/npm style: 30 random base62 characters and their base62 CRC32."""
    body = rand(ALNUM, 30)
    value = zlib.crc32(body.encode()) ^ (0 if valid else 1)
    digits = ""
    while value:
        value, r = divmod(value, 62)
        digits = BASE62[r] + digits
    return prefix + body + digits.rjust(6, "0")


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt() -> str:
    header = b64url({"alg": "HS256", "typ": "JWT"})
    payload = b64url({"sub": rand(DIGITS, 8), "iat": 1767225600})
    return f"{header}.{payload}.{rand(URLSAFE, 43)}"


def pem_body(lines: int = 12) -> list[str]:
    return [rand(B64, 64) for _ in range(lines)] + [rand(B64, 20) + "=="]


def pem(label: str, *, block: bool = False) -> tuple[str, str]:
    """A PEM block and its body (the value find_secrets reports)."""
    suffix = " BLOCK" if block else ""
    body = "\n".join(pem_body())
    return (
        f"-----BEGIN {label}PRIVATE KEY{suffix}-----\n{body}\n-----END {label}PRIVATE KEY{suffix}-----\n",
        body,
    )


def random_secret(n: int = 20) -> str:
    """A password-like value: letters, digits and punctuation, no placeholder words."""
    return rand(ALNUM, n - 3) + RNG.choice("!#%") + rand(DIGITS, 2)


def aws_key_id(prefix: str = "AKIA") -> str:
    return prefix + rand(UPPER + "234567", 16)


def aws_secret() -> str:
    return rand(LOWER, 10) + rand(UPPER, 10) + rand(DIGITS, 5) + rand(B64, 15)


# --- positive fixtures: (kind, text, value) ---------------------------------------------
# value is the exact substring find_secrets must report (its first occurrence in text).


def provider_cases() -> list[tuple[str, str, str]]:
    cases: list[tuple[str, str, str]] = []

    def add(kind: str, value: str, template: str = "{V}") -> None:
        cases.append((kind, template.replace("{V}", value), value))

    add("aws-access-key-id", aws_key_id("AKIA"), 'aws_access_key_id = "{V}"')
    add("aws-access-key-id", aws_key_id("ASIA"), "export AWS_ACCESS_KEY_ID={V}")
    key_id, secret = aws_key_id(), aws_secret()
    cases.append(
        (
            "aws-secret-access-key",
            f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n",
            secret,
        )
    )
    add("aws-secret-access-key", aws_secret(), "export AWS_SECRET_ACCESS_KEY={V}")
    for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"):
        add("github-token", crc_token(prefix), 'GITHUB_TOKEN="{V}"')
    add("github-token", "github_pat_" + rand(ALNUM, 22) + "_" + rand(ALNUM, 59))
    add("github-token", crc_token("ghp_", valid=False), "git clone https://x:{V}@github.com/o/r")
    add("gitlab-token", "glpat-" + rand(URLSAFE, 20), "curl -H 'PRIVATE-TOKEN: {V}' https://gl")
    add("slack-token", "xoxb-" + rand(DIGITS, 12) + "-" + rand(DIGITS, 13) + "-" + rand(ALNUM, 24),
        'client = WebClient(token="{V}")')  # fmt: skip
    add("slack-token", "xoxp-" + "-".join(rand(DIGITS, 11) for _ in range(3)) + "-" + rand(HEX, 32))
    webhook = (
        "T" + rand(UPPER + DIGITS, 8) + "/B" + rand(UPPER + DIGITS, 10) + "/" + rand(ALNUM, 24)
    )
    add("slack-webhook", webhook, 'url = "https://hooks.slack.com/services/{V}"')
    add("discord-webhook", rand(DIGITS, 18) + "/" + rand(URLSAFE, 68),
        "https://discord.com/api/webhooks/{V}")  # fmt: skip
    add("stripe-key", "sk_" + "live_" + rand(ALNUM, 24), "stripe.api_key = '{V}'")
    add("stripe-key", "rk_" + "live_" + rand(ALNUM, 99))
    add("stripe-webhook-secret", "whsec_" + rand(ALNUM, 32))
    add("openai-key", "sk-" + rand(ALNUM, 20) + "T3Blbk" + "FJ" + rand(ALNUM, 20),
        "OPENAI_API_KEY={V}")  # fmt: skip
    add("openai-key", "sk-" + "proj-" + rand(URLSAFE, 74) + "T3Blbk" + "FJ" + rand(URLSAFE, 74),
        'client = OpenAI(api_key="{V}")')  # fmt: skip
    add("sk-api-key", "sk-" + rand(HEX, 32), 'DEEPSEEK_KEY = "{V}"')
    add("anthropic-key", "sk-" + "ant-api03-" + rand(URLSAFE, 93) + "AA",
        "anthropic.Anthropic(api_key='{V}')")  # fmt: skip
    add("google-api-key", "AI" + "za" + rand(URLSAFE, 35), '"apiKey": "{V}",')
    add("google-oauth-client-secret", "GOC" + "SPX-" + rand(URLSAFE, 28))
    add("azure-storage-key", rand(B64, 86) + "==",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={V};EndpointSuffix=core.windows.net")  # fmt: skip
    add("azure-connection-string", rand(B64, 43) + "=",
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={V}")  # fmt: skip
    add("azure-client-secret", rand(ALNUM, 3) + "8Q~" + rand(ALNUM + "_~.-", 34),
        'AZURE_CLIENT_SECRET="{V}"')  # fmt: skip
    add("npm-token", crc_token("npm_"), "//registry.npmjs.org/:_authToken={V}")
    add("pypi-token", "pypi-" + "AgEIcHlwaS5vcmc" + rand(URLSAFE, 70), "password = {V}")
    add("twilio-api-key", "SK" + rand(HEX, 32))
    add("sendgrid-key", "SG." + rand(URLSAFE, 22) + "." + rand(URLSAFE, 43))
    add("mailchimp-key", rand(HEX, 32) + "-us" + "14")
    add("huggingface-token", "hf_" + rand(UPPER + LOWER, 34), "HF_TOKEN={V}")
    add("groq-key", "gsk_" + rand(ALNUM, 52))
    add("digitalocean-token", "dop_" + "v1_" + rand(HEX, 64))
    add("telegram-bot-token", rand(DIGITS, 10) + ":AA" + rand(URLSAFE, 33))
    add("age-secret-key", "AGE-SECRET-" + "KEY-1" + rand("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58))
    for label in ("RSA ", "EC ", "DSA ", "OPENSSH ", ""):
        block, body = pem(label)
        cases.append(("private-key", block, body))
    block, body = pem("PGP ", block=True)
    cases.append(("private-key", block, body))
    body = "\\n".join(pem_body())
    sa = json.dumps({"type": "service_account", "project_id": "p"})[:-1]
    sa += (
        f', "private_key": "-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n"}}'
    )
    cases.append(("gcp-service-account-key", sa, body))
    token = jwt()
    cases.append(("jwt", f"Authorization: Bearer {token}", token))
    cases.append(("jwt", f'JWT = "{token}"', token))
    return cases


KEYWORD_TEMPLATES = [
    # (kind, template, path)
    ("password-assignment", 'password = "{V}"', "app/settings.py"),
    ("password-assignment", "db_password: str = '{V}'", ""),
    ("password-assignment", 'def connect(host: str, password: str = "{V}") -> None:', "db.py"),
    ("password-assignment", 'conn = psycopg2.connect(host="db", password="{V}")', "db.py"),
    ("password-assignment", '{"username": "svc", "password": "{V}"}', "config.json"),
    ("password-assignment", "DB_PASSWORD={V}", ".env"),
    ("password-assignment", "DB_PASSWORD={V}", ""),
    ("password-assignment", "export PGPASSWORD={V}", "deploy.sh"),
    ("password-assignment", "  password: {V}", "config/database.yml"),
    ("password-assignment", "mysql:\n  password: {V}\n", ""),
    ("password-assignment", "spring.datasource.password={V}", "application.properties"),
    ("password-assignment", "psql --password {V} -h db", ""),
    ("password-assignment", "app --db-password={V}", ""),
    ("password-assignment", "mysql -u root -p{V} prod", ""),
    ("password-assignment", "sshpass -p '{V}' ssh deploy@host", ""),
    ("password-assignment", "curl -u admin:{V} https://api.internal/x", ""),
    ("password-assignment", 'define("DB_PASSWORD", "{V}");', "wp-config.php"),
    ("password-assignment", "$password = '{V}';", "index.php"),
    ("password-assignment", 'String password = "{V}";', "Db.java"),
    ("password-assignment", 'Password: "{V}",', "main.go"),
    ("password-assignment", 'password := "{V}"', "main.go"),
    ("password-assignment", "'password' => '{V}',", "config.php"),
    ("password-assignment", "<password>{V}</password>", "settings.xml"),
    ("password-assignment", '<add key="DbPassword" value="{V}" />', "app.config"),
    ("password-assignment", 'env:\n  - name: DB_PASSWORD\n    value: "{V}"\n', "k8s.yaml"),
    ("password-assignment", '"Server=db;User Id=sa;Password={V};"', "Db.cs"),
    ("password-assignment", 'if password == "{V}":', "auth.py"),
    ("password-assignment", 'user.setPassword("{V}");', "User.java"),
    ("password-assignment", "ALTER USER app WITH PASSWORD '{V}';", "migrate.sql"),
    ("password-assignment", "machine api.host.io login bot password {V}", ".netrc"),
    ("password-assignment", "DB_PASS=${DB_PASS:-{V}}", "run.sh"),
    ("password-assignment", 'smtp.login("alerts@corp.io", "{V}")', "mail.py"),
    ("password-assignment", 'requests.get(url, auth=("admin", "{V}"))', "client.py"),
    ("password-assignment", 'HTTPBasicAuth("svc", "{V}")', "client.py"),
    ("password-assignment", "CREATE USER app IDENTIFIED BY '{V}';", "init.sql"),
    ("api-key-assignment", 'token = jwt.encode(payload, "{V}", algorithm="HS256")', "auth.py"),
    ("api-key-assignment", 'API_KEY = "{V}"', "app.py"),
    ("api-key-assignment", 'api_key: str = Field(default="{V}")', "settings.py"),
    ("api-key-assignment", 'client_secret = SecretStr("{V}")', "settings.py"),
    ("api-key-assignment", "ENV API_TOKEN {V}", "Dockerfile"),
    ("api-key-assignment", "docker run -e API_TOKEN={V} app", ""),
    ("api-key-assignment", 'api_key = os.environ.get("API_KEY", "{V}")', "app.py"),
    ("api-key-assignment", 'token = os.getenv("TOKEN", "{V}")', "app.py"),
    ("api-key-assignment", "const apiKey = process.env.API_KEY || '{V}';", "app.js"),
    ("api-key-assignment", "clientSecret: '{V}',", "auth.ts"),
    ("api-key-assignment", "secret_key: {V}", "config.yaml"),
    ("api-key-assignment", "curl -H 'X-Api-Key: {V}' https://api.x.io", ""),
    ("api-key-assignment", 'headers = {"x-api-key": "{V}"}', "client.py"),
    ("api-key-assignment", "--auth-token {V}", ""),
    ("api-key-assignment", "SECRET_KEY_BASE={V}", ".env.production"),
    ("api-key-assignment", 'os.environ["OPENROUTER_TOKEN"] = "{V}"', "main.py"),
    ("authorization-header", "curl -H 'Authorization: Bearer {V}' https://api.x.io", ""),
    ("authorization-header", 'headers = {"Authorization": "Bearer {V}"}', "client.py"),
    ("high-entropy-string", 'signing_salt = "{V}"', "app.py"),
    ("url-credentials", "DATABASE_URL=postgres://app:{V}@db.internal:5432/app", ".env"),
    ("url-credentials", 'redis.from_url("redis://:{V}@cache:6379/0")', "cache.py"),
    ("url-credentials", "amqp://svc:{V}@mq.internal//", ""),
]


def keyword_cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for kind, template, path in KEYWORD_TEMPLATES:
        if kind in ("api-key-assignment", "authorization-header"):
            value = rand(ALNUM, 32)
        elif kind == "high-entropy-string":
            value = rand(B64, 32)
        elif kind == "url-credentials":
            # sub-delimiters and percent-escapes are legal in URL passwords
            value = rand(ALNUM, 8) + "!$&'()*+,;=%41" + rand(ALNUM, 4)
            if "(" in template:
                value = rand(ALNUM, 8) + "!$&*+,;=%41" + rand(ALNUM, 4)
        else:
            value = random_secret(14)
        cases.append((kind, template.replace("{V}", value), value, path))
    return cases


PROVIDER_CASES = provider_cases()
KEYWORD_CASES = keyword_cases()


def value_span(text: str, value: str) -> tuple[int, int, int, int]:
    start = text.index(value)
    end = start + len(value)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    end_line = text.count("\n", 0, end) + 1
    end_column = end - (text.rfind("\n", 0, end) + 1) + 1
    return line, column, end_line, end_column


def span(s: Secret) -> tuple[int, int, int, int]:
    return s.line, s.column, s.end_line, s.end_column


@pytest.mark.parametrize(("kind", "text", "value"), PROVIDER_CASES, ids=lambda x: str(x)[:40])
def test_provider_format_found_at_its_value(kind: str, text: str, value: str) -> None:
    found = {(s.kind, span(s)): s.confidence for s in find_secrets(text)}
    # the AWS fixture holds a key ID as well; every other fixture holds one secret
    assert len(found) == (2 if "aws_access_key_id = AKIA" in text else 1)
    # generic formats (sk- without a provider marker, Twilio SK SIDs) sit below 0.85
    assert found[(kind, value_span(text, value))] >= 0.75


@pytest.mark.parametrize(
    ("kind", "text", "value", "path"), KEYWORD_CASES, ids=lambda x: str(x)[:50]
)
def test_keyword_syntax_found_at_its_value(kind: str, text: str, value: str, path: str) -> None:
    found = find_secrets(text, path)
    assert [(s.kind, span(s)) for s in found] == [(kind, value_span(text, value))]
    assert 0.4 <= found[0].confidence < 0.9


def test_exact_positions_and_fields() -> None:
    token = crc_token("ghp_")
    text = f"line one\n  token: {token}\n"
    (s,) = find_secrets(text)
    assert s == Secret("github-token", "GitHub token", 2, 10, 2, 50, 0.99)
    key_id = aws_key_id()
    text = f"x\r\nAWS_ACCESS_KEY_ID={key_id}\r\n"
    (s,) = find_secrets(text)
    assert (s.kind, span(s)) == ("aws-access-key-id", (2, 19, 2, 39))


def test_private_key_spans_the_body_lines() -> None:
    block, body = pem("RSA ")
    text = f"key = '''\n{block}'''\n"
    (s,) = find_secrets(text, "deploy.py")
    assert (s.kind, s.line, s.column) == ("private-key", 3, 1)
    assert (s.end_line, s.end_column) == (3 + body.count("\n"), len(body.rsplit("\n", 1)[-1]) + 1)
    assert s.description == "RSA private key"


def test_checksum_raises_confidence() -> None:
    (good,) = find_secrets(crc_token("ghp_"))
    (bad,) = find_secrets(crc_token("ghp_", valid=False))
    assert good.confidence == 0.99
    assert 0.8 <= bad.confidence < good.confidence


def test_test_paths_lower_heuristic_confidence_only() -> None:
    text = f'password = "{random_secret()}"\ntoken = "{crc_token("ghp_")}"\n'
    app = {s.kind: s.confidence for s in find_secrets(text, "app/db.py")}
    test = {s.kind: s.confidence for s in find_secrets(text, "tests/test_db.py")}
    assert test["github-token"] == app["github-token"]
    assert test["password-assignment"] < app["password-assignment"]


def test_url_password_on_a_documentation_host() -> None:
    """example.com hosts carry typed-in fakes (a note); a generated-looking password on one
    is likely real with its host anonymised (a warning); a real host is confident."""
    generated = "".join(["Qm", "7x", "Lp", "4Z", "kw", "9R", "t2"])  # 14 distinct characters
    url = 'broker = "redis://:{pw}@cache.{host}:6379/0"\n'
    (anonymised,) = find_secrets(url.format(pw=generated, host="prod.example.com"))
    (typed,) = find_secrets(url.format(pw="swordfish", host="prod.example.com"))
    (real,) = find_secrets(url.format(pw="swordfish", host="internal.acme.io"))
    assert anonymised.kind == typed.kind == real.kind == "url-credentials"
    assert typed.confidence < 0.6 <= anonymised.confidence < 0.8 <= real.confidence


def test_lone_begin_line_from_a_diff() -> None:
    (s,) = find_secrets("-----BEGIN OPENSSH PRIVATE KEY-----\n", "id_ed25519")
    assert s.kind == "private-key" and s.confidence <= 0.6
    assert find_secrets('if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):') == []


def test_truncated_private_key_is_still_reported() -> None:
    body = "\n".join(pem_body()[:4])
    (s,) = find_secrets(f"-----BEGIN EC PRIVATE KEY-----\n{body}\n")
    assert s.kind == "private-key"


def test_diff_given_whole() -> None:
    token = crc_token("ghp_")
    value = random_secret()
    diff = (
        "--- a/.env\n+++ b/.env\n@@ -1,2 +1,3 @@\n APP=web\n"
        f"-DB_PASSWORD=\n+DB_PASSWORD={value}\n+GH_TOKEN={token}\n"
    )
    found = find_secrets(diff, ".env")
    assert [(s.kind, s.line) for s in found] == [
        ("password-assignment", 6),
        ("github-token", 7),
    ]


# --- negative fixtures ------------------------------------------------------------------

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
NEGATIVES = [
    # placeholders
    'API_KEY = "YOUR_API_KEY_HERE"',
    'token = "<your-token>"',
    "password = 'xxxx'",
    'password = "****"',
    'secret = "..."',
    'password = "changeme"',
    'password = "password"',
    'SECRET = "secret"',
    'api_key = "example"',
    'password = "dummy"',
    'password = "test"',
    'password = "foo"',
    'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"',
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    'password = "${DB_PASSWORD}"',
    "password: $DB_PASSWORD",
    'password: "{{ db_password }}"',
    'password = "%(password)s" % params',
    "password = os.environ['DB_PASSWORD']",
    "API_KEY = env('API_KEY')",
    'token = os.getenv("GITHUB_TOKEN")',
    "password: ${{ secrets.DB_PASSWORD }}",
    'api_key = f"{prefix}-{suffix}"',
    "DB_PASSWORD=",
    'password = ""',
    "DATABASE_URL=postgres://user:password@localhost/db",
    "postgres://postgres:postgres@localhost:5432/app",
    "https://user:${TOKEN}@github.com/org/repo.git",
    # names, not values
    'PASSWORD_FIELD = "password"',
    'token_type = "Bearer"',
    'password_reset_url = "/reset"',
    'SECRET_KEY_NAME = "SECRET_KEY"',
    'STORAGE_KEY = "app-state"',
    'pad_token = "<pad>"',
    'eos_token = "</s>"',
    "max_tokens = 4096",
    "password = get_password()",
    "password = self.password",
    "connect(password=password)",
    "def f(password: str) -> None:",
    "password: Optional[str] = None",
    "if password == confirm:",
    'label = "Password:"',
    'print("Enter your password:")',
    "passwordField.setText(input)",
    'public_key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"',
    "--password-stdin",
    'PRIVATE_KEY_PATH = "/etc/ssl/private/server.key"',
    'ssh_key_file = "~/.ssh/id_rsa"',
    "password_file: ./secrets/db.txt",
    'docs = "https://example.com/api/token"',
    'AUTH_URL = "https://auth.example.com/oauth/token"',
    # hashes, checksums, ids
    f'sha256 = "{SHA256}"',
    f"checksum = {SHA256}",
    'integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"',
    '"integrity": "sha512-jZ5yxHYkG3yxWbwT3Q5fKmbgVe4gVHi4kaYNnZvh+9MM6KbQjSZVIozNyDdDdn9d5PczQGEe0V4XnMp6fB3vHg=="',
    'hash = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
    "rev: 4e8f0c3d2b1a9e8f7d6c5b4a3e2f1d0c9b8a7e6f",
    'request_id = "6f1c2b7e-4a1d-4c3b-9f2e-8d7a6b5c4e3f"',
    'session_key = "6f1c2b7e-4a1d-4c3b-9f2e-8d7a6b5c4e3f"',
    'key = "6f1c2b7e-4a1d-4c3b-9f2e-8d7a6b5c4e3f"',
    'cache_key = "d41d8cd98f00b204e9800998ecf8427e"',
    'key = "d41d8cd98f00b204e9800998ecf8427e"',
    "h1:Qwxz9vFh1lYvQ5b+3a5f0k2HjJg4V2Wc+5b1tF8fGZ0=",
    '    resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c"',
    # Stripe: test-mode and publishable keys
    "STRIPE_SECRET_KEY=sk_" + "test_51H8aaaaBbbbCcccDdddEeeeFfff",
    'stripe_key = "pk_' + 'live_51H8QwErTyUiOpAsDfGhJkLz"',
    # look-alikes
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "sk-" + "x" * 48,
    "xoxb-your-bot-token",
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN PUBLIC KEY-----\n"
    + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 3
    + "\n-----END PUBLIC KEY-----",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGnCF9bXxLyP8W8aQx1pZ5eG0a7HkK3d0vJX2sYQwK5R user@host",
    # the jwt.io example everyone pastes
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "eyJhbGciOiJIUzI1NiJ9.not-json-at-all.abc",
    # commands an agent runs
    "git status && pytest -q",
    "git push -u origin feature/token-refresh",
    "kubectl create secret generic db --from-literal=password=$DB_PASSWORD",
    "docker login -u bot --password-stdin < token.txt",
    "gh auth login --with-token < ~/.config/gh-token",
    # prose and code that mention passwords
    "# The --username and --password options can't be used for",
    ">> Issue: Possible hardcoded password '(root)'",
    "proxy_password=self._socks_options['password'],",
    'user = authenticate(request, username=request.POST["u"], password=request.POST["p"])',
    'f11.__text_signature__ = "(text=<unrepresentable>)"',
    'type_var_key = f"typevar={thing!r}"',
    "jsonnet_token = r'[^\\W\\d]\\w*'",
    'SIGNATURE = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"',
    'password = "correct horse battery staple"',
    'assert user.check_password("Tr0ub4dor&3")',
]


@pytest.mark.parametrize("text", NEGATIVES, ids=lambda x: x[:40])
def test_not_a_secret(text: str) -> None:
    assert find_secrets(text) == []


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("password = hunter22", "app.py"),
        ("password: hunter22", "app.ts"),
        ("api_key = settings.API_KEY", "app.py"),
        ("token=tok", "main.py"),
        ("client(password=pw1, user=u)", ""),
    ],
)
def test_unquoted_names_in_code_are_variables(text: str, path: str) -> None:
    assert find_secrets(text, path) == []


# --- masking ----------------------------------------------------------------------------


def test_mask_keeps_prefix_and_length() -> None:
    token = crc_token("ghp_")
    assert mask(f"GH_TOKEN={token}") == "GH_TOKEN=ghp_…(40)"
    value = random_secret(8)
    assert mask(f'password = "{value}"') == f'password = "{value[:2]}…(8)"'


def test_mask_private_key_keeps_begin_and_end_lines() -> None:
    block, _ = pem("RSA ")
    masked = mask(block)
    lines = masked.splitlines()
    assert lines[0] == "-----BEGIN RSA PRIVATE KEY-----"
    assert lines[-1] == "-----END RSA PRIVATE KEY-----"
    assert len(lines) == 3 and "…(" in lines[1]


def test_mask_with_given_secrets_and_bad_positions() -> None:
    token = crc_token("gho_")
    text = f"a\nb {token}\n"
    found = find_secrets(text)
    assert mask(text, found) == "a\nb gho_…(40)\n"
    bogus = Secret("jwt", "x", 9, 1, 9, 5, 0.5)
    assert mask(text, [bogus]) == text
    assert mask(text, []) == text


ALL_POSITIVE_TEXTS = [t for _, t, _ in PROVIDER_CASES] + [t for _, t, _, _ in KEYWORD_CASES]


@pytest.mark.parametrize("text", ALL_POSITIVE_TEXTS, ids=lambda x: x[:40])
def test_mask_removes_every_value_and_is_idempotent(text: str) -> None:
    assert_masking_properties(text)


def assert_masking_properties(text: str, path: str = "") -> None:
    found = find_secrets(text, path)
    masked = mask(text)
    assert find_secrets(masked) == []
    assert mask(masked) == masked
    for s in found:
        start, end = line_offsets(text, s)
        value = text[start:end]
        alone = mask(text, [s])
        replacement = alone[start : len(alone) - (len(text) - end)]
        assert "…(" in replacement
        assert not any(value[i : i + 6] in replacement for i in range(len(value) - 5))
        assert value not in masked or value in text[:start] + "\0" + text[end:]


def line_offsets(text: str, s: Secret) -> tuple[int, int]:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return starts[s.line - 1] + s.column - 1, starts[s.end_line - 1] + s.end_column - 1


# --- prefilter --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ALL_POSITIVE_TEXTS, ids=lambda x: x[:40])
def test_prefilter_passes_every_fixture(text: str) -> None:
    assert might_contain_secret(text)


@pytest.mark.parametrize(
    "command",
    [
        "ls -la",
        "git status",
        "pytest -q tests/",
        "cd src && make",
        "curl -sSL https://example.com/install.sh | sh",
        "git push -u origin feature/x",
        "npm login",
    ],
)
def test_prefilter_rejects_plain_commands(command: str) -> None:
    assert not might_contain_secret(command)


def scan_ignoring_prefilter(text: str, path: str = "") -> list[tuple[int, int, str, float, str]]:
    return secrets._scan(secrets._Ctx(text, path))


FRAGMENTS = [
    "password", "PASS", "pwd", "Secret", "token", "api_key", "apiKey", "KEY", "auth",
    "Authorization: Bearer ", "Basic ", "cred", "salt", "session", "sig=", "hmac",
    "=", ":", ": ", " = ", '"', "'", "`", "(", ")", "[", "]", "{", "}", "${", "<", ">", "/", ",",
    ";", "&", "?", "-", "--", "\n", " ", "\t", "\r\n", "://", "@", ".", "_", "mysql -p",
    "sshpass -p ", "login -p ", "-u ", "redis-cli -a ", "IDENTIFIED BY '", "machine h ",
    "eyJ", "AKIA", "ASIA", "aws", "AIza", "ghp_", "github_pat_", "glpat-", "xoxb-1-",
    "hooks.slack.com/services/", "sk_live_", "sk-", "sk-ant-api03-", "T3BlbkFJ", "SK", "SG.",
    "-us1", "npm_", "pypi-AgEIcHlwaS5vcmc", "hf_", "AccountKey=", "SharedAccessKey=", "8Q~",
    ":AA", "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "\\n",
    "name: ", "value: ", "<password>", "</password>", "PuTTY-User-Key-File-2: ssh-rsa\n",
    "Private-Lines: 1\n", "ſ", "K", "İ",
]  # fmt: skip
GENERATED = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(alphabet=ALNUM + "+/=_-", min_size=1, max_size=70),
        st.text(max_size=5),
    ),
    max_size=25,
).map("".join)
PATHS = st.sampled_from(["", "app.py", ".env", "config.yml", "tests/test_x.py", "x.netrc"])


@settings(max_examples=250)
@given(GENERATED, PATHS)
def test_prefilter_is_true_whenever_anything_is_found(text: str, path: str) -> None:
    if scan_ignoring_prefilter(text, path):
        assert might_contain_secret(text)


@pytest.mark.parametrize("text", ALL_POSITIVE_TEXTS + NEGATIVES, ids=lambda x: x[:40])
def test_prefilter_holds_on_fixtures(text: str) -> None:
    if scan_ignoring_prefilter(text):
        assert might_contain_secret(text)


def test_prefilter_imports_nothing_but_re() -> None:
    # the package's __init__ is not this module's: it is imported before the snapshot
    probe = (
        "import sys, re, json, codeguard.analyze\n"
        "before = set(sys.modules)\n"
        "from codeguard.analyze import secrets\n"
        "secrets.might_contain_secret('git status')\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["codeguard.analyze.secrets"]


# --- robustness -------------------------------------------------------------------------


def check_positions(text: str, found: list[Secret]) -> None:
    lines = text.split("\n")
    previous = (0, 0)
    for s in found:
        assert 1 <= s.line <= s.end_line <= len(lines)
        assert 1 <= s.column <= len(lines[s.line - 1]) + 1
        assert 1 <= s.end_column <= len(lines[s.end_line - 1]) + 1
        assert (s.line, s.column) < (s.end_line, s.end_column)
        assert (s.line, s.column) >= previous
        previous = (s.end_line, s.end_column)
        assert 0.0 < s.confidence <= 1.0
        assert s.kind in secrets.KINDS


@settings(max_examples=300)
@given(st.text(), PATHS)
def test_arbitrary_text_never_raises(text: str, path: str) -> None:
    check_positions(text, find_secrets(text, path))
    mask(text)


@settings(max_examples=200)
@given(GENERATED, PATHS)
def test_generated_text_positions_and_masking(text: str, path: str) -> None:
    found = find_secrets(text, path)
    check_positions(text, found)
    masked = mask(text)
    assert find_secrets(masked) == []
    assert mask(masked) == masked


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 100_000, 0),
        ("password=" * 10_000, 0),
        ("://" * 10_000 + "@", 0),
        # the last BEGIN line, alone at the end, is reported (see the lone-BEGIN test)
        ("-----BEGIN RSA PRIVATE KEY-----\n" * 2_000, 1),
        (
            "-----END RSA PRIVATE KEY-----\n" * 2_000 + "-----BEGIN RSA PRIVATE KEY-----\n" * 2_000,
            1,
        ),
        ("eyJ" + "A" * 100_000 + "." + "B" * 100_000, 0),
        ("x:" * 20_000 + "@", 0),
        ("key " * 20_000, 0),
        ("AKIA" * 20_000, 0),
        ("aws " + "A1b/" * 20_000, 0),
        (f'password = "{random_secret(12)}"\n' * 5_000, 5_000),
    ],
    ids=lambda x: str(x)[:12],
)
def test_pathological_inputs_finish(text: str, count: int) -> None:
    # No timing assertion: a scan gone quadratic on these takes minutes and shows in the
    # suite's time.
    found = find_secrets(text)
    check_positions(text, found)
    assert len(found) == count


def test_a_thousand_lines_of_code() -> None:
    lines = []
    for i in range(1000):
        lines.append(
            RNG.choice(
                [
                    f"def handler_{i}(request, session):",
                    f"    token = request.headers.get('Authorization', '')  # {i}",
                    f"    key = cache_key(request.path, {i})",
                    f"    return render(request, 'page_{i}.html', {{'user': user}})",
                    f"PASSWORD_MIN_LENGTH = {i}",
                    "    logger.info('session %s refreshed', session.id)",
                ]
            )
        )
    text = "\n".join(lines)
    assert find_secrets(text, "app/views.py") == []


# --- the Secret type --------------------------------------------------------------------


def test_secret_is_a_frozen_slotted_dataclass() -> None:
    fields = [(f.name, f.type) for f in dataclasses.fields(Secret)]
    assert fields == [
        ("kind", "str"),
        ("description", "str"),
        ("line", "int"),
        ("column", "int"),
        ("end_line", "int"),
        ("end_column", "int"),
        ("confidence", "float"),
    ]
    s = Secret("jwt", "JSON Web Token", 1, 1, 1, 2, 0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.line = 2  # type: ignore[misc]
    assert not hasattr(s, "__dict__")
    assert Secret.__module__ == "codeguard.analyze.secrets" and Secret.__qualname__ == "Secret"
