"""``ip link`` and how ``ip`` draws a link (shared with ``ip address``).

print_linkinfo of iproute2 6.1: the header line, ``link/ether``, ``-d``
details, ``-s`` counters, ``-o`` joining; plus the link/address filter that
``ip link show`` and ``ip address show`` parse alike.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_parse import (AF_UNSPEC, Args, Prefix, duparg2, get_prefix, get_u32, invarg, matches,
                                      rtscope_a2n, scope_name)
from simnet.kernel.interface import Interface
from simnet.kernel.node import KernelError
from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["link", "link_flags", "link_name", "link_header", "link_line", "details", "stats", "select",
           "AddrFilter", "ADDR_USAGE", "ADDR_FLAGS"]

ADDR_FLAGS = ("secondary", "temporary", "nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative",
              "permanent", "mngtmpaddr", "noprefixroute", "autojoin", "stable-privacy")


def link_name(iface: Interface) -> str:
    if iface.kind == "veth" and iface.peer_index is not None:
        return f"{iface.name}@if{iface.peer_index}"
    return iface.name


def link_flags(iface: Interface) -> str:
    if iface.is_loopback:
        flags = ["LOOPBACK"]
    elif iface.kind == "tun":
        flags = ["POINTOPOINT", "MULTICAST", "NOARP"]
    else:
        flags = ["BROADCAST", "MULTICAST"]
    if iface.admin_up:
        flags.append("UP")
        if iface.has_carrier:
            flags.append("LOWER_UP")
    elif iface.kind == "veth" and iface.segment is None:
        flags.append("M-DOWN")
    return "<" + ",".join(flags) + ">"


def _qdisc(iface: Interface) -> str:
    if iface.kind == "tun":
        return "fq_codel" if iface.admin_up else "noop"
    return "noqueue" if (iface.admin_up or iface.is_loopback or iface.kind == "veth") else "noop"


def link_header(iface: Interface, mode: bool) -> str:
    mode_txt = " mode DEFAULT" if mode else ""
    qlen = f" qlen {iface.qlen}" if iface.kind != "tun" else " qlen 500"
    return (f"{iface.index}: {link_name(iface)}: {link_flags(iface)} mtu {iface.mtu} qdisc {_qdisc(iface)} "
            f"state {iface.operstate}{mode_txt} group default{qlen}")


def link_line(iface: Interface) -> str:
    if iface.is_loopback:
        return "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    if iface.kind == "tun":
        return "    link/none "
    tail = " link-netnsid 0" if iface.kind == "veth" and iface.peer_index is not None else ""
    return f"    link/ether {iface.mac} brd ff:ff:ff:ff:ff:ff{tail}"


def stats(ctx: Context, iface: Interface, level: int = 1) -> None:
    for line in _stats_lines(iface, level):
        ctx.print(line)


def _stats_lines(iface: Interface, level: int = 1) -> list[str]:
    c = iface.counters
    out = ["    RX:  bytes packets errors dropped  missed   mcast           ",
           f"    {c.rx_bytes:>10} {c.rx_packets:>7} {c.rx_errors:>6} {c.rx_dropped:>7} {0:>7} {0:>7} "]
    if level > 1:
        out += ["    RX errors:  length    crc   frame    fifo overrun", f"    {0:>18} {0:>6} {0:>7} {0:>7} {0:>7} "]
    out += ["    TX:  bytes packets errors dropped carrier collsns           ",
            f"    {c.tx_bytes:>10} {c.tx_packets:>7} {c.tx_errors:>6} {c.tx_dropped:>7} {0:>7} {0:>7} "]
    if level > 1:
        out += ["    TX errors: aborted   fifo  window heartbt transns",
                f"    {0:>18} {0:>6} {0:>7} {0:>7} {iface.carrier_changes:>7} "]
    return out


# veth gets one queue per possible CPU (the recording machine has two)
VETH_QUEUES = 2
_GSO = "gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 "


def details(iface: Interface, link_dump: bool) -> tuple[str, list[str]]:
    """``-d``: what print_linkinfo appends to the link line, and the kind line.

    ``addrgenmode`` comes from the IPv6 part of a link dump only, so ``ip -d
    address`` leaves it out."""
    gen = "addrgenmode eui64 " if link_dump else ""
    if iface.is_loopback:
        return f" promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 {gen}numtxqueues 1 numrxqueues 1 {_GSO}", []
    minmax = "minmtu 68 maxmtu 65535 " if iface.kind in ("veth", "tun") else "minmtu 0 maxmtu 0 "
    queues = VETH_QUEUES if iface.kind == "veth" else 1
    kind = {"veth": "veth", "dummy": "dummy", "tun": "tun type tun pi off vnet_hdr off persist off"}.get(
        iface.kind, iface.kind)
    return (f" promiscuity 0  allmulti 0 {minmax}",
            [f"    {kind} {gen}numtxqueues {queues} numrxqueues {queues} {_GSO}"])


def _link_record(iface: Interface, opts: "Options") -> list[str]:
    """One interface as ``ip link show`` prints it (lines, before -o joins them)."""
    line = link_line(iface)
    extra: list[str] = []
    if opts.details:
        tail, extra = details(iface, True)
        line += tail
    lines = [link_header(iface, True), line] + extra
    if opts.stats:
        lines += _stats_lines(iface, opts.stats)
    return lines


@dataclass
class AddrFilter:
    """ipaddr_list_flush_or_save's filter: link selection plus address selection."""

    dev: str | None = None
    up: bool = False
    scope: str | None = None
    label: str | None = None
    to: Prefix | None = None
    secondary: bool | None = None       # primary/secondary flag filter
    kind: str | None = None
    active: bool = False                # an address selector was given

    def address_ok(self, a) -> bool:
        if self.scope is not None and a.scope != self.scope:
            return False
        if self.secondary is not None and a.secondary != self.secondary:
            return False
        if self.label is not None and not fnmatch.fnmatchcase(a.label, self.label):
            return False
        if self.to is not None and not self.to.any and self.to.plen and \
                int(a.ip) >> (32 - self.to.plen) != int(self.to.addr) >> (32 - self.to.plen):
            return False
        return True


