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
from simnet.commands.ip_color import IFNAME, MAC, paint, state
from simnet.commands.ip_parse import (AF_UNSPEC, Args, Prefix, duparg, duparg2, get_prefix, get_u32, invarg, matches,
                                      nodev, rtscope_a2n, scope_name)
from simnet.kernel.interface import Interface
from simnet.kernel.node import KernelError
from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["link", "link_flags", "link_name", "link_header", "brief_name_state", "link_line", "details", "stats", "select",
           "AddrFilter", "ADDR_USAGE", "ADDR_FLAGS"]

# the link types iproute2 6.1 lists at the end of two usage texts
LINK_TYPES = """TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |
          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |
          ip6erspan | ip6gre | ip6gretap | ip6tnl |
          ipip | ipoib | ipvlan | ipvtap |
          macsec | macvlan | macvtap |
          netdevsim | nlmon | rmnet | sit | team | team_slave |
          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |
          xfrm | virt_wifi }"""


ADDR_FLAGS = ("secondary", "temporary", "nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative",
              "permanent", "mngtmpaddr", "noprefixroute", "autojoin", "stable-privacy")


def link_name(iface: Interface) -> str:
    if iface.kind == "veth" and iface.peer_index is not None:
        return f"{iface.name}@if{iface.peer_index}"
    if iface.lower is not None:
        return f"{iface.name}@{iface.lower.name}"
    return iface.name


def link_flags(iface: Interface) -> str:
    if iface.is_loopback:
        flags = ["LOOPBACK"]
    elif iface.kind == "tun":
        flags = ["POINTOPOINT", "MULTICAST", "NOARP"]
    else:
        flags = ["BROADCAST"] + (["MULTICAST"] if iface.multicast else [])
        flags += [name for name, on in (("NOARP", iface.noarp), ("ALLMULTI", iface.allmulti),
                                        ("PROMISC", iface.promisc)) if on]
    if iface.admin_up:
        flags.append("UP")
        if iface.has_carrier:
            flags.append("LOWER_UP")
        elif iface.bridge is not None:
            flags.insert(0, "NO-CARRIER")
    elif iface.kind == "veth" and iface.segment is None or iface.lower is not None and not iface.lower.admin_up:
        flags.append("M-DOWN")
    return "<" + ",".join(flags) + ">"


def _qdisc(iface: Interface) -> str:
    if iface.kind == "tun":
        return "fq_codel" if iface.admin_up else "noop"
    if iface.kind in ("bridge", "vlan"):           # IFF_NO_QUEUE: noqueue from the first up on
        return "noqueue" if iface.ever_up or iface.admin_up else "noop"
    return "noqueue" if (iface.admin_up or iface.is_loopback or iface.kind == "veth") else "noop"


def link_header(iface: Interface, mode: bool) -> str:
    mode_txt = "mode DEFAULT " if mode else ""
    qlen = f" qlen {iface.qlen}" if iface.kind != "tun" else " qlen 500"
    op = iface.operstate
    master = f"master {iface.master} " if iface.master else ""
    return (f"{iface.index}: {paint(IFNAME, link_name(iface) + ': ')}{link_flags(iface)} mtu {iface.mtu} "
            f"qdisc {_qdisc(iface)} {master}state {state(op, op + ' ')}{mode_txt}group default{qlen}")


def link_line(iface: Interface) -> str:
    if iface.is_loopback:
        zeros = paint(MAC, "00:00:00:00:00:00")
        return f"    link/loopback {zeros} brd {zeros}"
    if iface.kind == "tun":
        return "    link/none "
    tail = " link-netnsid 0" if iface.kind == "veth" and iface.peer_index is not None else ""
    return f"    link/ether {paint(MAC, str(iface.mac))} brd {paint(MAC, 'ff:ff:ff:ff:ff:ff')}{tail}"


