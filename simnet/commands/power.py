"""``reboot``, ``shutdown -r now``, ``systemctl reboot`` (and ``poweroff``): the node restarts
(:mod:`simnet.boot`). A real terminal on the box would close; simnet's shell stays and says
in one German line what the reboot kept and what it lost."""
from __future__ import annotations

from simnet.commands.base import Context

__all__ = ["reboot", "shutdown", "poweroff", "power"]


def power(ctx: Context, verb: str) -> int:
    lab, name = ctx.lab, ctx.node.name
    if verb in ("poweroff", "halt"):
        ctx.eprint(f"simnet: {name} ausschalten geht hier nicht – mit „reboot“ startest du ihn neu.")
        return 1
    from simnet.boot import BOOT_SECONDS, reboot as do_reboot

    do_reboot(lab, name)
    _close_sessions(ctx, name)
    ctx.eprint(f"simnet: {name} wurde neu gestartet ({int(BOOT_SECONDS)} s): was nur im Speicher war "
               "(ip addr/route, sysctl -w, iptables-Regeln, Conntrack, ARP) ist weg; Dateien, aktivierte "
               "Dienste und gespeicherte Regeln sind wieder da.")
    return 0


def reboot(ctx: Context) -> int:
    bad = [a for a in ctx.args if a not in ("-f", "--force", "-n", "--no-wall", "now")]
    if bad:
        ctx.eprint(f"reboot: unrecognized option '{bad[0]}'" if bad[0].startswith("--")
                   else f"reboot: invalid option -- '{bad[0].lstrip('-')[:1]}'")
        return 1
    return power(ctx, "reboot")


def poweroff(ctx: Context) -> int:
    return power(ctx, "poweroff")


def shutdown(ctx: Context) -> int:
    """``shutdown -r now`` reboots; a plain or delayed shutdown is refused in German."""
    args = ctx.args
    if any(a in ("-r", "--reboot") for a in args):
        if any(a not in ("-r", "--reboot", "now", "+0") for a in args):
            ctx.eprint("simnet: nur „shutdown -r now“ (sofort neu starten) geht hier.")
            return 1
        return power(ctx, "reboot")
    return power(ctx, "poweroff")


def _close_sessions(ctx: Context, name: str) -> None:
    """In ``simnet shell``: an ssh login into the rebooted node ends as OpenSSH reports it (and
    every login made from there goes with it)."""
    sessions = ctx.lab.terminal.sessions if ctx.lab.terminal is not None else None
    if not sessions:
        return
    for k, (node, _user, host, *how) in enumerate(sessions):
        if node == name:
            del sessions[k:]
            if how[:1] != ["exit"]:          # an ssh login (pct enter just ends with the container)
                ctx.eprint(f"Connection to {host} closed by remote host.\nConnection to {host} closed.")
            return
