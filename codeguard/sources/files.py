"""Files and directories scanned as wholly added (an agent wrote them)."""

from __future__ import annotations

import os
from pathlib import Path

from codeguard import git
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.diff import decode
from codeguard.errors import GitError
from codeguard.errors import InputError
from codeguard.sources import MAX_POST_IMAGE


def from_paths(paths: list[str], cwd: Path, root: Path) -> ChangeSet:
    found: dict[Path, None] = {}
    for raw in paths:
        path = (cwd / raw) if not os.path.isabs(raw) else Path(raw)
        if path.is_dir():
            for p in _walk(path, cwd):
                found[p] = None
        elif path.is_file():
            found[path] = None
        elif path.exists():
            raise InputError(f"{raw}: not a regular file or directory")
        else:
            raise InputError(f"{raw}: no such file or directory")
    files: list[FileChange] = []
    notices: list[str] = []
    for path in found:
        rel = _display(path, root)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{rel}: cannot read: {exc.strerror}") from None
        if b"\x00" in data[:8192]:
            files.append(FileChange(path=rel, status="added", binary=True, wholly_added=True))
            continue
        if len(data) > MAX_POST_IMAGE:
            notices.append(f"{rel}: larger than {MAX_POST_IMAGE >> 20} MiB, not scanned")
            continue
        files.append(
            FileChange(path=rel, status="added", post_image=decode(data), wholly_added=True)
        )
    return ChangeSet(tuple(files), source="paths", root=str(root), notices=tuple(notices))


def _walk(directory: Path, cwd: Path) -> list[Path]:
    """Files below `directory`; inside a repository, what git does not ignore."""
    top = git.toplevel(directory)
    if top is not None:
        try:
            listed = [directory / p for p in git.list_files(directory, ".")]
            return [p for p in listed if p.is_file() and not p.is_symlink()]
        except GitError:
            pass
    out: list[Path] = []
    for here, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        out.extend(Path(here) / n for n in sorted(names))
    return [p for p in out if p.is_file() and not p.is_symlink()]


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
