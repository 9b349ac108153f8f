"""Property tests: a change built from before/after texts, and Codex's patch format."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from codeguard.changes import split_lines
from codeguard.hooks import codexpatch
from codeguard.sources.texts import text_change

LINES = st.lists(st.sampled_from(["a", "b", "c", "x = 1", "", "rm -rf /", "  pass"]), max_size=30)


@given(LINES, LINES)
def test_hunks_describe_the_edit_exactly(before: list[str], after: list[str]) -> None:
    old = "".join(f"{line}\n" for line in before)
    new = "".join(f"{line}\n" for line in after)
    change = text_change("f.py", old, new)
    assert change.lines == dict(enumerate(after, start=1))
    for hunk in change.hunks:
        for line in hunk.lines:
            if line.kind != "-":
                assert after[line.new_no - 1] == line.text
            if line.kind != "+":
                assert before[line.old_no - 1] == line.text
    # rebuilding the new side from the old one and the hunks gives `after` back
    rebuilt: list[str] = []
    pos = 0
    for hunk in change.hunks:
        first_old = next((x.old_no for x in hunk.lines if x.kind != "+"), pos + 1)
        rebuilt += before[pos : first_old - 1]
        rebuilt += [x.text for x in hunk.lines if x.kind != "-"]
        pos = max([x.old_no for x in hunk.lines if x.kind != "+"] or [first_old - 1])
    rebuilt += before[pos:]
    assert rebuilt == after


@given(LINES, st.data())
def test_codex_update_chunks_apply_where_their_old_lines_are(
    before: list[str], data: st.DataObject
) -> None:
    if not before:
        before = ["only"]
    start = data.draw(st.integers(0, len(before) - 1))
    stop = data.draw(st.integers(start + 1, len(before)))
    replacement = data.draw(LINES)
    old = before[start:stop]
    body = "*** Begin Patch\n*** Update File: f.py\n@@\n"
    body += "".join(f"-{line}\n" for line in old) + "".join(f"+{line}\n" for line in replacement)
    body += "*** End Patch\n"
    (patch,) = codexpatch.parse(body)
    text = "".join(f"{line}\n" for line in before)
    result = split_lines(codexpatch.apply(text, patch.chunks))
    first = next(i for i in range(len(before)) if before[i : i + len(old)] == old)
    assert result == before[:first] + replacement + before[first + len(old) :]


def test_an_unlocatable_chunk_still_shows_what_it_adds() -> None:
    body = "*** Begin Patch\n*** Update File: f.py\n@@\n-missing\n+rm -rf /srv\n*** End Patch\n"
    (patch,) = codexpatch.parse(body)
    assert codexpatch.apply("a\nb\n", patch.chunks).endswith("rm -rf /srv\n")
