"""A live panel: switches for the settings that matter, the verdict right below.

Every change runs the real command behind the switch, re-runs the probe
and shows verdict, explanation, a path strip and the path on the topology.
The topology is rendered once; for each probe only the path layer is drawn
onto a saved copy of it (Agg blitting), which keeps a callback on the seed
lab well under 50 ms (see ``bench/views_bench.py``).

Tests drive it without a browser: ``panel.toggle(name, value)``,
``panel.rerun()``, and read ``panel.verdict``, ``panel.explanation``,
``panel.result``.
"""
from __future__ import annotations

import html
import io
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from simnet.views.style import TRACE
from simnet.views.toggles import Toggle, ToggleError, available, make_toggle
from simnet.views.tracepath import PathView, path_view

if TYPE_CHECKING:
    from simnet.lab import Lab, Result

__all__ = ["Panel", "PathRenderer", "path_strip_html", "PAUSE"]

PAUSE = 6.0      # simulated seconds between two clicks: 6 x icmp_ratelimit, a full ICMP error bucket


def path_strip_html(view: PathView | None) -> str:
    """The path as one line of coloured node names: quick to make, easy to read."""
    if view is None:
        return "<i>Kein Paket gesendet.</i>"
    parts: list[str] = []
    nodes = list(view.nodes)
    for i, node in enumerate(nodes):
        dropped_here = view.dropped and node == view.where and i == len(nodes) - 1
        colour = TRACE["drop"] if dropped_here else TRACE["pass"]
        mark = " ✗" if dropped_here else ""
        tags = [m.tag for m in view.marks if m.node == node and m.kind != "drop" and m.tag]
        tag = f' <small style="color:{TRACE["rewrite"]}">[{html.escape(", ".join(dict.fromkeys(tags)))}]</small>' \
            if tags else ""
        parts.append(f'<b style="color:{colour}">{html.escape(node)}{mark}</b>{tag}')
    return " → ".join(parts)


