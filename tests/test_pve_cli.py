"""pct and qm share the PVE CLI's answers before a verb runs (simnet.commands.pve_cli): no
such command off the Proxmox host, the usage for help or no verb, unknown verbs, VMID checks."""
from __future__ import annotations

import pytest

from simnet import Lab


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab.load("headscale")


@pytest.mark.parametrize("tool", ["pct", "qm"])
def test_preamble_is_the_same_for_both_tools(lab: Lab, tool: str) -> None:
    off = lab.run("maschinchen", f"{tool} list")
    assert (off.returncode, off.stderr) == (127, f"bash: {tool}: command not found\n")
    bare, helped = lab.run("proxmox", tool), lab.run("proxmox", f"{tool} help")
    assert bare.returncode == 255 and helped.returncode == 0
    assert bare.stdout == helped.stdout and bare.stdout.startswith(f"USAGE: {tool} <COMMAND> [ARGS] [OPTIONS]\n")
    unknown = lab.run("proxmox", f"{tool} frobnicate")
    assert unknown.returncode == 255
    assert unknown.stderr == f"unknown command '{tool} frobnicate'\n" + bare.stdout
    missing = lab.run("proxmox", f"{tool} status")
    assert missing.stderr == f"400 not enough arguments\n{tool} status <vmid> [OPTIONS]\n"
    absent = lab.run("proxmox", f"{tool} status 999")
    kind = "lxc" if tool == "pct" else "qemu-server"
    assert absent.stderr == f"Configuration file 'nodes/proxmox/{kind}/999.conf' does not exist\n"


def test_qm_names_its_modelled_verbs_for_an_unmodelled_one(lab: Lab) -> None:
    res = lab.run("proxmox", "qm clone 100 101")
    assert res.returncode == 255
    assert res.stderr == ("simnet: „qm clone“ bildet simnet nicht nach – die VMs im Lab sind schon angelegt. "
                          "Es gibt qm list, config, status, start, stop, shutdown und reboot.\n")
