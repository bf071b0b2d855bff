"""Background jobs: ``tcpdump -i eth1 &`` keeps capturing while other commands run.

A program that can keep running sets ``ctx.deferred = (done, stop)`` and
returns at once; the job then owns its output buffers. :meth:`Job.result`
lets simulated time pass (``timeout``) and then stops it like Ctrl-C, unless
it already ended by itself (``tcpdump -c N``). Programs that cannot run in
the background simply run to completion when started; their output is kept
for :meth:`Job.result` (a non-interactive bash prints nothing for ``cmd &``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from simnet.core.guard import Interrupted
from simnet.trace import Trace

if TYPE_CHECKING:
    from simnet.lab import Lab, Result

__all__ = ["Job", "start_job"]


@dataclass(eq=False)
class Job:
    """One background command on one node."""

    lab: "Lab"
    node: str
    command: str
    number: int = 0
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    journeys: list[Any] = field(default_factory=list)
    returncode: int | None = None
    terminal: list[str] = field(default_factory=list)    # stdout and stderr in the order written
    interrupted_at: int | None = None                     # where in ``terminal`` Ctrl+C was pressed
    _done: Callable[[], bool] | None = None
    _stop: Callable[[], int] | None = None

    def attach(self, done: Callable[[], bool], stop: Callable[[], int]) -> None:
        """Called by the shell when the program keeps running after returning."""
        self._done, self._stop = done, stop

    def finish(self, code: int) -> None:
        self.returncode = code

    @property
    def running(self) -> bool:
        return self.returncode is None

    def result(self, timeout: float | None = None) -> "Result":
        """Wait up to ``timeout`` simulated seconds, then interrupt (Ctrl-C) and collect the output."""
        from simnet.lab import Result

        sim = self.lab.sim
        if self.returncode is None and timeout is not None:
            if not 0 <= timeout < float("inf"):
                raise ValueError(f"timeout must be a number of seconds ≥ 0, not {timeout!r}")
            until = sim.now + timeout
            sim.arm(self.lab.limits)          # waiting costs the same budget as a command line
            try:
                sim.run(until=until, stop=lambda: self._done is not None and self._done())
            except Interrupted:
                pass
            finally:
                sim.disarm()
        if self.returncode is None:
            if not (self._done is not None and self._done()):
                self.interrupted_at = len(self.terminal)
            self.returncode = self._stop() if self._stop is not None else 0
        trace = Trace(journeys=tuple(self.journeys))
        return Result(self.returncode, "".join(self.stdout), "".join(self.stderr), trace, self.node, self.command)


    def screen(self) -> str:
        """What the terminal shows after ``fg`` and Ctrl+C: the output in the order it was written,
        ``^C`` where the key was pressed (the program's own last words follow it)."""
        if not self.terminal and (self.stdout or self.stderr):       # redirected: what reached the terminal
            return "".join(self.stderr) + "".join(self.stdout)
        text = self.terminal
        if self.interrupted_at is None:
            return "".join(text)
        return "".join(text[:self.interrupted_at]) + "^C" + "".join(text[self.interrupted_at:])


def start_job(lab: "Lab", node: str, command: str) -> Job:
    """``Lab.start``: run ``command`` on ``node`` as a background job."""
    from simnet.commands.shell import run_line

    n = lab.node(node)
    lab.reap_jobs()
    if n.stack.refresh is not None:      # deferred kernel state (tailscale0 …) catches up first, as in Lab.run
        n.stack.refresh()
    n.history.append(command + " &")
    env = lab._env.setdefault(node, {})
    job = Job(lab, node, command, len(lab.jobs) + 1)
    lab.jobs.append(job)
    lab.sim.arm(lab.limits)
    try:
        run_line(n, lab, command, env, background_job=job)
    except Interrupted:
        pass
    finally:
        if lab.sim.disarm() is not None and job.returncode is None and job._stop is None:
            job.finish(130)
    return job
