"""The client side of the road: a node's HTTP(S) fetch through DNS, TCP and TLS, and the hook
``tailscale up`` calls to reach the control server (split from simnet.services.road)."""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from simnet.services.dns import lookup, lookup_search, nameservers
from simnet.services.tls import Certificate, verify_error
from simnet.services.transport import kernel_request, refinish
from simnet.services.wire import HttpRequest, HttpResponse
from simnet.trace import Disposition, Journey


from simnet.services.road import KEY_VERSION, Road, road_of

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.lab import Lab


# ------------------------------------------------------------------ client side
@dataclass
class FetchResult:
    """One HTTP(S) request as a client saw it. ``stage`` names the step that failed
    (dns, connect, tls, http) or is ``ok``; ``go_error`` is Go's error text."""

    url: str
    host: str
    port: int
    stage: str = "ok"
    detail: str = ""                   # dns: NXDOMAIN/timeout/...; connect: refused/timeout/...
    address: IPv4Address | IPv6Address | None = None
    response: HttpResponse | None = None
    go_error: str = ""
    elapsed: float = 0.0
    journeys: list[Journey] = field(default_factory=list)
    nameserver: IPv4Address | None = None
    src: IPv4Address | IPv6Address | None = None
    sport: int = 0
    fallback: IPv4Address | IPv6Address | None = None      # the other family's address (happy eyeballs)
    tried: list[IPv4Address | IPv6Address] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.stage == "ok"


def resolve_for_app(node: "Node", host: str, result: FetchResult,
                    family: int = 0) -> IPv4Address | IPv6Address | None:
    """getaddrinfo: literal address, /etc/hosts, then DNS (recording the lookup's journeys).
    ``family`` 6 asks for the AAAA record only (curl -6); unspecified on a host with an IPv6
    address it asks for both and keeps the second choice in ``result.fallback`` (see gai)."""
    from simnet.commands.resolve import resolve_host
    from simnet.services.gai import internet6, order

    if ":" in host:                       # an IPv6 literal ([2001:db8::1] in the URL)
        try:
            return IPv6Address(host)
        except ValueError:
            pass
    addr = resolve_host(node, host, dns=False)
    if addr is not None:
        return addr
    qtype, also = ("AAAA", "") if family == 6 else ("A", "AAAA" if not family and internet6(node) else "")
    found = lookup_search(node, host, qtype, also)
    look = found[0] if found is not None else lookup(node, host, qtype=qtype, also=also)
    result.journeys.extend(look.journeys)
    result.nameserver = look.server
    if look.ok or look.status == "NOERROR" and family == 6:
        if family == 6 and not look.ok:
            result.stage, result.detail = "dns", "no-address"     # curl -6: the name has no AAAA record
            return None
        first, result.fallback = order(node, look.addresses[0], look.six, family)
        return first
    result.stage, result.detail = "dns", look.status
    for j in look.journeys:
        if look.status == "NXDOMAIN":
            refinish(j, Disposition.NOT_ANSWERED, node.name, road="dns-nxdomain", name=host,
                     server=str(look.server))
    port = look.outcome.sport if look.outcome else 0
    src = look.outcome.src if look.outcome and look.outcome.src else IPv4Address("127.0.0.1")
    ns = f"{look.server}:53"
    if look.status == "NXDOMAIN":
        result.go_error = f"dial tcp: lookup {host} on {ns}: no such host"
    elif look.status == "refused":
        result.go_error = f"dial tcp: lookup {host} on {ns}: read udp {src}:{port}->{ns}: read: connection refused"
    elif look.status == "unreachable":
        result.go_error = f"dial tcp: lookup {host} on {ns}: dial udp {ns}: connect: network is unreachable"
    else:
        result.go_error = f"dial tcp: lookup {host} on {ns}: read udp {src}:{port}->{ns}: i/o timeout"
    return None


def dns_for_tools(node: "Node", name: str) -> IPv4Address | None:
    """getaddrinfo's DNS step for ping and traceroute: in labs that have a resolver, or on a node
    whose /etc/resolv.conf names one (a LAN with its own DNS server)."""
    if road_of(node.lab) is None and not nameservers(node):
        return None
    found = lookup_search(node, name)
    if found is None or not found[0].ok:
        return None
    # getaddrinfo's ai_canonname: the name the search list completed (ping prints it)
    node.__dict__.setdefault("dns_canonical", {})[name] = found[1]
    return found[0].addresses[0]


