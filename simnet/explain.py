"""German explanations, rendered from trace data (never stored as text).

Every :class:`~simnet.trace.Disposition` has a sentence that says what
happened, where, why, and how to check or fix it. The way out and the way
back are told apart: a reply that finds no route home is the classic
"missing back-route / missing MASQUERADE" case.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar, cast

from simnet.trace import Disposition, PacketTrace, Trace

__all__ = ["explain_trace", "explain_packet", "summary", "path_of", "EXPLAINERS"]


def _steps(p: PacketTrace):
    """The decisions about the packet itself (not about a tunnel packet carrying it)."""
    for hop in p.hops:
        if hop.underlay:
            continue
        for step in hop.steps:
            yield hop, step


def path_of(p: PacketTrace) -> list[str]:
    """Node names in the order the packet (and its answer) visited them, tunnels left out."""
    return p.nodes()


def _tunnel_note(p: PacketTrace) -> str:
    """Which way the WireGuard packets took: direct UDP or via the DERP relay."""
    carried = [h for h in p.hops if h.underlay]
    if not carried:
        return ""
    relay = next((h.node for h in carried for s in h.steps if s.kind == "derp" and s.action == "relay"), None)
    if relay:
        return (f" Zwischen den Tailnet-Knoten reiste es verschlüsselt über das DERP-Relay auf „{relay}“ "
                "(TCP 443), weil (noch) kein direkter UDP-Weg bestätigt war.")
    return " Zwischen den Tailnet-Knoten reiste es verschlüsselt direkt per UDP (WireGuard, Port 41641)."


def _target(p: PacketTrace) -> str | None:
    for hop, step in _steps(p):
        if step.kind == "deliver" and step.action in ("echo-request", "socket", "closed-port"):
            return hop.node
    return None


def _on_way_back(p: PacketTrace) -> bool:
    return p.reason_get("leg") == "back"


def _nat_notes(p: PacketTrace) -> list[str]:
    notes = []
    for hop, step in _steps(p):
        if step.kind == "nat" and step.action in ("masquerade", "snat"):
            notes.append(f"{step.action.upper()} auf „{hop.node}“: Absender {step.get('before')} → "
                         f"{step.get('after')}")
        elif step.kind == "nat" and step.action in ("dnat", "redirect"):
            notes.append(f"{step.action.upper()} auf „{hop.node}“: Ziel {step.get('before')} → {step.get('after')}")
    return notes


def _dnat_note(p: PacketTrace) -> str:
    """A journey that failed after a DNAT/REDIRECT: the rewritten destination is what failed."""
    for hop, step in _steps(p):
        if hop.leg == "out" and step.kind == "nat" and step.action in ("dnat", "redirect"):
            tool = "ip6tables" if step.get("ip6tables") else "iptables"
            how = "per REDIRECT auf sich selbst umgeleitet" if step.action == "redirect" else "per DNAT umgeschrieben"
            rule = f", Regel {step.get('rule_num')}" if step.get("rule_num") else ""
            return (f" Vorher hat „{hop.node}“ das Ziel {how} ({tool} -t nat, Kette {step.get('chain')}{rule}): "
                    f"{step.get('before')} → {step.get('after')}. Eine Fehlermeldung darüber schickt „{hop.node}“ "
                    f"so zurück, als käme sie von {step.get('orig', step.get('before'))}. Prüfe die Regel mit "
                    f"`{tool} -t nat -L -n -v --line-numbers`.")
    return ""


def _where(p: PacketTrace) -> str:
    return f"„{p.where}“" if p.where else "ein Knoten"


def _prefix(p: PacketTrace) -> str:
    """Context sentence for drops on the way back."""
    if _on_way_back(p):
        target = _target(p)
        if target:
            return f"Die Anfrage kommt bei „{target}“ an, aber die Antwort schafft den Rückweg nicht. "
        return "Auf dem Rückweg geht es schief. "
    return ""


# ---------------------------------------------------------------- one sentence per disposition
def _delivered(p: PacketTrace, r: dict[str, Any]) -> str:
    path = " → ".join(path_of(p))
    text = f"Das Paket kommt an und die Antwort kommt zurück. Weg: {path}." + _tunnel_note(p)
    notes = _nat_notes(p)
    if notes:
        text += " " + "; ".join(notes) + "."
    return text


def _no_route(p: PacketTrace, r: dict[str, Any]) -> str:
    dst = r.get("dst")
    if r.get("local") and not _on_way_back(p):
        return (f"{_where(p)} hat keine Route zu {dst}: kein Eintrag in der Routingtabelle passt, auch keine "
                f"Default-Route. Das Paket wird gar nicht erst gesendet (Network is unreachable). "
                f"Prüfe mit `ip route` und `ip route get {dst}`.") + _ra_note(p, r)
    back = _prefix(p)
    if r.get("local"):
        fix = "." if r.get("ipv6") else \
            " oder MASQUERADE auf dem Router davor, damit die Anfrage von einer bekannten Adresse kommt."
        return (f"{back}{_where(p)} hat keine Route zu {dst} (auch keine Default-Route) und kann die Antwort "
                f"gar nicht erst senden. Abhilfe: eine Route zurück auf „{p.where}“ (`ip route add …`){fix}")
    text = (f"{back}{_where(p)} hat keine Route zu {dst} und verwirft das Paket; an den Absender geht "
            f"„Destination Net Unreachable“. Prüfe auf „{p.where}“ mit `ip route get {dst}`.")
    if r.get("ipv6") and not back and _came_in_on(p, "tailscale0"):
        return text + (f" „{p.where}“ ist hier der Exit-Node: Das Paket kam durch den Tunnel (tailscale0), aber "
                       f"„{p.where}“ hat selbst keine IPv6-Verbindung ins Internet (keine IPv6-Default-Route). "
                       f"IPv6 über den Exit-Node endet also hier; `ip -6 route` auf „{p.where}“ zeigt es.")
    if back:
        text += (" Abhilfe: eine Rückroute auf diesem Knoten oder MASQUERADE auf dem Router davor, "
                 "damit die Antwort an eine bekannte Adresse geht.")
    return text


def _ra_note(p: PacketTrace, r: dict[str, Any]) -> str:
    """A router's own SLAAC default route: with forwarding on the kernel ignores advertisements."""
    devs = str(r.get("ra_ignored") or "").split()
    if not devs:
        return ""
    dev = devs[0]
    return (f" Auf {_where(p)} ist die IPv6-Weiterleitung an: Beim Einschalten hat der Kernel die Default-Route "
            f"aus dem Router Advertisement auf {dev} gelöscht, und weitere Advertisements ignoriert er "
            f"(accept_ra = 1 gilt nur ohne Weiterleitung). Abhilfe: `sysctl -w net.ipv6.conf.{dev}.accept_ra=2`; "
            f"das nächste Router Advertisement bringt die Route zurück.")


