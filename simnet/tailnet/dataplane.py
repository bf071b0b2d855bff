"""The tailnet data plane: what happens to a packet the kernel routes into tailscale0.

Sender: find the peer whose AllowedIPs hold the destination (WireGuard's
cryptokey routing), hand the packet to the overlay. Receiver: check that the
source belongs to the sending peer, run the policy's packet filter (replies to
flows this node started always pass), then the packet appears on the
receiver's tailscale0 and the kernel does the rest.

:func:`overlay` is the one seam where encapsulation (UDP 41641, DERP, NAT
traversal) will be modelled later; today it is a delay.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_network
from typing import TYPE_CHECKING

from simnet.links.packet import ECHO_REPLY, ECHO_REQUEST, Icmp, IPv4Packet, Tcp, Udp
from simnet.tailnet.control import EXIT_V4, EXIT_V6, sort_prefixes
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.kernel.routing import Route
    from simnet.tailnet.client import Tailscaled
    from simnet.tailnet.control import HsNode

__all__ = ["send", "receive", "note_bypass", "overlay", "flow_key"]

FLOW_TIMEOUT = 120.0
PRIVATE = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"),
           IPv4Network("100.64.0.0/10"))


def flow_key(pkt: IPv4Packet, reverse: bool = False) -> tuple | None:
    """Connection tuple of a packet (reverse: as the answer would carry it)."""
    p = pkt.payload
    src, dst = (pkt.dst, pkt.src) if reverse else (pkt.src, pkt.dst)
    if isinstance(p, Icmp):
        if p.type in (ECHO_REQUEST, ECHO_REPLY):
            return ("icmp", src, dst, p.ident)
        return None
    if isinstance(p, (Tcp, Udp)):
        sport, dport = (p.dport, p.sport) if reverse else (p.sport, p.dport)
        return (pkt.proto, src, dst, sport, dport)
    return None


def _is_reply(ts: "Tailscaled", pkt: IPv4Packet) -> bool:
    """Stateful part of tailscale's filter: answers to flows we opened pass."""
    now = ts.node.sim.now
    p = pkt.payload
    if isinstance(p, Icmp) and p.is_error and p.inner is not None:
        key = flow_key(p.inner)
    else:
        key = flow_key(pkt, reverse=True)
    seen = ts.flows.get(key) if key is not None else None
    return seen is not None and now - seen <= FLOW_TIMEOUT


def _step(node: "Node", pkt: IPv4Packet, action: str, **detail) -> None:
    if pkt.journey is not None:
        pkt.journey.step(node.name, "tailnet", action, **detail)


def _finish(node: "Node", pkt: IPv4Packet, disp: Disposition, **reason) -> None:
    if pkt.journey is not None:
        pkt.journey.finish(disp, node.name, **reason)


def send(ts: "Tailscaled", pkt: IPv4Packet) -> None:
    """tailscale0 output on the sending node."""
    node = ts.node
    peer = ts.peer_for(pkt.dst)
    if peer is None:
        _step(node, pkt, "no-peer", dst=pkt.dst)
        _finish(node, pkt, Disposition.TAILNET_NO_PEER, dst=pkt.dst, **_why_no_peer(ts, pkt.dst))
        return
    other = ts.peer_client(peer)
    if other is None or other.state != "Running" or not peer.online:
        _step(node, pkt, "peer-offline", peer=peer.given_name, ip=peer.ipv4)
        _finish(node, pkt, Disposition.TAILNET_PEER_OFFLINE, peer=peer.given_name, ip=peer.ipv4,
                state=other.state if other else "NoState")
        return
    key = flow_key(pkt)
    if key is not None:
        ts.flows[key] = node.sim.now
    ts.tx[peer.id] = ts.tx.get(peer.id, 0) + pkt.length + 32
    ts.last_tx[peer.id] = node.sim.now
    via = _via(ts, peer, pkt.dst)
    _step(node, pkt, "encapsulate", peer=peer.given_name, peer_ip=peer.ipv4, via=via)
    overlay(ts, other, pkt)


def _via(ts: "Tailscaled", peer: "HsNode", dst: IPv4Address | IPv6Address) -> str:
    """Which of the peer's AllowedIPs carries ``dst``: its own address, a subnet route, the exit node's default."""
    if dst in (peer.ipv4, peer.ipv6):
        return "peer"
    nets = ts.allowed_ips6(peer) if dst.version == 6 else ts.allowed_ips(peer)
    best = max((n for n in nets if dst in n), key=lambda n: n.prefixlen, default=None)
    return "exit-node" if best is not None and best.prefixlen == 0 else "subnet-route"


def overlay(src: "Tailscaled", dst: "Tailscaled", pkt: IPv4Packet) -> None:
    """Carry the packet to the peer: WireGuard over UDP or DERP (see magicsock)."""
    src.magicsock.send_data(dst, pkt)


