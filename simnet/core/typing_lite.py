"""What simnet's hot modules use of ``typing`` at run time, without importing ``typing``.

``typing`` costs a new process about 4 ms of its cold start (issue 20: ``simnet run``, every notebook
kernel). The modules on that path import it for mypy only (``TYPE_CHECKING = False`` / ``if
TYPE_CHECKING: from typing import …``), and take the few things they need at run time from here:

- ``NamedTuple``: ``class X(NamedTuple)`` builds the class the way ``typing.NamedTuple`` does (CPython
  3.11/3.12 ``NamedTupleMeta``): ``collections.namedtuple`` with the annotated fields and their
  defaults, then the class body's methods, properties and docstring copied onto it, the tuple-only
  attributes refused. The differences: ``__annotations__`` keeps the annotation strings (``from
  __future__ import annotations``) where ``typing`` wraps them in ``ForwardRef`` (``typing.get_type_hints``
  reads both), and there is no ``__orig_bases__``.
- ``Generic``: ``class C(Generic[T])`` and ``class D(C["X"])`` are plain subclassing at run time (the
  subscription gives the class back); the type parameters only matter to mypy.

Modules write ``if TYPE_CHECKING: from typing import NamedTuple`` / ``else: from simnet.core.typing_lite
import NamedTuple``, so mypy sees the real thing.
"""
from __future__ import annotations

from collections import namedtuple

__all__ = ["NamedTuple", "Generic"]

_PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                         "_make", "_replace", "_asdict", "_source"})
_SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})


class _NamedTupleMeta(type):
    def __new__(mcs, typename: str, bases: tuple, ns: dict) -> type:  # type: ignore[misc]
        if bases != (_NamedTupleBase,):
            raise TypeError("can only inherit from a NamedTuple type")
        types = ns.get("__annotations__", {})
        default_names = []
        for field_name in types:
            if field_name in ns:
                default_names.append(field_name)
            elif default_names:
                raise TypeError(f"Non-default namedtuple field {field_name} cannot follow default field"
                                f"{'s' if len(default_names) > 1 else ''} {', '.join(default_names)}")
        nm_tpl = namedtuple(typename, list(types), defaults=[ns[n] for n in default_names],  # type: ignore[misc]
                            module=ns["__module__"])
        nm_tpl.__annotations__ = nm_tpl.__new__.__annotations__ = dict(types)
        nm_tpl.__bases__ = (tuple,)
        for key in ns:
            if key in _PROHIBITED:
                raise AttributeError("Cannot overwrite NamedTuple attribute " + key)
            if key not in _SPECIAL and key not in nm_tpl._fields:
                setattr(nm_tpl, key, ns[key])
        return nm_tpl


# only a base to write ``class X(NamedTuple)`` against (as typing's ``_NamedTuple``): the metaclass
# turns every class statement on it into a namedtuple of its own
_NamedTupleBase = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})
NamedTuple = _NamedTupleBase


class Generic:
    """``typing.Generic`` for the run time: subscribing it (or a subclass) gives the class itself."""

    __slots__ = ()

    def __class_getitem__(cls, params: object) -> type:
        return cls
