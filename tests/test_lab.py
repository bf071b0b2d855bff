"""The Lab contract, lab files and their German error messages."""
from pathlib import Path

import pytest

from simnet import Disposition, Lab, LabError

DEMO = {"name": "demo", "nodes": {
    "laptop": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
    "router": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}}


def test_contract_example():
    lab = Lab.from_dict(DEMO)
    r = lab.run("laptop", "ping -c 1 -W 1 192.168.0.1")
    assert r.returncode == 0
    assert "64 bytes from 192.168.0.1: icmp_seq=1 ttl=64" in r.stdout
    assert r.stderr == ""
    assert r.trace.disposition is Disposition.DELIVERED


def test_from_yaml_same_structure(tmp_path: Path):
    import yaml

    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(DEMO), encoding="utf-8")
    lab = Lab.from_yaml(path)
    assert lab.run("router", "ip -br addr show dev eth0").stdout.split()[2] == "192.168.0.1/24"


def test_runs_are_deterministic():
    outs = [Lab.from_dict(DEMO).run("laptop", "ping -c 3 -i 0.2 192.168.0.1").stdout for _ in range(2)]
    assert outs[0] == outs[1]


def test_interfaces_up_with_stable_macs():
    a, b = Lab.from_dict(DEMO), Lab.from_dict(DEMO)
    out = a.run("laptop", "ip link show eth0").stdout
    assert "state UP" in out and out == b.run("laptop", "ip link show eth0").stdout
    assert "inet 127.0.0.1/8 scope host lo" in a.run("laptop", "ip addr show lo").stdout


@pytest.mark.parametrize("data, fragment", [
    ({"name": "x"}, "mindestens einen Knoten"),
    ({"nodes": {"a": {"interfaces": {"eth0": "lan"}}}, "foo": 1}, "foo: unbekannter Schlüssel"),
    ({"nodes": {"a": {"interfaces": ["eth0"]}}}, "nodes.a.interfaces"),
    ({"nodes": {"a": {"interfaces": {"lo": "lan"}}}}, "Ungültiger Interface-Name"),
    ({"nodes": {"a": {"interfaces": {"eth0": "x"}}}, "segments": {"lan": {}}}, "unbekanntes Segment „x“"),
    ({"nodes": {"a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 10.0.0.300/24 dev eth0"]}}},
     "nodes.a.startup[0]: Der Befehl „ip addr add 10.0.0.300/24 dev eth0“ ist fehlgeschlagen: "
     "Error: any valid prefix is expected rather than \"10.0.0.300/24\"."),
    ({"nodes": {"a": {"interfaces": {"eth0": "lan"}}}, "segments": {"lan": {"delay_ms": -1}}}, "Zahl von 0 bis 60000"),
    ({"nodes": {"a b": {}}}, "Ungültiger Knotenname"),
    ([1, 2], "Zuordnung"),
])
def test_bad_lab_dicts_get_german_messages(data, fragment):
    with pytest.raises(LabError) as exc:
        Lab.from_dict(data)
    assert fragment in str(exc.value)
    assert str(exc.value).startswith("Fehler in <dict>")


def test_bad_yaml_names_file_and_line(tmp_path: Path):
    path = tmp_path / "kaputt.yaml"
    path.write_text("name: x\nnodes:\n  a: {interfaces: {eth0: lan}\n", encoding="utf-8")
    with pytest.raises(LabError) as exc:
        Lab.from_yaml(path)
    assert str(path) in str(exc.value) and "Zeile" in str(exc.value)
    with pytest.raises(LabError, match="gibt es nicht"):
        Lab.from_yaml(tmp_path / "fehlt.yaml")


def test_unknown_node_and_shipped_labs():
    lab = Lab.from_dict(DEMO)
    with pytest.raises(LabError, match="keinen Knoten „nope“"):
        lab.run("nope", "ip route")
    with pytest.raises(LabError, match="Vorhanden: .*heimnetz"):
        Lab.load("gibtsnicht")


def test_heimnetz_shape():
    lab = Lab.load("heimnetz")
    assert {"vps", "router", "tailscale", "proxmox", "debian", "cafe", "maschinchen"} <= set(lab.nodes)
    assert lab.run("maschinchen", "ping -c 1 -W 1 203.0.113.10").returncode == 0
    blocked = lab.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    assert blocked.returncode == 1 and not blocked.trace.ok
    r = lab.run("proxmox", "ping -c 1 -W 1 203.0.113.10")
    assert r.returncode == 0
    assert "MASQUERADE auf „router“: Absender 192.168.0.101 → 198.51.100.57" in r.trace.explain()


def test_simulated_time_ages_arp_entries():
    lab = Lab.from_dict(DEMO)
    lab.run("laptop", "ping -c 1 192.168.0.1")
    assert "REACHABLE" in lab.run("laptop", "ip neigh").stdout
    lab.run("laptop", "sleep 60")
    assert "STALE" in lab.run("laptop", "ip neigh").stdout
    assert lab.now >= 60


def test_background_job_redirect_lands_in_file_when_it_ends():
    lab = Lab.from_dict({"name": "bg", "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 10.0.0.1/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 10.0.0.2/24 dev eth0"]}}})
    assert lab.run("a", "tcpdump -n -i eth0 -c 2 icmp > /tmp/cap.txt &").stdout == ""
    assert lab.run("a", "cat /tmp/cap.txt").stdout == ""          # opened (empty) at once
    lab.run("a", "ping -c 1 10.0.0.2")
    # tcpdump -c leaves when its ring's block retires (1 s after it started); the links' own
    # IPv6 traffic of their first second (MLD reports, DAD) keeps simulated time from skipping there
    lab.run("a", "sleep 1")
    text = lab.run("a", "cat /tmp/cap.txt").stdout
    assert "IP 10.0.0.1 > 10.0.0.2: ICMP echo request" in text and text.count("\n") == 2
