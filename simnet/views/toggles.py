"""The settings that matter, as switches: read from the lab, changed by real commands.

Every toggle changes the lab the way a learner would, through
``lab.run(node, command)`` (``sysctl -w``, ``iptables``, ``headscale nodes
approve-routes``, ``tailscale set``, ``ip route``), so the panel teaches
the commands, too. A toggle's name says what and where:
``ip_forward@tailscale``, ``masquerade@router``, ``route_approved@192.168.0.0/24``,
``accept_routes@maschinchen``, ``snat_subnet_routes@tailscale``,
``back_route@proxmox``, ``nat_type@cafe``, ``udp_blocked@cafe``, ``dhcp_server@router``.
The last two exist only when the lab can switch NAT types (``lab.set_nat``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, ip_network
from typing import TYPE_CHECKING, Any, Callable

from simnet.core.errors import SimnetError

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["Toggle", "ToggleError", "make_toggle", "available", "catalogue", "NAT_TYPES", "FAMILIES"]

NAT_TYPES = ("none", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric", "udp-blocked")
TAILNET = "100.64.0.0/10"


class ToggleError(SimnetError, ValueError):
    """A toggle name that does not fit the lab; the message is German."""


@dataclass(frozen=True)
class Toggle:
    """One switch. ``read`` gives the current value, ``apply`` sets one (bool, or a choice)."""

    name: str
    label: str
    read: Callable[["Lab"], Any]
    apply: Callable[["Lab", Any], object]     # what it returns is not used
    choices: tuple[str, ...] = ()
    commands: list[str] = field(default_factory=list, compare=False)   # what apply ran, newest last

    @property
    def kind(self) -> str:
        return "choice" if self.choices else "bool"

    def set(self, lab: "Lab", value: Any) -> None:
        if self.choices and value not in self.choices:
            raise ToggleError(f"„{value}“ passt nicht zu „{self.label}“. Möglich: {', '.join(self.choices)}.")
        if self.read(lab) != value:
            self.apply(lab, value)


def _run(lab: "Lab", toggle_cmds: list[str], node: str, cmd: str) -> str:
    toggle_cmds.append(f"{node}$ {cmd}")
    res = lab.run(node, cmd)
    if res.returncode != 0:
        raise ToggleError(f"„{cmd}“ auf „{node}“ ist fehlgeschlagen: {(res.stderr or res.stdout).strip()}")
    return res.stdout


def _node(lab: "Lab", name: str) -> Any:
    if name not in lab.nodes:
        raise ToggleError(f"Im Lab gibt es keinen Knoten „{name}“. Vorhanden: {', '.join(lab.nodes)}.")
    return lab.nodes[name]


# ------------------------------------------------------------------ helpers that read the lab
def _masquerade_devs(node: Any) -> list[str]:
    from simnet.kernel.nftables.xtables import xt_rules

    return [r.xt.out_iface for r in xt_rules(node.netfilter, "nat", "POSTROUTING")
            if r.xt is not None and r.xt.target == "MASQUERADE" and r.xt.out_iface]


def _default_dev(lab: "Lab", node: str) -> str | None:
    """The interface of the default route (where a home router masquerades)."""
    words = lab.run(node, "ip route show default").stdout.split()
    return words[words.index("dev") + 1] if "dev" in words[:-1] else None


def _headscale_node(lab: "Lab") -> str | None:
    for name, node in lab.nodes.items():
        if "headscale" in node.services:
            return name
    return None


def _hs_nodes(lab: "Lab") -> list[dict[str, Any]]:
    server = _headscale_node(lab)
    if server is None:
        return []
    res = lab.run(server, "headscale nodes list-routes -o json")
    try:
        data = json.loads(res.stdout or "[]")
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def _tailscaled(lab: "Lab", node: str) -> Any:
    try:
        from simnet.tailnet.client import tailscaled_of
    except ImportError:          # pragma: no cover - the tailnet package ships with simnet
        return None
    return tailscaled_of(_node(lab, node))


def _subnet_router_address(lab: "Lab", node: str) -> str | None:
    """The address of the subnet router on ``node``'s own segment (the next hop of a back-route)."""
    target = _node(lab, node)
    segs = {i.segment.name for i in target.interfaces.values() if i.segment is not None}
    for name in lab.nodes:
        ts = _tailscaled(lab, name)
        if ts is None or not ts.prefs.advertise_routes or name == node:
            continue
        for iface in lab.nodes[name].interfaces.values():
            if iface.segment is not None and iface.segment.name in segs and iface.primary_addresses():
                return str(iface.primary_addresses()[0].ip)
    return None


