"""The regex matcher: a pattern searched in each line of a file."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping

from codeguard.matchers import Hit
from codeguard.ruleset import Rule


def find(rules: list[Rule], lines: Mapping[int, str], wanted: Iterable[int]) -> list[Hit]:
    hits: list[Hit] = []
    for number in wanted:
        text = lines.get(number)
        if text is None:
            continue
        for rule in rules:
            assert rule.pattern is not None  # noqa: S101 - guaranteed by the loader
            for m in rule.pattern.finditer(text):
                if m.end() == m.start():
                    continue
                hits.append(
                    Hit(
                        rule.id,
                        number,
                        m.start() + 1,
                        number,
                        m.end() + 1,
                        (("match", m.group(0)),),
                        m.group(0),
                    )
                )
                break  # one finding per rule and line is enough to act on
    return hits
