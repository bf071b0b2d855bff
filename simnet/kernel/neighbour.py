"""The neighbour (ARP) table with the kernel's states and timers.

States as ``ip neigh`` shows them: INCOMPLETE while asking, REACHABLE after an
answer, STALE when the confirmation is old, DELAY/PROBE while re-checking a
stale entry that is used, FAILED after ``mcast_solicit`` unanswered requests
``retrans_time`` apart, PERMANENT for static entries. Packets waiting for an
answer are queued on the entry; when it fails they are dropped and the sender
gets "Destination Host Unreachable".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.mac import MacAddress

IpAddress = IPv4Address | IPv6Address     # ARP (IPv4) and ND (IPv6) share the table code

if TYPE_CHECKING:
    from typing import Any, Callable
    from simnet.core.events import Simulator, Timer

__all__ = ["NeighbourEntry", "NeighbourTable", "ARP_TIMING"]

ARP_TIMING = {
    "retrans_time": 1.0,        # seconds between ARP requests
    "mcast_solicit": 3,         # broadcast requests before FAILED
    "ucast_solicit": 3,         # unicast probes for a stale entry
    "reachable_time": 30.0,     # REACHABLE → STALE (kernel randomises 15–45 s)
    "delay_first_probe": 5.0,   # DELAY → PROBE
    "unres_qlen": 101,          # queued packets per unresolved entry (approx.)
}


@dataclass(eq=False)
class NeighbourEntry:
    """One neighbour table entry (ARP, or ND for IPv6) with its NUD state and timestamps, as ``ip neigh``
    shows it."""

    ip: IpAddress
    dev: str
    state: str = "INCOMPLETE"
    mac: MacAddress | None = None
    probes: int = 0
    updated: float = 0.0
    used: float = 0.0
    confirmed: float = 0.0
    queue: list[Any] = field(default_factory=list)
    timer: "Timer | None" = None
    router: bool = False
    proto: str | None = None

    @property
    def usable(self) -> bool:
        return self.mac is not None and self.state not in ("INCOMPLETE", "FAILED")


class NeighbourTable:
    """Per node. ``send_request(dev, ip, unicast_mac)`` emits ARP; ``transmit(entry, pkt)``
    sends a queued packet; ``fail(entry, pkt)`` reports it undeliverable."""

    def __init__(self, sim: "Simulator", send_request: Callable[[str, Any, MacAddress | None], None],
                 transmit: Callable[[NeighbourEntry, Any], None],
                 fail: Callable[[NeighbourEntry, Any], None]) -> None:
        self.sim = sim
        # keyed by (dev, address as int): hashing an IPv4Address costs three Python calls
        self.entries: dict[tuple[str, int], NeighbourEntry] = {}
        self._send_request = send_request
        self._transmit = transmit
        self._fail = fail

    def get(self, dev: str, ip: IpAddress) -> NeighbourEntry | None:
        return self.entries.get((dev, ip._ip))  # type: ignore[union-attr]

    def all(self) -> list[NeighbourEntry]:
        return list(self.entries.values())

    # --- output path -------------------------------------------------------
    def resolve(self, dev: str, ip: IpAddress, packet: Any) -> NeighbourEntry:
        """Send ``packet`` to ``ip`` on ``dev`` now or once ARP has answered
        (``packet=None`` only starts resolution)."""
        now = self.sim.now
        entry = self.entries.get((dev, ip._ip))  # type: ignore[union-attr]
        if entry is None or entry.state == "FAILED" and not entry.queue:
            if entry is None:
                entry = NeighbourEntry(ip, dev, updated=now)
                self.entries[(dev, ip._ip)] = entry  # type: ignore[union-attr]
            entry.used = now
            if packet is not None:
                # __neigh_event_send queues the packet before the first solicitation, which
                # takes its source address (and, here, its journey) from the queue
                entry.queue.append(packet)
            self._start_incomplete(entry)
            return entry
        entry.used = now
        if packet is None:  # only make sure resolution is under way (neigh_event_send)
            return entry
        if entry.state in ("REACHABLE", "PERMANENT", "NOARP", "DELAY", "PROBE"):
            self._transmit(entry, packet)
        elif entry.state == "STALE":
            self._set_timer(entry, ARP_TIMING["delay_first_probe"], self._delay_expired)
            entry.state = "DELAY"
            entry.updated = now
            self._transmit(entry, packet)
        else:  # INCOMPLETE
            if len(entry.queue) < ARP_TIMING["unres_qlen"]:
                entry.queue.append(packet)
        return entry

    def _start_incomplete(self, entry: NeighbourEntry) -> None:
        entry.state = "INCOMPLETE"
        entry.mac = None
        entry.probes = 1
        entry.updated = self.sim.now
        self._send_request(entry.dev, entry.ip, None)
        self._set_timer(entry, ARP_TIMING["retrans_time"], self._retransmit)

    def _retransmit(self, entry: NeighbourEntry) -> None:
        entry.timer = None
        if entry.state == "INCOMPLETE":
            if entry.probes >= ARP_TIMING["mcast_solicit"]:
                self._failed(entry)
                return
            entry.probes += 1
            self._send_request(entry.dev, entry.ip, None)
            self._set_timer(entry, ARP_TIMING["retrans_time"], self._retransmit)
        elif entry.state == "PROBE":
            if entry.probes >= ARP_TIMING["ucast_solicit"]:
                self._failed(entry)
                return
            entry.probes += 1
            self._send_request(entry.dev, entry.ip, entry.mac)
            self._set_timer(entry, ARP_TIMING["retrans_time"], self._retransmit)

    def _failed(self, entry: NeighbourEntry) -> None:
        entry.state = "FAILED"
        entry.mac = None
        entry.updated = self.sim.now
        queued, entry.queue = entry.queue, []
        for packet in queued:
            self._fail(entry, packet)

    def _delay_expired(self, entry: NeighbourEntry) -> None:
        entry.timer = None
        if entry.state != "DELAY":
            return
        if entry.confirmed >= entry.updated:
            self._reachable(entry)
            return
        entry.state = "PROBE"
        entry.probes = 1
        entry.updated = self.sim.now
        self._send_request(entry.dev, entry.ip, entry.mac)
        self._set_timer(entry, ARP_TIMING["retrans_time"], self._retransmit)

    def _reachable_expired(self, entry: NeighbourEntry) -> None:
        entry.timer = None
        if entry.state == "REACHABLE":
            entry.state = "STALE"
            entry.updated = self.sim.now

    def _reachable(self, entry: NeighbourEntry) -> None:
        entry.state = "REACHABLE"
        entry.updated = entry.confirmed = self.sim.now
        self._set_timer(entry, ARP_TIMING["reachable_time"], self._reachable_expired)

    def _set_timer(self, entry: NeighbourEntry, delay: float, cb: Callable[[NeighbourEntry], None]) -> None:
        if entry.timer is not None:
            entry.timer.cancel()
        entry.timer = self.sim.schedule(delay, cb, entry)

    # --- input path --------------------------------------------------------
    def learn(self, dev: str, ip: IpAddress, mac: MacAddress, solicited: bool) -> None:
        """An ARP packet told us ``ip`` is at ``mac``.

        A reply to our request makes the entry REACHABLE; a request from someone
        else creates or refreshes a STALE entry (as neigh_event_ns does).
        """
        entry = self.entries.get((dev, ip._ip))  # type: ignore[union-attr]
        if entry is None:
            if solicited:
                return
            entry = NeighbourEntry(ip, dev, state="STALE", mac=mac, updated=self.sim.now)
            self.entries[(dev, ip._ip)] = entry  # type: ignore[union-attr]
            return
        if entry.state in ("PERMANENT", "NOARP"):
            return
        if solicited:
            entry.mac = mac
            self._reachable(entry)
            queued, entry.queue = entry.queue, []
            for packet in queued:
                self._transmit(entry, packet)
        else:
            if entry.mac != mac or entry.state in ("INCOMPLETE", "FAILED"):
                was_incomplete = entry.state == "INCOMPLETE"
                entry.mac = mac
                entry.state = "STALE"
                entry.updated = self.sim.now
                if entry.timer is not None:
                    entry.timer.cancel()
                    entry.timer = None
                if was_incomplete:
                    queued, entry.queue = entry.queue, []
                    for packet in queued:
                        self._transmit(entry, packet)

    # --- administration (ip neigh add/del/flush) -------------------------------
    def add_static(self, dev: str, ip: IpAddress, mac: MacAddress | None, state: str = "PERMANENT") -> NeighbourEntry:
        entry = self.entries.get((dev, ip._ip)) or NeighbourEntry(ip, dev)  # type: ignore[union-attr]
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        entry.mac = mac
        entry.state = state
        entry.updated = self.sim.now
        self.entries[(dev, ip._ip)] = entry  # type: ignore[union-attr]
        return entry

    def age(self) -> None:
        """Let a long time pass for the table alone: the re-checks (DELAY, PROBE) ended with an answer,
        and every confirmation is old now, so those entries and the REACHABLE ones are STALE, where the
        kernel leaves an entry nothing uses (the loader's boxes have been up for a while)."""
        for entry in self.entries.values():
            if entry.state in ("DELAY", "PROBE", "REACHABLE") and entry.mac is not None:
                if entry.timer is not None:
                    entry.timer.cancel()
                    entry.timer = None
                entry.state, entry.probes = "STALE", 0

    def remove(self, dev: str, ip: IpAddress) -> bool:
        entry = self.entries.pop((dev, ip._ip), None)  # type: ignore[union-attr]
        if entry and entry.timer:
            entry.timer.cancel()
        return entry is not None

    def flush_dev(self, dev: str) -> None:
        for entry in [e for e in self.entries.values() if e.dev == dev]:
            self.remove(entry.dev, entry.ip)
