"""The cold path (a new process: ``from simnet import Lab``, ``Lab.from_dict``, the first ping, as
``simnet run`` and every notebook kernel start walk it) loads no standard module it does not need.

``typing`` alone is ~4 ms of it (issue 20), contextlib, pathlib (with urllib.parse, fnmatch, ntpath)
and importlib.util another ~4 ms. A module on that path writes its type-only imports as::

    TYPE_CHECKING = False      # typing's, without importing typing
    if TYPE_CHECKING:
        from typing import Any, Callable

(mypy treats the name ``TYPE_CHECKING`` as typing's), ``A | B`` for a run-time union,
``collections.abc`` for a run-time ``Callable``, ``simnet.core.typing_lite`` for a named tuple or a generic class,
and imports a module like pathlib inside the function that needs it.
"""
from __future__ import annotations

import json
from pathlib import Path

from bench.run import PING, SUBNET_ROUTER
from tests.test_dccache import fresh_python

NOT_ON_THE_COLD_PATH = ("typing", "contextlib", "pathlib", "importlib.util", "urllib.parse", "fnmatch", "ast",
                        "tokenize", "dis", "json", "shlex", "argparse", "textwrap", "string", "hashlib", "warnings",
                        "datetime", "base64")

COLD = """
import sys
from simnet import Lab
lab = Lab.from_dict(eval(sys.argv[1]))
res = lab.run(sys.argv[2], sys.argv[3])
loaded = sorted(m for m in %r if m in sys.modules)
# a module of dccache._lazy has run once its namespace has more than the import system's entries
ran = sorted(m for m in ("inspect", "re", "copy") if m in sys.modules and "__getattr__" not in vars(sys.modules[m]))
import json
print(json.dumps({"stdout": res.stdout, "loaded": loaded, "inspect ran": ran}))
""" % (NOT_ON_THE_COLD_PATH,)


def test_the_cold_path_loads_none_of_the_heavy_standard_modules(tmp_path: Path) -> None:
    fresh_python(tmp_path, COLD, repr(SUBNET_ROUTER), *PING)     # the first run writes the caches
    out = json.loads(fresh_python(tmp_path, COLD, repr(SUBNET_ROUTER), *PING).stdout)
    assert " 0% packet loss" in out["stdout"]
    assert out["inspect ran"] == [], "simnet.core.dccache._lazy says why these need not run on the cold path"
    assert out["loaded"] == [], (f"the cold path now imports {out['loaded']}: see this test's docstring for "
                                 "how to keep a module's type hints without importing them at run time")


CLI = """
import sys
from simnet.cli import main
sys.argv = ["simnet", "run", "heimnetz", "maschinchen", "--", "ping", "-c", "1", "203.0.113.10"]
code = main()
loaded = sorted(m for m in ("typing", "contextlib", "importlib.util", "simnet.exercises") if m in sys.modules)
print("LOADED", loaded, code)
"""


def test_simnet_run_on_the_seed_lab_loads_neither_typing_nor_the_exercises(tmp_path: Path) -> None:
    res = fresh_python(tmp_path, CLI)
    assert " 0% packet loss" in res.stdout
    assert res.stdout.splitlines()[-1] == "LOADED [] 0", "see this test's docstring: " + res.stdout.splitlines()[-1]


GC = """
import gc
walked = []
gc.callbacks.append(lambda phase, info: walked.append(gc.get_count()) if phase == "start" else None)
import simnet
print(gc.isenabled(), gc.get_freeze_count(), gc.get_count()[0] < 700,
      any(o is simnet.Lab for o in gc.get_objects(generation=2)), len(walked))
"""


def test_import_leaves_its_objects_in_the_oldest_generation_without_walking_them(tmp_path: Path) -> None:
    """What ``import simnet`` made lives on: it goes to the oldest generation as it is, and the first
    young collection afterwards does not walk it (simnet/__init__.py)."""
    fresh_python(tmp_path, GC)
    enabled, frozen, young_is_small, lab_is_old, collections = fresh_python(tmp_path, GC).stdout.split()
    assert (enabled, frozen, young_is_small, lab_is_old) == ("True", "0", "True", "True")
    assert int(collections) <= 2            # the interpreter's own start may collect once or twice
