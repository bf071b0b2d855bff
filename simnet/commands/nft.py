"""``nft list ruleset`` (nftables 1.0.6) showing the rules iptables-nft created.

iptables 1.8.9 stores its rules in nf_tables; nft prints them in its own
syntax. Only base chains a command has used exist there, in creation order.
"""
from __future__ import annotations

from ipaddress import IPv4Network

from simnet.commands.base import Context
from simnet.kernel.netfilter import Rule, Table

__all__ = ["main", "render_table"]

HOOKS = {"PREROUTING": "prerouting", "INPUT": "input", "FORWARD": "forward", "OUTPUT": "output",
         "POSTROUTING": "postrouting"}
PRIORITY = {("filter", "*"): "filter", ("nat", "PREROUTING"): "dstnat", ("nat", "POSTROUTING"): "srcnat",
            ("nat", "OUTPUT"): "-100", ("nat", "INPUT"): "100", ("mangle", "*"): "mangle", ("raw", "*"): "raw",
            ("security", "*"): "50"}
ICMP = {"0": "echo-reply", "3": "destination-unreachable", "8": "echo-request", "11": "time-exceeded",
        "5": "redirect"}
REJECT = {"icmp-port-unreachable": "", "icmp-net-unreachable": " with icmp net-unreachable",
          "icmp-host-unreachable": " with icmp host-unreachable", "icmp-proto-unreachable": " with icmp prot-unreachable",
          "icmp-net-prohibited": " with icmp net-prohibited", "icmp-host-prohibited": " with icmp host-prohibited",
          "icmp-admin-prohibited": " with icmp admin-prohibited", "tcp-reset": " with tcp reset"}


def _addr(net: IPv4Network) -> str:
    return str(net.network_address) if net.prefixlen == 32 else str(net)


def _iface(name: str) -> str:
    return '"' + (name[:-1] + "*" if name.endswith("+") else name) + '"'


def _mark(value: str) -> tuple[int, int]:
    v, _, m = value.partition("/")
    return int(v, 0), int(m, 0) if m else 0xFFFFFFFF


def render_rule(rule: Rule) -> str:
    parts: list[str] = []
    ne = lambda neg: "!= " if neg else ""  # noqa: E731
    if rule.in_iface:
        parts.append(f"iifname {ne(rule.in_neg)}{_iface(rule.in_iface)}")
    if rule.out_iface:
        parts.append(f"oifname {ne(rule.out_neg)}{_iface(rule.out_iface)}")
    if rule.src is not None:
        parts.append(f"ip saddr {ne(rule.src_neg)}{_addr(rule.src)}")
    if rule.dst is not None:
        parts.append(f"ip daddr {ne(rule.dst_neg)}{_addr(rule.dst)}")
    port_matches = [m for m in rule.matches if m.module in ("tcp", "udp") and m.options]
    if rule.proto and rule.proto != "all" and not port_matches:
        parts.append(f"meta l4proto {ne(rule.proto_neg)}{rule.proto}")
    comment = None
    for m in rule.matches:
        for name, value, neg in m.options:
            if m.module in ("tcp", "udp") and name in ("dport", "sport"):
                val = value.replace(":", "-")
                parts.append(f"{m.module} {name} {ne(neg)}{val}")
            elif m.module == "multiport":
                key = "dport" if "d" in name[:1] or name.startswith("destination") else "sport"
                vals = ", ".join(v.replace(":", "-") for v in value.split(","))
                parts.append(f"{rule.proto} {key} {{ {vals} }}")
            elif m.module == "icmp" and name == "icmp-type":
                parts.append(f"icmp type {ICMP.get(value, value)}")
            elif m.module in ("conntrack", "state") and name in ("ctstate", "state"):
                parts.append(f"ct state {ne(neg)}{value.lower()}")
            elif m.module == "mark" and name == "mark":
                v, mask = _mark(value)
                parts.append(f"meta mark & 0x{mask:08x} == 0x{v:08x}" if mask != 0xFFFFFFFF else f"meta mark 0x{v:08x}")
            elif m.module == "comment":
                comment = value
    parts.append("counter packets {} bytes {}".format(rule.packets, rule.bytes))
    t = rule.target
    opts = dict(rule.target_options)
    if t in ("ACCEPT", "DROP", "RETURN"):
        parts.append(t.lower())
    elif t == "REJECT":
        parts.append("reject" + REJECT.get(opts.get("reject-with", "icmp-port-unreachable"), ""))
    elif t == "MASQUERADE":
        parts.append("masquerade" + (f" to :{opts['to-ports']}" if "to-ports" in opts else ""))
    elif t == "SNAT":
        parts.append(f"snat to {opts.get('to-source', '')}")
    elif t == "DNAT":
        parts.append(f"dnat to {opts.get('to-destination', '')}")
    elif t == "LOG":
        parts.append("log" + (f' prefix "{opts["log-prefix"]}"' if "log-prefix" in opts else ""))
    elif t == "MARK":
        v, mask = _mark(opts.get("set-xmark", "0/0xffffffff"))
        parts.append(f"meta mark set mark and 0x{(~mask) & 0xFFFFFFFF:x} xor 0x{v:x}")
    elif t is not None:
        parts.append(("goto " if rule.goto else "jump ") + t)
    text = " ".join(parts)
    if comment is not None:
        # nft shows the xt comment match as an empty expression (two spaces) in 1.0.6
        text = text.replace("counter packets", " counter packets", 1)
    return text


