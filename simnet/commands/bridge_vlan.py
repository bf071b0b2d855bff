"""``bridge vlan add/del/show`` (iproute2 6.1 bridge/vlan.c): VLAN membership of bridge ports.

With ``vlan_filtering 1`` a port only carries the VLANs it is a member of: ``pvid``
is the VLAN an untagged frame arriving there belongs to (an access port), ``untagged``
strips the tag on the way out; a port with several tagged VLANs is a trunk. ``self``
means br0 itself (the bridge's own IP stack). The recording kernel has no bridge VLAN
filtering, so this output is held to iproute2's source (print_vlan_info).
"""
from __future__ import annotations

from simnet.commands.base import Context, UsageError
from simnet.commands.bridge import dispatch, unknown_device
from simnet.commands.ip_parse import incomplete, matches

__all__ = ["vlan"]

USAGE = """Usage: bridge vlan { add | del } vid VLAN_ID dev DEV [ tunnel_info id TUNNEL_ID ]
                                                     [ pvid ] [ untagged ]
                                                     [ self ] [ master ]
       bridge vlan { set } vid VLAN_ID dev DEV [ state STP_STATE ]
                                               [ mcast_router MULTICAST_ROUTER ]
       bridge vlan { show } [ dev DEV ] [ vid VLAN_ID ]
       bridge vlan { tunnelshow } [ dev DEV ] [ vid VLAN_ID ]
       bridge vlan global { set } vid VLAN_ID dev DEV
                      [ mcast_snooping MULTICAST_SNOOPING ]
                      [ mcast_querier MULTICAST_QUERIER ]
                      [ mcast_igmp_version IGMP_VERSION ]
                      [ mcast_mld_version MLD_VERSION ]
                      [ mcast_last_member_count LAST_MEMBER_COUNT ]
                      [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
                      [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
                      [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
                      [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
                      [ mcast_querier_interval QUERIER_INTERVAL ]
                      [ mcast_query_interval QUERY_INTERVAL ]
                      [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
       bridge vlan global { show } [ dev DEV ] [ vid VLAN_ID ]"""


def vlan(ctx: Context, args: list[str]) -> int:
    return dispatch(ctx, "vlan", args, USAGE, [
        (("add",), lambda rest: _modify(ctx, "add", rest)),
        (("delete",), lambda rest: _modify(ctx, "del", rest)),
        (("show", "lst", "list"), lambda rest: _show(ctx, rest))])


def _modify(ctx: Context, op: str, args: list[str]) -> int:
    dev = None
    vids: tuple[int, int] | None = None
    pvid = untagged = self_ = False
    master = False
    i = 0
    while i < len(args):
        w = args[i]
        if w in ("dev", "vid", "tunnel_info", "id"):
            i += 1
            if i >= len(args):
                raise incomplete()
            if w == "dev":
                dev = args[i]
            elif w == "vid":
                first, _, last = args[i].partition("-")
                if not first.isdigit() or last and not last.isdigit():
                    ctx.eprint("VLAN ID range is invalid")
                    return 255
                vids = (int(first), int(last or first))
        elif w == "pvid":
            pvid = True
        elif w == "untagged":
            untagged = True
        elif w == "self":
            self_ = True
        elif w == "master":
            master = True
        elif matches(w, "help"):
            raise UsageError(USAGE, 255)
        i += 1
    if dev is None:
        ctx.eprint("Device and VLAN ID are required arguments.")
        return 255
    node = ctx.node
    if unknown_device(ctx, dev):
        return 255
    iface = node.interfaces[dev]
    if vids is None:
        ctx.eprint("Device and VLAN ID are required arguments.")
        return 255
    lo, hi = vids
    if not (1 <= lo <= hi <= 4094):
        ctx.eprint("Invalid VLAN ID")
        return 255
    if pvid and lo != hi:
        ctx.eprint("pvid cannot be configured for a vlan range")
        return 255
    # self on br0 is br0's own membership; on a port (or with master) it is the port's
    br = iface.bridge if iface.bridge is not None else iface.port_of
    if br is None or (self_ and iface.bridge is None and not master):
        ctx.eprint("RTNETLINK answers: Operation not supported")
        return 255
    table = br.vlans.setdefault(iface.name, {})
    for vid in range(lo, hi + 1):
        if op == "add":
            if pvid:                        # only one PVID per port: the new one replaces it
                for other, (p, u) in list(table.items()):
                    if p:
                        table[other] = (False, u)
            table[vid] = (pvid, untagged)
        else:
            if vid not in table:
                ctx.eprint("RTNETLINK answers: No such file or directory")
                return 255
            del table[vid]
            for key in [k for k, e in br.fdb.items() if e.vid == vid and e.port == iface.name and not e.static]:
                del br.fdb[key]
    return 0


def _show(ctx: Context, args: list[str]) -> int:
    dev = None
    want: int | None = None
    i = 0
    while i < len(args):
        w = args[i]
        if w in ("dev", "vid"):
            i += 1
            if i >= len(args):
                raise incomplete()
            if w == "dev":
                dev = args[i]
            else:
                want = int(args[i]) if args[i].isdigit() else 0
        elif matches(w, "help"):
            raise UsageError(USAGE, 255)
        i += 1
    node = ctx.node
    if unknown_device(ctx, dev):
        return 255
    ctx.print(f"{'port':<16}  {'vlan-id':<9}")
    for iface in sorted(node.interfaces.values(), key=lambda x: x.index):
        br = iface.bridge if iface.bridge is not None else iface.port_of
        if br is None or dev is not None and iface.name != dev:
            continue
        first = True
        for vid, (pvid, untagged) in sorted(br.vlans.get(iface.name, {}).items()):
            if want is not None and vid != want:
                continue
            flags = (" PVID" if pvid else "") + (" Egress Untagged" if untagged else "")
            ctx.print(f"{iface.name if first else '':<16}  {vid}{flags}")
            first = False
    return 0
