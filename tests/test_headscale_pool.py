"""headscale's address pool: a full or too small ``prefixes.v4`` fails the registration with
headscale's own error (hscontrol/db/ip.go) instead of searching forever."""
from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from simnet import Lab
from simnet.tailnet.control import HeadscaleError


def _headscale(lab: Lab):
    return lab.nodes["vps"].services["headscale"]


@pytest.mark.parametrize("prefix", ["100.64.0.0/30", "100.64.0.1/32", "100.64.0.0/31"])
def test_a_full_or_tiny_pool_fails_the_registration(prefix: str) -> None:
    lab = Lab.load("headscale", state="ready")
    hs = _headscale(lab)
    hs.config["prefixes"] = {"v4": prefix}
    before = dict(hs.nodes)
    with pytest.raises(HeadscaleError) as err:
        hs.add_node("cafe", "neu", b"m" * 32, hs.derive("nodekey"), 1)
    assert err.value.message == "allocating IPs: allocating IPv4 address: failed to allocate IP"
    assert hs.nodes == before                      # nothing half-registered


def test_a_pool_with_room_hands_out_the_next_free_address() -> None:
    lab = Lab.load("headscale", state="ready")
    hs = _headscale(lab)
    used = {n.ipv4 for n in hs.nodes.values()}
    hs.config["prefixes"] = {"v4": "100.64.0.0/29"}
    node = hs.add_node("cafe", "neu", b"m" * 32, hs.derive("nodekey"), 1)
    assert node.ipv4 not in used
    assert IPv4Address("100.64.0.0") < node.ipv4 < IPv4Address("100.64.0.7")