def _parse_filter(args: list[str], family: str | None) -> AddrFilter:
    flt = AddrFilter()
    a = Args(args)
    while a:
        w = a.cur
        if w == "to":
            v = a.next()
            flt.to = get_prefix(v, "inet" if family == "inet" else AF_UNSPEC)
            flt.active = True
        elif w == "scope":
            v = a.next()
            sc = rtscope_a2n(v)
            if sc is None and v != "all":
                raise invarg('invalid "scope"\n', v)
            flt.scope = None if sc is None else scope_name(sc)
            flt.active = flt.active or sc is not None
        elif w == "up":
            flt.up = True
        elif w.lstrip("-") in ("primary", "secondary", "dynamic", "permanent") + ADDR_FLAGS:
            base = w.lstrip("-")
            if base in ("primary", "secondary"):
                flt.secondary = (base == "secondary") != w.startswith("-")
                flt.active = True
        elif w == "label":
            flt.label = a.next()
            flt.active = True
        elif w in ("group", "master", "vrf"):
            v = a.next()
            if w != "group":
                raise invarg("Device does not exist\n" if w == "master" else "Not a valid VRF name\n", v)
        elif w == "nomaster":
            pass
        elif w == "type":
            flt.kind = a.next()
        else:
            if w == "dev":
                w = a.next()
            elif matches(w, "help"):
                raise UsageError(ADDR_USAGE, 255)
            if flt.dev is not None:
                raise duparg2("dev", w)
            flt.dev = w
        a.advance()
    return flt


def select(ctx: Context, args: list[str], family: str | None = None) -> tuple[list[Interface], AddrFilter]:
    """The links ``ip addr``/``ip link`` list (raises UsageError for an unknown device)."""
    node = ctx.node
    flt = _parse_filter(args, family)
    if flt.dev is not None:
        iface = node.interfaces.get(flt.dev)
        if iface is None:
            raise UsageError(f'Device "{flt.dev}" does not exist.', 1)
        ifaces = [iface]
    else:
        ifaces = list(node.interfaces.values())
    if flt.up:
        ifaces = [i for i in ifaces if i.admin_up]
    if flt.kind is not None:
        ifaces = [i for i in ifaces if i.kind == flt.kind]
    return ifaces, flt


ADDR_USAGE = """Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
                                                      [ CONFFLAG-LIST ]
       ip address del IFADDR dev IFNAME [mngtmpaddr]
       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]
                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]
       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]
                         [ nomaster ]
                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]
                         [ label LABEL ] [up] [ vrf NAME ] ]
       ip address {showdump|restore}
IFADDR := PREFIX | ADDR peer PREFIX
          [ broadcast ADDR ] [ anycast ADDR ]
          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]
SCOPE-ID := [ host | link | global | NUMBER ]
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ permanent | dynamic | secondary | primary |
           [-]tentative | [-]deprecated | [-]dadfailed | temporary |
           CONFFLAG-LIST ]
CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG
CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever | SECONDS
TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |
          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |
          ip6erspan | ip6gre | ip6gretap | ip6tnl |
          ipip | ipoib | ipvlan | ipvtap |
          macsec | macvlan | macvtap |
          netdevsim | nlmon | rmnet | sit | team | team_slave |
          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |
          xfrm | virt_wifi }"""


