"""``@dataclass`` on a class seen before: the same result without ``dataclasses``' text building.

``dataclasses._process_class`` spends ~100 µs per class even when simnet.core.dccache hands it the
compiled methods: it builds every method's source text field by field, matches each annotation
against regular expressions (ClassVar? InitVar? KW_ONLY?), and wraps it all up. A new process of
simnet (issue 20: ``simnet run``, every notebook kernel) runs it for some 60 classes before the first
ping. The first time a class is processed for real, this module writes down a *recipe*: for every
method ``dataclasses`` made, its compiled function and where each of its free variables, defaults
and annotations came from (a field's default, default factory or type, the class itself, or one of
``dataclasses``' sentinels), all checked against the objects the real run produced. The next process
whose class statement has the same *key* – name, decorator arguments, annotations, what kind of
default each field has, which dunder methods the body defines, the dataclass fields of its bases –
makes the same methods from the recipe and does everything else exactly as ``_process_class`` does
(the fields, the class attributes, the frozen and slots handling, ``update_abstractmethods``).

Only CPython 3.11's ``dataclasses`` (Debian 12's Python) is replayed, and only plain fields (no
ClassVar, InitVar, KW_ONLY, metadata) of classes with a docstring; anything else is processed for
real. tests/test_dcreplay.py compares every simnet dataclass built both ways.
"""
import abc
import builtins
import dataclasses as _dc
import itertools
import sys
import types

TYPE_CHECKING = False
if TYPE_CHECKING:      # the hints are strings: this module needs no typing at run time
    from typing import Any, Optional

__all__ = ["SUPPORTED", "key_of", "record", "replay"]

SUPPORTED = sys.version_info[:2] == (3, 11)

_ABSENT = object()
_CONST = {"MISSING": _dc.MISSING, "_HAS_DEFAULT_FACTORY": getattr(_dc, "_HAS_DEFAULT_FACTORY", _ABSENT),
          "__dataclass_builtins_object__": builtins.object,
          "FrozenInstanceError": _dc.FrozenInstanceError, "None": None}
_WRAPPER = getattr(_dc, "_recursive_repr", None)
_WRAPPER_CODE = _WRAPPER(lambda self: "").__code__ if _WRAPPER is not None else None
_BUILT = frozenset({"__dataclass_params__", "__dataclass_fields__"})
_FunctionType = types.FunctionType
_CellType = types.CellType


def key_of(cls: type, params: tuple) -> "Optional[tuple]":
    """What ``_process_class`` reads of ``cls`` (everything its output depends on), or None when this
    class is one to process for real."""
    d = cls.__dict__
    if not d.get("__doc__"):
        return None                       # the generated docstring needs inspect.signature
    fields = []
    for name, tp in d.get("__annotations__", {}).items():
        if type(tp) is not str or "ClassVar" in tp or "InitVar" in tp or "KW_ONLY" in tp:
            return None
        value = d.get(name, _ABSENT)
        if value is _ABSENT:
            kind: "Any" = 0
        elif type(value) is _dc.Field:
            if value.metadata:
                return None
            kind = (value.default is _dc.MISSING, value.default_factory is _dc.MISSING, value.init, value.repr,
                    value.hash, value.compare, value.kw_only is _dc.MISSING or value.kw_only)
        elif type(value).__hash__ is None or isinstance(value, types.MemberDescriptorType):
            return None                   # a mutable default (real processing raises) or a slot
        else:
            kind = type(value).__qualname__
        fields.append((name, tp, kind))
    bases = tuple((b.__module__, b.__qualname__, _fields_key(getattr(b, "__dataclass_fields__", None)),
                   getattr(getattr(b, "__dataclass_params__", None), "frozen", None)) for b in cls.__mro__[1:])
    dunders = tuple(k for k in d if k[:2] == "__" == k[-2:])
    return (cls.__qualname__, params, tuple(fields), bases, dunders, d.get("__hash__", 0) is None,
            hasattr(cls, "__post_init__"))


def _fields_key(fields: "Optional[dict]") -> tuple:
    """A base class's dataclass fields as far as a subclass's generated methods depend on them."""
    if not fields:
        return ()
    return tuple((f.name, f.type if type(f.type) is str else repr(f.type), f.default is _dc.MISSING,
                  f.default_factory is _dc.MISSING, f.init, f.repr, f.hash, f.compare, f.kw_only,
                  str(f._field_type)) for f in fields.values())


def _source(spec: tuple, cls: type, fields: dict) -> "Any":
    """The object a recipe's spec names, in this process."""
    kind = spec[0]
    if kind == "const":
        return _CONST[spec[1]]
    if kind == "cls":
        return cls
    f = fields[spec[1]]
    return f.default if kind == "default" else f.default_factory if kind == "factory" else f.type


