"""Toggles for the LAN chapters: a switch that floods like a hub, the VLAN of a switch port,
a port forwarding (DNAT) rule and a firewall rule between two interfaces of a router.

Like every toggle they read the lab through the commands a learner types (``ip -d link``,
``bridge vlan show``, ``iptables -S``) and change it with real commands, so the Schaltpult
shows which command did what. Names: ``hub@switch``, ``vlan@switch:eth2``,
``dnat@router:8080`` (a rule the lab file's ``forward:`` key or the learner made) and
``accept@firewall:dmz>lan`` (FORWARD ``-i dmz -o lan -j ACCEPT``) and ``port@pc2:tcp/8080``
(the node's INPUT chain lets the port through, rejects it with a reset or drops it).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from simnet.views.toggles import Toggle, ToggleError, _node, _run

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["hub", "vlan", "dnat", "accept", "port", "lan_toggle_names"]

SWITCH_AGEING = 30000           # centiseconds, the kernel's default (300 s)


def _bridge_of(lab: "Lab", node: str) -> str:
    for name, iface in _node(lab, node).interfaces.items():
        if iface.bridge is not None:
            return name
    raise ToggleError(f"„{node}“ ist kein Switch (keine Bridge).")


def hub(arg: str) -> Toggle:
    """A bridge with ageing_time 0 learns nothing and floods every frame, as a hub does."""
    cmds: list[str] = []

    def read(lab: "Lab") -> bool:
        br = _bridge_of(lab, arg)
        m = re.search(r"ageing_time (\d+)", lab.run(arg, f"ip -d link show {br}").stdout)
        return m is not None and m.group(1) == "0"

    def apply(lab: "Lab", on: bool) -> None:
        br = _bridge_of(lab, arg)
        _run(lab, cmds, arg, f"ip link set {br} type bridge ageing_time {0 if on else SWITCH_AGEING}")

    return Toggle(f"hub@{arg}", f"„{arg}“ arbeitet wie ein Hub (lernt nichts, flutet alles)", read, apply,
                  commands=cmds)


def _port_vlans(lab: "Lab", node: str, port: str) -> list[tuple[int, bool]]:
    """(vid, is PVID) of one port from ``bridge vlan show dev PORT``."""
    out = lab.run(node, f"bridge vlan show dev {port}").stdout.splitlines()[1:]
    rows = []
    for line in out:
        words = line[len(port):].split() if line.startswith(port) else line.split()
        if words and words[0].isdigit():
            rows.append((int(words[0]), "PVID" in words))
    return rows


def vlan(arg: str, lab: "Lab | None" = None) -> Toggle:
    """The access VLAN of a switch port; the choices are the VLANs the switch knows (read from ``lab``)."""
    node, _, port = arg.partition(":")
    if not port:
        raise ToggleError(f"„vlan@{arg}“: sag dazu, welcher Port – vlan@SWITCH:PORT.")
    cmds: list[str] = []

    def known(lab: "Lab") -> tuple[str, ...]:
        vids: set[int] = set()
        for name, iface in _node(lab, node).interfaces.items():
            if iface.master is not None or iface.bridge is None:
                vids |= {v for v, _p in _port_vlans(lab, node, name)}
        return tuple(str(v) for v in sorted(vids - {1}) or [1])

    def read(lab: "Lab") -> str:
        if port not in _node(lab, node).interfaces:
            raise ToggleError(f"„{node}“ hat keinen Port „{port}“.")
        pvid = [v for v, p in _port_vlans(lab, node, port) if p]
        return str(pvid[0]) if pvid else "-"

    def apply(lab: "Lab", value: str) -> None:
        old = read(lab)
        _run(lab, cmds, node, f"bridge vlan add dev {port} vid {value} pvid untagged")
        if old not in ("-", value):
            _run(lab, cmds, node, f"bridge vlan del dev {port} vid {old}")

    choices = known(lab) if lab is not None else ("1",)
    return Toggle(f"vlan@{arg}", f"VLAN des Ports {port} auf „{node}“", read, apply, choices=choices, commands=cmds)


def vlan_for(lab: "Lab", arg: str) -> Toggle:
    """``vlan`` with its choices read from ``lab``."""
    return vlan(arg, lab)


def _dnat_rules(lab: "Lab", node: str) -> list[str]:
    return [line for line in lab.run(node, "iptables -t nat -S PREROUTING").stdout.splitlines()
            if "-j DNAT" in line]


def dnat(arg: str) -> Toggle:
    """A port forwarding: the DNAT rule for one outside port, as the lab had it when the toggle was made."""
    node, _, port = arg.partition(":")
    cmds: list[str] = []
    memo: dict[str, str] = {}

    def rule(lab: "Lab") -> str | None:
        for line in _dnat_rules(lab, node):
            if re.search(rf"--dport {re.escape(port)}(?: |$)", line):
                memo.setdefault("rule", line[len("-A "):])
                return line
        return None

    def read(lab: "Lab") -> bool:
        found = rule(lab) is not None
        if "rule" not in memo:
            raise ToggleError(f"Auf „{node}“ gibt es keine Portweiterleitung für Port {port}.")
        return found

    def apply(lab: "Lab", on: bool) -> None:
        _run(lab, cmds, node, f"iptables -t nat {'-A' if on else '-D'} {memo['rule']}")

    return Toggle(f"dnat@{arg}", f"Portweiterleitung von Port {port} auf „{node}“", read, apply, commands=cmds)


def accept(arg: str) -> Toggle:
    """FORWARD ``-i IN -o OUT -j ACCEPT`` on a router: one arrow of a three-legged firewall."""
    node, _, pair = arg.partition(":")
    src, _, dst = pair.partition(">")
    if not src or not dst:
        raise ToggleError(f"„accept@{arg}“: Form accept@ROUTER:EIN>AUS, z. B. accept@firewall:dmz>lan.")
    spec = f"FORWARD -i {src} -o {dst} -j ACCEPT"
    cmds: list[str] = []

    def read(lab: "Lab") -> bool:
        for name in (src, dst):
            if name not in _node(lab, node).interfaces:
                raise ToggleError(f"„{node}“ hat keine Schnittstelle „{name}“.")
        return f"-A {spec}" in lab.run(node, "iptables -S FORWARD").stdout.splitlines()

    def apply(lab: "Lab", on: bool) -> None:
        # before the closing rules (a REJECT or DROP at the end), so the new arrow counts
        _run(lab, cmds, node, f"iptables -I {spec.replace('FORWARD', 'FORWARD 1', 1)}" if on
             else f"iptables -D {spec}")

    return Toggle(f"accept@{arg}", f"Firewall auf „{node}“ lässt {src} → {dst} durch", read, apply, commands=cmds)


PORT_STATES = {"offen": None, "abgelehnt (REJECT)": "REJECT", "verworfen (DROP)": "DROP"}


def port(arg: str) -> Toggle:
    """What the node's own firewall does with one port: nothing, REJECT (a reset or ICMP) or DROP."""
    node, _, spec = arg.partition(":")
    proto, _, number = spec.partition("/")
    if proto not in ("tcp", "udp") or not number.isdigit() or not 0 < int(number) < 65536:
        raise ToggleError(f"„port@{arg}“: Form port@KNOTEN:tcp/PORT oder port@KNOTEN:udp/PORT.")
    cmds: list[str] = []
    match = f"-p {proto} -m {proto} --dport {number} -j "

    def rule(lab: "Lab") -> str | None:
        for line in lab.run(node, "iptables -S INPUT").stdout.splitlines():
            if match in line + " " and line.startswith("-A INPUT "):
                return line
        return None

    def read(lab: "Lab") -> str:
        _node(lab, node)
        line = rule(lab)
        if line is None:
            return "offen"
        return "verworfen (DROP)" if line.split(" -j ", 1)[1].startswith("DROP") else "abgelehnt (REJECT)"

    def apply(lab: "Lab", value: str) -> None:
        old = rule(lab)
        if old is not None:
            _run(lab, cmds, node, "iptables -D " + old[len("-A "):])
        target = PORT_STATES[value]
        if target is not None:
            extra = " --reject-with tcp-reset" if target == "REJECT" and proto == "tcp" else ""
            _run(lab, cmds, node, f"iptables -I INPUT 1 -p {proto} --dport {number} -j {target}{extra}")

    return Toggle(f"port@{arg}", f"{proto.upper()}-Port {number} auf „{node}“", read, apply,
                  choices=tuple(PORT_STATES), commands=cmds)


def lan_toggle_names(lab: "Lab") -> list[str]:
    """The LAN toggles that fit ``lab``: hubs for switches, VLANs of access ports, forwarded ports."""
    names: list[str] = []
    for name, node in lab.nodes.items():
        kind = getattr(node, "kind", "host")
        if kind in ("switch", "hub"):
            names.append(f"hub@{name}")
            for port, iface in node.interfaces.items():
                if iface.master is not None:
                    vids = _port_vlans(lab, name, port)
                    if len(vids) == 1 and vids[0][1] and vids[0][0] != 1:
                        names.append(f"vlan@{name}:{port}")
        for line in _dnat_rules(lab, name) if kind == "router" or getattr(node, "role", "") == "router" else []:
            m = re.search(r"--dport (\d+)", line)
            if m:
                names.append(f"dnat@{name}:{m.group(1)}")
    return names
