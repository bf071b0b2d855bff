"""traceroute 2.1.2 ("Modern traceroute for Linux", Debian), driven by simulated time.

Probes are sent like the real tool does: up to ``-N`` (16) at once, each with
its own TTL (hop ``n // nqueries + 1``), and the results are printed strictly
in probe order. A probe is given up after ``-w MAX,HERE,NEAR`` (5,3,10): at
most MAX seconds, HERE times the round trip of an answered probe of the same
hop, NEAR times one of a later hop. Any ICMP unreachable ends the trace at
that hop (``!N``/``!H``/``!X``/``!P``; a port unreachable from the target is
the normal end without a mark).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from typing import Any

from simnet.commands.base import Context
from simnet.commands.cnum import strtod_prefix, strtoul0
from simnet.commands.getopt import NO, REQUIRED, Getopt, GetoptError, Long
from simnet.commands.resolve import lan_reverse, resolve_host, reverse_name
from simnet.kernel.routing import RouteError
from simnet.kernel.stack import SendError
from simnet.links.packet import ECHO_REQUEST, Icmp, IPv4Packet, Tcp, Udp
from simnet.trace import Disposition

__all__ = ["main"]

UNREACH_MARK = {0: "!N", 6: "!N", 8: "!N", 11: "!N", 1: "!H", 7: "!H", 12: "!H", 9: "!X", 10: "!X", 13: "!X",
                3: "", 2: "!P", 5: "!S", 14: "!V", 15: "!C"}
DEF_WAIT_PREC = 0.001
POLL_BATCH = 0.0005   # answers this close together reach one poll() round (UDP methods only, see _wait)
WITH_ARG = {"f": "first_ttl", "g": "gate,...", "i": "device", "m": "max_ttl", "N": "squeries", "p": "port",
            "t": "tos", "l": "flow_label", "w": "MAX,HERE,NEAR", "q": "nqueries", "s": "src_addr",
            "z": "sendwait", "M": "name", "O": "OPTS,...", "P": "prot"}
FLAGS = set("46dFITnreAUDV")
_LONG_KEY = {"icmp": "I", "tcp": "T", "udp": "U", "debug": "d", "dont-fragment": "F",
             "extensions": "e", "as-path-lookups": "A", "dccp": "D", "version": "V",
             "first": "f", "gateway": "g", "interface": "i", "max-hops": "m", "sim-queries": "N",
             "port": "p", "tos": "t", "flowlabel": "l", "wait": "w", "queries": "q", "source": "s",
             "sendwait": "z", "module": "M", "options": "O", "protocol": "P",
             "sport": "sport", "fwmark": "fwmark", "mtu": "mtu", "back": "back", "help": "help"}
SHORTOPTS = "".join(FLAGS) + "".join(f"{c}:" for c in WITH_ARG)
# --sport/--fwmark take a number, --mtu/--back are flags: accepted and not modelled
_ARG_NAME = {**WITH_ARG, "sport": "num", "fwmark": "num"}
LONGOPTS = [Long(name, REQUIRED if key in _ARG_NAME else NO, key)
            for name, key in _LONG_KEY.items()]
VERSION = "Modern traceroute for Linux, version 2.1.2\nCopyright (c) 2016  Dmitry Butskoy,   License: GPL v2 or any later\n"


class _Fail(Exception):
    """Bad command line: message on stderr, exit 2."""


@dataclass
class _Opts:
    """traceroute's command line after parsing: method, TTL range, probes, ports, timing."""

    method: str = "default"      # default (UDP, port+1 per probe), udp, icmp, tcp
    first: int = 1
    max_hops: int = 30
    nqueries: int = 3
    sim: int = 16
    port: int | None = None
    wait: tuple[float, float, float] = (5.0, 3.0, 10.0)
    numeric: bool = False
    iface: str | None = None
    source: str | None = None
    host: str | None = None
    host_argc: int = 0
    packetlen: int | None = None
    family: str | None = None    # -4 / -6


@dataclass(eq=False)
class _Probe:
    """One probe packet of traceroute: its TTL, when it left, and what came back."""

    idx: int
    ttl: int
    send_time: float = 0.0
    sent: bool = False
    done: bool = False
    final: bool = False
    addr: IPv4Address | None = None
    recv_time: float = 0.0
    mark: str = ""
    key: Any = None
    journey: Any = field(default=None, repr=False)


