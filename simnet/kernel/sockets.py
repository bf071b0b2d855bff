"""Local delivery: a packet for this node reaches its socket or gets the kernel's answer.

Echo requests are answered by the kernel itself (unless ignored by sysctl),
ICMP errors go to the socket that sent the quoted packet, UDP to a closed
port earns "port unreachable" and TCP a RST — exactly what a learner sees
with ping, traceroute and nc.
"""
from __future__ import annotations

from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel import redirect, udp
from simnet.links.packet import (DEST_UNREACH, ECHO_REPLY, ECHO_REQUEST, FRAG_NEEDED, PORT_UNREACH, REDIRECT, Icmp,
                                 IPv4Packet, Tcp, Udp)
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.stack import Stack
    from simnet.links.packet6 import IPv6Packet

__all__ = ["deliver", "socket_key", "answer_leg"]

LIMITED_BROADCAST = IPv4Address("255.255.255.255")


def answer_leg(pkt: "IPv4Packet | IPv6Packet") -> None:
    """From here on the journey records the answer (the way back to the sender)."""
    if pkt.journey is not None:
        pkt.journey.leg = "back"


def socket_key(inner: IPv4Packet) -> tuple | None:
    """The socket that sent ``inner`` (the packet an ICMP error quotes)."""
    ip = inner.payload
    if isinstance(ip, Icmp):
        return ("icmp", ip.ident)
    if isinstance(ip, Udp):
        return ("udp", ip.sport)
    if isinstance(ip, Tcp):
        return ("tcp", ip.sport)
    return None


def deliver(stack: "Stack", pkt: IPv4Packet, iface: "Interface") -> None:
    p = pkt.payload
    if isinstance(p, Icmp):
        if p.type == ECHO_REQUEST:
            _echo(stack, pkt, p, iface)
            return
        if p.type == REDIRECT:
            redirect.receive_redirect(stack, pkt, iface)
        if p.type == DEST_UNREACH and p.code == FRAG_NEEDED:
            stack.pmtu.learn(p)
        if p.is_error and p.inner is not None:
            inner = socket_key(p.inner)
            handler = stack.sockets.get(inner) if inner else None
            stack._step(pkt, "deliver", "icmp-error", type=p.type, code=p.code, src=pkt.src)
            if handler is not None:
                handler(pkt, "error")
            return
        key: tuple = ("icmp", p.ident)
    elif isinstance(p, (Udp, Tcp)):
        key = ("udp" if isinstance(p, Udp) else "tcp", p.dport)
    else:  # pragma: no cover - closed set of payloads
        return
    handler = stack.sockets.get(key)
    if handler is not None and key[0] == "udp" and not udp.accepts(handler, pkt):
        handler = None              # an AF_INET6 v6-only socket, or one connected to another peer
    if handler is not None:
        stack._step(pkt, "deliver", "socket", proto=key[0], port=key[1])
        if getattr(handler, "pktinfo", False):      # IP_PKTINFO: the daemon wants the device too
            handler(pkt, "data", iface)
        else:
            handler(pkt, "data")
        return
    if isinstance(p, Udp) and (pkt.dst == LIMITED_BROADCAST or any(
            pkt.dst == a.network.broadcast_address for a in iface.addresses)):
        # __udp4_lib_mcast_deliver: a broadcast nobody listens to is dropped without a word
        stack._step(pkt, "deliver", "no-listener", port=p.dport, broadcast=True)
        return
    if isinstance(p, Udp):
        stack._step(pkt, "deliver", "closed-port", port=p.dport)
        stack._finish(pkt, Disposition.PORT_UNREACHABLE, port=p.dport, proto="udp")
        stack.icmp_error(pkt, DEST_UNREACH, PORT_UNREACH)
    elif isinstance(p, Tcp) and "R" not in p.flags:
        stack._step(pkt, "deliver", "closed-port", port=p.dport)
        stack._finish(pkt, Disposition.PORT_UNREACHABLE, port=p.dport, proto="tcp")
        from simnet.kernel.tcp import reset_for

        rst = IPv4Packet(pkt.dst, pkt.src, reset_for(p), journey=pkt.journey)
        answer_leg(rst)
        stack.send_local_error(rst)


def _echo(stack: "Stack", pkt: IPv4Packet, p: Icmp, iface: "Interface") -> None:
    """icmp_echo: answer unless icmp_echo_ignore_all (or a broadcast and ignore_broadcasts)."""
    sysctl = stack.node.sysctl
    if sysctl.get_int("net.ipv4.icmp_echo_ignore_all"):
        stack._step(pkt, "deliver", "ignored", reason="icmp_echo_ignore_all")
        stack._finish(pkt, Disposition.NOT_ANSWERED, reason="icmp_echo_ignore_all")
        return
    if pkt.dst.is_multicast or pkt.dst == LIMITED_BROADCAST or any(
            a.network.prefixlen < 31 and pkt.dst == a.network.broadcast_address for a in iface.addresses):
        if sysctl.get_int("net.ipv4.icmp_echo_ignore_broadcasts"):
            return
    stack._step(pkt, "deliver", "echo-request", dst=pkt.dst)
    reply = IPv4Packet(pkt.dst, pkt.src, Icmp(ECHO_REPLY, 0, p.ident, p.seq, p.data_len),
                       ttl=sysctl.get_int("net.ipv4.ip_default_ttl"), journey=pkt.journey, dont_fragment=False)
    answer_leg(reply)
    stack.send_local_error(reply)