# ------------------------------------------------------------------ the families
def ip_forward(arg: str) -> Toggle:
    cmds: list[str] = []
    return Toggle(f"ip_forward@{arg}", f"IP-Forwarding auf „{arg}“ (net.ipv4.ip_forward)",
                  lambda lab: _node(lab, arg).sysctl.get("net.ipv4.ip_forward").strip() == "1",
                  lambda lab, on: _run(lab, cmds, arg, f"sysctl -w net.ipv4.ip_forward={int(bool(on))}"),
                  commands=cmds)


def masquerade(arg: str) -> Toggle:
    node_name, _, dev = arg.partition(":")
    cmds: list[str] = []

    def device(lab: "Lab") -> str:
        node = _node(lab, node_name)
        found = dev or next(iter(_masquerade_devs(node)), None) or _default_dev(lab, node_name)
        if not found:
            raise ToggleError(f"„{node_name}“ hat kein Interface nach außen für MASQUERADE.")
        return found

    def apply(lab: "Lab", on: bool) -> None:
        d = device(lab)
        _run(lab, cmds, node_name, f"iptables -t nat {'-A' if on else '-D'} POSTROUTING -o {d} -j MASQUERADE")

    return Toggle(f"masquerade@{arg}", f"MASQUERADE auf „{node_name}“",
                  lambda lab: device(lab) in _masquerade_devs(_node(lab, node_name)), apply, commands=cmds)


def route_approved(arg: str) -> Toggle:
    try:
        route = str(ip_network(arg, strict=False))
    except ValueError:
        raise ToggleError(f"„{arg}“ ist kein Netz (z. B. 192.168.0.0/24).") from None
    cmds: list[str] = []

    def owner(lab: "Lab") -> dict[str, Any]:
        for n in _hs_nodes(lab):
            if route in (n.get("available_routes") or []) or route in (n.get("approved_routes") or []):
                return n
        raise ToggleError(f"Kein Knoten bietet die Route {route} an (tailscale up --advertise-routes).")

    def apply(lab: "Lab", on: bool) -> None:
        n = owner(lab)
        approved = [r for r in n.get("approved_routes") or [] if r != route] + ([route] if on else [])
        server = _headscale_node(lab)
        assert server is not None
        routes = ",".join(approved) if approved else '""'      # nothing approved: an empty list
        _run(lab, cmds, server, f"headscale nodes approve-routes --identifier {n['id']} --routes {routes}")

    return Toggle(f"route_approved@{route}", f"Route {route} in Headscale freigegeben",
                  lambda lab: route in (owner(lab).get("approved_routes") or []), apply, commands=cmds)


def _pref_toggle(flag: str, attr: str, family: str, label: str) -> Callable[[str], Toggle]:
    def make(arg: str) -> Toggle:
        cmds: list[str] = []

        def read(lab: "Lab") -> bool:
            ts = _tailscaled(lab, arg)
            if ts is None:
                raise ToggleError(f"Auf „{arg}“ läuft kein tailscaled.")
            return bool(getattr(ts.prefs, attr))

        return Toggle(f"{family}@{arg}", label.format(arg),
                      read, lambda lab, on: _run(lab, cmds, arg, f"tailscale set --{flag}={'true' if on else 'false'}"),
                      commands=cmds)
    return make


accept_routes = _pref_toggle("accept-routes", "route_all", "accept_routes", "--accept-routes auf „{}“")
snat_subnet_routes = _pref_toggle("snat-subnet-routes", "snat", "snat_subnet_routes",
                                  "Subnet-Router „{}“ maskiert (--snat-subnet-routes)")


def back_route(arg: str) -> Toggle:
    node_name, _, rest = arg.partition(":")
    prefix = rest or TAILNET
    cmds: list[str] = []

    def via(lab: "Lab") -> str:
        gw = _subnet_router_address(lab, node_name)
        if gw is None:
            raise ToggleError(f"Im Netz von „{node_name}“ gibt es keinen Subnet-Router für die Rückroute.")
        return gw

    def read(lab: "Lab") -> bool:
        return bool(lab.run(node_name, f"ip route show {prefix}").stdout.strip())

    def apply(lab: "Lab", on: bool) -> None:
        _run(lab, cmds, node_name, f"ip route {'add' if on else 'del'} {prefix} via {via(lab)}")

    return Toggle(f"back_route@{arg}", f"Rückroute {prefix} auf „{node_name}“", read, apply, commands=cmds)


