"""``/proc/net/arp`` and ``/proc/net/route``: the old text views of the neighbour and
routing tables, rendered as the kernel does (arp_seq_show, fib_route_seq_show).

Older tutorials (and ``arp -n``/``route -n`` underneath) read these files, so a
learner may ``cat`` them. Addresses in ``route`` are the raw 32-bit words as a
little-endian machine prints them: 192.168.0.0 is ``0000A8C0``.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.routing import MAIN

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["PROC_NET", "render"]

ARP_HEADER = "IP address       HW type     Flags       HW address            Mask     Device\n"
ROUTE_HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
VALID = ("PERMANENT", "NOARP", "REACHABLE", "PROBE", "STALE", "DELAY")     # NUD_VALID
RTF_UP, RTF_GATEWAY, RTF_HOST, RTF_REJECT = 0x1, 0x2, 0x4, 0x200


def _arp(node: "Node") -> str:
    lines = [ARP_HEADER]
    for e in node.neigh.all():
        if e.state == "NOARP":
            continue                      # NEIGH_SEQ_SKIP_NOARP
        flags = 0x6 if e.state == "PERMANENT" else 0x2 if e.state in VALID else 0x0
        mac = str(e.mac) if e.mac is not None else "00:00:00:00:00:00"
        lines.append(f"{str(e.ip):<16} 0x{1:<10x}0x{flags:<10x}{mac:<17}     {'*':<8} {e.dev}\n")
    return "".join(lines)


def _le(addr_int: int) -> str:
    """A network-order address printed as a host integer on a little-endian machine."""
    return f"{int.from_bytes(addr_int.to_bytes(4, 'big'), 'little'):08X}"


def _route(node: "Node") -> str:
    lines = [f"{ROUTE_HEADER:<127}\n"]
    for r in node.routing.routes(MAIN):
        if r.type in ("broadcast", "multicast"):
            continue
        flags = RTF_UP | (RTF_REJECT if r.type == "unreachable" else 0)
        if r.gateway is not None:
            flags |= RTF_GATEWAY
        if r.dst.prefixlen == 32:
            flags |= RTF_HOST
        gw = int(r.gateway) if r.gateway is not None else 0
        row = (f"{r.dev or '*'}\t{_le(int(r.dst.network_address))}\t{_le(gw)}\t{flags:04X}\t0\t0\t{r.metric}\t"
               f"{_le(int(r.dst.netmask))}\t0\t0\t0")
        lines.append(f"{row:<127}\n")
    return "".join(lines)


PROC_NET = {"/proc/net/arp": _arp, "/proc/net/route": _route}


def render(node: "Node", path: str) -> str | None:
    """The file's text, or None if simnet does not render it."""
    fn = PROC_NET.get(path)
    return fn(node) if fn is not None else None
