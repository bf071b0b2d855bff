"""``ip link add link eth0 name eth0.10 type vlan id 10`` (iproute2 6.1 ip/iplink_vlan.c).

The kernel's refusals carry the 8021q module's extack texts. The recording kernel has
no 8021q module, so these are held to iproute2's and the kernel's source.
"""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.commands.ip_parse import get_u32, incomplete, invarg, matches
from simnet.kernel.node import KernelError

__all__ = ["add_vlan", "VLAN_EXPLAIN"]

VLAN_EXPLAIN = """Usage: ... vlan id VLANID
\t\t[ protocol VLANPROTO ]
\t\t[ reorder_hdr { on | off } ]
\t\t[ gvrp { on | off } ]
\t\t[ mvrp { on | off } ]
\t\t[ loose_binding { on | off } ]
\t\t[ bridge_binding { on | off } ]
\t\t[ ingress-qos-map QOS-MAP ]
\t\t[ egress-qos-map QOS-MAP ]

VLANID := 0-4095
VLANPROTO: [ 802.1Q | 802.1ad ]
QOS-MAP := [ QOS-MAP ] QOS-MAPPING
QOS-MAPPING := FROM:TO"""

_ONOFF = ("reorder_hdr", "gvrp", "mvrp", "loose_binding", "bridge_binding")


def add_vlan(ctx: Context, name: str | None, actions: list[tuple[str, str | None]], args: list[str]) -> int:
    vid: int | None = None
    i = 0
    while i < len(args):
        w = args[i]
        if matches(w, "protocol") or w == "id" or w in _ONOFF or w in ("ingress-qos-map", "egress-qos-map"):
            if i + 1 >= len(args):
                raise incomplete()
            i += 1
            v = args[i]
            if w == "id":
                n = get_u32(v)
                if n is None or n > 0xFFFF:
                    raise invarg("id is invalid", v)
                vid = n
            elif matches(w, "protocol") and v.lower() not in ("802.1q", "802.1ad"):
                raise invarg("protocol is invalid", v)
            elif w in _ONOFF and v not in ("on", "off"):
                ctx.eprint(f'Error: argument of "{w}" must be "on" or "off", not "{v}"')
                return 255
        else:
            if not matches(w, "help"):
                ctx.eprint(f'vlan: unknown command "{w}"?')
            ctx.eprint(VLAN_EXPLAIN)
            return 255
        i += 1
    node = ctx.node
    link = next((v for k, v in actions if k == "link"), None)
    if link is not None and link not in node.interfaces:
        ctx.eprint(f'Cannot find device "{link}"')
        return 1
    if link is None:
        ctx.eprint("Error: 8021q: link not specified.")
        return 2
    if vid is None:
        ctx.eprint("Error: 8021q: VLAN id not specified.")
        return 2
    if vid >= 4095:
        ctx.eprint("Error: 8021q: Invalid VLAN id.")
        return 2
    lower = node.interfaces[link]
    if lower.is_loopback:
        ctx.eprint("Error: 8021q: VLANs not supported on device.")
        return 2
    if any(i.lower is lower and i.vlan_id == vid for i in node.interfaces.values()):
        ctx.eprint("Error: 8021q: VLAN device already exists.")
        return 2
    if name is None:
        k = 0
        while f"vlan{k}" in node.interfaces:
            k += 1
        name = f"vlan{k}"
    from simnet.kernel.vlan import add_vlan as kernel_add

    try:
        iface = kernel_add(node, name, lower, vid)
    except KernelError as exc:
        ctx.eprint(exc.ip_message)
        return 2
    for action, value in actions:
        if action in ("up", "down"):
            node.link_set(iface.name, action == "up")
    return 0
