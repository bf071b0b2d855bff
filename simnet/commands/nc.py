"""``nc`` — OpenBSD netcat as Debian 12 ships it (netcat-openbsd 1.219): -l -k -z -v -u -w -p -n -N.

Over simnet's TCP (:mod:`simnet.kernel.tcp`): ``nc -zv H P`` connects and closes at once
(a port scan), ``nc -l P`` listens and prints what arrives, ``echo text | nc -N H P``
sends a line and closes. The messages are the real ones: ``Connection to H P port
[tcp/http-alt] succeeded!``, ``nc: connect to H port P (tcp) failed: Connection
refused`` (a RST, or ICMP port unreachable from a REJECT), ``… timed out: Operation now
in progress`` (-w and a DROP rule). A listener killed with Ctrl+C reports signal 2 the
way the kernel recorder sees it (exit status -2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from typing import Any

from simnet.commands.base import Context
from simnet.commands.getopt import Getopt, GetoptError
from simnet.commands.resolve import resolve_host
from simnet.kernel.tcp import SYN_GIVE_UP, Endpoint, tcp_of
from simnet.kernel.udp import UdpSocket
from simnet.links.packet import DEST_UNREACH, Icmp, IPv4Packet, Udp
from simnet.links.packet6 import Icmp6, IPv6Packet

__all__ = ["main", "SERVICES", "service_name"]

WAKE_UP = 0.0001             # from a segment's arrival to the program's next system call

USAGE = """usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]
\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]
\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]
\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]
\t  [destination] [port]"""

# netcat.c: getopt(argc, argv, "46CDdFhI:i:klM:m:NnO:P:p:q:rSs:T:tUuV:vW:w:X:x:Zz")
SHORTOPTS = "46CDdFhI:i:klM:m:NnO:P:p:q:rSs:T:tUuV:vW:w:X:x:Zz"
# /etc/services of Debian 12 (netbase), the ports a lab is likely to meet
SERVICES: dict[tuple[str, int], str] = {
    **{("tcp", p): n for p, n in ((21, "ftp"), (22, "ssh"), (23, "telnet"), (25, "smtp"), (53, "domain"),
                                  (80, "http"), (110, "pop3"), (143, "imap2"), (389, "ldap"), (443, "https"),
                                  (445, "microsoft-ds"), (465, "submissions"), (587, "submission"),
                                  (636, "ldaps"), (993, "imaps"), (995, "pop3s"), (1194, "openvpn"),
                                  (3306, "mysql"), (3389, "ms-wbt-server"), (5432, "postgresql"),
                                  (8080, "http-alt"))},
    **{("udp", p): n for p, n in ((53, "domain"), (67, "bootps"), (68, "bootpc"), (69, "tftp"), (123, "ntp"),
                                  (161, "snmp"), (500, "isakmp"), (514, "syslog"), (1194, "openvpn"),
                                  (3478, "stun"), (5353, "mdns"))},
}


def service_name(proto: str, port: int) -> str:
    return SERVICES.get((proto, port), "*")


@dataclass
class Opts:
    """nc's command line after parsing: flags, options with values, and the arguments."""

    flags: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)


def _parse(ctx: Context) -> Opts | int:
    """getopt(3) as glibc does it: it permutes, so options may follow the operands."""
    o = Opts()
    scan = Getopt(ctx.args, SHORTOPTS)
    try:
        for c, value in scan:
            if value is None:
                o.flags.add(c)
            else:
                o.values[c] = value
    except GetoptError as bad:
        ctx.eprint(bad.glibc("nc"))
        ctx.eprint(USAGE)
        return 1
    o.args = scan.operands
    return o


def _port_digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text.lstrip("0")) <= 5


def _port(ctx: Context, text: str) -> list[int] | None:
    lo, dash, hi = text.partition("-")
    for part in (lo, hi) if dash else (lo,):
        if not (part.isascii() and part.isdigit()):      # strtonum: ASCII digits only ("²" is not a number)
            ctx.eprint(f"nc: port number invalid: {part}")
            return None
        if len(part.lstrip("0")) > 5 or int(part) > 65535:
            ctx.eprint(f"nc: port number too large: {part}")
            return None
    a, b = int(lo), int(hi or lo)
    return list(range(min(a, b), max(a, b) + 1))


