"""The NAT-traversal outcome matrix: direct or relay for every pair of NAT types.

Each cell is an experiment, not a table lookup: a fresh lab with two sites
behind routers of the given NAT types, a VPS with Headscale (embedded DERP and
STUN), both laptops logged in, then ``tailscale ping`` from A to B. Whether a
pong comes back directly decides the cell — exactly what NATs, conntrack and
the hole punch did to the packets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simnet.lab import Lab

__all__ = ["KINDS", "Outcome", "pair_lab", "outcome", "outcome_matrix", "render_matrix"]

KINDS = ("none", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric", "udp-blocked")
LOGIN = "--login-server=https://vpn.example.net"


@dataclass(frozen=True)
class Outcome:
    """How two NAT types got along: direct or relayed, the endpoint, the pings it took."""

    a: str
    b: str
    path: str              # "direct" or "relay" (or "none" if not even DERP answered)
    endpoint: str          # the direct ip:port, if any
    pings: int             # disco pings until the result
    output: str            # what `tailscale ping` printed


def _site(side: str, kind: str, n: int) -> tuple[dict, dict, str, str]:
    """Router and laptop of one site; returns (router spec, laptop spec, lan prefix, wan address)."""
    wan_gw, wan_ip = f"198.51.100.{64 * n + 1}", f"198.51.100.{64 * n + 2}"
    if kind == "none":                       # no NAT: the laptop has a public address of its own
        lan_prefix, lan_gw, host = f"203.0.113.{128 + 32 * n}", f"203.0.113.{129 + 32 * n}", \
            f"203.0.113.{130 + 32 * n}"
        plen = 27
    else:
        lan_prefix, lan_gw, host = f"192.168.{n}.0", f"192.168.{n}.1", f"192.168.{n}.20"
        plen = 24
    router: dict = {"role": "router", "interfaces": {"lan": f"lan-{side}", "wan": f"isp-{side}"},
                    "startup": [f"ip addr add {lan_gw}/{plen} dev lan", f"ip addr add {wan_ip}/26 dev wan",
                                f"ip route add default via {wan_gw}", "sysctl -w net.ipv4.ip_forward=1"]}
    if kind != "none":
        router["nat"] = {"interface": "wan", "type": kind}
    laptop = {"role": "laptop", "interfaces": {"eth0": f"lan-{side}"},
              "startup": [f"ip addr add {host}/{plen} dev eth0", f"ip route add default via {lan_gw}",
                          "systemctl enable --now tailscaled"]}
    return router, laptop, f"{lan_prefix}/{plen}", wan_ip


def pair_lab(kind_a: str, kind_b: str, cgnat_a: str | None = None) -> Lab:
    """Two laptops (``laptop-a``, ``laptop-b``) behind routers with NAT types ``kind_a``/``kind_b``.

    ``cgnat_a`` puts site A behind a carrier-grade NAT of that type as well (double NAT):
    the home router's WAN then has an address from 100.64.0.0/10, shared with the
    provider's other customers, and only the provider's router has a public one."""
    ra, la, prefix_a, wan_a = _site("a", kind_a, 1)
    rb, lb, prefix_b, wan_b = _site("b", kind_b, 2)
    internet: dict[str, Any] = {"role": "router", "interfaces": {"eth0": "datacenter", "eth1": "isp-a", "eth2": "isp-b"},
                "startup": ["ip addr add 203.0.113.1/25 dev eth0", "ip addr add 198.51.100.65/26 dev eth1",
                            "ip addr add 198.51.100.129/26 dev eth2", "sysctl -w net.ipv4.ip_forward=1"]}
    # only public networks are routed in the internet; private ones stay behind their NAT
    for kind, prefix, wan in ((kind_a, prefix_a, wan_a), (kind_b, prefix_b, wan_b)):
        if kind == "none":
            internet["startup"].append(f"ip route add {prefix} via {wan}")
    spec: dict[str, Any] = {
        "name": f"nat-{kind_a}-{kind_b}",
        "segments": {"datacenter": {"delay_ms": 1}, "isp-a": {"delay_ms": 5}, "isp-b": {"delay_ms": 7},
                     "lan-a": {"delay_ms": 1}, "lan-b": {"delay_ms": 1}},
        "nodes": {
            "internet": internet,
            "vps": {"role": "server", "interfaces": {"eth0": "datacenter"},
                    "startup": ["ip addr add 203.0.113.10/25 dev eth0", "ip route add default via 203.0.113.1",
                                "systemctl enable --now headscale"]},
            "router-a": ra, "laptop-a": la, "router-b": rb, "laptop-b": lb,
        },
    }
    if cgnat_a is not None:
        # provider network between home router A and the internet: 100.100.64.0/24 (inside 100.64.0.0/10,
        # away from the addresses headscale hands out at the start of the range)
        ra["interfaces"]["wan"] = "cgn-a"
        ra["startup"] = [c.replace("198.51.100.66/26", "100.100.64.2/24").replace("via 198.51.100.65",
                                                                                   "via 100.100.64.1")
                         for c in ra["startup"]]
        spec["segments"]["cgn-a"] = {"delay_ms": 2}
        spec["nodes"]["cgnat-a"] = {
            "role": "router", "interfaces": {"inside": "cgn-a", "wan": "isp-a"},
            "nat": {"interface": "wan", "type": cgnat_a},
            "startup": ["ip addr add 100.100.64.1/24 dev inside", "ip addr add 198.51.100.66/26 dev wan",
                        "ip route add default via 198.51.100.65", "sysctl -w net.ipv4.ip_forward=1"]}
    lab = Lab.from_dict(spec, source=f"<NAT-Matrix {kind_a}/{kind_b}>")
    lab.run("vps", "headscale users create lab")
    key = lab.run("vps", "headscale preauthkeys create --user 1 --reusable").stdout.strip().splitlines()[-1]
    for laptop in ("laptop-a", "laptop-b"):
        res = lab.run(laptop, f"tailscale up {LOGIN} --authkey={key}")
        if res.returncode != 0:
            raise RuntimeError(f"tailscale up auf {laptop} ist fehlgeschlagen: {res.stderr.strip()}")
    lab.advance(1.0)             # DERP connections and STUN answers arrive
    return lab


def outcome(kind_a: str, kind_b: str, count: int = 10, cgnat_a: str | None = None) -> Outcome:
    lab = pair_lab(kind_a, kind_b, cgnat_a)
    res = lab.run("laptop-a", f"tailscale ping -c {count} laptop-b")
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("pong from")]
    last = lines[-1] if lines else ""
    if " via DERP(" in last or (lines and res.returncode != 0):
        path, ep = "relay", ""
    elif lines:
        path, ep = "direct", last.split(" via ", 1)[1].rsplit(" in ", 1)[0]
    else:
        path, ep = "none", ""
    return Outcome(kind_a, kind_b, path, ep, len(res.stdout.splitlines()), res.stdout + res.stderr)


def outcome_matrix(kinds: tuple[str, ...] = KINDS) -> dict[tuple[str, str], Outcome]:
    return {(a, b): outcome(a, b) for a in kinds for b in kinds}


GERMAN = {"direct": "direkt", "relay": "DERP", "none": "–"}


def render_matrix(matrix: dict[tuple[str, str], Outcome], kinds: tuple[str, ...] = KINDS) -> str:
    """A plain-text table: rows = NAT type of A, columns = NAT type of B."""
    head = ["A \\ B"] + list(kinds)
    rows = [head] + [[a] + [GERMAN[matrix[(a, b)].path] for b in kinds] for a in kinds]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
