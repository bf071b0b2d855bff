"""simnet's modules from one file: the import system's per-module search skipped on a cold start.

Importing a module the usual way costs more than running it: the path finder lists and stats the
package's directory, works out the ``__pycache__`` file name, opens and reads that file, checks its
header against the source and only then unmarshals the code – for each of the ~110 modules that a
new process of simnet imports before its first ping (issue 20: ``simnet run``, ``simnet exercise
check`` and every notebook kernel start this way). This module keeps the compiled code of simnet's
own modules in a single file, ``simnet/__pycache__/_bundle.<tag>.pyc`` (beside the cache of
simnet.core.dccache), read once; a finder in front of ``sys.meta_path`` hands a module its code from
there when the bundle holds the module *and* its source file is still the one the code was compiled
from (modification time in ns and size, as a ``.pyc`` header checks them: one ``stat``). Anything
else – a new or edited module, a missing or foreign file – goes the usual way, and at exit the
modules imported that way are added to the file for the next process (only where Python may write
bytecode: not with ``-B``/``PYTHONDONTWRITEBYTECODE``, not in a read-only installation).

A module from the bundle is the same as one imported the usual way: same code object (compiled from
the same source with the same flags), ``__file__``, ``__cached__``, ``__spec__.origin``, a loader that
gives ``get_source`` for tracebacks. Only simnet's modules go through it, never anybody else's.
"""
import _imp
import atexit
import marshal
import os
import sys

from _frozen_importlib import ModuleSpec  # type: ignore[attr-defined]
from _frozen_importlib_external import MAGIC_NUMBER, cache_from_source, decode_source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = ["install", "stats", "write_cache_file"]

_PACKAGE = "simnet"


