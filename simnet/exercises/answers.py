"""Reference answers, computed – never typed into the exercise file.

Predict exercises ask the simulator (run the probe, read the trace);
calculate exercises ask :mod:`ipaddress`. Learner input is normalised so
that "/24", "24" and "255.255.255.0" all count, and "16.382" is read the
Austrian way (thousands separator).
"""
from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_interface, ip_network
from typing import TYPE_CHECKING, Any, Callable

from simnet.exercises import facts
from simnet.exercises.model import ExerciseError
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.exercises.generate import Instance
    from simnet.lab import Lab, Result

__all__ = ["predicted_answer", "predict", "calc_mistake", "calculated_answer", "same_answer", "DISPOSITION_LABELS",
           "PREDICT_ASKS",
           "CALC_ASKS", "answer_type"]

DISPOSITION_LABELS = {
    Disposition.DELIVERED.value: "kommt an (Antwort kommt zurück)",
    Disposition.NO_ROUTE.value: "keine Route (no-route)",
    Disposition.FORWARDING_DISABLED.value: "IP-Forwarding aus (forwarding-disabled)",
    Disposition.FILTERED.value: "von der Firewall verworfen (filtered)",
    Disposition.REJECTED.value: "von der Firewall abgelehnt (rejected)",
    Disposition.ARP_FAILED.value: "ARP bleibt unbeantwortet (arp-failed)",
    Disposition.BLACKHOLE.value: "Blackhole-Route (blackhole)",
    Disposition.POLICY_DENIED.value: "von der Headscale-Policy verworfen (policy-denied)",
    Disposition.TTL_EXCEEDED.value: "TTL abgelaufen (ttl-exceeded)",
    Disposition.FRAG_NEEDED.value: "zu groß, DF gesetzt: „Frag needed“ zurück (frag-needed)",
    Disposition.MTU_EXCEEDED.value: "beim Empfang zu groß für die MTU verworfen (mtu-exceeded)",
    Disposition.UNREACHABLE_ROUTE.value: "unreachable-Route (unreachable-route)",
    Disposition.PROHIBIT_ROUTE.value: "prohibit-Route (prohibit-route)",
    Disposition.RP_FILTER.value: "vom Reverse-Path-Filter verworfen (rp-filter)",
    Disposition.PORT_UNREACHABLE.value: "Port geschlossen (port-unreachable)",
    Disposition.INTERFACE_DOWN.value: "Interface down (interface-down)",
}
YES = {"ja", "j", "yes", "y", "true", "1"}
NO = {"nein", "n", "no", "false", "0"}


# ------------------------------------------------------------------ predict
def _receive_src(res: "Result", at: str | None) -> str:
    for packet in res.trace.packets:
        for hop in packet.hops:
            if hop.node == at and hop.leg == "out" and not hop.underlay:
                for step in hop.steps:     # the packet itself, not the WireGuard/DERP wrapping around it
                    if step.kind == "receive" and step.get("src") is not None:
                        return str(step.get("src"))
    raise ExerciseError(f"Das Paket erreicht „{at}“ gar nicht – die Frage nach der Absenderadresse passt nicht.")


def _arrives_from(res: "Result", at: str | None) -> str:
    """The source address the packet has when it reaches ``at``, or "keine" when it never does."""
    try:
        return _receive_src(res, at)
    except ExerciseError:
        return "keine"


def _arp_target(res: "Result", at: str | None) -> str:
    """Whom the sender asks by ARP: the target itself, or (off-link) the gateway."""
    for packet in res.trace.packets:
        for hop in packet.hops:
            if hop.leg == "out" and not hop.underlay:
                for step in hop.steps:
                    if step.kind == "arp" and step.get("ip") is not None:
                        return str(step.get("ip"))
    raise ExerciseError("In der Spur steht keine ARP-Auflösung.")


def _tailscale_path(stdout: str) -> str:
    """The path of the *last* pong: tailscale ping starts over DERP and stops once a direct pong comes."""
    pongs = [line for line in stdout.splitlines() if line.startswith("pong ")]
    if not pongs:
        return "keine Antwort"
    return "DERP" if "via DERP" in pongs[-1] else "direkt"


def _search(pattern: str, text: str, default: str | None = None) -> str:
    m = re.search(pattern, text)
    if m:
        return m.group(1)
    if default is not None:
        return default
    raise ExerciseError(f"Die Ausgabe enthält nicht, wonach gefragt ist ({pattern}).")


