"""``sysctl`` from procps-ng 4.0.2 (Debian 12)."""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.kernel.sysctl import SysctlError

__all__ = ["main"]

USAGE = '\nUsage:\n sysctl [options] [variable[=value] ...]\n\nOptions:\n  -a, --all            display all variables\n  -A                   alias of -a\n  -X                   alias of -a\n      --deprecated     include deprecated parameters to listing\n      --dry-run        Print the key and values but do not write\n  -b, --binary         print value without new line\n  -e, --ignore         ignore unknown variables errors\n  -N, --names          print variable names without values\n  -n, --values         print only values of the given variable(s)\n  -p, --load[=<file>]  read values from file\n  -f                   alias of -p\n      --system         read values from all system directories\n  -r, --pattern <expression>\n                       select setting that match expression\n  -q, --quiet          do not echo variable set\n  -w, --write          enable writing a value to variable\n  -o                   does nothing\n  -x                   does nothing\n  -d                   alias of -h\n\n -h, --help     display this help and exit\n -V, --version  output version information and exit\n\nFor more details see sysctl(8).'


def _show(ctx: Context, key: str, value: str, names_only: bool, values_only: bool) -> None:
    if names_only:
        ctx.print(key)
    elif values_only:
        ctx.print(value)
    else:
        ctx.print(f"{key} = {value}")


def _write(ctx: Context, assignment: str, quiet: bool, names_only: bool, values_only: bool,
           ignore: bool = False) -> int:
    key, _, value = assignment.partition("=")
    key = key.strip().replace("/", ".")
    value = value.strip()
    node = ctx.node
    if key not in node.sysctl:
        if ignore:
            return 0
        path = "/proc/sys/" + key.replace(".", "/")
        ctx.eprint(f'sysctl: cannot stat {path}: No such file or directory')
        return 1
    try:
        node.sysctl.set(key, value)
    except SysctlError as exc:
        ctx.eprint(f'sysctl: setting key "{key}": {exc.errno_text}')
        return 1
    if not quiet:   # after a write -N, like -n, shows the value
        _show(ctx, key, node.sysctl.get(key), False, names_only or values_only)
    return 0


def _load_file(ctx: Context, path: str, quiet: bool) -> int:
    """procps 4 reads the whole file first (syntax errors come out then), then writes each setting."""
    try:
        text = ctx.node.read_file(path)
    except (FileNotFoundError, IsADirectoryError):
        ctx.eprint(f"sysctl: cannot open \"{path}\": No such file or directory")
        return 1
    status = 0
    settings: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if "=" not in line:
            ctx.eprint(f"sysctl: {path}({number}): invalid syntax, continuing...")
            status = 1
            continue
        settings.append(line.lstrip("-"))
    for line in settings:
        status = _write(ctx, line, quiet, False, False) or status
    return status


def main(ctx: Context) -> int:
    args = ctx.args
    quiet = names_only = values_only = ignore = False
    write = False
    show_all = False
    load: list[str] = []
    keys: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-w", "--write"):
            write = True
        elif a in ("-q", "--quiet"):
            quiet = True
        elif a in ("-n", "--values"):
            values_only = True
        elif a in ("-N", "--names"):
            names_only = True
        elif a in ("-a", "-A", "-X", "--all"):
            show_all = True
        elif a == "--":
            keys.extend(args[i + 1:])       # getopt: everything after -- is a variable
            break
        elif a in ("-h", "--help", "-d"):
            ctx.out.append(USAGE + "\n")
            return 0
        elif a in ("-V", "--version"):
            ctx.print("sysctl from procps-ng 4.0.2")
            return 0
        elif a in ("-e", "--ignore"):
            ignore = True
        elif a in ("-b", "--binary", "-o", "-x"):
            pass
        elif a in ("-p", "--load") or a.startswith("--load=") or (a.startswith("-p") and len(a) > 2):
            if a.startswith("--load="):
                load.append(a.split("=", 1)[1])
            elif a.startswith("-p") and len(a) > 2:
                load.append(a[2:])
            elif i + 1 < len(args) and not args[i + 1].startswith("-"):
                load.append(args[i + 1])
                i += 1
            else:
                load.append("/etc/sysctl.conf")
        elif a == "--system":
            load.append("/etc/sysctl.conf")
        elif a.startswith("--write=") or a.startswith("--quiet=") or a.startswith("--all="):
            ctx.eprint(f"sysctl: option '{a.split('=')[0]}' doesn't allow an argument")
            ctx.out.append(USAGE + "\n")
            return 0
        elif a.startswith("-") and a != "-":
            # procps prints the usage to stdout and exits 0 here
            ctx.eprint(f"sysctl: invalid option -- '{a.lstrip('-')[:1]}'" if not a.startswith("--") else
                       f"sysctl: unrecognized option '{a}'")
            ctx.out.append(USAGE + "\n")
            return 0
        else:
            keys.append(a)
        i += 1
    if names_only and quiet:
        ctx.eprint("sysctl: options -N and -q cannot coexist\nTry `sysctl --help' for more information.")
        return 1
    if load:
        status = 0
        for path in load:
            status = _load_file(ctx, path, quiet) or status
        return status
    node = ctx.node
    if show_all:
        for key in node.sysctl.keys():
            _show(ctx, key, node.sysctl.get(key), names_only, values_only)
        return 0
    if not keys and (write or ignore or quiet or names_only or values_only or len(args) > 0):
        ctx.eprint("sysctl: no variables specified\nTry `sysctl --help' for more information.")
        return 1
    if not keys:
        ctx.eprint(USAGE)
        return 1
    status = 0
    for key in keys:
        if "=" in key:
            status |= _write(ctx, key, quiet, names_only, values_only, ignore)   # writes: failed or not
            continue
        if write:
            ctx.eprint("sysctl: command line(0): invalid syntax, continuing...")
            status |= 1
            continue
        norm = key.replace("/", ".")
        try:
            value = node.sysctl.get(norm)
        except SysctlError:
            prefix = norm + "."
            matches = [k for k in node.sysctl.keys() if k.startswith(prefix)]
            if matches:
                for k in matches:
                    _show(ctx, k, node.sysctl.get(k), names_only, values_only)
                continue
            if not ignore:
                ctx.eprint(f"sysctl: cannot stat /proc/sys/{norm.replace('.', '/')}: No such file or directory")
                status += 1
            continue
        _show(ctx, norm, value, names_only, values_only)
    return status
