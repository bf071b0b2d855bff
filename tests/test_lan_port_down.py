"""A switch port that is down: the unanswered ARP request is explained by the port, not as
"still waiting" in general; a port down elsewhere does not change a working path's explanation."""
from __future__ import annotations

import pytest

from simnet import Lab


@pytest.mark.parametrize("dead", ["eth2", "eth4"])
def test_unanswered_arp_names_the_dead_switch_port(dead):
    lab = Lab.load("buero")
    lab.run("switch", f"ip link set {dead} down")
    target = "192.168.1.12" if dead == "eth2" else "192.168.1.1"
    r = lab.run("pc1", f"ping -c 1 -W 1 {target}")
    assert r.returncode == 1
    text = r.trace.explain()
    assert "ARP-Anfrage" in text and f"Port {dead} leitet nicht weiter" in text and "„switch“" in text


def test_two_dead_ports_are_both_named():
    lab = Lab.load("buero")
    lab.run("switch", "ip link set eth2 down; ip link set eth3 down")
    text = lab.run("pc1", "ping -c 1 -W 1 192.168.1.12").trace.explain()
    assert "Ports eth2 und eth3 leiten nicht weiter" in text


def test_a_dead_port_elsewhere_leaves_a_working_ping_alone():
    lab = Lab.load("buero")
    lab.run("switch", "ip link set eth3 down")
    r = lab.run("pc1", "ping -c 1 -W 1 192.168.1.12")
    assert r.returncode == 0 and "leitet nicht weiter" not in r.trace.explain()


def test_the_way_leaves_out_the_arp_question_through_the_switch():
    lab = Lab.load("buero")
    text = lab.run("pc1", "ping -c 1 -W 1 192.168.1.12").trace.explain()
    assert "Weg: pc1 → switch → pc2 → switch → pc1." in text
