"""The life of an ICMPv6 redirect exception (rt6_insert_exception, rt6_age_exceptions,
rt6_clean_tohost): it goes with its route, with its gateway's router flag, and at the route
garbage collector's run (every 30 s) once unused for 30 s. The kernel recordings
tests/kernel/cases/v6nat_rdx_*.yaml hold the first two; the ageing needs a gateway that stays
a router, which the recorded labs do not have."""
from __future__ import annotations

from simnet import Lab
from simnet.kernel.ipv6.addr import eui64_linklocal
from simnet.links.mac import mac_for

R_LL = str(eui64_linklocal(mac_for("r", "eth0")))
B_LL = str(eui64_linklocal(mac_for("b", "eth0")))
CACHED = f"2001:db8:9::1 via {B_LL} dev eth0 metric 1024 pref medium\n"


def _lab(b_router: bool) -> Lab:
    b = ["ip addr add 2001:db8::3/64 dev eth0", "ip addr add 2001:db8:9::1/64 dev lo"]
    if b_router:
        b.append("sysctl -w net.ipv6.conf.all.forwarding=1")
    lab = Lab.from_dict({"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::2/64 dev eth0", f"ip -6 route add default via {R_LL} dev eth0"]},
        "r": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::1/64 dev eth0", "sysctl -w net.ipv6.conf.all.forwarding=1",
            f"ip -6 route add 2001:db8:9::/64 via {B_LL} dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": b}}})
    lab.run("a", "sleep 2.5")
    assert lab.run("a", "ping -c 1 -W 1 2001:db8:9::1").returncode == 0
    assert lab.run("a", "ip -6 route show cache").stdout == CACHED
    return lab


def test_a_gateway_that_answers_as_a_host_loses_its_exceptions() -> None:
    lab = _lab(b_router=False)
    lab.run("a", "sleep 8")                  # DELAY, the probe, b's advertisement without the R flag
    assert "router" not in lab.run("a", f"ip -6 neigh show {B_LL} dev eth0").stdout
    assert lab.run("a", "ip -6 route show cache").stdout == ""
    assert f"via {R_LL}" in lab.run("a", "ip -6 route get 2001:db8:9::1").stdout


def test_an_unused_exception_goes_at_the_gc_run_after_30_idle_seconds() -> None:
    lab = _lab(b_router=True)
    lab.run("a", "sleep 25")
    assert lab.run("a", "ip -6 route show cache").stdout == CACHED
    assert lab.run("a", "ping -c 1 -W 1 2001:db8:9::1").returncode == 0     # used at 25 s: the run at 30 s spares it
    lab.run("a", "sleep 20")
    assert lab.run("a", "ip -6 route show cache").stdout == CACHED
    lab.run("a", "sleep 20")                 # the run at 60 s: unused for 35 s
    assert lab.run("a", "ip -6 route show cache").stdout == ""


def test_the_exception_goes_with_its_route() -> None:
    lab = _lab(b_router=True)
    lab.run("a", f"ip -6 route change default via {R_LL} dev eth0 metric 1024")
    assert lab.run("a", "ip -6 route show cache").stdout == ""
