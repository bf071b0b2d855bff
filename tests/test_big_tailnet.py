"""A big tailnet on one segment (issue 20): the batched and indexed paths that make the first
command with a running clock cheap in a lab of a thousand nodes show the learner exactly what the
plain per-peer, per-receiver paths show. Each test runs the same mid-size lab twice, once with the
plain paths put back, and compares outputs, traces, counters, neighbour and route tables."""
from __future__ import annotations

import gc
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from bench.run import tailnet_dict as bench_tailnet
from simnet import Lab
from simnet.core.events import GC_YOUNG
from simnet.kernel.routing import Route, RoutingTables
from simnet.links import segment
from simnet.links.segment import Plan, Segment
from simnet.tailnet.client import Tailscaled, _QUAD100_KEY, _net_key

N = 50


def tailnet_dict(n: int) -> dict[str, Any]:
    """bench/run.py's generated tailnet: one segment, headscale on vps, ``n`` clients."""
    return bench_tailnet(n, "tailnet-big")


def joined(n: int) -> Lab:
    lab = Lab.from_dict(tailnet_dict(n))
    lab.run("vps", "headscale users create lehrling")
    key = lab.run("vps", "headscale preauthkeys create -u 1 --reusable").stdout.strip()
    for i in range(n):
        assert lab.run(f"n{i}", f"tailscale up --login-server=https://vpn.example.net --authkey {key}").ok
    return lab


def observe(lab: Lab, first: tuple[str, str], capture: str | None = None) -> list[Any]:
    """Everything a learner could look at after the first command that runs the clock."""
    seen: list[Any] = []
    job = lab.start(capture, "tcpdump -n -e -i eth0") if capture else None
    res = lab.run(*first)
    seen += [res.returncode, res.stdout, res.stderr, res.trace, res.trace.explain(), lab.now]
    if job is not None:
        seen.append(job.result().stdout)       # Ctrl-C: what tcpdump saw during the first command
    for cmd in ("tailscale ping -c 1 n7", "ping -c 2 -W 1 10.1.0.9", "tailscale status"):
        r = lab.run("n3", cmd)
        seen += [r.returncode, r.stdout, r.trace, lab.now]
    for name in ("vps", "n0", "n3", "n7", f"n{len(lab.nodes) - 2}"):
        for cmd in ("ip -s link show eth0", "ip neigh", "ip route show table 52", "ip rule",
                    "ip -6 addr show dev eth0", "ip addr show tailscale0"):
            seen.append(lab.run(name, cmd).stdout)
    # the learner edits table 52 and the ts-* chains, the admin deletes and renames nodes: the next
    # netmap puts tailscaled's routes and rules back and drops the deleted peer
    for name, cmd in [("n3", "ip route del 100.64.0.8 table 52"), ("n3", "iptables -F ts-input"),
                      ("n3", "ip route add 100.64.0.9 dev tailscale0 table 52 metric 7"),
                      ("vps", "headscale nodes delete -i 10 --force"), ("vps", "headscale nodes rename -i 4 neu"),
                      ("n3", "ping -c 1 -W 1 10.1.0.5"), ("n0", "sleep 1")]:
        r = lab.run(name, cmd)
        seen += [r.returncode, r.stdout, r.stderr, r.trace]
    for name in ("n0", "n3"):
        for cmd in ("ip route show table 52", "iptables -S", "ip6tables -S", "tailscale status"):
            seen.append(lab.run(name, cmd).stdout)
    return seen


def plain_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put back route-by-route installation and the per-peer AllowedIPs walk."""
    monkeypatch.setattr(RoutingTables, "add_many", lambda self, table, routes, singles=None, addrs=None: [
        self.add(r) for r in routes] and None)
    monkeypatch.setattr(Tailscaled, "_want_sorted", lambda self: (sorted({
        _net_key(net) for p in self.peers() for net in self.allowed_ips(p)} | {_QUAD100_KEY}), None))
    for memo in ("_routes_memo", "_fw_memo"):          # read table 52 and reinstall the chains every time
        monkeypatch.setattr(Tailscaled, memo, property(lambda self: None, lambda self, value: None), raising=False)


def plain_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put back the scans of every port: each broadcast handed to each receiver's stack, unicast
    delivery, DAD's holder test and MLD's observer test asking every port."""
    monkeypatch.setattr(segment, "_deliver_all", lambda frame, ports, sender: [
        n.stack.receive_frame(frame, i) for n, i in ports if i is not sender] and None)
    monkeypatch.setattr(Segment, "plan", property(lambda self: Plan(self.ports)))
    monkeypatch.setattr(Segment, "holds_ip6", lambda self, iface, ip: any(
        b.interface._ip == ip for _, other in self.neighbours(iface) for b in other.addresses6))
    monkeypatch.setattr(Segment, "observed", lambda self, iface: any(
        n.captures or i.master is not None or i.bridge is not None for n, i in self.ports if i is not iface))


