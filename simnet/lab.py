"""The lab: owns the simulated clock, the segments and the nodes. No global state."""
from __future__ import annotations

from dataclasses import dataclass, field
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.core.errors import LabError
from simnet.core.events import Simulator
from simnet.core.guard import Interrupted, Limits, reason_text
from simnet.kernel.node import DEFAULT_EPOCH, Node
from simnet.links.segment import DEFAULT_DELAY, Segment
from simnet.trace import Trace

if TYPE_CHECKING:
    from typing import Any, Protocol

    from pathlib import Path      # pathlib is loaded only when a lab file is read (cold start, issue 20)

    from simnet.services.road import Road
    from simnet.tailnet.control import Tailnet
else:
    Protocol = object           # Terminal is only a type hint's protocol; run time needs no typing

__all__ = ["Lab", "Result", "LabError", "Terminal"]


class Terminal(Protocol):
    """The interactive session around a lab (``simnet shell``): ssh and ``pct enter`` log in
    through it, a reboot ends the logins into the rebooted node."""

    sessions: list[tuple[str, str, str, str]]      # (node, user, host as typed, how it ends)

    def login(self, node: str, user: str, host: str, closing: str = "ssh") -> None: ...


@dataclass(frozen=True)
class Result:
    """What a command did: exactly what the real tool prints, plus the packets' trace."""

    returncode: int
    stdout: str
    stderr: str
    trace: Trace = field(default_factory=Trace)
    node: str = ""
    command: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        return self.stdout + self.stderr