def brief_name_state(iface: Interface) -> str:
    """The first two columns of ``ip -br``: padded name and operstate."""
    op = iface.operstate
    return paint(IFNAME, f"{link_name(iface):<16} ") + state(op, f"{op:<14} ")


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
    minmax = "minmtu 68 maxmtu 65535 " if iface.kind in ("veth", "tun", "bridge") else \
        "minmtu 0 maxmtu 65535 " if iface.kind == "vlan" else "minmtu 0 maxmtu 0 "
    queues = VETH_QUEUES if iface.kind == "veth" else 1
    kind = {"veth": "veth", "dummy": "dummy", "tun": "tun type tun pi off vnet_hdr off persist off"}.get(
        iface.kind, iface.kind)
    gso = _GSO
    if iface.kind == "vlan":
        kind = f"vlan protocol 802.1Q id {iface.vlan_id} <REORDER_HDR>"
    if iface.bridge is not None:
        from simnet.commands.iplink_bridge import bridge_details

        kind = "bridge " + bridge_details(iface)
        gso = _GSO.replace("tso_max_size 524280", "tso_max_size 65536")
    lines = [f"    {kind} {gen}numtxqueues {queues} numrxqueues {queues} {gso}"]
    port = int(iface.master is not None)      # a bridge port is promiscuous and allmulti
    if iface.master is not None:
        from simnet.commands.iplink_bridge import slave_details

        lines.insert(0, "    " + iface.kind + " ")
        lines[1] = "    " + slave_details(iface) + f"{gen}numtxqueues {queues} numrxqueues {queues} {gso}"
    return (f" promiscuity {int(iface.promisc) + port}  allmulti {int(iface.allmulti) + port} {minmax}", lines)


def _link_record(iface: Interface, opts: "Options") -> list[str]:
    """One interface as ``ip link show`` prints it (lines, before -o joins them)."""
    line = link_line(iface)
    extra: list[str] = []
    if opts.details:
        tail, extra = details(iface, True)
        line += tail
    lines = [link_header(iface, True), line] + extra
    if iface.alias:
        lines.append(f"    alias {iface.alias}")
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
    master: str | None = None           # show master BR: the ports of BR
    nomaster: bool = False

    def address_ok(self, a) -> bool:
        if self.scope is not None and a.scope != self.scope:
            return False
        if self.secondary is not None and a.secondary != self.secondary:
            return False
        if self.label is not None and not fnmatch.fnmatchcase(getattr(a, "label", ""), self.label):
            return False
        if self.to is not None and not self.to.any and self.to.plen:
            if a.ip.version != self.to.addr.version:
                return False
            bits = a.ip.max_prefixlen - self.to.plen
            if int(a.ip) >> bits != int(self.to.addr) >> bits:
                return False
        return True


