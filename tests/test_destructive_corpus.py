"""The labelled corpus (tests/data/destructive, 620 cases) meets the bars, on both paths.

Bars from the issue: at least 97% of destructive cases blocked, at most 3% of benign
cases blocked, scanned as a file and (shell cases) as an agent command. The full
confusion matrix and every misjudged case: `python bench/corpus.py`.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.conftest import ROOT


def _corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_corpus"] = module
    spec.loader.exec_module(module)
    return module


CORPUS = _corpus()
OUTCOMES = CORPUS.run_in_process(CORPUS.load_cases(), bandit=False)


def test_corpus_is_big_and_balanced() -> None:
    cases = CORPUS.load_cases()
    assert len(cases) >= 400
    destructive = sum(c.label == "destructive" for c in cases)
    assert 0.5 <= destructive / len(cases) <= 0.7
    assert {c.lang for c in cases} >= {
        "sh",
        "py",
        "sql",
        "tf",
        "gha",
        "gitlab",
        "dockerfile",
        "makefile",
        "packagejson",
    }


@pytest.mark.parametrize("path", ["file", "command"])
def test_bars(path: str) -> None:
    matrix = CORPUS.matrix(OUTCOMES, path)
    blocked_destructive, blocked_benign = CORPUS.rates(matrix)
    report = CORPUS.report([o for o in OUTCOMES if o.path == path])
    assert blocked_destructive >= 0.97, report
    assert blocked_benign <= 0.03, report


def test_no_case_errors() -> None:
    errors = [(o.case.id, o.error) for o in OUTCOMES if o.error]
    assert errors == []
