"""tcpdump 4.99.3: capture on a node's interface and print lines as tcpdump does.

In the foreground, tcpdump runs simulated time until ``-c N`` packets were
seen or nothing more can happen, then ends as if interrupted (Ctrl-C).
Started in the background (``tcpdump … &`` or :meth:`Lab.start`), it keeps
capturing while other commands run; :meth:`Job.result` interrupts it.
"""
from __future__ import annotations

import math
import time as _time
from typing import Any

from simnet.commands.base import Context
from simnet.commands.getopt import NO, REQUIRED, Getopt, GetoptError, Long
from simnet.core.guard import Interrupted
from simnet.kernel.capture import Capture, Captured, FilterError, compile_filter
from simnet.links.mac import BROADCAST
from simnet.commands.tcpdump6 import ether6_text, ip6_text
from simnet.services.dns_wire import dns_body
from simnet.links.packet import ArpPacket, Frame, Icmp, IPv4Packet, Tcp, Udp
from simnet.links.packet6 import IPv6Packet

USAGE = 'tcpdump version 4.99.3\nlibpcap version 1.10.3 (with TPACKET_V3)\nOpenSSL 3.0.19 27 Jan 2026\nUsage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]\n\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]\n\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]\n\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]\n\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]\n\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]\n\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]\n\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]\n'
__all__ = ["main", "format_packet"]

FOREGROUND_LIMIT = 600.0      # simulated seconds a foreground capture may wait for packets
RING_TIMEOUT = 1.0            # pcap to_ms: the TPACKET_V3 ring's block retire timer
PORT_NAMES = {22: "ssh", 80: "http", 443: "https", 53: "domain", 123: "ntp", 23: "telnet", 25: "smtp",
              21: "ftp", 67: "bootps", 68: "bootpc"}
UNREACH = {0: "net {d} unreachable", 1: "host {d} unreachable", 9: "net {d} unreachable - admin prohibited",
           10: "host {d} unreachable - admin prohibited", 13: "host {d} unreachable - admin prohibited filter"}


# ------------------------------------------------------------------ formatting
def _port(port: int, numeric: bool) -> str:
    return str(port) if numeric else PORT_NAMES.get(port, str(port))


def _mac(mac: Any, numeric: bool) -> str:
    if mac == BROADCAST and not numeric:
        return "Broadcast"
    return str(mac) if numeric else f"{mac} (oui Unknown)"


def _icmp_text(pkt: IPv4Packet, p: Icmp, numeric: bool) -> str:
    length = p.length
    if p.type in (0, 8):
        kind = "echo reply" if p.type == 0 else "echo request"
        return f"ICMP {kind}, id {p.ident}, seq {p.seq}, length {length}"
    inner = p.inner
    if p.type == 11:
        what = "time exceeded in-transit" if p.code == 0 else "ip reassembly time exceeded"
        return f"ICMP {what}, length {length}"
    if p.type == 3 and inner is not None:
        d = inner.dst
        if p.code == 3 and isinstance(inner.payload, (Udp, Tcp)):
            proto = "udp" if isinstance(inner.payload, Udp) else "tcp"
            return f"ICMP {d} {proto} port {_port(inner.payload.dport, numeric)} unreachable, length {length}"
        if p.code == 2:
            return f"ICMP {d} protocol {inner.proto} unreachable, length {length}"
        text = UNREACH.get(p.code, "{d} unreachable - #" + str(p.code)).format(d=d)
        return f"ICMP {text}, length {length}"
    if p.type == 5 and inner is not None:
        kind = "net" if p.code == 0 else "host"
        return f"ICMP redirect {inner.dst} to {kind} {p.gateway}, length {length}"
    return f"ICMP type-#{p.type}, length {length}"


def _relative(p: Tcp, pkt: "IPv4Packet | IPv6Packet", seqs: dict) -> tuple[int, int]:
    """tcp_seq_hash (print-tcp.c): the first segment with ACK of a conversation (or any SYN)
    is shown with absolute numbers and remembered, later ones relative to it."""
    seq, ack = p.seq, p.ack
    rev = p.sport > p.dport or p.sport == p.dport and int(pkt.src) > int(pkt.dst)
    key = (pkt.dst, pkt.src, p.dport, p.sport) if rev else (pkt.src, pkt.dst, p.sport, p.dport)
    th = seqs.get(key)
    if th is None or "S" in p.flags:
        seqs[key] = ((ack - 1) & 0xFFFFFFFF, seq) if rev else (seq, (ack - 1) & 0xFFFFFFFF)
        return seq, ack
    th_seq, th_ack = th
    if rev:
        return (seq - th_ack) & 0xFFFFFFFF, (ack - th_seq) & 0xFFFFFFFF
    return (seq - th_seq) & 0xFFFFFFFF, (ack - th_ack) & 0xFFFFFFFF


