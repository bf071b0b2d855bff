"""nginx's configuration language: tokenizer, parser and the checks ``nginx -t`` does.

Only what a reverse proxy in front of Headscale needs is understood in depth
(server blocks, listen, server_name, ssl_certificate, location, proxy_pass,
proxy_set_header, return, map); every other directive of the stock Debian
nginx.conf is known by name and argument count, so typos are reported with
nginx's own wording: ``unknown directive``, ``invalid number of arguments``,
``unexpected "}"``, ``cannot load certificate``.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simnet.core.errors import ConfigError as _ConfigError

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["Directive", "ConfigError", "parse_tree", "load_config", "NginxConfig", "Server", "Location",
           "MAIN_CONF", "SITE_AVAILABLE", "SITE_ENABLED", "DEFAULT_FILES"]

MAIN_CONF = "/etc/nginx/nginx.conf"
SITE_AVAILABLE = "/etc/nginx/sites-available/headscale"
SITE_ENABLED = "/etc/nginx/sites-enabled/headscale"

# name -> (min args, max args or None for any, takes a block)
KNOWN: dict[str, tuple[int, int | None, bool]] = {
    "user": (1, 2, False), "worker_processes": (1, 1, False), "pid": (1, 1, False),
    "error_log": (1, 2, False), "include": (1, 1, False), "events": (0, 0, True),
    "worker_connections": (1, 1, False), "multi_accept": (1, 1, False), "http": (0, 0, True),
    "sendfile": (1, 1, False), "tcp_nopush": (1, 1, False), "types_hash_max_size": (1, 1, False),
    "server_tokens": (1, 1, False), "default_type": (1, 1, False), "ssl_protocols": (1, None, False),
    "ssl_prefer_server_ciphers": (1, 1, False), "access_log": (1, None, False), "gzip": (1, 1, False),
    "types": (0, 0, True), "map": (2, 2, True), "server": (0, 0, True), "listen": (1, None, False),
    "server_name": (1, None, False), "return": (1, 2, False), "ssl_certificate": (1, 1, False),
    "ssl_certificate_key": (1, 1, False), "location": (1, 2, True), "proxy_pass": (1, 1, False),
    "proxy_http_version": (1, 1, False), "proxy_set_header": (2, 2, False), "proxy_redirect": (1, 2, False),
    "proxy_buffering": (1, 1, False), "add_header": (2, 3, False), "root": (1, 1, False),
    "index": (1, None, False), "try_files": (2, None, False), "keepalive_timeout": (1, 2, False),
    "client_max_body_size": (1, 1, False), "proxy_read_timeout": (1, 1, False),
    "proxy_send_timeout": (1, 1, False), "ssl_session_cache": (1, 2, False),
    "ssl_session_timeout": (1, 1, False), "ssl_ciphers": (1, 1, False), "ssl_dhparam": (1, 1, False),
    "http2": (1, 1, False), "ssl_reject_handshake": (1, 1, False), "load_module": (1, 1, False),
    "allow": (1, 1, False), "deny": (1, 1, False), "proxy_set_body": (1, 1, False),
}
CONTEXTS: dict[str, tuple[str, ...]] = {       # where a block directive may appear
    "events": ("main",), "http": ("main",), "server": ("http",), "map": ("http",), "types": ("http",),
    "location": ("server", "location"),
}
BUILTIN_VARS = {"host", "scheme", "request_uri", "uri", "args", "remote_addr", "server_name",
                "proxy_add_x_forwarded_for", "proxy_host", "server_port", "request_method", "binary_remote_addr"}
TOKEN_RE = re.compile(r'"((?:\\.|[^"\\])*)"|\'((?:\\.|[^\'\\])*)\'|([{};])|(#[^\n]*)|([^\s{};"\'#]+)|(\n)|[ \t\r]+')


class ConfigError(_ConfigError):
    """An ``[emerg]`` message without the ``nginx: `` prefix."""


@dataclass
class Directive:
    """One nginx directive with its arguments, where it was written, and its block."""

    name: str
    args: list[str]
    file: str
    line: int
    block: list["Directive"] | None = None

    def children(self, name: str) -> list["Directive"]:
        return [d for d in (self.block or []) if d.name == name]

    def first(self, name: str) -> "Directive | None":
        found = self.children(name)
        return found[0] if found else None


def _tokens(text: str, path: str):
    line = 1
    pos = 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if m is None:            # an unmatched quote runs to the end of the file
            raise ConfigError(f"unexpected end of file, expecting \";\" or \"}}\" in {path}:{text.count(chr(10)) + 1}")
        pos = m.end()
        if m.group(6) is not None:
            line += 1
        elif m.group(3) is not None:
            yield m.group(3), line, False
        elif m.group(1) is not None or m.group(2) is not None:
            value = m.group(1) if m.group(1) is not None else m.group(2)
            yield value, line, True
            line += value.count("\n")
        elif m.group(5) is not None:
            yield m.group(5), line, False


def parse_tree(text: str, shown_path: str, context: str = "main") -> list[Directive]:
    """Parse one file into directives (includes are resolved later)."""
    stack: list[tuple[list[Directive], str]] = [([], context)]
    words: list[str] = []
    start_line = 0
    last_line = 1
    for tok, line, quoted in _tokens(text, shown_path):
        last_line = line
        if not quoted and tok == ";":
            if not words:
                raise ConfigError(f'unexpected ";" in {shown_path}:{line}')
            stack[-1][0].append(Directive(words[0], words[1:], shown_path, start_line))
            words = []
        elif not quoted and tok == "{":
            if not words:
                raise ConfigError(f'unexpected "{{" in {shown_path}:{line}')
            block: list[Directive] = []
            d = Directive(words[0], words[1:], shown_path, start_line, block)
            stack[-1][0].append(d)
            stack.append((block, d.name))
            words = []
        elif not quoted and tok == "}":
            if words:
                raise ConfigError(f'unexpected "}}" in {shown_path}:{line}')
            if len(stack) == 1:
                raise ConfigError(f'unexpected "}}" in {shown_path}:{line}')
            stack.pop()
        else:
            if not words:
                start_line = line
            words.append(tok)
    if words:
        raise ConfigError(f'unexpected end of file, expecting ";" or "}}" in {shown_path}:{last_line}')
    if len(stack) > 1:
        raise ConfigError(f'unexpected end of file, expecting "}}" in {shown_path}:{last_line}')
    return stack[0][0]


@dataclass
class Location:
    """An nginx location block: what it proxies to or returns, and its headers."""

    path: str
    proxy_pass: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    http_version: str = "1.0"
    ret: tuple[int, str] | None = None


@dataclass
class Server:
    """An nginx server block: ports, names, TLS files and locations."""

    ports: list[tuple[int, bool]]                 # (port, ssl)
    names: list[str]
    certificate: str | None = None
    certificate_key: str | None = None
    ret: tuple[int, str] | None = None
    locations: list[Location] = field(default_factory=list)
    file: str = ""
    line: int = 0
    ports6: list[int] = field(default_factory=list)    # ``listen [::]:PORT``: the ports it takes on IPv6


@dataclass
class NginxConfig:
    """The parts of a checked configuration that decide how requests are answered."""

    servers: list[Server]
    maps: dict[str, tuple[str, dict[str, str]]]   # variable -> (source variable, {value: result})
    files: list[str]

    def ports(self) -> list[int]:
        return sorted({p for s in self.servers for p, _ in s.ports})

    def listens6(self, port: int) -> bool:
        """Does a ``listen [::]:PORT`` (or ``listen [ADDR]:PORT``) line open ``port`` on IPv6?
        ``listen 443`` alone is an IPv4 socket (0.0.0.0:443), as in nginx."""
        return any(port in s.ports6 for s in self.servers)

    def select(self, port: int, host: str) -> Server | None:
        candidates = [s for s in self.servers if any(p == port for p, _ in s.ports)]
        for s in candidates:
            if host.lower() in (n.lower() for n in s.names):
                return s
        return candidates[0] if candidates else None

    def variable(self, expr: str, request_headers: dict[str, str], extra: dict[str, str]) -> str:
        """Expand ``$var`` references like nginx does at request time."""
        def value(name: str) -> str:
            if name.startswith("http_"):
                return request_headers.get(name[5:].replace("_", "-").lower(), "")
            if name in self.maps:
                src, table = self.maps[name]
                have = value(src.lstrip("$"))
                for key, result in table.items():
                    if key != "default" and key == have:
                        return result
                return table.get("default", "")
            return extra.get(name, "")
        return re.sub(r"\$\{?([A-Za-z0-9_]+)\}?", lambda m: value(m.group(1)), expr)


def _read_include(node: "Node", pattern: str, here: str) -> list[tuple[str, str, str]]:
    """(shown path, real path, text) for each file an include names; globs may match nothing."""
    from simnet.services.nginx import enabled_sites

    sites = enabled_sites(node)
    if any(ch in pattern for ch in "*?["):
        shown = [p for p in sorted(set(node.files) | set(sites)) if fnmatch.fnmatch(p, pattern)
                 and "/" not in p[len(pattern.rsplit("/", 1)[0]) + 1:]]
        out = []
        for p in shown:
            real = sites.get(p, p)
            if real in node.files:
                out.append((p, real, node.files[real]))
        return out
    real = sites.get(pattern, pattern)
    if real not in node.files:
        raise ConfigError(f'open() "{pattern}" failed (2: No such file or directory) in {here}')
    return [(pattern, real, node.files[real])]


def _expand(node: "Node", directives: list[Directive], files: list[str], depth: int = 0) -> list[Directive]:
    out: list[Directive] = []
    for d in directives:
        if d.name == "include" and d.block is None and d.args:
            if depth > 8:
                raise ConfigError(f"include nesting too deep in {d.file}:{d.line}")
            for shown, real, text in _read_include(node, d.args[0], f"{d.file}:{d.line}"):
                files.append(shown)
                out.extend(_expand(node, parse_tree(text, shown), files, depth + 1))
            continue
        if d.block is not None and d.name not in ("map", "types"):
            d = Directive(d.name, d.args, d.file, d.line, _expand(node, d.block, files, depth))
        out.append(d)
    return out


def _check(d: Directive, context: str, maps: set[str]) -> None:
    spec = KNOWN.get(d.name)
    if spec is None:
        raise ConfigError(f'unknown directive "{d.name}" in {d.file}:{d.line}')
    lo, hi, block = spec
    if block and d.block is None:
        raise ConfigError(f'directive "{d.name}" has no opening "{{" in {d.file}:{d.line}')
    if not block and d.block is not None:
        raise ConfigError(f'directive "{d.name}" is not terminated by ";" in {d.file}:{d.line}')
    if len(d.args) < lo or (hi is not None and len(d.args) > hi):
        raise ConfigError(f'invalid number of arguments in "{d.name}" directive in {d.file}:{d.line}')
    allowed = CONTEXTS.get(d.name)
    if allowed is not None and context not in allowed:
        raise ConfigError(f'"{d.name}" directive is not allowed here in {d.file}:{d.line}')
    for arg in d.args:
        for var in re.findall(r"\$\{?([A-Za-z0-9_]+)", arg):
            if d.name == "map":
                continue
            if not (var.startswith("http_") or var in BUILTIN_VARS or var in maps):
                raise ConfigError(f'unknown "{var}" variable')
    if d.name == "proxy_http_version" and d.args[0] not in ("1.0", "1.1"):
        raise ConfigError(f'invalid value "{d.args[0]}" in "proxy_http_version" directive, it must be '
                          f'"1.0" or "1.1" in {d.file}:{d.line}')
    if d.name == "return" and not d.args[0].isdigit() and not d.args[0].startswith(("http://", "https://", "$")):
        raise ConfigError(f'invalid return code "{d.args[0]}" in {d.file}:{d.line}')
    if d.name not in ("map", "types"):
        for child in d.block or []:
            _check(child, d.name, maps)


def _listen(d: Directive) -> tuple[int, bool]:
    addr = d.args[0]
    port_text = addr.rsplit(":", 1)[-1] if ":" in addr else addr
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f'invalid port in "{addr}" of the "listen" directive in {d.file}:{d.line}')
    return int(port_text), "ssl" in d.args[1:]


def _server(d: Directive) -> Server:
    ports = [_listen(x) for x in d.children("listen")] or [(80, False)]
    names = [n for x in d.children("server_name") for n in x.args]
    cert = d.first("ssl_certificate")
    key = d.first("ssl_certificate_key")
    ret = d.first("return")
    srv = Server(ports, names, cert.args[0] if cert else None, key.args[0] if key else None,
                 _ret(ret) if ret else None, file=d.file, line=d.line,
                 ports6=[_listen(x)[0] for x in d.children("listen") if x.args[0].startswith("[")])
    server_headers = [(h.args[0], h.args[1]) for h in d.children("proxy_set_header")]
    for loc in d.children("location"):
        version = loc.first("proxy_http_version")
        proxy = loc.first("proxy_pass")
        headers = [(h.args[0], h.args[1]) for h in loc.children("proxy_set_header")] or server_headers
        lret = loc.first("return")
        srv.locations.append(Location(loc.args[-1], proxy.args[0] if proxy else None, headers,
                                      version.args[0] if version else "1.0", _ret(lret) if lret else None))
    return srv


def _ret(d: Directive) -> tuple[int, str]:
    if d.args[0].isdigit():
        return int(d.args[0]), d.args[1] if len(d.args) > 1 else ""
    return 302, d.args[0]


def load_config(node: "Node") -> NginxConfig:
    """Read /etc/nginx/nginx.conf with its includes and check it; raises ConfigError."""
    if MAIN_CONF not in node.files:
        raise ConfigError(f'open() "{MAIN_CONF}" failed (2: No such file or directory)')
    files = [MAIN_CONF]
    tree = _expand(node, parse_tree(node.files[MAIN_CONF], MAIN_CONF), files)
    maps: set[str] = set()
    for d in tree:
        for m in (d.block or []) if d.name == "http" else []:
            if m.name == "map" and len(m.args) == 2:
                maps.add(m.args[1].lstrip("$"))
    for d in tree:
        _check(d, "main", maps)
    servers: list[Server] = []
    map_tables: dict[str, tuple[str, dict[str, str]]] = {}
    for http in (d for d in tree if d.name == "http"):
        for d in http.block or []:
            if d.name == "server":
                servers.append(_server(d))
            elif d.name == "map":
                table = {m.name: (m.args[0] if m.args else "") for m in d.block or []}
                map_tables[d.args[1].lstrip("$")] = (d.args[0], table)
    for srv in servers:
        if any(ssl for _, ssl in srv.ports) and srv.certificate is None:
            raise ConfigError(f'no "ssl_certificate" is defined for the "listen ... ssl" directive in '
                              f"{srv.file}:{srv.line}")
        for path in (srv.certificate, srv.certificate_key):
            if path is not None and path not in node.files:
                what = "certificate" if path == srv.certificate else "certificate key"
                raise ConfigError(
                    f'cannot load {what} "{path}": BIO_new_file() failed (SSL: error:80000002:system library::No such file or '
                    f"directory:calling fopen({path}, r) error:10000080:BIO routines::no such file)")
    return NginxConfig(servers, map_tables, files)


MIME_TYPES = """types {
    text/html                                        html htm shtml;
    text/css                                         css;
    application/javascript                           js;
    application/json                                 json;
    image/png                                        png;
}
"""

NGINX_CONF = """user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
}

http {
\tsendfile on;
\ttcp_nopush on;
\ttypes_hash_max_size 2048;

\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;

\tssl_protocols TLSv1.2 TLSv1.3;
\tssl_prefer_server_ciphers on;

\taccess_log /var/log/nginx/access.log;

\tgzip on;

\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
"""

HEADSCALE_SITE = """map $http_upgrade $connection_upgrade {
    default keep-alive;
    'websocket' upgrade;
    '' close;
}

server {
    listen 80;
    server_name vpn.example.net;
    return 301 https://$server_name$request_uri;
}

server {
    listen 443 ssl http2;
    server_name vpn.example.net;

    ssl_certificate /etc/letsencrypt/live/vpn.example.net/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/vpn.example.net/privkey.pem;

    location / {
        proxy_pass http://127.0.0.1:8090;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $server_name;
        proxy_redirect http:// https://;
        proxy_buffering off;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        add_header Strict-Transport-Security "max-age=15552000; includeSubDomains" always;
    }
}
"""

DEFAULT_FILES = {MAIN_CONF: NGINX_CONF, "/etc/nginx/mime.types": MIME_TYPES, SITE_AVAILABLE: HEADSCALE_SITE}
