"""``bridge`` (iproute2 6.1): ``bridge link`` and ``bridge fdb`` over the node's bridges.

``bridge fdb show`` dumps every device in ifindex order: for a bridge port first the
bridge's entries on that port (learned ones plain, ``static`` and the port's own
``permanent`` MAC), then the device's own multicast list as ``self permanent``
entries (33:33:00:00:00:01 always, 01:00:5e:00:00:01 while the device is up, and the
bridge's multicast-router groups while br0 is up), as rtnl_fdb_dump does.
"""
from __future__ import annotations

from typing import Callable

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_link import link_flags, link_name
from simnet.commands.ip_parse import incomplete, matches
from simnet.kernel.interface import Interface
from simnet.links.mac import MacAddress

__all__ = ["main", "dispatch"]

USAGE = """Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }
       bridge [ -force ] -batch filename
where  OBJECT := { link | fdb | mdb | vlan | monitor }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |
                    -o[neline] | -t[imestamp] | -n[etns] name |
                    -c[ompressvlans] -color -p[retty] -j[son] }"""

FDB_USAGE = """Usage: bridge fdb { add | append | del | replace } ADDR dev DEV
              [ self ] [ master ] [ use ] [ router ] [ extern_learn ]
              [ sticky ] [ local | static | dynamic ] [ vlan VID ]
              { [ dst IPADDR ] [ port PORT] [ vni VNI ] | [ nhid NHID ] }
\t       [ via DEV ] [ src_vni VNI ]
       bridge fdb [ show [ br BRDEV ] [ brport DEV ] [ vlan VID ]
              [ state STATE ] [ dynamic ] ]
       bridge fdb get [ to ] LLADDR [ br BRDEV ] { brport | dev } DEV
              [ vlan VID ] [ vni VNI ] [ self ] [ master ] [ dynamic ]
       bridge fdb flush dev DEV [ brport DEV ] [ vlan VID ]
              [ self ] [ master ] [ [no]permanent | [no]static | [no]dynamic ]
              [ [no]added_by_user ] [ [no]extern_learn ] [ [no]sticky ]
              [ [no]offloaded ]"""

LINK_USAGE = """Usage: bridge link set dev DEV [ cost COST ] [ priority PRIO ] [ state STATE ]
                               [ guard {on | off} ]
                               [ hairpin {on | off} ]
                               [ fastleave {on | off} ]
                               [ root_block {on | off} ]
                               [ learning {on | off} ]
                               [ learning_sync {on | off} ]
                               [ flood {on | off} ]
                               [ mcast_router MULTICAST_ROUTER ]
                               [ mcast_flood {on | off} ]
                               [ bcast_flood {on | off} ]
                               [ mcast_to_unicast {on | off} ]
                               [ neigh_suppress {on | off} ]
                               [ vlan_tunnel {on | off} ]
                               [ isolated {on | off} ]
                               [ locked {on | off} ]
                               [ mab {on | off} ]
                               [ hwmode {vepa | veb} ]
                               [ backup_port DEVICE ] [ nobackup_port ]
                               [ self ] [ master ]
       bridge link show [dev DEV]"""

OBJECTS = ("link", "fdb", "mdb", "vlan", "monitor")


def main(ctx: Context) -> int:
    args = list(ctx.args)
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0).lstrip("-")
        if matches(opt, "Version"):
            ctx.print("bridge utility, 6.1.0")
            return 0
        if opt in ("s", "d", "o", "c", "p", "j", "t") or matches(opt, "statistics") or matches(opt, "details") \
                or matches(opt, "oneline") or matches(opt, "compressvlans"):
            continue
        if matches(opt, "help"):
            raise UsageError(USAGE, 255)
        ctx.eprint(f'Option "-{opt}" is unknown, try "bridge help".')
        return 255
    if not args:
        raise UsageError(USAGE, 255)
    obj, rest = args[0], args[1:]
    if matches(obj, "help"):
        raise UsageError(USAGE, 255)
    if matches(obj, "link"):
        return _link(ctx, rest)
    if matches(obj, "fdb"):
        return _fdb(ctx, rest)
    if matches(obj, "vlan"):
        from simnet.commands.bridge_vlan import vlan

        return vlan(ctx, rest)
    if matches(obj, "mdb") or matches(obj, "monitor"):
        ctx.eprint(f"simnet: „bridge {obj}“ wird hier nicht nachgebildet (link, fdb und vlan gibt es).")
        return 255
    ctx.eprint(f'Object "{obj}" is unknown, try "bridge help".')
    return 255


