"""``ip address`` and ``ip link``."""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING

from simnet.commands.base import Context
from simnet.kernel.interface import Interface
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
    c = iface.counters
    ctx.print("    RX:  bytes packets errors dropped  missed   mcast           ")
    ctx.print(f"    {c.rx_bytes:>10} {c.rx_packets:>7} {c.rx_errors:>6} {c.rx_dropped:>7} {0:>7} {0:>7} ")
    if level > 1:
        ctx.print("    RX errors:  length    crc   frame    fifo overrun")
        ctx.print(f"    {0:>18} {0:>6} {0:>7} {0:>7} {0:>7} ")
    ctx.print("    TX:  bytes packets errors dropped carrier collsns           ")
    ctx.print(f"    {c.tx_bytes:>10} {c.tx_packets:>7} {c.tx_errors:>6} {c.tx_dropped:>7} {0:>7} {0:>7} ")
    if level > 1:
        ctx.print("    TX errors: aborted   fifo  window heartbt transns")
        ctx.print(f"    {0:>18} {0:>6} {0:>7} {0:>7} {0:>7} ")


def _select(ctx: Context, args: list[str]) -> tuple[list[Interface], int | None, dict]:
    node = ctx.node
    dev = None
    filters: dict = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "dev" and i + 1 < len(args):
            dev = args[i + 1]
            i += 2
            continue
        if a in ("up",):
            filters["up"] = True
        elif a in ("scope", "label", "to") and i + 1 < len(args):
            filters[a] = args[i + 1]
            i += 1
        elif a in ("primary", "secondary", "permanent", "dynamic"):
            filters[a] = True
        elif dev is None:
            dev = a
        i += 1
    if dev is not None:
        iface = node.interfaces.get(dev)
        if iface is None:
            ctx.eprint(f'Device "{dev}" does not exist.')
            return [], 1, filters
        return [iface], None, filters
    ifaces = list(node.interfaces.values())
    if filters.get("up"):
        ifaces = [i for i in ifaces if i.admin_up]
    return ifaces, None, filters


