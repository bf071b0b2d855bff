"""IPv6 faults of the catalogue (kept apart from :mod:`simnet.exercises.faults` so that chapters
written in parallel do not edit the same list; ``faults`` adds them to ``CATALOGUE``)."""
from __future__ import annotations

from simnet.exercises.faults import Fault
from simnet.trace import Disposition

__all__ = ["FAULTS6"]

FAULTS6 = [
    Fault("forwarding6-off", "IPv6-Forwarding ist auf dem Router aus (net.ipv6.conf.all.forwarding = 0).",
          "Ist IPv6-Forwarding aus, verwirft der Router fremde IPv6-Pakete still – auch wenn IPv4 weiter "
          "funktioniert, denn net.ipv4.ip_forward ist ein eigener Schalter; die Spur endet dort mit "
          "„forwarding-disabled“.",
          ("node",), (("{node}", "sysctl -w net.ipv6.conf.all.forwarding=0"),),
          (("{node}", "sysctl -w net.ipv6.conf.all.forwarding=1"),), Disposition.FORWARDING_DISABLED),
    Fault("back-route6-missing", "Dem Ziel fehlt die IPv6-Route zurück ins Heimnetz.",
          "Fehlt die Rückroute, kommt die Anfrage an, aber die Antwort findet keinen Weg: `ip -6 route` am Ziel "
          "zeigt kein Präfix des Heimnetzes, die Spur endet auf dem Rückweg mit „no-route“.",
          ("node", "prefix", "gateway"), (("{node}", "ip -6 route del {prefix}"),),
          (("{node}", "ip -6 route add {prefix} via {gateway}"),), Disposition.NO_ROUTE, leg="back"),
    Fault("forward6-drop", "Eine ip6tables-Regel in der FORWARD-Kette des Routers verwirft das Paket.",
          "Eine DROP-Regel in FORWARD verwirft still; `ip6tables -L FORWARD -n -v --line-numbers` zeigt die Regel "
          "mit steigendem Zähler, die Spur endet auf dem Router mit „filtered“.",
          ("node",), (("{node}", "ip6tables -I FORWARD 1 -j DROP"),),
          (("{node}", "ip6tables -D FORWARD 1"),), Disposition.FILTERED),
    Fault("input6-drop", "Das Ziel verwirft Echo Requests in seiner INPUT-Kette (ip6tables DROP).",
          "Verwirft das Ziel selbst, kommt das Paket bis dorthin und verschwindet erst dort: Die Spur endet beim "
          "Ziel mit „filtered“ in INPUT, `ip6tables -S INPUT` auf dem Ziel zeigt die Regel.",
          ("node",), (("{node}", "ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j DROP"),),
          (("{node}", "ip6tables -D INPUT -p ipv6-icmp --icmpv6-type echo-request -j DROP"),), Disposition.FILTERED),
]
