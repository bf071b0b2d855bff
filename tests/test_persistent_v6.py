"""netfilter-persistent with both of iptables-persistent's plugins: 25-ip6tables saves
ip6tables-save into /etc/iptables/rules.v6 and loads it at boot and on start/reload, as
15-ip4tables does with rules.v4 (Debian's plugins, iptables-persistent 1.0.20)."""
from __future__ import annotations

import pytest

from simnet import Lab

RUN_PARTS = "run-parts: executing /usr/share/netfilter-persistent/plugins.d/"


@pytest.fixture
def lab() -> Lab:
    lab = Lab.load("heimnetz")
    r = lab.run("router", "apt install -y iptables-persistent")
    assert r.returncode == 0
    return lab


def test_save_writes_both_files_readable_by_root_only(lab: Lab) -> None:
    lab.run("router", "ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT")
    r = lab.run("router", "netfilter-persistent save")
    assert (r.returncode, r.stdout) == (0, "")
    assert r.stderr == f"{RUN_PARTS}15-ip4tables save\n{RUN_PARTS}25-ip6tables save\n"
    v6 = lab.run("router", "cat /etc/iptables/rules.v6").stdout
    assert "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n" in v6
    assert lab.run("router", "ls -l /etc/iptables/rules.v6").stdout.startswith("-rw-r----- 1 root root ")


def test_reload_restores_rules_v6(lab: Lab) -> None:
    lab.run("router", "ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT")
    lab.run("router", "netfilter-persistent save")
    lab.run("router", "ip6tables -F INPUT")
    r = lab.run("router", "netfilter-persistent reload")
    assert r.stderr == f"{RUN_PARTS}15-ip4tables start\n{RUN_PARTS}25-ip6tables start\n"
    assert "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT" in lab.run("router", "ip6tables -S INPUT").stdout


def test_a_hand_edited_rules_v6_comes_back_at_boot_and_is_kept(lab: Lab) -> None:
    lab.run("router", "netfilter-persistent save")
    lab.run("router", "sed -i 's/^COMMIT$/-A INPUT -p udp --dport 547 -j DROP\\nCOMMIT/' /etc/iptables/rules.v6")
    edited = lab.run("router", "cat /etc/iptables/rules.v6").stdout
    assert "-A INPUT -p udp --dport 547 -j DROP\n" in edited
    lab.run("router", "reboot")
    assert "-A INPUT -p udp -m udp --dport 547 -j DROP" in lab.run("router", "ip6tables -S INPUT").stdout
    assert lab.run("router", "cat /etc/iptables/rules.v6").stdout == edited
    lab.run("router", "netfilter-persistent start")
    assert lab.run("router", "cat /etc/iptables/rules.v6").stdout == edited


def test_without_rules_v6_the_plugin_warns_and_its_test_load_fails(lab: Lab) -> None:
    lab.run("router", "rm /etc/iptables/rules.v6 /etc/iptables/rules.v4")
    r = lab.run("router", "netfilter-persistent start")
    assert r.returncode == 0
    assert r.stdout == ("Warning: skipping IPv4 (no rules to load)\nWarning: skipping IPv6 (no rules to load)\n"
                        "Error: IPv6 rules failed test load. New rules NOT loaded\n")
    assert r.stderr.endswith("25-ip6tables: 39: cannot open /etc/iptables/rules.v6: No such file\n")


def test_flush_opens_both_families_and_stop_does_not(lab: Lab) -> None:
    r = lab.run("router", "netfilter-persistent stop")
    assert (r.returncode, r.stdout) == (0, "Automatic flush disabled; use '/usr/sbin/netfilter-persistent flush'\n")
    assert "-P FORWARD DROP" in lab.run("router", "ip6tables -S").stdout
    lab.run("router", "netfilter-persistent flush")
    assert lab.run("router", "ip6tables -S").stdout == "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
    assert lab.run("router", "iptables -t nat -S POSTROUTING").stdout == "-P POSTROUTING ACCEPT\n"


def test_apt_saves_once_and_a_reinstall_keeps_the_learners_files(lab: Lab) -> None:
    assert lab.run("router", "ls -l /etc/iptables/rules.v6").stdout.startswith("-rw-r--r-- 1 root root ")
    lab.run("router", "echo '# mine' >> /etc/iptables/rules.v6")
    edited = lab.run("router", "cat /etc/iptables/rules.v6").stdout
    assert lab.run("router", "apt remove -y iptables-persistent").returncode == 0
    assert lab.run("router", "apt install -y iptables-persistent").returncode == 0
    assert lab.run("router", "cat /etc/iptables/rules.v6").stdout == edited
    lab.run("router", "apt purge -y iptables-persistent")
    lab.run("router", "apt install -y iptables-persistent")          # debconf forgot: it asks (and saves) again
    assert lab.run("router", "cat /etc/iptables/rules.v6").stdout != edited
