"""simnet's modules from one file (simnet.core.bundle): a new process gets the same modules, an edited
source always wins over the file, and a missing, broken or unwritable file only costs time."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, traceback
from simnet import Lab
from simnet.core import bundle
lab = Lab.from_dict({"name": "b", "nodes": {
    "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
    "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}})
res = lab.run("a", "ping -c 1 -W 1 192.168.0.1")
mods = {n: m for n, m in sys.modules.items() if n == "simnet" or n.startswith("simnet.")}
import inspect
from simnet.kernel import routing, sysctl
try:
    sysctl.Sysctl().get("net.no.such.key")
except Exception:
    tb = traceback.format_exc()
else:
    tb = ""
print(json.dumps({
    "stdout": res.stdout, "stats": bundle.stats(),
    "files": {n: m.__file__ for n, m in mods.items() if getattr(m, "__file__", None)},
    "origins": {n: m.__spec__.origin for n, m in mods.items()},
    "packages": sorted(n for n, m in mods.items() if hasattr(m, "__path__")),
    "loaders": sorted({type(m.__loader__).__name__ for n, m in mods.items() if n.count(".") > 1 and n != "simnet.core.bundle"}),
    "source": inspect.getsource(routing).splitlines()[0],
    "traceback": tb,
    "marker": getattr(sys.modules["simnet.kernel.sysctl"], "BUNDLE_TEST_MARKER", None),
}))
"""


@pytest.fixture()
def package(tmp_path: Path) -> Path:
    """A copy of the package without any bytecode, so the test may edit its sources."""
    dest = tmp_path / "src"
    shutil.copytree(ROOT / "simnet", dest / "simnet", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def run(src: Path, *, write: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env["PYTHONPATH"] = str(src)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=src,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def bundle_file(src: Path) -> Path:
    files = list((src / "simnet" / "__pycache__").glob("_bundle.*.pyc"))
    assert len(files) == 1, files
    return files[0]


def test_a_second_process_takes_every_module_from_the_bundle_and_gets_the_same_modules(package: Path) -> None:
    first = run(package)
    assert first["stats"]["modules"] == 0 and first["stats"]["missed"] > 30
    assert bundle_file(package).stat().st_size > 100_000
    second = run(package)
    assert second["stats"]["missed"] == 0
    assert second["stats"]["hits"] == first["stats"]["missed"]
    assert second["loaders"] == ["_Finder"] and first["loaders"] == ["SourceFileLoader"]
    for key in ("stdout", "files", "origins", "packages", "source"):
        assert second[key] == first[key], key
    assert " 0% packet loss" in second["stdout"]
    assert all(Path(f).is_file() and f.startswith(str(package)) for f in second["files"].values())
    # a traceback through a module from the bundle quotes its source lines
    assert "sysctl.py" in second["traceback"] and "raise SysctlError(key)" in second["traceback"]
    assert second["traceback"] == first["traceback"]


def test_an_edited_module_is_imported_from_its_source_and_then_kept(package: Path) -> None:
    run(package)
    sysctl = package / "simnet" / "kernel" / "sysctl.py"
    sysctl.write_text(sysctl.read_text() + "\nBUNDLE_TEST_MARKER = 'edited'\n")
    edited = run(package)
    assert edited["marker"] == "edited"
    assert edited["stats"]["missed"] == 1
    again = run(package)
    assert again["marker"] == "edited" and again["stats"]["missed"] == 0


def test_a_source_of_the_same_size_but_another_time_is_not_taken_from_the_bundle(package: Path) -> None:
    run(package)
    sysctl = package / "simnet" / "kernel" / "sysctl.py"
    st = sysctl.stat()
    os.utime(sysctl, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert run(package)["stats"]["missed"] == 1


def test_without_bytecode_writing_no_bundle_is_written(package: Path) -> None:
    out = run(package, write=False)
    assert " 0% packet loss" in out["stdout"]
    assert not list(package.rglob("_bundle.*"))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign"])
def test_a_broken_bundle_is_ignored_and_written_anew(package: Path, damage: str) -> None:
    first = run(package)
    path = bundle_file(package)
    data = path.read_bytes()
    path.write_bytes({"garbage": b"\x00" * 64, "truncated": data[: len(data) // 2],
                      "foreign": b"\x0b\x0d\x0d\x0a" + data[4:]}[damage])
    out = run(package)
    assert out["stdout"] == first["stdout"] and out["stats"]["modules"] == 0
    assert run(package)["stats"]["missed"] == 0


def test_a_module_gone_from_the_sources_is_gone(package: Path) -> None:
    run(package)
    (package / "simnet" / "kernel" / "rpfilter.py").unlink()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env["PYTHONPATH"] = str(package)
    res = subprocess.run([sys.executable, "-c", "import simnet, simnet.kernel.rpfilter"], capture_output=True,
                         text=True, env=env, cwd=package, timeout=300)
    assert res.returncode == 1
    assert "ModuleNotFoundError: No module named 'simnet.kernel.rpfilter'" in res.stderr


def test_a_tree_moved_elsewhere_names_its_files_where_they_are_now(package: Path, tmp_path: Path) -> None:
    run(package)
    moved = tmp_path / "moved"
    shutil.copytree(package, moved)           # copy2: the same times and sizes, so the bundle still fits
    out = run(moved)
    assert out["stats"]["missed"] == 0
    assert f'File "{moved}/simnet/kernel/sysctl.py"' in out["traceback"]
    assert str(package) not in out["traceback"]
