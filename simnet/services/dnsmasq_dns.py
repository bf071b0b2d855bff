"""dnsmasq's DNS half (2.90): its own names first, everything else forwarded and cached.

Where an answer comes from, in dnsmasq's order (all checked with the real one):

* ``cname=alias,target`` – the CNAME and the target's address;
* ``address=/name/ip`` – the name and every name below it (A queries);
* ``host-record=``, /etc/hosts of the server (unless ``no-hosts``), ``addn-hosts=`` and the
  names DHCP clients sent (with ``domain=`` appended), their PTR records with them;
* ``mx-host=``, ``txt-record=``, ``ptr-record=``;

all of it authoritative (``aa``) with TTL ``local-ttl`` (0 by default); with ``log-queries`` each
question and where its answer came from goes to the log, in dnsmasq's words. A known name asked
for another type is an empty NOERROR; inside ``local=/lan/`` an unknown name is NXDOMAIN.
The rest goes to the upstream servers (``server=``, else /etc/resolv.conf's nameservers):
dnsmasq passes the answer on with the upstream's flags and keeps it in its cache for the
records' TTL, answering again from there (without ``aa``, the TTL counting down). Without
any upstream the answer is REFUSED with EDE 14 (Not Ready); an upstream that never answers
makes dnsmasq keep quiet too, so the client times out; an upstream without a route is REFUSED
with EDE 23 (Network Error).
"""
from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any

from simnet.links.packet import IPv4Packet, Udp
from simnet.services.transport import UdpAsk, answer_udp
from simnet.services.dns_wire import EDNS_REPLY
from simnet.services.wire import DnsQuery, DnsReply

if TYPE_CHECKING:
    from simnet.services.dnsmasq import Dnsmasq

__all__ = ["DnsPart", "reverse_name"]

DNS_PORT = 53
LOCAL = "qr aa rd ra"
PLAIN = "qr rd ra"


class _UdpReply:
    """Write an answer back to a UDP question (a plain object: a lab may be pickled meanwhile)."""

    def __init__(self, node: Any, pkt: IPv4Packet) -> None:
        self.node, self.pkt = node, pkt

    def __call__(self, reply: DnsReply) -> None:
        answer_udp(self.node, self.pkt, reply)


def reverse_name(ip: str) -> str:
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


def _fqdn(name: str) -> str:
    return name.rstrip(".") + "."


