"""Proxmox VE's view of its LXC containers: /etc/pve/lxc/VMID.conf on the
host, the container's state, and what the conf lets into the container.

The seed's container (VMID 102, the lab node ``tailscale``) needs the TUN
device for tailscaled. Inside an unprivileged container /dev/net/tun exists
only when the conf bind-mounts it (``lxc.mount.entry: /dev/net/tun …`` or
the whole ``/dev/net`` directory as in the seed) and the device cgroup
allows opening it (``lxc.cgroup2.devices.allow: c 10:200 rwm``); Proxmox 8.1
can pass it with ``dev0: /dev/net/tun`` instead. Changes take effect when the
container starts, as on a real host.
"""
from __future__ import annotations

TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

from simnet.core.digest import sha256

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.node import Node

__all__ = ["Pve", "pve_of", "tun_problem", "conf_path", "qemu_conf_path", "TUN", "install_pve"]

TUN = "/dev/net/tun"
TUN_LINES = ("lxc.cgroup2.devices.allow: c 10:200 rwm",
             "lxc.mount.entry: /dev/net/tun dev/net/tun none bind,create=file")


def conf_path(vmid: int) -> str:
    return f"/etc/pve/lxc/{vmid}.conf"


def qemu_conf_path(vmid: int) -> str:
    return f"/etc/pve/qemu-server/{vmid}.conf"


def _default_qemu_conf(node: "Node", vmid: int) -> str:
    """What the Proxmox 8 wizard writes for a Debian 12 VM (keys in file order, as qm config sorts them)."""
    mac = next((str(i.mac).upper() for i in node.interfaces.values() if not i.is_loopback), "BC:24:11:00:00:01")
    uuid = sha256(f"qemu-uuid:{node.name}".encode()).hexdigest()
    uuid = f"{uuid[:8]}-{uuid[8:12]}-4{uuid[13:16]}-8{uuid[17:20]}-{uuid[20:32]}"
    gen = sha256(f"qemu-vmgenid:{node.name}".encode()).hexdigest()
    gen = f"{gen[:8]}-{gen[8:12]}-4{gen[13:16]}-9{gen[17:20]}-{gen[20:32]}"
    return ("boot: order=scsi0;ide2;net0\ncores: 2\ncpu: x86-64-v2-AES\n"
            "ide2: local:iso/debian-12.8.0-amd64-netinst.iso,media=cdrom,size=631M\nmemory: 2048\n"
            "meta: creation-qemu=9.0.2,ctime=1736935200\n"
            f"name: {node.hostname}\nnet0: virtio={mac},bridge=vmbr0,firewall=1\nnuma: 0\nonboot: 1\nostype: l26\n"
            f"scsi0: local-lvm:vm-{vmid}-disk-0,iothread=1,size=32G\nscsihw: virtio-scsi-single\n"
            f"smbios1: uuid={uuid}\nsockets: 1\nvmgenid: {gen}\n")


def _default_conf(node: "Node", vmid: int) -> str:
    """What the Proxmox wizard writes for a Debian 12 container, plus the seed's two TUN lines."""
    addr = ""
    gw = ""
    mac = ":".join(f"{b:02X}" for b in (0xBC, 0x24, 0x11, vmid % 256, 0x5E, 0x02))
    for iface in node.interfaces.values():
        if not iface.is_loopback and iface.addresses:
            addr = iface.addresses[0].interface.with_prefixlen
            mac = str(iface.mac).upper()
    from simnet.kernel.routing import MAIN

    table = node.routing.tables.get(MAIN)
    for route in table.routes if table is not None else []:
        if route.gateway is not None and route.is_default:
            gw = f",gw={route.gateway}"
    return (f"arch: amd64\ncores: 1\nfeatures: nesting=1\nhostname: {node.hostname}\nmemory: 512\n"
            f"net0: name=eth0,bridge=vmbr0,firewall=1{gw},hwaddr={mac},ip={addr or 'dhcp'},type=veth\n"
            f"onboot: 1\nostype: debian\nrootfs: local-lvm:vm-{vmid}-disk-0,size=8G\nswap: 512\n"
            "unprivileged: 1\n" + "".join(line + "\n" for line in TUN_LINES))


def parse_conf(text: str) -> list[tuple[str, str]]:
    """(key, value) pairs of the current section (a ``[snapshot]`` section ends it)."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            break
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition(":")
        if sep:
            out.append((key.strip(), value.strip()))
    return out


def tun_from_conf(text: str) -> str | None:
    """None when the container gets a usable /dev/net/tun, else tailscaled's open() failure."""
    pairs = parse_conf(text)
    if any(k.startswith("dev") and k[3:].isdigit() and v.split(",")[0] == TUN for k, v in pairs):
        return None                           # Proxmox 8.1 device passthrough
    mounted = any(k == "lxc.mount.entry" and v.split()[:2] in ([TUN, "dev/net/tun"], ["/dev/net", "dev/net"])
                  for k, v in pairs)
    allowed = any(k == "lxc.cgroup2.devices.allow" and v.split()[:2] in (["c", "10:200"], ["c", "10:*"],
                                                                        ["a"]) for k, v in pairs)
    unprivileged = any(k == "unprivileged" and v == "1" for k, v in pairs)
    if not mounted:
        return f"{TUN} does not exist"
    if not allowed and unprivileged:
        return f"open {TUN}: operation not permitted"
    return None


class Pve:
    """The Proxmox host's containers (VMID -> lab node) and their run state."""

    def __init__(self, node: "Node", spec: dict[str, Any]) -> None:
        self.node = node
        self.containers: dict[int, str] = {int(k): str(v) for k, v in (spec.get("lxc") or {}).items()}
        self.vms: dict[int, str] = {int(k): str(v) for k, v in (spec.get("qemu") or {}).items()}
        self.stopped: set[int] = set()
        for vmid, name in self.vms.items():
            guest = node.lab.nodes.get(name)
            if guest is not None:
                node.files.setdefault(qemu_conf_path(vmid), _default_qemu_conf(guest, vmid))
                guest.role = guest.role or "vm"
        for vmid, name in self.containers.items():
            guest = node.lab.nodes.get(name)
            if guest is None:
                continue
            node.files.setdefault(conf_path(vmid), _default_conf(guest, vmid))
            guest.role = guest.role or "container"
            self.apply_devices(vmid)

    def guest(self, vmid: int) -> "Node | None":
        name = self.containers.get(vmid) or self.vms.get(vmid)
        return self.node.lab.nodes.get(name) if name else None

    def apply_devices(self, vmid: int) -> None:
        """At container start: /dev/net/tun inside exists as the conf says."""
        guest = self.guest(vmid)
        if guest is None:
            return
        problem = tun_from_conf(self.node.files.get(conf_path(vmid), ""))
        guest.tun_problem = problem
        if problem is None or problem.startswith("open "):
            guest.files[TUN] = ""
        else:
            guest.files.pop(TUN, None)

    def running(self, vmid: int) -> bool:
        return (vmid in self.containers or vmid in self.vms) and vmid not in self.stopped


def pve_of(node: "Node") -> Pve | None:
    svc = node.services.get("pve")
    return svc if isinstance(svc, Pve) else None


def tun_problem(node: "Node") -> str | None:
    """Why tailscaled cannot open the TUN device on this node (None: it can)."""
    return node.tun_problem


def install_pve(node: "Node", spec: Any) -> None:
    """After the nodes' start-up: the host knows its containers (``services: {pve: {lxc: {102: tailscale}}}``)."""
    if isinstance(spec, dict) and isinstance(spec.get("pve"), dict):
        node.services["pve"] = Pve(node, spec["pve"])
