"""Writing sysctl settings the way procps-ng 4.0.2 does: ``sysctl -w``, ``sysctl -p [FILE…]``
and ``sysctl --system``.

procps reads every file first (syntax errors come out then), collects the settings in a
list, expands globs in keys (``net.ipv4.conf.*.rp_filter``, ``-key`` excludes one) and
only then writes them, printing ``key = value`` with the value as written in the file.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from simnet.commands.base import Context

__all__ = ["Options", "Setting", "parse_setting_line", "preload", "preload_system", "write_setting_list",
           "write_setting"]

PROC = "/proc/sys/"
DEFAULT_PRELOAD = "/etc/sysctl.conf"
SYSTEM_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d")


@dataclass
class Options:
    """sysctl's output and error options (-q, -e, -N, -n, -b, --dry-run, -r)."""

    quiet: bool = False
    ignore_error: bool = False
    name_only: bool = False       # -N
    print_name: bool = True       # -n clears it
    print_newline: bool = True    # -b clears it
    dry_run: bool = False
    pattern: str | None = None    # -r


@dataclass
class Setting:
    """One key=value to write, with its /proc/sys path (from the command line or a file)."""

    key: str
    path: str
    value: str | None
    ignore_failure: bool = False
    glob_exclude: bool = False


def _slashdot(ctx: Context, text: str, old: str, new: str) -> str:
    """procps' slashdot(): swap the separators unless the first one is already ``new``."""
    m = re.search(r"[/.]", text)
    if m is None or text[m.start()] == new:
        return text
    chars = list(text)
    warned = False
    for k in range(m.start(), len(chars)):
        c = chars[k]
        if c not in "/.":
            continue
        if not warned and k + 1 < len(chars) and chars[k + 1] in "/.":
            ctx.eprint(f"sysctl: separators should not be repeated: {text[k:]}")
            warned = True
        chars[k] = new if c == old else old if c == new else c
    return "".join(chars)


def _setting(ctx: Context, key: str, value: str | None, ignore_failure: bool, glob_exclude: bool) -> Setting:
    path = PROC + _slashdot(ctx, key[1:] if key.startswith("-") else key, ".", "/")
    return Setting(key, path, value, ignore_failure, glob_exclude)


def parse_setting_line(ctx: Context, where: str, number: int, line: str, opts: Options) -> Setting | None:
    """One line of a file (or one ``key=value`` of the command line); None to skip it."""
    key = line.lstrip()
    if len(key) < 2 or key[0] in "#;":
        return None
    if opts.pattern is not None:
        try:
            if re.search(opts.pattern, key) is None:
                return None
        except re.error:
            return None
    if "=" not in key:
        if key[0] == "-":
            return _setting(ctx, key[1:].rstrip(), None, False, True)
        ctx.eprint(f"sysctl: {where}({number}): invalid syntax, continuing...")
        return None
    key, _, value = key.partition("=")
    ignore_failure = key.startswith("-")
    if ignore_failure:
        key = key[1:]
    return _setting(ctx, key.rstrip(), value.strip(), ignore_failure, False)


def _file_names(ctx: Context, pattern: str) -> list[str]:
    """glob(3) with GLOB_NOCHECK: the matches, or the pattern itself."""
    from simnet.commands.glob import expand

    if not any(c in pattern for c in "*?["):
        return [pattern]
    return expand(ctx.node, pattern, ctx.cwd)


def preload(ctx: Context, settings: list[Setting], filename: str, opts: Options) -> int:
    """Read one file (``-`` is stdin) into ``settings``; 1 if it cannot be opened."""
    number = 0
    for name in _file_names(ctx, filename):
        if name == "-":
            text = ctx.stdin
        else:
            try:
                text = ctx.node.read_file(ctx.abspath(name))
            except FileNotFoundError:
                ctx.eprint(f'sysctl: cannot open "{name}": No such file or directory')
                return 1
            except IsADirectoryError:    # fopen() succeeds on a folder, getline() fails at once
                continue
        for line in text.splitlines(keepends=True):
            number += 1
            if len(line) < 2:
                continue
            setting = parse_setting_line(ctx, name, number, line, opts)
            if setting is not None:
                settings.append(setting)
    return 0


