"""``tailscale status``, ``tailscale ip`` and ``tailscale ping`` (v1.90 formats)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from simnet.tailnet.client import Tailscaled, tailscaled_of

if TYPE_CHECKING:
    from simnet.commands.base import Context
    from simnet.tailnet.control import HsNode

__all__ = ["cmd_status", "cmd_ip", "tabwriter"]

ACTIVE = 45.0
NOT_RUNNING = ("failed to connect to local tailscaled; it doesn't appear to be running "
               "(sudo systemctl start tailscaled ?)")


def tabwriter(rows: list[list[str]], padding: int = 2) -> str:
    """Go text/tabwriter with every cell tab-terminated (minwidth 0, padchar ' ')."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows) + padding for i in range(len(rows[0]))]
    return "".join("".join(c.ljust(w) for c, w in zip(r, widths)) + "\n" for r in rows)


def _daemon(ctx: "Context") -> Tailscaled | None:
    ts = tailscaled_of(ctx.node)
    if ts is None or not ts.running:
        ctx.eprint(NOT_RUNNING)
        return None
    return ts


def _flags(args: list[str], bools: set[str], strs: frozenset[str] | set[str] = frozenset()) -> tuple[dict[str, Any], list[str]]:
    from simnet.commands.tailscale import parse_flags

    spec = {b: "bool" for b in bools}
    spec.update({s: "str" for s in strs})
    return parse_flags(args, spec)


def _not_running_text(ts: Tailscaled) -> str:
    state = ts.state
    if state == "Stopped":
        return "Tailscale is stopped."
    if state == "NeedsMachineAuth":
        return "Machine is not yet approved by tailnet admin."
    text = "Logged out."
    if ts.auth_url:
        text += f"\nLog in at: {ts.auth_url}"
    return text


