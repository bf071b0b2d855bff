"""Rebooting a node: what was only in memory is lost, what was saved comes back.

A reboot stops the node's services, powers the kernel off (:meth:`Node.power_off`), lets a
few seconds pass and boots it the way Debian 12 does:

1. the network configuration: the lab's startup lines (the boot config of routers, LXC
   containers and laptops; ``systemctl`` lines excluded, see 4., and so are lines that wrote a
   config file still on disk: the learner may have edited it) – on a node with
   ``/etc/network/interfaces`` its stanzas replace the ``ip addr``/``ip route`` lines (ifupdown),
2. ``sysctl --system`` (systemd-sysctl: /etc/sysctl.conf and the sysctl.d folders),
3. ``nftables.service`` if enabled (sysinit.target: ``nft -f /etc/nftables.conf``), then
   ``netfilter-persistent start`` if iptables-persistent is installed and enabled
   (``iptables-restore < /etc/iptables/rules.v4``),
4. every unit with a link in /etc/systemd/system/multi-user.target.wants (``systemctl enable``),
   tailscaled with its saved state (keys, prefs: it logs in again by itself),
5. the lab's NAT type of a home router (its firmware settings).

``sysctl -w``, ``ip addr add``, ``iptables -A`` typed by hand, conntrack and neighbour entries
do not survive. The boot recipe is what the loader kept in ``lab.boot``.
"""
from __future__ import annotations

import re
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

if TYPE_CHECKING:
    from typing import Any
    from simnet.lab import Lab

__all__ = ["reboot", "power_down", "power_up", "WANTS", "enabled_units",
           "interfaces_file", "ifup_commands", "restart_networking", "BOOT_SECONDS"]

WANTS = "/etc/systemd/system/multi-user.target.wants"
NFTABLES_WANTS = "/etc/systemd/system/sysinit.target.wants/nftables.service"
BOOT_SECONDS = 20.0          # from `reboot` to the login prompt
# of which the last seconds pass with the network up: IPv6 duplicate address detection (up to 2 s),
# the router solicitation it ends with, the advertisement's SLAAC address and its DAD
UP_SECONDS = 5.0
NETWORK_LINE = re.compile(r"^\s*(sudo\s+)?ip\s+(-4\s+)?(a|addr|address|r|route)\s+(add|a|replace)\b")


def enabled_units(node: Any) -> list[str]:
    """Units with a link in multi-user.target.wants, in name order (``systemctl enable``)."""
    prefix = WANTS + "/"
    names = {p[len(prefix):] for p in [*node.fs.links, *node.files] if p.startswith(prefix)}
    return sorted(n[:-len(".service")] for n in names if n.endswith(".service"))


def interfaces_file(startup: list[str]) -> str | None:
    """/etc/network/interfaces as the Debian installer writes it for the addresses and the
    default route of ``startup`` (None when the lines configure no address)."""
    addresses: dict[str, list[str]] = {}
    gateway = None
    for line in startup:
        m = re.match(r"^ip\s+addr(?:ess)?\s+add\s+(\S+)\s+dev\s+(\S+)\s*$", line.strip())
        if m:
            addresses.setdefault(m.group(2), []).append(m.group(1))
        m = re.match(r"^ip\s+route\s+add\s+default\s+via\s+(\S+)\s*$", line.strip())
        if m:
            gateway = m.group(1)
    if not addresses:
        return None
    text = ("# This file describes the network interfaces available on your system\n"
            "# and how to activate them. For more information, see interfaces(5).\n\n"
            "source /etc/network/interfaces.d/*\n\n"
            "# The loopback network interface\nauto lo\niface lo inet loopback\n")
    for k, (dev, addrs) in enumerate(addresses.items()):
        text += f"\n# The primary network interface\nallow-hotplug {dev}\niface {dev} inet static\n" if k == 0 \
            else f"\nallow-hotplug {dev}\niface {dev} inet static\n"
        text += f"\taddress {addrs[0]}\n"
        if k == 0 and gateway:
            text += f"\tgateway {gateway}\n"
        for extra in addrs[1:]:
            text += f"\tup ip addr add {extra} dev {dev}\n"
    return text


def ifup_commands(text: str) -> list[str]:
    """The ``ip`` commands ifupdown runs for the static stanzas of /etc/network/interfaces."""
    commands: list[str] = []
    dev = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        words = line.split()
        if not words:
            continue
        if words[0] == "iface" and len(words) >= 4:
            dev = words[1] if words[3] == "static" else None
            continue
        if dev is None or words[0] in ("auto", "allow-hotplug", "source", "mapping"):
            if words[0] in ("auto", "allow-hotplug", "source"):
                dev = None if words[0] == "source" else dev
            continue
        if words[0] == "address" and len(words) > 1:
            commands.append(f"ip addr add {words[1]} dev {dev}")
        elif words[0] == "gateway" and len(words) > 1:
            commands.append(f"ip route add default via {words[1]} dev {dev}")
        elif words[0] in ("up", "post-up") and len(words) > 1:
            commands.append(line.split(None, 1)[1])
    return commands


