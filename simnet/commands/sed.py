"""sed, the subset learners use to edit configs in place: ``sed -i 's/a/b/g' FILE``,
``sed -i '/pattern/d' FILE``, ``sed -n '10,20p' FILE``, several ``-e`` scripts.

Files in /etc/nginx/sites-enabled are symlinks into sites-available (as on
Debian), so editing either name edits the same file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from simnet.core.errors import CommandError
from simnet.commands.base import Context
from simnet.commands.coreutils import _bre_to_python

__all__ = ["main"]


class SedError(CommandError):
    pass


@dataclass
class _Cmd:
    """One sed command with its addresses (a line, $ or a regex) and its arguments."""

    start: object = None          # None, int, "$" or compiled regex
    end: object = None
    op: str = "p"
    pattern: "re.Pattern[str] | None" = None
    replacement: str = ""
    count: int = 1                # 0 = all (g)


def _regex(pattern: str, extended: bool) -> str:
    """POSIX: ``$`` is an anchor only at the end and ``^`` only at the start; elsewhere literal."""
    out = []
    for k, ch in enumerate(pattern):
        escaped = k > 0 and pattern[k - 1] == "\\"
        if ch == "$" and k != len(pattern) - 1 and not escaped:
            out.append("\\$")
        elif ch == "^" and k != 0 and not escaped and pattern[k - 1] != "[":
            out.append("\\^")
        else:
            out.append(ch)
    return _bre_to_python("".join(out), extended)


ASCII_DIGITS = frozenset("0123456789")
ULONG_MAX = 2 ** 64 - 1


def _address(text: str, i: int, extended: bool) -> tuple[object, int]:
    if i < len(text) and text[i] in ASCII_DIGITS:        # sed reads only 0-9 (not ² or other digits)
        j = i
        while j < len(text) and text[j] in ASCII_DIGITS:
            j += 1
        digits = text[i:j]
        # a line number saturates like sed's unsigned count instead of growing without bound
        return (ULONG_MAX if len(digits) > 20 else min(int(digits), ULONG_MAX)), j
    if i < len(text) and text[i] == "$":
        return "$", i + 1
    if i < len(text) and text[i] == "/":
        j = text.find("/", i + 1)
        while j > 0 and text[j - 1] == "\\":
            j = text.find("/", j + 1)
        if j < 0:
            raise SedError(f"sed: -e expression #1, char {len(text)}: unterminated address regex")
        return re.compile(_regex(text[i + 1:j], extended)), j + 1
    return None, i


def _parse(script: str, extended: bool) -> list[_Cmd]:
    """Read ``[addr[,addr]]cmd`` commands separated by ``;`` or newlines (s/// may contain ``;``)."""
    cmds: list[_Cmd] = []
    i = 0
    n = len(script)
    while i < n:
        while i < n and script[i] in " \t\n;":
            i += 1
        if i >= n:
            break
        c = _Cmd()
        c.start, i = _address(script, i, extended)
        if c.start is not None and i < n and script[i] == ",":
            c.end, i = _address(script, i + 1, extended)
        while i < n and script[i] == " ":
            i += 1
        if i >= n:
            raise SedError(f"sed: -e expression #1, char {n}: missing command")
        c.op = script[i]
        i += 1
        if c.op == "s":
            if i >= n:
                raise SedError(f"sed: -e expression #1, char {n}: unterminated `s' command")
            delim = script[i]
            i += 1
            pieces: list[str] = []
            current: list[str] = []
            while i < n and len(pieces) < 2:
                ch = script[i]
                if ch == "\\" and i + 1 < n:
                    nxt = script[i + 1]
                    current.append(nxt if nxt == delim else ch + nxt)
                    i += 2
                    continue
                if ch == delim:
                    pieces.append("".join(current))
                    current = []
                else:
                    current.append(ch)
                i += 1
            if len(pieces) < 2:
                raise SedError(f"sed: -e expression #1, char {n}: unterminated `s' command")
            flags = ""
            while i < n and script[i] not in ";\n":
                flags += script[i]
                i += 1
            pattern, repl = pieces
            c.pattern = re.compile(_regex(pattern, extended), re.IGNORECASE if "I" in flags else 0)
            refs = [int(d) for d in re.findall(r"(?<!\\)\\([1-9])", repl)]
            if refs and max(refs) > c.pattern.groups:
                raise SedError(f"sed: -e expression #1, char {i}: invalid reference \\{max(refs)} on `s' command's RHS")
            c.replacement = re.sub(r"\\(\d)", r"\\g<\1>", repl.replace("\\&", "\0")).replace(
                "&", r"\g<0>").replace("\0", "&")
            c.count = 0 if "g" in flags else 1
        elif c.op not in ("d", "p"):
            raise SedError(f"sed: -e expression #1, char {i}: unknown command: `{c.op}'")
        cmds.append(c)
    return cmds


def _matches(addr: object, n: int, line: str, last: bool) -> bool:
    if addr == "$":
        return last
    if isinstance(addr, int):
        return n == addr
    return bool(addr.search(line))  # type: ignore[attr-defined]


def _run(cmds: list[_Cmd], text: str, quiet: bool) -> str:
    lines = text.split("\n")
    trailing = text.endswith("\n")
    if trailing:
        lines = lines[:-1]
    out: list[str] = []
    active = [False] * len(cmds)
    for n, line in enumerate(lines, 1):
        last = n == len(lines)
        deleted = False
        for k, c in enumerate(cmds):
            if c.start is None:
                hit = True
            elif c.end is None:
                hit = _matches(c.start, n, line, last)
            else:
                if active[k]:
                    hit = True
                    if _matches(c.end, n, line, last) or (isinstance(c.end, int) and n >= c.end):
                        active[k] = False
                else:
                    hit = _matches(c.start, n, line, last)
                    if hit and not (isinstance(c.end, int) and c.end <= n):
                        active[k] = True
            if not hit:
                continue
            if c.op == "d":
                deleted = True
                break
            if c.op == "p":
                out.append(line)
            elif c.op == "s" and c.pattern is not None:
                line = c.pattern.sub(c.replacement, line, count=c.count)
        if not deleted and not quiet:
            out.append(line)
    return "\n".join(out) + ("\n" if out and (trailing or quiet) else "")


def main(ctx: Context) -> int:
    from simnet.services.nginx import enabled_sites

    args = ctx.args
    in_place, quiet, extended = False, False, False
    scripts: list[str] = []
    files: list[str] = []
    k = 0
    while k < len(args):
        a = args[k]
        if a in ("-i", "--in-place") or a.startswith("-i"):
            in_place = True
        elif a in ("-n", "--quiet", "--silent"):
            quiet = True
        elif a in ("-E", "-r", "--regexp-extended"):
            extended = True
        elif a == "-e" and k + 1 < len(args):
            scripts.append(args[k + 1])
            k += 1
        elif a.startswith("-") and a != "-":
            ctx.eprint(f"sed: invalid option -- '{a.lstrip('-')[:1]}'")
            return 1
        elif not scripts and not files:
            scripts.append(a)
        else:
            files.append(a)
        k += 1
    if not scripts:
        ctx.eprint("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...")
        return 1
    try:
        cmds = [c for s in scripts for c in _parse(s, extended)]
    except SedError as exc:
        ctx.eprint(str(exc))
        return 1
    except re.error:
        ctx.eprint("sed: -e expression #1, char 0: Invalid preceding regular expression")
        return 1
    if in_place and not files:
        ctx.eprint("sed: no input files")
        return 1
    links = enabled_sites(ctx.node)
    status = 0
    for path in files or ["-"]:
        if path == "-":
            ctx.out.append(_run(cmds, ctx.stdin, quiet))
            continue
        real = links.get(path, path)
        try:
            text = ctx.node.read_file(real)
        except (FileNotFoundError, IsADirectoryError):
            ctx.eprint(f"sed: can't read {path}: No such file or directory")
            status = 2
            continue
        if in_place and ctx.abspath(real).startswith(("/proc/", "/sys/")):
            # sed -i writes a temporary file next to the original and renames it: not in /proc
            folder = path.rpartition("/")[0] or "."
            ctx.eprint(f"sed: couldn't open temporary file {folder}/sedk4Zb1Q: No such file or directory")
            return 4
        result = _run(cmds, text, quiet)
        if in_place:
            ctx.node.write_file(real, result)
        else:
            ctx.out.append(result)
    return status
