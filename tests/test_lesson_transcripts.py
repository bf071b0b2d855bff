"""The console transcripts in the lessons are what simnet prints now.

Each scenario replays commands on a fresh lab. Every shown step must equal a command of a
```console block of the page exactly (prompt line and whole output; indentation, trailing blank
lines and simulated times do not count), and where a step says so, the German explanation must
stand in the page. Every command a page shows must be replayed (or listed in UNREPLAYED with the
reason). When simnet's output
changes on purpose, update the page; when it changes by accident, this fails.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from simnet import Lab
from tests.lesson_scenarios_lan import SCEN_LAN

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

# Commands a page shows that are not replayed, with the reason (real-kernel transcripts, sketches).
UNREPLAYED: dict[str, dict[str, str]] = {}

NOSNAT = ("tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24 "
          "--advertise-exit-node --accept-routes --snat-subnet-routes=false")

# the ready state of the headscale lab up to Jules' login (for the pre-auth key)
READY_WITHOUT_JULES = [
    ("_vps", "headscale users create zabooz"), ("_vps", "headscale users create jules"),
    ("_tailscale", "sysctl -w net.ipv4.ip_forward=1"),
    ("_tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24 "
                   "--advertise-exit-node --accept-routes"),
    ("_maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes"),
    ("_vps", "headscale nodes register --user zabooz --key FMCdnyhQV8JHZ-4JvtooKEDA"),
    ("_vps", "headscale nodes register --user zabooz --key j_TXk_BaDo0S9sUI2e40SNgs"),
    ("_vps", "headscale nodes approve-routes --identifier 1 --routes 0.0.0.0/0,::/0,192.168.0.0/24")]

ACL_ADMINS = """echo '{
  "groups": {"group:admins": ["zabooz@"]},
  // Daniel darf alles, sonst niemand
  "acls": [
    {"action": "accept", "src": ["group:admins"], "dst": ["*:*"]},
  ],
}' > /etc/headscale/acl.hujson"""
ACL_AUTO = """echo '{
  "autoApprovers": {"routes": {"192.168.0.0/24": ["zabooz@"]}},
}' > /etc/headscale/acl.hujson"""

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
     ("heimnetz", [("router", "iptables -t nat -A PREROUTING -i wan -p tcp --dport 8006 -j DNAT --to-destination 192.168.0.101"),
      ("router", "iptables -t nat -A PREROUTING -i wan -p icmp -j DNAT --to-destination 192.168.0.101"),
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
 "04-nat/nat-typen.md": [("headscale:ready", [("_maschinchen", "tailscale ping 100.64.0.1"),
      ("cafe", "conntrack -L -p udp --sport 41641")]),
     ("headscale:ready", [("nat", "cafe", "symmetric"), ("_maschinchen", "tailscale ping 100.64.0.1"),
      ("cafe", "conntrack -L -p udp --sport 41641")])],
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
      ("maschinchen", "ping -c 1 -W 1 192.168.0.101"), ("job", "proxmox", "tcpdump -t -n -i eth0 icmp"),
      ("_maschinchen", "ping -c 1 -W 1 192.168.0.101"), ("jobshow",),
      ("tailscale", "iptables -D FORWARD -j ts-forward"), ("tailscale", "iptables -I FORWARD 1 -j ts-forward"),
      ("maschinchen", "ping -c 1 -W 1 192.168.0.101")])],
 "06-diagnose/ping.md": [
     ("headscale:ready", [("maschinchen", "ping -c 2 -W 1 192.168.0.101")]),
     ("headscale:ready", [("_maschinchen", "tailscale set --accept-routes=false"),
      ("maschinchen", "ping -c 1 -W 1 192.168.0.101")]),
     ("headscale:ready", [("tailscale", "sysctl -w net.ipv4.ip_forward=0"), ("maschinchen", "ping -c 2 -W 1 192.168.0.101")]),
     ("heimnetz", [("proxmox", "ping -c 1 -W 5 192.168.0.77")]),
     ("heimnetz", [("debian", "ip route del default"), ("debian", "ping -c 1 203.0.113.10")]),
     ("heimnetz", [("_router", "ip link set wan mtu 1400"), ("_internet", "ip link set eth1 mtu 1400"),
      ("debian", "ping -c 2 -W 1 -s 1400 203.0.113.10")])],
 "06-diagnose/traceroute-und-ttl.md": [
     ("heimnetz", [("proxmox", "ping -c 1 -t 2 203.0.113.10"), ("proxmox", "traceroute -n 203.0.113.10")]),
     ("heimnetz", [("router", "iptables -A FORWARD -d 203.0.113.10 -j DROP"),
      ("proxmox", "traceroute -n -q 1 -m 5 203.0.113.10")]),
     ("headscale:ready", [("_maschinchen", "ping -c 1 192.168.0.101"), ("maschinchen", "traceroute 192.168.0.101")]),
     ("headscale:ready", [("tailscale", "sysctl -w net.ipv4.ip_forward=0"),
      ("maschinchen", "traceroute -n -q 1 -m 3 192.168.0.101")]),
     ("heimnetz", [("router", "iptables -A FORWARD -d 203.0.113.10 -j REJECT --reject-with icmp-host-unreachable"),
      ("debian", "traceroute -n -q 1 -w 1 203.0.113.10"), ("debian", "traceroute -n -I -q 1 -w 1 203.0.113.10")])],
 "06-diagnose/fehlersuche-methode.md": [
     ("headscale:ready", [("_tailscale", NOSNAT), ("maschinchen", "ping -c 1 -W 1 192.168.0.101"),
      ("maschinchen", "ip -br addr"), ("maschinchen", "ip route get 192.168.0.101"),
      ("maschinchen", "tailscale ping 100.64.0.1"), ("job", "tailscale", "tcpdump -n -i eth0 icmp"),
      ("_maschinchen", "ping -c 1 -W 1 192.168.0.101"), ("jobterm",), ("proxmox", "ip route get 100.64.0.2"),
      ("job", "router", "tcpdump -n -i wan icmp"), ("_maschinchen", "ping -c 1 -W 1 192.168.0.101"), ("jobterm",),
      ("router", "ip route add 100.64.0.0/10 via 192.168.0.150"), ("maschinchen", "ping -c 3 192.168.0.101"),
      ("proxmox", "ip route get 100.64.0.2")])],
 "06-diagnose/ip-route-get.md": [
     ("heimnetz", [("proxmox", "ip route get 203.0.113.10"), ("proxmox", "ip route get 100.64.0.2")]),
     ("headscale:ready", [("tailscale", "ip route get 192.168.0.101"), ("maschinchen", "ip route"),
      ("maschinchen", "ip route get 192.168.0.101"), ("maschinchen", "ip route get 192.168.0.101 mark 0x80000")]),
     ("heimnetz", [("debian", "ip route del default"), ("debian", "ip route get 203.0.113.10")])],
 "00-schichtenmodelle/osi-und-tcp-ip.md": [
     ("heimnetz", [("job", "router", "tcpdump -v -e -n -t -i lan icmp"), ("_proxmox", "ping -c 1 203.0.113.10"),
      ("jobshow",)]),
     ("heimnetz", [("job", "router", "tcpdump -v -e -n -t -i wan icmp"), ("_proxmox", "ping -c 1 203.0.113.10"),
      ("jobshow",)])],
 "10-weg-zum-server/ssh-telnet-und-tls.md": [("headscale", [("maschinchen", "ssh root@203.0.113.10 hostname"),
      ("job", "vps", "tcpdump -n -t -i eth0 tcp port 22"), ("_maschinchen", "ssh root@203.0.113.10 hostname"),
      ("jobshow",)])],
 "06-diagnose/windows-und-linux.md": [("headscale", [("maschinchen", "ip -4 addr show dev wlan0"),
      ("maschinchen", "ip route"), ("maschinchen", "cat /etc/resolv.conf"), ("maschinchen", "ping -c 2 10.0.5.1"),
      ("maschinchen", "traceroute -n -q 1 203.0.113.10"), ("maschinchen", "nslookup vpn.example.net"),
      ("maschinchen", "ip neigh")])],
 "08-tailscale-headscale/tailnet-adressen.md": [("headscale:ready", [("vps", "headscale nodes list"),
      ("maschinchen", "tailscale ip"), ("maschinchen", "ip route show table 52"), ("tailscale", "ip route show table 52")])],
 "08-tailscale-headscale/tabelle-52-und-ts-chains.md": [("headscale:ready", [("maschinchen", "ip rule"),
      ("maschinchen", "ip route show table 52"), ("maschinchen", "ip route show table main"), ("tailscale", "iptables-save"),
      ("_maschinchen", "ping -c 1 192.168.0.101"), ("tailscale", "iptables -L ts-forward -v -n"),
      ("tailscale", "iptables -t nat -L ts-postrouting -v -n")])],
 "06-diagnose/tcpdump.md": [
     ("headscale:ready", [("job", "tailscale", "tcpdump -n -i tailscale0 icmp"), ("_maschinchen", "ping -c 1 192.168.0.101"),
      ("jobterm",)]),
     ("headscale:ready", [("job", "tailscale", "tcpdump -n -i eth0 host 192.168.0.101"),
      ("_maschinchen", "ping -c 1 192.168.0.101"), ("jobterm",)]),
     ("headscale:ready", [("job", "tailscale", "tcpdump -n -i any icmp"), ("_maschinchen", "ping -c 1 192.168.0.101"),
      ("jobterm",)])],
 "09-nat-traversal/stun.md": [
     ("headscale:ready", [("job", "vps", "tcpdump -n -i eth0 ip and udp port 3478"), ("_tailscale", "tailscale netcheck"),
      ("_maschinchen", "tailscale netcheck"), ("jobterm",), ("cafe", "conntrack -L -p udp"),
      ("maschinchen", "tailscale netcheck")]),
     ("headscale:ready", [("nat", "cafe", "udp-blocked"), ("maschinchen", "tailscale netcheck")]),
     ("headscale:ready", [("nat", "cafe", "symmetric"), ("maschinchen", "tailscale netcheck")])],
 "09-nat-traversal/hole-punching.md": [
     ("headscale:ready", [("advance", 120), ("job", "router", "tcpdump -n -i wan udp and not port 3478"),
      ("maschinchen", "tailscale ping 100.64.0.1"), ("jobterm",), ("router", "conntrack -L -p udp")]),
     ("headscale:ready", [("nat", "cafe", "symmetric"), ("nat", "router", "port-restricted-cone"),
      ("maschinchen", "tailscale ping 100.64.0.1")])],
 "08-tailscale-headscale/koordinationsserver.md": [("headscale", [('vps', 'systemctl status headscale'), ('maschinchen', 'tailscale up --login-server=https://vpn.example.net --accept-routes'), ('maschinchen', 'tailscale status'), ('_vps', 'headscale users create zabooz'), ('vps', 'headscale nodes register --user zabooz --key FMCdnyhQV8JHZ-4JvtooKEDA'), ('maschinchen', 'tailscale status'), ('vps', 'headscale nodes register --user zabooz --key nodekey:abc123')])],
 "10-weg-zum-server/reverse-proxy-und-websocket.md": [("headscale", [('vps', 'head -12 /etc/headscale/config.yaml'), ('vps', 'nginx -t'), ('maschinchen', 'curl -I http://vpn.example.net/'), ('vps', "sed -i 's/proxy_set_header Upgrade/#proxy_set_header Upgrade/' /etc/nginx/sites-available/headscale"), ('vps', 'nginx -t'), ('vps', 'systemctl reload nginx'), ('maschinchen', 'tailscale up --login-server=https://vpn.example.net --accept-routes'), ('vps', 'journalctl -u headscale -n 5 --no-pager'), ('vps', 'systemctl stop headscale'), ('maschinchen', 'curl -sI https://vpn.example.net/'), ('vps', 'tail -n 2 /var/log/nginx/error.log')])],
 "10-weg-zum-server/dns-und-duckdns.md": [("headscale", [('maschinchen', 'host vpn.example.net'), ('maschinchen', 'nslookup vpn.example.net'), ('maschinchen', 'dig vpn.example.net'), ('maschinchen', 'host nix.example.net'), ('tailscale', 'crontab -l'), ('tailscale', 'cat /usr/local/bin/duckdns-update.sh'), ('tailscale', '/usr/local/bin/duckdns-update.sh'), ('tailscale', 'cat /var/log/duckdns.log'), ('vps', 'curl -s "https://www.duckdns.org/update?domains=vpn&token=falsch&ip="'), ('router', 'ip addr del 198.51.100.57/25 dev wan'), ('router', 'ip addr add 198.51.100.58/25 dev wan'), ('router', 'ip route add default via 198.51.100.1'), ('maschinchen', 'dig +short home.example.net'), ('advance', 360), ('maschinchen', 'dig +short home.example.net')]),
     ("headscale", [("_vps", "ip addr del 203.0.113.10/25 dev eth0"), ("_vps", "ip addr add 203.0.113.20/25 dev eth0"),
      ("_vps", "ip route add default via 203.0.113.1"),
      ("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes")]),
     ("headscale", [("maschinchen", "host -t AAAA home.example.net"),
      ("tailscale", 'curl -s "https://www.duckdns.org/update?domains=home&token=<DUCKDNS-TOKEN>'
                    '&ipv6=2001:db8:1:0:ad:6bff:fedf:2716&verbose=true"'),
      ("advance", 60), ("maschinchen", "host -t AAAA home.example.net")])],
 "10-weg-zum-server/ports-und-firewall.md": [("headscale:ready", [('vps', 'ss -tulpn'), ('vps', 'ufw allow 22/tcp'), ('vps', 'ufw allow 443/tcp'), ('vps', 'ufw enable', 'y'), ('vps', 'ufw status verbose'), ('maschinchen', 'tailscale netcheck'), ('vps', 'iptables -L ufw-user-input -v -n'), ('vps', 'ufw allow 3478/udp'), ('maschinchen', 'tailscale netcheck'), ('vps', 'ufw status numbered')])],
 "10-weg-zum-server/tls-zertifikate.md": [("headscale", [("vps", "certbot certificates"), ("_vps", "ufw allow 22/tcp"),
      ("_vps", "ufw allow 443/tcp"), ("_vps", "ufw allow 3478/udp"), ("_vps", "ufw --force enable"),
      ("advance", 2 * 86400 + 60),
      ("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes"),
      ("maschinchen", "curl -I https://vpn.example.net/"), ("vps", "certbot renew"), ("vps", "ufw allow 80/tcp"),
      ("vps", "certbot renew"), ("vps", "certbot certificates")])],
 "08-tailscale-headscale/user-und-nodes.md": [
     ("headscale", [("vps", "headscale users create zabooz"), ("vps", "headscale users create jules"),
      ("vps", "headscale users list")]),
     ("headscale:ready", [("vps", "headscale nodes rename -i 2 laptop-daniel"), ("vps", "headscale nodes list -u zabooz"),
      ("maschinchen", "tailscale status")]),
     ("headscale", READY_WITHOUT_JULES + [("vps", "headscale preauthkeys create --user jules"),
      ("vps", "headscale preauthkeys create --user 2 --expiration 1h"),
      ("jules-laptop", "tailscale up --login-server=https://vpn.example.net --authkey "
                       "95ff4ce0fae1d40d6cfb6d15c374d95d6c673225b1e7d528")]),
     ("headscale:ready", [("jules-laptop", "ping -c 1 -W 1 100.64.0.1"), ("jules-laptop", "ping -c 1 -W 1 192.168.0.101")])],
 "08-tailscale-headscale/exit-node.md": [("headscale", [("_vps", "headscale users create zabooz"),
      ("_tailscale", "sysctl -w net.ipv4.ip_forward=1"),
      ("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-exit-node"),
      ("_vps", "headscale nodes register --user zabooz --key FMCdnyhQV8JHZ-4JvtooKEDA"),
      ("vps", "headscale nodes list-routes"), ("vps", "headscale nodes approve-routes -i 1 -r 0.0.0.0/0"),
      ("vps", "headscale nodes list-routes"),
      ("_maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes"),
      ("_vps", "headscale nodes register --user zabooz --key 3o5W7oGunw17Iq1-YHZSIqlg"),
      ("maschinchen", "tailscale status"), ("maschinchen", "tailscale set --exit-node=100.64.0.1"),
      ("maschinchen", "tailscale status"), ("maschinchen", "ip route show table 52"),
      ("maschinchen", "traceroute -n -q 1 203.0.113.10"), ("maschinchen", "ping -c 1 -W 1 10.0.5.1"),
      ("maschinchen", "tailscale set --exit-node="), ("maschinchen", "ip route show table 52")]),
     ("headscale:ready", [("_maschinchen", "tailscale set --exit-node=100.64.0.1"),
      ("maschinchen", "tailscale up --accept-routes")]),
     ("headscale:ready", [("_maschinchen", "tailscale set --exit-node=tailscale"),
      ("maschinchen", "ip -6 route show table 52"), ("tailscale", "ip6tables -t nat -S ts-postrouting")]),
     ("headscale", [("tailscale", "ip -6 route show default"),
      ("tailscale", "sysctl -w net.ipv6.conf.all.forwarding=1"), ("tailscale", "ip -6 route show default"),
      ("tailscale", "ping -6 -c 1 2001:db8:ff00::10"), ("explain",),
      ("tailscale", "sysctl net.ipv6.conf.eth0.accept_ra"), ("tailscale", "sysctl net.ipv6.conf.eth0.accept_ra=2"),
      ("advance", 600), ("tailscale", "ip -6 route show default")])],
 "08-tailscale-headscale/policy.md": [
     ("headscale:ready", [("vps", ACL_ADMINS), ("vps", "headscale policy check -f /etc/headscale/acl.hujson"),
      ("vps", "sed -i 's#path: \"\"#path: /etc/headscale/acl.hujson#' /etc/headscale/config.yaml"),
      ("vps", "grep -A2 '^policy' /etc/headscale/config.yaml"), ("vps", "systemctl restart headscale"),
      ("jules-laptop", "ping -c 1 -W 1 100.64.0.1"), ("explain",), ("maschinchen", "ping -c 1 -W 1 100.64.0.3"),
      ("vps", "headscale policy set -f /etc/headscale/acl.hujson")]),
     ("headscale", [("_vps", "headscale users create zabooz"), ("vps", ACL_AUTO),
      ("vps", "headscale policy check -f /etc/headscale/acl.hujson"),
      ("vps", "sed -i 's#path: \"\"#path: /etc/headscale/acl.hujson#' /etc/headscale/config.yaml"),
      ("vps", "systemctl restart headscale"), ("tailscale", "sysctl -w net.ipv4.ip_forward=1"),
      ("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24"),
      ("vps", "headscale nodes register --user zabooz --key FMCdnyhQV8JHZ-4JvtooKEDA"),
      ("vps", "headscale nodes list-routes")]),
     ("headscale", [("vps", "echo '{\"acls\": [{\"action\": \"accept\", \"src\": [\"jules\"], \"dst\": [\"*:*\"]}]}' "
                            "> /tmp/kaputt.hujson"),
      ("vps", "headscale policy check -f /tmp/kaputt.hujson")])],
 "08-tailscale-headscale/subnet-router.md": [("headscale", [("_vps", "headscale users create zabooz"),
      ("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24 --accept-routes"),
      ("vps", "headscale nodes register --user zabooz --key FMCdnyhQV8JHZ-4JvtooKEDA"),
      ("vps", "headscale nodes list-routes"),
      ("_maschinchen", "tailscale up --login-server=https://vpn.example.net"),
      ("_vps", "headscale nodes register --user zabooz --key 3o5W7oGunw17Iq1-YHZSIqlg"),
      ("maschinchen", "ping -c 1 -W 1 192.168.0.101"),
      ("vps", "headscale nodes approve-routes --identifier 1 --routes 192.168.0.0/24"), ("vps", "headscale nodes list-routes"),
      ("maschinchen", "ip route show table 52"),
      ("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes"),
      ("maschinchen", "ip route show table 52"), ("maschinchen", "ping -c 1 -W 1 192.168.0.101"),
      ("tailscale", "sysctl -w net.ipv4.ip_forward=1"), ("maschinchen", "ping -c 1 -W 1 192.168.0.101"),
      ("tailscale", "iptables -t nat -S ts-postrouting"),
      ("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24 "
                    "--accept-routes --snat-subnet-routes=false"),
      ("tailscale", "iptables -t nat -S ts-postrouting"), ("maschinchen", "ping -c 1 -W 1 192.168.0.101"),
      ("router", "ip route add 100.64.0.0/10 via 192.168.0.150"), ("maschinchen", "ping -c 1 -W 1 192.168.0.101")]),
     ("headscale:ready", [("tailscale", "tailscale set --advertise-routes=192.168.0.0/24,2001:db8:1::/64"),
      ("vps", "headscale nodes list-routes"), ("maschinchen", "ping -6 -c 1 -W 1 2001:db8:1:0:14:6eff:fed8:d12c"),
      ("explain",), ("vps", "headscale nodes approve-routes -i 1 -r 0.0.0.0/0,192.168.0.0/24,2001:db8:1::/64"),
      ("maschinchen", "ip -6 route show table 52"),
      ("maschinchen", "ping -6 -c 1 -W 1 2001:db8:1:0:14:6eff:fed8:d12c")])],
 "07-vpn/vpn-und-wireguard.md": [("headscale:ready", [("_maschinchen", "tailscale ping 100.64.0.1"),
      ("job", "router", "tcpdump -n -i wan udp"), ("_maschinchen", "ping -c 1 192.168.0.101"), ("jobterm",),
      ("maschinchen", "ip addr show tailscale0")])],
 "09-nat-traversal/derp.md": [("headscale:ready", [("nat", "cafe", "udp-blocked"),
      ("maschinchen", "tailscale ping -c 3 100.64.0.1"), ("maschinchen", "ping -c 1 -W 2 192.168.0.101"),
      ("maschinchen", "tailscale status"), ("job", "vps", "tcpdump -n -i eth0 tcp port 443"),
      ("_maschinchen", "ping -c 1 -W 2 192.168.0.101"), ("jobterm",)])],
}