PING_RESULTS = (("Network is unreachable", "ping: connect: Network is unreachable"),
                ("Destination Net Unreachable", "From … Destination Net Unreachable"),
                ("Destination Host Unreachable", "From … Destination Host Unreachable"),
                ("Destination Port Unreachable", "From … Destination Port Unreachable"),
                ("Time to live exceeded", "From … Time to live exceeded"),
                ("Frag needed", "From … Frag needed and DF set"),
                ("Operation not permitted", "ping: sendmsg: Operation not permitted"))


NC_RESULTS = (("succeeded", "Connection … succeeded!"), ("Connection refused", "Connection refused"),
              ("timed out", "timed out: Operation now in progress"), ("No route to host", "No route to host"))


def _nc_result(res: "Result", at: str | None) -> str:
    """What ``nc -zv`` reports, in nc's own words (refused = a RST or ICMP came back, timed out = nothing)."""
    text = res.stdout + res.stderr
    for needle, label in NC_RESULTS:
        if needle in text:
            return label
    raise ExerciseError("Die Ausgabe von nc enthält keine der bekannten Meldungen.")


def _ping_result(res: "Result", at: str | None) -> str:
    """What the learner sees in ping's output, in the words ping uses."""
    if res.returncode == 0:
        return "Antwort (64 bytes from …)"
    text = res.stdout + res.stderr
    for needle, label in PING_RESULTS:
        if needle in text:
            return label
    return "keine Antwort, nur Timeout"


# asks whose answer needs a listener on ``at`` while the probe runs (tcpdump started before it)
SNIFF = "tcpdump -n -i any icmp"


def _sniffed(res: "Result", at: str | None, seen: str = "") -> str:
    """Did the listener on ``at`` see one of the probe's ICMP packets (a hub floods, a switch does not)?"""
    return "ja" if "ICMP" in seen else "nein"


PREDICT_ASKS: dict[str, Callable[["Result", str | None], str]] = {
    "ping-result": _ping_result,
    "nc-result": _nc_result,
    "reachable": lambda r, at: "ja" if r.returncode == 0 else "nein",
    "source-seen": _receive_src,
    "arrives-from": lambda r, at: _arrives_from(r, at),
    "route-dev": lambda r, at: _search(r"\bdev (\S+)", r.stdout),
    "route-via": lambda r, at: _search(r"\bvia (\S+)", r.stdout, "direkt"),
    "table": lambda r, at: _search(r"\btable (\S+)", r.stdout, "main"),
    "ttl": lambda r, at: _search(r"\bttl=(\d+)", r.stdout),
    "disposition": lambda r, at: r.trace.disposition.value,
    "where": lambda r, at: (r.trace.main.where or "") if r.trace.main and not r.trace.ok else "",
    "returncode": lambda r, at: str(r.returncode),
    "tailscale-path": lambda r, at: _tailscale_path(r.stdout),
    "udp": lambda r, at: _search(r"UDP: (\S+)", r.stdout),
    "arp-target": _arp_target,
    "sniffed": _sniffed,
    "endpoint": lambda r, at: _search(r"via (\d+\.\d+\.\d+\.\d+):\d+", (r.stdout.splitlines() or [""])[-1], "DERP"),
}


def predicted_answer(inst: "Instance", lab: "Lab | None" = None) -> str:
    """Run the probe in the (broken) lab and read the answer off the result."""
    return predict(inst, lab)[0]


def predict(inst: "Instance", lab: "Lab | None" = None) -> "tuple[str, Result]":
    """The reference answer and the probe's result it was read from."""
    ask = inst.exercise.ask or ""
    if ask not in PREDICT_ASKS:
        raise ExerciseError(f"{inst.exercise.source}, ask: unbekannte Frage „{ask}“. "
                            f"Möglich: {', '.join(PREDICT_ASKS)}.")
    lab = lab if lab is not None else inst.build_lab(broken=True)
    assert inst.probe is not None
    if ask == "sniffed":
        if not inst.at:
            raise ExerciseError(f"{inst.exercise.source}, at: Wer liest mit? „at“ nennt den Knoten.")
        listener = lab.start(inst.at, SNIFF)
        res = lab.run(inst.probe.node, inst.probe.command)
        lab.advance(1)                   # the last flooded copy reaches the listener, too
        return _sniffed(res, inst.at, listener.result().stdout), res
    res = lab.run(inst.probe.node, inst.probe.command)
    return PREDICT_ASKS[ask](res, inst.at), res


# ---------------------------------------------------------------- calculate
def _net(calc: dict[str, Any]) -> IPv4Network:
    return ip_network(f"{calc['address']}/{calc['prefix']}", strict=False)  # type: ignore[return-value]


