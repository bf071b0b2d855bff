"""sed, the subset learners use to edit configs in place: ``sed -i 's/a/b/g' FILE``,
``sed -i '/pattern/d' FILE``, ``sed -n '10,20p' FILE``, several ``-e`` scripts.

Files in /etc/nginx/sites-enabled are symlinks into sites-available (as on
Debian), so editing either name edits the same file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from simnet.commands.base import Context
from simnet.commands.coreutils import _bre_to_python

__all__ = ["main"]


class SedError(Exception):
    pass


@dataclass
class _Cmd:
    start: object = None          # None, int, "$" or compiled regex
    end: object = None
    op: str = "p"
    pattern: "re.Pattern[str] | None" = None
    replacement: str = ""
    count: int = 1                # 0 = all (g)


def _address(text: str, i: int, extended: bool) -> tuple[object, int]:
    if i < len(text) and text[i].isdigit():
        j = i
        while j < len(text) and text[j].isdigit():
            j += 1
        return int(text[i:j]), j
    if i < len(text) and text[i] == "$":
        return "$", i + 1
    if i < len(text) and text[i] == "/":
        j = text.find("/", i + 1)
        while j > 0 and text[j - 1] == "\\":
            j = text.find("/", j + 1)
        if j < 0:
            raise SedError(f"sed: -e expression #1, char {len(text)}: unterminated address regex")
        return re.compile(_bre_to_python(text[i + 1:j], extended)), j + 1
    return None, i


def _parse(script: str, extended: bool) -> list[_Cmd]:
    cmds: list[_Cmd] = []
    for part in [p.strip() for p in re.split(r";\s*(?=[0-9/$sdp])", script) if p.strip()]:
        c = _Cmd()
        c.start, i = _address(part, 0, extended)
        if c.start is not None and i < len(part) and part[i] == ",":
            c.end, i = _address(part, i + 1, extended)
        rest = part[i:].strip()
        if not rest:
            raise SedError(f"sed: -e expression #1, char {len(part)}: missing command")
        c.op = rest[0]
        if c.op == "s":
            if len(rest) < 2:
                raise SedError(f"sed: -e expression #1, char {len(part)}: unterminated `s' command")
            delim = rest[1]
            pieces = re.split(r"(?<!\\)" + re.escape(delim), rest[2:])
            if len(pieces) < 3:
                raise SedError(f"sed: -e expression #1, char {len(part)}: unterminated `s' command")
            pattern, repl, flags = pieces[0], pieces[1], pieces[2]
            c.pattern = re.compile(_bre_to_python(pattern.replace("\\" + delim, delim), extended),
                                   re.IGNORECASE if "I" in flags or "i" in flags else 0)
            c.replacement = re.sub(r"\\(\d)", r"\\g<\1>", repl.replace("\\" + delim, delim)).replace("&", r"\g<0>")
            c.count = 0 if "g" in flags else 1
        elif c.op not in ("d", "p"):
            raise SedError(f"sed: -e expression #1, char {len(part)}: unknown command: `{c.op}'")
        cmds.append(c)
    return cmds


def _matches(addr: object, n: int, line: str, last: bool) -> bool:
    if addr == "$":
        return last
    if isinstance(addr, int):
        return n == addr
    return bool(addr.search(line))  # type: ignore[union-attr]


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
        result = _run(cmds, text, quiet)
        if in_place:
            ctx.node.write_file(real, result)
        else:
            ctx.out.append(result)
    return status
