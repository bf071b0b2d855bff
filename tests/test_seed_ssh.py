"""ssh between the seed's machines (issue 15, item 4), as a learner types it.

Error texts and exit code 255 are the real OpenSSH 9.2p1 client's (recorded
in network namespaces: a peer that rejects with RST, one that drops, an
unknown name, no route).
"""
from __future__ import annotations

import pytest

from simnet import Lab
from simnet.cli import main

from tests.test_seed_webui import ready  # noqa: F401  (fixture)


def test_ssh_runs_a_command_on_the_container_over_the_tailnet(ready: Lab) -> None:
    res = ready.run("maschinchen", "ssh root@100.64.0.1 hostname")
    assert (res.returncode, res.stdout, res.stderr) == (0, "tailscale\n", "")
    text = "\n".join(str(p) for p in res.trace)
    assert "ENCAPSULATE" in text and "SOCKET(deliver: proto=tcp, port=22)" in text


def test_ssh_through_the_subnet_router_and_to_the_vps_by_name(ready: Lab) -> None:
    assert ready.run("maschinchen", "ssh root@192.168.0.101 hostname").stdout == "proxmox\n"
    assert ready.run("maschinchen", "ssh root@192.168.0.158 hostname").stdout == "debian\n"
    res = ready.run("maschinchen", "ssh zabooz@203.0.113.10 'sudo headscale users list'")
    assert res.returncode == 0 and "zabooz" in res.stdout and "jules" in res.stdout
    assert ready.run("maschinchen", "ssh zabooz@vpn.example.net hostname").stdout == "vps\n"
    # the remote command's exit status is ssh's
    assert ready.run("maschinchen", "ssh root@100.64.0.1 false").returncode == 1
    assert ready.run("maschinchen", "ssh root@100.64.0.1 'exit 7'").returncode == 7


def test_unknown_user_is_permission_denied(ready: Lab) -> None:
    res = ready.run("maschinchen", "ssh bob@203.0.113.10 hostname")
    assert (res.returncode, res.stdout, res.stderr) == (255, "", "bob@203.0.113.10: Permission denied (publickey).\n")


def test_stopped_sshd_is_connection_refused(ready: Lab) -> None:
    ready.run("debian", "systemctl stop ssh")
    res = ready.run("tailscale", "ssh root@192.168.0.158 hostname")
    assert (res.returncode, res.stderr) == (255, "ssh: connect to host 192.168.0.158 port 22: Connection refused\n")
    assert ready.run("debian", "systemctl is-active sshd").stdout == "inactive\n"
    ready.run("debian", "systemctl start sshd")
    assert ready.run("tailscale", "ssh root@192.168.0.158 hostname").stdout == "debian\n"


def test_firewall_drop_is_a_timeout_and_reject_is_refused(ready: Lab) -> None:
    ready.run("proxmox", "iptables -A INPUT -p tcp --dport 22 -j DROP")
    res = ready.run("debian", "ssh -o ConnectTimeout=5 root@192.168.0.101 hostname")
    assert (res.returncode, res.stderr) == (255, "ssh: connect to host 192.168.0.101 port 22: Connection timed out\n")
    before = ready.now
    res = ready.run("debian", "ssh root@192.168.0.101 hostname")          # no ConnectTimeout: the kernel's 127 s
    assert res.returncode == 255 and 126 < ready.now - before < 129
    ready.run("proxmox", "iptables -F INPUT")
    ready.run("proxmox", "iptables -A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset")
    res = ready.run("debian", "ssh root@192.168.0.101 hostname")
    assert res.stderr == "ssh: connect to host 192.168.0.101 port 22: Connection refused\n"


