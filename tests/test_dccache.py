"""The dataclass bytecode cache (simnet.core.dccache): a new process reuses it, and the classes stay the same."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from simnet.core import dcreplay

ROOT = Path(__file__).resolve().parents[1]

# what a class built by @dataclass shows of its generated methods
PROBE = r"""
import inspect, json, dataclasses
import simnet
from simnet.core import dccache
from simnet.kernel.routing import Route
from simnet.links.mac import MacAddress, mac_for
from simnet.lab import Result

out = {"stats": dccache.stats()}
r = Result(0, "a", "b")
out["result"] = [repr(r), str(inspect.signature(Result)), repr(Result.__init__.__annotations__), r == Result(0, "a", "b")]
try:
    r.stdout = "x"
except dataclasses.FrozenInstanceError as exc:
    out["frozen"] = str(exc)
m1, m2 = mac_for("a", "eth0"), mac_for("b", "eth0")
out["mac"] = [str(m1), repr(m1), m1 < m2, hash(m1) == hash(MacAddress(m1.value)), sorted(map(str, (m2, m1)))]
out["route"] = [repr(Route.__init__.__annotations__), str(inspect.signature(Route))]
lab = simnet.Lab.from_dict({"nodes": {"a": {"interfaces": {"eth0": "s"}, "startup": ["ip addr add 10.0.0.1/24 dev eth0"]},
                                      "b": {"interfaces": {"eth0": "s"}, "startup": ["ip addr add 10.0.0.2/24 dev eth0"]}}})
out["ping"] = lab.run("a", "ping -c 1 10.0.0.2").stdout.splitlines()[1].split(" time=")[0]
print(json.dumps(out))
"""


def fresh_python(prefix: Path, code: str, *args: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``python -c code args`` as an installed simnet runs: bytecode (and dataclass) caches under ``prefix``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=str(prefix), PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, *flags, "-c", code, *args], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    return res


def probe(prefix: Path, *flags: str) -> dict:
    return json.loads(fresh_python(prefix, PROBE, flags=flags).stdout)


def cache_files(prefix: Path) -> list[Path]:
    return list(prefix.rglob("_dataclasses.*.pyc"))


def test_second_process_compiles_nothing_and_builds_the_same_classes(tmp_path: Path) -> None:
    first = probe(tmp_path)
    assert first["stats"]["compiled"] > 50                   # every simnet dataclass method, compiled once
    assert len(cache_files(tmp_path)) == 1
    second = probe(tmp_path)
    assert second["stats"]["compiled"] == 0 and second["stats"]["recorded"] == 0
    # every class's methods come from the file: made from its recipe (dcreplay), else as code objects
    assert second["stats"]["replayed"] == first["stats"]["recorded"]
    assert second["stats"]["hits"] > 0 or second["stats"]["replayed"] > 0
    assert {k: v for k, v in second.items() if k != "stats"} == {k: v for k, v in first.items() if k != "stats"}
    assert first["frozen"] == "cannot assign to field 'stdout'"
    assert first["result"][2] == "{'returncode': 'int', 'stdout': 'str', 'stderr': 'str', 'trace': 'Trace', " \
                                 "'node': 'str', 'command': 'str', 'return': None}"
    assert first["ping"] == "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64"


def test_no_cache_written_without_bytecode_and_a_broken_file_is_ignored(tmp_path: Path) -> None:
    plain = probe(tmp_path / "b", "-B")
    assert cache_files(tmp_path / "b") == []
    assert plain["stats"]["compiled"] > 50
    probe(tmp_path / "c")
    [path] = cache_files(tmp_path / "c")
    path.write_bytes(b"not a cache")
    broken = probe(tmp_path / "c")
    assert broken["stats"]["hits"] < broken["stats"]["compiled"]    # compiled afresh, as without a file
    assert {k: v for k, v in broken.items() if k != "stats"} == {k: v for k, v in plain.items() if k != "stats"}


COLD = r"""
import json, sys
from simnet import Lab
lab = Lab.from_dict({"nodes": {"a": {"interfaces": {"eth0": "s"}, "startup": ["ip addr add 10.0.0.1/24 dev eth0"]},
                               "b": {"interfaces": {"eth0": "s"}, "startup": ["ip addr add 10.0.0.2/24 dev eth0"]}}})
