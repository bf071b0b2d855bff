"""Drawing a lab: nodes by role, segments as labelled bands, the tailnet on top.

Everything is drawn into one Axes whose data units are layout cells; text
and icons have fixed point sizes, so the figure size (computed from the
number of columns and rows) is what keeps labels apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

from simnet.views.layout import BUS_HALF_HEIGHT, Layout, compute_layout
from simnet.views.model import TopologyModel, read_model
from simnet.views.style import FONT, PALETTE, ROLE_NAMES, TRACE, marker_for

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from simnet.lab import Lab

__all__ = ["Scene", "new_scene", "draw_topology", "COLUMN_INCH", "ROW_INCH"]

COLUMN_INCH = 2.35
ROW_INCH = 1.05
BOTTOM_INCH = 1.15         # legend (two lines) and the verdict caption (two lines) below the drawing


@dataclass
class Scene:
    """A drawn topology: the figure plus what later layers (traces, tests) need."""

    fig: "Figure"
    ax: "Axes"
    model: TopologyModel
    layout: Layout
    labels: list[Any] = field(default_factory=list)        # Text artists that must not overlap
    overlay_artists: list[Any] = field(default_factory=list)
    legend_handles: list[Any] = field(default_factory=list)
    icons: dict[str, Any] = field(default_factory=dict)     # node name -> its marker artist


MAX_INCH = (40.0, 24.0)     # big labs get squeezed (and crowded) rather than a picture no one can open


def figure_size(layout: Layout) -> tuple[float, float]:
    width = max(6.0, layout.columns * COLUMN_INCH + 0.8)
    height = max(3.2, layout.rows * ROW_INCH + 1.2 + BOTTOM_INCH)
    return (min(width, MAX_INCH[0]), min(height, MAX_INCH[1]))


def new_scene(lab_or_model: "Lab | TopologyModel", *, dpi: float = 100) -> Scene:
    """An empty figure sized for the lab's layout (no pyplot state: safe in threads and tests)."""
    from matplotlib.figure import Figure

    model = lab_or_model if isinstance(lab_or_model, TopologyModel) else read_model(lab_or_model)
    layout = compute_layout(model)
    width, height = figure_size(layout)
    fig = Figure(figsize=(width, height), dpi=dpi)
    bottom, top = BOTTOM_INCH / height, 1 - 0.45 / height     # room for caption + legend, and the title
    ax = fig.add_axes((0.01, bottom, 0.98, top - bottom))
    ax.set_xlim(-0.1, layout.columns + 0.35)
    ax.set_ylim(-(layout.rows - 1) - 0.55, 0.5)
    ax.set_axis_off()
    return Scene(fig, ax, model, layout)


def _text(scene: Scene, x: float, y: float, s: str, *, check: bool = True, **kw: Any) -> Any:
    t = scene.ax.annotate(s, (x, y), annotation_clip=False, **kw)
    if check:
        scene.labels.append(t)
    return t


def _draw_segments(scene: Scene) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax = scene.ax
    for name, (x0, x1, y) in scene.layout.buses.items():
        seg = scene.model.segments[name]
        ax.add_patch(FancyBboxPatch((x0, y - BUS_HALF_HEIGHT), x1 - x0, 2 * BUS_HALF_HEIGHT,
                                    boxstyle="round,pad=0,rounding_size=0.06", mutation_aspect=0.5,
                                    fc=PALETTE["band"], ec=PALETTE["band_edge"], lw=1.0, zorder=1))
        text = seg.label if not seg.prefix else f"{seg.label}\n{seg.prefix}"
        _text(scene, (x0 + x1) / 2, y, text, ha="center", va="center", fontsize=FONT["small"],
              color=TRACE["text"], zorder=2)


def _draw_links(scene: Scene) -> None:
    ax, layout = scene.ax, scene.layout
    for node in scene.model.nodes.values():
        if node.name not in layout.nodes:
            continue
        nx, ny = layout.nodes[node.name]
        linked = [i for i in node.interfaces if i.segment is not None and i.segment in layout.buses]
        for k, iface in enumerate(linked):
            assert iface.segment is not None
            ax_, ay_ = layout.attach(node.name, iface.segment)
            style = "-" if iface.up else ":"
            ax.plot([nx, ax_], [ny, ay_], style, color="#555555", lw=1.2, zorder=0.5)
            # a node's name sits right of its icon, so straight links get their caption on the left
            cx, cy, right = layout.caption_point(node.name, iface.segment, k)
            _text(scene, cx, cy, iface.caption, xytext=(4 if right else -4, 0), textcoords="offset points",
                  ha="left" if right else "right", va="center", fontsize=FONT["tiny"], color="#333333",
                  zorder=3, bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))


