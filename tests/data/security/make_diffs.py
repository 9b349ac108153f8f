#!/usr/bin/env python3
"""Regenerate tests/data/security/diffs/*.diff and diffs/cases.yaml with real git.

Run: /work/main/.venv/bin/python tests/data/security/make_diffs.py

Each case below is a "before" file and a list of exact (old, new) text edits that produce the
"after" file. For every case the script makes a temporary repository with a pinned identity
and no user or system git config, commits "before", stages "after" and saves
`git diff --cached` to diffs/<id>.diff. The outputs are committed; tests never run this
script, so they do not depend on the installed git version.

Markers (stripped before the files are written; they never reach the diff):
  `#@`  at the end of a line: the flaw this change introduces, reported as expected_lines
        (new-file line numbers). Usually an added line; in `removes_check` cases it is an
        unchanged context line that becomes exploitable because a check was deleted.
  `#^`  a pre-existing flaw that the change does not touch (preexisting_lines, new side).
  `#~`  (before only) a flaw that the change removes (fixed_lines, old side).

Kinds:
  context_flaw   safe change; a pre-existing flaw sits in the hunk's context lines
  adds_flaw      change adds new flawed code next to existing safe code
  makes_unsafe   change turns a safe call into an unsafe one
  removes_check  change deletes a guard, so an unchanged line becomes a flaw
  fixes_flaw     change removes a flaw
  safe_change    change adds code that resembles a flaw but is safe
  new_file       whole file added (vulnerable or safe)
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "diffs"
ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "LC_ALL": "C",
    "TZ": "UTC",
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
MARK = re.compile(r"[ \t]+#([@^~])$")

CASES: list[dict] = []


def case(id, kind, cwe, label, why, path, before, edits=(), after=None, tags=()):
    CASES.append(dict(id=id, kind=kind, cwe=cwe, label=label, why=why, path=path,
                      before=before, edits=list(edits), after=after, tags=list(tags)))


# =====================================================================================
# context_flaw: the change is safe; a pre-existing flaw appears only as context.
# =====================================================================================

case("diff-001", "context_flaw", "CWE-89", "safe",
     "adds a log line under a pre-existing f-string SQL query; the query is untouched context",
     "app/users.py", """\
import logging
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.get("/users")
def find_users():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id, name FROM users WHERE name = '{name}'").fetchall()  #^
    conn.close()
    return jsonify(rows)
""", [("""    conn.close()
""", """    conn.close()
    logger.info("user search returned %d rows", len(rows))
""")])

case("diff-002", "context_flaw", "CWE-78", "safe",
     "adds the exit code to the response; the shell=True call with user input above is pre-existing",
     "tools/ping.py", """\
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.get("/ping")
def ping():
    host = request.args["host"]
    out = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True)  #^
    return {"output": out.stdout}
""", [("""    return {"output": out.stdout}
""", """    return {"output": out.stdout, "code": out.returncode}
""")])

case("diff-003", "context_flaw", "CWE-502", "safe",
     "adds a type hint and docstring next to a pre-existing pickle.loads of a cookie",
     "web/cart.py", """\
import base64
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.get("/cart")
def cart():
    raw = request.cookies.get("cart")
    items = pickle.loads(base64.b64decode(raw)) if raw else []  #^
    return {"items": items}
""", [("""def cart():
""", """def cart() -> dict:
    \"\"\"Return the items in the visitor's cart.\"\"\"
""")])

case("diff-004", "context_flaw", "CWE-295", "safe",
     "adds a header line inside a requests call whose verify=False line is pre-existing context",
     "clients/payments.py", """\
import os

import requests


def charge(amount_cents: int, card_token: str) -> dict:
    resp = requests.post(
        "https://payments.internal.example.com/v1/charges",
        json={"amount": amount_cents, "source": card_token},
        timeout=15,
        verify=False,  #^
    )
    resp.raise_for_status()
    return resp.json()
""", [("""        timeout=15,
""", """        headers={"Idempotency-Key": card_token},
        timeout=15,
""")], tags=["same_statement"])

case("diff-005", "context_flaw", "CWE-502", "safe",
     "adds a missing-key check after a pre-existing yaml.load(Loader=yaml.Loader)",
     "pipelines/config.py", """\
import yaml


def load_pipeline(path: str) -> dict:
    with open(path) as fh:
        config = yaml.load(fh, Loader=yaml.Loader)  #^
    return config
""", [("""    return config
""", """    if "stages" not in config:
        raise ValueError(f"{path}: no stages defined")
    return config
""")])

case("diff-006", "context_flaw", "CWE-916", "safe",
     "normalises the email before a pre-existing unsalted md5 password hash",
     "accounts/register.py", """\
import hashlib

from .models import User


def register(session, email: str, password: str) -> User:
    user = User(email=email)
    user.password_hash = hashlib.md5(password.encode()).hexdigest()  #^
    session.add(user)
    session.commit()
    return user
""", [("""    user = User(email=email)
""", """    user = User(email=email.strip().lower())
""")])

case("diff-007", "context_flaw", "CWE-798", "safe",
     "adds a non-secret timeout constant right under a pre-existing hard-coded password",
     "settings/mail.py", """\
SMTP_HOST = "smtp.example.com"
SMTP_PORT = 465
SMTP_USER = "alerts@example.com"
SMTP_PASSWORD = "fV8#pq2Lz!m9Rw"  #^
""", [("""SMTP_PASSWORD = "fV8#pq2Lz!m9Rw"  #^
""", """SMTP_PASSWORD = "fV8#pq2Lz!m9Rw"  #^
SMTP_TIMEOUT_SECONDS = 20
""")])

case("diff-008", "context_flaw", "CWE-489", "safe",
     "adds a health route just above a pre-existing app.run(debug=True)",
     "app/main.py", """\
from flask import Flask

from .routes import bp

app = Flask(__name__)
app.register_blueprint(bp)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8000, debug=True)  #^
""", [("""app.register_blueprint(bp)
""", """app.register_blueprint(bp)


@app.get("/healthz")
def healthz():
    return {"ok": True}
""")])

case("diff-009", "context_flaw", "CWE-95", "safe",
     "adds a length limit before a pre-existing eval of the query string",
     "app/calc.py", """\
from flask import Flask, request

app = Flask(__name__)


@app.get("/calc")
def calc():
    expr = request.args.get("expr", "0")
    return {"result": eval(expr)}  #^
""", [("""    expr = request.args.get("expr", "0")
""", """    expr = request.args.get("expr", "0")
    if len(expr) > 100:
        return {"error": "expression too long"}, 400
""")])

case("diff-010", "context_flaw", "CWE-78", "safe",
     "adds logging after a pre-existing os.system with an uploaded file name",
     "media/thumbs.py", """\
import logging
import os

from flask import Flask, request

app = Flask(__name__)
log = logging.getLogger(__name__)


