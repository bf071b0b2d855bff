"""Small TCP daemons of the seed's machines: OpenSSH's sshd (port 22) and
Proxmox' pveproxy (the web interface on 8006, HTTPS with the node's
self-signed certificate).

A lab file names them per node (``services: [sshd, pveproxy]`` or
``services: {sshd: {users: [zabooz]}}``). Each one binds a socket in the
node's stack, so a client's SYN really travels through every kernel on the
way (routes, NAT, firewalls, the tailnet) and gets SYN-ACK here, or a reset
when the daemon is stopped. ``systemctl`` starts and stops them, ``ss``
lists their sockets.
"""
from __future__ import annotations

TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

from simnet.links.packet import IPv4Packet
from simnet.services.tls import Certificate
from simnet.services.wire import HttpRequest, HttpResponse, SshBanner, SshHello

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.node import Node

__all__ = ["TcpDaemon", "Sshd", "Pveproxy", "install_daemons", "daemon_for_unit", "daemons_of", "DAEMONS",
           "PVE_CERT"]

PVE_CERT = "/etc/pve/local/pve-ssl.pem"
PVE_VERSION = "8.3.2"


class TcpDaemon:
    """One listening daemon: its sockets are bound while it runs; stopped, it gives the port back
    (the kernel resets a SYN, and another program may bind the port)."""

    unit = ""                   # systemd unit (ssh, pveproxy)
    aliases: tuple[str, ...] = ()
    description = ""
    process = ""                # the name ss -p shows
    ports: tuple[int, ...] = ()
    backlog = 4096
    stack = "both"              # 0.0.0.0 and [::] (simnet.services.tcpserve.ServiceSocket)
    docs = ""
    cmdline = ""

    def __init__(self, node: "Node", spec: dict[str, Any] | None = None) -> None:
        self.node = node
        self.spec = spec or {}
        self.running = False
        self.failed = False
        self.started_at = 0.0
        self.pid = 500 + sum(map(ord, self.unit + node.name)) % 400
        from simnet.services.tcpserve import ServiceSocket

        # bound by start(), closed by stop(): a stopped daemon holds no port
        self.sockets = [ServiceSocket(node, port, self, self.process, self.pid, self.backlog, stack=self.stack)
                        for port in self.ports]

    def tcp_answer(self, pkt: IPv4Packet, request: Any, port: int) -> Any:
        return self.answer(pkt, request)

    def tcp_admits(self, pkt: IPv4Packet, port: int) -> bool:
        return self.running

    def start(self) -> str | None:
        """Start (no-op when running); returns an error text when it cannot (a program holds its port:
        sshd's "Bind to port 22 on 0.0.0.0 failed", pveproxy's "unable to create socket")."""
        if not self.running:
            try:
                for sock in self.sockets:
                    sock.bind()
            except OSError:
                for sock in self.sockets:
                    sock.unbind()
                self.failed, self.started_at = True, self.node.sim.now
                return "Address already in use"
            self.running, self.failed = True, False
            self.started_at = self.node.sim.now
        return None

    def stop(self) -> None:
        self.running = False
        for sock in self.sockets:
            sock.unbind()

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        """The rows ``ss -tlnp`` shows: (proto, address, port, process, pid)."""
        if not self.running:
            return []
        rows = []
        for port in self.ports:
            rows += [("tcp", "0.0.0.0", port, self.process, self.pid), ("tcp", "[::]", port, self.process, self.pid)]
        return rows

    def answer(self, pkt: IPv4Packet, request: Any) -> Any:  # pragma: no cover - overridden
        return None

    def cgroup(self) -> list[str]:
        return [f"\u2514\u2500{self.pid} {self.cmdline}"]


class Sshd(TcpDaemon):
    """OpenSSH 9.2 on Debian 12 (unit ssh.service, alias sshd.service)."""

    unit = "ssh"
    aliases = ("sshd",)
    description = "OpenBSD Secure Shell server"
    process = "sshd"
    ports = (22,)
    backlog = 128
    docs = "man:sshd(8)\n             man:sshd_config(5)"
    cmdline = '"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"'
    version = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6"

    def __init__(self, node: "Node", spec: dict[str, Any] | None = None) -> None:
        super().__init__(node, spec)
        self.pid = 512
        self.users = {"root"} | {str(u) for u in (self.spec.get("users") or [])}
        from simnet.commands.ssh_hostkey import host_key_line

        # the host key openssh-server generated at installation (the client checks it, see ssh_hostkey)
        node.files.setdefault("/etc/ssh/ssh_host_ed25519_key.pub", f"{host_key_line(node.name)} root@{node.name}\n")

    def answer(self, pkt: IPv4Packet, request: Any) -> Any:
        if not isinstance(request, SshHello):        # not SSH: sshd closes after its banner
            return SshBanner(self.version, self.node.name, False)
        return SshBanner(self.version, self.node.name, request.user in self.users)


