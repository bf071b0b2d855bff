"""More of what learners type around the network tools: printf, cut, a small awk,
ls, which and type.

Each answers like Debian 12 (coreutils 9.1, mawk, bash 5.2) in the C locale,
including the usage errors; what is not modelled says so in the tool's own words
instead of pretending.
"""
from __future__ import annotations

import re
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

if TYPE_CHECKING:
    import decimal

from simnet.commands.base import Context

__all__ = ["printf", "cut", "awk", "which", "type_", "seq", "program_path", "BUILTINS"]

BUILTINS = frozenset({"cd", "echo", "printf", "pwd", "exit", "type", "true", "false", "test", "[", "kill",
                      "export", "unset", "source", ".", "alias", "read", "set", "history", "help"})
SBIN = frozenset({"ip", "sysctl", "iptables", "iptables-nft", "iptables-save", "iptables-nft-save", "iptables-restore",
                  "iptables-nft-restore", "ip6tables", "ip6tables-save", "ip6tables-restore", "nft",
                  "conntrack", "traceroute", "nginx", "ufw", "tailscaled", "reboot", "shutdown", "poweroff",
                  "netfilter-persistent", "route", "ifconfig", "arp"})


def program_path(name: str) -> str | None:
    """Where Debian 12 keeps a program simnet knows (None for unknown names)."""
    from simnet.commands.registry import PROGRAMS

    extra = {"awk", "cut", "printf", "ls", "which", "sed", "seq"}
    if name not in PROGRAMS and name not in extra:
        return None
    return f"/usr/sbin/{name}" if name in SBIN else f"/usr/bin/{name}"


# ------------------------------------------------------------------- printf
_SPEC = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([diouxXsceEfgGb%])")


def _escape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "r": "\r", "v": "\v", "f": "\f", '"': '"'}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), text)


