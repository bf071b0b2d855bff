"""Replayed scenarios of the LAN, TCP/UDP and port forwarding pages (see test_lesson_transcripts).

Kept beside the main table so that chapters written in parallel do not edit the same lines."""
from __future__ import annotations

SCEN_LAN = {
 "02b-dhcp-dns/dhcp.md": [
     ("lan-dhcp", [("router", "cat /etc/dnsmasq.conf"), ("pc1", "ip -4 addr show dev eth0"), ("pc1", "ip route"),
      ("pc1", "cat /etc/resolv.conf"), ("router", "cat /var/lib/misc/dnsmasq.leases"),
      ("job", "router", "tcpdump -n -i lan port 67 or port 68"), ("pc1", "dhclient -r eth0"),
      ("pc1", "dhclient -v eth0"), ("advance", 1), ("jobterm",), ("router", "journalctl -u dnsmasq -n 5 --no-pager"),
      ("drucker", "ip -4 -br addr show dev eth0"), ("nas", "grep -A2 'inet static' /etc/network/interfaces")]),
     ("lan-dhcp", [("router", "systemctl stop dnsmasq"), ("pc1", "dhclient -r eth0"), ("pc1", "dhclient -v -1 eth0"),
      ("pc1", "ip -4 addr show dev eth0")])],
 "02b-dhcp-dns/dns.md": [
     ("lan-dhcp", [("pc1", "dig +short drucker.lan"), ("pc1", "host nas"), ("pc1", "nslookup laptop.lan"),
      ("pc1", "ping -c 1 drucker"), ("pc1", "dig www.example.net"), ("advance", 100), ("pc1", "dig www.example.net"),
      ("pc1", "host gibtsnicht.lan"), ("pc1", "host -t MX example.net"), ("pc1", "dig -x 192.168.0.30 +short"),
      ("router", "cat /etc/hosts")])],
 "02a-switch-vlan/switch-und-mac-tabelle.md": [
     ("buero", [("switch", "bridge fdb show br br0 | grep -v permanent"), ("job", "pc3", "tcpdump -n -e -i eth0"),
      ("pc1", "ping -c 2 192.168.1.12"), ("advance", 1), ("jobterm",),
      ("switch", "bridge fdb show br br0 | grep -v permanent"), ("pc1", "ip -br link show eth0"),
      ("pc2", "ip -br link show eth0"), ("switch", "ip -d link show br0 | grep -o 'ageing_time [0-9]*'"),
      ("switch", "sleep 310"), ("switch", "bridge fdb show br br0 | grep -v permanent"), ("pc1", "ip neigh"),
      ("job", "pc3", "tcpdump -n -e -i eth0"), ("pc1", "ping -c 2 192.168.1.12"), ("advance", 1), ("jobterm",),
      ("switch", "ip link set eth2 down"), ("switch", "bridge link show dev eth2"),
      ("switch", "bridge fdb show br br0 | grep -v permanent")])],
 "02a-switch-vlan/vlan-und-trunk.md": [
     ("vlan", [("sw1", "bridge vlan show"), ("job", "sw2", "tcpdump -n -e -i eth3"), ("pc1", "ping -c 1 192.168.10.12"),
      ("advance", 1), ("jobterm",)]),
     ("vlan", [("job", "gast2", "tcpdump -n -e -i eth0"), ("_pc1", "ping -c 1 192.168.10.12"), ("advance", 1),
      ("jobterm",)]),
     ("vlan", [("router", "ip -br addr"), ("router", "ip -d link show eth0.10"), ("_pc1", "ping -c 1 192.168.10.12"),
      ("job", "router", "tcpdump -n -e -i eth0 icmp"), ("gast1", "ping -c 1 192.168.10.12"), ("advance", 1),
      ("jobterm",), ("router", "iptables -A FORWARD -i eth0.20 -o eth0.10 -j DROP"),
      ("gast1", "ping -c 1 -W 1 192.168.10.12"), ("explain",)]),
     ("vlan", [("sw2", "bridge vlan add dev eth1 vid 20 pvid untagged"), ("sw2", "bridge vlan del dev eth1 vid 10"),
      ("sw2", "bridge vlan show dev eth1"), ("pc1", "ping -c 1 -W 5 192.168.10.12"), ("explain",),
      ("sw2", "bridge vlan add dev eth1 vid 10 pvid untagged"), ("sw2", "bridge vlan del dev eth1 vid 20"),
      ("pc1", "ping -c 1 -W 5 192.168.10.12")])],
 "02a-switch-vlan/hub-switch-router-gateway.md": [
     ("buero", [("job", "werk3", "tcpdump -n -e -i eth0"), ("werk1", "ping -c 1 192.168.2.22"), ("advance", 1),
      ("jobterm",)]),
     ("buero", [("_pc1", "ping -c 1 192.168.1.1"), ("_router", "ping -c 1 192.168.2.22"),
      ("job", "werk3", "tcpdump -n -e -v -i eth0 icmp"), ("pc1", "ping -c 1 192.168.2.22"), ("advance", 1),
      ("jobterm",), ("pc1", "ip neigh"), ("pc1", "ip route"), ("pc1", "traceroute -n 192.168.2.22")])],
 "03a-tcp-udp/tcp-und-udp.md": [
     ("buero", [("pc2", "grep -w -e 22/tcp -e 53/udp -e 443/tcp /etc/services"), ("job", "pc2", "nc -lk 8080"),
      ("pc2", "ss -tlnp"), ("_pc1", "ping -c 1 192.168.1.12"), ("job", "pc2", "tcpdump -n -i eth0 tcp"),
      ("pc1", "nc -zv 192.168.1.12 8080"), ("advance", 1), ("jobterm",), ("pc1", "ss -tan"),
      ("job", "pc2", "tcpdump -n -i eth0 tcp"), ("pc1", "echo hallo | nc -N 192.168.1.12 8080"), ("advance", 1),
      ("jobterm",), ("jobterm",)]),
     ("buero", [("_pc1", "ping -c 1 192.168.1.12"), ("job", "pc2", "tcpdump -n -i eth0 tcp"),
      ("pc1", "nc -zv 192.168.1.12 8081"), ("advance", 1), ("jobterm",),
      ("pc2", "iptables -A INPUT -p tcp --dport 8081 -j DROP"), ("job", "pc2", "tcpdump -n -i eth0 tcp"),
      ("pc1", "nc -zv -w 5 192.168.1.12 8081"), ("jobterm",), ("explain",)]),
     ("buero", [("_pc1", "ping -c 1 192.168.1.12"), ("job", "pc2", "nc -lu 5000"), ("pc2", "ss -ulnp"),
      ("job", "pc2", "tcpdump -n -i eth0 udp or icmp"), ("pc1", "echo hallo | nc -u -w 1 192.168.1.12 5000"),
      ("pc1", "echo hallo | nc -u -w 1 192.168.1.12 5001"), ("advance", 1), ("jobterm",), ("jobterm",)])],
 "05-firewall/portweiterleitung-und-dmz.md": [
     ("dmz", [("firewall", "iptables -t nat -S PREROUTING"), ("firewall", "iptables -S FORWARD"),
      ("job", "web", "python3 -m http.server 80"), ("job", "web", "tcpdump -n -i eth0 tcp port 80"),
      ("extern", "nc -zv 198.51.100.57 80"), ("advance", 1), ("jobterm",), ("firewall", "conntrack -L -p tcp"),
      ("extern", "curl -sI http://198.51.100.57/"), ("extern", "ssh -p 2222 root@198.51.100.57 hostname"),
      ("extern", "ping -c 1 -W 1 192.168.100.10")]),
     ("dmz", [("web", "ping -c 1 -W 1 192.168.0.20"), ("explain",), ("pc", "ping -c 1 192.168.100.10"),
      ("job", "web", "python3 -m http.server 80"), ("pc", "curl -sSI http://198.51.100.57/"), ("explain",),
      ("firewall", "iptables -t nat -R PREROUTING 1 -d 198.51.100.57 -p tcp --dport 80 -j DNAT "
                   "--to-destination 192.168.100.10:80"),
      ("firewall", "iptables -t nat -S PREROUTING"), ("pc", "curl -sI http://198.51.100.57/")]),
     ("heimnetz", [("job", "proxmox", "nc -lk 8006"),
      ("router", "iptables -t nat -A PREROUTING -d 198.51.100.57 -p tcp --dport 8006 -j DNAT "
                 "--to-destination 192.168.0.101"),
      ("_debian", "ping -c 1 192.168.0.101"), ("job", "debian", "tcpdump -n -i eth0 tcp port 8006"),
      ("debian", "nc -zv -w 3 198.51.100.57 8006"), ("jobterm",),
      ("router", "iptables -t nat -A POSTROUTING -o lan -s 192.168.0.0/24 -d 192.168.0.101 -p tcp --dport 8006 "
                 "-j MASQUERADE"),
      ("job", "proxmox", "tcpdump -n -i eth0 tcp port 8006"), ("debian", "nc -zv -w 3 198.51.100.57 8006"),
      ("advance", 1), ("jobterm",)])],
}
