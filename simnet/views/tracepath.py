"""A trace turned into moves and marks: what the pictures draw.

One :class:`Move` is the packet going from one node to the next (over a
segment, or through the WireGuard tunnel / the DERP relay); one
:class:`Mark` is something worth pointing at on a node: an address rewrite,
an encapsulation, the drop. Drawing, animation, sequence diagram and the
panel's path strip all read this one model, so they always agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simnet.trace import Disposition, Hop, PacketTrace, Trace

if TYPE_CHECKING:
    from simnet.views.model import TopologyModel

__all__ = ["Move", "Mark", "PathView", "path_view", "main_packet", "packet_label", "short_reason"]

TUNNEL_START = {"encapsulate", "wireguard"}
TUNNEL_END = {"decapsulate"}


@dataclass(frozen=True)
class Move:
    """The packet crosses from ``src`` to ``dst``."""

    src: str
    dst: str
    leg: str                   # "out" towards the target, "back" the answer or ICMP error
    medium: str                # "wire", "tunnel" (WireGuard), "derp" (relay), "jump" (no shared segment)
    segment: str | None
    label: str                 # what travels, e.g. "ICMP echo request"
    time: float | None = None  # simulated seconds, when the steps say so
    encapsulated: bool = False # inside WireGuard/DERP: the underlay only sees UDP


@dataclass(frozen=True)
class Mark:
    """Something that happened to a packet at a node (NAT, encapsulation, drop), for the path drawing."""

    node: str
    kind: str                  # "nat", "encap", "decap", "drop", "deliver"
    text: str
    order: int                 # number of moves made before it (for the animation)
    tag: str = ""              # one or two words for the picture (the text goes in the caption)


@dataclass(frozen=True)
class PathView:
    """A packet's way as the path drawing shows it: its moves, marks and where it ended."""

    flow: str
    disposition: Disposition
    where: str | None
    leg: str
    moves: tuple[Move, ...]
    marks: tuple[Mark, ...]
    nodes: tuple[str, ...]     # visited nodes, in order, without repeats in a row
    reason: str = ""           # short German reason for a failure
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.disposition.is_success

    @property
    def dropped(self) -> bool:
        return not self.disposition.is_success


def main_packet(trace: "Trace | PacketTrace | Any") -> PacketTrace | None:
    """Accept a Trace, a PacketTrace or a Result and give the journey that decides."""
    if isinstance(trace, PacketTrace):
        return trace
    inner = getattr(trace, "trace", None)
    if isinstance(inner, Trace):
        trace = inner
    if isinstance(trace, Trace):
        return trace.main
    return None


def packet_label(flow: str, leg: str, icmp_error: bool = False) -> str:
    """What travels, in the words of tcpdump and the syllabus."""
    word = flow.split(" ", 1)[0].lower() if flow else ""
    if icmp_error and leg == "back":
        return "ICMP-Fehlermeldung"
    if word == "icmp":
        return "ICMP echo request" if leg == "out" else "ICMP echo reply"
    if word == "stun":
        return "STUN binding request" if leg == "out" else "STUN binding response"
    if word == "disco":
        return "disco ping" if "ping" in flow else "disco pong"
    if word == "call-me-maybe":
        return "call-me-maybe (über DERP)"
    if word == "wireguard":
        return "WireGuard-Handshake"
    if word in ("udp", "tcp"):
        return f"{word.upper()}-Segment" if word == "tcp" and leg == "out" else \
            (f"{word.upper()}-Antwort" if leg == "back" else f"{word.upper()}-Datagramm")
    return flow or "Paket"


def _mentions_derp(step_detail: tuple[tuple[str, Any], ...]) -> bool:
    return any("derp" in str(v).lower() for _, v in step_detail)


def _hop_exit(hop: Hop) -> tuple[str, str | None, str | None]:
    """How the packet left this hop: (medium, device, tunnel caption)."""
    medium, dev, caption = "wire", None, None
    for s in hop.steps:
        if s.kind == "transmit" and s.action in ("send", "tunnel"):
            dev = s.get("dev")
            if s.action == "tunnel":
                medium = "tunnel"
        if s.kind == "tailnet" and s.action in TUNNEL_START:
            derp = _mentions_derp(s.detail)
            medium = "derp" if derp else "tunnel"
            peer = s.get("peer") or s.get("to")
            via = s.get("endpoint") or s.get("via")
            caption = f"{'DERP-Relay' if derp else 'WireGuard'} zu {peer}" + (f" ({via})" if via and not derp else "")
    return medium, dev, caption


