"""A stopped daemon gives its port back (sshd, pveproxy, nginx): ``ss -tlnp`` no longer lists it, a
client's SYN gets the kernel's reset, another program may bind the port, and ``systemctl start``
binds it again — or fails as systemd reports it while a program holds the port.

What the clients print is held to the kernel case tf_refused (real curl 7.88.1, OpenSSH 9.2 and
netcat-openbsd 1.219 against a port nobody listens on)."""
from __future__ import annotations

import pytest

from simnet import Lab
from tests.kernel.cases import load_fixture
from tests.kernel.normalize import normalize


def pair() -> Lab:
    return Lab.from_dict({"ipv6": False, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"],
              "services": ["sshd", "pveproxy"]}}})


def recorded(cmd: str) -> dict:
    fixture = load_fixture("tf_refused")
    assert fixture is not None
    return next(r for r in fixture["results"] if r["cmd"] == cmd)


# the clients of tf_refused that ask sshd's and pveproxy's ports
CLIENTS = ["ssh root@192.168.0.1 true", "ssh -p 8006 192.168.0.1 true", "nc -zv 192.168.0.1 22",
           "curl -s http://192.168.0.1:8006/; echo $?", "curl -sv http://192.168.0.1:8006/",
           "nc -v 192.168.0.1 8006 </dev/null"]


@pytest.mark.parametrize("cmd", CLIENTS)
def test_a_stopped_daemon_is_refused_as_on_the_real_box(cmd: str) -> None:
    lab = pair()
    assert lab.run("b", "systemctl stop ssh").returncode == 0
    assert lab.run("b", "systemctl stop pveproxy").returncode == 0
    real = recorded(cmd)
    res = lab.run("a", cmd)
    assert res.returncode == real["returncode"]
    assert normalize(res.stdout) == normalize(real["stdout"])
    assert normalize(res.stderr) == normalize(real["stderr"])


def test_stopped_daemons_leave_ss_and_start_binds_again() -> None:
    lab = pair()
    running = lab.run("b", "ss -tlnp").stdout
    assert "sshd" in running and "pveproxy" in running
    lab.run("b", "systemctl stop ssh")
    lab.run("b", "systemctl stop pveproxy")
    assert lab.run("b", "ss -tlnp").stdout == recorded("ss -tlnp")["stdout"]
    lab.run("b", "systemctl start ssh")
    lab.run("b", "systemctl restart pveproxy")
    assert lab.run("b", "ss -tlnp").stdout == running
    assert lab.run("a", "nc -zv 192.168.0.1 22").stderr == "Connection to 192.168.0.1 22 port [tcp/ssh] succeeded!\n"


def test_the_port_of_a_stopped_daemon_is_free_for_another_program() -> None:
    lab = pair()
    assert lab.run("b", "nc -l 22").returncode == 1                  # sshd holds it
    lab.run("b", "systemctl stop ssh")
    job = lab.start("b", "nc -l 22")
    assert '("nc",' in lab.run("b", "ss -tlnp").stdout
    # sshd cannot bind while nc listens: systemd's report, and the unit failed
    res = lab.run("b", "systemctl start ssh")
    assert res.returncode == 1 and res.stderr == (
        "Job for ssh.service failed because the control process exited with error code.\n"
        'See "systemctl status ssh.service" and "journalctl -xeu ssh.service" for details.\n')
    status = lab.run("b", "systemctl status ssh")
    assert status.returncode == 3 and "     Active: failed (Result: exit-code) since " in status.stdout
    job.result(0.5)
    assert lab.run("b", "systemctl start ssh").returncode == 0
    assert lab.run("b", "systemctl is-active ssh").stdout == "active\n"


def test_stopped_nginx_gives_back_80_and_443() -> None:
    lab = Lab.load("headscale")
    vps = next(n for n, node in lab.nodes.items() if node.service("nginx") is not None)
    before = lab.run(vps, "ss -tlnp").stdout
    assert ":80 " in before and '"nginx"' in before
    lab.run(vps, "systemctl stop nginx")
    after = lab.run(vps, "ss -tlnp").stdout
    assert '"nginx"' not in after
    job = lab.start(vps, "python3 -m http.server 80")
    assert lab.run(vps, "curl -sI http://127.0.0.1/").stdout.startswith("HTTP/1.0 200 OK\r\n")
    job.result(0.1)
    lab.run(vps, "systemctl start nginx")
    assert normalize(lab.run(vps, "ss -tlnp").stdout) == normalize(before)      # a new nginx: a new pid
