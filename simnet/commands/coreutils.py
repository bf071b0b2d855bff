"""The coreutils and grep subset learners pipe into: cat, echo, grep, head, tail,
wc, tee, sort, hostname, sleep (advances simulated time), true/false."""
from __future__ import annotations

import re

from simnet.commands.base import Context

__all__ = ["cat", "echo", "grep", "head", "tail", "wc", "tee", "sort", "hostname", "sleep",
           "true", "false", "clear", "whoami"]


def _read(ctx: Context, path: str, prog: str) -> str | None:
    if path == "-":
        return ctx.stdin
    try:
        return ctx.node.read_file(ctx.abspath(path))
    except FileNotFoundError:
        ctx.eprint(f"{prog}: {path}: No such file or directory")
    except IsADirectoryError:
        ctx.eprint(f"{prog}: {path}: Is a directory")
    return None


def cat(ctx: Context) -> int:
    from simnet.commands.cat_show import parse, render

    parsed = parse(ctx)
    if parsed is None:
        return 1
    flags, files = parsed
    counter = [0, 0]            # -n's line number, -s: the last line was blank
    status = 0
    stdin_read = False
    for f in files:
        text = "" if f == "-" and stdin_read else _read(ctx, f, "cat")     # stdin is at its end after once
        stdin_read = stdin_read or f == "-"
        if text is None:
            status = 1
        else:
            ctx.out.append(render(text, flags, counter))
    return status


def echo(ctx: Context) -> int:
    args = ctx.args
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0] or (escapes and "E" not in args[0])
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stopped = echo_escapes(text)
        newline = newline and not stopped
    ctx.write(text + ("\n" if newline else ""))
    return 0


_ECHO_ESCAPE = re.compile(r"\\(?:([abefnrtvE\\])|c|0([0-7]{0,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})"
                          r"|U([0-9A-Fa-f]{1,8}))")
_SIMPLE = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
           "v": "\v", "\\": "\\"}


def echo_escapes(text: str) -> tuple[str, bool]:
    """bash's ``echo -e``: the backslash escapes it knows; others (``\\x`` without digits) stay as typed.
    ``\\c`` ends the output there (True: no newline either)."""
    out: list[str] = []
    pos = 0
    for m in _ECHO_ESCAPE.finditer(text):
        out.append(text[pos:m.start()])
        simple, octal, hexa, uni, wide = m.groups()
        if m.group(0) == "\\c":
            return "".join(out), True
        if simple is not None:
            out.append(_SIMPLE[simple])
        elif octal is not None:
            out.append(chr(int(octal or "0", 8) & 0xFF))
        elif hexa is not None:
            out.append(chr(int(hexa, 16)))
        else:
            code = int(uni or wide, 16)
            out.append(chr(code) if code < 0x110000 and not 0xD800 <= code < 0xE000 else m.group(0))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), False


def true(ctx: Context) -> int:
    return 0


def false(ctx: Context) -> int:
    return 1


def clear(ctx: Context) -> int:
    return 0


def whoami(ctx: Context) -> int:
    ctx.print("root")
    return 0


def hostname(ctx: Context) -> int:
    args = ctx.args
    if args and args[0] in ("-I", "--all-ip-addresses"):
        addrs = [str(a.ip) for i in ctx.node.interfaces.values() if not i.is_loopback for a in i.addresses]
        ctx.print(" ".join(addrs) + " ")
        return 0
    if args and not args[0].startswith("-"):
        ctx.node.hostname = args[0]
        return 0
    ctx.print(ctx.node.hostname)
    return 0


