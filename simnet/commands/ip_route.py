"""``ip route`` and ``ip rule``."""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from simnet.commands.base import Context
from simnet.kernel.routing import LOCAL, MAIN, Route, RouteError, Rule, table_name

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["route", "rule", "format_route", "parse_table"]

ROUTE_USAGE = """Usage: ip route { list | flush } SELECTOR
       ip route save SELECTOR
       ip route restore
       ip route showdump
       ip route get [ ROUTE_GET_FLAGS ] ADDRESS
                            [ from ADDRESS iif STRING ]
                            [ oif STRING ] [ tos TOS ]
                            [ mark NUMBER ] [ vrf NAME ]
                            [ uid NUMBER ] [ ipproto PROTOCOL ]
                            [ sport NUMBER ] [ dport NUMBER ]
       ip route { add | del | change | append | replace } ROUTE
SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]
            [ table TABLE_ID ] [ vrf NAME ] [ proto RTPROTO ]
            [ type TYPE ] [ scope SCOPE ]
ROUTE := NODE_SPEC [ INFO_SPEC ]
NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]
             [ table TABLE_ID ] [ proto RTPROTO ]
             [ scope SCOPE ] [ metric METRIC ]
             [ ttl-propagate { enabled | disabled } ]
INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...
NH := [ encap ENCAPTYPE ENCAPHDR ] [ via [ FAMILY ] ADDRESS ]
      [ dev STRING ] [ weight NUMBER ] NHFLAGS
FAMILY := [ inet | inet6 | mpls | bridge | link ]
OPTIONS := FLAGS [ mtu NUMBER ] [ advmss NUMBER ] [ as [ to ] ADDRESS ]
           [ rtt TIME ] [ rttvar TIME ] [ reordering NUMBER ]
           [ window NUMBER ] [ cwnd NUMBER ] [ initcwnd NUMBER ]
           [ ssthresh NUMBER ] [ realms REALM ] [ src ADDRESS ]
           [ rto_min TIME ] [ hoplimit NUMBER ] [ initrwnd NUMBER ]
           [ features FEATURES ] [ quickack BOOL ] [ congctl NAME ]
           [ pref PREF ] [ expires TIME ] [ fastopen_no_cookie BOOL ]
TYPE := { unicast | local | broadcast | multicast | throw |
          unreachable | prohibit | blackhole | nat }
TABLE_ID := [ local | main | default | all | NUMBER ]
SCOPE := [ host | link | global | NUMBER ]
NHFLAGS := [ onlink | pervasive ]
RTPROTO := [ kernel | boot | static | NUMBER ]
PREF := [ low | medium | high ]
TIME := NUMBER[s|ms]
BOOL := [1|0]
FEATURES := ecn
ENCAPTYPE := [ mpls | ip | ip6 | seg6 | seg6local | rpl | ioam6 | xfrm ]
ENCAPHDR := [ MPLSLABEL | SEG6HDR | SEG6LOCAL | IOAM6HDR | XFRMINFO ]
SEG6HDR := [ mode SEGMODE ] segs ADDR1,ADDRi,ADDRn [hmac HMACKEYID] [cleanup]
SEGMODE := [ encap | encap.red | inline | l2encap | l2encap.red ]
SEG6LOCAL := action ACTION [ OPTIONS ] [ count ]
ACTION := { End | End.X | End.T | End.DX2 | End.DX6 | End.DX4 |
            End.DT6 | End.DT4 | End.DT46 | End.B6 | End.B6.Encaps |
            End.BM | End.S | End.AS | End.AM | End.BPF }
OPTIONS := OPTION [ OPTIONS ]
OPTION := { flavors FLAVORS | srh SEG6HDR | nh4 ADDR | nh6 ADDR | iif DEV | oif DEV |
            table TABLEID | vrftable TABLEID | endpoint PROGNAME }
FLAVORS := { FLAVOR[,FLAVOR] }
FLAVOR := { psp | usp | usd | next-csid }
IOAM6HDR := trace prealloc type IOAM6_TRACE_TYPE ns IOAM6_NAMESPACE size IOAM6_TRACE_SIZE
XFRMINFO := if_id IF_ID [ link_dev LINK ]
ROUTE_GET_FLAGS := [ fibmatch ]
"""

ROUTE_TYPES = ("unicast", "local", "broadcast", "blackhole", "unreachable", "prohibit", "throw", "multicast",
               "anycast", "nat")
TABLE_IDS = {"main": MAIN, "local": LOCAL, "default": 253, "all": 0, "unspec": 0}
PROTO_IDS = {"0": "unspec", "1": "redirect", "2": "kernel", "3": "boot", "4": "static"}


