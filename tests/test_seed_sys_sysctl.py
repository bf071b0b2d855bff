"""The seed's IP forwarding, temporary and permanent, typed as a learner types it
("Temporär aktivieren" / "Permanent aktivieren"), on the files a fresh Debian 12 has."""
from __future__ import annotations

import hashlib

from simnet import Lab


def lab() -> Lab:
    return Lab.from_dict({"nodes": {"c": {"interfaces": {"eth0": "lan"},
                                          "startup": ["ip addr add 192.168.0.150/24 dev eth0"]}}})


def test_fresh_debian_has_the_procps_template_and_sysctl_d():
    box = lab()
    conf = box.run("c", "cat /etc/sysctl.conf").stdout
    # the conffile of procps 2:4.0.2-3, byte for byte (its md5sum is in dpkg's status file)
    assert hashlib.md5(conf.encode()).hexdigest() == "c0c09cba30da0565737cace8000d64ee"
    assert "#net.ipv4.ip_forward=1" in conf
    assert box.run("c", "ls /etc/sysctl.d").stdout == "99-sysctl.conf\nREADME.sysctl\n"
    assert box.run("c", "cat /etc/sysctl.d/99-sysctl.conf").stdout == conf        # the symlink of systemd
    hosts = box.run("c", "cat /etc/hosts").stdout
    assert hosts.startswith("127.0.0.1\tlocalhost\n127.0.1.1\tc\n")
    # nothing is switched on: sysctl -p applies the all-comment template silently
    r = box.run("c", "sysctl -p")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_permanent_forwarding_the_seed_way():
    box = lab()
    assert box.run("c", "sysctl net.ipv4.ip_forward").stdout == "net.ipv4.ip_forward = 0\n"
    box.run("c", "echo 'net.ipv4.ip_forward = 1' >> /etc/sysctl.conf")
    box.run("c", "echo 'net.ipv6.conf.all.forwarding = 1' >> /etc/sysctl.conf")
    r = box.run("c", "sudo sysctl -p")
    assert r.returncode == 0
    assert r.stdout == "net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n"
    assert box.run("c", "sysctl net.ipv4.ip_forward").stdout == "net.ipv4.ip_forward = 1\n"
    # --system reads the same file twice (99-sysctl.conf links to it), after the packages' files
    r = box.run("c", "sysctl --system")
    assert r.stdout.splitlines()[:4] == ["* Applying /usr/lib/sysctl.d/50-pid-max.conf ...",
                                         "* Applying /usr/lib/sysctl.d/99-protect-links.conf ...",
                                         "* Applying /etc/sysctl.d/99-sysctl.conf ...",
                                         "* Applying /etc/sysctl.conf ..."]
    assert r.stdout.count("net.ipv4.ip_forward = 1\n") == 2


def test_uncommenting_with_sed_and_a_typo_in_the_file():
    box = lab()
    box.run("c", "sed -i 's/^#net.ipv4.ip_forward=1/net.ipv4.ip_forward=1/' /etc/sysctl.conf")
    box.run("c", "echo 'net.ipv4.ip_froward = 1' >> /etc/sysctl.conf")
    box.run("c", "echo 'ip_forward 1' >> /etc/sysctl.conf")
    r = box.run("c", "sysctl -p")
    assert r.returncode == 1
    assert r.stdout == "net.ipv4.ip_forward = 1\n"     # the uncommented template line; the typo fails
    assert r.stderr == ("sysctl: /etc/sysctl.conf(70): invalid syntax, continuing...\n"
                        "sysctl: cannot stat /proc/sys/net/ipv4/ip_froward: No such file or directory\n")


def test_a_drop_in_file_in_sysctl_d():
    box = lab()
    box.run("c", "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/99-tailscale.conf")
    r = box.run("c", "sysctl -p /etc/sysctl.d/99-tailscale.conf")
    assert (r.returncode, r.stdout) == (0, "net.ipv4.ip_forward = 1\n")
    r = box.run("c", "sysctl --system")
    assert "* Applying /etc/sysctl.d/99-tailscale.conf ...\n" in r.stdout
    r = box.run("c", "sysctl -p /etc/sysctl.d/99-tailscal.conf")
    assert (r.returncode, r.stderr) == (1, 'sysctl: cannot open "/etc/sysctl.d/99-tailscal.conf": '
                                           "No such file or directory\n")
