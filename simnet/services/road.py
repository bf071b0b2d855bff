"""The road from a client to the coordination server, owned by the lab.

``road_of(lab)`` builds it from the lab file's ``meta.road`` section: the DNS
zone and resolver, DuckDNS and Let's Encrypt on the provider's side, the
cron daemon and certbot's renewal timer. :func:`simnet.services.road_client.fetch` is the client side of
HTTP(S) (name lookup, TCP through the data plane, certificate check), and
:func:`~simnet.services.road_client.reach_control` is the hook ``tailscale up`` calls: it answers with the
error text the real client prints for each broken step.
"""
from __future__ import annotations

from datetime import datetime, timezone
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import TYPE_CHECKING, Any

from simnet.links.packet import IPv4Packet
from simnet.services import journal
from simnet.services.cron import cron_matches
from simnet.services.dns import Resolver, Zone
from simnet.services.tls import Certificate, install, issue
from simnet.services.wire import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.lab import Lab

__all__ = ["Road", "road_of", "KEY_VERSION"]     # the client side (fetch, reach_control, …): road_client

KEY_VERSION = 125                      # tailscale 1.90's capability version in /key?v=
CRONTAB = "/var/spool/cron/crontabs/root"
DUCKDNS_SCRIPT = "/usr/local/bin/duckdns-update.sh"
TOKEN_PLACEHOLDER = "<DUCKDNS-TOKEN>"


