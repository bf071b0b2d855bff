"""The lab's systemd journal: what services log, read by ``journalctl`` and
``systemctl status``. One list per lab (``lab.journal``), entries
``(sim time, node, unit, "ident: text")``.

Headscale logs the way its zerolog console writer prints (RFC 3339 time,
level, optional caller, message, fields sorted by name); :func:`headscale`
writes such a line and honours ``log.level`` from its config.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.lab import Lab

__all__ = ["log", "entries", "headscale", "headscale_config", "go_time", "HS_PID", "HS_CALLER_ROOT", "LEVELS"]

HS_PID = 400 + sum(map(ord, "headscale")) % 500
# zerolog prints the caller relative to the working directory (/var/lib/headscale for the
# service) of the build path on GitHub's runner
HS_CALLER_ROOT = "../../../home/runner/work/headscale/headscale/"
LEVELS = {"trace": 0, "debug": 1, "info": 2, "warn": 3, "error": 4, "fatal": 5}
ABBREV = {"trace": "TRC", "debug": "DBG", "info": "INF", "warn": "WRN", "error": "ERR", "fatal": "FTL"}


def headscale_config(node: "Node") -> dict[str, Any]:
    """The config.yaml headscale on ``node`` runs with ({} without headscale)."""
    from simnet.tailnet.control import Headscale

    hs = node.services.get("headscale")
    return hs.config if isinstance(hs, Headscale) else {}


def log(node: "Node", unit: str, text: str, ident: str | None = None, at: float | None = None) -> None:
    """Add ``ident: text`` to ``unit``'s journal on ``node`` (``ident`` defaults to systemd[1])."""
    node.lab.journal.append((node.sim.now if at is None else at, node.name, unit,
                                 f"{ident or 'systemd[1]'}: {text}"))


def entries(node: "Node", unit: str) -> list[tuple[float, str]]:
    return [(t, text) for t, n, u, text in node.lab.journal if n == node.name and u == unit]


def go_time(lab: "Lab", at: float | None = None) -> str:
    when = lab.wallclock(at)
    whole = math.floor(when)
    if when - whole < 0.999999:        # fromtimestamp's rounding to microseconds stays in this second
        return _go_second(whole)
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=64)
def _go_second(whole: int) -> str:
    """One second in RFC 3339 (a thousand log lines of one second format it once)."""
    return datetime.fromtimestamp(whole, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _field(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), separators=(",", ":"))
    text = str(value)
    return json.dumps(text) if (" " in text or '"' in text or not text) else text


def zerolog_line(lab: "Lab", level: str, message: str, caller: str = "", at: float | None = None,
                 **fields: Any) -> str:
    """One line as zerolog's ConsoleWriter (no colour) prints it."""
    parts = [go_time(lab, at), ABBREV[level]]
    if caller:
        parts.append(f"{HS_CALLER_ROOT}{caller} >")
    parts.append(message)
    for key in sorted(fields):
        name = key.replace("__", ".")
        parts.append(f"{name}={_field(fields[key])}")
    return " ".join(parts)


def headscale(node: "Node", level: str, message: str, caller: str = "", config: dict | None = None,
              at: float | None = None, **fields: Any) -> None:
    """A headscale log line, if ``log.level`` lets it through (fields: ``node__id`` is ``node.id``)."""
    cfg = config if config is not None else headscale_config(node)
    wanted = "info"
    if isinstance(cfg.get("log"), dict):
        wanted = str(cfg["log"].get("level", "info")).lower()
    if LEVELS.get(level, 2) < LEVELS.get(wanted, 2):
        return
    log(node, "headscale", zerolog_line(node.lab, level, message, caller, at, **fields),
        ident=f"headscale[{HS_PID}]", at=at)
