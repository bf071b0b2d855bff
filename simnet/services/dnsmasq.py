"""dnsmasq 2.90 as DHCP server (Debian 12's ``dnsmasq`` package).

Why dnsmasq and not isc-dhcp-server: one small package serves DHCP and DNS
together, the way most home routers do it (many run dnsmasq inside), and its
configuration is a handful of lines. The daemon listens on UDP 67 like the
real one (a normal socket, so the router's INPUT chain can block DHCP) and
answers the way rfc2131.c does:

* DISCOVER → OFFER: a reservation (``dhcp-host``), else the client's lease,
  else the requested address if free, else dnsmasq's own choice: the SDBM
  hash of the MAC picks a start in the range, and before offering a new
  address dnsmasq pings it (3 s without an answer means free);
* REQUEST → ACK (or NAK for a wrong address), RELEASE frees the lease;
* T1 = lease/2, T2 = lease·7/8; the lease file
  ``/var/lib/misc/dnsmasq.leases`` (``expiry MAC IP name client-id``).

Options in the order dnsmasq puts them into a reply: message type, server
id, lease time, T1, T2, netmask, broadcast, the defaults (router, DNS server,
domain) not configured, the client's host name (ACK), then the configured
``dhcp-option`` lines, last one first. Log lines go to the journal
(``dnsmasq-dhcp[PID]: DHCPOFFER(eth0) …``) or to ``log-facility``.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Any

from simnet.links.mac import MacAddress
from simnet.links.packet import ECHO_REPLY, ECHO_REQUEST, Icmp, IPv4Packet, Udp
from simnet.services.dhcp_wire import CLIENT_PORT, SERVER_PORT, DhcpMessage
from simnet.services.dnsmasq_conf import Config, DhcpRange, lease_text
from simnet.services.journal import log

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.node import Node

__all__ = ["Dnsmasq", "dnsmasq_of", "VERSION", "COMPILE_OPTIONS", "PING_WAIT"]

VERSION = "2.90"
COMPILE_OPTIONS = ("IPv6 GNU-getopt DBus no-UBus i18n IDN2 DHCP DHCPv6 no-Lua TFTP conntrack ipset nftset auth "
                   "cryptohash DNSSEC loop-detect inotify dumpfile")
PING_WAIT = 3.0              # dnsmasq waits this long for an echo reply before it offers a new address
ZERO = IPv4Address(0)


@dataclass
class Lease:
    """A DHCP lease dnsmasq handed out: MAC, address, host name and when it expires."""

    mac: MacAddress
    ip: IPv4Address
    hostname: str
    expires: float           # simulated time


def sdbm(mac: MacAddress) -> int:
    """address_allocate's hash of the hardware address."""
    j = 0
    for b in mac.value.to_bytes(6, "big"):
        j = (b + (j << 6) + (j << 16) - j) & 0xFFFFFFFF
    return j or 1


