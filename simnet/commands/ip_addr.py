"""``ip address`` and ``ip link``."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_parse import (AF_INET, AF_UNSPEC, Args, Prefix, duparg, duparg2, get_addr, get_prefix, get_u32, invarg,
                                      matches, nodev, rtscope_a2n, scope_name)
from simnet.commands.ip_route import family_of
from simnet.kernel.interface import Interface
from simnet.links.mac import MacAddress
from simnet.kernel.node import KernelError

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["addr", "link", "link_flags", "link_name", "parse_prefix"]


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


def _link_header(iface: Interface, mode: bool) -> str:
    mode_txt = " mode DEFAULT" if mode else ""
    qlen = f" qlen {iface.qlen}" if iface.kind != "tun" else " qlen 500"
    return (f"{iface.index}: {link_name(iface)}: {link_flags(iface)} mtu {iface.mtu} qdisc {_qdisc(iface)} "
            f"state {iface.operstate}{mode_txt} group default{qlen}")


def _link_line(iface: Interface) -> str:
    if iface.is_loopback:
        return "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    if iface.kind == "tun":
        return "    link/none "
    tail = " link-netnsid 0" if iface.kind == "veth" and iface.peer_index is not None else ""
    return f"    link/ether {iface.mac} brd ff:ff:ff:ff:ff:ff{tail}"


def _stats(ctx: Context, iface: Interface, level: int = 1) -> None:
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


def _details(iface: Interface, link_dump: bool) -> tuple[str, list[str]]:
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
    line = _link_line(iface)
    extra: list[str] = []
    if opts.details:
        tail, extra = _details(iface, True)
        line += tail
    lines = [_link_header(iface, True), line] + extra
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
        elif w.lstrip("-") in ("primary", "secondary", "dynamic", "permanent") + _FLAGS:
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


def _select(ctx: Context, args: list[str], family: str | None = None) -> tuple[list[Interface], AddrFilter]:
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


def addr(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args:
        return _addr_show(ctx, [], opts)
    cmd = args[0]
    if matches(cmd, "add"):
        return _addr_add(ctx, args[1:], opts, replace=False)
    if matches(cmd, "change") or cmd == "chg":
        return _addr_add(ctx, args[1:], opts, replace=True, create=False)
    if matches(cmd, "replace"):
        return _addr_add(ctx, args[1:], opts, replace=True)
    if matches(cmd, "delete"):
        return _addr_del(ctx, args[1:], opts)
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        return _addr_show(ctx, args[1:], opts)
    if matches(cmd, "flush"):
        return _addr_flush(ctx, args[1:], opts)
    if matches(cmd, "help"):
        raise UsageError(ADDR_USAGE, 255)
    ctx.eprint(f'Command "{cmd}" is unknown, try "ip address help".')
    return 255


def _addr_show(ctx: Context, args: list[str], opts: "Options") -> int:
    ifaces, flt = _select(ctx, args, opts.family)
    family = opts.family or ("inet" if flt.to is not None and not flt.to.any else None)
    for iface in ifaces:
        addrs = [a for a in iface.addresses if flt.address_ok(a)]
        if not addrs and (family == "inet" or (flt.active and iface.addresses)):
            continue                          # ipaddr_filter drops links without a matching address
        inet6 = [] if family == "inet" else list(getattr(iface, "inet6", ()))
        if family == "inet6":
            addrs = []
            if not inet6:
                continue
        if opts.brief:
            text = "".join(f"{a.interface.with_prefixlen} " for a in addrs) + "".join(f"{a} " for a, _ in inet6)
            ctx.print(f"{link_name(iface):<16} {iface.operstate:<14} {text}")
            continue
        if opts.oneline:
            for a in addrs:
                ctx.print(f"{iface.index}: {iface.name}    {_addr_line(a, iface).strip()}\\"
                          f"       valid_lft forever preferred_lft forever")
            continue
        if flt.label is not None:
            pass                              # print_linkinfo stays silent under a label filter
        elif family != "inet":
            ctx.print(_link_header(iface, False))
            if opts.details:
                tail, extra = _details(iface, False)
                ctx.print(_link_line(iface) + tail)
                for line in extra:
                    ctx.print(line)
            else:
                ctx.print(_link_line(iface))
        else:
            tail = " link-netnsid 0" if iface.kind == "veth" and iface.peer_index is not None else ""
            ctx.print(_link_header(iface, False) + tail)
        for a in addrs:
            ctx.print(_addr_line(a, iface))
            ctx.print("       valid_lft forever preferred_lft forever")
        for a, scope in inet6:            # IPv6 is shown, not routed: tailscale0's /128 and link-local
            ctx.print(f"    inet6 {a} scope {scope} ")
            ctx.print("       valid_lft forever preferred_lft forever")
        if opts.stats:
            _stats(ctx, iface, opts.stats)
    return 0


def _addr_line(a, iface: Interface) -> str:
    parts = [f"    inet {a.interface.with_prefixlen}"]
    if a.peer is not None:
        parts = [f"    inet {a.ip} peer {a.peer.with_prefixlen}"]
    if a.broadcast is not None:
        parts.append(f"brd {a.broadcast}")
    parts.append(f"scope {a.scope}")
    if a.secondary:
        parts.append("secondary")
    parts.append(a.label or iface.name)
    return " ".join(parts)


def parse_prefix(ctx: Context, text: str, what: str = "prefix") -> IPv4Interface | None:
    """iproute2's get_prefix: prints its error and returns None when invalid."""
    try:
        p = get_prefix(text)
    except UsageError as exc:
        ctx.eprint(exc.message.replace(" valid prefix ", f" valid {what} "))
        return None
    return IPv4Interface(f"{p.addr}/{p.plen}")


