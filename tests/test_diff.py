"""The diff reader: golden git diffs, bad input, and round-trip properties."""

from __future__ import annotations

import difflib
import json
import os
import random
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from codeguard.changes import FileChange
from codeguard.changes import split_lines
from codeguard.diff import apply_hunks
from codeguard.diff import decode
from codeguard.diff import matches_new_side
from codeguard.diff import parse_diff
from codeguard.diff import unquote_path
from codeguard.errors import InputError

DIFFS = Path(__file__).resolve().parent / "data" / "diffs"
# Every golden case, so a lost file fails loudly. The .diff (and, for one-file text cases,
# the raw .pre/.post images) come from tests/data/make_diffs.py, which runs real git; the
# .json is what the reader is expected to make of it. After a deliberate change to the
# reader, rewrite the .json files from the current output and review the git diff:
#     CODEGUARD_REGEN=1 pytest tests/test_diff.py -k golden
REGEN = os.environ.get("CODEGUARD_REGEN") == "1"
CASES = (
    "added",
    "binary",
    "copied",
    "crlf",
    "crlf_patch",
    "deleted",
    "deletion_only",
    "deletion_only_u0",
    "emptied_file",
    "empty",
    "filled_empty_file",
    "insert_top",
    "insert_top_u0",
    "latin1_content",
    "mode_only",
    "multi_file",
    "multi_hunk",
    "no_eol_both",
    "no_eol_new",
    "no_eol_old",
    "non_ascii_quoted",
    "non_ascii_unquoted",
    "plain_diff_ruN",
    "plain_diff_u",
    "quoted_specials",
    "renamed_edited",
    "renamed_pure",
    "renamed_spaces",
    "space_in_path",
)
IMAGE_CASES = tuple(c for c in CASES if (DIFFS / f"{c}.pre").exists())
HEADER = "diff --git a/x b/x\nindex 1111111..2222222 100644\n--- a/x\n+++ b/x\n"


def parse_case(case: str) -> list[FileChange]:
    return parse_diff(decode((DIFFS / f"{case}.diff").read_bytes()), origin=case)


def images(case: str) -> tuple[str, str]:
    pre, post = (DIFFS / f"{case}.pre").read_bytes(), (DIFFS / f"{case}.post").read_bytes()
    return decode(pre), decode(post)


def summary(change: FileChange, pre: str | None) -> dict[str, Any]:
    """The FileChange fields a golden case pins, as plain JSON data."""
    out: dict[str, Any] = {
        "path": change.path,
        "status": change.status,
        "old_path": change.old_path,
        "binary": change.binary,
        "old_mode": change.old_mode,
        "new_mode": change.new_mode,
        "hunks": [
            {
                "old": [h.old_start, h.old_len],
                "new": [h.new_start, h.new_len],
                "old_no_eol": h.old_no_eol,
                "new_no_eol": h.new_no_eol,
            }
            for h in change.hunks
        ],
        "added": [[n, change.lines[n]] for n in sorted(change.added_lines)],
        "removed": [[ln.old_no, ln.text] for h in change.hunks for ln in h.lines if ln.kind == "-"],
        "context_lines": sorted(change.context_lines),
    }
    if pre is not None:
        out["post_image"] = apply_hunks(change, pre)
    return out