def preload_system(ctx: Context, settings: list[Setting], opts: Options) -> int:
    """``--system``: every ``*.conf`` of the sysctl.d folders (the first of a name wins), sorted by
    name, then /etc/sysctl.conf."""
    from simnet.commands.glob import children
    from simnet.kernel import procfs

    chosen: dict[str, str] = {}
    for folder in SYSTEM_DIRS:
        for name in children(ctx.node, folder) or []:
            if len(name) >= 5 and name.endswith(".conf") and name not in chosen:
                chosen[name] = f"{folder}/{name}"
    status = 0
    for name in sorted(chosen, key=lambda n: n.encode()):
        if not opts.quiet:
            ctx.print(f"* Applying {chosen[name]} ...")
        status |= preload(ctx, settings, chosen[name], opts)
    node = ctx.node
    if DEFAULT_PRELOAD in node.files or node.fs.resolve(DEFAULT_PRELOAD) in node.files:
        if not procfs.is_dir(node, DEFAULT_PRELOAD):
            if not opts.quiet:
                ctx.print(f"* Applying {DEFAULT_PRELOAD} ...")
            status |= preload(ctx, settings, DEFAULT_PRELOAD, opts)
    return status


def _proc_paths(ctx: Context, pattern: str) -> list[str]:
    """The /proc/sys files and folders a glob names, sorted like glob(3)."""
    parts = pattern[len(PROC):].split("/")
    found: set[str] = set()
    for key in ctx.node.sysctl.keys():
        names = key.split(".")
        if len(names) >= len(parts) and all(fnmatch.fnmatchcase(n, p) for n, p in zip(names, parts)):
            found.add(PROC + "/".join(names[:len(parts)]))
    return sorted(found, key=lambda p: p.encode())


def write_setting_list(ctx: Context, settings: list[Setting], opts: Options) -> int:
    status = 0
    paths = {s.path for s in settings}
    for s in settings:
        if s.glob_exclude:
            continue
        if any(c in s.path for c in "*?["):
            for path in _proc_paths(ctx, s.path):
                if path in paths:
                    continue          # named on its own (or excluded): that line decides
                status |= write_setting(ctx, s.key, path, s.value, s.ignore_failure, opts)
        else:
            status |= write_setting(ctx, s.key, s.path, s.value, s.ignore_failure, opts)
    return status


def write_setting(ctx: Context, key: str, path: str, value: str | None, ignore_failure: bool,
                  opts: Options) -> int:
    """procps' WriteSetting(): stat, write ``value\\n`` into the /proc file, echo ``key = value``."""
    from simnet.kernel import procfs

    node = ctx.node
    rel = path[len(PROC):]
    real = re.sub(r"/+", "/", rel).strip("/")
    if not (real.replace("/", ".") in node.sysctl or procfs.is_dir(node, PROC + real)):
        if not opts.ignore_error:
            ctx.eprint(f"sysctl: cannot stat {path}: No such file or directory")
            return 1
        return 0
    dotted = _slashdot(ctx, rel, "/", ".")
    path = PROC + real
    if procfs.is_dir(node, path):
        ctx.eprint(f'sysctl: setting key "{dotted}": Invalid argument')
        return 0
    if not opts.dry_run:
        try:
            node.write_file(path, (value or "") + "\n")
        except OSError as exc:
            ctx.eprint(f'sysctl: setting key "{dotted}": {exc.strerror or "Invalid argument"}')
            return 1
    if not opts.quiet or opts.dry_run:
        if opts.name_only:
            ctx.print(value or "")
        elif opts.print_name:
            ctx.print(f"{dotted} = {value or ''}")
        else:
            ctx.print(value or "", end="\n" if opts.print_newline else "")
    return 0