# -------------------------------------------------------------------- parsing
def _clif_text(bad: GetoptError) -> str:
    """CLIF's words for a bad option (it has no abbreviations and wants ``--long=value``)."""
    if bad.kind in ("missing", "longmissing"):
        spelled = f"-{bad.opt}" if bad.kind == "missing" else f"--{bad.opt}"
        sep = " " if bad.kind == "missing" else "="
        return f"Option `{spelled}' (argc {bad.argc}) requires an argument: `{spelled}{sep}{_ARG_NAME[_LONG_KEY.get(bad.opt, bad.opt)]}'"
    if bad.kind == "invalid":
        return f"Bad option `-{bad.opt}' (argc {bad.argc})"
    name, eq, value = bad.word.partition("=")
    with_arg = f" (with arg `{value}')" if eq else ""
    return f"Bad option `--{bad.word}'{with_arg} (argc {bad.argc})"


def _number(opt: str, val: str, argc: int, kind: type = int) -> Any:
    """CLIF_set_uint: strtoul with base 0, the whole argument (``opt`` as typed: -m, --max-hops)."""
    value = strtoul0(val)
    if value is None:
        raise _Fail(f"Cannot handle `{opt}' option with arg `{val}' (argc {argc})")
    return value


def _wait_specs(opt: str, val: str, argc: int) -> tuple[float, float, float]:
    """set_wait_specs(): ``MAX[,HERE[,NEAR]]`` (',' or '/'); what is left out becomes 0, not the default."""
    specs: list[float] = []
    rest = val
    while True:
        value, after = strtod_prefix(rest)
        if value is None or value != value:
            raise _Fail(f"Cannot handle `{opt}' option with arg `{val}' (argc {argc})")
        specs.append(value)
        if after[:1] in (",", "/") and len(specs) < 3:
            rest = after[1:]
            continue
        if after:
            raise _Fail(f"Cannot handle `{opt}' option with arg `{val}' (argc {argc})")
        break
    specs += [0.0] * (3 - len(specs))
    return specs[0], specs[1], specs[2]


def _apply(o: _Opts, opt: str, val: str, spelled: str, argc: int) -> None:
    if opt == "f":
        o.first = _number(spelled, val, argc)
    elif opt == "m":
        o.max_hops = _number(spelled, val, argc)
    elif opt == "q":
        o.nqueries = _number(spelled, val, argc)
    elif opt == "N":
        o.sim = _number(spelled, val, argc)
    elif opt == "p":
        o.port = _number(spelled, val, argc)
    elif opt == "w":
        o.wait = _wait_specs(spelled, val, argc)
    elif opt == "i":
        o.iface = val
    elif opt == "s":
        o.source = val
    elif opt == "M":
        o.method = {"icmp": "icmp", "tcp": "tcp", "udp": "udp", "default": "default"}.get(val, val)


def _parse(args: list[str], resolve: Any = None) -> _Opts | str:
    """Returns options, or ``"usage"``/``"version"``; raises _Fail on errors."""
    o = _Opts()
    scan = Getopt(args, SHORTOPTS, LONGOPTS, long_needs_eq=True, abbrev=False, glued_first_only=True)
    try:
        for opt, val in scan:
            if opt == "help":
                return "usage"
            if opt == "V":
                return "version"
            if val is None:
                _flag(o, opt)
            elif opt in WITH_ARG:
                _apply(o, opt, val, scan.spelled, scan.value_argc)
    except GetoptError as bad:
        raise _Fail(_clif_text(bad)) from None
    positional = list(zip(scan.operands, scan.operand_argc))
    if not positional:
        if not args:
            return "usage"
        raise _Fail('Specify "host" missing argument.')
    if len(positional) > 2:
        raise _Fail(f"Extra arg `{positional[2][0]}' (position 3, argc {positional[2][1]})")
    o.host, o.host_argc = positional[0]
    if resolve is not None and resolve(o.host) is None:
        # CLIF runs the argument handlers in order: the host is looked up before packetlen is read
        raise _Fail(f"{o.host}: Name or service not known\n"
                    f'Cannot handle "host" cmdline arg `{o.host}\' on position 1 (argc {o.host_argc})')
    if len(positional) > 1:
        text, argc = positional[1]
        try:
            o.packetlen = int(text)
        except ValueError:
            raise _Fail(f'Cannot handle "packetlen" cmdline arg `{text}\' on position 2 (argc {argc})') from None
    if len(positional) > 2:
        raise _Fail(f"Extra arg `{positional[2][0]}' (position 3, argc {positional[2][1]})")
    if o.first < 1 or o.first > o.max_hops:
        raise _Fail("first hop out of range")
    if o.max_hops > 255:
        raise _Fail("max hops cannot be more than 255")
    if o.nqueries < 1 or o.nqueries > 10:
        raise _Fail("no more than 10 probes per hop")
    if min(o.wait) < 0:
        raise _Fail("bad wait specifications `{}' used".format(",".join(_g(v) for v in o.wait)))
    if o.packetlen is not None and o.packetlen > 65000:
        raise _Fail(f"too big packetlen {o.packetlen} specified")
    return o