def sleep(ctx: Context) -> int:
    if not ctx.args:
        ctx.eprint("sleep: missing operand\nTry 'sleep --help' for more information.")
        return 1
    from simnet.commands.cnum import strtod_prefix

    total = 0.0
    for a in ctx.args:
        value, rest = strtod_prefix(a)      # coreutils: cl_strtod, then one suffix letter
        if value is None or not value >= 0 or rest not in ("", "s", "m", "h", "d"):
            ctx.eprint(f"sleep: invalid time interval '{a}'\nTry 'sleep --help' for more information.")
            return 1
        total += value * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[rest]
    end = ctx.sim.now + total
    if ctx.job is not None:            # `sleep 60 &`: the shell goes on at once
        ctx.deferred = (lambda: ctx.sim.now >= end, lambda: 0 if ctx.sim.now >= end else 130)
        return 0
    # a very long sleep is ended by the guard (simnet.core.guard) at its time budget, like Ctrl+C
    ctx.sim.run(until=end)
    return 0


def _bre_to_python(pattern: str, extended: bool) -> str:
    """Translate a grep basic/extended regex into Python's syntax (the common subset)."""
    if extended:
        return pattern.replace("[[:space:]]", r"\s").replace("[[:digit:]]", r"\d")
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(nxt if nxt in "(){}|+?" else "\\" + nxt)
            i += 2
            continue
        out.append("\\" + c if c in "(){}|+?" else c)
        i += 1
    return "".join(out).replace("[[:space:]]", r"\s").replace("[[:digit:]]", r"\d")


def grep(ctx: Context) -> int:
    flags = {"i": False, "v": False, "c": False, "n": False, "E": False, "F": False, "w": False,
             "q": False, "o": False, "h": False, "x": False, "s": False, "H": False}
    patterns: list[str] = []
    files: list[str] = []
    pattern_given = False
    context = {"A": 0, "B": 0}
    context_given = False       # any -A/-B/-C, even 0: groups are separated by --
    args = ctx.args
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            files.extend(args[i + 1:])
            break
        ctx_opt = re.fullmatch(r"-([ivcnEFwqohxsH]*)([ABC])(\d*)", a)
        if ctx_opt:
            for ch in ctx_opt.group(1):
                flags[ch] = True
            num = ctx_opt.group(3) or (args[i + 1] if i + 1 < len(args) else "")
            if not num.isdigit():
                ctx.eprint(f"grep: {num}: invalid context length argument")
                return 2
            for which in ("AB" if ctx_opt.group(2) == "C" else ctx_opt.group(2)):
                context[which] = int(num)
            context_given = True
            i += 1 if ctx_opt.group(3) else 2
            continue
        if a in ("-e",) and i + 1 < len(args):
            patterns.append(args[i + 1])
            pattern_given = True
            i += 2
            continue
        if a.startswith("--"):
            long = {"--ignore-case": "i", "--invert-match": "v", "--count": "c", "--line-number": "n",
                    "--extended-regexp": "E", "--fixed-strings": "F", "--word-regexp": "w", "--quiet": "q",
                    "--silent": "q", "--only-matching": "o", "--line-regexp": "x", "--no-messages": "s"}
            if a in long:
                flags[long[a]] = True
            elif a == "--color=auto" or a.startswith("--color"):
                pass
            else:
                ctx.eprint(f"grep: unrecognized option '{a}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
                           "Try 'grep --help' for more information.")
                return 2
        elif a.startswith("-") and len(a) > 1:
            if a[-1] in "dDfm" and a[1:-1] and all(ch in flags for ch in a[1:-1]) or a in ("-d", "-D", "-f", "-m"):
                if i + 1 >= len(args):
                    ctx.eprint(f"grep: option requires an argument -- '{a[-1]}'\n"
                               "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.")
                    return 2
            for ch in a[1:]:
                if ch not in flags:
                    ctx.eprint(f"grep: invalid option -- '{ch}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
                               "Try 'grep --help' for more information.")
                    return 2
                flags[ch] = True
        elif not patterns and not pattern_given:
            patterns.append(a)
            pattern_given = True
        else:
            files.append(a)
        i += 1
    if not patterns:
        ctx.eprint("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.")
        return 2
    regexes = []
    for p in patterns:
        for single in p.split("\n"):
            src = re.escape(single) if flags["F"] else _bre_to_python(single, flags["E"])
            if flags["w"]:
                src = rf"(?<!\w)(?:{src})(?!\w)"
            if flags["x"]:
                src = rf"^(?:{src})$"
            try:
                regexes.append(re.compile(src, re.IGNORECASE if flags["i"] else 0))
            except re.error:
                ctx.eprint("grep: Unmatched [, [^, [:, [., or [=")
                return 2
    sources = [(f, _read(ctx, f, "grep")) for f in files] if files else [("(standard input)", ctx.stdin)]
    matched_any = False
    status_err = False
    for name, text in sources:
        if text is None:
            status_err = True
            continue
        count = 0
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        hits = [any(r.search(line) for r in regexes) != flags["v"] for line in lines]
        show: list[bool] = list(hits)
        if context["A"] or context["B"]:
            for k, hit in enumerate(hits):
                if hit:
                    for m in range(max(0, k - context["B"]), min(len(lines), k + context["A"] + 1)):
                        show[m] = True
        last_shown = -2
        quiet = flags["q"] or flags["c"]
        for num, line in enumerate(lines, 1):
            hit = hits[num - 1]
            if not show[num - 1]:
                continue
            if context_given and last_shown >= 0 and last_shown != num - 2 and not quiet:
                ctx.print("--")          # a gap between two groups of context
            last_shown = num - 1
            if hit:
                count += 1
                matched_any = True
            if quiet:
                continue
            sep = ":" if hit else "-"    # context lines use - where matches use :
            prefix = f"{name}{sep}" if len(sources) > 1 and not flags["h"] else ""
            if flags["n"]:
                prefix += f"{num}{sep}"
            if hit and flags["o"] and not flags["v"]:
                for r in regexes:
                    for found in r.finditer(line):
                        ctx.print(prefix + found.group(0))
            else:
                ctx.print(prefix + line)
        if flags["c"]:
            ctx.print((f"{name}:" if len(sources) > 1 else "") + str(count))
    if flags["q"] and matched_any:
        return 0
    if status_err:
        return 2
    return 0 if matched_any else 1


