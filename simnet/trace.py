"""Traces are data: every packet a command sends leaves one.

Shape (after pybatfish): a :class:`PacketTrace` is the journey of one packet
(and of the answer it causes) as a tuple of :class:`Hop` objects, each with
the :class:`Step` objects taken on that node, and one :class:`Disposition`.
A command's :class:`Trace` groups the journeys of all packets it sent.
No object stores rendered text; :mod:`simnet.explain` renders German from it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any, Iterator, Mapping, NamedTuple
else:
    from simnet.core.typing_lite import NamedTuple

__all__ = ["Disposition", "Step", "Hop", "PacketTrace", "Trace", "Journey"]


class Disposition(enum.Enum):
    """How a packet's journey ended. Closed set; ``is_success`` says which are good."""

    DELIVERED = "delivered"              # answer came back to the sender (or packet accepted)
    NO_ROUTE = "no-route"                # no matching route in any table
    FORWARDING_DISABLED = "forwarding-disabled"
    FILTERED = "filtered"                # netfilter DROP (rule or chain policy)
    REJECTED = "rejected"                # netfilter REJECT (sender gets an ICMP error)
    ARP_FAILED = "arp-failed"            # next hop did not answer ARP
    TTL_EXCEEDED = "ttl-exceeded"
    BLACKHOLE = "blackhole"              # blackhole route
    UNREACHABLE_ROUTE = "unreachable-route"
    PROHIBIT_ROUTE = "prohibit-route"
    RP_FILTER = "rp-filter"              # reverse path filter
    PORT_UNREACHABLE = "port-unreachable"  # nothing listens on the port
    INTERFACE_DOWN = "interface-down"
    NOT_ANSWERED = "not-answered"        # target got it but does not answer (e.g. echo ignored)
    MTU_EXCEEDED = "mtu-exceeded"        # frame larger than the receiving interface's MTU
    FRAG_NEEDED = "frag-needed"          # DF packet larger than the next link's MTU (router refuses it)
    IN_FLIGHT = "in-flight"              # still on its way when the command ended
    NO_PACKET = "no-packet"              # command sent nothing
    TAILNET_NO_PEER = "tailnet-no-peer"  # tailscale0: no peer's AllowedIPs contain the address
    TAILNET_PEER_OFFLINE = "tailnet-peer-offline"  # the peer's tailscaled is down or logged out
    POLICY_DENIED = "policy-denied"      # the headscale policy (packet filter of the receiver) refused it
    ND_FAILED = "nd-failed"              # IPv6: the next hop did not answer neighbour solicitations
    NO_SOURCE = "no-source"              # IPv6: every usable source address is still tentative (DAD)

    @property
    def is_success(self) -> bool:
        return self is Disposition.DELIVERED


class Step(NamedTuple):
    """One decision on a node: ``kind`` (routing, arp, netfilter, nat, conntrack,
    forwarding, ttl, transmit, receive, deliver, icmp, rp_filter), what happened
    (``action``) and the facts behind it (``detail``, an immutable mapping).

    A named tuple rather than a frozen dataclass: thousands are made per
    command, and tuples are immutable and cheap."""

    kind: str
    action: str
    detail: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.detail:
            if k == key:
                return v
        return default

    @property
    def details(self) -> Mapping[str, Any]:
        return dict(self.detail)

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in self.detail)
        return f"{self.action.upper()}({self.kind}{': ' + inner if inner else ''})"


@dataclass(frozen=True, slots=True)
class Hop:
    """What one node did with the packet. ``leg`` is ``out`` (towards the target)
    or ``back`` (the answer or ICMP error on its way to the sender)."""

    node: str
    steps: tuple[Step, ...]
    leg: str = "out"
    underlay: bool = False    # the packet travelled encapsulated (WireGuard/DERP) through this node

    def __str__(self) -> str:
        mark = " [getunnelt]" if self.underlay else ""
        return f"{self.node}{mark}: " + " → ".join(str(s) for s in self.steps)


@dataclass(frozen=True, slots=True)
class PacketTrace:
    """The journey of one packet; ``flow`` describes it (``icmp 10.0.5.2 → 192.168.0.101``)."""

    flow: str
    hops: tuple[Hop, ...]
    disposition: Disposition
    where: str | None = None            # node where the disposition happened
    reason: tuple[tuple[str, Any], ...] = ()  # facts for the explanation
    probe_ttl: int | None = None        # a traceroute probe: its expired TTL is an answer, not a fault

    def reason_get(self, key: str, default: Any = None) -> Any:
        return dict(self.reason).get(key, default)

    def nodes(self, underlay: bool = False) -> list[str]:
        """The nodes the packet visited in order (repeats merged; a switch that only carried the
        ARP question for it is not a visit). Without ``underlay``,
        the routers that only carried it inside a tunnel (WireGuard, DERP) are left out."""
        out: list[str] = []
        for hop in self.hops:
            if hop.steps and all(s.kind == "bridge" and s.get("arp") for s in hop.steps):
                continue        # a switch passing on the ARP question: the packet waited at home
            if (underlay or not hop.underlay) and (not out or out[-1] != hop.node):
                out.append(hop.node)
        return out

    def __str__(self) -> str:
        lines = [f"{self.flow} → {self.disposition.name}" + (f" @ {self.where}" if self.where else "")]
        lines += [f"  {i}. {hop}" for i, hop in enumerate(self.hops, 1)]
        return "\n".join(lines)


