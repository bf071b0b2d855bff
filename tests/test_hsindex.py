"""headscale's node index and the tailnet's set of unmarked clients answer what full scans answer.

Both replace scans over every node (issue 20: a thousand-node tailnet registered in quadratic time):
``Headscale._index`` (machine key, address and name lookups, simnet.tailnet.hsindex) and
``Tailnet.clean`` (the clients a netmap change still has to mark, in node order). Random sequences of
what learners and admins do — up, down, logout, stop/start, register, delete, rename, approve, status,
nodes registered directly with colliding machine keys and names — must leave both equal to the scan.
The netmap's routes and the peer for a destination, computed with the primary routes and the exit node
looked up once instead of once per peer, must equal the per-peer computation.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from hypothesis import HealthCheck, given, settings, strategies as st

from simnet import Lab
from simnet.tailnet.client import QUAD100, Tailscaled
from simnet.tailnet.control import EXIT_V4, tailnet_of

CLIENTS = 5
UP = "tailscale up --login-server=https://vpn.example.net"
KEYS = [bytes([k]) * 32 for k in range(4)]           # machine keys of nodes registered directly
NAMES = ["n1", "N1", "n-1", "n1-1", "wien", "Wien.", "x_y"]


def _lab() -> tuple[Lab, str]:
    nodes = {"vps": {"interfaces": {"eth0": "net"}, "startup": [
        "ip addr add 203.0.113.10/24 dev eth0", "systemctl enable --now headscale"]}}
    for i in range(CLIENTS):
        nodes[f"n{i}"] = {"interfaces": {"eth0": "net"}, "startup": [
            f"ip addr add 203.0.113.{20 + i}/24 dev eth0", "systemctl enable --now tailscaled"]}
    lab = Lab.from_dict({"name": "index", "nodes": nodes})
    lab.run("vps", "headscale users create lehrling")
    key = lab.run("vps", "headscale preauthkeys create -u 1 --reusable").stdout.strip()
    return lab, key


def _scan_checks(lab: Lab) -> None:
    hs = lab.nodes["vps"].services["headscale"]
    nodes = list(hs.nodes.values())
    for key in KEYS + [n.machine_key for n in nodes] + [b"\0" * 32]:
        assert hs.node_by_machine(key) is next((n for n in nodes if n.machine_key == key), None)
    index = hs._index.of(hs.nodes)
    assert index.v4 == {int(n.ipv4) for n in nodes}
    assert index.names == {n.given_name for n in nodes}
    tn = tailnet_of(lab)
    clients = tn.clients()
    assert all(isinstance(c, Tailscaled) for c in clients)
    places = {name: k for k, name in enumerate(lab.nodes)}
    assert tn._places == ([places[s.node.name] for s in tn.servers()], [places[c.node.name] for c in clients])
    unmarked = [c for c in clients if not c.dirty]
    assert tn._indexed(tn.clean) == unmarked
    every = {c for n in lab.nodes.values() if isinstance(c := n.services.get("tailscaled"), Tailscaled)}
    assert {c for c in every if not c.dirty} <= tn.clean
    for c in clients:                    # the netmap's routes from values shared by all peers = per peer
        naive = {QUAD100} | {net for p in c.peers() for net in _allowed_naive(c, p)}
        assert c.desired_routes() == sorted(naive, key=lambda n: (int(n.network_address), n.prefixlen))
        for dst in ("100.64.0.3", "10.9.0.7", "198.51.100.1"):
            assert c.peer_for(IPv4Address(dst)) is _peer_for_naive(c, IPv4Address(dst))


def _allowed_naive(c: Tailscaled, peer) -> list[IPv4Network]:
    """AllowedIPs as simnet computed them per peer before the shared values."""
    nets = [IPv4Network(f"{peer.ipv4}/32")]
    hs = c.server
    if c.prefs.route_all and hs is not None:
        nets += [IPv4Network(r) for r, nid in hs.primary_routes().items() if nid == peer.id and ":" not in r]
    if c.exit_peer() is peer:
        nets.append(IPv4Network(EXIT_V4))
    return nets


def _peer_for_naive(c: Tailscaled, dst: IPv4Address):
    best = None
    for p in c.peers():
        for net in _allowed_naive(c, p):
            if dst in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, p)
    return best[1] if best else None


STEP = st.one_of(
    st.tuples(st.just("up"), st.integers(0, CLIENTS - 1)),
    st.tuples(st.just("cmd"), st.integers(0, CLIENTS - 1),
              st.sampled_from(["tailscale down", "tailscale logout", "tailscale status", "ip route show table 52",
                               "systemctl stop tailscaled", "systemctl start tailscaled",
                               f"{UP} --advertise-routes=10.9.0.0/24", f"{UP} --accept-routes",
                               f"{UP} --advertise-exit-node", f"{UP} --exit-node=100.64.0.2"])),
    st.tuples(st.just("vps"), st.integers(1, 9),
              st.sampled_from(["headscale nodes delete -i {} --force", "headscale nodes rename -i {} {}",
                               "headscale nodes approve-routes -i {} -r 10.9.0.0/24", "headscale nodes expire -i {}",
                               "headscale nodes approve-routes -i {} -r 0.0.0.0/0",
                               "systemctl restart headscale"]),
              st.sampled_from(NAMES)),
    st.tuples(st.just("direct"), st.integers(0, len(KEYS) - 1), st.sampled_from(NAMES)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=14))
def test_index_and_unmarked_clients_equal_the_scans(steps: list[tuple]) -> None:
    lab, key = _lab()
    hs = lab.nodes["vps"].services["headscale"]
    _scan_checks(lab)
    for step in steps:
        if step[0] == "up":
            lab.run(f"n{step[1]}", f"{UP} --authkey {key}")
        elif step[0] == "cmd":
            lab.run(f"n{step[1]}", step[2] if step[2].startswith(("tailscale d", "tailscale l", "tailscale s", "ip ",
                                                                   "systemctl")) else f"{step[2]} --authkey {key}")
        elif step[0] == "vps":
            lab.run("vps", step[2].format(step[1], step[3]))
        else:
            hs.add_node("outside", step[2], KEYS[step[1]], hs.derive("nodekey"), 1)
            hs.changed()
        _scan_checks(lab)


def test_routes_and_exit_node_shared_by_all_peers() -> None:
    lab, key = _lab()
    for i in range(CLIENTS):
        assert lab.run(f"n{i}", f"{UP} --authkey {key}").returncode == 0
    lab.run("n1", "sysctl -w net.ipv4.ip_forward=1")
    assert lab.run("n1", f"{UP} --advertise-exit-node --advertise-routes=10.9.0.0/24 --authkey {key}").returncode == 0
    assert lab.run("vps", "headscale nodes approve-routes -i 2 -r 0.0.0.0/0,10.9.0.0/24").returncode == 0
    assert lab.run("n3", f"{UP} --accept-routes --exit-node=100.64.0.2 --authkey {key}").returncode == 0
    n3 = lab.nodes["n3"].services["tailscaled"]
    assert n3.exit_peer() is not None and IPv4Network("10.9.0.0/24") in n3.desired_routes()
    assert n3.peer_for(IPv4Address("198.51.100.1")) is n3.exit_peer()
    _scan_checks(lab)
