"""Benchmark of simnet.views on the seed lab: is a panel callback below 50 ms?

Run: ``MPLBACKEND=Agg python3 bench/views_bench.py [--repeat N]``

Prints, for ``Lab.load("headscale", state="ready")`` and the probe
``maschinchen$ ping -c 1 -W 1 192.168.0.101``:

* the parts of one callback (run the real command, re-run the probe,
  draw the path layer), median over the repeats;
* one full callback per switch (off and on again), median and worst,
  as a ratio to the 50 ms goal;
* for comparison: a full ``views.draw``, a sequence diagram and an
  animation's ``to_jshtml()``.

No asserts: timings depend on the machine. Tests check behaviour only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_MS = 50.0
PROBE = ("maschinchen", "ping -c 1 -W 1 192.168.0.101")
SWITCHES = ["ip_forward@tailscale", "route_approved@192.168.0.0/24", "accept_routes@maschinchen",
            "masquerade@router", "snat_subnet_routes@tailscale", "back_route@proxmox",
            "nat_type@cafe", "udp_blocked@cafe"]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def line(name: str, samples: list[float], goal: float | None = GOAL_MS) -> None:
    med, worst = statistics.median(samples), max(samples)
    ratio = f"  {med / goal:5.2f}× Ziel" if goal else ""
    print(f"  {name:<44} median {med:7.2f} ms   max {worst:7.2f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    n = max(3, args.repeat)

    from simnet import Lab, views
    from simnet.views.livepanel import Panel

    t = time.perf_counter()
    lab = Lab.load("headscale", state="ready")
    print(f"Seed-Lab laden (state=ready): {(time.perf_counter() - t) * 1000:.1f} ms")
    switches = [s for s in SWITCHES if s in views.toggles_for(lab)]
    t = time.perf_counter()
    panel: Panel = views.panel(lab, probe=PROBE, toggles=switches)
    print(f"Panel bauen (Topologie einmal zeichnen): {(time.perf_counter() - t) * 1000:.1f} ms, "
          f"{len(switches)} Schalter\n")

    print(f"Teile eines Callbacks ({n} Wiederholungen):")
    line("Probe ausführen (lab.run)", timed(lambda: lab.run(*PROBE), n), None)
    line("Pfad-Ebene zeichnen + JPEG (Blitting)", timed(lambda: panel._renderer.render(panel.view), n), None)
    line("rerun() gesamt", timed(panel.rerun, n))

    print("\nCallback je Schalter (aus und wieder ein):")
    worst_all: list[float] = []
    for name in switches:
        toggle = panel.switches[name]
        start = toggle.read(lab)
        if toggle.kind == "choice":
            other = next(c for c in toggle.choices if c != start)
            values = [other, start]
        else:
            values = [not start, start]
        samples: list[float] = []
        for _ in range(max(1, n // 4)):
            for v in values:
                t = time.perf_counter()
                panel.toggle(name, v)
                samples.append((time.perf_counter() - t) * 1000)
        worst_all += samples
        line(name, samples)
    med = statistics.median(worst_all)
    print(f"\nAlle Callbacks: median {med:.2f} ms, max {max(worst_all):.2f} ms – "
          f"Ziel {GOAL_MS:.0f} ms: {'erreicht' if med <= GOAL_MS else 'verfehlt'} "
          f"(Faktor {med / GOAL_MS:.2f})")

    print("\nZum Vergleich (ohne Ziel):")
    res = lab.run(*PROBE)
    line("views.draw(lab, trace) + PNG", timed(lambda: views.draw(lab, res.trace).savefig(os.devnull, format="png"),
                                               max(3, n // 5)), None)
    line("views.sequence(trace) + PNG", timed(lambda: views.sequence(res.trace).savefig(os.devnull, format="png"),
                                              max(3, n // 5)), None)
    line("views.animate(trace, lab).to_jshtml()", timed(lambda: views.animate(res.trace, lab).to_jshtml(), 1), None)


if __name__ == "__main__":
    main()