def _ago(seconds: float) -> str:
    minutes = max(1, int(seconds // 60))
    if minutes < 60:
        return f", last seen {minutes}m ago"
    if minutes < 60 * 24:
        return f", last seen {minutes // 60}h ago"
    return f", last seen {minutes // 1440}d ago"


def _path_text(ts: Tailscaled, p: "HsNode") -> str:
    """``direct IP:PORT`` for a trusted UDP path, else ``relay "REGION"`` (magicsock's CurAddr)."""
    from simnet.tailnet.derp import region_of
    from simnet.tailnet.wire import fmt_ep

    cur = ts.magicsock.cur_addr(p.client)
    if cur is not None:
        return f"direct {fmt_ep(cur)}"
    region = region_of(ts.server)
    return f'relay "{region.code if region else ""}"'


def _peer_status(ts: Tailscaled, p: "HsNode") -> str:
    now = ts.node.sim.now
    hs = ts.server
    assert hs is not None
    active = p.id in ts.last_tx and now - ts.last_tx[p.id] <= ACTIVE
    exit_mine = ts.exit_peer() is p
    traffic = p.id in ts.tx or p.id in ts.rx
    off = "" if p.online else "; offline" + _ago(hs.now - (p.last_seen or hs.now))
    if active:
        s = "active; " + ("exit node; " if exit_mine else "offers exit node; " if p.is_exit else "")
        s += _path_text(ts, p)
        s += off
    elif exit_mine:
        s = "idle; exit node" + off
    elif p.is_exit:
        s = "idle; offers exit node" + off
    elif traffic:
        s = "idle" + off
    elif not p.online:
        s = "offline" + _ago(hs.now - (p.last_seen or hs.now))
    else:
        s = "-"
    if traffic:
        s += f", tx {ts.tx.get(p.id, 0)} rx {ts.rx.get(p.id, 0)}"
    return s


def cmd_status(ctx: "Context", args: list[str]) -> int:
    flags, _ = _flags(args, {"json", "active", "self", "peers", "header", "web", "browser"})    # parsed first
    ts = _daemon(ctx)
    if ts is None:
        return 1
    if flags.get("json"):
        ctx.print(json.dumps(_json(ts, flags.get("peers", True)), indent="  "))
        return 0
    if ts.state != "Running":
        ctx.print(_not_running_text(ts))
        return 1
    hs, me = ts.server, ts.me
    assert hs is not None and me is not None
    rows: list[list[str]] = []
    if flags.get("header"):
        rows += [["IP", "Hostname", "Owner", "OS", "Status"], ["--", "--------", "-----", "--", "------"]]
    if flags.get("self", True):
        rows.append([str(me.ipv4), me.given_name, _owner(ts, me), "linux", "-"])
    if flags.get("peers", True):
        for p in sorted(ts.peers(), key=lambda n: n.given_name):
            st = _peer_status(ts, p)
            if flags.get("active") and not st.startswith("active"):
                continue
            rows.append([str(p.ipv4), p.given_name, _owner(ts, p), "linux", st])
    ctx.out.append(tabwriter(rows))
    return 0


def _owner(ts: Tailscaled, n: "HsNode") -> str:
    hs = ts.server
    login = hs.user_of(n).login if hs else ""
    return login.split("@", 1)[0] + "@" if "@" in login else (login or "-")


def _relay(ts: Tailscaled) -> str:
    from simnet.tailnet.derp import region_of

    region = region_of(ts.server)
    return region.code if region else ""


def _cur_addr(ts: Tailscaled, n: "HsNode", self_: bool) -> str:
    from simnet.tailnet.wire import fmt_ep

    cur = None if self_ else ts.magicsock.cur_addr(n.client)
    return fmt_ep(cur) if cur else ""


def _addrs(ts: Tailscaled, n: "HsNode", self_: bool) -> list[str] | None:
    """The endpoints the control server publishes for a node (magicsock's STUN + local)."""
    from simnet.tailnet.wire import fmt_ep

    other = ts if self_ else ts.peer_client(n)
    if other is None or other._magicsock is None:
        return None
    eps = other.magicsock.endpoints()
    return [fmt_ep(e) for e in eps] or None


def _peer_json(ts: Tailscaled, n: "HsNode", self_: bool = False) -> dict[str, Any]:
    hs = ts.server
    assert hs is not None
    d: dict[str, Any] = {
        "ID": f"n{n.id}CNTRL", "PublicKey": "nodekey:" + n.node_key.hex(), "HostName": n.hostname,
        "DNSName": f"{n.given_name}.{hs.base_domain}.", "OS": "linux", "UserID": n.user_id,
        "TailscaleIPs": [str(n.ipv4), str(n.ipv6)],
        "AllowedIPs": [f"{n.ipv4}/32", f"{n.ipv6}/128"] + ([] if self_ else
                                                          [str(a) for a in ts.allowed_ips(n)[1:]]
                                                          + [str(a) for a in ts.allowed_ips6(n)[1:]]),
        "Addrs": _addrs(ts, n, self_), "CurAddr": _cur_addr(ts, n, self_), "Relay": _relay(ts),
        "RxBytes": ts.rx.get(n.id, 0),
        "TxBytes": ts.tx.get(n.id, 0), "Online": n.online, "ExitNode": ts.exit_peer() is n,
        "ExitNodeOption": n.is_exit, "Active": n.id in ts.last_tx,
    }
    if n.effective_routes:
        d["PrimaryRoutes"] = hs.serving(n)
    return d


def _json(ts: Tailscaled, peers: bool) -> dict[str, Any]:
    hs, me = ts.server, ts.me
    running = ts.state == "Running" and hs is not None and me is not None
    out: dict[str, Any] = {
        "Version": "1.90.9-t4c1fb2ebc-g8e3f1a0c2", "TUN": True, "BackendState": ts.state,
        "HaveNodeKey": ts.logged_in, "AuthURL": ts.auth_url or "",
        "TailscaleIPs": [str(me.ipv4), str(me.ipv6)] if running and me else None,
        "Self": _peer_json(ts, me, True) if running and me else None,
        "Health": [], "MagicDNSSuffix": hs.base_domain if hs else "",
        "CurrentTailnet": {"Name": hs.user_of(me).name, "MagicDNSSuffix": hs.base_domain,
                           "MagicDNSEnabled": True} if running and hs and me else None,
        "CertDomains": None, "Peer": None, "User": None, "ClientVersion": None,
    }
    if running and peers:
        out["Peer"] = {"nodekey:" + p.node_key.hex(): _peer_json(ts, p) for p in ts.peers()}
        out["User"] = {str(u.id): {"ID": u.id, "LoginName": u.login, "DisplayName": u.display_name or u.name}
                       for u in hs.users.values()} if hs else None
    return out


def cmd_ip(ctx: "Context", args: list[str]) -> int:
    flags, rest = _flags(args, {"4", "6", "1"})              # parsed before the command runs
    ts = _daemon(ctx)
    if ts is None:
        return 1
    me = ts.me
    target = me
    if rest:
        target = next((p for p in ts.peers() if rest[0] in (p.given_name, str(p.ipv4), p.hostname)), None)
        if target is None:
            ctx.eprint(f'unknown peer "{rest[0]}"'.replace("'", '"'))
            return 1
    if ts.state != "Running" or target is None:
        ctx.eprint(f"no current Tailscale IPs; state: {ts.state}")
        return 1
    if flags.get("4") and flags.get("6"):
        ctx.eprint("tailscale ip -4 and -6 are mutually exclusive")
        return 1
    if not flags.get("6"):
        ctx.print(str(target.ipv4))
    if not flags.get("4") and not (flags.get("1") and not flags.get("6")):
        ctx.print(str(target.ipv6))
    return 0