def fetch(node: "Node", url: str, method: str = "GET", headers: tuple[tuple[str, str], ...] = (),
          connect_timeout: float = 127.0, insecure: bool = False, resolve: IPv4Address | IPv6Address | None = None,
          family: int = 0) -> FetchResult:
    """An HTTP(S) request from ``node`` through the simulated network (``family`` 4/6: curl -4/-6)."""
    try:
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        host = parts.hostname or ""
        port = parts.port or (443 if tls else 80)
    except ValueError:                 # "http://::1" or a port out of range: no request at all
        return FetchResult(url, "", 0, stage="url", detail="bad URL")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    result = FetchResult(url, host, port)
    start = node.sim.now
    addr = resolve or resolve_for_app(node, host, result, family)
    if addr is None:
        result.elapsed = node.sim.now - start
        return result
    req = HttpRequest(method, host, path, headers, tls, host if tls else "")
    flow = f"{'HTTPS' if tls else 'HTTP'} {method} {url}"
    from simnet.services.gai import FALLBACK_DELAY

    name = f"[{host}]" if ":" in host else host
    host_header = name if port == (443 if tls else 80) else f"{name}:{port}"
    wire = f"{method} {path} HTTP/1.1\r\nHost: {host_header}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    # inside TLS the ClientHello travels first (folded into the request's bytes)
    length = req.length if tls else len(wire.encode())
    attempts = [addr] + ([result.fallback] if result.fallback is not None else [])
    for n, addr in enumerate(attempts):
        # happy eyeballs: the other family gets its turn when the first fails or stays silent
        timeout = min(FALLBACK_DELAY, connect_timeout) if n + 1 < len(attempts) else connect_timeout
        result.address = addr
        result.tried.append(addr)
        out = kernel_request(node, addr, port, req, length, flow, connect_timeout=timeout)
        if n + 1 < len(attempts) and out.status not in ("ok", "closed"):
            continue       # superseded: the other family's attempt tells what happened (curl's last error)
        result.journeys.extend(out.journeys)
        if out.status in ("ok", "closed"):        # connected: no other address is tried
            break
    result.src, result.sport = out.src, out.sport
    result.elapsed = node.sim.now - start
    dial = f"dial tcp {addr}:{port}"
    if out.status != "ok":
        result.stage, result.detail = "connect", out.status
        result.go_error = {
            "refused": f"{dial}: connect: connection refused",
            "hostunreach": f"{dial}: connect: no route to host",
            "netunreach": f"{dial}: connect: network is unreachable",
            "unreachable": f"{dial}: connect: network is unreachable",
            "closed": f"read tcp {out.src}:{out.sport}->{addr}:{port}: read: connection reset by peer",
        }.get(out.status, "context deadline exceeded")
        return result
    resp = out.response if isinstance(out.response, HttpResponse) else HttpResponse(0, "")
    result.response = resp
    answer = out.answer_journey
    road = road_of(node.lab)
    owner = road.owner_of(addr) if road is not None else None
    server = owner.name if owner is not None else None
    if tls and resp.tls_alert:
        result.stage, result.detail = "tls", "alert"
        result.go_error = f"remote error: tls: {resp.tls_alert}"
        if answer is not None:
            answer.finish(Disposition.REJECTED, server, road="tls-alert", alert=resp.tls_alert, host=host)
        return result
    if tls and not insecure:
        problem = verify_error(resp.certificate, host, road_now(node))
        if problem is not None:
            cert = resp.certificate
            kind = tls_kind(cert, road_now(node))
            result.stage, result.detail, result.go_error = "tls", kind, problem
            if answer is not None:
                answer.finish(Disposition.REJECTED, node.name, road=kind, host=host, server=server,
                              names=", ".join(cert.names) if cert else "",
                              not_after=cert.not_after if cert else 0.0)
            return result
    if answer is not None:
        if resp.status >= 500:
            answer.finish(Disposition.REJECTED, server, road="http-error", status=resp.status, path=path,
                          host=host)
        else:
            answer.finish(Disposition.DELIVERED, node.name)
    return result


def tls_kind(cert: Certificate | None, now: float) -> str:
    """Which certificate check failed, for the journey's verdict and its German explanation."""
    if cert is not None and not cert.trusted:
        return "tls-untrusted"
    return "tls-name" if cert is not None and cert.valid_at(now) else "tls-expired"


def road_now(node: "Node") -> float:
    return node.lab.wallclock()


def reach_control(lab: "Lab", node: "Node", url: str) -> tuple[bool, list[str], list[Journey]]:
    """What ``tailscale up --login-server=URL`` meets on the way: name, TCP 443, certificate,
    the /key fetch and the TS2021 upgrade behind nginx. Returns (ok, error lines, journeys)."""
    road = road_of(lab)
    if road is None:
        return True, [], []
    base = url.rstrip("/")
    key = fetch(node, f"{base}/key?v={KEY_VERSION}", connect_timeout=30.0,
                headers=(("User-Agent", "Go-http-client/2.0"),))
    journeys = list(key.journeys)
    if not key.ok:
        msg = f'fetch control key: Get "{base}/key?v={KEY_VERSION}": {key.go_error}'
        return _failed(road, node, msg, journeys)
    if key.response is None or key.response.status != 200:
        code = key.response.status if key.response else 0
        return _failed(road, node, f"fetch control key: {code}", journeys)
    noise = fetch(node, f"{base}/ts2021", method="POST", connect_timeout=30.0,
                  headers=(("User-Agent", "Go-http-client/1.1"), ("Upgrade", "tailscale-control-protocol"),
                           ("Connection", "upgrade"), ("X-Tailscale-Handshake", "AQA…")))
    journeys += noise.journeys
    register = f'register request: Post "{base}/machine/register": all connection attempts failed '
    if not noise.ok:
        return _failed(road, node, register + f"(HTTP: TLS forced: no port 80 dialed, HTTPS: {noise.go_error})",
                       journeys)
    resp = noise.response
    if resp is None or resp.status != 101:
        status = f"{resp.status} {resp.reason}" if resp else "0"
        owner = road.owner_of(noise.address) if noise.address is not None else None
        for j in noise.journeys[-1:]:
            if resp is not None and resp.status == 500:
                refinish(j, Disposition.REJECTED, owner.name if owner else None, road="no-upgrade",
                         status=resp.status, host=noise.host)
        return _failed(road, node, register + f"(HTTP: TLS forced: no port 80 dialed, HTTPS: unexpected HTTP "
                                              f"response: {status})", journeys)
    return True, [], journeys


def _failed(road: Road, node: "Node", message: str, journeys: list[Journey]) -> tuple[bool, list[str], list[Journey]]:
    road.log(node, "tailscaled", f"Received error: {message}")
    return False, [f"backend error: {message}"], journeys