def _prefix_for_hosts(calc: dict[str, Any]) -> str:
    need = int(calc["hosts"])
    for prefix in range(30, 0, -1):
        if 2 ** (32 - prefix) - 2 >= need:
            return f"/{prefix}"
    raise ExerciseError("So viele Hosts passen in kein IPv4-Netz.")


def _fact(table: dict[str, Any], what: str) -> Callable[[dict[str, Any]], Any]:
    """A lookup in simnet.exercises.facts, with a German error for an item it does not know."""
    def look(c: dict[str, Any]) -> Any:
        item = str(c["item"])
        if item not in table:
            raise ExerciseError(f"calc.item: „{item}“ steht nicht in der Tabelle {what} (simnet/exercises/facts.py).")
        return table[item]
    return look


def _vlsm(c: dict[str, Any]) -> str:
    hosts = [int(h) for h in c["hosts"]]
    plan = dict((n, net) for n, net in facts.vlsm_plan(str(c["base"]), hosts))
    return str(plan[int(c["for"])])


def _ipconfig_field(c: dict[str, Any]) -> str:
    field = str(c["field"])
    net = ip_network(f"{c['ip']}/{c['prefix']}", strict=False)
    if field == "fault":            # the one entry that cannot be right
        gw = IPv4Address(str(c["gateway"]))
        return "Standardgateway" if gw not in net or gw in (net.network_address, net.broadcast_address) else "keiner"
    return {"gateway": str(c["gateway"]), "dns": str(c["dns"]), "mask": str(net.netmask),
            "prefix": f"/{net.prefixlen}", "network": str(net.network_address),
            "dhcp-server": str(c.get("dhcp_server") or c["gateway"])}[field]


def _frame_length(c: dict[str, Any]) -> str:
    head = {"icmp": 8, "udp": 8, "tcp": 20}[str(c["proto"])]
    return str(int(c["payload"]) + head + 20 + 14)


def _missing_route(c: dict[str, Any]) -> str:
    return f"{ip_network(str(c['network']))} via {IPv4Address(str(c['gateway']))}"


def _domains(c: dict[str, Any]) -> str:
    """A router with a switch (maybe split into VLANs, router on a stick) and a hub behind it:
    every switch port in use is a collision domain, a hub is one; every VLAN and the hub's net
    is a broadcast domain."""
    switch_ports = int(c["switch_hosts"]) + 1            # the PCs and the uplink to the router
    if c["what"] == "collision":
        return str(switch_ports + (1 if int(c["hub_hosts"]) else 0))
    return str(int(c.get("vlans", 1)) + (1 if int(c["hub_hosts"]) else 0))


def _protokoll_cell(column: str) -> Callable[[dict[str, Any]], str]:
    """A cell of the address table of a shipped lab's commissioning protocol (simnet protokoll)."""
    def cell(c: dict[str, Any]) -> str:
        from simnet.lab import Lab
        from simnet.views.protokoll import address_rows

        for row in address_rows(Lab.load(str(c["lab"]))):
            if row.host == str(c["node"]) and row.iface == str(c["iface"]):
                value = str(getattr(row, column))
                return value.split()[0] if column == "vlan" else value
        raise KeyError(f"{c['node']}/{c['iface']}")
    return cell


