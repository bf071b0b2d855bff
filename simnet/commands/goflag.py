"""Go's two flag parsers: the standard ``flag`` package (tailscale's ffcli) and spf13/pflag (cobra, headscale).

Both are here once, with the texts of their sources, so that the Go tools of the lab stop
carrying hand-written loops:

* ``flag`` (:func:`go_flags`): ``-name`` and ``--name`` are the same; ``-name=value`` or
  ``-name value``; a bool flag takes a value only after ``=``; parsing stops at the first
  non-flag word, ``-`` or after ``--``. Errors: ``flag provided but not defined: -x``,
  ``bad flag syntax: ---x``, ``flag needs an argument: -x``,
  ``invalid boolean value "x" for -y: parse error``, ``invalid value "x" for flag -y: parse error``.
* pflag (:func:`pflags`): ``--name[=value]`` / ``--name value``, shorthand clusters ``-fu bob``,
  ``-u=bob``, ``-ubob``; flags and arguments may be mixed; ``--`` ends the flags. Errors:
  ``unknown flag: --x``, ``unknown shorthand flag: 'x' in -x``,
  ``flag needs an argument: --user`` / ``flag needs an argument: 'u' in -u``,
  ``invalid argument "x" for "-i, --identifier" flag: strconv.ParseUint: parsing "x": invalid syntax``.

``-h``/``-help`` (flag) and ``-h``/``--help`` (pflag) that the tool does not define raise
:class:`GoHelp`: the tool prints its usage.
"""
from __future__ import annotations

import re
from typing import Any

from simnet.core.errors import CommandError
from simnet.commands.godur import parse_go_duration

__all__ = ["GoFlagError", "GoHelp", "go_flags", "pflags", "parse_bool"]

_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_UINT = re.compile(r"[0-9]+")
_INT = re.compile(r"[+-]?[0-9]+")


class GoFlagError(CommandError):
    """A command line the Go parser refused; ``str()`` is its message."""


class GoHelp(GoFlagError):
    """``-h``/``--help`` that is not a defined flag: flag.ErrHelp."""

    def __init__(self) -> None:
        super().__init__("flag: help requested")


def parse_bool(text: str) -> bool | None:
    """strconv.ParseBool; None where Go returns an error."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _value(kind: str, text: str) -> Any:
    """flag.Value.Set for the kinds the tools use; raises ValueError where Set fails."""
    if kind == "str":
        return text
    if kind == "uint":
        if not _UINT.fullmatch(text):
            raise ValueError
        return int(text)
    if kind == "int":
        if not _INT.fullmatch(text):
            raise ValueError
        return int(text)
    if kind == "duration":
        seconds = parse_go_duration(text)
        if seconds is None:
            raise ValueError
        return seconds
    raise AssertionError(kind)


def go_flags(args: list[str], spec: dict[str, str], *, aliases: dict[str, str] | None = None,
             no_dup: bool = False) -> tuple[dict[str, Any], list[str]]:
    """flag.FlagSet.Parse: the values by name (kinds bool/str/int/uint/duration) and the rest.

    ``aliases`` rewrites names before the lookup (tailscale's CleanUpArgs turns ``--authkey``
    into ``--auth-key``); ``no_dup`` makes a repeated flag an error as tailscale's
    onceFlagValue does.
    """
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        s = args[i]
        if len(s) < 2 or s[0] != "-":
            break
        minuses = 2 if s[1] == "-" else 1
        if s == "--":
            i += 1
            break
        name = s[minuses:]
        if not name or name[0] in "-=":
            raise GoFlagError(f"bad flag syntax: {s}")
        i += 1
        name, eq, value = name.partition("=")
        name = (aliases or {}).get(name, name)
        kind = spec.get(name)
        if kind is None:
            if name in ("help", "h"):
                raise GoHelp()
            raise GoFlagError(f"flag provided but not defined: -{name}")
        dup = no_dup and name in out
        if kind == "bool":
            if dup:
                raise GoFlagError(f'invalid boolean value "{value}" for -{name}: flag provided multiple times'
                                  if eq else f"invalid boolean flag {name}: flag provided multiple times")
            parsed = parse_bool(value) if eq else True
            if parsed is None:
                raise GoFlagError(f'invalid boolean value "{value}" for -{name}: parse error')
            out[name] = parsed
            continue
        if not eq:
            if i >= len(args):
                raise GoFlagError(f"flag needs an argument: -{name}")
            value = args[i]
            i += 1
        if dup:
            raise GoFlagError(f'invalid value "{value}" for flag -{name}: flag provided multiple times')
        try:
            out[name] = _value(kind, value)
        except ValueError:
            raise GoFlagError(f'invalid value "{value}" for flag -{name}: parse error') from None
    return out, args[i:]


def _pflag_set(name: str, short: str, kind: str, value: str) -> Any:
    """pflag's FlagSet.Set: the Value's error wrapped with the flag's names."""
    names = f"-{short}, --{name}" if short else f"--{name}"
    if kind == "bool":
        parsed = parse_bool(value)
        if parsed is None:
            raise GoFlagError(f'invalid argument "{value}" for "{names}" flag: '
                              f'strconv.ParseBool: parsing "{value}": invalid syntax')
        return parsed
    try:
        return _value(kind, value)
    except ValueError:
        func = {"uint": "ParseUint", "int": "ParseInt"}.get(kind)
        why = f'strconv.{func}: parsing "{value}": invalid syntax' if func else f'time: invalid duration "{value}"'
        raise GoFlagError(f'invalid argument "{value}" for "{names}" flag: {why}') from None


def pflags(args: list[str], spec: dict[str, tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    """pflag.FlagSet.Parse with interspersed arguments: ``spec`` maps name -> (shorthand, kind)."""
    out: dict[str, Any] = {}
    pos: list[str] = []
    by_short = {short: name for name, (short, _) in spec.items() if short}
    i = 0
    while i < len(args):
        s = args[i]
        i += 1
        if len(s) < 2 or s[0] != "-":
            pos.append(s)
            continue
        if s == "--":
            pos.extend(args[i:])
            break
        if s[1] == "-":
            word = s[2:]
            if not word or word[0] in "-=":
                raise GoFlagError(f"bad flag syntax: {s}")
            name, eq, value = word.partition("=")
            if name not in spec:
                if name == "help":
                    raise GoHelp()
                raise GoFlagError(f"unknown flag: --{name}")
            short, kind = spec[name]
            if not eq:
                if kind == "bool":
                    value = "true"               # NoOptDefVal
                elif i < len(args):
                    value = args[i]
                    i += 1
                else:
                    raise GoFlagError(f"flag needs an argument: {s}")
            out[name] = _pflag_set(name, short, kind, value)
            continue
        shorts = s[1:]
        while shorts:
            c = shorts[0]
            name = by_short.get(c, "")
            if not name:
                if c == "h":
                    raise GoHelp()
                raise GoFlagError(f"unknown shorthand flag: '{c}' in -{shorts}")
            kind = spec[name][1]
            rest = shorts[1:]
            if len(shorts) > 2 and shorts[1] == "=":
                value, rest = shorts[2:], ""
            elif kind == "bool":
                value = "true"
            elif rest:
                value, rest = rest, ""
            elif i < len(args):
                value = args[i]
                i += 1
            else:
                raise GoFlagError(f"flag needs an argument: '{c}' in -{shorts}")
            out[name] = _pflag_set(name, c, kind, value)
            shorts = rest
    return out, pos
