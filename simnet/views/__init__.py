"""Pictures of labs and traces: topology, path, animation, sequence diagram, live panel.

Learners would rather look than read. In a notebook::

    from simnet import Lab, views
    lab = Lab.load("headscale", state="ready")
    res = lab.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    views.draw(lab)                        # the topology, tailnet dashed (overlay=False hides it)
    views.draw(lab, res.trace)             # the path: green, the tunnel as a pipe, a drop as a cross
    views.animate(res.trace, lab)          # plays in JupyterLab and on the static site (to_jshtml)
    views.sequence(res.trace, lab=lab)     # lanes per node, arrows in time order
    views.panel(lab, probe=("maschinchen", "ping -c 1 -W 1 192.168.0.101"),
                toggles=["ip_forward@tailscale", "route_approved@192.168.0.0/24",
                         "accept_routes@maschinchen", "back_route@proxmox", "nat_type@cafe"])

Without matplotlib (in the browser, JupyterLite) ``draw``, ``animate`` and
``sequence`` give SVG pictures instead (``simnet.views.svgdraw``); ``format="svg"``
asks for them anywhere, ``views.svg(lab, trace)`` is a short form.

``views.toggles_for(lab)`` lists the switches a lab offers, ``views.TOGGLES``
says what each kind switches. Modules: ``model`` (reads the lab), ``layout``,
``topology``, ``tracepath`` (trace → moves and marks), ``tracedraw``,
``animation``, ``seqdiagram``, ``toggles``, ``livepanel``, ``style``.

Everything imports matplotlib and ipywidgets lazily, inside the functions,
so ``import simnet`` stays fast and works without them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    from simnet.lab import Lab
    from simnet.views.svgdraw import SvgPicture

__all__ = ["draw", "animate", "sequence", "panel", "svg", "toggles_for", "TOGGLES"]


def _svg_wanted(format: str | None) -> bool:
    """SVG when asked for, or when matplotlib cannot be imported (Pyodide has none offline)."""
    if format is not None:
        if format not in ("svg", "matplotlib"):
            raise ValueError(f"format must be 'svg' or 'matplotlib', not {format!r}")
        return format == "svg"
    try:
        import matplotlib  # noqa: F401  (the matplotlib views import it anyway)
    except ImportError:
        return True
    return False


def svg(lab: "Lab", trace: Any = None, **options: Any) -> "SvgPicture":
    """The topology (and the path of ``trace``) as an SVG picture."""
    from simnet.views.svgdraw import topology_svg

    return topology_svg(lab, trace, **options)


def draw(lab: "Lab", trace: Any = None, *, overlay: bool = True, underlay: bool = True,
         title: str | None = None, dpi: float = 100, format: str | None = None) -> "Figure | SvgPicture":
    """The lab's topology as a matplotlib Figure; with ``trace`` (a Trace, PacketTrace or
    Result) its deciding packet's path is drawn on top. ``overlay`` shows the tailnet;
    ``underlay=False`` draws a tunnel as one arrow instead of the routers that carry it.
    ``format="svg"`` (or no matplotlib) gives the same picture as SVG."""
    if _svg_wanted(format):
        return svg(lab, trace, overlay=overlay, underlay=underlay, title=title)
    from simnet.views.topology import add_legend, draw_topology
    from simnet.views.tracedraw import draw_path, trace_legend
    from simnet.views.tracepath import path_view

    scene = draw_topology(lab, overlay=overlay, title=title, dpi=dpi)
    extra: list[Any] = []
    if trace is not None:
        view = path_view(trace, scene.model, underlay=underlay)
        draw_path(scene, view)
        extra = trace_legend(view)
        if title is None and view is not None:
            scene.fig.suptitle(f"{view.flow}", fontsize=11, y=0.985)
    add_legend(scene, extra)
    setattr(scene.fig, "simnet_scene", scene)   # tests and the panel read label positions from here
    return scene.fig


def animate(trace: Any, lab: "Lab | None" = None, *, format: str | None = None, **options: Any) -> "FuncAnimation | SvgPicture":
    """The deciding packet of ``trace`` moving hop by hop; ``.to_jshtml()`` plays offline.
    As SVG (``format="svg"`` or no matplotlib): one frame per move with play/step buttons."""
    if _svg_wanted(format):
        if lab is None:
            raise ValueError("animate(trace, lab): the SVG animation needs the lab to draw the network")
        from simnet.views.svgdraw import animation_svg

        return animation_svg(trace, lab, **options)
    from simnet.views.animation import animate_trace

    return animate_trace(trace, lab, **options)


def sequence(trace: Any, *, format: str | None = None, **options: Any) -> "Figure | SvgPicture":
    """A sequence diagram: one lane per node, one arrow per packet crossing, in time order."""
    if _svg_wanted(format):
        from simnet.views.svgdraw import sequence_svg

        options.pop("dpi", None)
        return sequence_svg(trace, **options)
    from simnet.views.seqdiagram import sequence_figure

    return sequence_figure(trace, **options)


def panel(lab: "Lab", probe: tuple[str, str], toggles: list[str] | None = None, **options: Any) -> Any:
    """Switches for the settings that matter; every change re-runs ``probe`` (node, command)."""
    from simnet.views.livepanel import Panel

    return Panel(lab, probe, toggles, **options)


def toggles_for(lab: "Lab") -> list[str]:
    """Names of the toggles that apply to ``lab`` as it is now."""
    from simnet.views.toggles import available

    return [t.name for t in available(lab)]


def __getattr__(name: str) -> Any:
    """``simnet.views.TOGGLES``: the kinds of switches, with what each one switches (German)."""
    if name == "TOGGLES":
        from simnet.views.toggles import catalogue

        return catalogue()
    raise AttributeError(name)
