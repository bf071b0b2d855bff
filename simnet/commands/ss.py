"""ss -tulpn (iproute2 6.1): which sockets listen on a node, rendered from its services.

The sockets come from what runs: nginx's listen ports, headscale's
listen_addr / metrics / gRPC / STUN addresses from its config, tailscaled's
WireGuard port, sshd on servers and the provider's DNS resolver.
"""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.services.daemons import daemons_of
from simnet.services.road import road_of

__all__ = ["main", "listeners"]

NAMES = {22: "ssh", 53: "domain", 80: "http", 443: "https", 3478: "stun", 8006: "8006", 41641: "41641"}


def listeners(ctx: Context) -> list[tuple[str, str, int, str, int]]:
    """(proto, address, port, process, pid) for every listening socket."""
    node = ctx.node
    out: list[tuple[str, str, int, str, int]] = []
    for daemon in daemons_of(node):          # sshd, pveproxy (simnet.services.daemons)
        out += daemon.listening()
    nginx = node.services.get("nginx")
    if nginx is not None and getattr(nginx, "running", False):
        for port in nginx.ports():
            out.append(("tcp", "0.0.0.0", port, "nginx", nginx.pid))
    hs = node.services.get("headscale")
    if hs is not None and getattr(hs, "running", False):
        cfg = getattr(hs, "config", {}) or {}
        pid = 400 + sum(map(ord, "headscale")) % 500
        for key, default in (("listen_addr", "127.0.0.1:8090"), ("metrics_listen_addr", "127.0.0.1:9090"),
                             ("grpc_listen_addr", "127.0.0.1:50443")):
            addr, _, port = str(cfg.get(key, default)).rpartition(":")
            if port.isdigit():
                out.append(("tcp", addr or "0.0.0.0", int(port), "headscale", pid))
        derp = (cfg.get("derp") or {}).get("server") or {} if isinstance(cfg.get("derp"), dict) else {}
        if isinstance(derp, dict) and derp.get("enabled"):
            addr, _, port = str(derp.get("stun_listen_addr", "0.0.0.0:3478")).rpartition(":")
            if port.isdigit():
                out.append(("udp", addr or "0.0.0.0", int(port), "headscale", pid))
    ts = node.services.get("tailscaled")
    if ts is not None and getattr(ts, "running", False):
        pid = 400 + sum(map(ord, "tailscaled")) % 500
        out += [("udp", "0.0.0.0", 41641, "tailscaled", pid), ("udp", "[::]", 41641, "tailscaled", pid)]
    road = road_of(ctx.lab)
    if road is not None and road.resolver is not None and road.resolver.node is node:
        out += [("udp", "0.0.0.0", 53, "unbound", 611), ("tcp", "0.0.0.0", 53, "unbound", 611)]
    return out


def main(ctx: Context) -> int:
    flags = set()
    for a in ctx.args:
        if a.startswith("--"):
            flags.add({"--tcp": "t", "--udp": "u", "--listening": "l", "--processes": "p", "--numeric": "n",
                       "--all": "a"}.get(a, "?"))
        elif a.startswith("-"):
            flags.update(a[1:])
        else:
            ctx.eprint(f'ss: bad filter "{a}" (simnet kennt nur Optionen, keine Filter)')
            return 1
    if "?" in flags:
        ctx.eprint("ss: unrecognized option")
        return 1
    want = {p for p, f in (("tcp", "t"), ("udp", "u")) if f in flags} or {"tcp", "udp"}
    rows = [r for r in listeners(ctx) if r[0] in want]
    rows.sort(key=lambda r: (r[0] != "udp", r[2], r[1]))
    show_proc = "p" in flags
    numeric = "n" in flags
    netid = len(want) > 1
    lines = []
    header = ("Netid " if netid else "") + "State  Recv-Q Send-Q Local Address:Port  Peer Address:Port" + \
        ("Process" if show_proc else "")
    lines.append(header)
    for proto, addr, port, proc, pid in rows:
        state = "UNCONN" if proto == "udp" else "LISTEN"
        sendq = "0" if proto == "udp" else ("511" if proc == "nginx" else "4096" if proc != "sshd" else "128")
        port_text = str(port) if numeric else NAMES.get(port, str(port))
        local = f"{addr}:{port_text}"
        peer = "[::]:*" if addr.startswith("[") else "*:*" if addr == "*" else "0.0.0.0:*"
        if proc == "pveproxy":            # one dual-stack socket shared by the master and its three workers
            users = "users:(" + ",".join(f'("pveproxy worker",pid={pid + k},fd=6)' for k in (3, 2, 1)) + \
                f',("pveproxy",pid={pid},fd=6))'
        else:
            users = f'users:(("{proc}",pid={pid},fd={6 if proc == "nginx" else 3}))'
        users = users if show_proc else ""
        row = (f"{proto:<6}" if netid else "") + f"{state:<7}0      {sendq:<7}{local:>18} {peer:>18}    {users}"
        lines.append(row.rstrip())
    ctx.print("\n".join(lines))
    return 0
