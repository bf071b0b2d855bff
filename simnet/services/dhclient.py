"""ISC dhclient 4.4.3-P1, Debian 12's DHCP client (what ``ifup`` runs for ``inet dhcp``).

It sends and receives through an AF_PACKET socket (LPF): its DISCOVER leaves
as 0.0.0.0 → 255.255.255.255 before the interface has an address, and the
server's answer to the not yet configured address reaches it beside the IP
layer (so the client's own firewall does not stop DHCP, as on Linux). Once
bound, dhclient-script configures the address with the lease as lifetime
(``dynamic``, valid_lft counting down), the default route and
/etc/resolv.conf, and the daemon renews at T1 (unicast to the server), rebinds
at T2 (broadcast) and gives the address up when the lease expires.

dhclient randomises: the renewal time is T1·3/4 plus up to T1/4, the DISCOVER
interval starts at 3 s and grows by a random amount up to twice itself. Here
the "random" numbers come from a hash of the node, the interface and a counter:
different per machine, the same in every run.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Any, Callable

from simnet.links.mac import BROADCAST
from simnet.links.packet import IPv4Packet, Udp
from simnet.services.dhcp_wire import CLIENT_PORT, PRL, SERVER_PORT, DhcpMessage
from simnet.services.journal import log
from simnet.trace import Journey

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.node import Node

__all__ = ["Client", "client_of", "TIMEOUT", "BANNER"]

TIMEOUT = 60.0                  # dhclient.conf's timeout: give up on DISCOVER after a minute
BACKOFF_CUTOFF = 15
ZERO = IPv4Address(0)
LIMITED = IPv4Address("255.255.255.255")
BANNER = ("Internet Systems Consortium DHCP Client 4.4.3-P1\nCopyright 2004-2022 Internet Systems Consortium.\n"
          "All rights reserved.\nFor info, please visit https://www.isc.org/software/dhcp/\n")
# the order dhclient writes the options of a lease (its option hash table)
LEASE_OPTIONS = ((1, "subnet-mask"), (51, "dhcp-lease-time"), (3, "routers"), (53, "dhcp-message-type"),
                 (54, "dhcp-server-identifier"), (6, "domain-name-servers"), (58, "dhcp-renewal-time"),
                 (59, "dhcp-rebinding-time"), (28, "broadcast-address"), (12, "host-name"), (15, "domain-name"))


@dataclass
class Bound:
    """The lease dhclient holds."""

    ip: IPv4Address
    server: IPv4Address
    options: dict[int, Any]
    start: float
    renew: float                 # absolute simulated times
    rebind: float
    expire: float

    @property
    def network(self) -> IPv4Network:
        return IPv4Network(f"{self.ip}/{self.options.get(1, '255.255.255.0')}", strict=False)


class Client:
    """One dhclient process for one interface."""

    def __init__(self, node: "Node", dev: str, leasefile: str, say: Callable[[str], None]) -> None:
        self.node = node
        self.dev = dev
        self.leasefile = leasefile
        self.say = say                           # -v lines while in the foreground, the journal later
        self.pid = 900 + zlib.crc32(f"dhclient/{node.name}/{dev}/{node.sim.now}".encode()) % 9000
        self.xid = zlib.crc32(f"xid/{node.name}/{dev}/{node.sim.now}".encode())
        self.state = "INIT"
        self.lease: Bound | None = None
        self.offer: DhcpMessage | None = None
        self.running = False
        self.journeys: list[Journey] = []
        self._draws = 0
        self._timers: list[Any] = []
        self._first_sending = 0.0
        self._interval = 0

    # ------------------------------------------------------------ helpers
    def _random(self, modulo: int) -> int:
        self._draws += 1
        return zlib.crc32(f"{self.node.name}/{self.dev}/{self._draws}".encode()) % max(1, modulo)

    @property
    def iface(self) -> "Interface | None":
        return self.node.interfaces.get(self.dev)

    def _later(self, delay: float, fn: Callable[..., None], *args: Any) -> None:
        self._timers.append(self.node.sim.schedule(delay, fn, *args))

    def _cancel(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers.clear()

    def _message(self, msgtype: int, extra: tuple = (), ciaddr: IPv4Address = ZERO) -> DhcpMessage:
        iface = self.iface
        assert iface is not None
        opts: tuple = ((53, msgtype),) + extra
        if msgtype != 7:
            opts += ((12, self.node.hostname), (55, PRL))
        return DhcpMessage(1, self.xid, iface.mac, msgtype, opts, ciaddr=ciaddr)

    def _unanswered(self) -> None:
        """The earlier broadcasts got no answer: their journeys end here, and the trace says so."""
        from simnet.trace import Disposition

        for j in self.journeys:
            if j.disposition is None:
                j.finish(Disposition.NOT_ANSWERED, self.node.name, broadcast=True,
                         reason="kein DHCPOFFER, kein DHCPACK")

    def _broadcast(self, msg: DhcpMessage, flow: str) -> None:
        iface = self.iface
        if iface is None or not iface.oper_up:
            return
        self._unanswered()
        journey = Journey(flow)
        self.journeys.append(journey)
        pkt = IPv4Packet(ZERO, LIMITED, Udp(CLIENT_PORT, SERVER_PORT, 300, msg), ttl=128, tos=0x10,
                         dont_fragment=False, journey=journey)
        self.node.stack.emit_raw(iface, BROADCAST, pkt)

    def _unicast(self, msg: DhcpMessage, src: IPv4Address, dst: IPv4Address, flow: str) -> None:
        """The fallback socket: a normal UDP socket from the leased address (renewal, release)."""
        from simnet.kernel.stack import SendError

        journey = Journey(flow)
        self.journeys.append(journey)
        try:
            self.node.stack.send(IPv4Packet(src, dst, Udp(CLIENT_PORT, SERVER_PORT, 300, msg), tos=0x10,
                                            journey=journey))
        except SendError:
            pass

    # ------------------------------------------------------------ states
    def start(self, reboot_ip: IPv4Address | None) -> None:
        self.running = True
        self.node.stack.packet_sockets[self.dev] = self.on_frame
        if reboot_ip is not None:
            self.state = "REBOOTING"
            self.say(f"DHCPREQUEST for {reboot_ip} on {self.dev} to 255.255.255.255 port 67")
            self._broadcast(self._message(3, ((50, reboot_ip),)), f"DHCPREQUEST {reboot_ip}")
            self._later(3.0, self._reboot_timeout)
            return
        self._init()

    def _reboot_timeout(self) -> None:
        if self.state == "REBOOTING":
            self._init()

    def _init(self) -> None:
        self.state = "SELECTING"
        self.xid = (self.xid * 1103515245 + 12345) & 0xFFFFFFFF
        self._first_sending = self.node.sim.now
        self._interval = 0
        self._discover()

    def _discover(self) -> None:
        if self.state != "SELECTING":
            return
        now = self.node.sim.now
        if now >= self._first_sending + TIMEOUT:
            self._unanswered()
            self.say("No DHCPOFFERS received.")
            self.state = "FAILED"
            return
        if not self._interval:
            # initial_interval is 3 s, but the real client's first interval came out 7 or 8 s
            # (and 3 s without a server) in every recording: a random share on top
            self._interval = 4 + self._random(5)
        else:
            self._interval += self._random(2 * self._interval)
            if self._interval > BACKOFF_CUTOFF:
                self._interval = BACKOFF_CUTOFF // 2 + self._random(BACKOFF_CUTOFF)
        if now + self._interval > self._first_sending + TIMEOUT:
            self._interval = int(self._first_sending + TIMEOUT - now) + 1
        self.say(f"DHCPDISCOVER on {self.dev} to 255.255.255.255 port 67 interval {self._interval}")
        self._broadcast(self._message(1), "DHCPDISCOVER")
        self._later(float(self._interval), self._discover)

    def on_frame(self, pkt: Any, iface: "Interface") -> bool:
        p = getattr(pkt, "payload", None)
        if not isinstance(p, Udp) or p.dport != CLIENT_PORT or not isinstance(p.content, DhcpMessage):
            return False
        msg = p.content
        if msg.op != 2 or msg.chaddr != iface.mac:
            return False
        if not self.running or msg.xid != self.xid:
            return True
        if pkt.journey is not None:
            from simnet.trace import Disposition

            pkt.journey.finish(Disposition.DELIVERED, self.node.name)
        server = msg.option(54) or pkt.src
        if msg.msgtype == 2 and self.state == "SELECTING":
            self._cancel()
            self.say(f"DHCPOFFER of {msg.yiaddr} from {server}")
            self.offer = msg
            self.state = "REQUESTING"
            self.say(f"DHCPREQUEST for {msg.yiaddr} on {self.dev} to 255.255.255.255 port 67")
            self._broadcast(self._message(3, ((54, server), (50, msg.yiaddr))), f"DHCPREQUEST {msg.yiaddr}")
            self._later(5.0, self._request_timeout)
        elif msg.msgtype == 5 and self.state in ("REQUESTING", "REBOOTING", "RENEWING", "REBINDING"):
            self._cancel()
            self.say(f"DHCPACK of {msg.yiaddr} from {server}")
            self._bind(msg, server)
        elif msg.msgtype == 6 and self.state in ("REQUESTING", "REBOOTING", "RENEWING", "REBINDING"):
            self._cancel()
            self.say(f"DHCPNAK from {server}")
            if self.lease is not None:
                self._unconfigure()
                self.lease = None
            self._init()
        return True

    def _request_timeout(self) -> None:
        if self.state == "REQUESTING":
            self._init()

    def _bind(self, msg: DhcpMessage, server: IPv4Address) -> None:
        now = self.node.sim.now
        options = {c: v for c, v in msg.options}
        lease_time = int(options.get(51, 3600))
        t1 = int(options.get(58, lease_time // 2 + 1))
        t2 = int(options.get(59, lease_time * 7 // 8))
        renewal = ((t1 * 3) + 3) // 4 + ((self._random(t1) + 3) // 4)
        renewing = self.state in ("RENEWING", "REBINDING") and self.lease is not None and self.lease.ip == msg.yiaddr
        self.lease = Bound(msg.yiaddr, server, options, now, now + renewal, now + t2, now + lease_time)
        self.state = "BOUND"
        self._configure(renewing)
        self._write_lease(self.lease)
        self.say(f"bound to {msg.yiaddr} -- renewal in {renewal} seconds.")
        self._later(float(renewal), self._renew)

    def _renew(self) -> None:
        lease = self.lease
        if lease is None or not self.running:
            return
        self.state = "RENEWING"
        self.xid = (self.xid * 1103515245 + 12345) & 0xFFFFFFFF
        self.say(f"DHCPREQUEST for {lease.ip} on {self.dev} to {lease.server} port 67")
        self._unicast(self._message(3, ciaddr=lease.ip), lease.ip, lease.server, f"DHCPREQUEST {lease.ip} (Verlängerung)")
        now = self.node.sim.now
        retry = max(1.0, min((lease.rebind - now) / 2, 600.0))
        if now + retry < lease.rebind:
            self._later(retry, self._renew)
        else:
            self._later(max(0.0, lease.rebind - now), self._rebind)

    def _rebind(self) -> None:
        lease = self.lease
        if lease is None or not self.running:
            return
        self.state = "REBINDING"
        self.say(f"DHCPREQUEST for {lease.ip} on {self.dev} to 255.255.255.255 port 67")
        msg = self._message(3, ciaddr=lease.ip)
        self._broadcast(msg, f"DHCPREQUEST {lease.ip} (Rebind)")
        now = self.node.sim.now
        retry = max(1.0, min((lease.expire - now) / 2, 600.0))
        if now + retry < lease.expire:
            self._later(retry, self._rebind)
        else:
            self._later(max(0.0, lease.expire - now), self._expire)

    def _expire(self) -> None:
        if self.lease is None:
            return
        self._unconfigure()
        self.lease = None
        self._init()

    # ---------------------------------------------------------- dhclient-script
    def _sh(self, command: str) -> Any:
        from simnet.commands.shell import run_line

        return run_line(self.node, self.node.lab, command, {})

    def _configure(self, renewing: bool) -> None:
        """dhclient-script BOUND/RENEW/REBOOT: address with the lease as lifetime, default route, resolv.conf."""
        lease = self.lease
        assert lease is not None
        opts = lease.options
        net = lease.network
        time = int(opts.get(51, 3600))
        verb = "change" if renewing else "add"
        res = self._sh(f"ip -4 addr {verb} {lease.ip}/{net.prefixlen} broadcast {opts.get(28, net.broadcast_address)} "
                       f"dev {self.dev} valid_lft {time} preferred_lft {time} label {self.dev}")
        if res.stderr:
            self.say(res.stderr.rstrip("\n"))
        if not renewing:
            for router in opts.get(3, ()) if isinstance(opts.get(3), tuple) else [opts[3]] if 3 in opts else []:
                self._sh(f"ip -4 route add default via {router} dev {self.dev}")
                break
        self._resolv(opts)

    def _resolv(self, opts: dict[int, Any]) -> None:
        """make_resolv_conf: domain and search from option 15, the offered name servers, or the
        old file's nameserver lines when the server sent none."""
        servers = opts.get(6)
        if not servers and 15 not in opts:
            return
        text = ""
        if 15 in opts:
            text += f"domain {opts[15]}\nsearch {opts[15]}\n"
        if servers:
            servers = servers if isinstance(servers, tuple) else (servers,)
            text += "".join(f"nameserver {s}\n" for s in servers)
        else:
            old = self.node.files.get("/etc/resolv.conf", "")
            text += "".join(line + "\n" for line in old.splitlines() if line.lstrip().lower().startswith("nameserver"))
        self.node.files["/etc/resolv.conf"] = text

    def _unconfigure(self) -> None:
        """dhclient-script RELEASE/EXPIRE/STOP: the address goes, its routes with it."""
        lease = self.lease
        iface = self.iface
        if lease is None or iface is None:
            return
        if iface.find_address(lease.ip) is not None:
            self._sh(f"ip -4 addr flush dev {self.dev} label {self.dev}")

    def _stamp(self, t: float) -> str:
        when = datetime.fromtimestamp(self.node.wallclock() - self.node.sim.now + t, timezone.utc)
        return f"{(when.weekday() + 1) % 7} {when.strftime('%Y/%m/%d %H:%M:%S')}"

    def _write_lease(self, lease: Bound, ended: bool = False) -> None:
        lines = ["lease {", f'  interface "{self.dev}";', f"  fixed-address {lease.ip};"]
        for code, name in LEASE_OPTIONS:
            if code not in lease.options:
                continue
            value = lease.options[code]
            if isinstance(value, tuple):
                value = ",".join(str(v) for v in value)
            if code in (12, 15):
                value = f'"{value}"'
            lines.append(f"  option {name} {value};")
        now = self.node.sim.now
        lines += [f"  renew {self._stamp(now if ended else lease.renew)};",
                  f"  rebind {self._stamp(now if ended else lease.rebind)};",
                  f"  expire {self._stamp(now if ended else lease.expire)};", "}", ""]
        self.node.files[self.leasefile] = self.node.files.get(self.leasefile, "") + "\n".join(lines)

    # ------------------------------------------------------------ ending
    def release(self) -> None:
        """dhclient -r: DHCPRELEASE to the server, then the address goes (resolv.conf stays)."""
        lease = self.lease
        self._cancel()
        if lease is not None:
            self.say(f"DHCPRELEASE of {lease.ip} on {self.dev} to {lease.server} port 67")
            msg = DhcpMessage(1, self.xid, self.iface.mac if self.iface else BROADCAST, 7,
                              ((53, 7), (54, lease.server)), ciaddr=lease.ip)
            self._unicast(msg, lease.ip, lease.server, f"DHCPRELEASE {lease.ip}")
            # the datagram leaves (ARP included) before dhclient-script takes the address away
            self.node.sim.run(until=self.node.sim.now + 0.05)
            self._write_lease(lease, ended=True)
            self._unconfigure()
            self.lease = None
        self.stop()

    def stop(self) -> None:
        self._cancel()
        self.running = False
        if self.node.stack.packet_sockets.get(self.dev) == self.on_frame:
            del self.node.stack.packet_sockets[self.dev]
        clients = self.node.services.get("dhclient")
        if isinstance(clients, dict) and clients.get(self.dev) is self:
            del clients[self.dev]


def client_of(node: "Node", dev: str) -> Client | None:
    clients = node.services.get("dhclient")
    return clients.get(dev) if isinstance(clients, dict) else None


def daemon_logger(node: "Node", client_pid: Callable[[], int]) -> Callable[[str], None]:
    """After going to the background dhclient logs to syslog (the journal)."""
    return lambda text: log(node, "dhclient", text, ident=f"dhclient[{client_pid()}]")
