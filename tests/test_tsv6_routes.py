"""IPv6 subnet routes through the tailnet: advertised by the container, approved on Headscale,
accepted by the laptop into table 52 (kernel case tsv6_table52), forwarded and masqueraded by
the subnet router; every drop on the way explained."""
from simnet.lab import Lab
from simnet.trace import Disposition

DEBIAN6 = "2001:db8:1:0:14:6eff:fed8:d12c"       # debian's SLAAC address in the home LAN


def _fresh():
    lab = Lab.load("headscale", state="ready")
    lab.run("tailscale", "ip -6 addr add fd00:1::150/64 dev eth0")
    lab.run("debian", "ip -6 addr add fd00:1::158/64 dev eth0")
    lab.advance(3)
    return lab


def advertise(lab, routes="192.168.0.0/24,fd00:1::/64,2001:db8:1::/64"):
    assert lab.run("tailscale", f"tailscale set --advertise-routes={routes}").returncode == 0


def test_headscale_lists_the_ipv6_routes_and_approves_them():
    lab = _fresh()
    advertise(lab)
    assert lab.run("vps", "headscale nodes list-routes").stdout.splitlines()[1].split(" | ")[2:4] == [
        "0.0.0.0/0, 192.168.0.0/24, ::/0",
        "0.0.0.0/0, ::/0, 192.168.0.0/24, 2001:db8:1::/64, fd00:1::/64"]     # as the client sorts them
    r = lab.run("vps", "headscale nodes approve-routes -i 1 -r 0.0.0.0/0,192.168.0.0/24,fd00:1::/64,2001:db8:1::/64")
    assert r.stdout == "Node updated\n"
    row = [c.strip() for c in lab.run("vps", "headscale nodes list-routes").stdout.splitlines()[1].split(" | ")]
    assert row[2:] == ["0.0.0.0/0, 192.168.0.0/24, ::/0, 2001:db8:1::/64, fd00:1::/64",    # tsaddr.SortPrefixes
                       "0.0.0.0/0, ::/0, 192.168.0.0/24, 2001:db8:1::/64, fd00:1::/64",
                       "192.168.0.0/24, 2001:db8:1::/64, fd00:1::/64, 0.0.0.0/0, ::/0"]    # primaries, then exit


def test_accepted_ipv6_routes_in_table_52_and_the_ping_through_the_subnet_router():
    lab = _fresh()
    advertise(lab)
    lab.run("vps", "headscale nodes approve-routes -i 1 -r 0.0.0.0/0,192.168.0.0/24,fd00:1::/64,2001:db8:1::/64")
    assert lab.run("maschinchen", "ip -6 route show table 52").stdout == (
        "2001:db8:1::/64 dev tailscale0 metric 1024 pref medium\n"
        "fd00:1::/64 dev tailscale0 metric 1024 pref medium\n"
        "fd7a:115c:a1e0::/48 dev tailscale0 metric 1024 pref medium\n")
    assert "5270:\tfrom all lookup 52\n" in lab.run("maschinchen", "ip -6 rule").stdout
    assert lab.run("maschinchen", "ip -6 route get fd00:1::158").stdout == \
        "fd00:1::158 from :: dev tailscale0 table 52 src fd7a:115c:a1e0::2 metric 1024 pref medium\n"
    # the subnet router itself keeps its LAN in the main table (its own routes are no peer's)
    assert "fd00:1" not in lab.run("tailscale", "ip -6 route show table 52").stdout
    for dst, masq in (("fd00:1::158", "fd00:1::150"), (DEBIAN6, "2001:db8:1:0:ad:6bff:fedf:2716")):
        r = lab.run("maschinchen", f"ping -6 -c 1 -W 2 {dst}")
        assert r.returncode == 0, r.stdout
        main = r.trace.main
        assert main.disposition is Disposition.DELIVERED
        assert [h.node for h in main.hops if not h.underlay][:3] == ["maschinchen", "tailscale", "debian"]
        assert f"MASQUERADE auf „tailscale“: Absender fd7a:115c:a1e0::2 → {masq}" in r.trace.explain()
    st = lab.run("maschinchen", "tailscale status --json")
    assert '"fd00:1::/64"' in st.stdout


