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

from simnet.links.packet import IPv4Packet
from simnet.services.nginx_conf import (DEFAULT_FILES, SITE_AVAILABLE, SITE_ENABLED, ConfigError, NginxConfig,
                                        load_config)
from simnet.services.tls import Certificate, load_pem
from simnet.services.wire import HttpRequest

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
        """0.0.0.0:PORT for each ``listen PORT``, and [::]:PORT where a ``listen [::]:PORT`` line adds one."""
        rows = [("tcp", "0.0.0.0", port, "nginx", self.pid) for port in self.ports()]
        six = [p for p in self.ports() if self.config is not None and self.config.listens6(p)]
        return rows + [("tcp", "[::]", port, "nginx", self.pid) for port in six]

    def _bind(self) -> None:
        from simnet.services.tcpserve import ServiceSocket

        for port in self.ports():
            # `listen 443` is 0.0.0.0:443 only (an IPv6 client is reset); `listen [::]:443` adds [::]
            six = self.config is not None and self.config.listens6(port)
            sock = ServiceSocket(self.node, port, self, "nginx", self.pid, stack="both" if six else "v4")
            sock.bind()
            self._bound[port] = sock

    def _unbind(self) -> None:
        for sock in self._bound.values():
            sock.unbind()
        self._bound = {}

    def tcp_answer(self, pkt: IPv4Packet, req: Any, port: int) -> Any:
        """What nginx writes back to one request on ``port``."""
        from simnet.services.httpd import serve

        if not isinstance(req, HttpRequest) or not self.running:
            return None
        return serve(self.node, pkt, req, port)


def nginx_of(node: "Node", create: bool = False) -> Nginx | None:
    svc = node.services.get("nginx")
    if not isinstance(svc, Nginx) and create:
        svc = Nginx(node)
        node.services["nginx"] = svc
    return svc if isinstance(svc, Nginx) else None
