"""How nft (1.0.6) shows the rules iptables-nft created, and which tables it warns about.

iptables 1.8.9 stores its rules in nf_tables with compat (xt) expressions;
nft translates them into its own syntax. The ``nft`` program itself is
:mod:`simnet.commands.nft_cli`.
"""
from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from simnet.commands.iptables_ext import nft_ext, nft_target_ext
from simnet.kernel.nftables import Rule, Table, render_exprs

__all__ = ["render_rule", "uses_compat"]

ICMP = {"0": "echo-reply", "3": "destination-unreachable", "8": "echo-request", "11": "time-exceeded",
        "5": "redirect"}
REJECT = {"icmp-port-unreachable": "", "icmp-net-unreachable": " with icmp type net-unreachable",
          "icmp-host-unreachable": " with icmp type host-unreachable",
          "icmp-proto-unreachable": " with icmp type prot-unreachable",
          "icmp-net-prohibited": " with icmp type net-prohibited", "icmp-host-prohibited": " with icmp type host-prohibited",
          "icmp-admin-prohibited": " with icmp type admin-prohibited", "tcp-reset": " with tcp reset"}


ICMPV6 = {"1": "destination-unreachable", "2": "packet-too-big", "3": "time-exceeded", "4": "parameter-problem",
          "128": "echo-request", "129": "echo-reply", "130": "mld-listener-query", "131": "mld-listener-report",
          "132": "mld-listener-done", "133": "nd-router-solicit", "134": "nd-router-advert",
          "135": "nd-neighbor-solicit", "136": "nd-neighbor-advert", "137": "nd-redirect"}
REJECT.update({"icmp6-port-unreachable": "", "icmp6-no-route": " with icmpv6 type no-route",
               "icmp6-adm-prohibited": " with icmpv6 type admin-prohibited",
               "icmp6-addr-unreachable": " with icmpv6 type addr-unreachable",
               "icmp6-policy-fail": " with icmpv6 type policy-fail",
               "icmp6-reject-route": " with icmpv6 type reject-route"})


NFT_LOG_LEVELS = {"0": "emerg", "1": "alert", "2": "crit", "3": "err", "4": "warn", "5": "notice", "6": "info",
                  "7": "debug"}


def _addr(net: IPv4Network | IPv6Network) -> str:
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


def _iface(name: str) -> str:
    return '"' + (name[:-1] + "*" if name.endswith("+") else name) + '"'


def _mark(value: str) -> tuple[int, int]:
    v, _, m = value.partition("/")
    return int(v, 0), int(m, 0) if m else 0xFFFFFFFF


