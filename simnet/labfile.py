"""Reading a lab file safely: size and nesting capped before YAML parses it, duplicate keys
refused, and every key's line remembered so that a LabError can say where to look.

``yaml.safe_load`` would silently keep the last of two ``nodes:`` keys, and a file of
ten thousand ``[`` runs the YAML reader into Python's recursion limit after seconds.
"""
from __future__ import annotations

import math
from ipaddress import IPv4Address, IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any

from simnet.lab import LabError

__all__ = ["Source", "parse_lab_text", "check_meta", "MAX_BYTES", "MAX_DEPTH"]

MAX_BYTES = 32 << 20        # a 10 000-node lab is about 2 MB
MAX_DEPTH = 40              # a lab file needs 6 levels; YAML's reader recurses per level


class Source(str):
    """The file name, which also knows the line of every key path (``nodes.a.startup[2]``)."""

    lines: dict[str, int]

    def __new__(cls, name: str, lines: dict[str, int] | None = None) -> "Source":
        self = super().__new__(cls, name)
        self.lines = lines or {}
        return self

    def line_of(self, path: str) -> int | None:
        """The line of ``path`` or of the nearest key above it."""
        path = str(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


def _too_deep(text: str) -> int | None:
    """The line where nesting passes MAX_DEPTH, found without parsing: brackets of flow
    collections (outside quotes) plus block indentation and ``- `` prefixes. None if fine."""
    depth = 0
    quote = ""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" ")
        block = (len(line) - len(stripped)) // 2
        while stripped.startswith(("- ", "? ")):
            block += 1
            stripped = stripped[2:].lstrip(" ")
        if block > MAX_DEPTH:
            return number
        for ch in stripped:
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "#":
                break
            elif ch in "[{":
                depth += 1
                if depth + block > MAX_DEPTH:
                    return number
            elif ch in "]}":
                depth = max(0, depth - 1)
        if not depth:
            quote = ""          # block context: an apostrophe in plain text ("Jules' Laptop") ends here
    return None


def _loader_class() -> Any:
    """libyaml's C reader when PyYAML has it (a 10 000-node lab parses ten times faster)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_lab_text(text: str, name: str) -> tuple[Any, Source]:
    """YAML text → (data, Source with key lines). Raises LabError (German, with the line)."""
    import yaml

    if len(text) > MAX_BYTES:
        raise LabError(f"Fehler in {name}: Die Datei ist mit {len(text) >> 20} MB zu groß "
                       f"(höchstens {MAX_BYTES >> 20} MB).")
    deep = _too_deep(text)
    if deep is not None:
        raise LabError(f"Fehler in {name} (Zeile {deep}): Zu tief verschachtelt "
                       f"(höchstens {MAX_DEPTH} Ebenen; ein Lab braucht etwa 6).")
    loader = None
    try:
        loader = _loader_class()(text)                # the reader already refuses control characters
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is not None:
            _walk(node, "", lines, name)
            data = loader.construct_document(node)
        else:
            data = None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", Zeile {mark.line + 1}, Spalte {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "ungültiges YAML"
        raise LabError(f"Fehler in {name}{where}: Das ist kein gültiges YAML ({problem}).") from None
    except RecursionError:
        raise LabError(f"Fehler in {name}: Zu tief verschachtelt.") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, Source(name, lines)


def _walk(node: Any, path: str, lines: dict[str, int], name: str) -> None:
    """Remember each key's line; refuse a key that appears twice in one mapping."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key is not None and key != "<<":
                if key in seen:
                    where = f"{path}.{key}" if path else key
                    raise LabError(f"Fehler in {name}, {where} (Zeile {line}): Der Schlüssel „{key}“ steht doppelt "
                                   f"(zuerst in Zeile {seen[key]}). Jeder Name darf nur einmal vorkommen.")
                seen[key] = line
                child = f"{path}.{key}" if path else str(key)
                lines.setdefault(child, line)
                _walk(value_node, child, lines, name)
    elif isinstance(node, yaml.SequenceNode):
        for k, item in enumerate(node.value):
            child = f"{path}[{k}]"
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, name)


# ---------------------------------------------------------------------- meta
def check_meta(meta: Any, source: str, err) -> dict:
    """``meta:`` is read by services much later (the road, clocks): check its shape now."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise err(source, "meta", f"„meta“ muss eine Zuordnung (key: value) sein, nicht {type(meta).__name__}.")
    epoch = meta.get("epoch")
    if "epoch" in meta and (isinstance(epoch, bool) or not isinstance(epoch, (int, float))
                            or not 0 <= epoch < 4102444800):      # `epoch:` without a value is None
        raise err(source, "meta.epoch", f"Die Startzeit ist eine Zahl (Sekunden seit 1970, vor 2100), nicht {epoch!r}.")
    road = meta.get("road")
    if road is not None:
        _check_road(road, source, err)
    return dict(meta)


def _check_road(road: Any, source: str, err) -> None:
    def mapping(value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise err(source, path, f"muss eine Zuordnung (key: value) sein, nicht {value!r}.")
        return value

    def address(value: Any, path: str) -> None:
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            IPv4Address(value)
        except ValueError:
            raise err(source, path, f"muss eine IPv4-Adresse sein, nicht {value!r}.") from None

    road = mapping(road, "meta.road")
    if "nameserver" in road:
        address(road["nameserver"], "meta.road.nameserver")
    for name, addr in mapping(road.get("records") or {}, "meta.road.records").items():
        if not isinstance(addr, list):
            address(addr, f"meta.road.records.{name}")
            continue
        # [IPv4, IPv6]: the name's A record and its AAAA record
        if not addr or not isinstance(addr[0], str):
            raise err(source, f"meta.road.records.{name}",
                      f"muss eine IPv4-Adresse oder [IPv4, IPv6] sein, nicht {addr!r}.")
        address(addr[0], f"meta.road.records.{name}")
        for extra in addr[1:]:
            try:
                IPv6Address(str(extra))
            except ValueError:
                raise err(source, f"meta.road.records.{name}",
                          f"nach der IPv4-Adresse steht eine IPv6-Adresse, nicht {extra!r}.") from None
    ddns = mapping(road.get("ddns") or {}, "meta.road.ddns")
    for key in ("domains", "updaters"):
        for k, v in mapping(ddns.get(key) or {}, f"meta.road.ddns.{key}").items():
            if not isinstance(v, str):
                raise err(source, f"meta.road.ddns.{key}.{k}", f"muss ein Name sein, nicht {v!r}.")
    cert = mapping(road.get("certificate") or {}, "meta.road.certificate")
    names = cert.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise err(source, "meta.road.certificate.names", "muss eine Liste von Namen sein.")
    issued = cert.get("issued")
    if issued is not None and (isinstance(issued, bool) or not isinstance(issued, (int, float))
                               or not math.isfinite(issued)):
        raise err(source, "meta.road.certificate.issued", f"muss eine Zahl (Sekunden seit 1970) sein, nicht {issued!r}.")
