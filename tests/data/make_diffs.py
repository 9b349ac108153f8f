"""Regenerate the golden diffs in tests/data/diffs/ with real git (and GNU diff).

Run from anywhere: `python tests/data/make_diffs.py`. Each case builds a temporary
repository with a pinned identity and no user or system git config, makes one change and
writes what git prints for it to `<case>.diff`. Cases that change a single text file also
get `<case>.pre` and `<case>.post`: the raw bytes of that file before and after (empty when
the file does not exist on that side), so tests can check patch application against the
real result. The outputs are committed: the tests never run this script, so they do not
depend on the installed git version. After regenerating, refresh the expected `.json`
files with `CODEGUARD_REGEN=1 pytest tests/test_diff.py` and review the change.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent / "diffs"
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
# Fixed file times for the plain `diff -u` cases, whose headers carry them.
MTIME = 1767225600  # 2026-01-01T00:00:00Z

PY = b'import os\n\n\ndef main():\n    print("hello")\n    return 0\n'
LINES = b"".join(b"line %d\n" % i for i in range(1, 31))


def run(cwd: Path, *args: str, ok: tuple[int, ...] = (0,)) -> bytes:
    proc = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, check=False)
    if proc.returncode not in ok:
        raise RuntimeError(f"{args}: exit {proc.returncode}: {proc.stderr.decode()}")
    return proc.stdout


def write(root: Path, files: dict[str, bytes | None]) -> None:
    for name, data in files.items():
        path = root / name
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        run(root, "git", "init", "-q", "-b", "main")
        run(root, "git", "config", "core.autocrlf", "false")

    def commit(self, files: dict[str, bytes | None]) -> None:
        write(self.root, files)
        run(self.root, "git", "add", "-A")
        run(self.root, "git", "commit", "-q", "--allow-empty", "-m", "base")

    def stage(self, files: dict[str, bytes | None]) -> None:
        write(self.root, files)
        run(self.root, "git", "add", "-A")

    def diff(self, *args: str, quotepath: bool = False) -> bytes:
        quote = "core.quotepath=" + ("on" if quotepath else "off")
        return run(
            self.root,
            "git",
            "-c",
            quote,
            "-c",
            "diff.mnemonicprefix=false",
            "diff",
            "--cached",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            *args,
        )


def git_case(
    before: dict[str, bytes | None],
    after: dict[str, bytes | None],
    *args: str,
    quotepath: bool = False,
    chmod: str | None = None,
) -> Callable[[Path], bytes]:
    def make(tmp: Path) -> bytes:
        repo = Repo(tmp)
        repo.commit(before)
        repo.stage(after)
        if chmod is not None:
            run(tmp, "git", "update-index", "--chmod=+x", chmod)
        return repo.diff(*args, quotepath=quotepath)

    return make


def plain_case(
    before: dict[str, bytes], after: dict[str, bytes], *args: str
) -> Callable[[Path], bytes]:
    """GNU `diff` between two trees (or two files when each dict holds one name)."""

    def make(tmp: Path) -> bytes:
        for side, files in (("old", before), ("new", after)):
            write(tmp / side, files)
            for name in files:
                os.utime(tmp / side / name, (MTIME, MTIME))
        if len(before) == len(after) == 1 and not args:
            (old_name,), (new_name,) = before, after
            (tmp / "old" / old_name).rename(tmp / old_name)
            (tmp / "new" / new_name).rename(tmp / new_name)
            return run(tmp, "diff", "-u", old_name, new_name, ok=(1,))
        return run(tmp, "diff", *args, "old", "new", ok=(1,))

    return make


def crlf_of(make: Callable[[Path], bytes]) -> Callable[[Path], bytes]:
    """The same patch saved with CRLF line ends, as Windows editors and mail clients do."""
    return lambda tmp: make(tmp).replace(b"\n", b"\r\n")


# case name -> (how to make its diff, (pre-image, post-image) for one-file text cases)
Case = tuple[Callable[[Path], bytes], tuple[bytes, bytes] | None]

MULTI = LINES.replace(b"line 3\n", b"line three\n").replace(b"line 25\n", b"")
MULTI = MULTI.replace(b"line 28\n", b"line 28\nline 28b\n")
CASES: dict[str, Case] = {
    "added": (git_case({}, {"src/new.py": PY}), (b"", PY)),
    "deleted": (git_case({"old.py": PY}, {"old.py": None}), (PY, b"")),
    "renamed_edited": (
        git_case(
            {"pkg/before.py": LINES},
            {"pkg/before.py": None, "pkg/after.py": LINES.replace(b"line 10\n", b"line ten\n")},
            "-M",
        ),
        (LINES, LINES.replace(b"line 10\n", b"line ten\n")),
    ),
    "renamed_pure": (
        git_case({"docs/a.txt": LINES}, {"docs/a.txt": None, "docs/b.txt": LINES}, "-M"),
        (LINES, LINES),
    ),
    "copied": (
        git_case(
            {"orig.py": LINES},
            {"copy.py": LINES.replace(b"line 30\n", b"line 30\nline 31\n")},
            "-C",
            "--find-copies-harder",
        ),
        (LINES, LINES.replace(b"line 30\n", b"line 30\nline 31\n")),
    ),
    "binary": (
        git_case(
            {"img.bin": b"\x89PNG\r\n\x1a\n\x00\x01\x02"},
            {"img.bin": b"\x89PNG\r\n\x1a\n\x00\x01\x03", "new.bin": b"\x00\xff\x00"},
        ),
        None,
    ),
    "mode_only": (git_case({"run.sh": b"#!/bin/sh\necho hi\n"}, {}, chmod="run.sh"), None),
    "no_eol_both": (
        git_case({"f.txt": b"a\nb\nc"}, {"f.txt": b"a\nB\nc"}),
        (b"a\nb\nc", b"a\nB\nc"),
    ),
    "no_eol_old": (
        git_case({"f.txt": b"a\nb\nc"}, {"f.txt": b"a\nb\nc\n"}),
        (b"a\nb\nc", b"a\nb\nc\n"),
    ),
    "no_eol_new": (
        git_case({"f.txt": b"a\nb\nc\n"}, {"f.txt": b"a\nb\nc\nd"}),
        (b"a\nb\nc\n", b"a\nb\nc\nd"),
    ),
    "crlf": (
        git_case(
            {"win.bat": b"@echo off\r\nset A=1\r\necho %A%\r\n"},
            {"win.bat": b"@echo off\r\nset A=2\r\nset B=3\r\necho %A%\r\n"},
        ),
        (
            b"@echo off\r\nset A=1\r\necho %A%\r\n",
            b"@echo off\r\nset A=2\r\nset B=3\r\necho %A%\r\n",
        ),
    ),
    "crlf_patch": (
        crlf_of(git_case({"c.py": LINES}, {"c.py": MULTI, "n.py": PY})),
        None,
    ),
    "space_in_path": (
        git_case({"my dir/a file.py": PY}, {"my dir/a file.py": PY + b"main()\n"}),
        (PY, PY + b"main()\n"),
    ),
    "non_ascii_quoted": (
        git_case(
            {"café/ñandú.py": PY},
            {"café/ñandú.py": PY + b"# \xc3\xa9\n"},
            quotepath=True,
        ),
        (PY, PY + b"# \xc3\xa9\n"),
    ),
    "non_ascii_unquoted": (
        git_case(
            {"café/ñandú.py": PY},
            {"café/ñandú.py": PY + b"# \xc3\xa9\n"},
            quotepath=False,
        ),
        (PY, PY + b"# \xc3\xa9\n"),
    ),
    "latin1_content": (
        git_case(
            {"legacy.txt": b"caf\xe9\nna\xefve\n"},
            {"legacy.txt": b"caf\xe9\nna\xefve\nd\xe9j\xe0 vu\n"},
        ),
        (b"caf\xe9\nna\xefve\n", b"caf\xe9\nna\xefve\nd\xe9j\xe0 vu\n"),
    ),
    "empty": (git_case({"same.txt": b"x\n"}, {}), None),
    "plain_diff_u": (
        plain_case({"hello.py.orig": PY}, {"hello.py": PY.replace(b'"hello"', b'"bye"')}),
        (PY, PY.replace(b'"hello"', b'"bye"')),
    ),
    "plain_diff_ruN": (
        plain_case(
            {"keep.txt": LINES, "gone.txt": b"bye\n"},
            {"keep.txt": LINES.replace(b"line 2\n", b"line two\n"), "born.txt": b"hi\n"},
            "-ruN",
        ),
        None,
    ),
    "multi_hunk": (git_case({"m.txt": LINES}, {"m.txt": MULTI}), (LINES, MULTI)),
    "insert_top": (
        git_case({"t.py": LINES}, {"t.py": b"# header\n# more\n" + LINES}),
        (LINES, b"# header\n# more\n" + LINES),
    ),
    "insert_top_u0": (
        git_case({"t.py": LINES}, {"t.py": b"# header\n# more\n" + LINES}, "-U0"),
        (LINES, b"# header\n# more\n" + LINES),
    ),
    "deletion_only": (
        git_case({"d.txt": LINES}, {"d.txt": LINES.replace(b"line 12\nline 13\n", b"")}),
        (LINES, LINES.replace(b"line 12\nline 13\n", b"")),
    ),
    "deletion_only_u0": (
        git_case({"d.txt": LINES}, {"d.txt": LINES.replace(b"line 12\nline 13\n", b"")}, "-U0"),
        (LINES, LINES.replace(b"line 12\nline 13\n", b"")),
    ),
    "emptied_file": (git_case({"e.txt": b"a\nb\n"}, {"e.txt": b""}), (b"a\nb\n", b"")),
    "filled_empty_file": (git_case({"e.txt": b""}, {"e.txt": b"a\nb\n"}), (b"", b"a\nb\n")),
    "renamed_spaces": (
        git_case(
            {"old dir/my file.txt": LINES},
            {"old dir/my file.txt": None, "new dir/my file b.txt": LINES + b"end\n"},
            "-M",
        ),
        (LINES, LINES + b"end\n"),
    ),
    "quoted_specials": (
        git_case({}, {'say "hi"\tnow.txt': b"hi\n", "back\\slash.txt": b"x\n"}),
        None,
    ),
    "multi_file": (
        git_case(
            {"a.py": PY, "b.py": PY, "gone.txt": b"x\n"},
            {"a.py": PY + b"a()\n", "b.py": None, "c.py": b"c = 1\n", "gone.txt": None},
        ),
        None,
    ),
}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, (make, images) in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            (OUT / f"{name}.diff").write_bytes(make(Path(tmp)))
        if images is not None:
            (OUT / f"{name}.pre").write_bytes(images[0])
            (OUT / f"{name}.post").write_bytes(images[1])
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
