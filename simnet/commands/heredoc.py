"""Here-documents: ``cat > /etc/sysctl.d/99-tailscale.conf <<EOF`` followed by the file's lines
and ``EOF``. The text arrives as one multi-line string (``lab.run`` or ``simnet shell``, which
keeps reading with bash's ``> `` prompt while :func:`pending` says a body is open); each
command line runs in turn with its bodies attached.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from simnet.commands.shell import ShellResult
    from simnet.kernel.node import Node
    from simnet.lab import Lab

__all__ = ["split_script", "has_markers", "pending", "run_script"]

MARKER = re.compile(r"(?<!<)<<(-?)[ \t]*(?:(['\"])([^'\"]+)\2|\\?([A-Za-z0-9_.-]+))(?!<)")


def _unquoted(line: str) -> str:
    """The line with quoted text blanked out, so a ``<<`` inside quotes is no marker."""
    out = []
    quote = None
    for c in line:
        if quote:
            out.append(" " if c != quote else c)
            if c == quote:
                quote = None
        else:
            if c in "'\"":
                quote = c
            out.append(c)
    return "".join(out)


def _markers(line: str) -> list[tuple[str, bool, bool]]:
    """(delimiter, strip leading tabs, expand the body) of every ``<<WORD`` on a command line."""
    blank = _unquoted(line)
    found = []
    for start in (m.start() for m in re.finditer(r"(?<!<)<<(?!<)", blank)):
        inner = MARKER.match(line, start)
        if inner is None:
            continue
        quoted = inner.group(3) is not None or "\\" in inner.group(0)
        found.append((inner.group(3) or inner.group(4), inner.group(1) == "-", not quoted))
    return found


def split_script(text: str) -> tuple[list[tuple[int, str, list[tuple[str, bool]]]], list[str]]:
    """([(line number, command line, [(body, expand)])], warnings for bodies cut off by the end)."""
    lines = text.split("\n")
    commands: list[tuple[int, str, list[tuple[str, bool]]]] = []
    warnings: list[str] = []
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        i += 1
        while line.endswith("\\") and i < len(lines):      # backslash-newline joins the next line
            line = line[:-1] + lines[i]
            i += 1
        bodies: list[tuple[str, bool]] = []
        for delimiter, strip_tabs, expand in _markers(line):
            body: list[str] = []
            closed = False
            while i < len(lines):
                row = lines[i].lstrip("\t") if strip_tabs else lines[i]
                i += 1
                if row == delimiter:
                    closed = True
                    break
                body.append(row)
            if not closed:
                warnings.append(f"bash: warning: here-document at line {number} delimited by end-of-file "
                                f"(wanted `{delimiter}')\n")
            bodies.append(("".join(b + "\n" for b in body), expand))
        commands.append((number, line, bodies))
    return commands, warnings


def has_markers(text: str) -> bool:
    """Does any line of ``text`` start a here-document?"""
    return any(_markers(line) for line in text.split("\n"))


def pending(text: str) -> bool:
    """Does ``text`` need another line: a here-document waiting for its delimiter, or a
    trailing backslash?"""
    if text.endswith("\\") and not text.endswith("\\\\"):
        return True
    return "<<" in text and bool(split_script(text)[1])


def run_script(node: "Node", lab: "Lab", text: str, env: dict[str, str], run_line: Callable[..., Any]
               ) -> "ShellResult":
    from simnet.commands.shell_compound import run_steps

    commands, warnings = split_script(text)
    steps = ((line, {"heredocs": bodies}) for _number, line, bodies in commands if line.strip())
    return run_steps(node, lab, steps, env, run_line, int(env.get("?", "0")), list(warnings))
