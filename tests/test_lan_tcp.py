"""TCP in the data plane: handshake, retransmitted SYNs, close, TIME-WAIT; nc and ss on top."""
from __future__ import annotations

import re

from simnet import Lab


def pair(*b_startup: str) -> Lab:
    return Lab.from_dict({"nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0", *b_startup]}}})


def test_syn_is_retransmitted_after_1_and_3_seconds_and_nc_w_gives_up():
    lab = pair("iptables -A INPUT -p tcp --dport 8080 -j DROP")
    job = lab.start("b", "tcpdump -n -i eth0 tcp")
    res = lab.run("a", "nc -zv -w 5 192.168.0.1 8080")
    assert (res.returncode, res.stderr) == (
        1, "nc: connect to 192.168.0.1 port 8080 (tcp) timed out: Operation now in progress\n")
    times = [float(line.split()[0].rsplit(":", 1)[1]) for line in job.result(timeout=0).stdout.splitlines()
             if "Flags [S]" in line]
    assert [round(t) for t in times] == [0, 1, 3]
    assert "DROP" in res.trace.explain()


def test_refused_by_reset_and_by_icmp():
    lab = pair("iptables -A INPUT -p tcp --dport 81 -j REJECT --reject-with icmp-host-prohibited")
    assert lab.run("a", "nc -zv 192.168.0.1 80").stderr == \
        "nc: connect to 192.168.0.1 port 80 (tcp) failed: Connection refused\n"
    assert lab.run("a", "nc -zv 192.168.0.1 81").stderr == \
        "nc: connect to 192.168.0.1 port 81 (tcp) failed: No route to host\n"
    assert lab.run("a", "nc -z 192.168.0.1 80").stderr == ""


def test_conntrack_and_ss_follow_the_states():
    lab = pair("iptables -A INPUT -m conntrack --ctstate INVALID -j DROP")
    lab.start("b", "nc -lk 8080")
    assert lab.run("a", "nc -zv 192.168.0.1 8080").stderr == \
        "Connection to 192.168.0.1 8080 port [tcp/http-alt] succeeded!\n"
    ct = lab.run("b", "conntrack -L").stdout
    assert re.match(r"tcp      6 1\d\d TIME_WAIT src=192\.168\.0\.2 .* \[ASSURED\] mark=0 use=1", ct)
    assert re.search(r"^TIME-WAIT 0      0 +192\.168\.0\.2:\d+ +192\.168\.0\.1:8080 *$",
                     lab.run("a", "ss -tan").stdout, re.M)
    lab.advance(61)
    assert "TIME-WAIT" not in lab.run("a", "ss -tan").stdout


def test_a_line_travels_from_a_to_b():
    lab = pair()
    job = lab.start("b", "nc -l 8080")
    res = lab.run("a", "echo hallo welt | nc -N 192.168.0.1 8080")
    assert res.returncode == 0
    out = job.result(timeout=1)
    assert (out.returncode, out.stdout) == (0, "hallo welt\n")


def test_ss_lists_listeners_with_backlog_and_process():
    lab = pair()
    lab.start("b", "nc -lk 8080")
    lab.start("b", "python3 -m http.server 8000")
    lines = lab.run("b", "ss -tlnp").stdout.splitlines()
    assert lines[0].startswith("State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess")
    assert re.match(r"LISTEN 0      5            0\.0\.0\.0:8000      0\.0\.0\.0:\*    "
                    r"users:\(\(\"python3\",pid=\d+,fd=3\)\)", lines[1])
    assert lines[2].startswith("LISTEN 0      1            0.0.0.0:8080      0.0.0.0:*    users:((\"nc\"")


def test_curl_gets_the_directory_listing_from_http_server():
    lab = pair()
    job = lab.start("b", "python3 -m http.server 8000")
    res = lab.run("a", "curl -s http://192.168.0.1:8000/")
    assert res.ok and "<title>Directory listing for /</title>" in res.stdout
    out = job.result(timeout=1)
    assert out.stdout == ("Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...\n"
                          "\nKeyboard interrupt received, exiting.\n")
    assert out.stderr.startswith('192.168.0.2 - - [') and out.stderr.endswith('] "GET / HTTP/1.1" 200 -\n')


def test_unacknowledged_data_is_sent_again_with_doubling_timeouts():
    lab = pair()
    lab.start("b", "nc -l 8080")
    dump = lab.start("a", "tcpdump -n -i eth0 tcp")
    from simnet.kernel.tcp import tcp_of
    from ipaddress import IPv4Address

    ep = tcp_of(lab.node("a")).connect(IPv4Address("192.168.0.1"), 8080)
    lab.advance(0.01)
    assert ep.state == "ESTAB"
    lab.run("b", "iptables -A INPUT -p tcp -j DROP")
    ep.send_data("hallo\n", 6)
    lab.advance(2)
    times = [line.split()[0] for line in dump.result(timeout=0).stdout.splitlines() if "Flags [P.]" in line]
    assert len(times) == 4            # at 0, 0.2, 0.6 and 1.4 s
    assert [round(float(t.rsplit(":", 1)[1]) - float(times[0].rsplit(":", 1)[1]), 1) for t in times] == \
        [0.0, 0.2, 0.6, 1.4]
