"""``ip neighbour``: the ARP table."""
from __future__ import annotations

from ipaddress import IPv4Address, ip_network
from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_parse import AF_UNSPEC, Args, Prefix, duparg, get_prefix, get_u32, invarg, matches, nodev
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
            return _modify(ctx, cmd, args[1:])
    if matches(c, "get"):
        raise UsageError("Device and destination are required arguments.", 255)
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
            prefix = get_prefix(w, "inet" if opts.family == "inet" else AF_UNSPEC)
        a.advance()
    if dev is not None and dev not in node.interfaces:
        raise nodev(dev)
    if opts.family == "inet6":
        return 0
    flushed = 0
    for e in sorted(node.neigh.all(), key=lambda e: -e.updated):
        if dev is not None and e.dev != dev:
            continue
        if prefix is not None and not prefix.any and (int(e.ip) >> (32 - prefix.plen) if prefix.plen else 0) != \
                (int(prefix.addr) >> (32 - prefix.plen) if prefix.plen else 0):
            continue
        bit = _NUD.get(e.state, 0)
        if not (state & bit) and (bit or not (state & 0x100)):
            continue
        if flush:
            node.neigh.remove(e.dev, e.ip)
            flushed += 1
            continue
        parts = [str(e.ip)]
        if dev is None:
            parts.append(f"dev {e.dev}")
        if e.mac is not None and e.state not in ("INCOMPLETE", "FAILED"):
            parts.append(f"lladdr {e.mac}")
        if e.router:
            parts.append("router")
        parts.append(e.state)
        ctx.print(" ".join(parts) + " ")
    if flush and opts.stats:
        if flushed:
            ctx.print(f"\n*** Round 1, deleting {flushed} entries ***")
            ctx.print("*** Flush is complete after 1 round ***")
        else:
            ctx.print("Nothing to flush.")
    return 0


def _modify(ctx: Context, cmd: str, args: list[str]) -> int:
    node = ctx.node
    fields: dict = {}
    rest = args
    i = 0
    while i < len(rest):
        a = rest[i]
        if a in ("lladdr", "dev", "nud", "to") and i + 1 < len(rest):
            fields[a] = rest[i + 1]
            i += 2
            continue
        if a in ("permanent", "reachable", "stale", "noarp"):
            fields["nud"] = a
        else:
            fields["to"] = a
        i += 1
    if cmd not in ("add", "del", "delete", "replace", "change"):
        ctx.eprint(f'Command "{cmd}" is unknown, try "ip neigh help".')
        return 255
    if "dev" not in fields:
        ctx.eprint("Device and destination are required arguments.")
        return 255
    dev = fields["dev"]
    if dev not in node.interfaces:
        ctx.eprint(f'Cannot find device "{dev}"')
        return 1
    try:
        ip = IPv4Address(fields.get("to", ""))
    except ValueError:
        ctx.eprint(f'Error: inet address is expected rather than "{fields.get("to", "")}".')
        return 1
    if cmd in ("del", "delete"):
        if not node.neigh.remove(dev, ip):
            ctx.eprint("RTNETLINK answers: No such file or directory")
            return 2
        return 0
    if cmd == "add" and node.neigh.get(dev, ip) is not None:
        ctx.eprint("RTNETLINK answers: File exists")
        return 2
    mac = None
    if "lladdr" in fields:
        try:
            mac = MacAddress.parse(fields["lladdr"])
        except ValueError:
            ctx.eprint(f'"{fields["lladdr"]}" is invalid lladdr.')
            return 1
    state = fields.get("nud", "permanent").upper()
    if mac is None and state not in ("NOARP", "INCOMPLETE"):
        ctx.eprint("Error: No link layer address given.")
        return 2
    node.neigh.add_static(dev, ip, mac, state)
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
