"""dig, nslookup and host (BIND 9.18 on Debian 12) against the lab's resolver.

The question travels as a UDP packet to the resolver from /etc/resolv.conf
(or ``@server``); the trace shows its way, and a firewall or missing route
turns into ";; communications error … timed out" just like on a real host.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from ipaddress import IPv4Address

from simnet.commands.base import Context
from simnet.services.dns import Lookup, lookup, nameservers
from simnet.services.road import road_of

__all__ = ["dig", "nslookup", "host"]

VERSION = "9.18.33-1~deb12u2-Debian"
RCODE_NUMBER = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3, "REFUSED": 5}


def _server(ctx: Context, text: str | None) -> IPv4Address | None:
    if text is None:
        servers = nameservers(ctx.node)
        return servers[0] if servers else IPv4Address("127.0.0.1")
    try:
        return IPv4Address(text)
    except ValueError:
        return None


def _ask(ctx: Context, name: str, server: IPv4Address, tries: int, timeout: float) -> Lookup:
    road_of(ctx.lab)
    result = lookup(ctx.node, name, server=server, timeout=timeout, tries=tries)
    ctx.journeys.extend(result.journeys)
    return result


def _comm_errors(ctx: Context, result: Lookup, tries: int) -> None:
    why = "timed out" if result.status == "timeout" else (
        "connection refused" if result.status == "refused" else "network unreachable")
    for _ in range(tries if result.status == "timeout" else 1):
        ctx.print(f";; communications error to {result.server}#53: {why}")


def _uint_option(ctx: Context, desc: str, value: str, limit: int) -> int | None:
    """dig's parse_uint(): a decimal uint32 not above ``limit`` (MAXTRIES - 1, MAXTIMEOUT)."""
    if not re.fullmatch(r"[0-9]{1,10}", value):
        problem = "out of range" if re.fullmatch(r"[0-9]+", value) else "not a valid number"
    else:
        problem = "out of range" if int(value) > limit else ""
    if not problem:
        return int(value)
    ctx.print(f"invalid {desc} '{value}': {problem}")
    ctx.eprint(f"dig: Couldn't parse {'tries' if desc == 'tries' else 'timeout'}")
    return None


