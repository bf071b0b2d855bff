"""tailscale (Linux client CLI, v1.90): up, down, logout, set, status, ip, ping, version.

Flags are Go ``flag`` style (``--x=v``, ``--x v``, ``-x``; booleans only
``--x`` or ``--x=false``). Output texts follow cmd/tailscale/cli.
"""
from __future__ import annotations

from ipaddress import IPv4Address, ip_network
from typing import Any

from simnet.core.errors import CommandError
from simnet.commands.base import Context
from simnet.commands.godur import parse_go_duration
from simnet.commands.goflag import GoFlagError, GoHelp, go_flags
from simnet.tailnet.client import DEFAULT_CONTROL, Prefs, Tailscaled, tailscaled_of
from simnet.tailnet.control import EXIT_V4, EXIT_V6, REGISTER_WITH_KEY, HeadscaleError, tailnet_of
from simnet.tailnet import probe as tsprobe
from simnet.tailnet import status as tsstatus

__all__ = ["main", "VERSION"]

VERSION = "1.90.9"
NOT_RUNNING = ("failed to connect to local tailscaled; it doesn't appear to be running "
               "(sudo systemctl start tailscaled ?)")
KB_FORWARD = "\nSee https://tailscale.com/s/ip-forwarding"
UP_FLAGS = {
    "login-server": "str", "auth-key": "str", "advertise-routes": "str", "advertise-exit-node": "bool",
    "accept-routes": "bool", "exit-node": "str", "exit-node-allow-lan-access": "bool",
    "snat-subnet-routes": "bool", "hostname": "str", "reset": "bool", "accept-dns": "bool",
    "shields-up": "bool", "netfilter-mode": "str", "stateful-filtering": "bool", "timeout": "str",
    "force-reauth": "bool", "qr": "bool", "ssh": "bool", "operator": "str", "json": "bool",
}
SET_FLAGS = {k: v for k, v in UP_FLAGS.items()
             if k not in ("login-server", "auth-key", "reset", "force-reauth", "qr", "timeout", "json")}


class FlagError(CommandError):
    pass


class FlagSyntax(FlagError):
    """The Go flag parser refused the command line (flag.ExitOnError: message, usage, exit 2)."""


