"""ping as iputils 20221126 prints it, driven by simulated time.

Echo requests are sent every ``-i`` seconds; ping waits ``-W`` seconds
(default 10) after the last request, or stops at the ``-w`` deadline. ICMP
errors are printed as ``From ADDR icmp_seq=N <text>`` and counted as errors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from simnet.commands.base import Context
from simnet.commands.resolve import resolve_host
from simnet.kernel.stack import SendError
from simnet.links.packet import ECHO_REQUEST, Icmp, IPv4Packet
from simnet.trace import Disposition

__all__ = ["main", "format_ms"]

ICMP_TEXT = {
    (3, 0): "Destination Net Unreachable", (3, 1): "Destination Host Unreachable",
    (3, 2): "Destination Protocol Unreachable", (3, 3): "Destination Port Unreachable",
    (3, 4): "Frag needed and DF set (mtu = 0)", (3, 5): "Source Route Failed",
    (3, 6): "Destination Net Unknown", (3, 7): "Destination Host Unknown",
    (3, 8): "Source Host Isolated", (3, 9): "Destination Net Prohibited",
    (3, 10): "Destination Host Prohibited", (3, 11): "Destination Net Unreachable for Type of Service",
    (3, 12): "Destination Host Unreachable for Type of Service", (3, 13): "Packet filtered",
    (3, 14): "Precedence Violation", (3, 15): "Precedence Cutoff",
    (11, 0): "Time to live exceeded", (11, 1): "Frag reassembly time exceeded",
}
USAGE = '\nUsage\n  ping [options] <destination>\n\nOptions:\n  <destination>      dns name or ip address\n  -a                 use audible ping\n  -A                 use adaptive ping\n  -B                 sticky source address\n  -c <count>         stop after <count> replies\n  -C                 call connect() syscall on socket creation\n  -D                 print timestamps\n  -d                 use SO_DEBUG socket option\n  -e <identifier>    define identifier for ping session, default is random for\n                     SOCK_RAW and kernel defined for SOCK_DGRAM\n                     Imply using SOCK_RAW (for IPv4 only for identifier 0)\n  -f                 flood ping\n  -h                 print help and exit\n  -I <interface>     either interface name or address\n  -i <interval>      seconds between sending each packet\n  -L                 suppress loopback of multicast packets\n  -l <preload>       send <preload> number of packages while waiting replies\n  -m <mark>          tag the packets going out\n  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>\n  -n                 no dns name resolution\n  -O                 report outstanding replies\n  -p <pattern>       contents of padding byte\n  -q                 quiet output\n  -Q <tclass>        use quality of service <tclass> bits\n  -s <size>          use <size> as number of data bytes to be sent\n  -S <size>          use <size> as SO_SNDBUF socket option value\n  -t <ttl>           define time to live\n  -U                 print user-to-user latency\n  -v                 verbose output\n  -V                 print version and exit\n  -w <deadline>      reply wait <deadline> in seconds\n  -W <timeout>       time to wait for response\n\nIPv4 options:\n  -4                 use IPv4\n  -b                 allow pinging broadcast\n  -R                 record route\n  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>\n\nIPv6 options:\n  -6                 use IPv6\n  -F <flowlabel>     define flow label, default is random\n  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument\n\nFor more details see ping(8).\n'
WITH_ARG = set("cIiWwtsmlMpQSTFN")
CTRL_C_AFTER = 4
NO_ARG = set("aABDdfhLnOqUvV46bR")


def format_ms(us: int) -> str:
    """iputils' adaptive precision for one round-trip time (microseconds in)."""
    if us >= 100000 - 50:
        return f"{(us + 500) // 1000}"
    if us >= 10000 - 5:
        return f"{(us + 50) // 1000}.{((us + 50) % 1000) // 100}"
    if us >= 1000:
        return f"{(us + 5) // 1000}.{((us + 5) % 1000) // 10:02d}"
    return f"{us // 1000}.{us % 1000:03d}"


def _out_of_range(ctx: Context, value: str, lo: str, hi: str) -> int:
    ctx.eprint(f"ping: invalid argument: '{value}': out of range: {lo} <= value <= {hi}")
    return 1