def dig(ctx: Context) -> int:
    name, server_text, short, tries, timeout, qtype = None, None, False, 3, 5.0, "A"
    for a in ctx.args:
        if a.startswith("@"):
            server_text = a[1:]
        elif a == "+short":
            short = True
        elif a.startswith(("+tries=", "+time=")):
            desc, limit = ("tries", 0xFFFFFFFE) if a.startswith("+tries=") else ("timeout", 0xFFFF)
            value = _uint_option(ctx, desc, a.split("=", 1)[1], limit)
            if value is None:
                return 1
            if desc == "tries":
                tries = max(1, value)
            else:
                timeout = float(max(1, value))
        elif a.startswith("+"):
            continue
        elif a.upper() in ("A", "AAAA", "MX", "NS", "TXT", "CNAME", "SOA", "ANY"):
            qtype = a.upper()
        elif a in ("-4", "-6"):
            continue
        elif a.startswith("-"):
            ctx.eprint(f"Invalid option: {a}")
            ctx.eprint("Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}")
            return 1
        elif name is None:
            name = a
    name = name or "."
    server = _server(ctx, server_text)
    if server is None:
        ctx.eprint(f"dig: couldn't get address for '{server_text}': not found")
        return 10
    cmd = " ".join(ctx.args)
    result = _ask(ctx, name, server, tries, timeout)
    if result.status in ("timeout", "refused", "unreachable"):
        _comm_errors(ctx, result, tries)
        if not short:
            ctx.print(f"\n; <<>> DiG {VERSION} <<>> {cmd}\n;; global options: +cmd")
        ctx.print(";; no servers could be reached")
        if not short:
            ctx.print()
        return 9
    fqdn = result.name.rstrip(".") + "."
    answers = [(n, ttl, a) for n, ttl, a in result.answers] if qtype in ("A", "ANY") else []
    if short:
        for _, _, a in answers:
            ctx.print(a)
        return 0
    ident = (sum(map(ord, fqdn)) * 40503 + int(ctx.lab.sim.now * 1000)) & 0xFFFF
    status = result.status
    authority = [] if answers else _soa(fqdn)
    ctx.print()
    ctx.print(f"; <<>> DiG {VERSION} <<>> {cmd}")
    ctx.print(";; global options: +cmd")
    ctx.print(";; Got answer:")
    ctx.print(f";; ->>HEADER<<- opcode: QUERY, status: {status}, id: {ident}")
    ctx.print(f";; flags: qr rd ra; QUERY: 1, ANSWER: {len(answers)}, AUTHORITY: {len(authority)}, ADDITIONAL: 1")
    ctx.print()
    ctx.print(";; OPT PSEUDOSECTION:")
    ctx.print("; EDNS: version: 0, flags:; udp: 1232")
    ctx.print(";; QUESTION SECTION:")
    ctx.print(f";{fqdn}\t\t\tIN\t{qtype}")
    ctx.print()
    if answers:
        ctx.print(";; ANSWER SECTION:")
        for n, ttl, a in answers:
            ctx.print(f"{n.rstrip('.')}.\t\t{ttl}\tIN\tA\t{a}")
        ctx.print()
    if authority:
        ctx.print(";; AUTHORITY SECTION:")
        for line in authority:
            ctx.print(line)
        ctx.print()
    epoch = float(ctx.lab.meta.get("epoch", 0.0))
    when = datetime.fromtimestamp(epoch + ctx.lab.sim.now, timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
    ctx.print(f";; Query time: {max(0, round(result.elapsed * 1000))} msec")
    ctx.print(f";; SERVER: {server}#53({server}) (UDP)")
    ctx.print(f";; WHEN: {when}")
    ctx.print(f";; MSG SIZE  rcvd: {len(fqdn) + 29 + 16 * len(answers) + 50 * len(authority)}")
    ctx.print()
    return 0


def _soa(fqdn: str) -> list[str]:
    zone = ".".join(fqdn.rstrip(".").split(".")[-2:]) + "."
    return [f"{zone}\t\t1800\tIN\tSOA\tns1.{zone} hostmaster.{zone} 2026011801 7200 3600 1209600 1800"]


def nslookup(ctx: Context) -> int:
    args = [a for a in ctx.args if not a.startswith("-")]
    if not args:
        ctx.eprint("simnet: nslookup ohne Argumente (interaktiv) gibt es hier nicht; nslookup NAME [SERVER]")
        return 1
    name = args[0]
    server = _server(ctx, args[1] if len(args) > 1 else None)
    if server is None:
        ctx.print(f";; Got SERVFAIL reply from {args[1]}, trying next server")
        return 1
    result = _ask(ctx, name, server, 3, 5.0)
    if result.status in ("timeout", "refused", "unreachable"):
        _comm_errors(ctx, result, 3)
        ctx.print(";; no servers could be reached")
        ctx.print()
        return 1
    ctx.print(f"Server:\t\t{server}")
    ctx.print(f"Address:\t{server}#53")
    ctx.print()
    if not result.ok:
        ctx.print(f"** server can't find {result.name}: {result.status}")
        ctx.print()
        return 1
    ctx.print("Non-authoritative answer:")
    for n, _, a in result.answers:
        ctx.print(f"Name:\t{n}")
        ctx.print(f"Address: {a}")
    ctx.print()
    return 0


def host(ctx: Context) -> int:
    args = [a for a in ctx.args if not a.startswith("-")]
    if not args:
        ctx.eprint("Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n"
                   "            [-R number] [-m flag] [-p port] hostname [server]")
        return 1
    name = args[0]
    server = _server(ctx, args[1] if len(args) > 1 else None)
    if server is None:
        ctx.eprint(f"host: couldn't get address for '{args[1]}': not found")
        return 1
    # host, unlike dig, completes a name with fewer dots than ndots (1) from the search list first
    from simnet.services.dns import search_domains

    tries = [f"{name}.{d}" for d in search_domains(ctx.node)] if "." not in name else []
    for candidate in tries + [name]:
        result = _ask(ctx, candidate, server, 2, 5.0)
        if result.ok or result.status in ("timeout", "refused", "unreachable"):
            break
    if len(args) > 1:
        ctx.print(f"Using domain server:\nName: {server}\nAddress: {server}#53\nAliases: \n")
    if result.status in ("timeout", "refused", "unreachable"):
        _comm_errors(ctx, result, 2)
        ctx.print(";; no servers could be reached")
        return 1
    if not result.ok:
        ctx.print(f"Host {result.name} not found: {RCODE_NUMBER.get(result.status, 2)}({result.status})")
        return 1
    for n, _, a in result.answers:
        ctx.print(f"{n} has address {a}")
    return 0
