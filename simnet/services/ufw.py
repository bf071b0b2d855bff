"""ufw, the "uncomplicated firewall": a rule list that becomes iptables chains.

ufw is only a front end. ``ufw enable`` writes its chains (ufw-before-input,
ufw-user-input, …) into the filter table and sets the INPUT policy to DROP;
every ``ufw allow 443/tcp`` becomes ``-A ufw-user-input -p tcp --dport 443
-j ACCEPT``. The packets are then judged by the same netfilter model as any
hand-written rule, so ``iptables -S`` and the traces show what ufw did.
Simplification: only IPv4 rules are enforced (the "(v6)" twins are listed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simnet.kernel.netfilter import Match, XtRule
from simnet.kernel.nftables.xtables import xt_append, xt_chain, xt_rules, xt_table

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["UfwRule", "Ufw", "ufw_of", "parse_rule_spec", "APP_PROFILES", "UfwError"]

APP_PROFILES: dict[str, list[tuple[str, str]]] = {     # name -> [(port, proto)]
    "OpenSSH": [("22", "tcp")],
    "Nginx HTTP": [("80", "tcp")],
    "Nginx HTTPS": [("443", "tcp")],
    "Nginx Full": [("80,443", "tcp")],
}
SERVICE_PORTS = {"ssh": "22", "http": "80", "https": "443", "domain": "53", "ntp": "123"}


def _ct(states: str) -> tuple[Match, ...]:
    return (Match("conntrack", (("ctstate", states, False),)),)


def _icmp(kind: int) -> XtRule:
    return XtRule(proto="icmp", matches=(Match("icmp", (("icmp-type", str(kind), False),)),), target="ACCEPT")


def _addrtype(kind: str) -> XtRule:
    return XtRule(matches=(Match("addrtype", (("dst-type", kind, False),)),), target="RETURN")


# (chain, rule) as ufw's before.rules/after.rules write them (``iptables -S`` shows them so)
BEFORE_INPUT = [XtRule(in_iface="lo", target="ACCEPT"),
                XtRule(matches=_ct("RELATED,ESTABLISHED"), target="ACCEPT"),
                XtRule(matches=_ct("INVALID"), target="ufw-logging-deny"),
                XtRule(matches=_ct("INVALID"), target="DROP"),
                _icmp(3), _icmp(11), _icmp(12), _icmp(8),
                XtRule(proto="udp", matches=(Match("udp", (("sport", "67", False), ("dport", "68", False))),),
                       target="ACCEPT"),
                XtRule(target="ufw-not-local"),
                XtRule(target="ufw-user-input")]
BEFORE_OUTPUT = [XtRule(out_iface="lo", target="ACCEPT"),
                 XtRule(matches=_ct("RELATED,ESTABLISHED"), target="ACCEPT"),
                 XtRule(target="ufw-user-output")]
BEFORE_FORWARD = [XtRule(matches=_ct("RELATED,ESTABLISHED"), target="ACCEPT"),
                  XtRule(target="ufw-user-forward")]
CHAINS = ["ufw-before-input", "ufw-before-output", "ufw-before-forward", "ufw-user-input", "ufw-user-output",
          "ufw-user-forward", "ufw-after-input", "ufw-after-output", "ufw-reject-input", "ufw-track-output",
          "ufw-not-local", "ufw-logging-deny"]
HOOKS = [("INPUT", "ufw-before-input"), ("INPUT", "ufw-after-input"), ("INPUT", "ufw-reject-input"),
         ("FORWARD", "ufw-before-forward"),
         ("OUTPUT", "ufw-before-output"), ("OUTPUT", "ufw-after-output"), ("OUTPUT", "ufw-track-output")]
TAIL = [("ufw-not-local", _addrtype("LOCAL")), ("ufw-not-local", _addrtype("MULTICAST")),
        ("ufw-not-local", _addrtype("BROADCAST")), ("ufw-not-local", XtRule(target="DROP")),
        ("ufw-track-output", XtRule(proto="tcp", matches=_ct("NEW"), target="ACCEPT")),
        ("ufw-track-output", XtRule(proto="udp", matches=_ct("NEW"), target="ACCEPT"))]


class UfwError(Exception):
    """A message ufw prints on stderr (with ``ERROR: `` already in it)."""


@dataclass
class UfwRule:
    """One user rule: ``allow 443/tcp`` or ``deny 3478/udp`` (``proto`` may be empty = tcp and udp)."""

    action: str                 # allow, deny, reject, limit
    port: str                   # "443", "80,443", "6000:6007"
    proto: str = ""             # tcp, udp or "" (both)
    app: str = ""               # an application profile name, shown instead of the port
    comment: str = ""

    @property
    def to_text(self) -> str:
        if self.app:
            return self.app
        return f"{self.port}/{self.proto}" if self.proto else self.port

    @property
    def spec(self) -> str:
        """How ``ufw status`` and ``ufw delete`` name it."""
        return f"{self.action} {self.to_text}"

    def iptables(self) -> list[XtRule]:
        """The rules in ufw-user-input (``-p tcp -m tcp --dport 443 -j ACCEPT`` …)."""
        target = {"allow": "ACCEPT", "deny": "DROP", "reject": "REJECT", "limit": "ACCEPT"}[self.action]
        protos = [self.proto] if self.proto else ["tcp", "udp"]
        rules = []
        for proto in protos:
            multi = "," in self.port or ":" in self.port
            match = Match("multiport", (("dports", self.port, False),)) if multi else \
                Match(proto, (("dport", self.port, False),))
            how = "tcp-reset" if self.action == "reject" and proto == "tcp" else "icmp-port-unreachable"
            rules.append(XtRule(proto=proto, matches=(match,), target=target,
                                target_options=(("reject-with", how),) if target == "REJECT" else ()))
        return rules


@dataclass
class Ufw:
    """ufw's state on one node (``/etc/ufw/user.rules`` and ``ufw.conf`` in one object)."""

    enabled: bool = False
    rules: list[UfwRule] = field(default_factory=list)
    default_incoming: str = "deny"
    default_outgoing: str = "allow"
    default_routed: str = "disabled"
    logging: str = "low"

    def find(self, rule: UfwRule) -> int | None:
        for k, r in enumerate(self.rules):
            if (r.action, r.port, r.proto, r.app) == (rule.action, rule.port, rule.proto, rule.app):
                return k
        return None

    # --------------------------------------------------------------- iptables
    def apply(self, node: "Node") -> None:
        """Write (or remove) ufw's chains in the node's filter table (through the nf_tables
        write API, as ufw's iptables-restore would)."""
        nf = node.netfilter
        table = xt_table(nf, "filter")
        for hook in ("INPUT", "FORWARD", "OUTPUT"):
            for r in xt_rules(nf, "filter", hook):
                if r.xt is not None and (r.xt.target or "").startswith("ufw-"):
                    nf.delete_rule("ip", "filter", hook, r.handle)
        for name in [n for n in table.chains if n.startswith("ufw-")]:
            nf.flush_chain("ip", "filter", name)
        for name in [n for n in table.chains if n.startswith("ufw-")]:
            nf.delete_chain("ip", "filter", name)
        if not self.enabled:
            for hook in ("INPUT", "FORWARD", "OUTPUT"):
                if hook in table.chains:
                    nf.set_policy("ip", "filter", hook, "ACCEPT", counted=False)
            return
        for hook in ("INPUT", "FORWARD", "OUTPUT"):
            xt_chain(nf, "filter", hook)
        for name in CHAINS:
            xt_chain(nf, "filter", name)
        policy = {"deny": "DROP", "reject": "DROP", "allow": "ACCEPT"}
        nf.set_policy("ip", "filter", "INPUT", policy[self.default_incoming], counted=False)
        nf.set_policy("ip", "filter", "OUTPUT", policy[self.default_outgoing], counted=False)
        nf.set_policy("ip", "filter", "FORWARD", "DROP" if self.default_routed in ("disabled", "deny") else "ACCEPT",
                      counted=False)
        rules = [(hook, XtRule(target=chain)) for hook, chain in HOOKS]
        rules += [("ufw-before-input", r) for r in BEFORE_INPUT] + [("ufw-before-output", r) for r in BEFORE_OUTPUT]
        rules += [("ufw-before-forward", r) for r in BEFORE_FORWARD] + TAIL
        for r in self.rules:
            rules += [("ufw-user-input", x) for x in r.iptables()]
        if self.default_incoming == "reject":
            rules.append(("ufw-reject-input", XtRule(target="REJECT",
                                                     target_options=(("reject-with", "icmp-port-unreachable"),))))
        for chain, rule in rules:
            xt_append(nf, "filter", chain, rule)