def _g(value: float) -> str:
    """printf's %g."""
    return "%g" % value


def _flag(o: _Opts, ch: str) -> None:
    if ch == "I":
        o.method = "icmp"
    elif ch == "T":
        o.method = "tcp"
    elif ch == "U":
        o.method = "udp"
    elif ch == "n":
        o.numeric = True
    elif ch in "46":
        o.family = ch


# ----------------------------------------------------------------------- main
def main(ctx: Context) -> int:
    try:
        parsed = _parse(ctx.args, lambda host: resolve_host(ctx.node, host) or _ipv6(host))
    except _Fail as exc:
        ctx.eprint(str(exc))
        return 2
    if parsed == "version":
        ctx.err.append(VERSION)
        return 0
    if parsed == "usage":
        from simnet.commands.traceroute_usage import USAGE

        ctx.err.append(USAGE)
        return 0
    assert isinstance(parsed, _Opts)
    o = parsed
    node = ctx.node
    assert o.host is not None
    dst6 = _ipv6(o.host)
    if dst6 is not None or (o.family == "6" and resolve_host(node, o.host) is not None):
        if o.family == "4" or dst6 is None:
            ctx.eprint(f"{o.host}: Address family for hostname not supported")
            ctx.eprint(f'Cannot handle "host" cmdline arg `{o.host}\' on position 1 (argc {o.host_argc})')
            return 2
        from simnet.commands.traceroute6 import main6

        return main6(ctx, o, dst6)
    dst = resolve_host(node, o.host)
    if dst is None:
        ctx.eprint(f"{o.host}: Name or service not known")
        ctx.eprint(f'Cannot handle "host" cmdline arg `{o.host}\' on position 1 (argc {o.host_argc})')
        return 2
    src = None
    if o.source is not None:
        try:
            src = IPv4Address(o.source)
        except ValueError:
            ctx.eprint(f'Cannot handle "-s" option with arg `{o.source}\'')
            return 2
    # the tcp module ignores packetlen; the others need at least the IP and UDP/ICMP headers
    size = 60 if o.method == "tcp" or o.packetlen is None else max(o.packetlen, 28)
    header = f"traceroute to {o.host} ({dst}), {o.max_hops} hops max, {size} byte packets"
    if o.iface is not None and o.iface not in node.interfaces:
        # the UDP methods open their socket after printing the header; raw sockets before
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("\nsetsockopt SO_BINDTODEVICE: No such device")
        return 1
    if src is not None and src not in node.local_addresses():
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("\nbind: Cannot assign requested address")
        return 1
    try:
        _route, chosen = node.stack.route_output(dst, src, o.iface)
    except RouteError as exc:
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("")
        ctx.eprint(f"connect: {exc.errno_text}")
        return 1
    ctx.print(header, end="")           # its newline comes with the first hop line
    tracer = _Tracer(ctx, o, dst, src or chosen, size)
    try:
        tracer.run()
    except _SendFailed as exc:
        ctx.eprint(f"\nsend: {exc}")      # traceroute.c: error("send") ends the run
        return 1
    return 0


def _ipv6(host: str) -> IPv6Address | None:
    if ":" not in host:
        return None
    try:
        return IPv6Address(host)
    except ValueError:
        return None


class _SendFailed(Exception):
    """A probe's send() failed (netfilter OUTPUT said DROP or REJECT: EPERM)."""


