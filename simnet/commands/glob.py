"""Pathname expansion (``*``, ``?``, ``[…]``) over a node's files and ``/proc/sys``.

Learners check every interface at once: ``cat /proc/sys/net/ipv4/conf/*/rp_filter``
or ``grep . /proc/sys/net/ipv4/conf/*/forwarding``. The shell marks quoted glob
characters (see :data:`QUOTED`) so ``grep '*'`` stays literal.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["children", "expand", "QUOTED", "unquote"]

# quoted glob characters travel through the tokenizer as these stand-ins
QUOTED = {"*": "\x01", "?": "\x02", "[": "\x03"}
_BACK = {v: k for k, v in QUOTED.items()}


def unquote(word: str) -> str:
    for stand_in, ch in _BACK.items():
        word = word.replace(stand_in, ch)
    return word


def children(node: "Node", path: str) -> list[str] | None:
    """Names in directory ``path`` (absolute), sorted in the C locale; None if it is no directory."""
    from simnet.kernel import procfs

    norm = procfs._normalize(path)
    if not procfs.is_dir(node, norm):
        return None
    names: set[str] = set()
    if norm.startswith("/proc/sys"):
        prefix = norm[len("/proc/sys"):].strip("/").replace("/", ".")
        for key in node.sysctl.keys():
            if not prefix or key.startswith(prefix + "."):
                names.add(key[len(prefix) + 1 if prefix else 0:].split(".", 1)[0])
    if not norm.startswith("/proc/"):
        norm = node.fs.resolve(norm)
    base = norm.rstrip("/") + "/"
    for entry in [*node.files, *procfs.DIRS, *node.fs.dirs, *node.fs.links]:
        if entry.startswith(base) and entry != base:
            names.add(entry[len(base):].split("/", 1)[0])
    if norm == "/proc":
        names.update({"sys", "net"})
    return sorted(names)


def expand(node: "Node", word: str, cwd: str) -> list[str]:
    """The words ``word`` expands to; itself (unquoted) when nothing matches, as bash does."""
    if not any(ch in word for ch in "*?["):
        return [unquote(word)]
    absolute = word.startswith("/")
    parts = [p for p in word.split("/") if p]
    found = [""]
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        nxt: list[str] = []
        for prefix in found:
            here = (prefix or "/") if absolute else ((cwd.rstrip("/") + "/" + prefix) if prefix else cwd)
            if not any(ch in part for ch in "*?["):
                nxt.append(f"{prefix}/{unquote(part)}" if (prefix or absolute) else unquote(part))
                continue
            import fnmatch       # only for a word with a glob: not on every new process's path (issue 20)

            names = children(node, here if here.startswith("/") else "/" + here) or []
            pattern = unquote_literal(part)
            for name in names:
                if name.startswith(".") and not part.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, pattern):
                    nxt.append(f"{prefix}/{name}" if (prefix or absolute) else name)
        found = nxt
        if not found:
            return [unquote(word)]
        if not last:
            found = [f for f in found if _is_dir(node, f if absolute else cwd.rstrip("/") + "/" + f)]
    result = [("/" + f.lstrip("/")) if absolute else f for f in found]
    return sorted(result) or [unquote(word)]


def unquote_literal(part: str) -> str:
    """A glob part whose quoted characters must match literally (fnmatch escapes them with [])."""
    for stand_in, ch in _BACK.items():
        part = part.replace(stand_in, f"[{ch}]")
    return part


def _is_dir(node: "Node", path: str) -> bool:
    from simnet.kernel import procfs

    return procfs.is_dir(node, path if path.startswith("/") else "/" + path)
