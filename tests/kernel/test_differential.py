"""simnet against the recorded answers of the real kernel (runs without root).

Every case in tests/kernel/cases with a fixture is one test. Cases that do
not agree yet are listed in known_differences.yaml with a reason and marked
xfail(strict=True): once simnet is fixed the list must shrink.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.kernel.cases import load_cases, load_fixture
from tests.kernel.compare import differences

KNOWN = yaml.safe_load((Path(__file__).parent / "known_differences.yaml").read_text(encoding="utf-8")) or {}
CASES = [c for c in load_cases() if load_fixture(c.name) is not None]


def _param(case):
    marks = []
    if case.name in KNOWN:
        marks.append(pytest.mark.xfail(reason=KNOWN[case.name], strict=True))
    return pytest.param(case, id=case.name, marks=marks)


def test_corpus_is_large_enough():
    assert len(CASES) >= 60, f"only {len(CASES)} recorded cases"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_matches_kernel(case):
    problems = differences(case, load_fixture(case.name))
    assert not problems, "\n".join(problems)
