"""simnet's speed, as ratios that hold across machines: ``python bench/run.py`` (or ``make bench``).

Absolute figures swing 2× between machines of the same kind (issue 20), so every goal is a ratio to
something measured in the same run:

- where root and the tools are there, the real kernel (tests/kernel/netns.py): the seed's subnet-router
  lab (laptop – container with forwarding and MASQUERADE – Proxmox, plus a VM) built and pinged once,
  and a 10-router chain for the kernel's cost of one packet-hop;
- otherwise a calibration loop (pure Python, the kind of work simnet does), scaled by the kernel/loop
  ratios measured on the reference machine (KERNEL_LAB_CAL, KERNEL_HOP_CAL).

The kernel lab and simnet's cold path are measured in turns and their ratio taken pair by pair, so a
burst of load on the shared machine hits both sides of a ratio; CPU times (which the load hardly moves)
are printed beside the wall times.

Goals (K = the kernel's build + first ping of that lab):
  cold path (new process: interpreter start, ``from simnet import Lab``, ``Lab.from_dict``, first ping
  answered, as ``simnet run`` does it) ≥ 3× faster than K; warm (a further lab in the same process,
  as in a notebook) ≥ 30× faster; one packet-hop ≤ 10× the kernel's; ``import simnet`` ≤ K / 4 and
  the 1 000-node tailnet's ``tailscale status`` ≤ 5 K (50 ms and 1 s where K is 200 ms) and the first
  command there that lets the clock run (``ping`` to a peer) ≤ 10 K;
  LPM 100 000 / 10 routes ≤ 2; NAT matrix ≤ 5 s. The absolute figures stand beside the ratios.
Lab loads at scale: bench/load_bench.py.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simnet import Lab  # noqa: E402
from simnet.kernel.routing import Route, RoutingTables  # noqa: E402

# the seed's subnet-router lab: the laptop in the café reaches a VM behind Proxmox through the
# container that forwards and masquerades (tests/kernel/make_cases.py subnet_router, plus a VM)
SUBNET_ROUTER: dict[str, Any] = {"name": "subnet-router", "nodes": {
    "laptop": {"interfaces": {"eth0": "cafe"}, "startup": [
        "ip addr add 10.0.5.23/24 dev eth0", "ip route add 192.168.0.0/24 via 10.0.5.1"]},
    "tailscale": {"interfaces": {"eth0": "cafe", "eth1": "heimnetz"}, "startup": [
        "ip addr add 10.0.5.1/24 dev eth0", "ip addr add 192.168.0.150/24 dev eth1",
        "sysctl -w net.ipv4.ip_forward=1", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE"]},
    "proxmox": {"interfaces": {"eth0": "heimnetz"}, "startup": ["ip addr add 192.168.0.101/24 dev eth0"]},
    "vm": {"interfaces": {"eth0": "heimnetz"}, "startup": [
        "ip addr add 192.168.0.102/24 dev eth0", "ip route add default via 192.168.0.101"]}}}
PING = ("laptop", "ping -c 1 -W 1 192.168.0.102")
CHAIN = 10

# the kernel's build + ping of SUBNET_ROUTER and its per-hop cost in calibration loops, medians of six
# runs on the idle development machine (2 cores, 2026-12-07: K 153–196 ms and 1.8–3.1 µs per hop against
# an 11.4–21.8 ms loop); used only where the kernel cannot be asked, so the goals stay the same ratios
KERNEL_LAB_CAL = 13.4
KERNEL_HOP_CAL = 0.00016


def chain_dict(routers: int) -> dict[str, Any]:
    nodes: dict[str, Any] = {"h0": {"interfaces": {"eth0": "s0"}, "startup": [
        "ip addr add 10.0.0.2/24 dev eth0", "ip route add default via 10.0.0.1"]}}
    for i in range(routers):
        st = [f"ip addr add 10.0.{i}.1/24 dev eth0", f"ip addr add 10.0.{i + 1}.254/24 dev eth1",
              "sysctl -w net.ipv4.ip_forward=1"]
        if i < routers - 1:
            st.append(f"ip route add default via 10.0.{i + 1}.1")
        if i > 0:
            st.append(f"ip route add 10.0.0.0/24 via 10.0.{i}.254")
        nodes[f"r{i}"] = {"interfaces": {"eth0": f"s{i}", "eth1": f"s{i + 1}"}, "startup": st}
    nodes["h1"] = {"interfaces": {"eth0": f"s{routers}"}, "startup": [
        f"ip addr add 10.0.{routers}.1/24 dev eth0", f"ip route add default via 10.0.{routers}.254"]}
    return {"name": "chain", "nodes": nodes}


def chain_lab(routers: int) -> Lab:
    return Lab.from_dict(chain_dict(routers))


def per_hop_us(routers: int = CHAIN, pings: int = 300) -> float:
    """Wall time simnet spends per packet-hop: a ping run through the chain, divided by its hops."""
    lab = chain_lab(routers)
    lab.run("h0", f"ping -c 1 10.0.{routers}.1")        # warm ARP caches
    t = time.perf_counter()
    r = lab.run("h0", f"ping -q -c {pings} -i 0.01 10.0.{routers}.1")
    dt = time.perf_counter() - t
    assert f"{pings} received" in r.stdout, r.stdout
    hops = pings * 2 * (routers + 1)
    return dt / hops * 1e6


def calibration_ms() -> float:
    """A fixed pure-Python workload (objects, dicts, strings, calls): the machine's speed for simnet's kind of work."""
    class Pkt:
        __slots__ = ("src", "dst", "ttl")

        def __init__(self, src: int, dst: int, ttl: int) -> None:
            self.src, self.dst, self.ttl = src, dst, ttl

    def hop(p: Pkt, table: dict[int, int]) -> Pkt:
        return Pkt(p.src, table.get(p.dst & 0xFF, p.dst), p.ttl - 1)

    def work() -> int:
        table = {i: i * 7 for i in range(256)}
        total = 0
        for i in range(20_000):
            p = hop(Pkt(i, i * 31, 64), table)
            total += p.ttl + len(f"{p.src}.{p.dst}")
        return total

    best = []
    for _ in range(7):
        t = time.perf_counter()
        work()
        best.append(time.perf_counter() - t)
    return min(best) * 1000


def lpm_ratio() -> tuple[float, float, float]:
    def timed(n: int) -> float:
        rt = RoutingTables()
        for i in range(n):
            net = IPv4Network(((10 << 24) | (i << 8), 24))
            rt.add(Route(net, dev="eth0", gateway=None))
        rt.add(Route(IPv4Network("0.0.0.0/0"), gateway=IPv4Address("192.168.0.1"), dev="eth0"))
        probes = [IPv4Address((10 << 24) | ((i * 7919) % max(n, 1) << 8) | 5) for i in range(2000)]
        best = []
        for _ in range(5):
            t = time.perf_counter()
            for a in probes:
                rt.lookup_uncached(a)        # the trie walk itself; forwarding uses a cache on top
            best.append((time.perf_counter() - t) / len(probes))
        return min(best) * 1e6

    small, large = timed(10), timed(100_000)
    return small, large, large / small


def child_env(cache: str) -> dict[str, str]:
    """A fresh interpreter as an installed simnet runs: bytecode cached (pip compiles on install)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    env["PYTHONPATH"] = str(ROOT)
    return env