def _tcp_text(p: Tcp, pkt: "IPv4Packet | IPv6Packet | None" = None, seqs: dict | None = None, mss: int = 1460) -> str:
    """print_tcp; ``mss`` is what the SYN offers (1440 over IPv6)."""
    flags = p.flags
    seq, ack = p.seq, p.ack
    if p.ts is not None and pkt is not None and seqs is not None and "." in flags:
        seq, ack = _relative(p, pkt, seqs)
    parts = [f"Flags [{flags}]"]
    if p.data_len and "S" not in flags:
        parts.append(f"seq {seq}:{(seq + p.data_len) & 0xFFFFFFFF}")      # first:next
    elif "S" in flags or "R" in flags or "F" in flags:
        parts.append(f"seq {seq}")
    if "." in flags:
        parts.append(f"ack {ack}")
    parts.append(f"win {p.window}")
    if p.ts is not None:
        val, ecr = p.ts
        parts.append(f"options [mss {mss},sackOK,TS val {val} ecr {ecr},nop,wscale 10]" if p.syn_opts
                     else f"options [nop,nop,TS val {val} ecr {ecr}]")
    elif "S" in flags:
        parts.append("options [mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7]")
    parts.append(f"length {p.data_len}")
    text = ", ".join(parts)
    if p.ts is not None and p.data_len and (80 in (p.sport, p.dport) or 8080 in (p.sport, p.dport)):
        text += ": HTTP"          # http_print (txtproto_print) names the protocol; -v would show the lines
    return text


def _ip_text(pkt: IPv4Packet, numeric: bool, verbose: bool, seqs: dict | None = None) -> str:
    p = pkt.payload
    if isinstance(p, (Udp, Tcp)):
        addrs = f"{pkt.src}.{_port(p.sport, numeric)} > {pkt.dst}.{_port(p.dport, numeric)}"
        body = f"UDP, length {p.data_len}" if isinstance(p, Udp) else _tcp_text(p, pkt, seqs)
        if isinstance(p, Udp) and p.content is not None and {p.sport, p.dport} <= {67, 68}:
            from simnet.services.dhcp_wire import DhcpMessage, bootp_text

            if isinstance(p.content, DhcpMessage):
                body = bootp_text(p.content, verbose, p.data_len)
        body = dns_body(p, body, verbose)
    else:
        addrs = f"{pkt.src} > {pkt.dst}"
        body = _icmp_text(pkt, p, numeric)
    if not verbose:
        return f"IP {addrs}: {body}"
    proto = {1: "ICMP", 6: "TCP", 17: "UDP"}[pkt.proto]
    flags = "DF" if pkt.dont_fragment else "none"
    return (f"IP (tos {pkt.tos:#x}, ttl {pkt.ttl}, id {pkt.ident}, offset 0, flags [{flags}], "
            f"proto {proto} ({pkt.proto}), length {pkt.length})\n    {addrs}: {body}")


def _arp_text(arp: ArpPacket, numeric: bool, verbose: bool) -> str:
    head = "Ethernet (len 6), IPv4 (len 4), " if verbose else ""
    if arp.is_request:
        return f"{head}Request who-has {arp.target_ip} tell {arp.sender_ip}, length 28"
    return f"{head}Reply {arp.sender_ip} is-at {_mac(arp.sender_mac, numeric)}, length 28"


def _tag(frame: Frame) -> str:
    """ether_common_print with -e: the 802.1Q tag and the length come before the inner type."""
    if not frame.vlan:
        return ""
    return f"ethertype 802.1Q (0x8100), length {frame.length}: vlan {frame.vlan}, p 0, "


