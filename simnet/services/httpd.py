"""What answers an HTTP request in the lab: nginx (and Headscale behind it on
127.0.0.1:8090) on the VPS, DuckDNS's update API and Let's Encrypt on the
provider's side. Each answer is what curl or tailscale would receive, and
each server writes the log lines a learner finds with ``journalctl`` or in
/var/log/nginx.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from simnet.links.packet import IPv4Packet
from simnet.services.wire import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.services.nginx_conf import Location, NginxConfig, Server

__all__ = ["serve", "REASONS", "HOP_BY_HOP", "TS2021_UPGRADE"]

REASONS = {200: "OK", 101: "Switching Protocols", 301: "Moved Permanently", 302: "Found", 400: "Bad Request",
           404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Time-out"}
HOP_BY_HOP = {"connection", "upgrade", "keep-alive", "te", "trailer", "transfer-encoding", "proxy-connection"}
TS2021_UPGRADE = "tailscale-control-protocol"
NO_UPGRADE_LOG = ("WRN ../../../home/runner/work/headscale/headscale/hscontrol/noise.go:65 > No Upgrade header in "
                  "TS2021 request. If headscale is behind a reverse proxy, make sure it is configured to pass "
                  "WebSockets through.")


def _now(node: "Node") -> float:
    return node.lab.wallclock()


def _error_page(status: int) -> str:
    text = f"{status} {REASONS.get(status, '')}"
    return (f"<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n<center><h1>{text}</h1></center>\r\n"
            f"<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n")


def serve(node: "Node", pkt: IPv4Packet, req: HttpRequest, port: int) -> HttpResponse:
    """The answer of whatever listens on ``node``:``port`` to ``req``."""
    from simnet.services.nginx import nginx_of

    nginx = nginx_of(node)
    if nginx is not None and nginx.running and nginx.config is not None and port in nginx.config.ports():
        return _nginx(node, nginx.config, nginx.certs, pkt, req, port)
    from simnet.services.road import road_of

    road = road_of(node.lab)
    if road is not None:
        return road.serve_public(node, pkt, req)
    return HttpResponse(404, "Not Found", body="404 page not found\n")


# ------------------------------------------------------------------------ nginx
def _nginx(node: "Node", config: "NginxConfig", certs: dict, pkt: IPv4Packet, req: HttpRequest,
           port: int) -> HttpResponse:
    server = config.select(port, req.sni or req.host)
    assert server is not None
    ssl = any(p == port and s for p, s in server.ports)
    cert = certs.get(server.certificate) if (ssl and server.certificate) else None
    if ssl and req.tls and cert is None:
        return HttpResponse(0, "", tls_alert="internal error")
    if ssl and not req.tls:
        resp = _plain(400, "The plain HTTP request was sent to HTTPS port")
        return _finish(node, server, None, pkt, req, resp)
    if not ssl and req.tls:
        return HttpResponse(0, "", tls_alert="record overflow")      # TLS spoken to a plain HTTP port
    challenge = _acme_challenge(node, req)
    if challenge is not None:
        return _finish(node, server, None, pkt, req, challenge)
    if server.ret is not None:
        return _finish(node, server, None, pkt, req, _redirect(config, server, server.ret, req))
    location = _location(server, req.path)
    if location is None:
        return _finish(node, server, None, pkt, req, _plain(404, _error_page(404), html=True))
    if location.ret is not None:
        return _finish(node, server, location, pkt, req, _redirect(config, server, location.ret, req))
    if location.proxy_pass is None:
        return _finish(node, server, location, pkt, req, _plain(404, _error_page(404), html=True))
    resp = _proxy(node, config, server, location, pkt, req)
    return _finish(node, server, location, pkt, req, resp, cert)


def _location(server: "Server", path: str) -> "Location | None":
    best = None
    for loc in server.locations:
        if path.startswith(loc.path) and (best is None or len(loc.path) > len(best.path)):
            best = loc
    return best


def _redirect(config: "NginxConfig", server: "Server", ret: tuple[int, str], req: HttpRequest) -> HttpResponse:
    code, target = ret
    extra = {"server_name": server.names[0] if server.names else "", "request_uri": req.path,
             "host": req.host, "scheme": "https" if req.tls else "http"}
    where = config.variable(target, {}, extra)
    if 300 <= code < 400:
        return HttpResponse(code, REASONS.get(code, ""), (("Content-Type", "text/html"), ("Location", where)),
                            _error_page(code))
    return HttpResponse(code, REASONS.get(code, ""), (("Content-Type", "text/plain"),), where)


def _plain(status: int, body: str, html: bool = False) -> HttpResponse:
    ctype = "text/html" if html else "text/plain; charset=utf-8"
    return HttpResponse(status, REASONS.get(status, ""), (("Content-Type", ctype),), body)


def _acme_challenge(node: "Node", req: HttpRequest) -> HttpResponse | None:
    if not req.path.startswith("/.well-known/acme-challenge/"):
        return None
    from simnet.services.road import road_of

    road = road_of(node.lab)
    token = req.path.rsplit("/", 1)[-1]
    if road is not None and road.acme_tokens.get((node.name, token)):
        return HttpResponse(200, "OK", (("Content-Type", "text/plain"),), road.acme_tokens[(node.name, token)])
    return None


def _proxy(node: "Node", config: "NginxConfig", server: "Server", location: "Location", pkt: IPv4Packet,
           req: HttpRequest) -> HttpResponse:
    """nginx -> upstream: build the proxied headers the way nginx does, then ask the upstream."""
    client = {k.lower(): v for k, v in req.headers}
    upstream = urlsplit(location.proxy_pass or "")
    headers: dict[str, str] = {k: v for k, v in client.items() if k not in HOP_BY_HOP and k != "host"}
    headers["host"] = upstream.netloc
    headers["connection"] = "close"
    extra = {"server_name": server.names[0] if server.names else "", "remote_addr": str(pkt.src),
             "proxy_add_x_forwarded_for": str(pkt.src), "scheme": "https" if req.tls else "http",
             "host": req.host, "request_uri": req.path, "proxy_host": upstream.netloc}
    for name, expr in location.headers:
        value = config.variable(expr, client, extra)
        if value:
            headers[name.lower()] = value
        else:
            headers.pop(name.lower(), None)
    from simnet.services.journal import headscale_config

    hs = node.service("headscale")
    listen = str(headscale_config(node).get("listen_addr", "127.0.0.1:8090")) if hs is not None else ""
    port = str(upstream.port or 80)
    reachable = (hs is not None and hs.running and upstream.hostname in ("127.0.0.1", "localhost")
                 and listen.rsplit(":", 1)[-1] == port)
    if not reachable:
        # nginx logs the request line as the client sent it: curl speaks HTTP/2 over TLS unless it
        # asks for an Upgrade (WebSocket and friends exist only in HTTP/1.1)
        version = "HTTP/2.0" if req.tls and req.header("upgrade") is None else "HTTP/1.1"
        _error_log(node, f"*{_counter(node)} connect() failed (111: Connection refused) while connecting to upstream, "
                         f"client: {pkt.src}, server: {extra['server_name']}, request: \"{req.method} {req.path} "
                         f"{version}\", upstream: \"{location.proxy_pass}{req.path}\", host: \"{req.host}\"")
        return _plain(502, _error_page(502), html=True)
    return _headscale(node, req, headers, location.http_version)


def _headscale(node: "Node", req: HttpRequest, headers: dict[str, str], version: str) -> HttpResponse:
    """Headscale's HTTP routes as far as the road needs them."""
    from simnet.services.road import road_of

    road = road_of(node.lab)
    path = req.path.split("?", 1)[0]
    if path == "/ts2021":
        if req.method != "POST":
            return _plain(405, "Method Not Allowed\n")
        upgrade = headers.get("upgrade", "")
        if not upgrade:
            if road is not None:
                road.log(node, "headscale", NO_UPGRADE_LOG, go_time=True)
            return _plain(500, "Internal error\n")
        if upgrade != TS2021_UPGRADE:
            return _plain(400, "unknown next protocol\n")
        return HttpResponse(101, "Switching Protocols", (("Upgrade", TS2021_UPGRADE), ("Connection", "upgrade")))
    if path == "/derp":                       # headscale's embedded DERP: an HTTP upgrade to "DERP"
        if headers.get("upgrade", "").lower() != "derp":
            return _plain(426, "DERP requires connection upgrade\n")
        return HttpResponse(101, "Switching Protocols", (("Upgrade", "DERP"), ("Connection", "Upgrade")))
    if path == "/key":
        key = "mkey:4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293"
        body = json.dumps({"legacyPublicKey": "mkey:" + "0" * 64, "publicKey": key}, separators=(",", ":"))
        return HttpResponse(200, "OK", (("Content-Type", "application/json"),), body)
    if path == "/health":
        return HttpResponse(200, "OK", (("Content-Type", "application/json; charset=utf-8"),),
                            '{"status":"pass"}\n')
    if path.startswith("/register/"):
        return HttpResponse(200, "OK", (("Content-Type", "text/html; charset=utf-8"),),
                            "<html><body><h1>headscale</h1><p>Run the command below in the headscale server to "
                            "add this machine to your network:</p></body></html>\n")
    return HttpResponse(404, "Not Found", (("Content-Type", "text/plain; charset=utf-8"),
                                           ("X-Content-Type-Options", "nosniff")), "404 page not found\n")