@dataclass
class _Options:
    count: int | None = None
    interval: float = 1.0
    timeout: float | None = None
    deadline: float | None = None
    ttl: int | None = None
    size: int = 56
    iface: str | None = None
    quiet: bool = False
    broadcast: bool = False
    target: str | None = None
    extra: list[str] = field(default_factory=list)


def _parse(ctx: Context) -> _Options | int:
    o = _Options()
    args = ctx.args
    i = 0
    positional: list[str] = []
    while i < len(args):
        a = args[i]
        if a == "--":
            positional.extend(args[i + 1:])
            break
        if not a.startswith("-") or a == "-":
            positional.append(a)
            i += 1
            continue
        j = 1
        while j < len(a):
            ch = a[j]
            if ch in WITH_ARG:
                val = a[j + 1:] if j + 1 < len(a) else (args[i + 1] if i + 1 < len(args) else None)
                if j + 1 >= len(a):
                    i += 1
                if val is None:
                    ctx.eprint(f"ping: option requires an argument -- '{ch}'")
                    ctx.err.append(USAGE)
                    return 2
                res = _apply(ctx, o, ch, val)
                if res is not None:
                    return res
                break
            if ch in NO_ARG:
                if ch == "q":
                    o.quiet = True
                elif ch == "b":
                    o.broadcast = True
                elif ch == "V":
                    ctx.print("ping from iputils 20221126")
                    ctx.print("libcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes")
                    return 0
                elif ch == "h":
                    ctx.out.append(USAGE)
                    return 2
                elif ch == "6":
                    o.extra.append("6")
                j += 1
                continue
            ctx.eprint(f"ping: invalid option -- '{ch}'")
            ctx.err.append(USAGE)
            return 2
        i += 1
    if not positional:
        ctx.eprint("ping: usage error: Destination address required")
        return 1
    if len(positional) > 1:
        # iputils treats the extra hosts as a source route (IP options, refused in a netns/container)
        ctx.eprint("ping: record route: Operation not permitted")
        return 2
    o.target = positional[-1]
    return o


def _apply(ctx: Context, o: _Options, ch: str, val: str) -> int | None:
    def number(kind: type, lo: float, hi: float, hi_text: str) -> float | int | None:
        try:
            v = kind(val)
            if isinstance(v, float) and math.isnan(v):
                raise ValueError
        except ValueError:
            ctx.eprint(f"ping: invalid argument: '{val}'")
            return None
        if not lo <= v <= hi:
            _out_of_range(ctx, val, str(lo if kind is int else lo), hi_text)
            return None
        return v

    if ch == "c":
        v = number(int, 1, 9223372036854775807, "9223372036854775807")
        if v is None:
            return 1
        o.count = int(v)
    elif ch in ("i", "W", "w"):
        what, attr, hi = {"i": ("bad timing interval", "interval", math.inf),
                          "W": ("bad linger time", "timeout", 2147483.0),
                          "w": ("bad wait time", "deadline", math.inf)}[ch]
        try:
            value = float(val)
        except ValueError:
            value = -1.0
        if not 0 <= value <= hi:
            ctx.eprint(f"ping: {what}: {val}")
            return 2
        setattr(o, attr, value)
    elif ch == "t":
        v = number(int, 0, 255, "255")
        if v is None:
            return 1
        o.ttl = int(v)
    elif ch == "s":
        v = number(int, 0, 2147483647, "2147483647")
        if v is None:
            return 1
        o.size = int(v)
    elif ch == "I":
        o.iface = val
    return None


