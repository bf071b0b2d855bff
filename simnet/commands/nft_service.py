"""``systemctl start|stop|restart|reload|status nftables``: Debian 12's nftables.service.

A oneshot unit that stays "active (exited)": start and reload run
``nft -f /etc/nftables.conf``, stop runs ``nft flush ruleset``. A broken file
makes the start fail the way systemd reports it, and the unit stays dead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from simnet.commands.base import Context

__all__ = ["systemctl_nftables", "NftablesUnit", "CONF"]

CONF = "/etc/nftables.conf"
PID = 312       # early in boot: the unit runs before the network comes up


@dataclass
class NftablesUnit:
    """The unit's state: ``running`` is systemd's "active (exited)"; ``failed`` after a bad file."""

    running: bool = False
    started_at: float = 0.0
    failed: bool = False

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        return []           # a oneshot unit: it loads the rules and exits


def _unit(ctx: Context) -> NftablesUnit:
    unit = ctx.node.services.get("nftables")
    if not isinstance(unit, NftablesUnit):
        unit = NftablesUnit()
        ctx.node.services["nftables"] = unit
    return unit


def _nft(ctx: Context, *args: str) -> int:
    """Run nft on this node as the unit's ExecStart/ExecStop does (its output goes to the journal)."""
    from simnet.commands.nft_cli import main as nft_main

    sub = Context(ctx.node, ctx.lab, ["nft", *args])
    return nft_main(sub)


def _load(ctx: Context, unit: NftablesUnit, verb: str) -> int:
    if _nft(ctx, "-f", CONF) != 0:
        unit.running, unit.failed = False, True
        unit.started_at = ctx.lab.sim.now
        ctx.eprint("Job for nftables.service failed because the control process exited with error code.\n"
                   'See "systemctl status nftables.service" and "journalctl -xeu nftables.service" for details.')
        return 1
    if not unit.running or verb != "reload":
        unit.started_at = ctx.lab.sim.now
    unit.running, unit.failed = True, False
    return 0


def _status(ctx: Context, unit: NftablesUnit) -> int:
    """systemd 252's status of a oneshot unit: "active (exited)" after a good start."""
    from simnet.commands.units import is_enabled

    dot = "\u25cf" if unit.running else "\u00d7" if unit.failed else "\u25cb"
    enabled = "enabled" if is_enabled(ctx, "nftables") else "disabled"
    lines = [f"{dot} nftables.service - nftables",
             f"     Loaded: loaded (/lib/systemd/system/nftables.service; {enabled}; preset: enabled)"]
    if unit.running or unit.failed:
        since = datetime.fromtimestamp(ctx.node.wallclock() - ctx.lab.sim.now + unit.started_at, timezone.utc)
        ago = ctx.lab.sim.now - unit.started_at
        ago_txt = f"{int(ago)}s ago" if ago < 60 else f"{int(ago // 60)}min ago"
        state = "active (exited)" if unit.running else "failed (Result: exit-code)"
        lines.append(f"     Active: {state} since {since.strftime('%a %Y-%m-%d %H:%M:%S')} UTC; {ago_txt}")
    else:
        lines.append("     Active: inactive (dead)")
    lines += ["       Docs: man:nft(8)", "             http://wiki.nftables.org"]
    if unit.running or unit.failed:
        code = "0/SUCCESS" if unit.running else "1/FAILURE"
        lines += [f"    Process: {PID} ExecStart=/usr/sbin/nft -f /etc/nftables.conf (code=exited, status={code})",
                  f"   Main PID: {PID} (code=exited, status={code})", "        CPU: 12ms"]
    ctx.print("\n".join(lines))
    return 0 if unit.running else 3


def systemctl_nftables(ctx: Context, verb: str, opts: list[str]) -> int:
    """One systemctl verb for nftables.service (enable/disable wrote their link already)."""
    unit = _unit(ctx)
    if verb == "start" or (verb == "enable" and "--now" in opts):
        return 0 if unit.running else _load(ctx, unit, "start")
    if verb in ("restart", "reload", "reload-or-restart"):
        return _load(ctx, unit, "reload" if verb == "reload" and unit.running else "start")
    if verb == "stop" or (verb == "disable" and "--now" in opts):
        if unit.running:
            _nft(ctx, "flush", "ruleset")
        unit.running = False
        return 0
    if verb == "is-active":
        ctx.print("active" if unit.running else "failed" if unit.failed else "inactive")
        return 0 if unit.running else 3
    return _status(ctx, unit)