def _under(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


class DnsPart:
    """The DNS server inside a running dnsmasq."""

    def __init__(self, daemon: "Dnsmasq") -> None:
        self.daemon = daemon
        self.node = daemon.node
        self.conf = daemon.conf
        self.cache: dict[tuple[str, str], tuple[float, DnsReply]] = {}
        self.forwarded = 0
        self.why: list[str] = []
        self.tcp: Any = None                  # the TCP 53 socket (simnet.services.tcpserve.ServiceSocket)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        conf, say = self.conf, self.daemon.log
        servers = [f"using nameserver {ip}#53" + (f" for domain {domain} " if domain else "")
                   for domain, ip in conf.servers]
        locals_ = [f"using only locally-known addresses for {domain}" for domain in conf.locals]
        resolv = [] if conf.no_resolv else [f"using nameserver {ip}#53" for ip in self.upstreams_from_resolv()]
        if not conf.servers and not resolv:
            say("warning: no upstream servers configured", dhcp=False)
        for line in servers + locals_:               # check_servers at start
            say(line, dhcp=False)
        if not conf.no_resolv:                       # and again after reading resolv.conf
            say(f"reading {conf.resolv_file}", dhcp=False)
            if resolv:
                for line in servers + resolv + locals_:
                    say(line, dhcp=False)
        files = ([] if conf.no_hosts else ["/etc/hosts"]) + conf.addn_hosts
        for path in files:
            say(f"read {path} - {len(self.hosts_file(path))} names", dhcp=False)
        if not files:
            say("cleared cache", dhcp=False)
        self.node.stack.sockets[("udp", DNS_PORT)] = self.on_query
        from simnet.services.tcpserve import ServiceSocket

        # TCP 53 too (nc -zv router 53 connects, dig +tcp asks over it); backlog TCP_BACKLOG = 32
        self.tcp = ServiceSocket(self.node, DNS_PORT, self, "dnsmasq", self.daemon.pid, backlog=32,
                                 stack="v4" if self.conf.bind_interfaces else "both")
        self.tcp.bind()

    def stop(self) -> None:
        if self.node.stack.sockets.get(("udp", DNS_PORT)) == self.on_query:
            del self.node.stack.sockets[("udp", DNS_PORT)]
        if self.tcp is not None:
            self.tcp.unbind()

    def forget(self) -> None:
        """A new DHCP lease: its name is answered from now on (nothing cached to drop)."""

    def reload(self) -> None:
        """SIGHUP: the cache is cleared, /etc/hosts read again (at every query here anyway)."""
        self.cache.clear()
        self.daemon.log("cleared cache", dhcp=False)
        if not self.conf.no_hosts:
            self.daemon.log(f"read /etc/hosts - {len(self.hosts_file('/etc/hosts'))} names", dhcp=False)

    # -------------------------------------------------------------- data
    def upstreams_from_resolv(self) -> list[str]:
        out = []
        for line in self.node.files.get(self.conf.resolv_file, "").splitlines():
            f = line.split("#", 1)[0].split()
            if len(f) >= 2 and f[0] == "nameserver" and not f[1].startswith("127."):
                out.append(f[1])
        return out

    def upstreams(self, name: str = "") -> list[str]:
        """server=/domain/ip for the longest matching domain, else the general servers."""
        best = [(d, ip) for d, ip in self.conf.servers if d and _under(name, d)]
        if best:
            longest = max(len(d) for d, _ in best)
            return [ip for d, ip in best if len(d) == longest]
        general = [ip for d, ip in self.conf.servers if not d]
        return general + ([] if self.conf.no_resolv else self.upstreams_from_resolv())

    def hosts_file(self, path: str) -> list[tuple[str, str]]:
        """(name, address) of a hosts file; every name of a line counts (as dnsmasq counts them)."""
        out = []
        for line in self.node.files.get(path, "").splitlines():
            f = line.split("#", 1)[0].split()
            if len(f) >= 2:
                out += [(n.lower(), f[0]) for n in f[1:]]
        return out

    def _names(self) -> list[tuple[str, str, int, str]]:
        """Every local name -> IPv4 address with its TTL and where it comes from (config, the hosts
        file, DHCP), in dnsmasq's order of precedence."""
        conf = self.conf
        ttl = conf.local_ttl
        found: list[tuple[str, str, int, str]] = []
        for names, ips, rttl in conf.host_records:
            found += [(n, ip, rttl if rttl is not None else ttl, "config") for n in names for ip in ips if ":" not in ip]
        files = ([] if conf.no_hosts else ["/etc/hosts"]) + conf.addn_hosts
        for path in files:
            for name, ip in self.hosts_file(path):
                if ":" in ip:
                    continue
                # expand-hosts: the name with the domain is the one a PTR answer gives
                if conf.expand_hosts and conf.domain and "." not in name:
                    found.append((f"{name}.{conf.domain}", ip, ttl, path))
                found.append((name, ip, ttl, path))
        now = self.node.sim.now
        for lease in self.daemon.leases:
            if lease.hostname and lease.expires > now:
                if conf.domain:          # a DHCP name is registered as NAME.DOMAIN (its PTR answer)
                    found.append((f"{lease.hostname.lower()}.{conf.domain}", str(lease.ip), ttl, "DHCP"))
                found.append((lease.hostname.lower(), str(lease.ip), ttl, "DHCP"))
        return found

    def _addresses(self, name: str) -> list[tuple[str, int, str]]:
        return [(ip, ttl, src) for n, ip, ttl, src in self._names() if n == name]

    def _ptr(self, name: str) -> tuple[str, str] | None:
        """(target, log line) of a PTR question."""
        for owner, target in self.conf.ptrs:
            if owner == name:
                return target, f"config {name} is <PTR>"
        for n, ip, _, src in self._names():
            if reverse_name(ip) == name:
                return n, f"{src} {ip} is {n}"
        return None

    # ------------------------------------------------------------- answers
    def local_answer(self, name: str, qtype: str) -> DnsReply | None:
        """The answer from dnsmasq's own data, or None when the question goes upstream."""
        conf, ttl = self.conf, self.conf.local_ttl
        records: list[tuple[str, int, str, str]] = []
        why = self.why = []                  # log-queries: where each record came from
        for aliases, target in conf.cnames:
            if name in aliases:
                records.append((_fqdn(name), ttl, "CNAME", _fqdn(target)))
                why.append(f"config {name} is <CNAME>")
                if qtype in ("A", "ANY"):
                    for ip, t, src in self._addresses(target):
                        records.append((_fqdn(target), t, "A", ip))
                        why.append(f"{src} {target} is {ip}")
                return DnsReply(0, name, "NOERROR", flags=LOCAL, records=tuple(records), authority=())
        for domain, ip in conf.addresses:
            if _under(name, domain) and qtype in ("A", "ANY"):
                if ip in ("", "#") or ip == "0.0.0.0":
                    why.append(f"config {name} is {'NXDOMAIN' if ip == '' else '0.0.0.0'}")
                    return DnsReply(0, name, "NXDOMAIN" if ip == "" else "NOERROR", flags=PLAIN, authority=(),
                                    records=((_fqdn(name), 0, "A", "0.0.0.0"),) if ip else ())
                why.append(f"config {name} is {ip}")
                return DnsReply(0, name, "NOERROR", flags=LOCAL, records=((_fqdn(name), ttl, "A", ip),), authority=())
        known = False
        addrs = self._addresses(name)
        if addrs:
            known = True
            if qtype in ("A", "ANY"):
                for ip, t, src in addrs:
                    records.append((_fqdn(name), t, "A", ip))
                    why.append(f"{src} {name} is {ip}")
        for domain, target, pref in conf.mx:
            if domain == name:
                known = True
                if qtype in ("MX", "ANY"):
                    records.append((_fqdn(name), ttl, "MX", f"{pref} {_fqdn(target or name)}"))
                    why.append(f"config {name} is <MX>")
        for owner, text in conf.txt:
            if owner == name:
                known = True
                if qtype in ("TXT", "ANY"):
                    records.append((_fqdn(name), ttl, "TXT", f'"{text}"'))
                    why.append(f"config {name} is <TXT>")
        if name.endswith(".in-addr.arpa"):
            found = self._ptr(name)
            if found is not None:
                known = True
                if qtype in ("PTR", "ANY"):
                    records.append((_fqdn(name), ttl, "PTR", _fqdn(found[0])))
                    why.append(found[1])
        if records:
            return DnsReply(0, name, "NOERROR", flags=LOCAL, records=tuple(records), authority=())
        if known:
            why.append(f"config {name} is NODATA{'-IPv6' if qtype == 'AAAA' else ''}")
            return DnsReply(0, name, "NOERROR", flags=PLAIN, authority=())
        if any(_under(name, d) for d in conf.locals):
            why.append(f"config {name} is NXDOMAIN")
            return DnsReply(0, name, "NXDOMAIN", flags=PLAIN, authority=())
        return None

    def on_query(self, pkt: IPv4Packet, kind: str) -> None:
        msg = pkt.payload.content if isinstance(pkt.payload, Udp) else None
        if kind != "data" or not isinstance(msg, DnsQuery) or not self.daemon.running:
            return
        self.handle(pkt, msg, _UdpReply(self.node, pkt))

    def tcp_serve(self, pkt: IPv4Packet, msg: Any, port: int, reply: Any) -> None:
        """A question over TCP 53 (dig +tcp): the same answer, written back on the connection."""
        if isinstance(msg, DnsQuery) and self.daemon.running:
            self.handle(pkt, msg, reply)

    def tcp_admits(self, pkt: IPv4Packet, port: int) -> bool:
        return self.daemon.takes(pkt.dst)

    def handle(self, pkt: IPv4Packet, msg: DnsQuery, send: Any) -> None:
        """Answer ``msg`` from local data, the cache or the upstream; ``send(reply)`` writes it back."""
        name = msg.name.rstrip(".").lower()
        self._log(f"query[{msg.qtype}] {name} from {pkt.src}")
        reply = self.local_answer(name, msg.qtype)
        where = "lokal"
        for line in self.why if reply is not None else ():
            self._log(line)
        if reply is None:
            reply = self._cached(name, msg.qtype)
            where = "Cache"
            if reply is not None:
                self._log_records("cached", name, msg.qtype, reply)
        if reply is None:
            upstream = self.upstreams(name)
            if not upstream:
                reply = DnsReply(0, name, "REFUSED", flags=PLAIN, authority=(), ede="14 (Not Ready)")
                where = "kein Upstream"
            else:
                self._forward(pkt, msg, name, IPv4Address(upstream[0]), send)
                return
        self._answer(pkt, msg, reply, where, send)

    def _answer(self, pkt: IPv4Packet, msg: DnsQuery, reply: DnsReply, where: str, send: Any) -> None:
        answers = tuple((o.rstrip("."), ttl, data) for o, ttl, t, data in reply.records if t == "A")
        reply = replace(reply, ident=msg.ident, qtype=msg.qtype, name=msg.name, answers=answers,
                        edns=EDNS_REPLY if msg.edns else 0)
        if pkt.journey is not None:
            pkt.journey.step(self.node.name, "dns", "answer", name=msg.name, rcode=reply.rcode, source=where,
                             addresses=tuple(a for _, _, a in answers))
        send(reply)

    def _cached(self, name: str, qtype: str) -> DnsReply | None:
        hit = self.cache.get((name, qtype))
        if hit is None:
            return None
        stored, reply = hit
        age = int(self.node.sim.now - stored)
        if any(ttl - age <= 0 for _, ttl, _, _ in reply.records):
            del self.cache[(name, qtype)]
            return None
        return replace(reply, flags=PLAIN, records=tuple((o, ttl - age, t, d) for o, ttl, t, d in reply.records))

    def _forward(self, pkt: IPv4Packet, msg: DnsQuery, name: str, upstream: IPv4Address, send: Any) -> None:
        """Ask the upstream server (one try: dnsmasq asks again when the client asks again)."""
        self.forwarded += 1
        ident = (msg.ident * 31 + self.forwarded) & 0xFFFF

        def done(outcome: Any) -> None:
            reply = outcome.reply
            if outcome.status == "unreachable":        # sendto() failed at once: no route to the upstream
                self._answer(pkt, msg, DnsReply(0, name, "REFUSED", flags=PLAIN, authority=(),
                                                ede="23 (Network Error)"), f"{upstream} nicht erreichbar", send)
                return
            if outcome.status != "ok" or not isinstance(reply, DnsReply):
                return                       # no answer upstream: the client hears nothing either
            if reply.rcode in ("NOERROR", "NXDOMAIN"):
                self._log_records("reply", name, msg.qtype, reply)
            else:
                self._log(f"reply error is {reply.rcode}")
            records = reply.records or tuple((o, ttl, "A", a) for o, ttl, a in reply.answers)
            reply = replace(reply, records=records, authority=reply.authority if reply.authority is not None else (),
                            flags=reply.flags if "ra" in reply.flags else reply.flags + " ra")
            ttls = [ttl for _, ttl, _, _ in records]
            if reply.rcode == "NOERROR" and ttls and min(ttls) > 0:
                self.cache[(name, msg.qtype)] = (self.node.sim.now, reply)
            self._answer(pkt, msg, reply, f"von {upstream}", send)

        self._log(f"forwarded {name} to {upstream}")
        UdpAsk(self.node, upstream, DNS_PORT, DnsQuery(ident, name, msg.qtype, EDNS_REPLY), f"DNS {name} {msg.qtype}? an {upstream}",
               timeout=10.0, tries=1, on_done=done).start()

    # ---------------------------------------------------------------- logs
    def _log(self, text: str) -> None:
        if self.conf.log_queries:
            self.daemon.log(text, dhcp=False)

    def _log_records(self, how: str, name: str, qtype: str, reply: DnsReply) -> None:
        """log-queries' lines for an answer from upstream (``reply``) or from the cache (``cached``)."""
        records = reply.records or tuple((o, ttl, "A", a) for o, ttl, a in reply.answers)
        if not records:
            what = "NXDOMAIN" if reply.rcode == "NXDOMAIN" else f"NODATA{'-IPv6' if qtype == 'AAAA' else ''}"
            self._log(f"{how} {name} is {what}")
        for owner, _, rtype, data in records:
            self._log(f"{how} {owner.rstrip('.')} is {data if rtype in ('A', 'AAAA') else f'<{rtype}>'}")
