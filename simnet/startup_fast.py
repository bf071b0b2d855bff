"""A lab's plainest start-up lines applied through the kernel API, without the command modules.

Why: a new process (``simnet run``, ``simnet exercise check``, every notebook kernel) builds its lab
before anything else, and importing ``ip``'s, ``sysctl``'s and ``iptables``' parsers only to add a few
addresses and routes was about a tenth of that cold path (issue 20). The lines lab files are made of
are recognised here in their plain spelling only —

- ``ip addr add A.B.C.D/N dev IF`` (also ``address``) and its IPv6 twin ``ip addr add X:…:Y/N dev IF``,
- ``ip route add (default|A.B.C.D[/N]) [via A.B.C.D] [dev IF]``,
- ``ip -6 route add (default|X:…:Y/N) [via X:…:Y] [dev IF]`` (the seed labs' dual stack),
- ``sysctl -w KEY=DIGITS``,
- ``iptables -t nat -A POSTROUTING -o IF -j MASQUERADE``,
- ``systemctl enable --now radvd`` (the seed labs' home router)

— and only when they will succeed. Anything else (another spelling, an option, shell syntax, an
argument the tool would refuse, a kernel refusal) returns False before changing anything, and the
caller runs the line through the shell as typed: errors stay the real tool's. What a handled line
leaves behind is what the command leaves (kernel state, history, the shell's ``$?`` and variables);
tests/test_startup_fast.py compares the whole state of labs built both ways.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any, Callable, Optional
    from simnet.kernel.node import Node
    from simnet.lab import Lab

__all__ = ["run_plain"]

# letters, digits, space and . _ / = - : (IPv6): no quotes, $, globs, ~, #, ;, |, &, <, >, braces or tabs
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._/=-:")
_HEX6 = frozenset("0123456789abcdefABCDEF:")
_IFNAME = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_SYSCTL_KEY = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.")


def run_plain(lab: "Lab", node_name: str, line: str) -> bool:
    """Apply ``line`` on ``node_name`` as ``lab.run`` would, if it is one of the plain forms; True if done."""
    if not set(line) <= _PLAIN:
        return False
    argv = line.split()
    if len(argv) < 3:
        return False
    node = lab.nodes.get(node_name)
    if node is None or node.stack.refresh is not None:
        return False
    handler = _HANDLERS.get((argv[0], argv[1]))
    if handler is None:
        return False
    lab.reap_jobs()                       # what lab.run does first (a background job may end now)
    if not handler(node, argv):
        return False
    # what lab.run and the shell leave behind for a command that printed nothing to keep and exited 0
    node.history.append(line)
    env = lab._env.setdefault(node_name, {})
    env.setdefault("?", "0")
    env.setdefault("HOSTNAME", node.hostname)
    env.setdefault("USER", "root")
    env.setdefault("HOME", "/root")
    env.setdefault("PWD", "/root")
    env["?"] = "0"
    return True


def _number(text: str, top: int) -> Optional[int]:
    """A decimal number as the usual spelling writes it (no sign, no leading zero, no octal or hex)."""
    if not text or not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if value <= top else None


def _address(text: str) -> Optional[IPv4Address]:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        octet = _number(part, 255) if len(part) <= 3 else None
        if octet is None:
            return None
        value = value << 8 | octet
    return IPv4Address(value)


def _prefix(text: str) -> Optional[tuple[IPv4Address, int]]:
    addr_text, slash, plen_text = text.partition("/")
    addr = _address(addr_text)
    if addr is None:
        return None
    if not slash:
        return addr, 32
    plen = _number(plen_text, 32) if len(plen_text) <= 2 else None
    return None if plen is None else (addr, plen)


def _route_parts(node: "Node", rest: list[str], dst_text: str, prefix: Callable[[str], Any],
                 network: Callable[..., Any]) -> Optional[tuple[Any, dict[str, str], Optional[str]]]:
    """``DST [via GW] [dev IF]`` of ``ip [-6] route add``: the destination network, the words and the
    device named (None without ``dev``); None for another spelling, host bits or an unknown device."""
    words = dict(zip(rest[::2], rest[1::2]))
    if len(rest) not in (2, 4) or len(words) * 2 != len(rest) or not set(words) <= {"via", "dev"}:
        return None
    if dst_text == "default":
        dst = network((0, 0))
    else:
        p = prefix(dst_text)
        if p is None:
            return None
        dst = network((int(p[0]), p[1]), strict=False)
        if dst.network_address != p[0]:      # host bits set: "Invalid prefix for given prefix length"
            return None
    dev = words.get("dev")
    if dev is not None and dev not in node.interfaces:
        return None
    return dst, words, dev


def _prefix6(text: str) -> Optional[tuple[IPv6Address, int]]:
    """``X:…:Y/N`` in hex digits and colons only (no zone, no dotted IPv4 tail), as inet_pton reads it."""
    addr_text, slash, plen_text = text.partition("/")
    if not slash or not addr_text or not set(addr_text) <= _HEX6:
        return None
    plen = _number(plen_text, 128) if len(plen_text) <= 3 else None
    if plen is None:
        return None
    try:
        return IPv6Address(addr_text), plen
    except ValueError:
        return None


def _addr_add6(node: "Node", argv: list[str]) -> bool:
    """``ip addr add X:…:Y/N dev IF`` as simnet.commands.ip_addr applies it (inet6_rtm_newaddr, no flags)."""
    from simnet.kernel.node import KernelError

    p = _prefix6(argv[3])
    dev = argv[5]
    if p is None or dev not in node.interfaces:
        return False
    try:                                      # the kernel refuses before it changes anything
        node.ip6.add(dev, IPv6Interface((int(p[0]), p[1])), set(), metric=0)
    except KernelError:
        return False
    return True


def _route_add6(node: "Node", argv: list[str]) -> bool:
    """``ip -6 route add DST [via GW] [dev IF]`` as simnet.commands.ip_route6 builds it (proto boot,
    metric 1024, the gateway's device from the route to it)."""
    from simnet.kernel.ipv6.fib6 import Route6
    from simnet.kernel.routing import MAIN

    parts = _route_parts(node, argv[5:], argv[4], _prefix6, IPv6Network) if argv[2:4] == ["route", "add"] else None
    if parts is None:
        return False
    dst, words, dev = parts
    gw = None
    if "via" in words:
        hop = _prefix6(words["via"] + "/128")
        if hop is None or hop[0].is_unspecified or hop[0].is_link_local:
            return False
        gw = hop[0]
        hit = node.ip6.fib.lookup(MAIN, gw, dev)
        if hit is None or hit.gateway is not None or hit.type != "unicast":
            return False                      # No route to host
        dev = hit.dev
    if dev is None or not node.interfaces[dev].admin_up:
        return False
    fib = node.ip6.fib
    if fib.find(MAIN, dst, metric=1024):
        return False                          # File exists
    fib.add(Route6(dst, dev, "unicast", gw, "boot", 1024, MAIN, None))
    return True


def _addr_add(node: "Node", argv: list[str]) -> bool:
    """``ip addr add A.B.C.D/N dev IF`` as simnet.commands.ip_addr applies it (scope global)."""
    from simnet.kernel.node import KernelError

    if len(argv) != 6 or argv[2] != "add" or argv[4] != "dev":
        return False
    if ":" in argv[3]:
        return _addr_add6(node, argv)
    p = _prefix(argv[3])
    dev = argv[5]
    if p is None or dev not in node.interfaces or p[0].is_loopback:
        return False
    try:                                      # the kernel refuses before it changes anything
        node.addr_add(dev, IPv4Interface((int(p[0]), p[1])), scope="global", broadcast=None, label="",
                      metric=0, noprefixroute=False)
    except KernelError:
        return False
    return True


def _route_add(node: "Node", argv: list[str]) -> bool:
    """``ip route add DST [via GW] [dev IF]`` as simnet.commands.ip_route builds it (fib_create_info)."""
    from simnet.kernel.routing import MAIN, Route

    parts = _route_parts(node, argv[4:], argv[3], _prefix, IPv4Network) if argv[2] == "add" else None
    if parts is None:
        return False
    dst, words, dev = parts
    gw = None
    scope = "link"
    if "via" in words:
        gw = _address(words["via"])
        if gw is None or int(gw) == 0:
            return False
        hit = node.nexthop_lookup(gw, dev, MAIN, 0)
        if hit is None:
            return False
        dev, scope = hit.dev, "global"
    if dev is None or not node.interfaces[dev].admin_up:
        return False
    new = Route(dst, "unicast", gw, dev, MAIN, "boot", scope, None, 0, False)
    node.routing.table(MAIN)
    if any(r.same_key(new) for r in node.routing.same_prefix(MAIN, dst)):
        return False                          # File exists
    node.routing.add(new)
    return True


def _sysctl(node: "Node", argv: list[str]) -> bool:
    """``sysctl -w KEY=VALUE``: procps writes ``VALUE\\n`` into /proc/sys/KEY."""
    if len(argv) != 3:
        return False
    key, eq, value = argv[2].partition("=")
    if not eq or not key or not set(key) <= _SYSCTL_KEY or key[0] == "." or key[-1] == "." or ".." in key \
            or not value.isascii() or not value.isdigit() or key not in node.sysctl \
            or any("." in name for name in node.interfaces):
        return False
    path = "/proc/sys/" + key.replace(".", "/")
    try:
        node.write_file(path, value + "\n")
    except OSError:
        return False
    return True


def _masquerade(node: "Node", argv: list[str]) -> bool:
    """``iptables -t nat -A POSTROUTING -o IF -j MASQUERADE`` as iptables-nft appends it."""
    from simnet.kernel.netfilter import XtRule
    from simnet.kernel.nftables.xtables import xt_append

    if len(argv) != 9 or argv[1:6] != ["-t", "nat", "-A", "POSTROUTING", "-o"] or argv[7:] != ["-j", "MASQUERADE"]:
        return False
    dev = argv[6]
    if not 0 < len(dev) < 16 or not set(dev) <= _IFNAME:
        return False
    nf = node.netfilter
    nf.add_table("ip", "nat")
    xt_append(nf, "nat", "POSTROUTING", XtRule(out_iface=dev, target="MASQUERADE"))
    return True


def _radvd_on(node: "Node", argv: list[str]) -> bool:
    """``systemctl enable --now radvd`` as simnet.commands.units and .radvd do it: the wants link, then
    the daemon from a valid /etc/radvd.conf (without systemctl's tailnet and journal modules)."""
    from simnet.boot import WANTS
    from simnet.services.radvd import Radvd, RadvdConfigError, parse_config, radvd_of

    if argv[2:] != ["--now", "radvd"] or radvd_of(node) is not None:
        return False
    text = node.files.get("/etc/radvd.conf")
    if text is None:
        return False
    try:
        ifaces = parse_config(text)
    except RadvdConfigError:
        return False
    link = f"{WANTS}/radvd.service"
    if link not in node.fs.links:
        node.fs.links[link] = "/lib/systemd/system/radvd.service"
        node.fs.mtimes[link] = node.wallclock()
    daemon = Radvd(node, ifaces, "/run/radvd.pid")
    node.services["radvd"] = daemon
    daemon.start()
    return True


_HANDLERS: dict[tuple[str, str], Callable[["Node", list[str]], bool]] = {
    ("systemctl", "enable"): _radvd_on,
    ("ip", "addr"): _addr_add,
    ("ip", "address"): _addr_add,
    ("ip", "route"): _route_add,
    ("ip", "-6"): _route_add6,
    ("sysctl", "-w"): _sysctl,
    ("iptables", "-t"): _masquerade,
}