def format_packet(obj: Any, numeric: bool = True, ether: bool = False, verbose: bool = False,
                  seqs: dict | None = None) -> str:
    """One packet as tcpdump prints it after the timestamp (no interface prefix); ``seqs`` is the
    session's memory of TCP conversations (relative sequence numbers)."""
    six = obj.payload if isinstance(obj, Frame) else obj
    if isinstance(six, IPv6Packet):          # simnet.commands.tcpdump6
        return ether6_text(obj, _mac, numeric, verbose) if ether and six is not obj else ip6_text(six, numeric, verbose, seqs)
    if isinstance(obj, Frame):
        payload = obj.payload
        if isinstance(payload, ArpPacket):
            body = _arp_text(payload, numeric, verbose)
            if ether:
                length = "" if obj.vlan else f"length {obj.length}: "
                return (f"{_mac(obj.src, numeric)} > {_mac(obj.dst, numeric)}, {_tag(obj)}ethertype ARP (0x0806), "
                        f"{length}{body}")
            return f"ARP, {body}"
        if obj.fragment:
            text = f"IP {payload.src} > {payload.dst}: ip-proto-{payload.proto}"     # no header to decode
        elif obj.frags and isinstance(payload.payload, Icmp):
            text = _ip_text(payload, numeric, verbose, seqs).rsplit("length ", 1)[0] + \
                f"length {obj.frags[0] - 20}"
        else:
            text = _ip_text(payload, numeric, verbose, seqs)
        if ether and obj.vlan:
            return (f"{_mac(obj.src, numeric)} > {_mac(obj.dst, numeric)}, {_tag(obj)}ethertype IPv4 (0x0800), "
                    f"{text[3:]}")
        if ether:
            return (f"{_mac(obj.src, numeric)} > {_mac(obj.dst, numeric)}, ethertype IPv4 (0x0800), "
                    f"length {obj.length}: {text[3:]}")
        return text
    return _ip_text(obj, numeric, verbose, seqs)


def _stamp(t: float, mode: int, epoch: float) -> str:
    if mode == 1:           # -t
        return ""
    whole = int(t + epoch)
    micro = int(round((t + epoch - whole) * 1e6))
    if micro >= 1000000:
        whole, micro = whole + 1, micro - 1000000
    tm = _time.gmtime(whole)
    clock = f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}.{micro:06d} "
    if mode == 4:           # -tttt
        return f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d} {clock}"
    return clock


def _direction(c: Captured) -> str:
    if c.direction == "out":
        return "Out"
    if isinstance(c.frame, Frame) and c.frame.dst == BROADCAST:
        return "B"
    return "In"


# ------------------------------------------------------------------- the tool
class _Session:
    """One running tcpdump: the capture, the printed lines and the end summary."""

    def __init__(self, ctx: Context, dev: str, count: int | None, numeric: bool, ether: bool,
                 verbose: bool, tmode: int, predicate: Any, write: str | None = None) -> None:
        self.ctx, self.count = ctx, count
        self.write = write
        self.saved: list[Captured] = []
        self.numeric, self.ether, self.verbose, self.tmode = numeric, ether, verbose, tmode
        self.captured = 0
        self.received = 0          # "packets received by filter": what the kernel queued before the exit
        self.finished = False
        self.exit_at: float | None = None
        self.started = ctx.sim.now
        self.epoch = ctx.lab.epoch
        self.seqs: dict = {}
        self.capture = Capture(dev, predicate, self._on_packet)
        ctx.node.captures.append(self.capture)
        ctx.node.segments_changed()

    def _on_packet(self, c: Captured) -> None:
        if self.finished:
            return
        if self.exit_at is not None:
            if c.time < self.exit_at - 1e-12:
                self.received += 1         # queued in the ring before tcpdump woke up and left
            return
        self.received += 1
        if c.direction == "out" and self.capture.dev == "lo":
            return        # lo shows every packet twice; libpcap drops the outgoing copy (the kernel counts both)
        if self.write is not None:
            self.saved.append(c)      # -w: into the file, nothing on the terminal
            self._count(c)
            return
        prefix = _stamp(c.time, self.tmode, self.epoch)
        if self.capture.dev == "any":
            prefix += f"{c.iface:<5} {_direction(c):<4}"
        ether = self.ether and self.capture.dev != "any"
        self.ctx.print(prefix + format_packet(c.frame, self.numeric, ether, self.verbose, self.seqs))
        self._count(c)

    def _count(self, c: Captured) -> None:
        self.captured += 1
        if self.count is not None and self.captured >= self.count:
            self.exit_at = self._next_wakeup(c.time)

    def _close(self) -> None:
        if not self.finished:
            self.finished = True
            if self.capture in self.ctx.node.captures:
                self.ctx.node.captures.remove(self.capture)
                self.ctx.node.segments_changed()

    def _next_wakeup(self, t: float) -> float:
        """libpcap's TPACKET_V3 ring hands packets over when a block retires, every RING_TIMEOUT
        seconds from the start; tcpdump sees its -c-th packet (and exits) only then."""
        if RING_TIMEOUT <= 0:
            return t
        ticks = math.floor((t - self.started) / RING_TIMEOUT + 1e-9) + 1
        return self.started + ticks * RING_TIMEOUT

    def done(self) -> bool:
        if self.finished:
            return True
        if self.exit_at is None:
            return False
        nxt = self.ctx.sim.peek()
        return self.ctx.sim.now >= self.exit_at or nxt is None or nxt > self.exit_at

    def stop(self) -> int:
        """Ctrl-C (or the count was reached): close the socket, print the summary."""
        received = self.received
        ctx = self.ctx
        if self.write is not None:
            _save(ctx, self.write, self.capture.dev, self.saved)
        elif not self.finished and self.exit_at is None:
            ctx.print("")        # interrupted: tcpdump ends the output with an empty line
        self._close()
        ctx.eprint(f"{self.captured} packet{'s' if self.captured != 1 else ''} captured")
        ctx.eprint(f"{received} packet{'s' if received != 1 else ''} received by filter")
        ctx.eprint("0 packets dropped by kernel")
        return 0


