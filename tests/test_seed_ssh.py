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
    assert (res.returncode, res.stdout) == (0, "tailscale\n")
    assert res.stderr.startswith("The authenticity of host '100.64.0.1 (100.64.0.1)' can't be established.\n")
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
    # the host key is checked (and remembered) before the user authenticates
    assert (res.returncode, res.stdout) == (255, "")
    assert res.stderr.endswith("to the list of known hosts.\nbob@203.0.113.10: Permission denied (publickey).\n")
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
    ready.run("maschinchen", "ssh root@100.64.0.1 true")         # the host key is known from now on
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
    code, prompts = _shell(monkeypatch, ["ssh root@100.64.0.1", "yes", "hostname", "ssh zabooz@203.0.113.10", "yes",
                                         "hostname", "logout", "exit", "hostname", "exit 4"],
                           ["shell", "headscale", "maschinchen", "--state", "ready"])
    out = capsys.readouterr()
    assert code == 4
    question = "Are you sure you want to continue connecting (yes/no/[fingerprint])? "
    assert [p if not p.endswith(question) else question for p in prompts] == [
        "root@maschinchen:~# ", question, "root@tailscale:~# ", "root@tailscale:~# ", question, "zabooz@vps:~$ ",
        "zabooz@vps:~$ ", "root@tailscale:~# ", "root@maschinchen:~# ", "root@maschinchen:~# "]
    assert prompts[1].startswith("The authenticity of host '100.64.0.1 (100.64.0.1)' can't be established.\n")
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


def test_first_connection_asks_for_the_host_key_and_known_hosts_remembers_it() -> None:
    lab = Lab.load("headscale", state="ready")
    fp = lab.run("vps", "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1]
    assert fp.startswith("SHA256:") and len(fp) == 7 + 43
    res = lab.run("maschinchen", "ssh root@vpn.example.net hostname")
    assert res.stdout == "vps\n"
    assert res.stderr == (
        "The authenticity of host 'vpn.example.net (203.0.113.10)' can't be established.\n"
        f"ED25519 key fingerprint is {fp}.\n"
        "This key is not known by any other names.\n"
        "Are you sure you want to continue connecting (yes/no/[fingerprint])? yes\n"
        "Warning: Permanently added 'vpn.example.net' (ED25519) to the list of known hosts.\n")
    known = lab.run("maschinchen", "cat ~/.ssh/known_hosts").stdout
    assert known.startswith("|1|") and "vpn.example.net" not in known and known.count("\n") == 1   # HashKnownHosts
    assert lab.run("maschinchen", "ssh root@vpn.example.net hostname").stderr == ""
    res = lab.run("maschinchen", "ssh root@203.0.113.10 hostname")      # same key, another name
    assert "This host key is known by the following other names/addresses:\n" \
           "    ~/.ssh/known_hosts:1: [hashed name]\n" in res.stderr
    assert lab.run("maschinchen", "ssh-keygen -F 203.0.113.10").stdout.startswith("# Host 203.0.113.10 found: line 2 \n")


def test_strict_host_key_checking_and_batch_mode() -> None:
    lab = Lab.load("headscale", state="ready")
    res = lab.run("maschinchen", "ssh -o StrictHostKeyChecking=yes root@100.64.0.1 hostname")
    assert (res.returncode, res.stdout, res.stderr) == (
        255, "", "No ED25519 host key is known for 100.64.0.1 and you have requested strict checking.\n"
                 "Host key verification failed.\n")
    res = lab.run("maschinchen", "ssh -o BatchMode=yes root@100.64.0.1 hostname")
    assert (res.returncode, res.stderr) == (255, "Host key verification failed.\n")
    res = lab.run("maschinchen", "ssh -o StrictHostKeyChecking=accept-new root@100.64.0.1 hostname")
    assert (res.stdout, res.stderr) == ("tailscale\n", "Warning: Permanently added '100.64.0.1' (ED25519) to the "
                                                       "list of known hosts.\n")
    res = lab.run("maschinchen", "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@tailscale true")
    assert res.stderr == "Warning: Permanently added 'tailscale' (ED25519) to the list of known hosts.\n"
    assert lab.run("maschinchen", "ssh-keygen -F tailscale").returncode == 1      # /dev/null kept nothing


def test_another_machine_behind_a_known_address_is_refused_loudly() -> None:
    lab = Lab.load("headscale", state="ready")
    assert lab.run("maschinchen", "ssh root@192.168.0.101 true").returncode == 0      # proxmox's key is stored
    lab.run("tailscale", "iptables -t nat -A PREROUTING -d 192.168.0.101 -p tcp --dport 22 "
                         "-j DNAT --to-destination 192.168.0.158")                   # now the VM answers
    res = lab.run("maschinchen", "ssh root@192.168.0.101 hostname")
    assert res.returncode == 255 and res.stdout == ""
    vm = lab.run("debian", "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1]
    assert res.stderr == (
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
        "Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n"
        "It is also possible that a host key has just been changed.\n"
        f"The fingerprint for the ED25519 key sent by the remote host is\n{vm}.\n"
        "Please contact your system administrator.\n"
        "Add correct host key in /root/.ssh/known_hosts to get rid of this message.\n"
        "Offending ED25519 key in /root/.ssh/known_hosts:1\n"
        "  remove with:\n"
        '  ssh-keygen -f "/root/.ssh/known_hosts" -R "192.168.0.101"\n'
        "Host key for 192.168.0.101 has changed and you have requested strict checking.\n"
        "Host key verification failed.\n")
    res = lab.run("maschinchen", 'ssh-keygen -f "/root/.ssh/known_hosts" -R "192.168.0.101"')
    assert res.stdout == ("# Host 192.168.0.101 found: line 1\n/root/.ssh/known_hosts updated.\n"
                          "Original contents retained as /root/.ssh/known_hosts.old\n")
    assert lab.run("maschinchen", "ssh root@192.168.0.101 hostname").stdout == "debian\n"


def test_simnet_shell_asks_the_learner(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, prompts = _shell(monkeypatch, ["ssh root@100.64.0.1 hostname", "vielleicht", "no",
                                         "ssh root@100.64.0.1 hostname", "yes", "exit"],
                           ["shell", "headscale", "maschinchen", "--state", "ready"])
    out = capsys.readouterr()
    assert prompts[2] == "Please type 'yes', 'no' or the fingerprint: "
    assert out.err.count("Host key verification failed.\n") == 1
    assert out.out.count("tailscale\n") == 1
