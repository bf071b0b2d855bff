"""radvd 2.19, the router advertisement daemon Debian ships (``/etc/radvd.conf``).

The configuration is parsed like radvd's own grammar (gram.y) for the parts a
lab needs::

    interface eth1 {
        AdvSendAdvert on;
        MinRtrAdvInterval 30; MaxRtrAdvInterval 100; AdvDefaultLifetime 1800;
        AdvCurHopLimit 64; AdvLinkMTU 1480; AdvManagedFlag off; AdvOtherConfigFlag off;
        prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on;
                                 AdvValidLifetime 86400; AdvPreferredLifetime 14400; };
    };

A missing ``;`` or an unknown word is ``FILE:LINE error: syntax error``. The
running daemon joins ff02::2 on its interfaces, answers every router
solicitation at once (unicast to the asker), sends unsolicited advertisements
to ff02::1 (at start, twice more 16 s apart, then every MinRtrAdvInterval to
MaxRtrAdvInterval seconds) and, when it stops, one last advertisement with
router lifetime 0 so that hosts drop it as default router.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from ipaddress import IPv6Network

from simnet.core.errors import ConfigError
from simnet.links.packet6 import ALL_NODES, ALL_ROUTERS, IPv6Packet, PrefixInfo, RouterAdvert, multicast_mac
TYPE_CHECKING = False      # typing's, without importing typing (the seed labs start radvd)

if TYPE_CHECKING:
    from typing import Any

    from simnet.kernel.interface import Interface
    from simnet.kernel.node import Node

__all__ = ["Radvd", "RadvdConfigError", "parse_config", "radvd_of"]

INITIAL_INTERVAL = 16.0        # MAX_INITIAL_RTR_ADVERT_INTERVAL
INITIAL_ADVERTS = 3            # MAX_INITIAL_RTR_ADVERTISEMENTS
FLAGS_IFACE = {"AdvSendAdvert": "send", "AdvManagedFlag": "managed", "AdvOtherConfigFlag": "other",
               "IgnoreIfMissing": None, "AdvSourceLLAddress": "sllao", "UnicastOnly": None, "AdvHomeAgentFlag": None,
               "AdvIntervalOpt": None, "AdvHomeAgentInfo": None, "AdvMobRtrSupportFlag": None, "AdvRASolicitedUnicast": None}
NUMS_IFACE = {"MinRtrAdvInterval": "min_interval", "MaxRtrAdvInterval": "max_interval",
              "AdvDefaultLifetime": "lifetime", "AdvCurHopLimit": "hop_limit", "AdvLinkMTU": "mtu",
              "AdvReachableTime": None, "AdvRetransTimer": None, "MinDelayBetweenRAs": None, "AdvDefaultPreference": None}
FLAGS_PREFIX = {"AdvOnLink": "onlink", "AdvAutonomous": "autonomous", "AdvRouterAddr": None, "DeprecatePrefix": None,
                "DecrementLifetimes": None}
NUMS_PREFIX = {"AdvValidLifetime": "valid", "AdvPreferredLifetime": "preferred"}


class RadvdConfigError(ConfigError):
    def __init__(self, line: int) -> None:
        super().__init__(f"syntax error at line {line}")
        self.line = line


@dataclass
class PrefixConf:
    """A prefix radvd announces, with its flags and lifetimes."""

    prefix: IPv6Network
    onlink: bool = True
    autonomous: bool = True
    valid: int = 86400
    preferred: int = 14400


@dataclass
class IfaceConf:
    """radvd's settings for one interface: whether and what it announces."""

    name: str
    send: bool = False
    managed: bool = False
    other: bool = False
    sllao: bool = True
    min_interval: float | None = None
    max_interval: float = 600.0
    lifetime: int | None = None
    hop_limit: int = 64
    mtu: int = 0
    prefixes: list[PrefixConf] = field(default_factory=list)

    @property
    def min_adv(self) -> float:
        return self.min_interval if self.min_interval is not None else \
            (0.33 * self.max_interval if self.max_interval >= 9 else self.max_interval)

    def advert(self, ceasing: bool = False) -> RouterAdvert:
        lifetime = self.lifetime if self.lifetime is not None else int(max(3 * self.max_interval, 1))
        return RouterAdvert(self.hop_limit, 0 if ceasing else lifetime,
                            tuple(PrefixInfo(p.prefix, p.onlink, p.autonomous, p.valid, p.preferred)
                                  for p in self.prefixes), self.mtu, self.managed, self.other)


