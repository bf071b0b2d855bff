"""The LAN keys of a lab file: node kinds, VLANs on switches, port forwarding on routers.

Each key stands for commands a learner could type; they run before the node's own
``startup`` (the kernel recorder in tests/kernel/netns.py builds the same from these
functions). Errors are raised as ``ValueError(key, German text)`` for the loader.

``kind: switch`` is a Linux bridge ``br0`` over all interfaces (learning, STP off);
``kind: hub`` the same bridge with ``ageing_time 0`` (it learns nothing and floods
every frame); ``kind: router`` forwards. ``vlans: {eth1: 10, eth4: [10, 20]}`` makes a
switch VLAN-aware: an access port in VLAN 10 (PVID, untagged), a trunk carrying 10 and
20 tagged (VLAN 1 stays its untagged native VLAN). ``forward: [{port: 8080, to:
192.168.0.10:80}]`` is port forwarding (DNAT) on a home router, from its ``nat``
interface if it has one.
"""
from __future__ import annotations

from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any

__all__ = ["NODE_KINDS", "kind_startup", "check_vlans", "check_forward", "forward_startup"]

NODE_KINDS = ("host", "router", "switch", "hub")


def kind_startup(kind: str, interfaces: list[str], vlans: dict[str, Any] | None = None) -> list[str]:
    """The commands a node kind (and its VLANs) stands for."""
    if kind in ("switch", "hub"):
        add = "ip link add br0 type bridge" + (" ageing_time 0" if kind == "hub" else "") + \
            (" vlan_filtering 1" if vlans else "")
        lines = [add, *(f"ip link set {i} master br0" for i in interfaces)]
        for port, member in (vlans or {}).items():
            if isinstance(member, int):
                lines += [f"bridge vlan add dev {port} vid {member} pvid untagged", f"bridge vlan del dev {port} vid 1"]
            else:
                lines += [f"bridge vlan add dev {port} vid {vid}" for vid in member]
        return lines + ["ip link set br0 up"]
    if kind == "router":
        return ["sysctl -w net.ipv4.ip_forward=1"]
    return []


def _vid(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4094


def check_vlans(vlans: Any, kind: str, ifaces: dict) -> dict[str, Any] | None:
    """``vlans: {eth1: 10, eth4: [10, 20]}`` on a switch: access ports and trunks."""
    if vlans is None:
        return None
    if kind != "switch":
        raise ValueError("vlans", "VLANs gibt es nur an einem Knoten mit „kind: switch“.")
    if not isinstance(vlans, dict):
        raise ValueError("vlans", "„vlans“ muss eine Zuordnung Port: VLAN sein.")
    for port, member in vlans.items():
        if port not in ifaces:
            raise ValueError(f"vlans.{port}", f"Der Switch hat keinen Port „{port}“.")
        if not (_vid(member) or isinstance(member, list) and member and all(_vid(v) for v in member)):
            raise ValueError(f"vlans.{port}", "Eine VLAN-ID (1–4094) für einen Access-Port oder eine Liste "
                                              f"von VLAN-IDs für einen Trunk, nicht {member!r}.")
    return dict(vlans)


def check_forward(forward: Any) -> list[dict[str, Any]]:
    """``forward: [{port: 8080, to: 192.168.0.10:80, proto: tcp}]``: port forwarding rules."""
    if forward is None:
        return []
    if not isinstance(forward, list):
        raise ValueError("forward", "„forward“ ist eine Liste von Weiterleitungen ({port: …, to: …}).")
    out = []
    for k, rule in enumerate(forward):
        path = f"forward[{k}]"
        if not isinstance(rule, dict) or set(rule) - {"port", "to", "proto"} or "port" not in rule or "to" not in rule:
            raise ValueError(path, "Eine Weiterleitung hat „port“, „to“ und optional „proto“ (tcp oder udp).")
        port, proto = rule["port"], rule.get("proto", "tcp")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise ValueError(f"{path}.port", f"Der Port muss zwischen 1 und 65535 liegen, nicht {port!r}.")
        if proto not in ("tcp", "udp"):
            raise ValueError(f"{path}.proto", f"Nur tcp oder udp, nicht {proto!r}.")
        host, _, to_port = str(rule["to"]).partition(":")
        try:
            IPv4Address(host)
        except ValueError:
            raise ValueError(f"{path}.to", f"„to“ ist ADRESSE oder ADRESSE:PORT, nicht {rule['to']!r}.") from None
        if to_port and (not to_port.isdigit() or not 1 <= int(to_port) <= 65535):
            raise ValueError(f"{path}.to", f"Der Zielport muss zwischen 1 und 65535 liegen, nicht {to_port!r}.")
        out.append({"port": port, "proto": proto, "to": str(rule["to"])})
    return out


def forward_startup(forward: list[dict[str, Any]], outside: str | None) -> list[str]:
    """The DNAT rules a port forwarding list stands for (from ``outside`` only, if known)."""
    dev = f" -i {outside}" if outside else ""
    return [f"iptables -t nat -A PREROUTING{dev} -p {f['proto']} --dport {f['port']} -j DNAT "
            f"--to-destination {f['to']}" for f in forward]