@app.post("/thumbnail")
def thumbnail():
    upload = request.files["image"]
    upload.save("/srv/uploads/incoming.bin")
    os.system("convert /srv/uploads/incoming.bin -resize 128x128 /srv/thumbs/" + upload.filename)  #^
    return {"ok": True}
""", [("""    return {"ok": True}
""", """    log.info("thumbnail generated")
    return {"ok": True}
""")])

case("diff-011", "context_flaw", "CWE-338", "safe",
     "raises the default token length; the random.choice token generator below is pre-existing",
     "auth/reset.py", """\
import random
import string


def reset_token(length: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(length))  #^
""", [("""def reset_token(length: int = 16) -> str:
""", """def reset_token(length: int = 32) -> str:
""")])

case("diff-012", "context_flaw", "CWE-347", "safe",
     "returns one more claim; the jwt.decode without signature verification is pre-existing",
     "api/me.py", """\
import jwt
from flask import Flask, request

app = Flask(__name__)


@app.get("/me")
def me():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})  #^
    return {"user": claims["sub"]}
""", [("""    return {"user": claims["sub"]}
""", """    return {"user": claims["sub"], "name": claims.get("name")}
""")])

case("diff-013", "context_flaw", "CWE-22", "safe",
     "creates the destination directory before a pre-existing unfiltered tarfile.extractall",
     "plugins/install.py", """\
import os
import tarfile


def install(archive_path: str, dest: str) -> None:
    with tarfile.open(archive_path) as tar:
        tar.extractall(dest)  #^
""", [("""def install(archive_path: str, dest: str) -> None:
""", """def install(archive_path: str, dest: str) -> None:
    os.makedirs(dest, exist_ok=True)
""")])

case("diff-014", "context_flaw", "CWE-601", "safe",
     "adds a flash message before a pre-existing unvalidated redirect",
     "web/auth.py", """\
from flask import Flask, flash, redirect, request
from flask_login import login_user

from .auth import check_credentials

app = Flask(__name__)


@app.post("/login")
def login():
    user = check_credentials(request.form["email"], request.form["password"])
    if user is None:
        return {"error": "invalid"}, 401
    login_user(user)
    return redirect(request.args["next"])  #^
""", [("""    login_user(user)
""", """    login_user(user)
    flash("Signed in")
""")])

case("diff-015", "context_flaw", "CWE-295", "safe",
     "adds an Accept header next to a pre-existing session.verify = False",
     "clients/gitea.py", """\
import os

import requests


def make_client() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"token {os.environ['GITEA_TOKEN']}"
    session.verify = False  #^
    return session
""", [("""    session.verify = False  #^
""", """    session.verify = False  #^
    session.headers["Accept"] = "application/json"
""")])

case("diff-016", "context_flaw", "CWE-918", "safe",
     "caps the returned preview text; the requests.get of a user URL is pre-existing",
     "web/preview.py", """\
import requests
from flask import Flask, request

app = Flask(__name__)


@app.get("/preview")
def preview():
    url = request.args["url"]
    resp = requests.get(url, timeout=5)  #^
    return {"status": resp.status_code, "title": resp.text}
""", [("""    return {"status": resp.status_code, "title": resp.text}
""", """    return {"status": resp.status_code, "title": resp.text[:200]}
""")])

case("diff-017", "context_flaw", "CWE-79", "safe",
     "changes the empty-query branch; the f-string HTML with the query below is pre-existing",
     "web/search.py", """\
from flask import Flask, request

app = Flask(__name__)


@app.get("/search")
def search():
    q = request.args.get("q", "")
    if not q:
        return "<p>Type something to search.</p>"
    return f"<h1>Results for {q}</h1>"  #^
""", [("""        return "<p>Type something to search.</p>"
""", """        return "<p>Enter a search term.</p>", 400
""")])

case("diff-018", "context_flaw", "CWE-732", "safe",
     "adds a log line after a pre-existing chmod 0o777",
     "deploy/dirs.py", """\
import logging
import os

UPLOAD_DIR = "/srv/app/uploads"
log = logging.getLogger(__name__)


def prepare_dirs() -> None:
    os.makedirs(UPLOAD_DIR, exist_ok=True)
    os.chmod(UPLOAD_DIR, 0o777)  #^
""", [("""    os.chmod(UPLOAD_DIR, 0o777)  #^
""", """    os.chmod(UPLOAD_DIR, 0o777)  #^
    log.info("prepared %s", UPLOAD_DIR)
""")])

case("diff-019", "context_flaw", "CWE-377", "safe",
     "changes what is written to the file; the tempfile.mktemp name above is pre-existing",
     "tools/sign.py", """\
import subprocess
import tempfile


def sign_manifest(manifest: str, key_id: str) -> bytes:
    src = tempfile.mktemp(suffix=".txt")  #^
    with open(src, "w") as fh:
        fh.write(manifest)
    return subprocess.run(["gpg", "--local-user", key_id, "--detach-sign", "--output", "-", src],
                          capture_output=True, check=True).stdout
""", [("""        fh.write(manifest)
""", """        fh.write(manifest.rstrip("\\n") + "\\n")
""")])

case("diff-020", "context_flaw", "CWE-942", "safe",
     "adds allow_headers inside a CORSMiddleware call whose wildcard-with-credentials lines are pre-existing",
     "api/app.py", """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],  #^
    allow_credentials=True,  #^
    allow_methods=["*"],
)
""", [("""    allow_methods=["*"],
""", """    allow_methods=["*"],
    allow_headers=["Authorization", "Content-Type"],
""")], tags=["same_statement"])

case("diff-021", "context_flaw", "CWE-79", "safe",
     "adds a second, escaped template variable near a pre-existing Markup(f-string)",
     "web/dashboard.py", """\
from flask import Flask, render_template
from flask_login import current_user
from markupsafe import Markup

app = Flask(__name__)


@app.get("/dashboard")
def dashboard():
    greeting = Markup(f"Welcome back, <strong>{current_user.display_name}</strong>!")  #^
    return render_template("dashboard.html", greeting=greeting)
""", [("""    return render_template("dashboard.html", greeting=greeting)
""", """    plan = current_user.plan_name
    return render_template("dashboard.html", greeting=greeting, plan=plan)
""")])

case("diff-022", "context_flaw", "CWE-798", "safe",
     "changes region_name in a boto3.client call whose hard-coded key lines are pre-existing context",
     "storage/s3.py", """\
import boto3

s3 = boto3.client(
    "s3",
    region_name="eu-west-1",
    aws_access_key_id="AKIAQ3EGV7NZ4XK2LM5P",  #^
    aws_secret_access_key="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",  #^
)
""", [("""    region_name="eu-west-1",
""", """    region_name="eu-central-1",
""")], tags=["same_statement"])

case("diff-023", "context_flaw", "CWE-703", "safe",
     "adds an audit log call after a pre-existing assert-based admin check",
     "web/reports.py", """\
import logging

from flask import Flask, g

from .models import Report, db

