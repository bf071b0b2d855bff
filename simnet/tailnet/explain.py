"""German sentences for what the tailnet did to a packet (for simnet.explain).

:func:`explain_tailnet` looks at one :class:`~simnet.trace.PacketTrace` and
names the broken tailnet condition, or returns None when the tailnet played
no part in the failure.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from simnet.trace import Disposition, PacketTrace

__all__ = ["explain_tailnet", "TAILNET_DISPOSITIONS"]

TAILNET_DISPOSITIONS = (Disposition.TAILNET_NO_PEER, Disposition.TAILNET_PEER_OFFLINE,
                        Disposition.POLICY_DENIED)
CGNAT = IPv4Network("100.64.0.0/10")
BYPASS = {
    "route-not-approved": "Der Knoten „{router}“ bietet die Route {route} zwar an, aber sie ist auf "
                          "Headscale nicht freigegeben (headscale nodes approve-routes -i {node_id} -r {approve}). "
                          "Darum ging das Paket an tailscale0 vorbei über {dev} ins Internet.",
    "routes-not-accepted": "Die Route {route} über „{router}“ ist freigegeben, aber dieser Knoten nimmt keine "
                           "Routen an (tailscale up/set --accept-routes fehlt). Darum steht sie nicht in "
                           "Tabelle 52 und das Paket ging über {dev} statt durch den Tunnel.",
    "router-offline": "Der Subnet-Router „{router}“ für {route} ist offline.",
    "exit-node-not-approved": "„{exit_node}“ bietet sich als Exit-Node an, ist aber auf Headscale nicht "
                              "freigegeben (0.0.0.0/0 und ::/0 genehmigen). Der Verkehr ging direkt über {dev}.",
    "exit-node-not-selected": "Es ist kein Exit-Node gewählt (tailscale set --exit-node={ip}), darum ging der "
                              "Internetverkehr direkt über {dev} und nicht über „{exit_node}“.",
}


# the same causes where the packet found no route at all (IPv6 without a default route: the café)
NO_ROUTE = {
    "route-not-approved": "Der Knoten „{router}“ bietet die Route {route} zwar an, aber sie ist auf Headscale nicht "
                          "freigegeben (headscale nodes approve-routes -i {node_id} -r {approve}). Darum steht sie "
                          "nicht in Tabelle 52, und für {dst} gibt es gar keine Route: Das Paket wird nicht erst "
                          "gesendet (Network is unreachable).",
    "routes-not-accepted": "Die Route {route} über „{router}“ ist freigegeben, aber dieser Knoten nimmt keine Routen "
                           "an (tailscale up/set --accept-routes fehlt). Darum steht sie nicht in Tabelle 52 "
                           "(`ip -6 route show table 52`), und für {dst} gibt es gar keine Route: Das Paket wird "
                           "nicht erst gesendet (Network is unreachable).",
    "router-offline": "Der Subnet-Router „{router}“ für {route} ist offline, darum steht die Route nicht in "
                      "Tabelle 52, und für {dst} gibt es gar keine Route (Network is unreachable).",
}


def _steps(trace: PacketTrace):
    for hop in trace.hops:
        for step in hop.steps:
            yield hop, step


def explain_tailnet(trace: PacketTrace) -> str | None:
    """The German sentence naming the tailnet condition behind this journey's outcome."""
    d = trace.disposition
    r = dict(trace.reason)
    if d is Disposition.POLICY_DENIED:
        return (f"Die Headscale-Policy verbietet {r.get('src')} → {r.get('dst')}: „{trace.where}“ hat das "
                f"Paket von „{r.get('peer')}“ (User {r.get('user')}) verworfen, weil keine ACL-Regel es erlaubt. "
                "Ohne Policy dürfte jeder jeden erreichen; mit „acls“ nur, was eine Regel freigibt.")
    if d is Disposition.TAILNET_PEER_OFFLINE and r.get("derp"):
        return (f"Der DERP-Server auf „{trace.where}“ hat keine Verbindung von „{r.get('peer')}“ und verwirft "
                "das Paket: dessen tailscaled ist (noch) nicht mit dem DERP-Server verbunden.")
    if d is Disposition.TAILNET_NO_PEER and r.get("reason") == "no-derp":
        return ("Es gibt keinen DERP-Server (derp.server.enabled ist aus und keine DERP-Map): Ohne Relay "
                "kann tailscaled weder Pakete umleiten noch das Hole Punching anstoßen.")
    if d is Disposition.TAILNET_PEER_OFFLINE:
        return (f"Der Tailnet-Knoten „{r.get('peer')}“ ist nicht verbunden (Zustand {r.get('state')}): "
                "tailscaled läuft nicht, ist mit tailscale down gestoppt oder abgemeldet.")
    if d is Disposition.TAILNET_NO_PEER:
        if r.get("receiving"):
            return (f"„{trace.where}“ nimmt von „{r.get('peer')}“ keine Pakete mit Absender {r.get('src')} an: "
                    "die Adresse gehört nicht zu dessen AllowedIPs. Als Antwort aus einem Subnetz kommt sie "
                    "nur an, wenn dieser Knoten die Route akzeptiert (--accept-routes).")
        if r.get("route"):
            why = ("nicht freigegeben" if not r.get("approved") else
                   "nicht akzeptiert (--accept-routes fehlt)" if not r.get("accept_routes") else "nicht aktiv")
            return (f"In tailscale0 gibt es keinen Peer für {r.get('dst')}: die Route {r.get('route')} von "
                    f"„{r.get('router')}“ ist {why}.")
        return f"In tailscale0 gibt es keinen Peer, dessen AllowedIPs {r.get('dst')} enthalten."
    if d.is_success:
        return None
    for _hop, step in _steps(trace):
        if step.kind == "tailnet" and step.action == "bypass":
            text = (BYPASS if step.get("dev") else NO_ROUTE).get(step.get("reason"))
            if text:
                return text.format(**{k: v for k, v in step.detail})
    dst = r.get("dst")
    if isinstance(dst, IPv4Address) and dst in CGNAT and trace.where:
        return (f"„{trace.where}“ kennt keinen Weg zur Tailnet-Adresse {dst}: die Antwort kommt nicht zurück. "
                "Entweder maskiert der Subnet-Router (--snat-subnet-routes, Standard unter Linux) oder das "
                "Heimnetz braucht eine Rückroute 100.64.0.0/10 über den Subnet-Router.")
    return None
