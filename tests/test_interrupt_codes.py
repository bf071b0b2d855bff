"""Ctrl+C in the terminal: programs that catch SIGINT exit with their own status after the summary
(iputils ping 20221126: 0 with replies, 1 without; tcpdump 0), others die of it (130)."""
from __future__ import annotations

from simnet import Lab


def pair() -> Lab:
    return Lab.from_dict({"nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}})


def ctrl_c(lab: Lab, after: float) -> None:
    """The learner presses Ctrl+C ``after`` simulated seconds into the next command."""
    lab.sim.schedule(after, lab.sim.interrupt, "sigint")


def test_interrupted_ping_prints_its_summary_and_exits_like_iputils() -> None:
    lab = pair()
    ctrl_c(lab, 2.5)
    res = lab.run("a", "ping -c 100 192.168.0.1")
    assert res.returncode == 0
    assert "--- 192.168.0.1 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss" in res.stdout
    ctrl_c(lab, 2.5)
    res = lab.run("a", "ping -c 100 192.168.0.9")          # nobody answers: exit status 1
    assert res.returncode == 1 and "3 packets transmitted, 0 received" in res.stdout
    assert lab.run("a", "echo $?").stdout == "1\n"


def test_interrupted_tcpdump_exits_0_and_sleep_130() -> None:
    lab = pair()
    ctrl_c(lab, 1.0)
    res = lab.run("a", "tcpdump -n -i eth0 -c 100")
    assert res.returncode == 0 and res.stderr.endswith("0 packets dropped by kernel\n")
    ctrl_c(lab, 1.0)
    assert lab.run("a", "sleep 10").returncode == 130


def test_fg_shows_http_servers_output_in_the_order_it_was_written() -> None:
    from simnet.cli import _foreground

    lab = pair()
    lab.start("b", "python3 -m http.server 8000")
    assert lab.run("a", "curl -s -o /dev/null http://192.168.0.1:8000/").returncode == 0
    screen = _foreground(lab).splitlines()
    assert screen[0] == "python3 -m http.server 8000"
    assert screen[1] == "Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ..."
    # the log line (stderr) after the banner (stdout), then ^C and the farewell
    assert screen[2].startswith('192.168.0.2 - - [') and screen[2].endswith('] "GET / HTTP/1.1" 200 -')
    assert screen[3:] == ["^C", "Keyboard interrupt received, exiting."]
