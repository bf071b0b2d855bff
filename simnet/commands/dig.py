"""dig, nslookup and host (BIND 9.18 on Debian 12) against the lab's resolvers.

The question travels as a UDP packet to the resolver from /etc/resolv.conf
(or ``@server``); the trace shows its way, and a firewall or missing route
turns into ";; communications error … timed out" just like on a real host.
The layout follows dig's text style (checked against dig 9.18.49 and dnsmasq
2.90): the owner name padded with tabs to column 24, the question to column
32, and ``MSG SIZE`` the size of the DNS message on the wire.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from ipaddress import IPv4Address

from simnet.commands.base import Context
from simnet.services.dns import Lookup, lookup, nameservers, search_candidates
from simnet.services.dns_wire import EDNS_DIG, EDNS_REPLY, message_size
from simnet.services.road import road_of

__all__ = ["dig", "nslookup", "host"]

VERSION = "9.18.33-1~deb12u2-Debian"
RCODE_NUMBER = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3, "REFUSED": 5}
QTYPES = ("A", "AAAA", "MX", "NS", "TXT", "CNAME", "SOA", "PTR", "ANY")
FAILED = ("timeout", "refused", "unreachable")
DISPLAY = ("cmd", "comments", "question", "answer", "authority", "additional", "stats")   # dig's +[no]… switches


def _server(ctx: Context, text: str | None) -> IPv4Address | None:
    if text is None:
        servers = nameservers(ctx.node)
        return servers[0] if servers else IPv4Address("127.0.0.1")
    try:
        return IPv4Address(text)
    except ValueError:
        return None


def _ask(ctx: Context, name: str, server: IPv4Address, tries: int, timeout: float, qtype: str = "A",
         tcp: bool = False, edns: int = 0) -> Lookup:
    """One query; dig's carries an OPT record with a cookie (``edns``), host's and nslookup's none;
    BIND's tools send without DF (IP_PMTUDISC_OMIT on their UDP sockets)."""
    road_of(ctx.lab)
    result = lookup(ctx.node, name, server=server, timeout=timeout, tries=tries, qtype=qtype, tcp=tcp, edns=edns,
                    dont_fragment=False)
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


def reverse(ip: str) -> str | None:
    try:
        return ".".join(reversed(str(IPv4Address(ip)).split("."))) + ".in-addr.arpa"
    except ValueError:
        return None


