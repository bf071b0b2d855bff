"""``ip -c``: iproute2's colour palette (lib/color.c, default palette without COLORFGBG).

``-c``/``-color``/``-color=always`` colour even into a pipe; ``auto`` only on a
terminal (never in the lab's captured output); ``never`` not at all. The flag
lives in a context variable for the duration of one ``ip`` invocation, so the
printers need no extra parameter.
"""
from __future__ import annotations

from contextvars import ContextVar, Token

__all__ = ["IFNAME", "MAC", "INET", "INET6", "paint", "state", "switch", "restore"]

IFNAME, MAC, INET, INET6 = "36", "33", "35", "34"
_UP, _DOWN = "32", "31"
_ON: ContextVar[bool] = ContextVar("ip_color", default=False)


def switch(on: bool) -> Token:
    return _ON.set(on)


def restore(token: Token) -> None:
    _ON.reset(token)


def paint(color: str, text: str) -> str:
    """``text`` wrapped in the colour when ``ip -c`` is active."""
    return f"\x1b[{color}m{text}\x1b[0m" if _ON.get() else text


def state(operstate: str, text: str) -> str:
    """Operstate colours: UP green, DOWN red, the others plain."""
    color = {"UP": _UP, "DOWN": _DOWN}.get(operstate)
    return paint(color, text) if color else text