def _count_arg(ctx: Context, prog: str) -> tuple[int, list[str], bool, bool] | None:
    """head/tail's -n/-c (also -5, --lines=N): (count, files, from-the-other-end, bytes)."""
    n, files, from_end, in_bytes = 10, [], False, False
    args = ctx.args
    i = 0
    while i < len(args):
        a = args[i]
        m = re.fullmatch(r"-([nc])(.*)|--(lines|bytes)(?:=(.*))?", a)
        if m:
            kind = m.group(1) or m.group(3)[0]
            val = m.group(2) if m.group(1) else m.group(4)
            if not val:
                if i + 1 >= len(args):
                    ctx.eprint(f"{prog}: option requires an argument -- '{kind}'\n"
                               f"Try '{prog} --help' for more information.")
                    return None
                i += 1
                val = args[i]
            in_bytes = kind == "c"
        elif re.fullmatch(r"-\d+", a):
            if i:
                ctx.eprint(f"{prog}: invalid trailing option -- {a[1]}\nTry '{prog} --help' for more information.")
                return None
            val = a[1:]
        elif a.startswith("-") and a not in ("-", "-q", "-v", "--quiet", "--silent", "--verbose"):
            if a.startswith("--"):
                ctx.eprint(f"{prog}: unrecognized option '{a}'\nTry '{prog} --help' for more information.")
            else:
                bad = next(ch for ch in a[1:] if ch not in "qv")
                ctx.eprint(f"{prog}: invalid option -- '{bad}'\nTry '{prog} --help' for more information.")
            return None
        else:
            if a not in ("-q", "-v", "--quiet", "--silent", "--verbose"):
                files.append(a)
            i += 1
            continue
        i += 1
        from_end = val.startswith("+") if prog == "tail" else val.startswith("-")
        try:
            n = int(val.lstrip("+-"))
        except ValueError:
            what = "bytes" if in_bytes else "lines"
            ctx.eprint(f"{prog}: invalid number of {what}: '{val}'")
            return None
    return n, files, from_end, in_bytes


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _head_tail_text(ctx: Context, prog: str, files: list[str]) -> str | None:
    if any(a in ("-v", "--verbose") for a in ctx.args):
        ctx.print(f"==> {files[0] if files else 'standard input'} <==")
    if not files:
        return ctx.stdin
    try:
        return ctx.node.read_file(ctx.abspath(files[0]))
    except FileNotFoundError:
        ctx.eprint(f"{prog}: cannot open '{files[0]}' for reading: No such file or directory")
    except IsADirectoryError:
        ctx.eprint(f"{prog}: error reading '{files[0]}': Is a directory")
    return None


