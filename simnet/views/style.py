"""Colours, shapes and German words shared by every view.

The palette is Okabe–Ito (safe for the common colour-vision deficiencies),
and nothing is told by colour alone: a drop is a cross, the way back is
dashed, the tailnet is dashed and purple, each role has its own shape.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["PALETTE", "ROLE_STYLE", "ROLE_NAMES", "TRACE", "marker_for", "FONT", "VERDICT_WORDS", "verdict_line"]

PALETTE = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
    "grey": "#999999", "light": "#E8E8E8", "band": "#DCEAF5", "band_edge": "#7A9CB8",
}

# icon family -> (marker name, fill colour, marker size in points)
ROLE_STYLE: dict[str, tuple[str, str, float]] = {
    "internet": ("cloud", PALETTE["light"], 40),
    "router": ("o", PALETTE["orange"], 20),
    "switch": ("s", PALETTE["green"], 18),
    "hub": ("s", PALETTE["yellow"], 18),
    "server": ("s", PALETTE["blue"], 18),
    "vps": ("server-rack", PALETTE["sky"], 20),
    "container": ("h", PALETTE["yellow"], 20),
    "hypervisor": ("p", PALETTE["blue"], 21),
    "vm": ("D", PALETTE["grey"], 15),
    "laptop": ("laptop", PALETTE["sky"], 26),
    "host": ("s", PALETTE["grey"], 16),
}

ROLE_NAMES = {
    "internet": "Internet", "router": "Router", "switch": "Switch", "hub": "Hub", "server": "Server",
    "vps": "VPS/DERP",
    "container": "Container", "hypervisor": "Hypervisor", "vm": "VM", "laptop": "Laptop",
    "host": "Host",
}

TRACE = {
    "pass": PALETTE["green"], "drop": PALETTE["vermillion"], "overlay": PALETTE["purple"],
    "rewrite": PALETTE["blue"], "text": "#222222",
}

# short German words for each Disposition value (the long explanation lives in simnet.explain)
VERDICT_WORDS = {
    "delivered": "angekommen", "no-route": "keine passende Route", "forwarding-disabled":
    "Weiterleitung ausgeschaltet (ip_forward = 0)", "filtered": "von der Firewall verworfen (DROP)",
    "rejected": "von der Firewall abgelehnt (REJECT)", "arp-failed": "ARP bekommt keine Antwort",
    "ttl-exceeded": "TTL abgelaufen", "blackhole": "Blackhole-Route", "unreachable-route": "unreachable-Route",
    "prohibit-route": "prohibit-Route", "rp-filter": "vom Reverse-Path-Filter verworfen",
    "port-unreachable": "Port nicht erreichbar", "interface-down": "Interface ist down",
    "not-answered": "das Ziel antwortet nicht", "mtu-exceeded": "Paket größer als die MTU",
    "in-flight": "keine Antwort bis zum Timeout", "no-packet": "kein Paket gesendet",
    "tailnet-no-peer": "kein Tailnet-Peer für diese Adresse", "tailnet-peer-offline": "Tailnet-Peer offline",
    "policy-denied": "von der Headscale-Policy verboten",
}


def verdict_line(trace: Any) -> str:
    """One German line: ✓ angekommen, or ✗ what went wrong and where."""
    main = getattr(trace, "main", None)
    if main is None:
        return "✗ kein Paket gesendet"
    if trace.ok:
        n = len(trace)
        return f"✓ angekommen ({n} Paket{'e' if n != 1 else ''})"
    word = VERDICT_WORDS.get(main.disposition.value, main.disposition.value)
    where = f" auf „{main.where}“" if main.where else ""
    leg = ", auf dem Rückweg" if dict(main.reason).get("leg") == "back" else ""
    return f"✗ nicht angekommen: {word}{where}{leg}"


FONT = {"node": 9, "small": 7, "tiny": 6.5, "title": 11}


@lru_cache(maxsize=None)
def _custom_marker(name: str) -> Any:
    """Marker paths for shapes matplotlib does not have (cloud, laptop, rack)."""
    import numpy as np
    from matplotlib.path import Path

    if name == "cloud":
        t = np.linspace(0, 2 * np.pi, 121)
        r = 1 + 0.13 * np.abs(np.sin(3.5 * t))
        pts = np.column_stack([1.45 * r * np.cos(t), 0.9 * r * np.sin(t)])
        return Path(pts, closed=True)
    if name == "laptop":
        verts = [(-0.75, -0.15), (-0.75, 0.75), (0.75, 0.75), (0.75, -0.15), (-0.75, -0.15),   # screen
                 (-1.0, -0.3), (1.0, -0.3), (0.85, -0.6), (-0.85, -0.6), (-1.0, -0.3)]        # keyboard
        codes = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY,
                 Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
        return Path(verts, codes)
    if name == "server-rack":
        verts, codes = [], []
        for y0 in (-0.9, -0.25, 0.4):
            verts += [(-0.8, y0), (0.8, y0), (0.8, y0 + 0.5), (-0.8, y0 + 0.5), (-0.8, y0)]
            codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
        return Path(verts, codes)
    raise KeyError(name)


def marker_for(icon: str) -> tuple[Any, str, float]:
    """(marker, face colour, size) for an icon family; unknown ones look like a host."""
    shape, colour, size = ROLE_STYLE.get(icon, ROLE_STYLE["host"])
    if shape in ("cloud", "laptop", "server-rack"):
        return _custom_marker(shape), colour, size
    return shape, colour, size