def headscale_direct(node: "Node", req: HttpRequest) -> HttpResponse:
    """A request straight to headscale's listen_addr (no nginx in between)."""
    headers = {k.lower(): v for k, v in req.headers}
    resp = _headscale(node, req, headers, "1.1")
    now = datetime.fromtimestamp(_now(node), timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    extra = (("Date", now), ("Content-Length", str(len(resp.body.encode()))))
    return HttpResponse(resp.status, resp.reason, resp.headers + extra, resp.body)


def _finish(node: "Node", server: "Server", location: "Location | None", pkt: IPv4Packet, req: HttpRequest,
            resp: HttpResponse, cert=None) -> HttpResponse:
    """Add nginx's own headers and write the access log line."""
    now = _now(node)
    stamp = datetime.fromtimestamp(now, timezone.utc)
    headers = [("Server", "nginx/1.22.1"), ("Date", stamp.strftime("%a, %d %b %Y %H:%M:%S GMT"))]
    headers += [h for h in resp.headers]
    if resp.status != 101:
        headers.append(("Content-Length", str(len(resp.body.encode()))))
        headers.append(("Connection", "keep-alive"))
    if location is not None:
        from simnet.services.nginx import nginx_of

        for name, value, always in _add_headers(nginx_of(node), server, location):
            if always or resp.status < 400:          # add_header … always: error answers too
                headers.append((name, value))
    agent = req.header("User-Agent") or "-"
    line = (f"{pkt.src} - - [{stamp.strftime('%d/%b/%Y:%H:%M:%S +0000')}] \"{req.method} {req.path} HTTP/1.1\" "
            f"{resp.status} {len(resp.body)} \"-\" \"{agent}\"\n")
    node.files["/var/log/nginx/access.log"] = node.files.get("/var/log/nginx/access.log", "") + line
    return HttpResponse(resp.status, resp.reason, tuple(headers), resp.body, cert if cert is not None else None)


def _add_headers(ng, server: "Server", location: "Location") -> list[tuple[str, str, bool]]:
    """``add_header`` lines of the site file (only Strict-Transport-Security in the seed)."""
    if ng is None or ng.config is None:
        return []
    text = ng.node.files.get(server.file if server.file in ng.node.files else ng.links.get(server.file, ""), "")
    out = []
    for line in text.splitlines():
        words = line.strip().rstrip(";").split(None, 2)
        if len(words) == 3 and words[0] == "add_header":
            always = words[2].endswith(" always")
            value = words[2].rsplit(" always", 1)[0].strip().strip('"')
            out.append((words[1], value, always))
    return out


def _counter(node: "Node") -> int:
    node.serials["nginx"] += 1
    return node.serials["nginx"]


def _error_log(node: "Node", text: str) -> None:
    stamp = datetime.fromtimestamp(_now(node), timezone.utc).strftime("%Y/%m/%d %H:%M:%S")
    from simnet.services.nginx import nginx_of

    ng = nginx_of(node)
    pid = ng.pid if ng is not None else 733
    line = f"{stamp} [error] {pid}#{pid}: {text}\n"
    node.files["/var/log/nginx/error.log"] = node.files.get("/var/log/nginx/error.log", "") + line


def query_of(path: str) -> dict[str, str]:
    q = parse_qs(urlsplit(path).query, keep_blank_values=True)
    return {k: v[0] for k, v in q.items()}
