"""``ip neighbour``: the ARP table."""
from __future__ import annotations

from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_color import IFNAME, INET, INET6, MAC, paint
from simnet.kernel.ipv6.addr import ntop
from simnet.commands.ip_parse import (AF_UNSPEC, Args, Prefix, duparg, duparg2, get_addr, get_prefix, get_u32,
                                      invarg, matches, nodev, rtprot_a2n)
from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["neigh"]


_NUD = {"INCOMPLETE": 0x01, "REACHABLE": 0x02, "STALE": 0x04, "DELAY": 0x08, "PROBE": 0x10, "FAILED": 0x20,
        "NOARP": 0x40, "PERMANENT": 0x80, "NONE": 0x00}


def _nud_a2n(text: str) -> int | None:
    """nud_state_a2n of ip/ipneigh.c."""
    if matches(text, "permanent"):
        return 0x80
    if matches(text, "reachable"):
        return 0x02
    exact = {"noarp": 0x40, "none": 0x00, "stale": 0x04, "incomplete": 0x01, "delay": 0x08, "probe": 0x10}
    if text in exact:
        return exact[text]
    if matches(text, "failed"):
        return 0x20
    value = get_u32(text)
    if value is None or value >= 0x100 or value & (value - 1):
        return None
    return value


def neigh(ctx: Context, args: list[str], opts: "Options") -> int:
    try:
        return _neigh(ctx, args, opts)
    except UsageError as exc:
        ctx.eprint(exc.message)
        return exc.code


