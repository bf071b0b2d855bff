"""getaddrinfo's choice between a name's IPv4 and IPv6 addresses (glibc 2.36).

A name with an A and an AAAA record gives a program both; which one it uses
first decides whether ``ping vpn.example.net`` pings over IPv4 or IPv6:

- ``AI_ADDRCONFIG`` (iputils ping asks for it): IPv6 results only when the host
  has an IPv6 address other than loopback and link-local; without one even
  ``ping -6`` gets "Address family for hostname not supported".
- RFC 6724 rule 1 (glibc connects a UDP socket to every result): an address the
  host has no route to is unusable and sorted last, so a host with a global IPv6
  address but no IPv6 default route still pings over IPv4.
- Otherwise IPv6 comes first (rule 6: ``::/0`` has precedence 40, IPv4 35).

curl asks without AI_ADDRCONFIG and tries the other family when the first fails
(happy eyeballs), so only its ``-6``/``-4`` and ``-v`` show the choice.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing (issue 20: cold start)

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.services.dns import Lookup

__all__ = ["Resolved", "resolve_both", "has_global6", "usable6", "internet6", "order", "FALLBACK_DELAY"]


@dataclass
class Resolved:
    """A name's addresses as DNS gave them: ``status`` NOERROR, NXDOMAIN or a failure."""

    status: str
    v4: IPv4Address | None = None
    v6: IPv6Address | None = None
    canonical: str = ""
    lookups: tuple["Lookup", ...] = ()

    @property
    def exists(self) -> bool:
        return self.v4 is not None or self.v6 is not None or self.status == "NOERROR"


def has_global6(node: "Node") -> bool:
    """AI_ADDRCONFIG's test (__check_pf): an IPv6 address that is neither loopback nor link-local."""
    for iface in node.interfaces.values():
        if iface.is_loopback:
            continue
        for a in iface.addresses6:
            if not a.ip.is_link_local and not a.ip.is_loopback and "dadfailed" not in a.flags:
                return True
    return False


def usable6(node: "Node", addr: IPv6Address) -> bool:
    """RFC 6724 rule 1 as glibc checks it: connect() finds a route and a source address."""
    from simnet.kernel.ipv6.source import RouteError6

    try:
        _, src = node.ip6.stack.route(addr)
    except RouteError6:
        return False
    return src is not None and not src.is_link_local


# glibc asks the A and the AAAA question at once (one round trip), simnet too; it leaves the AAAA
# question out where its answer cannot matter (fewer packets, same outcome): a host without an
# IPv6 address, or without an IPv6 route into the global unicast space (a default route, the exit node's)
PROBE6 = IPv6Address("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe")


def internet6(node: "Node") -> bool:
    """Could an AAAA answer change the choice here (see PROBE6)?"""
    return has_global6(node) and usable6(node, PROBE6)


def resolve_both(node: "Node", name: str) -> Resolved:
    """The A and AAAA records of ``name`` through the search list (the road's resolver or a LAN's)."""
    from simnet.services.dns import lookup_search

    found = lookup_search(node, name, also="AAAA")      # A and AAAA at once, as glibc asks
    if found is None:
        return Resolved("NXDOMAIN")
    look, asked = found
    v4 = next((a for a in look.addresses if a.version == 4), None) if look.ok else None
    six = look.six
    if look.status not in ("NOERROR", "NXDOMAIN"):
        return Resolved(look.status, lookups=(look,))
    if look.status == "NXDOMAIN":
        return Resolved("NXDOMAIN", lookups=(look,))
    v6 = next((a for a in six.addresses if a.version == 6), None) if six is not None and six.ok else None
    return Resolved("NOERROR", v4, v6, asked, (look,))  # type: ignore[arg-type]


FALLBACK_DELAY = 0.25      # curl waits 200 ms, Go 300 ms, before the other family starts


def order(node: "Node", v4: IPv4Address, six: "Lookup | None",
          family: int) -> tuple[IPv4Address | IPv6Address, IPv4Address | IPv6Address | None]:
    """The address a client connects to first and the one it falls back to (curl, Go): IPv6 first
    when the host can reach it, IPv4 after FALLBACK_DELAY or a quick refusal. Its AAAA
    question (``six``, asked beside the A question) is asked only where it can matter
    (:func:`internet6`): elsewhere the IPv6 connect fails at once with "Network is unreachable"
    and the IPv4 address is used as before."""
    if family or six is None:
        return v4, None
    found: list[IPv4Address | IPv6Address] = list(six.addresses) if six.ok else []
    v6 = next((a for a in found if isinstance(a, IPv6Address)), None)
    if v6 is None:
        return v4, None
    # an IPv6 address without a route fails at once beside the IPv4 attempt: only IPv4 counts
    return (v6, v4) if usable6(node, v6) else (v4, None)
