"""nft's error records: the marked places, the message, the input line with ``^^^`` and ``~~~``.

nft (``erec_print``) prints ``Error: MSG``, the input line and a line of marks
under it; ``nft -f`` prefixes ``FILE:LINE:FIRST-LAST:``. Where nft 1.0.6 looks
for a similar name ("did you mean table ‘nat’ in family ip?") it uses its own
misspelling distance, reproduced by :func:`misspelled` with its quirks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simnet.core.errors import CommandError

__all__ = ["Mark", "NftError", "render_error", "misspelled"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A place nft marks in its error: ``^`` for the culprit, ``~`` for context."""

    start: int
    end: int
    primary: bool = True


class NftError(CommandError):
    """One nft error: message and the marked places (offsets into the scanned text)."""

    def __init__(self, message: str, *marks: Mark) -> None:
        super().__init__(message)
        self.message = message
        self.marks = marks


def render_error(text: str, err: NftError, filename: str | None = None) -> str:
    """nft's error record: ``Error: MSG``, the input line, the marks (``^`` and ``~``).

    ``filename`` (``nft -f``) prefixes ``FILE:LINE:FIRST-LAST:``. Tabs of the input line
    stay tabs under it, so the marks line up as in a terminal."""
    marks = err.marks or (Mark(0, 1),)
    primary = next((m for m in marks if m.primary), marks[0])
    line_start = text.rfind("\n", 0, primary.start) + 1 if primary.start <= len(text) else 0
    if primary.start >= len(text) and text.endswith("\n"):
        # end of file: nft shows the last line with the mark in its first column
        line_start = text.rfind("\n", 0, len(text) - 1) + 1
        lineno = text.count("\n") + 1
        line = text[line_start:len(text) - 1]
        marks = (Mark(line_start, line_start + 1),)
        first = last = 1
    else:
        line_end = text.find("\n", line_start)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        lineno = text.count("\n", 0, line_start) + 1
        first = primary.start - line_start + 1
        last = primary.end - line_start
    width = max(m.end for m in marks) - line_start
    under = [" "] * max(width, 0)
    for k in range(min(len(under), len(line))):
        if line[k] == "\t":
            under[k] = "\t"
    for m in sorted(marks, key=lambda m: m.primary):
        for k in range(m.start - line_start, m.end - line_start):
            if 0 <= k < len(under):
                under[k] = "^" if m.primary else "~"
    head = f"{filename}:{lineno}:{first}-{last}: " if filename is not None else ""
    return f"{head}Error: {err.message}\n{line}\n{''.join(under)}\n"


def _distance(a: str, b: str) -> int:
    """nftables' string_distance(), with its off-by-one indexing and its too-narrow table."""
    la, lb = len(a), len(b)
    ab, bb = a + "\0", b + "\0"
    d = [0] * ((la + 1) * (lb + 1) + 1)

    def at(i: int, j: int) -> int:
        return i * lb + j

    for i in range(la + 1):
        d[at(i, 0)] = i
    for j in range(lb + 1):
        d[at(0, j)] = j
    for i in range(1, la + 1):
        for j in range(1, lb + 1):
            sub = 0 if ab[i] == bb[j] else 1
            best = min(d[at(i - 1, j)] + 1, d[at(i, j - 1)] + 1, d[at(i - 1, j - 1)] + sub)
            if i > 1 and j > 1 and ab[i] == bb[j - 1] and ab[i - 1] == bb[j]:
                best = min(best, d[at(i - 2, j - 2)] + sub)
            d[at(i, j)] = best
    return d[at(la, lb)]


def misspelled(candidates: list[tuple[str, Any]], wanted: str) -> Any:
    """The candidate nft's string_misspell_update() would suggest for ``wanted`` (or None)."""
    best, best_d = None, None
    for name, obj in candidates:
        longest, shortest = max(len(name), len(wanted)), min(len(name), len(wanted))
        if longest <= 1:
            continue
        threshold = max(-(-longest // 3), 1) if longest - shortest <= 1 else -(-(longest + 2) // 3)
        dist = _distance(name, wanted)
        if dist <= threshold and (best_d is None or dist < best_d):
            best, best_d = obj, dist
    return best
