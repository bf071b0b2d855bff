"""The LXC prerequisites of the seed (issue 15, item 8): pct on Proxmox, the
container's conf and /dev/net/tun, and tailscaled's own failure without it
(the journal lines tailscale 1.90 writes in an unprivileged Proxmox container).
"""
from __future__ import annotations

import pytest

from simnet import Lab
from tests.test_seed_ssh import _shell
from tests.test_seed_webui import ready  # noqa: F401  (fixture)

CONF = "/etc/pve/lxc/102.conf"
NO_TUN = 'CreateTUN("tailscale0") failed; /dev/net/tun does not exist'


def test_pct_list_and_config_show_the_seeds_container(ready: Lab) -> None:
    res = ready.run("proxmox", "pct list")
    assert res.stdout == ("VMID       Status     Lock         Name                \n"
                          "102        running                 tailscale           \n")
    config = ready.run("proxmox", "pct config 102").stdout
    assert "hostname: tailscale\n" in config and "ip=192.168.0.150/24" in config and "unprivileged: 1\n" in config
    # the two lines the seed adds come last, as pct prints raw lxc keys
    assert config.endswith("lxc.cgroup2.devices.allow: c 10:200 rwm\n"
                           "lxc.mount.entry: /dev/net/tun dev/net/tun none bind,create=file\n")
    assert ready.run("proxmox", f"cat {CONF}").stdout.count("lxc.") == 2
    assert ready.run("tailscale", "ls /dev/net/tun").returncode == 0
    assert ready.run("proxmox", "pct status 102").stdout == "status: running\n"


def test_without_the_two_lines_tailscaled_cannot_start_after_a_restart(ready: Lab) -> None:
    ready.run("proxmox", f"sed -i '/^lxc\\./d' {CONF}")
    # nothing changes until the container restarts
    assert ready.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").returncode == 0
    assert ready.run("proxmox", "pct reboot 102").returncode == 0
    res = ready.run("proxmox", "pct exec 102 -- ls /dev/net/tun")
    assert (res.returncode, res.stderr) == (2, "ls: cannot access '/dev/net/tun': No such file or directory\n")
    start = ready.run("tailscale", "systemctl start tailscaled")
    assert start.returncode == 1
    assert start.stderr.startswith("Job for tailscaled.service failed because the control process exited")
    status = ready.run("tailscale", "systemctl status tailscaled")
    assert status.returncode == 3 and "Active: failed (Result: exit-code)" in status.stdout
    journal = ready.run("tailscale", "journalctl -u tailscaled --no-pager").stdout
    assert "tun module not loaded nor found on disk\n" in journal
    assert ("is CONFIG_TUN enabled in your kernel? `modprobe tun` failed with: modprobe: FATAL: Module tun not "
            "found in directory /lib/modules/6.8.12-4-pve\n") in journal
    assert f'wgengine.NewUserspaceEngine(tun "tailscale0") error: tstun.New("tailscale0"): {NO_TUN}\n' in journal
    assert "tailscaled.service: Start request repeated too quickly.\n" in journal
    # the subnet router is gone: the home network is out of reach from the café
    assert ready.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").returncode == 1


@pytest.mark.parametrize("fix", [
    "printf 'lxc.cgroup2.devices.allow: c 10:200 rwm\\nlxc.mount.entry: /dev/net dev/net none bind,create=dir\\n'"
    f" >> {CONF}",                                                         # the seed's own two lines
    "pct set 102 -dev0 /dev/net/tun",                                      # Proxmox 8.1 device passthrough
])
def test_adding_the_device_and_restarting_brings_tailscale_back(ready: Lab, fix: str) -> None:
    ready.run("proxmox", f"sed -i '/^lxc\\./d' {CONF}")
    ready.run("proxmox", "pct stop 102")
    assert ready.run("proxmox", "pct list").stdout.splitlines()[1].startswith("102        stopped")
    ready.run("proxmox", "pct start 102")
    assert ready.run("tailscale", "systemctl is-active tailscaled").stdout == "failed\n"
    assert ready.run("proxmox", fix).returncode == 0
    ready.run("proxmox", "pct reboot 102")
    assert ready.run("tailscale", "systemctl is-active tailscaled").stdout == "active\n"
    ready.advance(5)
    assert ready.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").returncode == 0