def test_each_drop_on_the_way_is_explained():
    lab = _fresh()
    advertise(lab)
    r = lab.run("maschinchen", "ping -6 -c 1 -W 1 fd00:1::158")          # not approved
    assert r.stderr == "ping: connect: Network is unreachable\n"
    assert "fd00:1::/64 zwar an, aber sie ist auf Headscale nicht freigegeben (headscale nodes approve-routes " \
           "-i 1 -r 0.0.0.0/0,192.168.0.0/24,::/0,fd00:1::/64)" in r.trace.explain()
    r = lab.run("maschinchen", "traceroute -n fd00:1::158")             # the same reason after traceroute
    assert (r.returncode, r.stderr) == (1, "\nconnect: Network is unreachable\n")
    assert r.trace.main.disposition is Disposition.NO_ROUTE
    assert "fd00:1::/64 zwar an, aber sie ist auf Headscale nicht freigegeben" in r.trace.explain()
    lab.run("vps", "headscale nodes approve-routes -i 1 -r 0.0.0.0/0,192.168.0.0/24,fd00:1::/64")
    lab.run("maschinchen", "tailscale set --accept-routes=false")        # not accepted
    assert "fd00:1" not in lab.run("maschinchen", "ip -6 route show table 52").stdout
    r = lab.run("maschinchen", "ping -6 -c 1 -W 1 fd00:1::158")
    assert r.returncode == 2
    assert "--accept-routes fehlt" in r.trace.explain()
    lab.run("maschinchen", "tailscale set --accept-routes")
    lab.run("tailscale", "sysctl -w net.ipv6.conf.all.forwarding=0")    # the router does not forward
    r = lab.run("maschinchen", "ping -6 -c 1 -W 1 fd00:1::158")
    assert r.returncode == 1
    assert r.trace.main.disposition is Disposition.FORWARDING_DISABLED and r.trace.main.where == "tailscale"
    assert "Das Paket kam durch den Tunnel: „tailscale“ ist hier Subnet-Router oder Exit-Node und muss IPv6 " \
           "weiterleiten. Abhilfe: `sysctl -w net.ipv6.conf.all.forwarding=1` auf „tailscale“." in r.trace.explain()
    lab.run("tailscale", "sysctl -w net.ipv6.conf.all.forwarding=1")
    assert lab.run("maschinchen", "ping -6 -c 1 -W 1 fd00:1::158").returncode == 0


def test_a_packet_from_the_subnet_is_taken_only_through_an_accepted_route():
    """Without SNAT a LAN host reaches the laptop with its own address: WireGuard on the laptop
    takes it only if that address lies in the router's AllowedIPs (an accepted route)."""
    lab = _fresh()
    advertise(lab)
    lab.run("vps", "headscale nodes approve-routes -i 1 -r 0.0.0.0/0,192.168.0.0/24,fd00:1::/64")
    lab.run("tailscale", "tailscale set --snat-subnet-routes=false")
    lab.run("debian", "ip -6 route add fd7a:115c:a1e0::/48 via fd00:1::150")   # the way into the tailnet
    r = lab.run("debian", "ping -6 -c 1 -W 2 fd7a:115c:a1e0::2")
    assert r.returncode == 0, r.stdout
    lab.run("maschinchen", "tailscale set --accept-routes=false")
    r = lab.run("debian", "ping -6 -c 1 -W 2 fd7a:115c:a1e0::2")
    assert r.returncode == 1
    main = r.trace.main
    assert (main.disposition, main.where) == (Disposition.TAILNET_NO_PEER, "maschinchen")
    assert "fd00:1::158" in r.trace.explain() and "--accept-routes" in r.trace.explain()


def test_the_ipv6_default_alone_is_refused_as_calcadvertiseroutes_does():
    lab = Lab.load("headscale")
    r = lab.run("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=::/0")
    assert (r.returncode, r.stderr) == (1, "::/0 advertised without its IPv4 counterpart, please also advertise 0.0.0.0/0\n")
