"""Toggles for IPv6 (the IPv6 page's notebook): IPv6 forwarding of a router, a host's IPv6
route back into the LAN and an ip6tables DROP rule in a router's FORWARD chain.

Like every toggle they read the lab through a learner's commands (``sysctl``, ``ip -6 route``,
``ip6tables -S``) and change it with real ones. Names: ``ip6_forward@router``,
``back_route6@web`` (the host's first static IPv6 route through a gateway, remembered when the
switch is made) and ``fw6_drop@router``. :mod:`simnet.views.toggles` adds them to its families.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from simnet.views.toggles import Toggle, ToggleError, _node, _run

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["ip6_forward", "back_route6", "fw6_drop", "FAMILIES6", "WORDS6"]

DROP_RULE = "-A FORWARD -j DROP"


def ip6_forward(arg: str) -> Toggle:
    cmds: list[str] = []
    key = "net.ipv6.conf.all.forwarding"
    return Toggle(f"ip6_forward@{arg}", f"IPv6-Forwarding auf „{arg}“ ({key})",
                  lambda lab: _node(lab, arg).sysctl.get(key).strip() == "1",
                  lambda lab, on: _run(lab, cmds, arg, f"sysctl -w {key}={int(bool(on))}"), commands=cmds)


def back_route6(arg: str) -> Toggle:
    """The route is read once from ``ip -6 route`` (a static ``… via …`` that is not the default),
    so that switching it off and on again restores exactly that route."""
    cmds: list[str] = []
    known: dict[str, str] = {}

    def route(lab: "Lab") -> str:
        if "route" not in known:
            _node(lab, arg)
            for line in lab.run(arg, "ip -6 route").stdout.splitlines():
                words = line.split()
                if "via" in words and words[0] != "default" and "proto" not in words:
                    known["route"] = f"{words[0]} via {words[words.index('via') + 1]}"
                    break
            else:
                raise ToggleError(f"„{arg}“ hat keine statische IPv6-Route über ein Gateway, die man schalten könnte.")
        return known["route"]

    def read(lab: "Lab") -> bool:
        prefix = route(lab).split()[0]
        return bool(lab.run(arg, f"ip -6 route show {prefix}").stdout.strip())

    def apply(lab: "Lab", on: bool) -> None:
        r = route(lab)
        _run(lab, cmds, arg, f"ip -6 route {'add' if on else 'del'} {r}")

    return Toggle(f"back_route6@{arg}", f"IPv6-Rückroute auf „{arg}“", read, apply, commands=cmds)


def fw6_drop(arg: str) -> Toggle:
    cmds: list[str] = []

    def read(lab: "Lab") -> bool:
        _node(lab, arg)
        return DROP_RULE in lab.run(arg, "ip6tables -S FORWARD").stdout.splitlines()

    def apply(lab: "Lab", on: bool) -> None:
        _run(lab, cmds, arg, "ip6tables -I FORWARD 1 -j DROP" if on else "ip6tables -D FORWARD -j DROP")

    return Toggle(f"fw6_drop@{arg}", f"ip6tables-Regel auf „{arg}“: FORWARD verwirft alles (DROP)", read, apply,
                  commands=cmds)


FAMILIES6: dict[str, Callable[[str], Toggle]] = {"ip6_forward": ip6_forward, "back_route6": back_route6,
                                                  "fw6_drop": fw6_drop}
WORDS6 = {"ip6_forward": "IPv6-Forwarding eines Knotens", "back_route6": "IPv6-Rückroute eines Zielrechners",
          "fw6_drop": "DROP-Regel in der FORWARD-Kette von ip6tables"}
