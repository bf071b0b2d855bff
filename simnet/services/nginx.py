"""nginx as a service: the configuration it loaded, the certificates it holds in
memory, its sockets on ports 80/443, and what ``systemctl`` does with it.

A running nginx keeps answering with what it loaded at start or at the last
successful reload: editing the file (or deleting a certificate) changes
nothing until ``systemctl reload nginx``; a reload with a broken config is
refused and the old one stays active, a restart with a broken config leaves
nginx stopped. That is exactly why the seed says "nginx -t" before reloading.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simnet.links.packet import IPv4Packet, Tcp
from simnet.services.nginx_conf import (DEFAULT_FILES, SITE_AVAILABLE, SITE_ENABLED, ConfigError, NginxConfig,
                                        load_config)
from simnet.services.tls import Certificate, load_pem
from simnet.services.transport import answer_tcp
from simnet.services.wire import Closed, HttpRequest

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["Nginx", "nginx_of", "enabled_sites", "check", "NGINX_VERSION"]

NGINX_VERSION = "1.22.1"


def enabled_sites(node: "Node") -> dict[str, str]:
    """The symlinks in /etc/nginx/sites-enabled (link -> target)."""
    nginx = node.services.get("nginx")
    return dict(nginx.links) if isinstance(nginx, Nginx) else {}


def check(node: "Node") -> tuple[NginxConfig | None, str | None]:
    """What ``nginx -t`` decides: the config, or the ``[emerg]`` text."""
    try:
        return load_config(node), None
    except ConfigError as exc:
        return None, str(exc)


class Nginx:
    """The nginx master process on one node."""

    def __init__(self, node: "Node") -> None:
        self.node = node
        self.running = False
        self.failed = False
        self.started_at = 0.0
        self.failed_at: float | None = None         # when the last start failed (systemctl status)
        self.config: NginxConfig | None = None
        self.certs: dict[str, Certificate | None] = {}       # path -> certificate loaded in memory
        self.links: dict[str, str] = {SITE_ENABLED: SITE_AVAILABLE}
        self.pid = 700 + sum(map(ord, node.name)) % 200
        self._bound: dict[int, Any] = {}
        for path, text in DEFAULT_FILES.items():
            node.files.setdefault(path, text)

    # ----------------------------------------------------------- lifecycle
    def _load(self) -> str | None:
        config, error = check(self.node)
        if config is None:
            return error
        self.config = config
        self.certs = {}
        for srv in config.servers:
            if srv.certificate:
                self.certs[srv.certificate] = load_pem(self.node.files.get(srv.certificate, ""))
        return None

    def start(self) -> str | None:
        """Start (no-op when running); returns the [emerg] text when the config is broken."""
        if self.running:
            return None
        error = self._load()
        if error is not None:
            self.failed = True
            return error
        self.running, self.failed = True, False
        self.started_at = self.node.sim.now
        self.pid += 3
        self._bind()
        return None

    def stop(self) -> None:
        self.running = False
        self._unbind()

    def reload(self) -> str | None:
        """Re-read the config; on error nothing changes (the old config keeps running)."""
        if not self.running:
            return "nginx.service is not active, cannot reload."
        old = (self.config, self.certs)
        error = self._load()
        if error is not None:
            self.config, self.certs = old
            return error
        self._unbind()
        self._bind()
        return None

    # ------------------------------------------------------------- sockets
    def ports(self) -> list[int]:
        return self.config.ports() if (self.running and self.config) else []

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        return [("tcp", "0.0.0.0", port, "nginx", self.pid) for port in self.ports()]

    def _bind(self) -> None:
        sockets = self.node.stack.sockets
        for port in self.ports():
            previous = sockets.get(("tcp", port))
            handler = _Listener(self, port, previous if not isinstance(getattr(previous, "__self__", None),
                                                                       _Listener) else None)
            self._bound[port] = handler
            sockets[("tcp", port)] = handler.on_tcp

    def _unbind(self) -> None:
        sockets = self.node.stack.sockets
        for port, handler in self._bound.items():
            if sockets.get(("tcp", port)) == handler.on_tcp:
                if handler.previous is not None:
                    sockets[("tcp", port)] = handler.previous
                else:
                    sockets.pop(("tcp", port), None)
            handler.active = False
        self._bound = {}


class _Listener:
    """nginx's listening socket on one port. Segments that belong to another service
    sharing the port (headscale's embedded DERP on 443) are passed on to it."""

    def __init__(self, nginx: Nginx, port: int, previous: Any) -> None:
        self.nginx = nginx
        self.port = port
        self.previous = previous
        self.active = True
        self._passing = False

    def on_tcp(self, pkt: IPv4Packet, kind: str) -> None:
        from simnet.services.httpd import serve

        p = pkt.payload
        if kind != "data" or not isinstance(p, Tcp):
            return
        node = self.nginx.node
        if not self.active or not self.nginx.running:
            if "R" not in p.flags:             # nobody listens any more: the kernel resets
                answer_tcp(node, pkt, Closed(), flags="R.", length=0)
            return
        if pkt.src.version == 6 and not (self.nginx.config is not None and self.nginx.config.listens6(self.port)):
            if "R" not in p.flags:             # `listen 443` is 0.0.0.0:443: no IPv6 socket, the kernel resets
                answer_tcp(node, pkt, Closed(), flags="R.", length=0)
            return
        if p.flags == "S":
            answer_tcp(node, pkt, None, flags="S.", length=0)
            return
        if isinstance(p.content, HttpRequest):
            response = serve(node, pkt, p.content, self.port)
            answer_tcp(node, pkt, response)
            return
        if self.previous is not None and not self._passing:
            self._passing = True            # DERP may hand segments back to us: never loop
            try:
                self.previous(pkt, kind)
            finally:
                self._passing = False


def nginx_of(node: "Node", create: bool = False) -> Nginx | None:
    svc = node.services.get("nginx")
    if not isinstance(svc, Nginx) and create:
        svc = Nginx(node)
        node.services["nginx"] = svc
    return svc if isinstance(svc, Nginx) else None