_TOKEN = re.compile(r"\s*(?:(#[^\n]*)|([{};])|([^\s{};#]+))")


def _tokens(text: str) -> list[tuple[str, int]]:
    out, line, pos = [], 1, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        line += text.count("\n", pos, m.start(m.lastindex or 0))
        if m.group(2) or m.group(3):
            out.append((m.group(2) or m.group(3), line))
        line += text.count("\n", m.start(m.lastindex or 0), m.end())
        pos = m.end()
    return out


def _onoff(word: str, line: int) -> bool:
    if word not in ("on", "off"):
        raise RadvdConfigError(line)
    return word == "on"


def _number(word: str, line: int) -> float:
    if word == "infinity":
        return 0xFFFFFFFF
    try:
        return float(word)
    except ValueError:
        raise RadvdConfigError(line) from None


def parse_config(text: str) -> list[IfaceConf]:
    """radvd's grammar; raises RadvdConfigError with the line of the offending token."""
    toks = _tokens(text)
    last_line = text.count("\n") + 1
    i = 0

    def take() -> tuple[str, int]:
        nonlocal i
        if i >= len(toks):
            raise RadvdConfigError(last_line)
        i += 1
        return toks[i - 1]

    def expect(word: str) -> None:
        tok, line = take()
        if tok != word:
            raise RadvdConfigError(line)

    ifaces: list[IfaceConf] = []
    while i < len(toks):
        tok, line = take()
        if tok != "interface":
            raise RadvdConfigError(line)
        name, _ = take()
        conf = IfaceConf(name)
        expect("{")
        while True:
            tok, line = take()
            if tok == "}":
                break
            if tok == "prefix":
                ptext, pline = take()
                try:
                    net = IPv6Network(ptext)
                except ValueError:
                    raise RadvdConfigError(pline) from None
                pconf = PrefixConf(net)
                expect("{")
                while True:
                    key, kline = take()
                    if key == "}":
                        break
                    value, vline = take()
                    if key in FLAGS_PREFIX:
                        flag = _onoff(value, vline)
                        field_name = FLAGS_PREFIX[key]
                        if field_name:
                            setattr(pconf, field_name, flag)
                    elif key in NUMS_PREFIX:
                        setattr(pconf, NUMS_PREFIX[key], int(_number(value, vline)))
                    else:
                        raise RadvdConfigError(kline)
                    expect(";")
                expect(";")
                conf.prefixes.append(pconf)
                continue
            if tok in ("RDNSS", "DNSSL", "route", "clients", "abro", "nat64prefix", "lowpanco"):
                while take()[0] != "{":       # an option block radvd accepts, simnet does not use
                    pass
                depth = 1
                while depth:
                    t, _ = take()
                    depth += {"{": 1, "}": -1}.get(t, 0)
                expect(";")
                continue
            value, vline = take()
            if tok in FLAGS_IFACE:
                flag = _onoff(value, vline)
                field_name = FLAGS_IFACE[tok]
                if field_name:
                    setattr(conf, field_name, flag)
            elif tok in NUMS_IFACE:
                num = _number(value, vline)
                field_name = NUMS_IFACE[tok]
                if field_name:
                    setattr(conf, field_name, int(num) if tok != "MaxRtrAdvInterval" and
                            tok != "MinRtrAdvInterval" else num)
            else:
                raise RadvdConfigError(line)
            expect(";")
        expect(";")
        ifaces.append(conf)
    return ifaces


