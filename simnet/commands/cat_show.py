"""GNU cat's options (coreutils 9.1): -A -b -e -E -n -s -t -T -u -v and their long names.

``curl -sI URL | cat -A`` is how a learner sees the ``^M$`` that ends every header line; ``cat -n``
numbers lines. cat works on bytes: -v shows control characters as ``^X``, DEL as ``^?`` and bytes
above 127 as ``M-`` and the rest (an ``ä`` in UTF-8 is ``M-CM-$``).
"""
from __future__ import annotations

TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing

if TYPE_CHECKING:
    from simnet.commands.base import Context

__all__ = ["parse", "render"]

SHORT = {"A": "vET", "b": "b", "e": "vE", "E": "E", "n": "n", "s": "s", "t": "vT", "T": "T", "u": "", "v": "v"}
LONG = {"--show-all": "A", "--number-nonblank": "b", "--show-ends": "E", "--number": "n",
        "--squeeze-blank": "s", "--show-tabs": "T", "--show-nonprinting": "v"}


def parse(ctx: "Context") -> tuple[set[str], list[str]] | None:
    """(flags, files); None after cat's complaint about an option (exit status 1)."""
    from simnet.commands.fileutils import split_flags

    parsed = split_flags(ctx, "cat", "".join(SHORT), LONG)
    if parsed is None:
        return None
    letters, files = parsed
    return {flag for letter in letters for flag in SHORT[letter]}, files or ["-"]


def _visible(line: bytes, flags: set[str]) -> str:
    out: list[str] = []
    for c in line:
        if "v" in flags:
            if c >= 128:
                out.append("M-")
                c -= 128
            if c == 9:
                out.append("^I" if "T" in flags else "\t")
            elif c < 32:
                out.append("^" + chr(c + 64))
            elif c == 127:
                out.append("^?")
            else:
                out.append(chr(c))
        elif c == 9 and "T" in flags:
            out.append("^I")
        else:
            out.append(chr(c))
    text = "".join(out)
    return text if "v" in flags else text.encode("latin-1").decode("utf-8", "replace")


def render(text: str, flags: set[str], counter: list[int]) -> str:
    """One input as cat writes it; ``counter`` carries -n's line number and -s's blank state on
    from file to file, as cat does."""
    if not flags:
        return text
    data = text.encode("utf-8", "surrogateescape")
    lines = data.split(b"\n")
    last = lines.pop()              # after the final newline: empty, or a line without one
    out: list[str] = []
    for k, line in enumerate(lines + ([last] if last else [])):
        ended = k < len(lines)
        blank = not line and ended
        if "s" in flags and blank and counter[1]:
            continue
        counter[1] = int(blank)
        number = ""
        if "b" in flags and not blank or "n" in flags and "b" not in flags:
            counter[0] += 1
            number = f"{counter[0]:6d}\t"
        cr = ended and "E" in flags and line.endswith(b"\r") and "v" not in flags
        body = _visible(line[:-1] if cr else line, flags) + ("^M" if cr else "")
        out.append(number + body + ("$" if ended and "E" in flags else "") + ("\n" if ended else ""))
    return "".join(out)