CALC_ASKS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "protokoll-gateway": ("address", _protokoll_cell("gateway")),
    "protokoll-vlan": ("int", _protokoll_cell("vlan")),
    "domains": ("int", _domains),
    "osi-layer": ("osi", lambda c: str(_fact(facts.OSI_LAYER, "OSI_LAYER")(c))),
    "tcpip-layer": ("tcpip", lambda c: {1: "Netzzugangsschicht", 2: "Internetschicht", 3: "Transportschicht",
                                         4: "Anwendungsschicht"}[_fact(facts.TCPIP_LAYER, "TCPIP_LAYER")(c)]),
    "port-of": ("int", lambda c: str(_fact(facts.PORTS, "PORTS")(c))),
    "transport-of": ("text", lambda c: str(_fact(facts.PORT_PROTO, "PORT_PROTO")(c))),
    "linux-command": ("linux-command", lambda c: _fact(facts.WINDOWS_TO_LINUX, "WINDOWS_TO_LINUX")(c)[0]),
    "windows-command": ("windows-command", lambda c: _fact(facts.LINUX_TO_WINDOWS, "LINUX_TO_WINDOWS")(c)[0]),
    "wlan-bands": ("bands", lambda c: " und ".join(f"{b:g}".replace(".", ",") for b in
                                                   _fact(facts.WLAN, "WLAN")(c)[1]) + " GHz"),
    "wlan-name": ("text", lambda c: _fact(facts.WLAN, "WLAN")(c)[0]),
    "vlsm": ("network", _vlsm),
    "ipconfig": ("ipconfig", _ipconfig_field),
    "frame-length": ("int", _frame_length),
    "missing-route": ("route", _missing_route),
    "visible": ("yesno", lambda c: "ja" if facts.VISIBLE[str(c["protocol"])][str(c["item"])] else "nein"),
    "wpa": ("text", lambda c: _fact(facts.WPA, "WPA")(c)),
    "pdu": ("text", lambda c: facts.PDU[int(c["layer"])]),
    "channels-overlap": ("yesno", lambda c: "ja" if facts.channels_overlap(c["a"], c["b"]) else "nein"),
    "wireguard-length": ("int", lambda c: str(facts.wireguard_length(c["inner"]))),
    "hosts-in-net": ("int", lambda c: str(max(2 ** (32 - int(c["prefix"])) - 2, 0) if int(c["prefix"]) < 31
                                          else 2 ** (32 - int(c["prefix"])))),
    "hosts": ("int", lambda c: str(max(2 ** (32 - int(c["prefix"])) - 2, 0))),
    "addresses": ("int", lambda c: str(2 ** (32 - int(c["prefix"])))),
    "network": ("address", lambda c: str(_net(c).network_address)),
    "broadcast": ("address", lambda c: str(_net(c).broadcast_address)),
    "first-host": ("address", lambda c: str(_net(c).network_address + 1)),
    "last-host": ("address", lambda c: str(_net(c).broadcast_address - 1)),
    "netmask": ("mask", lambda c: str(IPv4Network(f"0.0.0.0/{int(c['prefix'])}").netmask)),
    "prefix-of-mask": ("mask", lambda c: "/" + str(IPv4Network(f"0.0.0.0/{c['netmask']}").prefixlen)),
    "prefix-for-hosts": ("mask", _prefix_for_hosts),
    "subnets": ("int", lambda c: str(2 ** (int(c["new_prefix"]) - int(c["prefix"])))),
    "contains": ("yesno", lambda c: "ja" if IPv4Address(str(c["address"])) in
                 ip_network(str(c["network"]), strict=False) else "nein"),
}


def calc_mistake(calc: dict[str, Any], given: str) -> str | None:
    """Name the typical slip behind a wrong calculation, so the feedback teaches (None if unknown)."""
    ask = str(calc.get("ask"))
    try:
        if ask in MISTAKES6:
            return MISTAKES6[ask](calc, given)
        if ask == "hosts":
            n = _as_int(given)
            size = 2 ** (32 - int(calc["prefix"]))
            if n == size:
                return "Du hast Netz- und Broadcastadresse mitgezählt – die sind für Hosts nicht nutzbar."
            if n == size - 1:
                return "Es gehen zwei Adressen weg, nicht eine: die Netzadresse und die Broadcastadresse."
            if n is not None and n == 2 ** int(calc["prefix"]):
                return "Du hast mit den Netzbits gerechnet; die Hosts stecken in den 32 − Präfix Hostbits."
        elif ask in ("network", "broadcast", "last-host", "first-host"):
            g = _as_address(given)
            net = _net(calc)
            if g is not None and g == net.broadcast_address and ask != "broadcast":
                return "Das ist die Broadcastadresse (alle Hostbits 1)."
            if g is not None and g == net.network_address and ask != "network":
                return "Das ist die Netzadresse (alle Hostbits 0)."
            if g is not None and g not in net:
                return f"{g} liegt gar nicht im Netz {net} – prüf die Blockgröße 2^(32 − {net.prefixlen})."
        elif ask == "prefix-for-hosts":
            p = _as_prefix(given)
            if p is not None and 2 ** (32 - p) - 2 < int(calc["hosts"]):
                return f"In ein /{p} passen nur {2 ** (32 - p) - 2} Hosts – zu wenig."
            if p is not None:
                return f"Ein /{p} reicht, ist aber größer als nötig – gesucht ist das kleinste passende Netz."
        elif ask == "subnets":
            n = _as_int(given)
            if n == int(calc["new_prefix"]) - int(calc["prefix"]):
                return "Das ist die Zahl der geliehenen Bits; jedes Bit verdoppelt die Zahl der Subnetze."
    except (KeyError, ValueError, TypeError):
        return None
    return None