app = Flask(__name__)
audit = logging.getLogger("audit")


@app.delete("/reports/<int:rid>")
def delete_report(rid: int):
    assert g.user.is_admin, "admin only"  #^
    db.session.delete(Report.query.get_or_404(rid))
    db.session.commit()
    return {"deleted": rid}
""", [("""    db.session.commit()
""", """    db.session.commit()
    audit.info("report %s deleted by %s", rid, g.user.id)
""")])

case("diff-024", "context_flaw", "CWE-352", "safe",
     "adds a docstring to a view that already carried @csrf_exempt",
     "bank/views.py", """\
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .services import transfer


@csrf_exempt  #^
@login_required
def transfer_funds(request):
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    transfer(request.user, request.POST["to_account"], int(request.POST["amount"]))
    return JsonResponse({"ok": True})
""", [("""def transfer_funds(request):
""", """def transfer_funds(request):
    \"\"\"Move money from the user's account to another account.\"\"\"
""")])

case("diff-025", "context_flaw", "CWE-532", "safe",
     "rewords a neighbouring log line; the log line with the plaintext password is pre-existing",
     "auth/login.py", """\
import logging

from flask import Flask, request

from .auth import authenticate

logger = logging.getLogger(__name__)
app = Flask(__name__)


@app.post("/login")
def login():
    username, password = request.form["username"], request.form["password"]
    if authenticate(username, password) is None:
        logger.warning(f"failed login for {username} with password={password}")  #^
        return {"ok": False}, 401
    logger.info("login ok")
    return {"ok": True}
""", [("""    logger.info("login ok")
""", """    logger.info("login ok for %s", username)
""")])

case("diff-026", "context_flaw", "CWE-327", "safe",
     "renames a local variable next to a pre-existing AES-ECB encryptor",
     "crypto/records.py", """\
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY = bytes.fromhex(os.environ["RECORD_KEY_HEX"])


def encrypt_record(plaintext: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(KEY), modes.ECB()).encryptor()  #^
    return encryptor.update(data) + encryptor.finalize()
""", [("""    data = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(KEY), modes.ECB()).encryptor()  #^
    return encryptor.update(data) + encryptor.finalize()
""", """    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(KEY), modes.ECB()).encryptor()  #^
    return encryptor.update(padded) + encryptor.finalize()
""")])

case("diff-027", "context_flaw", "CWE-502", "safe",
     "puts the model in eval mode after a pre-existing torch.load without weights_only",
     "ml/serve.py", """\
import torch

from .model import Classifier


def load_model(path: str) -> Classifier:
    model = Classifier()
    state = torch.load(path, map_location="cpu")  #^
    model.load_state_dict(state)
    return model
""", [("""    model.load_state_dict(state)
    return model
""", """    model.load_state_dict(state)
    model.eval()
    return model
""")])

case("diff-028", "context_flaw", "CWE-1336", "safe",
     "adds a cache header to a response built by a pre-existing render_template_string(f-string)",
     "web/hello.py", """\
from flask import Flask, make_response, render_template_string, request

app = Flask(__name__)


@app.get("/hello")
def hello():
    name = request.args.get("name", "guest")
    resp = make_response(render_template_string(f"<h1>Hello {name}!</h1>"))  #^
    return resp
""", [("""    return resp
""", """    resp.headers["Cache-Control"] = "no-store"
    return resp
""")])

case("diff-029", "context_flaw", "CWE-208", "safe",
     "strips whitespace from the header in a separate statement; the == signature compare is pre-existing",
     "hooks/payments.py", """\
import hashlib
import hmac
import os

from flask import Flask, abort, request

app = Flask(__name__)
SECRET = os.environ["WEBHOOK_SECRET"].encode()


@app.post("/webhooks/payments")
def payments_hook():
    expected = hmac.new(SECRET, request.get_data(), hashlib.sha256).hexdigest()
    signature = request.headers.get("X-Signature", "")
    if signature != expected:  #^
        abort(401)
    return "", 204
""", [("""    signature = request.headers.get("X-Signature", "")
""", """    signature = request.headers.get("X-Signature", "").strip()
""")])

case("diff-030", "context_flaw", "CWE-89", "safe",
     "truncates the result list under a pre-existing text(f-string) query",
     "reports/customers.py", """\
import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])


def customers(country: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, name FROM customers WHERE country = '{country}'"))  #^
        return [dict(r._mapping) for r in rows]
""", [("""        return [dict(r._mapping) for r in rows]
""", """        result = [dict(r._mapping) for r in rows]
        return result[:500]
""")])

case("diff-031", "context_flaw", "CWE-611", "safe",
     "reads one more field after a pre-existing lxml parser with resolve_entities=True",
     "billing/import_xml.py", """\
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.post("/invoices/import")
def import_invoice():
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True)  #^
    root = etree.fromstring(request.get_data(), parser)
    return {"total": root.findtext("total")}
""", [("""    return {"total": root.findtext("total")}
""", """    return {"total": root.findtext("total"), "currency": root.findtext("currency")}
""")])

case("diff-032", "context_flaw", "CWE-22", "safe",
     "adds as_attachment to a different line; the os.path.join of the request arg is pre-existing",
     "web/download.py", """\
import os

from flask import Flask, request, send_file

app = Flask(__name__)
UPLOAD_DIR = "/srv/app/uploads"


@app.get("/download")
def download():
    path = os.path.join(UPLOAD_DIR, request.args["file"])  #^
    return send_file(path)
""", [("""    return send_file(path)
""", """    return send_file(path, as_attachment=True)
""")])

# =====================================================================================
# adds_flaw: the change adds new flawed code next to existing safe code.
# =====================================================================================

case("diff-101", "adds_flaw", "CWE-89", "vulnerable",
     "adds a delete endpoint with f-string SQL below a parameterised query (imports outside the hunk)",
     "app/notes.py", """\
import sqlite3

from fastapi import FastAPI

app = FastAPI()
db = sqlite3.connect("notes.db", check_same_thread=False)


@app.get("/notes/{note_id}")
def get_note(note_id: int):
    row = db.execute("SELECT id, body FROM notes WHERE id = ?", (note_id,)).fetchone()
    return {"id": row[0], "body": row[1]} if row else {}
""", [("""    return {"id": row[0], "body": row[1]} if row else {}
""", """    return {"id": row[0], "body": row[1]} if row else {}


@app.delete("/notes")
def delete_notes(owner: str):
    db.execute(f"DELETE FROM notes WHERE owner = '{owner}'")  #@
    db.commit()
    return {"deleted": True}
""")])

case("diff-102", "adds_flaw", "CWE-78", "vulnerable",
     "adds an import in one hunk and a shell=True call with a request value in another",
     "ops/views.py", """\
import json
import logging

from flask import Flask, request

app = Flask(__name__)
log = logging.getLogger(__name__)


@app.get("/status")
def status():
    return {"ok": True}


