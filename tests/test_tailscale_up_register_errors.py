"""``tailscale up --authkey`` when headscale refuses the registration: headscale v0.27.1 answers
with RegisterResponse.Error (a PAKError as it is, anything else wrapped by handleRegister and
createAndSaveNewNode); tailscale v1.90's controlclient turns it into a UserVisibleError, ipnlocal
into ipn.Notify.ErrMessage, and up.go prints ``backend error: …`` with fatalf (exit 1)."""
from __future__ import annotations

import pytest

from simnet import Lab


@pytest.fixture
def lab() -> Lab:
    lab = Lab.load("headscale", state="ready")
    assert lab.run("debian", "systemctl start tailscaled").returncode == 0
    return lab


def _up(lab: Lab, key: str):
    return lab.run("debian", f"tailscale up --login-server=https://vpn.example.net --authkey={key}")


def test_full_address_pool(lab: Lab) -> None:
    # three nodes hold 100.64.0.1-3: a /30 has no free host address left
    lab.run("vps", "sed -i 's#v4: 100.64.0.0/10#v4: 100.64.0.0/30#' /etc/headscale/config.yaml")
    assert lab.run("vps", "systemctl restart headscale").returncode == 0
    key = lab.run("vps", "headscale preauthkeys create -u 1").stdout.strip()
    res = _up(lab, key)
    assert (res.returncode, res.stdout) == (1, "")
    assert res.stderr == ("backend error: handling register with auth key: creating new node: allocating IPs: "
                          "allocating IPv4 address: failed to allocate IP\n")
    assert "debian" not in lab.run("vps", "headscale nodes list").stdout
    # the key was not spent: with room in the pool it registers
    lab.run("vps", "sed -i 's#v4: 100.64.0.0/30#v4: 100.64.0.0/10#' /etc/headscale/config.yaml")
    lab.run("vps", "systemctl restart headscale")
    assert _up(lab, key).returncode == 0
    assert lab.run("debian", "tailscale ip -4").stdout == "100.64.0.4\n"


def test_unknown_and_expired_keys(lab: Lab) -> None:
    res = _up(lab, "0" * 48)
    assert (res.returncode, res.stderr) == (1, "backend error: handling register with auth key: AuthKey not found\n")
    key = lab.run("vps", "headscale preauthkeys create -u 1").stdout.strip()
    assert lab.run("vps", f"headscale preauthkeys expire -u 1 {key}").returncode == 0
    res = _up(lab, key)
    assert (res.returncode, res.stderr) == (1, "backend error: authkey expired\n")


def test_full_pool_on_the_interactive_path(lab: Lab) -> None:
    lab.run("vps", "sed -i 's#v4: 100.64.0.0/10#v4: 100.64.0.0/30#' /etc/headscale/config.yaml")
    lab.run("vps", "systemctl restart headscale")
    up = lab.run("debian", "tailscale up --login-server=https://vpn.example.net")
    reg = up.stderr.split("/register/")[1].split()[0]
    res = lab.run("vps", f"headscale nodes register --user zabooz --key {reg}")
    # HandleNodeFromAuthPath returns createAndSaveNewNode's error as it is; ErrorOutput adds a newline
    assert (res.returncode, res.stderr) == (
        1, "Cannot register node: allocating IPs: allocating IPv4 address: failed to allocate IP\n\n")
    # the registration stays in the cache: once a node of the /30 is gone, the same key registers
    assert lab.run("vps", "headscale nodes delete -i 2 --force").returncode == 0
    assert lab.run("vps", f"headscale nodes register --user zabooz --key {reg}").returncode == 0
    assert lab.run("debian", "tailscale ip -4").stdout == "100.64.0.2\n"