# ------------------------------------------------------------------ link
def _link(ctx: Context, args: list[str]) -> int:
    cmd = args[0] if args else "show"
    rest = args[1:]
    if matches(cmd, "help"):
        raise UsageError(LINK_USAGE, 255)
    if not (matches(cmd, "show") or matches(cmd, "lst") or matches(cmd, "list")):
        if matches(cmd, "set") or matches(cmd, "change"):
            ctx.eprint("simnet: „bridge link set“ wird hier nicht nachgebildet (STP ist aus).")
            return 255
        ctx.eprint(f'Command "{cmd}" is unknown, try "bridge link help".')
        return 255
    dev = None
    i = 0
    while i < len(rest):
        w = rest[i]
        if w == "dev":
            i += 1
            if i >= len(rest):
                raise incomplete()
            dev = rest[i]
        elif matches(w, "help"):
            raise UsageError(LINK_USAGE, 255)
        else:
            dev = w
        i += 1
    node = ctx.node
    if unknown_device(ctx, dev):
        return 255
    for iface in sorted(node.interfaces.values(), key=lambda i: i.index):
        if iface.port_of is None or dev is not None and iface.name != dev:
            continue
        br = iface.port_of
        ctx.print(f"{iface.index}: {link_name(iface)}: {link_flags(iface)} mtu {iface.mtu} master {br.dev.name} "
                  f"state {br.port_state(iface)} priority 32 cost 2 ")
    return 0


# ------------------------------------------------------------------ fdb
def _self_entries(iface: Interface) -> list[str]:
    """The device's own multicast addresses (ndo_dflt_fdb_dump)."""
    out = ["33:33:00:00:00:01"]
    if iface.bridge is not None and iface.admin_up:
        out += ["01:00:5e:00:00:6a", "33:33:00:00:00:6a"]
    if iface.admin_up:
        out.append("01:00:5e:00:00:01")
    return out


def fdb_lines(ctx: Context, dev: str | None = None, br_name: str | None = None) -> list[str]:
    node = ctx.node
    lines: list[str] = []
    for iface in sorted(node.interfaces.values(), key=lambda i: i.index):
        if iface.is_loopback or iface.kind == "tun" or dev is not None and iface.name != dev:
            continue
        owner = iface.port_of or iface.bridge
        if br_name is not None and (owner is None or owner.dev.name != br_name):
            continue
        where = "" if dev is not None else f"dev {iface.name} "
        master: list[str] = []
        if iface.port_of is not None:
            br = iface.port_of
            for e in br.entries():
                if e.port == iface.name:
                    vlan = f"vlan {e.vid} " if e.vid else ""
                    master.append(f"{e.mac} {where}{vlan}master {br.dev.name} " + ("static" if e.static else ""))
            if br.vlan_filtering:
                master += [f"{iface.mac} {where}vlan {vid} master {br.dev.name} permanent"
                           for vid in sorted(br.vlans.get(iface.name, {}))]
            master.append(f"{iface.mac} {where}master {br.dev.name} permanent")
        selfs = [f"{mac} {where}self permanent" for mac in _self_entries(iface)]
        if iface.bridge is not None:
            br = iface.bridge
            if br.local_macs().get(iface.mac.value) == iface.name:
                master.append(f"{iface.mac} {where}master {iface.name} permanent")
            lines += selfs + master
        else:
            lines += master + selfs
    return lines


def unknown_device(ctx: Context, dev: str | None, kind: str = "device") -> bool:
    """A device named on the command line that the node does not have: bridge says so."""
    if dev is None or dev in ctx.node.interfaces:
        return False
    ctx.eprint(f'Cannot find {kind} "{dev}"')
    return True


