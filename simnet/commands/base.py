"""What every emulated program gets: argv, stdin, output buffers, its node and the lab.

Programs are plain functions ``run(ctx) -> int`` registered in
:mod:`simnet.commands.registry`. They parse argv, call the kernel model and
print exactly what the real tool prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.core.errors import CommandError
from simnet.trace import Journey

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.node import Node
    from simnet.lab import Lab

__all__ = ["Context", "Program", "UsageError"]


class UsageError(CommandError):
    """Raised inside a program to print ``message`` on stderr and exit with ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Context:
    """What a program gets when the shell runs it: node, lab, argv, stdin, and where its output goes."""

    node: "Node"
    lab: "Lab"
    argv: list[str]
    stdin: str = ""
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    journeys: list[Journey] = field(default_factory=list)
    job: Any = None          # the background Job this program runs in (``cmd &``), else None
    deferred: Any = None     # set by a program that keeps running in the background: (done(), stop() -> int)
    cwd: str = "/root"       # the shell's working directory (``cd``), for relative file names
    home: str = "/root"      # $HOME of the user the shell runs as (ssh's ~/.ssh)
    # the terminal a background job writes to: stdout and stderr in the order they were written
    tty: list[str] | None = None

    def abspath(self, path: str) -> str:
        """``path`` relative to the working directory, as the kernel resolves it for open()."""
        if path.startswith("/") or path == "-":
            return path
        return self.cwd.rstrip("/") + "/" + path

    @property
    def prog(self) -> str:
        return self.argv[0]

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    def print(self, text: str = "", end: str = "\n") -> None:
        self.out.append(text + end)
        if self.tty is not None:
            self.tty.append(text + end)
        self.lab.sim.charge_output(len(text) + len(end))

    def eprint(self, text: str = "", end: str = "\n") -> None:
        self.err.append(text + end)
        if self.tty is not None:
            self.tty.append(text + end)
        self.lab.sim.charge_output(len(text) + len(end))

    def write(self, text: str) -> None:
        """Print ``text`` as it is (no newline added); counted against the guard's output budget."""
        self.out.append(text)
        if self.tty is not None:
            self.tty.append(text)
        self.lab.sim.charge_output(len(text))

    def journey(self, flow: str) -> Journey:
        j = Journey(flow)
        self.journeys.append(j)
        return j

    @property
    def sim(self):
        return self.lab.sim


Program = Callable[[Context], int]
