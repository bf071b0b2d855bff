"""The tailnet's index of servers and clients (simnet.tailnet.control.Tailnet) stays what a full scan finds.

Starting tailscaled takes the one node into the index instead of rescanning every node (a thousand-node
tailnet started its clients in quadratic time); the order must stay the lab's node order, because clients
are marked (and report presence, and schedule their DERP connections) in that order.
"""
from __future__ import annotations

from simnet import Lab
from simnet.tailnet.client import Tailscaled
from simnet.tailnet.control import Headscale, tailnet_of


def _full_scan(lab: Lab) -> tuple[list, list]:
    servers = [n.services["headscale"] for n in lab.nodes.values() if isinstance(n.services.get("headscale"), Headscale)]
    clients = [n.services["tailscaled"] for n in lab.nodes.values()
               if isinstance(n.services.get("tailscaled"), Tailscaled)]
    return servers, clients


def test_clients_started_out_of_order_stay_in_node_order() -> None:
    nodes = {"vps": {"interfaces": {"eth0": "net"}, "startup": ["ip addr add 203.0.113.10/24 dev eth0"]}}
    for i in range(8):
        nodes[f"n{i}"] = {"interfaces": {"eth0": "net"}, "startup": [f"ip addr add 203.0.113.{20 + i}/24 dev eth0"]}
    lab = Lab.from_dict({"name": "index", "nodes": nodes})
    tn = tailnet_of(lab)
    assert tn.clients() == [] and tn.servers() == []
    for name in ("n5", "n1", "n7", "n0", "n3"):
        assert lab.run(name, "systemctl start tailscaled").returncode == 0
        assert (tn.servers(), tn.clients()) == _full_scan(lab)
    assert [c.node.name for c in tn.clients()] == ["n0", "n1", "n3", "n5", "n7"]
    assert lab.run("vps", "systemctl enable --now headscale").returncode == 0
    assert lab.run("n1", "systemctl stop tailscaled").returncode == 0
    assert lab.run("n1", "systemctl start tailscaled").returncode == 0
    assert (tn.servers(), tn.clients()) == _full_scan(lab)
    assert [s.node.name for s in tn.servers()] == ["vps"]
    lab.add_node("late")                         # a node added later: the next use rescans
    lab.connect("late", "eth0", "net")
    assert lab.run("late", "systemctl start tailscaled").returncode == 0
    assert (tn.servers(), tn.clients()) == _full_scan(lab)
    assert [c.node.name for c in tn.clients()] == ["n0", "n1", "n3", "n5", "n7", "late"]