class Radvd:
    """The running daemon on one node (``node.services["radvd"]``)."""

    def __init__(self, node: "Node", ifaces: list[IfaceConf], pidfile: str) -> None:
        self.node = node
        self.ifaces = {c.name: c for c in ifaces if c.send}
        self.pidfile = pidfile
        self.pid = 1000 + zlib.crc32(f"radvd/{node.name}".encode()) % 60000
        self.running = False
        self.started_at = 0.0
        self._timers: list[Any] = []

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        return []           # a raw ICMPv6 socket only, which ``ss -l`` does not list

    def start(self) -> None:
        node = self.node
        self.running = True
        self.started_at = node.sim.now
        stack = node.ip6.stack
        stack.rs_listeners.append(self.on_rs)
        for name, conf in self.ifaces.items():
            stack.joined.setdefault(name, set()).add(ALL_ROUTERS)
            self._mld_changed(name)         # a new group (forwarding off) is reported at once
            self._schedule(name, 0.0, INITIAL_ADVERTS)
        node.files[self.pidfile] = f"{self.pid}\n"

    def stop(self) -> None:
        """SIGTERM: a last advertisement with router lifetime 0 on every interface, then exit."""
        if not self.running:
            return
        for name in self.ifaces:
            self._send(name, None, ceasing=True)
        self.running = False
        stack = self.node.ip6.stack
        if self.on_rs in stack.rs_listeners:
            stack.rs_listeners.remove(self.on_rs)
        for name in self.ifaces:
            stack.joined.get(name, set()).discard(ALL_ROUTERS)
            self._mld_changed(name)         # the socket closes: a group nobody else holds is left
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        self.node.files.pop(self.pidfile, None)

    def _mld_changed(self, name: str) -> None:
        """IPV6_ADD/DROP_MEMBERSHIP of ff02::2: the kernel's MLD state-change reports, if the
        group came or went (with forwarding on the device holds it already: only a user more)."""
        iface = self.node.interfaces.get(name)
        if iface is not None:
            self.node.ip6.stack.mld.socket_changed(iface)

    def _schedule(self, name: str, delay: float, initial_left: int) -> None:
        self._timers = [t for t in self._timers if not t.cancelled and t.when > self.node.sim.now]
        timer = self.node.sim.schedule(delay, self._tick, name, initial_left)
        timer.idle = True          # a lab where only advertisements go out still idles (simnet.services.road)
        self._timers.append(timer)

    def _tick(self, name: str, initial_left: int) -> None:
        if not self.running:
            return
        self.node.sim.idle_fired += 1
        self._send(name, None)
        conf = self.ifaces[name]
        if initial_left > 1:
            self._schedule(name, min(INITIAL_INTERVAL, conf.max_interval), initial_left - 1)
            return
        # a pseudo-random interval between MinRtrAdvInterval and MaxRtrAdvInterval, the same in every run
        frac = zlib.crc32(f"{self.node.name}/{name}/{self.node.sim.now:.3f}".encode()) / 2**32
        self._schedule(name, conf.min_adv + frac * (conf.max_interval - conf.min_adv), 0)

    def on_rs(self, iface: "Interface", rs: IPv6Packet) -> None:
        if self.running and iface.name in self.ifaces:
            self._send(iface.name, None if rs.src.is_unspecified else rs.src)

    def _send(self, name: str, to: Any, ceasing: bool = False) -> None:
        from simnet.kernel.ipv6.ndisc_ra import make_ra

        node = self.node
        iface = node.interfaces.get(name)
        if iface is None or not iface.admin_up or \
                iface.segment is None and iface.bridge is None and iface.lower is None:
            return
        src = next((a.ip for a in iface.addresses6 if a.scope == "link" and not a.tentative
                    and "dadfailed" not in a.flags), None)
        if src is None:            # no usable link-local yet: radvd waits for it
            return
        conf = self.ifaces[name]
        body = make_ra(conf.advert(ceasing), iface.mac if conf.sllao else None)
        pkt = IPv6Packet(src, to or ALL_NODES, body, hlim=255)
        if to is None:
            node.ip6.stack.emit(iface, multicast_mac(ALL_NODES), pkt)
            # IPV6_MULTICAST_LOOP: the router's own stack sees the advertisement too, at once
            node.ip6.stack.rcv(pkt, iface)
        else:
            node.ip6.stack.dst_output_via(pkt, iface)


def radvd_of(node: "Node") -> Radvd | None:
    svc = node.services.get("radvd")
    return svc if isinstance(svc, Radvd) and svc.running else None