def dispatch(ctx: Context, obj: str, args: list[str], usage: str,
             table: list[tuple[tuple[str, ...], Callable[[list[str]], int]]]) -> int:
    """do_fdb/do_vlan: the first word picks the command (abbreviations allowed), none means show."""
    if not args:
        return table[-1][1]([])
    cmd, rest = args[0], args[1:]
    for names, run in table:
        if any(matches(cmd, n) for n in names):
            return run(rest)
    if matches(cmd, "help"):
        raise UsageError(usage, 255)
    ctx.eprint(f'Command "{cmd}" is unknown, try "bridge {obj} help".')
    return 255


def _fdb(ctx: Context, args: list[str]) -> int:
    return dispatch(ctx, "fdb", args, FDB_USAGE, [
        (("add",), lambda rest: _fdb_modify(ctx, "add", rest)),
        (("append", "replace"), lambda rest: _fdb_modify(ctx, "add", rest, replace=True)),
        (("delete",), lambda rest: _fdb_modify(ctx, "del", rest)),
        (("show", "lst", "list"), lambda rest: _fdb_show(ctx, rest))])


def _fdb_show(ctx: Context, args: list[str]) -> int:
    dev = br = None
    dynamic = False                 # "dynamic": leave out permanent entries (static ones stay), as 6.1 does
    i = 0
    while i < len(args):
        w = args[i]
        if w in ("brport", "dev", "br", "vlan", "state"):
            i += 1
            if i >= len(args):
                raise incomplete()
            if w in ("brport", "dev"):
                dev = args[i]
            elif w == "br":
                br = args[i]
        elif w == "dynamic":
            dynamic = True
        elif matches(w, "help"):
            raise UsageError(FDB_USAGE, 255)
        i += 1          # anything else is ignored, as fdb_show does
    node = ctx.node
    if unknown_device(ctx, br, "bridge device") or unknown_device(ctx, dev):
        return 255
    for line in fdb_lines(ctx, dev, br):
        if not (dynamic and line.endswith(" permanent")):
            ctx.print(line)
    return 0


def _fdb_modify(ctx: Context, op: str, args: list[str], replace: bool = False) -> int:
    dev = addr = None
    master = False
    i = 0
    while i < len(args):
        w = args[i]
        if w == "dev":
            i += 1
            if i >= len(args):
                raise incomplete()
            dev = args[i]
        elif w in ("dst", "nhid", "port", "vni", "src_vni", "via") or matches(w, "vlan"):
            i += 1
        elif matches(w, "master"):
            master = True
        elif w == "self" or any(matches(w, k) for k in ("router", "local", "permanent", "dynamic", "use", "temp", "static",
                                                         "extern_learn", "sticky")):
            pass
        else:
            if w == "to":
                i += 1
                w = args[i] if i < len(args) else ""
            if matches(w, "help"):
                raise UsageError(FDB_USAGE, 255)
            addr = w
        i += 1
    if dev is None or addr is None:
        ctx.eprint("Device and address are required arguments.")
        return 255
    node = ctx.node
    if unknown_device(ctx, dev):
        return 255
    iface = node.interfaces[dev]
    try:
        mac = MacAddress.parse(addr)
    except ValueError:
        ctx.eprint(f'Invalid mac address {addr}')
        return 255
    if not master or iface.port_of is None:
        ctx.eprint("simnet: nur Einträge mit „master“ an einem Bridge-Port werden hier nachgebildet.")
        return 255
    br = iface.port_of
    from simnet.kernel.bridge import FdbEntry

    existing = br.fdb.get((mac.value, 0))
    if op == "add":
        if existing is not None and not replace and existing.static:
            ctx.eprint("RTNETLINK answers: File exists")
            return 255
        br.fdb[(mac.value, 0)] = FdbEntry(mac, iface.name, ctx.sim.now, static=True)
        return 0
    if existing is None or existing.port != iface.name:
        ctx.eprint("RTNETLINK answers: No such file or directory")
        return 255
    del br.fdb[(mac.value, 0)]
    return 0