def parse_flags(args: list[str], spec: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Go flag parsing (stops at the first non-flag argument); every flag at most once (noDupFlagify)."""
    try:
        return go_flags(args, spec, aliases={"authkey": "auth-key"}, no_dup=True)
    except GoHelp:
        raise FlagError("help") from None
    except GoFlagError as exc:
        raise FlagSyntax(str(exc)) from None


def parse_routes(text: str) -> list[str]:
    """netutil.CalcAdvertiseRoutes validation with its error texts."""
    routes: list[str] = []
    for r in filter(None, (x.strip() for x in text.split(","))):
        try:
            net = ip_network(r, strict=False)
        except ValueError:
            raise FlagError(f'"{r}" is not a valid IP address or CIDR prefix') from None
        if "/" not in r:
            r = f"{r}/{net.max_prefixlen}"
        elif str(net) != r and net.prefixlen == int(r.split("/")[1]):
            raise FlagError(f"{r} has non-address bits set; expected {net}")
        routes.append(str(net))
    if EXIT_V4 in routes and EXIT_V6 not in routes:
        raise FlagError("0.0.0.0/0 advertised without its IPv6 counterpart, please also advertise ::/0")
    if EXIT_V6 in routes and EXIT_V4 not in routes:
        raise FlagError("::/0 advertised without its IPv4 counterpart, please also advertise 0.0.0.0/0")
    return routes


def _route_order(route: str) -> tuple[int, int, int]:
    """CalcAdvertiseRoutes sorts by prefix length, then by address (IPv4 before IPv6)."""
    net = ip_network(route)
    return net.prefixlen, net.version, int(net.network_address)


def _daemon(ctx: Context) -> Tailscaled | None:
    ts = tailscaled_of(ctx.node)
    if ts is None or not ts.running:
        ctx.eprint(NOT_RUNNING)
        return None
    return ts


def main(ctx: Context) -> int:
    args = ctx.args
    if not args:
        ctx.eprint("Usage: tailscale [flags] <subcommand> [command flags]")
        return 0
    sub, rest = args[0], args[1:]
    handler = {"up": cmd_up, "down": cmd_down, "logout": cmd_logout, "set": cmd_set,
               "status": tsstatus.cmd_status, "ip": tsstatus.cmd_ip, "ping": tsprobe.cmd_ping,
               "netcheck": tsprobe.cmd_netcheck, "version": cmd_version, "--version": cmd_version}.get(sub)
    if handler is None:
        ctx.eprint(f"tailscale: unknown subcommand: {sub}")
        return 1
    try:
        return handler(ctx, rest)
    except FlagError as exc:
        from simnet.commands.tsusage import usage

        text = usage(sub) or f"USAGE\n  tailscale {sub} [flags]"
        if str(exc) == "help":               # flag.ErrHelp: the usage, exit 0
            ctx.eprint(text)
            return 0
        ctx.eprint(str(exc))
        if isinstance(exc, FlagSyntax):      # flag.ExitOnError: the usage follows, exit 2
            ctx.eprint(text)
            return 2
        return 1


def cmd_version(ctx: Context, args: list[str]) -> int:
    ctx.print(VERSION)
    ctx.print("  tailscale commit: 4c1fb2ebc03a3a4a6c9a8b4d2f4b0e1c7a5d3e21")
    ctx.print("  long version: 1.90.9-t4c1fb2ebc-g8e3f1a0c2")
    ctx.print("  go version: go1.25.3")
    return 0


# -------------------------------------------------------------------- prefs
FLAG_OF = {
    "login-server": ("control_url", DEFAULT_CONTROL), "accept-routes": ("route_all", False),
    "exit-node": ("exit_node_ip", ""), "exit-node-allow-lan-access": ("exit_node_allow_lan", False),
    "snat-subnet-routes": ("snat", True), "hostname": ("hostname", ""),
    "netfilter-mode": ("netfilter_mode", "on"), "stateful-filtering": ("stateful_filtering", False),
    "accept-dns": ("corp_dns", True),
}


def _apply_flags(prefs: Prefs, flags: dict[str, Any]) -> Prefs:
    p = prefs.copy()
    for flag, (attr, _) in FLAG_OF.items():
        if flag in flags:
            setattr(p, attr, flags[flag])
    if "advertise-routes" in flags or "advertise-exit-node" in flags:
        exit_on = flags.get("advertise-exit-node", EXIT_V4 in p.advertise_routes)
        base = (parse_routes(flags["advertise-routes"]) if "advertise-routes" in flags
                else [r for r in p.advertise_routes if r not in (EXIT_V4, EXIT_V6)])
        base = [r for r in base if r not in (EXIT_V4, EXIT_V6)] if not exit_on else base
        if exit_on:
            base += [r for r in (EXIT_V4, EXIT_V6) if r not in base]
        p.advertise_routes = sorted(dict.fromkeys(base), key=_route_order)
    if p.netfilter_mode not in ("on", "nodivert", "off"):
        raise FlagError(f'invalid value "{p.netfilter_mode}" for --netfilter-mode; must be one of on, nodivert, off')
    return p


def _flag_values(p: Prefs) -> dict[str, Any]:
    vals: dict[str, Any] = {f: getattr(p, a) for f, (a, _) in FLAG_OF.items()}
    vals["advertise-exit-node"] = EXIT_V4 in p.advertise_routes
    vals["advertise-routes"] = ",".join(r for r in p.advertise_routes if r not in (EXIT_V4, EXIT_V6))
    return vals




def _fmt_flag(name: str, value: Any) -> str:
    """fmtFlagValueArg: ``--name`` for true, ``--name=`` for "", else ``--name=value`` (shell-quoted)."""
    if value is True:
        return f"--{name}"
    text = "false" if value is False else str(value)
    if text == "":
        return f"--{name}="
    if any(c in text for c in " \t\n'\"\\$`&*(){}[]?;<>|~#!"):
        text = "'" + text.replace("'", "'\\''") + "'"
    return f"--{name}={text}"


ACCIDENTAL_PREFIX = ("Error: changing settings via 'tailscale up' requires mentioning all\n"
                     "non-default flags. To proceed, either re-run your command with --reset or\n"
                     "use the command below to explicitly mention the current value of\n"
                     "all non-default settings:\n\n"
                     "\ttailscale up")


def _reverts(current: Prefs, new: Prefs, flags: dict[str, Any]) -> str | None:
    """checkForAccidentalSettingReverts: a setting that is not mentioned may not change.

    The suggested command lists the flags given (in flag-name order, as Go's
    FlagSet.Visit walks them), then the missing ones with their current value
    (sorted as strings); Println adds a third newline to the error's two."""
    cur, nxt = _flag_values(current), _flag_values(new)
    missing = sorted(_fmt_flag(f, cur[f]) for f in cur if f not in flags and cur[f] != nxt.get(f))
    if not missing:
        return None
    explicit = [_fmt_flag(name, flags[name]) for name in sorted(flags)]
    return ACCIDENTAL_PREFIX + "".join(f" {a}" for a in explicit + missing) + "\n\n\n"


def _forwarding_warning(ctx: Context, routes: list[str]) -> None:
    """warnOnAdvertiseRoutes → LocalBackend.CheckIPForwarding: asked only when routes are
    advertised, but v1.90 checks netutil.CheckIPForwarding for tsaddr.ExitRoutes() (0.0.0.0/0 and
    ::/0), not for the routes given: both families always count, so an IPv4 subnet router without
    IPv6 forwarding hears about it too, and the IPv6-only wording never appears."""
    if not routes:
        return
    node = ctx.node
    sysctl = node.sysctl
    v4e = sysctl.get_int("net.ipv4.ip_forward") in (1, 2)
    v6e = sysctl.get_int("net.ipv6.conf.all.forwarding") in (1, 2)
    if v4e and v6e:
        return
    warnings = [] if v6e else ["IPv6 forwarding is disabled."]
    any_enabled = False
    for iface in sorted(node.interfaces.values(), key=lambda i: i.index):
        if iface.name == "lo":
            continue
        key = f"net.ipv4.conf.{iface.name.replace('.', '/')}.forwarding"
        if sysctl.get_int(f"net.ipv4.conf.{iface.name}.forwarding") in (1, 2):
            any_enabled = True
        else:
            warnings.append(f"Traffic received on {iface.name} won't be forwarded ({key} disabled)")
    if not any_enabled:
        ctx.eprint(f"Warning: IP forwarding is disabled, subnet routing/exit nodes will not work.{KB_FORWARD}")
    elif warnings:
        ctx.eprint("Warning: " + "\n".join(warnings) + f"\nSubnet routes and exit nodes may not work correctly.{KB_FORWARD}")


def _check_exit_node(ts: Tailscaled, prefs: Prefs) -> None:
    if not prefs.exit_node_ip:
        return
    if EXIT_V4 in prefs.advertise_routes:
        raise FlagError("Cannot advertise an exit node and use an exit node at the same time.")
    peers = ts.peers()
    target = next((p for p in peers if str(p.ipv4) == prefs.exit_node_ip
                   or p.given_name == prefs.exit_node_ip), None)
    try:
        IPv4Address(prefs.exit_node_ip)
        is_ip = True
    except ValueError:
        is_ip = False
    if target is None:
        if ts.state != "Running":
            if is_ip:
                return
        raise FlagError(f"no node found in netmap with IP {prefs.exit_node_ip}" if is_ip else
                        f'invalid value "{prefs.exit_node_ip}" for --exit-node; must be IP or unique node name')
    if ts.state == "Running" and not target.is_exit:
        raise FlagError(f'node "{prefs.exit_node_ip}" is not advertising an exit node')
    prefs.exit_node_ip = str(target.ipv4)


def _control(ctx: Context, ts: Tailscaled, url: str):
    """Reach the control server: a server must answer at that URL and be routable."""
    from simnet.services.road_client import reach_control   # DNS, TCP 443 (ufw), TLS, nginx's Upgrade headers

    ok, errors, journeys = reach_control(ctx.lab, ctx.node, url)
    ctx.journeys.extend(journeys)
    if not ok:
        for line in errors:
            ctx.eprint(line)
        return None
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
    hs = tailnet_of(ctx.lab).server_for(url)
    if hs is None or not hs.running:
        ctx.eprint(f'backend error: fetch control key: Get "{url}/key?v=125": dial tcp: lookup {host}: '
                   "no such host" if hs is None else
                   f'backend error: fetch control key: Get "{url}/key?v=125": dial tcp '
                   f"{_addr(hs.node)}:443: connect: connection refused")
        return None
    try:
        ctx.node.stack.route_output(_addr(hs.node), mark=0x80000)
    except Exception:
        ctx.eprint(f'backend error: fetch control key: Get "{url}/key?v=125": dial tcp '
                   f"{_addr(hs.node)}:443: connect: network is unreachable")
        return None
    return hs


def _addr(node) -> IPv4Address:
    for iface in node.interfaces.values():
        if not iface.is_loopback and iface.name != "tailscale0":
            for a in iface.addresses:
                return a.ip
    return IPv4Address("127.0.0.1")


def _daemon_and_flags(ctx: Context, args: list[str], spec: dict[str, str]) -> tuple[Tailscaled, dict] | None:
    """The running daemon and the parsed flags (up and set take no positional arguments); the
    flags first, as ffcli parses them before the command runs."""
    flags, extra = parse_flags(args, spec)
    ts = _daemon(ctx)
    if ts is None:
        return None
    if extra:
        ctx.eprint(f"too many non-flag arguments: {extra!r}".replace("'", '"'))
        return None
    return ts, flags


def cmd_up(ctx: Context, args: list[str]) -> int:
    parsed = _daemon_and_flags(ctx, args, UP_FLAGS)
    if parsed is None:
        return 1
    ts, flags = parsed
    timeout = parse_go_duration(str(flags.get("timeout", "0s")))
    if timeout is None or timeout != timeout or timeout in (float("inf"), float("-inf")):
        raise FlagSyntax(f'invalid value "{flags.get("timeout")}" for flag -timeout: parse error')
    new = _apply_flags(Prefs(), flags)      # up sets every pref: unmentioned flags mean defaults
    if ts.configured and not flags.get("reset"):
        msg = _reverts(ts.prefs, new, flags)
        if msg:
            ctx.eprint(msg, end="")
            return 1
    _check_exit_node(ts, new)
    _forwarding_warning(ctx, new.advertise_routes)
    hs = _control(ctx, ts, new.control_url)
    if hs is None:
        return 1
    if ts.server_node not in (None, hs.node.name):
        ts.logged_in, ts.node_id = False, None
    ts.server_node = hs.node.name
    new.want_running = True
    ts.prefs, ts.configured = new, True
    me = ts.me
    if ts.logged_in and me is not None and not me.expired(hs.now) and not flags.get("force-reauth"):
        ts.push_hostinfo()
        return 0
    if "auth-key" in flags:
        # headscale answers a failed registration with RegisterResponse.Error; controlclient makes it a
        # UserVisibleError, ipnlocal an ipn.Notify ErrMessage, and up.go's fatalf prints it and exits 1
        try:
            key = hs.use_key(flags["auth-key"])
        except HeadscaleError as exc:
            ctx.eprint(f"backend error: {exc.message}")
            return 1
        try:
            node = hs.add_node(ctx.node.name, ts.hostname, ts.machine_key, hs.derive("nodekey"), key.user_id,
                               key.ephemeral)
        except HeadscaleError as exc:          # the IP allocator: createAndSaveNewNode's error, wrapped
            ctx.eprint(f"backend error: {REGISTER_WITH_KEY}creating new node: {exc.message}")
            return 1
        key.used = True
        ts.registered(node)
        return 0
    reg = hs.registration_id()
    hs.pending[reg] = (ctx.node.name, ts.hostname, ts.machine_key)
    hs.log_registration(reg)
    ts.auth_url = f"{hs.server_url}/register/{reg}"
    ts.logged_in = False
    ts.apply()
    ctx.eprint(f"\nTo authenticate, visit:\n\n\t{ts.auth_url}\n")
    return _wait_for_login(ctx, ts, timeout)


def _wait_for_login(ctx: Context, ts: Tailscaled, timeout: float) -> int:
    """up.go now waits until the node runs (an admin registered it), --timeout long (0: for ever).

    With --timeout simnet waits in the foreground as the real client does, and times out with its
    error unless something registers the node meanwhile. Without it the wait would need another
    terminal: the registration happens on the VPS, and a blocked simnet shell (or lab.run) has no
    second one. So simnet hands the waiting `tailscale up` to a background job, says so in German,
    and `fg` (or the job's result) shows "Success." once `headscale nodes register` ran. As a
    background job from the start (`tailscale up … &`, lab.start) it simply waits."""
    sim = ctx.node.sim
    end = sim.now + timeout if timeout > 0 else None
    timed_out = ('timeout waiting for Tailscale service to enter a Running state; check health with '
                 '"tailscale status"')
    if end is not None and ctx.job is None:
        sim.run(until=end, stop=lambda: ts.logged_in)
        if ts.logged_in:
            ctx.eprint("Success.")
            return 0
        ctx.eprint(timed_out)
        return 1
    job = ctx.job
    if job is None:
        from simnet.jobs import Job

        job = Job(ctx.lab, ctx.node.name, " ".join(ctx.argv), len(ctx.lab.jobs) + 1)
        ctx.lab.jobs.append(job)
        ctx.eprint(f"simnet: „tailscale up“ wartet als Job [{job.number}] im Hintergrund auf die Registrierung, "
                   "damit du weitertippen kannst. Registriere den Knoten am VPS; „fg“ zeigt dann „Success.“.")
        say = job.stderr.append
    else:
        def say(text: str) -> None:
            ctx.eprint(text, end="")

    def stop() -> int:
        if ts.logged_in:
            say("Success.\n")
            return 0
        if end is not None and sim.now >= end:
            say(timed_out + "\n")
            return 1
        say("context canceled\n")         # Ctrl+C: the watch's context ends, up returns its error
        return 1

    done = (lambda: ts.logged_in or sim.now >= end) if end is not None else (lambda: ts.logged_in)
    if ctx.job is None:
        job.attach(done, stop)
        return 0
    ctx.deferred = (done, stop)
    return 0


def cmd_set(ctx: Context, args: list[str]) -> int:
    parsed = _daemon_and_flags(ctx, args, SET_FLAGS)
    if parsed is None:
        return 1
    ts, flags = parsed
    new = _apply_flags(ts.prefs, flags)
    _check_exit_node(ts, new)
    if "advertise-routes" in flags or "advertise-exit-node" in flags:
        _forwarding_warning(ctx, new.advertise_routes)
    ts.prefs = new
    ts.push_hostinfo()
    return 0


def cmd_down(ctx: Context, args: list[str]) -> int:
    ts = _daemon(ctx)
    if ts is None:
        return 1
    parse_flags(args, {"accept-risk": "str", "reason": "str"})
    ts.prefs.want_running = False
    tailnet_of(ctx.lab).sync()
    return 0


def cmd_logout(ctx: Context, args: list[str]) -> int:
    ts = _daemon(ctx)
    if ts is None:
        return 1
    parse_flags(args, {"reason": "str"})
    me, hs = ts.me, ts.server
    if me is not None and hs is not None:
        me.expiry = hs.now
        hs.set_online(me, False)
    ts.logged_in = False
    ts.auth_url = None
    ts.prefs.want_running = False
    tailnet_of(ctx.lab).sync()
    return 0