def test_no_route_and_unknown_names(ready: Lab) -> None:
    res = ready.run("vps", "ssh root@192.168.0.101 hostname")       # the internet has no way to a private net
    assert (res.returncode, res.stderr) == (255, "ssh: connect to host 192.168.0.101 port 22: Network is "
                                                 "unreachable\n")
    res = ready.run("maschinchen", "ssh root@nosuch.example.net")
    assert (res.returncode, res.stderr) == (255, "ssh: Could not resolve hostname nosuch.example.net: Name or "
                                                 "service not known\n")
    ready.run("maschinchen", "iptables -A OUTPUT -p udp --dport 53 -j DROP")
    res = ready.run("maschinchen", "ssh root@vpn.example.net")
    assert res.stderr == "ssh: Could not resolve hostname vpn.example.net: Temporary failure in name resolution\n"


def test_ssh_without_command_and_without_terminal_runs_stdin(ready: Lab) -> None:
    res = ready.run("maschinchen", "ssh root@100.64.0.1")
    assert (res.returncode, res.stdout) == (0, "")
    assert res.stderr == "Pseudo-terminal will not be allocated because stdin is not a terminal.\n"
    res = ready.run("maschinchen", "echo hostname | ssh root@100.64.0.1")
    assert res.stdout == "tailscale\n"


def test_usage_and_version() -> None:
    lab = Lab.load("headscale")
    res = lab.run("maschinchen", "ssh")
    assert res.returncode == 255 and res.stderr.startswith("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n")
    assert res.stderr.endswith("[-w local_tun[:remote_tun]] destination [command [argument ...]]\n")
    assert lab.run("maschinchen", "ssh -V").stderr.startswith("OpenSSH_9.2p1 Debian-2+deb12u6")


def _shell(monkeypatch: pytest.MonkeyPatch, lines: list[str], argv: list[str]) -> tuple[int, list[str]]:
    prompts: list[str] = []
    feed = iter(lines)

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None
    monkeypatch.setattr("builtins.input", fake_input)
    return main(argv), prompts


def test_interactive_ssh_changes_the_prompt_and_exit_returns(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, prompts = _shell(monkeypatch, ["ssh root@100.64.0.1", "hostname", "ssh zabooz@203.0.113.10", "hostname",
                                         "logout", "exit", "hostname", "exit 4"],
                           ["shell", "headscale", "maschinchen", "--state", "ready"])
    out = capsys.readouterr()
    assert code == 4
    assert prompts == ["root@maschinchen:~# ", "root@tailscale:~# ", "root@tailscale:~# ", "zabooz@vps:~$ ",
                       "zabooz@vps:~$ ", "root@tailscale:~# ", "root@maschinchen:~# ", "root@maschinchen:~# "]
    assert "Linux tailscale 6.8.12-4-pve" in out.out and "Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY" in out.out
    assert out.out.count("logout\n") == 2
    assert "Connection to 203.0.113.10 closed.\n" in out.err and "Connection to 100.64.0.1 closed.\n" in out.err
    assert out.out.index("tailscale\n") < out.out.index("vps\n") < out.out.rindex("maschinchen\n")


def test_simnet_run_takes_a_state_after_the_node(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "headscale", "maschinchen", "--state", "ready", "--", "ssh", "root@100.64.0.1",
                 "hostname"]) == 0
    assert capsys.readouterr().out == "tailscale\n"
    assert main(["run", "--state", "ready", "headscale", "maschinchen", "--", "tailscale ip -4"]) == 0
    assert capsys.readouterr().out == "100.64.0.2\n"


def test_ufw_on_the_vps_decides_whether_ssh_gets_in() -> None:
    lab = Lab.load("headscale", state="firewall")          # the seed's ufw: 22/tcp, 443/tcp, 3478/udp
    assert lab.run("maschinchen", "ssh zabooz@203.0.113.10 hostname").stdout == "vps\n"
    lab.run("vps", "ufw delete allow 22/tcp")
    res = lab.run("maschinchen", "ssh -o ConnectTimeout=5 zabooz@203.0.113.10 hostname")
    assert (res.returncode, res.stderr) == (255, "ssh: connect to host 203.0.113.10 port 22: Connection timed out\n")
    assert "`ufw allow 22/tcp`" in res.trace.explain()
