"""ping as iputils 20221126 prints it, driven by simulated time.

Echo requests are sent every ``-i`` seconds; ping waits ``-W`` seconds
(default 10) after the last request, or stops at the ``-w`` deadline. ICMP
errors are printed as ``From ADDR icmp_seq=N <text>`` and counted as errors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing: ping is on the cold path (issue 20)

from simnet.commands.base import Context
from simnet.core.guard import Interrupted
from simnet.commands.ping_options import ParseExit, PingOptions, parse
from simnet.commands.resolve import canonical_name, is_numeric_host, lan_reverse, resolve_host, reverse_name
from simnet.kernel.stack import SendError
from simnet.links.packet import ECHO_REQUEST, Icmp, IPv4Packet
from simnet.trace import Disposition, Journey

if TYPE_CHECKING:
    from typing import Callable, Generic, TypeVar

    from simnet.links.packet6 import Icmp6, IPv6Packet

    Addr = TypeVar("Addr", IPv4Address, IPv6Address)
    Pkt = TypeVar("Pkt", IPv4Packet, IPv6Packet)
else:
    from simnet.core.typing_lite import Generic

    Addr = Pkt = None      # the probe loop's type variables: only mypy needs them

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
CTRL_C_AFTER = 4
FOREVER = 60.0      # -W 0 waits for an answer without a timer; simnet gives up after this
MAX_IP = 65535


def format_ms(us: int) -> str:
    """iputils' adaptive precision for one round-trip time (microseconds in)."""
    if us >= 100000 - 50:
        return f"{(us + 500) // 1000}"
    if us >= 10000 - 5:
        return f"{(us + 50) // 1000}.{((us + 50) % 1000) // 100}"
    if us >= 1000:
        return f"{(us + 5) // 1000}.{((us + 5) % 1000) // 10:02d}"
    return f"{us // 1000}.{us % 1000:03d}"


def icmp_text(p: Icmp) -> str:
    """pr_icmph(): the words after ``From X icmp_seq=N``."""
    if p.type == 3:
        if p.code == 4:
            return f"Frag needed and DF set (mtu = {getattr(p, 'mtu', 0)})"
        return ICMP_TEXT.get((3, p.code), f"Dest Unreachable, Bad Code: {p.code}")
    if p.type == 11:
        return ICMP_TEXT.get((11, p.code), f"Time exceeded, Bad Code: {p.code}")
    if p.type == 12:
        return "Parameter problem: pointer = 0"
    if p.type == 4:
        return "Source Quench"
    return f"Bad ICMP type: {p.type}"




@dataclass
class _Socket(Generic[Addr]):
    """What ping4_run()/ping6_run() settle before the first probe: target, source, bound device."""

    dst: Addr
    src: Addr | None
    oif: str | None          # SO_BINDTODEVICE
    hostname: str            # as the header and the statistics name it
    numeric: bool            # F_NUMERIC: no reverse lookups in "from" addresses
    mtu: int = 1500


def main(ctx: Context) -> int:
    try:
        o = parse(ctx)
    except ParseExit as stop:
        return stop.code
    if o.target is not None and ":" in o.target:
        from simnet.commands.ping6 import main6      # an IPv6 address: ping6_run

        return main6(ctx, o)
    picked = _family_of_name(ctx, o)
    if isinstance(picked, int):
        return picked
    if isinstance(picked, IPv6Address):
        from simnet.commands.ping6 import main6      # the name's AAAA record won

        return main6(ctx, o, resolved=picked)
    sock = _open(ctx, o, picked)
    if isinstance(sock, int):
        return sock
    return _Run4(ctx, o, sock).run()


