"""C library number parsing (strtod, strtoul base 0) as the emulated tools inherit it.

Python's float()/int() accept other spellings ("1_000", " 5 ", "0o7") and reject
some C accepts ("0x1p3", "010" as octal), so a learner's typo would get a
different answer than on the real box.
"""
from __future__ import annotations

import math
import re

__all__ = ["strtod_prefix", "strtoul0"]

_SPACE = "[ \t\n\v\f\r]*"
_STRTOD = re.compile(
    _SPACE + r"[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)",
    re.IGNORECASE)
_STRTOUL0 = re.compile(_SPACE + r"\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


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


def strtoul0(text: str) -> int | None:
    """strtoul(text, &end, 0) that must consume the whole string (hex, octal, decimal); else None."""
    m = _STRTOUL0.fullmatch(text)
    if m is None:
        return None
    digits = m.group(1)
    if digits.lower().startswith("0x"):
        return int(digits, 16)
    if digits.startswith("0") and len(digits) > 1:
        return int(digits, 8)
    return int(digits)
