"""Native expressions back to nft's words, the way nft 1.0.6 lists them (traces quote them too).

nft prints what the kernel holds, not what was typed: a protocol match that a
later ``tcp dport`` or ``icmp type`` implies is left out, ``/32`` is dropped,
set elements come sorted (an interval set keeps no element inside another),
``ct state`` words in bit order, ``reject with icmp type port-unreachable`` is
plain ``reject``, a limit's default burst of 5 is not shown. ``numeric`` is
``nft -n`` (numbers for protocol, ICMP and state names), ``stateless`` is
``nft -s`` (``counter`` without values). iptables payloads are not rendered
here: iptables shows its own form (:func:`simnet.kernel.netfilter.describe_xt`),
``nft list`` translates them in :mod:`simnet.commands.nft`.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any

from simnet.kernel.nftables import expr as E

__all__ = ["render_exprs", "render_value", "render_set", "describe_rule", "implied", "order_key", "ordered", "render_map", "SET_KEYS"]

# the selector whose values a set of this type holds (for printing its elements)
SET_KEYS = {"ipv4_addr": "ip saddr", "ipv6_addr": "ip6 saddr", "inet_service": "tcp dport",
            "inet_proto": "meta l4proto", "ifname": "iifname", "mark": "meta mark", "ether_addr": "ether saddr",
            "ct_state": "ct state", "icmp_type": "icmp type", "icmpv6_type": "icmpv6 type"}

_PROTO_NAMES = {v: k for k, v in E.PROTOCOLS.items()} | {58: "ipv6-icmp"}     # getprotobynumber(58)
_TYPE_NAMES = {"icmp type": {v: k for k, v in E.ICMP_TYPES.items()},
               "icmpv6 type": {v: k for k, v in E.ICMPV6_TYPES.items()}}
_TYPE_NUMBERS = {"icmp type": E.ICMP_TYPES, "icmpv6 type": E.ICMPV6_TYPES}
_PROTO_KEYS = ("meta l4proto", "ip protocol", "ip6 nexthdr")
_NAME_KEYS = ("iifname", "oifname", "iif", "oif")


def _scalar(key: str, v: Any, numeric: bool) -> str:
    if isinstance(v, (IPv4Network, IPv6Network)):
        return str(v.network_address) if v.prefixlen == v.max_prefixlen else str(v)
    if isinstance(v, (IPv4Address, IPv6Address)):
        return str(v)
    if key in _NAME_KEYS:
        return f'"{v}"'
    if key in _PROTO_KEYS:
        num = E.PROTOCOLS.get(v, v) if isinstance(v, str) else v
        return str(num) if numeric or not isinstance(num, int) else _PROTO_NAMES.get(num, str(num))
    if key in _TYPE_NAMES:
        num = _TYPE_NUMBERS[key].get(v, v) if isinstance(v, str) else v
        return str(num) if numeric or not isinstance(num, int) else _TYPE_NAMES[key].get(num, str(num))
    if key == "ct state" and numeric and v in E.CT_STATES:
        return f"0x{E.CT_STATES[v]:x}"
    if key in ("meta mark", "ct mark") and isinstance(v, int) and not isinstance(v, bool):
        return f"0x{v:08x}"
    return str(v)


def _order(key: str, v: Any) -> tuple[int, Any]:
    """Where nft puts an element when it lists a set: by value (names by their number)."""
    if isinstance(v, E.Range):
        v = v.lo
    if isinstance(v, (IPv4Network, IPv6Network)):
        return (0, int(v.network_address))
    if isinstance(v, (IPv4Address, IPv6Address)):
        return (0, int(v))
    table = (E.CT_STATES if key == "ct state" else E.CT_STATUS if key == "ct status" else
             E.PROTOCOLS if key in _PROTO_KEYS else _TYPE_NUMBERS.get(key, {}))
    if isinstance(v, str) and v in table:
        return (0, table[v])
    if isinstance(v, int):
        return (0, v)
    return (1, str(v))


def _element(key: str, e: Any, numeric: bool) -> str:
    if isinstance(e, E.Range):
        return f"{_scalar(key, e.lo, numeric)}-{_scalar(key, e.hi, numeric)}"
    return _scalar(key, e, numeric)


def _merged(elements: tuple[Any, ...]) -> list[Any]:
    """An interval set keeps no element inside another (``{ 10.0.0.1, 10.0.0.0/24 }`` → the /24)."""
    nets = [e for e in elements if isinstance(e, (IPv4Network, IPv6Network))]
    return [e for e in elements if not any(o is not e and type(o) is type(e) and e != o and e.subnet_of(o)  # type: ignore[arg-type]
                                           for o in nets)]


def order_key(key: str, element: Any) -> tuple[int, Any]:
    """Where nft lists ``element`` among a set's (or a map's keys)."""
    return _order(key, element)


def ordered(key: str, elements: tuple[Any, ...]) -> list[Any]:
    """A set's elements in the order nft lists them (merged where one holds another)."""
    return sorted(_merged(elements), key=lambda e: _order(key, e))