def _spec_for_var(name: str, fields: dict) -> "Optional[tuple]":
    """Where a free variable of a generated method comes from, by the name dataclasses gives it."""
    if name in _CONST:
        return ("const", name)
    if name == "cls":
        return ("cls",)
    if name.startswith("_type_") and name[6:] in fields:
        return ("type", name[6:])
    if name.startswith("_dflt_") and name[6:] in fields:          # 3.11's name for a default (factory)
        f = fields[name[6:]]
        return ("factory" if f.default_factory is not _dc.MISSING else "default", name[6:])
    return None


def _spec_for_param(name: str, fields: dict) -> "Optional[tuple]":
    """Where a generated __init__'s default for parameter ``name`` comes from."""
    f = fields.get(name)
    if f is None:
        return None
    return ("const", "_HAS_DEFAULT_FACTORY") if f.default_factory is not _dc.MISSING else ("default", name)


def _function_recipe(fn: "Any", cls: type, fields: dict) -> "Optional[tuple]":
    """(code, qualname, free variable specs, default specs, annotation specs) of one generated
    function, each spec checked to give the very object the real run used; None if one does not."""
    code = fn.__code__
    if code.co_filename != "<string>" or fn.__kwdefaults__ or fn.__doc__ is not None:
        return None
    free = []
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        spec = _spec_for_var(name, fields)
        if spec is None or _source(spec, cls, fields) is not cell.cell_contents:
            return None
        free.append(spec)
    defaults = []
    params = code.co_varnames[:code.co_argcount]
    for name, value in zip(params[len(params) - len(fn.__defaults__ or ()):], fn.__defaults__ or ()):
        spec = _spec_for_param(name, fields)
        if spec is None or _source(spec, cls, fields) is not value:
            return None
        defaults.append(spec)
    annotations = []
    for name, value in fn.__annotations__.items():
        spec = ("const", "None") if name == "return" else ("type", name) if name in fields else None
        if spec is None or _source(spec, cls, fields) is not value:
            return None
        annotations.append((name, spec))
    return (code, fn.__qualname__, tuple(free), tuple(defaults), tuple(annotations))


def record(cls: type, before: dict, key: tuple) -> "Optional[tuple]":
    """The recipe of ``cls`` after real processing (``cls`` is the class the statement made, also when
    slots made a new one: that one is built from it), ``before`` its namespace before; None if some
    change is not one this module can make again."""
    fields = cls.__dict__.get("__dataclass_fields__", {})
    if any(f._field_type is not _dc._FIELD for f in fields.values()):       # type: ignore[attr-defined]
        return None
    steps: list = []
    for name, value in cls.__dict__.items():
        if name in _BUILT or (name in before and before[name] is value) or name in fields:
            continue
        if name == "__match_args__" and type(value) is tuple:
            steps.append((name, ("value", value)))
        elif value is None and name == "__hash__":
            steps.append((name, ("value", None)))
        elif isinstance(value, types.FunctionType):
            if value.__code__ is _WRAPPER_CODE:            # dataclasses._recursive_repr around __repr__
                inner = _function_recipe(getattr(value, "__wrapped__", None), cls, fields)
                if inner is None:
                    return None
                steps.append((name, ("repr", (inner, value.__qualname__))))
            else:
                made = _function_recipe(value, cls, fields)
                if made is None:
                    return None
                steps.append((name, ("fn", made)))
        else:
            return None
    if any(name not in cls.__dict__ and name not in fields for name in before):
        return None                        # something else was taken away
    return (key, tuple(steps))


def _make(recipe: tuple, cls: type, fields: dict, module_globals: dict) -> "Any":
    code, qualname, free, defaults, annotations = recipe
    src = _source
    fn = _FunctionType(code, module_globals, code.co_name,
                       tuple([src(s, cls, fields) for s in defaults]) if defaults else None,
                       tuple([_CellType(src(s, cls, fields)) for s in free]) if free else None)
    fn.__qualname__ = qualname
    if annotations:           # else the empty dict a function makes when first asked for it
        fn.__annotations__ = {name: src(s, cls, fields) for name, s in annotations}
    return fn