def parse_table(text: str) -> int | None:
    if text in TABLE_IDS:
        return TABLE_IDS[text]
    try:
        value = int(text, 0)
    except ValueError:
        return None
    return value if 0 <= value <= 0xFFFFFFFF else None


def format_route(r: Route, show_table: bool = False) -> str:
    parts: list[str] = []
    if r.type != "unicast":
        parts.append(r.type)
    parts.append("default" if r.dst.prefixlen == 0 else (str(r.dst.network_address) if r.dst.prefixlen == 32
                                                          else str(r.dst)))
    if r.gateway is not None:
        parts.append(f"via {r.gateway}")
    if r.dev is not None and r.type not in ("blackhole", "unreachable", "prohibit", "throw"):
        parts.append(f"dev {r.dev}")
    if show_table and r.table != MAIN:
        parts.append(f"table {table_name(r.table)}")
    if r.proto != "boot":
        parts.append(f"proto {r.proto}")
    if r.scope != "global" and r.type not in ("blackhole", "unreachable", "prohibit", "throw"):
        parts.append(f"scope {r.scope}")
    if r.src is not None:
        parts.append(f"src {r.src}")
    if r.metric:
        parts.append(f"metric {r.metric}")
    if r.onlink:
        parts.append("onlink")
    return " ".join(parts) + " "