def _draw_nodes(scene: Scene) -> None:
    ax = scene.ax
    seen_roles: dict[str, Any] = {}
    for node in scene.model.nodes.values():
        x, y = scene.layout.nodes[node.name]
        marker, colour, size = marker_for(node.icon)
        h = ax.plot([x], [y], linestyle="none", marker=marker, markersize=size, markerfacecolor=colour,
                    markeredgecolor="#222222", markeredgewidth=1.1, zorder=4)[0]
        seen_roles.setdefault(node.icon, h)
        scene.icons[node.name] = h
        role_word = ROLE_NAMES.get(node.icon, node.role)
        pad = size * (0.85 if node.icon == "internet" else 0.6) + 3
        _text(scene, x, y, node.name, xytext=(pad, 4), textcoords="offset points", ha="left", va="bottom",
              fontsize=FONT["node"], fontweight="bold", zorder=5)
        _text(scene, x, y, role_word, xytext=(pad, 3), textcoords="offset points", ha="left", va="top",
              fontsize=FONT["tiny"], color="#555555", zorder=5)
        if node.overlay_address:
            art = _text(scene, x, y, f"tailscale0 {node.overlay_address}", xytext=(pad, -6),
                        textcoords="offset points", ha="left", va="top", fontsize=FONT["tiny"],
                        color=TRACE["overlay"], fontweight="bold", zorder=5)
            scene.overlay_artists.append(art)
    from matplotlib.lines import Line2D

    for icon, _h in seen_roles.items():
        marker, colour, size = marker_for(icon)
        scene.legend_handles.append(Line2D([], [], linestyle="none", marker=marker, markersize=min(size, 14) * 0.8,
                                           markerfacecolor=colour, markeredgecolor="#222222",
                                           label=ROLE_NAMES.get(icon, icon)))


Point = tuple[float, float]


def overlay_curve(pa: Point, pb: Point, depth: float = 0.0) -> tuple[Point, Point, Point]:
    """Start, control point and end (in cells) of a quadratic curve from below node a to
    below node b that bulges under both, so the tailnet never crosses the names and
    addresses next to the icons. Plain numbers: the SVG views draw the same curve."""
    (xa, ya), (xb, yb) = pa, pb
    return (xa, ya - 0.3), ((xa + xb) / 2, min(ya, yb) - 0.55 - 0.06 * abs(xa - xb) - depth), (xb, yb - 0.3)


def overlay_path(pa: Point, pb: Point, depth: float = 0.0) -> Any:
    """:func:`overlay_curve` as a matplotlib Path."""
    from matplotlib.path import Path

    return Path(list(overlay_curve(pa, pb, depth)), [Path.MOVETO, Path.CURVE3, Path.CURVE3])


def overlay_bottom(members: list[Point]) -> float:
    """How far down (in cells) the tailnet curves between these nodes reach."""
    lowest = min(y for _, y in members)
    span = max(x for x, _ in members) - min(x for x, _ in members)
    return lowest - 0.55 - 0.06 * span


def _draw_overlay(scene: Scene) -> None:
    """The tailnet: a dashed purple mesh between the nodes that have tailscale0 up."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch

    members = [m for m in scene.model.overlay_members if m in scene.layout.nodes]
    for a, b in combinations(members, 2):
        pa, pb = scene.layout.nodes[a], scene.layout.nodes[b]
        arc = PathPatch(overlay_path(pa, pb), fill=False, linestyle=(0, (5, 3)), edgecolor=TRACE["overlay"],
                        lw=1.6, alpha=0.8, zorder=2.5)
        scene.ax.add_patch(arc)
        scene.overlay_artists.append(arc)
    if members:
        lowest = min(scene.layout.nodes[m][1] for m in members)
        bottom = overlay_bottom([scene.layout.nodes[m] for m in members])
        y0, y1 = scene.ax.get_ylim()
        scene.ax.set_ylim(min(y0, bottom / 2 + lowest / 2 - 0.2), y1)
        scene.legend_handles.append(Line2D([], [], color=TRACE["overlay"], linestyle=(0, (5, 3)), lw=1.6,
                                           label="Tailnet (WireGuard, 100.64.0.0/10)"))


def draw_topology(lab: "Lab | TopologyModel", *, overlay: bool = True, title: str | None = None,
                  dpi: float = 100) -> Scene:
    """Draw the lab as it is now; ``overlay`` shows or hides the tailnet layer."""
    scene = new_scene(lab, dpi=dpi)
    _draw_segments(scene)
    _draw_links(scene)
    _draw_nodes(scene)
    if overlay:
        _draw_overlay(scene)
    scene.fig.suptitle(title if title is not None else f"Lab „{scene.model.name}“", fontsize=FONT["title"],
                       y=0.985)
    return scene


def add_legend(scene: Scene, extra: list[Any] | None = None) -> None:
    handles = scene.legend_handles + list(extra or [])
    if handles:
        ncol = min(len(handles), max(3, int(scene.fig.get_figwidth() / 1.2)))
        scene.fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=FONT["small"],
                         frameon=False, bbox_to_anchor=(0.5, 0.005))


def label_boxes(scene: Scene) -> list[tuple[str, Any]]:
    """(text, display-space bounding box) of every label, measured by the renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = scene.fig.canvas if isinstance(scene.fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(scene.fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in scene.labels if t.get_visible()]


def overlapping_labels(scene: Scene, margin: float = 0.0) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap (expanded by ``margin`` pixels): should be empty."""
    boxes = label_boxes(scene)
    pairs = []
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            if (a.x0 - margin < b.x1 and b.x0 - margin < a.x1 and a.y0 - margin < b.y1 and b.y0 - margin < a.y1):
                pairs.append((ta, tb))
    return pairs


def icon_boxes(scene: Scene) -> dict[str, Any]:
    """Display-space box of every node icon (after :func:`label_boxes` has drawn the figure)."""
    # every canvas simnet draws on (inline, ipympl, Agg in the tests) derives from FigureCanvasAgg
    renderer = scene.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return {name: art.get_window_extent(renderer) for name, art in scene.icons.items()}
