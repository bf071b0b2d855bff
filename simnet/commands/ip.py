"""``ip`` from iproute2 6.1: a thin parser over the node's kernel model.

Objects: address, link, route, rule, neighbour. Output and error texts follow
iproute2 6.1 byte for byte (trailing spaces included, as ``ip`` prints them).
"""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.commands import ip_addr, ip_route, ip_neigh

__all__ = ["main"]

OBJECTS = {
    "address": "addr", "addr": "addr", "a": "addr", "ad": "addr", "add": "addr", "addrs": "addr",
    "link": "link", "l": "link", "li": "link", "lin": "link",
    "route": "route", "r": "route", "ro": "route", "rou": "route", "rout": "route",
    "rule": "rule", "ru": "rule", "rul": "rule",
    "neighbour": "neigh", "neighbor": "neigh", "neigh": "neigh", "n": "neigh", "ne": "neigh", "nei": "neigh",
}


class Options:
    """Global ``ip`` options (before the object)."""

    def __init__(self) -> None:
        self.family: str | None = None
        self.brief = False
        self.stats = 0
        self.details = False
        self.oneline = False
        self.color = False
        self.json = False


def main(ctx: Context) -> int:
    args = list(ctx.args)
    opts = Options()
    while args and args[0].startswith("-") and len(args[0]) > 1:
        a = args.pop(0)
        name = a.lstrip("-")
        if name in ("4",):
            opts.family = "inet"
        elif name in ("6",):
            opts.family = "inet6"
        elif name in ("br", "brief"):
            opts.brief = True
        elif name in ("s", "stats", "statistics"):
            opts.stats += 1
        elif name in ("d", "details"):
            opts.details = True
        elif name in ("o", "oneline"):
            opts.oneline = True
        elif name.startswith("c") and "color".startswith(name.split("=")[0]):
            opts.color = True
        elif name in ("j", "json"):
            opts.json = True
        elif name in ("f", "family") and args:
            fam = args.pop(0)
            opts.family = {"inet": "inet", "inet6": "inet6", "link": "link"}.get(fam, fam)
        elif name in ("V", "Version"):
            ctx.print("ip utility, iproute2-6.1.0, libbpf 1.1.2")
            return 0
        elif name in ("h", "help"):
            _usage(ctx)
            return 255
        else:
            ctx.eprint(f'Option "{a}" is unknown, try "ip -help".')
            return 255
    if not args:
        _usage(ctx)
        return 255
    obj = OBJECTS.get(args[0])
    if obj is None:
        if args[0] == "help":
            _usage(ctx)
            return 0
        ctx.eprint(f'Object "{args[0]}" is unknown, try "ip help".')
        return 1
    rest = args[1:]
    if obj == "addr":
        return ip_addr.addr(ctx, rest, opts)
    if obj == "link":
        return ip_addr.link(ctx, rest, opts)
    if obj == "route":
        return ip_route.route(ctx, rest, opts)
    if obj == "rule":
        return ip_route.rule(ctx, rest, opts)
    return ip_neigh.neigh(ctx, rest, opts)


def _usage(ctx: Context) -> None:
    ctx.eprint("""Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}""")