def restart_networking(lab: "Lab", name: str) -> bool:
    """``systemctl restart networking`` (ifupdown): the static stanzas of /etc/network/interfaces
    are taken down and brought up again; False when the node has no such file."""
    node = lab.node(name)
    text = node.files.get("/etc/network/interfaces")
    if text is None:
        return False
    commands = ifup_commands(text)
    devices = {line.split(" dev ")[1].split()[0] for line in commands if " dev " in line}
    for dev in sorted(devices):
        _sh(lab, name, f"ip addr flush dev {dev}")
    for line in commands:
        _sh(lab, name, line)
    return True


# (a quoted text may span lines: printf '…' with the file's line breaks in it)
FILE_LINE = re.compile(r"^\s*(?:printf|echo|cat)\b.*?(?<![<>0-9&])>\s*(/[^\s;|&]+)\s*$", re.S)


def _installs_existing_file(node: Any, line: str) -> bool:
    """A start-up line that writes a config file installed the machine; the disk keeps the file
    (perhaps edited by the learner since), so a reboot does not write it again."""
    m = FILE_LINE.match(line)
    return m is not None and m.group(1) in node.files


def _sh(lab: "Lab", name: str, command: str) -> Any:
    """Run a boot step as root, outside the learner's history and shell state."""
    from simnet.commands.shell import run_line

    return run_line(lab.node(name), lab, command, {})


def reboot(lab: "Lab", name: str) -> None:
    """Restart node ``name`` (``reboot``, ``systemctl reboot``, ``shutdown -r now``)."""
    power_down(lab, name)
    lab.sim.advance(BOOT_SECONDS - UP_SECONDS)
    power_up(lab, name)
    lab.sim.advance(UP_SECONDS)


def power_down(lab: "Lab", name: str) -> None:
    """Services stop, jobs end, the node is off (a VM that ``qm stop`` ends; the first half of a reboot)."""
    node = lab.node(name)
    from simnet.services.daemons import daemons_of

    for unit in ("tailscaled", "headscale", "nginx", "nftables", "dnsmasq"):
        svc = node.service(unit)
        if svc is not None and svc.running:
            _sh(lab, name, f"systemctl stop {unit}")
    for client in list((node.services.get("dhclient") or {}).values()):     # dhclient dies with the machine
        client.stop()
    for path in [p for p in node.files if p.startswith("/run/")]:             # /run is a tmpfs
        del node.files[path]
    for daemon in daemons_of(node):          # sshd, pveproxy
        if daemon.running:
            _sh(lab, name, f"systemctl stop {daemon.unit}")
    for job in lab.jobs:
        if job.node == name and job.running:
            job.returncode = job._stop() if job._stop is not None else 143
    node.power_off()
    lab._env.pop(name, None)
    tn = lab.tailnet
    if tn is not None:
        tn.network_changed()


def power_up(lab: "Lab", name: str) -> None:
    """The node boots: its network configuration, sysctl files, saved rules and enabled services."""
    node = lab.node(name)
    tn = getattr(lab, "tailnet", None)
    node.power_on()
    recipe = getattr(lab, "boot", {}).get(name, {})
    startup = [line for line in recipe.get("startup", []) if not line.lstrip().startswith(("systemctl ", "sudo systemctl "))
               and not _installs_existing_file(node, line)]
    ifaces = node.files.get("/etc/network/interfaces")
    if ifaces is not None and ifup_commands(ifaces):
        startup = [line for line in startup if not NETWORK_LINE.match(line)]
        startup = ifup_commands(ifaces) + startup
    for line in startup:
        _sh(lab, name, line)
    if ifaces is not None:                 # networking.service: the inet dhcp stanzas get their lease
        from simnet.commands.ifupdown import boot_dhcp

        for dev in boot_dhcp(ifaces):
            if f"/run/network/ifstate.{dev}" not in node.files:
                _sh(lab, name, f"ifup {dev}")
    nat = recipe.get("nat")
    if nat:
        from simnet.loader import reapply_nat

        reapply_nat(lab, name, nat)
    _sh(lab, name, "sysctl -q --system")
    if NFTABLES_WANTS in node.fs.links:
        _sh(lab, name, "systemctl start nftables")
    if "netfilter-persistent" in enabled_units(node):
        _sh(lab, name, "netfilter-persistent start")
    for unit in enabled_units(node):
        if unit != "netfilter-persistent":
            _sh(lab, name, f"systemctl start {unit}")
    client = node.services.get("tailscaled")
    if client is not None and client.running:
        # tailscaled logs in with its saved state and connects; the server tells the peers
        # (the other clients apply their netmaps when they next run a command)
        client.apply()
        from simnet.tailnet.control import tailnet_of

        tailnet_of(lab).sync()
    if tn is not None:
        tn.network_changed()
