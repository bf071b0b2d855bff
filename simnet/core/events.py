"""A tiny discrete-event core with simulated time, in the spirit of SimPy.

Everything that takes time in simnet (frames on a wire, ARP retries, ping
intervals, ``-W`` timeouts, conntrack expiry) is a callback scheduled on the
lab's :class:`Simulator`. Nothing sleeps for real: ``run`` jumps from event
to event, so a 4-packet ping returns at once but reports plausible times.
"""
from __future__ import annotations

import gc
import heapq
import itertools
import math
from dataclasses import dataclass, field
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any, Callable

from simnet.core.guard import OUTPUT_GRACE, Interrupted, Limits

__all__ = ["Simulator", "Timer"]

# The collector's young-generation threshold while the clock runs (CPython's default: 700). A
# thousand nodes that each come up on the tailnet at the first command leave some hundred thousand
# new objects behind; with the default every 70 000 of them make the collector walk the whole lab
# once more (4 full collections, 40 % of that command, issue 20). Restored when the clock stops.
GC_YOUNG = 10_000


def _gc_relaxed() -> tuple[int, ...] | None:
    """Raise the young threshold to GC_YOUNG; the thresholds to restore, or None (already raised)."""
    was = gc.get_threshold()
    if was[0] >= GC_YOUNG:
        return None
    gc.set_threshold(GC_YOUNG, *was[1:])
    return was