def test_every_case_is_on_disk() -> None:
    on_disk = {p.stem for p in DIFFS.glob("*.diff")}
    assert on_disk == set(CASES)
    assert {p.stem for p in DIFFS.glob("*.json")} == set(CASES)
    assert {p.stem for p in DIFFS.glob("*.pre")} == {p.stem for p in DIFFS.glob("*.post")}


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    changes = parse_case(case)
    pre = images(case)[0] if case in IMAGE_CASES else None
    got = {"files": [summary(c, pre) for c in changes]}
    expected_file = DIFFS / f"{case}.json"
    if REGEN:
        text = json.dumps(got, indent=2, ensure_ascii=False) + "\n"
        expected_file.write_text(text, encoding="utf-8")
    assert got == json.loads(expected_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", IMAGE_CASES)
def test_golden_images_agree_with_git(case: str) -> None:
    """Independently of the .json: the hunks rebuild git's own post-image."""
    pre, post = images(case)
    (change,) = parse_case(case)
    assert apply_hunks(change, pre) == post
    assert matches_new_side(change, post)
    have = split_lines(post)
    for n in change.added_lines:
        assert change.lines[n] == have[n - 1]


def test_golden_headers() -> None:
    """Spot checks that read better here than in the .json files."""
    (quoted,) = parse_case("non_ascii_quoted")
    (unquoted,) = parse_case("non_ascii_unquoted")
    assert quoted.path == unquoted.path == "café/ñandú.py"
    names = {c.path for c in parse_case("quoted_specials")}
    assert names == {'say "hi"\tnow.txt', "back\\slash.txt"}
    (spaced,) = parse_case("renamed_spaces")
    assert (spaced.old_path, spaced.path) == ("old dir/my file.txt", "new dir/my file b.txt")
    (mode,) = parse_case("mode_only")
    assert (mode.old_mode, mode.new_mode, mode.hunks) == ("100644", "100755", ())
    assert [c.binary for c in parse_case("binary")] == [True, True]
    (latin1,) = parse_case("latin1_content")
    assert latin1.lines[3] == "d\ufffdj\ufffd vu"
    assert parse_case("empty") == []


def test_crlf_patch_reads_like_the_lf_patch() -> None:
    """A whole patch saved with CRLF line ends (Windows, a pasted email) is the same patch."""
    lf = parse_case("multi_file")
    crlf = parse_diff(decode((DIFFS / "multi_file.diff").read_bytes().replace(b"\n", b"\r\n")))
    assert [summary(c, None) for c in crlf] == [summary(c, None) for c in lf]


def test_blank_lines_after_a_hunk_are_not_line_zero() -> None:
    """`git log -p` and pasted patches put blank lines after the last hunk."""
    text = decode((DIFFS / "multi_hunk.diff").read_bytes())
    _, post = images("multi_hunk")
    (change,) = parse_diff(text + "\n\n")
    assert 0 not in change.context_lines
    assert 0 not in change.lines
    assert matches_new_side(change, post)
    assert summary(change, None) == summary(parse_diff(text)[0], None)


@pytest.mark.parametrize(
    "tail", ["", "\n", "\n\n    indented prose\n", "-- \n2.39.5\n", "\nOnly in new: x\n"]
)
def test_what_may_follow_a_hunk(tail: str) -> None:
    (change,) = parse_diff(HEADER + "@@ -1 +1,2 @@\n-x\n+y\n+z\n" + tail)
    assert change.lines == {1: "y", 2: "z"}


def test_git_format_patch_series() -> None:
    text = (
        "From 7a7846f Mon Sep 17 00:00:00 2001\nFrom: a <a@b>\nSubject: [PATCH 1/2] two\n\n"
        "- bullet one\n- bullet two\n---\n f | 1 +\n 1 file changed, 1 insertion(+)\n\n"
        "diff --git a/f b/f\nindex 422c2b7..de98044 100644\n--- a/f\n+++ b/f\n"
        "@@ -1,2 +1,3 @@\n a\n b\n+c\n-- \n2.39.5\n\n\n"
        "From 784df85 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 2/2] three\n\n---\n"
        "diff --git a/f b/f\nindex de98044..7be73ce 100644\n--- a/f\n+++ b/f\n"
        "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n-- \n2.39.5\n\n"
    )
    first, second = parse_diff(text)
    assert (first.path, sorted(first.added_lines), sorted(first.context_lines)) == (
        "f",
        [3],
        [1, 2, 3],
    )
    assert (second.lines[2], sorted(second.context_lines)) == ("B", [1, 2, 3])


@pytest.mark.parametrize(
    ("quoted", "plain"),
    [
        ("plain.txt", "plain.txt"),
        ('"a/caf\\303\\251"', "a/café"),
        ('"tab\\there"', "tab\there"),
        ('"q\\"uote"', 'q"uote'),
        ('"back\\\\slash"', "back\\slash"),
        ('"bad\\377byte"', "bad\ufffdbyte"),
        ("with space.txt\t", "with space.txt"),
    ],
)
def test_unquote_path(quoted: str, plain: str) -> None:
    assert unquote_path(quoted) == plain


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_binary_garbage_is_an_input_error(seed: int) -> None:
    data = random.Random(seed).randbytes(2048) + b"\x00"  # noqa: S311 - test data
    with pytest.raises(InputError, match="binary"):
        parse_diff(decode(data))


@pytest.mark.parametrize(
    "text",
    [
        "hello world\nthis is not a diff\n",
        'import os\n\nprint("not a diff")\n',
        "---\ntitle: front matter\n---\n# Markdown\n",
        "Hi,\n\n--- Original Message ---\nFrom: someone\n",
        "--- a/x\n",
        "diff --git \n",
        "commit 1234567\nAuthor: A <a@b>\n\n    empty commit\n",
        # a context diff (diff -c), which is not a unified diff
        "*** o\t2026-01-01\n--- n\t2026-01-01\n***************\n*** 1,3 ****\n  a\n! b\n"
        "  c\n--- 1,3 ----\n  a\n! B\n  c\n",
        # git diff --color=always
        "\x1b[1mdiff --git a/f b/f\x1b[m\n\x1b[1m--- a/f\x1b[m\n\x1b[1m+++ b/f\x1b[m\n"
        "\x1b[36m@@ -1 +1 @@\x1b[m\n\x1b[31m-b\x1b[m\n\x1b[32m+B\x1b[m\n",
    ],
)
def test_text_without_a_diff_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        parse_diff(text)


@pytest.mark.parametrize(
    "hunk",
    [
        "@@ -a +b @@\n-x\n+y\n",  # not numbers
        "@@ -1 +1\n-x\n+y\n",  # no closing @@
        "@@ --1 +1 @@\n-x\n+y\n",
        "@@ +1 -1 @@\n-x\n+y\n",  # sides swapped
        "@@ -1,3 +1,3 @@\n-x\n+y\n",  # shorter than its header
        "@@ -1 +1 @@\n-x\n+y\n+z\n",  # longer than its header
        "@@ -1 +1 @@\n-x\n+y\n z\n",
        "@@ -1 +1 @@\n-x\n+y\n\\ No newline at end of file\n+z\n",
        "@@ -1 +1 @@\n-x\n+y\n\n+z\n",  # an empty context line, then more
        "@@ -1 +1 @@\n-x\n+y\n@@ -5 +5\n-a\n+b\n",  # second header broken
        "@@ -1,99999999999999999999 +1 @@\n-x\n+y\n",
        "@@ -1,2 +1,2 @@\n-x\nGARBAGE\n+y\n",
        "@@ -1,0 +1,0 @@\n-x\n",
        "@@ -0,1 +0,1 @@\n-x\n+y\n",  # line 0 has no text
        "@@ -1 +1 @@\n",
    ],
)
def test_malformed_hunks_are_input_errors(hunk: str) -> None:
    for prefix in (HEADER, "--- a/x\n+++ b/x\n"):
        with pytest.raises(InputError):
            parse_diff(prefix + hunk)


@pytest.mark.parametrize(
    "text",
    [
        "@@ -1 +1 @@\n-x\n+y\n",  # a hunk before any file header
        "+++ b/x\n@@ -1 +1 @@\n-x\n+y\n",
        "\\ No newline at end of file\n",
        "GIT binary patch\nliteral 0\n",
    ],
)
def test_hunks_without_a_file_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_diff(text)


# -- properties ---------------------------------------------------------------------------

DIFFISH = st.sampled_from(
    [
        "diff --git a/x b/x",
        'diff --git "a/\\303\\251" "b/\\303\\251"',
        "--- a/x",
        "+++ b/x",
        "--- /dev/null",
        "+++ /dev/null",
        "new file mode 100644",
        "deleted file mode 100755",
        "old mode 100644",
        "new mode 100755",
        "rename from x",
        "rename to y",
        "copy from x",
        "index 1111111..2222222 100644",
        "Binary files a/x and b/x differ",
        "GIT binary patch",
        "@@ -1 +1 @@",
        "@@ -0,0 +1,2 @@",
        "@@ -1,2 +0,0 @@",
        "@@ -3,2 +3,3 @@ def f():",
        "@@@ -1 -1 +1 @@@",
        "+added",
        "-removed",
        " context",
        "",
        "\\ No newline at end of file",
        "-- ",
        "\r",
    ]
)
DIFFISH_TEXT = st.lists(st.one_of(DIFFISH, st.text(max_size=8)), max_size=25).map(
    lambda lines: "\n".join(lines)
)


def check_parse_never_crashes(text: str) -> None:
    try:
        changes = parse_diff(text)
    except InputError:
        return
    for change in changes:
        assert isinstance(change, FileChange)
        assert all(n >= 1 for n in change.context_lines)
        assert change.added_lines <= change.context_lines


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), DIFFISH_TEXT))
def test_any_text_parses_or_is_an_input_error(text: str) -> None:
    check_parse_never_crashes(text)


