"""The views as SVG written directly: no matplotlib, so they work in the browser (JupyterLite).

The pictures read the same data as the matplotlib views — :func:`read_model`,
:func:`compute_layout`, :func:`path_view`, :func:`sequence_rows` and the move
geometry of :mod:`simnet.views.tracedraw` — and only draw it differently, so
both always show the same network and the same path. Sizes are in CSS pixels
at 100 % zoom; no label is smaller than 11 px.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from itertools import combinations
from typing import TYPE_CHECKING, Any

from simnet.views.layout import BUS_HALF_HEIGHT, Layout, compute_layout
from simnet.views.model import TopologyModel, read_model
from simnet.views.style import PALETTE, ROLE_NAMES, ROLE_STYLE, TRACE
from simnet.views.topology import overlay_bottom, overlay_curve
from simnet.views.tracedraw import MARK_COLOURS, _midpoint, caption_for, move_points
from simnet.views.tracepath import Move, PathView, path_view

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["SvgPicture", "topology_svg", "sequence_svg", "animation_svg", "CELL_W", "CELL_H", "MIN_FONT"]

CELL_W = 200          # px per layout column
CELL_H = 120          # px per layout row
MARGIN = 24
TITLE_H = 34
FOOT_H = 78           # legend and verdict below the drawing
MIN_FONT = 11
FONT_PX = {"title": 16, "node": 13, "small": 12, "tiny": 11}
SANS = "DejaVu Sans, Verdana, Arial, sans-serif"


class SvgPicture:
    """An SVG document that notebooks show as a picture (``_repr_svg_``) or, with controls,
    as HTML (``_repr_html_``); ``str()`` is the SVG text, ``save(path)`` writes it."""

    def __init__(self, svg: str, html: str | None = None) -> None:
        self.svg = svg
        self.html = html

    def __str__(self) -> str:
        return self.svg

    def _repr_svg_(self) -> str | None:
        return None if self.html is not None else self.svg

    def _repr_html_(self) -> str:
        return self.html if self.html is not None else self.svg

    def save(self, path: Any) -> None:
        from pathlib import Path

        target = Path(path)
        target.write_text(self.html if self.html is not None and target.suffix == ".html" else self.svg,
                          encoding="utf-8")


@dataclass
class _Plan:
    """What move_points needs: the model and the layout (the matplotlib Scene has both, too)."""

    model: TopologyModel
    layout: Layout
    height_cells: float

    def px(self, x: float, y: float) -> tuple[float, float]:
        return (MARGIN + (x + 0.1) * CELL_W, TITLE_H + MARGIN + (0.5 - y) * CELL_H)

    @property
    def width(self) -> float:
        return 2 * MARGIN + (self.layout.columns + 0.45) * CELL_W

    @property
    def height(self) -> float:
        return TITLE_H + 2 * MARGIN + self.height_cells * CELL_H + FOOT_H


def _plan(lab: "Lab | TopologyModel", overlay: bool) -> _Plan:
    model = lab if isinstance(lab, TopologyModel) else read_model(lab)
    layout = compute_layout(model)
    bottom = -(layout.rows - 1) - 0.55
    members = [layout.nodes[m] for m in model.overlay_members if m in layout.nodes]
    if overlay and members:
        bottom = min(bottom, overlay_bottom(members) / 2 + min(y for _, y in members) / 2 - 0.2)
    return _Plan(model, layout, 0.5 - bottom)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, s: str, size: str = "small", *, anchor: str = "start", weight: str = "normal",
          colour: str = TRACE["text"], halo: bool = False, baseline: str = "middle") -> str:
    halo_attr = ' stroke="white" stroke-width="3" paint-order="stroke" stroke-linejoin="round"' if halo else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{FONT_PX[size]}" text-anchor="{anchor}" '
            f'dominant-baseline="{baseline}" font-weight="{weight}" fill="{colour}"{halo_attr}>{escape(s)}</text>')


def _icon(icon: str, x: float, y: float) -> str:
    """The symbol of an icon family, centred on (x, y), in the shapes and colours of ROLE_STYLE."""
    _, colour, _ = ROLE_STYLE.get(icon, ROLE_STYLE["host"])
    edge = 'stroke="#222222" stroke-width="1.2"'
    if icon == "internet":
        pts = []
        for k in range(0, 121):
            t = 2 * math.pi * k / 120
            r = 1 + 0.13 * abs(math.sin(3.5 * t))
            pts.append(f"{_f(x + 26 * 1.45 * r * math.cos(t))},{_f(y - 26 * 0.9 * r * math.sin(t))}")
        return f'<polygon points="{" ".join(pts)}" fill="{colour}" {edge}/>'
    if icon == "router":
        arrows = "".join(f'<line x1="{_f(x - dx)}" y1="{_f(y - dy)}" x2="{_f(x + dx)}" y2="{_f(y + dy)}" '
                         f'stroke="#222222" stroke-width="1.5"/>' for dx, dy in ((8, 0), (0, 8)))
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="14" fill="{colour}" {edge}/>{arrows}'
    if icon in ("switch", "hub"):
        # a flat box; a switch shows its crossing arrows (it forwards port to port), a hub its ports
        box = f'<rect x="{_f(x - 17)}" y="{_f(y - 8)}" width="34" height="16" rx="2" fill="{colour}" {edge}/>'
        if icon == "switch":
            marks = "".join(f'<line x1="{_f(x - 11)}" y1="{_f(y + dy)}" x2="{_f(x + 11)}" y2="{_f(y + dy)}" '
                            f'stroke="#222222" stroke-width="1.3"/>' for dy in (-3, 3))
        else:
            marks = "".join(f'<circle cx="{_f(x + dx)}" cy="{_f(y)}" r="1.8" fill="#222222"/>'
                            for dx in (-10, -5, 0, 5, 10))
        return box + marks
    if icon == "vps":
        return "".join(f'<rect x="{_f(x - 14)}" y="{_f(y - 14 + k * 10)}" width="28" height="8" rx="1.5" '
                       f'fill="{colour}" {edge}/>' for k in range(3))
    if icon == "laptop":
        return (f'<rect x="{_f(x - 13)}" y="{_f(y - 14)}" width="26" height="16" rx="1.5" fill="{colour}" {edge}/>'
                f'<polygon points="{_f(x - 17)},{_f(y + 5)} {_f(x + 17)},{_f(y + 5)} {_f(x + 14)},{_f(y + 11)} '
                f'{_f(x - 14)},{_f(y + 11)}" fill="{colour}" {edge}/>')
    corners = {"container": 6, "hypervisor": 5, "vm": 4}.get(icon)
    if corners is not None:
        r = 15 if icon != "vm" else 13
        start = {6: 0.0, 5: -math.pi / 2, 4: 0.0}[corners]
        ring = " ".join(f"{_f(x + r * math.cos(start + 2 * math.pi * k / corners))},"
                       f"{_f(y + r * math.sin(start + 2 * math.pi * k / corners))}" for k in range(corners))
        return f'<polygon points="{ring}" fill="{colour}" {edge}/>'
    return f'<rect x="{_f(x - 12)}" y="{_f(y - 12)}" width="24" height="24" fill="{colour}" {edge}/>'


def _topology_layers(plan: _Plan, overlay: bool) -> tuple[list[str], set[str]]:
    """Bands, links with interface captions, the tailnet mesh, nodes with names: the base picture."""
    out: list[str] = []
    lay, model = plan.layout, plan.model
    for name, (x0, x1, y) in lay.buses.items():
        seg = model.segments[name]
        (ax, ay), (bx, by) = plan.px(x0, y + BUS_HALF_HEIGHT), plan.px(x1, y - BUS_HALF_HEIGHT)
        out.append(f'<rect x="{_f(ax)}" y="{_f(ay)}" width="{_f(bx - ax)}" height="{_f(by - ay)}" rx="7" '
                   f'fill="{PALETTE["band"]}" stroke="{PALETTE["band_edge"]}" stroke-width="1"/>')
        cx, cy = plan.px((x0 + x1) / 2, y)
        if seg.prefix:
            out.append(_text(cx, cy - 7, seg.label, "tiny", anchor="middle"))
            out.append(_text(cx, cy + 7, seg.prefix, "tiny", anchor="middle"))
        else:
            out.append(_text(cx, cy, seg.label, "tiny", anchor="middle"))
    for node in model.nodes.values():
        if node.name not in lay.nodes:
            continue
        nx, ny = lay.nodes[node.name]
        linked = [i for i in node.interfaces if i.segment is not None and i.segment in lay.buses]
        for k, iface in enumerate(linked):
            assert iface.segment is not None
            ex, ey = lay.attach(node.name, iface.segment)
            (px0, py0), (px1, py1) = plan.px(nx, ny), plan.px(ex, ey)
            dash = "" if iface.up else ' stroke-dasharray="2 3"'
            out.append(f'<line x1="{_f(px0)}" y1="{_f(py0)}" x2="{_f(px1)}" y2="{_f(py1)}" stroke="#555555" '
                       f'stroke-width="1.3"{dash}/>')
            cx, cy, right = lay.caption_point(node.name, iface.segment, k)
            cx, cy = plan.px(cx, cy)
            out.append(_text(cx + (5 if right else -5), cy, iface.caption, "tiny",
                             anchor="start" if right else "end", colour="#333333", halo=True))
    icons: set[str] = set()
    if overlay:
        members = [m for m in model.overlay_members if m in lay.nodes]
        for a, b in combinations(members, 2):
            (s, c, e) = (plan.px(*p) for p in overlay_curve(lay.nodes[a], lay.nodes[b]))
            out.append(f'<path d="M{_f(s[0])},{_f(s[1])} Q{_f(c[0])},{_f(c[1])} {_f(e[0])},{_f(e[1])}" '
                       f'fill="none" stroke="{TRACE["overlay"]}" stroke-width="1.8" stroke-dasharray="6 4" '
                       f'opacity="0.85"/>')
    for node in model.nodes.values():
        x, y = plan.px(*lay.nodes[node.name])
        icons.add(node.icon)
        out.append(f'<g class="node" data-node="{escape(node.name)}">{_icon(node.icon, x, y)}')
        pad = 40 if node.icon == "internet" else 20
        out.append(_text(x + pad, y - 8, node.name, "node", weight="bold", halo=True))
        out.append(_text(x + pad, y + 8, ROLE_NAMES.get(node.icon, node.role), "tiny", colour="#555555", halo=True))
        if overlay and node.overlay_address:
            out.append(_text(x + pad, y + 23, f"tailscale0 {node.overlay_address}", "tiny", weight="bold",
                             colour=TRACE["overlay"], halo=True))
        out.append("</g>")
    return out, icons


def _arrow_defs() -> str:
    heads = "".join(
        f'<marker id="head-{key}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11" '
        f'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for key, colour in (("pass", TRACE["pass"]), ("tunnel", TRACE["overlay"])))
    return f"<defs>{heads}</defs>"


def _move_svg(plan: _Plan, move: Move, number: int) -> str:
    pts = [plan.px(x, y) for x, y in move_points(plan, move)]    # type: ignore[arg-type]
    if len(pts) < 2:
        return ""
    d = "M" + " L".join(f"{_f(x)},{_f(y)}" for x, y in pts)
    tunnel = move.medium in ("tunnel", "derp") or move.encapsulated
    dash = "" if move.leg == "out" else ' stroke-dasharray="7 4"'
    if tunnel:
        line = (f'<path d="{d}" fill="none" stroke="{TRACE["overlay"]}" stroke-width="5"{dash}/>'
                f'<path d="{d}" fill="none" stroke="white" stroke-width="1.6"{dash} marker-end="url(#head-tunnel)"/>')
        fill = TRACE["overlay"]
    else:
        line = f'<path d="{d}" fill="none" stroke="{TRACE["pass"]}" stroke-width="2.8"{dash} marker-end="url(#head-pass)"/>'
        fill = TRACE["pass"]
    mx, my = _midpoint(pts)
    badge = (f'<circle cx="{_f(mx)}" cy="{_f(my)}" r="9" fill="{fill}" stroke="white" stroke-width="1"/>'
             + _text(mx, my + 0.5, str(number), "tiny", anchor="middle", weight="bold", colour="white"))
    word = ""
    if move.medium in ("tunnel", "derp"):
        word = _text(mx, my + 20, "DERP-Relay" if move.medium == "derp" else "WireGuard-Tunnel", "tiny",
                     anchor="middle", weight="bold", colour=TRACE["overlay"], halo=True)
    title = f"<title>{escape(f'{number}. {move.src} → {move.dst}: {move.label}')}</title>"
    return f'<g class="move" data-step="{number}">{title}{line}{badge}{word}</g>'


def _marks_svg(plan: _Plan, view: PathView) -> list[str]:
    """Rewrites, tunnel ends and the drop; each group says after how many moves it appears
    (``data-order``), so the animation can show them step by step."""
    out: list[str] = []
    slots: dict[str, int] = {}
    shown: set[tuple[str, str]] = set()
    total = len(view.moves)
    for mark in view.marks:
        pos = plan.layout.nodes.get(mark.node)
        if pos is None or (mark.kind != "drop" and (mark.node, mark.tag) in shown):
            continue
        shown.add((mark.node, mark.tag))
        x, y = plan.px(*pos)
        colour = MARK_COLOURS.get(mark.kind, TRACE["text"])
        if mark.kind == "drop":
            cross = (f'M{_f(x - 13)},{_f(y - 13)} L{_f(x + 13)},{_f(y + 13)} M{_f(x + 13)},{_f(y - 13)} '
                     f'L{_f(x - 13)},{_f(y + 13)}')
            out.append(f'<g class="drop" data-order="{total}"><title>{escape(mark.text)}</title>'
                       f'<path d="{cross}" stroke="white" stroke-width="9" stroke-linecap="round"/>'
                       f'<path d="{cross}" stroke="{colour}" stroke-width="5.5" stroke-linecap="round"/></g>')
            continue
        slot = slots.get(mark.node, 0)
        slots[mark.node] = slot + 1
        label = mark.tag or mark.text
        ty = y + 22 + 16 * slot
        width = 7.2 * len(label) + 8
        out.append(f'<g class="mark" data-order="{min(mark.order, total)}"><title>{escape(mark.text)}</title>'
                   f'<rect x="{_f(x - 18 - width)}" y="{_f(ty - 9)}" width="{_f(width)}" height="17" rx="3" '
                   f'fill="white" stroke="{colour}" stroke-width="1"/>'
                   + _text(x - 22, ty, label, "tiny", anchor="end", weight="bold", colour=colour) + "</g>")
    return out


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return [line for part in text.split("\n") for line in textwrap.wrap(part, width)]


def _legend(plan: _Plan, icons: set[str], view: PathView | None, y: float) -> list[str]:
    out: list[str] = []
    x = MARGIN + 10
    for icon in [i for i in ROLE_STYLE if i in icons]:
        out.append(f'<g transform="translate({_f(x)},{_f(y)}) scale(0.6) translate({_f(-x)},{_f(-y)})">'
                   f'{_icon(icon, x, y)}</g>')
        gap = 28 if icon == "internet" else 20
        out.append(_text(x + gap, y, ROLE_NAMES.get(icon, icon), "tiny"))
        x += gap + 16 + 7 * len(ROLE_NAMES.get(icon, icon))
    if plan.model.overlay_members:
        out.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x + 26)}" y2="{_f(y)}" stroke="{TRACE["overlay"]}" '
                   f'stroke-width="1.8" stroke-dasharray="6 4"/>')
        out.append(_text(x + 32, y, "Tailnet (WireGuard, 100.64.0.0/10)", "tiny"))
    return out


def _document(plan: _Plan, body: list[str], title: str) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(plan.width)}" height="{_f(plan.height)}" '
            f'viewBox="0 0 {_f(plan.width)} {_f(plan.height)}" font-family="{SANS}" role="img">'
            f"<title>{escape(title)}</title>" + _arrow_defs()
            + '<rect width="100%" height="100%" fill="white"/>'
            + _text(plan.width / 2, 22, title, "title", anchor="middle", weight="bold"))
    return head + "".join(body) + "</svg>"


def _picture(plan: _Plan, view: PathView | None, overlay: bool, title: str) -> str:
    body, icons = _topology_layers(plan, overlay)
    foot = plan.height - FOOT_H
    if view is not None:
        body += [_move_svg(plan, m, k) for k, m in enumerate(view.moves, 1)]
        body += _marks_svg(plan, view)
        colour = TRACE["pass"] if view.ok else TRACE["drop"]
        body.append(f'<g class="verdict" data-order="{len(view.moves)}">')
        for k, line in enumerate(_wrap(caption_for(view), max(40, int(plan.width / 7.6)))[:3]):
            body.append(_text(plan.width / 2, foot + 40 + 16 * k, line, "node", anchor="middle",
                              weight="bold", colour=colour))
        body.append("</g>")
    body += _legend(plan, icons, view, foot + 14)
    return _document(plan, body, title)


def topology_svg(lab: "Lab | TopologyModel", trace: Any = None, *, overlay: bool = True, underlay: bool = True,
                 title: str | None = None) -> SvgPicture:
    """The lab (and the deciding packet's path of ``trace``) as SVG, like :func:`simnet.views.draw`."""
    plan = _plan(lab, overlay)
    view = path_view(trace, plan.model, underlay=underlay) if trace is not None else None
    if title is None:
        title = view.flow if view is not None else f"Lab „{plan.model.name}“"
    return SvgPicture(_picture(plan, view, overlay, title))


_PLAYER = """(function(){var r=document.getElementById('%(uid)s');if(!r)return;
var n=%(total)d,i=n,t=null,p=r.querySelector('.pos'),g=r.querySelectorAll('[data-step],[data-order]');
function s(k){i=Math.max(0,Math.min(n,k));g.forEach(function(e){var v=e.dataset.step!==undefined?
+e.dataset.step:+e.dataset.order;e.style.display=(e.dataset.step!==undefined?v<=i:v<=i)?'':'none';});
p.textContent=' Schritt '+i+' von '+n;}
r.querySelectorAll('button').forEach(function(b){b.onclick=function(){var a=b.dataset.act;
if(t){clearInterval(t);t=null;}if(a=='prev')s(i-1);else if(a=='next')s(i+1);else{s(0);
t=setInterval(function(){if(i>=n){clearInterval(t);t=null;}else s(i+1);},%(ms)d);}};});s(n);})();"""


def animation_svg(trace: Any, lab: "Lab", *, overlay: bool = True, underlay: bool = True,
                  interval_ms: int = 900) -> SvgPicture:
    """The path built up move by move: the picture of :func:`topology_svg` whose moves, marks
    and verdict a small play/step control shows one after the other (a few lines of script;
    a viewer without script shows the whole path)."""
    picture = topology_svg(lab, trace, overlay=overlay, underlay=underlay)
    total = picture.svg.count('class="move"')
    uid = f"simnet-anim-{abs(hash(picture.svg)) % 10**9}"
    button = 'style="font-size:14px;padding:3px 10px;margin-right:6px"'
    html = (f'<div id="{uid}" class="simnet-animation">{picture.svg}'
            f'<div style="font-family:{SANS};font-size:14px;margin-top:4px">'
            f'<button {button} data-act="prev">◀ zurück</button><button {button} data-act="play">▶ abspielen</button>'
            f'<button {button} data-act="next">weiter ▶</button><span class="pos"></span></div>'
            f"<script>{_PLAYER % {'uid': uid, 'total': total, 'ms': interval_ms}}</script></div>")
    return SvgPicture(picture.svg, html)


def sequence_svg(trace: Any, lab: "Lab | None" = None, *, max_packets: int = 12, underlay: bool = True,
                 title: str | None = None) -> SvgPicture:
    """A sequence diagram as SVG, from the same rows as :func:`simnet.views.sequence`."""
    from simnet.views.seqdiagram import _lanes, _roles, sequence_rows

    rows = sequence_rows(trace, max_packets, underlay)
    lanes = _lanes(rows)
    roles = _roles(lab)
    lane_w, row_h, left, top = 170, 34, 90, 86
    width = left + lane_w * max(len(lanes), 1) + 40
    height = top + row_h * (len(rows) + 1) + 30
    xs = {name: left + lane_w * (k + 0.5) for k, name in enumerate(lanes)}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} '
           f'{height}" font-family="{SANS}" role="img"><title>{escape(title or "Sequenzdiagramm")}</title>',
           _arrow_defs(), '<rect width="100%" height="100%" fill="white"/>',
           _text(width / 2, 20, title or "Sequenzdiagramm", "title", anchor="middle", weight="bold")]
    for name, x in xs.items():
        out.append(_text(x, 46, name, "node", anchor="middle", weight="bold"))
        if name in roles:
            out.append(_text(x, 63, roles[name], "tiny", anchor="middle", colour="#555555"))
        out.append(f'<line x1="{_f(x)}" y1="{top - 12}" x2="{_f(x)}" y2="{height - 20}" stroke="#999999" '
                   f'stroke-width="1" stroke-dasharray="3 3"/>')
    for k, row in enumerate(rows):
        y = top + row_h * (k + 0.6)
        if row.time is not None:
            out.append(_text(8, y, f"{row.time * 1000:.0f} ms", "tiny", colour="#555555"))
        x0 = xs[row.src]
        if row.kind == "move" and row.dst in xs:
            x1 = xs[row.dst]
            colour = TRACE["overlay"] if row.tunnel else TRACE["pass"]
            dash = "" if row.leg == "out" else ' stroke-dasharray="7 4"'
            head = "tunnel" if row.tunnel else "pass"
            out.append(f'<line x1="{_f(x0)}" y1="{_f(y)}" x2="{_f(x1 - (8 if x1 > x0 else -8))}" y2="{_f(y)}" '
                       f'stroke="{colour}" stroke-width="2.4"{dash} marker-end="url(#head-{head})"/>')
            out.append(_text((x0 + x1) / 2, y - 9, row.label, "tiny", anchor="middle", halo=True))
        elif row.kind == "drop":
            out.append(f'<path d="M{_f(x0 - 8)},{_f(y - 8)} L{_f(x0 + 8)},{_f(y + 8)} M{_f(x0 + 8)},{_f(y - 8)} '
                       f'L{_f(x0 - 8)},{_f(y + 8)}" stroke="{TRACE["drop"]}" stroke-width="4" stroke-linecap="round"/>')
            for j, line in enumerate(_wrap(row.label, 60)[:2]):
                out.append(_text(x0 + 14, y + 14 * j, line, "tiny", colour=TRACE["drop"], weight="bold", halo=True))
        else:
            out.append(_text(x0 + 8, y, row.label, "tiny", colour="#555555", halo=True))
    out.append("</svg>")
    return SvgPicture("".join(out))