@app.get("/version")
def version():
    with open("/srv/app/VERSION") as fh:
        return {"version": fh.read().strip()}


@app.post("/settings")
def settings():
    data = json.loads(request.get_data())
    log.info("settings updated: %s", sorted(data))
    return {"ok": True}
""", [("""import logging
""", """import logging
import subprocess
"""), ("""    log.info("settings updated: %s", sorted(data))
    return {"ok": True}
""", """    log.info("settings updated: %s", sorted(data))
    return {"ok": True}


@app.post("/restart")
def restart():
    service = request.form["service"]
    subprocess.run(f"systemctl restart {service}", shell=True, check=True)  #@
    return {"restarted": service}
""")])

case("diff-103", "adds_flaw", "CWE-502", "vulnerable",
     "adds a session-restore endpoint that unpickles the request body (import added too)",
     "web/session.py", """\
import json

from flask import Flask, request

app = Flask(__name__)


@app.post("/session/save")
def save():
    state = json.loads(request.get_data())
    return {"keys": sorted(state)}
""", [("""import json
""", """import json
import pickle
"""), ("""    return {"keys": sorted(state)}
""", """    return {"keys": sorted(state)}


@app.post("/session/restore")
def restore():
    state = pickle.loads(request.get_data())  #@
    return {"keys": sorted(state)}
""")])

case("diff-104", "adds_flaw", "CWE-295", "vulnerable",
     "adds a new metrics call with verify=False next to a verifying call",
     "clients/metrics.py", """\
import requests

CA = "/etc/ssl/certs/internal-ca.pem"


def get_status(host: str) -> dict:
    return requests.get(f"https://{host}/status", timeout=5, verify=CA).json()
""", [("""    return requests.get(f"https://{host}/status", timeout=5, verify=CA).json()
""", """    return requests.get(f"https://{host}/status", timeout=5, verify=CA).json()


def get_metrics(host: str) -> str:
    return requests.get(f"https://{host}:9100/metrics", timeout=5, verify=False).text  #@
""")])

case("diff-105", "adds_flaw", "CWE-798", "vulnerable",
     "adds a hard-coded Stripe secret key beside settings read from the environment",
     "settings/payments.py", """\
import os

STRIPE_PUBLISHABLE_KEY = os.environ["STRIPE_PUBLISHABLE_KEY"]
STRIPE_WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]
""", [("""STRIPE_WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]
""", """STRIPE_WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]
STRIPE_API_KEY = "sk_live_51Hq8ZtKp2Xw9LmN4vB7cR3dF6gJ0sA5eU1yT8iO2pQ4wE6rZ9xC3vN7bM1kL5jH"  #@
""")])

case("diff-106", "adds_flaw", "CWE-95", "vulnerable",
     "adds eval of a request field next to a safe ast.literal_eval",
     "app/parse.py", """\
import ast

from flask import Flask, request

app = Flask(__name__)


@app.get("/parse")
def parse_value():
    return {"value": repr(ast.literal_eval(request.args["value"]))}
""", [("""    return {"value": repr(ast.literal_eval(request.args["value"]))}
""", """    return {"value": repr(ast.literal_eval(request.args["value"]))}


@app.get("/compute")
def compute():
    return {"value": eval(request.args["expr"])}  #@
""")])

case("diff-107", "adds_flaw", "CWE-502", "vulnerable",
     "adds an import path that uses yaml.unsafe_load beside an existing safe_load",
     "pipelines/io.py", """\
import yaml


def read_pipeline(text: str) -> dict:
    return yaml.safe_load(text) or {}
""", [("""    return yaml.safe_load(text) or {}
""", """    return yaml.safe_load(text) or {}


def read_legacy_pipeline(text: str) -> dict:
    return yaml.unsafe_load(text) or {}  #@
""")])

case("diff-108", "adds_flaw", "CWE-338", "vulnerable",
     "adds an OTP generator using random.randint next to a secrets-based token helper",
     "auth/tokens.py", """\
import random
import secrets


def session_token() -> str:
    return secrets.token_urlsafe(32)


def jitter() -> float:
    return random.uniform(0, 0.5)
""", [("""def jitter() -> float:
""", """def login_otp() -> str:
    return f"{random.randint(0, 999999):06d}"  #@


def jitter() -> float:
""")])

case("diff-109", "adds_flaw", "CWE-601", "vulnerable",
     "adds a redirect to the unvalidated next parameter after logout",
     "web/logout.py", """\
from flask import Flask, redirect, request, url_for
from flask_login import logout_user

app = Flask(__name__)


@app.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("home"))
""", [("""    return redirect(url_for("home"))
""", """    return redirect(request.args.get("next") or url_for("home"))  #@
""")])

case("diff-110", "adds_flaw", "CWE-347", "vulnerable",
     "adds a helper that decodes JWTs with signature verification disabled",
     "auth/jwt_utils.py", """\
import os

import jwt

SECRET = os.environ["JWT_SECRET"]


def verify(token: str) -> dict:
    return jwt.decode(token, SECRET, algorithms=["HS256"])
""", [("""    return jwt.decode(token, SECRET, algorithms=["HS256"])
""", """    return jwt.decode(token, SECRET, algorithms=["HS256"])


