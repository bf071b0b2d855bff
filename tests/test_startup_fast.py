"""simnet.startup_fast: a lab built with the plain start-up lines applied directly is the lab the shell builds.

Every lab is built twice in this process, once as shipped and once with the fast path switched off, and
the whole object graph under the Lab (kernel state, history, shell variables, file systems, timers) is
compared; lines the fast path must leave to the shell fail with the same error both ways.
"""
from __future__ import annotations

import enum
import ipaddress
import types
from typing import Any

import pytest

import simnet.loader
import simnet.startup_fast
from simnet import Lab, LabError

from bench.run import SUBNET_ROUTER, chain_dict

_ATOMS = (str, int, float, bool, bytes, type(None), complex, enum.Enum)
_VALUES = (ipaddress._BaseAddress, ipaddress._BaseNetwork)    # shared or not, a value is its text


def _state(root: Any) -> Any:
    """The object graph as nested plain values; an object met again is named by its first path."""
    seen: dict[int, str] = {}
    keep: list[Any] = []

    def walk(obj: Any, path: str) -> Any:
        if isinstance(obj, _ATOMS):
            return obj
        if isinstance(obj, _VALUES):
            return (type(obj).__name__, str(obj))
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, type)):
            return f"<{getattr(obj, '__qualname__', obj)}>"
        if isinstance(obj, types.MethodType):
            return ("method", obj.__func__.__qualname__, walk(obj.__self__, path + ".__self__"))
        if id(obj) in seen:
            return ("ref", seen[id(obj)])
        seen[id(obj)] = path
        keep.append(obj)
        if isinstance(obj, dict):
            return ("dict", [(walk(k, path + ".key"), walk(v, f"{path}[{k!r}]")) for k, v in obj.items()])
        if isinstance(obj, (list, tuple, set, frozenset)):
            items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
            return (type(obj).__name__, [walk(v, f"{path}[{i}]") for i, v in enumerate(items)])
        if isinstance(obj, types.CellType):
            return walk(obj.cell_contents, path + ".cell")
        fields: dict[str, Any] = {}
        for klass in type(obj).__mro__:
            for slot in getattr(klass, "__slots__", ()):
                if hasattr(obj, slot):
                    fields[slot] = getattr(obj, slot)
        fields.update(getattr(obj, "__dict__", {}))
        if not fields:
            return (type(obj).__qualname__, repr(obj))
        return (type(obj).__qualname__, [(k, walk(v, f"{path}.{k}")) for k, v in fields.items()])

    return walk(root, "lab")


def _both(build: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, int]:
    """(state fast, state through the shell, lines the fast path applied)."""
    applied = []
    real = simnet.startup_fast.run_plain

    def counting(lab: Lab, node: str, line: str) -> bool:
        done = real(lab, node, line)
        applied.append(done)
        return done

    monkeypatch.setattr(simnet.loader, "run_plain", counting)
    fast = _state(build())
    monkeypatch.setattr(simnet.loader, "run_plain", lambda lab, node, line: False)
    slow = _state(build())
    return fast, slow, sum(applied)