class Lab:
    """A network of simulated Linux nodes on Ethernet segments.

    Build one with :meth:`from_dict` / :meth:`from_yaml` or in Python with
    :meth:`add_node`, :meth:`add_segment` and :meth:`connect`.
    """

    #: The lab's one wall clock: seconds since 1970 at simulated time 0 (a lab file's
    #: ``meta.epoch``). Every date a tool prints (journal, tcpdump -tttt, certificates, file
    #: times, iptables-save) is this plus simulated time, so all of them agree.
    epoch: float = DEFAULT_EPOCH
    #: The tailnet index (:func:`simnet.tailnet.control.tailnet_of` makes it on first use).
    tailnet: "Tailnet | None" = None
    #: The internet road of ``meta.road`` (:func:`simnet.services.road.road_of`, first use).
    road: "Road | None" = None
    #: The next ICMP echo identifier ping uses, traceroute's probe id and the next ephemeral
    #: port it binds (the real tools take them from the pid and the kernel; here they only differ).
    ping_ident: int = 0x4D2
    traceroute_ident: int = 0x5A17
    ephemeral_port: int = 40000

    def __init__(self, name: str = "lab") -> None:
        self.name = name
        self.sim = Simulator()
        self.nodes: dict[str, Node] = {}
        self.segments: dict[str, Segment] = {}
        self.meta: dict[str, Any] = {}
        self._env: dict[str, dict[str, str]] = {}
        self.jobs: list[Any] = []      # background jobs (simnet.jobs.Job), oldest first
        self._dad_due: float | None = None   # when the next IPv6 DAD ends (simnet.kernel.ipv6.addrconf)
        self.terminal: Terminal | None = None   # the interactive session (simnet shell), if any
        self.journal: list[tuple[float, str, str, str]] = []   # systemd journal (simnet.services.journal)
        # what `tcpdump -w FILE` saved, for `tcpdump -r FILE`: (node, path) -> (device, packets)
        self.pcap_files: dict[tuple[str, str], tuple[str, list[Any]]] = {}
        self.boot: dict[str, dict[str, Any]] = {}   # node -> its boot recipe (startup lines, nat), simnet.boot
        self.limits = Limits()         # the guard's budget for each command line (simnet.core.guard)
        self.shell_depth = 0           # shells running inside each other now (simnet.commands.shell)
        self.serial = 0                # counts what may change the lab: command lines, jobs, reboots, NAT types

    # ------------------------------------------------------------ building
    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> "Lab":
        from simnet.loader import build_lab

        return build_lab(data, source)

    @classmethod
    def from_yaml(cls, path: str | Path) -> "Lab":
        from simnet.loader import collector_paused, load_yaml

        return collector_paused(load_yaml, path)       # YAML's objects live on, too

    @classmethod
    def load(cls, name: str, **options: Any) -> "Lab":
        """A lab shipped with simnet (``simnet/labs/NAME.yaml``). Options: ``state="ready"`` (a state
        of the lab file, set up after the start); for headscale and heimnetz ``ipv6_lan=False``, the
        home LAN without its IPv6 (it is dual stack by default; ``ipv6_lan=True`` is the default)."""
        from simnet.loader import load_shipped

        return load_shipped(name, **options)

    def add_segment(self, name: str, delay_ms: float | None = None) -> Segment:
        if name not in self.segments:
            delay = DEFAULT_DELAY if delay_ms is None else delay_ms / 1000.0
            self.segments[name] = Segment(name, self.sim, delay)
        return self.segments[name]

    def add_node(self, name: str) -> Node:
        if name in self.nodes:
            raise LabError(f"Den Knoten „{name}“ gibt es schon.")
        node = Node(name, self)
        self.nodes[name] = node
        return node

    def connect(self, node: str, iface: str, segment: str, up: bool = True) -> None:
        n = self.node(node)
        seg = self.add_segment(segment)
        interface = n.add_interface(iface)
        seg.attach(n, interface)
        interface.peer_index = interface.index + 1
        if up:
            n.link_set(iface, True)

    def node(self, name: str) -> Node:
        try:
            return self.nodes[name]
        except KeyError:
            known = ", ".join(self.nodes) or "(keine)"
            raise LabError(f"Im Lab „{self.name}“ gibt es keinen Knoten „{name}“. Vorhanden: {known}.") from None

    # ------------------------------------------------------------- running
    def run(self, node: str, command: str) -> Result:
        """Run a command line on ``node`` as root, like typing it into its shell."""
        from simnet.commands.shell import run_line

        n = self.node(node)
        self.serial += 1
        self.reap_jobs()
        n.history.append(command)
        if n.stack.refresh is not None:      # services with deferred kernel state catch up first
            n.stack.refresh()
        env = self._env.setdefault(node, {})
        self.sim.arm(self.limits)
        try:
            res = run_line(n, self, command, env)
        except Interrupted:            # pressed outside any program (between commands): nothing to show
            from simnet.commands.shell import ShellResult

            res = ShellResult(130, "", "")
        finally:
            caught = self.sim.caught
            tripped = self.sim.disarm()
        stderr = res.stderr
        if tripped is not None:
            # Ctrl+C: a program that catches SIGINT (ping, tcpdump) exits with its own status after
            # its summary; one that does not dies of the signal (130, set where it was interrupted)
            code = res.returncode if tripped == "sigint" and caught else 126 if tripped == "fork" else 130
            env["?"] = str(code)
            if tripped != "sigint":      # on a line of its own, as after ^C in a terminal
                open_line = (stderr or res.stdout)[-1:] not in ("", "\n")
                stderr += ("\n" if open_line else "") + reason_text(tripped, self.limits)
            res = type(res)(code, res.stdout, stderr, res.journeys)
        trace = Trace(journeys=tuple(res.journeys))
        return Result(res.returncode, res.stdout, res.stderr, trace, node, command)

    def reap_jobs(self) -> None:
        """Background jobs that ended on their own (``tcpdump -c 4 > f &``) finish now:
        their redirected output lands in its file, as it would have by now on a real box."""
        for job in self.jobs:
            if job.running and job._done is not None and job._done():
                job.returncode = job._stop() if job._stop is not None else 0

    def start(self, node: str, command: str) -> Any:
        """Start ``command`` on ``node`` in the background (like ``command &``); returns its Job."""
        from simnet.jobs import start_job

        self.serial += 1
        return start_job(self, node, command)

    def run_all(self, node: str, commands: list[str]) -> list[Result]:
        return [self.run(node, c) for c in commands]

    def reboot(self, node: str) -> None:
        """Restart ``node`` like ``reboot`` does: runtime state is lost, saved configuration comes
        back (see :mod:`simnet.boot`)."""
        from simnet.boot import reboot

        self.node(node)
        self.serial += 1
        reboot(self, node)

    def set_nat(self, node: str, kind: str) -> None:
        """Give router ``node`` a NAT type: none, full-cone, restricted-cone,
        port-restricted-cone, symmetric, udp-blocked (or linux, plain MASQUERADE).

        Like rebooting a router with new settings: its mappings are forgotten,
        and tailscale clients look for their paths anew."""
        from simnet.kernel.natbehaviour import apply_nat_type

        n = self.node(node)
        self.serial += 1
        try:
            apply_nat_type(n, kind)
        except (KeyError, ValueError) as exc:
            raise LabError(str(exc.args[0])) from None
        if self.tailnet is not None:
            self.tailnet.network_changed()

    def nat_type(self, node: str) -> str:
        """The NAT type router ``node`` runs now (see :meth:`set_nat`)."""
        from simnet.kernel.natbehaviour import current_nat_type

        return current_nat_type(self.node(node))

    def mac_table(self, node: str) -> list[tuple[str, str, int, int]]:
        """What switch ``node`` has learned: (MAC, port, VLAN, age in s) — ``bridge fdb show`` as a table."""
        from simnet.kernel.bridge import mac_table

        return mac_table(self.node(node))

    def wallclock(self, at: float | None = None) -> float:
        """Seconds since 1970 at simulated time ``at`` (default: now) on the lab's clock."""
        return self.epoch + (self.sim.now if at is None else at)

    def advance(self, seconds: float) -> None:
        """Let simulated time pass (ARP entries age, conntrack entries expire)."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 100 * 365 * 86400:
            raise LabError(f"advance() braucht eine Zeit zwischen 0 und 100 Jahren in Sekunden, nicht {seconds!r}.")
        self.sim.advance(seconds)

    @property
    def now(self) -> float:
        return self.sim.now

    def __repr__(self) -> str:
        return f"<Lab {self.name!r}: {len(self.nodes)} Knoten, {len(self.segments)} Segmente>"

    # the lab file's description (the commissioning protocol shows it); the loader sets it
    description: str = ""

    def protokoll(self, out: str | Path | None = None, tests: Any = None, *, force: bool = False,
                  state: str | None = None) -> Any:
        """A commissioning protocol of this lab (German, printable): network plan, address table,
        the tests with output, expected and actual result, sign-off. ``out`` (.md or .html) writes it,
        but never over a file someone edited since (``force=True`` does). Returns the Protokoll."""
        from simnet.views.protokoll import make_protokoll

        doc = make_protokoll(self, tests, state=state)
        if out is not None:
            doc.save(out, force=force)
        return doc