def _nat_names() -> tuple[str, ...]:
    try:
        from simnet.kernel.natbehaviour import PRESETS
    except ImportError:
        return NAT_TYPES
    return tuple(PRESETS)


def nat_type(arg: str) -> Toggle:
    cmds: list[str] = []

    def apply(lab: "Lab", value: str) -> None:
        cmds.append(f"lab.set_nat({arg!r}, {value!r})")
        lab.set_nat(arg, value)

    return Toggle(f"nat_type@{arg}", f"NAT-Typ von „{arg}“",
                  lambda lab: lab.nat_type(arg), apply, choices=_nat_names(), commands=cmds)


def udp_blocked(arg: str) -> Toggle:
    cmds: list[str] = []
    before: dict[str, str] = {}

    def apply(lab: "Lab", on: bool) -> None:
        if on:
            before["kind"] = lab.nat_type(arg)
        value = "udp-blocked" if on else before.get("kind", "linux")
        cmds.append(f"lab.set_nat({arg!r}, {value!r})")
        lab.set_nat(arg, value)

    return Toggle(f"udp_blocked@{arg}", f"„{arg}“ sperrt UDP",
                  lambda lab: lab.nat_type(arg) == "udp-blocked", apply, commands=cmds)


def dhcp_server(arg: str) -> Toggle:
    """dnsmasq on a router: ``systemctl stop/start dnsmasq`` (DHCP and the LAN's DNS with it)."""
    cmds: list[str] = []

    def read(lab: "Lab") -> bool:
        from simnet.services.dnsmasq import dnsmasq_of

        node = _node(lab, arg)
        if "dnsmasq" not in node.services:
            raise ToggleError(f"Auf „{arg}“ gibt es keinen DHCP-Server (dnsmasq).")
        return dnsmasq_of(node) is not None

    return Toggle(f"dhcp_server@{arg}", f"DHCP-Server auf „{arg}“ (dnsmasq)", read,
                  lambda lab, on: _run(lab, cmds, arg, f"systemctl {'start' if on else 'stop'} dnsmasq"),
                  commands=cmds)


FAMILIES: dict[str, Callable[[str], Toggle]] = {
    "ip_forward": ip_forward, "masquerade": masquerade, "route_approved": route_approved,
    "accept_routes": accept_routes, "snat_subnet_routes": snat_subnet_routes, "back_route": back_route,
    "nat_type": nat_type, "udp_blocked": udp_blocked, "dhcp_server": dhcp_server,
}
NEEDS_SET_NAT = {"nat_type", "udp_blocked"}


LAN_WORDS = {"hub": "Switch flutet wie ein Hub", "vlan": "VLAN eines Switch-Ports",
             "dnat": "Portweiterleitung (DNAT) eines Routers",
             "accept": "Firewall-Regel zwischen zwei Netzen eines Routers (FORWARD)",
             "port": "ein Port eines Rechners: offen, abgelehnt oder verworfen (INPUT)"}


def _lan_families() -> dict[str, Callable[[str], Toggle]]:
    from simnet.views import toggles_lan

    return {"hub": toggles_lan.hub, "vlan": toggles_lan.vlan, "dnat": toggles_lan.dnat, "accept": toggles_lan.accept,
            "port": toggles_lan.port}


def catalogue(lab: "Lab | None" = None) -> dict[str, str]:
    """Family name -> what it switches (German); NAT families only if ``lab`` can set NAT types."""
    words = {"ip_forward": "IP-Forwarding eines Knotens", "masquerade": "MASQUERADE-Regel eines Routers",
             "route_approved": "Subnet-Route in Headscale freigegeben", "accept_routes": "--accept-routes eines Clients",
             "snat_subnet_routes": "Subnet-Router maskiert (--snat-subnet-routes)",
             "back_route": "Rückroute ins Tailnet auf einem Zielrechner", "nat_type": "NAT-Typ eines Routers",
             "udp_blocked": "Router sperrt UDP", "dhcp_server": "DHCP-Server (dnsmasq) an oder aus"}
    if lab is not None and not hasattr(lab, "set_nat"):
        words = {k: v for k, v in words.items() if k not in NEEDS_SET_NAT}
    return {**words, **LAN_WORDS}