class _Finder:
    """The meta path finder and loader for the modules the bundle holds (PEP 451).

    The file is ``MAGIC_NUMBER``, the length of the index (4 bytes, little endian), the index (a
    marshalled dict: module name -> relative source path, its mtime in ns and size, package or not,
    offset and length of its code), then the marshalled code objects one after the other. A process
    reads the index, and each module's code only when it imports it (``os.pread``): the file may
    hold every module of simnet while a cold start needs a third of them."""

    def __init__(self, root: str, path: "Optional[str]") -> None:
        self.root = root                 # the directory that holds the package simnet
        self.path = path
        self.fd = -1
        self.base = 0                    # where the code objects start
        self.entries: dict = self._open() if path else {}
        self.hits = 0
        self.missed: set[str] = set()    # modules imported the usual way in this process
        self.saving = False

    def _open(self) -> dict:
        """The index of a file of this interpreter's bytecode; empty for a missing, foreign or broken one."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))   # type: ignore[arg-type]
        except OSError:
            return {}
        head = len(MAGIC_NUMBER) + 4
        try:
            start = os.pread(fd, head, 0)
            if len(start) == head and start.startswith(MAGIC_NUMBER):
                size = int.from_bytes(start[-4:], "little")
                index = marshal.loads(os.pread(fd, size, head))
                # every module's code within the file (a truncated one is no bundle at all)
                end = os.fstat(fd).st_size - head - size
                if isinstance(index, dict) and all(e[4] + e[5] <= end for e in index.values()):
                    self.fd = fd
                    self.base = head + size
                    return index
        except (OSError, EOFError, ValueError, TypeError, IndexError):
            pass
        os.close(fd)
        return {}

    def find_spec(self, name: str, path: "Any" = None, target: "Any" = None) -> "Optional[ModuleSpec]":
        if not name.startswith(_PACKAGE) or (len(name) > len(_PACKAGE) and name[len(_PACKAGE)] != "."):
            return None
        entry = self.entries.get(name)
        if entry is not None:
            origin = os.path.join(self.root, entry[0])
            try:
                st = os.stat(origin)
            except OSError:
                st = None
            if st is not None and st.st_mtime_ns == entry[1] and st.st_size == entry[2]:
                spec = ModuleSpec(name, self, origin=origin, is_package=entry[3])   # type: ignore[arg-type]
                spec.has_location = True
                if entry[3]:
                    spec.submodule_search_locations = [os.path.dirname(origin)]
                self.hits += 1
                return spec
        self._missed(name)
        return None

    def _missed(self, name: str) -> None:
        self.missed.add(name)
        if not self.saving and self.path and not sys.dont_write_bytecode:
            self.saving = True
            atexit.register(self.save)

    def create_module(self, spec: ModuleSpec) -> None:
        return None                      # the default module object

    def exec_module(self, module: "Any") -> None:
        exec(self.get_code(module.__name__), module.__dict__)

    def _blob(self, name: str) -> bytes:
        entry = self.entries[name]
        blob = os.pread(self.fd, entry[5], self.base + entry[4])
        if len(blob) != entry[5]:
            raise ImportError(f"{self.path}: truncated", name=name)
        return blob

    def get_code(self, name: str) -> "Any":
        code = marshal.loads(self._blob(name))
        # as SourceLoader does: a tree moved elsewhere names its files where they are now
        _imp._fix_co_filename(code, self.get_filename(name))  # type: ignore[attr-defined]
        return code

    def get_source(self, name: str) -> str:
        with open(self.get_filename(name), "rb") as f:
            return decode_source(f.read())

    def get_filename(self, name: str) -> str:
        return os.path.join(self.root, self.entries[name][0])

    def is_package(self, name: str) -> bool:
        return bool(self.entries[name][3])

    def get_resource_reader(self, name: str) -> "Any":
        """importlib.resources for a package from the bundle: its directory, as the file loader's."""
        from importlib.readers import FileReader

        class _Located:
            path = self.get_filename(name)

        return FileReader(_Located())   # type: ignore[arg-type]

    def save(self) -> None:
        """The file anew with the modules this process imported the usual way added; atomically,
        and quietly giving up where it cannot be written."""
        if not self.path:
            return
        blobs: dict = {}
        for name, entry in self.entries.items():
            try:
                blobs[name] = (entry[:4], self._blob(name))
            except (OSError, ImportError):
                pass
        changed = False
        for name in self.missed:
            module = sys.modules.get(name)
            spec: "Any" = getattr(module, "__spec__", None)
            loader = getattr(spec, "loader", None)
            origin = getattr(spec, "origin", None)
            if loader is None or loader is self or type(origin) is not str or not origin.endswith(".py"):
                continue
            try:
                st = os.stat(origin)
                blob = marshal.dumps(loader.get_code(name))
            except (OSError, ImportError, ValueError, AttributeError, SyntaxError):
                continue
            rel = os.path.relpath(origin, self.root)
            blobs[name] = ((rel, st.st_mtime_ns, st.st_size, spec.submodule_search_locations is not None), blob)
            changed = True
        if not changed:
            return
        index: dict = {}
        offset = 0
        for name, (meta, blob) in blobs.items():
            index[name] = (*meta, offset, len(blob))
            offset += len(blob)
        head = marshal.dumps(index)
        write_cache_file(self.path, [MAGIC_NUMBER + len(head).to_bytes(4, "little") + head,
                                     *(blob for _meta, blob in blobs.values())])


def write_cache_file(path: str, parts: "list[bytes]") -> None:
    """Write a cache file atomically (a reader sees the old file or the new one, never half of it);
    where it cannot be written (a read-only installation), there simply is none."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            for part in parts:
                f.write(part)
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


_finder: "Optional[_Finder]" = None


def install(package_dir: str) -> None:
    """Put the finder in front of ``sys.meta_path`` (once per process)."""
    global _finder
    if _finder is not None or not hasattr(os, "pread"):      # pread: POSIX (not Windows)
        return
    root = os.path.dirname(package_dir)
    try:
        path: "Optional[str]" = cache_from_source(os.path.join(package_dir, "_bundle.py"))
    except (NotImplementedError, ValueError):
        path = None
    _finder = _Finder(root, path)
    sys.meta_path.insert(0, _finder)


def stats() -> "dict[str, Any]":
    if _finder is None:
        return {"path": None, "hits": 0, "missed": 0, "modules": 0}
    return {"path": _finder.path, "hits": _finder.hits, "missed": len(_finder.missed),
            "modules": len(_finder.entries)}