def render_rule(entry: Rule, family: str = "ip") -> str:
    """One rule in nft's words: native expressions as they are, an iptables rule translated
    the way nft 1.0.6 shows what iptables-nft wrote."""
    rule = entry.xt
    if rule is None:
        text = render_exprs(entry.exprs, entry.packets, entry.bytes, family)
        return text + (f' comment "{entry.comment}"' if entry.comment is not None else "")
    parts: list[str] = []
    ne = lambda neg: "!= " if neg else ""  # noqa: E731
    if rule.in_iface:
        parts.append(f"iifname {ne(rule.in_neg)}{_iface(rule.in_iface)}")
    if rule.out_iface:
        parts.append(f"oifname {ne(rule.out_neg)}{_iface(rule.out_iface)}")
    # iptables-nft emits meta l4proto before the addresses; nft drops it where a tcp/udp header match implies it
    port_matches = [m for m in rule.matches if m.module in ("tcp", "udp") and m.options]
    if rule.proto and not port_matches:
        parts.append(f"meta l4proto {ne(rule.proto_neg)}{rule.proto}")
    ip = "ip6" if family == "ip6" else "ip"
    if rule.src is not None:
        parts.append(f"{ip} saddr {ne(rule.src_neg)}{_addr(rule.src)}")
    if rule.dst is not None:
        parts.append(f"{ip} daddr {ne(rule.dst_neg)}{_addr(rule.dst)}")
    comment = None
    for m in rule.matches:
        ext = nft_ext(m, rule.proto)
        if ext is not None:
            parts.append(ext)
            continue
        for name, value, neg in m.options:
            if m.module in ("tcp", "udp") and name in ("dport", "sport"):
                lo, _, hi = value.partition(":")
                if hi and lo == "0" and not neg:
                    parts.append(f"{m.module} {name} <= {hi}")
                else:
                    parts.append(f"{m.module} {name} {ne(neg)}{value.replace(':', '-')}")
            elif m.module == "tcp" and name == "tcp-flags":
                mask, _, comp = value.partition(" ")
                low = lambda names: ",".join(n.lower() for n in names.split(","))  # noqa: E731
                parts.append(f"tcp flags {ne(neg)}{low(comp)} / {low(mask)}")
            elif m.module == "multiport":
                key = "dport" if "d" in name[:1] or name.startswith("destination") else "sport"
                vals = ", ".join(v.replace(":", "-") for v in value.split(","))
                parts.append(f"{rule.proto} {key} {{ {vals} }}")
            elif m.module == "icmp6" and name == "icmpv6-type":
                t = ICMPV6.get(value) if not neg else None
                parts.append(f"icmpv6 type {t}" if t else "xt match icmp6")
            elif m.module == "icmp" and name == "icmp-type":
                if value == "any":
                    parts.append("ip protocol icmp")
                elif "/" in value:
                    parts.append("xt match icmp")
                else:
                    parts.append(f"icmp type {ne(neg)}{ICMP.get(value, value)}")
            elif m.module in ("conntrack", "state") and name in ("ctstate", "state"):
                parts.append(f"ct state {'! ' if neg else ''}{value.lower()}")
            elif m.module == "mark" and name == "mark":
                bits, bitmask = _mark(value)
                op = "!=" if neg else "=="
                parts.append(f"meta mark & 0x{bitmask:08x} {op} 0x{bits:08x}" if bitmask != 0xFFFFFFFF
                             else f"meta mark {ne(neg)}0x{bits:08x}")
            elif m.module == "comment":
                comment = value
    parts.append("counter packets {} bytes {}".format(entry.packets, entry.bytes))
    t = rule.target
    opts = dict(rule.target_options)
    if t in ("ACCEPT", "DROP", "RETURN"):
        parts.append(t.lower())
    elif t == "REJECT":
        parts.append("reject" + REJECT.get(opts.get("reject-with", "icmp-port-unreachable"), ""))
    elif t == "MASQUERADE":
        parts.append("masquerade" + (f" to :{opts['to-ports']}" if "to-ports" in opts else "")
                     + (" random" if "random" in opts else "") + (" fully-random" if "random-fully" in opts else ""))
    elif t == "NOTRACK":
        parts.append("notrack")
    elif t == "REDIRECT":
        parts.append("redirect" + (f" to :{opts['to-ports']}" if "to-ports" in opts else ""))
    elif t == "SNAT":
        parts.append(f"snat to {opts.get('to-source', '')}")
    elif t == "DNAT":
        parts.append(f"dnat to {opts.get('to-destination', '')}")
    elif t == "LOG":
        text = "log" + (f' prefix "{opts["log-prefix"]}"' if "log-prefix" in opts else "")
        if "log-level" in opts:
            text += " level " + NFT_LOG_LEVELS.get(opts["log-level"], opts["log-level"])
        for flag, word in (("log-tcp-sequence", "tcp sequence"), ("log-tcp-options", "tcp options"),
                           ("log-ip-options", "ip options"), ("log-uid", "skuid"), ("log-macdecode", "ether")):
            if flag in opts:
                text += f" flags {word}"
        parts.append(text)
    elif nft_target_ext(t or "", opts) is not None:
        parts.append(nft_target_ext(t or "", opts) or "")
    elif t is not None:
        parts.append(("goto " if rule.goto else "jump ") + t)
    text = " ".join(parts)
    if comment is not None:
        # nft shows the xt comment match as an empty expression (two spaces) in 1.0.6
        text = text.replace("counter packets", " counter packets", 1)
    return text


# (checked one rule at a time against nft 1.0.6: tcp/udp ports and flags, mark and limit are native)
COMPAT_MATCHES = {"state", "conntrack", "comment", "multiport", "addrtype", "connmark", "iprange", "mac", "icmp",
                  "icmp6",
                  "length", "ttl", "pkttype", "owner"}
COMPAT_TARGETS = {"MASQUERADE", "SNAT", "DNAT", "REDIRECT", "LOG", "REJECT", "CONNMARK", "TCPMSS", "NFLOG", "MARK",
                  "NOTRACK", "CT"}


def uses_compat(table: Table) -> bool:
    """nft warns about tables holding iptables' compat (xt) expressions."""
    for ch in table.chains.values():
        for entry in ch.rules:
            r = entry.xt
            if r is None:
                continue
            if r.target in COMPAT_TARGETS or any(m.module in COMPAT_MATCHES for m in r.matches):
                return True
    return False
