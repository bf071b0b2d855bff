"""journalctl -u UNIT [-n N] [--no-pager] [-f] [-xe], and crontab -l.

The journal is rendered from what happened in the lab: unit starts,
reloads and failures, headscale's warnings (``No Upgrade header in TS2021
request``), tailscaled's ``Received error: …`` after a failed login.
"""
from __future__ import annotations

from datetime import datetime, timezone

from simnet.commands.base import Context
from simnet.services import journal
from simnet.services.road import CRONTAB

__all__ = ["main", "crontab"]



def _entries(ctx: Context, unit: str) -> list[tuple[float, str]]:
    node = ctx.node
    out: list[tuple[float, str]] = []
    if unit == "tailscaled":
        ts = node.services.get("tailscaled")
        if ts is not None:
            out.append((0.0, "systemd[1]: Started tailscaled.service - Tailscale node agent."))
    out += journal.entries(node, unit)
    out.sort(key=lambda e: e[0])
    return out


def main(ctx: Context) -> int:
    args = ctx.args
    unit = None
    count: int | None = None
    follow = False
    k = 0
    while k < len(args):
        a = args[k]
        if a in ("-u", "--unit") and k + 1 < len(args):
            unit = args[k + 1]
            k += 1
        elif a.startswith("--unit="):
            unit = a.split("=", 1)[1]
        elif a in ("-n", "--lines") and k + 1 < len(args):
            count = int(args[k + 1]) if args[k + 1].isdigit() else None
            k += 1
        elif a.startswith("-n") and a[2:].isdigit():
            count = int(a[2:])
        elif a in ("-f", "--follow"):
            follow = True
        elif a in ("-e", "-xe", "-xeu", "--pager-end"):
            count = count or 1000
            if a == "-xeu" and k + 1 < len(args):
                unit = args[k + 1]
                k += 1
        k += 1
    if unit is None:
        ctx.eprint("simnet: journalctl braucht hier -u UNIT (headscale, nginx, tailscaled).")
        return 1
    unit = unit[:-8] if unit.endswith(".service") else unit
    entries = _entries(ctx, unit)
    if follow and count is None:
        count = 10                      # -f starts with the last ten lines
    shown = entries[-count:] if count else ([] if count == 0 else entries)
    if not shown and not follow:
        ctx.print("-- No entries --")
        return 0
    for t, text in shown:
        ctx.print(_line(ctx, t, text))
    if follow and ctx.job is not None:
        # keeps running in the background: every line logged from now on follows (lab.start, ``cmd &``)
        seen = len(journal.entries(ctx.node, unit))

        def stop() -> int:
            for t, text in journal.entries(ctx.node, unit)[seen:]:
                ctx.print(_line(ctx, t, text))
            return 130                  # ended with Ctrl-C
        ctx.deferred = (lambda: False, stop)
    return 0


def _line(ctx: Context, t: float, text: str) -> str:
    epoch = ctx.lab.epoch
    stamp = datetime.fromtimestamp(epoch + t, timezone.utc).strftime("%b %d %H:%M:%S")
    return f"{stamp} {ctx.node.hostname} {text}"


def crontab(ctx: Context) -> int:
    if "-l" not in ctx.args:
        ctx.eprint("simnet: crontab -e gibt es hier nicht; zeige die Einträge mit crontab -l "
                   f"(Datei {CRONTAB}).")
        return 1
    text = ctx.node.files.get(CRONTAB)
    if text is None:
        ctx.eprint("no crontab for root")
        return 1
    ctx.out.append(text)
    return 0