def user_id(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["sub"]  #@
""")])

case("diff-111", "adds_flaw", "CWE-22", "vulnerable",
     "adds unfiltered tar extraction of an uploaded archive (imports outside the hunk)",
     "themes/views.py", """\
import tarfile
import tempfile
import zipfile

from flask import Flask, request

app = Flask(__name__)


@app.get("/themes")
def themes():
    return {"themes": []}


@app.post("/themes/zip")
def upload_zip():
    dest = tempfile.mkdtemp()
    with zipfile.ZipFile(request.files["theme"].stream) as zf:
        zf.extractall(dest)
    return {"dest": dest}
""", [("""        zf.extractall(dest)
    return {"dest": dest}
""", """        zf.extractall(dest)
    return {"dest": dest}


@app.post("/themes/tar")
def upload_tar():
    dest = tempfile.mkdtemp()
    with tarfile.open(fileobj=request.files["theme"].stream) as tar:
        tar.extractall(dest)  #@
    return {"dest": dest}
""")])

case("diff-112", "adds_flaw", "CWE-208", "vulnerable",
     "adds a token check with == for an internal endpoint",
     "api/internal.py", """\
import os

from fastapi import FastAPI, Header, HTTPException

app = FastAPI()
TOKEN = os.environ["INTERNAL_TOKEN"]


@app.get("/internal/health")
def health():
    return {"ok": True}
""", [("""@app.get("/internal/health")
def health():
    return {"ok": True}
""", """@app.get("/internal/health")
def health():
    return {"ok": True}


@app.post("/internal/flush")
def flush(x_token: str = Header(...)):
    if x_token != TOKEN:  #@
        raise HTTPException(401)
    return {"flushed": True}
""")])

case("diff-113", "adds_flaw", "CWE-532", "vulnerable",
     "adds a debug log that prints the client secret",
     "clients/oauth.py", """\
import logging
import os

import requests

log = logging.getLogger(__name__)


def get_token() -> str:
    client_id = os.environ["CLIENT_ID"]
    client_secret = os.environ["CLIENT_SECRET"]
    resp = requests.post(
        "https://auth.example.com/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
        timeout=10,
    )
    return resp.json()["access_token"]
""", [("""    client_secret = os.environ["CLIENT_SECRET"]
""", """    client_secret = os.environ["CLIENT_SECRET"]
    log.debug("requesting token with client_id=%s client_secret=%s", client_id, client_secret)  #@
""")])

case("diff-114", "adds_flaw", "CWE-732", "vulnerable",
     "adds a chmod 0o666 of the credentials file after writing it with 0o600",
     "cli/credentials.py", """\
import json
import os
from pathlib import Path


def save_credentials(token: str) -> Path:
    path = Path.home() / ".config" / "acme" / "credentials.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"token": token}, fh)
    return path
""", [("""        json.dump({"token": token}, fh)
    return path
""", """        json.dump({"token": token}, fh)
    os.chmod(path, 0o666)  #@
    return path
""")])

case("diff-115", "adds_flaw", "CWE-489", "vulnerable",
     "adds a __main__ block that runs the app with debug=True",
     "app/wsgi.py", """\
from flask import Flask

from .routes import bp

app = Flask(__name__)
app.register_blueprint(bp)
""", [("""app.register_blueprint(bp)
""", """app.register_blueprint(bp)

if __name__ == "__main__":
    app.run(debug=True)  #@
""")])

case("diff-116", "adds_flaw", "CWE-1336", "vulnerable",
     "adds a preview endpoint that compiles a user template, next to a file-template view",
     "web/emails.py", """\
from flask import Flask, render_template, request

app = Flask(__name__)


@app.get("/emails/welcome")
def welcome():
    return render_template("welcome.html", name=request.args.get("name", ""))
""", [("""from flask import Flask, render_template, request
""", """from flask import Flask, render_template, render_template_string, request
"""), ("""    return render_template("welcome.html", name=request.args.get("name", ""))
""", """    return render_template("welcome.html", name=request.args.get("name", ""))


@app.post("/emails/preview")
def preview():
    return render_template_string(request.form["body"])  #@
""")])

case("diff-117", "adds_flaw", "CWE-918", "vulnerable",
     "adds a fetch of a caller-supplied callback URL next to a constant-URL call (imports outside the hunk)",
     "services/notify.py", """\
import logging

import httpx

log = logging.getLogger(__name__)
STATUS_URL = "https://status.example.com/api/v2/summary.json"


def platform_status() -> dict:
    return httpx.get(STATUS_URL, timeout=5).json()


def notify(job: dict) -> None:
    log.info("job %s finished", job["id"])
""", [("""    log.info("job %s finished", job["id"])
""", """    log.info("job %s finished", job["id"])
    httpx.post(job["callback_url"], json={"id": job["id"], "state": "done"}, timeout=5)  #@
""")])

# =====================================================================================
# makes_unsafe: the change turns a safe call into an unsafe one.
# =====================================================================================

case("diff-201", "makes_unsafe", "CWE-502", "vulnerable",
     "switches yaml.safe_load to yaml.load with the full Loader",
     "pipelines/validate.py", """\
import yaml
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/pipelines/validate")
async def validate(file: UploadFile):
    config = yaml.safe_load(await file.read())
    return {"stages": list(config.get("stages", {}))}
""", [("""    config = yaml.safe_load(await file.read())
""", """    config = yaml.load(await file.read(), Loader=yaml.Loader)  #@
""")])

case("diff-202", "makes_unsafe", "CWE-502", "vulnerable",
     "drops weights_only=True from torch.load of a downloaded checkpoint",
     "ml/remote.py", """\
import tempfile

import requests
import torch


def load_remote_checkpoint(url: str) -> dict:
    resp = requests.get(url, timeout=60)
    resp.raise_for_status()
    with tempfile.NamedTemporaryFile(suffix=".pt") as tmp:
        tmp.write(resp.content)
        tmp.flush()
        return torch.load(tmp.name, map_location="cpu", weights_only=True)
""", [("""        return torch.load(tmp.name, map_location="cpu", weights_only=True)
""", """        return torch.load(tmp.name, map_location="cpu")  #@
""")])

case("diff-203", "makes_unsafe", "CWE-89", "vulnerable",
     "rewrites a parameterised query as an f-string (import not in the hunk)",
     "app/products.py", """\
import os

import psycopg2
from fastapi import FastAPI

app = FastAPI()


@app.get("/products")
def products(category: str):
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    cur = conn.cursor()
    cur.execute("SELECT sku, title FROM products WHERE category = %s", (category,))
    result = cur.fetchall()
    conn.close()
    return {"items": result}
""", [("""    cur.execute("SELECT sku, title FROM products WHERE category = %s", (category,))
""", """    cur.execute(f"SELECT sku, title FROM products WHERE category = '{category}'")  #@
""")])

case("diff-204", "makes_unsafe", "CWE-78", "vulnerable",
     "changes a list-argument subprocess call to a shell string with shell=True",
     "media/convert.py", """\
import subprocess


def convert(src: str, width: int) -> None:
    subprocess.run(["convert", src, "-resize", f"{width}x", src + ".png"], check=True)
""", [("""    subprocess.run(["convert", src, "-resize", f"{width}x", src + ".png"], check=True)
""", """    subprocess.run(f"convert {src} -resize {width}x {src}.png", shell=True, check=True)  #@
""")])

case("diff-205", "makes_unsafe", "CWE-295", "vulnerable",
     "replaces a CA bundle path with verify=False",
     "clients/payments.py", """\
import os

import requests


def charge(amount_cents: int, card_token: str) -> dict:
    resp = requests.post(
        "https://payments.internal.example.com/v1/charges",
        json={"amount": amount_cents, "source": card_token},
        headers={"Authorization": f"Bearer {os.environ['PAYMENTS_TOKEN']}"},
        timeout=15,
        verify="/etc/ssl/certs/internal-ca.pem",
    )
    resp.raise_for_status()
    return resp.json()
""", [("""        verify="/etc/ssl/certs/internal-ca.pem",
""", """        verify=False,  #@
""")])

case("diff-206", "makes_unsafe", "CWE-208", "vulnerable",
     "replaces hmac.compare_digest with !=",
     "hooks/github.py", """\
import hashlib
import hmac
import os

from flask import Flask, abort, request

app = Flask(__name__)
SECRET = os.environ["GITHUB_WEBHOOK_SECRET"].encode()


@app.post("/github")
def github_hook():
    expected = "sha256=" + hmac.new(SECRET, request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
        abort(401)
    return "", 204
""", [("""    if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
""", """    if expected != request.headers.get("X-Hub-Signature-256", ""):  #@
""")])

case("diff-207", "makes_unsafe", "CWE-338", "vulnerable",
     "swaps secrets.token_urlsafe for a random.choices-based token",
     "auth/reset.py", """\
import secrets
import string


def reset_token() -> str:
    return secrets.token_urlsafe(32)
""", [("""import secrets
import string


def reset_token() -> str:
    return secrets.token_urlsafe(32)
""", """import random
import string


def reset_token() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=32))  #@
""")])

case("diff-208", "makes_unsafe", "CWE-347", "vulnerable",
     "replaces key and algorithms with verify_signature False while debugging",
     "api/auth.py", """\