class Road:
    """DNS, the public web services and the timers of one lab."""

    def __init__(self, lab: "Lab", spec: dict[str, Any]) -> None:
        self.lab = lab
        self.zone = Zone()
        self.nameserver = IPv4Address(str(spec.get("nameserver", "203.0.113.1")))
        for name, value in (spec.get("records") or {}).items():
            # one address (an A record) or a list: IPv4 for the A record, IPv6 for the AAAA one
            addrs = [ip_address(str(a)) for a in (value if isinstance(value, list) else [value])]
            self.zone.set(str(name), next(str(a) for a in addrs if a.version == 4), 0.0, ttl=60)
            for a in addrs:
                if a.version == 6:
                    self.zone.set6(str(name), a)
        ddns = spec.get("ddns") or {}
        self.ddns_token = str(ddns.get("token", TOKEN_PLACEHOLDER))
        self.ddns_domains = {str(k): str(v) for k, v in (ddns.get("domains") or {}).items()}
        # node -> the DuckDNS subdomain its cron job keeps current (``updaters: {vps: vpn}``)
        self.ddns_updaters = {str(k): str(v) for k, v in (ddns.get("updaters") or {}).items()}
        self.cert_spec = spec.get("certificate") or {}
        self.acme_tokens: dict[tuple[str, str], str] = {}
        self.public_certs: dict[str, Certificate] = {}
        self._timer: Any = None
        self._steady: tuple | None = None     # what the world looked like around the last idle cron run
        self._mark: list | None = None        # the counters when that run started (see _counters)
        self._idle_mark = 0                     # sim.idle_fired then: no advertisement may fall in between
        self._delta: list | None = None       # what one period of the job adds to them
        self.skipped = 0                      # cron runs skipped while the lab idled
        self.resolver: Resolver | None = None

    # ------------------------------------------------------------ set-up
    def install(self) -> None:
        """Bind the resolver and the public services, write the files, start cron."""
        owner = self.owner_of(self.nameserver)
        if owner is not None:
            self.resolver = Resolver(owner, self.zone)
            self.resolver.bind()
        for rec in list(self.zone.records.values()):
            node = self.owner_of(rec.address)
            if node is not None and rec.name in PUBLIC_SERVICES:
                _public_socket(self, node, 443)
            if node is not None and rec.name in WHAT_IS_MY_IP:        # plain HTTP too: `curl ifconfig.me`
                _public_socket(self, node, 80)
        for node in self.lab.nodes.values():
            node.files.setdefault("/etc/resolv.conf", f"nameserver {self.nameserver}\n")
            if node.services.get("headscale") is not None:
                bind_headscale(node)
        for node_name, domain in self.ddns_updaters.items():
            if node_name in self.lab.nodes:
                self._install_ddns(self.lab.nodes[node_name], domain)
        cert_node = self.cert_spec.get("node")
        if cert_node in self.lab.nodes and not any(
                p.startswith("/etc/letsencrypt/renewal/") for p in self.lab.nodes[cert_node].files):
            self.install_certificate(self.lab.nodes[cert_node])
        self._schedule()

    def _install_ddns(self, node: "Node", domains: str) -> None:
        """The seed's updater: a script that asks DuckDNS to set the record to the caller's
        public address (``ip=`` left empty), run by cron every five minutes."""
        node.files.setdefault(DUCKDNS_SCRIPT, (
            "#!/bin/bash\n"
            f'echo url="https://www.duckdns.org/update?domains={domains}&token={self.ddns_token}&ip=" '
            "| curl -k -o /var/log/duckdns.log -K -\n"))
        node.files.setdefault(CRONTAB, (
            "# m h  dom mon dow   command\n"
            f"*/5 * * * * {DUCKDNS_SCRIPT} >/dev/null 2>&1\n"))
        node.files.setdefault("/var/log/duckdns.log", "OK")

    def install_certificate(self, node: "Node") -> None:
        """The certificate the seed's VPS already has (``meta.road.certificate``)."""
        names = [str(n) for n in self.cert_spec.get("names", [])]
        if not names:
            return
        issued = float(self.cert_spec.get("issued", self.epoch - 60 * 86400)) + 3600
        install(node, names[0], issue(names, issued, salt="lab"))

    @property
    def epoch(self) -> float:
        return self.lab.epoch

    @property
    def now(self) -> float:
        return self.lab.wallclock()

    def owner_of(self, address: IPv4Address | IPv6Address) -> "Node | None":
        """The node that has ``address`` on an interface (an IPv6 one among its addresses6)."""
        for node in self.lab.nodes.values():
            if isinstance(address, IPv6Address):
                if any(a.ip == address for i in node.interfaces.values() for a in i.addresses6):
                    return node
            elif node.is_own_address(address):
                return node
        return None

    # ----------------------------------------------------------- journal
    def log(self, node: "Node", unit: str, text: str, go_time: bool = False, ident: str | None = None) -> None:
        """Add a journal line for ``unit`` (``ident`` is the syslog tag, default ``unit[pid]``)."""
        if go_time:
            stamp = datetime.fromtimestamp(self.now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            text = f"{stamp} {text}"
        if ident is None:
            ident = f"{unit}[{unit_pid(node, unit)}]"
        journal.log(node, unit, text, ident=ident)

    @property
    def journal(self) -> list[tuple[float, str, str, str]]:
        """(time, node, unit, text): the lab's journal."""
        return self.lab.journal

    # --------------------------------------------------------- timers
    def _schedule(self) -> None:
        """Wake up at the next minute some crontab (or certbot's timer) wants; at least hourly."""
        self._timer = self.lab.sim.schedule(self._delay(), self._tick)

    def _delay(self, entries: list | None = None) -> float:
        now = self.now
        minute = int(now // 60) + 1
        specs = {spec for _, spec, _ in (self._entries() if entries is None else entries)}
        for k in range(60):
            if any(cron_matches(spec, minute + k) for spec in specs):
                break
        else:
            k = 59
        return max((minute + k) * 60 - now, 0.0)

    def _entries(self) -> list[tuple["Node", str, str]]:
        out = []
        for node in self.lab.nodes.values():
            for line in node.files.get(CRONTAB, "").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    fields = line.split(None, 5)
                    if len(fields) == 6:
                        out.append((node, " ".join(fields[:5]), fields[5]))
            if any(p.startswith("/etc/letsencrypt/renewal/") for p in node.files):
                out.append((node, "0 0,12 * * *", "certbot -q renew"))
        return out

    def _tick(self) -> None:
        """Run the cron jobs due now, or skip them while the lab idles (see :meth:`_may_skip`)."""
        from simnet.commands.shell import run_line

        entries = self._entries()
        minute = int(round(self.now / 60))
        due = [(node, command) for node, spec, command in entries if cron_matches(spec, minute)]
        sim = self.lab.sim
        quiet = self._quiet(sim.now + self._delay(entries))
        if due and quiet and self._may_skip(due):
            self.skipped += 1
            for counter, diff in self._delta or ():
                _add(counter, diff)
        elif due:
            world = self._world(due) if quiet else None
            self._mark, self._delta = (_counters(self.lab) if quiet else None), None
            self._idle_mark = sim.idle_fired
            for node, command in due:
                run_line(node, self.lab, command, {})
            self._steady = world if world is not None and world == self._world(due) else None
            if self._mark is not None:
                # a minute after the run its last packets (FIN, ARP's re-check) have passed: measure
                # then, so that an advertisement later in the period does not spoil the measurement
                measure = sim.schedule(MEASURE_AFTER, self._measure)
                measure.idle = True
        self._schedule()

    def _measure(self) -> None:
        """What the last quiet real run added to the packet counters (see :meth:`_may_skip`)."""
        if self._delta is None and self._mark is not None and self.lab.sim.idle_fired == self._idle_mark:
            self._delta = self._counted()

    def _counted(self) -> list | None:
        now = _counters(self.lab)
        if self._mark is None or len(now) != len(self._mark) or any(a[0] is not b[0] for a, b in zip(now, self._mark)):
            return None
        return [(c, tuple(x - y for x, y in zip(v, w))) for (c, v), (_, w) in zip(now, self._mark) if v != w]

    # An idle lab still runs the seed's DuckDNS job every five minutes: about 45 events (DNS,
    # TCP, ARP ageing) each time, 13 000 a simulated day. When a run of a job changed nothing
    # (same files, same DNS records, no journal line), nothing but the job itself ran meanwhile
    # (no command, job, capture or other timer – radvd's periodic advertisements aside: they only
    # refresh IPv6 lifetimes, and the job's share of the packet counters is taken a minute after
    # a run, when no advertisement came in between), the next run can only do the same again: it is
    # skipped, so `sleep 1d` costs ~300 events. The runs in the last ten minutes before the clock
    # stops are real, so ARP, conntrack, counters and the log file's time look as after a real run.
    def _quiet(self, until: float) -> bool:
        """Nothing else is pending before ``until``, no capture listens and no job runs."""
        nxt = self.lab.sim.next_busy()     # radvd's advertisements go on beside the job (see _may_skip)
        return ((nxt is None or nxt >= until)
                and not any(job.running and not (job._done is not None and job._done()) for job in self.lab.jobs)
                and not any(node.captures for node in self.lab.nodes.values()))

    def _world(self, due: list) -> tuple:
        """What a cron run could change or depend on, cheaply: the lab's change counter, the
        files of the nodes that run jobs, the DNS records, the journal's length, and whether a
        job's node can use IPv6 to the internet (then it asks for AAAA too; a default route
        learned from a router advertisement runs out without a command: the exit node's, once
        forwarding ignores the advertisements)."""
        from simnet.services.gai import internet6

        nodes = dict.fromkeys(n for n, _ in due)
        files = tuple(tuple(sorted(node.files.items())) for node in nodes)
        zone = tuple(sorted((k, r.address) for k, r in self.zone.records.items()))
        six = tuple(internet6(node) for node in nodes)
        return self.lab.serial, tuple(command for _, command in due), files, zone, len(self.journal), six

    def _may_skip(self, due: list) -> bool:
        if self._steady is None or self._mark is None or self.lab.sim.now + 600 >= self.lab.sim.horizon:
            return False
        if any(_ipv6_runs_out(node, self.lab.sim.now + 60) for node, _ in due):
            return False             # an IPv6 route or address ends while the job runs: it may act otherwise
        if self._steady != self._world(due):
            return False
        if self._delta is None:      # what one period of the job added to the counters, from the last real run
            if self.lab.sim.idle_fired != self._idle_mark:
                return False         # an advertisement's packets are in that period too: measure again
            self._delta = self._counted()
        return self._delta is not None

    # ------------------------------------------------------ public web
    def public_certificate(self, host: str) -> Certificate:
        if host not in self.public_certs:
            self.public_certs[host] = issue([host], self.epoch - 20 * 86400, salt="public")
        cert = self.public_certs[host]
        if not cert.valid_at(self.now):          # the big services renew on time
            cert = self.public_certs[host] = issue([host], self.now - 86400, salt="public")
        return cert

    def serve_public(self, node: "Node", pkt: IPv4Packet, req: HttpRequest) -> HttpResponse:
        host = req.host.lower()
        cert = self.public_certificate(host) if req.tls else None
        if host == "www.duckdns.org" and req.path.startswith("/update"):
            from simnet.services.httpd import query_of

            q = query_of(req.path)
            body = self._duckdns(q, pkt.src)
            return HttpResponse(200, "OK", (("Content-Type", "text/plain;charset=UTF-8"),), body, cert)
        if host in WHAT_IS_MY_IP:
            # the address the request arrives from: after every NAT on the way (café router, exit node)
            body = f"{pkt.src}" + WHAT_IS_MY_IP[host]
            return HttpResponse(200, "OK", (("Content-Type", "text/plain; charset=utf-8"),
                                            ("Content-Length", str(len(body)))), body, cert)
        if host == "acme-v02.api.letsencrypt.org":
            return HttpResponse(200, "OK", (("Content-Type", "application/json"),),
                                '{"newAccount":"https://acme-v02.api.letsencrypt.org/acme/new-acct"}', cert)
        return HttpResponse(404, "Not Found", (("Content-Type", "text/plain"),), "404 page not found\n", cert)

    def _duckdns(self, q: dict[str, str], source: IPv4Address | IPv6Address) -> str:
        """DuckDNS's update API (duckdns.org/spec.jsp): ``ip`` blank means the address the request
        came from (IPv4 only), an IPv6 address in ``ip`` or ``ipv6`` sets the AAAA record, and a
        given ``ipv6`` turns the detection off; ``verbose=true`` answers with both addresses."""
        domains = [d for d in q.get("domains", "").split(",") if d]
        if q.get("token") != self.ddns_token or not domains or any(d not in self.ddns_domains for d in domains):
            return "KO"
        ip, ip6 = q.get("ip", ""), q.get("ipv6", "")
        if not ip and not ip6 and source.version == 4:
            ip = str(source)                     # empty ip=: DuckDNS takes the address the request came from
        addr4: IPv4Address | None = None
        addr6: IPv6Address | None = None
        try:
            if ip:
                parsed = ip_address(ip)
                addr4, addr6 = (parsed, None) if isinstance(parsed, IPv4Address) else (None, parsed)
            if ip6:
                addr6 = IPv6Address(ip6)
        except ValueError:
            return "KO"
        changed = False
        now = self.lab.sim.now
        for d in domains:
            name = self.ddns_domains[d]
            if addr4 is not None:
                changed = self.zone.set(name, addr4, now) or changed
            if addr6 is not None:
                changed = self.zone.set6(name, addr6, now) or changed
        if q.get("verbose") == "true":
            return f"OK\n{addr4 or ''}\n{addr6 or ''}\n{'UPDATED' if changed else 'NOCHANGE'}"
        return "OK"


_IFACE = ("rx_packets", "rx_bytes", "rx_errors", "rx_dropped", "tx_packets", "tx_bytes", "tx_errors", "tx_dropped")


def _counters(lab: "Lab") -> list[tuple[Any, tuple[int, ...]]]:
    """Every packet counter of the lab (interfaces, netfilter chains and rules) with its values:
    a skipped cron run still adds its packets, so `ip -s link` and `iptables -L -v` count on."""
    out: list[tuple[Any, tuple[int, ...]]] = []
    for node in lab.nodes.values():
        for iface in node.interfaces.values():
            c = iface.counters
            out.append((c, tuple(getattr(c, f) for f in _IFACE)))
        for table in node.netfilter.tables.values():
            for chain in table.chains.values():
                out.append((chain, (chain.packets, chain.bytes)))
                out.extend((rule, (rule.packets, rule.bytes)) for rule in chain.rules)
    return out


MEASURE_AFTER = 60.0        # seconds after a cron run until its packets are counted (see Road._measure)


def _ipv6_runs_out(node: "Node", until: float) -> bool:
    """Does a route or address of ``node`` that a router advertisement gave end before ``until``?
    (They end without any event: the kernel's gc, done when someone looks.)"""
    if any(r.expires is not None and r.expires <= until for table in node.ip6.fib.tables.values() for r in table):
        return True
    return any(a.valid_lft is not None and a.lft_stamp + a.valid_lft <= until
               for iface in node.interfaces.values() for a in iface.addresses6)


def _add(counter: Any, diff: tuple[int, ...]) -> None:
    names = _IFACE if len(diff) == len(_IFACE) else ("packets", "bytes")
    for name, d in zip(names, diff):
        setattr(counter, name, getattr(counter, name) + d)


# "what is my IP" services and what follows the address (ifconfig.me sends no newline, icanhazip one)
WHAT_IS_MY_IP = {"ifconfig.me": "", "icanhazip.com": "\n"}
PUBLIC_SERVICES = ("www.duckdns.org", "acme-v02.api.letsencrypt.org", *WHAT_IS_MY_IP)


def unit_pid(node: "Node", unit: str) -> int:
    """A stable process id per node and unit (systemctl's Main PID)."""
    return 400 + sum(map(ord, unit)) % 500 if unit != "nginx" else 700 + sum(map(ord, node.name)) % 200 + 3


class _PublicApp:
    """HTTPS (and plain HTTP) of the provider-side services (DuckDNS, Let's Encrypt) on one node."""

    def __init__(self, road: Road, node: "Node") -> None:
        self.road, self.node = road, node

    def tcp_answer(self, pkt: IPv4Packet, req: object, port: int) -> HttpResponse | None:
        return self.road.serve_public(self.node, pkt, req) if isinstance(req, HttpRequest) else None


def _public_socket(road: Road, node: "Node", port: int) -> None:
    from simnet.services.tcpserve import ServiceSocket

    if ("tcp", port) not in node.stack.sockets:
        ServiceSocket(node, port, _PublicApp(road, node), "nginx", unit_pid(node, "nginx")).bind()


class _HeadscaleApp:
    """Headscale's own HTTP socket (listen_addr, 127.0.0.1:8090 in the seed) behind nginx."""

    def __init__(self, node: "Node") -> None:
        self.node = node

    def tcp_answer(self, pkt: IPv4Packet, req: object, port: int) -> HttpResponse | None:
        from simnet.services.httpd import headscale_direct

        return headscale_direct(self.node, req) if isinstance(req, HttpRequest) else None

    def tcp_admits(self, pkt: IPv4Packet, port: int) -> bool:
        """A connection is taken while headscale runs and listen_addr names this port and address."""
        hs = self.node.service("headscale")
        listen = str(journal.headscale_config(self.node).get("listen_addr", "127.0.0.1:8090"))
        addr, _, lport = listen.rpartition(":")
        return hs is not None and hs.running and lport == str(port) and addr in ("0.0.0.0", "", "[::]",
                                                                                  str(pkt.dst))


def bind_headscale(node: "Node") -> None:
    """Give headscale's listen_addr a socket, so ``curl http://127.0.0.1:8090/health`` works on the VPS."""
    from simnet.kernel.tcp import tcp_of
    from simnet.services.tcpserve import ServiceSocket

    listen = str(journal.headscale_config(node).get("listen_addr", "127.0.0.1:8090"))
    port = listen.rpartition(":")[2]
    if port.isdigit() and ("tcp", int(port)) not in node.stack.sockets and int(port) not in tcp_of(node).listeners:
        ServiceSocket(node, int(port), _HeadscaleApp(node), "headscale", unit_pid(node, "headscale")).bind()


def road_of(lab: "Lab") -> Road | None:
    """The lab's road, built on first use from ``meta.road``; None when the lab has none."""
    if lab.road is not None:
        return lab.road
    spec = lab.meta.get("road")
    if not isinstance(spec, dict):
        return None
    road = lab.road = Road(lab, spec)
    road.install()
    return road

