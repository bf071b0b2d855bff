"""A terminal look for notebooks: the prompt, the command, what it printed.

Notebooks call :func:`show` (German notebooks import it as ``zeige``) so that a
cell reads like a shell session on the node, and still get the
:class:`~simnet.lab.Result` with its trace back.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simnet.lab import Lab, Result

__all__ = ["show"]


def show(lab: "Lab", node: str, command: str) -> "Result":
    """Run ``command`` on ``node`` and print it as ``root@NODE:~# COMMAND`` plus its output."""
    result = lab.run(node, command)
    print(f"root@{node}:~# {command}")
    print(result.stdout + result.stderr, end="")
    return result