def _parse_filter(args: list[str], family: str | None, nodes: dict | None = None) -> AddrFilter:
    flt = AddrFilter()
    a = Args(args)
    while a:
        w = a.cur
        if w == "to":
            v = a.next()
            flt.to = get_prefix(v, family if family in ("inet", "inet6") else AF_UNSPEC, v6=True)
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
            if w == "master" and nodes is not None and v in nodes:
                flt.master = v
            elif w != "group":
                raise invarg("Device does not exist\n" if w == "master" else "Not a valid VRF name\n", v)
        elif w == "nomaster":
            flt.nomaster = True
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
    flt = _parse_filter(args, family, node.interfaces)
    if flt.dev is not None:
        iface = node.interfaces.get(flt.dev)
        if iface is None:
            raise UsageError(f'Device "{flt.dev}" does not exist.', 1)
        ifaces = [iface]
    else:
        ifaces = list(node.interfaces.values())
    if flt.up:
        ifaces = [i for i in ifaces if i.admin_up]
    if flt.kind == "bridge_slave":
        ifaces = [i for i in ifaces if i.master is not None]
    elif flt.kind is not None:
        ifaces = [i for i in ifaces if i.kind == flt.kind]
    if flt.master is not None:
        ifaces = [i for i in ifaces if i.master == flt.master]
    if flt.nomaster:
        ifaces = [i for i in ifaces if i.master is None]
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
""" + LINK_TYPES


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
                ctx.print(f"{brief_name_state(iface)}{paint(MAC, mac + ' ')}{link_flags(iface)} ")
                continue
            ctx.print(("\\" if opts.oneline else "\n").join(_link_record(iface, opts)))
        return 0
    if matches(cmd, "help"):
        raise UsageError(LINK_USAGE, 255)
    ctx.eprint(f'Command "{cmd}" is unknown, try "ip link help".')
    return 255


def _check_ifname(name: str) -> bool:
    return bool(name) and len(name) < 16 and "/" not in name and not any(c.isspace() for c in name)


def _link_parse(ctx: Context, args: list[str]) -> tuple[str | None, list[tuple[str, str | None]], str | None, list[str]]:
    """iplink_parse: the device, the changes, the ``type`` and what follows it."""
    dev = None
    actions: list[tuple[str, str | None]] = []
    a = Args(args)
    while a:
        w = a.cur
        if w in ("up", "down"):
            actions.append((w, None))
        elif w == "name":
            v = a.next()
            if any(k == "name" for k, _ in actions):
                raise duparg("name", v)
            if not _check_ifname(v):
                raise invarg('"name" not a valid ifname', v)
            actions.append(("name", v))
        elif w == "index":
            a.next()
        elif matches(w, "link"):
            actions.append(("link", a.next()))
        elif matches(w, "address"):
            v = a.next()
            try:
                MacAddress.parse(v)
            except ValueError:
                raise UsageError(f'"{v}" is invalid lladdr.', 1) from None
            actions.append(("address", v))
        elif matches(w, "broadcast") or w == "brd":
            a.next()
        elif matches(w, "txqueuelen") or w == "qlen" or matches(w, "txqlen"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg('Invalid "txqueuelen" value\n', v)
            actions.append(("txqueuelen", v))
        elif w == "mtu":
            v = a.next()
            mtu = get_u32(v)
            if mtu is None or mtu > 0x7FFFFFFF:
                raise invarg('Invalid "mtu" value\n', v)
            actions.append(("mtu", v))
        elif w == "netns":
            a.next()
        elif w in ("multicast", "allmulticast", "promisc", "trailers", "arp"):
            v = a.next()
            if v not in ("on", "off"):
                raise UsageError(f'Error: argument of "{w}" must be "on" or "off", not "{v}"', 1)
            actions.append((w, v))
        elif matches(w, "master"):
            v = a.next()
            if v not in ctx.node.interfaces:
                raise invarg("Device does not exist\n", v)
            actions.append(("master", v))
        elif w in ("carrier", "vf") or w == "vrf":
            a.next()
        elif matches(w, "nomaster"):
            actions.append(("nomaster", None))
        elif matches(w, "dynamic"):
            v = a.next()
            if v not in ("on", "off"):
                raise UsageError(f'Error: argument of "dynamic" must be "on" or "off", not "{v}"', 1)
        elif matches(w, "type"):
            kind = a.next()
            a.advance()
            return dev, actions, kind, a.rest()
        elif matches(w, "alias"):
            actions.append(("alias", a.next()))
        elif w in ("group", "mode", "state") or any(matches(w, k) for k in (
                "numtxqueues", "numrxqueues", "addrgenmode", "link-netns", "link-netnsid")) or \
                w in ("protodown", "protodown_reason", "gso_max_size", "gso_max_segs", "gro_max_size", "parentdev"):
            a.next()
        else:
            if matches(w, "help"):
                raise UsageError(LINK_USAGE, 255)
            if w == "dev":
                w = a.next()
            if dev is not None:
                raise duparg2("dev", w)
            if not _check_ifname(w):
                raise invarg('"dev" not a valid ifname', w)
            dev = w
        a.advance()
    return dev, actions, None, []


def _link_set(ctx: Context, args: list[str]) -> int:
    """``ip link set``/``change``: apply the parsed changes to an existing device."""
    node = ctx.node
    dev, actions, kind, _rest = _link_parse(ctx, args)
    if dev is None:
        dev = next((v for k, v in actions if k == "name"), None)
    if dev is None:
        raise UsageError('Not enough information: "dev" argument is required.', 255)
    iface = node.interfaces.get(dev)
    if iface is None:
        raise nodev(dev)
    if kind is not None:
        if kind != "bridge" or iface.bridge is None:
            ctx.eprint("RTNETLINK answers: Operation not supported")
            return 2
        from simnet.commands.iplink_bridge import apply_bridge_options

        rc = apply_bridge_options(ctx, iface, _rest)
        if rc:
            return rc
    for action, value in actions:
        if action == "up" and iface.lower is not None and not iface.lower.admin_up:
            ctx.eprint("RTNETLINK answers: Network is down")      # vlan_dev_open: -ENETDOWN
            return 2
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
            ctx.node.ip6.mtu_changed(iface)
        elif action == "txqueuelen":
            iface.qlen = int(value or "0")
        elif action == "alias":
            iface.alias = value or None
        elif action in ("promisc", "allmulticast", "multicast"):
            setattr(iface, {"allmulticast": "allmulti"}.get(action, action), value == "on")
        elif action == "arp":
            iface.noarp = value == "off"
        elif action == "address":
            iface.mac = MacAddress.parse(value or "")
            if iface.segment is not None:
                iface.segment.touch()
            if iface.bridge is not None:
                iface.bridge.mac_set = True
        elif action in ("master", "nomaster"):
            try:
                node.set_master(dev, value)
            except KernelError as exc:
                ctx.eprint(exc.ip_message)
                return 2
    return 0


def _link_add_del(ctx: Context, cmd: str, args: list[str]) -> int:
    """``ip link add``/``replace`` (need a type) and ``ip link delete``."""
    node = ctx.node
    dev, actions, kind, rest = _link_parse(ctx, args)
    name = next((v for k, v in actions if k == "name"), None) or dev
    if cmd != "add" and name is not None and name not in node.interfaces:
        raise nodev(name)
    if kind is not None and rest:
        if matches(rest[0], "help"):
            raise UsageError(LINK_USAGE, 255)
        if kind not in ("veth", "vlan", "bridge", "vxlan", "gre", "ipip", "bond", "macvlan"):
            raise UsageError(f'Garbage instead of arguments "{rest[0]} ...". Try "ip link help".', 1)
    if cmd == "add":
        if kind is None:
            raise UsageError('Not enough information: "type" argument is required', 1)
        if kind not in ("dummy", "bridge", "vlan"):
            ctx.eprint("Error: Unknown device type.")
            return 2
        if kind == "vlan":
            from simnet.commands.iplink_vlan import add_vlan

            return add_vlan(ctx, name, actions, rest)
        if kind == "bridge":
            from simnet.commands.iplink_bridge import add_bridge

            return add_bridge(ctx, name, actions, rest)
        try:
            node.add_interface(name or _free_name(node, "dummy"), kind="dummy")
        except KernelError as exc:
            ctx.eprint(exc.ip_message)
            return 2
        return 0
    if name is None:
        raise UsageError('Not enough information: "dev" argument is required.', 255)
    if name not in node.interfaces:
        raise nodev(name)
    if node.interfaces[name].kind == "loopback":
        ctx.eprint("RTNETLINK answers: Operation not supported")
        return 2
    node.remove_interface(name)
    return 0


def _free_name(node, prefix: str) -> str:
    i = 0
    while f"{prefix}{i}" in node.interfaces:
        i += 1
    return f"{prefix}{i}"


LINK_USAGE = """Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME
\t\t    [ txqueuelen PACKETS ]
\t\t    [ address LLADDR ]
\t\t    [ broadcast LLADDR ]
\t\t    [ mtu MTU ] [index IDX ]
\t\t    [ numtxqueues QUEUE_COUNT ]
\t\t    [ numrxqueues QUEUE_COUNT ]
\t\t    [ netns { PID | NAME } ]
\t\t    type TYPE [ ARGS ]