import os

import jwt

SECRET = os.environ["JWT_SECRET"]


def claims_from(auth_header: str) -> dict:
    token = auth_header.removeprefix("Bearer ")
    return jwt.decode(token, SECRET, algorithms=["HS256"])
""", [("""    return jwt.decode(token, SECRET, algorithms=["HS256"])
""", """    return jwt.decode(token, options={"verify_signature": False})  #@
""")])

case("diff-209", "makes_unsafe", "CWE-22", "vulnerable",
     "drops filter=\"data\" from tarfile.extractall of an upload",
     "themes/install.py", """\
import tarfile
import tempfile

from flask import Flask, request

app = Flask(__name__)


@app.post("/themes")
def install_theme():
    dest = tempfile.mkdtemp(prefix="theme-")
    with tarfile.open(fileobj=request.files["theme"].stream, mode="r:*") as tar:
        tar.extractall(dest, filter="data")
    return {"installed": dest}
""", [("""        tar.extractall(dest, filter="data")
""", """        tar.extractall(dest)  #@
""")])

case("diff-210", "makes_unsafe", "CWE-942", "vulnerable",
     "widens allow_origins to * while allow_credentials=True stays in context",
     "api/cors.py", """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
)
""", [("""    allow_origins=["https://app.example.com"],
""", """    allow_origins=["*"],  #@
""")])

case("diff-211", "makes_unsafe", "CWE-79", "vulnerable",
     "turns autoescape off for an HTML environment",
     "web/render.py", """\
from jinja2 import Environment, FileSystemLoader, select_autoescape

env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html"]))


def render_thread(title: str, comments: list[dict]) -> str:
    return env.get_template("thread.html").render(title=title, comments=comments)
""", [("""env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html"]))
""", """env = Environment(loader=FileSystemLoader("templates"), autoescape=False)  #@
""")])

case("diff-212", "makes_unsafe", "CWE-1004", "vulnerable",
     "removes httponly/secure from the session cookie",
     "web/login.py", """\
import secrets

from flask import Flask, make_response, request

from .auth import authenticate, store_session

app = Flask(__name__)


@app.post("/login")
def login():
    user = authenticate(request.form["email"], request.form["password"])
    if not user:
        return {"error": "invalid"}, 401
    sid = secrets.token_urlsafe(32)
    store_session(sid, user.id)
    resp = make_response({"ok": True})
    resp.set_cookie("session_id", sid, secure=True, httponly=True, samesite="Lax")
    return resp
""", [("""    resp.set_cookie("session_id", sid, secure=True, httponly=True, samesite="Lax")
""", """    resp.set_cookie("session_id", sid, samesite="Lax")  #@
""")])

case("diff-213", "makes_unsafe", "CWE-916", "vulnerable",
     "lowers PBKDF2 iterations from 600000 to 1000",
     "accounts/passwords.py", """\
import hashlib
import os

ITERATIONS = 600_000


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    return f"{salt.hex()}${dk.hex()}"
""", [("""ITERATIONS = 600_000
""", """ITERATIONS = 1_000  #@
""")])

# =====================================================================================
# removes_check: a guard is deleted; the flaw line itself is unchanged context.
# =====================================================================================

case("diff-301", "removes_check", "CWE-601", "vulnerable",
     "deletes the url_has_allowed_host_and_scheme guard; the unchanged redirect becomes open",
     "accounts/views.py", """\
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def logout_view(request):
    logout(request)
    target = request.GET.get("return_to", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)  #@
""", [("""    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
""", "")], tags=["flaw_in_context"])

case("diff-302", "removes_check", "CWE-22", "vulnerable",
     "deletes the is_relative_to containment check before send_file",
     "web/files.py", """\
from pathlib import Path

from flask import Flask, abort, request, send_file

app = Flask(__name__)
BASE = Path("/srv/app/uploads").resolve()


@app.get("/download")
def download():
    target = (BASE / request.args["file"]).resolve()
    if not target.is_relative_to(BASE):
        abort(404)
    return send_file(target)  #@
""", [("""    if not target.is_relative_to(BASE):
        abort(404)
""", "")], tags=["flaw_in_context"])

case("diff-303", "removes_check", "CWE-89", "vulnerable",
     "deletes the allow-list check, so the unchanged f-string table name is now user-controlled",
     "app/export.py", """\
import sqlite3

from flask import Flask, abort, request

app = Flask(__name__)
EXPORTABLE = {"orders", "products"}


@app.get("/export")
def export():
    table = request.args["table"]
    if table not in EXPORTABLE:
        abort(400)
    conn = sqlite3.connect("shop.db")
    return {"rows": conn.execute(f"SELECT * FROM {table} LIMIT 100").fetchall()}  #@
""", [("""    if table not in EXPORTABLE:
        abort(400)
""", "")], tags=["flaw_in_context"])

# =====================================================================================
# fixes_flaw: the change removes a flaw (label safe).
# =====================================================================================

case("diff-401", "fixes_flaw", "CWE-89", "safe",
     "replaces an f-string query with a qmark parameter",
     "app/users.py", """\
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/users")
def find_users():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id, name FROM users WHERE name = '{name}'").fetchall()  #~
    return jsonify(rows)
""", [("""    rows = conn.execute(f"SELECT id, name FROM users WHERE name = '{name}'").fetchall()  #~
""", """    rows = conn.execute("SELECT id, name FROM users WHERE name = ?", (name,)).fetchall()
""")])

case("diff-402", "fixes_flaw", "CWE-295", "safe",
     "replaces verify=False with a CA bundle path",
     "clients/vault.py", """\
import os

import httpx

client = httpx.Client(
    base_url="https://vault.example.com",
    headers={"X-Vault-Token": os.environ["VAULT_TOKEN"]},
    verify=False,  #~
)
""", [("""    verify=False,  #~
""", """    verify="/etc/vault/ca.pem",
""")])

case("diff-403", "fixes_flaw", "CWE-502", "safe",
     "switches yaml.load(Loader=yaml.Loader) to yaml.safe_load",
     "pipelines/config.py", """\
import yaml


def load_pipeline(path: str) -> dict:
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.Loader)  #~
""", [("""        return yaml.load(fh, Loader=yaml.Loader)  #~
""", """        return yaml.safe_load(fh)
""")])

case("diff-404", "fixes_flaw", "CWE-502", "safe",
     "replaces pickle cookie storage with JSON (the removed lines mention pickle)",
     "web/cart.py", """\
