"""ss -tulpn (iproute2 6.1): which sockets listen on a node, rendered from its services.

The sockets come from what runs: nginx's listen ports, headscale's
listen_addr / metrics / gRPC / STUN addresses from its config, tailscaled's
WireGuard port, sshd on servers and the provider's DNS resolver.
"""
from __future__ import annotations

from typing import Any

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
    for unit in ("nginx", "headscale", "tailscaled", "dnsmasq"):
        svc = node.service(unit)
        if svc is not None:
            out += svc.listening()
    road = road_of(ctx.lab)
    if road is not None and road.resolver is not None and road.resolver.node is node:
        out += [("udp", "0.0.0.0", 53, "unbound", 611), ("tcp", "0.0.0.0", 53, "unbound", 611)]
    return out


# the columns of ss.c (align, header, left delimiter); rendered as for a pipe (no terminal width)
COLUMNS = (("L", "Netid", ""), ("L", "State", " "), ("L", "Recv-Q", " "), ("L", "Send-Q", " "),
           ("R", "Local Address:", " "), ("L", "Port", ""), ("R", "Peer Address:", " "), ("L", "Port", ""),
           ("L", "Process", ""))
# SS_CONN: without -l or -a ss leaves out listening, closed, TIME-WAIT and SYN-RECV sockets
HIDDEN_BY_DEFAULT = ("LISTEN", "UNCONN", "TIME-WAIT", "SYN-RECV")


def render(rows: list[list[str]], netid: bool, state: bool = True) -> str:
    """render_calc_width and render of ss.c: every column as wide as its longest entry (plus
    its delimiter), right-aligned addresses, left-aligned rest; trailing spaces included."""
    enabled = [k for k in range(len(COLUMNS)) if (netid or k != 0) and (state or k != 1)]
    table = [[c[1] for c in COLUMNS]] + rows
    widths: dict[int, int] = {}
    first = True
    for k in enabled:
        longest = max(len(r[k]) for r in table)
        widths[k] = longest + len(COLUMNS[k][2]) if not first and longest else longest
        if widths[k]:
            first = False
    out = []
    for r in table:
        line = ""
        for n, k in enumerate(enabled):
            align, _h, delim = COLUMNS[k]
            printed = len(delim) if n else 0
            text = (delim if n else "")
            if align == "R":
                pad = widths[k] - len(r[k]) - printed
                text += " " * max(pad, 0)
            text += r[k]
            if align == "L":
                text += " " * max(widths[k] - len(text), 0)
            line += text
        out.append(line)
    return "\n".join(out)


Row = tuple[str, str, str, int, str, str, str, int, int, int, int]


def _kernel_rows(ctx: Context) -> list[Row]:
    """Sockets of simnet.kernel.tcp and .udp (nc, http.server): (proto, state, laddr, lport, paddr,
    pport, process, pid, Send-Q, fd, Recv-Q); Send-Q of a listener is its backlog, its Recv-Q the
    connections waiting to be accepted; a connection's Recv-Q is what nobody has read yet (a FIN
    counts one); an accepted connection is the program's fd 4 (the listening socket has 3)."""
    from simnet.kernel.tcp import tcp_of

    layer = tcp_of(ctx.node)
    rows = []
    for port, sock in sorted(layer.udp.items()):
        if sock.peer is None:
            any_text = _any(sock.family, sock.v6only)
            rows.append(("udp", "UNCONN", any_text, port, any_text, "*", sock.process, sock.pid, 0, 3, 0))
        else:
            local = sock.local if sock.local is not None else sock.addr
            rows.append(("udp", "ESTAB", _addr(local, sock.family), port, _addr(sock.peer[0], sock.family),
                         str(sock.peer[1]), sock.process, sock.pid, 0, 3, 0))
    for lst in sorted(layer.listeners.values(), key=lambda x: x.port):
        if not lst.listed:             # a daemon's socket: its own rows above say how ss shows it
            continue
        any_text = _any(lst.addr.version, lst.v6only)
        rows.append(("tcp", "LISTEN", any_text, lst.port, any_text, "*", lst.process, lst.pid, lst.backlog, 3,
                     lst.waiting))
    for ep in layer.conns.values():
        if ep.state == "CLOSED":
            continue
        # TIME-WAIT belongs to nobody, nor does a connection still in the accept queue
        queued = ep.listener is not None and ep in ep.listener.queue
        owner = (ep.process, ep.pid) if ep.state not in ("TIME-WAIT",) and not queued else ("", 0)
        family = ep.sock_family
        rows.append(("tcp", ep.state, _addr(ep.local, family), ep.lport, _addr(ep.remote, family), str(ep.rport),
                     *owner, 0, 4 if ep.listener is not None else 3, ep.unread))
    return rows


