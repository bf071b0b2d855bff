"""Everything a lab or node carries is a declared attribute: the tailnet, the road, NAT settings,
and the daemons behind the small Service protocol that ss, systemctl and reboot ask."""
from __future__ import annotations

import simnet
from simnet.kernel.service import Service
from simnet.services.road import Road
from simnet.tailnet.control import Tailnet


def test_a_fresh_lab_declares_its_optional_parts() -> None:
    lab = simnet.Lab()
    assert lab.tailnet is None and lab.road is None and lab.terminal is None
    node = lab.add_node("a")
    assert (node.nat.kind, node.nat.outside, node.nat.table) == (None, None, None)
    assert node.service("nginx") is None and node.tcp_layer is None and node.tun_problem is None


def test_the_seed_lab_fills_them_in() -> None:
    lab = simnet.Lab.load("headscale", state="ready")
    assert isinstance(lab.tailnet, Tailnet) and isinstance(lab.road, Road)
    assert lab.nodes["cafe"].nat.kind is not None and lab.nodes["cafe"].nat.outside == "wan"
    assert lab.nat_type("cafe") == lab.nodes["cafe"].nat.kind.name
    vps = lab.nodes["vps"]
    for unit in ("headscale", "nginx", "ssh"):
        svc = vps.service(unit)
        assert isinstance(svc, Service) and svc.running, unit
    assert vps.service("derp") is None                  # a helper object, not a unit
    assert lab.nodes["proxmox"].service("pve") is None


def test_ss_lists_what_the_services_say_they_listen_on() -> None:
    lab = simnet.Lab.load("headscale", state="ready")
    vps = lab.nodes["vps"]
    wanted = {(proto, port) for unit in ("headscale", "nginx", "ssh")
              for proto, _addr, port, _proc, _pid in vps.service(unit).listening()}     # type: ignore[union-attr]
    out = lab.run("vps", "ss -tulnp").stdout
    shown = {(line.split()[0], int(line.split()[4].rsplit(":", 1)[1])) for line in out.splitlines()[1:]}
    assert wanted and wanted <= shown
    lab.run("vps", "systemctl stop nginx")
    assert vps.service("nginx").listening() == []       # type: ignore[union-attr]
