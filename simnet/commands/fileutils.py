"""The file chores around the seed's config files: ls (-l, -a, -d, -h), mkdir, rm, rmdir,
cp, mv, touch and chmod, as coreutils 9.1 answers them in the C locale (root owns
everything, so permissions never refuse; ``chmod`` still changes what ``ls -l`` shows and
whether ``./script`` runs).
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from simnet.commands.base import Context
from simnet.kernel import procfs
from simnet.kernel.vfs import DEFAULT_DIR_MODE, DEFAULT_FILE_MODE, normalize

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["ls", "mkdir", "rm", "rmdir", "cp", "mv", "touch", "chmod", "kind", "mode_of", "split_flags"]

HALF_YEAR = 31556952 // 2


def kind(node: "Node", path: str, follow: bool = True) -> str | None:
    """"file", "dir", "link" (only with follow=False) or None for an absolute ``path``."""
    path = normalize(path)
    if not follow and path in node.fs.links:
        return "link"
    if procfs.is_dir(node, path):
        return "dir"
    try:
        node.read_file(path)
    except (FileNotFoundError, IsADirectoryError):
        return None
    return "file"


def mode_of(node: "Node", path: str) -> int:
    path = normalize(path)
    default = DEFAULT_DIR_MODE if kind(node, path) == "dir" else DEFAULT_FILE_MODE
    return node.fs.modes.get(node.fs.resolve(path), default)


def _usage(ctx: Context, prog: str, text: str) -> int:
    ctx.eprint(f"{prog}: {text}\nTry '{prog} --help' for more information.")
    return 1


def split_flags(ctx: Context, prog: str, letters: str, longs: dict[str, str]) -> tuple[set[str], list[str]] | None:
    """Short flags (grouped) and long flags mapped to letters; None after printing getopt's error."""
    flags: set[str] = set()
    names: list[str] = []
    only_names = False
    for a in ctx.args:
        if only_names or a == "-" or not a.startswith("-"):
            names.append(a)
        elif a == "--":
            only_names = True
        elif a.startswith("--"):
            if a not in longs:
                _usage(ctx, prog, f"unrecognized option '{a}'")
                return None
            flags.add(longs[a])
        else:
            for ch in a[1:]:
                if ch not in letters:
                    _usage(ctx, prog, f"invalid option -- '{ch}'")
                    return None
                flags.add(ch)
    return flags, names


def _operands(ctx: Context, prog: str, letters: str, longs: dict[str, str],
              missing: str = "missing operand") -> tuple[set[str], list[str]] | int:
    """Flags and at least one operand, or the exit code after coreutils' complaint."""
    parsed = split_flags(ctx, prog, letters, longs)
    if parsed is None:
        return 1
    if not parsed[1]:
        return _usage(ctx, prog, missing)
    return parsed


def _existing(ctx: Context, names: list[str], complaint: str) -> tuple[list[tuple[str, str, str]], int]:
    """(operand, absolute path, kind) of the operands that exist, and 1 if one did not (after
    ``complaint`` with its name: "cp: cannot stat '{}': No such file or directory")."""
    found: list[tuple[str, str, str]] = []
    status = 0
    for name in names:
        full = normalize(ctx.abspath(name))
        what = kind(ctx.node, full)
        if what is None:
            ctx.eprint(complaint.format(name))
            status = 1
            continue
        found.append((name, full, what))
    return found, status


def _parent_problem(node: "Node", path: str) -> str | None:
    """Why ``path`` cannot be created (its folder is missing or a file), or None."""
    parent = path.rsplit("/", 1)[0] or "/"
    what = kind(node, parent)
    if what == "dir":
        return None
    return "Not a directory" if what == "file" else "No such file or directory"


def _touch_parent(node: "Node", path: str) -> None:
    node.fs.mtimes[path.rsplit("/", 1)[0] or "/"] = node.wallclock()


def _remove_tree(node: "Node", path: str) -> None:
    prefix = path.rstrip("/") + "/"
    for f in [f for f in node.files if f == path or f.startswith(prefix)]:
        del node.files[f]
        node.fs.forget(f)
    for d in [d for d in node.fs.dirs if d == path or d.startswith(prefix)]:
        node.fs.forget(d)
    for link in [k for k in node.fs.links if k == path or k.startswith(prefix)]:
        node.fs.forget(link)
    _touch_parent(node, path)


