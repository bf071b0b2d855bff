"""The road and the VPS dual stack (issue 16): AAAA for vpn.example.net, getaddrinfo's choice
of family in ping and curl, and nginx's IPv4-only ``listen 443`` against IPv6 clients."""
import pytest

from simnet import Lab
from simnet.lab import LabError


@pytest.fixture(scope="module")
def v4() -> Lab:
    return Lab.load("headscale")


@pytest.fixture()
def dual() -> Lab:
    return Lab.load("headscale", ipv6_lan=True)


def test_the_roads_dns_answers_aaaa_for_the_vps(v4: Lab) -> None:
    dig = v4.run("maschinchen", "dig AAAA vpn.example.net")
    assert "status: NOERROR" in dig.stdout and "ANSWER: 1," in dig.stdout
    assert "vpn.example.net.\t60\tIN\tAAAA\t2001:db8:ff00::10" in dig.stdout
    assert v4.run("maschinchen", "dig +short AAAA vpn.example.net").stdout == "2001:db8:ff00::10\n"
    # a name without an AAAA record: an empty answer with the zone's SOA, as a resolver sends it
    www = v4.run("maschinchen", "dig AAAA www.duckdns.org").stdout
    assert "ANSWER: 0," in www and "SOA" in www


def test_ping_dash_6_needs_an_ipv6_address_of_its_own(v4: Lab) -> None:
    # AI_ADDRCONFIG: the café laptop has no IPv6 address, so getaddrinfo gives no AAAA result
    r = v4.run("maschinchen", "ping -6 -c 1 vpn.example.net")
    assert (r.returncode, r.stdout, r.stderr) == (2, "", "ping: vpn.example.net: Address family for hostname not supported\n")
    r = v4.run("maschinchen", "ping -6 -c 1 nix.example.net")
    assert r.stderr == "ping: nix.example.net: Name or service not known\n"
    r = v4.run("maschinchen", "ping -c 1 vpn.example.net")       # without -6: IPv4 as always
    assert r.ok and r.stdout.startswith("PING vpn.example.net (203.0.113.10) 56(84) bytes of data.")


def test_a_dual_stack_host_pings_the_name_over_ipv6_first(dual: Lab) -> None:
    r = dual.run("debian", "ping -c 1 vpn.example.net")
    assert r.ok
    lines = r.stdout.splitlines()
    assert lines[0] == "PING vpn.example.net(2001:db8:ff00::10 (2001:db8:ff00::10)) 56 data bytes"
    assert lines[1].startswith("64 bytes from 2001:db8:ff00::10 (2001:db8:ff00::10): icmp_seq=1 ttl=62 time=")
    assert dual.run("debian", "ping -n -c 1 vpn.example.net").stdout.startswith(
        "PING vpn.example.net(2001:db8:ff00::10) 56 data bytes\n64 bytes from 2001:db8:ff00::10: icmp_seq=1")
    assert dual.run("debian", "ping -4 -c 1 vpn.example.net").stdout.startswith("PING vpn.example.net (203.0.113.10)")


def test_without_an_ipv6_route_ping_falls_back_and_ping_dash_6_fails(dual: Lab) -> None:
    assert dual.run("debian", "ip -6 route del default").ok
    r = dual.run("debian", "ping -6 -c 1 vpn.example.net")
    assert (r.returncode, r.stderr) == (2, "ping: connect: Network is unreachable\n")
    # RFC 6724 rule 1: an unreachable IPv6 address sorts last, the IPv4 one is used
    assert dual.run("debian", "ping -c 1 vpn.example.net").stdout.startswith("PING vpn.example.net (203.0.113.10)")


def test_curl_dash_6_meets_nginx_listening_on_ipv4_only_until_listen_is_added(dual: Lab) -> None:
    r = dual.run("debian", "curl -6 https://vpn.example.net/health")
    assert r.returncode == 7
    assert r.stderr.startswith("curl: (7) Failed to connect to vpn.example.net port 443 after ")
    assert r.stderr.endswith(" ms: Couldn't connect to server\n")
    assert "nginx lauscht auf Port 443 nur über IPv4" in r.trace.explain()
    assert "`listen [::]:443 …` und `systemctl reload nginx`" in r.trace.explain()
    # happy eyeballs: curl without -6 tries IPv6 first, is refused, and takes IPv4
    v = dual.run("debian", "curl -v https://vpn.example.net/health")
    assert v.stdout.strip() == '{"status":"pass"}'
    assert "*   Trying [2001:db8:ff00::10]:443...\n*   Trying 203.0.113.10:443...\n" in v.stderr
    assert v.trace.ok          # the refused IPv6 attempt was superseded by the IPv4 one
    site = "/etc/nginx/sites-available/headscale"
    assert dual.run("vps", f"sed -i 's/^    listen 443 ssl http2;$/&\\n    listen [::]:443 ssl http2;/' {site}").ok
    assert "listen [::]:443 ssl http2;" in dual.run("vps", f"cat {site}").stdout
    assert dual.run("vps", "systemctl reload nginx").ok
    ok = dual.run("debian", "curl -6 https://vpn.example.net/health")
    assert (ok.returncode, ok.stdout.strip()) == (0, '{"status":"pass"}')


def test_curl_dash_6_on_a_host_without_ipv6_cannot_connect(v4: Lab) -> None:
    r = v4.run("maschinchen", "curl -6 https://vpn.example.net/")
    assert r.returncode == 7 and r.stderr.startswith("curl: (7) Failed to connect to vpn.example.net port 443")
    r = v4.run("maschinchen", "curl -6 https://www.duckdns.org/")       # no AAAA record at all
    assert (r.returncode, r.stderr) == (7, "curl: (7) Couldn't connect to server\n")


def test_a_records_list_gives_a_and_aaaa_and_is_checked() -> None:
    base = {"name": "r", "meta": {"road": {"records": {"a.example.net": ["203.0.113.5", "2001:db8:5::5"]}}},
            "nodes": {"pc": {"interfaces": {"eth0": "lan"}}}}
    lab = Lab.from_dict(base)
    from simnet.services.road import road_of

    rec = road_of(lab).zone.get("a.example.net")
    assert (str(rec.address), str(rec.address6)) == ("203.0.113.5", "2001:db8:5::5")
    bad = {**base, "meta": {"road": {"records": {"a.example.net": ["203.0.113.5", "nope"]}}}}
    with pytest.raises(LabError, match="IPv6-Adresse"):
        Lab.from_dict(bad)


def test_with_headscales_derp_on_443_ipv6_still_meets_nginx() -> None:
    try:
        lab = Lab.load("headscale", ipv6_lan=True, state="ready")
    except (LabError, TypeError):
        lab = Lab.load("headscale", state="ready")
    r = lab.run("tailscale", "curl -6 -m 3 https://vpn.example.net/health")
    assert r.returncode == 7 and "nginx lauscht auf Port 443 nur über IPv4" in r.trace.explain()
    assert lab.run("tailscale", "curl -m 3 https://vpn.example.net/health").stdout.strip() == '{"status":"pass"}'