import base64
import pickle

from flask import Flask, request

app = Flask(__name__)


@app.get("/cart")
def cart():
    raw = request.cookies.get("cart")
    items = pickle.loads(base64.b64decode(raw)) if raw else []  #~
    return {"items": items}
""", [("""import base64
import pickle
""", """import base64
import json
"""), ("""    items = pickle.loads(base64.b64decode(raw)) if raw else []  #~
""", """    try:
        items = json.loads(base64.b64decode(raw)) if raw else []
    except ValueError:
        items = []
    if not isinstance(items, list):
        items = []
""")])

case("diff-405", "fixes_flaw", "CWE-916", "safe",
     "replaces an unsalted sha256 password hash with bcrypt",
     "accounts/register.py", """\
import hashlib

from .models import User


def register(session, email: str, password: str) -> User:
    user = User(email=email, password_hash=hashlib.sha256(password.encode()).hexdigest())  #~
    session.add(user)
    session.commit()
    return user
""", [("""import hashlib
""", """import bcrypt
"""), ("""    user = User(email=email, password_hash=hashlib.sha256(password.encode()).hexdigest())  #~
""", """    user = User(email=email, password_hash=bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode())
""")])

case("diff-406", "fixes_flaw", "CWE-78", "safe",
     "replaces shell=True string with an argument list",
     "tools/dns.py", """\
import subprocess


def lookup(domain: str) -> str:
    return subprocess.run(f"nslookup {domain}", shell=True, capture_output=True, text=True).stdout  #~
""", [("""    return subprocess.run(f"nslookup {domain}", shell=True, capture_output=True, text=True).stdout  #~
""", """    return subprocess.run(["nslookup", "--", domain], capture_output=True, text=True, timeout=10).stdout
""")])

case("diff-407", "fixes_flaw", "CWE-489", "safe",
     "reads the debug flag from the environment instead of hard-coding True",
     "app/main.py", """\
import os

from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(debug=True)  #~
""", [("""    app.run(debug=True)  #~
""", """    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
""")])

case("diff-408", "fixes_flaw", "CWE-798", "safe",
     "moves a hard-coded Slack token to an environment variable",
     "notify/slack.py", """\
from slack_sdk import WebClient

client = WebClient(token="xoxb-5829301746-6612098435721-Qm3ZtR8kLw2XyV9bNc4Hd7Jf")  #~
""", [("""from slack_sdk import WebClient

client = WebClient(token="xoxb-5829301746-6612098435721-Qm3ZtR8kLw2XyV9bNc4Hd7Jf")  #~
""", """import os

from slack_sdk import WebClient

client = WebClient(token=os.environ["SLACK_BOT_TOKEN"])
""")])

case("diff-409", "fixes_flaw", "CWE-601", "safe",
     "adds a same-host check in front of a redirect; the redirect line is context but now guarded",
     "web/continue.py", """\
from flask import Flask, redirect, request

app = Flask(__name__)


@app.get("/continue")
def continue_to():
    target = request.args.get("next", "/")
    return redirect(target)  #~
""", [("""from flask import Flask, redirect, request
""", """from urllib.parse import urlsplit

from flask import Flask, redirect, request
"""), ("""    target = request.args.get("next", "/")
""", """    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or "\\\\" in target or target.startswith("//"):
        target = "/"
""")], tags=["guard_added"])

# =====================================================================================
# safe_change: the change adds code that resembles a flaw but is safe.
# =====================================================================================

case("diff-501", "safe_change", "CWE-328", "safe",
     "adds an md5 cache key with usedforsecurity=False",
     "app/cache.py", """\
import json

import redis

r = redis.Redis()


def cached(endpoint: str, params: dict):
    return r.get(endpoint)
""", [("""import json
""", """import hashlib
import json
"""), ("""def cached(endpoint: str, params: dict):
    return r.get(endpoint)
""", """def cache_key(endpoint: str, params: dict) -> str:
    blob = json.dumps({"e": endpoint, "p": params}, sort_keys=True).encode()
    return "resp:" + hashlib.md5(blob, usedforsecurity=False).hexdigest()


def cached(endpoint: str, params: dict):
    return r.get(cache_key(endpoint, params))
""")])

case("diff-502", "safe_change", "CWE-78", "safe",
     "adds a literal-only shell=True pipeline",
     "ops/disk.py", """\
import shutil


def free_bytes(path: str = "/") -> int:
    return shutil.disk_usage(path).free
""", [("""import shutil
""", """import shutil
import subprocess
"""), ("""    return shutil.disk_usage(path).free
""", """    return shutil.disk_usage(path).free


def biggest_dirs() -> str:
    return subprocess.run("du -xh /var 2>/dev/null | sort -rh | head -n 20",
                          shell=True, capture_output=True, text=True, check=False).stdout
""")])

case("diff-503", "safe_change", "CWE-338", "safe",
     "adds a seeded random.Random for a reproducible simulation",
     "sim/queue.py", """\
import statistics


def mean_wait(waits: list[float]) -> float:
    return statistics.mean(waits)
""", [("""import statistics
""", """import random
import statistics
"""), ("""    return statistics.mean(waits)
""", """    return statistics.mean(waits)


def simulate(arrival: float, service: float, n: int = 1000, seed: int = 7) -> float:
    rng = random.Random(seed)
    clock = busy = 0.0
    waits = []
    for _ in range(n):
        clock += rng.expovariate(arrival)
        start = max(clock, busy)
        waits.append(start - clock)
        busy = start + rng.expovariate(service)
    return mean_wait(waits)
""")])

case("diff-504", "safe_change", "CWE-703", "safe",
     "adds pytest asserts to a test module",
     "tests/test_transfers.py", """\
from decimal import Decimal

from acme.transfers import transfer


def test_moves_money(user, account_a, account_b):
    transfer(user, account_a, account_b, Decimal("10"))
""", [("""    transfer(user, account_a, account_b, Decimal("10"))
""", """    transfer(user, account_a, account_b, Decimal("10"))
    assert account_a.balance == Decimal("90")
    assert account_b.balance == Decimal("110")
""")])

case("diff-505", "safe_change", "CWE-502", "safe",
     "adds torch.load with weights_only=True",
     "ml/weights.py", """\
import torch
from torch import nn


def build() -> nn.Module:
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
""", [("""    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
""", """    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))


def load(path: str) -> nn.Module:
    model = build()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()
""")])

case("diff-506", "safe_change", "CWE-798", "safe",
     "adds form-field name constants PASSWORD_FIELD/TOKEN_FIELD and a token type",
     "web/forms.py", """\
USERNAME_FIELD = "username"
""", [("""USERNAME_FIELD = "username"
""", """USERNAME_FIELD = "username"
PASSWORD_FIELD = "password"
TOKEN_FIELD = "csrf_token"
token_type = "Bearer"
""")])

case("diff-507", "safe_change", "CWE-89", "safe",
     "adds an ORDER BY column from an allow-list dict to an f-string query",
     "app/leaderboard.py", """\
