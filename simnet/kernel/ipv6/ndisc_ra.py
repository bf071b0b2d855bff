"""Router discovery on a host (ndisc_router_discovery, addrconf_prefix_rcv): what a
router advertisement changes.

* The router's link-layer address: a STALE neighbour entry with the router flag.
* Router lifetime > 0: ``default via <router's link-local> dev … proto ra metric 1024
  expires …sec hoplimit 64``; lifetime 0 removes it.
* A prefix with the on-link flag: its route (``proto kernel metric 256 expires …``).
* A /64 prefix with the autonomous flag: SLAAC, prefix + EUI-64 interface identifier,
  ``dynamic mngtmpaddr`` with the advertised lifetimes, after its own DAD.

All of it only where ``accept_ra`` allows (1 and forwarding off, or 2).
"""
from __future__ import annotations

from ipaddress import IPv6Address, IPv6Interface, IPv6Network

from simnet.kernel.ipv6.addr import eui64_linklocal
from simnet.kernel.ipv6.fib6 import MAIN, Route6
from simnet.links.packet6 import Icmp6, IPv6Packet, RouterAdvert
TYPE_CHECKING = False      # typing's, without importing typing (SLAAC at the seed labs' start)

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.node import Node

__all__ = ["router_discovery", "DEFAULT_NET"]

DEFAULT_NET = IPv6Network("::/0")
RA_METRIC = 1024
PREFIX_METRIC = 256


def router_discovery(node: "Node", iface: "Interface", pkt: IPv6Packet, p: Icmp6) -> None:
    ra = p.ra
    ip6 = node.ip6
    if ra is None or not pkt.src.is_link_local:
        return
    now = node.sim.now
    dev = iface.name
    stack = ip6.stack
    if p.lladdr is not None:      # skip_linkinfo: the sender is noted as a router even without accept_ra
        stack.neigh.learn(dev, pkt.src, p.lladdr, solicited=False)
        entry = stack.neigh.get(dev, pkt.src)
        if entry is not None:
            entry.router = True
    if not ip6.accept_ra(dev):
        return
    fib = ip6.fib
    for old in [r for r in fib.find(MAIN, DEFAULT_NET) if r.proto == "ra" and r.gateway == pkt.src and r.dev == dev]:
        fib.remove(old)
    if ra.lifetime:
        fib.add(Route6(DEFAULT_NET, dev, gateway=pkt.src, proto="ra", metric=RA_METRIC, expires=now + ra.lifetime,
                       hoplimit=ra.hop_limit))
    for info in ra.prefixes:
        net = info.prefix
        if net.is_link_local or info.preferred > info.valid:
            continue
        if info.onlink:
            learned = [r for r in fib.find(MAIN, net, dev=dev) if r.expires is not None]
            permanent = [r for r in fib.find(MAIN, net, dev=dev) if r.expires is None]
            for old in learned:
                fib.remove(old)
            if info.valid and not permanent:
                fib.add(Route6(net, dev, proto="kernel", metric=PREFIX_METRIC, expires=now + info.valid))
        if info.autonomous and net.prefixlen == 64 and info.valid and \
                node.sysctl.get_int(f"net.ipv6.conf.{dev}.autoconf"):
            _slaac(node, iface, net, info.valid, info.preferred)


def _slaac(node: "Node", iface: "Interface", net: IPv6Network, valid: int, preferred: int) -> None:
    """addrconf_prefix_rcv_add_addr: create the address, or refresh its lifetimes."""
    iid = int(eui64_linklocal(iface.mac)) & ((1 << 64) - 1)
    ip = IPv6Address(int(net.network_address) | iid)
    now = node.sim.now
    for a in iface.addresses6:
        if a.ip == ip:
            a.valid_lft, a.preferred_lft, a.lft_stamp = valid, preferred, now
            if preferred:
                a.flags.discard("deprecated")
            return
    node.ip6.add(iface.name, IPv6Interface(f"{ip}/{net.prefixlen}"), {"mngtmpaddr"}, slaac=(valid, preferred))


def make_ra(ra: RouterAdvert, lladdr) -> Icmp6:  # type: ignore[no-untyped-def]
    from simnet.links.packet6 import ROUTER_ADVERT

    return Icmp6(ROUTER_ADVERT, lladdr=lladdr, ra=ra)
