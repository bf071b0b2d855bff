"""What the kernel and the tools may ask of a daemon in ``node.services``.

Daemons live above the kernel (nginx, headscale, tailscaled, sshd, radvd, the nftables unit),
but boot, ``ss``, ``systemctl`` and a reboot need the same three facts of each of them: does it
run, since when, and which sockets does it listen on. They ask through this protocol instead of
``getattr(svc, "running", False)`` on whatever object the dict holds.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Service", "Listening"]

Listening = tuple[str, str, int, str, int]      # (proto, address, port, process, pid), as ``ss -lnp`` lists it


@runtime_checkable
class Service(Protocol):
    """A daemon systemd starts and stops. ``started_at`` is simulated time (seconds)."""

    running: bool
    started_at: float

    def listening(self) -> list[Listening]:
        """The sockets it listens on now (none while it is stopped)."""
        ...