def _family_of_name(ctx: Context, o: PingOptions) -> IPv4Address | IPv6Address | int | None:
    """getaddrinfo(AF_UNSPEC or -4/-6, AI_ADDRCONFIG) for a name that only DNS knows: the
    IPv4 or IPv6 address ping uses, an exit code after an error, None to resolve as before."""
    node, target = ctx.node, o.target
    if target is None or o.family == "4" or is_numeric_host(target) or o.hops:
        return None
    if resolve_host(node, target, dns=False) is not None:
        return None
    # only for a name DNS has to answer: dns, gai and road (json, datetime, urllib …) are not on the
    # path of `ping 192.168.0.1` in a new process (issue 20: the cold start)
    from simnet.services.dns import nameservers
    from simnet.services.gai import has_global6, internet6, resolve_both, usable6
    from simnet.services.road import road_of

    global6 = has_global6(node)
    if o.family != "6" and not internet6(node) or road_of(node.lab) is None and not nameservers(node):
        return None          # AI_ADDRCONFIG: no AAAA question without an IPv6 address (gai.PROBE6)
    res = resolve_both(node, target) if global6 else None
    if res is None:
        v4 = resolve_host(node, target)
        if v4 is None:
            ctx.eprint(f"ping: {target}: Name or service not known")
            return 2
        ctx.eprint(f"ping: {target}: Address family for hostname not supported")
        return 2
    for look in res.lookups:
        ctx.journeys.extend(look.journeys)
    if not res.exists or res.status != "NOERROR":
        ctx.eprint(f"ping: {target}: Name or service not known")
        return 2
    node.__dict__.setdefault("dns_canonical", {})[target] = res.canonical
    if o.family == "6":
        if res.v6 is None:
            ctx.eprint(f"ping: {target}: Address family for hostname not supported")
            return 2
        return res.v6
    # RFC 6724: IPv6 first unless the host has no route to it (rule 1)
    if res.v6 is not None and (res.v4 is None or usable6(node, res.v6)):
        return res.v6
    return res.v4 if res.v4 is not None else None


def _open(ctx: Context, o: PingOptions, resolved: IPv4Address | None = None) -> _Socket[IPv4Address] | int:
    """Resolve, bind and connect like ping4_run(); an int is the exit code after an error."""
    node = ctx.node
    assert o.target is not None
    dst = resolved or resolve_host(node, o.target)
    if dst is None:
        ctx.eprint(f"ping: {o.target}: Name or service not known")
        return 2
    if o.family == "6" and is_numeric_host(o.target):
        ctx.eprint(f"ping: {o.target}: Address family for hostname not supported")
        return 2
    if o.hops:
        return _source_route(ctx, o)
    numeric_target = is_numeric_host(o.target)
    hostname = o.target if numeric_target else canonical_name(node, o.target, dst)
    if dst == IPv4Address(0):
        dst = IPv4Address("127.0.0.1")     # connect() to 0.0.0.0 means this host
    binding = bind_option(ctx, o, IPv4Address)
    if isinstance(binding, int):
        return binding
    src, device = binding
    route = None
    if src is None:
        # the probe socket's connect(): a routing decision before anything is sent
        try:
            route, src = node.stack.route_connect(dst, None, device)
        except Exception as exc:  # RouteError
            return _connect_failed(ctx, o, dst, exc)
        if route.type == "broadcast" or dst == IPv4Address("255.255.255.255"):
            if not o.broadcast:
                ctx.eprint("ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules")
                return 2
            ctx.eprint("WARNING: pinging broadcast address")
        if device is not None:
            owned = [a.ip for a in node.interfaces[device].addresses]
            if src not in owned:
                ctx.eprint(f"ping: Warning: source address might be selected on device other than: {device}")
            elif src == dst:
                device = None          # ping unbinds when it pings its own address on that device
    elif src not in node.local_addresses():
        ctx.eprint("ping: bind: Cannot assign requested address")
        return 2
    if o.ttl == 0:
        ctx.eprint("ping: cannot set unicast time-to-live: Invalid argument")
        return 2
    sock = _Socket[IPv4Address](dst, src, device, hostname, o.numeric or numeric_target)
    if route is None:
        try:
            route, _ = node.stack.route_output(dst, src, device)
        except Exception:
            route = None
    if route is not None and route.dev in node.interfaces:
        sock.mtu = min(node.interfaces[route.dev].mtu, MAX_IP)
    bound = o.iface if o.iface is not None and o.iface != str(src) else ""
    via = f"from {src} {bound}: " if o.iface is not None or o.sticky else ""
    if o.pattern is not None and not o.quiet:
        pairs = [o.pattern[k:k + 2] for k in range(0, min(len(o.pattern), 32), 2)]
        ctx.print("PATTERN: 0x" + "".join(f"{int(p, 16):02x}" for p in pairs))
    ctx.print(f"PING {hostname} ({dst}) {via}{o.size}({o.size + 28}) bytes of data.")
    return sock


