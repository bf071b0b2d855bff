"""The packet inspector shows each captured frame layer by layer, with tcpdump's own fields."""
from __future__ import annotations

from simnet import Lab
from simnet.views.inspector import Mitschnitt, inspect_frame, inspect_html, schichten


def _ping_capture(lab: Lab, node: str, dev: str, src: str, dst: str) -> Mitschnitt:
    with Mitschnitt(lab, node, dev, "icmp") as m:
        assert lab.run(src, f"ping -c 1 {dst}").returncode == 0
    return m


def test_a_ping_is_ethernet_ipv4_icmp_and_the_ttl_drops_per_router() -> None:
    lab = Lab.load("heimnetz")
    lan = _ping_capture(lab, "router", "lan", "proxmox", "203.0.113.10")
    wan = _ping_capture(lab, "router", "wan", "proxmox", "203.0.113.10")
    layers = schichten(lan.frames[0])
    assert [(x.name, x.osi) for x in layers] == [("Ethernet II", 2), ("IPv4", 3), ("ICMP", 3)]
    ttl = dict(layers[1].fields)["TTL"]
    assert ttl.startswith("64 ")
    wan_ip = dict(schichten(wan.frames[0])[1].fields)
    assert wan_ip["TTL"].startswith("63 ") and wan_ip["Absender"] == "198.51.100.57"     # routed and masqueraded


def test_the_first_line_is_what_simnet_tcpdump_v_e_prints() -> None:
    lab = Lab.load("heimnetz")
    job = lab.start("proxmox", "tcpdump -v -e -n -t -i eth0 icmp")
    m = _ping_capture(lab, "proxmox", "eth0", "debian", "192.168.0.101")
    printed = job.result().stdout.replace("\n    ", " ").splitlines()
    shown = [inspect_frame(f).splitlines()[1].removeprefix("tcpdump -v -e: ") for f in m.frames]
    assert shown == printed[:len(shown)] and len(shown) == 2


def test_arp_is_layer_two_only() -> None:
    lab = Lab.load("heimnetz")
    with Mitschnitt(lab, "proxmox", "eth0", "arp") as m:
        lab.run("debian", "ping -c 1 192.168.0.101")
    layers = schichten(m.frames[0])
    assert [x.name for x in layers] == ["Ethernet II", "ARP"]
    assert dict(layers[0].fields)["Ziel-MAC"] == "ff:ff:ff:ff:ff:ff"


def test_http_is_readable_and_https_is_not() -> None:
    lab = Lab.load("headscale")
    for url, readable in (("http://vpn.example.net/", True), ("https://vpn.example.net/", False)):
        with Mitschnitt(lab, "vps", "eth0", "tcp") as m:
            lab.run("maschinchen", f"curl -sI {url}")
        data = [schichten(f)[-1] for f in m.frames if schichten(f)[-1].osi == 7]
        assert data, url
        request = data[0]
        assert ("HEAD / HTTP/1.1" in str(request.fields)) is readable
        assert ("verschlüsselt" in str(request.fields)) is not readable
    assert "<details" in inspect_html(m.frames[0])


def test_nothing_recorded_after_the_block() -> None:
    lab = Lab.load("heimnetz")
    m = _ping_capture(lab, "proxmox", "eth0", "debian", "192.168.0.101")
    n = len(m)
    lab.run("debian", "ping -c 1 192.168.0.101")
    assert len(m) == n and str(m[0]).startswith("Mitgeschnitten auf eth0")


def test_the_inspector_output_on_the_layers_page_is_what_it_prints() -> None:
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "lessons" / "00-schichtenmodelle" / "osi-und-tcp-ip.md")
    shown = page.read_text(encoding="utf-8").split("```text\nMitgeschnitten auf wan", 1)[1].split("```", 1)[0]
    lab = Lab.load("heimnetz")
    with Mitschnitt(lab, "router", "wan", "icmp") as aussen:
        lab.run("proxmox", "ping -c 1 203.0.113.10")
    clock = re.compile(r"\d+\.\d+ s$", re.M)
    assert clock.sub("T s", "Mitgeschnitten auf wan" + shown).rstrip() == clock.sub("T s", aussen.text(0))


def _app_block(text: str) -> str:
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if " – OSI 7 " in line)
    return "\n".join(lines[start:])


def test_the_blocks_on_the_ssh_tls_page_are_what_the_inspector_prints() -> None:
    from pathlib import Path

    lab = Lab.load("headscale")
    printed = []
    for node_cmd, flt in ((("maschinchen", "curl -sI http://vpn.example.net/login"), "tcp"),
                          (("maschinchen", "curl -sI https://vpn.example.net/login"), "tcp"),
                          (("maschinchen", "ssh root@203.0.113.10 hostname"), "tcp port 22")):
        with Mitschnitt(lab, "vps", "eth0", flt) as m:
            lab.run(*node_cmd)
        printed += [_app_block(m.text(k)) for k in range(len(m)) if " – OSI 7 " in m.text(k)]
    page = (Path(__file__).resolve().parent.parent / "lessons" / "10-weg-zum-server" / "ssh-telnet-und-tls.md")
    blocks = [b.split("```", 1)[0].strip() for b in page.read_text(encoding="utf-8").split("```text\n")[1:]]
    shown = [b for b in blocks if b.startswith("▾ ")]
    assert len(shown) == 3
    for block in shown:
        assert block in printed
