"""The commits and the configuration a pull request is judged with.

Actions' checkout is shallow by default: the base and head commits, and their merge
base, are fetched when missing. The configuration (`.codeguard.toml` or pyproject's
`[tool.codeguard]`, and every file it names: `extends`, `rule-dirs`, `baseline`,
`llm.policy`) is read from the BASE commit into a private directory, so a pull request
cannot loosen the rules it is judged by or rewrite the LLM's policy.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from codeguard import git
from codeguard.errors import GitError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_FILES = (".codeguard.toml", "pyproject.toml")
MAX_DEEPEN = 8


def _has(root: Path, sha: str) -> bool:
    try:
        git.run(["cat-file", "-e", f"{sha}^{{commit}}"], root)
    except GitError:
        return False
    return True


def ensure_commits(root: Path, base: str, head: str) -> str:
    """Fetch what a shallow clone lacks; return the merge base of base and head."""
    missing = [sha for sha in (base, head) if not _has(root, sha)]
    if missing:
        git.run(["fetch", "--no-tags", "--quiet", "--depth=50", "origin", *missing], root)
    for _ in range(MAX_DEEPEN):
        try:
            return git.run(["merge-base", base, head], root).decode().strip()
        except GitError:
            shallow = (root / ".git" / "shallow").exists()
            if not shallow:
                break
            git.run(["fetch", "--no-tags", "--quiet", "--deepen=200", "origin", base, head], root)
    with contextlib.suppress(GitError):
        git.run(["fetch", "--no-tags", "--quiet", "--unshallow", "origin"], root)
    try:
        return git.run(["merge-base", base, head], root).decode().strip()
    except GitError:
        return base  # unrelated histories: everything the head has, more than is new


def base_config(root: Path, base: str) -> tuple[Path | None, tempfile.TemporaryDirectory[str]]:
    """The config file as the base commit has it, in a private copy of the files it names."""
    holder = tempfile.TemporaryDirectory(prefix="codeguard-base-")
    where = Path(holder.name)
    chosen: Path | None = None
    for name in CONFIG_FILES:
        if not _extract(root, base, [name], where):
            continue
        data = _toml(where / name)
        if name == "pyproject.toml":
            tool = data.get("tool")
            section = tool.get("codeguard") if isinstance(tool, dict) else None
            if not isinstance(section, dict):
                continue
            data = section
        chosen = where / name
        _extract_named(root, base, where, Path(name), data, seen=set())
        break
    return chosen, holder


def _extract_named(
    root: Path, base: str, where: Path, config: Path, data: dict[str, Any], seen: set[str]
) -> None:
    """Every file a config names, relative to the config's own directory."""
    here = config.parent
    names: list[str] = []
    for key in ("extends", "baseline"):
        if isinstance(data.get(key), str):
            names.append(data[key])
    dirs = data.get("rule-dirs")
    if isinstance(dirs, list):
        names += [d for d in dirs if isinstance(d, str)]
    llm = data.get("llm")
    if isinstance(llm, dict) and isinstance(llm.get("policy"), str):
        names.append(llm["policy"])
    for name in names:
        rel = (here / name).as_posix()
        if rel in seen or name.startswith("/") or ".." in Path(rel).parts:
            continue  # outside the repository: it cannot come from the base commit
        seen.add(rel)
        _extract(root, base, [rel], where)
        if name == data.get("extends") and (where / rel).is_file():
            _extract_named(root, base, where, Path(rel), _toml(where / rel), seen)


def _extract(root: Path, base: str, paths: list[str], where: Path) -> bool:
    try:
        data = git.run(["archive", "--format=tar", base, "--", *paths], root)
    except GitError:
        return False
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        try:
            tar.extractall(where, filter="data")
        except TypeError:  # pragma: no cover - Python without extraction filters
            tar.extractall(where)  # noqa: S202 - git archive of the repository's own base
    return True


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def changed_config(paths: list[str], config: Path | None, base_dir: Path) -> list[str]:
    """The pull request's files that change codeguard's own configuration."""
    if config is None:
        return [p for p in paths if p in CONFIG_FILES]
    named = {str(p.relative_to(base_dir)) for p in base_dir.rglob("*") if p.is_file()}
    return [p for p in paths if p in named or p in (".codeguard.toml",)]
