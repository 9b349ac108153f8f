"""A patch from a file or stdin: post-images rebuilt from the files next to it, safely."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.diff import decode
from codeguard.sources.patch import from_diff
from tests.conftest import run_cli

DIFFS = Path(__file__).resolve().parent / "data" / "diffs"
# One-file golden cases that come with the file's raw bytes before (.pre) and after (.post).
IMAGE_CASES = sorted(p.stem for p in DIFFS.glob("*.pre"))


def load(case: str) -> tuple[bytes, bytes, bytes]:
    diff, pre, post = ((DIFFS / f"{case}{ext}").read_bytes() for ext in (".diff", ".pre", ".post"))
    return diff, pre, post


def scan(data: bytes, cwd: Path) -> FileChange:
    changes = from_diff(data, origin="test.diff", cwd=cwd)
    (change,) = changes.files
    return change


def place(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def expected_post(change: FileChange, post: bytes) -> str | None:
    return None if change.deleted else decode(post)


def test_the_case_list_is_not_empty() -> None:
    assert len(IMAGE_CASES) >= 20
    assert {"renamed_edited", "crlf", "deletion_only_u0", "insert_top_u0"} <= set(IMAGE_CASES)


@pytest.mark.parametrize("case", IMAGE_CASES)
def test_pre_image_on_disk_is_patched(case: str, tmp_path: Path) -> None:
    data, pre, post = load(case)
    probe = scan(data, tmp_path)
    if probe.status != "added":
        place(tmp_path, probe.old_path or probe.path, pre)
    change = scan(data, tmp_path)
    assert change.post_image == expected_post(change, post)
    assert change.notes == ()


@pytest.mark.parametrize("case", IMAGE_CASES)
def test_post_image_on_disk_is_taken_as_is(case: str, tmp_path: Path) -> None:
    """`git diff` of a work tree: the patch is already applied."""
    data, _, post = load(case)
    probe = scan(data, tmp_path)
    if not probe.deleted:
        place(tmp_path, probe.path, post)
    change = scan(data, tmp_path)
    assert change.post_image == expected_post(change, post)
    assert change.notes == ()


@pytest.mark.parametrize("case", IMAGE_CASES)
def test_no_file_on_disk(case: str, tmp_path: Path) -> None:
    data, _, post = load(case)
    change = scan(data, tmp_path)
    if change.status == "added":
        assert change.post_image == decode(post)  # the one hunk is the whole file
    else:
        assert change.post_image is None
    assert change.notes == ()


def test_pre_image_with_the_post_image_also_present_prefers_the_new_path(tmp_path: Path) -> None:
    data, pre, post = load("renamed_edited")
    place(tmp_path, "pkg/before.py", pre)
    place(tmp_path, "pkg/after.py", post)
    assert scan(data, tmp_path).post_image == decode(post)


@pytest.mark.parametrize("case", ["multi_hunk", "renamed_edited", "crlf", "deletion_only"])
def test_unrelated_file_on_disk_gives_a_note_and_no_post_image(case: str, tmp_path: Path) -> None:
    data, _, _ = load(case)
    probe = scan(data, tmp_path)
    place(tmp_path, probe.old_path or probe.path, b"something else entirely\n")
    change = scan(data, tmp_path)
    assert change.post_image is None
    (note,) = change.notes
    assert note.startswith(f"{change.path}: ")
    assert "does not apply" in note
    # the hunks are still there to analyse alone
    assert change.added_lines == probe.added_lines


def test_deleted_and_binary_files_are_never_read(tmp_path: Path) -> None:
    data = (DIFFS / "deleted.diff").read_bytes() + (DIFFS / "binary.diff").read_bytes()
    for name in ("old.py", "img.bin", "new.bin"):
        place(tmp_path, name, b"on disk\n")
    changes = from_diff(data, origin="x", cwd=tmp_path)
    assert [(c.path, c.post_image) for c in changes] == [
        ("old.py", None),
        ("img.bin", None),
        ("new.bin", None),
    ]


def test_change_set_names_its_source(tmp_path: Path) -> None:
    changes = from_diff((DIFFS / "multi_file.diff").read_bytes(), origin="pr.diff", cwd=tmp_path)
    assert isinstance(changes, ChangeSet)
    assert (changes.source, changes.root) == ("diff:pr.diff", str(tmp_path))
    assert [c.path for c in changes] == ["a.py", "b.py", "c.py", "gone.txt"]


def test_empty_diff_is_an_empty_change_set(tmp_path: Path) -> None:
    assert len(from_diff(b"", origin="empty", cwd=tmp_path)) == 0


# -- hostile paths ------------------------------------------------------------------------

BAIT = b"root:x:0:0:root:/root:/bin/sh\n"
BAIT_POST = "root:x:0:0:root:/root:/bin/bash\n"


def hostile_diff(path: str, *, git: bool = True) -> bytes:
    """A patch that would turn BAIT into BAIT_POST, were it applied to `path`."""
    body = "@@ -1 +1 @@\n-root:x:0:0:root:/root:/bin/sh\n+root:x:0:0:root:/root:/bin/bash\n"
    if git:
        head = f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n"
        return (head + f"--- a/{path}\n+++ b/{path}\n" + body).encode()
    return (f"--- {path}\n+++ {path}\n" + body).encode()


@pytest.fixture
def jail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[Path]]:
    """(root to scan from, a directory outside it holding BAIT, every file read)."""
    root = tmp_path / "work" / "repo"
    root.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_bytes(BAIT)
    (tmp_path / "work" / "passwd").write_bytes(BAIT)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_bytes(BAIT)
    reads: list[Path] = []
    real_read_bytes = Path.read_bytes
    real_open = Path.open

    def read_bytes(self: Path) -> bytes:
        reads.append(self.resolve())
        return real_read_bytes(self)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append(self.resolve())
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(Path, "open", open_)
    return root, outside, reads


def assert_nothing_outside(root: Path, reads: list[Path]) -> None:
    base = root.resolve()
    assert [p for p in reads if not p.is_relative_to(base)] == []


@pytest.mark.parametrize(
    "path",
    [
        "../passwd",
        "../../etc/passwd",
        "sub/../../passwd",
        "{outside}/passwd",  # absolute, once the a/ prefix is gone
    ],
)
@pytest.mark.parametrize("git", [True, False])
def test_paths_leaving_the_root_are_never_read(
    path: str, git: bool, jail: tuple[Path, Path, list[Path]]
) -> None:
    root, outside, reads = jail
    (root / "sub").mkdir()
    target = path.format(outside=outside)
    assert (root / target).resolve().read_bytes() == BAIT  # the bait is really there
    reads.clear()
    change = scan(hostile_diff(target, git=git), root)
    assert change.post_image is None
    assert change.notes == ()
    assert_nothing_outside(root, reads)


@pytest.mark.parametrize("old", ["../passwd", "{outside}/passwd", "dir/passwd"])
def test_a_rename_from_outside_the_root_is_never_read(
    old: str, jail: tuple[Path, Path, list[Path]]
) -> None:
    root, outside, reads = jail
    (root / "dir").symlink_to(outside, target_is_directory=True)
    old = old.format(outside=outside)
    body = "@@ -1 +1 @@\n-root:x:0:0:root:/root:/bin/sh\n+root:x:0:0:root:/root:/bin/bash\n"
    data = (
        f"diff --git a/{old} b/new.txt\nsimilarity index 90%\nrename from {old}\n"
        f"rename to new.txt\nindex 1111111..2222222 100644\n--- a/{old}\n+++ b/new.txt\n{body}"
    ).encode()
    change = scan(data, root)
    assert (change.status, change.old_path) == ("renamed", old)
    assert change.post_image is None
    assert_nothing_outside(root, reads)
    # the control: the same rename from inside the root is rebuilt
    (root / "inside.txt").write_bytes(BAIT)
    inside = data.decode().replace(old, "inside.txt").encode()
    assert scan(inside, root).post_image == BAIT_POST


@pytest.mark.parametrize("link", ["passwd", "dir/passwd"])
def test_symlinks_out_of_the_root_are_never_read(
    link: str, jail: tuple[Path, Path, list[Path]]
) -> None:
    root, outside, reads = jail
    if link == "passwd":
        (root / "passwd").symlink_to(outside / "passwd")
    else:
        (root / "dir").symlink_to(outside, target_is_directory=True)
    assert (root / link).read_bytes() == BAIT  # the bait is really there
    reads.clear()
    change = scan(hostile_diff(link), root)
    assert change.post_image is None
    assert change.notes == ()
    assert_nothing_outside(root, reads)


def test_a_symlink_inside_the_root_is_followed(jail: tuple[Path, Path, list[Path]]) -> None:
    """The control for the tests above: the same patch does apply inside the root."""
    root, _, reads = jail
    (root / "real").write_bytes(BAIT)
    (root / "alias").symlink_to(root / "real")
    change = scan(hostile_diff("alias"), root)
    assert change.post_image == BAIT_POST
    assert reads
    assert_nothing_outside(root, reads)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file names")
def test_odd_names_are_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    for name in ("", ".", "..", "dir", "dir/", "/"):
        data = f"--- {name}\n+++ {name}\n@@ -1 +1 @@\n-x\n+y\n".encode()
        changes = from_diff(data, origin="odd", cwd=tmp_path)
        assert all(c.post_image is None for c in changes)


def test_a_patch_scanned_away_from_its_files_still_reads_shell_and_sql(tmp_path: Path) -> None:
    """Hunks of modified non-Python files are judged on their new side, at their lines."""
    diff = (
        "--- a/deploy.sh\n+++ b/deploy.sh\n@@ -10,2 +10,3 @@\n #!/bin/sh\n echo hi\n"
        "+git push --force origin main\n"
        "--- a/db/migrate.sql\n+++ b/db/migrate.sql\n@@ -3 +3,2 @@\n SELECT 1;\n"
        "+DROP DATABASE prod;\n"
        "--- a/ci.sh\n+++ b/ci.sh\n@@ -1 +1,2 @@\n set -e\n+rm -rf ./build\n"
    )
    result = run_cli("scan", "--diff", "-", "--format", "json", cwd=tmp_path, stdin=diff.encode())
    found = {
        (f["path"], f["start"]["line"], f["rule_id"]) for f in json.loads(result.out)["findings"]
    }
    assert found == {("deploy.sh", 12, "CG201"), ("db/migrate.sql", 4, "CG301")}
    assert result.code == 1