def timed_child(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    ms, _cpu, out = timed_child_cpu(args, env)
    return ms, out


def timed_child_cpu(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system, from the child's rusage) in ms, and what it printed.
    CPU time hardly moves with the machine's load (issue 20: ~8 engineers share 2 cores)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT,
                                env=env)
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = (time.perf_counter() - t) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise subprocess.CalledProcessError(proc.returncode, args, out, err.read())
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, out


def cold_ms(env: dict[str, str], runs: int = 7, kernel: Any = None) -> dict[str, Any]:
    """Interpreter start alone, the whole cold path with its phases (import, from_dict, ping) and its CPU
    time; medians. With ``kernel`` (a function that builds and pings the kernel lab once), each cold run
    has a kernel run right before it, and the ratios are taken pair by pair: both see the same load."""
    script = [str(ROOT / "bench" / "cold.py"), repr(SUBNET_ROUTER), *PING]
    timed_child(script, env)                        # writes the bytecode cache
    bare, total, phases, cpu, kwall, kcpu = [], [], [], [], [], []
    for _ in range(runs):                           # interleaved: the machine's load hits all alike
        if kernel is not None:
            wall, used = kernel()
            kwall.append(wall)
            kcpu.append(used)
        bare.append(timed_child(["-c", "pass"], env)[0])
        ms, used, out = timed_child_cpu(script, env)
        total.append(ms)
        cpu.append(used)
        phases.append([float(x) for x in out.split()])
    med = statistics.median
    res = {"bare": med(bare), "cold": med(total), "phases": [med(p) for p in zip(*phases)], "cpu": med(cpu)}
    if kwall:
        res.update(kernel=med(kwall), kernel_cpu=med(kcpu), ratio=med(k / c for k, c in zip(kwall, total)),
                   cpu_ratio=med(k / c for k, c in zip(kcpu, cpu)))
    return res


def import_ms(env: dict[str, str]) -> float:
    runs = []
    for _ in range(5):
        out = timed_child(["-c", "import time; t=time.perf_counter(); import simnet; print(time.perf_counter()-t)"],
                          env)[1]
        runs.append(float(out) * 1000)
    return statistics.median(runs)


def warm_ms(runs: int = 7) -> float:
    """A further subnet-router lab built and pinged in this process (as in a notebook)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        lab = Lab.from_dict(SUBNET_ROUTER)
        res = lab.run(*PING)
        times.append((time.perf_counter() - t) * 1000)
        assert " 0% packet loss" in res.stdout, res.stdout
    return statistics.median(times)


def seed_lab_ms() -> float:
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        lab = Lab.load("heimnetz")
        lab.run("maschinchen", "ping -c 1 203.0.113.10")
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)


def kernel_lab_once() -> tuple[float, float]:
    """The real kernel: SUBNET_ROUTER built in network namespaces and pinged once (teardown not counted);
    wall time, and the CPU time of the processes that did it (ip, sysctl, iptables, ping: the kernel's
    work in their system calls; its own threads are not counted, so the kernel looks cheaper than it is)."""
    import resource

    from tests.kernel.netns import NetnsLab

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (usage.ru_utime + usage.ru_stime) * 1000

    lab = NetnsLab(SUBNET_ROUTER)
    t, c = time.perf_counter(), children()
    try:
        lab.__enter__()
        rc, out, err = lab.run(*PING)
        wall, cpu = (time.perf_counter() - t) * 1000, children() - c
    finally:
        lab.close()
    if rc != 0:
        raise RuntimeError(f"kernel ping failed: {out}{err}")
    return wall, cpu


def _avg_rtt_ms(text: str) -> float:
    m = re.search(r"= [\d.]+/([\d.]+)/", text)
    if not m:
        raise RuntimeError(f"no rtt in ping output: {text}")
    return float(m.group(1))


def kernel_hop_us(routers: int = CHAIN, pings: int = 200) -> float:
    """The kernel's cost of one hop: the chain's round trip minus the next router's, per hop traversed."""
    from tests.kernel.netns import NetnsLab

    with NetnsLab(chain_dict(routers)) as lab:
        far, near = f"10.0.{routers}.1", "10.0.0.1"
        lab.run("h0", f"ping -c 2 -i 0.2 {far}")
        rtt = {}
        for dst in (near, far, near, far):
            rc, out, err = lab.run("h0", f"ping -q -c {pings} -i 0.002 {dst}")
            if rc != 0:
                raise RuntimeError(f"kernel chain ping failed: {out}{err}")
            rtt.setdefault(dst, []).append(_avg_rtt_ms(out))
    return (min(rtt[far]) - min(rtt[near])) * 1000 / (2 * routers)


def verdict(ok: bool) -> str:
    return "erreicht" if ok else "verfehlt"


def main() -> int:
    cal = calibration_ms()
    from tests.kernel.netns import available

    why = available()
    with tempfile.TemporaryDirectory(prefix="simnet-bench-") as cache:
        env = child_env(cache)
        c = cold_ms(env, kernel=kernel_lab_once if why is None else None)
        imp = import_ms(env)
    bare, cold, (c_imp, c_lab, c_ping), cold_cpu = c["bare"], c["cold"], c["phases"], c["cpu"]
    if why is None:
        kernel, kernel_cpu, khop = c["kernel"], c["kernel_cpu"], kernel_hop_us()
        source = "echter Kernel (Netzwerk-Namespaces, abwechselnd mit simnet kalt gemessen)"
        if khop <= 0:                       # the chain's rtt drowned in the machine's noise
            khop, source = KERNEL_HOP_CAL * cal * 1000, source + ", Hop aus der Kalibrierschleife"
    else:
        kernel, khop, kernel_cpu = KERNEL_LAB_CAL * cal, KERNEL_HOP_CAL * cal * 1000, None
        source = f"Kalibrierschleife ({why})"
    cold_ratio = c.get("ratio", kernel / cold)
    warm = warm_ms()
    hop = min(per_hop_us() for _ in range(5))      # best of five: the machine's noise is not simnet's
    tn, tn_cpu, lines, big = tailnet_1000_s()
    fc, fc_cpu = first_clock_s(big)
    del big
    print(f"Bezug: {source}; Kalibrierschleife {cal:.1f} ms")
    print(f"Kernel: Subnet-Router-Lab bauen + 1 Ping {kernel:8.1f} ms   ({kernel / cal:.1f} Kalibrierschleifen)")
    print(f"Kernel: je Paket-Hop ({CHAIN} Router)      {khop:8.2f} µs   ({khop / 1000 / cal:.5f} Kalibrierschleifen)")
    print(f"simnet kalt (neuer Prozess → Ping)     {cold:8.1f} ms   {cold_ratio:6.2f}× schneller als der Kernel"
          f"   Ziel ≥ 3×    {verdict(cold_ratio >= 3)}")
    print(f"   davon Interpreter-Start {bare:.1f} ms; im Prozess: import {c_imp:.1f}, Lab.from_dict {c_lab:.1f},"
          f" erster Ping {c_ping:.1f} ms")
    if kernel_cpu is not None:         # CPU time barely moves with the machine's load; wall time does
        print(f"   CPU-Zeit: kalt {cold_cpu:.1f} ms, Kernel-Prozesse {kernel_cpu:.1f} ms"
              f" → {c['cpu_ratio']:.2f}× (Kernel-Threads nicht mitgezählt)")
    print(f"simnet warm (weiteres Lab im Prozess)  {warm:8.2f} ms   {kernel / warm:6.1f}× schneller als der Kernel"
          f"   Ziel ≥ 30×   {verdict(kernel / warm >= 30)}")
    print(f"Paket-Hop ({CHAIN} Router)                 {hop:8.2f} µs   {hop / khop:6.2f}× der Kernel-Hop"
          f"             Ziel ≤ 10×   {verdict(hop / khop <= 10)}")
    print(f"import simnet                          {imp:8.1f} ms   {imp / kernel:6.3f} × Kernel-Lab"
          f"               Ziel ≤ 0,25  {verdict(imp / kernel <= 0.25)}")
    print(f"Tailnet 1000 Knoten, tailscale status  {tn * 1000:8.0f} ms   {tn * 1000 / kernel:6.2f} × Kernel-Lab"
          f"               Ziel ≤ 5     {verdict(tn * 1000 / kernel <= 5)}  ({lines} Zeilen status,"
          f" CPU {tn_cpu * 1000:.0f} ms)")
    print(f"1000 Knoten: erster Befehl mit laufender Uhr {fc * 1000:8.0f} ms   {fc * 1000 / kernel:6.2f} × Kernel-Lab"
          f"        Ziel ≤ 10    {verdict(fc * 1000 / kernel <= 10)}  ({FIRST_CLOCK[1]}, CPU {fc_cpu * 1000:.0f} ms)")
    small, large, ratio = lpm_ratio()
    print(f"LPM 10 Routen:        {small:8.2f} µs/Lookup")
    print(f"LPM 100 000 Routen:   {large:8.2f} µs/Lookup  Verhältnis {ratio:.2f}  Ziel ≤ 2  {verdict(ratio <= 2)}")
    seed = seed_lab_ms()
    print(f"Heimnetz + 1 Ping:    {seed:8.1f} ms        ({kernel / seed:.1f}× schneller als das Kernel-Lab)")
    mx = matrix_s()
    print(f"NAT-Matrix (36 Labs): {mx:8.2f} s         Ziel ≤ 5 s       {verdict(mx <= 5)}  (je Zelle {mx / 36 * 1000:.0f} ms)")
    return 0


def matrix_s() -> float:
    """Every pair of NAT types simulated from scratch (build lab, log in, tailscale ping)."""
    from simnet.tailnet.matrix import outcome_matrix

    t = time.perf_counter()
    outcome_matrix()
    return time.perf_counter() - t


def tailnet_dict(n: int, name: str = "tailnet-1000") -> dict:
    """A generated tailnet on one segment: headscale on vps, ``n`` clients n0, n1, … (the tests of
    big tailnets build the same)."""
    nodes: dict = {"vps": {"interfaces": {"eth0": "net"}, "startup": [
        "ip addr add 203.0.113.10/24 dev eth0", "ip addr add 10.1.255.1/16 dev eth0",
        "systemctl enable --now headscale"]}}
    for i in range(n):
        nodes[f"n{i}"] = {"interfaces": {"eth0": "net"}, "startup": [
            f"ip addr add 10.1.{i // 250}.{i % 250 + 1}/16 dev eth0", "ip route add 203.0.113.0/24 dev eth0",
            "systemctl enable --now tailscaled"]}
    return {"name": name, "nodes": nodes}


def tailnet_1000_s(n: int = 1000) -> tuple[float, float, int, Lab]:
    """A generated tailnet of ``n`` nodes: build, join all, answer ``tailscale status``.
    (wall, CPU seconds, lines of status, the lab): on a shared machine the CPU time is simnet's own cost."""
    t, c = time.perf_counter(), time.process_time()
    lab = Lab.from_dict(tailnet_dict(n))
    lab.run("vps", "headscale users create lehrling")
    key = lab.run("vps", "headscale preauthkeys create -u 1 --reusable").stdout.strip()
    for i in range(n):
        lab.run(f"n{i}", f"tailscale up --login-server=https://vpn.example.net --authkey {key}")
    out = lab.run("n0", "tailscale status").stdout
    return time.perf_counter() - t, time.process_time() - c, len(out.splitlines()), lab


FIRST_CLOCK = ("n0", "ping -c 1 -W 1 100.64.0.2")


def first_clock_s(lab: Lab) -> tuple[float, float]:
    """The first command that lets the simulated clock run in the joined tailnet (a ping to a peer):
    every node's DAD, MLD reports, DERP connect (an ARP broadcast each) and netmap (a table-52 route
    per peer) happen now. (wall, CPU seconds)"""
    t, c = time.perf_counter(), time.process_time()
    res = lab.run(*FIRST_CLOCK)
    assert "1 packets transmitted" in res.stdout, res.stdout     # lost or answered: DERP is just connecting
    return time.perf_counter() - t, time.process_time() - c


if __name__ == "__main__":
    sys.exit(main())
