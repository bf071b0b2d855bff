"""A trace as an animation: a dot runs the path hop by hop, the path stays behind.

``FuncAnimation.to_jshtml()`` embeds every frame as PNG with JavaScript
controls, so it plays in JupyterLab and on the static study site without a
kernel and without ffmpeg. Without a lab the visited nodes are put in a row.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simnet.views.layout import Layout
from simnet.views.model import NodeInfo, TopologyModel
from simnet.views.style import FONT, TRACE
from simnet.views.topology import Scene, add_legend, draw_topology
from simnet.views.tracedraw import caption_for, draw_mark, draw_move, move_points, trace_legend
from simnet.views.tracepath import PathView, main_packet, path_view

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation

    from simnet.lab import Lab

__all__ = ["animate_trace", "frame_plan", "chain_model"]


def chain_model(view: PathView) -> tuple[TopologyModel, Layout]:
    """Nodes of the path in a row, in the order the packet met them (no lab at hand)."""
    names = list(dict.fromkeys(view.nodes))
    model = TopologyModel("Pfad", {n: NodeInfo(n, "host", "host", ()) for n in names}, {})
    layout = Layout(nodes={n: (i + 0.5, 0.0) for i, n in enumerate(names)}, columns=max(1, len(names)), rows=1)
    return model, layout


def _interpolate(pts: list[tuple[float, float]], t: float) -> tuple[float, float]:
    """The point a fraction ``t`` along a polyline (by length)."""
    import math

    if len(pts) < 2:
        return pts[0] if pts else (0.0, 0.0)
    lengths = [math.dist(a, b) for a, b in zip(pts, pts[1:])]
    goal = t * sum(lengths)
    for (a, b), length in zip(zip(pts, pts[1:]), lengths):
        if goal <= length and length > 0:
            f = goal / length
            return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)
        goal -= length
    return pts[-1]


def frame_plan(view: PathView, frames_per_move: int, hold: int) -> list[tuple[int, float]]:
    """(move index, fraction along it) per frame; the last ``hold`` frames show the result."""
    plan = [(k, f / frames_per_move) for k in range(len(view.moves)) for f in range(1, frames_per_move + 1)]
    return plan + [(len(view.moves), 1.0)] * hold


def _scene_for(view: PathView, lab: "Lab | None", dpi: float) -> Scene:
    if lab is not None:
        return draw_topology(lab, overlay=True, title=view.flow, dpi=dpi)
    from simnet.views.topology import new_scene

    model, layout = chain_model(view)
    scene = new_scene(model, dpi=max(dpi, 80))      # a row of nodes is a small picture
    scene.layout = layout
    scene.ax.set_xlim(0, layout.columns)
    scene.ax.set_ylim(-0.9, 0.7)
    for name, (x, y) in layout.nodes.items():
        scene.ax.plot([x], [y], "s", markersize=16, markerfacecolor="#BBBBBB", markeredgecolor="#222222")
        scene.ax.annotate(name, (x, y), xytext=(0, 14), textcoords="offset points", ha="center",
                          fontsize=FONT["node"], fontweight="bold")
    scene.fig.suptitle(view.flow, fontsize=FONT["title"])
    return scene


def _animation_class() -> type:
    """FuncAnimation that shows itself as the JavaScript player when it is a cell's result."""
    from matplotlib.animation import FuncAnimation

    class TraceAnimation(FuncAnimation):
        def _repr_html_(self) -> str:
            return self.to_jshtml()

    return TraceAnimation


def _freeze_background(scene: Scene) -> None:
    """Render the static topology once and show it as a picture: each frame then
    draws only the moving parts (about 10× faster than redrawing every label)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig, ax = scene.fig, scene.ax
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    background = np.asarray(canvas.buffer_rgba()).copy()
    statics = [*ax.patches, *ax.lines, *ax.texts, *ax.collections, *fig.legends, *fig.texts]
    title = getattr(fig, "_suptitle", None)      # the suptitle's Text artist (no public getter)
    if title is not None:
        statics.append(title)
    for art in statics:
        art.set_visible(False)
    fig.figimage(background, xo=0, yo=0, origin="upper", zorder=-10)


def animate_trace(trace: Any, lab: "Lab | None" = None, *, frames_per_move: int = 3, hold: int = 4,
                  interval: int = 160, dpi: float = 50, underlay: bool = True) -> "FuncAnimation":
    """Animate the deciding journey of ``trace`` (a Trace, PacketTrace or Result)."""
    import textwrap

    packet = main_packet(trace)
    if packet is None:
        raise ValueError("Dieser Trace enthält kein Paket – es gibt nichts zu animieren.")
    scene0 = None
    if lab is not None:
        from simnet.views.model import read_model

        scene0 = read_model(lab)
    view = path_view(packet, scene0, underlay=underlay)
    assert view is not None
    scene = _scene_for(view, lab, dpi)
    add_legend(scene, trace_legend(view))
    _freeze_background(scene)
    move_arts = []
    for k, move in enumerate(view.moves, 1):
        arts = draw_move(scene, move, k, badges=False)     # the status line numbers the moves
        for a in arts:
            a.set_visible(False)
        move_arts.append(arts)
    mark_arts: list[tuple[int, bool, list[Any]]] = []
    slots: dict[str, int] = {}
    shown: set[tuple[str, str]] = set()
    for mark in view.marks:
        if mark.kind != "drop" and (mark.node, mark.tag) in shown:
            continue
        shown.add((mark.node, mark.tag))
        arts = draw_mark(scene, mark, slots.get(mark.node, 0))
        slots[mark.node] = slots.get(mark.node, 0) + 1
        for a in arts:
            a.set_visible(False)
        mark_arts.append((mark.order, mark.kind == "drop", arts))
    paths = [move_points(scene, m) for m in view.moves]
    dot = scene.ax.plot([], [], "o", markersize=11, color=TRACE["pass"], markeredgecolor="white", zorder=10)[0]
    y = 0.72 / scene.fig.get_figheight()
    status = scene.fig.text(0.5, y, "", ha="center", va="center", fontsize=FONT["node"], fontweight="bold")
    plan = frame_plan(view, frames_per_move, hold)
    width = max(40, int(scene.fig.get_figwidth() * 72 / (FONT["node"] * 0.62)))
    final = "\n".join(line for part in caption_for(view).split("\n") for line in textwrap.wrap(part, width))

    def update(i: int) -> list[Any]:
        k, frac = plan[i]
        done = k >= len(view.moves)
        for j, arts in enumerate(move_arts):
            for a in arts:
                a.set_visible(j < k or (j == k and frac >= 1.0) or done)
        for order, is_drop, arts in mark_arts:
            for a in arts:
                a.set_visible((done and is_drop) or (not is_drop and order <= (len(view.moves) if done else k)))
        if done:
            dot.set_data([], [])
            status.set_text(final)
            status.set_color(TRACE["pass"] if view.ok else TRACE["drop"])
        else:
            move = view.moves[k]
            px, py = _interpolate(paths[k], frac)
            dot.set_data([px], [py])
            tunnel = move.medium in ("tunnel", "derp") or move.encapsulated
            dot.set_color(TRACE["overlay"] if tunnel else TRACE["pass"])
            status.set_text(f"{k + 1}/{len(view.moves)}: {move.src} → {move.dst}: {move.label}")
            status.set_color(TRACE["text"])
        return [dot, status]

    anim = _animation_class()(scene.fig, update, frames=len(plan), interval=interval, blit=False, repeat=True)
    anim.simnet_view = view          # type: ignore[attr-defined]  # tests check what was animated
    return anim
