"""``ip maddress`` (iproute2 6.1 ipmaddr.c): the multicast memberships of each device.

ipmaddr reads /proc/net/dev_mcast (``link``), /proc/net/igmp (``inet``) and /proc/net/igmp6
(``inet6``) and prints them per device: the link-layer addresses in the order the device took
them, IPv4's 224.0.0.1, then the IPv6 groups of :mod:`simnet.kernel.ipv6.mld`, newest first, a
shared group with `` users N``. ``-4``/``-6``/``-0`` keep one family; a device that does not exist
is no error (the filter matches nothing). A device that is down keeps only its static link-layer
groups and IPv6's ff02::1/ff01::1.

``add``/``del`` (multiaddr_modify) put a link-layer address into the device's list or take it out
with SIOCADDMULTI/SIOCDELMULTI (dev_mc_add_global): listed `` static``, one global use however
often it is added (an address the kernel holds already counts one user more), ``ioctl: No such
file or directory`` for one that was never added. The address is parsed as ll_addr_a2n does.
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
        return _modify(ctx, matches(args[0], "add"), args[1:])
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
            dev = _dev_arg(args, dev)
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
    up = iface.admin_up
    if family in (None, "link") and not iface.is_loopback and iface.kind != "tun":
        # every group but the interface-local ones (ff01::) loads its MAC into the device's list
        # (while the device is up: ipv6_mc_down and ip_mc_down unload them)
        macs = [str(multicast_mac(g)) for g, _ in reversed(groups) if (int(g) >> 112) & 0xF != 1] if up else []
        link: list[str] = macs[:1] + [IPV4_ALL_HOSTS_MAC] if up else []   # ff02::1 came first, then IPv4
        for mac in macs + iface.mc_static:
            if mac not in link:
                link.append(mac)
        for mac in link:
            users = macs.count(mac) + (mac in iface.mc_static)
            out.append(f"link  {mac}" + (f" users {users}" if users > 1 else "")
                       + (" static" if mac in iface.mc_static else ""))
    if family in (None, "inet") and up:
        out.append(f"inet  {IPV4_ALL_HOSTS}")
    if family in (None, "inet6"):
        out += [f"inet6 {g}" + (f" users {users}" if users > 1 else "") for g, users in groups]
    return out


def _dev_arg(args: list[str], dev: str | None) -> str:
    """``dev NAME``: NEXT_ARG, then duparg for a second one."""
    if not args:
        raise UsageError('Command line is not complete. Try option "help"', 255)
    if dev is not None:
        raise duparg("dev", args[0])
    return args.pop(0)


def _lladdr(arg: str) -> list[int]:
    """ll_addr_a2n: a dotted IPv4 address is 4 bytes, else colon-separated hex bytes."""
    from ipaddress import IPv4Address

    if "." in arg:
        try:
            return list(IPv4Address(arg).packed)
        except ValueError:
            raise UsageError(f'"{arg}" is invalid lladdr.', 1) from None
    out = []
    for part in arg.split(":")[:14]:
        digits = part.strip().removeprefix("0x").removeprefix("0X")
        n = 0
        while n < len(digits) and digits[n] in "0123456789abcdefABCDEF":
            n += 1
        if n == 0 or int(digits[:n], 16) > 255:
            raise UsageError(f'"{part}" is invalid lladdr.', 1)
        out.append(int(digits[:n], 16))
    return out


def _modify(ctx: Context, add: bool, args: list[str]) -> int:
    """multiaddr_modify: ``MULTIADDR dev STRING`` in any order, then SIOCADDMULTI/SIOCDELMULTI."""
    from simnet.commands.ip_parse import invarg

    dev: str | None = None
    addr = [0] * 6
    while args:
        word = args.pop(0)
        if word == "dev":
            dev = _dev_arg(args, dev)
            if not dev or len(dev) >= 16 or dev in (".", "..") or any(c in dev for c in "/: \t\n"):
                raise invarg('"dev" not a valid ifname', dev)
            continue
        if matches(word, "address"):
            if not args:
                raise UsageError('Command line is not complete. Try option "help"', 255)
            word = args.pop(0)
        if matches(word, "help"):
            raise UsageError(USAGE, 255)
        if addr[0]:
            raise duparg("address", word)
        parsed = _lladdr(word)
        if len(parsed) != 6:
            raise UsageError(f"Error: Invalid address length {len(parsed)} - must be 6 bytes", 1)
        addr = parsed
    if dev is None:
        raise UsageError('Not enough information: "dev" is required.', 255)
    iface = ctx.node.interfaces.get(dev)
    if iface is None:
        raise UsageError("ioctl: No such device", 1)
    if iface.is_loopback or iface.kind == "tun":        # no ndo_set_rx_mode: no multicast list
        raise UsageError("ioctl: Invalid argument", 1)
    mac = ":".join(f"{b:02x}" for b in addr)
    if add:
        if mac not in iface.mc_static:
            iface.mc_static.append(mac)
        return 0
    if mac not in iface.mc_static:
        raise UsageError("ioctl: No such file or directory", 1)
    iface.mc_static.remove(mac)
    return 0
