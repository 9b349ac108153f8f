"""No secret leaves codeguard unmasked: not in any report format, not through another
stage's message, not in a fingerprint, not with the secrets stage turned off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_secrets import crc_token
from tests.test_secrets import pem_body

FORMATS = ["text", "json", "sarif", "markdown", "github"]
PASSWORD = "Vq7mZ2pL9xQr"  # noqa: S105 - fake, what the masking must hide


def leaks(output: str, *values: str) -> list[str]:
    return [v for v in values if v in output or v[4:] in output]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, list[str]]:
    token = crc_token("ghp_")
    body = pem_body(6)
    key = "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"])
    (tmp_path / "deploy.py").write_text(
        "import os\nimport subprocess\nimport requests\n"
        f'TOKEN = os.environ.get("GH_TOKEN", "{token}")\n'
        f'requests.get("https://bob:{PASSWORD}@api.internal/v1", verify=False)\n'
        f'subprocess.run("git push https://bob:{PASSWORD}@github.com/acme/app.git '
        '--force main", shell=True)\n'
        f'KEY = """{key}"""\n',
        encoding="utf-8",
    )
    return tmp_path, [token, PASSWORD, *body]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_report_format_shows_a_secret(project: tuple[Path, list[str]], fmt: str) -> None:
    root, secrets = project
    result = run_cli("scan", str(root / "deploy.py"), "--format", fmt, cwd=root)
    assert result.code == 1
    assert leaks(result.out + result.err, *secrets) == []
    if fmt == "json":
        ids = {f["rule_id"] for f in json.loads(result.out)["findings"]}
        # other stages' findings on the same lines are masked too
        assert {"CG701", "CG511", "CG201"} <= ids


def test_secrets_are_masked_with_the_secrets_stage_off(project: tuple[Path, list[str]]) -> None:
    root, secrets = project
    (root / ".codeguard.toml").write_text('stages = ["parse", "destructive", "security"]\n')
    result = run_cli("scan", str(root / "deploy.py"), "--format", "json", cwd=root)
    ids = {f["rule_id"] for f in json.loads(result.out)["findings"]}
    assert "CG701" not in ids and "CG511" in ids
    assert leaks(result.out + result.err, *secrets) == []


def test_a_command_with_a_credential_is_masked_everywhere(tmp_path: Path) -> None:
    command = f"git push https://bob:{PASSWORD}@github.com/acme/app.git --force main"
    for fmt in FORMATS:
        result = run_cli("scan", "--command", command, "--format", fmt, cwd=tmp_path)
        assert result.code == 1
        assert leaks(result.out + result.err, PASSWORD) == [], fmt


def test_fingerprints_do_not_depend_on_the_secret(tmp_path: Path) -> None:
    """A fingerprint of the raw line would let anyone test guesses of a weak password."""

    def fingerprints(password: str) -> set[str]:
        (tmp_path / "a.py").write_text(f'DSN = "postgresql://app:{password}@db.internal/app"\n')
        result = run_cli("scan", str(tmp_path / "a.py"), "--format", "json", cwd=tmp_path)
        return {f["fingerprint"] for f in json.loads(result.out)["findings"]}

    assert fingerprints("Vq7mZ2pL9xQr") == fingerprints("Vq7mA8kL2wZt")
    assert fingerprints("Vq7mZ2pL9xQr")
