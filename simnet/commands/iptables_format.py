"""How iptables 1.8.9 (nf_tables) prints rules: ``-S``/``iptables-save`` and ``-L``."""
from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from simnet.commands.iptables_ext import list_ext, list_target_ext
from simnet.commands.services import service_name
from simnet.kernel.netfilter import CT_ORDER, XtRule, describe_xt
from simnet.kernel.nftables import Chain, Rule

__all__ = ["rule_spec", "list_chain", "echo_rule", "CT_ORDER", "PROTO_NUM", "ICMP_NAMES"]

PROTO_NUM = {"icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "sctp": 132, "all": 0}
NUM_PROTO = {v: k for k, v in PROTO_NUM.items()}
ICMP_NAMES = {0: "echo-reply", 3: "destination-unreachable", 8: "echo-request", 11: "time-exceeded",
              5: "redirect", 4: "source-quench", 12: "parameter-problem"}
LOG_FLAG_BITS = {"log-tcp-sequence": 1, "log-tcp-options": 2, "log-ip-options": 4, "log-uid": 8,
                 "log-macdecode": 32}
LOG_LEVELS = {"0": "emerg", "1": "alert", "2": "crit", "3": "err", "4": "warn", "5": "notice", "6": "info",
              "7": "debug"}


def rule_spec(rule: Rule, counters: bool = False) -> str:
    """The canonical ``-S`` form after ``-A CHAIN`` (one definition, in the model)."""
    assert rule.xt is not None
    return describe_xt(rule.xt, (rule.packets, rule.bytes) if counters else None)


# ------------------------------------------------------------------ -L
# what a Debian box resolves without DNS: /etc/hosts and /etc/networks
HOST_NAMES = {"127.0.0.1": "localhost"}
NET_NAMES = {"127.0.0.0": "loopback", "169.254.0.0": "link-local"}


def _addr(net: IPv4Network | IPv6Network | None, numeric: bool, v6: bool = False) -> str:
    if net is None or net.prefixlen == 0:
        return ("::/0" if v6 else "0.0.0.0/0") if numeric else "anywhere"
    addr = str(net.network_address)
    if net.prefixlen == net.max_prefixlen:
        return addr if numeric else HOST_NAMES.get(addr, addr)
    if not numeric and addr in NET_NAMES:
        return f"{NET_NAMES[addr]}/{net.prefixlen}"
    return str(net)


def _port(value: str, numeric: bool, proto: str = "tcp") -> str:
    def one(p: str) -> str:
        if numeric or not p.isdigit():
            return p
        return service_name(int(p), proto) or p
    return ":".join(one(p) for p in value.split(":"))


def _extras(rule: XtRule, numeric: bool, v6: bool = False) -> str:
    out: list[str] = []
    for m in rule.matches:
        if m.module in ("tcp", "udp"):
            out.append(_l4_print(m, numeric))
            continue
        ext = list_ext(m, numeric)
        if ext is not None:
            out.append(ext)
            continue
        for name, value, neg in m.options:
            bang = "!" if neg else ""
            if m.module == "multiport":
                kind = {"dports": "dports", "destination-ports": "dports", "sports": "sports",
                        "source-ports": "sports", "ports": "ports"}.get(name, name)
                val = ",".join(_port(v, numeric, rule.proto or "tcp") for v in value.split(","))
                out.append(f"multiport {kind} {bang}{val}")
            elif m.module == "icmp" and name == "icmp-type":
                out.append(_icmp_print(_icmp_num(value), neg, numeric))
            elif m.module == "icmp6" and name == "icmpv6-type":
                out.append(_icmp6_print(value, neg, numeric))
            elif m.module in ("conntrack", "state") and name in ("ctstate", "state"):
                states = ",".join(s for s in CT_ORDER if s in value.split(","))
                out.append(("! " if neg else "") + ("ctstate " if m.module == "conntrack" else "state ") + states)
            elif m.module == "comment":
                out.append(f"/* {value} */")
            elif m.module == "mark" and name == "mark":
                out.append(f"{bang}mark match {value}")
            elif m.module == "addrtype":
                out.append(f"ADDRTYPE match {'src-type' if name == 'src-type' else 'dst-type'} {bang}{value}")
    t = rule.target or ""
    opts = dict(rule.target_options)
    if t == "REJECT":
        out.append(f"reject-with {opts.get('reject-with', 'icmp-port-unreachable')}")
    elif t == "LOG":
        level = opts.get("log-level", "4")
        flags = sum(bit for name, bit in LOG_FLAG_BITS.items() if name in opts)
        text = f"LOG flags {flags} level {level}" if numeric else f"LOG level {LOG_LEVELS.get(level, level)}" + \
            "".join(" " + name[4:] for name in LOG_FLAG_BITS if name in opts)
        if "log-prefix" in opts:
            text += f' prefix "{opts["log-prefix"]}"'
        out.append(text)
    elif t == "SNAT":
        out.append(f"to:{opts.get('to-source', '')}")
    elif t == "DNAT":
        out.append(f"to:{opts.get('to-destination', '')}")
    elif t == "MASQUERADE":
        if "to-ports" in opts:
            out.append(f"masq ports: {opts['to-ports']}")
        if "random" in opts:
            out.append("random")
    elif t == "REDIRECT" and "to-ports" in opts:
        out.append(f"redir ports {opts['to-ports']}")
    elif list_target_ext(t, opts) is not None:
        out.append(list_target_ext(t, opts) or "")
    return " ".join(out)


def _l4_print(m, numeric: bool) -> str:
    """libxt_tcp/udp print: the module name once, then its options (``tcp spts:1024:65535 dpt:22``)."""
    parts = [m.module]
    for name, value, neg in m.options:
        bang = "!" if neg else ""
        if name in ("dport", "destination-port", "sport", "source-port"):
            kind = ("dpt" if name.startswith("d") else "spt") + ("s" if ":" in value else "")
            parts.append(f"{kind}:{bang}{_port(value, numeric, m.module)}")
        elif name == "tcp-flags":
            parts.append(f"flags:{bang}{_tcp_flags(value) if numeric else value.replace(' ', '/')}")
    return " ".join(parts)


TCP_FLAG_BITS = {"FIN": 1, "SYN": 2, "RST": 4, "PSH": 8, "ACK": 16, "URG": 32}


def _tcp_flags(value: str) -> str:
    mask, _, comp = value.partition(" ")

    def bits(names: str) -> int:
        if names == "ALL":
            return 0x3F
        return sum(TCP_FLAG_BITS.get(n, 0) for n in names.split(",")) if names != "NONE" else 0
    return f"0x{bits(mask):02x}/0x{bits(comp):02x}"


def _icmp_print(num: str, neg: bool, numeric: bool) -> str:
    """libxt_icmp: a name unless -n, else ``icmptype 3 code 1`` (``icmp !type 0`` when negated)."""
    if num == "any":
        return f"icmp {'!' if neg else ''}any" if not numeric else f"icmp{' !' if neg else ''}type 255"
    t, _, c = num.partition("/")
    if not numeric:
        name = ICMP_CODE_NAMES.get((int(t), int(c) if c else None))
        if name:
            return f"icmp {'!' if neg else ''}{name}"
    return f"icmp{' !' if neg else ''}type {t}" + (f" code {c}" if c else "")


def _icmp6_names() -> dict[tuple[int, int | None], str]:
    from simnet.kernel.netfilter import ICMPV6_TYPE_NAMES

    names: dict[tuple[int, int | None], str] = {}
    for name, key in ICMPV6_TYPE_NAMES.items():
        names.setdefault(key, name)          # the first name is libxt_icmp6's own, the rest aliases
    return names


def _icmp6_print(num: str, neg: bool, numeric: bool) -> str:
    """libxt_icmp6: ``ipv6-icmp NAME`` unless -n, else ``ipv6-icmptype 1 code 3``."""
    t, _, c = num.partition("/")
    if not numeric:
        name = _icmp6_names().get((int(t), int(c) if c else None))
        if name:
            return f"ipv6-icmp {'!' if neg else ''}{name}"
    if neg:
        return f"ipv6-icmp !type {t}" + (f" code {c}" if c else "")
    return f"ipv6-icmptype {t}" + (f" code {c}" if c else "")


ICMP_CODE_NAMES = {(0, None): "echo-reply", (3, None): "destination-unreachable", (3, 0): "network-unreachable",
                   (3, 1): "host-unreachable", (3, 2): "protocol-unreachable", (3, 3): "port-unreachable",
                   (8, None): "echo-request", (11, None): "time-exceeded", (11, 0): "ttl-zero-during-transit",
                   (5, None): "redirect", (4, None): "source-quench", (12, None): "parameter-problem",
                   (13, None): "timestamp-request", (14, None): "timestamp-reply"}


def echo_rule(rule: XtRule, v6: bool = False) -> str:
    """What ``iptables -A ... -v`` prints before adding a rule (print_firewall with FMT_PRINT_RULE)."""
    def iface(name: str | None, neg: bool) -> str:
        return ("!" if neg else "") + (name or "*")

    def addr(net: IPv4Network | IPv6Network | None, neg: bool) -> str:
        return ("!" if neg else "") + _addr(net, True, v6)
    proto = rule.proto or "all"
    if proto.isdigit():
        proto = NUM_PROTO.get(int(proto), proto)
    line = (f"{rule.target or ''} {'!' if rule.proto_neg else ' '}{proto} opt -- "
            f"in {iface(rule.in_iface, rule.in_neg)} out {iface(rule.out_iface, rule.out_neg)}  "
            f"{addr(rule.src, rule.src_neg)}  -> {addr(rule.dst, rule.dst_neg)}  ")
    extras = _extras(rule, True, v6)
    return line + (" " + extras if extras else "")


def _icmp_num(value: str) -> str:
    from simnet.kernel.netfilter import ICMP_TYPE_NAMES

    if value.replace("/", "").isdigit():
        return value
    t, c = ICMP_TYPE_NAMES.get(value, (None, None))
    if t is None:
        return value
    return f"{t}/{c}" if c is not None else str(t)


def _human(n: int) -> str:
    """xtables_print_num: up to 99999 as is, then rounded thousands (K, M, G, T)."""
    if n <= 99999:
        return str(n)
    for unit in ("K", "M", "G", "T"):
        n = (n + 500) // 1000
        if n <= 9999:
            return f"{n}{unit}"
    return f"{n}P"


def list_chain(refs: int, name: str, chain: Chain, numeric: bool, verbose: bool, exact: bool,
               line_numbers: bool, v6: bool = False) -> list[str]:
    """The lines of one chain block (header, column line, rules)."""
    if chain.builtin:
        head = f"Chain {name} (policy {chain.policy}"
        if verbose:
            pk = chain.packets if exact else _human(chain.packets)
            by = chain.bytes if exact else _human(chain.bytes)
            head += f" {pk} packets, {by} bytes"
        head += ")"
    else:
        head = f"Chain {name} ({refs} references)"
    cols = ""
    if line_numbers:
        cols += "num  "
    if verbose:
        cols += "    pkts      bytes " if exact else " pkts bytes "
    cols += "target     prot opt "
    if verbose:
        cols += "in     out     "
    cols += "source               destination         "
    lines = [head, cols]
    for i, entry in enumerate(chain.rules, 1):
        rule = entry.xt
        assert rule is not None
        row = f"{i:<4} " if line_numbers else ""
        if verbose:
            row += f"{entry.packets:>8} {entry.bytes:>8} " if exact else \
                f"{_human(entry.packets):>5} {_human(entry.bytes):>5} "
        target = rule.target or ""
        row += f"{target:<9} "
        proto = rule.proto or "all"
        if numeric:
            proto = str(PROTO_NUM.get(proto, proto))
        elif proto.isdigit():
            proto = NUM_PROTO.get(int(proto), proto)
        row += ("!" if rule.proto_neg else " ") + f"{proto:<4} "
        row += f"{'--':<3}"
        if verbose:
            any_if = "*" if numeric else "any"
            in_if = ("!" if rule.in_neg else "") + (rule.in_iface or any_if)
            out_if = ("!" if rule.out_neg else "") + (rule.out_iface or any_if)
            row += f" {in_if:<6} {out_if:<6} "
        row += ("!" if rule.src_neg else " ") + f"{_addr(rule.src, numeric, v6):<20}"
        row += ("!" if rule.dst_neg else " ") + f"{_addr(rule.dst, numeric, v6):<20}"
        if rule.goto:
            row += "[goto] "
        extras = _extras(rule, numeric, v6)
        if extras:
            row += " " + extras
        lines.append(row)
    return lines
