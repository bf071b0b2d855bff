"""Every simnet dataclass made from a recipe (simnet.core.dcreplay) is the class ``dataclasses`` makes:
the same namespace in the same order, the same methods (code, names, defaults, closures, annotations,
the repr wrapper), the same fields and parameters, slots and MRO. Two fresh processes import every
module of simnet: the first processes each class for real and writes the recipes, the second replays."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from simnet.core import dcreplay
from tests.test_dccache import fresh_python

FINGERPRINT = r'''
import importlib, json, pkgutil, re, sys, types
import simnet
from simnet.core import dccache

for info in pkgutil.walk_packages(simnet.__path__, "simnet."):
    if not info.name.startswith(("simnet.views", "simnet._")):       # views need matplotlib
        importlib.import_module(info.name)


def r(value):          # a repr without the addresses, which differ from process to process
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))


def where(value, cls):
    for name, f in getattr(cls, "__dataclass_fields__", {}).items():
        for kind in ("default", "default_factory", "type"):
            if getattr(f, kind) is value:
                return f"{kind} of {name}"
    if value is cls or (isinstance(value, type) and value.__qualname__ == cls.__qualname__):
        return "the class"
    return r(value) if not isinstance(value, types.FunctionType) else f"function {value.__qualname__}"


def function(fn, cls):
    code = fn.__code__
    return {"qualname": fn.__qualname__, "name": fn.__name__, "module": fn.__module__,
            "code": [code.co_code.hex(), r(code.co_consts), code.co_names, code.co_varnames, code.co_freevars,
                     code.co_filename, code.co_name, code.co_qualname, code.co_flags],
            "defaults": [where(v, cls) for v in fn.__defaults__ or ()],
            "kwdefaults": r(fn.__kwdefaults__),
            "closure": [where(c.cell_contents, cls) for c in fn.__closure__ or ()],
            "annotations": {k: where(v, cls) for k, v in fn.__annotations__.items()},
            "doc": fn.__doc__, "dict": sorted(vars(fn)),
            "wrapped": function(fn.__wrapped__, cls) if hasattr(fn, "__wrapped__") else None,
            "globals": fn.__globals__ is sys.modules[cls.__module__].__dict__}


out = {}
for name, module in sorted(sys.modules.items()):
    if not name.startswith("simnet"):
        continue
    for cls in list(vars(module).values()):
        if not isinstance(cls, type) or "__dataclass_fields__" not in cls.__dict__ or cls.__module__ != name:
            continue
        ns = {}
        for key, value in cls.__dict__.items():
            ns[key] = function(value, cls) if isinstance(value, types.FunctionType) else where(value, cls)
        out[f"{name}.{cls.__qualname__}"] = {
            "keys": list(cls.__dict__), "ns": ns, "mro": [c.__qualname__ for c in cls.__mro__],
            "fields": {k: r(f) for k, f in cls.__dataclass_fields__.items()},
            "params": r(cls.__dataclass_params__), "abstract": sorted(getattr(cls, "__abstractmethods__", ())),
        }
print(json.dumps({"classes": out, "stats": dccache.stats()}))
'''


def _fingerprint(cache: Path) -> dict:
    return json.loads(fresh_python(cache, FINGERPRINT).stdout)


@pytest.mark.skipif(not dcreplay.SUPPORTED, reason="replays only CPython 3.11's dataclasses")
def test_every_dataclass_from_a_recipe_is_the_one_dataclasses_makes(tmp_path: Path) -> None:
    real = _fingerprint(tmp_path)
    assert real["stats"]["replayed"] == 0 and real["stats"]["recorded"] > 100
    replayed = _fingerprint(tmp_path)
    assert replayed["stats"]["replayed"] == real["stats"]["recorded"] and replayed["stats"]["recorded"] == 0
    assert len(real["classes"]) > 100
    for name, want in real["classes"].items():
        assert replayed["classes"][name] == want, name
    assert replayed["classes"].keys() == real["classes"].keys()


PROBE = r'''
import json, sys, types
import simnet
from simnet.core import dccache

SOURCE = sys.argv[1]
module = types.ModuleType("simnet._dcprobe")
sys.modules[module.__name__] = module
exec(compile(SOURCE, "<probe>", "exec"), module.__dict__)
Sub = module.Sub
out = {"stats": dccache.stats(), "repr": repr(Sub(1)), "fields": list(Sub.__dataclass_fields__),
       "eq": Sub(1) == Sub(1), "doc": Sub.__doc__}
try:
    out["two"] = repr(Sub(1, 2))
except TypeError as exc:
    out["two"] = str(exc)
print(json.dumps(out))
'''

BASE = '''
from __future__ import annotations
from dataclasses import dataclass, field


@dataclass
class Base:
    """A base."""
    a: int
    b: int = 0


@dataclass
class Sub(Base):
    """A subclass."""
    c: list = field(default_factory=list)
'''


def _probe(cache: Path, source: str) -> dict:
    return json.loads(fresh_python(cache, PROBE, source).stdout)


@pytest.mark.skipif(not dcreplay.SUPPORTED, reason="replays only CPython 3.11's dataclasses")
def test_an_edited_class_or_base_is_processed_again_not_replayed(tmp_path: Path) -> None:
    first = _probe(tmp_path, BASE)
    assert first["stats"]["recorded"] >= 2 and first["repr"] == "Sub(a=1, b=0, c=[])"
    again = _probe(tmp_path, BASE)
    assert again["stats"]["replayed"] >= 2 and {k: v for k, v in again.items() if k != "stats"} == \
        {k: v for k, v in first.items() if k != "stats"}
    # the base's b loses its default and gains a field: Sub's __init__ is another one, from real processing
    edited = BASE.replace("    b: int = 0\n", "    b: int = 5\n    d: str = 'x'\n")
    changed = _probe(tmp_path, edited)
    assert changed["repr"] == "Sub(a=1, b=5, d='x', c=[])" and changed["fields"] == ["a", "b", "d", "c"]
    assert changed["stats"]["recorded"] >= 2
    # only a default's value changes: the recipe stands, the value comes from the class body
    valued = _probe(tmp_path, edited.replace("b: int = 5", "b: int = 7"))
    assert valued["repr"] == "Sub(a=1, b=7, d='x', c=[])" and valued["two"] == "Sub(a=1, b=2, d='x', c=[])"