def plain_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    plain_routes(monkeypatch)
    plain_segments(monkeypatch)


FIRST = [("n0", "tailscale ping 100.64.0.5"), ("n1", "ping -c 1 -W 1 10.1.0.40"), ("n2", "sleep 1")]


@pytest.mark.parametrize("first", FIRST, ids=["tailscale-ping", "ping", "sleep"])
def test_first_clock_command_same_as_plain_paths(first: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = observe(joined(N), first)
    with monkeypatch.context() as m:
        plain_paths(m)
        plain = observe(joined(N), first)
    assert fast == plain
    assert "100.64.0.5 dev tailscale0" in "".join(str(x) for x in fast)


def test_first_clock_command_with_capture_same_as_plain_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = observe(joined(N), FIRST[0], capture="n4")
    with monkeypatch.context() as m:
        plain_paths(m)
        plain = observe(joined(N), FIRST[0], capture="n4")
    assert fast == plain


def test_table52_holds_every_peer_in_dump_order() -> None:
    lab = joined(12)
    lab.run("n0", "sleep 1")
    out = lab.run("n5", "ip route show table 52").stdout.splitlines()
    hs = lab.nodes["vps"].services["headscale"]
    me = lab.nodes["n5"].services["tailscaled"].me
    want = sorted([(int(n.ipv4), f"{n.ipv4} dev tailscale0 ") for n in hs.nodes.values() if n.id != me.id]
                  + [(0x64646464, "100.100.100.100 dev tailscale0 ")])
    assert out == [line for _, line in want] and len(out) == 12


route_specs = st.lists(st.tuples(st.integers(0, 5), st.sampled_from([16, 24, 32]), st.integers(0, 2),
                                 st.sampled_from(["eth0", "tailscale0"])), max_size=25)


@given(route_specs, route_specs, st.data())
@settings(max_examples=60, deadline=None)
def test_add_many_is_add_in_turn(first: list, batch: list, data: st.DataObject) -> None:
    """A batch lands as route-by-route ``add`` would put it (dump order, bucket order by metric,
    lookups), also on top of routes already there and after removals."""
    def route(spec: tuple) -> Route:
        a, plen, metric, dev = spec
        return Route(IPv4Network(((10 << 24) | (a << 16), plen)), dev=dev, table=52, metric=metric)
    one, many = RoutingTables(), RoutingTables()
    for r in map(route, first):
        one.add(r)
        many.add(r)
    routes = [route(s) for s in batch]
    for r in routes:
        one.add(r)
    singles = [(r,) for r in routes] if data.draw(st.booleans()) else None
    nets = [r.dst for r in routes]           # the caller's promise: one prefix length, all different
    same = singles is not None and len({n.prefixlen for n in nets}) == 1 and len(set(nets)) == len(nets)
    many.add_many(52, routes, singles, [int(n.network_address) for n in nets] if same else None)
    gone = data.draw(st.lists(st.sampled_from(first + batch), max_size=8)) if first + batch else []
    for spec in gone:
        r = route(spec)
        if r in one.table(52).routes:
            one.remove(r)
            many.remove(r)
    probes = [IPv4Address((10 << 24) | (a << 16) | 7) for a in range(7)]

    def seen(rt: RoutingTables) -> list:
        tab = rt.table(52)
        return [rt.routes(52), tab.routes, [list(tab.candidates(p)) for p in probes],
                [tab.prefix(r.dst) for r in tab.routes]]
    assert seen(one) == seen(many)


def test_clock_raises_young_gc_threshold_while_running_and_restores_it() -> None:
    """While the clock runs the collector's young generation is GC_YOUNG objects (fewer walks of a
    big lab); afterwards the thresholds are what they were, a higher one set by the user included."""
    lab = Lab.from_dict(tailnet_dict(1))
    before = gc.get_threshold()
    try:
        for start in (before, (GC_YOUNG * 3, 5, 5)):
            gc.set_threshold(*start)
            seen: list[tuple[int, ...]] = []
            lab.sim.schedule(0.5, lambda: seen.append(gc.get_threshold()))
            assert lab.run("n0", "sleep 1").ok
            assert seen == [(max(start[0], GC_YOUNG), *start[1:])]
            assert gc.get_threshold() == start
    finally:
        gc.set_threshold(*before)