SCEN.update(SCEN_LAN)

PROMPT = re.compile(r"^root@([A-Za-z0-9_.-]+):~# ?(.*)$")
FENCE = re.compile(r"^```(\w*)")
# simulated times may move when the timing model changes; everything else must match exactly
TIMES = [
    (re.compile(r"\b\d\d:\d\d:\d\d\.\d{6}\b"), "HH:MM:SS.us"),
    (re.compile(r"time=\d+(?:\.\d+)? ms"), "time=T ms"),
    (re.compile(r"rtt min/avg/max/mdev = [\d./]+ ms"), "rtt min/avg/max/mdev = T ms"),
    (re.compile(r"\btime \d+ms\b"), "time Tms"),
    (re.compile(r"\b\d+\.\d{3} ms\b"), "T ms"),
    (re.compile(r"\bin \d+(?:\.\d+)?m?s\b"), "in Tms"),
    (re.compile(r"^(tcp|udp|icmpv6|icmp)( +\d+) +\d+ ", re.M), r"\1\2 T "),   # conntrack's countdown
    (re.compile(r"expires \d+sec"), "expires Tsec"),
    (re.compile(r"\* Time: \S+"), "* Time: T"),
    (re.compile(r"\b20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\b"), "YYYY-MM-DD HH:MM:SS"),
    (re.compile(r"(Generated by iptables-save v[\d.]+ \(nf_tables\) on|Completed on) .*$", re.M), r"\1 DATE"),
]

