"""NAT for IPv6 (nf_nat with ``ip6tables -t nat``): DNAT and REDIRECT at PREROUTING and
OUTPUT, MASQUERADE and SNAT at POSTROUTING.

IPv6 needs no NAT, but it is there: tailscale's exit node masquerades what came in on
tailscale0 (mark 0x40000/0xff0000), and a learner forwards a port with
``-j DNAT --to-destination [2001:db8::5]:8080`` or ``-j REDIRECT --to-ports 8080``.

As for IPv4 the nat table sees only the first packet of a connection; what it decides goes
into the conntrack entry's reply tuple, and every later packet is rewritten from the entry:
the destination at PREROUTING/OUTPUT, the source at POSTROUTING (and INPUT), answers and
ICMPv6 errors (with the packet they quote) the other way round. The entry a packet belongs
to rides along with it from hook to hook (the kernel's ``skb->_nfct``): ``Stack6.skb_ct``
holds it with the tuple the packet has after NAT, so that later hooks need no second lookup
of a rewritten packet. The chains and the choice of the new address are in
:mod:`simnet.kernel.ipv6.nat6_bind`.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from dataclasses import replace
from ipaddress import IPv6Address

from simnet.kernel.conntrack import ICMPV6, CtEntry, CtTuple
from simnet.links.packet import Tcp, Udp
from simnet.links.packet6 import Icmp6, IPv6Packet

if TYPE_CHECKING:
    from simnet.kernel.ipv6.fib6 import Route6
    from simnet.kernel.ipv6.stack6 import Stack6

__all__ = ["active", "prerouting", "output", "postrouting", "local_in", "local_error", "held", "key_of"]


def active(stack: "Stack6") -> bool:
    nf = stack.node.netfilter
    return bool(nf.tables) and nf.has_nat("ipv6")


def key_of(pkt: IPv6Packet) -> tuple | None:
    """The conntrack key a packet has now; an ICMPv6 error's is its quoted packet's, marked."""
    p = pkt.payload
    if isinstance(p, Icmp6) and p.is_error:
        t = CtTuple.of(p.inner) if p.inner is not None else None
        return ("error",) + t.key if t is not None else None
    t = CtTuple.of(pkt)
    return t.key if t is not None else None


def held(stack: "Stack6", pkt: IPv6Packet) -> tuple[CtEntry, int] | None:
    """The entry (and direction) ``pkt`` carries from an earlier hook, if it still looks the same."""
    ref = stack.skb_ct
    if ref is None or ref[0] != key_of(pkt):
        return None
    return ref[1], ref[2]


def _port(pkt: IPv6Packet, part: str) -> int | None:
    p = pkt.payload
    if isinstance(p, (Tcp, Udp)):
        return p.sport if part == "src" else p.dport
    if isinstance(p, Icmp6) and not p.is_error:
        return p.ident
    return None


def _set(pkt: IPv6Packet, part: str, addr: IPv6Address, port: int) -> IPv6Packet:
    """Rewrite the source or destination address and its port (an echo's id for ICMPv6)."""
    p = pkt.payload
    if isinstance(p, (Tcp, Udp)):
        p = replace(p, sport=port) if part == "src" else replace(p, dport=port)
    elif isinstance(p, Icmp6) and not p.is_error:
        p = replace(p, ident=port)
    return replace(pkt, payload=p, **{part: addr})  # type: ignore[arg-type]


def apply(stack: "Stack6", pkt: IPv6Packet, entry: CtEntry, direction: int, part: str,
          quiet: bool = False) -> IPv6Packet:
    """Make ``pkt`` (travelling in ``direction``) look as the entry says after NAT, in ``part``."""
    p = pkt.payload
    if isinstance(p, Icmp6) and p.is_error:
        return _related(stack, pkt, entry, direction, part)
    target = entry.target_tuple(direction)
    addr = target.dst if part == "dst" else target.src
    port = target.sport if target.proto == ICMPV6 or part == "src" else target.dport
    have = pkt.dst if part == "dst" else pkt.src
    if have == addr and _port(pkt, part) in (None, port):
        return pkt
    out = _set(pkt, part, addr, port)  # type: ignore[arg-type]
    if not quiet:
        stack._step(out, "nat", "conntrack", part=part, before=str(have), after=str(addr),
                    direction="reply" if direction else "original")
    return out


def _related(stack: "Stack6", pkt: IPv6Packet, entry: CtEntry, direction: int, part: str) -> IPv6Packet:
    """nf_nat_icmpv6_reply_translation: the quoted packet travelled the other way, so the error's
    destination is the quoted packet's source; the outer header is then made to look like a
    packet of the error's own direction (an error about a forwarded port comes "from" the
    address the client talked to)."""
    p = pkt.payload
    assert isinstance(p, Icmp6) and p.inner is not None
    target = entry.target_tuple(direction)
    inner = p.inner
    if part == "dst":
        port = target.sport if target.proto == ICMPV6 else target.dport
        if inner.src == target.dst and _port(inner, "src") in (None, port):
            return pkt
        out = replace(pkt, dst=target.dst, payload=replace(p, inner=_set(inner, "src", target.dst, port)))  # type: ignore[arg-type]
    else:
        port = target.sport
        if inner.dst == target.src and _port(inner, "dst") in (None, port):
            return pkt
        out = replace(pkt, src=target.src, payload=replace(p, inner=_set(inner, "dst", target.src, port)))  # type: ignore[arg-type]
    stack._step(out, "nat", "related", part=part, before=str(getattr(pkt, part)), after=str(getattr(out, part)))
    return out


def _carry(stack: "Stack6", pkt: IPv6Packet, entry: CtEntry, direction: int) -> None:
    key = key_of(pkt)
    stack.skb_ct = (key, entry, direction) if key is not None else None


def _lookup(stack: "Stack6", pkt: IPv6Packet) -> tuple[CtEntry, int] | None:
    ct = stack.node.conntrack
    p = pkt.payload
    if isinstance(p, Icmp6) and p.is_error:
        return ct.find_related(p.inner, stack.node.sim.now) if p.inner is not None else None
    t = CtTuple.of(pkt)
    return ct.find(t, stack.node.sim.now) if t is not None else None


def _dst_hook(stack: "Stack6", pkt: IPv6Packet, hook: str, in_iface: str | None) -> IPv6Packet | None:
    """Conntrack, then the nat core's destination part (PREROUTING, OUTPUT); None if dropped."""
    stack.skb_ct = None
    if pkt.dst.is_multicast or not active(stack):
        return pkt
    hit = _lookup(stack, pkt)
    if hit is None:
        p = pkt.payload
        if isinstance(p, Icmp6) and p.is_error:
            return pkt
        entry = stack.node.conntrack.new(pkt, stack.node.sim.now)
        if entry is None:
            return pkt
        from simnet.kernel.ipv6.nat6_bind import bind_dst

        if not bind_dst(stack, pkt, entry, hook, in_iface):
            return None
        hit = (entry, 0)
    entry, direction = hit
    pkt = apply(stack, pkt, entry, direction, "dst", quiet="CONFIRMED" not in entry.status)
    _carry(stack, pkt, entry, direction)
    return pkt


def prerouting(stack: "Stack6", pkt: IPv6Packet, iface: str) -> IPv6Packet | None:
    """A received packet: a new connection may be forwarded (DNAT, REDIRECT), an answer to a
    masqueraded one (or an ICMPv6 error about it) gets its real destination."""
    return _dst_hook(stack, pkt, "PREROUTING", iface)


def output(stack: "Stack6", pkt: IPv6Packet) -> IPv6Packet | None:
    """A locally sent packet before its filter chains: nat OUTPUT (DNAT, REDIRECT to ::1)."""
    return _dst_hook(stack, pkt, "OUTPUT", None)


def postrouting(stack: "Stack6", pkt: IPv6Packet, route: "Route6", in_iface: str | None,
                mark: int) -> IPv6Packet | None:
    """POSTROUTING: bind a new connection (MASQUERADE, SNAT) and rewrite the source (an answer
    from a forwarded port gets the address the client talked to); None if dropped."""
    if not active(stack):
        return pkt
    hit = held(stack, pkt) or _lookup(stack, pkt)
    if hit is None:
        return pkt
    entry, direction = hit
    local = route.type == "local" or route.dev == "lo"
    if direction == 0 and "SRC_NAT_DONE" not in entry.status and not local:
        entry.status.add("SRC_NAT_DONE")
        from simnet.kernel.ipv6.nat6_bind import bind_src

        if not bind_src(stack, pkt, entry, route, in_iface, mark):
            return None
    out = apply(stack, pkt, entry, direction, "src", quiet=entry.packets[0] <= 1 and direction == 0)
    _carry(stack, out, entry, direction)
    return out


def local_in(stack: "Stack6", pkt: IPv6Packet) -> IPv6Packet:
    """nat INPUT's source part for what a local socket gets: the answer to (or an ICMPv6 error
    about) a packet this host sent through its own nat OUTPUT comes "from" the address it
    talked to."""
    hit = held(stack, pkt)
    if hit is None:
        return pkt
    return apply(stack, pkt, hit[0], hit[1], "src")


def local_error(stack: "Stack6", err: IPv6Packet) -> IPv6Packet:
    """An ICMPv6 error this node makes about a translated packet (hop limit, no route, address
    unreachable): both parts at once, as it passes OUTPUT and POSTROUTING (nf_ct_attach gives
    it the quoted packet's entry, confirmed or not)."""
    p = err.payload
    hit = _lookup(stack, err) if isinstance(p, Icmp6) and p.inner is not None else None
    if hit is None:
        return err
    err = _related(stack, err, hit[0], hit[1], "dst")
    return _related(stack, err, hit[0], hit[1], "src")