def _segment_of(model: "TopologyModel | None", node: str, dev: str | None, other: str) -> str | None:
    if model is None or node not in model.nodes:
        return None
    info = model.nodes[node]
    if dev is not None:
        for i in info.interfaces:
            if i.name == dev and i.segment is not None:
                return i.segment
    # fall back to any segment both nodes are on
    other_info = model.nodes.get(other)
    if other_info is None:
        return None
    mine = {i.segment for i in info.interfaces if i.segment}
    for i in other_info.interfaces:
        if i.segment in mine:
            return i.segment
    return None


def _nat_text(node: str, action: str, detail: dict[str, Any]) -> tuple[str, str] | None:
    """(tag, sentence) for an address rewrite."""
    before, after = detail.get("before"), detail.get("after")
    if action in ("masquerade", "snat"):
        return action.upper(), f"{action.upper()} auf „{node}“: Absender {before} → {after}"
    if action in ("dnat", "redirect"):
        return "DNAT", f"DNAT auf „{node}“: Ziel {before} → {after}"
    if action == "conntrack":
        part = "Ziel" if detail.get("part") == "dst" else "Absender"
        return "NAT zurück", f"conntrack auf „{node}“ übersetzt zurück: {part} {before} → {after}"
    return None


def short_reason(p: PacketTrace) -> str:
    """The first sentence of the German explanation: enough for a caption."""
    from simnet.explain import explain_packet

    text = explain_packet(p).strip()
    for end in (". ", ".\n"):
        if end in text:
            return text.split(end, 1)[0] + "."
    return text


def path_view(trace: "Trace | PacketTrace | Any", model: "TopologyModel | None" = None, *,
              underlay: bool = True) -> PathView | None:
    """Moves and marks of the deciding journey of ``trace`` (None when nothing was sent).

    ``underlay=False`` leaves out the nodes that only carried the encrypted
    packet: the tunnel is then one move from the node that packs to the one
    that unpacks, as the tailnet sees it."""
    p = main_packet(trace)
    if p is None:
        return None
    moves: list[Move] = []
    marks: list[Mark] = []
    icmp_error = any(s.kind == "icmp" and s.action == "error" for h in p.hops for s in h.steps)
    tunnel_caption: str | None = None
    hops = p.hops if underlay else tuple(h for h in p.hops if not h.underlay)
    for k, hop in enumerate(hops):
        encap_here = False
        for s in hop.steps:
            d = dict(s.detail)
            if s.kind == "nat":
                found = _nat_text(hop.node, s.action, d)
                if found:
                    marks.append(Mark(hop.node, "nat", found[1], len(moves), found[0]))
            elif s.kind == "tailnet" and s.action in TUNNEL_START:
                _, _, caption = _hop_exit(hop)
                tunnel_caption = caption
                if caption and not encap_here:
                    encap_here = True
                    tag = "→ DERP" if caption.startswith("DERP") else "→ WireGuard"
                    marks.append(Mark(hop.node, "encap", f"„{hop.node}“ verpackt: {caption}", len(moves), tag))
            elif s.kind == "tailnet" and s.action in TUNNEL_END:
                tunnel_caption = None
                marks.append(Mark(hop.node, "decap", f"„{hop.node}“ packt aus (tailscale0)", len(moves),
                                  "ausgepackt"))
        if k + 1 >= len(hops):
            break
        nxt = hops[k + 1]
        if nxt.node == hop.node:
            continue
        medium, dev, caption = _hop_exit(hop)
        segment = _segment_of(model, hop.node, dev, nxt.node) if medium == "wire" else None
        if medium == "wire" and segment is None and model is not None:
            medium = "jump"
        label = packet_label(p.flow, nxt.leg, icmp_error)
        underlay = hop.underlay or nxt.underlay
        inside = (bool(tunnel_caption) or underlay) and medium in ("wire", "jump")
        if inside:
            label += " (verschlüsselt in UDP)"
        times = [s.get("t") for s in hop.steps if s.get("t") is not None]
        moves.append(Move(hop.node, nxt.node, nxt.leg, medium, segment, label,
                          times[-1] if times else None, inside))
    reason = ""
    if not p.disposition.is_success:
        try:
            reason = short_reason(p)
        except Exception:   # an explanation must never break a picture
            reason = p.disposition.value
        if p.where:
            marks.append(Mark(p.where, "drop", reason, len(moves)))
    nodes: list[str] = []
    for hop in hops:
        if not nodes or nodes[-1] != hop.node:
            nodes.append(hop.node)
    return PathView(p.flow, p.disposition, p.where, p.reason_get("leg", "out"), tuple(moves), tuple(marks),
                    tuple(nodes), reason)