def receive(ts: "Tailscaled", sender: "Tailscaled", pkt: IPv4Packet) -> None:
    """Decapsulated on the receiving node: source check, packet filter, tailscale0."""
    node = ts.node
    me, from_node = ts.me, sender.me
    iface = node.interfaces.get("tailscale0")
    if me is None or from_node is None or iface is None or ts.state != "Running":
        _step(node, pkt, "peer-offline", peer=node.name)
        _finish(node, pkt, Disposition.TAILNET_PEER_OFFLINE, peer=node.name, state=ts.state)
        return
    v6 = pkt.src.version == 6
    # the sender's AllowedIPs as this node configured them: answers from an IPv6 subnet or the IPv6
    # internet come in only through an accepted route or the chosen exit node's ::/0
    if not any(pkt.src in n for n in (ts.allowed_ips6(from_node) if v6 else ts.allowed_ips(from_node))):
        _step(node, pkt, "source-not-allowed", src=pkt.src, peer=from_node.given_name)
        _finish(node, pkt, Disposition.TAILNET_NO_PEER, src=pkt.src, peer=from_node.given_name,
                receiving=True, accept_routes=ts.prefs.route_all)
        return
    hs = ts.server
    policy = hs.policy if hs is not None else None
    if policy is not None and not _is_reply(ts, pkt):
        # the policy names nodes; a node's IPv6 address stands for the same node as its IPv4 one
        src, dst = (from_node.ipv4, me.ipv4 if pkt.dst == me.ipv6 else pkt.dst) if v6 else (pkt.src, pkt.dst)
        proto = 1 if pkt.proto == 58 else pkt.proto
        if not policy.allows(src, dst, proto, pkt.dport):
            user = hs.user_of(from_node).name if hs else ""
            _step(node, pkt, "policy-drop", src=pkt.src, dst=pkt.dst, user=user)
            _finish(node, pkt, Disposition.POLICY_DENIED, src=pkt.src, dst=pkt.dst, user=user,
                    peer=from_node.given_name, policy=hs.policy_path if hs else "")
            return
    ts.rx[from_node.id] = ts.rx.get(from_node.id, 0) + pkt.length + 32
    _step(node, pkt, "decapsulate", peer=from_node.given_name, dev="tailscale0")
    node.stack.receive_tunnel(pkt, iface)


def _covering(n: "HsNode", dst: IPv4Address | IPv6Address) -> str | None:
    """The subnet route (not an exit route) that ``n`` announces for ``dst``, if any."""
    for r in n.announced:
        if r in (EXIT_V4, EXIT_V6) or (":" in r) != (dst.version == 6):
            continue
        if dst in ip_network(r):
            return r
    return None


def _why_no_peer(ts: "Tailscaled", dst: IPv4Address | IPv6Address) -> dict:
    """Facts for the explanation: is there a route that would cover dst, and why not used?"""
    hs = ts.server
    if hs is None:
        return {}
    for n in hs.nodes.values():
        r = _covering(n, dst)
        if r is not None:
            return {"route": r, "router": n.given_name, "approved": r in n.approved,
                    "accept_routes": ts.prefs.route_all}
    return {}


def note_bypass(ts: "Tailscaled", pkt: IPv4Packet, route: "Route | None") -> None:
    """A packet leaves outside tailscale0 although the tailnet could carry it, or (``route`` None)
    finds no route at all where an IPv6 subnet route would have been one: note why."""
    if route is not None and (route.dev == "tailscale0" or route.type != "unicast") or ts.state != "Running":
        return
    if getattr(pkt.payload, "content", None) is not None:
        return          # tailscaled's own packets (WireGuard, disco, STUN, DERP) go outside by design
    hs = ts.server
    if hs is None or pkt.journey is None:
        return
    dst = pkt.dst
    me = ts.me
    for n in hs.nodes.values():
        if me is not None and n.id == me.id:
            continue
        r = _covering(n, dst)
        if r is None:
            continue
        if r not in n.approved:
            reason = "route-not-approved"
        elif not ts.prefs.route_all:
            reason = "routes-not-accepted"
        elif not n.online:
            reason = "router-offline"
        else:
            continue
        _step(ts.node, pkt, "bypass", reason=reason, route=r, router=n.given_name, node_id=n.id,
              dev=route.dev if route is not None else "", dst=dst,
              approve=",".join(sort_prefixes([*n.approved, r])))      # -r replaces the whole list
        return
    if route is None or dst.version == 6 or any(dst in p for p in PRIVATE) or not route.is_default:
        return
    for n in hs.nodes.values():
        if EXIT_V4 in n.announced and (me is None or n.id != me.id):
            reason = ("exit-node-not-approved" if EXIT_V4 not in n.approved else
                      "exit-node-not-selected" if ts.prefs.exit_node_ip != str(n.ipv4) else "")
            if reason:
                _step(ts.node, pkt, "bypass", reason=reason, exit_node=n.given_name, node_id=n.id,
                      ip=n.ipv4, dev=route.dev)
            return
