"""Large labs and long command loops (issue 22): ``python bench/load_bench.py``.

Goals: a 1 000-node lab file loads in ≤ 1 s, a 10 000-node one in ≤ 10 s; 100 000 routes
through ``ip -batch`` in ≤ 10 s (the LPM benchmark reached through the commands).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simnet import Lab  # noqa: E402


def lab_text(nodes: int) -> str:
    """A campus: routers with 100 hosts each on their own segment, all routers on a backbone."""
    lines = ["name: gross", "nodes:"]
    routers = max(1, nodes // 101)
    for r in range(routers):
        lines += [f"  r{r}:", f"    interfaces: {{eth0: backbone, eth1: lan{r}}}", "    startup:",
                  f"      - ip addr add 10.255.{r // 250}.{r % 250 + 1}/16 dev eth0",
                  f"      - ip addr add 10.{r // 250}.{r % 250}.1/24 dev eth1",
                  "      - sysctl -w net.ipv4.ip_forward=1"]
    for h in range(nodes - routers):
        r, k = h % routers, h // routers
        lines += [f"  h{h}:", f"    interfaces: {{eth0: lan{r}}}", "    startup:",
                  f"      - ip addr add 10.{r // 250}.{r % 250}.{k + 2}/24 dev eth0",
                  f"      - ip route add default via 10.{r // 250}.{r % 250}.1"]
    return "\n".join(lines) + "\n"


def load_s(nodes: int) -> tuple[float, float]:
    """(wall, CPU) seconds: on a shared machine the CPU time is what simnet itself costs."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gross.yaml"
        path.write_text(lab_text(nodes), encoding="utf-8")
        t, c = time.perf_counter(), time.process_time()
        lab = Lab.from_yaml(path)
        took, cpu = time.perf_counter() - t, time.process_time() - c
    assert len(lab.nodes) == nodes
    return took, cpu


def idle_day() -> tuple[int, float]:
    """`sleep 1d` in the ready headscale lab: (simulated events, CPU seconds)."""
    lab = Lab.load("headscale", state="ready")
    c = time.process_time()
    lab.sim.arm(lab.limits)
    lab.sim.run(until=lab.sim.now + 86400)
    used = lab.limits.events - lab.sim.budget
    lab.sim.disarm()
    return int(used), time.process_time() - c


def batch_routes_s(routes: int = 100_000) -> float:
    lab = Lab.from_dict({"name": "r", "nodes": {"r": {"interfaces": {"eth0": "s"},
                                                      "startup": ["ip addr add 10.0.0.1/16 dev eth0"]}}})
    lines = "".join(f"route add 100.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}/32 via 10.0.0.2\n" for k in range(routes))
    lab.nodes["r"].write_file("/root/routes", lines)
    t = time.perf_counter()
    r = lab.run("r", "ip -batch /root/routes")
    took = time.perf_counter() - t
    assert r.returncode == 0, r.stderr
    assert len(lab.nodes["r"].routing.routes(254)) == routes + 1
    return took


def loop_routes_s(routes: int = 2000) -> float:
    lab = Lab.from_dict({"name": "r", "nodes": {"r": {"interfaces": {"eth0": "s"},
                                                      "startup": ["ip addr add 10.0.0.1/16 dev eth0"]}}})
    t = time.perf_counter()
    for k in range(routes):
        lab.run("r", f"ip route add 100.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}/32 via 10.0.0.2")
    return time.perf_counter() - t


def verdict(value: float, goal: float) -> str:
    return "ok" if value <= goal else "ZU LANGSAM"


def main() -> int:
    (small, small_cpu), (large, large_cpu) = load_s(1000), load_s(10_000)
    print(f"Lab mit 1 000 Knoten laden:   {small:7.2f} s (CPU {small_cpu:.2f} s)   Ziel ≤ 1 s    "
          f"{verdict(small_cpu, 1)}")
    print(f"Lab mit 10 000 Knoten laden:  {large:7.2f} s (CPU {large_cpu:.2f} s)   Ziel ≤ 10 s   "
          f"{verdict(large_cpu, 10)}")
    events, cpu = idle_day()
    print(f"Ein simulierter Tag im fertigen headscale-Lab: {events} Ereignisse, CPU {cpu:.2f} s")
    batch = batch_routes_s()
    print(f"100 000 Routen mit ip -batch: {batch:7.2f} s   Ziel ≤ 10 s   {verdict(batch, 10)}")
    a, b = loop_routes_s(1000), loop_routes_s(4000)
    print(f"ip route add in einer Schleife: 1 000 in {a:.2f} s, 4 000 in {b:.2f} s "
          f"(Verhältnis {b / a:.1f}, linear wäre 4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
