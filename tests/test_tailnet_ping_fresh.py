"""``tailscale ping -c 1`` right after a fresh ``tailscale up`` answers the first ping: like
magicsock's endpoint.discoPing, the CLI ping goes over DERP *and* to every candidate direct path
at once, and the first pong from any of them answers (a bug had only the DERP ping waiting)."""
from __future__ import annotations

from tests.test_big_tailnet import joined


def test_first_ping_after_a_fresh_up_answers_in_a_big_segment() -> None:
    lab = joined(30)
    res = lab.run("n0", "tailscale ping -c 1 n29")
    assert res.returncode == 0 and res.stderr == ""
    # the peer's relay connection is still being set up at this instant: the direct path answers
    assert res.stdout.startswith("pong from n29 (100.64.0.30) via 10.1.0.30:41641 in ")
    assert res.stdout.count("\n") == 1
    # the DERP copy of the CLI ping went out too (discoPing sends both)
    flows = [j.flow for j in res.trace.packets]
    assert "disco ping n0 → n29 via DERP" in flows and "disco ping n0 → n29 via 10.1.0.30:41641" in flows


def test_first_ping_between_two_fresh_clients() -> None:
    lab = joined(2)
    res = lab.run("n1", "tailscale ping -c 1 n0")
    assert (res.returncode, res.stdout.split(" in ")[0]) == (0, "pong from n0 (100.64.0.1) via 10.1.0.1:41641")
