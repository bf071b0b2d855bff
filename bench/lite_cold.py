"""The first cell of a notebook inside Pyodide (under Node), with and without the bytecode the wheel ships.

    python bench/lite_cold.py            # after python tools/lite.py

In the browser the same Python runs, but Chromium's start and the page make the figure noisy
(bench/lite_bench.py measures that whole way); this runs only the part simnet decides: from a started
Pyodide, notebook 02's first cell (``from simnet import Lab, views``, ``Lab.load("heimnetz")``, one
command shown), as CPU time of the Node process, median of interleaved runs.
"""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LITE = ROOT / "build" / "lite"

_SCRIPT = r"""
import { loadPyodide } from "%(pyodide)s/pyodide.mjs";
const py = await loadPyodide({ indexURL: "%(pyodide)s/" });
py.FS.mkdirTree("/site");
py.FS.mount(py.FS.filesystems.NODEFS, { root: %(site)s }, "/site");
py.runPython("import sys; sys.path.insert(0, '/site')");
const t0 = process.cpuUsage();
py.runPython(`
from simnet import Lab, views
from simnet.terminal import show
lab = Lab.load("heimnetz")
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    show(lab, "debian", "ip link show dev eth0")
`);
const t = process.cpuUsage(t0);
console.log(JSON.stringify({ms: (t.user + t.system) / 1000}));
"""


def _site(tmp: Path, name: str, wheels: list[Path], bytecode: bool) -> Path:
    site = tmp / name
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if bytecode or "__pycache__/" not in member:
                    zf.extract(member, site)
    return site


def main() -> int:
    if shutil.which("node") is None:
        print("node fehlt: nichts gemessen")
        return 0
    pyodide = LITE / "src" / "static" / "pyodide"
    wheels = sorted((LITE / "src" / "wheels").glob("*.whl"))
    if not pyodide.exists() or not wheels:
        print("erst bauen: python tools/lite.py")
        return 1
    simnet_wheel = next(w for w in wheels if w.name.startswith("simnet-"))
    with zipfile.ZipFile(simnet_wheel) as zf:
        shipped = sum(1 for n in zf.namelist() if n.endswith(".pyc"))
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="simnet-lite-cold-") as tmp:
        variants = {"ohne .pyc": _site(Path(tmp), "plain", wheels, False),
                    "mit .pyc": _site(Path(tmp), "pyc", wheels, True)}
        times: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(runs):
            for name, site in variants.items():
                script = Path(tmp) / "run.mjs"
                script.write_text(_SCRIPT % {"pyodide": pyodide.resolve().as_posix(), "site": json.dumps(str(site))},
                                  encoding="utf-8")
                out = subprocess.run(["node", str(script)], capture_output=True, text=True, check=True, timeout=600)
                times[name].append(json.loads(out.stdout.strip().splitlines()[-1])["ms"])
    print(f"Pyodide (Node), erste Zelle von Notebook 02, CPU-Zeit, Median aus {runs} (Wheel mit {shipped} .pyc):")
    for name, values in times.items():
        print(f"  {name:10s} {statistics.median(values):8.0f} ms   (min {min(values):.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