def bind_option(ctx: Context, o: PingOptions, address: Callable[[str], Addr],
                device: str | None = None) -> tuple[Addr | None, str | None] | int:
    """``-I``: an address binds the probe socket to that source, anything else is a device
    (SO_BINDTODEVICE, which fails for one the node does not have); ``device`` is the one an
    IPv6 zone (``%eth0``) already chose. Returns (source, device) or the exit code."""
    src = None
    if o.iface is not None:
        try:
            src = address(o.iface)
        except ValueError:
            device = o.iface
    if device is not None and device not in ctx.node.interfaces:
        ctx.eprint(f"ping: SO_BINDTODEVICE {device}: No such device")
        return 2
    return src, device


def _source_route(ctx: Context, o: PingOptions) -> int:
    """``ping A B C``: iputils resolves every hop, connects towards the first one and then asks for
    a loose source route (IP options), which the kernel refuses here."""
    from simnet.commands.ping_options import USAGE

    assert o.target is not None
    if resolve_host(ctx.node, o.target) is None:      # main() looks up the last argument first
        ctx.eprint(f"ping: {o.target}: Name or service not known")
        return 2
    if len(o.hops) + 1 > 10:
        ctx.err.append(USAGE)
        return 2
    addrs = []
    for host in [*o.hops, o.target]:
        addr = resolve_host(ctx.node, host)
        if addr is None:
            ctx.eprint(f"ping: {host}: Name or service not known")
            return 2
        addrs.append(addr)
    device = None
    if o.iface is not None:
        try:
            IPv4Address(o.iface)
        except ValueError:
            device = o.iface       # -I DEV: the probe socket is bound to it before connect()
            if device not in ctx.node.interfaces:
                ctx.eprint(f"ping: SO_BINDTODEVICE {device}: No such device")
                return 2
    first = addrs[0] if addrs[0] != IPv4Address(0) else IPv4Address("127.0.0.1")
    try:
        ctx.node.stack.route_output(first, None, device)
    except Exception as exc:  # RouteError
        return _connect_failed(ctx, o, addrs[0], exc)
    ctx.eprint("ping: record route: Operation not permitted")
    return 2


def _connect_failed(ctx: Context, o: PingOptions, dst: IPv4Address, exc: Exception) -> int:
    node = ctx.node
    text = getattr(exc, "errno_text", str(exc))
    kind = getattr(exc, "kind", "no-route")
    j = ctx.journey(f"icmp ? → {dst}")
    j.step(node.name, "routing", "no-route", dst=str(dst), error=text, kind=kind)
    from simnet.kernel.stack import ROUTE_ERRORS

    j.finish(ROUTE_ERRORS.get(kind, (Disposition.NO_ROUTE,))[0], node.name, dst=str(dst), local=True)
    if text == "Permission denied":
        ctx.eprint("ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules")
    else:
        ctx.eprint(f"ping: connect: {text}")
    return 2