from tests.lesson_scenarios_ipv6 import SCEN_IPV6  # noqa: E402  (the IPv6 page's scenarios)

SCEN.update(SCEN_IPV6)


def normalise(text: str) -> str:
    """Indentation (admonitions), trailing blank lines and simulated times do not count."""
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    out = "\n".join(lines)
    for rx, rep in TIMES:
        out = rx.sub(rep, out)
    return out


def sections(md: str) -> list[tuple[str, str]]:
    """(prompt line, normalised output) of every command shown in a ```console block, in page order."""
    found: list[tuple[str, list[str]]] = []
    in_console = False
    cur: tuple[str, list[str]] | None = None
    sketch = False          # a block that starts with "$ simnet shell": what to type, without output
    for raw in md.splitlines():
        line = raw.strip()
        fence = FENCE.match(line)
        if fence:
            if in_console and cur is not None and not sketch:
                found.append(cur)
            cur = None
            in_console = not in_console and fence.group(1) == "console"
            sketch = False
            continue
        if not in_console:
            continue
        if cur is None and line.startswith("$ "):
            sketch = True
        if sketch:
            continue
        if PROMPT.match(line):
            if cur is not None:
                found.append(cur)
            cur = (line, [])
        elif cur is not None:
            cur[1].append(line)
    return [(p, normalise("\n".join(o))) for p, o in found]