def calculated_answer(inst: "Instance") -> str:
    calc = inst.calc
    ask = str(calc.get("ask", ""))
    if ask not in CALC_ASKS:
        raise ExerciseError(f"{inst.exercise.source}, calc.ask: unbekannte Rechnung „{ask}“. "
                            f"Möglich: {', '.join(CALC_ASKS)}.")
    try:
        return CALC_ASKS[ask][1](calc)
    except (KeyError, ValueError, TypeError) as exc:
        raise ExerciseError(f"{inst.exercise.source}, calc: Die Angaben reichen nicht ({exc}).") from None


def answer_type(inst: "Instance") -> str:
    if inst.kind == "calculate":
        return CALC_ASKS.get(str(inst.calc.get("ask")), ("text", None))[0]
    ask = inst.exercise.ask
    return {"reachable": "yesno", "sniffed": "yesno", "source-seen": "address", "ttl": "int", "returncode": "int",
            "arp-target": "address", "arrives-from": "address-or-none"}.get(ask or "", "text")


# ------------------------------------------------------------- normalising
def _as_int(text: str) -> int | None:
    t = text.replace(" ", "").replace("\u202f", "").replace("'", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", t):
        t = t.replace(".", "")
    return int(t) if t.isdigit() else None


def _as_prefix(text: str) -> int | None:
    t = text.strip().lstrip("/")
    if t.isdigit():
        return int(t) if 0 <= int(t) <= 32 else None
    try:
        return IPv4Network(f"0.0.0.0/{t}").prefixlen
    except ValueError:
        return None


def _as_address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_interface(text.strip()).ip if "/" in text else IPv4Address(text.strip())
    except ValueError:
        return None


def _same_special(g: str, expected: str, kind: str) -> bool | None:
    """The answer kinds of the knowledge exercises (None: not one of them)."""
    if kind == "address-or-none":
        if expected == "keine":
            return g.casefold() in ("keine", "kein", "nein", "-", "gar nicht", "kommt nicht an")
        return _as_address(g) is not None and _as_address(g) == _as_address(expected)
    if kind == "osi":
        return facts.osi_number(g) is not None and facts.osi_number(g) == int(expected)
    if kind == "tcpip":
        return facts.tcpip_name(g) is not None and facts.tcpip_name(g) == facts.tcpip_name(expected)
    if kind in ("linux-command", "windows-command"):
        table = facts.WINDOWS_TO_LINUX if kind == "linux-command" else facts.LINUX_TO_WINDOWS
        accepted = {facts.command_key(x) for alts in table.values() if alts[0] == expected for x in alts}
        return facts.command_key(g) in accepted
    if kind == "bands":
        return bool(facts.bands(g)) and facts.bands(g) == facts.bands(expected)
    if kind == "network":
        try:
            text = g.replace(" /", "/")
            if " " in text:                                  # "192.168.0.128 255.255.255.192"
                addr, mask = text.split(None, 1)
                text = f"{addr}/{mask.strip()}"
            return ip_network(text) == ip_network(expected)
        except ValueError:
            return False
    if kind == "route":
        mine, want = facts.parse_route(g), facts.parse_route(expected)
        return mine is not None and mine == want
    if kind == "ipconfig":
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", expected):
            return _as_address(g) == _as_address(expected)
        if expected.startswith("/"):
            return _as_prefix(g) == _as_prefix(expected)
        return g.casefold().replace("-", "").replace(" ", "") == expected.casefold().replace("-", "").replace(" ", "")
    return None


def same_answer(given: str, expected: str, kind: str) -> bool:
    """Does the learner's text mean the reference answer? Never raises."""
    g = str(given).strip()
    special = _same_special(g, str(expected), kind)
    if special is not None:
        return special
    if kind == "int":
        return _as_int(g) is not None and _as_int(g) == _as_int(expected)
    if kind == "mask":
        return _as_prefix(g) is not None and _as_prefix(g) == _as_prefix(expected)
    if kind == "address":
        return _as_address(g) is not None and _as_address(g) == _as_address(expected)
    if kind == "network6":
        return same_network6(g, str(expected))
    if kind == "yesno":
        low = g.lower()
        want = YES if expected == "ja" else NO
        return low in want
    return g.casefold() == str(expected).strip().casefold()


from simnet.exercises.calc6 import CALC6, MISTAKES6, same_network6  # noqa: E402  (IPv6, kept apart)

CALC_ASKS.update(CALC6)
