"""The NAT-traversal story of one node as data and as German text.

:func:`traversal_trace` collects the packets magicsock sent on its own
(STUN, disco pings and pongs, call-me-maybe, WireGuard handshakes) as a
:class:`~simnet.trace.Trace`; every step carries its simulated time ``t``,
so views can draw it as a sequence diagram. :func:`explain_traversal` tells
the four phases of the seed in German: find endpoints (STUN), exchange them
(coordination server), punch (disco + call-me-maybe), and the result.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simnet.trace import Disposition, Trace

if TYPE_CHECKING:
    from simnet.lab import Lab, Result

__all__ = ["traversal_trace", "explain_traversal", "explain_tailscale_ping", "path_to"]


def _magicsock(lab: "Lab", node: str):
    from simnet.tailnet.client import tailscaled_of

    ts = tailscaled_of(lab.node(node))
    return ts.magicsock if ts is not None else None


def traversal_trace(lab: "Lab", node: str, since: float = 0.0) -> Trace:
    """What ``node``'s tailscaled sent to find its paths (from simulated time ``since``)."""
    ms = _magicsock(lab, node)
    if ms is None:
        return Trace()
    journeys = []
    for j in ms.log:
        first = j.hops[0][2][0][2].get("t", 0.0) if j.hops and j.hops[0][2] else 0.0
        if first >= since:
            journeys.append(j)
    return Trace(journeys=tuple(journeys))


def path_to(lab: "Lab", node: str, peer: str) -> str:
    """``direct IP:PORT`` or ``relay`` as ``tailscale status`` would say it now."""
    from simnet.tailnet.wire import fmt_ep

    ms = _magicsock(lab, node)
    cur = ms.cur_addr(peer) if ms is not None else None
    return f"direct {fmt_ep(cur)}" if cur else "relay"


def _all_steps(trace: Trace):
    for p in trace.packets:
        for hop in p.hops:
            for step in hop.steps:
                yield p, hop, step


def explain_traversal(lab: "Lab", node: str, peer: str | None = None) -> str:
    """The four phases of NAT traversal for ``node`` (towards ``peer``), in German."""
    trace = traversal_trace(lab, node)
    ms = _magicsock(lab, node)
    if ms is None or not trace.packets:
        return f"„{node}“ hat (noch) keine Pakete zur NAT-Traversierung geschickt."
    lines: list[str] = []
    mapped = [s.get("mapped") for _, _, s in _all_steps(trace) if s.action == "stun-mapped"]
    stun_sent = sum(1 for _, _, s in _all_steps(trace) if s.action == "stun-request")
    if mapped:
        lines.append(f"1. Endpunkte finden (STUN): „{node}“ fragt den STUN-Server, wie sein UDP-Port 41641 von "
                     f"außen aussieht, und erfährt {mapped[0]}. Dazu kommen die lokalen Adressen "
                     f"({', '.join(f'{a}:{p}' for a, p in ms.local_endpoints())}).")
    elif stun_sent:
        lines.append(f"1. Endpunkte finden (STUN): {stun_sent} STUN-Anfragen blieben ohne Antwort – UDP kommt "
                     "nicht durch (z. B. UDP gesperrt oder Port 3478 zu). Es bleiben nur die lokalen Adressen.")
    lines.append("2. Endpunkte austauschen: tailscaled meldet sie dem Koordinationsserver (Headscale), der sie "
                 "mit der Netmap an alle Peers verteilt.")
    pings = [(p, s) for p, _, s in _all_steps(trace) if s.action == "disco-ping"
             and (peer is None or s.get("to") == peer)]
    cmm = [s for _, _, s in _all_steps(trace) if s.action in ("call-me-maybe", "call-me-maybe-received")]
    dropped = [p for p, _ in pings if p.disposition is not Disposition.IN_FLIGHT and not p.disposition.is_success]
    nat_drops = [p for p in dropped if dict(p.reason).get("reason") == "nat-filter"]
    if pings or cmm:
        text = (f"3. Hole Punching: {len(pings)} Disco-Pings an die Endpunkte des Peers"
                + (", dazu call-me-maybe über DERP, damit der Peer gleichzeitig zurückpingt" if cmm else ""))
        if nat_drops:
            where = sorted({p.where or "?" for p in nat_drops})
            text += f"; {len(nat_drops)} davon hat das NAT von {', '.join(where)} verworfen"
        lines.append(text + ".")
    if peer is not None:
        cur = ms.cur_addr(peer)
        if cur is not None:
            key = ms._short_key(peer)
            lines.append(f"4. Ergebnis: Ein Pong kam direkt über {cur[0]}:{cur[1]} zurück – die Verbindung "
                         f"zum Knoten {key} läuft direkt (Peer-to-Peer), DERP wird nicht mehr gebraucht.")
        else:
            lines.append("4. Ergebnis: Kein Pong kam direkt zurück – die Pakete laufen weiter über das DERP-"
                         "Relay auf dem VPS. Das funktioniert immer, ist aber langsamer.")
    return "\n".join(lines)


def explain_tailscale_ping(lab: "Lab", node: str, peer: str, result: "Result") -> str:
    """Why ``tailscale ping`` from ``node`` to ``peer`` ended as it did, for whatever NAT types the
    lab's routers have now: direct, over DERP, or no pong at all (then the reason)."""
    text = result.stdout + result.stderr
    if "pong from" in text:
        return explain_traversal(lab, node, peer)
    lines = explain_traversal(lab, node, peer).splitlines()
    lines = [line for line in lines if not line.startswith("4. ")]
    untranslated = [name for name, recipe in lab.boot.items()
                    if recipe.get("nat") and lab.nat_type(name) == "none"]
    if untranslated:
        names = ", ".join(f"„{n}“" for n in untranslated)
        reason = (f"{names} übersetzt keine Adressen (NAT-Typ none): die Pakete gehen mit der privaten "
                  "Absenderadresse ins Internet, und an eine private Adresse kann dort niemand antworten – "
                  "weder der Peer noch der DERP-Server auf dem VPS, noch Headscale selbst.")
    else:
        reason = ("Auch über das DERP-Relay kam nichts zurück: prüfe, ob beide Geräte online sind "
                  "(tailscale status) und den VPS über TCP 443 erreichen.")
    lines.append("4. Ergebnis: Kein Pong – weder direkt noch über DERP. " + reason)
    return "\n".join(lines)