def main(ctx: Context) -> int:
    parsed = _parse(ctx)
    if isinstance(parsed, int):
        return parsed
    o = parsed
    node = ctx.node
    assert o.target is not None
    dst = resolve_host(node, o.target)
    if dst is None:
        ctx.eprint(f"ping: {o.target}: Name or service not known")
        return 2
    src: IPv4Address | None = None
    oif: str | None = None
    if o.iface is not None:
        try:
            src = IPv4Address(o.iface)
            if src not in node.local_addresses():
                ctx.eprint(f"ping: bind: Cannot assign requested address")
                return 2
        except ValueError:
            if o.iface not in node.interfaces:
                ctx.eprint(f"ping: SO_BINDTODEVICE {o.iface}: No such device")
                return 2
            oif = o.iface
    # connect(): a routing decision before anything is sent
    try:
        _route, chosen = node.stack.route_output(dst, src, oif)
    except Exception as exc:  # RouteError
        text = getattr(exc, "errno_text", str(exc))
        j = ctx.journey(f"icmp {src or '?'} → {dst}")
        j.step(node.name, "routing", "no-route", dst=str(dst), error=text, kind=getattr(exc, "kind", "no-route"))
        from simnet.kernel.stack import ROUTE_ERRORS

        j.finish(ROUTE_ERRORS.get(getattr(exc, "kind", "no-route"), (Disposition.NO_ROUTE,))[0], node.name,
                 dst=str(dst), local=True)
        if text == "Permission denied":
            ctx.eprint("ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules")
        else:
            ctx.eprint(f"ping: connect: {text}")
        return 2
    if _route.type == "broadcast" or dst == IPv4Address("255.255.255.255"):
        if not o.broadcast:
            ctx.eprint("ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules")
            return 2
        ctx.eprint("WARNING: pinging broadcast address")
    if o.ttl == 0:
        ctx.eprint("ping: cannot set unicast time-to-live: Invalid argument")
        return 2
    src = src or chosen
    via = f" from {src} {oif}:" if oif else ""
    if o.iface is not None and oif is None:
        via = f" from {src} :"
    ctx.print(f"PING {o.target} ({dst}){via} {o.size}({o.size + 28}) bytes of data.")
    return _loop(ctx, o, dst, src, oif)


def _loop(ctx: Context, o: _Options, dst: IPv4Address, src: IPv4Address | None, oif: str | None) -> int:
    node = ctx.node
    sim = ctx.sim
    ident = ctx.lab.meta.setdefault("_ping_ident", 0x4D2)
    ctx.lab.meta["_ping_ident"] = ident + 1
    sent: dict[int, tuple[float, object]] = {}
    state = {"tx": 0, "rx": 0, "errors": 0, "last_send": sim.now, "last_event": sim.now, "done": False,
             "pipe": 1}
    rtts: list[int] = []
    start = sim.now
    linger = o.timeout if o.timeout is not None else 10.0
    ttl = o.ttl if o.ttl is not None else node.sysctl.get_int("net.ipv4.ip_default_ttl")

    def on_packet(pkt: IPv4Packet, kind: str) -> None:
        p = pkt.payload
        assert isinstance(p, Icmp)
        if kind == "data":
            if p.type != 0 or p.seq not in sent:
                return
            t0, journey = sent[p.seq]
            us = max(1, int(round((sim.now - t0) * 1e6)))
            state["pipe"] = max(state["pipe"], state["tx"] - state["rx"] - state["errors"])
            rtts.append(us)
            state["rx"] += 1
            state["last_event"] = sim.now
            journey.step(node.name, "deliver", "echo-reply", src=str(pkt.src), ttl=pkt.ttl)
            journey.finish(Disposition.DELIVERED, node.name)
            if not o.quiet:
                ctx.print(f"{p.data_len + 8} bytes from {pkt.src}: icmp_seq={p.seq} ttl={pkt.ttl} time={format_ms(us)} ms")
        else:
            inner = p.inner
            seq = inner.payload.seq if inner is not None and isinstance(inner.payload, Icmp) else 0
            if p.type == 5:
                # redirects reach the raw socket only: printed with a colon, not counted as errors
                kind = {0: "Redirect Network", 1: "Redirect Host", 2: "Redirect Type of Service and Network",
                        3: "Redirect Type of Service and Host"}.get(p.code, f"Redirect, Bad Code: {p.code}")
                if not o.quiet:
                    ctx.print(f"From {pkt.src}: icmp_seq={seq} {kind}(New nexthop: {p.gateway})")
                return
            state["pipe"] = max(state["pipe"], state["tx"] - state["rx"] - state["errors"])
            state["errors"] += 1
            state["last_event"] = sim.now
            if not o.quiet:
                text = ICMP_TEXT.get((p.type, p.code), f"Bad ICMP type: {p.type}")
                ctx.print(f"From {pkt.src} icmp_seq={seq} {text}")

    key = ("icmp", ident)
    node.register(key, on_packet)

    def send_one() -> None:
        if state["done"] or (o.deadline is not None and sim.now - start >= o.deadline - 1e-9):
            return
        seq = state["tx"] + 1
        state["tx"] = seq
        state["last_send"] = sim.now
        journey = ctx.journey(f"icmp {src} → {dst} (icmp_seq={seq})")
        pkt = IPv4Packet(src or IPv4Address(0), dst, Icmp(ECHO_REQUEST, 0, ident, seq, o.size), ttl=ttl,
                         journey=journey)
        sent[seq] = (sim.now, journey)
        try:
            node.stack.send(pkt, oif=oif)
        except SendError as exc:
            state["errors"] += 0
            ctx.print(f"ping: {exc.stage}: {exc.errno_text}")
        if o.count is None or seq < o.count:
            sim.schedule(o.interval, send_one)

    sim.schedule(0.0, send_one)

    def finished() -> bool:
        if state["done"]:
            return True
        now = sim.now
        if o.deadline is not None and now - start >= o.deadline - 1e-9:
            return True
        if o.count is not None and state["tx"] >= o.count:
            if state["rx"] + state["errors"] >= o.count and o.deadline is None:
                return True
            if o.deadline is None and now - state["last_send"] >= linger - 1e-9 and state["tx"]:
                return True
            if o.deadline is not None and state["rx"] >= o.count:
                return True
        return False

    if o.count is None and o.deadline is None:
        # a real ping runs until Ctrl-C; a lab command must end, so simnet "presses" it
        # after CTRL_C_AFTER probes (the interval after the last one, as a person would)
        limit = start + CTRL_C_AFTER * o.interval - 1e-6
    else:
        limit = start + (o.deadline if o.deadline is not None else 86400.0 * 7)
    while not finished():
        nxt = sim.peek()
        wake = []
        if o.count is not None and state["tx"] >= o.count and o.deadline is None:
            wake.append(state["last_send"] + linger)
        wake.append(limit)
        wake_at = min(wake)
        if nxt is None or nxt > wake_at:
            sim.run(until=wake_at)
            break
        sim.step()
    state["done"] = True
    node.unregister(key)
    for seq, (_t, journey) in sent.items():
        if not journey.finished:
            journey.finish(Disposition.IN_FLIGHT, None)
    return _summary(ctx, o, state, rtts, start)