def test_mount_without_cgroup_permission_is_operation_not_permitted(ready: Lab) -> None:
    ready.run("proxmox", f"sed -i '/cgroup2/d' {CONF}")
    ready.run("proxmox", "pct reboot 102")
    assert ready.run("tailscale", "ls /dev/net/tun").returncode == 0          # the node is there …
    journal = ready.run("tailscale", "journalctl -u tailscaled -n 3").stdout
    assert 'CreateTUN("tailscale0") failed; open /dev/net/tun: operation not permitted' in \
        ready.run("tailscale", "journalctl -u tailscaled").stdout             # … but may not be opened
    assert "Start request repeated too quickly." in journal


def test_pct_errors_like_proxmox(ready: Lab) -> None:
    res = ready.run("proxmox", "pct config 999")
    assert (res.returncode, res.stderr) == (255, "Configuration file 'nodes/proxmox/lxc/999.conf' does not exist\n")
    res = ready.run("proxmox", "pct set 102 --foo 1")
    assert res.returncode == 255 and "foo: property is not defined in schema" in res.stderr
    assert ready.run("proxmox", "pct start 102").stderr == "CT 102 already running\n"
    assert ready.run("vps", "pct list").returncode == 127
    ready.run("proxmox", "pct set 102 -memory 1024")
    assert "memory: 1024\n" in ready.run("proxmox", f"cat {CONF}").stdout


def test_pct_enter_in_the_shell_and_exit_back(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, prompts = _shell(monkeypatch, ["pct enter 102", "hostname", "exit", "hostname"],
                           ["shell", "headscale", "proxmox"])
    assert code == 0
    out = capsys.readouterr().out
    assert prompts[:4] == ["root@proxmox:~# ", "root@tailscale:~# ", "root@tailscale:~# ", "root@proxmox:~# "]
    assert out.startswith("tailscale\nexit\nproxmox\n")


def test_qm_lists_and_switches_the_debian_vm() -> None:
    lab = Lab.load("headscale", state="ready")
    assert lab.run("proxmox", "qm list").stdout == (
        "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       \n"
        "       100 debian               running    2048              32.00 1700      \n")
    config = lab.run("proxmox", "qm config 100").stdout
    assert "name: debian\n" in config and "scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G\n" in config
    assert config.splitlines() == sorted(config.splitlines())
    assert lab.run("proxmox", "cat /etc/pve/qemu-server/100.conf").stdout.startswith("boot: order=scsi0;ide2;net0\n")
    assert lab.run("proxmox", "qm stop 100").returncode == 0
    assert lab.run("proxmox", "qm status 100").stdout == "status: stopped\n"
    res = lab.run("maschinchen", "ssh -o ConnectTimeout=3 root@192.168.0.158 hostname")
    assert res.stderr == "ssh: connect to host 192.168.0.158 port 22: Connection timed out\n"
    res = lab.run("proxmox", "qm shutdown 100")
    assert (res.returncode, res.stderr) == (255, "VM 100 not running\n")
    assert lab.run("proxmox", "qm start 100").returncode == 0          # boots: ifupdown brings the route back
    assert "default via 192.168.0.1 dev eth0" in lab.run("debian", "ip route").stdout
    # a learner waits for the boot; meanwhile the router's ARP attempt from the timed-out SYNs ends
    lab.advance(5)
    assert lab.run("maschinchen", "ssh root@192.168.0.158 hostname").stdout == "debian\n"
    res = lab.run("proxmox", "qm start 100")
    assert (res.returncode, res.stderr) == (255, "VM 100 already running\n")
    res = lab.run("proxmox", "qm config 105")
    assert (res.returncode, res.stderr) == (255, "Configuration file 'nodes/proxmox/qemu-server/105.conf' does not "
                                               "exist\n")
    assert lab.run("maschinchen", "qm list").returncode == 127
