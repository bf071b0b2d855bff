import pytest

from simnet import Lab


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
