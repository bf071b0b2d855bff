"""What Proxmox VE's command-line tools (``pct``, ``qm``) share before a verb runs: the host
check, help and usage, the verb check and the VMID argument, worded as the PVE CLI words them.
"""
from __future__ import annotations

from typing import Callable, Mapping

from simnet.commands.base import Context
from simnet.services.pve import Pve, pve_of

__all__ = ["pve_command", "vmid_argument"]


def pve_command(ctx: Context, name: str, usage: str, verbs: tuple[str, ...],
                unmodelled: tuple[str, ...] = ()) -> tuple[Pve, str] | int:
    """The Proxmox host and the verb of ``name ARGS``, or the exit code after the answer the
    real tool gives: no such command off a PVE host, the usage for ``help`` (or nothing),
    a German note for a verb simnet does not model, ``unknown command`` for the rest."""
    pve = pve_of(ctx.node)
    if pve is None:
        ctx.eprint(f"bash: {name}: command not found")
        return 127
    args = ctx.args
    if not args or args[0] in ("help", "-h", "--help"):
        ctx.print(usage)
        return 0 if args else 255
    verb = args[0]
    if verb in unmodelled:
        listed = ", ".join(verbs[:-1]) + " und " + verbs[-1]
        ctx.eprint(f"simnet: „{name} {verb}“ bildet simnet nicht nach – die VMs im Lab sind schon angelegt. "
                   f"Es gibt {name} {listed}.")
        return 255
    if verb not in verbs:
        ctx.eprint(f"unknown command '{name} {verb}'\n{usage}")
        return 255
    return pve, verb


def vmid_argument(ctx: Context, tool: str, args: list[str], guests: Mapping[int, object],
                  path: Callable[[int], str], kind: str) -> int | None:
    """The VMID after the verb, or None after the PVE CLI's error (pct and qm word them alike)."""
    verb = args[0]
    if len(args) < 2:
        ctx.eprint(f"400 not enough arguments\n{tool} {verb} <vmid> [OPTIONS]")
        return None
    if not args[1].isdigit():
        ctx.eprint(f"400 Parameter verification failed.\nvmid: type check ('integer') failed - got '{args[1]}'\n"
                   f"{tool} {verb} <vmid> [OPTIONS]")
        return None
    vmid = int(args[1])
    if vmid not in guests or path(vmid) not in ctx.node.files:
        ctx.eprint(f"Configuration file 'nodes/{ctx.node.hostname}/{kind}/{vmid}.conf' does not exist")
        return None
    return vmid
