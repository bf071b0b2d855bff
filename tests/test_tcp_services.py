"""The daemons answer over the kernel's TCP: nginx/HTTPS, pveproxy, sshd, headscale's own port,
the provider's services and an http.server behind a port forward show a real exchange in tcpdump
(ISNs, acknowledgements, the FIN/ACK close from the side that closes first), conntrack ends in
TIME_WAIT and ss shows TIME-WAIT on the closing side for 60 s."""
from __future__ import annotations

import re

from simnet import Lab

FLAGS = re.compile(r"Flags \[([^\]]+)\]")


def flags(tcpdump: str) -> list[str]:
    return FLAGS.findall(tcpdump)


def test_https_to_nginx_is_a_real_tcp_exchange_closed_by_the_client() -> None:
    lab = Lab.load("headscale", state="ready")
    job = lab.start("vps", "tcpdump -n -t -i eth0 tcp port 443")
    res = lab.run("maschinchen", "curl -s https://vpn.example.net/health")
    assert (res.returncode, res.stdout) == (0, '{"status":"pass"}\n')
    dump = job.result(timeout=0).stdout
    # keep-alive: the client closes after the answer, nginx answers the FIN with its own
    assert flags(dump) == ["S", "S.", ".", "P.", ".", "P.", ".", "F.", "F.", "."]
    assert "seq 0," not in dump and "Flags [R" not in dump
    lines = dump.splitlines()
    client = lines[0].split()[1]
    assert lines[7].split()[1] == client and lines[8].split()[3] == client + ":"
    # the SYN carries the kernel's options and a hashed ISN; later segments count relative to it
    assert re.search(r"Flags \[S\], seq \d{4,}, win 64240, options \[mss 1460,sackOK,TS val \d+ ecr 0,nop,"
                     r"wscale 10\]", lines[0])
    assert re.search(r"Flags \[P\.\], seq 1:(\d+), ack 1, ", lines[3])
    # the client's socket waits in TIME-WAIT, the server's is gone; conntrack says TIME_WAIT
    assert re.search(r"^TIME-WAIT +0 +0 +10\.0\.5\.2:\d+ +203\.0\.113\.10:443 *$",
                     lab.run("maschinchen", "ss -tan").stdout, re.M)
    peer = client.rpartition(".")[0] + ":" + client.rpartition(".")[2]      # (tailscaled's DERP stays ESTAB)
    assert peer not in lab.run("vps", "ss -tan").stdout
    ct = lab.run("cafe", "conntrack -L -p tcp --dport 443").stdout
    assert re.search(r"^tcp +6 1[01]\d TIME_WAIT src=10\.0\.5\.2 dst=203\.0\.113\.10 ", ct, re.M)
    lab.advance(61)
    assert "TIME-WAIT" not in lab.run("maschinchen", "ss -tan").stdout


def test_duckdns_cron_leaves_no_established_flows_behind() -> None:
    lab = Lab.load("headscale", state="ready")
    lab.advance(86400)
    for node in lab.nodes:
        ct = lab.run(node, "conntrack -L -p tcp").stdout
        established = [line for line in ct.splitlines() if "ESTABLISHED" in line]
        # what stays open is the one long-lived DERP connection of a tailnet client, never the cron's HTTPS
        assert len(established) <= 1, (node, established)
        assert not any("dport=443" in line and "203.0.113.1 " in line for line in established)


def test_pveproxy_and_sshd_answer_over_the_kernel_tcp() -> None:
    lab = Lab.load("headscale", state="ready")
    job = lab.start("proxmox", "tcpdump -n -t -i eth0 tcp port 8006")
    res = lab.run("debian", "curl -sk https://192.168.0.101:8006/")
    assert res.returncode == 0 and "Proxmox" in res.stdout
    assert flags(job.result(timeout=0).stdout)[:3] == ["S", "S.", "."]
    assert flags(job.result(timeout=0).stdout)[-3:] == ["F.", "F.", "."]
    job = lab.start("vps", "tcpdump -n -t -i eth0 tcp port 22")
    assert lab.run("maschinchen", "ssh -o StrictHostKeyChecking=no root@203.0.113.10 hostname").stdout == "vps\n"
    dump = job.result(timeout=0).stdout
    assert flags(dump) == ["S", "S.", ".", "P.", ".", "P.", ".", "F.", "F.", "."]
    assert "length 1200" in dump and "length 1100" in dump


