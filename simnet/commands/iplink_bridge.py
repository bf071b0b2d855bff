"""``ip link … type bridge`` (iproute2 6.1 ip/iplink_bridge.c): creating a bridge, its
options, and what ``ip -d link`` prints for a bridge and for a bridge port.

Times are in centiseconds as the kernel hands them to iproute2 (``ageing_time
30000`` = 300 s). The details line is the one Debian 12's kernel prints (it has
bridge VLAN filtering, so ``vlan_protocol`` and ``vlan_default_pvid`` appear).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simnet.commands.base import Context
from simnet.commands.ip_parse import get_u32, incomplete, invarg, matches
from simnet.kernel.node import KernelError
from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface

__all__ = ["add_bridge", "apply_bridge_options", "bridge_details", "slave_details", "BRIDGE_EXPLAIN"]

BRIDGE_EXPLAIN = """Usage: ... bridge [ fdb_flush ]
\t\t  [ forward_delay FORWARD_DELAY ]
\t\t  [ hello_time HELLO_TIME ]
\t\t  [ max_age MAX_AGE ]
\t\t  [ ageing_time AGEING_TIME ]
\t\t  [ stp_state STP_STATE ]
\t\t  [ priority PRIORITY ]
\t\t  [ group_fwd_mask MASK ]
\t\t  [ group_address ADDRESS ]
\t\t  [ no_linklocal_learn NO_LINKLOCAL_LEARN ]
\t\t  [ vlan_filtering VLAN_FILTERING ]
\t\t  [ vlan_protocol VLAN_PROTOCOL ]
\t\t  [ vlan_default_pvid VLAN_DEFAULT_PVID ]
\t\t  [ vlan_stats_enabled VLAN_STATS_ENABLED ]
\t\t  [ vlan_stats_per_port VLAN_STATS_PER_PORT ]
\t\t  [ mcast_snooping MULTICAST_SNOOPING ]
\t\t  [ mcast_vlan_snooping MULTICAST_VLAN_SNOOPING ]
\t\t  [ mcast_router MULTICAST_ROUTER ]
\t\t  [ mcast_query_use_ifaddr MCAST_QUERY_USE_IFADDR ]
\t\t  [ mcast_querier MULTICAST_QUERIER ]
\t\t  [ mcast_hash_elasticity HASH_ELASTICITY ]
\t\t  [ mcast_hash_max HASH_MAX ]
\t\t  [ mcast_last_member_count LAST_MEMBER_COUNT ]
\t\t  [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
\t\t  [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
\t\t  [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
\t\t  [ mcast_querier_interval QUERIER_INTERVAL ]
\t\t  [ mcast_query_interval QUERY_INTERVAL ]
\t\t  [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
\t\t  [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
\t\t  [ mcast_stats_enabled MCAST_STATS_ENABLED ]
\t\t  [ mcast_igmp_version IGMP_VERSION ]
\t\t  [ mcast_mld_version MLD_VERSION ]
\t\t  [ nf_call_iptables NF_CALL_IPTABLES ]
\t\t  [ nf_call_ip6tables NF_CALL_IP6TABLES ]
\t\t  [ nf_call_arptables NF_CALL_ARPTABLES ]

Where: VLAN_PROTOCOL := { 802.1Q | 802.1ad }"""

# options with a number simnet keeps; every other known option takes a value and is accepted
_KEPT = ("forward_delay", "hello_time", "max_age", "ageing_time", "stp_state", "priority", "vlan_filtering",
         "vlan_default_pvid")
_OTHER = ("group_fwd_mask", "group_address", "no_linklocal_learn", "vlan_protocol", "vlan_stats_enabled",
          "vlan_stats_per_port", "mcast_snooping", "mcast_vlan_snooping", "mcast_router", "mcast_query_use_ifaddr",
          "mcast_querier", "mcast_hash_elasticity", "mcast_hash_max", "mcast_last_member_count",
          "mcast_startup_query_count", "mcast_last_member_interval", "mcast_membership_interval",
          "mcast_querier_interval", "mcast_query_interval", "mcast_query_response_interval",
          "mcast_startup_query_interval", "mcast_stats_enabled", "mcast_igmp_version", "mcast_mld_version",
          "nf_call_iptables", "nf_call_ip6tables", "nf_call_arptables")


def parse_bridge_options(ctx: Context, args: list[str]) -> dict[str, int] | int:
    """bridge_parse_opt: the numbers given, or the exit code after printing the error."""
    opts: dict[str, int] = {}
    i = 0
    while i < len(args):
        w = args[i]
        key = next((k for k in _KEPT + _OTHER if matches(w, k)), None)
        if w == "fdb_flush":
            opts["fdb_flush"] = 1
        elif key is not None:
            if i + 1 >= len(args):
                raise incomplete()
            i += 1
            value = get_u32(args[i])
            if key in _KEPT and value is None:
                raise invarg(f"invalid {key}", args[i])
            if key in _KEPT and value is not None:
                opts[key] = value
        else:
            if not matches(w, "help"):
                ctx.eprint(f'bridge: unknown command "{w}"?')
            ctx.eprint(BRIDGE_EXPLAIN)
            return 1
        i += 1
    return opts


def _apply(ctx: Context, iface: "Interface", opts: dict[str, int]) -> int:
    br = iface.bridge
    assert br is not None                 # called for bridge devices only
    if opts.get("vlan_filtering", 0) > 1 or opts.get("stp_state", 0) > 2:
        ctx.eprint("RTNETLINK answers: Invalid argument")
        return 2
    if "ageing_time" in opts:
        br.ageing_time = opts["ageing_time"] / 100.0
    if "forward_delay" in opts:
        br.forward_delay = opts["forward_delay"] / 100.0
    if opts.get("stp_state", br.stp_state) and not br.stp_state:
        br.enable()                    # br_stp_start: every port goes through listening and learning
    for key in ("stp_state", "vlan_filtering", "priority", "hello_time", "max_age", "vlan_default_pvid"):
        if key in opts:
            setattr(br, key, opts[key])
    if opts.get("fdb_flush"):
        br.fdb.clear()
    return 0


def apply_bridge_options(ctx: Context, iface: "Interface", args: list[str]) -> int:
    """``ip link set br0 type bridge …``."""
    opts = parse_bridge_options(ctx, args)
    if isinstance(opts, int):
        return opts
    return _apply(ctx, iface, opts)


def add_bridge(ctx: Context, name: str | None, actions: list[tuple[str, str | None]], args: list[str]) -> int:
    """``ip link add [name] NAME type bridge [options]``."""
    opts = parse_bridge_options(ctx, args)
    if isinstance(opts, int):
        return opts
    node = ctx.node
    if name is None:
        i = 0
        while f"bridge{i}" in node.interfaces:
            i += 1
        name = f"bridge{i}"
    try:
        iface = node.add_bridge(name)
    except KernelError as exc:
        ctx.eprint(exc.ip_message)
        return 2
    rc = _apply(ctx, iface, opts)
    for action, value in actions:
        if action == "address" and value:
            iface.mac = MacAddress.parse(value)
            iface.bridge.mac_set = True  # type: ignore[union-attr]
            if iface.segment is not None:
                iface.segment.touch()
        elif action == "mtu" and value:
            iface.mtu = int(value)
        elif action in ("up", "down"):
            node.link_set(name, action == "up")
    return rc


def _bridge_id(mac: MacAddress, priority: int = 32768) -> str:
    """br_dump_bridge_id: priority in hex, then the MAC as ether_ntoa writes it (no leading zeros)."""
    octets = ":".join(f"{b:x}" for b in mac.value.to_bytes(6, "big"))
    return f"{priority >> 8:02x}{priority & 0xff:02x}.{octets}"


def bridge_details(iface: "Interface") -> str:
    """The ``bridge …`` part of ``ip -d link show br0`` (without the common tail)."""
    br = iface.bridge
    assert br is not None                 # called for bridge devices only
    bid = _bridge_id(iface.mac if br.had_ports else MacAddress(0), br.priority)
    cs = lambda seconds: int(round(seconds * 100))     # noqa: E731 - centiseconds as the kernel reports
    return (f"forward_delay {cs(br.forward_delay)} hello_time {br.hello_time} max_age {br.max_age} "
            f"ageing_time {cs(br.ageing_time)} stp_state {br.stp_state} priority {br.priority} "
            f"vlan_filtering {br.vlan_filtering} vlan_protocol 802.1Q bridge_id {bid} designated_root {bid} "
            "root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 hello_timer    0.00 "
            "tcn_timer    0.00 topology_change_timer    0.00 gc_timer    0.00 "
            f"vlan_default_pvid {br.vlan_default_pvid} vlan_stats_enabled 0 vlan_stats_per_port 0 "
            "group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 "
            "mcast_vlan_snooping 0 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 "
            "mcast_hash_max 4096 mcast_last_member_count 2 mcast_startup_query_count 2 "
            "mcast_last_member_interval 100 mcast_membership_interval 26000 mcast_querier_interval 25500 "
            "mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 "
            "mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 "
            "nf_call_ip6tables 0 nf_call_arptables 0")


def slave_details(port: "Interface") -> str:
    """The ``bridge_slave …`` line of ``ip -d link show eth1`` for a bridge port."""
    br = port.port_of
    state = br.port_state(port) if br is not None else "disabled"
    ports = br.port_ifaces() if br is not None else [port]
    no = next((k + 1 for k, p in enumerate(ports) if p is port), 1)
    bid = _bridge_id(br.dev.mac if br is not None else port.mac)
    return (f"bridge_slave state {state} priority 32 cost 2 hairpin off guard off root_block off fastleave off "
            f"learning on flood on port_id 0x{0x8000 + no:x} port_no 0x{no:x} designated_port {0x8000 + no} "
            f"designated_cost 0 designated_bridge {bid} designated_root {bid} hold_timer    0.00 "
            "message_age_timer    0.00 forward_delay_timer    0.00 topology_change_ack 0 config_pending 0 "
            "proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on "
            "mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off "
            "isolated off locked off ")