import sqlite3

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/leaderboard")
def leaderboard():
    conn = sqlite3.connect("game.db")
    rows = conn.execute("SELECT player, score FROM scores ORDER BY score DESC LIMIT 50").fetchall()
    return jsonify(rows)
""", [("""from flask import Flask, jsonify
""", """from flask import Flask, jsonify, request
"""), ("""app = Flask(__name__)
""", """app = Flask(__name__)
SORT_COLUMNS = {"score": "score", "level": "level"}
"""), ("""    conn = sqlite3.connect("game.db")
    rows = conn.execute("SELECT player, score FROM scores ORDER BY score DESC LIMIT 50").fetchall()
""", """    column = SORT_COLUMNS.get(request.args.get("sort", "score"), "score")
    conn = sqlite3.connect("game.db")
    rows = conn.execute(f"SELECT player, score FROM scores ORDER BY {column} DESC LIMIT 50").fetchall()
""")])

case("diff-508", "safe_change", "CWE-295", "safe",
     "adds an httpx client whose verify points at a CA bundle",
     "clients/internal.py", """\
import os

BASE_URL = os.environ.get("INTERNAL_API", "https://api.internal.example.com")
""", [("""import os
""", """import os

import httpx
"""), ("""BASE_URL = os.environ.get("INTERNAL_API", "https://api.internal.example.com")
""", """BASE_URL = os.environ.get("INTERNAL_API", "https://api.internal.example.com")
client = httpx.Client(base_url=BASE_URL, verify="/etc/ssl/certs/internal-ca.pem", timeout=10)
""")])

# =====================================================================================
# new_file: whole file added.
# =====================================================================================

case("diff-601", "new_file", "CWE-502", "vulnerable",
     "new module unpickles uploaded model files",
     "ml/upload.py", None, after="""\
import pickle

from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/models")
async def upload_model(file: UploadFile):
    model = pickle.loads(await file.read())  #@
    return {"type": type(model).__name__}
""")

case("diff-602", "new_file", "CWE-89", "vulnerable",
     "new repository module concatenates SQL with a caller value",
     "app/repo.py", None, after="""\
import os

import psycopg2


class UserRepository:
    def __init__(self):
        self.conn = psycopg2.connect(os.environ["DATABASE_URL"])

    def by_email(self, email: str):
        cur = self.conn.cursor()
        cur.execute("SELECT id FROM users WHERE email = '" + email + "'")  #@
        return cur.fetchone()
""")

case("diff-603", "new_file", "CWE-798", "safe",
     "new pytest conftest with moto dummy credentials and asserts",
     "tests/conftest.py", None, after="""\
import os

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def s3():
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="test-bucket")
        assert client.list_buckets()["Buckets"]
        yield client
""")

case("diff-604", "new_file", "CWE-22", "safe",
     "new download view with resolve()+is_relative_to containment",
     "web/safe_download.py", None, after="""\
from pathlib import Path

from flask import Flask, abort, request, send_file

app = Flask(__name__)
BASE = Path("/srv/app/uploads").resolve()


@app.get("/download")
def download():
    target = (BASE / request.args["file"]).resolve()
    if not target.is_relative_to(BASE) or not target.is_file():
        abort(404)
    return send_file(target)
""")

case("diff-605", "new_file", "CWE-295", "vulnerable",
     "new script disables certificate checks globally",
     "scripts/fetch_reports.py", None, after="""\
import ssl
import urllib.request

ssl._create_default_https_context = ssl._create_unverified_context  #@


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read()
""")


# =====================================================================================
# machinery
# =====================================================================================

def strip(text: str) -> tuple[str, dict[str, list[int]]]:
    marks: dict[str, list[int]] = {"@": [], "^": [], "~": []}
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        m = MARK.search(line)
        if m:
            marks[m.group(1)].append(n)
            line = line[: m.start()]
        out.append(line)
    return "\n".join(out), marks


def apply_edits(before: str, edits: list[tuple[str, str]]) -> str:
    text = before
    for old, new in edits:
        if text.count(old) != 1:
            raise SystemExit(f"edit target occurs {text.count(old)} times: {old!r}")
        text = text.replace(old, new)
    return text


def git(cwd: Path, *args: str) -> bytes:
    proc = subprocess.run(["git", *args], cwd=cwd, env=ENV, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"git {args}: {proc.stderr.decode()}")
    return proc.stdout


def make_diff(path: str, before: str | None, after: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "core.autocrlf", "false")
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if before is not None:
            target.write_text(before)
            git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "before")
        target.write_text(after)
        git(root, "add", "-A")
        return git(root, "-c", "core.quotepath=off", "-c", "diff.mnemonicprefix=false",
                   "diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv")


def imports_visible(diff: str) -> bool:
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            continue
        if line[:1] in ("+", " ") and re.match(r"(import|from)\s+\S", line[1:]):
            return True
    return False


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.diff"):
        old.unlink()
    entries = []
    ids = set()
    for c in CASES:
        if c["id"] in ids:
            raise SystemExit(f"duplicate id {c['id']}")
        ids.add(c["id"])
        raw_before = c["before"]
        raw_after = c["after"] if c["after"] is not None else apply_edits(raw_before, c["edits"])
        after, amarks = strip(raw_after)
        before, bmarks = (None, {"~": []}) if raw_before is None else strip(raw_before)
        for side, text in (("before", before), ("after", after)):
            if text is not None:
                try:
                    ast.parse(text, filename=c["path"])
                except SyntaxError as exc:
                    raise SystemExit(f"{c['id']}: {side} file does not parse: {exc}") from exc
        diff = make_diff(c["path"], before, after).decode()
        (OUT / f"{c['id']}.diff").write_text(diff)
        entry = {
            "id": c["id"],
            "cwe": c["cwe"],
            "label": c["label"],
            "kind": c["kind"],
            "why": c["why"],
            "path": c["path"],
            "expected_lines": amarks["@"],
            "preexisting_lines": amarks["^"],
            "fixed_lines": bmarks["~"],
            "imports_visible": imports_visible(diff),
        }
        if c["tags"]:
            entry["tags"] = c["tags"]
        entries.append(entry)
    header = (
        "# Generated by make_diffs.py -- do not edit by hand; edit the script and re-run it.\n"
        "# expected_lines: new-file lines of the flaw the change introduces (empty when safe).\n"
        "# preexisting_lines: new-file lines of flaws that were already there (hunk context).\n"
        "# fixed_lines: old-file lines of flaws the change removes.\n"
    )
    body = yaml.safe_dump(entries, sort_keys=False, width=120, allow_unicode=True, default_flow_style=None)
    (OUT / "cases.yaml").write_text(header + body)
    print(f"wrote {len(entries)} diffs to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
