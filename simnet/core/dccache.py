"""A bytecode cache for the methods ``@dataclass`` writes, so a new process does not compile them again.

``dataclasses`` writes ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` … of every
dataclass as source text and compiles it with ``exec`` while the module is imported. For simnet's
~70 dataclasses that compiling is about half of ``import simnet`` plus the first ``Lab.from_dict``
(issue 20: the cold path of ``simnet run`` and of every notebook kernel). Python keeps the bytecode of
modules in ``__pycache__`` but not of this text, so this module does it the same way: per module, code objects
keyed by the exact source text, in ``simnet/__pycache__/_dataclasses.<tag>.pyc`` (or under
``sys.pycache_prefix``), valid only for the interpreter's bytecode magic number, written at exit when
something new was compiled and Python may write bytecode (not with ``-B`` /
``PYTHONDONTWRITEBYTECODE``). Only simnet's own dataclasses go through it; everybody else's ``exec``
is the builtin one. A cached code object is what ``exec`` compiles from the same text (file name
``<string>``, no inherited ``__future__`` flags), so the classes are the same as without the cache.
Under CPython 3.11 the file also keeps each class's recipe (simnet.core.dcreplay): a class statement
seen before skips ``dataclasses``' text building altogether (another ~100 µs per class).
"""
import atexit
import builtins
import marshal
import os
import sys
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:      # the hints are strings: no ``from __future__ import annotations`` here, see _Cache.exec
    from typing import Any, Optional

# importlib's own bootstrap modules, loaded in every interpreter before ``site``: ``importlib.util``
# would add contextlib, importlib._abc and types to every new process for these four names (issue 20)
from _frozen_importlib import _find_spec, module_from_spec  # type: ignore[attr-defined]
from _frozen_importlib_external import MAGIC_NUMBER, cache_from_source


def _lazy(name: str) -> "Any":
    """A standard module that simnet's cold path imports but does not use, as a module object whose
    code has not run yet: the first attribute it is asked for that it does not have (PEP 562
    ``__getattr__``) runs it, in that same object, as the import would have. Unlike
    importlib.util.LazyLoader, an ``import`` of it elsewhere does not load it at once. A process
    that has imported the module already (a notebook: IPython; pytest) keeps it as it is.

    * ``inspect`` (with ast, dis, tokenize, linecache: about a fifth of ``import simnet``):
      ``dataclasses`` needs it only to write a signature into the ``__doc__`` of a class without a
      docstring, and simnet's classes have docstrings.
    * ``copy`` (with weakref): ``dataclasses`` needs it for ``asdict``/``astuple``, simnet for a
      ruleset's snapshot.
    * ``re`` (with its parser and compiler, ~4 % of a cold start): simnet's own patterns come as
      compiled programs from the cache file (:func:`re_compile`), which ``_sre`` takes without ``re``;
      ``dataclasses`` compiles one pattern when it is imported, for string annotations of classes it
      processes for real (see :func:`_import_dataclasses`)."""
    if name in sys.modules:
        return None
    spec = _find_spec(name, None)          # importlib.util.find_spec for a name not yet imported
    if spec is None or spec.loader is None:
        return None
    module = module_from_spec(spec)
    namespace = module.__dict__

    def load(attr: str) -> "Any":
        if namespace.pop("__getattr__", None) is not None:
            spec.loader.exec_module(module)      # type: ignore[union-attr]
        try:
            return namespace[attr]
        except KeyError:
            raise AttributeError(f"module '{name}' has no attribute '{attr}'") from None

    setattr(module, "__getattr__", load)
    sys.modules[name] = module
    return module