class _Run(Generic[Addr, Pkt]):
    """main_loop(): probes, answers, the exit conditions and finish(); the families send and
    read their own ICMP (_Run4 here, _Run6 in ping6)."""

    KEY = "icmp"          # the socket table key of the probe socket (ping6: icmp6)
    MTU_TEXT = "mtu="     # how the local EMSGSIZE error names the MTU (ping6: "mtu: ")

    def __init__(self, ctx: Context, o: PingOptions, sock: _Socket[Addr]) -> None:
        self.ctx, self.o = ctx, o
        self.sock: _Socket[Addr] = sock
        self.node = ctx.node
        self.sim = ctx.sim
        self.ident = ctx.lab.ping_ident
        ctx.lab.ping_ident = self.ident + 1
        self.sent: dict[int, tuple[float, Journey]] = {}
        self.received: set[int] = set()
        self.tx = self.rx = self.errors = self.repeats = 0
        self.eperm: set[int] = set()     # probes whose sendmsg failed with EPERM (netfilter OUTPUT)
        self.pipe = 1
        self.rtts: list[int] = []
        self.rtt_ewma = 0
        self.start = self.sim.now
        self.last_send = self.sim.now
        self.alarm: float | None = None       # SIGALRM: deadline, linger, or the simulated Ctrl-C
        self.next_send = None                  # the timer of the next probe (-i 0 moves it up)
        self.exiting = False
        self.timing = o.size >= 16
        self.interval = o.interval_ms / 1000.0
        self.ttl = o.ttl if o.ttl is not None else self.node.sysctl.get_int("net.ipv4.ip_default_ttl")

    # ------------------------------------------------------------------ output
    def pr_addr(self, addr: Addr) -> str:
        """How a peer is named in "from"/"From" lines."""
        raise NotImplementedError

    def icmp_error(self, src: Addr, seq: int, text: str) -> None:
        """An ICMP error about probe ``seq``: counted, and printed as ``From ADDR icmp_seq=N text``
        (an ``E`` in flood mode)."""
        self.errors += 1
        if self.o.flood and not self.o.quiet:
            self.ctx.out.append("\bE")
        elif not self.o.quiet:
            self.ctx.print(f"From {self.pr_addr(src)} icmp_seq={seq} {text}")

    def acknowledge(self, seq: int) -> None:
        diff = self.tx - seq
        if 0 <= diff <= 0x7FFF:
            self.pipe = max(self.pipe, diff + 1)

    # ---------------------------------------------------------------- receive
    def on_packet(self, pkt: Pkt, kind: str) -> None:
        """An echo reply (``data``) or an ICMP error (``error``) for the probe socket."""
        raise NotImplementedError

    def _reply(self, src: Addr, ttl: int, p: "Icmp | Icmp6") -> None:
        """Echo reply ``p`` from ``src`` arrived with ``ttl`` (hop limit) left."""
        t0, journey = self.sent[p.seq]
        us = max(1, int(round((self.sim.now - t0) * 1e6)))
        self.rx += 1
        self.acknowledge(p.seq)
        dup = p.seq in self.received
        if self.timing:
            self.rtts.append(us)
            self.rtt_ewma = us * 8 if not self.rtt_ewma else self.rtt_ewma + us - self.rtt_ewma // 8
        if dup:
            self.repeats += 1
            self.rx -= 1
        else:
            self.received.add(p.seq)
            journey.step(self.node.name, "deliver", "echo-reply", src=str(src), ttl=ttl)
            journey.finish(Disposition.DELIVERED, self.node.name)
        if self.o.interval_ms == 0 and self.next_send is not None and not self.exiting:
            # -i 0 / -f: the next probe goes out as soon as nothing is in flight
            self.next_send.cancel()
            self.next_send = self.sim.schedule(0.0, self.send_one)
        if self.o.quiet:
            return
        if self.o.flood:
            self.ctx.out.append("\b \b")
            return
        line = f"{p.data_len + 8} bytes from {self.pr_addr(src)}: icmp_seq={p.seq} ttl={ttl}"
        if self.timing:
            line += f" time={format_ms(us)} ms"
        if dup:
            line += " (DUP!)"
        self.ctx.print(line + ("\a" if self.o.audible else ""))

    # ------------------------------------------------------------------- send
    def send_one(self) -> None:
        o = self.o
        if self.exiting or (o.count and self.tx >= o.count and not o.deadline):
            return
        if o.outstanding and self.tx and self.tx not in self.received:
            self.ctx.print(f"no answer yet for icmp_seq={self.tx}")
        seq = self.tx + 1
        self.tx = seq
        self.last_send = self.sim.now
        self.next_send = None
        if o.flood and not o.quiet:
            self.ctx.out.append(".")
        src = self.sock.src
        journey = self.ctx.journey(f"icmp {src} → {self.sock.dst} (icmp_seq={seq})")
        self.sent[seq] = (self.sim.now, journey)
        if o.size + 8 > MAX_IP:
            journey.finish(Disposition.IN_FLIGHT, None)      # raw_sendmsg refuses it without a word
        elif o.size + 28 > MAX_IP:
            journey.finish(Disposition.IN_FLIGHT, None)
            if not o.quiet:
                self.ctx.eprint(f"ping: local error: message too long, mtu={self.sock.mtu}")
                self.errors += 1
        else:
            try:
                self.transmit(seq, journey)
            except SendError as exc:
                if exc.errno_text == "Message too long":
                    # EMSGSIZE from the path MTU: iputils reads the local error (ee_info = the MTU);
                    # with -q it returns before counting it
                    if not o.quiet:
                        if o.flood:
                            self.ctx.out.append("E")
                        else:
                            self.ctx.eprint(f"ping: local error: message too long, {self.MTU_TEXT}{exc.mtu}")
                        self.errors += 1
                # iputils counts the probe as sent; after EPERM it reads the error queue, and only if
                # an ICMP error is there (a REJECT's answer) it also says "sendmsg: …" (checked)
                if exc.errno_text == "Operation not permitted":
                    self.eperm.add(seq)
        if o.count and self.tx >= o.count and not o.deadline:
            self._schedule_exit()
        else:
            # -i 0 floods (the next probe after a reply, at most 10 ms later); a negative interval
            # sends back to back (a microsecond apart, so simulated time still moves)
            self.next_send = self.sim.schedule(
                self.interval if self.interval > 0 else (0.01 if self.interval == 0 else 1e-6), self.send_one)

    def transmit(self, seq: int, journey: Journey) -> None:
        """One echo request onto the stack; raises SendError."""
        raise NotImplementedError

    def _schedule_exit(self) -> None:
        """__schedule_exit(): after the last probe wait 2*tmax (at least -i) once something came back,
        else the -W linger time."""
        if self.rx:
            wait = max(2 * max(self.rtts, default=0), self.o.interval_ms * 1000) / 1e6
        else:
            wait = self.o.linger_ms / 1000.0 or FOREVER
        self._set_alarm(self.sim.now + wait)

    def _set_alarm(self, at: float) -> None:
        self.alarm = at if self.alarm is None else min(self.alarm, at)

    # ------------------------------------------------------------------- loop
    def _done(self) -> bool:
        o = self.o
        if self.exiting:
            return True
        if o.count and self.rx + self.errors >= o.count:
            return True
        return bool(o.deadline and self.errors)

    def run(self) -> int:
        o = self.o
        key = (self.KEY, self.ident)
        self.node.register(key, self.on_packet)
        if o.deadline:
            self._set_alarm(self.start + o.deadline)
        elif not o.count:
            # a real ping runs until Ctrl-C; a lab command must end, so simnet "presses" it
            # after CTRL_C_AFTER probes (the interval after the last one, as a person would)
            # (a negative -i sends back to back, a microsecond apart: four probes, not 40 000)
            gap = self.interval if self.interval > 0 else (0.01 if self.interval == 0 else 1e-6)
            self._set_alarm(self.start + CTRL_C_AFTER * gap - (1e-6 if gap > 1e-5 else 1e-7))
        self.sim.schedule(0.0, self.send_one)
        guard = False
        try:
            # the alarm beats a probe due at the same time
            if self.sim.run_until_alarm(self._done, lambda: None if self.alarm is None else self.alarm - 1e-9):
                self.exiting = True
        except Interrupted as exc:    # Ctrl+C (the learner's or the guard's): the statistics come all the same;
            guard = not self.sim.catch_sigint(exc.kind)     # iputils catches SIGINT: finish()'s status
        finally:
            self.exiting = True
            self.node.unregister(key)
        for _t, journey in self.sent.values():
            if not journey.finished:
                journey.finish(Disposition.IN_FLIGHT, None)
        code = self.finish()
        return 130 if guard else code

    def finish(self) -> int:
        ctx, o = self.ctx, self.o
        elapsed_ms = int(round((self.last_send - self.start) * 1000))
        line = f"{self.tx} packets transmitted, {self.rx} received"
        if self.repeats:
            line += f", +{self.repeats} duplicates"
        if self.errors:
            line += f", +{self.errors} errors"
        if self.tx:
            loss = (self.tx - self.rx) * 100.0 / self.tx
            line += f", {loss:g}% packet loss, time {elapsed_ms}ms"
        ctx.print("")
        ctx.print(f"--- {self.sock.hostname} ping statistics ---")
        ctx.print(line)
        tail = []
        if self.rx and self.timing and self.rtts:
            total = len(self.rtts)
            tsum = sum(self.rtts)
            tsum2 = sum(r * r for r in self.rtts)
            avg = tsum // total
            mdev = math.isqrt(max((tsum2 - (tsum * tsum) // total) // total, 0))
            mn, mx = min(self.rtts), max(self.rtts)
            tail.append(f"rtt min/avg/max/mdev = {mn // 1000}.{mn % 1000:03d}/{avg // 1000}.{avg % 1000:03d}/"
                        f"{mx // 1000}.{mx % 1000:03d}/{mdev // 1000}.{mdev % 1000:03d} ms")
        if self.pipe > 1:
            tail.append(f"pipe {self.pipe}")
        if self.rx and (o.interval_ms == 0 or o.flood) and self.tx > 1:
            ipg = int((self.last_send - self.start) * 1e6) // (self.tx - 1)
            ewma = self.rtt_ewma // 8
            tail.append(f"ipg/ewma {ipg // 1000}.{ipg % 1000:03d}/{ewma // 1000}.{ewma % 1000:03d} ms")
        ctx.print(", ".join(tail))
        if self.rx == 0:
            return 1
        return 1 if o.deadline and o.count and self.rx < o.count else 0


class _Run4(_Run[IPv4Address, IPv4Packet]):
    """ping4_run(): ICMP echo on the IPv4 stack; peers named by reverse lookups unless -n."""

    def __init__(self, ctx: Context, o: PingOptions, sock: _Socket[IPv4Address]) -> None:
        super().__init__(ctx, o, sock)
        self._names: dict[IPv4Address, str] = {}
        if not sock.numeric and not is_numeric_host(o.target or ""):
            # the target's PTR name comes from DNS before the first probe (a LAN's dnsmasq)
            name = lan_reverse(self.node, sock.dst)
            if name is not None:
                self._names[sock.dst] = f"{name} ({sock.dst})"

    def pr_addr(self, addr: IPv4Address) -> str:
        if self.sock.numeric:
            return str(addr)
        if addr not in self._names:
            name = reverse_name(self.node, addr)
            self._names[addr] = f"{name} ({addr})" if name else str(addr)
        return self._names[addr]

    def on_packet(self, pkt: IPv4Packet, kind: str) -> None:
        p = pkt.payload
        assert isinstance(p, Icmp)
        if kind == "data":
            if p.type == 0 and p.seq in self.sent:
                self._reply(pkt.src, pkt.ttl, p)
            return
        inner = p.inner
        if inner is None or not isinstance(inner.payload, Icmp) or inner.dst != self.sock.dst:
            return
        seq = inner.payload.seq
        if p.type in (5, 4):
            # redirects reach the raw socket only: printed with a colon, never counted
            if p.type == 5 and not self.o.quiet:
                what = {0: "Redirect Network", 1: "Redirect Host", 2: "Redirect Type of Service and Network",
                        3: "Redirect Type of Service and Host"}.get(p.code, f"Redirect, Bad Code: {p.code}")
                self.ctx.print(f"From {self.pr_addr(pkt.src)}: icmp_seq={seq} {what}(New nexthop: "
                               f"{self.pr_addr(p.gateway) if p.gateway else '0.0.0.0'})")
            return
        self.acknowledge(seq)
        if self.sock.oif is not None and pkt.src in self.node.local_addresses():
            return    # the error queue of a device-bound socket never sees the host's own ICMP errors
        self.icmp_error(pkt.src, seq, icmp_text(p))
        if seq in self.eperm:
            self.eperm.discard(seq)
            self.ctx.eprint("ping: sendmsg: Operation not permitted")

    def transmit(self, seq: int, journey: Journey) -> None:
        """One echo request onto the stack; raises SendError."""
        o, src = self.o, self.sock.src
        # the raw socket is bound to a source only with -I ADDRESS; otherwise each packet is
        # routed without one (an "ip rule from …" does not steer it) and gets its source then
        bound = src if src is not None and o.iface == str(src) else IPv4Address(0)
        pkt = IPv4Packet(bound, self.sock.dst, Icmp(ECHO_REQUEST, 0, self.ident, seq, o.size),
                         ttl=self.ttl, journey=journey)
        self.node.stack.send(pkt, oif=self.sock.oif, pmtudisc=o.pmtudisc)