def _new_with_slots(cls: type, ns: dict, fields: dict, frozen: bool, weakref_slot: bool) -> type:
    """``dataclasses._add_slots`` (3.11) for a class whose namespace is ``ns``, not yet set on it."""
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} already specifies __slots__")
    field_names = tuple(f.name for f in fields.values() if f._field_type is _dc._FIELD)  # type: ignore[attr-defined]
    inherited = set(itertools.chain.from_iterable(map(_dc._get_slots, cls.__mro__[1:-1])))  # type: ignore[attr-defined]
    ns["__slots__"] = tuple(itertools.filterfalse(
        inherited.__contains__, itertools.chain(field_names, ("__weakref__",) if weakref_slot else ())))
    for name in field_names:
        ns.pop(name, None)
    ns.pop("__dict__", None)
    ns.pop("__weakref__", None)
    qualname = getattr(cls, "__qualname__", None)
    made = type(cls)(cls.__name__, cls.__bases__, ns)
    if qualname is not None:
        made.__qualname__ = qualname
    if frozen:
        if "__getstate__" not in ns:
            setattr(made, "__getstate__", _dc._dataclass_getstate)    # type: ignore[attr-defined]
        if "__setstate__" not in ns:
            setattr(made, "__setstate__", _dc._dataclass_setstate)    # type: ignore[attr-defined]
    return made


def replay(cls: type, steps: tuple, init: bool, repr: bool, eq: bool, order: bool, unsafe_hash: bool,
           frozen: bool, match_args: bool, kw_only: bool, slots: bool, weakref_slot: bool) -> type:
    """``dataclasses._process_class`` for a class whose key matched a recipe: its own steps for the
    fields, class attributes and checks, the recipe's for the methods.

    With ``slots`` the class statement's class is thrown away for a new one (``_add_slots``): its
    namespace is then built as a dict and the new class made from it, instead of setting every
    attribute on the old class first (each set of a dunder updates the type's slots)."""
    module = sys.modules.get(cls.__module__)
    module_globals = module.__dict__ if module is not None else {}
    ns: "Optional[dict]" = dict(cls.__dict__) if slots else None
    if ns is not None:
        put: "Any" = ns.__setitem__
        drop: "Any" = ns.__delitem__
    else:
        def put(name: str, value: "Any") -> None:
            setattr(cls, name, value)

        def drop(name: str) -> None:
            delattr(cls, name)
    put("__dataclass_params__", _dc._DataclassParams(init, repr, eq, order,  # type: ignore[attr-defined]
                                                     unsafe_hash, frozen))
    fields: dict = {}
    any_frozen_base = has_dataclass_bases = False
    for b in cls.__mro__[-1:0:-1]:
        base_fields = getattr(b, "__dataclass_fields__", None)
        if base_fields is not None:
            has_dataclass_bases = True
            for f in base_fields.values():
                fields[f.name] = f
            if getattr(b, "__dataclass_params__").frozen:
                any_frozen_base = True
    cls_annotations = cls.__dict__.get("__annotations__", {})
    cls_fields = []
    for name, tp in cls_annotations.items():          # _get_field, the annotations known to be plain
        default = getattr(cls, name, _dc.MISSING)
        if isinstance(default, _dc.Field):
            f = default
        else:                                         # field(default=default), without its checks
            f = _dc.Field(default, _dc.MISSING, True, True, None, True, None, _dc.MISSING)  # type: ignore[arg-type]
        f.name = name
        f.type = tp
        f._field_type = _dc._FIELD                   # type: ignore[attr-defined]
        if f.kw_only is _dc.MISSING:
            f.kw_only = kw_only
        if f.default.__class__.__hash__ is None:
            raise ValueError(f"mutable default {type(f.default)} for field {f.name} is not allowed: "
                             "use default_factory")
        cls_fields.append(f)
    for f in cls_fields:
        fields[f.name] = f
        if isinstance(getattr(cls, f.name, None), _dc.Field):    # the class statement's own value
            if f.default is _dc.MISSING:
                drop(f.name)
            else:
                put(f.name, f.default)
    for name, value in (ns if ns is not None else cls.__dict__).items():
        if isinstance(value, _dc.Field) and name not in cls_annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    if has_dataclass_bases:
        if any_frozen_base and not frozen:
            raise TypeError("cannot inherit non-frozen dataclass from a frozen one")
        if not any_frozen_base and frozen:
            raise TypeError("cannot inherit frozen dataclass from a non-frozen one")
    put("__dataclass_fields__", fields)
    for name, (kind, what) in steps:
        if kind == "value":
            value = what
        elif kind == "fn":
            value = _make(what, cls, fields, module_globals)
        else:
            value = _WRAPPER(_make(what[0], cls, fields, module_globals))   # type: ignore[misc]
            value.__qualname__ = what[1]
        put(name, value)
    if ns is not None:
        cls = _new_with_slots(cls, ns, fields, frozen, weakref_slot)
    abc.update_abstractmethods(cls)
    return cls
