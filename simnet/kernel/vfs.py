"""What a node's disk knows about its files besides their text: directories, symlinks,
permission bits and modification times.

The text of every file stays in ``node.files`` (path -> str), which the services write
directly; this module keeps the rest, so ``ls -l``, ``chmod``, ``mkdir`` and ``rm -r``
can answer like coreutils. A file without an entry here has Debian's defaults
(``-rw-r--r--``, modified when the node was installed).
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Vfs", "DEFAULT_FILE_MODE", "DEFAULT_DIR_MODE", "normalize"]

DEFAULT_FILE_MODE = 0o644
DEFAULT_DIR_MODE = 0o755


@dataclass
class Vfs:
    """Metadata of one node's file system (paths are absolute and normalised)."""

    dirs: set[str] = field(default_factory=set)          # directories made by mkdir or by packages
    links: dict[str, str] = field(default_factory=dict)  # symlink -> target as written (``../sysctl.conf``)
    modes: dict[str, int] = field(default_factory=dict)  # permission bits other than the defaults
    mtimes: dict[str, float] = field(default_factory=dict)  # seconds since the epoch; missing = install time
    installed_at: float = 0.0                             # when the image was installed (epoch seconds)

    def resolve(self, path: str, depth: int = 0) -> str:
        """``path`` with every symlink in it followed (relative targets are relative to the link's folder)."""
        if depth > 8 or not self.links:
            return path
        parts = path.strip("/").split("/")
        for k in range(len(parts), 0, -1):
            head = "/" + "/".join(parts[:k])
            target = self.links.get(head)
            if target is None:
                continue
            base = head.rsplit("/", 1)[0] or "/"
            joined = target if target.startswith("/") else base.rstrip("/") + "/" + target
            rest = "/".join(parts[k:])
            return self.resolve(normalize(joined + ("/" + rest if rest else "")), depth + 1)
        return path

    def mtime(self, path: str) -> float:
        return self.mtimes.get(path, self.installed_at)

    def forget(self, path: str) -> None:
        """A file, link or directory is gone: drop what was known about it."""
        self.dirs.discard(path)
        self.links.pop(path, None)
        self.modes.pop(path, None)
        self.mtimes.pop(path, None)


def normalize(path: str) -> str:
    """An absolute path without ``.``, ``..`` and double slashes (relative paths start in /root)."""
    if not path.startswith("/"):
        path = "/root/" + path
    parts: list[str] = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return "/" + "/".join(parts)
