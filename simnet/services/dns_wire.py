"""DNS messages as bytes on the wire would have them: their size, and the line tcpdump 4.99 prints
for them (print-domain.c without -v).

A query is header (12) + question (the name's labels, 4 for type and class) + an OPT record when
the asker uses EDNS: dig sends one with a cookie (23 bytes), host, nslookup and glibc's stub
resolver send none. A server echoes an OPT (11 bytes, no cookie from dnsmasq) only to an EDNS
query. So ``host -t A vpn.example.net`` is ``A? vpn.example.net. (33)`` and its answer
``1/0/0 A 198.51.100.10 (49)``; dig's is ``[1au] A? … (56)`` and ``1/0/1 … (60)``.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing (tests/test_cold_imports.py)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["wire_name", "rdata_size", "message_size", "tcpdump_text", "dns_body", "EDNS_DIG", "EDNS_REPLY", "RCODE_TEXT"]

EDNS_DIG = 23          # OPT (11) + COOKIE option (4 + 8 client cookie)
EDNS_REPLY = 11        # a bare OPT record
SOA_SIZE = 50          # a zone's SOA in an authority section (as dig's MSG SIZE counts it)
# ns_rcode() of print-domain.c: NOERROR prints nothing
RCODE_TEXT = {"NOERROR": "", "FORMERR": " FormErr", "SERVFAIL": " ServFail", "NXDOMAIN": " NXDomain",
              "NOTIMP": " NotImp", "REFUSED": " Refused"}


def wire_name(name: str) -> int:
    """A domain name's labels with their length bytes and the root's zero byte."""
    name = name.rstrip(".")
    return (sum(len(label) + 1 for label in name.split(".")) if name else 0) + 1


def rdata_size(rtype: str, data: str) -> int:
    if rtype == "A":
        return 4
    if rtype == "AAAA":
        return 16
    if rtype == "MX":
        return 2 + wire_name(data.split()[1])
    if rtype == "TXT":
        return 1 + len(data.strip('"'))
    return wire_name(data)


def message_size(qname: str, records: Any, authority: int = 0, ede: bool = False, edns: int = 0) -> int:
    """Header, question, each answer (its owner a compression pointer), SOAs, the OPT record."""
    size = 12 + wire_name(qname) + 4 + edns + (6 if ede and edns else 0) + SOA_SIZE * authority
    return size + sum(2 + 10 + rdata_size(t, d) for _, _, t, d in records)


def _rr_text(owner: str, rtype: str, data: str, verbose: bool) -> str:
    """ns_rprint: with -v the owner first, then the type and its data (an SOA's data only with -v)."""
    if verbose:
        return f" {_fqdn(owner)}" + _rr_text("", rtype, data, False)
    if rtype == "MX":
        pref, host = data.split()
        return f" MX {_fqdn(host)} {pref}"
    if rtype in ("CNAME", "PTR", "NS"):
        return f" {rtype} {_fqdn(data)}"
    if rtype == "SOA":
        return " SOA"
    return f" {rtype} {data}"


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def tcpdump_text(msg: Any, length: int, verbose: bool = False) -> str:
    """``ID+ [1au] A? name. (LEN)`` for a query, ``ID* 1/0/1 A addr (LEN)`` for an answer."""
    from simnet.services.wire import DnsQuery

    if isinstance(msg, DnsQuery):
        extra = " [1au]" if msg.edns else ""
        return f"{msg.ident}+{extra} {msg.qtype}? {_fqdn(msg.name)} ({length})"
    flags = (getattr(msg, "flags", "") or "").split()
    aa = "*" if "aa" in flags or getattr(msg, "authoritative", False) else ""
    ra = "" if "ra" in flags else "-"
    records = msg.wire_records()
    counts = f" {len(records)}/{msg.authority_count}/{1 if msg.edns else 0}"
    answers = ",".join(_rr_text(o, t, d, verbose) for o, _, t, d in records)
    return f"{msg.ident}{RCODE_TEXT.get(msg.rcode, '')}{aa}{ra}{counts}{answers} ({length})"


def dns_body(udp: Any, body: str, verbose: bool = False) -> str:
    """tcpdump's udp_print hands port 53 to the DNS printer; anything else keeps ``body``. (DNS over
    TCP — dig +tcp — keeps its segment line: tcp_print's decoding of it is not modelled yet.)"""
    from simnet.links.packet import Udp
    from simnet.services.wire import DnsQuery, DnsReply

    if isinstance(udp, Udp) and 53 in (udp.sport, udp.dport) and isinstance(
            getattr(udp, "content", None), (DnsQuery, DnsReply)):
        return tcpdump_text(udp.content, udp.data_len, verbose)
    return body
