"""DNS in the lab: one zone, one resolver on the provider's side, and the
client-side lookup that every program uses.

The zone holds A records (``vpn.example.net → 203.0.113.10``) with a TTL, and
an AAAA record beside it where the lab file gives the name an IPv6 address too.
The resolver answers on UDP port 53 and caches what it hands out for the
record's TTL, like every real resolver: after a DuckDNS update, clients may
see the old address for up to a minute. Queries and answers are real UDP
packets, so a firewall or a missing route breaks name resolution the way it
does on a real machine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import TYPE_CHECKING

from simnet.links.packet import IPv4Packet, Udp
from simnet.services.transport import UdpAsk, UdpOutcome, answer_udp
from simnet.services.dns_wire import EDNS_REPLY
from simnet.services.wire import DnsQuery, DnsReply

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.trace import Journey

__all__ = ["Zone", "Resolver", "Lookup", "lookup", "lookup_search", "search_candidates", "nameservers", "DNS_PORT",
           "DEFAULT_TTL"]

DNS_PORT = 53
DEFAULT_TTL = 60            # DuckDNS hands out its records with one minute TTL


@dataclass
class Record:
    """A DNS A record the simulated resolver serves, with its TTL and last change, and the
    name's AAAA record (``address6``) when it has one."""

    name: str
    address: IPv4Address
    ttl: int = DEFAULT_TTL
    changed_at: float = 0.0      # simulated time of the last update
    address6: IPv6Address | None = None


