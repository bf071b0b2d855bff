"""The cold path as ``simnet run`` walks it, in a fresh interpreter (run by bench/run.py).

Prints three numbers in ms: ``import simnet``, the first ``Lab.from_dict``, the first ping.
The lab is bench.run.SUBNET_ROUTER, passed as a Python literal on argv (no json import of its own).
"""
import gc
import time

T0 = time.perf_counter()
from simnet import Lab  # noqa: E402

T1 = time.perf_counter()
# from here on as the program `simnet run` does it (simnet.cli.settled): what stands lives until the end
gc.freeze()


def main() -> None:
    import sys

    lab = Lab.from_dict(eval(sys.argv[1]))   # a dict literal from bench/run.py
    t2 = time.perf_counter()
    gc.freeze()
    res = lab.run(sys.argv[2], sys.argv[3])
    t3 = time.perf_counter()
    if " 0% packet loss" not in res.stdout:
        raise SystemExit(f"ping failed: {res.stdout}{res.stderr}")
    print(f"{(T1 - T0) * 1000:.3f} {(t2 - T1) * 1000:.3f} {(t3 - t2) * 1000:.3f}")
    gc.freeze()        # as `simnet run` ends (simnet.cli.main): the shutdown does not walk the lab for cycles


main()