class Trace:
    """All journeys of one command. ``disposition`` is the first failure, else DELIVERED.

    Built from the journeys' recorders and frozen on first use: a 300-packet
    ping should not pay for turning every step into objects nobody reads.
    What a journey recorded after the command ended is not part of it.
    """

    __slots__ = ("_packets", "_pending")

    def __init__(self, packets: tuple[PacketTrace, ...] = (), journeys: "tuple[Journey, ...] | None" = None) -> None:
        self._packets: tuple[PacketTrace, ...] | None = tuple(packets) if journeys is None else None
        self._pending = None if journeys is None else tuple((j, j.mark()) for j in journeys)

    @property
    def packets(self) -> tuple[PacketTrace, ...]:
        if self._packets is None:
            self._packets = tuple(j.freeze(mark) for j, mark in self._pending or ())
            self._pending = None
        return self._packets

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Trace) and self.packets == other.packets

    def __hash__(self) -> int:
        return hash(self.packets)

    def __repr__(self) -> str:
        return f"Trace(packets={self.packets!r})"

    @property
    def disposition(self) -> Disposition:
        if not self.packets:
            return Disposition.NO_PACKET
        for p in self.packets:
            if not p.disposition.is_success:
                return p.disposition
        return Disposition.DELIVERED

    @property
    def main(self) -> PacketTrace | None:
        """The journey that decides the verdict (first failed, else first)."""
        for p in self.packets:
            if not p.disposition.is_success:
                return p
        return self.packets[0] if self.packets else None

    @property
    def hops(self) -> tuple[Hop, ...]:
        main = self.main
        return main.hops if main else ()

    @property
    def ok(self) -> bool:
        return self.disposition.is_success

    def __iter__(self) -> Iterator[PacketTrace]:
        return iter(self.packets)

    def __len__(self) -> int:
        return len(self.packets)

    def explain(self) -> str:
        """A German explanation of what happened to the packets."""
        from simnet.explain import explain_trace

        return explain_trace(self)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.packets) or "(keine Pakete)"

    def _repr_html_(self) -> str:
        import html

        colour = "#1a7f37" if self.ok else "#b3261e"
        text = html.escape(self.explain()).replace("\n", "<br>")
        return f'<div style="border-left:4px solid {colour};padding-left:8px">{text}</div>'


@dataclass(eq=False)
class Journey:
    """Mutable recorder that rides along with a packet during the simulation.

    The first terminal disposition wins; steps keep being recorded so the
    way back of an ICMP error is visible, too. A recorded step is
    ``(kind, action, detail_dict)`` or, from the kernel's forwarding path,
    ``(kind, action, keys, values)``; :meth:`freeze` turns both into the same Step.
    """

    flow: str
    hops: list[tuple[str, str, list[tuple], bool]] = field(default_factory=list)
    disposition: Disposition | None = None
    where: str | None = None
    reason: dict[str, Any] = field(default_factory=dict)
    leg: str = "out"
    underlay: bool = False     # set while the packet rides inside a tunnel packet
    probe_ttl: int | None = None   # set by traceroute: the TTL this probe was sent with

    def step(self, _node: str, _kind: str, _action: str, /, **detail: Any) -> None:
        hops = self.hops
        if not hops or hops[-1][0] != _node or hops[-1][1] != self.leg or hops[-1][3] != self.underlay:
            hops.append((_node, self.leg, [], self.underlay))
        hops[-1][2].append((_kind, _action, detail))

    def finish(self, disposition: Disposition, node: str | None = None, /, **reason: Any) -> None:
        if self.disposition is None:
            self.disposition = disposition
            self.where = node
            self.reason = dict(reason)
            self.reason.setdefault("leg", self.leg)   # out: towards the target, back: the answer

    @property
    def finished(self) -> bool:
        return self.disposition is not None

    def mark(self) -> tuple[int, int, Disposition | None, str | None, dict[str, Any]]:
        """Where the recording stands now (cheap), to freeze exactly this much later."""
        last = len(self.hops[-1][2]) if self.hops else 0
        return (len(self.hops), last, self.disposition, self.where, self.reason)

    def freeze(self, mark: tuple | None = None) -> PacketTrace:
        make = Step._make
        n_hops, n_last, disposition, where, reason = mark if mark is not None else \
            (len(self.hops), None, self.disposition, self.where, self.reason)
        recorded = self.hops[:n_hops]
        hops = tuple(Hop(n, tuple([make((s[0], s[1], tuple(s[2].items()) if len(s) == 3 else tuple(zip(s[2], s[3]))))
                                   for s in (steps[:n_last] if k_ == n_hops - 1 and n_last is not None
                                             else steps)]), leg, under)
                     for k_, (n, leg, steps, under) in enumerate(recorded))
        return PacketTrace(self.flow, hops, disposition or Disposition.IN_FLIGHT, where, tuple(reason.items()),
                           self.probe_ttl)
