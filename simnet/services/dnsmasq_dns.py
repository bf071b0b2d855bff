"""dnsmasq's DNS half: answers from its own data, forwards the rest (see :class:`DnsPart`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simnet.services.dnsmasq import Dnsmasq

__all__ = ["DnsPart"]


class DnsPart:
    """The DNS server inside a running dnsmasq."""

    def __init__(self, daemon: "Dnsmasq") -> None:
        self.daemon = daemon
        self.node = daemon.node
        self.conf = daemon.conf

    def start(self) -> None:
        conf, node = self.conf, self.node
        if not conf.no_resolv:
            self.daemon.log(f"reading {conf.resolv_file}", dhcp=False)
            for domain, ip in conf.servers:
                self.daemon.log(f"using nameserver {ip}#53" + (f" for domain {domain}" if domain else ""),
                                dhcp=False)
            for ip in self.upstreams_from_resolv():
                self.daemon.log(f"using nameserver {ip}#53", dhcp=False)
        else:
            for domain, ip in conf.servers:
                self.daemon.log(f"using nameserver {ip}#53" + (f" for domain {domain}" if domain else ""),
                                dhcp=False)
        if not conf.no_hosts:
            self.daemon.log(f"read /etc/hosts - {len(self.hosts_names())} names", dhcp=False)

    def upstreams_from_resolv(self) -> list[str]:
        out = []
        for line in self.node.files.get(self.conf.resolv_file, "").splitlines():
            f = line.split("#", 1)[0].split()
            if len(f) >= 2 and f[0] == "nameserver" and not f[1].startswith("127."):
                out.append(f[1])
        return out

    def hosts_names(self) -> list[tuple[str, str]]:
        """(name, address) of /etc/hosts, every name of a line (dnsmasq counts them all)."""
        out = []
        for line in self.node.files.get("/etc/hosts", "").splitlines():
            f = line.split("#", 1)[0].split()
            out += [(n.lower(), f[0]) for n in f[1:]]
        return out

    def stop(self) -> None:
        pass

    def forget(self) -> None:
        pass

    def reload(self) -> None:
        pass
