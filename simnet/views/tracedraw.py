"""A trace on top of the topology: the path hop by hop, rewrites, tunnel, drop.

Passed moves are green arrows (the way back dashed), the drop is a red
cross on the node with the reason as caption; NAT rewrites and WireGuard /
DERP encapsulation are labelled at the node where they happen.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simnet.views.style import FONT, TRACE
from simnet.views.topology import Scene, overlay_curve
from simnet.views.tracepath import Mark, Move, PathView

if TYPE_CHECKING:
    from matplotlib.path import Path

__all__ = ["move_points", "move_path", "draw_path", "caption_for", "trace_legend", "MARK_COLOURS"]

MARK_COLOURS = {"nat": TRACE["rewrite"], "encap": TRACE["overlay"], "decap": TRACE["overlay"],
                "drop": TRACE["drop"], "deliver": TRACE["pass"]}
BACK_SHIFT = 0.06      # cells: the way back runs beside the way out, not on top of it


def _relay(scene: Scene) -> str | None:
    for node in scene.model.nodes.values():
        if node.icon == "vps":
            return node.name
    return None


def move_points(scene: Scene, move: Move) -> list[tuple[float, float]]:
    """Polyline (in cells) a move follows; tunnels are sampled from their curve. Reads only
    ``scene.layout`` and ``scene.model``, so the SVG views pass their own plan."""
    lay = scene.layout
    a, b = lay.nodes.get(move.src), lay.nodes.get(move.dst)
    if a is None or b is None:
        return []
    if move.medium == "wire" and move.segment in lay.buses:
        pts = [a, lay.attach(move.src, move.segment), lay.attach(move.dst, move.segment), b]
    elif move.medium == "derp" and _relay(scene) not in (None, move.src, move.dst):
        pts = [a, lay.nodes[_relay(scene)], b]          # type: ignore[index]
    elif move.medium in ("tunnel", "derp"):
        (x0, y0), (cx, cy), (x1, y1) = overlay_curve(a, b)
        pts = [a]
        for k in range(1, 12):
            t = k / 12
            pts.append(((1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1,
                        (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1))
        pts.append(b)
    else:
        pts = [a, b]
    if move.leg == "back":
        pts = [(x + BACK_SHIFT, y - BACK_SHIFT) for x, y in pts]
    return pts


def move_path(scene: Scene, move: Move) -> "Path | None":
    from matplotlib.path import Path

    pts = move_points(scene, move)
    return Path(pts) if len(pts) >= 2 else None


def _style(move: Move) -> dict[str, Any]:
    """Green line; inside a tunnel a purple pipe with a white core (not told by colour alone);
    the way back dashed."""
    from matplotlib import patheffects

    tunnel = move.medium in ("tunnel", "derp") or move.encapsulated
    dash = "-" if move.leg == "out" else (0, (4, 2))
    if tunnel:
        return {"color": "white", "linestyle": dash, "lw": 1.3,
                "path_effects": [patheffects.withStroke(linewidth=4.6, foreground=TRACE["overlay"])]}
    return {"color": TRACE["pass"], "linestyle": dash, "lw": 2.6, "path_effects": None}


def _midpoint(pts: list[tuple[float, float]]) -> tuple[float, float]:
    if len(pts) == 4:            # over a segment: the middle of the stretch along the band
        (x1, y1), (x2, y2) = pts[1], pts[2]
        return ((x1 + x2) / 2, (y1 + y2) / 2)
    if len(pts) <= 3:            # straight, or via the DERP relay: halfway to the next corner
        (x1, y1), (x2, y2) = pts[0], pts[1]
        return ((x1 + x2) / 2, (y1 + y2) / 2)
    return pts[len(pts) // 2]


def draw_move(scene: Scene, move: Move, number: int, badges: bool = True) -> list[Any]:
    import numpy as np
    from matplotlib.patches import FancyArrowPatch

    path = move_path(scene, move)
    if path is None:
        return []
    st = _style(move)
    arrow = FancyArrowPatch(path=path, arrowstyle="-|>,head_length=7,head_width=4", color=st["color"],
                            linestyle=st["linestyle"], lw=st["lw"], alpha=0.9, zorder=6, shrinkA=0, shrinkB=10,
                            path_effects=st["path_effects"])
    scene.ax.add_artist(arrow)       # not add_patch: the limits are fixed, and updating them costs 2 ms
    mx, my = _midpoint([(float(x), float(y)) for x, y in np.asarray(path.vertices).tolist()])
    if not badges:
        return [arrow]
    fill = TRACE["pass"] if st["path_effects"] is None else TRACE["overlay"]
    badge = scene.ax.annotate(str(number), (mx, my), ha="center", va="center", fontsize=FONT["tiny"],
                              color="white", fontweight="bold", zorder=7,
                              bbox=dict(boxstyle="circle,pad=0.2", fc=fill, ec="white", lw=0.8))
    arts = [arrow, badge]
    if move.medium in ("tunnel", "derp"):
        word = "DERP-Relay" if move.medium == "derp" else "WireGuard-Tunnel"
        arts.append(scene.ax.annotate(word, (mx, my), xytext=(0, -11), textcoords="offset points", ha="center",
                                      va="top", fontsize=FONT["tiny"], color=TRACE["overlay"], fontweight="bold",
                                      zorder=7))
    return arts


def draw_mark(scene: Scene, mark: Mark, slot: int) -> list[Any]:
    pos = scene.layout.nodes.get(mark.node)
    if pos is None:
        return []
    colour = MARK_COLOURS.get(mark.kind, TRACE["text"])
    arts: list[Any] = []
    if mark.kind == "drop":
        arts += scene.ax.plot([pos[0]], [pos[1]], marker="X", markersize=24, color=TRACE["drop"],
                              markeredgecolor="white", markeredgewidth=1.5, linestyle="none", zorder=9)
        return arts
    arts.append(scene.ax.annotate(mark.tag or mark.text, pos, xytext=(-14, -9 - 11 * slot),
                                  textcoords="offset points", ha="right", va="top", fontsize=FONT["tiny"],
                                  color=colour, fontweight="bold", zorder=8,
                                  bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=colour, lw=0.8, alpha=0.95)))
    return arts


def caption_for(view: PathView) -> str:
    """Verdict line under the picture, in German, with the address rewrites that matter."""
    if view.ok:
        text = f"✓ Angekommen, Antwort zurück: {' → '.join(view.nodes)}"
    else:
        where = f" auf „{view.where}“" if view.where else ""
        leg = " (auf dem Rückweg)" if view.leg == "back" else ""
        text = f"✗ Verworfen{where}{leg}: {view.reason}"
    rewrites = list(dict.fromkeys(m.text for m in view.marks if m.kind == "nat" and m.tag != "NAT zurück"))
    if rewrites:
        text += "\n" + "; ".join(rewrites)
    return text


def draw_path(scene: Scene, view: PathView | None, upto: int | None = None, badges: bool = True,
              caption: bool = True) -> list[Any]:
    """Draw the moves (all, or the first ``upto``) and the marks that belong to them."""
    import textwrap

    arts: list[Any] = []
    if view is None:
        arts.append(scene.fig.text(0.5, 0.72 / scene.fig.get_figheight(), "Kein Paket gesendet.", ha="center", fontsize=FONT["node"]))
        return arts
    limit = len(view.moves) if upto is None else upto
    for k, move in enumerate(view.moves[:limit], 1):
        arts += draw_move(scene, move, k, badges)
    slots: dict[str, int] = {}
    shown: set[tuple[str, str]] = set()
    for mark in view.marks:
        if mark.order > limit or (mark.kind == "drop" and upto is not None and limit < len(view.moves)):
            continue
        if mark.kind != "drop" and (mark.node, mark.tag) in shown:
            continue
        shown.add((mark.node, mark.tag))
        arts += draw_mark(scene, mark, slots.get(mark.node, 0))
        slots[mark.node] = slots.get(mark.node, 0) + 1
    if caption and (upto is None or limit >= len(view.moves)):
        colour = TRACE["pass"] if view.ok else TRACE["drop"]
        width = max(40, int(scene.fig.get_figwidth() * 72 / (FONT["node"] * 0.62)))   # characters per line
        text = "\n".join(line for part in caption_for(view).split("\n") for line in textwrap.wrap(part, width))
        y = 0.72 / scene.fig.get_figheight()
        arts.append(scene.fig.text(0.5, y, text, ha="center", va="center", fontsize=FONT["node"],
                                   color=colour, fontweight="bold"))
    return arts


def trace_legend(view: PathView | None = None) -> list[Any]:
    """Legend entries for the trace layer (with ``view``: only those the picture uses)."""
    from matplotlib import patheffects
    from matplotlib.lines import Line2D

    moves = view.moves if view is not None else ()
    entries = [
        ("out", Line2D([], [], color=TRACE["pass"], lw=2.6, label="Hinweg")),
        ("back", Line2D([], [], color=TRACE["pass"], lw=2.6, linestyle=(0, (4, 2)), label="Rückweg")),
        ("tunnel", Line2D([], [], color="white", lw=1.3, label="im Tunnel (verschlüsselt)",
                          path_effects=[patheffects.withStroke(linewidth=4.6, foreground=TRACE["overlay"])])),
        ("drop", Line2D([], [], color=TRACE["drop"], marker="X", linestyle="none", markersize=10,
                        label="verworfen")),
    ]
    if view is None:
        return [line for _, line in entries]
    used = {m.leg for m in moves}
    if any(m.medium in ("tunnel", "derp") or m.encapsulated for m in moves):
        used.add("tunnel")
    if view.dropped:
        used.add("drop")
    return [line for key, line in entries if key in used]
