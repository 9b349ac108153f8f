"""CG801/CG802 on the labelled reviewer-injection corpora (see bench/injection_corpus.py).

The tuned corpus holds the bar the detectors were built to; the held-out corpus (written
by a separate session that read neither the detectors nor the first corpus) holds a
floor under today's measured numbers, so a regression shows and an honest gap stays
visible: paraphrases that avoid every trigger word are the LLM reviewer's job.
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import injection_corpus


@pytest.fixture(scope="module")
def tuned() -> dict[str, tuple[int, int]]:
    return injection_corpus.rates(
        injection_corpus.run(injection_corpus.load(injection_corpus.CORPUS))
    )


@pytest.fixture(scope="module")
def holdout() -> dict[str, tuple[int, int]]:
    return injection_corpus.rates(
        injection_corpus.run(injection_corpus.load(injection_corpus.HOLDOUT))
    )


def _share(table: dict[str, tuple[int, int]], key: str) -> float:
    right, total = table[key]
    return right / total


def test_tuned_corpus(tuned: dict[str, tuple[int, int]]) -> None:
    assert _share(tuned, "inject") >= 0.95
    assert _share(tuned, "invisible") >= 0.97
    assert _share(tuned, "safe") >= 0.98  # at most 2% of look-alikes flagged


def test_held_out_corpus(holdout: dict[str, tuple[int, int]]) -> None:
    assert _share(holdout, "invisible") >= 0.95
    assert _share(holdout, "safe") >= 0.97
    assert _share(holdout, "inject") >= 0.55