class PathRenderer:
    """Topology drawn once, path layer blitted on top for each new trace."""

    def __init__(self, lab: "Lab", overlay: bool = True, dpi: float = 72) -> None:
        self.lab, self.overlay, self.dpi = lab, overlay, dpi
        self._model_key: Any = None
        self._scene: Any = None
        self._background: Any = None
        self._artists: list[Any] = []
        self._stamps: dict[tuple[str, str], Any] = {}     # (tag, colour) -> RGBA pixels

    def _stamp(self, text: str, colour: str) -> Any:
        """A mark's label rendered once as pixels: pasting it costs 0.05 ms, drawing text 1–2 ms."""
        key = (text, colour)
        if key not in self._stamps:
            import numpy as np
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            from simnet.views.style import FONT

            fig = Figure(figsize=(3, 0.5), dpi=self.dpi)
            fig.patch.set_alpha(0)
            fig.text(0.02, 0.5, text, va="center", fontsize=FONT["tiny"], color=colour, fontweight="bold",
                     bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=colour, lw=0.8, alpha=0.95))
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            pixels = np.asarray(canvas.buffer_rgba())
            rows = np.flatnonzero(pixels[..., 3].any(axis=1))
            cols = np.flatnonzero(pixels[..., 3].any(axis=0))
            self._stamps[key] = pixels[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].copy()
        return self._stamps[key]

    def _paste_marks(self, view: PathView) -> None:
        """The marks' labels where :func:`simnet.views.tracedraw.draw_mark` would put them."""
        from simnet.views.tracedraw import MARK_COLOURS

        scene = self._scene
        renderer = scene.fig.canvas.get_renderer()
        gc = renderer.new_gc()
        scale = self.dpi / 72.0
        slots: dict[str, int] = {}
        shown: set[tuple[str, str]] = set()
        for mark in view.marks:
            pos = scene.layout.nodes.get(mark.node)
            if mark.kind == "drop" or pos is None or (mark.node, mark.tag) in shown:
                continue
            shown.add((mark.node, mark.tag))
            slot = slots.get(mark.node, 0)
            slots[mark.node] = slot + 1
            pixels = self._stamp(mark.tag or mark.text, MARK_COLOURS.get(mark.kind, "#222222"))
            x, y = scene.ax.transData.transform(pos)
            right, top = x - 14 * scale, y - (9 + 11 * slot) * scale
            renderer.draw_image(gc, int(right - pixels.shape[1]), int(top - pixels.shape[0]), pixels[::-1])
        gc.restore()

    def _prepare(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        from simnet.views.model import read_model
        from simnet.views.topology import add_legend, draw_topology
        from simnet.views.tracedraw import trace_legend

        model = read_model(self.lab)
        key = (tuple(model.nodes.values()), tuple(model.segments.values()))
        if key == self._model_key and self._scene is not None:
            return
        scene = draw_topology(model, overlay=self.overlay, title="", dpi=self.dpi)
        add_legend(scene, trace_legend())
        canvas = FigureCanvasAgg(scene.fig)
        canvas.draw()
        self._background = canvas.copy_from_bbox(scene.fig.bbox)
        self._scene, self._model_key, self._artists = scene, key, []

    @property
    def model(self) -> Any:
        self._prepare()
        return self._scene.model

    def render(self, view: PathView | None) -> bytes:
        """JPEG of the topology with ``view`` drawn on it (JPEG: 4 ms to encode, PNG: 18 ms)."""
        from PIL import Image

        from simnet.views.tracedraw import draw_path

        self._prepare()
        scene = self._scene
        for a in self._artists:
            a.remove()
        # text costs 1-2 ms a label: no numbers and no caption (verdict and path are in the HTML
        # next to the picture), and the marks' labels are pasted as ready-made pixels
        lines_only = replace(view, marks=tuple(m for m in view.marks if m.kind == "drop")) if view else None
        self._artists = draw_path(scene, lines_only, badges=False, caption=False)
        canvas = scene.fig.canvas
        canvas.restore_region(self._background)
        for a in self._artists:
            scene.fig.draw_artist(a)
        if view is not None:
            self._paste_marks(view)
        w, h = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=90)
        return out.getvalue()