\tip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]

\tip link set { DEVICE | dev DEVICE | group DEVGROUP }
\t\t\t[ { up | down } ]
\t\t\t[ type TYPE ARGS ]
\t\t[ arp { on | off } ]
\t\t[ dynamic { on | off } ]
\t\t[ multicast { on | off } ]
\t\t[ allmulticast { on | off } ]
\t\t[ promisc { on | off } ]
\t\t[ trailers { on | off } ]
\t\t[ carrier { on | off } ]
\t\t[ txqueuelen PACKETS ]
\t\t[ name NEWNAME ]
\t\t[ address LLADDR ]
\t\t[ broadcast LLADDR ]
\t\t[ mtu MTU ]
\t\t[ netns { PID | NAME } ]
\t\t[ link-netns NAME | link-netnsid ID ]
\t\t[ alias NAME ]
\t\t[ vf NUM [ mac LLADDR ]
\t\t\t [ vlan VLANID [ qos VLAN-QOS ] [ proto VLAN-PROTO ] ]
\t\t\t [ rate TXRATE ]
\t\t\t [ max_tx_rate TXRATE ]
\t\t\t [ min_tx_rate TXRATE ]
\t\t\t [ spoofchk { on | off} ]
\t\t\t [ query_rss { on | off} ]
\t\t\t [ state { auto | enable | disable} ]
\t\t\t [ trust { on | off} ]
\t\t\t [ node_guid EUI64 ]
\t\t\t [ port_guid EUI64 ] ]
\t\t[ { xdp | xdpgeneric | xdpdrv | xdpoffload } { off |
\t\t\t  object FILE [ { section | program } NAME ] [ verbose ] |
\t\t\t  pinned FILE } ]
\t\t[ master DEVICE ][ vrf NAME ]
\t\t[ nomaster ]
\t\t[ addrgenmode { eui64 | none | stable_secret | random } ]
\t\t[ protodown { on | off } ]
\t\t[ protodown_reason PREASON { on | off } ]
\t\t[ gso_max_size BYTES ] | [ gso_max_segs PACKETS ]
\t\t[ gro_max_size BYTES ]

\tip link show [ DEVICE | group GROUP ] [up] [master DEV] [vrf NAME] [type TYPE]
\t\t[nomaster]

\tip link xstats type TYPE [ ARGS ]

\tip link afstats [ dev DEVICE ]
\tip link property add dev DEVICE [ altname NAME .. ]
\tip link property del dev DEVICE [ altname NAME .. ]

\tip link help [ TYPE ]

""" + LINK_TYPES
