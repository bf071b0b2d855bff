"""Native expressions back to nft's words (``nft list`` and the traces quote rules this way).

iptables payloads are not rendered here: iptables shows its own form
(:func:`simnet.kernel.netfilter.describe_xt`), ``nft list`` translates them in
:mod:`simnet.commands.nft`.
"""
from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from typing import Any

from simnet.kernel.nftables import expr as E

__all__ = ["render_exprs", "render_value", "render_set", "describe_rule"]

# the selector whose values a set of this type holds (for printing its elements)
SET_KEYS = {"ipv4_addr": "ip saddr", "ipv6_addr": "ip6 saddr", "inet_service": "tcp dport",
            "inet_proto": "meta l4proto", "ifname": "iifname", "mark": "meta mark", "ether_addr": "ether saddr"}

_PROTO_NAMES = {v: k for k, v in E.PROTOCOLS.items()}
_ICMP_NAMES = {v: k for k, v in E.ICMP_TYPES.items()}
_ICMPV6_NAMES = {v: k for k, v in E.ICMPV6_TYPES.items()}
_FLAG_NAMES = {v: k for k, v in E.TCP_FLAG_BITS.items()}


def _scalar(key: str, v: Any) -> str:
    if isinstance(v, (IPv4Network, IPv6Network)):
        return str(v.network_address) if v.prefixlen == v.max_prefixlen else str(v)
    if isinstance(v, int) and not isinstance(v, bool):
        if key in ("meta l4proto", "ip protocol", "ip6 nexthdr"):
            return _PROTO_NAMES.get(v, str(v))
        if key == "icmp type":
            return _ICMP_NAMES.get(v, str(v))
        if key == "icmpv6 type":
            return _ICMPV6_NAMES.get(v, str(v))
        if key in ("meta mark", "ct mark"):
            return f"0x{v:08x}"
    if isinstance(v, str) and key in ("iifname", "oifname"):
        return f'"{v}"'
    if isinstance(v, E.Range):
        return f"{_scalar(key, v.lo)}-{_scalar(key, v.hi)}"
    return str(v)


def render_value(key: str, value: Any) -> str:
    """A Cmp's value as nft prints it: ``{ 22, 80 }``, ``@blocked``, ``established,related``."""
    if isinstance(value, E.SetRef):
        return f"@{value.name}"
    if isinstance(value, E.AnonSet):
        return "{ " + ", ".join(_scalar(key, e) for e in value.elements) + " }"
    if isinstance(value, tuple):
        return ",".join(_scalar(key, e) for e in value)
    return _scalar(key, value)


def _one(e: Any, packets: int, bytes_: int) -> str:
    kind = type(e)
    if kind is E.Cmp:
        value = render_value(e.key, e.value)
        if e.mask is not None:
            return f"{e.key} & 0x{e.mask:08x} {e.op} {value}"
        op = "" if e.op == "==" else f"{e.op} "
        return f"{e.key} {op}{value}"
    if kind is E.Counter:
        return f"counter packets {packets} bytes {bytes_}"
    if kind is E.Verdict:
        return f"{e.kind} {e.chain}" if e.chain else e.kind
    if kind is E.Reject:
        if e.family is None:
            return "reject"
        if e.family == "tcp":
            return "reject with tcp reset"
        return f"reject with {e.family} {e.kind}"
    if kind is E.Nat:
        fam = f" {e.family}" if e.family else ""
        if e.kind in ("masquerade", "redirect"):
            text = e.kind + (f" to :{e.port}" if e.port else "")
        else:
            to = (e.addr or "") + (f":{e.port}" if e.port else "")
            text = f"{e.kind}{fam} to {to}"
        return " ".join((text,) + e.flags)
    if kind is E.Log:
        text = "log"
        if e.prefix is not None:
            text += f' prefix "{e.prefix}"'
        if e.level is not None:
            text += f" level {e.level}"
        for f in e.flags:
            text += f" flags {f}"
        return text
    if kind is E.Limit:
        over = "over " if e.over else ""
        unit = f"{e.per_bytes}/{e.unit}" if e.per_bytes else f"/{e.unit}"
        text = f"limit rate {over}{e.rate}{' ' if e.per_bytes else ''}{unit}"
        if e.burst is not None:
            text += f" burst {e.burst} {'bytes' if e.per_bytes else 'packets'}"
        return text
    if kind is E.MetaSet:
        return f"{e.key} set 0x{e.value:08x}"
    if kind is E.Notrack:
        return "notrack"
    return str(e)


def render_set(s: Any, indent: str = "\t", handles: bool = False) -> list[str]:
    """A named set block as ``nft list`` prints it (type, flags, elements)."""
    key = SET_KEYS.get(s.type, "")
    lines = [f"{indent}set {s.name} {{" + (f" # handle {s.handle}" if handles else ""), f"{indent}\ttype {s.type}"]
    if s.flags:
        lines.append(f"{indent}\tflags {','.join(s.flags)}")
    if s.elements:
        lines.append(f"{indent}\telements = {{ " + ", ".join(_scalar(key, e) for e in s.elements) + " }")
    lines.append(f"{indent}}}")
    return lines


def render_exprs(exprs: tuple[Any, ...], packets: int = 0, bytes_: int = 0) -> str:
    """A native rule's expressions in nft's syntax (counter values filled in)."""
    return " ".join(_one(e, packets, bytes_) for e in exprs)


def describe_rule(rule: Any) -> str:
    """A rule as traces quote it: iptables' form for an iptables rule (``-s 10.0.0.0/8 -j DROP``),
    nft's for a native one (``ip saddr 10.0.0.0/8 drop``), counters left out."""
    from simnet.kernel.netfilter import describe_xt

    text = rule.text
    if text is None:
        if rule.xt is not None:
            text = describe_xt(rule.xt)
        else:
            text = " ".join(_one(e, 0, 0) for e in rule.exprs if not isinstance(e, E.Counter))
        rule.text = text
    return text
