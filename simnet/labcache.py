"""simnet's own lab files, parsed once and kept beside its bytecode, so a new process reads them without YAML.

Why: ``import yaml`` alone cost a new process more CPU than building the lab it reads (issue 20), and
in the browser PyYAML is pure Python. A shipped lab (``simnet/labs/*.yaml``) is parsed as always the
first time; its data and key lines are then kept with marshal (format 4, which every Python since 3.4
reads) in ``__pycache__`` (or under ``sys.pycache_prefix``), written like a .pyc (not with ``-B`` or
PYTHONDONTWRITEBYTECODE), and used only while the file's text is exactly the text that was parsed.
Learners' lab files are not cached: nothing is ever written beside them.
"""
from __future__ import annotations

import marshal
import os
import sys
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

# importlib.util's cache_from_source is this one; importlib.util itself would add contextlib and types
from _frozen_importlib_external import cache_from_source

if TYPE_CHECKING:
    from typing import Any, Optional

    from simnet.labfile import Source

__all__ = ["parse_shipped", "cache_path", "write_cache"]

_FORMAT = 4


def cache_path(path: str) -> Optional[str]:
    """Where the parsed form of the lab file ``path`` is kept (``__pycache__/NAME.<tag>.lab``)."""
    try:
        pyc = cache_from_source(os.path.splitext(path)[0] + ".py")
    except (NotImplementedError, ValueError):        # no cache tag: an interpreter without bytecode caching
        return None
    return pyc[:-len(".pyc")] + ".lab"


def parse_shipped(text: str, path: str) -> tuple[Any, "Source"]:
    """``parse_lab_text`` for a shipped lab, from the cache when it holds this very text."""
    from simnet.labfile import Source, parse_lab_text

    cached = cache_path(path)
    if cached is not None:
        kept = _read(cached, text)
        if kept is not None:
            return kept[0], Source(path, kept[1])
    data, source = parse_lab_text(text, path)
    if cached is not None and not sys.dont_write_bytecode:
        write_cache(cached, text, data, source.lines)
    return data, source


def _read(cached: str, text: str) -> Optional[tuple[Any, dict[str, int]]]:
    try:
        with open(cached, "rb") as f:
            kept = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if type(kept) is not tuple or len(kept) != 3 or kept[0] != text or type(kept[2]) is not dict:
        return None
    return kept[1], kept[2]


def write_cache(cached: str, text: str, data: Any, lines: dict[str, int]) -> bool:
    """Write atomically; False where it cannot be (read-only installation, data marshal cannot hold)."""
    try:
        blob = marshal.dumps((text, data, lines), _FORMAT)
    except ValueError:                    # a YAML date or another type marshal does not know: no cache
        return False
    tmp = f"{cached}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, cached)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True