def render_value(key: str, value: Any, numeric: bool = False) -> str:
    """A Cmp's value as nft prints it: ``{ 22, 80 }``, ``@blocked``, ``established,related``."""
    if isinstance(value, E.SetRef):
        return f"@{value.name}"
    if isinstance(value, E.AnonSet):
        return "{ " + ", ".join(_element(key, e, numeric) for e in ordered(key, value.elements)) + " }"
    if isinstance(value, tuple):
        return ",".join(_element(key, e, numeric) for e in sorted(value, key=lambda e: _order(key, e)))
    return _element(key, value, numeric)


def render_map(key: str, data_key: str, pairs: Any, numeric: bool = False) -> str:
    """``{ KEY : DATA, … }`` in key order; DATA is a verdict or a value of ``data_key``'s type."""
    def data(d: Any) -> str:
        return _one(d, "ip", 0, 0, numeric, True) if isinstance(d, E.Verdict) else _element(data_key, d, numeric)

    ordered_pairs = sorted(pairs, key=lambda pair: _order(key, pair[0]))
    return "{ " + ", ".join(f"{_element(key, k, numeric)} : {data(d)}" for k, d in ordered_pairs) + " }"


def render_set(s: Any, indent: str = "\t", handles: bool = False, numeric: bool = False) -> list[str]:
    """A named set or map block as ``nft list`` prints it (type, flags, elements in nft's order)."""
    kind, type_ = ("map", f"{s.type} : {s.data}") if s.data else ("set", s.type)
    lines = [f"{indent}{kind} {s.name} {{" + (f" # handle {s.handle}" if handles else ""), f"{indent}\ttype {type_}"]
    if s.flags:
        lines.append(f"{indent}\tflags {','.join(s.flags)}")
    if s.elements and s.data:
        value = render_map(SET_KEYS.get(s.type, ""), SET_KEYS.get(s.data, ""), s.elements, numeric)
        lines.append(f"{indent}\telements = {value}")
    elif s.elements:
        value = render_value(SET_KEYS.get(s.type, ""), E.AnonSet(tuple(s.elements)), numeric)
        lines.append(f"{indent}\telements = {value}")
    lines.append(f"{indent}}}")
    return lines


def implied(exprs: tuple[Any, ...], i: int, family: str) -> bool:
    """Is exprs[i] a protocol match nft leaves out because what follows implies it
    (``meta l4proto tcp tcp dport 22`` lists as ``tcp dport 22``)?"""
    e = exprs[i]
    if type(e) is not E.Cmp or e.op != "==" or e.key not in ("meta l4proto", "ip protocol") or e.mask is not None:
        return False
    if not isinstance(e.value, str):
        return False
    for later in exprs[i + 1:]:
        if type(later) is E.Cmp and later.key.split()[0] == e.value:
            return True
        if type(later) is E.Reject and later.family == "tcp" and e.value == "tcp" and family != "inet":
            return True
    return False