def route(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args or args[0] in ("show", "list", "lst", "sh", "ls", "s", "l"):
        return _show(ctx, args[1:] if args else [])
    cmd = args[0]
    if cmd in ("add", "a", "replace", "change", "append", "prepend"):
        return _modify(ctx, cmd, args[1:])
    if cmd in ("del", "delete", "d"):
        return _delete(ctx, args[1:])
    if cmd == "get":
        return _get(ctx, args[1:])
    if cmd == "flush":
        return _flush(ctx, args[1:])
    if cmd == "help":
        ctx.err.append(ROUTE_USAGE)
        return 255
    ctx.eprint(f'Command "{cmd}" is unknown, try "ip route help".')
    return 255


def _show(ctx: Context, args: list[str]) -> int:
    node = ctx.node
    table: int | None = MAIN
    dev = None
    proto = None
    scope = None
    rtype = None
    prefix: IPv4Network | None = None
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a in ("table", "tab") and nxt is not None:
            t = parse_table(nxt)
            if t is None:
                ctx.eprint(f'Error: argument "{nxt}" is wrong: table id value is invalid\n')
                return 255
            table = None if t == 0 else t
            i += 2
            continue
        if a in ("dev", "oif") and nxt is not None:
            if nxt not in node.interfaces:
                ctx.eprint(f'Cannot find device "{nxt}"')
                return 1
            dev = nxt
            i += 2
            continue
        if a == "proto" and nxt is not None:
            proto = PROTO_IDS.get(nxt, nxt)
            i += 2
            continue
        if a == "scope" and nxt is not None:
            scope = nxt
            i += 2
            continue
        if a == "type" and nxt is not None:
            rtype = nxt
            i += 2
            continue
        if a in ROUTE_TYPES:
            rtype = a
            i += 1
            continue
        if a in ("root", "match", "exact", "to"):
            i += 1
            continue
        try:
            prefix = IPv4Network("0.0.0.0/0" if a in ("default", "all") else a, strict=False)
        except ValueError:
            ctx.eprint(f'Error: any valid prefix is expected rather than "{a}".')
            return 1
        i += 1
    routes = node.routing.routes(table)
    for r in routes:
        if dev is not None and r.dev != dev:
            continue
        if proto is not None and r.proto != proto:
            continue
        if scope is not None and r.scope != scope:
            continue
        if rtype is not None and r.type != rtype:
            continue
        if prefix is not None and r.dst != prefix:
            continue
        text = format_route(r, show_table=table is None)
        if dev is not None:
            text = text.replace(f" dev {dev}", "")
        if proto is not None:
            text = text.replace(f" proto {proto}", "")
        ctx.print(text)
    return 0


def _parse_route(ctx: Context, args: list[str]) -> tuple[dict, int | None]:
    spec: dict = {}
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a in ("via", "dev", "oif", "table", "tab", "metric", "priority", "preference", "proto", "protocol",
                 "scope", "src", "mtu", "advmss", "initcwnd", "realm", "from", "iif", "mark", "fwmark", "tos",
                 "uid", "ipproto", "sport", "dport", "weight"):
            if nxt is None:
                ctx.eprint('Command line is not complete. Try option "help"')
                return spec, 255
            key = {"oif": "dev", "tab": "table", "priority": "metric", "preference": "metric",
                   "protocol": "proto", "fwmark": "mark"}.get(a, a)
            spec[key] = nxt
            i += 2
            continue
        if a in ("onlink", "connected"):
            spec[a] = True
            i += 1
            continue
        if a in ROUTE_TYPES and "dst" not in spec:
            spec["type"] = a
            i += 1
            continue
        if a == "to":
            i += 1
            continue
        if "dst" in spec:
            ctx.eprint(f'Error: either "to" is duplicate, or "{a}" is a garbage.')
            return spec, 255
        spec["dst"] = a
        i += 1
    return spec, None


def _build(ctx: Context, spec: dict, for_delete: bool = False) -> tuple[Route | None, int | None]:
    node = ctx.node
    dst_text = spec.get("dst")
    if dst_text is None:
        if for_delete:
            ctx.eprint("RTNETLINK answers: No such process")
            return None, 2
        ctx.err.append(ROUTE_USAGE)
        return None, 255
    if dst_text == "default":
        dst = IPv4Network("0.0.0.0/0")
    else:
        try:
            if "/" in dst_text:
                ip, plen = dst_text.split("/", 1)
                IPv4Address(ip)
                if not plen.isdigit() or int(plen) > 32:
                    raise ValueError
            else:
                IPv4Address(dst_text)
        except ValueError:
            ctx.eprint(f'Error: any valid prefix is expected rather than "{dst_text}".')
            return None, 1
        try:
            dst = IPv4Network(dst_text)
        except ValueError:
            ctx.eprint("Error: Invalid prefix for given prefix length.")
            return None, 2
    table = MAIN
    if "table" in spec:
        t = parse_table(spec["table"])
        if t is None:
            ctx.eprint(f'Error: argument "{spec["table"]}" is wrong: "table" value is invalid\n')
            return None, 255
        table = t
    rtype = spec.get("type", "unicast")
    if rtype == "local" and "table" not in spec:
        table = LOCAL
    gw = None
    if "via" in spec:
        try:
            gw = IPv4Address(spec["via"].removeprefix("inet "))
        except ValueError:
            ctx.eprint(f'Error: inet address is expected rather than "{spec["via"]}".')
            return None, 1
    dev = spec.get("dev")
    if dev is not None and dev not in node.interfaces:
        ctx.eprint(f'Cannot find device "{dev}"')
        return None, 1
    metric = 0
    if "metric" in spec:
        try:
            metric = int(spec["metric"])
        except ValueError:
            ctx.eprint(f'Error: argument "{spec["metric"]}" is wrong: "metric" value is invalid\n')
            return None, 255
    src = None
    if "src" in spec:
        try:
            src = IPv4Address(spec["src"])
        except ValueError:
            ctx.eprint(f'Error: inet address is expected rather than "{spec["src"]}".')
            return None, 1
    proto = spec.get("proto", "boot")
    proto = PROTO_IDS.get(proto, proto)
    scope = spec.get("scope")
    if scope is None:
        if rtype in ("local",):
            scope = "host"
        elif rtype in ("broadcast", "multicast") or (gw is None and rtype == "unicast"):
            scope = "link"
        else:
            scope = "global"
    return Route(dst, rtype, gw, dev, table, proto, scope, src, metric, bool(spec.get("onlink"))), None


def _modify(ctx: Context, cmd: str, args: list[str]) -> int:
    spec, err = _parse_route(ctx, args)
    if err is not None:
        return err
    r, err = _build(ctx, spec)
    if r is None:
        return err or 1
    node = ctx.node
    if r.type == "unicast":
        if r.gateway is None and r.dev is None:
            ctx.eprint("Error: Device for nexthop is not up." if False else
                       'Error: either "dev" or "via" is required.' if False else
                       "RTNETLINK answers: No such device")
            return 2
        if r.gateway is not None and not r.onlink:
            if not node.gateway_onlink(r.gateway, r.dev) or r.gateway in node.local_addresses():
                ctx.eprint("Error: Nexthop has invalid gateway.")
                return 2
            if r.dev is None:
                r = Route(r.dst, r.type, r.gateway, node.gateway_device(r.gateway), r.table, r.proto, r.scope,
                          r.src, r.metric, r.onlink)
        if r.dev is not None and not node.interfaces[r.dev].admin_up:
            ctx.eprint("Error: Device for nexthop is not up." if r.gateway is None else "Error: Nexthop device is not up.")
            return 2
        if r.src is not None and r.src not in node.local_addresses():
            ctx.eprint("Error: Invalid prefsrc address.")
            return 2
    existing = node.routing.find(r)
    if cmd in ("add", "a", "prepend", "append"):
        if existing is not None and cmd != "append":
            ctx.eprint("RTNETLINK answers: File exists")
            return 2
        node.routing.add(r)
        return 0
    if cmd == "change" and existing is None:
        ctx.eprint("RTNETLINK answers: No such file or directory")
        return 2
    if existing is not None:
        node.routing.remove(existing)
    node.routing.add(r)
    return 0


def _delete(ctx: Context, args: list[str]) -> int:
    spec, err = _parse_route(ctx, args)
    if err is not None:
        return err
    r, err = _build(ctx, spec, for_delete=True)
    if r is None:
        return err or 1
    node = ctx.node
    table = r.table
    for cand in node.routing.routes(table):
        if cand.dst != r.dst:
            continue
        if "metric" in spec and cand.metric != r.metric:
            continue
        if r.gateway is not None and cand.gateway != r.gateway:
            continue
        if "dev" in spec and cand.dev != r.dev:
            continue
        if "type" in spec and cand.type != r.type:
            continue
        node.routing.remove(cand)
        return 0
    ctx.eprint("RTNETLINK answers: No such process")
    return 2


def _flush(ctx: Context, args: list[str]) -> int:
    spec, err = _parse_route(ctx, args)
    if err is not None:
        return err
    node = ctx.node
    table = parse_table(spec.get("table", "main"))
    if table is None:
        ctx.eprint(f'Error: argument "{spec["table"]}" is wrong: table id value is invalid\n')
        return 255
    if not args:
        ctx.eprint('"ip route flush" requires arguments.')
        return 255
    dst = spec.get("dst")
    for r in node.routing.routes(None if table == 0 else table):
        if "dev" in spec and r.dev != spec["dev"]:
            continue
        if dst not in (None, "all") and str(r.dst) != dst and not (dst == "default" and r.is_default):
            continue
        if "proto" in spec and r.proto != PROTO_IDS.get(spec["proto"], spec["proto"]):
            continue
        node.routing.remove(r)
    return 0


def _get(ctx: Context, args: list[str]) -> int:
    spec, err = _parse_route(ctx, args)
    if err is not None:
        return err
    node = ctx.node
    dst_text = spec.get("dst")
    if dst_text is None:
        ctx.eprint("need at least a destination address")
        return 1
    try:
        dst = IPv4Address(dst_text.split("/")[0])
    except ValueError:
        ctx.eprint(f'Error: any valid prefix is expected rather than "{dst_text}".')
        return 1
    src = IPv4Address(spec["from"]) if "from" in spec else None
    mark = int(spec.get("mark", "0"), 0)
    iif = spec.get("iif")
    try:
        if iif is not None:
            if iif not in node.interfaces:
                ctx.eprint(f'Cannot find device "{iif}"')
                return 1
            res = node.routing.lookup(dst, src=src, iif=iif, mark=mark, usable=node.stack._usable)
            r = res.route
            if r.type == "unicast" and not node.sysctl.forwarding(iif):
                ctx.eprint("RTNETLINK answers: Invalid argument" if False else "RTNETLINK answers: No route to host")
                return 2
            chosen_src = src
        else:
            r, chosen_src = node.stack.route_output(dst, src, spec.get("dev"), mark)
    except RouteError as exc:
        ctx.eprint(f"RTNETLINK answers: {exc.errno_text}")
        return 2
    parts: list[str] = []
    if r.type == "local":
        parts.append("local")
    elif r.type == "broadcast":
        parts.append("broadcast")
    parts.append(str(dst))
    if src is not None:
        parts.append(f"from {src}")
    if r.gateway is not None:
        parts.append(f"via {r.gateway}")
    out_dev = "lo" if r.type == "local" else r.dev
    parts.append(f"dev {out_dev}")
    if r.table != MAIN and r.table != LOCAL:
        parts.append(f"table {table_name(r.table)}")
    if iif is None and src is None and chosen_src is not None:
        parts.append(f"src {chosen_src}")
    if mark:
        parts.append(f"mark {hex(mark)}")
    if iif is None:
        parts.append("uid 0")
    ctx.print(" ".join(parts) + " ")
    cache = "    cache "
    exc = node.stack.__dict__.get("redirect_exceptions", {}).get(dst) if iif is None else None
    if exc is not None and exc.expires > node.sim.now:
        cache += f"<redirected> expires {int(exc.expires - node.sim.now)}sec "
    if r.type == "local":
        cache += "<local> "
    elif r.type == "broadcast":
        cache += "<local,brd> "
    if iif is not None:
        cache += f"iif {iif} "
    ctx.print(cache)
    return 0


# ----------------------------------------------------------------- ip rule
def _rule_text(r: Rule) -> str:
    parts = [f"{r.priority}:\t"]
    body: list[str] = []
    if r.invert:
        body.append("not")
    def net(n) -> str:
        return str(n.network_address) if n.prefixlen == 32 else str(n)

    body.append(f"from {net(r.src)}" if r.src is not None else "from all")
    if r.dst is not None:
        body.append(f"to {net(r.dst)}")
    if r.fwmark is not None:
        body.append(f"fwmark {hex(r.fwmark)}" + (f"/{hex(r.fwmask)}" if r.fwmask != 0xFFFFFFFF else ""))
    if r.iif is not None:
        body.append(f"iif {r.iif}")
    if r.oif is not None:
        body.append(f"oif {r.oif}")
    if r.action == "lookup":
        body.append(f"lookup {table_name(r.table)}")
    else:
        body.append(r.action)
    if r.suppress_prefixlength is not None:
        body.append(f"suppress_prefixlength {r.suppress_prefixlength}")
    if r.proto:
        body.append(f"proto {r.proto}")
    return parts[0] + " ".join(body)


def rule(ctx: Context, args: list[str], opts: "Options") -> int:
    node = ctx.node
    if not args or args[0] in ("show", "list", "lst", "sh", "ls", "s", "l"):
        for r in node.routing.rules:
            ctx.print(_rule_text(r))
        return 0
    cmd = args[0]
    if cmd not in ("add", "del", "delete", "flush"):
        ctx.eprint(f'Command "{cmd}" is unknown, try "ip rule help".')
        return 255
    if cmd == "flush":
        node.routing.rules = [r for r in node.routing.rules if r.priority in (0, 32766, 32767)
                              and r.action == "lookup" and r.src is None and r.fwmark is None]
        return 0
    fields: dict = {}
    invert = False
    i = 1
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a == "not":
            invert = True
            i += 1
            continue
        if a in ("blackhole", "unreachable", "prohibit"):
            fields["action"] = a
            i += 1
            continue
        if nxt is None:
            ctx.eprint(f'Error: argument "{a}" is wrong: Failed to parse rule type\n' if False else
                       'Command line is not complete. Try option "help"')
            return 255
        key = {"priority": "pref", "preference": "pref", "order": "pref", "table": "lookup", "fwmark": "fwmark",
               "iif": "iif", "dev": "iif", "oif": "oif", "from": "from", "to": "to",
               "suppress_prefixlength": "spl", "proto": "proto"}.get(a, a)
        fields[key] = nxt
        i += 2
    try:
        src = None if fields.get("from", "all") == "all" else IPv4Network(fields["from"], strict=False)
        dst = None if fields.get("to", "all") == "all" else IPv4Network(fields["to"], strict=False)
    except ValueError:
        bad = fields.get("from") or fields.get("to")
        ctx.eprint(f'Error: inet prefix is expected rather than "{bad}".')
        return 1
    table = MAIN
    if "lookup" in fields:
        t = parse_table(fields["lookup"])
        if t is None:
            ctx.eprint(f'Error: argument "{fields["lookup"]}" is wrong: invalid table ID\n')
            return 255
        table = t
    mark = mask = None
    if "fwmark" in fields:
        v, _, m = fields["fwmark"].partition("/")
        mark = int(v, 0)
        mask = int(m, 0) if m else 0xFFFFFFFF
    if cmd == "add":
        if "pref" in fields:
            pref = int(fields["pref"])
        else:
            others = [r.priority for r in node.routing.rules if r.priority]
            pref = (min(others) - 1) if others else 0
        new = Rule(pref, table, fields.get("action", "lookup"), src, dst, fields.get("iif"), fields.get("oif"),
                   mark, mask if mask is not None else 0xFFFFFFFF, invert,
                   int(fields["spl"]) if "spl" in fields else None, fields.get("proto"))
        for r in node.routing.rules:
            if r == new:
                ctx.eprint("RTNETLINK answers: File exists")
                return 2
        node.routing.add_rule(new)
        return 0
    for r in list(node.routing.rules):
        if "pref" in fields and r.priority != int(fields["pref"]):
            continue
        if "lookup" in fields and r.table != table:
            continue
        if "from" in fields and r.src != src:
            continue
        if "fwmark" in fields and r.fwmark != mark:
            continue
        node.routing.remove_rule(r)
        return 0
    ctx.eprint("RTNETLINK answers: No such file or directory")
    return 2
