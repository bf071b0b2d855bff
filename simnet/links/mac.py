"""Ethernet MAC addresses: an immutable value type and the lab's stable assignment.

Labs must be deterministic, so a node's interface always gets the same MAC:
it is derived from the node and interface name, as a locally administered
unicast address (first octet 0x02).
"""
from __future__ import annotations

from dataclasses import dataclass

from simnet.core.digest import sha256

__all__ = ["MacAddress", "mac_for", "BROADCAST"]


@dataclass(frozen=True, slots=True, order=True)
class MacAddress:
    """A 48-bit Ethernet address stored as an int; ``str`` gives ``aa:bb:cc:dd:ee:ff``."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << 48:
            raise ValueError(f"MAC address {self.value!r} does not fit into 48 bits")

    @classmethod
    def parse(cls, text: str) -> "MacAddress":
        """Parse ``aa:bb:cc:dd:ee:ff`` (case-insensitive)."""
        parts = text.split(":")
        if len(parts) != 6 or not all(len(p) in (1, 2) for p in parts):
            raise ValueError(f"Expected 6 colon-separated octets in {text!r}")
        try:
            octets = [int(p, 16) for p in parts]
        except ValueError:
            raise ValueError(f"Only hexadecimal octets are permitted in {text!r}") from None
        return cls(int.from_bytes(bytes(octets), "big"))

    @property
    def is_broadcast(self) -> bool:
        return self.value == (1 << 48) - 1

    def __str__(self) -> str:
        return ":".join(f"{b:02x}" for b in self.value.to_bytes(6, "big"))

    def __repr__(self) -> str:
        return f"MacAddress.parse({str(self)!r})"


BROADCAST = MacAddress((1 << 48) - 1)


def mac_for(node: str, interface: str) -> MacAddress:
    """The stable MAC of ``node``'s ``interface``: 02: followed by 5 bytes of a SHA-256."""
    digest = sha256(f"{node}/{interface}".encode()).digest()
    return MacAddress(int.from_bytes(b"\x02" + digest[:5], "big"))