def addr(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args or args[0] in ("show", "list", "lst", "sh", "ls", "s", "l"):
        return _addr_show(ctx, args[1:] if args else [], opts)
    cmd = args[0]
    if cmd in ("add", "a", "replace", "change"):
        return _addr_add(ctx, args[1:], replace=cmd in ("replace", "change"))
    if cmd in ("del", "delete", "d"):
        return _addr_del(ctx, args[1:])
    if cmd in ("flush", "f"):
        return _addr_flush(ctx, args[1:])
    if cmd == "help":
        _addr_usage(ctx)
        return 255
    ctx.eprint(f'Command "{cmd}" is unknown, try "ip address help".')
    return 255


def _addr_show(ctx: Context, args: list[str], opts: "Options") -> int:
    ifaces, err, filters = _select(ctx, args)
    if err is not None:
        return err
    for iface in ifaces:
        addrs = iface.addresses
        if "scope" in filters:
            addrs = [a for a in addrs if a.scope == filters["scope"]]
        if opts.family == "inet" and not addrs:
            continue
        inet6 = [] if opts.family == "inet" else list(getattr(iface, "inet6", ()))
        if opts.brief:
            text = "".join(f"{a.interface.with_prefixlen} " for a in addrs) + "".join(f"{a} " for a, _ in inet6)
            ctx.print(f"{link_name(iface):<16} {iface.operstate:<14} {text}")
            continue
        if opts.oneline:
            for a in addrs:
                ctx.print(f"{iface.index}: {iface.name}    {_addr_line(a, iface).strip()}\\"
                          f"       valid_lft forever preferred_lft forever")
            continue
        if opts.family != "inet":
            ctx.print(_link_header(iface, False))
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
        if "/" in text:
            ip, plen = text.split("/", 1)
            if not plen.isdigit() or int(plen) > 32:
                raise ValueError
            IPv4Address(ip)
            return IPv4Interface(text)
        return IPv4Interface(f"{IPv4Address(text)}/32")
    except ValueError:
        ctx.eprint(f'Error: any valid {what} is expected rather than "{text}".')
        return None


def _addr_args(ctx: Context, args: list[str]) -> tuple[dict, int | None]:
    spec: dict = {}
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a in ("dev", "brd", "broadcast", "scope", "label", "peer", "local", "valid_lft",
                 "preferred_lft", "metric"):
            if nxt is None:
                ctx.eprint('Command line is not complete. Try option "help"')
                return spec, 255
            spec[a] = nxt
            i += 2
            continue
        if a in ("noprefixroute", "home", "nodad"):
            spec[a] = True
            i += 1
            continue
        if "local" not in spec:
            spec["local"] = a
            i += 1
            continue
        ctx.eprint(f'Error: either "local" is duplicate, or "{a}" is a garbage.')
        return spec, 255
    return spec, None


def _addr_add(ctx: Context, args: list[str], replace: bool) -> int:
    spec, err = _addr_args(ctx, args)
    if err is not None:
        return err
    if "local" not in spec:
        if "dev" in spec:
            ctx.eprint("RTNETLINK answers: Operation not supported")
            return 2
        ctx.eprint("Not enough information: \"dev\" argument is required.")
        return 1
    ifaddr = parse_prefix(ctx, spec["local"])
    if ifaddr is None:
        return 1
    if "dev" not in spec:
        ctx.eprint('Not enough information: "dev" argument is required.')
        return 1
    node = ctx.node
    dev = spec["dev"]
    if dev not in node.interfaces:
        ctx.eprint(f'Cannot find device "{dev}"')
        return 1
    brd = None
    if "brd" in spec or "broadcast" in spec:
        val = spec.get("brd") or spec.get("broadcast")
        if val == "+":
            brd = ifaddr.network.broadcast_address
        elif val == "-":
            brd = None
        else:
            try:
                brd = IPv4Address(val)
            except ValueError:
                ctx.eprint(f'Error: inet address is expected rather than "{val}".')
                return 1
    scope = spec.get("scope", "host" if ifaddr.ip.is_loopback else "global")
    if scope not in ("global", "link", "host", "site", "universe", "nowhere"):
        ctx.eprint(f'Error: invalid scope value "{scope}".' if not scope.isdigit() else "")
        return 1
    scope = "global" if scope == "universe" else scope
    try:
        if replace and node.interfaces[dev].find_address(ifaddr.ip) is not None:
            node.addr_del(dev, ifaddr.ip)
        node.addr_add(dev, ifaddr, scope=scope, broadcast=brd, label=spec.get("label", ""))
    except KernelError as exc:
        ctx.eprint(exc.ip_message)
        return 2
    return 0


def _addr_del(ctx: Context, args: list[str]) -> int:
    spec, err = _addr_args(ctx, args)
    if err is not None:
        return err
    node = ctx.node
    if "dev" not in spec:
        ctx.eprint('Not enough information: "dev" argument is required.')
        return 1
    dev = spec["dev"]
    if dev not in node.interfaces:
        ctx.eprint(f'Cannot find device "{dev}"')
        return 1
    if "local" not in spec:
        iface = node.interfaces[dev]
        if not iface.addresses:
            ctx.eprint("RTNETLINK answers: Cannot assign requested address")
            return 2
        _wildcard_warning(ctx, iface.addresses[0].ip)
        node.addr_del(dev, iface.addresses[0].ip)
        return 0
    ifaddr = parse_prefix(ctx, spec["local"])
    if ifaddr is None:
        return 1
    plen = ifaddr.network.prefixlen if "/" in spec["local"] else None
    if plen is None:
        _wildcard_warning(ctx, ifaddr.ip)
    try:
        node.addr_del(dev, ifaddr.ip, plen)
    except KernelError as exc:
        ctx.eprint(exc.ip_message)
        return 2
    return 0


def _wildcard_warning(ctx: Context, ip: IPv4Address) -> None:
    ctx.eprint("Warning: Executing wildcard deletion to stay compatible with old scripts.\n"
               f"         Explicitly specify the prefix length ({ip}/32) to avoid this warning.\n"
               "         This special behaviour is likely to disappear in further releases,\n"
               "         fix your scripts!")


def _addr_flush(ctx: Context, args: list[str]) -> int:
    ifaces, err, _ = _select(ctx, args)
    if err is not None:
        return err
    if not args:
        ctx.eprint("Flush requires arguments.")
        return 255
    for iface in ifaces:
        if not iface.is_loopback or args:
            ctx.node.addr_flush(iface.name)
    return 0


def _addr_usage(ctx: Context) -> None:
    ctx.eprint("Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]\n"
               "                                                      [ CONFFLAG-LIST ]\n"
               "       ip address del IFADDR dev IFNAME [mngtmpaddr]\n"
               "       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]\n"
               "                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]\n"
               "       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]\n"
               "                         [ nomaster ]\n"
               "                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]\n"
               "                         [ label LABEL ] [up] [ vrf NAME ] ]\n"
               "       ip address {showdump|restore}")


# ------------------------------------------------------------------ ip link
def link(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args or args[0] in ("show", "list", "lst", "sh", "ls", "s", "l"):
        ifaces, err, _ = _select(ctx, args[1:] if args else [])
        if err is not None:
            return err
        for iface in ifaces:
            if opts.brief:
                mac = "00:00:00:00:00:00" if iface.is_loopback else ("" if iface.kind == "tun" else str(iface.mac))
                ctx.print(f"{link_name(iface):<16} {iface.operstate:<14} {mac} {link_flags(iface)} ")
                continue
            ctx.print(_link_header(iface, True))
            ctx.print(_link_line(iface))
            if opts.stats:
                _stats(ctx, iface, opts.stats)
        return 0
    cmd = args[0]
    if cmd == "set":
        return _link_set(ctx, args[1:])
    if cmd in ("add", "del", "delete"):
        return _link_add_del(ctx, cmd, args[1:])
    ctx.eprint(f'Command "{cmd}" is unknown, try "ip link help".')
    return 255


def _link_set(ctx: Context, args: list[str]) -> int:
    node = ctx.node
    dev = None
    actions: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "dev" and i + 1 < len(args):
            dev = args[i + 1]
            i += 2
            continue
        if a in ("up", "down"):
            actions.append((a, None))
        elif a in ("mtu", "name", "address", "alias", "txqueuelen", "qlen") and i + 1 < len(args):
            actions.append((a, args[i + 1]))
            i += 1
        elif dev is None:
            dev = a
        else:
            ctx.eprint(f'Error: either "dev" is duplicate, or "{a}" is a garbage.')
            return 255
        i += 1
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
        elif action == "mtu":
            try:
                mtu = int(value or "")
            except ValueError:
                ctx.eprint(f'Error: argument "{value}" is wrong: Invalid "mtu" value\n')
                return 255
            if mtu < 68 or mtu > 65535:
                ctx.eprint(f"Error: mtu less than device minimum." if mtu < 68 else
                           "Error: mtu greater than device maximum.")
                return 2
            iface.mtu = mtu
        elif action in ("txqueuelen", "qlen"):
            iface.qlen = int(value or "0")
        elif action == "alias":
            iface.alias = value
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
            ctx.eprint(f"Error: Unknown device type.")
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