class Pveproxy(TcpDaemon):
    """Proxmox VE's API and web interface: HTTPS on 8006 with the node's own certificate,
    signed by the cluster's CA that no browser or curl trusts."""

    unit = "pveproxy"
    description = "PVE API Proxy Server"
    process = "pveproxy"
    ports = (8006,)
    stack = "dual"              # one [::] socket for both families (ss: *:8006)
    docs = ""

    def __init__(self, node: "Node", spec: dict[str, Any] | None = None) -> None:
        super().__init__(node, spec)
        self.certificate = self._certificate()
        node.files.setdefault(PVE_CERT, "-----BEGIN CERTIFICATE-----\n(pve-ssl.pem, signiert von der Cluster-CA "
                                        "/etc/pve/pve-root-ca.pem)\n-----END CERTIFICATE-----\n")

    def _certificate(self) -> Certificate:
        node = self.node
        epoch = node.lab.epoch
        addrs = [str(a.interface.ip) for i in node.interfaces.values() if not i.is_loopback for a in i.addresses]
        names = (f"{node.hostname}.lan", node.hostname, "localhost", "127.0.0.1", *addrs)
        installed = epoch - 400 * 86400          # installed a while ago; pve-ssl.pem is valid for two years
        return Certificate(names, installed, installed + 2 * 365 * 86400, "5e1d0c2a9b7f",
                           issuer="CN=Proxmox Virtual Environment, OU=7c2f9d4e-1b3a-4f60-9e8d-2a5b6c7d8e9f, "
                                  "O=PVE Cluster Manager CA", trusted=False,
                           subject_text=f"OU=PVE Cluster Node; O=Proxmox Virtual Environment; "
                                        f"CN={node.hostname}.lan")

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        return [("tcp", "*", 8006, self.process, self.pid)] if self.running else []

    def cgroup(self) -> list[str]:
        return [f"\u251c\u2500{self.pid} pveproxy", f"\u251c\u2500{self.pid + 1} \"pveproxy worker\"",
                f"\u251c\u2500{self.pid + 2} \"pveproxy worker\"", f"\u2514\u2500{self.pid + 3} \"pveproxy worker\""]

    def answer(self, pkt: IPv4Packet, request: Any) -> Any:
        if not isinstance(request, HttpRequest):
            return HttpResponse(400, "Bad Request")
        # the certificate covers the addresses the node has now
        self.certificate = self._certificate()
        if not request.tls:                      # plain HTTP on the TLS port: pveproxy answers nothing useful
            return HttpResponse(501, "Not Implemented", _headers(self.node, "text/html;charset=UTF-8", 0), "",
                                h2=False)
        path = request.path.split("?", 1)[0]
        if path in ("/", ""):
            body = login_page(self.node.hostname)
            return HttpResponse(200, "OK", _headers(self.node, "text/html;charset=UTF-8", len(body.encode())),
                                body, self.certificate, h2=False)
        if path.startswith("/api2/json"):
            body = '{"data":null}'
            return HttpResponse(401, "No ticket", _headers(self.node, "application/json;charset=UTF-8",
                                                            len(body)), body, self.certificate, h2=False)
        return HttpResponse(501, "Not Implemented", _headers(self.node, "text/html;charset=UTF-8", 0), "",
                            self.certificate, h2=False)


def _headers(node: "Node", ctype: str, length: int) -> tuple[tuple[str, str], ...]:
    from datetime import datetime, timezone     # with the first answer, not with every lab (issue 20)

    epoch = node.lab.epoch
    now = datetime.fromtimestamp(epoch + node.sim.now, timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return (("Cache-Control", "max-age=0"), ("Connection", "close"), ("Date", now), ("Pragma", "no-cache"),
            ("Server", "pve-api-daemon/3.0"), ("Content-Length", str(length)), ("Content-Type", ctype),
            ("Expires", now))


def login_page(hostname: str) -> str:
    """The start page pveproxy sends before login (ExtJS does the rest in the browser)."""
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        '    <meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        '    <meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1, '
        'user-scalable=no">\n'
        f"    <title>{hostname} - Proxmox Virtual Environment</title>\n"
        '    <link rel="icon" sizes="128x128" href="/pve2/images/logo-128.png" />\n'
        '    <link rel="stylesheet" type="text/css" href="/pve2/ext6/theme-crisp/resources/theme-crisp-all.css'
        '?ver=7.0.0" />\n'
        f'    <link rel="stylesheet" type="text/css" href="/pve2/css/ext6-pve.css?ver={PVE_VERSION}" />\n'
        "    <script type='text/javascript' src='/pve2/ext6/ext-all.js?ver=7.0.0'></script>\n"
        '    <script type="text/javascript">\n    Proxmox = {\n'
        "\tSetup: { auth_cookie_name: 'PVEAuthCookie' },\n\tdefaultLang: 'en',\n"
        f"\tNodeName: '{hostname}',\n\tUserName: '',\n\tCSRFPreventionToken: null,\n\tConsentText: '',\n"
        "    };\n    </script>\n"
        f'    <script type="text/javascript" src="/pve2/js/pvemanagerlib.js?ver={PVE_VERSION}"></script>\n'
        "  </head>\n  <body>\n    <!-- Fields required for history management -->\n"
        '    <form id="history-form" class="x-hidden">\n    <input type="hidden" id="x-history-field"/>\n'
        "    </form>\n  </body>\n</html>\n")


DAEMONS: dict[str, type[TcpDaemon]] = {"sshd": Sshd, "pveproxy": Pveproxy}


def install_daemons(node: "Node", spec: Any) -> None:
    """Create and start the daemons a lab file names for ``node`` (a list or a mapping)."""
    items = spec.items() if isinstance(spec, dict) else ((name, {}) for name in (spec or []))
    for name, options in items:
        cls = DAEMONS.get(str(name))
        if cls is None:
            continue
        daemon = cls(node, options if isinstance(options, dict) else {})
        node.services[cls.unit] = daemon
        daemon.start()


def daemons_of(node: "Node") -> list[TcpDaemon]:
    return [s for s in node.services.values() if isinstance(s, TcpDaemon)]


def daemon_for_unit(node: "Node", unit: str) -> TcpDaemon | None:
    """The daemon behind a systemd unit name (``ssh``, ``sshd``, ``pveproxy``) on this node."""
    for d in daemons_of(node):
        if unit == d.unit or unit in d.aliases:
            return d
    return None