ok = lab.run("a", "ping -c 1 10.0.0.2").returncode == 0
from simnet import views                     # a notebook's first cell: a shipped lab, the views, the terminal
from simnet.terminal import show
ok = ok and Lab.load("heimnetz").run("debian", "ping -c 1 192.168.0.1").returncode == 0
out = {"ok": ok, "run": "signature" in sys.modules["inspect"].__dict__,
       "loaded": sorted(m for m in ("ast", "dis", "tokenize") if m in sys.modules)}
import inspect
import dataclasses
@dataclasses.dataclass
class NoDoc:
    x: int
out["same"] = inspect is sys.modules["inspect"] is dataclasses.inspect
out["sig"] = [str(inspect.signature(lab.run)), NoDoc.__doc__]
try:
    inspect.no_such_thing
except AttributeError as exc:
    out["missing"] = str(exc)
print(json.dumps(out))
"""


def test_the_cold_path_does_not_run_inspect_and_inspect_works_when_used(tmp_path: Path) -> None:
    out = json.loads(fresh_python(tmp_path, COLD).stdout)
    assert out["ok"]
    assert out["run"] is False and out["loaded"] == []      # every dataclass on the way has its docstring
    assert out["same"] is True
    assert out["sig"] == ["(node: 'str', command: 'str') -> 'Result'", "NoDoc(x: int)"]
    assert out["missing"] == "module 'inspect' has no attribute 'no_such_thing'"


PATTERNS = r"""
import json, re, sys
from simnet import Lab
from simnet.core import dccache
lab = Lab.from_dict({"nodes": {"a": {"interfaces": {"eth0": "s"}, "startup": ["ip addr add 10.0.0.1/24 dev eth0"]}}})
lab.run("a", "ping -c 1 -W 1.5 127.0.0.1")
made = dccache._cache.patterns
print(json.dumps({"made": len(made), "same": [c == re.compile(p, f) and c.groupindex == re.compile(p, f).groupindex
                                              and c.groups == re.compile(p, f).groups for p, f, c in made]}))
"""


def test_module_patterns_come_from_the_file_equal_to_re_compile(tmp_path: Path) -> None:
    first = json.loads(fresh_python(tmp_path, PATTERNS).stdout)
    second = json.loads(fresh_python(tmp_path, PATTERNS).stdout)
    if not dcreplay.SUPPORTED:
        assert first["made"] == second["made"] == 0
        return
    assert first["made"] == 0 and second["made"] >= 8
    assert all(second["same"])         # Pattern.__eq__ compares the pattern, the flags and the compiled program


LAZY = r"""
import sys                                  # json would import re: only at the end
from simnet import Lab
lab = Lab.from_dict({"nodes": {"a": {"interfaces": {"eth0": "s"}, "startup": ["ip addr add 10.0.0.1/24 dev eth0"]}}})
ok = lab.run("a", "ping -c 1 -W 1.5 127.0.0.1").returncode == 0
out = {"ok": ok, "ran": [m for m in ("re", "copy") if "__getattr__" not in vars(sys.modules[m])]}
import copy, dataclasses, re
from simnet.core import dccache
from simnet.commands.resolve import _ATON_PART          # a program from the cache file, made without re
out["sub"] = _ATON_PART.sub(r"<\g<0>>", "0x1f.010")    # a template: _sre asks re to compile it
out["escape"] = dccache.re_escape("".join(map(chr, range(256))) + "äß") == re.escape("".join(map(chr, range(256))) + "äß")
out["ignorecase"] = dccache.IGNORECASE == re.IGNORECASE


@dataclasses.dataclass
class Late:
    '''String annotations: dataclasses matches them with the pattern it compiled when imported.'''
    x: "int"
    y: "dataclasses.InitVar[int]" = 0


out["fields"] = [f.name for f in dataclasses.fields(Late)]
out["asdict"] = dataclasses.asdict(Late(1, 2))
out["deepcopy"] = copy.deepcopy({"a": [1]})
out["same"] = sys.modules["re"] is re and re.compile("a+").fullmatch("aa") is not None
import json
print(json.dumps(out))
"""


def test_re_and_copy_do_not_run_on_the_cold_path_and_work_when_used(tmp_path: Path) -> None:
    fresh_python(tmp_path, LAZY)                       # writes the caches
    out = json.loads(fresh_python(tmp_path, LAZY).stdout)
    assert out["ok"]
    assert out["ran"] == []
    assert out["sub"] == "<0x1f>.<010>"
    assert out["escape"] is True and out["ignorecase"] is True
    assert out["fields"] == ["x"]                      # the InitVar is recognised in its string annotation
    assert out["asdict"] == {"x": 1} and out["deepcopy"] == {"a": [1]}
    assert out["same"] is True