def test_a_stopped_daemon_resets_like_a_closed_port() -> None:
    lab = Lab.load("headscale", state="ready")
    assert lab.run("proxmox", "systemctl stop pveproxy").ok
    job = lab.start("proxmox", "tcpdump -n -t -i eth0 tcp port 8006")
    res = lab.run("debian", "curl -sSk https://192.168.0.101:8006/")
    assert res.returncode == 7 and "Couldn't connect to server" in res.stderr
    assert flags(job.result(timeout=0).stdout) == ["S", "R."]


PORTFWD = {"nodes": {
    "client": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 203.0.113.50/24 dev eth0"]},
    "router": {"interfaces": {"wan": "wan", "lan": "lan"},
               "startup": ["ip addr add 203.0.113.1/24 dev wan", "ip addr add 192.168.0.1/24 dev lan",
                           "sysctl -w net.ipv4.ip_forward=1",
                           "iptables -t nat -A PREROUTING -i wan -p tcp --dport 8080 -j DNAT "
                           "--to-destination 192.168.0.10:8000"]},
    "server": {"interfaces": {"eth0": "lan"},
               "startup": ["ip addr add 192.168.0.10/24 dev eth0", "ip route add default via 192.168.0.1"]}}}


def test_curl_through_a_port_forward_to_http_server_uses_the_kernel_tcp() -> None:
    lab = Lab.from_dict(PORTFWD)
    lab.start("server", "python3 -m http.server 8000")
    job = lab.start("server", "tcpdump -n -t -i eth0 tcp")
    res = lab.run("client", "curl -sI http://203.0.113.1:8080/")
    assert res.returncode == 0 and res.stdout.startswith("HTTP/1.0 200 OK\r\n")
    dump = job.result(timeout=0).stdout
    assert "seq 0," not in dump and "Flags [R" not in dump
    # behind the router the client's address is unchanged, the port is the forwarded one
    assert re.search(r"^IP 203\.0\.113\.50\.\d+ > 192\.168\.0\.10\.8000: Flags \[S\], seq \d+", dump, re.M)
    # HTTP/1.0: http.server closes first, so its socket waits in TIME-WAIT, not curl's
    fins = [line for line in dump.splitlines() if "Flags [F.]" in line]
    assert [f.split()[1].rsplit(".", 1)[0] for f in fins] == ["192.168.0.10", "203.0.113.50"]
    assert flags(dump)[-1] == "."
    assert re.search(r"^TIME-WAIT .* 192\.168\.0\.10:8000 +203\.0\.113\.50:\d+ *$",
                     lab.run("server", "ss -tan").stdout, re.M)
    ct = lab.run("router", "conntrack -L").stdout
    assert re.search(r"TIME_WAIT src=203\.0\.113\.50 dst=203\.0\.113\.1 sport=\d+ dport=8080 "
                     r"src=192\.168\.0\.10 dst=203\.0\.113\.50 sport=8000", ct)
    explained = res.trace.explain()
    assert "DNAT" in explained or "Portweiterleitung" in explained


def test_nginx_listen_ipv6_adds_its_socket_to_ss() -> None:
    lab = Lab.load("headscale")
    assert "[::]:443" not in lab.run("vps", "ss -tln").stdout
    site = "/etc/nginx/sites-available/headscale"
    assert lab.run("vps", f"sed -i 's/^    listen 443 ssl http2;$/&\\n    listen [::]:443 ssl http2;/' {site}").ok
    assert lab.run("vps", "systemctl reload nginx").ok
    rows = [line.split()[3] for line in lab.run("vps", "ss -tln").stdout.splitlines()[1:]]
    assert rows[-2:] == ["[::]:22", "[::]:443"]          # ss dumps IPv4 sockets first, then IPv6 ones


def test_a_reset_takes_its_sequence_number_from_the_segments_ack() -> None:
    from simnet.kernel.tcp import reset_for
    from simnet.links.packet import Tcp

    # tcp_v4_send_reset: an ACK to a closed port is answered with R, seq = its ack; a SYN with R.
    assert reset_for(Tcp(40000, 80, ".", 1000, 5000)) == Tcp(80, 40000, "R", 5000, 0, window=0)
    assert reset_for(Tcp(40000, 80, "S", 1000, 0)) == Tcp(80, 40000, "R.", 0, 1001, window=0)
    assert reset_for(Tcp(40000, 80, "F", 7, 0, 10)) == Tcp(80, 40000, "R.", 0, 18, window=0)