def _addr_args(args: list[str], family: str) -> dict:
    """ipaddr_modify's argument loop (raises UsageError like iproute2 exits)."""
    spec: dict = {}
    a = Args(args)
    while a:
        w = a.cur
        if w in ("peer", "remote"):
            v = a.next()
            if "peer" in spec:
                raise duparg("peer", v)
            spec["peer"] = get_prefix(v, family)
            family = AF_INET
        elif matches(w, "broadcast") or w == "brd":
            v = a.next()
            if "brd" in spec:
                raise duparg("broadcast", v)
            spec["brd"] = v if v in ("+", "-") else get_addr(v, family)
            if v not in ("+", "-"):
                family = AF_INET
        elif w == "anycast":
            v = a.next()
            get_addr(v, family)
            family = AF_INET
        elif w == "scope":
            v = a.next()
            scope = rtscope_a2n(v)
            if scope is None:
                raise invarg("invalid scope value.", v)
            spec["scope"] = scope
        elif w == "dev":
            spec["dev"] = a.next()
        elif w == "label":
            spec["label"] = a.next()
        elif matches(w, "metric") or matches(w, "priority") or matches(w, "preference"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg('"metric" value is invalid\n', v)
            spec["metric"] = get_u32(v)
        elif matches(w, "valid_lft") or matches(w, "preferred_lft"):
            key = "valid_lft" if matches(w, "valid_lft") else "preferred_lft"
            if key in spec:
                raise duparg(key, w)
            v = a.next()
            if v != "forever" and get_u32(v) is None:
                raise invarg(f"{key} value", v)
            spec[key] = v
        elif w in _FLAGS:
            if w in ("tentative", "deprecated", "dadfailed", "temporary"):
                ctx_warn = f"Warning: {w} option is not mutable from userspace"
                spec.setdefault("warnings", []).append(ctx_warn)
            elif w in ("home", "nodad", "optimistic", "mngtmpaddr") and family != "inet6":
                spec.setdefault("warnings", []).append(f"Warning: {w} option can be set only for IPv6 addresses")
            else:
                spec[w] = True
        else:
            if w == "local":
                w = a.next()
            if matches(w, "help"):
                raise UsageError(ADDR_USAGE, 255)
            if "local" in spec:
                raise duparg2("local", w)
            spec["local"] = get_prefix(w, family)
            spec["local_arg"] = w
            family = AF_INET
        a.advance()
    spec["family"] = family
    return spec


_FLAGS = ("secondary", "temporary", "nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative",
          "permanent", "mngtmpaddr", "noprefixroute", "autojoin", "stable-privacy")


def _addr_add(ctx: Context, args: list[str], opts: "Options", replace: bool, create: bool = True) -> int:
    spec = _addr_args(args, family_of(opts))
    for w in spec.get("warnings", ()):
        ctx.eprint(w)
    if "dev" not in spec:
        raise UsageError('Not enough information: "dev" argument is required.', 1)
    node = ctx.node
    dev = spec["dev"]
    if dev not in node.interfaces:
        raise nodev(dev)
    if spec["family"] != AF_INET or "local" not in spec:
        raise UsageError("RTNETLINK answers: Operation not supported", 2)
    p = spec["local"]
    if p.any:
        raise UsageError("RTNETLINK answers: Invalid argument", 2)
    ifaddr = IPv4Interface(f"{p.addr}/{p.plen}")
    brd = None
    val = spec.get("brd")
    if val == "+" and p.plen <= 30:
        brd = ifaddr.network.broadcast_address
    elif val == "-" and p.plen <= 30:
        brd = ifaddr.network.network_address
    elif isinstance(val, IPv4Address):
        brd = val
    scope = spec.get("scope", 254 if p.addr.is_loopback else 0)
    scope_txt = scope_name(scope)
    iface = node.interfaces[dev]
    if replace and any(a.ip == ifaddr.ip and a.network == ifaddr.network for a in iface.addresses):
        return 0          # inet_rtm_newaddr with NLM_F_REPLACE only refreshes lifetimes and metric
    try:
        node.addr_add(dev, ifaddr, scope=scope_txt, broadcast=brd, label=spec.get("label", ""))
    except KernelError as exc:
        ctx.eprint(exc.ip_message)
        return 2
    return 0


def _addr_del(ctx: Context, args: list[str], opts: "Options") -> int:
    spec = _addr_args(args, family_of(opts))
    if "dev" not in spec:
        raise UsageError('Not enough information: "dev" argument is required.', 1)
    node = ctx.node
    dev = spec["dev"]
    p = spec.get("local")
    if p is not None and "peer" not in spec and not p.plen_given:
        ctx.eprint("Warning: Executing wildcard deletion to stay compatible with old scripts.\n"
                   f"         Explicitly specify the prefix length ({spec['local_arg']}/32) to avoid this warning.\n"
                   "         This special behaviour is likely to disappear in further releases,\n"
                   "         fix your scripts!")
    if dev not in node.interfaces:
        raise nodev(dev)
    if spec["family"] != AF_INET:
        raise UsageError("RTNETLINK answers: Operation not supported", 2)
    iface = node.interfaces[dev]
    for addr in iface.addresses:                 # inet_rtm_deladdr: the first address that fits
        if p is not None and addr.ip != p.addr:
            continue
        if "label" in spec and addr.label != spec["label"]:
            continue
        if p is not None and p.plen_given and addr.network.prefixlen != p.plen:
            continue
        node.addr_del(dev, addr.ip)
        return 0
    ctx.eprint("Error: ipv4: Address not found.")
    return 2


def _addr_flush(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args:
        raise UsageError("Flush requires arguments.", 1)
    ifaces, flt = _select(ctx, args, opts.family)
    if opts.family == "inet6":
        return 0
    doomed = [(i, a) for i in ifaces for a in i.addresses if flt.address_ok(a)]
    for iface, a in doomed:
        if iface.find_address(a.ip) is a:     # a secondary may have gone with its primary
            ctx.node.addr_del(iface.name, a.ip)
    if opts.stats:
        if doomed:
            ctx.print(f"\n*** Round 1, deleting {len(doomed)} addresses ***")
            ctx.print("*** Flush is complete after 1 round ***")
        else:
            ctx.print("Nothing to flush.")
    return 0


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


# ------------------------------------------------------------------ ip link
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
        ifaces, _flt = _select(ctx, args[1:], "link")
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