# listen() backlogs: nginx's 511, sshd's 128, dnsmasq's TCP_BACKLOG 32, Go's (headscale) somaxconn 4096
BACKLOG = {"nginx": 511, "sshd": 128, "dnsmasq": 32}


def _fds(ctx: Context) -> dict[tuple[str, str, int, str], int]:
    """File descriptors of daemons that open several sockets (dnsmasq: see Dnsmasq.sockets)."""
    from simnet.services.dnsmasq import Dnsmasq

    svc = ctx.node.service("dnsmasq")
    if not isinstance(svc, Dnsmasq):
        return {}
    return {(proto, addr, port, "dnsmasq"): fd for proto, addr, port, fd in svc.sockets()}


def _any(family: int, v6only: bool) -> str:
    """inet_addr_print: 0.0.0.0 for AF_INET, * for an AF_INET6 socket that takes IPv4 too, else [::]."""
    return "0.0.0.0" if family == 4 else "[::]" if v6only else "*"


def _addr(ip: Any, family: int | None = None) -> str:
    """IPv6 addresses in brackets, as ss prints them before the port; an IPv4 peer of an AF_INET6
    socket as [::ffff:a.b.c.d]."""
    from simnet.kernel.udp import mapped_text

    family = family or ip.version
    return f"[{mapped_text(ip, family)}]" if family == 6 else str(ip)


def _family(addr: str) -> int:
    return 6 if addr.startswith("[") or addr == "*" else 4


def main(ctx: Context) -> int:
    from simnet.commands.nc import service_name

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
    show_proc = "p" in flags
    numeric = "n" in flags
    netid = len(want) > 1
    sockets = []
    fds = _fds(ctx)
    for proto, addr, port, proc, pid in listeners(ctx):
        state = "UNCONN" if proto == "udp" else "LISTEN"
        sendq = 0 if proto == "udp" else BACKLOG.get(proc, 4096)
        peer = "[::]" if addr.startswith("[") else "*" if addr == "*" else "0.0.0.0"
        fd = fds.get((proto, addr, port, proc), 6 if proc == "nginx" else 3)
        sockets.append((proto, state, addr, port, peer, "*", proc, pid, sendq, fd, 0))
    own = _kernel_rows(ctx)
    sockets += own
    sockets = [s for s in sockets if s[0] in want]
    if ("4" in flags) != ("6" in flags):          # -4 / -6: one address family
        sockets = [s for s in sockets if _family(s[2]) == (4 if "4" in flags else 6)]
    if "a" not in flags:
        listening = "l" in flags
        sockets = [s for s in sockets if (s[1] in ("LISTEN", "UNCONN")) == listening
                   and (listening or s[1] not in HIDDEN_BY_DEFAULT)]
    order = {"LISTEN": 0, "UNCONN": 0}
    # ss asks the kernel for IPv4 sockets, then for IPv6 ones: per protocol IPv4 before IPv6
    sockets.sort(key=lambda s: (s[0] != "udp", order.get(s[1], 1), _family(s[2]) if s[1] in order else 0,
                                s[3] if s[1] in order else 0, s[2]))
    kernel = [s for s in sockets if s in own]
    if kernel:
        sockets = [s for s in sockets if s not in own] + sorted(
            kernel, key=lambda s: (s[0] != "udp", order.get(s[1], 1), _family(s[2]), s[3] if s[1] in order else 0))
    rows = []
    for proto, state, addr, port, paddr, pport, proc, pid, sendq, fd, recvq in sockets:
        def name(p: int) -> str:           # getservbyport unless -n
            known = service_name(proto, p)
            return str(p) if numeric else NAMES.get(p, known if known != "*" else str(p))

        port_text = name(port)
        if pport != "*":
            pport = name(int(pport))
        if proc == "pveproxy":            # one dual-stack socket shared by the master and its three workers
            users = "users:(" + ",".join(f'("pveproxy worker",pid={pid + k},fd=6)' for k in (3, 2, 1)) + \
                f',("pveproxy",pid={pid},fd=6))'
        elif proc:
            users = f'users:(("{proc}",pid={pid},fd={fd}))'
        else:
            users = ""
        rows.append([proto, state, str(recvq), str(sendq), f"{addr}:", port_text, f"{paddr}:", pport,
                     " " + users if show_proc and users else ""])
    # ss.c disables the State column when the filter leaves one state: -u alone asks for ESTAB
    # only (default_dbs[UDP_DB].states); -t, -l, -a, -4 and -6 each add states
    one_state = want == {"udp"} and not flags & {"l", "a", "4", "6"}
    ctx.print(render(rows, netid, state=not one_state))
    return 0
