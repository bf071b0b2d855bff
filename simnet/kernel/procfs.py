"""The few files a learner reads or writes: ``/proc/sys/...`` maps to sysctl,
``/proc/net/...`` is rendered from kernel state, everything else is a plain
in-memory file owned by the node."""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel import procnet
from simnet.kernel.sysctl import SysctlError
from simnet.kernel.vfs import normalize

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["read_path", "write_path", "is_dir"]

DIRS = {"/", "/etc", "/tmp", "/proc", "/proc/sys", "/proc/net", "/root", "/var", "/var/log", "/etc/sysctl.d",
        "/usr", "/usr/bin", "/bin", "/sbin", "/dev", "/etc/headscale", "/etc/nginx"}


_normalize = normalize


def is_dir(node: "Node", path: str) -> bool:
    path = _normalize(path)
    if path in DIRS:
        return True
    if path.startswith("/proc/sys/"):
        key = path[len("/proc/sys/"):].replace("/", ".")
        return any(k.startswith(key + ".") for k in node.sysctl.keys())
    path = node.fs.resolve(path)
    if path in node.fs.dirs or path in DIRS:
        return True
    prefix = path + "/"
    return any(f.startswith(prefix) for f in node.files)


def read_path(node: "Node", path: str) -> str:
    path = _normalize(path)
    if path.startswith("/proc/sys/"):
        key = path[len("/proc/sys/"):].replace("/", ".")
        if key in node.sysctl:
            return node.sysctl.get(key) + "\n"
        if is_dir(node, path):
            raise IsADirectoryError(path)
        raise FileNotFoundError(path)
    if path == "/dev/null":
        return ""
    text = procnet.render(node, path)
    if text is not None:
        return text
    if path == "/proc/net/vlan/config" and any(i.kind == "vlan" for i in node.interfaces.values()):
        from simnet.kernel.vlan import proc_config      # exists once the 8021q module is loaded

        return proc_config(node)
    path = node.fs.resolve(path)
    if path in node.files:
        return node.files[path]
    if is_dir(node, path):
        raise IsADirectoryError(path)
    raise FileNotFoundError(path)


def write_path(node: "Node", path: str, data: str, append: bool = False) -> None:
    """Write like a shell redirection would; raises OSError subclasses with the errno."""
    path = _normalize(path)
    if path == "/dev/null":
        return
    if path.startswith("/proc/sys/"):
        key = path[len("/proc/sys/"):].replace("/", ".")
        if key not in node.sysctl:
            if is_dir(node, path):
                raise IsADirectoryError(path)
            raise FileNotFoundError(path)
        # proc_dointvec: as many numbers as the file holds, separated by blanks; whatever
        # follows them is ignored ("echo 1 > …ip_forward cat …" sets 1 and succeeds)
        # (a file of several numbers takes no extra ones: checked on the kernel)
        tokens = data.split()
        wanted = node.sysctl.get(key).count("\t") + 1
        if wanted > 1 and len(tokens) > wanted:
            raise OSError(22, "Invalid argument")
        try:
            node.sysctl.set(key, " ".join(tokens[:wanted]) if tokens else data)
        except SysctlError as exc:
            raise OSError(22, exc.errno_text) from None
        return
    if path.startswith("/proc/"):
        raise PermissionError(path)
    path = node.fs.resolve(path)
    if is_dir(node, path):
        raise IsADirectoryError(path)
    parent = path.rsplit("/", 1)[0] or "/"
    if not is_dir(node, parent):
        raise FileNotFoundError(path)
    node.files[path] = (node.files.get(path, "") if append else "") + data
    node.fs.mtimes[path] = node.wallclock()
