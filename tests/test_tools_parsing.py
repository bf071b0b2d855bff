"""Number and address parsing the emulated tools inherit from the C library.

The differential cases (tests/kernel/cases/tl_*) check whole outputs; these pin
the small parsers so a regression names its cause.
"""
from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from simnet import Lab
from simnet.commands.cnum import strtod_prefix, strtoul0
from simnet.commands.resolve import inet_aton
from tests.kernel.make_cases import lan


@pytest.mark.parametrize("text, value", [("10.0.1.1", "10.0.1.1"), ("127.1", "127.0.0.1"), ("0x10", "0.0.0.16"),
                                         ("010.1", "8.0.0.1"), ("0", "0.0.0.0"), ("1.2.3.4.5", None),
                                         ("256.1.1.1", None), ("08", None), ("192.168.0.", None)])
def test_inet_aton(text: str, value: str | None) -> None:
    assert inet_aton(text) == (IPv4Address(value) if value else None)


def test_strtod_prefix_keeps_the_rest() -> None:
    assert strtod_prefix("0.2x") == (0.2, "x")
    assert strtod_prefix("abc") == (None, "abc")
    assert strtod_prefix("0x10")[0] == 16.0
    assert strtod_prefix("1e2")[0] == 100.0


def test_strtoul_base_zero_and_wrapping() -> None:
    assert strtoul0("0x2") == 2 and strtoul0("010") == 8 and strtoul0("12") == 12
    assert strtoul0("-1") == 0xFFFFFFFF
    assert strtoul0("1x") is None and strtoul0("") is None


@pytest.mark.parametrize("cmd, code, err", [
    ("ping -c abc 192.168.0.1", 1, "ping: invalid argument: 'abc'\n"),
    ("ping -w -1 192.168.0.1", 1, "ping: invalid argument: '-1': out of range: 0 <= value <= 2147483647\n"),
    ("ping -c 1 -W -1 192.168.0.1", 2, "ping: bad linger time: -1\n"),
    ("ping -c 1 -i nan 192.168.0.1", 2, "ping: bad timing interval: nan: Numerical result out of range\n"),
])
def test_ping_option_errors(cmd: str, code: int, err: str) -> None:
    r = Lab.from_dict({"name": "p", **lan()}).run("a", cmd)
    assert (r.returncode, r.stdout, r.stderr) == (code, "", err)


def test_ping_garbage_interval_only_warns() -> None:
    r = Lab.from_dict({"name": "p", **lan()}).run("a", "ping -c 1 -i 0.2x 192.168.0.1")
    assert r.returncode == 0
    assert r.stderr == ("ping: option argument contains garbage: x\n"
                        "ping: this will become fatal error in the future\n")


def test_single_ping_reports_time_zero() -> None:
    """iputils' time is last probe sent minus start: 0 ms for -c 1, whatever the RTT."""
    r = Lab.from_dict({"name": "p", **lan()}).run("a", "ping -c 1 192.168.0.1")
    assert "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" in r.stdout


def test_for_loop_expands_per_round() -> None:
    r = Lab.from_dict({"name": "p", **lan()}).run("a", "for i in $(seq 1 3); do echo Runde $i; done")
    assert r.stdout == "Runde 1\nRunde 2\nRunde 3\n"


def test_every_registered_program_imports_and_exists():
    """A broken command module must not hide behind "command not found"."""
    from simnet.commands.registry import PROGRAMS, lookup

    for name in PROGRAMS:
        assert callable(lookup(name)), name
