import pytest

from simnet import Lab
from simnet.links.segment import Segment


@pytest.fixture(autouse=True)
def _check_segment_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test checks each indexed answer of a segment (and each node's own_ips) against the
    plain scan of its ports: a change that forgets Segment.touch fails the test that makes it."""
    monkeypatch.setattr(Segment, "check_index", True)


def masquerade_lab(name: str, masquerade: bool = True, ipv6: bool = True) -> Lab:
    """client (10.0.5.2) — router — server (192.168.0.101): the router forwards and, with
    ``masquerade``, hides the client's LAN behind 192.168.0.150 (a MASQUERADE rule on eth1)."""
    from simnet.kernel.netfilter import XtRule
    from simnet.kernel.nftables.xtables import xt_append

    spec: dict = {"name": name, "nodes": {
        "client": {"interfaces": {"eth0": "lan"},
                   "startup": ["ip addr add 10.0.5.2/24 dev eth0", "ip route add default via 10.0.5.1"]},
        "router": {"interfaces": {"eth0": "lan", "eth1": "wan"},
                   "startup": ["ip addr add 10.0.5.1/24 dev eth0", "ip addr add 192.168.0.150/24 dev eth1",
                               "sysctl -w net.ipv4.ip_forward=1"]},
        "server": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 192.168.0.101/24 dev eth0"]}}}
    if not ipv6:
        spec["ipv6"] = False
    lab = Lab.from_dict(spec)
    if masquerade:
        xt_append(lab.node("router").netfilter, "nat", "POSTROUTING", XtRule(out_iface="eth1", target="MASQUERADE"))
    return lab


def routed_lab(forward: bool = True, back_route: bool = True) -> Lab:
    """a — r — b with two subnets; the standard router lab of the tests."""
    r = ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1"]
    if forward:
        r.append("sysctl -w net.ipv4.ip_forward=1")
    b = ["ip addr add 10.0.2.2/24 dev eth0"]
    if back_route:
        b.append("ip route add default via 10.0.2.1")
    return Lab.from_dict({"name": "routed", "nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0",
                                                         "ip route add default via 10.0.1.1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"}, "startup": r},
        "b": {"interfaces": {"eth0": "s2"}, "startup": b}}})


@pytest.fixture
def lab() -> Lab:
    return routed_lab()