class _Tracer:
    """The probe loop of traceroute.c, on simulated time."""

    def __init__(self, ctx: Context, o: _Opts, dst: IPv4Address, src: IPv4Address | None, size: int) -> None:
        self.ctx, self.o, self.dst, self.src, self.size = ctx, o, dst, src, size
        self.node = ctx.node
        self.sim = ctx.sim
        self.ident = ctx.lab.traceroute_ident
        ctx.lab.traceroute_ident = (self.ident + 1) & 0xFFFF
        total = o.max_hops * o.nqueries
        self.probes = [_Probe(n, n // o.nqueries + 1) for n in range(total)]
        self.by_key: dict[Any, _Probe] = {}
        # the target's PTR name from a LAN's dnsmasq, asked before the first probe
        self.names: dict[IPv4Address, str] = {}
        if not o.numeric:
            name = lan_reverse(self.node, dst)
            if name is not None:
                self.names[dst] = name
        self.keys: set[tuple] = set()
        self.answered = False
        self.line = ""

    # ------------------------------------------------------------- sending
    def _ephemeral(self) -> int:
        port = self.ctx.lab.ephemeral_port
        while ("udp", port) in self.node.stack.sockets or ("tcp", port) in self.node.stack.sockets:
            port += 1
        self.ctx.lab.ephemeral_port = port + 1 if port < 60999 else 32768
        return port

    def _send(self, pb: _Probe) -> None:
        o = self.o
        data = max(0, self.size - 28)
        if o.method == "icmp":
            seq = (o.port or 1) + pb.idx
            payload: Any = Icmp(ECHO_REQUEST, 0, self.ident, seq, data)
            key = ("icmp", self.ident)
            pb.key = seq
        elif o.method == "tcp":
            sport = self._ephemeral()
            payload = Tcp(sport, o.port or 80, "S", seq=(sport * 2654435761) & 0xFFFFFFFF)
            key = ("tcp", sport)
            pb.key = key
        else:
            sport = self._ephemeral()
            dport = (o.port or 53) if o.method == "udp" else (o.port or 33434) + pb.idx
            payload = Udp(sport, dport, data)
            key = ("udp", sport)
            pb.key = key
        proto = {"icmp": "icmp", "tcp": "tcp"}.get(o.method, "udp")
        pb.journey = self.ctx.journey(f"{proto} {self.src} → {self.dst} (traceroute ttl={pb.ttl})")
        pb.journey.probe_ttl = pb.ttl
        self.by_key[pb.key] = pb
        if key not in self.keys:
            self.keys.add(key)
            self.node.register(key, self._on_packet)
        pkt = IPv4Packet(self.src or IPv4Address(0), self.dst, payload, ttl=pb.ttl, dont_fragment=False,
                         journey=pb.journey)
        pb.sent = True
        pb.send_time = self.sim.now
        try:
            self.node.stack.send(pkt, oif=self.o.iface)
        except SendError as exc:
            if exc.stage == "sendmsg":
                raise _SendFailed(exc.errno_text) from None

    # ----------------------------------------------------------- receiving
    def _probe_for(self, pkt: IPv4Packet, kind: str) -> _Probe | None:
        p = pkt.payload
        if kind == "error":
            assert isinstance(p, Icmp)
            inner = p.inner
            if inner is None:
                return None
            q = inner.payload
            if isinstance(q, Icmp):
                return self.by_key.get(q.seq) if q.ident == self.ident else None
            if isinstance(q, (Udp, Tcp)):
                key = ("udp" if isinstance(q, Udp) else "tcp", q.sport)
                pb = self.by_key.get(key)
                return pb if pb is not None and inner.dst == self.dst else None
            return None
        if isinstance(p, Icmp):
            return self.by_key.get(p.seq) if p.type == 0 and p.ident == self.ident else None
        if isinstance(p, Tcp):
            return self.by_key.get(("tcp", p.dport)) if pkt.src == self.dst else None
        return None

    def _on_packet(self, pkt: IPv4Packet, kind: str) -> None:
        pb = self._probe_for(pkt, kind)
        if pb is None or pb.done:
            return
        p = pkt.payload
        if kind == "error":
            assert isinstance(p, Icmp)
            if p.type == 11:
                if p.code != 0:
                    return
            elif p.type == 3:
                pb.mark = UNREACH_MARK.get(p.code, f"!<{p.code}>")
                pb.final = True
            else:
                return
        else:
            pb.final = True
            if isinstance(p, Tcp) and "S" in p.flags:
                # the kernel has no socket for this half-open connection and resets it
                rst = IPv4Packet(pkt.dst, pkt.src, Tcp(p.dport, p.sport, "R", seq=p.ack, window=0))
                try:
                    self.node.stack.send(rst)
                except SendError:
                    pass
        self._answered(pb, pkt)

    def _answered(self, pb: _Probe, pkt: Any) -> None:
        """The probe's answer came from ``pkt.src``: note it and close the probe's journey."""
        pb.done = True
        pb.addr = pkt.src
        pb.recv_time = self.sim.now
        self.answered = True
        if pb.journey is not None:
            pb.journey.step(self.node.name, "deliver", "traceroute", src=str(pkt.src), mark=pb.mark or None)
            if not pb.journey.finished:
                pb.journey.finish(Disposition.DELIVERED, self.node.name)

    # -------------------------------------------------------------- timing
    def _timeout(self, pb: _Probe) -> float:
        wait_max, here, near = self.o.wait
        q = self.o.nqueries
        first = pb.idx - pb.idx % q
        if here:
            for p in self.probes[first:first + q]:
                if p.done and p.recv_time - p.send_time > 0 and p.addr is not None:
                    return min(wait_max, (p.recv_time - p.send_time + DEF_WAIT_PREC) * here)
        if near:
            for p in self.probes[pb.idx + 1:]:
                if not p.sent:
                    break
                if p.done and p.addr is not None and p.recv_time - p.send_time > 0:
                    return min(wait_max, (p.recv_time - p.send_time + DEF_WAIT_PREC) * near)
        return wait_max

    # ---------------------------------------------------------------- loop
    def run(self) -> None:
        o = self.o
        q = o.nqueries
        start = (o.first - 1) * q
        end = len(self.probes)
        try:
            while start < end:
                now = self.sim.now
                num = 0
                n = start
                while n < end:
                    pb = self.probes[n]
                    if pb.sent and not pb.done and now - pb.send_time >= self._timeout(pb) - 1e-12:
                        pb.done = True
                    if pb.done:
                        if n == start:
                            self._print(pb)
                            start += 1
                        if pb.final:
                            end = (n // q + 1) * q
                        n += 1
                        continue
                    if not pb.sent:
                        self._send(pb)
                    num += 1
                    if num >= o.sim:
                        break
                    n += 1
                if start >= end:
                    break
                self._wait()
        finally:
            for key in self.keys:
                self.node.unregister(key)
            for pb in self.probes:
                if pb.journey is not None and not pb.journey.finished:
                    pb.journey.finish(Disposition.IN_FLIGHT, None)
        if self.line:
            self.ctx.print("\n" + self.line, end="")
        self.ctx.print("")

    def _wait(self) -> None:
        """Run simulated time until an answer arrives or the earliest probe times out."""
        pending = [pb for pb in self.probes if pb.sent and not pb.done]
        if not pending:
            return
        deadline = min(pb.send_time + self._timeout(pb) for pb in pending)
        self.answered = False
        while not self.answered:
            nxt = self.sim.peek()
            if nxt is None or nxt > deadline:
                self.sim.run(until=deadline)
                return
            self.sim.step()
        # poll() returns with every socket that has an answer by now, and do_poll() reads one message
        # per socket: the UDP methods give each probe its own socket, so answers arriving while the
        # first wakes traceroute up are all handled before new probes go out; -I/-T share one raw
        # socket and read a single answer per round (checked: v_masq_udp_conntrack, nf_sr_dnat_port)
        if self.o.method not in ("default", "udp"):
            return
        batch_end = self.sim.now + POLL_BATCH
        while True:
            nxt = self.sim.peek()
            if nxt is None or nxt > batch_end:
                return
            self.sim.step()

    def _print(self, pb: _Probe) -> None:
        q = self.o.nqueries
        np = pb.idx % q
        if np == 0:
            if self.line:
                self.ctx.print("\n" + self.line, end="")     # traceroute.c starts each hop with "\n"
            self.line = f"{pb.ttl:2d} "
        if pb.addr is None:
            self.line += " *"
            return
        prn = np == 0
        if np:
            k = np
            p = self.probes[pb.idx - 1]
            while k and p.addr is None:
                k -= 1
                p = self.probes[p.idx - 1]
            if not k or p.addr != pb.addr:
                prn = True
        if prn:
            self.line += f" {pb.addr}" if self.o.numeric else f" {self._name(pb.addr)} ({pb.addr})"
        self.line += f"  {(pb.recv_time - pb.send_time) * 1000:.3f} ms"
        if pb.mark:
            self.line += f" {pb.mark}"

    def _name(self, addr: IPv4Address) -> str:
        """getnameinfo(): an ``/etc/hosts`` name (localhost for 127.0.0.1), else the address."""
        return self.names.get(addr) or reverse_name(self.node, addr) or str(addr)
