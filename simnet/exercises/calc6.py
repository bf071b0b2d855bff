"""IPv6 calculations for ``kind: calculate`` (answers by :mod:`ipaddress`, never by the file):
shorten an address (``ipv6-compress``), write it out in full (``ipv6-expand``) and name its
prefix (``ipv6-prefix``). :mod:`simnet.exercises.answers` adds them to ``CALC_ASKS``."""
from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network, ip_network
from typing import Any, Callable

__all__ = ["CALC6", "MISTAKES6", "same_network6"]


def _prefix(c: dict[str, Any]) -> str:
    return str(IPv6Network(f"{c['address']}/{int(c['prefix'])}", strict=False))


CALC6: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "ipv6-compress": ("text", lambda c: IPv6Address(str(c["address"])).compressed),
    "ipv6-expand": ("text", lambda c: IPv6Address(str(c["address"])).exploded),
    "ipv6-prefix": ("network6", _prefix),
}


def same_network6(given: str, expected: str) -> bool:
    """``2001:db8:1::/64`` and ``2001:0db8:0001:0000::/64`` name the same prefix."""
    try:
        return ip_network(given.strip(), strict=True) == ip_network(expected, strict=True)
    except ValueError:
        return False


def _compress_mistake(c: dict[str, Any], given: str) -> str | None:
    want = IPv6Address(str(c["address"]))
    try:
        got = IPv6Address(given.strip())
    except ValueError:
        if given.count("::") > 1:
            return "„::“ darf nur einmal vorkommen – sonst weiß niemand, wie viele Nullblöcke wo fehlen."
        return None
    if got != want:
        return "Das ist eine andere Adresse: Beim Kürzen dürfen nur Nullen wegfallen, nie andere Ziffern."
    if given.strip().lower() != want.compressed:
        return ("Richtig gelesen, aber noch nicht die kürzeste Form: führende Nullen in jedem Block weg und die "
                "längste Folge von Nullblöcken (bei Gleichstand die erste) als „::“.")
    return None


def _expand_mistake(c: dict[str, Any], given: str) -> str | None:
    parts = given.strip().split(":")
    if len(parts) != 8 or any(len(p) != 4 for p in parts):
        return "Ausgeschrieben hat die Adresse genau acht Blöcke zu je vier Hexziffern, ohne „::“."
    return None


def _prefix_mistake(c: dict[str, Any], given: str) -> str | None:
    try:
        net = ip_network(given.strip(), strict=False)
    except ValueError:
        return "Schreib das Präfix als Adresse mit Präfixlänge, zum Beispiel 2001:db8:1::/64."
    if net.prefixlen != int(c["prefix"]):
        return f"Die Präfixlänge bleibt /{c['prefix']} – gefragt ist das Netz, nicht eine andere Größe."
    try:
        ip_network(given.strip(), strict=True)
    except ValueError:
        return "Im Präfix sind alle Bits nach der Präfixlänge 0 – der Interface Identifier fällt weg."
    return None


MISTAKES6: dict[str, Callable[[dict[str, Any], str], str | None]] = {
    "ipv6-compress": _compress_mistake, "ipv6-expand": _expand_mistake, "ipv6-prefix": _prefix_mistake}