def _terminal_order(stderr: str) -> tuple[str, str]:
    """ssh's host-key question comes before the remote command's output on a terminal."""
    mark = "to the list of known hosts.\n"
    if "Are you sure you want to continue connecting" in stderr and mark in stderr:
        cut = stderr.index(mark) + len(mark)
        return stderr[:cut], stderr[cut:]
    return "", stderr


def replay(spec, steps) -> list[tuple[str, str] | str]:
    """Run one scenario: shown steps as (prompt line, output), German explanations as plain text."""
    lab = lab_for(spec)
    shown: list[tuple[str, str] | str] = []
    job = None
    jobs: list = []
    last = None
    for st in steps:
        if st[0] == "advance":
            lab.advance(st[1])
        elif st[0] == "nat":  # lab.set_nat (no shell command for it)
            lab.set_nat(st[1], st[2])
        elif st[0] == "job":                  # jobs nest: jobshow/jobterm end the newest one first
            jobs.append((st[1], st[2], lab.start(st[1], st[2])))
        elif st[0] == "jobshow":
            n, c, j = job = jobs.pop() if jobs else job
            shown.append((f"root@{n}:~# {c}".strip(), normalise(j.result().stdout)))
        elif st[0] == "jobterm":
            n, c, j = job = jobs.pop() if jobs else job
            j.result()                        # Ctrl+C: the terminal shows the output in the order written
            shown.append((f"root@{n}:~# {c}".strip(), normalise(j.screen())))
        elif st[0] == "explain":
            shown.append(last.trace.explain())
        else:
            node, cmd, *typed = st            # typed: what the learner answers to a prompt (y)
            line = f"echo {typed[0]} | {cmd}" if typed else cmd
            r = last = lab.run(node.lstrip("_"), line)
            if typed:                         # the terminal echoes the answer after the question
                r = dataclasses.replace(r, stdout=r.stdout.replace("? ", f"? {typed[0]}\n", 1))
            if not node.startswith("_"):
                first, _, more = cmd.partition("\n")       # a command over several lines shows them first
                before, after = _terminal_order(r.stderr)
                shown.append((f"root@{node}:~# {first}".strip(),
                              normalise((more + "\n" if more else "") + before + r.stdout + after)))
    return shown