def _int_arg(ctx: Context, arg: str) -> tuple[int, bool]:
    m = re.fullmatch(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", arg)
    if m is None:
        if len(arg) >= 2 and arg[0] in "'\"":
            return ord(arg[1]), True
        prefix = re.match(r"\s*[+-]?\d{1,18}", arg)
        ctx.eprint(f"bash: printf: {arg}: invalid number")
        return (int(prefix.group(0)) if prefix else 0), False
    sign, digits = m.groups()
    base = 16 if digits.lower().startswith("0x") else (8 if digits.startswith("0") and len(digits) > 1 else 10)
    value = int(digits, base) if len(digits) < 40 else 1 << 64
    limit = (1 << 63) - (0 if sign == "-" else 1)
    if value > limit:                  # strtoimax: ERANGE, the value sticks at the end of the range
        ctx.eprint(f"bash: printf: warning: {arg}: Numerical result out of range")
        value = limit
    return (-value if sign == "-" else value), True


def printf(ctx: Context) -> int:
    """The bash builtin: the format is reused while arguments are left."""
    args = ctx.args
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        ctx.eprint("bash: printf: usage: printf [-v var] format [arguments]")
        return 2
    fmt, rest = args[0], list(args[1:])
    status = 0
    out: list[str] = []
    try:
        status = _printf_loop(ctx, fmt, rest, out)
    finally:                       # interrupted (a huge width): what was formatted is printed
        ctx.out.append("".join(out))
    return status


INT_MAX = 2147483647


def _printf_loop(ctx: Context, fmt: str, rest: list[str], out: list[str]) -> int:
    status = 0
    charge = ctx.lab.sim.charge_output
    while True:
        used = 0
        pos = 0
        for m in _SPEC.finditer(fmt):
            out.append(_escape(fmt[pos:m.start()]))
            charge(len(out[-1]))
            pos = m.end()
            flags, width, prec, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue
            arg = rest[used] if used < len(rest) else None
            used += 1
            wide = int(width) if width and len(width) < 12 else (INT_MAX + 1 if width else 0)
            precise = int(prec) if prec and len(prec) < 12 else (INT_MAX + 1 if prec else 0)
            if wide > INT_MAX or precise > INT_MAX:
                continue               # bash's printf skips a conversion whose width overflows an int
            ahead = max(wide, precise + 2 if conv in "eEfgGdiouxX" else 0)
            charge(ahead)              # before a huge string is made: the guard may stop it first
            spec = "%" + flags + width + (f".{prec}" if prec is not None else "")
            if conv in "sc":
                text = arg or ""
                out.append((spec + "s") % (text[:1] if conv == "c" else text))
            elif conv == "b":
                out.append((spec + "s") % _escape(arg or ""))
            elif conv in "eEfgG":
                try:
                    value = float(arg) if arg else 0.0
                except ValueError:
                    ctx.eprint(f"bash: printf: {arg}: invalid number")
                    value, status = 0.0, 1
                out.append((spec + conv) % value)
            else:
                number, ok = _int_arg(ctx, arg) if arg else (0, True)
                status = status if ok else 1
                if conv in "ouxX" and number < 0:
                    number += 1 << 64          # printed as the unsigned 64-bit value
                out.append((spec + ("d" if conv in "iu" else conv)) % number)
            charge(max(0, len(out[-1]) - ahead))
        out.append(_escape(fmt[pos:]))
        rest = rest[used:]
        if not rest or not used:
            break
    return status


# ---------------------------------------------------------------------- cut
def _ranges(spec: str) -> list[tuple[int, int]] | None:
    ranges = []
    for part in spec.split(","):
        m = re.fullmatch(r"(\d*)-?(\d*)", part)
        if not part or m is None or (part == "-"):
            return None
        lo, hi = m.groups()
        if "-" not in part:
            ranges.append((int(lo), int(lo)))
        else:
            ranges.append((int(lo) if lo else 1, int(hi) if hi else 10 ** 9))
    if any(lo < 1 for lo, _ in ranges):
        return None
    return ranges


def cut(ctx: Context) -> int:
    delim, mode, spec, files, only_delimited = "\t", "", "", [], False
    args = ctx.args
    i = 0
    while i < len(args):
        a = args[i]
        m = re.fullmatch(r"-([dfcb])(.*)", a)
        if m:
            val = m.group(2)
            if not val:
                i += 1
                if i >= len(args):
                    ctx.eprint(f"cut: option requires an argument -- '{m.group(1)}'\n"
                               "Try 'cut --help' for more information.")
                    return 1
                val = args[i]
            if m.group(1) == "d":
                if len(val) != 1:
                    ctx.eprint("cut: the delimiter must be a single character\nTry 'cut --help' for more information.")
                    return 1
                delim = val
            else:
                mode, spec = m.group(1), val
        elif a == "-s":
            only_delimited = True
        else:
            files.append(a)
        i += 1
    if not mode:
        ctx.eprint("cut: you must specify a list of bytes, characters, or fields\n"
                   "Try 'cut --help' for more information.")
        return 1
    ranges = _ranges(spec)
    if ranges is None:
        ctx.eprint(f"cut: invalid field value '{spec.lstrip('-')}'\nTry 'cut --help' for more information."
                   if spec else "cut: fields are numbered from 1\nTry 'cut --help' for more information.")
        return 1
    from simnet.commands.coreutils import _read

    text = ctx.stdin if not files else _read(ctx, files[0], "cut")
    if text is None:
        return 1

    def pick(n: int) -> bool:
        return any(lo <= n <= hi for lo, hi in ranges)

    for line in text.splitlines():
        if mode in "cb":
            ctx.print("".join(ch for k, ch in enumerate(line, 1) if pick(k)))
        elif delim not in line:
            if not only_delimited:
                ctx.print(line)
        else:
            ctx.print(delim.join(f for k, f in enumerate(line.split(delim), 1) if pick(k)))
    return 0


# ---------------------------------------------------------------------- awk
_AWK_USAGE = """Usage: mawk [Options] [Program] [file ...]

Program:
    The -f option value is the name of a file containing program text.
    If no -f option is given, a "--" ends option processing; the following
    parameters are the program text.

Options:
    -f program-file  Program  text is read from file instead of from the
                     command-line.  Multiple -f options are accepted.
    -F value         sets the field separator, FS, to value.
    -v var=value     assigns value to program variable var.
    --               unambiguous end of options.

    Implementation-specific options are prefixed with "-W".  They can be
    abbreviated:

    -W version       show version information and exit.
    -W dump          show assembler-like listing of program and exit.
    -W help          show this message and exit.
    -W interactive   set unbuffered output, line-buffered input.
    -W exec file     use file as program as well as last option.
    -W random=number set initial random seed.
    -W sprintf=number adjust size of sprintf buffer.
    -W posix_space   do not consider "\\n" a space.
    -W usage         show this message and exit.
"""
_AWK_PROGRAM = re.compile(r"\s*(?:(NR\s*==\s*\d+|/(?:[^/\\]|\\.)*/)\s*)?(?:\{\s*print\s*(.*?)\s*;?\s*\}\s*)?")


def awk(ctx: Context) -> int:
    """``[/re/|NR==n] {print $1, $NF, "text"}`` — the one-liners learners copy."""
    args = list(ctx.args)
    fs: str | None = None
    while args and args[0].startswith("-F"):
        fs = args[0][2:] or (args[1] if len(args) > 1 else "")
        args = args[1:] if args[0][2:] else args[2:]
    if not args:
        ctx.out.append(_AWK_USAGE)
        return 0
    program, files = args[0], args[1:]
    # an empty program or a bare variable as pattern: never true, nothing printed
    bare = re.fullmatch(r"\s*([A-Za-z_]\w*)?\s*", program) is not None
    m = _AWK_PROGRAM.fullmatch("" if bare else program)
    if m is None or not (program.strip() or bare):
        ctx.eprint(f"mawk: simnet kennt nur einfache Programme wie '{{print $1}}': {program}")
        return 2
    cond, expr = m.group(1), m.group(2)
    texts = []
    for f in files or ["-"]:
        if f == "-":
            texts.append(ctx.stdin)
            continue
        try:
            texts.append(ctx.node.read_file(ctx.abspath(f)))
        except (FileNotFoundError, IsADirectoryError):
            ctx.eprint(f"awk: cannot open {f} (No such file or directory)")
            return 2
    if bare:
        return 0
    text = "".join(texts)
    items = _split_print(expr) if expr is not None else ["$0"]
    for nr, line in enumerate(text.splitlines(), 1):
        if cond:
            if cond.startswith("NR"):
                if nr != int(cond.split("==")[1]):
                    continue
            elif not re.search(cond[1:-1], line):
                continue
        fields = line.split() if fs in (None, " ") else (line.split(fs) if len(fs) == 1 else re.split(fs, line))
        ctx.print(" ".join(_awk_value(item, line, fields, nr) for item in items))
    return 0


def _split_print(expr: str) -> list[str]:
    """The comma-separated print list (strings may hold commas); juxtaposition joins without a space."""
    parts = re.findall(r'"(?:[^"\\]|\\.)*"|[^,]+', expr)
    return [p.strip() for p in parts if p.strip()] or ["$0"]


def _awk_value(item: str, line: str, fields: list[str], nr: int) -> str:
    out = []
    for tok in re.findall(r'"(?:[^"\\]|\\.)*"|\$\(?NF(?:-\d+)?\)?|\$\d+|NR|NF|\S+', item):
        if tok.startswith('"'):
            out.append(_escape(tok[1:-1]))
        elif tok == "NR":
            out.append(str(nr))
        elif tok == "NF":
            out.append(str(len(fields)))
        elif tok.startswith("$"):
            ref = tok[1:].strip("()")
            idx = len(fields) - int(ref.split("-")[1]) if "-" in ref else (len(fields) if ref == "NF" else int(ref))
            out.append(line if idx == 0 else (fields[idx - 1] if 0 < idx <= len(fields) else ""))
        else:
            out.append(tok)
    return "".join(out)


# --------------------------------------------------------------- ls, which, type
def _on_node(ctx: Context, name: str) -> str | None:
    """program_path, but only for programs whose package this node has."""
    from simnet.commands.registry import lookup

    prog = lookup(name)
    if prog is not None and not getattr(prog, "installed", lambda _node: True)(ctx.node):
        return None
    return program_path(name)


def which(ctx: Context) -> int:
    status = 0
    for name in (a for a in ctx.args if not a.startswith("-")):
        path = _on_node(ctx, name)
        if path is None:
            status = 1
        else:
            ctx.print(path)
    return status


def type_(ctx: Context) -> int:
    status = 0
    for name in ctx.args:
        if name in BUILTINS:
            ctx.print(f"{name} is a shell builtin")
        elif _on_node(ctx, name):
            ctx.print(f"{name} is {_on_node(ctx, name)}")
        else:
            ctx.eprint(f"bash: type: {name}: not found")
            status = 1
    return status


def seq(ctx: Context) -> int:
    """seq [FIRST [STEP]] LAST with integers (what for-loops over hosts need)."""
    args = [a for a in ctx.args if a != "--"]
    if not args:
        ctx.eprint("seq: missing operand\nTry 'seq --help' for more information.")
        return 1
    nums = []
    for a in args[:3]:
        if not re.fullmatch(r"[+-]?\d+", a):
            ctx.eprint(f"seq: invalid floating point argument: '{a}'\nTry 'seq --help' for more information.")
            return 1
        nums.append(int(a) if len(a) < 19 else _big(a))
    if len(args) > 3:
        ctx.eprint(f"seq: extra operand '{args[3]}'\nTry 'seq --help' for more information.")
        return 1
    first, step, last = (1, 1, nums[0]) if len(nums) == 1 else \
        ((nums[0], 1, nums[1]) if len(nums) == 2 else (nums[0], nums[1], nums[2]))
    if step == 0:
        ctx.eprint("seq: invalid Zero increment value: '0'\nTry 'seq --help' for more information.")
        return 1
    value = first
    import decimal      # the C decimal module only for seq with huge numbers (issue 20)

    with decimal.localcontext() as exact:
        exact.prec = max(len(a) for a in args) + 2     # huge numbers count exactly, as coreutils' seq does
        while (step > 0 and value <= last) or (step < 0 and value >= last):
            block = []                                   # a few thousand lines per write: the guard counts them
            for _ in range(4096):
                if not ((step > 0 and value <= last) or (step < 0 and value >= last)):
                    break
                block.append(str(value))
                value += step
            ctx.write("\n".join(block) + "\n")
    return 0


def _big(text: str) -> decimal.Decimal:
    """An integer longer than Python's int() takes from a string (4300 digits): counted in decimal."""
    import decimal

    return decimal.Decimal(text)
