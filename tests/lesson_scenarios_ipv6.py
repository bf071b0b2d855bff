"""Replayed scenarios of the IPv6 page (see test_lesson_transcripts).

Kept beside the main table so that chapters written in parallel do not edit the same lines."""
from __future__ import annotations

LAPTOP6 = "2001:db8:1:0:7f:32ff:fe8a:273d"     # the laptop's SLAAC address in the dualstack lab (EUI-64)

SCEN_IPV6 = {
 "01-ipv4/ipv6.md": [
     ("dualstack", [("laptop", "ip -6 addr show dev eth0"), ("laptop", "ip -6 route"),
      ("laptop", "ip -6 neigh"), ("laptop", "ip -br addr"), ("laptop", "ip -6 maddr show dev eth0"),
      ("job", "web", "tcpdump -n -i eth0 'icmp or icmp6'"), ("laptop", "ping -c 1 198.51.100.10"),
      ("laptop", "ping -c 1 2001:db8:ffff::10"), ("advance", 1), ("jobterm",),
      ("router", "conntrack -L"), ("web", f"ping -c 1 -W 1 {LAPTOP6}"), ("explain",),
      ("router", "ip6tables -S FORWARD"), ("laptop", "ip -6 route get 2001:db8:ffff::10"),
      ("router", "sysctl -w net.ipv6.conf.all.forwarding=0"), ("laptop", "ping -c 1 -W 1 2001:db8:ffff::10"),
      ("explain",)]),
     ("dualstack", [("job", "web", "python3 -m http.server --bind :: 8000"), ("web", "ss -tln"),
      ("laptop", "curl -s http://[2001:db8:ffff::10]:8000/ | head -1"),
      ("laptop", "curl -s http://198.51.100.10:8000/ | head -1")]),
     ("headscale:ready", [("_maschinchen", "tailscale set --exit-node=100.64.0.1"),
      ("maschinchen", "ip -6 route show table 52"), ("tailscale", "sysctl net.ipv6.conf.all.forwarding")]),
     ("heimnetz", [("debian", "ip -6 -br addr show dev eth0"), ("debian", "ip -6 route"),
      ("debian", "ping -c 1 2001:db8:1:0:96:abff:fe89:1267"), ("debian", "ping -c 1 2001:db8:1::1"),
      ("debian", "ip -6 neigh"),
      ("debian", "ping -c 1 2001:db8:ff00::10"), ("debian", "ping -c 1 203.0.113.10"), ("router", "conntrack -L"),
      ("vps", "ping -c 1 -W 1 2001:db8:1:0:14:6eff:fed8:d12c"), ("explain",)])],
}