def problems(page: str) -> list[str]:
    """What the page shows that simnet does not print, and what it shows without a replay."""
    text = (LESSONS / page).read_text(encoding="utf-8")
    doc = sections(text)
    prose = " ".join(text.split())
    covered = [False] * len(doc)
    out: list[str] = []
    for spec, steps in SCEN[page]:
        for item in replay(spec, steps):
            if isinstance(item, str):
                if " ".join(item.split()) not in prose:
                    out.append(f"Erklärung fehlt: {item}")
                continue
            same = [k for k, (p, o) in enumerate(doc) if p == item[0] and o == item[1]]
            if same:
                for k in same:
                    covered[k] = True
                continue
            shown = [o for p, o in doc if p == item[0]]
            out.append(f"{item[0]}\n--- simnet:\n{item[1]}\n--- Seite:\n" + ("\n~~~\n".join(shown) or "(fehlt)"))
    for k, (p, _o) in enumerate(doc):
        if not covered[k] and p not in UNREPLAYED.get(page, ()):
            out.append(f"ohne Wiederholung gezeigt: {p}")
    return out


@pytest.mark.parametrize("page", sorted(SCEN))
def test_transcript_matches_simnet(page: str) -> None:
    assert problems(page) == []


def test_every_page_with_a_transcript_is_replayed() -> None:
    pages = {str(p.relative_to(LESSONS)) for p in LESSONS.glob("*/*.md") if sections(p.read_text(encoding="utf-8"))}
    assert sorted(pages - set(SCEN)) == []


