"""The two compound commands learners type on one line: ``for … do … done`` and
``if … then … else … fi`` (not nested; the body is an ordinary command line).

A TTL walk is the classic: ``for t in 1 2 3; do ping -c 1 -W 1 -t $t 10.0.2.2; done``.
The loop variable is expanded when each round runs, as bash does.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from simnet.commands.shell import ShellResult
    from simnet.kernel.node import Node
    from simnet.lab import Lab

__all__ = ["run_compound"]

_FOR = re.compile(r"\s*for\s+([A-Za-z_]\w*)\s+in\s+(.*?)\s*;\s*do\s+(.*?)\s*;?\s*done\s*")
_IF = re.compile(r"\s*if\s+(.*?)\s*;\s*then\s+(.*?)\s*;?\s*(?:else\s+(.*?)\s*;?\s*)?fi\s*")

Runner = Callable[["Node", "Lab", str, dict], "ShellResult"]


def run_compound(node: "Node", lab: "Lab", line: str, env: dict[str, str], run_line: Runner) -> "ShellResult | None":
    """Run ``line`` if it is one for-loop or if-statement; None for anything else."""
    from simnet.commands.shell import ShellResult, split_words_expanded

    m = _FOR.fullmatch(line)
    if m is not None:
        var, words, body = m.groups()
        items = split_words_expanded(node, lab, words, env)

        def bodies():
            for item in items:
                env[var] = item
                yield body, {}
        return run_steps(node, lab, bodies(), env, run_line)
    m = _IF.fullmatch(line)
    if m is not None:
        cond, then, other = m.groups()
        first = run_line(node, lab, cond, env)
        parts = [first]
        if first.returncode == 0:
            parts.append(run_line(node, lab, then, env))
        elif other is not None:
            parts.append(run_line(node, lab, other, env))
        status = parts[-1].returncode if len(parts) > 1 else 0
        return ShellResult(status, "".join(p.stdout for p in parts), "".join(p.stderr for p in parts),
                           [j for p in parts for j in p.journeys])
    return None


def run_steps(node, lab, steps, env: dict[str, str], run_line, status: int = 0, err: list[str] | None = None):
    """Run command lines one after the other (a loop's body, a script's lines) until ``exit``;
    ``steps`` yields (line, keyword arguments for run_line)."""
    from simnet.commands.shell import ShellResult

    out: list[str] = []
    err = err if err is not None else []
    journeys: list = []
    for line, kwargs in steps:
        res = run_line(node, lab, line, env, **kwargs)
        out.append(res.stdout)
        err.append(res.stderr)
        journeys.extend(res.journeys)
        status = res.returncode
        if env.get("_exited"):
            break
    return ShellResult(status, "".join(out), "".join(err), journeys)