class Zone:
    """The authoritative data: name -> A record. Names are lower case without the final dot."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}

    @staticmethod
    def canonical(name: str) -> str:
        return name.strip().rstrip(".").lower()

    def set(self, name: str, address: IPv4Address | str, now: float, ttl: int = DEFAULT_TTL) -> bool:
        """Set a record; True if its address changed."""
        key = self.canonical(name)
        addr = IPv4Address(str(address))
        old = self.records.get(key)
        if old is not None and old.address == addr:
            return False
        self.records[key] = Record(key, addr, ttl, now, old.address6 if old is not None else None)
        return True

    def set6(self, name: str, address: IPv6Address | str, now: float | None = None) -> bool:
        """Give an existing name its AAAA record (a name has its A record first); True if it changed."""
        record = self.records.get(self.canonical(name))
        addr = IPv6Address(str(address))
        if record is None or record.address6 == addr:
            return False
        record.address6 = addr
        if now is not None:
            record.changed_at = now
        return True

    def get(self, name: str) -> Record | None:
        return self.records.get(self.canonical(name))


class Resolver:
    """The recursive resolver (on the provider's router): answers from the zone, caches by TTL."""

    def __init__(self, node: "Node", zone: Zone) -> None:
        self.node = node
        self.zone = zone
        # (name, A or AAAA) -> (stored at, address or None for an empty answer, ttl)
        self.cache: dict[tuple[str, str], tuple[float, IPv4Address | IPv6Address | None, int]] = {}
        self.queries = 0

    def bind(self) -> None:
        self.node.stack.sockets[("udp", DNS_PORT)] = self.on_packet

    def answer(self, name: str, qtype: str = "A") -> DnsReply:
        """The A (or AAAA) answer for ``name``; a name without that type is an empty NOERROR."""
        now = self.node.sim.now
        key = Zone.canonical(name)
        rtype = "AAAA" if qtype == "AAAA" else "A"
        cached = self.cache.get((key, rtype))
        if cached is not None and now - cached[0] < cached[2]:
            remaining = max(int(cached[2] - (now - cached[0])), 1)
            return _reply(key, rtype, remaining, cached[1])
        record = self.zone.get(key)
        if record is None:
            return DnsReply(0, key, "NXDOMAIN")
        addr = record.address6 if rtype == "AAAA" else record.address
        self.cache[(key, rtype)] = (now, addr, record.ttl)
        return _reply(key, rtype, record.ttl, addr)

    def on_packet(self, pkt: IPv4Packet, kind: str) -> None:
        msg = pkt.payload.content if isinstance(pkt.payload, Udp) else None
        if kind != "data" or not isinstance(msg, DnsQuery):
            return
        self.queries += 1
        reply = self.answer(msg.name, msg.qtype)
        # the zone holds A and AAAA records: another type of an existing name is an empty NOERROR
        ok = msg.qtype in ("A", "AAAA", "ANY")
        reply = DnsReply(msg.ident, reply.name, reply.rcode, reply.answers if ok else (), qtype=msg.qtype,
                         records=reply.records if ok else (), edns=EDNS_REPLY if msg.edns else 0)
        if pkt.journey is not None:
            pkt.journey.step(self.node.name, "dns", "answer", name=msg.name, rcode=reply.rcode,
                             addresses=tuple(a for _, _, a in reply.answers))
        answer_udp(self.node, pkt, reply)


def _reply(key: str, rtype: str, ttl: int, addr: IPv4Address | IPv6Address | None) -> DnsReply:
    if addr is None:
        return DnsReply(0, key, "NOERROR")
    return DnsReply(0, key, "NOERROR", ((key, ttl, str(addr)),), records=((key, ttl, rtype, str(addr)),))


def nameservers(node: "Node") -> list[IPv4Address]:
    """The ``nameserver`` lines of /etc/resolv.conf, in order."""
    servers: list[IPv4Address] = []
    for line in node.files.get("/etc/resolv.conf", "").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            try:
                servers.append(IPv4Address(fields[1]))
            except ValueError:
                continue
    return servers


@dataclass
class Lookup:
    """One resolution: ``status`` is NOERROR, NXDOMAIN, SERVFAIL, timeout, unreachable or refused."""

    name: str
    status: str
    server: IPv4Address | None
    answers: tuple[tuple[str, int, str], ...] = ()
    elapsed: float = 0.0
    outcome: UdpOutcome | None = None
    journeys: list["Journey"] = field(default_factory=list)
    reply: DnsReply | None = None          # the whole answer (records, flags) for dig
    six: "Lookup | None" = None            # the AAAA question asked beside it (lookup(also="AAAA"))

    @property
    def records(self) -> tuple[tuple[str, int, str, str], ...]:
        """The answer section as (owner, ttl, type, data); A records for a plain resolver."""
        if self.reply is not None and self.reply.records:
            return self.reply.records
        return tuple((n, ttl, "A", a) for n, ttl, a in self.answers)

    @property
    def addresses(self) -> list[IPv4Address]:
        """The answer's addresses (IPv6 ones for an AAAA lookup)."""
        return [ip_address(a) for _, _, a in self.answers]  # type: ignore[misc]

    @property
    def ok(self) -> bool:
        return self.status == "NOERROR" and bool(self.answers)


def search_domains(node: "Node") -> list[str]:
    """The ``search`` line of /etc/resolv.conf (the last one wins, as in glibc)."""
    found: list[str] = []
    for line in node.files.get("/etc/resolv.conf", "").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields[:1] == ["search"]:
            found = fields[1:]
    return found


def search_candidates(node: "Node", name: str, bare_label: bool = True) -> list[str]:
    """The names a resolver asks for ``name`` with the search list and ndots:1 (glibc and BIND's
    host alike): a dotted name as it is first, then with each search domain; a single label
    with each search domain first, then as it is (``bare_label``); a final dot: only itself."""
    search = search_domains(node)
    bare = name.rstrip(".")
    if name.endswith("."):
        return [bare]
    if "." not in bare:
        return [f"{bare}.{d}" for d in search] + ([bare] if bare_label else [])
    return [bare] + [f"{bare}.{d}" for d in search]


def lookup_search(node: "Node", name: str, qtype: str = "A", also: str = "") -> tuple[Lookup, str] | None:
    """getaddrinfo's DNS step with the search list (:func:`search_candidates`). Returns the
    lookup that answered (else the last one tried) and the name it asked for; None for a
    single label with no search domains (glibc would not ask DNS about it here)."""
    candidates = search_candidates(node, name, bare_label=False)
    if not candidates:
        return None
    last: tuple[Lookup, str] | None = None
    journeys: list["Journey"] = []
    for cand in candidates:
        look = lookup(node, cand, qtype=qtype, also=also)
        journeys.extend(look.journeys)
        if look.six is not None:
            journeys.extend(look.six.journeys)
        last = (look, cand)
        if look.ok or look.status not in ("NXDOMAIN", "NOERROR"):
            break
    assert last is not None
    last[0].journeys = journeys
    return last


def _quad100(node: "Node", key: str, timeout: float, tries: int, qtype: str = "A", also: str = "") -> Lookup | None:
    """100.100.100.100 is tailscaled's own resolver (MagicDNS): tailnet names are answered on
    the box, the rest is forwarded upstream. None when no tailscaled runs here."""
    from simnet.tailnet.magicdns import QUAD100_ADDR, answer_name, resolver_at, upstream

    ts = resolver_at(node)
    if ts is None:
        return None
    own = answer_name(ts, key)
    if own is not None:
        status, addr = own
        # the tailnet's names have A records only: another type is an empty answer
        found = Lookup(key, status, QUAD100_ADDR, answers=((key, 600, str(addr)),) if addr and qtype == "A" else ())
        if also:
            found.six = Lookup(key, status, QUAD100_ADDR)
        return found
    up = upstream(ts)
    if up is None:
        failed = Lookup(key, "SERVFAIL", QUAD100_ADDR)
        if also:
            failed.six = Lookup(key, "SERVFAIL", QUAD100_ADDR)
        return failed
    forwarded = lookup(node, key, server=up, timeout=timeout, tries=tries, qtype=qtype, also=also)
    forwarded.server = QUAD100_ADDR
    if forwarded.six is not None:
        forwarded.six.server = QUAD100_ADDR
    return forwarded


def _tcp_ask(node: "Node", target: IPv4Address, query: DnsQuery, flow: str, timeout: float) -> UdpOutcome:
    """The question over TCP: the message with its two-byte length in front, the answer, the close."""
    from simnet.services.transport import kernel_request

    out = kernel_request(node, target, DNS_PORT, query, query.length + 2, flow, connect_timeout=timeout,
                         answer_timeout=timeout, process="dig")
    status = out.status if out.status in ("ok", "refused", "timeout") else "unreachable"
    if out.answer_journey is not None:
        from simnet.trace import Disposition

        out.answer_journey.finish(Disposition.DELIVERED, node.name)
    return UdpOutcome(out.response, status, out.src, out.sport, out.journeys)


def lookup(node: "Node", name: str, server: IPv4Address | None = None, timeout: float = 5.0,
           tries: int = 2, qtype: str = "A", tcp: bool = False, also: str = "", edns: int = 0,
           dont_fragment: bool = True) -> Lookup:
    """Ask the first resolver from /etc/resolv.conf (or ``server``) for ``name``'s ``qtype`` records
    (``tcp``: over a TCP connection to port 53, as dig +tcp does). ``also="AAAA"`` sends the AAAA
    question at the same moment from its own socket, as glibc's getaddrinfo does for AF_UNSPEC;
    its answer is the result's ``six``. ``edns`` is the size of the query's OPT record (0: none, as
    glibc's stub resolver sends it); ``dont_fragment`` False for BIND's tools."""
    servers = [server] if server is not None else nameservers(node)
    key = Zone.canonical(name)
    if not servers:
        # glibc falls back to a resolver on 127.0.0.1, where nothing listens
        servers = [IPv4Address("127.0.0.1")]
    target = servers[0]
    if str(target) == "100.100.100.100":
        local = _quad100(node, key, timeout, tries, qtype, also)
        if local is not None:
            return local
    start = node.sim.now
    if tcp:
        ident = (sum(map(ord, key)) * 7919 + int(start * 1000)) & 0xFFFF
        outcome = _tcp_ask(node, target, DnsQuery(ident, key, qtype, edns), f"DNS-Anfrage {key} {qtype}? an {target}",
                           timeout)
        return _result(node, key, target, start, outcome)
    asks = [_ask(node, target, key, start, qtype, timeout, tries, edns=edns, df=dont_fragment)]
    if also:
        asks.append(_ask(node, target, key, start, also, timeout, tries, salt=also, edns=edns, df=dont_fragment))
    for ask in asks:
        ask.start()
    node.sim.run(until=start + timeout * max(a.tries for a in asks) + 0.001, stop=lambda: all(a.done for a in asks))
    for ask in asks:
        if not ask.done:
            ask._finish("timeout")
    results = [_result(node, key, target, start, ask.out) for ask in asks]
    if also:
        results[0].six = results[1]
    return results[0]


def _ask(node: "Node", target: IPv4Address, key: str, start: float, qtype: str, timeout: float,
         tries: int, salt: str = "", edns: int = 0, df: bool = True) -> UdpAsk:
    ident = (sum(map(ord, key + salt)) * 7919 + int(start * 1000)) & 0xFFFF
    return UdpAsk(node, target, DNS_PORT, DnsQuery(ident, key, qtype, edns), f"DNS-Anfrage {key} {qtype}? an {target}",
                  timeout=timeout, tries=tries, dont_fragment=df)


def _result(node: "Node", key: str, target: IPv4Address, start: float, outcome: UdpOutcome) -> Lookup:
    result = Lookup(key, outcome.status if outcome.status != "ok" else "NOERROR", target,
                    elapsed=node.sim.now - start, outcome=outcome, journeys=list(outcome.journeys))
    reply = outcome.reply
    if outcome.status == "ok" and isinstance(reply, DnsReply):
        result.status = reply.rcode
        result.answers = reply.answers
        result.reply = reply
    return result