def head(ctx: Context) -> int:
    parsed = _count_arg(ctx, "head")
    if parsed is None:
        return 1
    n, files, all_but_last, in_bytes = parsed
    text = _head_tail_text(ctx, "head", files)
    if text is None:
        return 1
    if in_bytes:
        data = text.encode()
        ctx.out.append((data[:len(data) - n] if all_but_last else data[:n]).decode(errors="replace"))
        return 0
    lines = _lines(text)
    ctx.out.extend(lines[:len(lines) - n] if all_but_last else lines[:n])
    return 0


def tail(ctx: Context) -> int:
    parsed = _count_arg(ctx, "tail")
    if parsed is None:
        return 1
    n, files, plus, in_bytes = parsed
    text = _head_tail_text(ctx, "tail", files)
    if text is None:
        return 1
    if in_bytes:
        data = text.encode()
        ctx.out.append((data[max(n - 1, 0):] if plus else (data[-n:] if n else b"")).decode(errors="replace"))
        return 0
    lines = _lines(text)
    ctx.out.extend(lines[max(n - 1, 0):] if plus else (lines[-n:] if n else []))
    return 0


def wc(ctx: Context) -> int:
    opts: set[str] = set()
    files = []
    for a in ctx.args:
        if a.startswith("-") and len(a) > 1:
            opts.update(a[1:])
        else:
            files.append(a)
    text = ctx.stdin if not files else _read(ctx, files[0], "wc")
    if text is None:
        return 1
    counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
    chosen = [k for k in "lwc" if k in opts] or ["l", "w", "c"]
    values = [counts[k] for k in chosen]
    if len(values) == 1 and not files:
        ctx.print(str(values[0]))
    else:
        width = 7 if not files else max(len(str(v)) for v in values)
        line = " ".join(str(v).rjust(width) for v in values)
        ctx.print(line + (f" {files[0]}" if files else ""))
    return 0


def tee(ctx: Context) -> int:
    append = any(a in ("-a", "--append") for a in ctx.args)
    status = 0
    for path in [a for a in ctx.args if not a.startswith("-")]:
        try:
            ctx.node.write_file(path, ctx.stdin, append)
        except FileNotFoundError:
            ctx.eprint(f"tee: {path}: No such file or directory")
            status = 1
        except (PermissionError, IsADirectoryError, OSError) as exc:
            ctx.eprint(f"tee: {path}: {getattr(exc, 'strerror', None) or 'Invalid argument'}")
            status = 1
    ctx.out.append(ctx.stdin)
    return status


def _sort_fields(line: str, sep: str | None) -> list[tuple[int, int]]:
    """(start, end) of every field; without -t a field keeps its leading blanks (GNU sort)."""
    if sep is not None:
        spans, start = [], 0
        for k, ch in enumerate(line):
            if ch == sep:
                spans.append((start, k))
                start = k + 1
        spans.append((start, len(line)))
        return spans
    return [(m.start(), m.end()) for m in re.finditer(r"[ \t]*[^ \t]+", line)]