def ufw_of(node: "Node") -> Ufw:
    ufw = node.services.get("ufw")
    if not isinstance(ufw, Ufw):
        ufw = Ufw()
        node.services["ufw"] = ufw
    return ufw


def parse_rule_spec(action: str, words: list[str]) -> UfwRule:
    """``443/tcp``, ``3478/udp``, ``22``, ``ssh``, ``"Nginx Full"``, ``proto tcp to any port 443``."""
    if not words:
        raise UfwError("ERROR: Invalid syntax")
    text = " ".join(words)
    if text in APP_PROFILES:
        port, proto = APP_PROFILES[text][0]
        return UfwRule(action, port, proto, app=text)
    if len(words) == 1:
        port, _, proto = words[0].partition("/")
        port = SERVICE_PORTS.get(port, port)
        if proto and proto not in ("tcp", "udp"):
            raise UfwError("ERROR: Invalid syntax")
        _check_port(port, proto)
        return UfwRule(action, port, proto)
    # extended form: [proto P] [from any] to any port N [proto P]
    proto, port = "", ""
    k = 0
    while k < len(words):
        w = words[k]
        if w == "proto" and k + 1 < len(words):
            proto = words[k + 1]
            k += 2
        elif w in ("from", "to") and k + 1 < len(words):
            if words[k + 1] not in ("any", "0.0.0.0/0"):
                raise UfwError("ERROR: simnet kennt nur Regeln für „any“ (alle Adressen).")
            k += 2
        elif w == "port" and k + 1 < len(words):
            port = words[k + 1]
            k += 2
        else:
            raise UfwError("ERROR: Wrong number of arguments")
    if not port:
        raise UfwError("ERROR: Wrong number of arguments")
    if proto and proto not in ("tcp", "udp"):
        raise UfwError(f"ERROR: Unsupported protocol '{proto}'")
    _check_port(port, proto)
    return UfwRule(action, port, proto)


def _check_port(port: str, proto: str) -> None:
    parts = port.replace(":", ",").split(",")
    if not all(p.isdigit() and 0 < int(p) < 65536 for p in parts):
        raise UfwError("ERROR: Bad port")
    if ("," in port or ":" in port) and not proto:
        raise UfwError("ERROR: Must specify 'tcp' or 'udp' with multiple ports")
