"""One shell command an agent proposes to run, as a change of its own."""

from __future__ import annotations

from codeguard.changes import COMMAND_PATH
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.errors import InputError


def from_command(text: str) -> ChangeSet:
    if "\x00" in text:
        raise InputError("command contains a NUL byte")
    change = FileChange(
        path=COMMAND_PATH,
        status="added",
        post_image=text,
        wholly_added=True,
        is_command=True,
    )
    return ChangeSet((change,), source="command")