def link(ctx: Context, args: list[str], opts: "Options") -> int:
    cmd = args[0] if args else "show"
    if matches(cmd, "add"):
        return _link_add_del(ctx, "add", args[1:])
    if matches(cmd, "set") or matches(cmd, "change"):
        return _link_set(ctx, args[1:])
    if matches(cmd, "replace"):
        return _link_add_del(ctx, "add", args[1:])
    if matches(cmd, "delete"):
        return _link_add_del(ctx, "del", args[1:])
    if matches(cmd, "show") or matches(cmd, "lst") or matches(cmd, "list"):
        ifaces, _flt = select(ctx, args[1:], "link")
        for iface in ifaces:
            if opts.brief:
                mac = "00:00:00:00:00:00" if iface.is_loopback else ("" if iface.kind == "tun" else str(iface.mac))
                ctx.print(f"{link_name(iface):<16} {iface.operstate:<14} {mac} {link_flags(iface)} ")
                continue
            ctx.print(("\\" if opts.oneline else "\n").join(_link_record(iface, opts)))
        return 0
    ctx.eprint(f'Command "{cmd}" is unknown, try "ip link help".')
    return 255


def _link_set(ctx: Context, args: list[str]) -> int:
    """iplink_parse for ``ip link set``: the keywords this lab models, in iproute2's order."""
    node = ctx.node
    dev = None
    actions: list[tuple[str, str | None]] = []
    a = Args(args)
    while a:
        w = a.cur
        if w in ("up", "down"):
            actions.append((w, None))
        elif w == "name":
            actions.append(("name", a.next()))
        elif w == "index" or matches(w, "link"):
            a.next()
        elif matches(w, "address"):
            actions.append(("address", a.next()))
        elif matches(w, "broadcast") or w == "brd":
            a.next()
        elif matches(w, "txqueuelen") or w == "qlen" or matches(w, "txqlen"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg('Invalid "txqueuelen" value\n', v)
            actions.append(("txqueuelen", v))
        elif w == "mtu":
            v = a.next()
            if get_u32(v) is None or get_u32(v) > 0x7FFFFFFF:
                raise invarg('Invalid "mtu" value\n', v)
            actions.append(("mtu", v))
        elif w in ("multicast", "allmulticast", "promisc", "trailers", "arp", "dynamic"):
            v = a.next()
            if v not in ("on", "off"):
                ctx.eprint(f'Error: argument of "{w}" must be "on" or "off", not "{v}"')
                return 1
        elif matches(w, "master") or w in ("vrf", "group", "mode", "state", "netns"):
            a.next()
        elif matches(w, "nomaster"):
            pass
        elif matches(w, "alias"):
            actions.append(("alias", a.next()))
        else:
            if matches(w, "help"):
                raise UsageError("Usage: ip link set DEVICE [ up | down ]", 255)
            if w == "dev":
                w = a.next()
            if dev is not None:
                raise duparg2("dev", w)
            dev = w
        a.advance()
    if dev is None:
        ctx.eprint('Not enough information: "dev" argument is required.')
        return 255
    iface = node.interfaces.get(dev)
    if iface is None:
        ctx.eprint(f'Cannot find device "{dev}"')
        return 1
    for action, value in actions:
        if action in ("up", "down"):
            node.link_set(dev, action == "up")
        elif action == "name":
            if value != dev:
                ctx.eprint("RTNETLINK answers: Device or resource busy" if iface.admin_up else
                           "simnet: Umbenennen von Interfaces wird hier nicht nachgebildet.")
                return 2
        elif action == "mtu":
            mtu = get_u32(value or "") or 0
            if mtu < 68 or mtu > 65535:
                ctx.eprint("Error: mtu less than device minimum." if mtu < 68 else
                           "Error: mtu greater than device maximum.")
                return 2
            iface.mtu = mtu
        elif action in ("txqueuelen", "qlen"):
            iface.qlen = int(value or "0")
        elif action == "alias":
            iface.alias = value
        elif action == "address":
            try:
                iface.mac = MacAddress.parse(value or "")
            except ValueError:
                ctx.eprint(f'"{value}" is invalid lladdr.')
                return 1
    return 0


def _link_add_del(ctx: Context, cmd: str, args: list[str]) -> int:
    node = ctx.node
    if cmd == "add":
        name = None
        kind = None
        i = 0
        while i < len(args):
            if args[i] == "name" and i + 1 < len(args):
                name = args[i + 1]
                i += 2
                continue
            if args[i] == "type" and i + 1 < len(args):
                kind = args[i + 1]
                i += 2
                continue
            if name is None:
                name = args[i]
            i += 1
        if kind is None:
            ctx.eprint('Not enough information: "type" argument is required')
            return 255
        if kind not in ("dummy",):
            ctx.eprint("Error: Unknown device type.")
            return 2
        if name is None:
            name = "dummy0"
        try:
            node.add_interface(name, kind="dummy")
        except KernelError as exc:
            ctx.eprint(exc.ip_message)
            return 2
        return 0
    dev = args[-1] if args else None
    if dev == "dev" or dev is None:
        ctx.eprint('Not enough information: "dev" argument is required.')
        return 255
    if dev not in node.interfaces:
        ctx.eprint(f'Cannot find device "{dev}"')
        return 1
    node.remove_interface(dev)
    return 0