# --------------------------------------------------------------------- mkdir
def mkdir(ctx: Context) -> int:
    parsed = _operands(ctx, "mkdir", "pvm", {"--parents": "p", "--verbose": "v"})
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    node = ctx.node
    status = 0
    for name in names:
        full = normalize(ctx.abspath(name))
        todo = [full]
        if "p" in flags:
            parts = full.strip("/").split("/")
            todo = ["/" + "/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        for k, path in enumerate(todo):
            what = kind(node, path)
            if what == "dir" and ("p" in flags):
                continue
            shown = name if path == full else path
            if what is not None:
                ctx.eprint(f"mkdir: cannot create directory '{shown}': "
                           + ("File exists" if path == full or what == "dir" else "Not a directory"))
                status = 1
                break
            reason = _parent_problem(node, path)
            if reason is not None:
                ctx.eprint(f"mkdir: cannot create directory '{shown}': {reason}")
                status = 1
                break
            node.fs.dirs.add(path)
            node.fs.mtimes[path] = node.wallclock()
            _touch_parent(node, path)
            if "v" in flags:
                ctx.print(f"mkdir: created directory '{shown}'")
    return status


# ------------------------------------------------------------------------ rm
def rm(ctx: Context) -> int:
    parsed = split_flags(ctx, "rm", "rRfidv", {"--recursive": "r", "--force": "f", "--dir": "d", "--verbose": "v",
                                           "--no-preserve-root": "N", "--interactive": "i"})
    if parsed is None:
        return 1
    flags, names = parsed
    recursive = bool(flags & {"r", "R"})
    if not names:
        if "f" in flags:
            return 0
        return _usage(ctx, "rm", "missing operand")
    node = ctx.node
    status = 0
    for name in names:
        full = normalize(ctx.abspath(name))
        if full == "/" and recursive and "N" not in flags:
            ctx.eprint("rm: it is dangerous to operate recursively on '/'\n"
                       "rm: use --no-preserve-root to override this failsafe")
            status = 1
            continue
        what = kind(node, full, follow=False)
        if what is None:
            if "f" not in flags:
                ctx.eprint(f"rm: cannot remove '{name}': No such file or directory")
                status = 1
            continue
        if full.startswith("/proc/") or full == "/proc":
            ctx.eprint(f"rm: cannot remove '{name}': Operation not permitted")
            status = 1
            continue
        if what == "dir":
            empty = not (procfs.DIRS & {full}) and not _has_children(node, full)
            if not recursive and not ("d" in flags and empty):
                ctx.eprint(f"rm: cannot remove '{name}': "
                           + ("Is a directory" if "d" not in flags else "Directory not empty"))
                status = 1
                continue
            _remove_tree(node, full)
            if "v" in flags:
                ctx.print(f"removed directory '{name}'")
            continue
        if what == "link":
            node.fs.forget(full)
            _touch_parent(node, full)
        else:
            node.files.pop(full, None)
            node.fs.forget(full)
            _touch_parent(node, full)
        if "v" in flags:
            ctx.print(f"removed '{name}'")
    return status


def _has_children(node: "Node", path: str) -> bool:
    from simnet.commands.glob import children

    return bool(children(node, path))


def rmdir(ctx: Context) -> int:
    parsed = _operands(ctx, "rmdir", "pv", {"--parents": "p", "--verbose": "v"})
    if isinstance(parsed, int):
        return parsed
    _flags, names = parsed
    status = 0
    for name in names:
        full = normalize(ctx.abspath(name))
        what = kind(ctx.node, full, follow=False)
        if what is None:
            ctx.eprint(f"rmdir: failed to remove '{name}': No such file or directory")
        elif what != "dir":
            ctx.eprint(f"rmdir: failed to remove '{name}': Not a directory")
        elif _has_children(ctx.node, full) or full in procfs.DIRS:
            ctx.eprint(f"rmdir: failed to remove '{name}': Directory not empty")
        else:
            _remove_tree(ctx.node, full)
            continue
        status = 1
    return status


# -------------------------------------------------------------------- cp, mv
def _copy(ctx: Context, prog: str, move: bool) -> int:
    letters = "rRafvpn" if not move else "fvni"
    parsed = _operands(ctx, prog, letters, {"--recursive": "r", "--archive": "a", "--force": "f", "--verbose": "v"},
                       "missing file operand")
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    if len(names) == 1:
        return _usage(ctx, prog, f"missing destination file operand after '{names[0]}'")
    node = ctx.node
    *sources, dest = names
    dest_full = normalize(ctx.abspath(dest))
    into = kind(node, dest_full) == "dir"
    if len(sources) > 1 and not into:
        ctx.eprint(f"{prog}: target '{dest}' is not a directory")
        return 1
    recursive = bool(flags & {"r", "R", "a"}) or move
    found, status = _existing(ctx, sources, prog + ": cannot stat '{}': No such file or directory")
    for src, src_full, what in found:
        target = dest_full.rstrip("/") + "/" + src_full.rsplit("/", 1)[-1] if into else dest_full
        shown = (dest.rstrip("/") + "/" + src_full.rsplit("/", 1)[-1]) if into else dest
        if what == "dir" and not recursive:
            ctx.eprint(f"cp: -r not specified; omitting directory '{src}'")
            status = 1
            continue
        if target == src_full:
            ctx.eprint(f"{prog}: '{src}' and '{shown}' are the same file")
            status = 1
            continue
        if what == "dir" and (target + "/").startswith(src_full + "/"):
            ctx.eprint(f"{prog}: cannot {'move' if move else 'copy'} a directory, '{src}', into itself, '{shown}'")
            status = 1
            continue
        parent = target.rsplit("/", 1)[0] or "/"
        if kind(node, parent) != "dir":
            verb = "cannot create regular file" if what == "file" and not move else \
                ("cannot move" if move else "cannot create directory")
            extra = f" to '{shown}'" if move else ""
            ctx.eprint(f"{prog}: {verb} '{src if move else shown}'{extra}: No such file or directory")
            status = 1
            continue
        if what == "file":
            if kind(node, target) == "dir":
                ctx.eprint(f"{prog}: cannot overwrite directory '{shown}' with non-directory")
                status = 1
                continue
            node.write_file(target, node.read_file(src_full))
            node.fs.modes.pop(target, None)
            if src_full in node.fs.modes:
                node.fs.modes[target] = node.fs.modes[src_full]
            if move or flags & {"p", "a"}:
                node.fs.mtimes[target] = node.fs.mtime(src_full)
        else:
            _copy_tree(node, src_full, target, keep_times=move or bool(flags & {"p", "a"}))
        if "v" in flags:
            ctx.print(f"renamed '{src}' -> '{shown}'" if move else f"'{src}' -> '{shown}'")
        if move:
            if what == "dir":
                _remove_tree(node, src_full)
            else:
                node.files.pop(src_full, None)
                node.fs.forget(src_full)
                _touch_parent(node, src_full)
    return status


def _copy_tree(node: "Node", src: str, dest: str, keep_times: bool) -> None:
    prefix = src + "/"
    node.fs.dirs.add(dest)
    node.fs.mtimes[dest] = node.fs.mtime(src) if keep_times else node.wallclock()
    for d in [d for d in node.fs.dirs if d.startswith(prefix)]:
        node.fs.dirs.add(dest + d[len(src):])
    for f in [f for f in node.files if f.startswith(prefix)]:
        new = dest + f[len(src):]
        node.files[new] = node.files[f]
        node.fs.mtimes[new] = node.fs.mtime(f) if keep_times else node.wallclock()
        if f in node.fs.modes:
            node.fs.modes[new] = node.fs.modes[f]
    for link, target in [(k, v) for k, v in node.fs.links.items() if k.startswith(prefix)]:
        node.fs.links[dest + link[len(src):]] = target
    _touch_parent(node, dest)


def cp(ctx: Context) -> int:
    return _copy(ctx, "cp", move=False)


def mv(ctx: Context) -> int:
    return _copy(ctx, "mv", move=True)


# --------------------------------------------------------------------- touch
def touch(ctx: Context) -> int:
    from simnet.commands.chores import _parse_date

    node = ctx.node
    when = node.wallclock()
    args = list(ctx.args)
    for k, a in enumerate(args):
        if a in ("-d", "--date") and k + 1 < len(args) or a.startswith("--date="):
            value = a.split("=", 1)[1] if "=" in a else args[k + 1]
            parsed_date = _parse_date(value, when)
            if parsed_date is None:
                ctx.eprint(f"touch: invalid date format '{value}'")
                return 1
            when = parsed_date
            del args[k:k + (1 if "=" in a else 2)]
            break
    ctx.argv = [ctx.prog, *args]
    parsed = _operands(ctx, "touch", "acm", {}, "missing file operand")
    if isinstance(parsed, int):
        return parsed
    _flags, names = parsed
    status = 0
    for name in names:
        full = normalize(ctx.abspath(name))
        what = kind(node, full)
        if what is None:
            reason = _parent_problem(node, full)
            if reason is not None:
                ctx.eprint(f"touch: cannot touch '{name}': {reason}")
                status = 1
                continue
            node.write_file(full, "")
            _touch_parent(node, full)
        node.fs.mtimes[node.fs.resolve(full)] = when
    return status


# --------------------------------------------------------------------- chmod
_SYMBOLIC = re.compile(r"([ugoa]*)([-+=])([rwxXst]*)")


def _new_mode(spec: str, old: int, is_dir: bool) -> int | None:
    if re.fullmatch(r"[0-7]{1,4}", spec):
        return int(spec, 8)
    mode = old
    for clause in spec.split(","):
        m = _SYMBOLIC.fullmatch(clause)
        if m is None:
            return None
        who, op, perms = m.groups()
        who = who.replace("a", "ugo") or "ugo"
        bits = 0
        for w in set(who):
            shift = {"u": 6, "g": 3, "o": 0}[w]
            for p in perms:
                if p == "X" and not (is_dir or old & 0o111):
                    continue
                bits |= {"r": 4, "w": 2, "x": 1, "X": 1}.get(p, 0) << shift
        if op == "+":
            mode |= bits
        elif op == "-":
            mode &= ~bits
        else:
            clear = sum(7 << {"u": 6, "g": 3, "o": 0}[w] for w in set(who))
            mode = (mode & ~clear) | bits
    return mode


def chmod(ctx: Context) -> int:
    args = [a for a in ctx.args if a not in ("-R", "-v", "--recursive", "--verbose")]
    if not args:
        return _usage(ctx, "chmod", "missing operand")
    spec, names = args[0], args[1:]
    if not names:
        return _usage(ctx, "chmod", f"missing operand after '{spec}'")
    node = ctx.node
    if _new_mode(spec, 0o644, False) is None:
        return _usage(ctx, "chmod", f"invalid mode: '{spec}'")
    found, status = _existing(ctx, names, "chmod: cannot access '{}': No such file or directory")
    for _name, full, what in found:
        real = node.fs.resolve(full)
        node.fs.modes[real] = _new_mode(spec, mode_of(node, real), what == "dir") or 0
    return status


# ------------------------------------------------------------------------ ls
def _perm_text(mode: int, what: str) -> str:
    out = {"dir": "d", "link": "l"}.get(what, "-")
    for shift in (6, 3, 0):
        bits = (mode >> shift) & 7
        out += ("r" if bits & 4 else "-") + ("w" if bits & 2 else "-") + ("x" if bits & 1 else "-")
    return out


def _human(size: int) -> str:
    """ls -h: one decimal below 10 (rounded up), K/M/G with powers of 1024."""
    if size < 1024:
        return str(size)
    value = float(size)
    for unit in "KMGT":
        value /= 1024
        if value < 1024 or unit == "T":
            if value < 10:
                tenths = -(-int(value * 10 * 1000) // 1000)    # ceil to one decimal
                return f"{tenths / 10:.1f}{unit}"
            return f"{-(-int(value * 1000) // 1000)}{unit}"
    return str(size)


def _entry(node: "Node", path: str) -> tuple[str, int, int, float, str]:
    """(type, mode, size, mtime, link target) of one path, without following a last symlink."""
    what = kind(node, path, follow=False) or "file"
    if what == "link":
        target = node.fs.links[path]
        return what, 0o777, len(target.encode()), node.fs.mtime(path), target
    real = node.fs.resolve(path)
    if what == "dir":
        return what, mode_of(node, real), 4096, node.fs.mtime(real), ""
    if path.startswith("/proc/"):
        return what, 0o644, 0, node.wallclock(), ""
    return what, mode_of(node, real), len(node.read_file(real).encode()), node.fs.mtime(real), ""


def _blocks(size: int, what: str) -> int:
    if what == "link" or size == 0:
        return 0
    return -(-size // 4096) * 4


def _long_lines(ctx: Context, rows: list[tuple[str, str]], human: bool) -> tuple[list[str], int]:
    """``ls -l`` lines for (name shown, absolute path) and the total in 1K blocks."""
    from simnet.commands.glob import children

    node = ctx.node
    now = node.wallclock()
    infos = []
    total = 0
    for shown, path in rows:
        what, mode, size, mtime, target = _entry(node, path)
        links = 1
        if what == "dir":
            links = 2 + sum(1 for k in children(node, path) or [] if kind(node, path.rstrip("/") + "/" + k) == "dir")
        total += _blocks(size, what)
        stamp = time.gmtime(mtime)
        recent = now - HALF_YEAR < mtime <= now + 60
        date = time.strftime("%b %e %H:%M", stamp) if recent else time.strftime("%b %e  %Y", stamp)
        infos.append((_perm_text(mode, what), str(links), _human(size) if human else str(size), date,
                      shown + (f" -> {target}" if target else "")))
    wl = max((len(i[1]) for i in infos), default=1)
    ws = max((len(i[2]) for i in infos), default=1)
    lines = [f"{p} {n.rjust(wl)} root root {s.rjust(ws)} {d} {name}" for p, n, s, d, name in infos]
    return lines, total


def ls(ctx: Context) -> int:
    from simnet.commands.glob import children

    parsed = split_flags(ctx, "ls", "laAdh1RrtF", {"--all": "a", "--almost-all": "A", "--directory": "d",
                                                "--human-readable": "h"})
    if parsed is None:
        return 2
    flags, names = parsed
    names = names or ["."]
    node = ctx.node
    status = 0
    files: list[tuple[str, str]] = []
    folders: list[tuple[str, str]] = []
    for name in names:
        full = normalize(ctx.abspath(name))
        what = kind(node, full, follow="l" not in flags)
        if what is None and kind(node, full, follow=False) == "link":
            what = "link"
        if what is None:
            ctx.eprint(f"ls: cannot access '{name}': No such file or directory")
            status = 2
        elif what == "dir" and "d" not in flags:
            folders.append((name, full))
        else:
            files.append((name, full))
    blocks: list[str] = []
    if files:
        files.sort(key=lambda r: r[0].encode())
        blocks.append("".join(line + "\n" for line in (
            # the columns are as wide as for every operand, folders included (ls measures them all first)
            _long_lines(ctx, files + folders, "h" in flags)[0][:len(files)] if "l" in flags
            else [shown for shown, _ in files])))
    folders.sort(key=lambda r: r[0].encode())
    while folders:
        name, full = folders.pop(0)
        kids = children(node, full) or []
        if "a" not in flags:
            kids = [k for k in kids if not k.startswith(".")] if "A" not in flags else kids
        rows = [(k, full.rstrip("/") + "/" + k) for k in kids]
        if "a" in flags:
            rows = [(".", full), ("..", full.rsplit("/", 1)[0] or "/")] + rows
        rows.sort(key=lambda r: r[0].encode())
        text = ""
        if len(names) > 1 or files or "R" in flags:
            text += f"{name}:\n"
        if "R" in flags:                 # ls -R: the subfolders follow, depth first
            subs = [(name.rstrip("/") + "/" + shown, path) for shown, path in rows
                    if shown not in (".", "..") and kind(node, path, follow=False) == "dir"]
            folders[:0] = subs
        if "l" in flags:
            lines, total = _long_lines(ctx, rows, "h" in flags)
            text += f"total {_human(total * 1024) if 'h' in flags else total}\n" + "".join(l + "\n" for l in lines)
        else:
            text += "".join(shown + "\n" for shown, _ in rows)
        blocks.append(text)
    ctx.out.append("\n".join(blocks))
    return status