GOLDEN_TEXTS = [decode(p.read_bytes()) for p in sorted(DIFFS.glob("*.diff")) if p.stat().st_size]


@st.composite
def mutated_golden(draw: st.DrawFn) -> str:
    """A real diff with a few lines dropped, doubled, cut short or inserted."""
    lines = draw(st.sampled_from(GOLDEN_TEXTS)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "double", "insert", "cut"]))
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "double":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(st.one_of(DIFFISH, st.text(max_size=5))))
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))] + draw(st.text(max_size=3))
    return "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(mutated_golden())
def test_damaged_real_diffs_parse_or_are_an_input_error(text: str) -> None:
    check_parse_never_crashes(text)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_and_parse_or_are_an_input_error(data: bytes) -> None:
    text = decode(data)
    assert isinstance(text, str)
    check_parse_never_crashes(text)


# Short lines over a small alphabet, so old and new share lines and hunks have context;
# '+', '-', '@' and '\\' at the start of a line look like diff syntax once prefixed.
LINE = st.text(alphabet="ab+-@\\ ", max_size=3)


@st.composite
def text_pairs(draw: st.DrawFn) -> tuple[str, str]:
    eol = draw(st.sampled_from(["\n", "\r\n"]))

    def one() -> str:
        lines = draw(st.lists(LINE, max_size=12))
        end = draw(st.booleans()) if lines else False
        return eol.join(lines) + (eol if end else "")

    old = one()
    # Mostly a small edit of `old`, sometimes something unrelated.
    if draw(st.booleans()):
        lines = split_lines(old)
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, len(lines)))
            if lines and i < len(lines) and draw(st.booleans()):
                del lines[i]
            else:
                lines.insert(i, draw(LINE))
        end = draw(st.booleans()) if lines else False
        new = eol.join(lines) + (eol if end else "")
    else:
        new = one()
    return old, new


