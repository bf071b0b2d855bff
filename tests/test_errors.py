"""One exception family: whatever simnet refuses on purpose is a SimnetError, and each branch is
also the builtin it stands for, so code that caught ValueError/OSError before still does."""
from __future__ import annotations

import errno
from ipaddress import IPv4Interface

import pytest

import simnet
from simnet import KernelError, LabError, SimnetError
from simnet.kernel.nftables.errors import Busy, Exists, NftError, NoEntry


def test_lab_errors_are_simnet_and_value_errors() -> None:
    lab = simnet.Lab()
    with pytest.raises(LabError) as info:
        lab.node("nirgends")
    assert isinstance(info.value, SimnetError) and isinstance(info.value, ValueError)
    assert "nirgends" in str(info.value)


def test_netlink_refusals_are_kernel_errors_with_iproute2_wording() -> None:
    lab = simnet.Lab()
    node = lab.add_node("a")
    lab.connect("a", "eth0", "lan")
    node.addr_add("eth0", IPv4Interface("192.168.1.2/24"))
    with pytest.raises(KernelError) as info:
        node.addr_add("eth0", IPv4Interface("192.168.1.2/24"))
    exc = info.value
    assert isinstance(exc, OSError) and isinstance(exc, SimnetError)
    assert exc.ip_message == "Error: ipv4: Address already assigned."
    assert lab.run("a", "ip addr add 192.168.1.2/24 dev eth0").stderr == "Error: ipv4: Address already assigned.\n"


@pytest.mark.parametrize(("cls", "code", "text"), [(NoEntry, errno.ENOENT, "No such file or directory"),
                                                   (Exists, errno.EEXIST, "File exists"),
                                                   (Busy, errno.EBUSY, "Device or resource busy")])
def test_nftables_write_api_errors_keep_errno_and_strerror(cls: type[NftError], code: int, text: str) -> None:
    exc = cls("chain", "input")
    assert isinstance(exc, KernelError) and isinstance(exc, SimnetError)
    assert (exc.errno, exc.strerror, str(exc), exc.errno_text) == (code, text, text, text)
    assert (exc.obj, exc.name) == ("chain", "input")


def test_the_write_api_raises_them() -> None:
    lab = simnet.Lab()
    node = lab.add_node("a")
    with pytest.raises(SimnetError) as info:
        node.netfilter.delete_table("ip", "gibtsnicht")
    assert isinstance(info.value, NoEntry)
