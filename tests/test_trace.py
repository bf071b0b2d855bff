"""Traces are data: hops → steps → disposition, immutable, rendered on demand."""
import dataclasses

import pytest

from simnet import Disposition, Hop, PacketTrace, Step, Trace
from tests.conftest import routed_lab


def test_structure_of_a_forwarded_ping():
    r = routed_lab().run("a", "ping -c 1 -W 1 10.0.2.2")
    assert isinstance(r.trace, Trace) and len(r.trace) == 1
    p = r.trace.packets[0]
    assert isinstance(p, PacketTrace) and p.disposition is Disposition.DELIVERED
    assert [(h.node, h.leg) for h in p.hops] == [("a", "out"), ("r", "out"), ("b", "out"), ("b", "back"),
                                                 ("r", "back"), ("a", "back")]
    kinds = [s.kind for s in p.hops[1].steps]
    assert kinds[:3] == ["receive", "routing", "forwarding"]
    routing = p.hops[1].steps[1]
    assert str(routing.get("route")) == "10.0.2.0/24 dev eth1"


def test_trace_objects_are_immutable():
    p = routed_lab().run("a", "ping -c 1 -W 1 10.0.2.2").trace.packets[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.disposition = Disposition.NO_ROUTE
    assert isinstance(p.hops, tuple) and all(isinstance(h.steps, tuple) for h in p.hops)


def test_str_rendering():
    step = Step("routing", "route", (("dst", "10.0.2.2"),))
    assert str(step) == "ROUTE(routing: dst=10.0.2.2)"
    hop = Hop("r", (step,))
    assert str(hop) == "r: ROUTE(routing: dst=10.0.2.2)"
    p = PacketTrace("icmp a → b", (hop,), Disposition.NO_ROUTE, "r")
    assert str(p).splitlines() == ["icmp a → b → NO_ROUTE @ r", "  1. r: ROUTE(routing: dst=10.0.2.2)"]


def test_no_packet_and_success_flags():
    assert Trace().disposition is Disposition.NO_PACKET
    r = routed_lab().run("a", "ip route")
    assert r.trace.disposition is Disposition.NO_PACKET and not r.trace.ok
    assert Disposition.DELIVERED.is_success and not Disposition.FILTERED.is_success
