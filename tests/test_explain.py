"""German explanations are derived from the trace and name the broken condition."""
from simnet import Disposition, Lab
from simnet.explain import EXPLAINERS

from tests.conftest import routed_lab


def test_every_disposition_has_an_explanation():
    assert set(EXPLAINERS) == set(Disposition)


def test_forwarding_disabled_names_node_and_sysctl():
    lab = routed_lab(forward=False)
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.2")
    assert r.trace.disposition is Disposition.FORWARDING_DISABLED
    text = r.trace.explain()
    assert "„r“" in text and "net.ipv4.ip_forward = 0" in text and "sysctl -w net.ipv4.ip_forward=1" in text


def test_missing_back_route_is_told_as_the_way_back():
    lab = routed_lab(back_route=False)
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.2")
    assert r.trace.disposition is Disposition.NO_ROUTE
    main = r.trace.main
    assert main.where == "b" and main.reason_get("leg") == "back"
    assert r.trace.explain().startswith("Die Anfrage kommt bei „b“ an, aber die Antwort schafft den Rückweg nicht.")


def test_filter_rule_text_and_number():
    lab = routed_lab()
    lab.run("r", "iptables -A FORWARD -p icmp -j ACCEPT")
    lab.run("r", "iptables -I FORWARD 1 -s 10.0.1.0/24 -j DROP")
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.2")
    assert r.trace.disposition is Disposition.FILTERED
    text = r.trace.explain()
    assert "Regel 1" in text and "-s 10.0.1.0/24 -j DROP" in text and "FORWARD" in text


def test_arp_failure_names_the_address():
    lab = routed_lab()
    r = lab.run("a", "ping -c 1 -W 5 10.0.1.77")
    assert r.trace.disposition is Disposition.ARP_FAILED
    assert "Wer hat 10.0.1.77?" in r.trace.explain()
    assert "From 10.0.1.2 icmp_seq=1 Destination Host Unreachable" in r.stdout


def test_ttl_and_success_summaries():
    lab = routed_lab()
    r = lab.run("a", "ping -c 1 -W 1 -t 1 10.0.2.2")
    assert r.trace.disposition is Disposition.TTL_EXCEEDED and "„r“" in r.trace.explain()
    ok = lab.run("a", "ping -c 2 -i 0.2 10.0.2.2")
    assert ok.trace.explain() == "Das Paket kommt an und die Antwort kommt zurück. Weg: a → r → b → r → a. " \
                                 "(2 von 2 Paketen kamen an.)"


def test_html_form_for_jupyter():
    r = Lab.load("heimnetz").run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    html = r.trace._repr_html_()
    assert "#b3261e" in html and "internet" in html


def test_repeated_traceroute_stars_are_explained_as_rate_limiting_not_a_loop():
    """Issue 15.10: the second traceroute right after the first finds the destination's ICMP
    bucket empty; the stars it prints are the rate limit, and the first run explains its path."""
    from simnet import Lab

    lab = Lab.load("heimnetz")
    first = lab.run("maschinchen", "traceroute -n 203.0.113.10")
    assert "* * *" not in first.stdout
    text = first.trace.explain()
    assert text.startswith("traceroute hat sein Ziel mit TTL 3 erreicht") and "„cafe“, „internet“" in text
    second = lab.run("maschinchen", "traceroute -n 203.0.113.10")
    assert " 3  * * *" in second.stdout
    text = second.trace.explain()
    assert "icmp_ratelimit" in text and "Schleife" in text and "ab TTL 3" in text and "„vps“" in text
    assert "TTL ist bei" not in text


def test_traceroute_without_route_names_the_router_that_has_none():
    from simnet import Lab

    lab = Lab.load("heimnetz")
    lab.run("internet", "ip route del 203.0.113.0/25")
    r = lab.run("maschinchen", "traceroute -n -m 5 203.0.113.10")
    assert "!N" in r.stdout
    assert r.trace.explain().startswith("Die Sonde mit TTL 2: „internet“ hat keine Route zu 203.0.113.10")
