"""The kernel's rate limit for ICMP errors (icmpv4_xrlim_allow, inet_peer_xrlim_allow).

A Linux host does not answer every bad packet: per destination address it keeps
a token bucket in milliseconds. A new peer starts full with six errors'
worth (``6 × net.ipv4.icmp_ratelimit``), every error costs one
``icmp_ratelimit`` (1000 ms), and the bucket refills with the time that
passes. A packet the router has no route for pays twice from the same
bucket: once in ip_error (cost 1 s, at most 5 s saved) and once more when
the "unreachable" is sent. So a router answers a burst of six "Time to live exceeded" or
"Destination Unreachable" to one host and then one per second — which is
why a second traceroute right after the first can show ``* * *`` where the
first showed the router.

Only the types in ``net.ipv4.icmp_ratemask`` are limited (default 6168:
destination unreachable, source quench, time exceeded, parameter problem),
never "fragmentation needed" and never errors that go out over loopback.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

__all__ = ["IcmpRateLimiter", "DEFAULT_RATEMASK", "BURST_FACTOR"]

DEFAULT_RATEMASK = 6168      # 1<<3 | 1<<4 | 1<<11 | 1<<12
BURST_FACTOR = 6             # XRLIM_BURST_FACTOR
ROUTE_ERROR_COST = 1000      # ip_rt_error_cost (HZ), in ms
ROUTE_ERROR_BURST = 5000     # ip_rt_error_burst (5 * HZ)
NR_ICMP_TYPES = 18
FRAG_NEEDED = 4


def limited_type(icmp_type: int, code: int, ratemask: int) -> bool:
    """icmpv4_mask_allow, inverted: does the rate limit apply to this message at all?"""
    if icmp_type > NR_ICMP_TYPES:
        return False
    if icmp_type == 3 and code == FRAG_NEEDED:
        return False
    return bool((1 << icmp_type) & ratemask)


class IcmpRateLimiter:
    """One token bucket per destination address (the kernel's inet_peer entries)."""

    def __init__(self) -> None:
        self._peers: dict[IPv4Address | IPv6Address, tuple[float, float]] = {}   # address -> (tokens ms, last ms)

    def allow(self, dst: IPv4Address | IPv6Address, now_ms: float, timeout_ms: int, cap: int | None = None) -> bool:
        """inet_peer_xrlim_allow: take one token for ``dst`` if there is one.

        ``cap`` is the most the bucket holds (``6 × timeout`` unless ip_error asks
        with its own burst): both draw from the same inet_peer.
        """
        if timeout_ms <= 0:
            return True
        if cap is None:
            cap = BURST_FACTOR * timeout_ms
        peer = self._peers.get(dst)
        if peer is None:
            tokens = float(cap)            # rate_last = now - 60 s: a new peer is full
        else:
            tokens = min(cap, peer[0] + (now_ms - peer[1]))
        ok = tokens >= timeout_ms
        if ok:
            tokens -= timeout_ms
        self._peers[dst] = (tokens, now_ms)
        return ok

    def clear(self) -> None:
        self._peers.clear()
