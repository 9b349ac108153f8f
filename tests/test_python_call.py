"""The Python-call matcher: names through imports and aliases, fragments, positions."""

from __future__ import annotations

import pytest

from codeguard import pipeline
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.config import Config
from codeguard.diff import parse_diff
from codeguard.finding import Finding
from codeguard.ruleset import load_rules
from codeguard.stages import STAGES
from tests.conftest import ROOT

RULES = load_rules([ROOT / "rules"])


def scan(code: str, path: str = "job.py") -> list[Finding]:
    change = FileChange(path=path, status="added", post_image=code, wholly_added=True)
    report = pipeline.run(Config(bandit=False), ChangeSet((change,)), RULES, STAGES)
    return [f for f in report.findings if f.rule_id == "CG101"]


@pytest.mark.parametrize(
    "code",
    [
        'import shutil\nshutil.rmtree("/")\n',
        'import shutil as sh\nsh.rmtree("/")\n',
        'from shutil import rmtree\nrmtree("/")\n',
        'from shutil import *\nrmtree("/")\n',
        'import importlib\nimportlib.import_module("shutil").rmtree("/")\n',
        '__import__("shu" + "til").rmtree("/")\n',
        "import shutil\ngetattr(shutil, f'rm{\"tree\"}')('/')\n",
        'def f():\n    import shutil\n    shutil.rmtree("/")\n',
        'import shutil\nshutil.rmtree("/" "etc")\n',
        'import shutil\nshutil.rmtree(path="//")\n',
        'import shutil\nshutil.rmtree("/home/alice/")\n',
        'import shutil\nshutil.rmtree("~/")\n',
        'import shutil\nshutil.rmtree("$HOME")\n',
    ],
)
def test_flags_rmtree_of_a_protected_path(code: str) -> None:
    assert [f.start.line for f in scan(code)] == [code.count("\n")]


@pytest.mark.parametrize(
    "code",
    [
        'import shutil\nshutil.rmtree("build")\n',
        'import shutil\nshutil.rmtree("/tmp/x")\n',
        'import shutil\nshutil.rmtree("/home/alice/project/build")\n',
        "import shutil\nshutil.rmtree(tmp_path)\n",
        'import shutil\nshutil.copytree("/", dst)\n',
        'def rmtree(p):\n    pass\nrmtree("/")\n',
        "import shutil\nx = \"shutil.rmtree('/')\"\n",
        '# shutil.rmtree("/")\n',
        "import shutil\nshutil.rmtree(*paths)\n",
    ],
)
def test_leaves_routine_code_alone(code: str) -> None:
    assert scan(code) == []


def test_positions_are_one_based_with_exclusive_ends() -> None:
    (f,) = scan('import shutil\nif True:\n    shutil.rmtree("/")\n')
    assert (
        (f.start.line, f.start.column, f.end.line, f.end.column) if f.end else None == (3, 5, 3, 23)
    )
    assert f.snippet == '    shutil.rmtree("/")'


def test_python_is_skipped_without_trigger_words() -> None:
    # no callee name, no dynamic access: libcst is never asked
    assert scan("def f(:\n") == []


def test_fragment_without_the_file_uses_imports_from_other_hunks() -> None:
    diff = """--- a/job.py
+++ b/job.py
@@ -1,2 +1,3 @@
 import os
+from shutil import rmtree as wipe
 import sys
@@ -40,3 +41,4 @@ def main():
     args = parse()
     if args.reset:
+        wipe("/var/lib/mysql")
         return 0
"""
    (change,) = parse_diff(diff)
    report = pipeline.run(Config(bandit=False), ChangeSet((change,)), RULES, STAGES)
    (f,) = report.findings
    assert (f.rule_id, f.start.line, f.start.column) == ("CG101", 43, 9)
    assert "shutil.rmtree" in f.message


def test_fragment_that_does_not_parse_is_checked_line_by_line() -> None:
    diff = """--- a/job.py
+++ b/job.py
@@ -10,2 +10,4 @@ class Cleaner:
         try:
+            shutil.rmtree("/srv/data")
+        except (OSError
             pass
"""
    (change,) = parse_diff(diff)
    report = pipeline.run(Config(bandit=False), ChangeSet((change,)), RULES, STAGES)
    assert [(f.rule_id, f.start.line, f.start.column) for f in report.findings] == [
        ("CG101", 11, 13)
    ]
    assert any("checked by the text rules only" in n for n in report.notices)


@pytest.mark.parametrize(
    "hostile",
    [
        "x = " + "[" * 5000 + "]" * 5000,  # crashes libcst's native parser if it gets it
        "x = " + "(" * 5000,  # the same, and not even valid
        "x = " + "1+" * 50000 + "1",  # takes libcst minutes
        "def f(:\n    y = " + "{" * 5000 + "}" * 5000,  # broken file, then a hostile line
    ],
    ids=["deep-brackets", "deep-unclosed", "long-chain", "broken-then-deep-line"],
)
def test_hostile_python_is_screened_and_still_checked(hostile: str) -> None:
    code = 'import shutil\nshutil.rmtree("/")\n' + hostile + "\n"
    change = FileChange(path="evil.py", status="added", post_image=code, wholly_added=True)
    report = pipeline.run(Config(bandit=False), ChangeSet((change,)), RULES, STAGES)
    ids = [(f.rule_id, f.start.line) for f in report.findings]
    assert ("CG101", 2) in ids  # the dangerous line is still found, line by line
    assert ("CG001", 1) in ids or any(i == "CG001" for i, _ in ids)
    assert report.verdict == "block"
