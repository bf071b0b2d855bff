"""Persistence and reboot, typed as the seed's reader types it: what `sysctl -w`, `ip addr add`
and `iptables -A` do is gone after `reboot`; /etc/sysctl.conf, iptables-persistent's rules.v4,
`systemctl enable` and tailscaled's state come back."""
from __future__ import annotations

import pytest

from simnet import Lab

PING = "ping -c 1 -W 3 192.168.0.101"


@pytest.fixture
def ready() -> Lab:
    return Lab.load("headscale", state="ready")


def test_runtime_state_is_lost_and_the_boot_config_comes_back(ready):
    run = ready.run
    run("tailscale", "sysctl -w net.ipv4.conf.all.rp_filter=2")
    run("tailscale", "ip addr add 192.168.0.99/24 dev eth0")
    run("tailscale", "ip route add 10.9.0.0/16 via 192.168.0.1")
    run("tailscale", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT")
    run("tailscale", "ping -c 1 -W 1 192.168.0.101")
    assert run("tailscale", "ip neigh show 192.168.0.101").stdout != ""
    r = run("tailscale", "sudo reboot")
    assert r.returncode == 0 and r.stdout == ""
    assert "neu gestartet" in r.stderr
    addrs = run("tailscale", "ip -br addr show eth0").stdout
    assert "192.168.0.150/24" in addrs and "192.168.0.99" not in addrs
    routes = run("tailscale", "ip route").stdout
    assert "default via 192.168.0.1 dev eth0" in routes and "10.9.0.0/16" not in routes
    assert run("tailscale", "sysctl net.ipv4.conf.all.rp_filter").stdout == "net.ipv4.conf.all.rp_filter = 0\n"
    assert "--dport 22" not in run("tailscale", "iptables -S INPUT").stdout
    assert run("tailscale", "ip neigh show 192.168.0.101").stdout == ""
    assert "icmp" not in run("tailscale", "conntrack -L").stdout       # the ping before the reboot
    # the ready state wrote forwarding into /etc/sysctl.conf, the seed's "Permanent aktivieren"
    assert run("tailscale", "sysctl net.ipv4.ip_forward").stdout == "net.ipv4.ip_forward = 1\n"


def test_sysctl_w_alone_does_not_survive_a_reboot(ready):
    run = ready.run
    run("tailscale", "sed -i '/forward/d' /etc/sysctl.conf")
    run("tailscale", "sysctl -w net.ipv4.ip_forward=1")
    assert run("maschinchen", PING).returncode == 0
    run("tailscale", "systemctl reboot")
    assert run("tailscale", "sysctl net.ipv4.ip_forward").stdout == "net.ipv4.ip_forward = 0\n"
    r = run("maschinchen", PING)
    assert r.returncode == 1 and "1 received" not in r.stdout
    # permanent this time: the drop-in file is read at boot
    run("tailscale", "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/99-tailscale.conf")
    run("tailscale", "reboot")
    assert run("tailscale", "sysctl net.ipv4.ip_forward").stdout == "net.ipv4.ip_forward = 1\n"
    assert run("maschinchen", PING).returncode == 0


def test_tailscaled_comes_back_with_its_state_and_the_subnet_routes(ready):
    run = ready.run
    run("tailscale", "reboot")
    status = run("tailscale", "tailscale status").stdout
    assert status.startswith("100.64.0.1  tailscale")
    assert "100.64.0.1/32" in run("tailscale", "ip -br addr show tailscale0").stdout
    assert "192.168.0.0/24 dev tailscale0" in run("maschinchen", "ip route show table 52").stdout
    assert run("maschinchen", PING).returncode == 0
    # tailscale down is a preference: it is still down after the reboot
    run("maschinchen", "tailscale down")
    run("maschinchen", "reboot")
    assert "Tailscale is stopped." in run("maschinchen", "tailscale status").stdout


def test_a_disabled_unit_stays_off_after_the_reboot(ready):
    run = ready.run
    assert run("tailscale", "systemctl is-enabled tailscaled").stdout == "enabled\n"
    r = run("tailscale", "systemctl disable tailscaled")
    assert r.stderr == 'Removed "/etc/systemd/system/multi-user.target.wants/tailscaled.service".\n'
    r = run("tailscale", "systemctl is-enabled tailscaled")
    assert (r.returncode, r.stdout) == (1, "disabled\n")
    run("tailscale", "reboot")
    assert run("tailscale", "systemctl is-active tailscaled").stdout == "inactive\n"
    r = run("tailscale", "systemctl enable --now tailscaled")
    assert r.stderr == ("Created symlink /etc/systemd/system/multi-user.target.wants/tailscaled.service "
                        "\u2192 /lib/systemd/system/tailscaled.service.\n")
    assert run("tailscale", "systemctl is-active tailscaled").stdout == "active\n"


def test_iptables_persistent_keeps_a_rule_over_the_reboot(ready):
    run = ready.run
    r = run("tailscale", "sudo netfilter-persistent save")                     # not installed yet
    assert (r.returncode, r.stderr) == (1, "sudo: netfilter-persistent: command not found\n")
    r = run("tailscale", "netfilter-persistent save")
    assert (r.returncode, r.stderr) == (127, "bash: netfilter-persistent: command not found\n")
    r = run("tailscale", "iptables-save > /etc/iptables/rules.v4")
    assert r.stderr == "bash: /etc/iptables/rules.v4: No such file or directory\n"
    r = run("tailscale", "sudo apt install iptables-persistent")
    assert r.returncode == 0
    assert "The following NEW packages will be installed:\n  iptables-persistent netfilter-persistent\n" in r.stdout
    assert "Setting up iptables-persistent (1.0.20) ..." in r.stdout
    run("tailscale", "iptables -t nat -A POSTROUTING -o eth0 -s 100.64.0.0/10 -j MASQUERADE")
    r = run("tailscale", "sudo netfilter-persistent save")
    assert r.stderr == ("run-parts: executing /usr/share/netfilter-persistent/plugins.d/15-ip4tables save\n"
                        "run-parts: executing /usr/share/netfilter-persistent/plugins.d/25-ip6tables save\n")
    assert "-A POSTROUTING -s 100.64.0.0/10 -o eth0 -j MASQUERADE" in run("tailscale", "cat /etc/iptables/rules.v4").stdout
    run("tailscale", "iptables -A INPUT -p icmp -j ACCEPT")          # typed after the save: lost
    run("tailscale", "reboot")
    rules = run("tailscale", "iptables -t nat -S POSTROUTING").stdout
    assert "-A POSTROUTING -s 100.64.0.0/10 -o eth0 -j MASQUERADE" in rules
    assert "icmp" not in run("tailscale", "iptables -S INPUT").stdout
    again = run("tailscale", "apt install iptables-persistent")
    assert "iptables-persistent is already the newest version (1.0.20).\n" in again.stdout


def test_apt_answers_offline(ready):
    r = ready.run("tailscale", "apt install foo-bar")
    assert (r.returncode, r.stderr) == (100, "E: Unable to locate package foo-bar\n")
    assert r.stdout == "Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\n"
    r = ready.run("tailscale", "apt update")
    assert r.returncode == 0 and r.stdout.endswith("All packages are up to date.\n")
    r = ready.run("maschinchen", "apt install tailscale")
    assert "tailscale is already the newest version" in r.stdout
    r = ready.run("proxmox", "apt install tailscale")        # no pkgs.tailscale.com repository there
    assert (r.returncode, r.stderr) == (100, "E: Unable to locate package tailscale\n")
    r = ready.run("tailscale", "apt upgrade")
    assert r.stdout.endswith("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")


def test_the_vm_keeps_its_address_in_etc_network_interfaces(ready):
    run = ready.run
    text = run("debian", "cat /etc/network/interfaces").stdout
    assert "iface eth0 inet static\n\taddress 192.168.0.158/24\n\tgateway 192.168.0.1\n" in text
    run("debian", "sed -i 's/192.168.0.158/192.168.0.159/' /etc/network/interfaces")
    assert "192.168.0.158/24" in run("debian", "ip -br addr show eth0").stdout      # only read at boot
    run("debian", "reboot")
    assert "192.168.0.159/24" in run("debian", "ip -br addr show eth0").stdout
    assert run("debian", "ip route show default").stdout.startswith("default via 192.168.0.1 dev eth0")
    # without a reboot: ifupdown's service applies the file again
    run("debian", "sed -i 's/192.168.0.159/192.168.0.160/' /etc/network/interfaces")
    assert run("debian", "systemctl restart networking").returncode == 0
    addrs = run("debian", "ip -br addr show eth0").stdout
    assert "192.168.0.160/24" in addrs and "192.168.0.159" not in addrs
    assert run("debian", "ping -c 1 -W 1 192.168.0.1").returncode == 0


def test_shutdown_r_now_reboots_and_poweroff_is_refused_in_german(ready):
    ready.run("proxmox", "ip addr add 192.168.0.102/24 dev eth0")
    r = ready.run("proxmox", "shutdown -r now")
    assert r.returncode == 0
    assert "192.168.0.102" not in ready.run("proxmox", "ip -br addr show eth0").stdout
    r = ready.run("proxmox", "poweroff")
    assert r.returncode == 1 and "reboot" in r.stderr
    r = ready.run("proxmox", "systemctl poweroff")
    assert r.returncode == 1
    assert "192.168.0.101/24" in ready.run("proxmox", "ip -br addr show eth0").stdout


def test_rebooting_the_vps_over_ssh_ends_the_session(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = "ssh root@203.0.113.10\nyes\nhostname\nsudo reboot\nhostname\nexit\n"
    proc = subprocess.run([sys.executable, "-m", "simnet.cli", "shell", "headscale", "maschinchen", "--state", "ready"],
                          input=script, capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert "Connection to 203.0.113.10 closed by remote host.\nConnection to 203.0.113.10 closed.\n" in proc.stderr
    # after the reboot the prompt is the laptop's again: hostname answers maschinchen
    assert proc.stdout.count("vps\n") == 1 and "maschinchen\n" in proc.stdout
