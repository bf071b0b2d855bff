"""Sequence diagrams: one lane per node, one arrow per packet crossing.

Good for exchanges over time (ping request/reply, STUN, disco pings,
call-me-maybe, DERP): time runs downwards. Steps that carry a simulated
time (``t``) are placed by it in the left column; otherwise the order of
the steps is the order of the arrows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simnet.trace import PacketTrace, Trace
from simnet.views.style import FONT, TRACE
from simnet.views.tracepath import Move, PathView, path_view

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simnet.lab import Lab

__all__ = ["sequence_figure", "sequence_rows", "Row"]

LANE_INCH = 1.7
ROW_INCH = 0.36


@dataclass(slots=True)
class Row:
    """One line of the diagram: an arrow (``move``), an ARP question, or a drop."""

    kind: str
    src: str
    dst: str | None
    label: str
    leg: str = "out"
    tunnel: bool = False
    time: float | None = None
    packet: int = 0


def _packets(trace: Any) -> tuple[PacketTrace, ...]:
    if isinstance(trace, PacketTrace):
        return (trace,)
    inner = getattr(trace, "trace", trace)
    if isinstance(inner, Trace):
        return inner.packets
    return ()


def _arp_rows(p: PacketTrace, k: int) -> list[tuple[int, Row]]:
    """ARP questions that went unanswered (``arp failed``), or were asked now (``asked``)."""
    rows: list[tuple[int, Row]] = []
    moves_before = 0
    prev = None
    for hop in p.hops:
        if prev is not None and prev != hop.node:
            moves_before += 1
        prev = hop.node
        for s in hop.steps:
            if s.kind == "arp" and (s.action == "failed" or s.get("asked")):
                rows.append((moves_before, Row("arp", hop.node, None, f"ARP who-has {s.get('ip')}?",
                                               hop.leg, packet=k)))
                if s.action != "failed":
                    rows.append((moves_before, Row("arp-reply", hop.node, None, f"ARP {s.get('ip')} is-at "
                                                   f"{s.get('mac')}", hop.leg, packet=k)))
    return rows


def sequence_rows(trace: Any, max_packets: int = 12, underlay: bool = True) -> list[Row]:
    """The diagram as data: rows in time order (tests read this, the figure draws it).
    ``underlay=False``: a tunnel is one arrow between its ends."""
    rows: list[Row] = []
    for k, p in enumerate(_packets(trace)[:max_packets]):
        view: PathView | None = path_view(p, underlay=underlay)
        if view is None:
            continue
        arp = _arp_rows(p, k)
        for i, move in enumerate(view.moves):
            rows += [r for at, r in arp if at == i]
            rows.append(_move_row(move, k))
        rows += [r for at, r in arp if at >= len(view.moves)]
        if view.dropped and view.where:
            rows.append(Row("drop", view.where, None, view.reason or view.disposition.value, view.leg, packet=k))
    return rows


def _move_row(move: Move, k: int) -> Row:
    tunnel = move.medium in ("tunnel", "derp") or move.encapsulated
    label = move.label + (" über DERP" if move.medium == "derp" else " im WireGuard-Tunnel"
                          if move.medium == "tunnel" else "")
    return Row("move", move.src, move.dst, label, move.leg, tunnel, move.time, k)


def _lanes(rows: list[Row]) -> list[str]:
    """Lanes in the order the packets meet the nodes: the sender on the left."""
    return list(dict.fromkeys(n for r in rows for n in (r.src, r.dst) if n))


def _roles(lab: "Lab | None") -> dict[str, str]:
    if lab is None:
        return {}
    from simnet.views.model import read_model
    from simnet.views.style import ROLE_NAMES

    return {n.name: ROLE_NAMES.get(n.icon, n.role) for n in read_model(lab).nodes.values()}


def sequence_figure(trace: Any, lab: "Lab | None" = None, *, max_packets: int = 12, underlay: bool = True,
                    title: str | None = None, dpi: float = 100) -> "Figure":
    """Draw the sequence diagram of every packet in ``trace`` (up to ``max_packets``)."""
    import textwrap

    from matplotlib.figure import Figure

    rows = sequence_rows(trace, max_packets, underlay)
    lanes = _lanes(rows)
    roles = _roles(lab)
    width = max(6.0, LANE_INCH * max(len(lanes), 1) + 3.4)
    height = max(2.4, ROW_INCH * (len(rows) + 1) + 1.3)
    fig = Figure(figsize=(width, height), dpi=dpi)
    ax = fig.add_axes((0.09, 0.04, 0.89, 1 - 0.04 - 0.9 / height))
    ax.set_axis_off()
    n = max(len(rows), 1)
    ax.set_xlim(-0.6, max(len(lanes), 1) - 0.4 + 1.2)
    ax.set_ylim(n + 0.2, -0.95)
    x = {name: float(i) for i, name in enumerate(lanes)}
    for name, lx in x.items():
        ax.plot([lx, lx], [-0.35, n], color="#999999", lw=1, linestyle=(0, (3, 3)), zorder=0)
        ax.text(lx, -0.45, name, ha="center", va="bottom", fontsize=FONT["node"], fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.3", fc="#F4F4F4", ec="#777777"))
        if name in roles:
            ax.text(lx, -0.38, roles[name], ha="center", va="top", fontsize=FONT["tiny"], color="#555555")
    packet_seen: set[int] = set()
    for i, r in enumerate(rows):
        y = i + 0.5
        if r.packet not in packet_seen and len({q.packet for q in rows}) > 1:
            packet_seen.add(r.packet)
            ax.axhline(i + 0.02, color="#DDDDDD", lw=0.8, zorder=0)
        stamp = f"t={r.time * 1000:.1f} ms" if r.time is not None else f"{i + 1}."
        ax.text(-0.55, y, stamp, ha="left", va="center", fontsize=FONT["tiny"], color="#555555")
        sx = x.get(r.src, 0.0)
        if r.kind == "move" and r.dst in x:
            colour = TRACE["overlay"] if r.tunnel else TRACE["pass"]
            dash = "-" if r.leg == "out" else (0, (4, 2))
            ax.annotate("", (x[r.dst], y), (sx, y), arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.8,
                                                                    linestyle=dash, shrinkA=2, shrinkB=2))
            ax.text((sx + x[r.dst]) / 2, y - 0.08, r.label, ha="center", va="bottom", fontsize=FONT["tiny"],
                    color="#222222")
        elif r.kind in ("arp", "arp-reply"):
            colour = TRACE["rewrite"]
            ax.plot([sx], [y], marker="o", color=colour, markersize=5)
            ax.text(sx + 0.08, y, r.label + (" (Broadcast)" if r.kind == "arp" else ""), ha="left", va="center",
                    fontsize=FONT["tiny"], color=colour)
        elif r.kind == "drop":
            ax.plot([sx], [y], marker="X", color=TRACE["drop"], markersize=13, markeredgecolor="white")
            text = "\n".join(textwrap.wrap(r.label, 70)[:2])
            ax.text(sx + 0.12, y, text, ha="left", va="center", fontsize=FONT["tiny"], color=TRACE["drop"],
                    fontweight="bold")
    if not rows:
        ax.text(0, 0.5, "Kein Paket gesendet.", ha="left", va="center", fontsize=FONT["node"])
    flows = [p.flow for p in _packets(trace)[:1]]
    fig.suptitle(title if title is not None else ("Ablauf: " + flows[0] if flows else "Ablauf"),
                 fontsize=FONT["title"], y=1 - 0.12 / height)
    return fig