def keep_ends(text: str) -> list[str]:
    """Lines with their '\\n' (and any '\\r' before it), as patch tools see them."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def unified_diff(old: str, new: str, context: int) -> str:
    """difflib's unified diff plus the marker it leaves out for a missing last newline."""
    out = []
    for line in difflib.unified_diff(
        keep_ends(old), keep_ends(new), "a/f.txt", "b/f.txt", n=context
    ):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def added_numbers(old: str, new: str) -> set[int]:
    """New-side numbers of the lines a diff of old -> new adds, from difflib's own opcodes."""
    matcher = difflib.SequenceMatcher(None, keep_ends(old), keep_ends(new), autojunk=False)
    return {
        j + 1
        for tag, _, _, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
        for j in range(j1, j2)
    }


def check_round_trip(diff_text: str, old: str, new: str) -> FileChange | None:
    changes = parse_diff(diff_text)
    if old == new:
        assert changes == []
        return None
    (change,) = changes
    rebuilt = apply_hunks(change, old)
    if "\r\n" in new and "\r\n" not in old:
        # Known loss: hunk text drops '\r', so the line end is guessed from the pre-image
        # (see test_apply_hunks_keeps_crlf_into_a_file_without_line_ends).
        assert rebuilt is not None
        assert split_lines(rebuilt) == split_lines(new)
        assert rebuilt.endswith("\n") == new.endswith("\n")
    else:
        assert rebuilt == new
    assert matches_new_side(change, new)
    have = split_lines(new)
    for n in change.added_lines:
        assert change.lines[n] == have[n - 1]
    return change


@settings(max_examples=250, deadline=None)
@given(text_pairs(), st.sampled_from([0, 1, 3]))
def test_difflib_round_trip(pair: tuple[str, str], context: int) -> None:
    old, new = pair
    change = check_round_trip(unified_diff(old, new, context), old, new)
    if change is not None:
        assert change.added_lines == added_numbers(old, new)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text_pairs())
def test_git_no_index_round_trip(pair: tuple[str, str]) -> None:
    old, new = pair
    assume(old != new)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "old.txt").write_bytes(old.encode())
        (root / "new.txt").write_bytes(new.encode())
        proc = subprocess.run(
            ["git", "diff", "--no-index", "--no-color", "--no-ext-diff", "old.txt", "new.txt"],
            cwd=root,
            capture_output=True,
            check=False,
        )
    assert proc.returncode == 1, proc.stderr
    change = check_round_trip(decode(proc.stdout), old, new)
    assert change is not None
    assert (change.old_path, change.path) == ("old.txt", "new.txt")


@pytest.mark.xfail(
    reason="DiffLine.text drops '\\r', so apply_hunks guesses the line end from the pre-image",
    strict=True,
)
@pytest.mark.parametrize("old", ["", "one line, no end"])
def test_apply_hunks_keeps_crlf_into_a_file_without_line_ends(old: str) -> None:
    new = "a\r\nb\r\n"
    (change,) = parse_diff(unified_diff(old, new, 3))
    assert apply_hunks(change, old) == new


def test_combined_merge_diffs_are_refused_not_scanned_as_empty() -> None:
    text = (
        "diff --cc app.py\n"
        "index 1a2b3c4,5d6e7f8..0000000\n"
        "--- a/app.py\n"
        "+++ b/app.py\n"
        "@@@ -1,2 -1,2 +1,3 @@@\n"
        "  import shutil\n"
        "++shutil.rmtree('/')\n"
    )
    with pytest.raises(InputError, match="bad hunk header"):
        parse_diff(text)