def main(ctx: Context) -> int:
    o = _parse(ctx)
    if isinstance(o, int):
        return o
    if "h" in o.flags:
        ctx.eprint("OpenBSD netcat (Debian patchlevel 1.219-1)")
        ctx.eprint(USAGE)
        return 1
    if "w" in o.values and not o.values["w"].isdigit():
        ctx.eprint(f"nc: timeout invalid: {o.values['w']}")
        return 1
    if "p" in o.values and not o.values["p"].isdigit():
        ctx.eprint("nc: getaddrinfo: Servname not supported for ai_socktype")
        return 1
    if "l" in o.flags:
        return _listen(ctx, o)
    if not o.args:
        ctx.eprint(USAGE)
        return 1
    if len(o.args) < 2:
        ctx.eprint("nc: missing port number")
        return 1
    host = o.args[0]
    ports: list[int] = []
    for text in o.args[1:]:
        got = _port(ctx, text)
        if got is None:
            return 1
        ports += got
    dst = _literal6(host) or resolve_host(ctx.node, host, dns="n" not in o.flags)
    if dst is not None and ("4" in o.flags and dst.version == 6 or "6" in o.flags and dst.version == 4):
        ctx.eprint(f'nc: getaddrinfo for host "{host}" port {ports[0]}: Address family for hostname not supported')
        return 1
    if dst is None:
        reason = "Name or service not known" if "n" not in o.flags else "Name or service not known"
        ctx.eprint(f'nc: getaddrinfo for host "{host}" port {ports[0]}: {reason}')
        return 1
    wait = float(o.values["w"]) if "w" in o.values and _number(o.values["w"]) else None
    rc = 1
    for port in ports:
        if "u" in o.flags:
            ok = _udp(ctx, o, host, dst, port, wait)
        else:
            ok = _tcp(ctx, o, host, dst, port, wait)
        if ok:
            rc = 0
    return rc


def _literal6(host: str) -> IPv6Address | None:
    """An IPv6 address as nc's getaddrinfo takes it (a zone is not modelled)."""
    try:
        return IPv6Address(host) if ":" in host else None
    except ValueError:
        return None


def _service(o: Opts, proto: str, port: int) -> str:
    """getservbyport, unless -n forbids lookups."""
    return "*" if "n" in o.flags else service_name(proto, port)


