"""Go's time.ParseDuration, shared by the Go tools simnet imitates (headscale, tailscale)."""
from __future__ import annotations

import re

__all__ = ["parse_go_duration"]

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)"


def parse_go_duration(text: str) -> float | None:
    """Seconds for ``1h30m``, ``500ms``, ``0``; None where Go says ``time: invalid duration``."""
    if text in ("0", "+0", "-0"):
        return 0.0
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in "+-" else text
    if not body or not re.fullmatch(f"(?:{_PART})+", body):
        return None
    return sign * sum(float(n) * _UNITS[u] for n, u in re.findall(_PART, body))
