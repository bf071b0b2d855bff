"""``ip neighbour``: the ARP table."""
from __future__ import annotations

from ipaddress import IPv4Address, ip_network
from typing import TYPE_CHECKING

from simnet.commands.base import Context
from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["neigh"]


def neigh(ctx: Context, args: list[str], opts: "Options") -> int:
    node = ctx.node
    if not args or args[0] in ("show", "list", "lst", "sh", "ls", "s", "l"):
        rest = args[1:] if args else []
        dev = None
        if "dev" in rest:
            k = rest.index("dev")
            dev = rest[k + 1] if k + 1 < len(rest) else None
            if dev not in node.interfaces:
                ctx.eprint(f'Cannot find device "{dev}"')
                return 1
        prefix = None
        k = 0
        while k < len(rest):                  # `ip neigh show [to] PREFIX [dev DEV]`
            if rest[k] == "dev":
                k += 2
                continue
            text = rest[k + 1] if rest[k] == "to" and k + 1 < len(rest) else rest[k]
            try:
                prefix = ip_network(text, strict=False)
            except ValueError:
                ctx.eprint(f'Error: any valid prefix is expected rather than "{text}".')
                return 1
            k += 2 if rest[k] == "to" else 1
        entries = sorted(node.neigh.all(), key=lambda e: -e.updated)
        for e in entries:
            if dev is not None and e.dev != dev:
                continue
            if prefix is not None and e.ip not in prefix:
                continue
            parts = [str(e.ip)]
            if dev is None:
                parts.append(f"dev {e.dev}")
            if e.mac is not None and e.state not in ("INCOMPLETE", "FAILED"):
                parts.append(f"lladdr {e.mac}")
            if e.router:
                parts.append("router")
            parts.append(e.state)
            ctx.print(" ".join(parts) + " ")
        return 0
    cmd = args[0]
    fields: dict = {}
    rest = args[1:]
    i = 0
    while i < len(rest):
        a = rest[i]
        if a in ("lladdr", "dev", "nud", "to") and i + 1 < len(rest):
            fields[a] = rest[i + 1]
            i += 2
            continue
        if a in ("permanent", "reachable", "stale", "noarp"):
            fields["nud"] = a
        else:
            fields["to"] = a
        i += 1
    if cmd == "flush":
        dev = fields.get("dev")
        if dev is None and "to" not in fields and "all" not in rest:
            ctx.eprint("Flush requires arguments.")
            return 255
        for e in list(node.neigh.all()):
            if dev is not None and e.dev != dev:
                continue
            if e.state != "PERMANENT":
                node.neigh.remove(e.dev, e.ip)
        return 0
    if cmd not in ("add", "del", "delete", "replace", "change"):
        ctx.eprint(f'Command "{cmd}" is unknown, try "ip neigh help".')
        return 255
    if "dev" not in fields:
        ctx.eprint("Device and destination are required arguments.")
        return 255
    dev = fields["dev"]
    if dev not in node.interfaces:
        ctx.eprint(f'Cannot find device "{dev}"')
        return 1
    try:
        ip = IPv4Address(fields.get("to", ""))
    except ValueError:
        ctx.eprint(f'Error: inet address is expected rather than "{fields.get("to", "")}".')
        return 1
    if cmd in ("del", "delete"):
        if not node.neigh.remove(dev, ip):
            ctx.eprint("RTNETLINK answers: No such file or directory")
            return 2
        return 0
    if cmd == "add" and node.neigh.get(dev, ip) is not None:
        ctx.eprint("RTNETLINK answers: File exists")
        return 2
    mac = None
    if "lladdr" in fields:
        try:
            mac = MacAddress.parse(fields["lladdr"])
        except ValueError:
            ctx.eprint(f'"{fields["lladdr"]}" is invalid lladdr.')
            return 1
    state = fields.get("nud", "permanent").upper()
    if mac is None and state not in ("NOARP", "INCOMPLETE"):
        ctx.eprint("Error: No link layer address given.")
        return 2
    node.neigh.add_static(dev, ip, mac, state)
    return 0
