"""Build a simnet lab for real: one network namespace per node, one bridge per segment.

The layout mirrors simnet's contract: every interface named in the lab is a
veth whose other end sits in a "switch" namespace, enslaved to the segment's
bridge; MAC addresses are simnet's stable ones; ``lo`` is up. IPv6 is off
unless the lab says ``ipv6: true`` (the older cases were recorded without it;
a node's own ``ipv6`` key wins); the switch never runs IPv6, so its bridge
adds no packets of its own. Commands run with ``bash -c`` inside the node's
namespace, as root, with a C locale.
"""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simnet.links.mac import mac_for  # noqa: E402
from simnet.loader_lan import check_forward, forward_startup, kind_startup  # noqa: E402

TOOLS = ("ip", "iptables", "iptables-save", "nft", "conntrack", "ping", "traceroute", "tcpdump", "sysctl", "bash")
ENV = {"LANG": "C", "LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "TERM": "dumb"}
_counter = itertools.count()


def available() -> str | None:
    """None if the real kernel can be used, else the reason why not."""
    if sys.platform != "linux":
        return "kein Linux"
    if os.geteuid() != 0:
        return "nicht root (Netzwerk-Namespaces brauchen root)"
    missing = [t for t in TOOLS if shutil.which(t, path=ENV["PATH"]) is None]
    if missing:
        return "Werkzeuge fehlen: " + ", ".join(missing)
    name = f"snchk{os.getpid() % 100000}"
    try:
        subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True, timeout=10)
        subprocess.run(["ip", "netns", "del", name], check=True, capture_output=True, timeout=10)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"ip netns geht hier nicht: {exc}"
    return None


def _sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(list(args), capture_output=True, text=True, timeout=30, env=ENV)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {res.stderr.strip()}")
    return res


class NetnsLab:
    """Context manager: ``with NetnsLab(lab_dict) as lab: lab.run(node, cmd)``."""

    def __init__(self, lab: dict[str, Any], settle: bool = False) -> None:
        self.lab = lab
        self.settle = settle
        tag = f"{os.getpid() % 10000}x{next(_counter)}"
        self.switch = f"sn{tag}sw"
        self.ns = {name: f"sn{tag}n{i}" for i, name in enumerate(lab["nodes"])}
        self.jobs: dict[str, subprocess.Popen] = {}
        # ``private_fs: true``: each node gets its own /etc, /var/lib, /var/log and /run (overlays in a
        # mount namespace, kept between commands) and its own host name, so that dhclient-script and
        # dnsmasq write their files for this node only and never touch the host's /etc/resolv.conf
        self.fsroot = Path(tempfile.mkdtemp(prefix="snfs")) if lab.get("private_fs") else None

    # ------------------------------------------------------------------ setup
    def __enter__(self) -> "NetnsLab":
        try:
            self._build()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _build(self) -> None:
        for node, ns in [("", self.switch), *((n, self.ns[n]) for n in self.lab["nodes"])]:
            _sh("ip", "netns", "add", ns)
            if not node or not self.ipv6(node):
                _sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
                _sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
        segments: dict[str, str] = {}
        port = itertools.count()
        members: dict[str, int] = {}
        for spec in self.lab["nodes"].values():
            for seg in (spec.get("interfaces") or {}).values():
                members[seg] = members.get(seg, 0) + 1
        for node, spec in self.lab["nodes"].items():
            for iface, seg in (spec.get("interfaces") or {}).items():
                if seg not in segments:
                    br = f"br{len(segments)}"
                    segments[seg] = br
                    # a segment of two is a cable: it hands every frame to the other end (ageing_time 0,
                    # a bridge that never learns), as simnet's two-port segments do
                    cable = ["ageing_time", "0"] if members[seg] == 2 else []
                    # without snooping the segment bridge joins no multicast-router group, so it sends
                    # no IGMP report of its own into the lab (a node's bridge would learn its MAC)
                    _sh("ip", "-n", self.switch, "link", "add", br, "type", "bridge", "stp_state", "0",
                        "forward_delay", "0", "mcast_snooping", "0", *cable)
                    _sh("ip", "-n", self.switch, "link", "set", br, "up")
                peer = f"p{next(port)}"
                _sh("ip", "link", "add", iface, "netns", self.ns[node], "address", str(mac_for(node, iface)),
                    "type", "veth", "peer", "name", peer, "netns", self.switch)
                _sh("ip", "-n", self.switch, "link", "set", peer, "master", segments[seg])
                _sh("ip", "-n", self.switch, "link", "set", peer, "up")
                _sh("ip", "-n", self.ns[node], "link", "set", iface, "up")
        # the kernel sends IGMP reports for a while after links come up; let them pass
        time.sleep(2.5 if self.settle else 0)
        for node, spec in self.lab["nodes"].items():
            ifaces = list(spec.get("interfaces") or {})
            kind = kind_startup(spec.get("kind", "host"), ifaces, spec.get("vlans")) + forward_startup(
                check_forward(spec.get("forward")), spec.get("nat") if spec.get("nat") in ifaces else None)
            for cmd in kind + list(spec.get("startup") or []):
                rc, out, err = self.run(node, cmd)
                if rc != 0:
                    raise RuntimeError(f"startup of {node} failed: {cmd!r}: {err.strip()}")

    def ipv6(self, node: str) -> bool:
        """Does ``node`` run IPv6? (the node's ``ipv6`` key, else the lab's, else off)"""
        spec = self.lab["nodes"][node] or {}
        return bool(spec.get("ipv6", self.lab.get("ipv6", False)))

    def close(self) -> None:
        for job in self.jobs.values():
            if job.poll() is None:
                job.kill()
        for ns in self.ns.values():          # daemons (dnsmasq, dhclient) left in the node
            res = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=30)
            for pid in res.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        for ns in [*self.ns.values(), self.switch]:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        if self.fsroot is not None:
            shutil.rmtree(self.fsroot, ignore_errors=True)

    def _argv(self, node: str, cmd: str) -> list[str]:
        """bash -c CMD in the node's namespace (with its private file system when the lab asks)."""
        head = ["ip", "netns", "exec", self.ns[node]]
        if self.fsroot is None:
            return head + ["bash", "-c", cmd]
        base = self.fsroot / node
        mounts = []
        for d in ("etc", "var/lib", "var/log", "run"):
            upper, work = base / d.replace("/", "_") / "u", base / d.replace("/", "_") / "w"
            upper.mkdir(parents=True, exist_ok=True)
            work.mkdir(parents=True, exist_ok=True)
            mounts.append(f"mount -t overlay overlay -o lowerdir=/{d},upperdir={upper},workdir={work} /{d}")
        script = "; ".join(mounts) + f'; hostname {node}; exec bash -c "$0"'
        return head + ["unshare", "-m", "-u", "--propagation", "private", "sh", "-c", script, cmd]

    # -------------------------------------------------------------- commands
    def run(self, node: str, cmd: str, timeout: float = 120) -> tuple[int, str, str]:
        res = subprocess.run(self._argv(node, cmd), capture_output=True, text=True, timeout=timeout, env=ENV)
        return res.returncode, res.stdout, res.stderr

    def start(self, node: str, cmd: str, ident: str) -> None:
        self.jobs[ident] = subprocess.Popen(self._argv(node, "exec " + cmd),
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        time.sleep(0.7)

    def collect(self, ident: str, timeout: float = 5) -> tuple[int, str, str]:
        job = self.jobs.pop(ident)
        try:
            out, err = job.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            job.send_signal(signal.SIGINT)
            out, err = job.communicate(timeout=10)
        return job.returncode, out, err
