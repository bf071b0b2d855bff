"""IPv6 in the kernel model: addresses (addrconf), the IPv6 FIB, and helpers.

Kept apart from the IPv4 modules so the IPv4 hot path does not pay for it:
a node reaches everything here through ``node.ip6`` (:class:`~simnet.kernel.ipv6.addrconf.Addrconf`).
"""
