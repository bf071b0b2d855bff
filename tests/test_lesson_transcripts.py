"""The console transcripts in the lessons (chapters 01–06) are what simnet prints now.

Each scenario replays commands on a fresh lab; the prompt line plus the output
of every shown step must appear verbatim in the page (indentation ignored), and
where a step says so, the German explanation as well. When simnet's output
changes on purpose, update the page; when it changes by accident, this fails.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from simnet import Lab

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


def lab_for(spec):
    if isinstance(spec, dict):
        return Lab.from_dict(spec)
    name, _, state = spec.partition(":")
    return Lab.load(name, state=state) if state else Lab.load(name)

ZWEI = {"name": "zwei-wege", "nodes": {
    "laptop": {"interfaces": {"eth0": "kabel", "wlan0": "funk"},
               "startup": ["ip addr add 192.168.0.2/24 dev eth0", "ip addr add 10.0.5.2/24 dev wlan0",
                           "ip route add default via 192.168.0.1 dev eth0 metric 100",
                           "ip route add default via 10.0.5.1 dev wlan0 metric 600"]},
    "router": {"interfaces": {"lan": "kabel"}, "startup": ["ip addr add 192.168.0.1/24 dev lan"]},
    "hotspot": {"interfaces": {"lan": "funk"}, "startup": ["ip addr add 10.0.5.1/24 dev lan"]}}}
SUB = {"name": "subnetz", "nodes": {
    "debian": {"interfaces": {"eth0": "lan"}},
    "router": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}}

UFW = ["iptables -A INPUT -i lo -j ACCEPT", "iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
       "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -A INPUT -p tcp --dport 80 -j ACCEPT",
       "iptables -A INPUT -p tcp --dport 443 -j ACCEPT", "iptables -A INPUT -p udp --dport 3478 -j ACCEPT",
       "iptables -P INPUT DROP"]

SCEN = {
 "01-ipv4/ipv4-und-cidr.md": [("heimnetz", [("proxmox", "ip -4 addr show dev eth0"), ("proxmox", "ip route")])],
 "01-ipv4/subnetting.md": [(SUB, [("debian", "ip addr add 192.168.0.158/28 dev eth0"), ("debian", "ip route"),
     ("debian", "ip route add default via 192.168.0.1"), ("debian", "ping -c 1 -W 1 192.168.0.1"),
     ("explain", "debian", "ping -c 1 -W 1 192.168.0.1")])],
 "01-ipv4/private-bereiche-und-cgnat.md": [("headscale:ready", [("maschinchen", "ip addr show tailscale0"),
     ("tailscale", "iptables -S ts-input")])],
 "02-ethernet-arp/arp.md": [("heimnetz", [("job", "debian", "tcpdump -t -n -e -i eth0"), ("_proxmox", "ping -c 1 192.168.0.158"),
     ("jobshow",), ("proxmox", "ip neigh"), ("advance", 40), ("proxmox", "ping -c 1 -W 5 192.168.0.77"), ("proxmox", "ip neigh")]),
     ("heimnetz", [("_proxmox", "ping -c 1 -W 5 192.168.0.77"), ("explain", "proxmox", "")]),
     ("heimnetz", [("proxmox", "ip route get 203.0.113.10"), ("proxmox", "ping -c 1 203.0.113.10"), ("proxmox", "ip neigh")])],
 "03-routing/routingtabelle-und-lpm.md": [("heimnetz", [("maschinchen", "ip route"), ("maschinchen", "ip route get 203.0.113.10"),
     ("maschinchen", "ip route add 203.0.113.0/24 via 10.0.5.99"), ("maschinchen", "ip route"),
     ("maschinchen", "ip route get 203.0.113.10"), ("maschinchen", "ping -c 1 -W 5 203.0.113.10")]),
     ("headscale:ready", [("maschinchen", "ip rule"), ("maschinchen", "ip route"), ("maschinchen", "ip route show table 52"),
     ("maschinchen", "ip route get 192.168.0.101"),
     ("maschinchen", "ip route show table all")])],
 "03-routing/default-route-und-metriken.md": [(ZWEI, [("laptop", "ip route"), ("laptop", "ip route get 203.0.113.10"),
     ("laptop", "ip link set eth0 down"), ("laptop", "ip route"), ("laptop", "ip route get 203.0.113.10"),
     ("laptop", "ip link set eth0 up"), ("laptop", "ip route"),
     ("_laptop", "ip route del default"), ("laptop", "ip route"), ("laptop", "ping -c 1 203.0.113.10"),
     ("explain", "laptop", "ping -c 1 203.0.113.10"), ("laptop", "ip route add default via 192.168.0.1")])],
 "03-routing/ip-forwarding.md": [("heimnetz", [("cafe", "sysctl net.ipv4.ip_forward"), ("cafe", "sysctl -w net.ipv4.ip_forward=0"),
     ("cafe", "cat /proc/sys/net/ipv4/ip_forward"), ("maschinchen", "ping -c 2 -W 1 203.0.113.10"),
     ("explain", "maschinchen", "ping -c 2 -W 1 203.0.113.10")]),
     ("headscale:ready", [("tailscale", "sysctl -w net.ipv4.ip_forward=0"), ("maschinchen", "ping -c 2 -W 1 192.168.0.101"),
     ("maschinchen", "ping -c 1 -W 1 100.64.0.1")]),
     ("headscale", [("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24")])],
 "04-nat/masquerade-snat-dnat.md": [
     ("heimnetz", [("router", "iptables -t nat -S POSTROUTING"), ("job", "vps", "tcpdump -t -n -i eth0 icmp"),
      ("proxmox", "ping -c 1 203.0.113.10"), ("jobshow",), ("router", "iptables -t nat -D POSTROUTING -o wan -j MASQUERADE"),
      ("proxmox", "ping -c 1 -W 1 203.0.113.10"), ("explain", "proxmox", "ping -c 1 -W 1 203.0.113.10"),
      ("router", "iptables -t nat -A POSTROUTING -o wan -j SNAT --to-source 198.51.100.57"),
      ("_proxmox", "ping -c 1 -W 1 203.0.113.10"), ("router", "iptables -t nat -L POSTROUTING -n -v")]),
     ("heimnetz", [("router", "iptables -t nat -A PREROUTING -i wan -p icmp -j DNAT --to-destination 192.168.0.101"),
      ("job", "proxmox", "tcpdump -t -n -i eth0 icmp"), ("maschinchen", "ping -c 1 198.51.100.57"), ("jobshow",),
      ("explain", "maschinchen", "ping -c 1 198.51.100.57")]),
     ("headscale:ready", [("job", "proxmox", "tcpdump -t -n -i eth0 icmp"), ("_maschinchen", "ping -c 1 192.168.0.101"), ("jobshow",),
      ("tailscale", "iptables -t nat -S")]),
     ("headscale:ready", [("_tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24 --advertise-exit-node --accept-routes --snat-subnet-routes=false"),
      ("job", "proxmox", "tcpdump -t -n -i eth0 icmp"), ("_maschinchen", "ping -c 1 -W 1 192.168.0.101"), ("jobshow",),
      ("proxmox", "ip route get 100.64.0.2"), ("proxmox", "ip route add 100.64.0.0/10 via 192.168.0.150"),
      ("maschinchen", "ping -c 1 -W 1 192.168.0.101")])],
 "04-nat/conntrack.md": [("heimnetz", [("proxmox", "ping -c 1 203.0.113.10"), ("router", "conntrack -L"), ("advance", 10),
      ("router", "conntrack -L -p icmp"), ("advance", 25), ("router", "conntrack -L"),
      ("maschinchen", "ping -c 1 -W 1 192.168.0.101"), ("cafe", "conntrack -L"), ("router", "conntrack -F")])],
 "04-nat/nat-typen.md": [("heimnetz", [("maschinchen", "traceroute -n -U -p 3478 -q 1 -f 3 -m 3 203.0.113.10"),
      ("maschinchen", "traceroute -n -U -p 3478 -q 1 -f 3 -m 3 198.51.100.57"), ("cafe", "conntrack -L -p udp")])],
 "05-firewall/iptables-und-nftables.md": [("heimnetz", [("proxmox", "iptables -A INPUT -p icmp -j DROP"),
      ("debian", "ping -c 1 -W 1 192.168.0.101"), ("explain", "debian", "ping -c 1 -W 1 192.168.0.101"),
      ("proxmox", "iptables -I INPUT 1 -s 192.168.0.158 -p icmp -j ACCEPT"), ("proxmox", "iptables -S INPUT"),
      ("_debian", "ping -c 1 -W 1 192.168.0.101"), ("_router", "ping -c 1 -W 1 192.168.0.101"),
      ("proxmox", "iptables -L INPUT -n -v --line-numbers"), ("proxmox", "iptables -D INPUT 2"),
      ("proxmox", "iptables -A INPUT -p icmp -j REJECT"), ("router", "ping -c 1 -W 1 192.168.0.101"),
      ("proxmox", "nft list ruleset"), ("proxmox", "iptables-save")])],
 "05-firewall/forward-chain.md": [("heimnetz", [("router", "iptables -P FORWARD DROP"), ("proxmox", "ping -c 1 -W 1 203.0.113.10"),
      ("explain", "proxmox", "ping -c 1 -W 1 203.0.113.10"),
      ("router", "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"),
      ("router", "iptables -A FORWARD -i lan -o wan -j ACCEPT"), ("proxmox", "ping -c 1 -W 1 203.0.113.10"),
      ("router", "iptables -t nat -A PREROUTING -i wan -p icmp -j DNAT --to-destination 192.168.0.101"),
      ("maschinchen", "ping -c 1 -W 1 198.51.100.57"),
      ("router", "iptables -A FORWARD -i wan -o lan -p icmp -d 192.168.0.101 -j ACCEPT"),
      ("maschinchen", "ping -c 1 -W 1 198.51.100.57"), ("router", "iptables -L FORWARD -n -v --line-numbers")]),
     ("headscale:ready", [("_maschinchen", "ping -c 2 192.168.0.101"), ("tailscale", "iptables -L FORWARD -n -v"),
      ("tailscale", "iptables -L ts-forward -n -v")]),
     ("headscale:ready", [("tailscale", "iptables -I FORWARD 1 -i tailscale0 -d 192.168.0.158 -j DROP"),
      ("tailscale", "iptables -S FORWARD"), ("maschinchen", "ping -c 1 -W 1 192.168.0.158")])],
 "05-firewall/ufw.md": [("headscale", [("vps", "ufw status"), ("vps", "ufw allow 22/tcp"), ("vps", "ufw allow 80/tcp"),
      ("vps", "ufw allow 443/tcp"), ("vps", "ufw allow 3478/udp"), ("vps", "ufw --force enable"), ("vps", "ufw status verbose"),
      ("vps", "iptables -S INPUT"), ("vps", "iptables -S ufw-user-input"),
      ("maschinchen", "ping -c 1 -W 1 203.0.113.10"),
      ("maschinchen", "traceroute -n -T -p 443 -q 1 -f 3 -m 3 203.0.113.10"),
      ("maschinchen", "traceroute -n -T -p 8090 -q 1 -f 3 -m 3 203.0.113.10"), ("explain", "", ""),
      ("vps", "iptables -L ufw-user-input -n -v"), ("vps", "ufw delete allow 80/tcp"), ("vps", "ufw status numbered")]),
     ("headscale:ready", [("tailscale", "ufw --force enable"), ("tailscale", "iptables -S FORWARD"),
      ("maschinchen", "ping -c 1 -W 1 192.168.0.101")])],
 "06-diagnose/ping.md": [
     ("headscale:ready", [("maschinchen", "ping -c 2 -W 1 192.168.0.101")]),
     ("headscale:ready", [("tailscale", "sysctl -w net.ipv4.ip_forward=0"), ("maschinchen", "ping -c 2 -W 1 192.168.0.101")]),
     ("heimnetz", [("proxmox", "ping -c 1 -W 5 192.168.0.77")]),
     ("heimnetz", [("debian", "ip route del default"), ("debian", "ping -c 1 203.0.113.10")]),
     ("heimnetz", [("_router", "ip link set wan mtu 1400"), ("_internet", "ip link set eth1 mtu 1400"),
      ("debian", "ping -c 2 -W 1 -s 1400 203.0.113.10")])],
 "06-diagnose/traceroute-und-ttl.md": [
     ("heimnetz", [("proxmox", "ping -c 1 -t 2 203.0.113.10"), ("proxmox", "traceroute -n 203.0.113.10")]),
     ("heimnetz", [("router", "iptables -A FORWARD -d 203.0.113.10 -j DROP"),
      ("proxmox", "traceroute -n -q 1 -m 5 203.0.113.10")]),
     ("headscale:ready", [("tailscale", "sysctl -w net.ipv4.ip_forward=0"),
      ("maschinchen", "traceroute -n -q 1 -m 3 192.168.0.101")]),
     ("heimnetz", [("router", "iptables -A FORWARD -d 203.0.113.10 -j REJECT --reject-with icmp-host-unreachable"),
      ("debian", "traceroute -n -q 1 -w 1 203.0.113.10"), ("debian", "traceroute -n -I -q 1 -w 1 203.0.113.10")])],
 "06-diagnose/ip-route-get.md": [
     ("heimnetz", [("proxmox", "ip route get 203.0.113.10"), ("proxmox", "ip route get 100.64.0.2")]),
     ("headscale:ready", [("tailscale", "ip route get 192.168.0.101"), ("maschinchen", "ip route"),
      ("maschinchen", "ip route get 192.168.0.101"), ("maschinchen", "ip route get 192.168.0.101 mark 0x80000")]),
     ("heimnetz", [("debian", "ip route del default"), ("debian", "ip route get 203.0.113.10")])],
}



def _norm(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines())


def _missing(page: str) -> list[str]:
    doc = _norm((LESSONS / page).read_text(encoding="utf-8"))
    missing: list[str] = []
    for spec, steps in SCEN[page]:
        lab = lab_for(spec)
        job = None
        last = None
        for st in steps:
            if st[0] == "advance":
                lab.advance(st[1])
                continue
            if st[0] == "job":
                job = (st[1], st[2], lab.start(st[1], st[2]))
                continue
            if st[0] == "jobshow":
                n, c, j = job
                chunk = f"root@{n}:~# {c}\n" + j.result().stdout.rstrip("\n") + "\n"
            elif st[0] == "explain":
                chunk = last.trace.explain()
            else:
                node, cmd = st
                r = last = lab.run(node.lstrip("_"), cmd)
                if node.startswith("_"):
                    continue
                chunk = f"root@{node}:~# {cmd}\n{r.stdout + r.stderr}".rstrip("\n")
            if _norm(chunk) not in doc:
                missing.append(chunk)
    return missing


@pytest.mark.parametrize("page", sorted(SCEN))
def test_transcript_matches_simnet(page: str) -> None:
    assert _missing(page) == []
