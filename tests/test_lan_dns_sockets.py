"""dnsmasq's sockets: ss lists UDP/TCP 53 and UDP 67 as dnsmasq 2.90 opens them, TCP 53 takes
connections (nc -zv) and questions (dig +tcp), also forwarded ones (see tests/kernel dq_*)."""
from __future__ import annotations

import re

from tests.test_lan_dns import lan


def test_ss_lists_dnsmasqs_sockets_and_drops_them_when_it_stops() -> None:
    lab = lan()
    udp = lab.run("router", "ss -ulnp").stdout.splitlines()[1:]
    assert [line.split()[3] for line in udp] == ["0.0.0.0:53", "0.0.0.0:67", "[::]:53"]
    assert all('users:(("dnsmasq",pid=' in line for line in udp)
    assert [re.search(r"fd=(\d+)", line).group(1) for line in udp] == ["6", "4", "8"]
    tcp = lab.run("router", "ss -tln").stdout.splitlines()[1:]
    assert [line.split()[:4] for line in tcp] == [["LISTEN", "0", "32", "0.0.0.0:53"], ["LISTEN", "0", "32", "[::]:53"]]
    # only DNS on the upstream: no DHCP socket
    assert ":67 " not in lab.run("upstream", "ss -uln").stdout
    lab.run("router", "systemctl stop dnsmasq")
    assert lab.run("router", "ss -tuln").stdout.count("\n") == 1          # the header only


def test_bind_interfaces_binds_each_address_and_lo() -> None:
    lab = lan()
    router = lab.node("router")
    router.files["/etc/dnsmasq.conf"] += "bind-interfaces\n"
    assert lab.run("router", "systemctl restart dnsmasq").returncode == 0
    udp = [line.split()[3] for line in lab.run("router", "ss -uln").stdout.splitlines()[1:]]
    assert udp == ["127.0.0.1:53", "192.168.0.1:53", "0.0.0.0%eth0:67"]


def test_tcp_53_connects_and_answers_local_and_forwarded_questions() -> None:
    lab = lan()
    lab.run("pc", "dhclient eth0")
    res = lab.run("pc", "nc -zv 192.168.0.1 53")
    assert (res.returncode, res.stderr) == (0, "Connection to 192.168.0.1 53 port [tcp/domain] succeeded!\n")
    job = lab.start("router", "tcpdump -n -t -i eth0 tcp port 53")
    out = lab.run("pc", "dig +tcp @192.168.0.1 nas.lan").stdout
    assert "nas.lan.\t\t0\tIN\tA\t192.168.0.20" in out and ";; SERVER: 192.168.0.1#53(192.168.0.1) (TCP)" in out
    flags = re.findall(r"Flags \[([^\]]+)\]", job.result(timeout=0).stdout)
    assert flags == ["S", "S.", ".", "P.", ".", "P.", ".", "F.", "F.", "."]
    # a forwarded question: dnsmasq asks upstream over UDP and writes the answer on the connection
    assert lab.run("pc", "dig +tcp +short @192.168.0.1 mail.example.net").stdout == "203.0.113.25\n"
    assert re.search(r"^TIME-WAIT .* 192\.168\.0\.1:53 *$", lab.run("pc", "ss -tan").stdout, re.M)
    lab.run("router", "iptables -A INPUT -p tcp --dport 53 -j REJECT --reject-with tcp-reset")
    res = lab.run("pc", "dig +tcp @192.168.0.1 nas.lan")
    assert res.returncode == 9 and ";; communications error to 192.168.0.1#53: connection refused" in res.stdout