@dataclass(eq=False, slots=True)
class Timer:
    """A scheduled callback; ``cancel()`` makes it a no-op when its time comes."""

    when: float
    callback: Callable[..., Any]
    args: tuple[Any, ...] = field(default_factory=tuple)
    cancelled: bool = False
    # a periodic daemon's timer whose work never touches what a skipping cron measures (radvd's
    # advertisements): it does not stop the lab from counting as idle (simnet.services.road)
    idle: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Simulator:
    """Owns simulated time (seconds) and the queue of pending timers.

    Ties are broken by insertion order, so runs are fully deterministic.
    """

    def __init__(self) -> None:
        self.now = 0.0          # current simulated time in seconds (read it, never write it)
        # (when, seq, timer) for schedule(), (when, seq, None, callback, args) for post()
        self._queue: list[tuple] = []
        self._seq = itertools.count()
        # the guard (simnet.core.guard): unlimited until arm() gives a command line its budget
        self.budget: float = math.inf        # events (and commands) left
        self.deadline: float = math.inf      # simulated time allowed
        self.output_left: float = math.inf   # bytes of output left
        self.tripped: str | None = None      # why the guard pressed Ctrl+C ("events", "time", "output", "sigint")
        self.firing = False                  # inside a timer's callback: never interrupt there
        self.raised = False                  # the program has been told (Interrupted raised once)
        self.caught = False                  # the program caught the learner's Ctrl+C (ping, tcpdump)
        # the clock time the outermost run() was asked to reach: a periodic timer (cron) may skip
        # work whose effect nobody can see before then (simnet.services.road)
        self.horizon = 0.0
        self.idle_fired = 0        # how often an ``idle`` timer's work ran (its owner counts it)

    # ------------------------------------------------------------- guard
    def arm(self, limits: Limits) -> None:
        """Give the next command line its budget."""
        self.budget, self.deadline = limits.events, self.now + limits.seconds
        self.output_left, self.tripped, self.raised, self.caught = limits.output, None, False, False

    def disarm(self) -> str | None:
        """End the budget; returns why it tripped, if it did."""
        tripped = self.tripped
        self.budget = self.deadline = self.output_left = math.inf
        self.tripped = None
        return tripped

    def interrupt(self, kind: str = "sigint") -> None:
        """Press Ctrl+C: the next event (or output, or command) raises :class:`Interrupted`.
        Safe to call from a signal handler."""
        if self.tripped is None:
            self.tripped = kind
            self._budget_left = self.budget
        self.budget = 0

    def absorb_sigint(self) -> bool:
        """bash after a foreground program that caught the learner's Ctrl+C and exited by itself (ping,
        tcpdump): the key press is spent, the rest of the command line runs (bash 5.2's
        child_caught_sigint). True if it was such a press; the guard's trips are never absorbed."""
        if self.tripped != "sigint" or not self.caught:
            return False
        self.tripped, self.raised, self.caught = None, False, False
        self.budget = getattr(self, "_budget_left", self.budget)
        return True

    def catch_sigint(self, kind: str) -> bool:
        """A program that installs a SIGINT handler (ping, tcpdump) was interrupted with ``kind``:
        True for the learner's Ctrl+C, which it survives (its own exit status counts), False for
        the guard, which ends it like a signal."""
        self.caught = kind == "sigint"
        return self.caught

    def charge(self, events: int = 1) -> None:
        """Count a command (or other work outside the event queue) against the budget."""
        self.budget -= events
        if self.budget < 0:
            self.interrupt("events")
            if not self.firing:
                self._raise()

    def charge_output(self, size: int) -> None:
        """Count printed bytes; past the budget the program is interrupted (a summary may follow).
        A Ctrl+C pressed meanwhile also arrives here, so a loop that only prints stops too."""
        self.output_left -= size
        if self.output_left < 0:
            first = self.tripped is None
            self.interrupt("output")
            self.output_left = OUTPUT_GRACE if first else self.output_left
            if not self.firing and (first or self.output_left < 0):
                self._raise()
        elif self.tripped is not None and not self.raised and not self.firing:
            self._raise()

    def _raise(self) -> None:
        self.raised = True
        raise Interrupted(self.tripped or "events")

    def _trip(self, entry: tuple | None, kind: str) -> None:
        if entry is not None:
            heapq.heappush(self._queue, entry)      # the timer stays pending: the lab stays usable
        if self.tripped is None:
            self.tripped = kind
        self.budget = 0
        self._raise()

    def schedule(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` after ``delay`` simulated seconds."""
        if not delay >= 0:      # also refuses NaN, which would break the heap's order
            raise ValueError(f"Negative delay {delay}")
        when = self.now + delay
        timer = Timer(when, callback, args)
        heapq.heappush(self._queue, (when, next(self._seq), timer))
        return timer

    def post(self, delay: float, callback: Callable[..., Any], *args: Any) -> None:
        """Like :meth:`schedule` for callbacks nobody will cancel (a frame on the wire):
        no Timer object is made, which a forwarded packet would otherwise pay on every hop."""
        when = self.now + delay
        heapq.heappush(self._queue, (when, next(self._seq), None, callback, args))

    def peek(self) -> float | None:
        """Time of the next pending timer, or None when idle."""
        while self._queue and self._queue[0][2] is not None and self._queue[0][2].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0][0] if self._queue else None

    def next_busy(self) -> float | None:
        """Time of the next pending entry that is not an ``idle`` timer, or None (a scan: only a
        cron deciding whether to skip asks, once per period)."""
        busy = [e[0] for e in self._queue if e[2] is None or not (e[2].cancelled or e[2].idle)]
        return min(busy) if busy else None

    def step(self) -> bool:
        """Process one timer; return False when the queue is empty."""
        queue = self._queue
        while queue:
            entry = heapq.heappop(queue)
            if entry[2] is not None and entry[2].cancelled:
                continue
            self._fire(entry)
            return True
        return False

    def _fire(self, entry: tuple) -> None:
        """Run one popped queue entry: (when, seq, timer) or, from post(), (when, seq, None, callback, args)."""
        if self.budget <= 0 or entry[0] > self.deadline:
            self._trip(entry, "events" if entry[0] <= self.deadline else "time")
        self.budget -= 1
        self.now = entry[0]
        timer = entry[2]
        outer, self.firing = self.firing, True
        try:
            if timer is None:
                entry[3](*entry[4])
            else:
                timer.callback(*timer.args)
        finally:
            self.firing = outer

    def run_until_alarm(self, done: Callable[[], bool], alarm: Callable[[], float | None]) -> bool:
        """Process timers while ``done()`` is false. Before each timer ``alarm()`` names the
        time the caller must wake up at (or None): if the next timer is not earlier, the clock
        moves to the alarm, timers due by then run, and the result is True. False means done
        or idle. (A command's main loop — ping waiting for answers — in one call per event.)"""
        relaxed = _gc_relaxed()
        try:
            return self._until_alarm(done, alarm)
        finally:
            if relaxed is not None:
                gc.set_threshold(*relaxed)

    def _until_alarm(self, done: Callable[[], bool], alarm: Callable[[], float | None]) -> bool:
        queue = self._queue
        pop = heapq.heappop
        while not done():
            while queue and queue[0][2] is not None and queue[0][2].cancelled:
                pop(queue)
            at = alarm()
            if at is not None and (not queue or queue[0][0] >= at):
                self.run(until=at)
                return True
            if not queue:
                return False
            self._fire(pop(queue))
        return False

    def run(self, until: float | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Process timers until ``until`` (absolute time), until ``stop()`` is true, or idle.

        When ``until`` is given the clock ends exactly there, even if idle earlier.
        Past the guard's deadline the clock stops there and :class:`Interrupted` is raised.
        """
        if until is not None and until > self.deadline:
            self.run(self.deadline, stop)
            if stop is None or not stop():
                self._trip(None, "time")
            return
        if self.firing:          # a timer's own wait (cron's curl) does not move the horizon
            self._run(until, stop)
            return
        outer, self.horizon = self.horizon, (math.inf if until is None else until)
        relaxed = _gc_relaxed()
        try:
            self._run(until, stop)
        finally:
            self.horizon = outer
            if relaxed is not None:
                gc.set_threshold(*relaxed)

    def _run(self, until: float | None, stop: Callable[[], bool] | None) -> None:
        while True:
            if stop is not None and stop():
                return
            nxt = self.peek()
            if nxt is None or (until is not None and nxt > until):
                break
            self.step()
        if until is not None and until > self.now:
            self.now = until

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass, processing everything due."""
        if not 0 <= seconds < math.inf:
            raise ValueError(f"Cannot advance by {seconds} seconds")
        self.run(until=self.now + seconds)