def test_the_windows_example_is_what_the_exercises_render() -> None:
    """The ipconfig /all on the page and in the exercises come from one function."""
    from simnet.exercises.facts import ipconfig_all

    text = (LESSONS / "06-diagnose" / "windows-und-linux.md").read_text(encoding="utf-8")
    shown = text.split("```text\n", 1)[1].split("```", 1)[0]
    want = ipconfig_all("LAPTOP-CAFE", "10.0.5.2", 24, "10.0.5.1", "203.0.113.1", "02:51:59:4a:b1:77",
                        dhcp=True, dhcp_server="10.0.5.1")
    assert shown.strip("\n") == want.strip("\n")


def test_the_nat_type_table_on_the_hole_punching_page_is_what_simnet_does() -> None:
    """Every cell (café NAT × home NAT) says "direkt" or "DERP" as tailscale ping finds it."""
    names = {"Full Cone": "full-cone", "Restricted Cone": "restricted-cone",
             "Port-Restricted Cone": "port-restricted-cone", "Symmetric": "symmetric"}
    text = (LESSONS / "09-nat-traversal" / "hole-punching.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| **")]
    header = [c.strip() for c in next(line for line in text.splitlines() if line.startswith("| Café")).split("|")[2:-1]]
    assert len(rows) == 4 and len(header) == 4
    for row in rows:
        cells = [c.strip().strip("*") for c in row.split("|")[1:-1]]
        cafe = names[cells[0]]
        for home, shown in zip(header, cells[1:]):
            lab = Lab.load("headscale", state="ready")
            lab.set_nat("cafe", cafe)
            lab.set_nat("router", names[home])
            res = lab.run("maschinchen", "tailscale ping 100.64.0.1")
            assert shown == ("direkt" if res.returncode == 0 else "DERP"), (cafe, home)