def _tabs(text: str, column: int) -> str:
    """Text padded with tabs to ``column`` (at least one tab; a space when it is already past)."""
    if len(text) >= column:
        return text + " "
    out, width = text, len(text)
    while width < column:
        out += "\t"
        width = (width // 8 + 1) * 8
    return out


def msg_size(qname: str, records: list[tuple[str, int, str, str]], authority: int, ede: bool) -> int:
    """The answer dig got: the server echoes a bare OPT record to dig's EDNS query."""
    return message_size(qname, records, authority, ede, edns=EDNS_REPLY)


def dig(ctx: Context) -> int:
    name, server_text, short, tries, timeout, qtype = None, None, False, 3, 5.0, "A"
    tcp = False
    show = dict.fromkeys(DISPLAY, True)
    args = list(ctx.args)
    while args:
        a = args.pop(0)
        if a.startswith("@"):
            server_text = a[1:]
        elif a == "+short":
            # as dig 9.18: short form, and of the display only the answer section stays on
            short = True
            show = dict.fromkeys(DISPLAY, False)
            show["answer"] = True
        elif a == "+noshort":
            short = False
        elif a in ("+tcp", "+vc", "+notcp", "+novc"):      # the question over TCP (a connection per try)
            tcp = not a.startswith("+no")
        elif a in ("+all", "+noall"):
            show = dict.fromkeys(DISPLAY, a == "+all")
        elif a.startswith("+no") and a[3:] in DISPLAY or a[1:] in DISPLAY:
            show[a[3:] if a.startswith("+no") else a[1:]] = not a.startswith("+no")
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
        elif a == "-x" and args:
            target = args.pop(0)
            name, qtype = reverse(target) or target, "PTR"
        elif a.upper() in QTYPES:
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
    found = "; (1 server found)\n" if server_text is not None else ""
    result = _ask(ctx, name, server, tries, timeout, qtype, tcp, edns=EDNS_DIG)
    if result.status in FAILED:
        _comm_errors(ctx, result, tries)
        if show["cmd"]:
            ctx.print(f"\n; <<>> DiG {VERSION} <<>> {cmd}\n{found};; global options: +cmd")
        ctx.print(";; no servers could be reached")
        return 9
    fqdn = result.name.rstrip(".") + "."
    records = [(o.rstrip(".") + ".", ttl, t, d) for o, ttl, t, d in result.records
               if qtype == "ANY" or t == qtype or t == "CNAME"]
    reply = result.reply
    flags = reply.flags if reply is not None else "qr rd ra"
    ede = reply.ede if reply is not None else ""
    legacy = reply is None or reply.authority is None
    authority = _soa(fqdn) if legacy and not records else list(reply.authority or ()) if reply else []
    ident = (sum(map(ord, fqdn)) * 40503 + int(ctx.lab.sim.now * 1000)) & 0xFFFF
    comments = show["comments"]
    if show["cmd"]:
        ctx.print()
        ctx.print(f"; <<>> DiG {VERSION} <<>> {cmd}")
        if found:
            ctx.print(found.rstrip("\n"))
        ctx.print(";; global options: +cmd")
    if comments:
        ctx.print(";; Got answer:")
        ctx.print(f";; ->>HEADER<<- opcode: QUERY, status: {result.status}, id: {ident}")
        ctx.print(f";; flags: {flags}; QUERY: 1, ANSWER: {len(records)}, AUTHORITY: {len(authority)}, ADDITIONAL: 1")
        ctx.print()
        ctx.print(";; OPT PSEUDOSECTION:")
        ctx.print("; EDNS: version: 0, flags:; udp: 1232")
        if ede:
            ctx.print(f"; EDE: {ede}")

    def section(title: str, lines: list[str]) -> None:
        if comments:
            ctx.print(f";; {title} SECTION:")
        for line in lines:
            ctx.print(line)
        if comments:
            ctx.print()

    if show["question"]:
        section("QUESTION", [f"{_tabs(';' + fqdn, 32)}IN\t{qtype}"])
    if show["answer"] and records:
        section("ANSWER", [d if short else f"{_tabs(owner, 24)}{ttl}\tIN\t{rtype}\t{d}"
                           for owner, ttl, rtype, d in records])
    if show["authority"] and authority and not short:
        section("AUTHORITY", authority)
    if show["stats"] and not short:
        when = datetime.fromtimestamp(ctx.lab.wallclock(), timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
        ctx.print(f";; Query time: {max(0, round(result.elapsed * 1000))} msec")
        ctx.print(f";; SERVER: {server}#53({server}) ({'TCP' if tcp else 'UDP'})")
        ctx.print(f";; WHEN: {when}")
        ctx.print(f";; MSG SIZE  rcvd: {msg_size(fqdn, records, len(authority), bool(ede))}")
        ctx.print()
    return 0


def _soa(fqdn: str) -> list[str]:
    zone = ".".join(fqdn.rstrip(".").split(".")[-2:]) + "."
    return [f"{_tabs(zone, 24)}1800\tIN\tSOA\tns1.{zone} hostmaster.{zone} 2026011801 7200 3600 1209600 1800"]


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
    rev = reverse(name)
    result = _ask(ctx, rev or name, server, 3, 5.0, "PTR" if rev else "A")
    if result.status in FAILED:
        _comm_errors(ctx, result, 3)
        ctx.print(";; no servers could be reached")
        ctx.print()
        return 1
    if not rev:                  # a reverse lookup prints the answer alone
        ctx.print(f"Server:\t\t{server}")
        ctx.print(f"Address:\t{server}#53")
        ctx.print()
    if result.status != "NOERROR":
        ctx.print(f"** server can't find {result.name}: {result.status}")
        ctx.print()
        return 1
    reply = result.reply
    if reply is None or "aa" not in reply.flags.split():
        ctx.print("Non-authoritative answer:")
    for owner, _, rtype, data in result.records:
        if rtype == "CNAME":
            ctx.print(f"{owner.rstrip('.')}\tcanonical name = {data}")
        elif rtype == "PTR":
            ctx.print(f"{owner.rstrip('.')}\tname = {data}")
        elif rtype == "A":
            ctx.print(f"Name:\t{owner.rstrip('.')}")
            ctx.print(f"Address: {data}")
    if rev:
        ctx.print()
        return 0
    # nslookup asks for AAAA too: its records follow the A records, an empty answer adds
    # nothing, NXDOMAIN its own line
    six = _ask(ctx, name, server, 3, 5.0, "AAAA")
    if six.status not in ("NOERROR",) + FAILED:
        ctx.print(f"** server can't find {six.name}: {six.status}")
        ctx.print()
        return 1
    for owner, _, rtype, data in six.records if six.status == "NOERROR" else ():
        if rtype == "AAAA":
            ctx.print(f"Name:\t{owner.rstrip('.')}")
            ctx.print(f"Address: {data}")
    ctx.print()
    return 0


HOST_LINES = {"A": "{o} has address {d}", "AAAA": "{o} has IPv6 address {d}", "CNAME": "{o} is an alias for {d}",
              "MX": "{o} mail is handled by {d}", "PTR": "{o} domain name pointer {d}", "TXT": '{o} descriptive text {d}'}


def host(ctx: Context) -> int:
    qtype = None
    args: list[str] = []
    rest = list(ctx.args)
    while rest:
        a = rest.pop(0)
        if a == "-t" and rest:
            qtype = rest.pop(0).upper()
        elif not a.startswith("-"):
            args.append(a)
    if not args:
        ctx.eprint("Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n"
                   "            [-R number] [-m flag] [-p port] hostname [server]")
        return 1
    name = args[0]
    server = _server(ctx, args[1] if len(args) > 1 else None)
    if server is None:
        ctx.eprint(f"host: couldn't get address for '{args[1]}': not found")
        return 1
    rev = reverse(name)
    candidates = [rev] if rev else search_candidates(ctx.node, name)
    types = [qtype] if qtype else (["PTR"] if rev else ["A", "AAAA", "MX"])
    result = None
    for candidate in candidates:
        result = _ask(ctx, candidate, server, 2, 5.0, types[0])
        if result.status != "NXDOMAIN":
            break
    assert result is not None
    if len(args) > 1:
        ctx.print(f"Using domain server:\nName: {server}\nAddress: {server}#53\nAliases: \n")
    if result.status in FAILED:
        _comm_errors(ctx, result, 2)
        ctx.print(";; no servers could be reached")
        return 1
    if result.status != "NOERROR":
        ctx.print(f"Host {name.rstrip('.')} not found: {RCODE_NUMBER.get(result.status, 2)}({result.status})")
        return 1
    found = result.name
    results = [result] + [_ask(ctx, found, server, 2, 5.0, t) for t in types[1:]]
    seen: set[tuple[str, str, str]] = set()
    status = 0
    for res in results:
        if res.status in FAILED:
            _comm_errors(ctx, res, 2)
            status = 1
            continue
        if res.status != "NOERROR":         # each further type that fails says so
            ctx.print(f"Host {found} not found: {RCODE_NUMBER.get(res.status, 2)}({res.status})")
            status = 1
        for owner, _, rtype, data in res.records:
            line = HOST_LINES.get(rtype, "{o} has {t} record {d}")
            key = (owner, rtype, data)
            if key not in seen:
                seen.add(key)
                ctx.print(line.format(o=owner.rstrip("."), d=data, t=rtype))
    if qtype and result.status == "NOERROR" and not result.records:
        # host.c printmessage: an explicit -t whose answer section is empty
        ctx.print(f"{found.rstrip('.')} has no {qtype} record")
    return status