def _number(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


# ------------------------------------------------------------------ TCP client
def _tcp(ctx: Context, o: Opts, host: str, dst: IPv4Address | IPv6Address, port: int, wait: float | None) -> bool:
    sim = ctx.sim
    sport = int(o.values["p"]) if _port_digits(o.values.get("p", "")) else None
    journey = ctx.journey(f"nc {host} {port} (TCP-Verbindungsaufbau)")
    ep = tcp_of(ctx.node).connect(dst, port, sport=sport, process="nc", pid=_pid(ctx), journey=journey)
    # poll() returns at the deadline before a retransmission due at the same moment
    deadline = sim.now + (wait if wait is not None else SYN_GIVE_UP + 1) - 1e-6
    sim.run(until=deadline, stop=lambda: ep.state != "SYN-SENT")
    verbose = "v" in o.flags            # without -v a failed connect is silent (exit status 1)
    if ep.state == "SYN-SENT":
        ep.close()
        if verbose:
            ctx.eprint(f"nc: connect to {host} port {port} (tcp) timed out: Operation now in progress")
        return False
    if ep.state == "CLOSED":
        if verbose:
            ctx.eprint(f"nc: connect to {host} port {port} (tcp) failed: {ep.error or 'Connection refused'}")
        return False
    if verbose:
        ctx.eprint(f"Connection to {host} {port} port [tcp/{_service(o, 'tcp', port)}] succeeded!")
    if "z" in o.flags:
        ep.close()
        _settle(ctx, ep)
        return True
    return _converse(ctx, o, ep, wait)


def _converse(ctx: Context, o: Opts, ep: Endpoint, wait: float | None) -> bool:
    """Send stdin, print what comes back; -N closes our side after stdin's end."""
    sim = ctx.sim
    def on_data(conn: Endpoint, data: Any) -> None:
        if data is None:             # the peer closed: nc wakes up, exits, and its FIN carries the ACK
            ctx.sim.schedule(WAKE_UP, conn.close)
            return
        ctx.print(str(data), end="")

    ep.on_data = on_data
    text = ctx.stdin
    if text:
        ep.send_data(text, len(text.encode()))
    if ctx.job is not None and "N" not in o.flags:
        # started with & (stdin at its end, no -N): nc keeps the connection open until the peer closes
        # it or Ctrl+C (the recorder's SIGINT: -2) ends nc, which closes its side
        def done() -> bool:
            return ep.peer_closed or ep.state in ("CLOSED", "TIME-WAIT")

        def stop() -> int:
            finished = done()
            if ep.state in ("ESTAB", "CLOSE-WAIT"):
                ep.close()
            return 0 if finished else -2

        ctx.sim.run(until=ctx.sim.now + 0.001)       # our ACK reaches the listener while nc polls
        ctx.deferred = (done, stop)
        return True
    if "N" in o.flags:
        # nc writes, polls stdin again and only then sees its end: on a LAN the ACK is back first
        sim.run(until=sim.now + 0.2, stop=lambda: ep.snd_una == ep.snd_nxt or ep.state != "ESTAB")
        ep.close()
    limit = sim.now + (wait if wait is not None else 3600.0)
    sim.run(until=None, stop=lambda: ep.peer_closed or ep.state in ("CLOSED", "TIME-WAIT") or sim.now > limit
            or sim.peek() is None or sim.peek() > limit)
    if ep.state in ("ESTAB", "CLOSE-WAIT"):
        ep.close()
    _settle(ctx, ep)
    return True


def _settle(ctx: Context, ep: Endpoint) -> None:
    """Let the closing handshake finish (a few round trips, not the TIME-WAIT minute)."""
    sim = ctx.sim
    sim.run(until=sim.now + 0.5, stop=lambda: ep.state in ("TIME-WAIT", "CLOSED"))
    sim.run(until=sim.now + 0.001)          # the last ACK is on the wire while nc exits


def _pid(ctx: Context) -> int:
    ctx.node.serials["nc"] += 1
    n = ctx.node.serials["nc"]
    return 51800 + n * 31            # five digits, as on the recording machine (ss pads its column to them)


# ------------------------------------------------------------------ UDP client
def _udp(ctx: Context, o: Opts, host: str, dst: IPv4Address | IPv6Address, port: int, wait: float | None) -> bool:
    """UDP has no handshake: -z sends "X" probes and only an ICMP error tells a closed port."""
    from simnet.kernel.stack import SendError

    node, sim = ctx.node, ctx.sim
    layer = tcp_of(node)
    sport = int(o.values["p"]) if _port_digits(o.values.get("p", "")) else layer.ephemeral_port()
    refused: list[bool] = []

    def on_packet(pkt: IPv4Packet, kind: str) -> None:
        p = pkt.payload
        if kind == "error" and isinstance(p, (Icmp, Icmp6)) and p.type in (DEST_UNREACH, 1):
            refused.append(True)
        elif kind == "data" and isinstance(p, Udp) and "z" not in o.flags:
            ctx.print(str(p.content), end="")

    # a connected socket of the destination's family: it takes datagrams from that peer only
    any_addr = IPv6Address(0) if dst.version == 6 else IPv4Address(0)
    try:
        sock = layer.bind_udp(UdpSocket(sport, on_packet, any_addr, process="nc", pid=_pid(ctx)))
    except OSError as exc:
        ctx.eprint(f"nc: {exc}")
        return False
    sock.connect(any_addr, dst, port)
    journey = ctx.journey(f"nc -u {host} {port}")

    def send(data: str) -> bool:
        udp = Udp(sport, port, len(data.encode()), data)
        sent: IPv4Packet | IPv6Packet
        try:
            if isinstance(dst, IPv6Address):
                sent = node.ip6.stack.send(IPv6Packet(IPv6Address(0), dst, udp, journey=journey))
            else:
                sent = node.stack.send(IPv4Packet(IPv4Address(0), dst, udp, journey=journey))
        except SendError as exc:
            if exc.stage == "connect":
                if "v" in o.flags:
                    ctx.eprint(f"nc: connect to {host} port {port} (udp) failed: {exc.errno_text}")
                return False
            return True
        if sent is not None and sock.local is not None and sock.local.is_unspecified:
            sock.local = sent.src
        return True

    try:
        if "z" not in o.flags:
            if not send(ctx.stdin):
                return False
            sim.run(until=sim.now + (wait if wait is not None else 0.01), stop=lambda: bool(refused))
            return True
        # udptest (netcat-openbsd 1.219): two "X" at once, then one a second for -w seconds (3 without);
        # an ICMP error makes the next write fail with ECONNREFUSED and the port counts as closed
        if not send("X"):
            return False
        sim.run(until=sim.now + 0.001, stop=lambda: bool(refused))
        if refused or not send("X"):
            return False
        for _ in range(int(wait) if wait is not None else 3):
            sim.run(until=sim.now + 1.0, stop=lambda: bool(refused))
            if refused:
                return False          # the next write fails: nothing printed
            send("X")
        if "v" in o.flags:
            ctx.eprint(f"Connection to {host} {port} port [udp/{_service(o, 'udp', port)}] succeeded!")
        return True
    finally:
        layer.close_udp(sock)


# ------------------------------------------------------------------ listener
def _listen(ctx: Context, o: Opts) -> int:
    port_text = o.values.get("p") or (o.args[0] if o.args else None)
    if port_text is None:
        ctx.eprint("nc: missing port number")
        return 1
    ports = _port(ctx, port_text)
    if ports is None:
        return 1
    port = ports[0]
    if "u" in o.flags:
        return _listen_udp(ctx, o, port)
    layer = tcp_of(ctx.node)
    keep = "k" in o.flags
    state: dict[str, Any] = {"served": False, "conn": None}

    def on_data(ep: Endpoint, data: Any) -> None:
        if data is None:
            ep.close()               # EOF from the network: nc is done with this connection
            if keep:                 # -k: back to accept() for the next one
                ctx.sim.schedule(0.0, serve_next)
            return
        ctx.print(str(data), end="")

    def on_accept(ep: Endpoint) -> None:
        if keep:                     # -k: a connection waits in the queue until nc is done with the last
            serve_next()
            return
        ep.on_data = on_data
        state["conn"] = ep
        layer.unlisten(lst)          # without -k nc serves exactly one connection

    def reset(ep: Endpoint) -> None:
        if ep.state == "CLOSED" and ep.error is not None:
            ctx.sim.schedule(0.0, serve_next)

    def serve_next() -> None:
        """nc -k's loop: one connection at a time; what arrived meanwhile waits unread in the kernel."""
        conn = state["conn"]
        if conn is not None and conn.on_data is not None and conn.state in ("ESTAB", "SYN-RECV"):
            return                   # still busy with this one
        ep = lst.accept()
        if ep is None:
            return
        state["conn"] = ep
        ep.on_data = on_data
        ep.on_change = reset          # a peer that resets it frees nc too
        for data in ep.received:     # read what the kernel kept for us
            if not (isinstance(data, tuple) and data[:1] == ("more",)):
                ctx.print(str(data), end="")
        ep.unread = 0
        if ep.peer_closed:
            on_data(ep, None)

    try:
        # -6: an AF_INET6 socket on :: (ss shows *, it takes IPv4 as well, unless bindv6only); else 0.0.0.0
        addr, v6only = _family(ctx, o)
        lst = layer.listen(port, backlog=1, process="nc", pid=_pid(ctx), on_accept=on_accept, addr=addr,
                           v6only=v6only)
        lst.manual = keep
    except OSError as exc:
        ctx.eprint(f"nc: {exc}")
        return 1

    def done() -> bool:
        conn = state["conn"]
        return not keep and conn is not None and conn.state in ("CLOSED", "TIME-WAIT", "LAST-ACK")

    def stop() -> int:
        finished = done()
        conn = state["conn"]
        if conn is not None and conn.state in ("ESTAB", "CLOSE-WAIT"):
            conn.close()             # the accepted connection ends with our FIN, ...
        layer.unlisten(lst)          # ... the ones still waiting in the queue with a reset
        return 0 if finished else -2          # killed by SIGINT (the recorder's view of ^C)

    if ctx.job is not None:
        ctx.deferred = (done, stop)
        return 0
    ctx.sim.run(until=ctx.sim.now + 3600.0, stop=lambda: done() or ctx.sim.peek() is None)
    code = stop()
    return 0 if code == 0 else 130


def _family(ctx: Context, o: Opts) -> tuple[IPv4Address | IPv6Address, bool]:
    """The listening socket nc makes: -6 an AF_INET6 one on :: (IPV6_V6ONLY as ``net.ipv6.bindv6only``
    says), else getaddrinfo's first passive answer, 0.0.0.0."""
    if "6" in o.flags:
        return IPv6Address(0), ctx.node.sysctl.get_int("net.ipv6.bindv6only") != 0
    return IPv4Address(0), False


def _listen_udp(ctx: Context, o: Opts, port: int) -> int:
    node = ctx.node
    layer = tcp_of(node)

    def on_packet(pkt: IPv4Packet, kind: str) -> None:
        if kind == "data" and isinstance(pkt.payload, Udp):
            ctx.print(str(pkt.payload.content), end="")
            if "k" not in o.flags and sock.peer is None:
                # nc connects the socket to its first peer: ESTAB, no longer listening, deaf to others
                sock.connect(pkt.dst, pkt.src, pkt.payload.sport)

    addr, v6only = _family(ctx, o)
    try:
        sock = layer.bind_udp(UdpSocket(port, on_packet, addr, v6only=v6only, process="nc", pid=_pid(ctx)))
    except OSError:
        ctx.eprint("nc: Address already in use")
        return 1

    def stop() -> int:
        layer.close_udp(sock)
        return -2

    if ctx.job is not None:
        ctx.deferred = (lambda: False, stop)
        return 0
    ctx.sim.run(until=ctx.sim.now + 3600.0, stop=lambda: ctx.sim.peek() is None)
    stop()
    return 130
