"""C library number parsing (strtod, strtoul base 0) as the emulated tools inherit it.

Python's float()/int() accept other spellings ("1_000", " 5 ", "0o7") and reject
some C accepts ("0x1p3", "010" as octal), so a learner's typo would get a
different answer than on the real box.
"""
from __future__ import annotations

import math

from simnet.core.dccache import IGNORECASE, re_compile

__all__ = ["strtod_prefix", "strtoul0"]

_SPACE = "[ \t\n\v\f\r]*"
_STRTOD = re_compile(
    _SPACE + r"[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)",
    IGNORECASE)
_STRTOUL0 = re_compile(_SPACE + r"([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def strtod_prefix(text: str) -> tuple[float | None, str]:
    """strtod(): the value of the longest numeric prefix (None if there is none) and the rest."""
    m = _STRTOD.match(text)
    if m is None:
        return None, text
    number = m.group(0).strip()
    try:
        if "x" in number.lower() and "n" not in number.lower():
            value = float.fromhex(number)
        else:
            value = float(number)
    except (ValueError, OverflowError):
        value = math.inf if not number.startswith("-") else -math.inf
    return value, text[m.end():]


def strtoul0(text: str, bits: int = 32) -> int | None:
    """strtoul(text, &end, 0) stored in an unsigned ``bits``-bit int, whole string only; else None.

    A minus sign negates modulo 2**64 as strtoul does, so ``-1`` becomes the largest value.
    """
    m = _STRTOUL0.fullmatch(text)
    if m is None:
        return None
    sign, digits = m.groups()
    if len(digits.lower().removeprefix("0x").lstrip("0")) > 24:   # past 64 bits in any base: ERANGE
        value = 1 << 64
    elif digits.lower().startswith("0x"):
        value = int(digits, 16)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits, 8)
    else:
        value = int(digits)
    if value >= 1 << 64:
        return ((1 << 64) - 1) & ((1 << bits) - 1)     # ULONG_MAX, also for a minus sign
    if sign == "-":
        value = (1 << 64) - value
    return value & ((1 << bits) - 1)
