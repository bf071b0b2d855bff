"""DERP runs on the kernel's TCP like every other daemon's connection: the handshake with the kernel's
ISNs and options, each frame a data segment the other side acknowledges, FIN when tailscaled closes
it, conntrack ESTABLISHED then TIME_WAIT on the NAT router, ``ss -tn`` lists it (tailscaled's socket
on the client, behind nginx on the VPS)."""
from __future__ import annotations

import re

import pytest

from simnet import Lab

VPS = "203.0.113.10"


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab.load("headscale", state="ready")


def derp_rows(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if f"{VPS}:443" in ln]


def test_the_client_has_one_established_derp_socket_of_tailscaled(lab: Lab) -> None:
    rows = derp_rows(lab.run("maschinchen", "ss -tnp").stdout)
    assert len(rows) == 1
    assert rows[0].startswith("ESTAB 0      0 ") and 'users:(("tailscaled",pid=' in rows[0]
    port = re.search(r"10\.0\.5\.2:(\d+) ", rows[0]).group(1)           # type: ignore[union-attr]
    # the VPS sees it behind the café's NAT, on nginx's port 443
    assert f"198.51.100.140:{port}" in lab.run("vps", "ss -tn").stdout
    conntrack = lab.run("cafe", "conntrack -L -p tcp --dport 443").stdout
    assert re.search(rf"^tcp      6 \d+ ESTABLISHED src=10\.0\.5\.2 dst={VPS} sport={port} dport=443 .*\[ASSURED\]",
                     conntrack, re.M)


def test_a_reconnect_shows_fin_and_a_real_handshake(lab: Lab) -> None:
    job = lab.start("vps", "tcpdump -n -i eth0 tcp port 443 and host 198.51.100.140")
    old = derp_rows(lab.run("maschinchen", "ss -tn").stdout)[0].split()[3]
    assert lab.run("maschinchen", "systemctl restart tailscaled").returncode == 0
    lab.run("maschinchen", "sleep 2")
    lines = [ln for ln in job.result(0.1).stdout.splitlines() if ln]
    flags = [re.search(r"Flags \[([^\]]+)\]", ln).group(1) for ln in lines]     # type: ignore[union-attr]
    # the old connection ends with FINs (each side's, each acknowledged), the new one starts with S, S., .
    assert flags[:2] == ["F.", "F."] and "S" in flags and flags[flags.index("S"):flags.index("S") + 2] == ["S", "S."]
    syn = lines[flags.index("S")]
    seq = int(re.search(r"seq (\d+)", syn).group(1))                         # type: ignore[union-attr]
    assert seq > 0 and "options [mss 1460,sackOK,TS val " in syn and "wscale 10]" in syn
    # the hello frame is a data segment, acknowledged by the VPS's kernel
    data = next(k for k, f in enumerate(flags) if f == "P.")
    length = int(lines[data].rsplit("length ", 1)[1])
    assert re.search(rf"Flags \[\.\], ack {1 + length}, ", "\n".join(lines[data + 1:]))
    rows = lab.run("maschinchen", "ss -tan").stdout
    assert f"TIME-WAIT 0      0           {old} {VPS}:443" in rows        # we closed first
    assert len([r for r in derp_rows(rows) if r.startswith("ESTAB")]) == 1


def test_stopping_tailscaled_closes_the_connection(lab: Lab) -> None:
    assert lab.run("maschinchen", "systemctl stop tailscaled").returncode == 0
    lab.run("maschinchen", "sleep 1")
    rows = derp_rows(lab.run("maschinchen", "ss -tan").stdout)
    assert rows and all(r.startswith("TIME-WAIT") for r in rows)
    conntrack = lab.run("cafe", "conntrack -L -p tcp --dport 443").stdout
    assert "ESTABLISHED" not in conntrack and "TIME_WAIT" in conntrack
    assert "198.51.100.140" not in lab.run("vps", "ss -tn").stdout
    lab.run("maschinchen", "systemctl start tailscaled")
    lab.run("maschinchen", "sleep 1")
    assert len(derp_rows(lab.run("maschinchen", "ss -tn").stdout)) == 1


def test_a_stopped_nginx_resets_derp_and_the_relay_is_unreachable() -> None:
    lab = Lab.load("headscale", state="ready")
    lab.set_nat("cafe", "symmetric")
    lab.set_nat("router", "symmetric")          # no direct path: only DERP
    assert lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").returncode == 0
    lab.run("vps", "systemctl stop nginx")
    job = lab.start("vps", "tcpdump -n -i eth0 tcp port 443 and host 198.51.100.140")
    lab.set_nat("cafe", "symmetric")            # the café router restarts: DERP must reconnect
    res = lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101")
    assert res.returncode == 1 and res.trace.main.reason_get("reason") == "derp-unreachable"
    out = job.result(0.1).stdout
    assert "Flags [S]" in out and "Flags [R.], seq 0, ack " in out            # nobody listens on 443