# tcpdump 4.99.3 as Debian builds it: getopt_long with these tables (order matters for
# glibc's "ambiguous; possibilities:" list)
SHORTOPTS = "aAbB:c:C:dDeE:fF:G:hHi:Ij:JKlLm:M:nNOpqQ:r:s:StT:uUvV:w:W:xXy:Yz:Z:#"
LONGOPTS = [Long(n, REQUIRED if k.endswith(":") else NO, k.rstrip(":")) for n, k in (
    ("buffer-size", "B:"), ("list-interfaces", "D"), ("help", "h"), ("interface", "i:"), ("monitor-mode", "I"),
    ("time-stamp-type", "j:"), ("list-time-stamp-types", "J"), ("micro", "micro"), ("nano", "nano"),
    ("time-stamp-precision", "precision:"), ("dont-verify-checksums", "K"), ("list-data-link-types", "L"),
    ("no-optimize", "O"), ("no-promiscuous-mode", "p"), ("direction", "Q:"), ("snapshot-length", "s:"),
    ("absolute-tcp-sequence-numbers", "S"), ("packet-buffered", "U"), ("linktype", "y:"),
    ("immediate-mode", "immediate"), ("relinquish-privileges", "Z:"), ("count", "count"),
    ("fp-type", "fp-type"), ("number", "#"), ("print", "print"), ("version", "version"))]
IGNORED = set("lpqSUNOxXAK#") | {"immediate", "micro", "nano", "print", "precision", "B", "C", "E", "F", "G",
                                 "m", "M", "Q", "s", "T", "W", "y", "z", "Z", "j", "V"}
VERSION = "".join(USAGE.splitlines(keepends=True)[:3])


def _parse(ctx: Context) -> dict | int:
    opts: dict[str, Any] = {"i": None, "c": None, "n": False, "e": False, "v": 0, "t": 0, "filter": [],
                            "w": None, "r": None}
    scan = Getopt(ctx.args, SHORTOPTS, LONGOPTS)
    try:
        for ch, val in scan:
            if ch in ("i", "w", "r"):
                opts[ch] = val
            elif ch == "c":
                assert val is not None
                if not val.isdigit() or int(val) <= 0:
                    ctx.eprint(f"tcpdump: invalid packet count {val}")
                    return 1
                opts["c"] = int(val)
            elif ch in ("n", "e"):
                opts[ch] = True
            elif ch in ("v", "t"):
                opts[ch] += 1
            elif ch == "version":
                ctx.print(VERSION, end="")
                return 0
            elif ch == "h":
                ctx.print(USAGE, end="")
                return 0
            elif ch == "Y":          # in the option string, but Debian's build has no parser debugging
                ctx.err.append(USAGE)
                return 1
            elif ch not in IGNORED:
                ctx.eprint(f"simnet bildet die Option {scan.spelled} von tcpdump nicht nach.")
                return 1
    except GetoptError as bad:
        ctx.eprint(bad.glibc("tcpdump"))
        ctx.err.append(USAGE)
        return 1
    opts["filter"] = scan.operands
    return opts


def _default_device(ctx: Context) -> str | None:
    for iface in sorted(ctx.node.interfaces.values(), key=lambda x: x.index):
        if not iface.is_loopback and iface.admin_up:
            return iface.name
    return None


