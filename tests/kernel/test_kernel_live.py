"""Re-run a few cases on the real kernel (root only) and check the fixtures still hold.

Skipped with the reason where namespaces or tools are missing. CI runs as
root, so there the recorded answers are checked against a fresh recording.
"""
from __future__ import annotations

import pytest

from tests.kernel.cases import load_cases, load_fixture
from tests.kernel.netns import available
from tests.kernel.normalize import normalize
from tests.kernel.record import run_case

REASON = available()
LIVE = ("lan_ping", "lan_routes", "fwd_off", "fwd_ttl", "sr_masq", "bad_ip", "table52", "lpm_metric")
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"kein echter Kernel: {REASON}")


@pytest.mark.parametrize("name", LIVE)
def test_fixture_still_matches_kernel(name):
    case = next(c for c in load_cases() if c.name == name)
    fixture = load_fixture(name)
    live = run_case(case)
    assert len(live) == len(fixture["results"])
    for now, then in zip(live, fixture["results"]):
        assert now["returncode"] == then["returncode"], now["cmd"]
        for stream in ("stdout", "stderr"):
            assert normalize(now[stream], now["cmd"]) == normalize(then[stream], then["cmd"]), now["cmd"]
