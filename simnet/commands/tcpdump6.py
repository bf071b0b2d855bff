"""tcpdump's lines for IPv6 packets (print-ip6.c, print-icmp6.c of tcpdump 4.99).

``IP6 SRC > DST: ICMP6, echo request, id N, seq N, length 64``; with ``-v``
the IPv6 header comes first in parentheses (the flow label only when it is
not zero) and ICMPv6 says ``[icmp6 sum ok]``; with ``-e`` the Ethernet
header names ``ethertype IPv6 (0x86dd)``.
"""
from __future__ import annotations

from typing import Any

from simnet.kernel.ipv6.addr import ntop
from simnet.services.dns_wire import dns_body
from simnet.links.packet import Tcp, Udp
from simnet.links.packet6 import (DST_UNREACH, ECHO_REPLY, ECHO_REQUEST, MLD2_REPORT, NEIGH_ADVERT, NEIGH_SOLICIT, PKT_TOOBIG,
                                  REDIRECT, ROUTER_ADVERT, ROUTER_SOLICIT, TIME_EXCEED, Icmp6, IPv6Packet)

__all__ = ["ip6_text", "ether6_text"]

UNREACH6 = {0: "unreachable route", 1: "unreachable prohibited", 2: "beyond scope", 3: "unreachable address",
            4: "unreachable port"}


def _icmp6_body(p: Icmp6, verbose: bool) -> str:
    length = "" if verbose else f", length {p.length}"
    if p.type in (ECHO_REQUEST, ECHO_REPLY):
        kind = "echo request" if p.type == ECHO_REQUEST else "echo reply"
        return f"ICMP6, {kind}, id {p.ident}, seq {p.seq}" + length
    if p.type == NEIGH_SOLICIT:
        return f"ICMP6, neighbor solicitation, who has {ntop(p.target)}" + length if p.target else "ICMP6"
    if p.type == NEIGH_ADVERT:
        return f"ICMP6, neighbor advertisement, tgt is {ntop(p.target)}" + length if p.target else "ICMP6"
    if p.type == ROUTER_SOLICIT:
        return f"ICMP6, router solicitation, length {p.length}"
    if p.type == ROUTER_ADVERT:
        return f"ICMP6, router advertisement, length {p.length}"
    if p.type == REDIRECT and p.inner is not None and p.target is not None:
        return f"ICMP6, redirect, {ntop(p.inner.dst)} to {ntop(p.target)}" + length
    inner = p.inner
    if p.type == DST_UNREACH and inner is not None:
        what = UNREACH6.get(p.code, f"unknown unreach code ({p.code})")
        if p.code == 4 and isinstance(inner.payload, (Udp, Tcp)):
            proto = "udp" if isinstance(inner.payload, Udp) else "tcp"
            return (f"ICMP6, destination unreachable, {ntop(inner.dst)} {proto} port {inner.payload.dport} "
                    f"unreachable, length {p.length}")
        return f"ICMP6, destination unreachable, {what} {ntop(inner.dst)}, length {p.length}"
    if p.type == PKT_TOOBIG:
        return f"ICMP6, packet too big, mtu {p.mtu}, length {p.length}"
    if p.type == TIME_EXCEED and inner is not None:
        what = "time exceeded in-transit" if p.code == 0 else "ip6 reassembly time exceeded"
        return f"ICMP6, {what} for {ntop(inner.dst)}, length {p.length}" if p.code == 0 else \
            f"ICMP6, {what}, length {p.length}"
    return f"ICMP6, unknown icmp6 type ({p.type}), length {p.length}"


def _mld_text(pkt: IPv6Packet, p: Icmp6, addrs: str, verbose: bool) -> str:
    """mld6_print behind the hop-by-hop header: without -v only how many group records."""
    what = f"ICMP6, multicast listener report v2, {len(p.records)} group record(s)"
    if not verbose:
        return f"IP6 {addrs}: HBH {what}, length {p.length}"
    recs = "".join(f" [gaddr {ntop(g)} {mode} {{ }}]" for mode, g in p.records)
    head = f"IP6 (hlim {pkt.hlim}, next-header Options (0) payload length: {pkt.length - 40}) "
    return f"{head}{addrs}: HBH (rtalert: 0x0000) (padn) [icmp6 sum ok] {what}{recs}"


def ip6_text(pkt: IPv6Packet, numeric: bool = True, verbose: bool = False, seqs: dict | None = None) -> str:
    p = pkt.payload
    if isinstance(p, (Udp, Tcp)):
        from simnet.commands.tcpdump import _port, _tcp_text

        addrs = f"{ntop(pkt.src)}.{_port(p.sport, numeric)} > {ntop(pkt.dst)}.{_port(p.dport, numeric)}"
        body = f"UDP, length {p.data_len}" if isinstance(p, Udp) else _tcp_text(p, pkt, seqs, mss=1440)
        body = dns_body(p, body, verbose)
    else:
        addrs = f"{ntop(pkt.src)} > {ntop(pkt.dst)}"
        body = _icmp6_body(p, verbose)
    if isinstance(p, Icmp6) and p.type == MLD2_REPORT:
        return _mld_text(pkt, p, addrs, verbose)
    if not verbose:
        return f"IP6 {addrs}: {body}"
    label = f"flowlabel 0x{pkt.flowlabel:05x}, " if pkt.flowlabel else ""
    nxt = {58: "ICMPv6", 17: "UDP", 6: "TCP"}[pkt.proto]
    head = f"IP6 ({label}hlim {pkt.hlim}, next-header {nxt} ({pkt.proto}) payload length: {pkt.length - 40}) "
    if isinstance(p, Icmp6):
        return f"{head}{addrs}: [icmp6 sum ok] {body}"
    return f"{head}{addrs}: {body}"


def ether6_text(frame: Any, mac_text: Any, numeric: bool, verbose: bool) -> str:
    return (f"{mac_text(frame.src, numeric)} > {mac_text(frame.dst, numeric)}, ethertype IPv6 (0x86dd), "
            f"length {frame.length}: {ip6_text(frame.payload, numeric, verbose)[4:]}")
