"""dnsmasq's configuration (2.90, Debian 12): /etc/dnsmasq.conf and /etc/dnsmasq.d.

One option per line, ``name=value`` or ``name``, ``#`` starts a comment: the
long options of ``dnsmasq --help``. Errors read as dnsmasq's own (option.c):
``bad option at line N of FILE``, ``bad dhcp-range at line N of FILE``,
``missing parameter at line N of FILE``. The options simnet knows drive its
DHCP server (:mod:`simnet.services.dnsmasq`) and its DNS part
(:mod:`simnet.services.dnsmasq_dns`); the rest are accepted and ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from simnet.core.errors import ConfigError
from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["Config", "DhcpRange", "DhcpHost", "ConfError", "parse", "load", "lease_text", "DEFAULT_LEASE"]

DEFAULT_LEASE = 3600
MIN_LEASE = 120
# dhcp-option names (dnsmasq --help dhcp) -> option codes
OPTION_CODES = {"netmask": 1, "time-offset": 2, "router": 3, "dns-server": 6, "hostname": 12, "domain-name": 15,
                "broadcast": 28, "ntp-server": 42, "domain-search": 119, "mtu": 26}
# options simnet accepts without modelling them (they change nothing a lab can observe)
IGNORED = {"bind-interfaces", "bind-dynamic", "log-dhcp", "log-queries", "domain-needed", "bogus-priv",
           "strict-order", "no-negcache", "dhcp-rapid-commit", "keep-in-foreground", "no-daemon", "user", "group",
           "pid-file", "conf-file", "dhcp-script", "listen-address", "except-interface", "no-dhcp-interface",
           "dnssec", "trust-anchor", "cache-size", "neg-ttl", "max-ttl", "dns-forward-max", "all-servers",
           "enable-ra", "quiet-dhcp", "localise-queries", "filterwin2k", "stop-dns-rebind", "rebind-localhost-ok",
           "selfmx", "localmx", "dhcp-sequential-ip", "log-async", "clear-on-reload"}
KNOWN = {"interface", "dhcp-range", "dhcp-host", "dhcp-option", "dhcp-authoritative", "dhcp-leasefile",
         "log-facility", "port", "domain", "address", "host-record", "server", "cname", "mx-host", "ptr-record",
         "no-resolv", "no-hosts", "addn-hosts", "expand-hosts", "local", "local-ttl", "conf-dir", "resolv-file",
         "txt-record"} | IGNORED
NO_ARG = {"dhcp-authoritative", "no-resolv", "no-hosts", "expand-hosts", "bind-interfaces", "bind-dynamic",
          "log-dhcp", "log-queries", "domain-needed", "bogus-priv", "strict-order", "no-negcache",
          "keep-in-foreground", "no-daemon", "dhcp-rapid-commit", "all-servers", "enable-ra", "quiet-dhcp",
          "localise-queries", "filterwin2k", "stop-dns-rebind", "rebind-localhost-ok", "selfmx", "localmx",
          "dhcp-sequential-ip", "log-async", "clear-on-reload", "dnssec"}


class ConfError(ConfigError):
    """A line dnsmasq refuses; ``str()`` is its message without the ``dnsmasq: `` prefix."""


@dataclass
class DhcpRange:
    """A dhcp-range line: the addresses to hand out, the netmask and the lease time."""

    start: IPv4Address
    end: IPv4Address
    netmask: IPv4Address | None
    lease: int

    def network(self, iface_net: IPv4Network | None) -> IPv4Network:
        if self.netmask is not None:
            return IPv4Network(f"{self.start}/{self.netmask}", strict=False)
        return iface_net or IPv4Network(f"{self.start}/24", strict=False)

    def contains(self, ip: IPv4Address) -> bool:
        return self.start <= ip <= self.end


@dataclass
class DhcpHost:
    """A reservation: ``dhcp-host=MAC,IP,NAME,LEASE`` (any of them may be left out) or ``…,ignore``."""

    mac: MacAddress | None
    ip: IPv4Address | None = None
    name: str | None = None
    lease: int | None = None
    ignore: bool = False


@dataclass
class Config:
    """dnsmasq's configuration as read from its files: interfaces, ranges, hosts, options."""

    interfaces: list[str] = field(default_factory=list)
    ranges: list[DhcpRange] = field(default_factory=list)
    hosts: list[DhcpHost] = field(default_factory=list)
    options: dict[int, list[str]] = field(default_factory=dict)
    authoritative: bool = False
    leasefile: str = "/var/lib/misc/dnsmasq.leases"
    logfile: str | None = None
    port: int = 53
    domain: str | None = None
    # DNS (simnet.services.dnsmasq_dns)
    addresses: list[tuple[str, str]] = field(default_factory=list)       # address=/name/ip
    host_records: list[tuple[list[str], list[str], int | None]] = field(default_factory=list)
    servers: list[tuple[str, str]] = field(default_factory=list)         # (domain or "", ip)
    cnames: list[tuple[list[str], str]] = field(default_factory=list)
    mx: list[tuple[str, str, int]] = field(default_factory=list)
    ptrs: list[tuple[str, str]] = field(default_factory=list)
    txt: list[tuple[str, str]] = field(default_factory=list)
    locals: list[str] = field(default_factory=list)                     # local=/lan/
    no_resolv: bool = False
    no_hosts: bool = False
    addn_hosts: list[str] = field(default_factory=list)
    expand_hosts: bool = False
    local_ttl: int = 0
    resolv_file: str = "/etc/resolv.conf"
    log_queries: bool = False
    bind_interfaces: bool = False          # sockets per address instead of the wildcard (ss shows them)