def _reject(e: E.Reject, family: str, numeric: bool) -> str:
    if e.family == "tcp":
        return "reject with tcp reset"
    default = {"inet": "icmpx", "ip6": "icmpv6"}.get(family, "icmp")
    if e.kind in (None, "port-unreachable") and e.family in (None, default):
        return "reject"
    fam = e.family or default
    code = str(E.REJECT_CODES[fam].get(e.kind or "", e.kind)) if numeric else e.kind
    return f"reject with {fam} {code}"


def _nat(e: E.Nat) -> str:
    text = e.kind
    if e.kind in ("snat", "dnat") and e.addr_map is not None:
        m = e.addr_map
        target = f"@{m.ref}" if m.ref is not None else render_map(m.key, "ip daddr", m.elements)
        text += (f" {e.family} to" if e.family else " to") + f" {m.key} map {target}"
    elif e.kind in ("snat", "dnat"):
        addr = e.addr or ""
        if e.port and ":" in addr:
            addr = f"[{addr}]"              # an IPv6 address before its port
        text += (f" {e.family} to" if e.family else " to") + f" {addr}" + (f":{e.port}" if e.port else "")
    elif e.port:
        text += f" to :{e.port}"
    return " ".join((text,) + e.flags)


def _log(e: E.Log) -> str:
    text = "log"
    if e.prefix is not None:
        text += f' prefix "{e.prefix}"'
    if e.level not in (None, "warn"):
        text += f" level {e.level}"
    for f in e.flags:
        text += f" flags {f}"
    return text


def _limit(e: E.Limit) -> str:
    text = "limit rate " + ("over " if e.over else "")
    if e.per_bytes:
        return text + f"{e.rate} {e.per_bytes}/{e.unit}" + (f" burst {e.burst} bytes" if e.burst else "")
    return text + f"{e.rate}/{e.unit}" + (f" burst {e.burst} packets" if e.burst not in (None, 5) else "")


def _one(e: Any, family: str, packets: int, bytes_: int, numeric: bool, stateless: bool) -> str:
    kind = type(e)
    if kind is E.Cmp:
        value = render_value(e.key, e.value, numeric)
        if e.mask is not None:
            return f"{e.key} & 0x{e.mask:08x} {e.op} {value}"
        return f"{e.key} {'' if e.op == '==' else e.op + ' '}{value}"
    if kind is E.Vmap:
        if e.ref is not None:
            return f"{e.key} vmap @{e.ref}"
        return f"{e.key} vmap {render_map(e.key, '', e.elements, numeric)}"
    if kind is E.Counter:
        return "counter" if stateless else f"counter packets {packets} bytes {bytes_}"
    if kind is E.Verdict:
        return f"{e.kind} {e.chain}" if e.chain else e.kind
    if kind is E.Reject:
        return _reject(e, family, numeric)
    if kind is E.Nat:
        return _nat(e)
    if kind is E.Log:
        return _log(e)
    if kind is E.Limit:
        return _limit(e)
    if kind is E.MetaSet:
        return f"{e.key} set 0x{e.value:08x}"
    if kind is E.Notrack:
        return "notrack"
    return str(e)


def render_exprs(exprs: tuple[Any, ...], packets: int = 0, bytes_: int = 0, family: str = "ip",
                 numeric: bool = False, stateless: bool = False) -> str:
    """A native rule's expressions as ``nft list`` prints them in a table of ``family``."""
    return " ".join(_one(e, family, packets, bytes_, numeric, stateless)
                    for i, e in enumerate(exprs) if not implied(exprs, i, family))


def describe_rule(rule: Any, family: str = "ip") -> str:
    """A rule as traces quote it: iptables' form for an iptables rule (``-s 10.0.0.0/8 -j DROP``),
    nft's for a native one (``ip saddr 10.0.0.0/8 drop``, as listed in a table of ``family``),
    counters left out."""
    from simnet.kernel.netfilter import describe_xt

    text = rule.text
    if text is None:
        if rule.xt is not None:
            text = describe_xt(rule.xt)
        else:
            text = render_exprs(tuple(e for e in rule.exprs if type(e) is not E.Counter), family=family)
        rule.text = text
    return text
