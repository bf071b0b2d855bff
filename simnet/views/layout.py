"""A deterministic, layered layout: the internet on top, sites below it.

Why not a force layout: learners compare pictures between exercises, so the
seed lab must look the same every time, and a tree reads like the network
plan an admin draws by hand. Nodes and segments form a bipartite graph; a
breadth-first walk from the root (the node drawn as the internet, else the
node with most interfaces, else the largest segment) puts every item on a
row by its distance from the root. Each subtree gets as many columns as it
has leaves, so nothing overlaps by construction. Extra links (cycles) are
kept and drawn as plain lines.

Coordinates are in *cells*: one column per leaf, one row per level.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from simnet.views.model import TopologyModel

__all__ = ["Layout", "compute_layout", "BUS_HALF_HEIGHT"]

Item = tuple[str, str]          # ("n", node name) or ("s", segment name)

BUS_HALF_HEIGHT = 0.13          # a segment is a band this many rows above and below its row
MIN_BUS_HALF_WIDTH = 0.42       # wide enough for a two-line segment caption


@dataclass
class Layout:
    """Positions (in cells) of nodes and segments, plus where each link meets a bus."""

    nodes: dict[str, tuple[float, float]] = field(default_factory=dict)
    buses: dict[str, tuple[float, float, float]] = field(default_factory=dict)   # x0, x1, y
    parent_of: dict[Item, Item | None] = field(default_factory=dict)
    columns: int = 1
    rows: int = 1

    def attach(self, node: str, segment: str) -> tuple[float, float]:
        """Where the link of ``node`` meets the band of ``segment`` (top or bottom edge)."""
        nx, ny = self.nodes[node]
        x0, x1, y = self.buses[segment]
        x = min(max(nx, x0 + 0.05), x1 - 0.05)
        edge = y + BUS_HALF_HEIGHT if ny > y else y - BUS_HALF_HEIGHT
        return (x, edge)

    def caption_point(self, node: str, segment: str, index: int) -> tuple[float, float, bool]:
        """Where the caption of a node's ``index``-th link goes (x, y in cells, and whether it
        sits right of the link): near the band, on the side the link leans to; on a node with
        several links the captions alternate between two heights so neighbours do not collide."""
        nx, ny = self.nodes[node]
        ax_, ay_ = self.attach(node, segment)
        t = 0.62 if index % 2 == 0 else 0.36
        return nx + (ax_ - nx) * t, ny + (ay_ - ny) * t, ax_ - nx > 0.02

    def bus_centre(self, segment: str) -> tuple[float, float]:
        x0, x1, y = self.buses[segment]
        return ((x0 + x1) / 2, y)


def _neighbours(model: TopologyModel, item: Item) -> list[Item]:
    kind, name = item
    if kind == "n":
        return [("s", i.segment) for i in model.nodes[name].interfaces
                if i.segment is not None and i.segment in model.segments]
    return [("n", m) for m in model.segments[name].members if m in model.nodes]


def _root(model: TopologyModel, todo: list[Item]) -> Item:
    nodes = [i for i in todo if i[0] == "n"]
    for item in nodes:
        if model.nodes[item[1]].icon == "internet":
            return item
    if nodes:
        best = max(nodes, key=lambda i: len(_neighbours(model, i)))
        if len(_neighbours(model, best)) >= 2:
            return best
    segs = [i for i in todo if i[0] == "s"]
    if segs:
        return max(segs, key=lambda i: len(_neighbours(model, i)))
    return todo[0]


def compute_layout(model: TopologyModel) -> Layout:
    """Rows by distance from the root, columns by leaves; the same lab gives the same picture."""
    todo: list[Item] = [("n", n) for n in model.nodes] + [("s", s) for s in model.segments]
    depth: dict[Item, int] = {}
    parent: dict[Item, Item | None] = {}
    children: dict[Item, list[Item]] = {}
    roots: list[Item] = []
    while True:
        left = [i for i in todo if i not in depth]
        if not left:
            break
        root = _root(model, left)
        roots.append(root)
        depth[root], parent[root] = 0, None
        queue = [root]
        while queue:
            item = queue.pop(0)
            children[item] = []
            for nb in _neighbours(model, item):
                if nb not in depth:
                    depth[nb], parent[nb] = depth[item] + 1, item
                    children[item].append(nb)
                    queue.append(nb)

    width: dict[Item, int] = {}

    def measure(item: Item) -> int:
        w = sum(measure(c) for c in children[item]) or 1
        width[item] = w
        return w

    xs: dict[Item, float] = {}

    def place(item: Item, left: float) -> None:
        kids = children[item]
        cursor = left
        for c in kids:
            place(c, cursor)
            cursor += width[c]
        xs[item] = (xs[kids[0]] + xs[kids[-1]]) / 2 if kids else left + width[item] / 2

    cursor = 0.0
    for r in roots:
        measure(r)
        place(r, cursor)
        cursor += width[r]

    layout = Layout(parent_of=parent, columns=max(1, int(cursor)), rows=max(depth.values()) + 1)
    for item, d in depth.items():
        if item[0] == "n":
            layout.nodes[item[1]] = (xs[item], -float(d))
    for item, d in depth.items():
        if item[0] != "s":
            continue
        kid_xs = [xs[c] for c in children[item]] or [xs[item]]
        x0 = min(kid_xs) - 0.3
        x1 = max(kid_xs) + 0.3
        centre = (x0 + x1) / 2
        half = max((x1 - x0) / 2, MIN_BUS_HALF_WIDTH)
        layout.buses[item[1]] = (centre - half, centre + half, -float(d))
    return layout
