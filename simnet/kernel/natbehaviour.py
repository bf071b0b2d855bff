"""How a NAT router maps and filters UDP/TCP (RFC 4787), beyond what Linux does.

A Linux router with MASQUERADE keeps the source port when it can and lets in
only answers that match a conntrack entry: endpoint-independent mapping and
address-and-port-dependent filtering, plus an ICMP "port unreachable" for
everything else. That is the default (``node.nat.table is None``).

Home and carrier routers behave in other ways; the classic names are presets
of two RFC 4787 properties:

* mapping: which outside port a new flow from inside gets. Endpoint-independent
  (one port per inside address:port, whoever the peer is) or dependent on the
  destination address (and port) — the latter is the "symmetric" NAT whose
  STUN-observed port is useless to peers.
* filtering: which unsolicited packets to an outside port get in. From anyone
  (full cone), from addresses the inside host has sent to (restricted cone),
  or only from exact address:port pairs it has sent to (port-restricted).

A :class:`NatTable` holds the bindings of one router; the nat hook in
:mod:`simnet.kernel.nat` asks it for the outside port of every new flow and
whether an unsolicited inbound packet may pass.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

from simnet.core.digest import sha256
from simnet.kernel.netfilter import Match, XtRule
from simnet.kernel.nftables.xtables import xt_append, xt_delete, xt_insert, xt_rules

if TYPE_CHECKING:
    from typing import Callable
    from simnet.kernel.node import Node

__all__ = ["NatType", "NatTable", "Binding", "PRESETS", "EIM", "ADM", "APDM", "nat_type"]

EIM = "endpoint-independent"
ADM = "address-dependent"
APDM = "address-and-port-dependent"
BINDING_TIMEOUT = 120.0     # seconds a binding outlives its last packet (RFC 4787 REQ-5: ≥ 2 min)


@dataclass(frozen=True)
class NatType:
    """One router's NAT behaviour. ``translate`` False = plain routing, no NAT."""

    name: str
    mapping: str = EIM
    filtering: str = APDM
    translate: bool = True
    udp_blocked: bool = False
    linux: bool = False          # Linux MASQUERADE as it is (conntrack only, ICMP for the rest)
    german: str = ""

    @property
    def hard(self) -> bool:
        """Tailscale's "hard NAT": the outside port depends on the destination."""
        return self.translate and self.mapping != EIM


PRESETS: dict[str, NatType] = {
    "linux": NatType("linux", linux=True,
                     german="Linux-MASQUERADE (Port bleibt erhalten, nur Antworten kommen herein)"),
    "none": NatType("none", translate=False, german="kein NAT (der Router leitet nur weiter)"),
    "full-cone": NatType("full-cone", EIM, EIM, german="Full Cone (jeder darf an den offenen Port senden)"),
    "restricted-cone": NatType("restricted-cone", EIM, ADM,
                               german="Restricted Cone (nur Adressen, an die innen schon gesendet wurde)"),
    "port-restricted-cone": NatType("port-restricted-cone", EIM, APDM,
                                    german="Port Restricted Cone (nur genau die Adresse:Port-Paare, "
                                           "an die innen schon gesendet wurde)"),
    "symmetric": NatType("symmetric", APDM, APDM,
                         german="Symmetrisch (für jedes Ziel ein neuer Port – ein „hartes“ NAT)"),
    "udp-blocked": NatType("udp-blocked", linux=True, udp_blocked=True,
                           german="UDP gesperrt (nur TCP kommt hinaus, z. B. in Firmen- oder Hotelnetzen)"),
}


