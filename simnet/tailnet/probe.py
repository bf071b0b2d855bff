"""``tailscale ping`` and ``tailscale netcheck`` (v1.90 behaviour and formats).

Both send real packets through the lab and wait in simulated time: ``ping``
sends disco pings (over DERP until a direct path answers), ``netcheck`` asks
the DERP region's STUN server what the UDP socket looks like from outside.
"""
from __future__ import annotations

from datetime import datetime, timezone
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any

from simnet.tailnet.magicsock import PING_TIMEOUT
from simnet.tailnet.wire import fmt_ep

if TYPE_CHECKING:
    from simnet.commands.base import Context

__all__ = ["cmd_ping", "cmd_netcheck", "go_duration"]

CTRL_C_AFTER = 4          # -c 0 means "forever": simnet presses Ctrl-C after four pings, as for ping


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String() for a non-negative duration."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    if ns < 1000:
        return f"{ns}ns"
    if ns < 1_000_000:
        return _trim(ns / 1000) + "µs"
    if ns < 1_000_000_000:
        return _trim(ns / 1e6) + "ms"
    total = ns / 1e9
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    out = f"{int(h)}h" if h else ""
    out += f"{int(m)}m" if h or m else ""
    return out + _trim(s) + "s"


def _trim(x: float) -> str:
    text = f"{x:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def cmd_ping(ctx: "Context", args: list[str]) -> int:
    from simnet.commands.tailscale import parse_flags
    from simnet.tailnet.status import _daemon, _not_running_text

    # ffcli parses the flags before the command runs: a flag error (also a bad -c or -timeout value)
    # comes first, with the usage
    spec = dict.fromkeys(("until-direct", "tsmp", "icmp", "peerapi", "verbose"), "bool")
    spec.update({"c": "int", "size": "int", "timeout": "duration"})
    flags, rest = parse_flags(args, spec)
    ts = _daemon(ctx)
    if ts is None:
        return 1
    if len(rest) != 1:
        ctx.eprint("usage: tailscale ping <hostname-or-IP>")
        return 1
    if ts.state != "Running":
        ctx.eprint(_not_running_text(ts))
        return 1
    count = int(flags.get("c", 10))
    timeout = float(flags.get("timeout", 5.0))
    until_direct = flags.get("until-direct", True) is not False
    name = rest[0]
    hs = ts.server
    peer = next((p for p in ts.peers() if name in (p.given_name, str(p.ipv4), p.hostname,
                                                   f"{p.given_name}.{hs.base_domain if hs else ''}")), None)
    if peer is None:
        try:
            IPv4Address(name)
            ctx.eprint("no matching peer")
        except ValueError:
            ctx.eprint(f'error looking up IP of "{name}": lookup {name}: no such host')
        return 1
    ms = ts.magicsock
    ms.start()
    region = ms.region
    ms.recorder = ctx.journeys
    try:
        if count <= 0:
            rc = _ping_loop(ctx, ts, peer, CTRL_C_AFTER, timeout, until_direct, region.code if region else "",
                            forever=True)
            return rc
        return _ping_loop(ctx, ts, peer, count, timeout, until_direct, region.code if region else "")
    finally:
        ms.recorder = None
        _note_ufw(ctx)


def _note_ufw(ctx: "Context") -> None:
    """Packets the firewall dropped on a ufw-managed host get ufw's explanation."""
    from simnet.services.transport import mark_ufw

    mark_ufw(ctx.node, list(ctx.journeys))


