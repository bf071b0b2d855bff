"""ICMPv6 redirects: a router that forwards a packet out of the interface it came in on tells the
sender about the better first hop; the host's route cache takes it (held to the kernel by
tests/kernel/cases/v6s_redirect*.yaml)."""
from __future__ import annotations

from simnet import Lab
from simnet.kernel.ipv6.addr import eui64_linklocal
from simnet.links.mac import mac_for

R_LL = str(eui64_linklocal(mac_for("r", "eth0")))
B_LL = str(eui64_linklocal(mac_for("b", "eth0")))


def _lab(a_extra: tuple[str, ...] = ()) -> Lab:
    lab = Lab.from_dict({"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::2/64 dev eth0", f"ip -6 route add default via {R_LL} dev eth0", *a_extra]},
        "r": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::1/64 dev eth0", "sysctl -w net.ipv6.conf.all.forwarding=1",
            f"ip -6 route add 2001:db8:9::/64 via {B_LL} dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::3/64 dev eth0", "ip addr add 2001:db8:9::1/64 dev lo"]}}})
    lab.run("a", "sleep 2.5")
    return lab


def _redirects(lab: Lab, cmd: str) -> list[str]:
    dump = lab.start("a", f"tcpdump -n -i eth0 icmp6 and src host {R_LL}")
    lab.run("a", cmd)
    return [line.split(" ", 1)[1] for line in dump.result(0).stdout.splitlines() if "redirect" in line]


def test_the_host_takes_the_better_first_hop() -> None:
    lab = _lab()
    seen = _redirects(lab, "ping -c 2 -i 0.5 -W 1 2001:db8:9::1")
    assert seen == [f"IP6 {R_LL} > 2001:db8::2: ICMP6, redirect, 2001:db8:9::1 to {B_LL}, length 160"]
    get = lab.run("a", "ip -6 route get 2001:db8:9::1").stdout
    assert get == f"2001:db8:9::1 from :: via {B_LL} dev eth0 src 2001:db8::2 metric 1024 pref medium\n"
    assert lab.run("a", "ip -6 route show cache").stdout == f"2001:db8:9::1 via {B_LL} dev eth0 metric 1024 pref medium\n"
    assert f"via {R_LL}" in lab.run("a", "ip -6 route get 2001:db8:9::7").stdout      # per destination
    neigh = lab.run("a", "ip -6 neigh show dev eth0").stdout
    assert any(line.startswith(B_LL) and " router " in line for line in neigh.splitlines())
    # from now on the echo requests go straight to b: the router sees none of them
    dump = lab.start("r", "tcpdump -n -i eth0 icmp6 and dst host 2001:db8:9::1")
    lab.run("a", "ping -c 1 -W 1 2001:db8:9::1")
    res = dump.result(0)
    assert "listening on eth0" in res.stderr and "2001:db8:9::1" not in res.stdout
    lab.run("a", "ip -6 route flush cache")
    assert lab.run("a", "ip -6 route show cache").stdout == ""
    assert f"via {R_LL}" in lab.run("a", "ip -6 route get 2001:db8:9::1").stdout


def test_accept_redirects_is_per_interface() -> None:
    lab = _lab(("sysctl -w net.ipv6.conf.all.accept_redirects=0",))
    _redirects(lab, "ping -c 1 -W 1 2001:db8:9::1")
    assert f"via {B_LL}" in lab.run("a", "ip -6 route get 2001:db8:9::1").stdout      # all=0 does not stop eth0
    lab.run("a", "ip -6 route flush cache")
    lab.run("a", "sysctl -w net.ipv6.conf.eth0.accept_redirects=0")
    lab.run("a", "sleep 1.5")
    assert len(_redirects(lab, "ping -c 1 -W 1 2001:db8:9::1")) == 1                 # sent, but ignored
    assert f"via {R_LL}" in lab.run("a", "ip -6 route get 2001:db8:9::1").stdout
    assert lab.run("a", "ip -6 route show cache").stdout == ""


def test_one_redirect_a_second_per_destination() -> None:
    lab = _lab(("sysctl -w net.ipv6.conf.eth0.accept_redirects=0",))
    assert len(_redirects(lab, "ping -c 4 -i 0.2 -W 1 2001:db8:9::1")) == 1
    lab.run("a", "sleep 1")
    assert len(_redirects(lab, "ping -c 1 -W 1 2001:db8:9::1")) == 1


def test_a_router_does_not_take_redirects() -> None:
    lab = _lab(("sysctl -w net.ipv6.conf.eth0.forwarding=1",))
    assert len(_redirects(lab, "ping -c 1 -W 1 2001:db8:9::1")) == 1
    assert lab.run("a", "ip -6 route show cache").stdout == ""
