"""The five-field schedule of a crontab line (minute hour day month weekday), as cron reads it
for the road's jobs (the DuckDNS update every five minutes): lists, ranges and steps, UTC."""
from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["cron_matches"]


def cron_matches(spec: str, minute: int) -> bool:
    """Does the five-field cron ``spec`` fire at absolute UTC ``minute``?"""
    dt = datetime.fromtimestamp(minute * 60, timezone.utc)
    values = (dt.minute, dt.hour, dt.day, dt.month, (dt.weekday() + 1) % 7)
    ranges = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
    fields = spec.split()
    if len(fields) != 5:
        return False
    for field_text, value, (lo, hi) in zip(fields, values, ranges):
        if not _field_matches(field_text, value, lo, hi):
            return False
    return True


def _field_matches(text: str, value: int, lo: int, hi: int) -> bool:
    for part in text.split(","):
        base, _, step = part.partition("/")
        try:
            step_n = int(step) if step else 1
            if base == "*":
                start, end = lo, hi
            elif "-" in base:
                a, b = base.split("-", 1)
                start, end = int(a), int(b)
            else:
                start = end = int(base)
                if step:
                    end = hi
        except ValueError:
            return False
        if step_n > 0 and start <= value <= end and (value - start) % step_n == 0:
            return True
    return False