def _neigh(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args:
        return _show(ctx, [], opts, flush=False)
    c = args[0]
    if matches(c, "show") or matches(c, "lst") or matches(c, "list"):
        return _show(ctx, args[1:], opts, flush=False)
    if matches(c, "flush"):
        return _show(ctx, args[1:], opts, flush=True)
    for word, cmd in (("add", "add"), ("change", "change"), ("replace", "replace"), ("delete", "del")):
        if matches(c, word) or (word == "change" and c == "chg"):
            return _modify(ctx, cmd, args[1:], "inet" if opts.family == "inet" else AF_UNSPEC)
    if matches(c, "get"):
        return _get(ctx, args[1:], "inet" if opts.family == "inet" else AF_UNSPEC)
    if matches(c, "help"):
        raise UsageError(NEIGH_USAGE, 255)
    raise UsageError(f'Command "{c}" is unknown, try "ip neigh help".', 255)


def _show(ctx: Context, args: list[str], opts: "Options", flush: bool) -> int:
    """do_show_or_flush: filters by device, prefix and NUD state."""
    node = ctx.node
    if flush and not args:
        raise UsageError("Flush requires arguments.", 1)
    state = ~(0x80 | 0x40) & 0xFFFF if flush else 0xFF & ~0x40
    state_given = False
    dev = None
    prefix: Prefix | None = None
    a = Args(args)
    while a:
        w = a.cur
        if w == "dev":
            v = a.next()
            if dev is not None:
                raise duparg("dev", v)
            dev = v
        elif w == "nud":
            v = a.next()
            if not state_given:
                state_given, state = True, 0
            st = _nud_a2n(v)
            if st is None:
                if v != "all":
                    raise invarg("nud state is bad", v)
                st = ~0x40 & 0xFFFF if flush else 0xFFFF
            state |= st or 0x100
        elif w in ("unused", "proxy", "nomaster"):
            pass
        elif w in ("master", "vrf") or matches(w, "protocol"):
            a.next()
        else:
            if w == "to":
                w = a.next()
            if matches(w, "help"):
                raise UsageError(NEIGH_USAGE, 255)
            prefix = get_prefix(w, opts.family if opts.family in ("inet", "inet6") else
                                ("inet" if prefix is not None else AF_UNSPEC), v6=True)
        a.advance()
    if dev is not None and dev not in node.interfaces:
        raise nodev(dev)
    flushed = 0
    # the kernel dumps arp_tbl, then nd_tbl
    tables = ([node.neigh] if opts.family != "inet6" else []) + ([node.ip6.stack.neigh] if opts.family != "inet" else [])
    for table, e in [(t, e) for t in tables for e in sorted(t.all(), key=lambda e: -e.updated)]:
        if dev is not None and e.dev != dev:
            continue
        if prefix is not None and not prefix.any:
            if e.ip.version != prefix.addr.version:
                continue
            bits = e.ip.max_prefixlen - prefix.plen
            if int(e.ip) >> bits != int(prefix.addr) >> bits:
                continue
        bit = _NUD.get(e.state, 0)
        if not (state & bit) and (bit or not (state & 0x100)):
            continue
        if flush:
            table.remove(e.dev, e.ip)
            flushed += 1
            continue
        ctx.print(_entry(e, with_dev=dev is None))
    if flush and opts.stats:
        if flushed:
            ctx.print(f"\n*** Round 1, deleting {flushed} entries ***")
            ctx.print("*** Flush is complete after 1 round ***")
        else:
            ctx.print("Nothing to flush.")
    return 0


_VALID = ("PERMANENT", "NOARP", "REACHABLE", "PROBE", "STALE", "DELAY")
_STATE_NAMES = {v: k for k, v in _NUD.items()}


def _get(ctx: Context, args: list[str], family: str) -> int:
    """ipneigh_get: one entry, printed with its device."""
    node = ctx.node
    dev = dst = None
    a = Args(args)
    while a:
        w = a.cur
        if w == "dev":
            dev = a.next()
        elif matches(w, "proxy"):
            v = a.next()
            if dst is not None:
                raise duparg("address", v)
            dst = get_addr(v, family, v6=True)
        else:
            if w == "to":
                w = a.next()
            if matches(w, "help"):
                raise UsageError(NEIGH_USAGE, 255)
            if dst is not None:
                raise duparg2("to", w)
            dst = get_addr(w, family, v6=True)
        a.advance()
    if dev is None or dst is None:
        raise UsageError("Device and address are required arguments.", 1)
    if dev not in node.interfaces:
        raise nodev(dev)
    e = (node.neigh if dst.version == 4 else node.ip6.stack.neigh).get(dev, dst)
    if e is None:
        raise UsageError("Error: Neighbour entry not found.", 2)
    ctx.print(_entry(e, with_dev=True))
    return 0


def _entry(e, with_dev: bool) -> str:
    """print_neigh: address, device, lladdr, router flag, state (coloured under ``ip -c``)."""
    out = paint(INET, f"{e.ip} ") if e.ip.version == 4 else paint(INET6, f"{ntop(e.ip)} ")
    if with_dev:
        out += "dev " + paint(IFNAME, f"{e.dev} ")
    if e.mac is not None and e.state not in ("INCOMPLETE", "FAILED"):
        out += "lladdr " + paint(MAC, f"{e.mac} ")
    if e.router:
        out += "router "
    return out + e.state + " "


def _modify(ctx: Context, cmd: str, args: list[str], family: str = AF_UNSPEC) -> int:
    """ipneigh_modify, then the kernel's neigh_add/neigh_delete."""
    node = ctx.node
    state = "PERMANENT"
    lla = dev = None
    dst = None
    a = Args(args)
    while a:
        w = a.cur
        if matches(w, "lladdr"):
            v = a.next()
            if lla is not None:
                raise duparg("lladdr", v)
            lla = v
        elif w == "nud":
            v = a.next()
            st = _nud_a2n(v)
            if st is None:
                raise invarg("nud state is bad", v)
            state = _STATE_NAMES.get(st, "NONE")
        elif matches(w, "proxy"):
            v = a.next()
            if dst is not None:
                raise duparg("address", v)
            dst = get_addr(v, family, v6=True)
            dev = dev or ""
        elif w in ("router", "use", "managed") or matches(w, "extern_learn"):
            pass
        elif w == "dev":
            dev = a.next()
        elif matches(w, "protocol"):
            v = a.next()
            if rtprot_a2n(v) is None:
                raise invarg('"protocol" value is invalid\n', v)
        else:
            if w == "to":
                w = a.next()
            if matches(w, "help"):
                w = a.next()
            if dst is not None:
                raise duparg2("to", w)
            dst = get_addr(w, family, v6=True)
        a.advance()
    if not dev or dst is None:
        raise UsageError("Device and destination are required arguments.", 255)
    table = node.neigh if dst.version == 4 else node.ip6.stack.neigh       # arp_tbl or nd_tbl
    mac = None
    if lla is not None and lla != "null":
        try:
            mac = MacAddress.parse(lla)
        except ValueError:
            raise UsageError(f'"{lla}" is invalid lladdr.', 1) from None
    if dev not in node.interfaces:
        raise nodev(dev)
    old = table.get(dev, dst)
    if cmd == "del":
        if old is None:
            raise UsageError("RTNETLINK answers: No such file or directory", 2)
        table.remove(dev, dst)
        return 0
    if old is not None and cmd == "add":
        raise UsageError("RTNETLINK answers: File exists", 2)
    if old is None and cmd == "change":
        raise UsageError("RTNETLINK answers: No such file or directory", 2)
    if mac is None and state in _VALID:
        if old is None or old.state not in _VALID or old.mac is None:
            raise UsageError("Error: No link layer address given.", 2)
        mac = old.mac
    table.add_static(dev, dst, mac, state)
    return 0


NEIGH_USAGE = """Usage: ip neigh { add | del | change | replace }
                { ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }
                [ dev DEV ] [ router ] [ use ] [ managed ] [ extern_learn ]
                [ protocol PROTO ]

\tip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]
\t\t\t\t  [ vrf NAME ] [ nomaster ]
\tip neigh get { ADDR | proxy ADDR } dev DEV

STATE := { delay | failed | incomplete | noarp | none |
           permanent | probe | reachable | stale }"""
