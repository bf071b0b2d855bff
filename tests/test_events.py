"""The discrete-event core: order, cancelling, posting, running until a time or an alarm."""
from __future__ import annotations

from simnet.core.events import Simulator


def test_timers_run_in_time_order_ties_in_insertion_order() -> None:
    sim, seen = Simulator(), []
    sim.schedule(2.0, seen.append, "c")
    sim.post(1.0, seen.append, "a")
    sim.schedule(1.0, seen.append, "b")
    sim.run()
    assert seen == ["a", "b", "c"] and sim.now == 2.0


def test_cancelled_timer_does_not_fire_and_peek_skips_it() -> None:
    sim, seen = Simulator(), []
    t = sim.schedule(1.0, seen.append, "x")
    sim.post(3.0, seen.append, "y")
    t.cancel()
    assert sim.peek() == 3.0
    sim.run()
    assert seen == ["y"]


def test_run_until_stops_the_clock_there() -> None:
    sim, seen = Simulator(), []
    sim.post(5.0, seen.append, "late")
    sim.run(until=2.0)
    assert seen == [] and sim.now == 2.0
    sim.advance(3.0)
    assert seen == ["late"] and sim.now == 5.0


def test_run_until_alarm() -> None:
    sim, seen = Simulator(), []
    for t in (1.0, 2.0, 3.0):
        sim.post(t, seen.append, t)
    # done after two events
    assert sim.run_until_alarm(lambda: len(seen) >= 2, lambda: None) is False
    assert seen == [1.0, 2.0]
    # the alarm comes before the next timer: the clock jumps to it, the result says so
    assert sim.run_until_alarm(lambda: False, lambda: 2.5) is True
    assert sim.now == 2.5 and seen == [1.0, 2.0]
    # no alarm, nothing left after the last timer: idle
    assert sim.run_until_alarm(lambda: False, lambda: None) is False
    assert seen == [1.0, 2.0, 3.0]