class Dnsmasq:
    """The running daemon on one node (``node.services["dnsmasq"]``)."""

    def __init__(self, node: "Node", conf: Config) -> None:
        self.node = node
        self.conf = conf
        self.pid = 700 + zlib.crc32(f"dnsmasq/{node.name}/{len(node.history)}".encode()) % 9000
        self.running = False
        self.started_at = 0.0
        self.leases: list[Lease] = []           # newest first, as dnsmasq keeps them
        self.dns: Any = None                    # simnet.services.dnsmasq_dns.DnsPart
        self._pinging: dict[IPv4Address, bool] = {}
        self._journey: Any = None               # the journey of the request being answered

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        return [(proto, addr, port, "dnsmasq", self.pid) for proto, addr, port, _fd in self.sockets()]

    def sockets(self) -> list[tuple[str, str, int, int]]:
        """(proto, address, port, fd) of each socket, in the order dnsmasq 2.90 opens them (checked
        with ss -ulnp/-tlnp): DHCP's UDP 67 first (fd 4, with a raw ICMP socket as fd 5 for its
        pings), then UDP and TCP ``port`` on the wildcard addresses, IPv4 and IPv6; with
        bind-interfaces one pair per IPv4 address of the interfaces, lo's 127.0.0.1 last, and the
        DHCP socket bound to the device when there is only one."""
        if not self.running:
            return []
        conf = self.conf
        out: list[tuple[str, str, int, int]] = []
        fd = 4
        if conf.ranges:
            one = conf.interfaces[0] if conf.bind_interfaces and len(conf.interfaces) == 1 else ""
            out.append(("udp", f"0.0.0.0%{one}" if one else "0.0.0.0", 67, fd))
            fd += 2
        if conf.port:
            for addr in self.dns_addresses():
                out += [("udp", addr, conf.port, fd), ("tcp", addr, conf.port, fd + 1)]
                fd += 2
        return out

    def dns_addresses(self) -> list[str]:
        """Where the DNS sockets are bound: the wildcards, or (bind-interfaces) the addresses."""
        if not self.conf.bind_interfaces:
            return ["0.0.0.0", "[::]"]
        names = self.conf.interfaces or [i for i in self.node.interfaces if i != "lo"]
        addrs = [str(a.ip) for n in names if n in self.node.interfaces
                 for a in self.node.interfaces[n].primary_addresses()]
        return addrs + (["127.0.0.1"] if "lo" not in names else [])

    def takes(self, dst: Any) -> bool:
        """Does a DNS socket take a packet for ``dst`` (bind-interfaces: only the bound addresses)?"""
        return not self.conf.bind_interfaces or str(dst) in self.dns_addresses()

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        node, conf = self.node, self.conf
        self.running = True
        self.started_at = node.sim.now
        self.log(f"started, version {VERSION} " + ("DNS disabled" if conf.port == 0 else "cachesize 150"), dhcp=False)
        self.log(f"compile time options: {COMPILE_OPTIONS}", dhcp=False)
        for r in conf.ranges:
            self.log(f"DHCP, IP range {r.start} -- {r.end}, lease time {lease_text(r.lease)}")
        if conf.port:
            from simnet.services.dnsmasq_dns import DnsPart

            self.dns = DnsPart(self)
            self.dns.start()
        if conf.ranges:
            handler = self.on_dhcp
            node.stack.sockets[("udp", SERVER_PORT)] = handler
        self._read_leases()

    def stop(self, signal: str = "SIGTERM") -> None:
        if not self.running:
            return
        self.running = False
        if self.node.stack.sockets.get(("udp", SERVER_PORT)) == self.on_dhcp:
            del self.node.stack.sockets[("udp", SERVER_PORT)]
        if self.dns is not None:
            self.dns.stop()
        self.log(f"exiting on receipt of {signal}", dhcp=False)

    # ---------------------------------------------------------------- logs
    def log(self, text: str, dhcp: bool = True) -> None:
        ident = f"dnsmasq{'-dhcp' if dhcp else ''}[{self.pid}]"
        node = self.node
        if self.conf.logfile:
            stamp = datetime.fromtimestamp(node.wallclock(), timezone.utc)
            line = f"{stamp.strftime('%b')} {stamp.day:2d} {stamp.strftime('%H:%M:%S')} {ident}: {text}\n"
            node.files[self.conf.logfile] = node.files.get(self.conf.logfile, "") + line
        else:
            log(node, "dnsmasq", text, ident=ident)

    # --------------------------------------------------------------- leases
    def _epoch(self) -> float:
        return self.node.wallclock() - self.node.sim.now

    def _read_leases(self) -> None:
        """The lease file survives a restart: dnsmasq reads it back at start."""
        offset = self._epoch()
        for line in self.node.files.get(self.conf.leasefile, "").splitlines():
            f = line.split()
            try:
                lease = Lease(MacAddress.parse(f[1]), IPv4Address(f[2]), f[3] if f[3] != "*" else "",
                              float(f[0]) - offset)
            except (IndexError, ValueError):
                continue
            if lease.expires > self.node.sim.now:
                self.leases.append(lease)

    def _write_leases(self) -> None:
        now = self.node.sim.now
        self.leases = [le for le in self.leases if le.expires > now]
        offset = self._epoch()
        self.node.files[self.conf.leasefile] = "".join(
            f"{int(le.expires + offset)} {le.mac} {le.ip} {le.hostname or '*'} *\n" for le in self.leases)

    def lease_of(self, mac: MacAddress) -> Lease | None:
        now = self.node.sim.now
        return next((le for le in self.leases if le.mac == mac and le.expires > now), None)

    def _holder(self, ip: IPv4Address) -> Lease | None:
        now = self.node.sim.now
        return next((le for le in self.leases if le.ip == ip and le.expires > now), None)

    # ------------------------------------------------------------ contexts
    def _context(self, iface: "Interface") -> tuple[DhcpRange, IPv4Address, IPv4Network] | None:
        """The dhcp-range served on ``iface``: one inside a network of the interface's addresses."""
        if self.conf.interfaces and iface.name not in self.conf.interfaces:
            return None
        for a in iface.primary_addresses():
            for r in self.conf.ranges:
                if r.start in a.network and r.end in a.network:
                    return r, a.ip, a.network
        return None

    def _reservation(self, mac: MacAddress):
        return next((h for h in self.conf.hosts if h.mac == mac), None)

    def _free(self, ip: IPv4Address, mac: MacAddress, server: IPv4Address) -> bool:
        holder = self._holder(ip)
        if ip == server or (holder is not None and holder.mac != mac):
            return False
        if any(h.ip == ip and h.mac != mac for h in self.conf.hosts):
            return False
        return (int(ip) & 0xFF) not in (0, 255)

    # ------------------------------------------------------------- packets
    def on_dhcp(self, pkt: IPv4Packet, kind: str, iface: "Interface | None" = None) -> None:
        msg = pkt.payload.content if isinstance(pkt.payload, Udp) else None
        if kind != "data" or not self.running or iface is None or not isinstance(msg, DhcpMessage) or msg.op != 1:
            return
        ctx = self._context(iface)
        if ctx is None:
            return
        dev, mac = iface.name, msg.chaddr
        self._journey = pkt.journey
        host = self._reservation(mac)
        if msg.msgtype == 1:                                    # DISCOVER
            if host is not None and host.ignore:
                self.log(f"DHCPDISCOVER({dev}) {mac} ignored")
                return
            self._discover(pkt, msg, iface, ctx, host)
        elif msg.msgtype == 3:                                  # REQUEST
            self._request(pkt, msg, iface, ctx, host)
        elif msg.msgtype == 7:                                  # RELEASE
            ip = msg.ciaddr
            lease = self.lease_of(mac)
            self.log(f"DHCPRELEASE({dev}) {ip} {mac} " + ("" if lease is not None and lease.ip == ip
                                                           else "unknown lease"))
            if lease is not None and lease.ip == ip:
                self.leases.remove(lease)
                self._write_leases()

    def _discover(self, pkt: IPv4Packet, msg: DhcpMessage, iface: "Interface", ctx, host) -> None:
        rng, server, net = ctx
        mac = msg.chaddr
        lease = self.lease_of(mac)
        wanted = msg.option(50)
        if host is not None and host.ip is not None:
            self._offer(msg, iface, ctx, host.ip, host)
        elif lease is not None:
            self._offer(msg, iface, ctx, lease.ip, host)
        elif wanted is not None and rng.contains(wanted) and self._free(wanted, mac, server):
            self._offer(msg, iface, ctx, wanted, host)
        else:
            self._allocate(msg, iface, ctx, host, sdbm(mac), 0)

    def _allocate(self, msg: DhcpMessage, iface: "Interface", ctx, host, j: int, epoch: int) -> None:
        """address_allocate: from the hash's start, the first free address that does not answer a ping."""
        rng, server, _ = ctx
        size = int(rng.end) - int(rng.start) + 1
        start = int(rng.start) + (j + epoch) % size
        for k in range(size):
            ip = IPv4Address(int(rng.start) + (start - int(rng.start) + k) % size)
            if self._free(ip, msg.chaddr, server) and ip not in self._pinging:
                self._ping(ip, msg, iface, ctx, host, j, epoch)
                return
        self.log(f"DHCPDISCOVER({iface.name}) {msg.chaddr} no address available")

    def _ping(self, ip: IPv4Address, msg: DhcpMessage, iface: "Interface", ctx, host, j: int, epoch: int) -> None:
        """do_icmp_ping: an echo request to the candidate; an answer means someone uses it."""
        node = self.node
        ident = 0x4000 + j % 0x4000
        self._pinging[ip] = False

        def on_reply(reply: IPv4Packet, kind: str) -> None:
            p = reply.payload
            if kind == "data" and isinstance(p, Icmp) and p.type == ECHO_REPLY and reply.src == ip:
                self._pinging[ip] = True

        node.stack.sockets[("icmp", ident)] = on_reply
        journey = self._journey
        from simnet.kernel.stack import SendError

        try:
            node.stack.send(IPv4Packet(ctx[1], ip, Icmp(ECHO_REQUEST, 0, ident, 0, 0)))
        except SendError:
            pass

        def decide() -> None:
            node.stack.sockets.pop(("icmp", ident), None)
            used = self._pinging.pop(ip, False)
            if not self.running:
                return
            self._journey = journey
            if used:
                self._allocate(msg, iface, ctx, host, j, epoch + 1)
            else:
                self._offer(msg, iface, ctx, ip, host)
        node.sim.schedule(PING_WAIT, decide)

    def _offer(self, msg: DhcpMessage, iface: "Interface", ctx, ip: IPv4Address, host) -> None:
        self.log(f"DHCPDISCOVER({iface.name}) {msg.chaddr} ")
        self.log(f"DHCPOFFER({iface.name}) {ip} {msg.chaddr} ")
        self._reply(msg, iface, ctx, ip, 2, host)

    def _request(self, pkt: IPv4Packet, msg: DhcpMessage, iface: "Interface", ctx, host) -> None:
        rng, server, net = ctx
        mac, dev = msg.chaddr, iface.name
        chosen = msg.option(54)
        if chosen is not None and chosen != server:
            return                        # the client took another server's offer
        ip = msg.option(50) or msg.ciaddr
        self.log(f"DHCPREQUEST({dev}) {ip} {mac} ")
        problem = None
        if ip not in net:
            problem = "wrong network"
        elif host is not None and host.ip is not None and host.ip != ip:
            problem = "static lease available"
        elif not self._free(ip, mac, server) or (not rng.contains(ip) and (host is None or host.ip != ip)):
            problem = "address not available"
        if problem is not None:
            self.log(f"DHCPNAK({dev}) {ip} {mac} {problem}")
            self._reply(msg, iface, ctx, ip, 6, host)
            return
        lease_time = host.lease if host is not None and host.lease else rng.lease
        name = (host.name if host is not None and host.name else None) or msg.option(12) or ""
        old = self.lease_of(mac)
        if old is not None:
            self.leases.remove(old)
        holder = self._holder(ip)
        if holder is not None:
            self.leases.remove(holder)
        self.leases.insert(0, Lease(mac, ip, name, self.node.sim.now + lease_time))
        self._write_leases()
        self.log(f"DHCPACK({dev}) {ip} {mac} {name}")
        self._reply(msg, iface, ctx, ip, 5, host, name)
        if self.dns is not None:
            self.dns.forget()

    def _reply(self, msg: DhcpMessage, iface: "Interface", ctx, ip: IPv4Address, msgtype: int, host,
               name: str = "") -> None:
        rng, server, net = ctx
        conf = self.conf
        if msgtype == 6:
            options: list[tuple[int, Any]] = [(53, 6), (54, server)]
            reply = DhcpMessage(2, msg.xid, msg.chaddr, 6, tuple(options))
        else:
            lease = host.lease if host is not None and host.lease else rng.lease
            options = [(53, msgtype), (54, server), (51, lease), (58, lease // 2), (59, lease * 7 // 8),
                       (1, net.netmask), (28, net.broadcast_address)]
            if 3 not in conf.options:
                options.append((3, server))
            if 6 not in conf.options and conf.port:
                options.append((6, server))
            if 15 not in conf.options and conf.domain:
                options.append((15, conf.domain))
            if msgtype == 5 and name:
                options.append((12, name))
            for code in reversed(list(conf.options)):
                values = conf.options[code]
                if code in (12, 15):
                    options.append((code, values[0] if values else ""))
                else:
                    options.append((code, tuple(IPv4Address(v) for v in values if v)))
            reply = DhcpMessage(2, msg.xid, msg.chaddr, msgtype, tuple(options), yiaddr=ip, siaddr=server)
        udp = Udp(SERVER_PORT, CLIENT_PORT, reply_length(reply), reply)
        node = self.node
        if msg.ciaddr != ZERO:
            dst = msg.ciaddr
        elif msgtype == 6:
            dst = IPv4Address("255.255.255.255")
        else:
            # no address yet: dnsmasq writes the client's MAC into the ARP table (SIOCSARP)
            dst = ip
            node.neigh.learn(iface.name, ip, msg.chaddr, solicited=False)
        from simnet.kernel.stack import SendError

        journey = self._journey
        if journey is not None:
            journey.step(node.name, "dhcp", reply.kind.lower(), address=ip, mac=msg.chaddr, dev=iface.name)
            journey.leg = "back"
        try:
            node.stack.send(IPv4Packet(server, dst, udp, tos=0xC0, journey=journey), oif=iface.name,
                            pmtudisc="dont")
        except SendError:
            pass


Dnsmasq.on_dhcp.pktinfo = True          # type: ignore[attr-defined]  # it needs the receiving device


def reply_length(msg: DhcpMessage) -> int:
    """The BOOTP size: 236 fixed bytes, the magic cookie, the options and the end mark, at least 300."""
    size = 241
    for code, value in msg.options:
        if code == 55:
            size += 2 + len(value)
        elif code in (12, 15):
            size += 2 + len(str(value))
        elif code == 53:
            size += 3
        elif isinstance(value, tuple):
            size += 2 + 4 * len(value)
        else:
            size += 6
    return max(size, 300)


def dnsmasq_of(node: "Node") -> Dnsmasq | None:
    svc = node.services.get("dnsmasq")
    return svc if isinstance(svc, Dnsmasq) and svc.running else None
