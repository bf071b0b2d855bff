"""``ip`` from iproute2 6.1: a thin parser over the node's kernel model.

Objects: address, link, route, rule, neighbour. Output and error texts follow
iproute2 6.1 byte for byte (trailing spaces included, as ``ip`` prints them).
"""
from __future__ import annotations

from simnet.commands.base import Context, UsageError
from simnet.commands import ip_addr, ip_color, ip_link, ip_maddr, ip_neigh, ip_route, ip_rule
from simnet.commands.ip_parse import get_u32, invarg, matches

__all__ = ["main"]

# ip.c's command table: the first entry the word abbreviates wins (``ip n`` is neighbor)
OBJECTS = ("address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl", "link",
           "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics",
           "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam", "help",
           "stats")


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


_FAMILIES = {"inet": "inet", "inet6": "inet6", "link": "link", "packet": "link", "mpls": "mpls",
             "bridge": "bridge", "ipx": None, "dnet": None}


def main(ctx: Context) -> int:
    opts = Options()
    token = ip_color.switch(False)
    try:
        return _main(ctx, opts)
    except UsageError as exc:
        ctx.eprint(exc.message)
        return exc.code
    finally:
        ip_color.restore(token)


def _main(ctx: Context, opts: Options) -> int:
    args = list(ctx.args)
    batch: str | None = None
    force = False
    while args:
        opt = args[0]
        if opt == "--":
            args.pop(0)
            break
        if not opt.startswith("-"):
            break
        if opt.startswith("--"):
            opt = opt[1:]
        args.pop(0)
        if matches(opt, "-loops"):
            if not args:
                raise UsageError(USAGE, 255)
            args.pop(0)
        elif matches(opt, "-family"):
            if not args or args[0] == "help":
                raise UsageError(USAGE, 255)
            fam = args.pop(0)
            if fam not in _FAMILIES or _FAMILIES[fam] is None:
                raise invarg("invalid protocol family", fam)
            opts.family = _FAMILIES[fam]
        elif opt == "-4":
            opts.family = "inet"
        elif opt == "-6":
            opts.family = "inet6"
        elif opt == "-0":
            opts.family = "link"
        elif opt in ("-M", "-B"):
            opts.family = "mpls" if opt == "-M" else "bridge"
        elif matches(opt, "-human") or matches(opt, "-human-readable") or matches(opt, "-iec"):
            pass
        elif matches(opt, "-stats") or matches(opt, "-statistics"):
            opts.stats += 1
        elif matches(opt, "-details"):
            opts.details = True
        elif matches(opt, "-resolve"):
            pass
        elif matches(opt, "-oneline"):
            opts.oneline = True
        elif matches(opt, "-timestamp") or matches(opt, "-tshort"):
            pass
        elif matches(opt, "-Version"):
            ctx.print("ip utility, iproute2-6.1.0, libbpf 1.1.2")
            return 0
        elif matches(opt, "-force"):
            force = True
        elif matches(opt, "-batch"):
            if not args:
                raise UsageError(USAGE, 255)
            batch = args.pop(0)
        elif matches(opt, "-brief"):
            opts.brief = True
        elif matches(opt, "-json"):
            opts.json = True
        elif matches(opt, "-pretty"):
            pass
        elif matches(opt, "-rcvbuf"):
            if not args:
                raise UsageError(USAGE, 255)
            size = args.pop(0)
            if get_u32(size) is None:
                raise UsageError(f"Invalid rcvbuf size '{size}'", 255)
        elif _color(opt) is not None:
            opts.color = bool(_color(opt))    # "auto" means a terminal; the lab's output is captured
            ip_color.switch(opts.color)
        elif matches(opt, "-help"):
            raise UsageError(USAGE, 255)
        elif matches(opt, "-netns"):
            if not args:
                raise UsageError('Command line is not complete. Try option "help"', 255)
            ns = args.pop(0)
            raise UsageError(f'Cannot open network namespace "{ns}": No such file or directory', 255)
        elif matches(opt, "-Numeric") or matches(opt, "-all") or opt == "-echo":
            pass
        else:
            raise UsageError(f'Option "{opt}" is unknown, try "ip -help".', 255)
    if batch is not None:
        return _batch(ctx, batch, opts, force)
    return _object(ctx, args, opts)


def _batch(ctx: Context, name: str, opts: Options, force: bool) -> int:
    """``ip -batch FILE`` (``-`` is stdin): one command per line, as iproute2's batch() runs them.

    A failing command prints ``Command failed FILE:LINE`` and ends the batch unless ``-force``;
    an error that makes ``ip`` exit (a bad argument) ends it at once, as in the real tool."""
    from simnet.commands.shell import ShellSyntaxError, split_words

    if name == "-":
        text = ctx.stdin
    else:
        try:
            text = ctx.node.read_file(ctx.abspath(name))
        except (FileNotFoundError, IsADirectoryError) as exc:
            why = "Is a directory" if isinstance(exc, IsADirectoryError) else "No such file or directory"
            ctx.eprint(f'Cannot open file "{name}" for reading: {why}')
            return 1
    status = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.split("#", 1)[0]
        try:
            words = split_words(line)
        except ShellSyntaxError:
            words = line.split()
        if not words:
            continue
        try:
            failed = _object(ctx, words, opts) != 0
        except UsageError as exc:
            ctx.eprint(exc.message)
            if exc.code != 2:        # exit() inside the command: the whole batch ends
                return exc.code
            failed = True
        if failed:
            ctx.eprint(f"Command failed {name}:{number}")
            status = 1
            if not force:
                break
    return status


def _object(ctx: Context, args: list[str], opts: Options) -> int:
    if not args:
        raise UsageError(USAGE, 255)
    word = args[0]
    obj = next((o for o in OBJECTS if matches(word, o)), None)
    if obj is None:
        ctx.eprint(f'Object "{word}" is unknown, try "ip help".')
        return 1
    rest = args[1:]
    ctx.node.ip6.settle()                  # duplicate address detection that has finished by now
    ctx.node.ip6.expire()
    if obj == "help":
        raise UsageError(USAGE, 255)
    if obj == "address":
        return ip_addr.addr(ctx, rest, opts)
    if obj == "link":
        return ip_link.link(ctx, rest, opts)
    if obj == "route":
        return ip_route.route(ctx, rest, opts)
    if obj == "rule":
        return ip_rule.rule(ctx, rest, opts)
    if obj in ("neighbor", "neighbour"):
        return ip_neigh.neigh(ctx, rest, opts)
    if obj == "maddress":
        return ip_maddr.maddr(ctx, rest, opts)
    ctx.eprint(f'simnet: "ip {obj}" wird hier nicht nachgebildet.')
    return 1


def _color(opt: str) -> bool | None:
    """matches_color: -c, -color, -color=always|auto|never (None: not a colour option)."""
    name, eq, value = opt.partition("=")
    if not matches(name, "-color"):
        return None
    if not eq or value in ("", "always"):
        return True
    return False if value in ("auto", "never") else None


USAGE = """Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
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
                    -c[olor]}"""