def _summary(ctx: Context, o: _Options, state: dict, rtts: list[int], start: float) -> int:
    tx, rx, errors = state["tx"], state["rx"], state["errors"]
    elapsed_ms = int(round((state["last_event"] - start) * 1000))
    if tx > 1 or rx:
        elapsed_ms = int(round((max(state["last_event"], state["last_send"]) - start) * 1000))
    line = f"{tx} packets transmitted, {rx} received"
    if errors:
        line += f", +{errors} errors"
    if tx:
        loss = (tx - rx) * 100.0 / tx
        line += f", {loss:g}% packet loss, time {elapsed_ms}ms"
    ctx.print("")
    ctx.print(f"--- {o.target} ping statistics ---")
    ctx.print(line)
    if rx:
        mn, mx = min(rtts), max(rtts)
        avg = sum(rtts) / len(rtts)
        var = sum(r * r for r in rtts) / len(rtts) - avg * avg
        mdev = int(math.sqrt(max(var, 0)))
        avg_i = int(avg)
        pipe = f", pipe {state['pipe']}" if state["pipe"] > 1 else ""
        ctx.print(f"rtt min/avg/max/mdev = {mn // 1000}.{mn % 1000:03d}/{avg_i // 1000}.{avg_i % 1000:03d}/"
                  f"{mx // 1000}.{mx % 1000:03d}/{mdev // 1000}.{mdev % 1000:03d} ms{pipe}")
    else:
        ctx.print(f"pipe {state['pipe']}" if state["pipe"] > 1 else "")
    if rx == 0:
        return 1
    if o.deadline is not None and o.count is not None and rx < o.count:
        return 1
    return 0
