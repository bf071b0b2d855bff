"""``dhclient`` (ISC 4.4.3-P1 on Debian 12): get, renew and release a DHCP lease.

    dhclient -v eth0      DORA in the foreground, then the daemon keeps the lease
    dhclient -r eth0      DHCPRELEASE, the address goes (``Killed old client process``)
    dhclient -x           stop the daemon, keep the address
    dhclient -1 eth0      try once: without an offer ``Unable to obtain a lease on first try.  Exiting.`` (2)

All of it goes to stderr, as the real one prints it with ``-v``; the protocol
is :mod:`simnet.services.dhclient`.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from ipaddress import IPv4Address

from simnet.commands.base import Context
from simnet.services.dhclient import BANNER, TIMEOUT, Client, client_of, daemon_logger

__all__ = ["main", "run_dhclient"]

USAGE = ("Usage: dhclient [-4|-6] [-SNTPRI1dvrxi] [-nw] -4o6 <port>] [-p <port>] [-D LL|LLT]\n"
         "                [--dad-wait-time <seconds>] [--prefix-len-hint <length>]\n"
         "                [--decline-wait-time <seconds>]\n                [--address-prefix-len <length>]\n"
         "                [-s server-addr] [-cf config-file]\n                [-df duid-file] [-lf lease-file]\n"
         "                [-pf pid-file] [--no-pid] [-e VAR=val]\n                [-sf script-file] [interface]*\n"
         "       dhclient {--version|--help|-h}")
WITH_VALUE = {"-pf", "-lf", "-cf", "-sf", "-df", "-s", "-p", "-e", "-D"}
DEFAULT_LEASES = "/var/lib/dhcp/dhclient.leases"
GIVE_UP = ("\nIf you think you have received this message due to a bug rather\n"
           "than a configuration issue please read the section on submitting\n"
           "bugs on either our web page at www.isc.org or in the README file\n"
           "before submitting a bug.  These pages explain the proper\n"
           "process and the information we find helpful for debugging.\n\nexiting.")


def recorded_lease(ctx: Context, leasefile: str, dev: str) -> IPv4Address | None:
    """The newest unexpired lease for ``dev`` in the lease file (dhclient reads it at start)."""
    text = ctx.node.files.get(leasefile, "")
    found = None
    for block in re.findall(r"lease \{(.*?)\n\}", text, re.S):
        if f'interface "{dev}";' not in block:
            continue
        ip = re.search(r"fixed-address ([\d.]+);", block)
        end = re.search(r"expire \d (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d);", block)
        if not ip or not end:
            continue
        expires = datetime.strptime(end.group(1), "%Y/%m/%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
        found = IPv4Address(ip.group(1)) if expires > ctx.node.wallclock() else None
    return found


def main(ctx: Context) -> int:
    return run_dhclient(ctx, list(ctx.args))


def run_dhclient(ctx: Context, args: list[str]) -> int:
    verbose = once = release = stop = duid = False
    leasefile = DEFAULT_LEASES
    devs: list[str] = []
    while args:
        a = args.pop(0)
        if a in WITH_VALUE:
            if not args:
                ctx.eprint(USAGE)
                return 1
            value = args.pop(0)
            if a == "-lf":
                leasefile = ctx.abspath(value)
        elif a == "-v":
            verbose = True
        elif a == "-1":
            once = True
        elif a == "-r":
            release = True
        elif a == "-x":
            stop = True
        elif a == "-i":                     # a DUID as client identifier (ifupdown passes it)
            duid = True
        elif a in ("-4", "-d", "-q", "-nw", "-I", "-w", "--no-pid"):
            continue
        elif a in ("--version",):
            ctx.eprint("isc-dhclient-4.4.3-P1")
            return 0
        elif a in ("-h", "--help"):
            ctx.eprint(USAGE)
            return 0
        elif a.startswith("-"):
            ctx.eprint(f"Unknown command: {a}\n{USAGE}")
            return 1
        else:
            devs.append(a)
    node = ctx.node
    if release or stop:
        return _end(ctx, devs, leasefile, verbose, release)
    if not devs:
        devs = [i.name for i in node.interfaces.values() if not i.is_loopback][:1]
    if verbose:
        ctx.eprint(BANNER)
    for dev in devs:
        if dev not in node.interfaces:
            ctx.eprint(f'Cannot find device "{dev}"\nFailed to get interface index: No such device\n{GIVE_UP}')
            return 1
    status = 0
    for dev in devs:
        iface = node.interfaces[dev]
        if not iface.admin_up:                    # dhclient brings the link up itself
            node.link_set(dev, True)
        if verbose:
            ctx.eprint(f"Listening on LPF/{dev}/{iface.mac}\nSending on   LPF/{dev}/{iface.mac}")
    if verbose:
        ctx.eprint("Sending on   Socket/fallback")
    if duid and "default-duid" not in node.files.get(leasefile, ""):
        text = _duid(ctx, node.interfaces[devs[0]].mac.value.to_bytes(6, "big"))
        if verbose:
            ctx.eprint(f'Created duid "{text}".')
        node.files[leasefile] = f'default-duid "{text}";\n' + node.files.get(leasefile, "")
    for dev in devs:
        status = max(status, _obtain(ctx, dev, leasefile, verbose, once))
    return status


def _duid(ctx: Context, mac: bytes) -> str:
    """A DUID-LLT (type 1, hardware 1, seconds since 2000, the MAC) the way dhclient prints it."""
    seconds = int(ctx.node.wallclock() - 946684800) & 0xFFFFFFFF
    raw = b"\x00\x01\x00\x01" + seconds.to_bytes(4, "big") + mac
    return "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else f"\\{b:03o}" for b in raw)


def _obtain(ctx: Context, dev: str, leasefile: str, verbose: bool, once: bool) -> int:
    node = ctx.node
    say = (lambda text: ctx.eprint(text)) if verbose else (lambda text: None)
    client = Client(node, dev, leasefile, say)
    clients = node.services.setdefault("dhclient", {})
    old = clients.get(dev)
    clients[dev] = client
    client.start(recorded_lease(ctx, leasefile, dev))
    limit = node.sim.now + TIMEOUT + 30
    node.sim.run(until=limit, stop=lambda: client.state in ("BOUND", "FAILED"))
    ctx.journeys.extend(client.journeys)
    if old is not None and old is not client and old.lease is None:
        old.stop()
    if client.state == "BOUND":
        client.say = daemon_logger(node, lambda: client.pid)
        return 0
    if once:
        say("Unable to obtain a lease on first try.  Exiting.")
        client.stop()
        return 2
    say("No working leases in persistent database - sleeping.")
    client.say = daemon_logger(node, lambda: client.pid)
    client._later(300.0, client._init)          # the daemon tries again later
    return 0


def _end(ctx: Context, devs: list[str], leasefile: str, verbose: bool, release: bool) -> int:
    """-r and -x: the running daemon is killed first; -r then releases the lease."""
    node = ctx.node
    clients = node.services.get("dhclient") or {}
    targets = devs or list(clients)
    running = [clients[d] for d in targets if d in clients]
    if running:
        ctx.eprint("Killed old client process")
    if not release:
        for c in running:
            c.stop()
        return 0
    if verbose:
        ctx.eprint(BANNER)
        for dev in targets or devs:
            iface = node.interfaces.get(dev)
            if iface is not None:
                ctx.eprint(f"Listening on LPF/{dev}/{iface.mac}\nSending on   LPF/{dev}/{iface.mac}")
        ctx.eprint("Sending on   Socket/fallback")
    say = (lambda text: ctx.eprint(text)) if verbose else (lambda text: None)
    for dev in targets:
        client = clients.get(dev)
        if client is None:
            continue
        client.say = say
        client.release()
        node.sim.run(until=node.sim.now + 0.01)
        ctx.journeys.extend(client.journeys[-1:])
    return 0
