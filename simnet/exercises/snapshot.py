"""The lab of a running fix exercise, kept between two ``simnet exercise run`` calls.

Without it every ``run`` rebuilt the broken lab and replayed every command typed so far,
so one slow command made each later ``run`` slow. The snapshot is a pickle of the Lab,
read back with an unpickler that only builds simnet's own classes and the few standard
types a lab holds (addresses, counters), never arbitrary code. When a lab cannot be
pickled (a background job holds a closure) or the snapshot is stale, the caller replays.
"""
from __future__ import annotations

import io
import pickle
from typing import Any

__all__ = ["dump_lab", "load_lab"]

_ALLOWED = {
    "ipaddress": {"IPv4Address", "IPv4Network", "IPv4Interface", "IPv6Address", "IPv6Network", "IPv6Interface"},
    "itertools": {"count"},
    "collections": {"deque", "OrderedDict", "defaultdict", "Counter"},
    "datetime": {"datetime", "timezone", "timedelta", "date"},
    "copyreg": {"_reconstructor"},
    "builtins": {"set", "frozenset", "dict", "list", "tuple", "object", "int", "float", "str", "bytes", "bool",
                 "getattr", "range", "slice", "complex", "bytearray"},
}


def _getattr(obj: Any, name: str) -> Any:
    """A bound method in the pickle (a timer's callback) is getattr(obj, name): never a dunder."""
    if not isinstance(name, str) or name.startswith("__"):
        raise pickle.UnpicklingError(f"refused attribute {name!r}")
    return getattr(obj, name)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name == "getattr":
            return _getattr
        if (module.startswith("simnet.") or name in _ALLOWED.get(module, ())) and not name.startswith("__"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def dump_lab(lab: Any) -> bytes | None:
    """The lab as bytes, or None when it holds something that cannot be kept (a closure)."""
    try:
        return pickle.dumps(lab, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None


def load_lab(data: bytes) -> Any | None:
    """The lab back, or None when the snapshot does not belong to this simnet (or was tampered with)."""
    try:
        return _Unpickler(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001 - any broken snapshot just means: replay the commands
        return None
