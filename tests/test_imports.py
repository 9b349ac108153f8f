"""The agent gate's path stays lean: heavy libraries load only when their stage needs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES

HEAVY = (
    "libcst", "bandit", "openai", "github", "git", "jsonschema", "yaml", "unidiff", "rich",
    "opentelemetry",
)  # fmt: skip

PROBE = """
import contextlib, io, json, sys
from codeguard.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))
"""


def loaded(*args: str) -> set[str]:
    code = PROBE.format(heavy=set(HEAVY))
    # twice: the first run validates the rules and fills the cache
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        )
    return {m.split(".")[0] for m in json.loads(out.stdout.splitlines()[-1])}


@pytest.mark.parametrize("command", ["ls -la", "rm -rf /", "git push --force origin main"])
def test_command_scan_imports_nothing_heavy(command: str) -> None:
    assert loaded("scan", "--command", command, "--format", "json") == set()


def test_python_diff_loads_only_the_diff_reader() -> None:
    mods = loaded("scan", "--diff", str(EXAMPLES / "ai-patch.diff"), "--format", "json")
    # Python is analysed with the stdlib `ast`; libcst is not even a dependency
    assert mods == {"unidiff"}
