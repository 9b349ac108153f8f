"""Config discovery, precedence, `extends`, and loud errors for unknown keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeguard.config import Config
from codeguard.config import load_config
from codeguard.errors import ConfigError
from codeguard.finding import Severity
from tests.conftest import git


def test_defaults_outside_any_config(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config(root=str(tmp_path.resolve()))
    assert config.fail_on == Severity.ERROR and config.filter == "added"


def test_pyproject_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.codeguard]\nfail-on = "warning"\nignore = ["CG2"]\n'
        '[tool.codeguard.per-file-ignores]\n"tests/**" = ["CG101"]\n'
        '[tool.codeguard.llm]\nmodel = "m"\non-error = "warn"\n'
    )
    config = load_config(tmp_path)
    assert config.fail_on == Severity.WARNING
    assert config.ignore == ("CG2",)
    assert config.per_file_ignores == (("tests/**", ("CG101",)),)
    assert config.llm.model == "m" and config.llm.on_error == "warn"
    assert config.source.endswith("pyproject.toml")


def test_pyproject_without_section_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(tmp_path).source == ""


def test_dedicated_file_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.codeguard]\nfail-on = "warning"\n')
    (tmp_path / ".codeguard.toml").write_text('fail-on = "note"\n')
    assert load_config(tmp_path).fail_on == Severity.NOTE


def test_found_at_the_repository_root_from_a_subdirectory(repo: Path) -> None:
    (repo / ".codeguard.toml").write_text('filter = "file"\n')
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    config = load_config(sub)
    assert config.filter == "file"
    assert Path(config.root) == repo.resolve()


def test_extends_merges_and_resolves_paths_relative_to_each_file(tmp_path: Path) -> None:
    org = tmp_path / "org"
    org.mkdir()
    (org / "rules").mkdir()
    (org / "base.toml").write_text(
        'fail-on = "warning"\nrule-dirs = ["rules"]\nignore = ["CG3"]\n'
        '[llm]\nmodel = "base-model"\ntimeout = 30\npolicy = "policy.md"\n'
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / ".codeguard.toml").write_text(
        'extends = "../org/base.toml"\nignore = ["CG2"]\n[llm]\nmodel = "mine"\n'
    )
    config = load_config(project)
    assert config.fail_on == Severity.WARNING  # from the base
    assert config.ignore == ("CG2",)  # the project's own key wins
    assert config.rule_dirs == (str((org / "rules").resolve()),)
    assert config.llm.model == "mine" and config.llm.timeout == 30
    assert config.llm.policy == str((org / "policy.md").resolve())


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="extends itself"):
        load_config(tmp_path, "a.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fial-on = "error"\n', "unknown key 'fial-on'"),
        ('[llm]\nmodle = "x"\n', "unknown key 'llm.modle'"),
        ('fail-on = "fatal"\n', "fail-on: unknown severity 'fatal'"),
        ('filter = "changed"\n', "filter: expected one of added, diff-context, file, all"),
        ("ignore = 3\n", "ignore: expected a list of strings"),
        ('stages = ["destructive", "magic"]\n', "stages: unknown stage 'magic'"),
        ('[llm]\non-error = "ignore"\n', "llm.on-error: expected one of block, warn"),
        ("[llm]\ntimeout = -1\n", "llm.timeout: expected a positive number"),
        ("preview = 1\n", "preview: expected true or false"),
        ("audit-max-mb = -1\n", "audit-max-mb: expected a whole number, 0 or more"),
        ('extends = "missing.toml"\n', "missing.toml: no such config file"),
        ("fail-on = \n", "invalid TOML"),
    ],
)
def test_invalid_config_names_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".codeguard.toml").write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_config(tmp_path)
    assert ".codeguard.toml" in str(info.value) or "missing.toml" in str(info.value)


def test_explicit_config_file(tmp_path: Path) -> None:
    (tmp_path / "strict.toml").write_text('fail-on = "note"\n')
    (tmp_path / ".codeguard.toml").write_text('fail-on = "error"\n')
    assert load_config(tmp_path, "strict.toml").fail_on == Severity.NOTE
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path, "nope.toml")


def test_digest_changes_with_settings_not_location(tmp_path: Path) -> None:
    a = Config(root="/a")
    assert a.digest == Config(root="/b").digest
    assert a.digest != Config(fail_on=Severity.WARNING).digest


def test_cli_flags_override_the_file(repo: Path) -> None:
    from tests.conftest import run_cli

    (repo / ".codeguard.toml").write_text('ignore = ["CG102"]\n')
    git(repo, "add", "-A")
    assert run_cli("scan", "--command", "rm -rf /", cwd=repo).code == 0
    assert run_cli("scan", "--command", "rm -rf /", "--ignore", "", cwd=repo).code == 1
    assert run_cli("scan", "--command", "rm -rf /", "--select", "CG102", cwd=repo).code == 1


def test_audit_bounds_default_and_zero_means_none(tmp_path: Path) -> None:
    assert load_config(tmp_path).audit_max_mb == 256
    (tmp_path / ".codeguard.toml").write_text("audit-max-mb = 0\naudit-retention-days = 7\n")
    config = load_config(tmp_path)
    assert (config.audit_max_mb, config.audit_retention_days) == (0, 7)
