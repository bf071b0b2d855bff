"""ufw writes the chains real ufw writes.

tests/real/ufw_enable_iptables_S.txt is ``iptables -S`` after ``ufw allow 22/tcp``, ``80/tcp``,
``443/tcp``, ``3478/udp`` and ``ufw --force enable``, recorded with ufw 0.36.2 (Debian 12,
iptables 1.8.9 nf_tables) in a fresh network namespace.
"""
from __future__ import annotations

from pathlib import Path

from simnet import Lab

REAL = Path(__file__).resolve().parent / "real" / "ufw_enable_iptables_S.txt"


def _enabled() -> Lab:
    lab = Lab.load("headscale")
    for cmd in ("ufw allow 22/tcp", "ufw allow 80/tcp", "ufw allow 443/tcp", "ufw allow 3478/udp",
                "ufw --force enable"):
        assert lab.run("vps", cmd).returncode == 0
    return lab


def test_iptables_S_after_ufw_enable_is_what_real_ufw_writes() -> None:
    assert _enabled().run("vps", "iptables -S").stdout == REAL.read_text(encoding="utf-8")


def test_six_ufw_jumps_in_input_forward_and_output() -> None:
    out = _enabled().run("vps", "iptables -S INPUT").stdout.splitlines()
    assert out[0] == "-P INPUT DROP"
    assert [line.split()[-1] for line in out[1:]] == [
        "ufw-before-logging-input", "ufw-before-input", "ufw-after-input", "ufw-after-logging-input",
        "ufw-reject-input", "ufw-track-input"]


def test_allowed_port_open_and_other_port_filtered_after_enable() -> None:
    lab = _enabled()
    assert lab.run("maschinchen", "traceroute -n -T -p 443 -q 1 -f 3 -m 3 203.0.113.10").stdout.rstrip().endswith("ms")
    res = lab.run("maschinchen", "ping -c 1 -W 1 203.0.113.10")
    assert res.returncode == 0          # ufw-before-input accepts echo requests
    lab.run("vps", "ufw --force disable")
    # like ufw-init: the jumps stay, the chains behind them are empty, the policy is ACCEPT again
    assert lab.run("vps", "iptables -S INPUT").stdout.splitlines()[0] == "-P INPUT ACCEPT"
    assert lab.run("vps", "iptables -S ufw-before-input").stdout == "-N ufw-before-input\n"
    assert lab.run("vps", "iptables -S ufw-user-input").returncode != 0


def test_ufw_jumps_go_before_rules_that_were_there_and_user_chains_are_listed_by_name() -> None:
    lab = Lab.load("heimnetz")
    for cmd in ("iptables -N zzz", "iptables -N aaa", "iptables -A FORWARD -j zzz", "ufw --force enable"):
        assert lab.run("router", cmd).returncode == 0
    fwd = lab.run("router", "iptables -S FORWARD").stdout.splitlines()
    assert fwd[1] == "-A FORWARD -j ufw-before-logging-forward" and fwd[-1] == "-A FORWARD -j zzz"
    names = [line.split()[1] for line in lab.run("router", "iptables -S").stdout.splitlines() if line.startswith("-N")]
    assert names == sorted(names) and "aaa" in names