def nat_type(name: str) -> NatType:
    """The preset called ``name``; KeyError names the possible ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"Unbekannter NAT-Typ „{name}“. Möglich sind: {', '.join(PRESETS)}.") from None


@dataclass
class Binding:
    """One outside port and who inside owns it; ``peers`` are the destinations it sent to."""

    proto: int
    inside: tuple[IPv4Address, int]
    outside: tuple[IPv4Address, int]
    peers: set[tuple[IPv4Address, int]] = field(default_factory=set)
    expires: float = 0.0
    flow: tuple = ()            # its key in the table's flow index


class NatTable:
    """The bindings of one router with a :class:`NatType` other than Linux's own."""

    def __init__(self, kind: NatType, node_name: str) -> None:
        self.kind = kind
        self._by_flow: dict[tuple, Binding] = {}
        self._by_outside: dict[tuple[int, IPv4Address, int], Binding] = {}
        # symmetric NATs hand out ports from a counter; start somewhere stable per router
        digest = sha256(node_name.encode()).digest()
        self._next_port = 20000 + int.from_bytes(digest[:2], "big") % 30000

    def _flow_key(self, proto: int, src: IPv4Address, sport: int, dst: IPv4Address, dport: int,
                  outside_ip: IPv4Address) -> tuple:
        if self.kind.mapping == EIM:
            return (proto, src, sport, outside_ip)
        if self.kind.mapping == ADM:
            return (proto, src, sport, outside_ip, dst)
        return (proto, src, sport, outside_ip, dst, dport)

    def _alive(self, b: Binding | None, now: float) -> bool:
        if b is None:
            return False
        if b.expires < now:
            if self._by_flow.get(b.flow) is b:
                del self._by_flow[b.flow]
            self._by_outside.pop((b.proto, *b.outside), None)
            return False
        return True

    def outbound(self, proto: int, src: IPv4Address, sport: int, dst: IPv4Address, dport: int,
                 outside_ip: IPv4Address, now: float, taken: Callable[[int], bool]) -> Binding:
        """The binding a new flow from inside uses (created if needed)."""
        key = self._flow_key(proto, src, sport, dst, dport, outside_ip)
        b = self._by_flow.get(key)
        if not self._alive(b, now) or b is None:
            port = self._pick_port(proto, sport, outside_ip, now, taken)
            b = Binding(proto, (src, sport), (outside_ip, port), flow=key)
            self._by_flow[key] = b
            self._by_outside[(proto, outside_ip, port)] = b
        b.peers.add((dst, dport))
        b.expires = now + BINDING_TIMEOUT
        return b

    def _pick_port(self, proto: int, sport: int, outside_ip: IPv4Address, now: float,
                   taken: Callable[[int], bool]) -> int:
        def free(p: int) -> bool:
            other = self._by_outside.get((proto, outside_ip, p))
            return not self._alive(other, now) and not taken(p)

        if self.kind.mapping == EIM and free(sport):
            return sport                       # port preservation, as most home routers do
        port = self._next_port
        for _ in range(65536):
            port = port + 1 if port < 65535 else 1024
            if free(port):
                break
        self._next_port = port
        return port

    def inbound(self, proto: int, outside_ip: IPv4Address, port: int, src: IPv4Address, sport: int,
                now: float) -> tuple[Binding | None, bool]:
        """(binding for that outside port, may this unsolicited packet pass?)."""
        b = self._by_outside.get((proto, outside_ip, port))
        if not self._alive(b, now) or b is None:
            return None, False
        f = self.kind.filtering
        if f == EIM:
            ok = True
        elif f == ADM:
            ok = any(ip == src for ip, _ in b.peers)
        else:
            ok = (src, sport) in b.peers
        if ok:
            b.peers.add((src, sport))
            b.expires = now + BINDING_TIMEOUT
        return b, ok

    def bindings(self, now: float) -> list[Binding]:
        return [b for b in list(self._by_outside.values()) if self._alive(b, now)]

    def clear(self) -> None:
        self._by_flow.clear()
        self._by_outside.clear()


UDP_BLOCK_COMMENT = "simnet: UDP gesperrt"


def _masquerade_rules(node: "Node") -> list:
    return [r.xt for r in xt_rules(node.netfilter, "nat", "POSTROUTING")
            if r.xt is not None and r.xt.target == "MASQUERADE"]


def outside_interface(node: "Node") -> str | None:
    """The interface a router translates on: its MASQUERADE rule's, else the default route's."""
    for r in _masquerade_rules(node):
        if r.out_iface and not r.out_neg:
            return r.out_iface
    remembered = node.nat.outside
    if remembered:
        return remembered
    for r in node.routing.routes(254):
        if r.is_default and r.dev:
            return r.dev
    return None


def apply_nat_type(node: "Node", name: str) -> NatType:
    """Give ``node`` the NAT behaviour ``name``, with the rules a learner can inspect.

    MASQUERADE (and, for ``udp-blocked``, a DROP rule for UDP in FORWARD) are
    real iptables rules, added or removed as iptables-nft would (``iptables -S`` shows them); the binding
    table for the non-Linux types lives beside conntrack. Like a router reboot,
    a change forgets all existing mappings."""
    kind = nat_type(name)
    wan = outside_interface(node)
    if wan is None:
        raise ValueError(f"„{node.name}“ hat weder eine MASQUERADE-Regel noch eine Default-Route: "
                         "Es ist kein Router mit einer Seite nach draußen, also gibt es keinen NAT-Typ.")
    if not node.sysctl.get_int("net.ipv4.ip_forward"):
        raise ValueError(f"„{node.name}“ leitet keine Pakete weiter (net.ipv4.ip_forward = 0): "
                         "Ein NAT-Typ gehört zu einem Router.")
    nf = node.netfilter
    masq = XtRule(out_iface=wan, target="MASQUERADE")
    present = any(r.xt == masq for r in xt_rules(nf, "nat", "POSTROUTING"))
    if kind.translate and not present:
        xt_append(nf, "nat", "POSTROUTING", masq)
    while not kind.translate and xt_delete(nf, "nat", "POSTROUTING", masq):
        pass
    block = XtRule(out_iface=wan, proto="udp", matches=(Match("comment", (("comment", UDP_BLOCK_COMMENT, False),)),),
                   target="DROP")
    while xt_delete(nf, "filter", "FORWARD", block):
        pass
    if kind.udp_blocked:
        xt_insert(nf, "filter", "FORWARD", block)
    node.nat.outside = wan
    node.nat.kind = kind
    node.nat.table = None if kind.linux or not kind.translate else NatTable(kind, node.name)
    node.conntrack.flush()
    return kind


def current_nat_type(node: "Node") -> str:
    """The preset name a router runs now (``linux`` for plain MASQUERADE, ``none`` without)."""
    kind = node.nat.kind
    if kind is not None:
        return kind.name
    return "linux" if outside_interface(node) and _masquerade_rules(node) else "none"