COMPAT_MATCHES = {"state", "conntrack", "comment", "multiport", "addrtype", "limit", "connmark", "iprange"}
COMPAT_TARGETS = {"MASQUERADE", "SNAT", "DNAT", "REDIRECT", "LOG", "REJECT", "CONNMARK", "TCPMSS", "NFLOG"}


def uses_compat(table: Table) -> bool:
    """nft warns about tables holding iptables' compat (xt) expressions."""
    for ch in table.chains.values():
        for r in ch.rules:
            if r.target in COMPAT_TARGETS or any(m.module in COMPAT_MATCHES for m in r.matches):
                return True
    return False


def render_table(table: Table) -> list[str]:
    order = table.__dict__.get("nft_order", [])
    lines = [f"table ip {table.name} {{"]
    blocks = []
    for name in order:
        ch = table.chains.get(name)
        if ch is None:
            continue
        block = [f"\tchain {name} {{"]
        if ch.builtin:
            prio = PRIORITY.get((table.name, name)) or PRIORITY.get((table.name, "*"), "0")
            kind = "nat" if table.name == "nat" else ("route" if table.name == "mangle" and name == "OUTPUT"
                                                      else "filter")
            block.append(f"\t\ttype {kind} hook {HOOKS[name]} priority {prio}; policy {ch.policy.lower()};")
        block += [f"\t\t{render_rule(r)}" for r in ch.rules]
        block.append("\t}")
        blocks.append(block)
    for k, block in enumerate(blocks):
        if k:
            lines.append("")
        lines += block
    lines.append("}")
    return lines


def main(ctx: Context) -> int:
    args = [a for a in ctx.args if a not in ("-a", "--handle", "-n", "--numeric", "-s", "--stateless")]
    nf = ctx.node.netfilter
    if args[:2] == ["list", "ruleset"] or args[:2] == ["list", "ruleset"]:
        tables = list(nf.tables.values())
    elif args[:2] == ["list", "tables"]:
        for t in nf.tables:
            ctx.print(f"table ip {t}")
        return 0
    elif len(args) >= 3 and args[:2] == ["list", "table"]:
        name = args[-1]
        if name not in nf.tables:
            ctx.eprint(f"Error: No such file or directory\nlist table {' '.join(args[2:])}\n"
                       f"{' ' * len('list table ' + ' '.join(args[2:-1]) + (' ' if len(args) > 3 else ''))}"
                       f"{'^' * len(name)}")
            return 1
        tables = [nf.tables[name]]
    elif not args:
        ctx.eprint("Usage: nft [ options ] [ cmds... ]")
        return 1
    else:
        ctx.eprint(f"Error: syntax error, unexpected {args[0]}\n{' '.join(args)}\n{'^' * len(args[0])}")
        return 1
    for t in tables:
        ctx.print("\n".join(render_table(t)))
        if uses_compat(t):
            ctx.eprint(f"# Warning: table ip {t.name} is managed by iptables-nft, do not touch!")
    return 0
