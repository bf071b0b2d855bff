"""``sysctl`` from procps-ng 4.0.2 (Debian 12)."""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.commands.sysctl_load import (DEFAULT_PRELOAD, Options, Setting, parse_setting_line, preload,
                                         preload_system, write_setting, write_setting_list)
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


def main(ctx: Context) -> int:
    args = ctx.args
    opts = Options()
    write = show_all = load = False
    load_files: list[str] = []
    keys: list[str] = []
    if not args:
        ctx.eprint(USAGE)
        return 1
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-w", "--write"):
            write = True
        elif a in ("-q", "--quiet"):
            opts.quiet = True
        elif a in ("-n", "--values"):
            opts.print_name = False
        elif a in ("-b", "--binary"):
            opts.print_name = opts.print_newline = False
        elif a in ("-N", "--names"):
            opts.name_only = True
        elif a in ("-a", "-A", "-X", "--all"):
            show_all = True
        elif a == "--dry-run":
            opts.dry_run = True
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
            opts.ignore_error = True
        elif a in ("-o", "-x", "--deprecated"):
            pass
        elif a in ("-r", "--pattern") or a.startswith("--pattern="):
            if "=" in a:
                opts.pattern = a.split("=", 1)[1]
            elif i + 1 < len(args):
                i += 1
                opts.pattern = args[i]
        elif a in ("-p", "-f", "--load") or a.startswith("--load=") or (a[:2] in ("-p", "-f") and len(a) > 2):
            load = True                       # -p takes its file only when attached (-pFILE, --load=FILE)
            if a.startswith("--load="):
                load_files.append(a.split("=", 1)[1])
            elif len(a) > 2 and not a.startswith("--"):
                load_files.append(a[2:])
        elif a == "--system":
            # getopt hands --system over when it comes to it: it runs at once, ignoring unknown keys
            opts.ignore_error = True
            settings: list[Setting] = []
            status = preload_system(ctx, settings, opts)
            return status | write_setting_list(ctx, settings, opts)
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
    names_only, values_only, quiet, ignore = opts.name_only, not opts.print_name, opts.quiet, opts.ignore_error
    if show_all:
        node = ctx.node
        for key in node.sysctl.keys():
            _show(ctx, key, node.sysctl.get(key), names_only, values_only)
        return 0
    if load:
        settings = []
        status = 0
        if not load_files and not keys:
            load_files = [DEFAULT_PRELOAD]
        for path in load_files + keys:
            status |= preload(ctx, settings, path, opts)
        return status | write_setting_list(ctx, settings, opts)
    node = ctx.node
    if not keys:
        ctx.eprint("sysctl: no variables specified\nTry `sysctl --help' for more information.")
        return 1
    if names_only and quiet:
        ctx.eprint("sysctl: options -N and -q cannot coexist\nTry `sysctl --help' for more information.")
        return 1
    status = 0
    for key in keys:
        if write or "=" in key:
            setting = parse_setting_line(ctx, "command line", 0, key, opts)
            if setting is None:
                status |= 1
            else:
                status |= write_setting(ctx, setting.key, setting.path, setting.value, setting.ignore_failure, opts)
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
