"""DuckDNS's update API with IPv6 (duckdns.org/spec.jsp): ``ipv6=`` (or an IPv6 address in ``ip=``)
sets the AAAA record, ``ip=`` left empty detects IPv4 only, a given ``ipv6`` turns that off."""
from simnet.lab import Lab

CONTAINER6 = "2001:db8:1:0:ad:6bff:fedf:2716"
URL = "https://www.duckdns.org/update?domains=home&token=<DUCKDNS-TOKEN>"


def update(lab, node, query):
    return lab.run(node, f'curl -s "{URL}{query}"').stdout


def test_the_seed_script_sends_no_ipv6_and_leaves_the_aaaa_record_alone():
    lab = Lab.load("headscale", state="ready")
    assert "&ip=\"" in lab.run("tailscale", "cat /usr/local/bin/duckdns-update.sh").stdout
    assert lab.run("tailscale", "/usr/local/bin/duckdns-update.sh").returncode == 0
    assert lab.run("tailscale", "cat /var/log/duckdns.log").stdout == "OK"
    assert lab.run("vps", "host -t AAAA home.example.net").stdout == "home.example.net has no AAAA record\n"


def test_ipv6_sets_the_aaaa_record_and_turns_the_ipv4_detection_off():
    lab = Lab.load("headscale")
    assert update(lab, "tailscale", f"&ipv6={CONTAINER6}&verbose=true") == f"OK\n\n{CONTAINER6}\nUPDATED"
    assert update(lab, "tailscale", f"&ipv6={CONTAINER6}&verbose=true") == f"OK\n\n{CONTAINER6}\nNOCHANGE"
    assert lab.run("vps", "host home.example.net").stdout == (
        "home.example.net has address 198.51.100.57\n"
        f"home.example.net has IPv6 address {CONTAINER6}\n")
    # both at once; the detected IPv4 address is the home router's (after its MASQUERADE)
    lab.run("router", "ip addr add 198.51.100.58/25 dev wan")
    assert update(lab, "tailscale", "&ip=198.51.100.58&ipv6=2001:db8:1::150&verbose=true") == \
        "OK\n198.51.100.58\n2001:db8:1::150\nUPDATED"
    assert update(lab, "tailscale", "&ip=&verbose=true") == "OK\n198.51.100.57\n\nUPDATED"
    lab.advance(61)
    assert lab.run("maschinchen", "dig +short AAAA home.example.net").stdout == "2001:db8:1::150\n"


def test_an_ipv6_address_in_ip_and_bad_values():
    lab = Lab.load("headscale")
    assert update(lab, "vps", "&ip=2001:db8:ff00::10&verbose=true") == "OK\n\n2001:db8:ff00::10\nUPDATED"
    assert update(lab, "vps", "&ipv6=kaputt") == "KO"
    assert update(lab, "vps", "&ipv6=198.51.100.9") == "KO"
    assert update(lab, "vps", "&ip=2001:db8::zz") == "KO"