def _came_in_on(p: PacketTrace, dev: str) -> bool:
    """Did the packet arrive through ``dev`` at the node whose routing dropped it?"""
    for hop in p.hops:
        if hop.node == p.where and any(s.kind == "routing" and s.action == "no-route" for s in hop.steps):
            return any(s.kind == "receive" and s.get("dev") == dev for s in hop.steps)
    return False


def _forwarding(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("ipv6"):
        tunnel = (f" Das Paket kam durch den Tunnel: „{p.where}“ ist hier Subnet-Router oder Exit-Node und muss "
                  f"IPv6 weiterleiten." if r.get("dev") == "tailscale0" else "")
        return (f"{_prefix(p)}„{p.where}“ verwirft das IPv6-Paket an {r.get('dst')}: die Adresse gehört ihm nicht, "
                f"und net.ipv6.conf.all.forwarding = 0 (Interface {r.get('dev')}) – er leitet keine fremden Pakete "
                f"weiter.{tunnel} Abhilfe: `sysctl -w net.ipv6.conf.all.forwarding=1` auf „{p.where}“.")
    return (f"{_prefix(p)}Der Router „{p.where}“ verwirft das Paket an {r.get('dst')}: net.ipv4.ip_forward = 0 "
            f"(Interface {r.get('dev')}) – er leitet keine fremden Pakete weiter und schickt auch keine "
            f"Fehlermeldung zurück. Abhilfe: `sysctl -w net.ipv4.ip_forward=1` auf „{p.where}“.")


def _rule(r: dict[str, Any]) -> str:
    table = f"{r['family']} {r.get('table')}" if r.get("family") and not r.get("ip6tables") else r.get("table")
    if r.get("policy"):
        return f"durch die Policy der Kette {r.get('chain')} (Tabelle {table})"
    rule = f": `{r.get('rule')}`" if r.get("rule") else ""
    return f"in der Kette {r.get('chain')} (Tabelle {table}), Regel {r.get('rule_num')}{rule}"


def _check(r: dict[str, Any]) -> str:
    """The command that shows the deciding chain: iptables for iptables' tables (family ip),
    nft for the tables written with nft (inet, ip6 or an ip table of its own)."""
    if r.get("ip6tables"):
        return f"`ip6tables -t {r.get('table')} -L {r.get('chain')} -n -v --line-numbers`"
    if r.get("family"):
        return f"`nft -a list chain {r['family']} {r.get('table')} {r.get('chain')}`"
    return f"`iptables -t {r.get('table')} -L {r.get('chain')} -n -v --line-numbers`"


NAT_FILTER = {
    "endpoint-independent": "lässt jeden an einen offenen Port",
    "address-dependent": "lässt nur Adressen herein, an die innen schon gesendet wurde",
    "address-and-port-dependent": "lässt nur genau die Adresse:Port-Paare herein, an die innen schon gesendet wurde",
}


def _filtered(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("reason") == "nat-filter":
        rule = NAT_FILTER.get(str(r.get("filtering")), "")
        known = ("Für diesen Port gibt es zwar eine Zuordnung, aber nicht für diesen Absender."
                 if r.get("binding") else "Für diesen Port gibt es keine Zuordnung nach innen.")
        return (f"{_prefix(p)}Das NAT von „{p.where}“ (Typ {r.get('nat_type')}) verwirft das unerwartete Paket "
                f"an Port {r.get('port')} still: es {rule}. {known} Genau deshalb schicken beim Hole Punching "
                "beide Seiten gleichzeitig – das eigene Paket öffnet das Loch für die Antwort.")
    if r.get("reason") == "derp-unreachable":
        return (f"{_prefix(p)}„{p.where}“ erreicht den DERP-Server {r.get('server')} nicht über TCP 443 "
                "(Firewall, Route oder Dienst aus). Ohne DERP gibt es keinen Ausweichweg und kein "
                "call-me-maybe für das Hole Punching.")
    return (f"{_prefix(p)}Die Firewall auf „{p.where}“ verwirft das Paket (DROP) {_rule(r)}. Der Absender "
            f"erfährt nichts davon und wartet bis zum Timeout. Prüfe mit {_check(r)}.")


def _rejected(p: PacketTrace, r: dict[str, Any]) -> str:
    answer = "ein TCP-Reset (RST)" if "tcp-reset" in str(r.get("rule") or "") else "eine ICMP-Fehlermeldung"
    return (f"{_prefix(p)}Die Firewall auf „{p.where}“ weist das Paket zurück (REJECT) {_rule(r)} und schickt "
            f"dem Absender {answer}. Prüfe mit {_check(r)}.")


def _l2_note(p: PacketTrace) -> str:
    """What a switch (a bridge) did with the frame on the way: a VLAN that ends at a port,
    a port that does not forward. Empty if no bridge dropped anything."""
    for hop in reversed(p.hops):
        for step in reversed(hop.steps):
            if step.kind != "bridge" or step.action not in ("vlan-drop", "drop"):
                continue
            port, vid = step.get("port"), step.get("vid")
            if step.action == "vlan-drop":
                # a flooded frame ends at every port outside its VLAN: name them all, in port order
                same = sorted({(str(s.get("port")), s.get("member")) for s in hop.steps
                               if s.kind == "bridge" and s.action == "vlan-drop" and s.get("vid") == vid
                               and bool(s.get("egress")) == bool(step.get("egress"))})
                side = "schickt den Rahmen nicht auf" if step.get("egress") else "nimmt den Rahmen nicht an auf"
                if len(same) > 1:
                    names = ", ".join(n for n, _m in same[:-1]) + f" und {same[-1][0]}"
                    members = ", ".join(f"{n} gehört zu VLAN {m}" for n, m in same)
                    return (f" Der Switch „{hop.node}“ {side} die Ports {names}: VLAN {vid} endet dort "
                            f"({members}). Prüfe mit `bridge vlan show`.")
                member = step.get("member")
                return (f" Der Switch „{hop.node}“ {side} Port {port}: VLAN {vid} endet an diesem Port "
                        f"({port} gehört zu VLAN {member}). Prüfe mit `bridge vlan show`.")
            reason = str(step.get("reason") or "")
            if reason.startswith("port-"):
                state = reason[5:]
                why = " – STP wartet zweimal forward_delay, bevor ein Port weiterleitet" \
                    if state in ("listening", "learning") else ""
                return (f" Der Switch „{hop.node}“ verwirft den Rahmen: Port {port} leitet nicht weiter "
                        f"(Zustand {state}, siehe `bridge link`{why}).")
    return ""


def _arp(p: PacketTrace, r: dict[str, Any]) -> str:
    note = _l2_note(p)
    who = "die Anfrage erreicht den gesuchten Rechner nicht" if note else \
        "niemand in diesem Segment hat die Adresse (oder das Gerät ist aus)"
    return (f"{_prefix(p)}„{p.where}“ fragt per ARP „Wer hat {r.get('ip')}?“ auf {r.get('dev')}, bekommt aber "
            f"keine Antwort: {who}. Nach drei Versuchen gibt der Kernel auf – „Destination Host "
            f"Unreachable“. Prüfe mit `ip neigh`.{note}")


def _nd(p: PacketTrace, r: dict[str, Any]) -> str:
    return (f"{_prefix(p)}„{p.where}“ fragt per Neighbour Solicitation (NDP, das ARP von IPv6) „Wer hat "
            f"{r.get('ip')}?“ auf {r.get('dev')}, bekommt aber keine Neighbour Advertisement zurück: niemand in "
            f"diesem Segment hat die Adresse. Nach drei Versuchen gibt der Kernel auf – „Address unreachable“. "
            f"Prüfe mit `ip -6 neigh`.")


def _no_source(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("tentative"):
        return (f"{_prefix(p)}Die Zieladresse {r.get('dst')} ist auf „{p.where}“ noch „tentative“: die Duplicate "
                f"Address Detection läuft noch (oder ist gescheitert, „dadfailed“). Bis dahin nimmt der Kernel "
                f"an diese Adresse nichts an. Prüfe mit `ip -6 addr`.")
    return (f"{_prefix(p)}„{p.where}“ hat noch keine fertige IPv6-Adresse, von der es an {r.get('dst')} senden "
            f"könnte: alle passenden Adressen sind „tentative“, die Duplicate Address Detection dauert nach dem "
            f"Hinzufügen ein bis zwei Sekunden. Das Paket geht nicht hinaus. Warte kurz und prüfe mit `ip -6 addr`.")


def _ttl(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("ipv6"):
        return (f"{_prefix(p)}Das Hop Limit (bei IPv6 der Name für die TTL) ist bei „{p.where}“ abgelaufen: jeder "
                f"Router zieht 1 ab, und bei 1 darf er das Paket nicht mehr weiterleiten. Er verwirft es und meldet "
                f"„Time exceeded: Hop limit“. Prüfe den Weg mit `traceroute -6 -n`.")
    return (f"{_prefix(p)}Die TTL ist bei „{p.where}“ abgelaufen: jeder Router zieht 1 ab, und bei 1 darf er das "
            f"Paket nicht mehr weiterleiten. Er verwirft es und meldet „Time to live exceeded“. Bei einer "
            f"Schleife im Routing passiert das auch mit großer TTL – prüfe den Weg mit `traceroute -n`.")


def _blackhole(p: PacketTrace, r: dict[str, Any]) -> str:
    return (f"{_prefix(p)}Auf „{p.where}“ passt für {r.get('dst')} eine blackhole-Route: das Paket verschwindet "
            f"ohne jede Meldung. Prüfe mit `ip route get {r.get('dst')}`.")


def _unreachable(p: PacketTrace, r: dict[str, Any]) -> str:
    return (f"{_prefix(p)}Auf „{p.where}“ passt für {r.get('dst')} eine unreachable-Route: das Paket wird "
            f"verworfen und der Absender bekommt „Destination Host Unreachable“.")


def _prohibit(p: PacketTrace, r: dict[str, Any]) -> str:
    return (f"{_prefix(p)}Auf „{p.where}“ passt für {r.get('dst')} eine prohibit-Route: das Paket wird "
            f"verworfen und der Absender bekommt „Packet filtered“ (administrativ verboten).")


def _rp_filter(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("martian"):
        return (f"„{p.where}“ verwirft das Paket auf {r.get('dev')}: der Absender {r.get('src')} ist eine eigene "
                f"Adresse (martian source).")
    return (f"{_prefix(p)}Der Reverse-Path-Filter auf „{p.where}“ (rp_filter = {r.get('mode')}) verwirft das "
            f"Paket von {r.get('src')}: die Antwort an diese Adresse ginge nicht über {r.get('dev')} hinaus – "
            f"asymmetrisches Routing. Prüfe `sysctl net.ipv4.conf.all.rp_filter` und die Routen.")


def _port(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("v4_only"):
        who = r.get("process") or "der Dienst"
        text = (f"Das IPv6-Paket kommt bei „{p.where}“ an, aber {who} lauscht auf Port {r.get('port')} nur über "
                f"IPv4 (0.0.0.0:{r.get('port')}, siehe `ss -tln`). Der Kernel antwortet mit einem RST.")
        if who == "nginx":
            text += (f" `listen {r.get('port')} …` öffnet nur IPv4; Abhilfe: im server-Block zusätzlich "
                     f"`listen [::]:{r.get('port')} …` und `systemctl reload nginx`.")
        return text
    proto = str(r.get("proto")).upper()
    if proto == "TCP":
        answer = "einem RST (TCP)"
    elif r.get("ipv6"):     # ICMPv6 destination unreachable, code 4, as ping6 names it
        answer = "„Destination unreachable: Port unreachable“ (ICMPv6)"
    else:
        answer = "„Port Unreachable“ (ICMP)"
    return (f"Das Paket kommt bei „{p.where}“ an, aber dort lauscht niemand auf {proto}-Port "
            f"{r.get('port')}. Der Kernel antwortet mit {answer}.")


def _down(p: PacketTrace, r: dict[str, Any]) -> str:
    return (f"„{p.where}“ kann nicht senden: das Interface {r.get('dev')} ist down. "
            f"Abhilfe: `ip link set {r.get('dev')} up`.")


def _not_answered(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("broadcast"):          # a DHCP client's DISCOVER/REQUEST to 255.255.255.255
        return ("Der Broadcast an 255.255.255.255 erreicht jeden Rechner im LAN, aber keiner antwortet "
                f"({r.get('reason', 'keine Antwort')}). Läuft ein DHCP-Server, und lässt seine Firewall UDP-Port 67 "
                "durch? Passt sein Adressbereich zum Netz?")
    return (f"Das Paket kommt bei „{p.where}“ an, aber der Knoten antwortet nicht "
            f"({r.get('reason', 'keine Antwort')}).")


def _mtu(p: PacketTrace, r: dict[str, Any]) -> str:
    return (f"{_prefix(p)}Das Paket ist mit {r.get('length')} Bytes größer als die MTU {r.get('mtu')} von "
            f"{r.get('dev')} auf „{p.where}“ und wird beim Empfang verworfen. Prüfe die MTU auf beiden Seiten "
            f"mit `ip link` – im Tunnel (tailscale0: 1280) ist sie kleiner als im LAN.")


def _frag_needed(p: PacketTrace, r: dict[str, Any]) -> str:
    if r.get("ipv6"):
        return (f"{_prefix(p)}Der Router „{p.where}“ kann das IPv6-Paket ({r.get('length')} Bytes) nicht über "
                f"{r.get('dev')} (MTU {r.get('mtu')}) weiterschicken: IPv6-Router zerteilen nie, das darf nur der "
                f"Absender. Er verwirft es und meldet „Packet too big: mtu={r.get('mtu')}“ zurück, damit der Absender "
                f"kleinere Pakete schickt (Path-MTU-Discovery). Prüfe die MTU mit `ip link`.")
    if r.get("local"):
        return (f"{_prefix(p)}„{p.where}“ schickt das Paket gar nicht erst weg: es ist {r.get('length')} Bytes groß, "
                f"der Weg über {r.get('dev')} trägt aber nur {r.get('mtu')} Bytes (Path-MTU), und `ping -M do` "
                f"verbietet das Zerteilen. Der Kernel meldet „message too long, mtu={r.get('mtu')}“. Nimm kleinere "
                f"Pakete (`-s`) oder lass das DF-Bit weg (`-M want`, der Standard).")
    return (f"{_prefix(p)}Der Router „{p.where}“ müsste das Paket ({r.get('length')} Bytes) für {r.get('dev')} "
            f"(MTU {r.get('mtu')}) zerteilen, aber es trägt das DF-Bit („Don't Fragment“). Er verwirft es und "
            f"meldet „Frag needed and DF set (mtu = {r.get('mtu')})“ zurück, damit der Absender kleinere Pakete "
            f"schickt (Path-MTU-Discovery). Prüfe die MTU mit `ip link` oder teste mit `ping -M do -s GRÖSSE`.")


def _flooded_past_dead_ports(p: PacketTrace) -> str:
    """The journey ends at a switch that flooded the frame (an ARP request, or a frame for an
    unknown MAC address) while some of its ports do not forward: the target may hang there."""
    if not p.hops:
        return ""
    hop = p.hops[-1]
    step = next((s for s in reversed(hop.steps) if s.kind == "bridge" and s.action == "flood"), None)
    if step is None or not step.get("silent"):
        return ""
    silent = list(step.get("silent"))
    what = "den Rahmen für eine unbekannte MAC-Adresse" if step.get("unknown") else "die ARP-Anfrage (ein Broadcast)"
    ports = ", ".join(silent[:-1]) + f" und {silent[-1]}" if len(silent) > 1 else silent[0]
    verb = "leiten" if len(silent) > 1 else "leitet"
    return (f" Der Switch „{hop.node}“ hat {what} an alle Ports geflutet – aber Port{'s' if len(silent) > 1 else ''} "
            f"{ports} {verb} nicht weiter (Port oder Kabel down, siehe `bridge link` und `ip link` auf "
            f"„{hop.node}“). Hängt das Ziel dort, erreicht es die Anfrage nie, und der Absender wartet "
            f"vergeblich auf die ARP-Antwort.")


def _in_flight(p: PacketTrace, r: dict[str, Any]) -> str:
    last = p.hops[-1].node if p.hops else None
    where = f" (zuletzt gesehen auf „{last}“)" if last else ""
    note = _l2_note(p) or _flooded_past_dead_ports(p)
    if note:
        return f"Bis zum Ende des Befehls kam keine Antwort.{note}"
    return (f"Bis zum Ende des Befehls kam keine Antwort: das Paket war noch unterwegs{where}, zum Beispiel "
            f"weil der Knoten noch auf eine ARP-Antwort wartet. Warte länger (`ping -W 5`) oder sieh dir "
            f"die Spur an.")


def _no_packet(p: PacketTrace, r: dict[str, Any]) -> str:
    return "Es wurde kein Paket gesendet."


def _tailnet(p: PacketTrace, r: dict[str, Any]) -> str:
    from simnet.tailnet.explain import explain_tailnet

    return explain_tailnet(p) or f"Das Tailnet hat das Paket bei {_where(p)} nicht zugestellt."


# ping6 words the ICMPv6 errors differently, and the commands to check take -6
_Explainer = TypeVar("_Explainer", bound=Callable[[PacketTrace, dict[str, Any]], str])
_V6_WORDS = (("„Destination Net Unreachable“", "„Destination unreachable: No route“"),
             ("„Destination Host Unreachable“", "„Destination unreachable: No route“"),
             ("„Packet filtered“ (administrativ verboten)", "„Destination unreachable: Administratively prohibited“"),
             ("`ip route get ", "`ip -6 route get "), ("`ip route`", "`ip -6 route`"), ("`ip route add", "`ip -6 route add"))


def _ipv6_words(explainer: _Explainer) -> _Explainer:
    def explain(p: PacketTrace, r: dict[str, Any]) -> str:
        text = explainer(p, r)
        if r.get("ipv6"):
            for old, new in _V6_WORDS:
                text = text.replace(old, new)
        return text
    return cast(_Explainer, explain)


_no_route = _ipv6_words(_no_route)
_blackhole = _ipv6_words(_blackhole)
_unreachable = _ipv6_words(_unreachable)
_prohibit = _ipv6_words(_prohibit)

EXPLAINERS: dict[Disposition, Callable[[PacketTrace, dict[str, Any]], str]] = {
    Disposition.DELIVERED: _delivered,
    Disposition.NO_ROUTE: _no_route,
    Disposition.FORWARDING_DISABLED: _forwarding,
    Disposition.FILTERED: _filtered,
    Disposition.REJECTED: _rejected,
    Disposition.ARP_FAILED: _arp,
    Disposition.TTL_EXCEEDED: _ttl,
    Disposition.BLACKHOLE: _blackhole,
    Disposition.UNREACHABLE_ROUTE: _unreachable,
    Disposition.PROHIBIT_ROUTE: _prohibit,
    Disposition.RP_FILTER: _rp_filter,
    Disposition.PORT_UNREACHABLE: _port,
    Disposition.INTERFACE_DOWN: _down,
    Disposition.NOT_ANSWERED: _not_answered,
    Disposition.MTU_EXCEEDED: _mtu,
    Disposition.FRAG_NEEDED: _frag_needed,
    Disposition.IN_FLIGHT: _in_flight,
    Disposition.NO_PACKET: _no_packet,
    Disposition.TAILNET_NO_PEER: _tailnet,
    Disposition.TAILNET_PEER_OFFLINE: _tailnet,
    Disposition.POLICY_DENIED: _tailnet,
    Disposition.ND_FAILED: _nd,
    Disposition.NO_SOURCE: _no_source,
}


def explain_packet(p: PacketTrace) -> str:
    """German explanation of one journey."""
    if not p.disposition.is_success:
        try:
            from simnet.tailnet.explain import explain_tailnet
        except ImportError:  # pragma: no cover - the tailnet package ships with simnet
            explain_tailnet = None  # type: ignore[assignment]
        if explain_tailnet is not None:
            text = explain_tailnet(p)
            if text:
                return text
        from simnet.services.explain import explain_road   # DNS, ufw, TLS, nginx (the road to Headscale)

        text = explain_road(p)
        if text:
            return text
    text = EXPLAINERS[p.disposition](p, dict(p.reason)) + _ratelimit_note(p)
    return text if p.disposition.is_success else text + _dnat_note(p)


def _ratelimit_note(p: PacketTrace) -> str:
    """An ICMP error the kernel held back: the sender sees a timeout, not the message."""
    for hop, step in _steps(p):
        if step.kind == "icmp" and step.action == "ratelimited":
            return (f" Die ICMP-Fehlermeldung an {step.get('to')} hat „{hop.node}“ aber nicht geschickt: "
                    f"Der Kernel erlaubt pro Empfänger höchstens 6 Fehlermeldungen auf einmal und danach "
                    f"eine pro {step.get('ratelimit')} ms (net.ipv4.icmp_ratelimit). Der Absender sieht "
                    f"deshalb nur ein Timeout (* bei traceroute).")
    return ""


def summary(trace: Trace) -> str:
    """One line: verdict and where."""
    main = trace.main
    if main is None:
        return "Kein Paket gesendet."
    if trace.ok:
        return f"✓ angekommen ({len(trace)} Paket{'e' if len(trace) != 1 else ''})"
    where = f" auf „{main.where}“" if main.where else ""
    return f"✗ {main.disposition.value}{where}"


PROBE_ANSWERS = frozenset({Disposition.TTL_EXCEEDED, Disposition.PORT_UNREACHABLE, Disposition.DELIVERED,
                           Disposition.REJECTED, Disposition.IN_FLIGHT})


def _held_back(p: PacketTrace) -> bool:
    return any(step.kind == "icmp" and step.action == "ratelimited" for _, step in _steps(p))


def _explain_probes(probes: list[PacketTrace]) -> str:
    """traceroute wants the routers' "Time to live exceeded" and the target's answer; what
    explains a line of stars is a probe whose answer never came back. Probes beyond the
    hop where the target answered are not printed, so they explain nothing. IPv6 probes
    (their flow says ``hlim=``) count in hop limits, and the routers answer "Time exceeded: Hop limit"."""
    v6 = " hlim=" in probes[0].flow
    ttl, exceeded = ("Hop Limit", "Time exceeded: Hop limit") if v6 else ("TTL", "Time to live exceeded")
    reached = [p for p in probes if p.disposition not in (Disposition.TTL_EXCEEDED, Disposition.IN_FLIGHT)
               and not _held_back(p) and p.disposition in PROBE_ANSWERS]
    limit = min((p.probe_ttl or 0 for p in reached), default=None)
    shown = [p for p in probes if limit is None or (p.probe_ttl or 0) <= limit]
    lost = next((p for p in shown if _held_back(p) or p.disposition not in PROBE_ANSWERS), None)
    if lost is not None and _held_back(lost) and lost.disposition in PROBE_ANSWERS:
        hop = next(h for h, s in _steps(lost) if s.kind == "icmp" and s.action == "ratelimited")
        step = next(s for _, s in _steps(lost) if s.kind == "icmp" and s.action == "ratelimited")
        sysctl = "net.ipv6.icmp.ratelimit" if v6 else "net.ipv4.icmp_ratelimit"
        return (f"Die Sterne (`*`) ab {ttl} {lost.probe_ttl} sind weder eine Schleife noch ein Ausfall: Die Sonden "
                f"kamen bei „{hop.node}“ an, aber „{hop.node}“ hat die ICMP-Antwort nicht geschickt. Der Kernel "
                f"erlaubt pro Empfänger höchstens 6 Fehlermeldungen auf einmal und danach eine pro "
                f"{step.get('ratelimit')} ms ({sysctl}); traceroute schickt bis zu 16 Sonden "
                f"gleichzeitig, und ein zweiter Aufruf gleich nach dem ersten findet den Vorrat leer. Warte ein "
                f"paar Sekunden und probier es noch einmal.")
    if lost is not None:
        return f"Die Sonde mit {ttl} {lost.probe_ttl}: " + explain_packet(lost)
    answered = [p for p in shown if p.disposition is not Disposition.IN_FLIGHT]
    if not answered:
        return explain_packet(probes[0])
    routers: list[str] = []
    for p in sorted(answered, key=lambda p: p.probe_ttl or 0):
        if p.disposition is Disposition.TTL_EXCEEDED and p.where and p.where not in routers:
            routers.append(p.where)
    way = ", ".join(f"„{r}“" for r in routers) or "keinem Router"
    if reached:
        first = min(reached, key=lambda p: p.probe_ttl or 0)
        smaller = "kleinerem Hop Limit" if v6 else "kleinerer TTL"
        return (f"traceroute hat sein Ziel mit {ttl} {first.probe_ttl} erreicht. Die Sonden mit {smaller} "
                f"liefen unterwegs ab – bei {way}; jeder dieser Router meldet „{exceeded}“, und "
                f"so kennt traceroute die Stationen des Wegs. " + explain_packet(first))
    article = "das Hop Limit" if v6 else "die TTL"
    return (f"Keine Sonde hat das Ziel erreicht; {article} lief bei {way} ab. "
            + explain_packet(max(answered, key=lambda p: p.probe_ttl or 0)))


def explain_trace(trace: Trace) -> str:
    """German explanation of everything a command sent: the deciding journey, plus a count."""
    main = trace.main
    if main is None:
        return "Es wurde kein Paket gesendet."
    probes = [p for p in trace if p.probe_ttl is not None]
    if probes:
        return _explain_probes(probes)
    text = explain_packet(main)
    total = len(trace)
    if total > 1:
        ok = sum(1 for p in trace if p.disposition.is_success)
        text += f" ({ok} von {total} Paketen kamen an.)"
    return text