def _ping_loop(ctx: "Context", ts, peer, count: int, timeout: float, until_direct: bool, region: str,
               forever: bool = False) -> int:
    """ping.go's loop; ``forever`` (-c 0) ends like Ctrl-C after ``count`` pings: exit 130, no summary."""
    ms = ts.magicsock
    sim = ctx.node.sim
    other = ts.peer_client(peer)
    target = other.node.name if other is not None else peer.client
    any_pong = False
    for n in range(1, count + 1):
        got: list[tuple[Any, float]] = []

        def waiter(_sender, ep, latency, got=got):
            if not got:
                got.append((ep, latency))

        path = ms.paths.get(target)
        if other is not None and other.state == "Running":
            if path is not None and path.trusted(sim.now):
                ms._ping(target, path.best, waiter, force=True)
            else:
                # endpoint.discoPing: over DERP and to every candidate direct path at once
                ms._ping(target, None, waiter, force=True)
                ms.discover(target, waiter)
        deadline = sim.now + timeout
        sim.run(until=deadline, stop=lambda: bool(got))
        if not got:
            ctx.print(f'ping "{peer.ipv4}" timed out')
            if n == count and forever:
                return 130
            if n == count:
                if not any_pong:
                    ctx.eprint("no reply")
                    return 1
                return 0
            continue
        any_pong = True
        ep, latency = got[0]
        via = fmt_ep(ep) if ep is not None else f"DERP({region})"
        ctx.print(f"pong from {peer.given_name} ({peer.ipv4}) via {via} in {go_duration(round(latency, 3))}")
        if ep is not None and until_direct:
            return 0
        sim.advance(1.0)
        if n == count and forever:
            return 130
        if n == count:
            if until_direct:
                ctx.eprint("direct connection not established")
                return 1
            return 0
    return 0


def cmd_netcheck(ctx: "Context", args: list[str]) -> int:
    """A STUN round trip and the DERP latency, printed like netcheck.go's printReport."""
    from simnet.tailnet import netcheck6
    from simnet.tailnet.client import tailscaled_of
    from simnet.tailnet.status import _flags

    flags, rest = _flags(args, {"verbose", "every"}, {"format"})
    ts = tailscaled_of(ctx.node)
    if ts is None or not ts.running:
        from simnet.tailnet.status import NOT_RUNNING

        ctx.eprint(NOT_RUNNING)
        return 1
    ms = ts.magicsock
    region = ms.region
    if region is None:
        ctx.eprint("netcheck: no DERP map available")
        return 1
    was_started = ms.started
    if not was_started:
        ms.start()
    ms.recorder = ctx.journeys
    sim = ctx.node.sim
    try:
        ms.stun_results = []
        ms.stun_latency = None
        # netcheck's plan for a region with one STUN server: three tries 100 ms apart in one
        # probe set, which its first answer cancels; so one server gives one mapping and
        # MappingVariesByDestIP stays unknown (it needs two servers that answer)
        ms.stun_one_set = True
        probe6 = netcheck6.start(ctx, ms, region)      # the IPv6 probe runs beside the IPv4 ones
        ms.restun(3)
        started = sim.now
        sim.run(until=sim.now + PING_TIMEOUT, stop=lambda: len(ms.stun_results) >= 1)
        # netcheck starts its captive-portal check 200 ms into a full report and cancels it when
        # the STUN probes answered first (captiveportal.go; --verbose never cancels it). The check
        # asks each DERP node with CanPort80 for /generate_204 plus controlplane.tailscale.com;
        # headscale's embedded DERP announces no CanPort80 and the tailscale.com names do not
        # exist here, so a check that runs finds no portal: "false".
        captive = "false" if (flags.get("verbose") or not ms.stun_results or sim.now - started > 0.2) else ""
        ms.stun_one_set = False
        if not probe6.done:
            sim.run(until=started + PING_TIMEOUT, stop=lambda: probe6.done)
        derp_latency = ms.stun_latency
        if derp_latency is None:
            derp_latency = _https_latency(ctx, ms, region)
    finally:
        ms.recorder = None
        ms.stun_one_set = False
        ms.probe6 = None
    _note_ufw(ctx)
    results = list(ms.stun_results)
    epoch = ctx.lab.epoch + sim.now
    stamp = datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0")
    stamp = stamp.rstrip(".") + "Z"
    fmt = str(flags.get("format", "") or "")
    if fmt:
        return _netcheck_json(ctx, fmt, stamp, results, derp_latency, region, captive, probe6)
    out = ["", "Report:", f"\t* Time: {stamp}", f"\t* UDP: {'true' if results else 'false'}"]
    out.append(f"\t* IPv4: yes, {fmt_ep(results[0])}" if results else "\t* IPv4: (no addr found)")
    out.append(netcheck6.line(probe6))
    varies = "" if len(results) < 2 else ("true" if len(set(results)) > 1 else "false")
    out.append(f"\t* MappingVariesByDestIP: {varies}")
    out.append("\t* PortMapping: ")
    if captive:
        out.append(f"\t* CaptivePortal: {captive}")
    if derp_latency is None:
        out.append("\t* Nearest DERP: unknown (no response to latency probes)")
    else:
        out.append(f"\t* Nearest DERP: {region.name}")
        out.append("\t* DERP latency:")
        lat = go_duration(round(derp_latency, 4))
        verbose = f"derp{region.region_id}, " if flags.get("verbose") else ""
        out.append(f"\t\t- {region.code:>3}: {lat:<7} ({verbose}{region.name})")
    ctx.print("\n".join(out))
    return 0