@pytest.mark.parametrize("data", [SUBNET_ROUTER, chain_dict(4)], ids=["subnet-router", "chain"])
def test_a_lab_built_fast_is_the_lab_the_shell_builds(data: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow, applied = _both(lambda: Lab.from_dict(data), monkeypatch)
    lines = sum(len(n["startup"]) for n in data["nodes"].values())
    assert applied == lines                  # every line of these labs is a plain one
    assert fast == slow


@pytest.mark.parametrize("name", ["heimnetz", "headscale"])
def test_the_shipped_labs_are_the_same_both_ways(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow, applied = _both(lambda: Lab.load(name), monkeypatch)
    assert applied > 5
    assert fast == slow


def test_routes_through_a_device_masquerade_on_any_name_and_a_later_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"name": "dev-routes", "nodes": {
        "a": {"interfaces": {"eth0": "n", "wan_1": "w"}, "startup": [
            "ip address add 10.9.0.1/16 dev eth0", "ip route add 203.0.113.0/24 dev eth0",
            "ip route add 198.51.100.7 via 10.9.0.2 dev eth0", "ip addr add 10.9.0.3/16 dev eth0",
            "iptables -t nat -A POSTROUTING -o wan_1 -j MASQUERADE",
            "iptables -t nat -A POSTROUTING -o nowhere0 -j MASQUERADE",
            "sysctl -w net.ipv4.conf.eth0.rp_filter=2", "sysctl -w net.ipv4.ip_forward=1"]},
        "b": {"interfaces": {"eth0": "n"}, "startup": ["ip addr add 10.9.0.2/16 dev eth0"]}}}

    def build() -> Lab:
        lab = Lab.from_dict(data)
        assert lab.run("a", "ping -c 1 10.9.0.2").returncode == 0
        return lab

    fast, slow, applied = _both(build, monkeypatch)
    assert applied == 9
    assert fast == slow


@pytest.mark.parametrize("line", [
    "ip addr add 10.0.0.1/33 dev eth0", "ip addr add 10.0.0.1/24 dev eth9", "ip addr add 10.0.0.256/24 dev eth0",
    "ip addr add 10.0.0.2/24 dev eth0",                      # already there
    "ip addr add 010.0.0.2/24 dev eth0",                     # octal: the shell's parser decides
    "ip route add 10.1.0.1/24 via 10.0.0.2",                 # host bits
    "ip route add 10.1.0.0/24 via 10.7.0.2",                 # gateway not on a connected net
    "ip route add 10.1.0.0/24 via 0.0.0.0",
    "ip route add 10.0.0.0/24 dev eth0",                     # the prefix route exists
    "ip route add 10.1.0.0/24 dev eth1",                     # eth1 is down
    "ip route add 10.1.0.0/24", "ip route add 10.1.0.0/24 via 10.0.0.9 via 10.0.0.8",
    "sysctl -w net.ipv4.no_such_key=1", "sysctl -w net.ipv4.ip_forward=yes",
    "iptables -t nat -A POSTROUTING -o eth+ -j MASQUERADE", "iptables -t nat -A PREROUTING -o eth0 -j MASQUERADE",
    # IPv6 (the seed labs' dual stack)
    "ip addr add 2001:db8::1/129 dev eth0", "ip addr add 2001:db8::1 dev eth0", "ip addr add ff02::7/64 dev eth0",
    "ip addr add ::/64 dev eth0", "ip addr add 2001:db8:::1/64 dev eth0", "ip addr add 2001:db8::1/64 dev eth9",
    "ip -6 route add 2001:db8:1::5/64 via fe80::1",          # host bits
    "ip -6 route add 2001:db8:1::/64 via fe80::1",           # link-local gateway without a device
    "ip -6 route add default via 2001:db8:9::1",             # gateway not on a connected net
    "ip -6 route add 2001:db8:1::/64 dev eth1",              # eth1 is down
    "ip -6 route add 2001:db8:1::/64 via fe80::1 via fe80::2",
    "ip -6 route add 2001:db8:1::/64", "ip -6 addr add 2001:db8::1/64 dev eth0",
])
def test_lines_the_fast_path_leaves_to_the_shell_fail_or_succeed_alike(line: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"name": "odd", "nodes": {"a": {"interfaces": {"eth0": "n", "eth1": "m"}, "startup": [
        "ip addr add 10.0.0.2/24 dev eth0", "ip link set eth1 down", line]}}}

    def build() -> Any:
        try:
            return Lab.from_dict(data)
        except LabError as exc:
            return str(exc)

    fast, slow, applied = _both(build, monkeypatch)
    assert applied == 1                      # the first line only
    assert fast == slow


def test_ipv6_addresses_and_routes_the_fast_path_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"name": "v6", "nodes": {
        "r": {"interfaces": {"lan": "n", "wan": "w"}, "startup": [
            "ip addr add 2001:db8:1::1/64 dev lan", "ip addr add 2001:DB8:ff01::57/64 dev wan",
            "ip -6 route add default via 2001:db8:ff01::1", "ip -6 route add 2001:db8:5::/48 dev lan",
            "ip -6 route add 2001:db8:6::/64 via 2001:db8:1::9 dev lan", "sysctl -w net.ipv6.conf.all.forwarding=1"]},
        "h": {"interfaces": {"eth0": "n"}, "startup": ["ip addr add 2001:db8:1::2/64 dev eth0",
                                                       "ip -6 route add default via 2001:db8:1::1"]}}}

    def build() -> Lab:
        lab = Lab.from_dict(data)
        lab.advance(3)                                       # past DAD
        assert lab.run("h", "ping -c 1 2001:db8:1::1").returncode == 0
        return lab

    fast, slow, applied = _both(build, monkeypatch)
    assert applied == 8
    assert fast == slow