class _DeferredPattern:
    """``re.compile(pattern, flags)`` made on first use: what ``dataclasses`` gets for its one
    module-level pattern while ``re`` has not run."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: "Any" = None

    def __getattr__(self, attr: str) -> "Any":
        if self._compiled is None:
            import re

            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, attr)


def _import_dataclasses() -> "Any":
    """``import dataclasses`` with ``inspect``, ``copy`` and ``re`` not run (see :func:`_lazy`)."""
    _lazy("inspect")
    _lazy("copy")
    lazy_re = _lazy("re")
    if lazy_re is not None:
        vars(lazy_re)["compile"] = _DeferredPattern      # for dataclasses' module level only
    try:
        import dataclasses
    finally:
        if lazy_re is not None and vars(lazy_re).get("compile") is _DeferredPattern:
            del vars(lazy_re)["compile"]
    return dataclasses


dataclasses = _import_dataclasses()

import re  # noqa: E402  (the module object of _lazy: nothing runs until a pattern is compiled for real)

import _sre  # type: ignore[import-not-found]  # noqa: E402

from simnet.core import dcreplay  # noqa: E402
from simnet.core.bundle import write_cache_file  # noqa: E402

_process_class = dataclasses._process_class  # type: ignore[attr-defined]

IGNORECASE = 2                   # re.IGNORECASE, without running re (tests/test_dccache.py compares them)
_SPECIAL = {i: "\\" + chr(i) for i in b"()[]{}?*+-|^$\\.&~# \t\n\r\v\f"}     # re._special_chars_map


def re_escape(text: str) -> str:
    """``re.escape`` for a pattern built when a module is imported, without running ``re``."""
    return text.translate(_SPECIAL)


__all__ = ["install", "stats", "re_compile", "re_escape", "IGNORECASE"]

_builtin_exec = builtins.exec
_PACKAGE = "simnet"
_RE = "simnet:re"                # the file's entry for re_compile's programs
class _Cache:
    """The code objects of one process: per module, those read from the file and those compiled since.

    The file keeps each module's code objects as a marshal blob of their own, and a module's blob is
    unpacked only when that module defines its first dataclass: a process pays for what it imports,
    not for every class an installation has ever compiled. A module imported in this process runs all
    its dataclass decorators, so what it used is its whole current set: that is what is saved for it,
    and the source texts of an edited checkout do not pile up."""

    def __init__(self, path: "Optional[str]") -> None:
        self.path = path
        self.blobs: dict = _read(path) if path else {}
        self.modules: dict = {}          # module name -> {source text: code object}, unpacked or new
        self.used: dict = {}             # module name -> source texts executed in this process
        self.hits = 0
        self.compiled = 0
        self.replayed = 0                # classes made from a recipe (simnet.core.dcreplay)
        self.recorded = 0
        self.patterns: list = []         # (pattern, flags, compiled) made from the file (re_compile)
        self.saving = False

    def _codes(self, module: str) -> dict:
        codes = self.modules.get(module)
        if codes is None:
            codes = {}
            blob = self.blobs.get(module)
            if blob is not None:
                try:
                    loaded = marshal.loads(blob)
                except (EOFError, ValueError, TypeError):
                    loaded = None
                codes = loaded if isinstance(loaded, dict) else {}
            self.modules[module] = codes
        return codes

    def exec(self, source: "Any", globals: "Any" = None, locals: "Any" = None) -> None:
        """``exec`` as ``dataclasses`` calls it; simnet's generated methods come from the cache."""
        module = str(globals.get("__name__", "")) if type(globals) is dict else ""
        if type(source) is not str or module.partition(".")[0] != _PACKAGE:
            return _builtin_exec(source, globals, locals)
        codes = self._codes(module)
        code = codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            codes[source] = code
            self._changed()
            self.compiled += 1
        else:
            self.hits += 1
        self.used.setdefault(module, set()).add(source)
        return _builtin_exec(code, globals, locals)

    def _changed(self) -> None:
        if not self.saving and self.path and not sys.dont_write_bytecode:
            self.saving = True
            atexit.register(self.save)

    def re_compile(self, pattern: str, flags: int) -> "re.Pattern[str]":
        """See :func:`re_compile`."""
        codes = self._codes(_RE)
        key = ("re", pattern, flags)
        entry = codes.get(key)
        if type(entry) is tuple and len(entry) == 5:
            try:
                compiled = _sre.compile(pattern, *entry)
            except (TypeError, ValueError, RuntimeError):     # not a program this _sre takes: compile anew
                pass
            else:
                self.used.setdefault(_RE, set()).add(key)
                self.patterns.append((pattern, flags, compiled))
                return compiled
        if flags & (re.DEBUG | re.TEMPLATE) or not self.path or sys.dont_write_bytecode:
            return re.compile(pattern, flags)
        from re import _compiler, _parser  # type: ignore[attr-defined]  # re._compiler.compile's steps

        parsed = _parser.parse(pattern, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        program = [int(op) for op in _compiler._code(parsed, flags)]       # the opcodes are named ints
        entry = (int(flags | parsed.state.flags), program, parsed.state.groups - 1, groupindex, tuple(indexgroup))
        codes[key] = entry
        self.used.setdefault(_RE, set()).add(key)
        self._changed()
        return _sre.compile(pattern, *entry)

    def process_class(self, cls: type, *params: bool) -> type:
        """``dataclasses._process_class`` for simnet's classes: from the recipe of an earlier process
        when the class statement is the same (simnet.core.dcreplay), else for real, writing one down."""
        module = cls.__module__
        key = dcreplay.key_of(cls, params) if module.partition(".")[0] == _PACKAGE else None
        if key is None:
            return _process_class(cls, *params)
        codes = self._codes(module)
        name = ("recipe", cls.__qualname__)
        recipe = codes.get(name)
        if type(recipe) is tuple and len(recipe) == 2 and recipe[0] == key:
            self.used.setdefault(module, set()).add(name)
            self.replayed += 1
            return dcreplay.replay(cls, recipe[1], *params)
        if not self.path or sys.dont_write_bytecode:
            return _process_class(cls, *params)          # a recipe that no file keeps is not worth writing
        before = dict(cls.__dict__)
        made = _process_class(cls, *params)
        recipe = dcreplay.record(cls, before, key)
        if recipe is not None:
            codes[name] = recipe
            self.used.setdefault(module, set()).add(name)
            self._changed()
            self.recorded += 1
        return made

    def save(self) -> None:
        """Write the cache atomically; a read-only installation simply stays without one."""
        if not self.path:
            return
        blobs = dict(self.blobs)
        for module, used in self.used.items():
            codes = self.modules[module]
            try:
                blobs[module] = marshal.dumps({k: v for k, v in codes.items() if k in used})
            except ValueError:          # something marshal cannot keep: that module goes without
                blobs.pop(module, None)
        write_cache_file(self.path, [MAGIC_NUMBER + marshal.dumps(blobs)])


def re_compile(pattern: str, flags: int = 0) -> "re.Pattern[str]":
    """``re.compile`` for the patterns simnet's modules compile when they are imported (issue 20: ~4 %
    of a cold start is re's parser and compiler, in Python). The program ``re`` makes of a pattern –
    what ``re._compiler.compile`` hands to ``_sre.compile`` – is kept in the cache file like the
    dataclass methods, so a later process hands it over directly: the same pattern object (equal to
    ``re.compile``'s, which tests/test_dccache.py checks). Only under CPython 3.11; elsewhere, and
    without a cache file, it is ``re.compile``."""
    if _cache is None or not dcreplay.SUPPORTED or type(pattern) is not str:
        return re.compile(pattern, flags)
    return _cache.re_compile(pattern, int(flags))


def _read(path: str) -> dict:
    """module name -> marshal blob of its code objects; empty for a missing, foreign or older file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    if not data.startswith(MAGIC_NUMBER):
        return {}
    try:
        blobs = marshal.loads(data[len(MAGIC_NUMBER):])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(blobs, dict) or not all(isinstance(v, bytes) for v in blobs.values()):
        return {}
    return blobs


def _path() -> "Optional[str]":
    try:
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        return cache_from_source(os.path.join(here, "_dataclasses.py"))
    except (NotImplementedError, ValueError):      # no cache tag: an interpreter without bytecode caching
        return None


_cache: "Optional[_Cache]" = None


def install() -> None:
    """Route ``dataclasses``' compiling through the cache (once per process)."""
    global _cache
    if _cache is None:
        _cache = _Cache(_path())
        dataclasses.exec = _cache.exec  # type: ignore[attr-defined]  # shadows the builtin for dataclasses only
        if dcreplay.SUPPORTED:
            dataclasses._process_class = _cache.process_class  # type: ignore[attr-defined]


def stats() -> "dict[str, Any]":
    """Hits and compilations of this process, and the file (for tests and bench/run.py)."""
    if _cache is None:
        return {"path": None, "hits": 0, "compiled": 0, "replayed": 0, "recorded": 0}
    return {"path": _cache.path, "hits": _cache.hits, "compiled": _cache.compiled, "replayed": _cache.replayed,
            "recorded": _cache.recorded}
