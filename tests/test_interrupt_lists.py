"""Ctrl+C during a command list, as interactive bash 5.2 handles it (checked in a pty on Debian 12:
``ping -c 100 -i 0.5 H; echo hi`` with ^C after 2.5 s prints the statistics, then ``hi``, and ``$?``
is 0; ``sleep 100; echo hi`` prints nothing more and ``$?`` is 130).

bash waits for its foreground program: if the program caught SIGINT and exited by itself (ping,
tcpdump), bash assumes it handled the key and goes on with the list, its exit status deciding
``&&`` and ``||``; if the program died of SIGINT, bash gives up the rest of the line."""
from __future__ import annotations

import pytest

from simnet import Lab

PING = "ping -c 100 192.168.0.1"          # answers: iputils exits 0 after Ctrl+C
DEAD = "ping -c 100 192.168.0.9"          # nobody answers: exit 1


@pytest.fixture
def lab() -> Lab:
    return Lab.from_dict({"nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}})


def interrupted(lab: Lab, line: str, after: float = 2.5) -> tuple[int, str, str]:
    """Run ``line`` on a; Ctrl+C ``after`` simulated seconds in. (exit status, stdout, $? afterwards)"""
    lab.sim.schedule(after, lab.sim.interrupt, "sigint")
    res = lab.run("a", line)
    return res.returncode, res.stdout, lab.run("a", "echo $?").stdout


def test_the_list_goes_on_after_ping_printed_its_statistics(lab: Lab) -> None:
    code, out, status = interrupted(lab, f"{PING}; echo hi")
    assert out.endswith(" ms\nhi\n") and "--- 192.168.0.1 ping statistics ---\n3 packets transmitted" in out
    assert code == 0 and status == "0\n"


def test_a_program_killed_by_ctrl_c_ends_the_whole_line(lab: Lab) -> None:
    assert interrupted(lab, "sleep 100; echo hi") == (130, "", "130\n")
    # not even || runs: bash itself takes the SIGINT
    assert interrupted(lab, "sleep 100 || echo fail; echo after") == (130, "", "130\n")


def test_and_and_or_follow_pings_exit_status(lab: Lab) -> None:
    code, out, _ = interrupted(lab, f"{PING} && echo ok || echo fail")
    assert code == 0 and out.endswith("\nok\n")
    code, out, status = interrupted(lab, f"{DEAD} && echo ok || echo fail; echo after")
    assert "3 packets transmitted, 0 received, 100% packet loss" in out
    assert out.endswith("\nfail\nafter\n") and code == 0 and status == "0\n"
    code, out, status = interrupted(lab, f"{DEAD}; echo $?")
    assert out.endswith("\n1\n") and code == 0


def test_tcpdump_exits_0_and_the_list_goes_on(lab: Lab) -> None:
    lab.sim.schedule(1.0, lab.sim.interrupt, "sigint")
    res = lab.run("a", "tcpdump -n -i eth0 -c 100 tcp; echo hi")
    # tcpdump's own newline after ^C (stdout), its counts (stderr), then bash goes on
    assert res.stdout == "\nhi\n" and res.stderr.endswith("0 packets dropped by kernel\n") and res.returncode == 0


def test_one_press_is_spent_on_one_program(lab: Lab) -> None:
    # the press ended ping; sleep 3 then runs its full time and the list ends normally
    start = lab.sim.now
    code, out, _ = interrupted(lab, f"{PING}; sleep 3; echo hi")
    assert out.endswith("\nhi\n") and code == 0
    assert lab.sim.now - start >= 5.0


def test_a_loop_of_pings_goes_on_but_a_loop_of_sleeps_stops(lab: Lab) -> None:
    code, out, _ = interrupted(lab, "for i in 1 2; do ping -c 3 192.168.0.1; echo $i; done", after=1.5)
    assert out.count("ping statistics ---") == 2 and "\n1\n" in out and out.endswith("\n2\n")
    assert interrupted(lab, "for i in 1 2; do sleep 5; echo $i; done", after=1.5)[:2] == (130, "")


def test_a_pipeline_dies_with_its_other_programs(lab: Lab) -> None:
    # tail gets the SIGINT too and dies of it: bash ends the line
    assert interrupted(lab, f"{PING} | tail -n 2; echo hi")[:2] == (130, "")


def test_the_guard_is_not_a_key_press(lab: Lab) -> None:
    """The guard's stop (simulated time used up) ends the line even after a program that catches
    SIGINT: only the learner's Ctrl+C is absorbed."""
    lab.sim.schedule(2.5, lab.sim.interrupt, "time")
    res = lab.run("a", f"{PING}; echo hi")
    assert "hi\n" not in res.stdout


def test_http_server_says_goodbye_and_the_list_goes_on(lab: Lab) -> None:
    """Python turns Ctrl+C into KeyboardInterrupt: http.server prints its farewell and exits 0."""
    code, out, status = interrupted(lab, "python3 -m http.server 8765; echo hi")
    assert out == ("Serving HTTP on 0.0.0.0 port 8765 (http://0.0.0.0:8765/) ...\n\n"
                   "Keyboard interrupt received, exiting.\nhi\n")
    assert code == 0 and status == "0\n"
    assert ":8765" not in lab.run("a", "ss -tln").stdout           # its port is free again
    # nc -l dies of the signal: the line ends
    assert interrupted(lab, "nc -l 8766; echo hi") == (130, "", "130\n")
