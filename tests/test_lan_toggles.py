"""The Schaltpult's LAN switches: a switch that floods like a hub, the VLAN of an access port,
a port forwarding rule, a FORWARD rule between two legs of a firewall. Each one is a real
command, and the probe's verdict follows it."""
from __future__ import annotations

import pytest

from simnet import Lab, views
from simnet.views.toggles import ToggleError, make_toggle


def test_the_toggles_a_lan_lab_offers():
    assert views.toggles_for(Lab.load("buero")) == ["ip_forward@router", "hub@switch", "hub@hub"]
    assert "vlan@sw2:eth1" in views.toggles_for(Lab.load("vlan"))
    assert {"dnat@firewall:80", "dnat@firewall:2222"} <= set(views.toggles_for(Lab.load("dmz")))


def test_hub_toggle_makes_a_third_host_read_along():
    lab = Lab.load("buero")
    hub = make_toggle(lab, "hub@switch")
    lab.run("pc1", "ping -c 1 192.168.1.12")
    hub.set(lab, True)
    assert hub.commands == ["switch$ ip link set br0 type bridge ageing_time 0"] and hub.read(lab)
    listener = lab.start("pc3", "tcpdump -n -i eth0 icmp")
    lab.run("pc1", "ping -c 1 192.168.1.12")
    lab.advance(1)
    assert listener.result().stdout.count("ICMP echo") == 2
    hub.set(lab, False)
    assert not hub.read(lab)


def test_vlan_toggle_moves_an_access_port_and_the_panel_follows():
    lab = Lab.load("vlan")
    panel = views.panel(lab, ("pc1", "ping -c 1 -W 5 192.168.10.12"), ["vlan@sw2:eth1"], draw=False)
    assert panel.verdict.startswith("✓")
    assert panel.switches["vlan@sw2:eth1"].choices == ("10", "20")
    assert panel.toggle("vlan@sw2:eth1", "20").startswith("✗")
    assert "bridge vlan del dev eth1 vid 10" in panel.message
    explained = panel.explanation
    assert "VLAN 10 endet dort (eth1 gehört zu VLAN 20, eth2 gehört zu VLAN 20)" in explained
    assert panel.toggle("vlan@sw2:eth1", "10").startswith("✓")
    with pytest.raises(ToggleError, match="keinen Port"):
        make_toggle(lab, "vlan@sw2:eth9")


def test_dnat_and_accept_toggles_on_the_dmz_firewall():
    lab = Lab.load("dmz")
    lab.start("web", "nc -lk 80")
    dnat = make_toggle(lab, "dnat@firewall:80")
    dnat.set(lab, False)
    assert "Connection refused" in lab.run("extern", "nc -zv -w 2 198.51.100.57 80").stderr
    dnat.set(lab, True)
    assert lab.run("extern", "nc -zv -w 2 198.51.100.57 80").returncode == 0
    accept = make_toggle(lab, "accept@firewall:dmz>lan")
    assert not accept.read(lab) and not lab.run("web", "ping -c 1 -W 1 192.168.0.20").trace.ok
    accept.set(lab, True)
    assert lab.run("web", "ping -c 1 -W 1 192.168.0.20").trace.ok
    with pytest.raises(ToggleError, match="keine Portweiterleitung"):
        make_toggle(lab, "dnat@firewall:8080")
    with pytest.raises(ToggleError, match="keine Schnittstelle"):
        make_toggle(lab, "accept@firewall:dmz>nix")


def test_port_toggle_opens_rejects_and_drops():
    lab = Lab.load("buero")
    lab.start("pc2", "nc -lk 8080")
    port = make_toggle(lab, "port@pc2:tcp/8080")
    seen = {}
    for state in port.choices:
        port.set(lab, state)
        assert port.read(lab) == state
        seen[state] = lab.run("pc1", "nc -zv -w 2 192.168.1.12 8080").stderr
    assert "succeeded" in seen["offen"] and "refused" in seen["abgelehnt (REJECT)"]
    assert "timed out" in seen["verworfen (DROP)"]
    assert lab.run("pc2", "iptables -S INPUT").stdout == "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 8080 -j DROP\n"
    with pytest.raises(ToggleError, match="Form port@"):
        make_toggle(lab, "port@pc2:icmp/1")