def make_toggle(lab: "Lab", name: str) -> Toggle:
    """The toggle called ``name`` (``family@argument``), checked against ``lab``."""
    family, sep, arg = name.partition("@")
    if family == "vlan" and arg:
        from simnet.views.toggles_lan import vlan_for

        toggle = vlan_for(lab, arg)
        toggle.read(lab)
        return toggle
    families = {**FAMILIES, **_lan_families()}
    if family in families and not arg:
        here = [t.name for t in available(lab) if t.name.startswith(family + "@")]
        hint = f" Hier zum Beispiel: {', '.join(here)}." if here else ""
        raise ToggleError(f"Unbekannter Schalter „{name}“: sag dazu, wo – {family}@KNOTEN.{hint}")
    if family not in families or not sep or not arg:
        raise ToggleError(f"Unbekannter Schalter „{name}“. Form: ART@KNOTEN, Arten: {', '.join(catalogue(lab))}.")
    if family in NEEDS_SET_NAT and not hasattr(lab, "set_nat"):
        raise ToggleError(f"Dieses Lab kann keine NAT-Typen umschalten („{name}“).")
    toggle = families[family](arg)
    toggle.read(lab)                 # fails now, in German, if it does not fit the lab
    return toggle


def available(lab: "Lab") -> list[Toggle]:
    """The toggles that make sense for ``lab`` as it is now, in a stable order."""
    names: list[str] = []
    for node in lab.nodes.values():          # tailscaled applies control changes lazily, like lab.run does
        refresh = node.stack.refresh
        if refresh is not None:
            refresh()

    def forwards(n: str) -> bool:
        """A router (two segments) or a subnet router / exit node of the tailnet."""
        node = lab.nodes[n]
        if getattr(node, "kind", "host") in ("switch", "hub"):      # a bridge forwards frames, not packets
            return False
        if sum(1 for i in node.interfaces.values() if i.segment is not None) >= 2:
            return True
        ts = _tailscaled(lab, n)
        return ts is not None and bool(ts.prefs.advertise_routes)

    routers = [n for n in lab.nodes if forwards(n)]
    names += [f"ip_forward@{n}" for n in routers]
    names += [f"masquerade@{n}" for n, node in lab.nodes.items() if _masquerade_devs(node)]
    for hs_node in _hs_nodes(lab):
        for route in hs_node.get("available_routes") or []:
            if "/" in route and ":" not in route and not route.startswith("0.0.0.0"):
                names.append(f"route_approved@{route}")
    clients = [n for n in lab.nodes if _tailscaled(lab, n) is not None and _tailscaled(lab, n).prefs.want_running]
    names += [f"accept_routes@{n}" for n in clients]
    subnet_routers = [n for n in clients if _tailscaled(lab, n).prefs.advertise_routes]
    names += [f"snat_subnet_routes@{n}" for n in subnet_routers]
    for r in subnet_routers:
        nets = [IPv4Network(p) for p in _tailscaled(lab, r).prefs.advertise_routes if ":" not in p and p != "0.0.0.0/0"]
        for n, node in lab.nodes.items():
            if n == r or n in clients:
                continue
            if any(IPv4Address(a.ip) in net for i in node.interfaces.values() for a in i.primary_addresses()
                   for net in nets):
                names.append(f"back_route@{n}")
    names += [f"dhcp_server@{n}" for n, node in lab.nodes.items() if "dnsmasq" in node.services]
    if hasattr(lab, "set_nat"):
        for n, node in lab.nodes.items():
            if _masquerade_devs(node):
                names += [f"nat_type@{n}", f"udp_blocked@{n}"]
    from simnet.views.toggles_lan import lan_toggle_names

    names += lan_toggle_names(lab)
    out: list[Toggle] = []
    for name in dict.fromkeys(names):
        try:
            out.append(make_toggle(lab, name))
        except ToggleError:
            continue
    return out


from simnet.views.toggles_v6 import FAMILIES6  # noqa: E402  (IPv6 switches, kept apart)

FAMILIES.update(FAMILIES6)
