"""A bytecode cache for the methods ``@dataclass`` writes, so a new process does not compile them again.

``dataclasses`` writes ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` … of every
dataclass as source text and compiles it with ``exec`` while the module is imported. For simnet's
~70 dataclasses that compiling is about half of ``import simnet`` plus the first ``Lab.from_dict``
(issue 20: the cold path of ``simnet run`` and of every notebook kernel). Python keeps the bytecode of
modules in ``__pycache__`` but not of this text, so this module does it the same way: code objects
keyed by the exact source text, in ``simnet/__pycache__/_dataclasses.<tag>.pyc`` (or under
``sys.pycache_prefix``), valid only for the interpreter's bytecode magic number, written at exit when
something new was compiled and Python may write bytecode (not with ``-B`` /
``PYTHONDONTWRITEBYTECODE``). Only simnet's own dataclasses go through it; everybody else's ``exec``
is the builtin one. A cached code object is what ``exec`` compiles from the same text (file name
``<string>``, no inherited ``__future__`` flags), so the classes are the same as without the cache.
"""
import atexit
import builtins
import importlib.util
import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER, cache_from_source
from typing import Any, Optional


def _lazy_inspect() -> None:
    """``dataclasses`` imports ``inspect`` (and with it ast, dis, tokenize, linecache: about a fifth of
    ``import simnet``) only to write a signature into the ``__doc__`` of a class that has no docstring.
    simnet's classes on the cold path have docstrings, so a process that has not imported ``inspect``
    yet gets the module object with its code not yet run: the first attribute it is asked for that it
    does not have (PEP 562 ``__getattr__``) runs it, in that same object, as the import would have.
    Unlike importlib.util.LazyLoader, an ``import inspect`` elsewhere does not load it at once. In a
    notebook IPython has imported it long before, and nothing changes."""
    if "inspect" in sys.modules:
        return
    spec = importlib.util.find_spec("inspect")
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)

    def load(name: str) -> Any:
        namespace = module.__dict__
        if namespace.pop("__getattr__", None) is not None:
            spec.loader.exec_module(module)      # type: ignore[union-attr]
        try:
            return namespace[name]
        except KeyError:
            raise AttributeError(f"module 'inspect' has no attribute '{name}'") from None

    module.__getattr__ = load      # type: ignore[attr-defined]
    sys.modules["inspect"] = module


_lazy_inspect()

import dataclasses  # noqa: E402  (after the lazy inspect above)

__all__ = ["install", "stats"]

_builtin_exec = builtins.exec
_PACKAGE = "simnet"
_MAX = 4000                     # entries kept: old source texts of an edited checkout do not pile up


class _Cache:
    """The code objects of one process: those read from the file, and those compiled since."""

    def __init__(self, path: Optional[str]) -> None:
        self.path = path
        self.codes: dict = _read(path) if path else {}
        self.used: set = set()
        self.hits = 0
        self.compiled = 0

    def exec(self, source: Any, globals: Any = None, locals: Any = None) -> None:
        """``exec`` as ``dataclasses`` calls it; simnet's generated methods come from the cache."""
        if type(source) is not str or type(globals) is not dict \
                or str(globals.get("__name__", "")).partition(".")[0] != _PACKAGE:
            return _builtin_exec(source, globals, locals)
        code = self.codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.codes[source] = code
            if not self.compiled and self.path and not sys.dont_write_bytecode:
                atexit.register(self.save)
            self.compiled += 1
        else:
            self.hits += 1
        self.used.add(source)
        return _builtin_exec(code, globals, locals)

    def save(self) -> None:
        """Write the cache atomically; a read-only installation simply stays without one."""
        if not self.path:
            return
        codes = self.codes
        if len(codes) > _MAX:
            codes = {k: v for k, v in codes.items() if k in self.used}
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(MAGIC_NUMBER + marshal.dumps(codes))
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    if not data.startswith(MAGIC_NUMBER):
        return {}
    try:
        codes = marshal.loads(data[len(MAGIC_NUMBER):])
    except (EOFError, ValueError, TypeError):
        return {}
    return codes if isinstance(codes, dict) else {}


def _path() -> Optional[str]:
    try:
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        return cache_from_source(os.path.join(here, "_dataclasses.py"))
    except (NotImplementedError, ValueError):      # no cache tag: an interpreter without bytecode caching
        return None


_cache: Optional[_Cache] = None


def install() -> None:
    """Route ``dataclasses``' compiling through the cache (once per process)."""
    global _cache
    if _cache is None:
        _cache = _Cache(_path())
        dataclasses.exec = _cache.exec  # type: ignore[attr-defined]  # shadows the builtin for dataclasses only


def stats() -> dict[str, Any]:
    """Hits and compilations of this process, and the file (for tests and bench/run.py)."""
    if _cache is None:
        return {"path": None, "hits": 0, "compiled": 0}
    return {"path": _cache.path, "hits": _cache.hits, "compiled": _cache.compiled}
