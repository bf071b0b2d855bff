"""``nc -lk`` (netcat-openbsd 1.219) serves one connection after the other; what a later client sent
waits unread in the kernel (ss: Recv-Q) until nc is done with the one before (kernel case tf_nc_lk)."""
from __future__ import annotations

from simnet import Lab


def test_clients_one_after_the_other_and_one_waiting_behind_a_busy_nc() -> None:
    lab = Lab.from_dict({"ipv6": False, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}})
    server = lab.start("b", "nc -lk 9000")
    for word in ("one", "two"):
        assert lab.run("a", f"echo {word} | nc -N 192.168.0.1 9000; echo $?").stdout == "0\n"
    busy = lab.start("a", "nc -p 40001 192.168.0.1 9000")          # keeps its connection open
    lab.run("a", "sleep 1")
    assert lab.run("a", "echo three | nc -N -w 1 -p 40002 192.168.0.1 9000; echo $?").stdout == "0\n"
    rows = lab.run("b", "ss -tn").stdout.splitlines()[1:]
    assert [r.split()[:3] + r.split()[4:5] for r in rows] == [
        ["ESTAB", "0", "0", "192.168.0.2:40001"], ["CLOSE-WAIT", "7", "0", "192.168.0.2:40002"]]      # "three\n" and the FIN
    assert lab.run("b", "ss -tln").stdout.splitlines()[1].split()[:3] == ["LISTEN", "1", "1"]
    busy.result(0.1)                           # the first client ends: nc reads the waiting one
    lab.run("a", "sleep 1")
    assert lab.run("b", "ss -tn").stdout.count("\n") == 1
    assert server.result(0.5).stdout == "one\ntwo\nthree\n"