def main(ctx: Context) -> int:
    opts = _parse(ctx)
    if isinstance(opts, int):
        return opts
    node = ctx.node
    if opts["r"] is not None:
        return _read(ctx, opts)
    dev = opts["i"] or _default_device(ctx)
    if dev is None:
        ctx.eprint("tcpdump: no suitable device found")
        return 1
    if dev != "any" and dev not in node.interfaces:
        ctx.eprint(f"tcpdump: {dev}: No such device exists")
        ctx.eprint("(No such device exists)")
        return 1
    try:
        predicate = compile_filter(opts["filter"])
    except FilterError as exc:
        ctx.eprint(f"tcpdump: can't parse filter expression: {exc}")
        return 1
    iface = node.interfaces.get(dev)
    if dev == "any":
        link = "LINUX_SLL2 (Linux cooked v2)"
        ctx.eprint("tcpdump: data link type LINUX_SLL2")
    elif iface is not None and iface.kind == "tun":
        link = "RAW (Raw IP)"
    elif iface is not None and iface.is_loopback:
        link = "EN10MB (Ethernet)"
    else:
        link = "EN10MB (Ethernet)"
    listening = f"listening on {dev}, link-type {link}, snapshot length 262144 bytes"
    if opts["v"] or opts["w"] is not None:
        ctx.eprint(f"tcpdump: {listening}")
    else:
        ctx.eprint("tcpdump: verbose output suppressed, use -v[v]... for full protocol decode")
        ctx.eprint(listening)
    tmode = {0: 0, 1: 1, 2: 0, 3: 0}.get(opts["t"], 4)
    session = _Session(ctx, dev, opts["c"], opts["n"], opts["e"], opts["v"] > 0, tmode, predicate, opts["w"])
    if ctx.job is not None:
        ctx.deferred = (session.done, session.stop)
        return 0
    try:
        _run_foreground(ctx, session)
    except Interrupted as exc:     # Ctrl+C: the summary as usual; tcpdump catches SIGINT and exits 0
        code = session.stop()
        return code if ctx.sim.catch_sigint(exc.kind) else 130
    return session.stop()


def _run_foreground(ctx: Context, session: _Session) -> None:
    """Let simulated time run until the count is reached or nothing is left to happen."""
    sim = ctx.sim
    limit = sim.now + FOREGROUND_LIMIT
    while not session.done():
        nxt = sim.peek()
        if nxt is None or nxt > limit:
            break
        sim.step()


# ------------------------------------------------------------ -w and -r files
PCAP_MARK = "\xd4\xc3\xb2\xa1 (pcap capture, read it with tcpdump -r)\n"


def _save(ctx: Context, path: str, dev: str, packets: list[Captured]) -> None:
    """-w: the file holds a marker; the packets themselves stay with the lab for ``tcpdump -r``."""
    full = ctx.abspath(path)
    try:
        ctx.node.write_file(full, PCAP_MARK)
    except OSError:
        ctx.eprint(f"tcpdump: {path}: No such file or directory")
        return
    ctx.lab.pcap_files[(ctx.node.name, full)] = (dev, list(packets))


def _read(ctx: Context, opts: dict) -> int:
    path = opts["r"]
    full = ctx.abspath(path)
    stored = ctx.lab.pcap_files.get((ctx.node.name, full))
    try:
        text = ctx.node.read_file(full)
    except (FileNotFoundError, IsADirectoryError):
        ctx.eprint(f"tcpdump: {path}: No such file or directory")
        return 1
    if stored is None or text != PCAP_MARK:
        size = len(text.encode())
        ctx.eprint(f"tcpdump: truncated dump file; tried to read 4 file header bytes, only got {size}"
                   if size < 4 else "tcpdump: unknown file format")
        return 1
    dev, packets = stored
    link = "LINUX_SLL2" if dev == "any" else "EN10MB (Ethernet)"
    ctx.eprint(f"reading from file {path}, link-type {link}, snapshot length 262144")
    try:
        predicate = compile_filter(opts["filter"])
    except FilterError as exc:
        ctx.eprint(f"tcpdump: can't parse filter expression: {exc}")
        return 1
    tmode = {0: 0, 1: 1, 2: 0, 3: 0}.get(opts["t"], 4)
    epoch = ctx.lab.epoch
    shown = 0
    for c in packets:
        if not predicate(c.frame):
            continue
        prefix = _stamp(c.time, tmode, epoch)
        if dev == "any":
            prefix += f"{c.iface:<5} {_direction(c):<4}"
        ctx.print(prefix + format_packet(c.frame, opts["n"], opts["e"] and dev != "any", opts["v"] > 0))
        shown += 1
        if opts["c"] is not None and shown >= opts["c"]:
            break
    return 0