def _lease_time(text: str) -> int | None:
    if text == "infinite":
        return 0xFFFFFFFF
    m = re.fullmatch(r"(\d+)([smhdw]?)", text)
    if not m:
        return None
    value = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    return max(value, MIN_LEASE)


def lease_text(seconds: int) -> str:
    """How dnsmasq logs a lease time (``lease time 12h``, ``2m``, ``1h30m``)."""
    if seconds == 0xFFFFFFFF:
        return "infinite"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out + (f"{seconds}s" if seconds or not out else "")


def _ip(text: str) -> IPv4Address | None:
    try:
        return IPv4Address(text.strip())
    except ValueError:
        return None


def _range(value: str) -> DhcpRange:
    parts = [p.strip() for p in value.split(",")]
    while parts and (parts[0].startswith(("set:", "tag:")) or (parts[0] and _ip(parts[0]) is None
                                                               and not parts[0][0].isdigit())):
        parts.pop(0)                          # tags and interface names in front
    if len(parts) < 2:
        raise ConfError("bad dhcp-range")
    start, end = _ip(parts[0]), _ip(parts[1])
    if start is None or end is None:
        raise ConfError("bad dhcp-range")
    rest = parts[2:]
    netmask = None
    if rest and _ip(rest[0]) is not None:
        netmask = _ip(rest.pop(0))
    lease = DEFAULT_LEASE
    if rest:
        got = _lease_time(rest[0])
        if got is None:
            raise ConfError("bad dhcp-range")
        lease = got
    if end < start:
        start, end = end, start
    return DhcpRange(start, end, netmask, lease)


def _host(value: str) -> DhcpHost:
    host = DhcpHost(None)
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if re.fullmatch(r"([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}", part):
            host.mac = MacAddress.parse(part.lower())
        elif part == "ignore":
            host.ignore = True
        elif _ip(part) is not None:
            host.ip = _ip(part)
        elif re.fullmatch(r"\d+[smhdw]?|infinite", part):
            host.lease = _lease_time(part)
        else:
            host.name = part
    return host


def _option(value: str, conf: Config) -> None:
    parts = [p.strip() for p in value.split(",")]
    while parts and parts[0].startswith(("tag:", "set:")):
        parts.pop(0)
    if not parts:
        raise ConfError("bad dhcp-option")
    key = parts[0]
    if key.startswith("option:"):
        code = OPTION_CODES.get(key[7:])
    elif key.isdigit():
        code = int(key)
    else:
        code = None
    if code is None or code > 254:
        raise ConfError("bad dhcp-option")
    conf.options[code] = parts[1:]


def _names(value: str) -> tuple[list[str], str]:
    """``/a/b/ip`` of address= and server=."""
    if not value.startswith("/"):
        return [], value
    pieces = value.split("/")
    return [p for p in pieces[1:-1] if p], pieces[-1]


def parse(text: str, path: str, conf: Config | None = None) -> Config:
    """Parse one file into ``conf`` (a new Config when None); raises ConfError with dnsmasq's text."""
    conf = conf or Config()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        name, eq, value = line.partition("=")
        name, value = name.strip(), value.strip()
        where = f" at line {number} of {path}"
        if name not in KNOWN:
            raise ConfError("bad option" + where)
        if not eq and name not in NO_ARG:
            raise ConfError("missing parameter" + where)
        try:
            _apply(conf, name, value)
        except ConfError as exc:
            raise ConfError(str(exc) + where) from None
    return conf


