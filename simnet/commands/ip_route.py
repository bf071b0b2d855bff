"""``ip route add/change/replace/prepend/append/del`` and the dispatcher (iproute2 6.1, ip/iproute.c).

Parsing follows iproute_modify keyword by keyword (order decides which
abbreviation wins); the kernel half follows fib_create_info and
fib_table_insert/delete, including their extack sentences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address
from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_parse import (AF_INET, AF_INET6, AF_UNSPEC, Args, Prefix, duparg2, get_addr, get_prefix, get_u32,
                                      invarg, matches, nodev, proto_name, rtntype_a2n, rtprot_a2n, rtscope_a2n,
                                      rttable_a2n, scope_name)
from simnet.kernel.routing import LOCAL, MAIN, Route

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["route", "ROUTE_USAGE", "family_of"]

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

_ERROR_TYPES = ("blackhole", "unreachable", "prohibit", "throw")
_TYPE_SCOPE = {"local": 254, "nat": 254, "broadcast": 253, "multicast": 253, "anycast": 253}
_METRIC_WORDS = ("mtu", "hoplimit", "advmss", "reordering", "rtt", "rto_min", "window", "cwnd", "initcwnd",
                 "initrwnd", "rttvar", "ssthresh")


def family_of(opts: "Options") -> str:
    return {"inet": AF_INET, "inet6": "inet6"}.get(opts.family or "", AF_UNSPEC)


def route(ctx: Context, args: list[str], opts: "Options") -> int:
    from simnet.commands import ip_route_show as show

    if not args:
        return show.list_routes(ctx, [], opts, flush=False)
    c, rest = args[0], args[1:]
    if matches(c, "add"):
        return _modify(ctx, rest, opts, create=True, excl=True)
    if matches(c, "change") or c == "chg":
        return _modify(ctx, rest, opts, replace=True)
    if matches(c, "replace"):
        return _modify(ctx, rest, opts, create=True, replace=True)
    if matches(c, "prepend"):
        return _modify(ctx, rest, opts, create=True)
    if matches(c, "append"):
        return _modify(ctx, rest, opts, create=True, append=True)
    if matches(c, "test"):
        return _modify(ctx, rest, opts, excl=True)
    if matches(c, "delete"):
        return _delete(ctx, rest, opts)
    if matches(c, "list") or matches(c, "show") or matches(c, "lst"):
        return show.list_routes(ctx, rest, opts, flush=False)
    if matches(c, "get"):
        return show.get(ctx, rest, opts)
    if matches(c, "flush"):
        return show.list_routes(ctx, rest, opts, flush=True)
    if matches(c, "help"):
        raise UsageError(ROUTE_USAGE.rstrip("\n"), 255)
    raise UsageError(f'Command "{c}" is unknown, try "ip route help".', 255)


@dataclass
class RouteReq:
    """What iproute_modify puts into its RTM_NEWROUTE/RTM_DELROUTE message."""

    dst: Prefix | None = None
    type: str | None = None
    gw: IPv4Address | IPv6Address | None = None       # either family: _is_v6 decides
    dev: str | None = None
    table: int | None = None
    metric: int | None = None
    proto: int | None = None
    scope: int | None = None
    src: IPv4Address | IPv6Address | None = None
    onlink: bool = False
    extras: dict = field(default_factory=dict)


def parse_route(args: list[str], family: str) -> RouteReq:
    """iproute_modify's argument loop; raises UsageError like ``invarg``/``get_prefix`` exit."""
    req = RouteReq()
    a = Args(args)
    while a:
        w = a.cur
        if w == "src":
            req.src = src = get_addr(a.next(), family, v6=True)
            family = AF_INET6 if src.version == 6 else AF_INET
        elif w == "as":
            v = a.next()
            if v == "to":
                v = a.next()
            get_addr(v, family)
            family = AF_INET
        elif w == "via":
            if req.gw is not None:
                raise invarg("use nexthop syntax to specify multiple via\n", w)
            v = a.next()
            fam = {"inet": AF_INET, "inet6": "inet6", "link": "link"}.get(v)
            if fam is not None:
                v = a.next()
            req.gw = gw = get_addr(v, fam or family, v6=True)
            family = AF_INET6 if gw.version == 6 else AF_INET
        elif w == "from":
            get_prefix(a.next(), family)
            family = AF_INET
            req.extras["from"] = True
        elif w == "tos" or matches(w, "dsfield"):
            v = a.next()
            tos = get_u32(v, 16)
            if tos is None or tos > 255:
                raise invarg('"tos" value is invalid\n', v)
        elif w == "expires":
            v = a.next()
            if get_u32(v) is None:
                raise invarg('"expires" value is invalid\n', v)
        elif matches(w, "metric") or matches(w, "priority") or w == "preference":
            v = a.next()
            req.metric = get_u32(v)
            if req.metric is None:
                raise invarg('"metric" value is invalid\n', v)
        elif w == "scope":
            v = a.next()
            req.scope = rtscope_a2n(v)
            if req.scope is None:
                raise invarg('invalid "scope" value\n', v)
        elif w in ("mtu", "hoplimit", "advmss", "rtt", "rto_min") or \
                any(matches(w, k) for k in ("reordering", "window", "cwnd", "initcwnd", "initrwnd")):
            key = next(k for k in _METRIC_WORDS if k == w or matches(w, k))
            v = a.next()
            if v == "lock":
                v = a.next()
            if get_u32(v.rstrip("ms") if key in ("rtt", "rto_min") else v) is None:
                raise invarg(f'"{ {"advmss": "mss"}.get(key, key)}" value is invalid\n', v)
            req.extras[key] = int(v) if v.isdigit() else v
        elif matches(w, "features"):
            v = a.next()
            if v != "ecn":
                raise invarg('"features" value not valid\n', v)
        elif matches(w, "quickack"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg('"quickack" value is invalid\n', v)
            if get_u32(v) not in (0, 1):
                raise invarg('"quickack" value should be 0 or 1\n', v)
        elif matches(w, "congctl"):
            v = a.next()
            if v == "lock":
                a.next()
        elif matches(w, "rttvar") or matches(w, "ssthresh"):
            v = a.next()
            if v == "lock":
                v = a.next()
            if get_u32(v.rstrip("ms")) is None:
                raise invarg(f'"{"rttvar" if matches(w, "rttvar") else "ssthresh"}" value is invalid\n', v)
        elif matches(w, "realms"):
            a.next()
        elif w == "onlink":
            req.onlink = True
        elif w == "nhid":
            v = a.next()
            if get_u32(v) is None:
                raise invarg('"id" value is invalid\n', v)
            raise UsageError("Error: Nexthop id does not exist.", 2)
        elif matches(w, "protocol"):
            v = a.next()
            req.proto = rtprot_a2n(v)
            if req.proto is None:
                raise invarg('"protocol" value is invalid\n', v)
        elif matches(w, "table"):
            v = a.next()
            req.table = rttable_a2n(v)
            if req.table is None:
                raise invarg('"table" value is invalid\n', v)
        elif matches(w, "vrf"):
            raise invarg("Invalid VRF\n", a.next())
        elif w in ("dev", "oif"):
            req.dev = a.next()
        elif matches(w, "pref"):
            v = a.next()
            if v not in ("low", "medium", "high"):
                raise invarg('"pref" value is invalid\n', v)
        elif w == "ttl-propagate":
            v = a.next()
            if not (matches(v, "enabled") or matches(v, "disabled")):
                raise invarg('"ttl-propagate" value is invalid\n', v)
        else:
            if w == "to":
                w = a.next()
            if not w[:1].isdigit():
                t = rtntype_a2n(w)
                if t is not None:
                    w = a.next()
                    req.type = t
            if matches(w, "help"):
                raise UsageError(ROUTE_USAGE.rstrip("\n"), 255)
            if req.dst is not None:
                raise duparg2("to", w)
            req.dst = get_prefix(w, family, v6=True)
            if not req.dst.any:
                family = AF_INET6 if req.dst.v6 else AF_INET
        a.advance()
    return req


def _is_v6(req: RouteReq) -> bool:
    return any(x is not None and x.version == 6 for x in (req.dst.addr if req.dst else None, req.gw, req.src))


def as_v4(addr: IPv4Address | IPv6Address | None) -> IPv4Address | None:
    """An address of a request that _is_v6 kept on the IPv4 side."""
    assert not isinstance(addr, IPv6Address)
    return addr


def _dst4(req: RouteReq) -> IPv4Network:
    """The destination of an IPv4 request (_check_common refused one without)."""
    assert req.dst is not None
    net = req.dst.network
    assert isinstance(net, IPv4Network)
    return net


def _check_v6(ctx: Context, req: RouteReq) -> None:
    if req.dst is None:
        raise UsageError(ROUTE_USAGE.rstrip("\n"), 255)
    if req.dev is not None and req.dev not in ctx.node.interfaces:
        raise nodev(req.dev)
    if not req.dst.exact:
        raise UsageError("Error: Invalid prefix for given prefix length.", 2)


def _check_common(ctx: Context, req: RouteReq, create_table: bool = False) -> None:
    if req.dst is None:
        raise UsageError(ROUTE_USAGE.rstrip("\n"), 255)
    if req.dev is not None and req.dev not in ctx.node.interfaces:
        raise nodev(req.dev)
    if create_table:                          # inet_rtm_newroute: fib_new_table before any further check
        rtype = req.type or "unicast"
        table = req.table if req.table else (LOCAL if rtype in ("local", "broadcast", "nat", "anycast") else MAIN)
        ctx.node.routing.table(table)
    if not req.dst.exact:
        raise UsageError("Error: Invalid prefix for given prefix length.", 2)


def _kernel(text: str) -> UsageError:
    return UsageError(f"RTNETLINK answers: {text}", 2)


def _extack(text: str) -> UsageError:
    return UsageError(f"Error: {text}.", 2)


def _build(ctx: Context, req: RouteReq) -> Route:
    """fib_create_info: validate the nexthop and fill in device and scope."""
    node = ctx.node
    rtype = req.type or "unicast"
    table = req.table if req.table is not None else (LOCAL if rtype in ("local", "broadcast", "nat", "anycast")
                                                     else MAIN)
    if req.scope is not None:
        scope = req.scope
    elif rtype in _TYPE_SCOPE:
        scope = _TYPE_SCOPE[rtype]
    elif rtype == "unicast" and req.gw is None:
        scope = 253
    else:
        scope = 0
    if rtype not in ("unicast", "local", "broadcast", "multicast", "anycast", "nat") + _ERROR_TYPES:
        raise _kernel("Invalid argument")
    if _TYPE_SCOPE.get(rtype, 0) > scope:
        raise _extack("Invalid scope")
    if table == 0:
        table = MAIN
    dev = req.dev
    gw = as_v4(req.gw)
    if rtype in _ERROR_TYPES:
        if gw is not None or dev is not None:
            raise _extack("Gateway, device and multipath can not be specified for this route type")
    elif scope == 254:                      # host scope: local, nat
        if gw is not None:
            raise _extack("Route with host scope can not have a gateway")
        if dev is None:
            raise _kernel("No such device")
    elif gw is not None:
        if gw == IPv4Address(0):
            gw = None
        elif req.onlink:
            if scope >= 253:
                raise _extack("Nexthop has invalid scope")
            if dev is None:
                raise _extack("Nexthop device required for onlink")
            if not node.interfaces[dev].admin_up:
                raise _extack("Nexthop device is not up")
            if node.routing.is_local_address(gw):
                raise _extack("Nexthop has invalid gateway")
        else:
            hit = node.nexthop_lookup(gw, dev, table, scope)
            if hit is None:
                raise _extack("Nexthop has invalid gateway")
            dev = hit.dev
            if dev is None or not node.interfaces[dev].admin_up:
                raise _kernel("Network is down")
    if rtype not in _ERROR_TYPES and gw is None and scope != 254:
        if req.onlink:
            raise _extack("Invalid flags for nexthop - PERVASIVE and ONLINK can not be set")
        if dev is None:
            raise _kernel("No such device")
        if not node.interfaces[dev].admin_up:
            raise _extack("Device for nexthop is not up")
    dst = _dst4(req)
    src = as_v4(req.src)
    if src is not None and rtype not in _ERROR_TYPES and \
            not (rtype == "local" and dst.prefixlen == 32 and dst.network_address == src) \
            and node.local_type(src) != "local":
        raise _extack("Invalid prefsrc address")
    proto = proto_name(req.proto if req.proto is not None else 3)
    return Route(dst, rtype, gw, dev, table, proto, scope_name(scope), src, req.metric or 0, req.onlink)


def _modify(ctx: Context, args: list[str], opts: "Options", create: bool = False, excl: bool = False,
            replace: bool = False, append: bool = False) -> int:
    req = parse_route(args, family_of(opts))
    if _is_v6(req):
        from simnet.commands.ip_route6 import modify6

        _check_v6(ctx, req)
        return modify6(ctx, req, create, excl, replace)
    _check_common(ctx, req, create_table=True)
    new = _build(ctx, req)
    node = ctx.node
    group = [r for r in node.routing.same_prefix(new.table, new.dst) if r.same_key(new)]
    if group:
        if excl:
            raise _kernel("File exists")
        if replace:
            _set_group(node, group, [new] + group[1:])
            return 0
        if any(r == new for r in group):
            raise _kernel("File exists")
        _set_group(node, group, group + [new] if append else [new] + group)
        return 0
    if not create:
        raise _kernel("No such file or directory")
    node.routing.add(new)
    return 0


def _set_group(node, old: list[Route], new: list[Route]) -> None:
    """Rewrite one alias group (same prefix, metric, table) in the kernel's list order."""
    for r in old:
        node.routing.remove(r)
    for r in new:
        node.routing.add(r)


def _delete(ctx: Context, args: list[str], opts: "Options") -> int:
    req = parse_route(args, family_of(opts))
    if _is_v6(req):
        from simnet.commands.ip_route6 import delete6

        _check_v6(ctx, req)
        return delete6(ctx, req)
    _check_common(ctx, req)
    node = ctx.node
    table = req.table if req.table is not None else (LOCAL if req.type in ("local", "broadcast", "nat", "anycast")
                                                     else MAIN)
    if not node.table_exists(table):
        raise _extack("FIB table does not exist")
    dst = _dst4(req)
    for r in node.routing.same_prefix(table, dst):
        if req.type is not None and r.type != req.type:
            continue
        if req.scope is not None and req.scope != 255 and r.scope != scope_name(req.scope):
            continue
        if req.src is not None and r.src != req.src:
            continue
        if req.proto and r.proto != proto_name(req.proto):
            continue
        if req.metric and r.metric != req.metric:
            continue
        if req.dev is not None and r.dev != req.dev:
            continue
        if req.gw is not None and r.gateway != req.gw:
            continue
        node.routing.remove(r)
        return 0
    raise _kernel("No such process")