def _sort_key(line: str, keys: list[tuple[int, int | None]], sep: str | None) -> str:
    if not keys:
        return line
    spans = _sort_fields(line, sep)
    parts = []
    for first, last in keys:
        if first > len(spans):
            parts.append("")
            continue
        end = len(line) if last is None or last > len(spans) else spans[last - 1][1]
        parts.append(line[spans[first - 1][0]:end])
    return "\0".join(parts)


def sort(ctx: Context) -> int:
    """sort -r -n -u -k N[,M] -t C in the C locale (byte order, whole line breaks ties)."""
    reverse = numeric = unique = False
    keys: list[tuple[int, int | None]] = []
    sep: str | None = None
    files: list[str] = []
    args = ctx.args
    i = 0
    while i < len(args):
        a = args[i]
        m = re.fullmatch(r"-([a-zA-Z]*)([kt])(.*)", a)
        if m:
            for ch in m.group(1):
                reverse, numeric, unique = reverse or ch == "r", numeric or ch == "n", unique or ch == "u"
            val = m.group(3)
            if not val:
                i += 1
                val = args[i] if i < len(args) else ""
            if m.group(2) == "t":
                sep = val
            else:
                km = re.fullmatch(r"(\d+)(?:\.\d+)?[a-z]*(?:,(\d+)(?:\.\d+)?[a-z]*)?", val)
                if km is None or int(km.group(1)) == 0:
                    ctx.eprint(f"sort: invalid number at field start: invalid count at start of '{val}'")
                    return 2
                keys.append((int(km.group(1)), int(km.group(2)) if km.group(2) else None))
                numeric = numeric or val.rstrip(",0123456789.").endswith("n")
                reverse = reverse or "r" in re.sub(r"[\d.,]", "", val)
        elif a.startswith("-") and len(a) > 1:
            for ch in a[1:]:
                if ch not in "rnub":
                    ctx.eprint(f"sort: invalid option -- '{ch}'\nTry 'sort --help' for more information.")
                    return 2
                reverse, numeric, unique = reverse or ch == "r", numeric or ch == "n", unique or ch == "u"
        else:
            files.append(a)
        i += 1
    text = ctx.stdin if not files else _read(ctx, files[0], "sort")
    if text is None:
        return 2
    lines = text.splitlines()

    def number(key: str) -> float:
        m = re.match(r"\s*(-?\d+(?:\.\d+)?)", key)
        return float(m.group(1)) if m else 0.0

    def full_key(line: str) -> tuple:
        key = _sort_key(line, keys, sep)
        primary = number(key) if numeric else key.encode()
        return (primary, line.encode())

    lines = sorted(lines, key=full_key, reverse=reverse)
    if unique:
        kept: list[str] = []
        for line in lines:
            if not kept or _sort_key(kept[-1], keys, sep) != _sort_key(line, keys, sep):
                kept.append(line)
        lines = kept
    ctx.out.extend(line + "\n" for line in lines)
    return 0


def uniq(ctx: Context) -> int:
    """uniq [-c] [-d] [-u]: adjacent equal lines."""
    flags: set[str] = set()
    files = []
    for a in ctx.args:
        if a.startswith("-") and len(a) > 1:
            flags.update(a[1:])
        else:
            files.append(a)
    text = ctx.stdin if not files else _read(ctx, files[0], "uniq")
    if text is None:
        return 1
    groups: list[list[str]] = []
    for line in text.splitlines():
        if groups and groups[-1][0] == line:
            groups[-1].append(line)
        else:
            groups.append([line])
    for group in groups:
        if ("d" in flags and len(group) < 2) or ("u" in flags and len(group) > 1):
            continue
        ctx.print(f"{len(group):7d} {group[0]}" if "c" in flags else group[0])
    return 0