def _netcheck_json(ctx: "Context", fmt: str, stamp: str, results: list, derp_latency: float | None,
                   region, captive: str = "", probe6: Any = None) -> int:
    """--format=json / json-line: netcheck.Report as Go's encoding/json writes it."""
    from simnet.tailnet import netcheck6
    import json

    if fmt not in ("json", "json-line"):
        ctx.eprint(f'unknown output format "{fmt}"')
        return 1
    ctx.eprint("# Warning: this JSON format is not yet considered a stable interface")
    latency = {str(region.region_id): round(derp_latency * 1e9)} if derp_latency is not None else {}
    counters: dict[str, int] = {}
    for ep in results:
        counters[fmt_ep(ep)] = counters.get(fmt_ep(ep), 0) + 1
    varies = None if len(results) < 2 else len(set(results)) > 1
    six = probe6 if probe6 is not None else netcheck6.Probe6("none")
    v6 = f"[{six.mapped[0]}]:{six.mapped[1]}" if six.state == "answered" and six.mapped is not None else ""
    report = {
        "Now": stamp, "UDP": bool(results), "IPv6": bool(v6), "IPv4": bool(results),
        "IPv6CanSend": six.state in ("answered", "sent", "failed"),
        "IPv4CanSend": True, "OSHasIPv6": six.state != "os", "ICMPv4": False, "MappingVariesByDestIP": varies,
        "UPnP": False, "PMP": False, "PCP": False,
        "PreferredDERP": region.region_id if latency else 0, "RegionLatency": latency,
        "RegionV4Latency": dict(latency) if results else {},
        "RegionV6Latency": {str(region.region_id): round((six.latency or 0) * 1e9)} if v6 else {},
        "GlobalV4Counters": counters or None, "GlobalV6Counters": {v6: 1} if v6 else None,
        "GlobalV4": fmt_ep(results[0]) if results else "", "GlobalV6": v6,
        "CaptivePortal": {"": None, "true": True, "false": False}[captive],
    }
    if fmt == "json":
        ctx.print(json.dumps(report, indent="\t", ensure_ascii=False))
    else:
        ctx.print(json.dumps(report, separators=(",", ":"), ensure_ascii=False))
    return 0


def _https_latency(ctx: "Context", ms, region) -> float | None:
    """With UDP blocked, netcheck measures the region over HTTPS: the TCP handshake time."""
    conn = ms.derp
    sim = ctx.node.sim
    if conn.state != "up" and region.address is not None:
        conn.connect(region.address)
        sim.run(until=sim.now + PING_TIMEOUT, stop=lambda: conn.state in ("up", "failed"))
    return conn.rtt if conn.state == "up" else None
