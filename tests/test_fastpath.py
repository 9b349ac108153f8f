"""The agent gate's fast path never clears what the full pipeline would flag."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codeguard import fastpath
from codeguard import pipeline
from codeguard.config import Config
from codeguard.config import LLMConfig
from codeguard.gatewriter import write_gate
from codeguard.ruleset import load_rules
from codeguard.sources.command import from_command
from codeguard.stages import STAGES
from tests.conftest import ROOT
from tests.conftest import run_cli

RULES = load_rules([ROOT / "rules"])


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("CODEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    write_gate(Config(root=str(tmp_path)), RULES, set(STAGES))
    loaded = fastpath._load_gate(str(tmp_path))
    assert loaded is not None
    return loaded


def full_verdict(command: str) -> str:
    return pipeline.run(Config(), from_command(command), RULES, STAGES).verdict


WORDS = st.sampled_from(
    ["rm", "-rf", "-r", "-f", "--recursive", "/", "/etc", "~", "./build", "*", "/tmp/x",
     "git", "push", "--force", "-f", "origin", "main", "feature/x", "+main", ":main",
     "--delete", "reset", "--hard", "clean", "-fdx", "kubectl", "delete", "namespace",
     "prod", "terraform", "destroy", "apply", "-destroy", "docker", "volume", "dd",
     "of=/dev/sda", "mkfs.ext4", "/dev/sdb", "chmod", "-R", "777", "sudo", "timeout", "5",
     "nice", "env", "ls", "cat", "echo", "aws", "s3", "--recursive", "s3://b", "helm",
     "uninstall", "-n", "production", "cd", "..", "'rm'", '"/etc"', "r''m", "mysql",
     "-pVq7mZ2pL9xQ", "https://bob:Vq7mZ2pL9xQ@github.com/acme/app.git", "curl", "-u",
     "bob:Vq7mZ2pL9xQ", "l\u200bs", "\u202e", "rm\u2066", "\U000e0041", "caf\u00e9"]
)  # fmt: skip
COMMANDS = st.lists(st.lists(WORDS, min_size=1, max_size=7), min_size=1, max_size=3).map(
    lambda parts: " && ".join(" ".join(p) for p in parts)
)


@given(COMMANDS)
def test_fast_path_never_clears_a_command_the_pipeline_flags(command: str) -> None:
    gate = _GATE
    if fastpath._clean(command, gate):
        assert full_verdict(command) == "pass", command


def _make_gate() -> dict[str, object]:
    import tempfile

    cache = tempfile.mkdtemp()
    old = os.environ.get("CODEGUARD_CACHE_DIR")
    os.environ["CODEGUARD_CACHE_DIR"] = cache
    try:
        write_gate(Config(root=cache), RULES, set(STAGES))
        loaded = fastpath._load_gate(cache)
    finally:
        if old is None:
            del os.environ["CODEGUARD_CACHE_DIR"]
        else:
            os.environ["CODEGUARD_CACHE_DIR"] = old
    assert loaded is not None
    return loaded


_GATE = _make_gate()


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf /",
        "git push --force origin main",
        "sudo rm -rf ~",
        "cd / && rm -rf *",
        "kubectl delete namespace production",
        "terraform destroy -auto-approve",
        "timeout 5 nice -n 3 rm -fr /etc",
    ],
)
def test_destructive_simple_commands_are_never_cleared(
    gate: dict[str, object], command: str
) -> None:
    assert not fastpath._clean(command, gate)
    assert full_verdict(command) == "block"


@pytest.mark.parametrize(
    "command",
    [
        "git clone https://bob:Vq7mZ2pL9xQ@github.com/acme/app.git",
        "mysql -u app -pVq7mZ2pL9xQ shop",
        "curl -u bob:Vq7mZ2pL9xQ https://api.internal/v1/jobs",
    ],
)
def test_a_command_holding_a_credential_goes_to_the_secrets_stage(
    gate: dict[str, object], command: str
) -> None:
    assert not fastpath._clean(command, gate)
    report = pipeline.run(Config(), from_command(command), RULES, STAGES)
    assert {f.rule_id for f in report.findings} & {"CG701", "CG702"}
    assert all("Vq7mZ2pL9xQ" not in f.message + f.snippet for f in report.findings)


@pytest.mark.parametrize(
    "command",
    [
        "rm${IFS}-rf${IFS}/",
        "$'\\x72m' -rf /",
        "\\rm -rf /",
        "echo cm0= | base64 -d | bash",
        "bash -c 'rm -rf /'",
        "python3 -X dev -c 'import shutil'",
        "X=/; rm -rf $X",
        "rm -rf /{etc,usr}",
        "cat > /dev/sda",
        "find / -delete",
        "echo / | xargs rm -rf",
        "git push 'origin' \"main\" --force # comment",
        "psql -c 'DROP TABLE x'",
        "docker run -v /:/host alpine rm -rf /host/etc",
    ],
)
def test_anything_beyond_simple_words_goes_to_the_full_parser(command: str) -> None:
    assert fastpath._commands(command) is None


@pytest.mark.parametrize(
    "command",
    ["ls -la", "git status && git diff --stat", "pytest -q | tail -5", "python -m pip install -e .",
     "rm -rf ./build dist", "git push origin feature/x", "docker compose up -d db"],
)  # fmt: skip
def test_routine_commands_take_the_fast_path(gate: dict[str, object], command: str) -> None:
    assert fastpath._clean(command, gate)
    assert full_verdict(command) == "pass"


def test_fast_and_full_paths_print_the_same_report(tmp_path: Path) -> None:
    env_fast = {"CODEGUARD_CACHE_DIR": str(tmp_path / "c")}
    run_cli("scan", "--command", "rm -rf /", cwd=tmp_path, env=env_fast)  # writes the gate
    for fmt in ("text", "json"):
        fast = run_cli(
            "scan", "--command", "git status", "--format", fmt, cwd=tmp_path, env=env_fast
        )
        full = run_cli(
            "scan", "--command", "git status", "--format", fmt, cwd=tmp_path,
            env={**env_fast, "CODEGUARD_NO_FASTPATH": "1"},
        )  # fmt: skip
        assert fast.code == full.code == 0
        if fmt == "json":
            a, b = json.loads(fast.out), json.loads(full.out)
            assert "parse" not in a["timings_ms"]
            for doc in (a, b):
                doc.pop("run_id")
                doc.pop("timings_ms")
            assert a == b
        else:
            assert fast.out == full.out


def test_a_changed_rule_or_config_invalidates_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "p"
    project.mkdir()
    (project / ".codeguard.toml").write_text('ignore = ["CG102"]\n')
    write_gate(Config(root=str(project)), RULES, set(STAGES))
    assert fastpath._load_gate(str(project)) is not None
    time.sleep(0.01)
    (project / ".codeguard.toml").write_text("ignore = []\n")
    assert fastpath._load_gate(str(project)) is None


def test_a_stage_the_fast_path_cannot_reproduce_disables_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    config = Config(root=str(tmp_path), stages=(*Config().stages, "future-stage"))
    write_gate(config, RULES, {*STAGES, "future-stage"})
    assert fastpath._load_gate(str(tmp_path)) is None


def test_a_configured_llm_reviewer_disables_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEGUARD_CACHE_DIR", str(tmp_path / "cache"))
    plain, configured = tmp_path / "plain", tmp_path / "configured"
    plain.mkdir()
    configured.mkdir()
    write_gate(Config(root=str(plain)), RULES, set(STAGES))
    assert fastpath._load_gate(str(plain)) is not None  # no model: the stage is a no-op
    write_gate(Config(root=str(configured), llm=LLMConfig(model="m")), RULES, set(STAGES))
    assert fastpath._load_gate(str(configured)) is None


def test_version_without_argparse() -> None:
    result = run_cli("--version")
    assert result.out.strip().startswith("codeguard ")


@pytest.mark.parametrize(
    "command",
    ["ls \u202etxt.exe", "git status\u200b", "echo \U000e0041\U000e0042", "ls\rrm -rf /"],
)
def test_hidden_characters_go_to_the_full_pipeline_which_flags_them(command: str) -> None:
    assert not fastpath._clean(command, _GATE)
    assert full_verdict(command) != "pass", command