class Panel(widgets.VBox):
    """ipywidgets container with one switch per toggle and the probe's verdict."""

    def __init__(self, lab: "Lab", probe: tuple[str, str], toggles: list[str] | None = None, *,
                 draw: bool = True, overlay: bool = True, dpi: float = 72) -> None:
        node, command = probe
        self.lab, self.probe = lab, (node, command)
        self.switches: dict[str, Toggle] = {}
        self.verdict = ""
        self.explanation = ""
        self.result: "Result | None" = None
        self.view: PathView | None = None
        self.picture: bytes = b""          # JPEG of the path on the topology (empty with draw=False)
        self.message = ""
        self._syncing = False
        found = [make_toggle(lab, n) for n in toggles] if toggles is not None else available(lab)
        self._controls: dict[str, Any] = {}
        rows = []
        for t in found:
            self.switches[t.name] = t
            value = t.read(lab)
            # the label is HTML next to the control: it wraps instead of being cut off with "…"
            label = widgets.HTML(html.escape(t.label), layout=widgets.Layout(flex="1 1 auto", width="auto"))
            if t.kind == "choice":
                ctl = widgets.Dropdown(options=list(t.choices), value=value, layout=widgets.Layout(width="auto"))
                row = widgets.VBox([label, ctl])
            else:
                ctl = widgets.Checkbox(value=bool(value), indent=False, layout=widgets.Layout(width="auto"))
                row = widgets.HBox([ctl, label], layout=widgets.Layout(align_items="center"))
            ctl.observe(self._on_change(t.name), names="value")
            self._controls[t.name] = ctl
            rows.append(row)
        self._probe_html = widgets.HTML(f"<b>Test:</b> <code>{html.escape(node)}$ {html.escape(command)}</code>")
        self._verdict_html = widgets.HTML()
        self._path_html = widgets.HTML()
        self._explain_html = widgets.HTML()
        self._message_html = widgets.HTML()
        from simnet.views import _svg_wanted

        # in the browser (no matplotlib) the picture is the SVG view, redrawn for each probe
        self._svg = draw and _svg_wanted(None)
        self._overlay = overlay
        self._renderer = PathRenderer(lab, overlay, dpi) if draw and not self._svg else None
        self._image = widgets.Image(format="jpeg") if self._renderer is not None else \
            (widgets.HTML() if self._svg else None)
        switches = widgets.VBox(rows, layout=widgets.Layout(min_width="320px"))
        info = widgets.VBox([self._probe_html, self._verdict_html, self._path_html, self._explain_html,
                             self._message_html])
        children: list[Any] = [widgets.HBox([switches, info])]
        if self._image is not None:
            children.append(self._image)
        super().__init__(children)
        self.rerun()

    # ----------------------------------------------------------- driving
    def _on_change(self, name: str) -> Any:
        def handler(change: dict[str, Any]) -> None:
            if not self._syncing:
                self.toggle(name, change["new"])
        return handler

    def toggle(self, name: str, value: Any) -> str:
        """Switch ``name`` to ``value`` (runs the real command), re-run the probe; returns the verdict."""
        toggle = self.switches.get(name)
        if toggle is None:
            self.message = f"Diesen Schalter gibt es hier nicht: „{name}“. Vorhanden: {', '.join(self.switches)}."
        else:
            try:
                toggle.set(self.lab, value)
                self.message = ("<code>" + html.escape(toggle.commands[-1]) + "</code>") if toggle.commands else ""
            except (ToggleError, ValueError) as exc:
                self.message = html.escape(str(exc))
        return self.rerun()

    def rerun(self) -> str:
        """Run the probe again and refresh every output; returns the verdict line."""
        from simnet.views.style import verdict_line

        from simnet.lab import LabError, Result

        node, command = self.probe
        # a click is a new try a few seconds after the last one: the kernel's ICMP error buckets
        # have refilled by then, so the same settings show the same path on every click
        self.lab.advance(PAUSE)
        try:
            self.result = self.lab.run(node, command)
        except LabError as exc:          # e.g. a node name that is not in the lab
            self.result = Result(1, "", str(exc) + "\n", node=node, command=command)
        trace = self.result.trace
        ok = trace.ok and self.result.returncode == 0
        self.verdict = verdict_line(trace) if ok or trace.packets else "✗ Der Test-Befehl ist fehlgeschlagen"
        self.explanation = trace.explain() if trace.packets else \
            "\n".join((self.result.stderr or self.result.stdout).strip().splitlines()[:3]) or trace.explain()
        model = self._renderer.model if self._renderer is not None else None
        self.view = path_view(trace, model) if trace.packets else None
        colour = TRACE["pass"] if ok else TRACE["drop"]
        self._verdict_html.value = f'<b style="color:{colour};font-size:120%">{html.escape(self.verdict)}</b>'
        self._path_html.value = path_strip_html(self.view)
        self._explain_html.value = html.escape(self.explanation).replace("\n", "<br>")
        self._message_html.value = f"<small>{self.message}</small>" if self.message else ""
        if self._renderer is not None and self._image is not None:
            self.picture = self._renderer.render(self.view)
            self._image.value = self.picture
        elif self._svg and self._image is not None:
            from simnet.views.svgdraw import topology_svg

            self._image.value = str(topology_svg(self.lab, trace if trace.packets else None, overlay=self._overlay))
        self._sync()
        return self.verdict

    def _sync(self) -> None:
        """Switches show what the lab says now (another switch may have changed it)."""
        self._syncing = True
        try:
            for name, ctl in self._controls.items():
                try:
                    value = self.switches[name].read(self.lab)
                except (ToggleError, ValueError):
                    continue
                ctl.value = value if self.switches[name].kind == "choice" else bool(value)
        finally:
            self._syncing = False

    def values(self) -> dict[str, Any]:
        return {name: ctl.value for name, ctl in self._controls.items()}
