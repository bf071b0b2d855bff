"""journalctl -u UNIT [-n N] [--no-pager] [-f] [-xe], and crontab -l.

The journal is rendered from what happened in the lab: unit starts,
reloads and failures, headscale's warnings (``No Upgrade header in TS2021
request``), tailscaled's ``Received error: …`` after a failed login.
"""
from __future__ import annotations

from datetime import datetime, timezone

from simnet.commands.base import Context
from simnet.services.road import CRONTAB, road_of

__all__ = ["main", "crontab"]

HEADSCALE_START = ["INF Opening database database=sqlite3 path=/var/lib/headscale/db.sqlite",
                   "INF Using policy manager version: 2",
                   "INF listening and serving HTTP on: {listen}",
                   "INF listening and serving debug and metrics on: {metrics}"]


def _entries(ctx: Context, unit: str) -> list[tuple[float, str]]:
    node = ctx.node
    out: list[tuple[float, str]] = []
    epoch = float(ctx.lab.meta.get("epoch", 0.0))
    if unit == "headscale":
        hs = node.services.get("headscale")
        if hs is not None and getattr(hs, "running", False):
            t = float(getattr(hs, "started_at", 0.0))
            pid = 400 + sum(map(ord, "headscale")) % 500
            cfg = getattr(hs, "config", {}) or {}
            stamp = datetime.fromtimestamp(epoch + t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append((t, "systemd[1]: Started headscale.service - headscale coordination server for Tailscale."))
            for line in HEADSCALE_START:
                out.append((t, f"headscale[{pid}]: {stamp} " + line.format(
                    listen=cfg.get("listen_addr", "127.0.0.1:8090"),
                    metrics=cfg.get("metrics_listen_addr", "127.0.0.1:9090"))))
    if unit == "tailscaled":
        ts = node.services.get("tailscaled")
        if ts is not None:
            out.append((0.0, "systemd[1]: Started tailscaled.service - Tailscale node agent."))
    road = road_of(ctx.lab)
    if road is not None:
        out += [(t, text) for t, n, u, text in road.journal if n == node.name and u == unit]
    out.sort(key=lambda e: e[0])
    return out


def main(ctx: Context) -> int:
    args = ctx.args
    unit = None
    count: int | None = None
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
    if count is not None:
        entries = entries[-count:] if count else []
    if not entries:
        ctx.print("-- No entries --")
        return 0
    epoch = float(ctx.lab.meta.get("epoch", 0.0))
    for t, text in entries:
        stamp = datetime.fromtimestamp(epoch + t, timezone.utc).strftime("%b %d %H:%M:%S")
        ctx.print(f"{stamp} {ctx.node.hostname} {text}")
    return 0


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
