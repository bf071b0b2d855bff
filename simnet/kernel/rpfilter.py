"""Martian sources and the reverse-path filter (fib_validate_source) of the IPv4 input path:
a packet that claims one of our own addresses, or whose way back would leave by another
interface (rp_filter=1, strict) or by none (rp_filter=2, loose), is dropped and its journey
says why."""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: on the cold path (issue 20)

from simnet.kernel.routing import RouteError
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.stack import Stack
    from simnet.links.packet import IPv4Packet

__all__ = ["source_valid"]


def source_valid(stack: "Stack", pkt: "IPv4Packet", iface: "Interface", local: bool, mode: int) -> bool:
    """Whether ``pkt`` may come in on ``iface`` (``mode``: the interface's rp_filter).

    On lo everything comes from ourselves: fine for local delivery (the route came
    with the packet), a martian source if it would have to be forwarded."""
    if iface.kind == "loopback" and local:
        return True
    node = stack.node
    if pkt.src._ip in node.routing.local_ips and not node.sysctl.get_int(  # type: ignore[attr-defined]
            f"net.ipv4.conf.{iface.name}.accept_local"):
        stack._step(pkt, "rp_filter", "martian", src=pkt.src, dev=iface.name)
        stack._finish(pkt, Disposition.RP_FILTER, src=pkt.src, dev=iface.name, martian=True)
        return False
    if mode == 0:
        return True
    try:
        back, _ = stack.route_output(pkt.src, mark=0)
        ok = mode == 2 or back.dev == iface.name
    except RouteError:
        ok = False
    if not ok:
        stack._step(pkt, "rp_filter", "drop", src=pkt.src, dev=iface.name, mode=mode)
        stack._finish(pkt, Disposition.RP_FILTER, src=pkt.src, dev=iface.name, mode=mode)
    return ok