def _apply(conf: Config, name: str, value: str) -> None:
    if name == "interface":
        conf.interfaces += [v.strip() for v in value.split(",") if v.strip()]
    elif name == "dhcp-range":
        conf.ranges.append(_range(value))
    elif name == "dhcp-host":
        conf.hosts.append(_host(value))
    elif name == "dhcp-option":
        _option(value, conf)
    elif name == "dhcp-authoritative":
        conf.authoritative = True
    elif name == "dhcp-leasefile":
        conf.leasefile = value
    elif name == "log-facility":
        conf.logfile = value if value.startswith("/") else None
    elif name == "port":
        if not value.isdigit():
            raise ConfError("bad port")
        conf.port = int(value)
    elif name == "domain":
        conf.domain = value.split(",")[0]
    elif name == "address":
        names, ip = _names(value)
        if ip and _ip(ip) is None and ip != "#" and ":" not in ip:
            raise ConfError("Bad address in --address")
        conf.addresses += [(n.lower(), ip) for n in names]
    elif name == "host-record":
        parts = [p.strip() for p in value.split(",") if p.strip()]
        ips = [p for p in parts if _ip(p) is not None or ":" in p]
        names = [p.lower() for p in parts if p not in ips and not p.isdigit()]
        ttl = next((int(p) for p in parts if p.isdigit()), None)
        if not names or not ips:
            raise ConfError("Bad host-record")
        conf.host_records.append((names, ips, ttl))
    elif name in ("server", "local"):
        domains, ip = _names(value)
        if name == "local" or not ip:
            conf.locals += [d.lower() for d in domains]
        else:
            ip = ip.split("#")[0]
            if _ip(ip) is None:
                raise ConfError("bad address")
            conf.servers += [(d.lower(), ip) for d in domains] if domains else [("", ip)]
    elif name == "cname":
        parts = [p.strip().lower() for p in value.split(",") if p.strip()]
        if len(parts) < 2:
            raise ConfError("bad CNAME")
        if parts[-1].isdigit():
            parts.pop()
        conf.cnames.append((parts[:-1], parts[-1]))
    elif name == "mx-host":
        parts = [p.strip() for p in value.split(",")]
        pref = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1
        conf.mx.append((parts[0].lower(), parts[1].lower() if len(parts) > 1 and parts[1] else "", pref))
    elif name == "ptr-record":
        parts = [p.strip() for p in value.split(",")]
        conf.ptrs.append((parts[0].lower(), parts[1].lower() if len(parts) > 1 else ""))
    elif name == "txt-record":
        parts = [p.strip() for p in value.split(",", 1)]
        conf.txt.append((parts[0].lower(), parts[1].strip('"') if len(parts) > 1 else ""))
    elif name == "no-resolv":
        conf.no_resolv = True
    elif name == "log-queries":
        conf.log_queries = True
    elif name in ("bind-interfaces", "bind-dynamic"):
        conf.bind_interfaces = True
    elif name == "no-hosts":
        conf.no_hosts = True
    elif name == "addn-hosts":
        conf.addn_hosts.append(value)
    elif name == "expand-hosts":
        conf.expand_hosts = True
    elif name == "local-ttl":
        conf.local_ttl = int(value) if value.isdigit() else 0
    elif name == "resolv-file":
        conf.resolv_file = value


def load(node: "Node", main: str = "/etc/dnsmasq.conf", with_dir: bool = False) -> Config:
    """Read the main file (and /etc/dnsmasq.d as Debian's unit passes it with ``-7``, and every
    ``conf-dir=``); raises ConfError (also for a missing main file: ``cannot read …``)."""
    try:
        text = node.read_file(main)
    except (FileNotFoundError, IsADirectoryError, OSError):
        raise ConfError(f"cannot read {main}: No such file or directory") from None
    conf = parse(text, main)
    dirs = ["/etc/dnsmasq.d"] if with_dir else []
    for line in text.splitlines():
        m = re.match(r"^\s*conf-dir=([^,#\s]+)", line)
        if m:
            dirs.append(m.group(1).rstrip("/"))
    for d in dirs:
        prefix = d.rstrip("/") + "/"
        for path in sorted(p for p in node.files if p.startswith(prefix) and "/" not in p[len(prefix):]):
            if path.endswith((".dpkg-dist", ".dpkg-old", ".dpkg-new", "~")) or path.rsplit("/", 1)[1].startswith("."):
                continue
            parse(node.files[path], path, conf)
    return conf
