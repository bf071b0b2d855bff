"""``ip maddress`` (iproute2 6.1 ipmaddr.c): the multicast memberships of each device.

ipmaddr reads /proc/net/dev_mcast (``link``), /proc/net/igmp (``inet``) and /proc/net/igmp6
(``inet6``) and prints them per device: the link-layer addresses in the order the device took
them, IPv4's 224.0.0.1, then the IPv6 groups of :mod:`simnet.kernel.ipv6.mld`, newest first, a
shared group with `` users N``. ``-4``/``-6``/``-0`` keep one family; a device that does not exist
is no error (the filter matches nothing). ``add``/``del`` of static link-layer groups is not modelled.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing (tests/test_cold_imports.py)
if TYPE_CHECKING:
    from typing import Any

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_parse import duparg, duparg2, matches
from simnet.links.packet6 import multicast_mac

__all__ = ["maddr"]

USAGE = """Usage: ip maddr [ add | del ] MULTIADDR dev STRING
       ip maddr show [ dev STRING ]"""
IPV4_ALL_HOSTS = "224.0.0.1"
IPV4_ALL_HOSTS_MAC = "01:00:5e:00:00:01"


def maddr(ctx: Context, args: list[str], opts: Any) -> int:
    if args and (matches(args[0], "add") or matches(args[0], "delete")):
        ctx.eprint(f'simnet: "ip maddr {args[0]}" (statische Multicast-Adressen) wird hier nicht nachgebildet.')
        return 1
    if args:
        if not any(matches(args[0], w) for w in ("list", "show", "lst")):
            if matches(args[0], "help"):
                raise UsageError(USAGE, 255)
            ctx.eprint(f'Command "{args[0]}" is unknown, try "ip maddr help".')
            return 255
        args = args[1:]
    dev: str | None = None
    while args:
        word = args.pop(0)
        if word == "dev":
            if not args:
                raise UsageError('Command line is not complete. Try option "help"', 255)
            if dev is not None:
                raise duparg("dev", args[0])
            dev = args.pop(0)
        elif matches(word, "help"):
            raise UsageError(USAGE, 255)
        else:
            if dev is not None:
                raise duparg2("dev", word)
            dev = word
    node = ctx.node
    family = opts.family
    for iface in sorted(node.interfaces.values(), key=lambda i: i.index):
        if dev is not None and iface.name != dev:
            continue
        lines = _lines(node, iface, family)
        if lines:
            ctx.print(f"{iface.index}:\t{iface.name}")
            for line in lines:
                ctx.print(f"\t{line}")
    return 0


def _lines(node: Any, iface: Any, family: str | None) -> list[str]:
    groups = node.ip6.stack.mld.listing(iface)          # (group, users), newest first
    out: list[str] = []
    if family in (None, "link") and not iface.is_loopback and iface.kind != "tun":
        # every group but the interface-local ones (ff01::) loads its MAC into the device's list
        macs = [str(multicast_mac(g)) for g, _ in reversed(groups) if (int(g) >> 112) & 0xF != 1]
        link: list[str] = macs[:1] + [IPV4_ALL_HOSTS_MAC]     # ff02::1 came with the device, before IPv4
        for mac in macs:
            if mac not in link:
                link.append(mac)
        out += [f"link  {mac}" + (f" users {macs.count(mac)}" if macs.count(mac) > 1 else "") for mac in link]
    if family in (None, "inet"):
        out.append(f"inet  {IPV4_ALL_HOSTS}")
    if family in (None, "inet6"):
        out += [f"inet6 {g}" + (f" users {users}" if users > 1 else "") for g, users in groups]
    return out
