"""Nodes that join the tailnet together and talk at once: the relay keeps a frame for a client whose
connection is on its way (simnet.tailnet.derp.DerpServer._hold), as a real ``tailscale up`` would have
waited for that connection; a client the relay lost long ago still gets nothing."""
from __future__ import annotations

from bench.run import tailnet_dict
from simnet import Lab


def _joined(n: int) -> Lab:
    lab = Lab.from_dict(tailnet_dict(n, name="derp-hold"))
    lab.run("vps", "headscale users create lehrling")
    key = lab.run("vps", "headscale preauthkeys create -u 1 --reusable").stdout.strip()
    for i in range(n):
        assert lab.run(f"n{i}", f"tailscale up --login-server=https://vpn.example.net --authkey {key}").returncode == 0
    return lab


def test_the_first_ping_between_nodes_that_joined_together_is_answered() -> None:
    lab = _joined(3)
    res = lab.run("n0", "ping -c 1 -W 1 100.64.0.2")
    assert res.returncode == 0 and "1 received, 0% packet loss" in res.stdout
    status = lab.run("n0", "tailscale status").stdout
    assert "active; direct 10.1.0.2:41641" in status


class _Packet:
    journey = None


def test_a_client_the_relay_lost_long_ago_gets_nothing_kept() -> None:
    lab = _joined(2)
    assert lab.run("n0", "ping -c 1 -W 1 100.64.0.2").returncode == 0
    lab.run("n0", "sleep 10")
    server = lab.node("vps").services["derp"]
    derp = lab.node("n1").services["tailscaled"].magicsock.derp
    assert derp.state == "up"                  # the relay lost it (restarted): n1 still thinks it is up
    assert server._hold("n1", "n0", "frame", _Packet()) is False
    derp.state = "connecting"                  # dialling again: what arrives for it waits
    assert server._hold("n1", "n0", "frame", _Packet()) is True
    now = lab.node("vps").sim.now
    assert server._held["n1"] == [(now, "n0", "frame", None)]
    assert server._hold("nobody", "n0", "frame", _Packet()) is False
    lab.run("n0", "sleep 6")                   # longer than a dial takes: what waited that long is gone
    derp.state = "connecting"
    assert server._hold("n1", "n0", "later", _Packet()) is True
    assert [h[1:] for h in server._held["n1"]] == [("n0", "later", None)]
