"""GNU tar 1.34 for the seed's backup line (``tar -czf headscale-backup-$(date +%Y%m%d).tar.gz
/etc/headscale/ /var/lib/headscale/ /etc/nginx/sites-available/headscale``): create, list and
extract, with tar's own messages. The archive is a file on the node; its bytes are a simnet
stand-in (members as JSON), which ``tar -t`` and ``tar -x`` read back.
"""
from __future__ import annotations

import json
import time

from simnet.commands.base import Context
from simnet.commands.fileutils import kind, mode_of
from simnet.kernel.vfs import normalize

__all__ = ["main"]

MAGIC = "\x1f\x8b simnet tar archive\n"
TRY = "Try 'tar --help' or 'tar --usage' for more information."


def _options(ctx: Context) -> tuple[str, str | None, str | None, list[str], bool] | int:
    """(mode c/x/t, archive, -C folder, names, verbose), or the exit code after tar's complaint."""
    args = list(ctx.args)
    if args and not args[0].startswith("-") and args[0] and set(args[0]) <= set("cxtzvfjJpC"):
        args[0] = "-" + args[0]                  # old style: tar czf FILE …
    mode: str | None = None
    verbose = False
    archive = folder = None
    names: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            key, _, val = a.partition("=")
            if key in ("--create", "--extract", "--get", "--list"):
                mode = {"--create": "c", "--extract": "x", "--get": "x", "--list": "t"}[key]
            elif key in ("--file", "--directory"):
                if not val:
                    i += 1
                    val = args[i] if i < len(args) else ""
                if key == "--file":
                    archive = val
                else:
                    folder = val
            elif key == "--verbose":
                verbose = True
            elif key not in ("--gzip", "--ungzip"):
                ctx.eprint(f"tar: unrecognized option '{a}'\n{TRY}")
                return 64
        elif a.startswith("-") and len(a) > 1:
            k = 1
            while k < len(a):
                ch = a[k]
                if ch in "cxt":
                    mode = ch
                elif ch == "v":
                    verbose = True
                elif ch in "fC":
                    val = a[k + 1:]
                    if not val:
                        i += 1
                        if i >= len(args):
                            ctx.eprint(f"tar: option requires an argument -- '{ch}'\n{TRY}")
                            return 64
                        val = args[i]
                    if ch == "f":
                        archive = val
                    else:
                        folder = val
                    break
                elif ch not in "zvjJp":
                    ctx.eprint(f"tar: invalid option -- '{ch}'\n{TRY}")
                    return 64
                k += 1
        else:
            names.append(a)
        i += 1
    if mode is None:
        ctx.eprint(f"tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\n{TRY}")
        return 2
    return mode, archive, folder, names, verbose


def _add_folders(ctx: Context, path: str) -> None:
    parts = path.strip("/").split("/")
    for k in range(1, len(parts) + 1):
        ctx.node.fs.dirs.add("/" + "/".join(parts[:k]))


def _walk(ctx: Context, full: str, member: str, out: list[dict]) -> None:
    from simnet.commands.glob import children

    node = ctx.node
    what = kind(node, full)
    if what == "dir":
        out.append({"name": member.rstrip("/") + "/", "type": "dir", "mode": mode_of(node, full),
                    "mtime": node.fs.mtime(node.fs.resolve(full))})
        for child in children(node, full) or []:
            _walk(ctx, full.rstrip("/") + "/" + child, member.rstrip("/") + "/" + child, out)
    else:
        out.append({"name": member, "type": "file", "mode": mode_of(node, full), "text": node.read_file(full),
                    "mtime": node.fs.mtime(node.fs.resolve(full))})


def _verbose_line(m: dict) -> str:
    perms = "d" if m["type"] == "dir" else "-"
    for shift in (6, 3, 0):
        bits = (m["mode"] >> shift) & 7
        perms += ("r" if bits & 4 else "-") + ("w" if bits & 2 else "-") + ("x" if bits & 1 else "-")
    size = 0 if m["type"] == "dir" else len(m.get("text", "").encode())
    stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(m["mtime"]))
    return f"{perms} root/root {size:>9} {stamp} {m['name']}"


def main(ctx: Context) -> int:
    parsed = _options(ctx)
    if isinstance(parsed, int):
        return parsed
    mode, archive, folder, names, verbose = parsed
    node = ctx.node
    if archive is None:
        archive = "-"
    if mode == "c":
        if not names:
            ctx.eprint(f"tar: Cowardly refusing to create an empty archive\n{TRY}")
            return 2
        base = normalize(ctx.abspath(folder)) if folder else ctx.cwd
        members: list[dict] = []
        failed = False
        warned_abs = False
        for k, name in enumerate(names):
            if name.startswith("/"):
                if not warned_abs:
                    ctx.eprint("tar: Removing leading `/' from member names")
                    warned_abs = True
                if k == 1:
                    ctx.eprint("tar: Removing leading `/' from hard link targets")
            full = normalize(name if name.startswith("/") else base.rstrip("/") + "/" + name)
            if kind(node, full) is None:
                ctx.eprint(f"tar: {name}: Cannot stat: No such file or directory")
                failed = True
                continue
            start = len(members)
            _walk(ctx, full, name.lstrip("/") or ".", members)
            if verbose:
                for m in members[start:]:
                    ctx.print(("/" if name.startswith("/") else "") + m["name"])
        data = MAGIC + json.dumps(members) + "\n"
        if archive == "-":
            ctx.out.append(data)
        else:
            try:
                node.write_file(ctx.abspath(archive), data)
            except (FileNotFoundError, IsADirectoryError) as exc:
                reason = "Is a directory" if isinstance(exc, IsADirectoryError) else "No such file or directory"
                ctx.eprint(f"tar: {archive}: Cannot open: {reason}\ntar: Error is not recoverable: exiting now")
                return 2
        if failed:
            ctx.eprint("tar: Exiting with failure status due to previous errors")
            return 2
        return 0
    try:
        data = ctx.stdin if archive == "-" else node.read_file(ctx.abspath(archive))
    except (FileNotFoundError, IsADirectoryError):
        ctx.eprint(f"tar (child): {archive}: Cannot open: No such file or directory\n"
                   "tar (child): Error is not recoverable: exiting now\n"
                   "tar: Child returned status 2\ntar: Error is not recoverable: exiting now")
        return 2
    if not data.startswith(MAGIC):
        ctx.eprint("tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors")
        return 2
    members = json.loads(data[len(MAGIC):])
    wanted = [n.rstrip("/") for n in names]
    if wanted:
        members = [m for m in members if any(m["name"].rstrip("/") == w or m["name"].startswith(w + "/")
                                               for w in wanted)]
    if mode == "t":
        for m in members:
            ctx.print(_verbose_line(m) if verbose else m["name"])
        return 0
    base = normalize(ctx.abspath(folder)) if folder else ctx.cwd
    if folder and kind(node, base) != "dir":
        ctx.eprint(f"tar: {folder}: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now")
        return 2
    for m in members:
        target = normalize(base.rstrip("/") + "/" + m["name"])
        if verbose:
            ctx.print(m["name"])
        if m["type"] == "dir":
            _add_folders(ctx, target)
        else:
            _add_folders(ctx, target.rsplit("/", 1)[0] or "/")
            node.write_file(target, m["text"])
        node.fs.modes[target] = m["mode"]
        node.fs.mtimes[target] = m["mtime"]
    return 0
