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

from simnet.core.errors import ServiceError
from simnet.kernel.netfilter import Match, XtRule
from simnet.kernel.nftables.xtables import xt_append, xt_chain, xt_insert, xt_rules, xt_table

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


# What ufw 0.36.2 (Debian 12) writes with ``ufw --force enable`` and logging "low", as
# ``iptables -S`` prints it (recorded in a network namespace, tests/real/ufw_enable_iptables_S.txt):
# six jumps at the top of each built-in chain, then the before/after/logging chains; the user's
# rules go to ufw-user-input.
HOOK_PARTS = ["before-logging", "before", "after", "after-logging", "reject", "track"]
HOOKED = [f"ufw-{part}-{d}" for part in HOOK_PARTS for d in ("input", "forward", "output")]
CHAINS = sorted(HOOKED + [f"ufw-{kind}-{d}" for kind in ("skip-to-policy", "user", "user-logging")
                          for d in ("input", "forward", "output")]
                + ["ufw-logging-allow", "ufw-logging-deny", "ufw-not-local", "ufw-user-limit", "ufw-user-limit-accept"])
LOG_BLOCK = '-m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW BLOCK] "'
RULES = [
    "-A ufw-after-input -p udp -m udp --dport 137 -j ufw-skip-to-policy-input",
    "-A ufw-after-input -p udp -m udp --dport 138 -j ufw-skip-to-policy-input",
    "-A ufw-after-input -p tcp -m tcp --dport 139 -j ufw-skip-to-policy-input",
    "-A ufw-after-input -p tcp -m tcp --dport 445 -j ufw-skip-to-policy-input",
    "-A ufw-after-input -p udp -m udp --dport 67 -j ufw-skip-to-policy-input",
    "-A ufw-after-input -p udp -m udp --dport 68 -j ufw-skip-to-policy-input",
    "-A ufw-after-input -m addrtype --dst-type BROADCAST -j ufw-skip-to-policy-input",
    f"-A ufw-after-logging-forward {LOG_BLOCK}",
    f"-A ufw-after-logging-input {LOG_BLOCK}",
    "-A ufw-before-forward -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw-before-forward -p icmp -m icmp --icmp-type 3 -j ACCEPT",
    "-A ufw-before-forward -p icmp -m icmp --icmp-type 11 -j ACCEPT",
    "-A ufw-before-forward -p icmp -m icmp --icmp-type 12 -j ACCEPT",
    "-A ufw-before-forward -p icmp -m icmp --icmp-type 8 -j ACCEPT",
    "-A ufw-before-forward -j ufw-user-forward",
    "-A ufw-before-input -i lo -j ACCEPT",
    "-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw-before-input -m conntrack --ctstate INVALID -j ufw-logging-deny",
    "-A ufw-before-input -m conntrack --ctstate INVALID -j DROP",
    "-A ufw-before-input -p icmp -m icmp --icmp-type 3 -j ACCEPT",
    "-A ufw-before-input -p icmp -m icmp --icmp-type 11 -j ACCEPT",
    "-A ufw-before-input -p icmp -m icmp --icmp-type 12 -j ACCEPT",
    "-A ufw-before-input -p icmp -m icmp --icmp-type 8 -j ACCEPT",
    "-A ufw-before-input -p udp -m udp --sport 67 --dport 68 -j ACCEPT",
    "-A ufw-before-input -j ufw-not-local",
    "-A ufw-before-input -d 224.0.0.251/32 -p udp -m udp --dport 5353 -j ACCEPT",
    "-A ufw-before-input -d 239.255.255.250/32 -p udp -m udp --dport 1900 -j ACCEPT",
    "-A ufw-before-input -j ufw-user-input",
    "-A ufw-before-output -o lo -j ACCEPT",
    "-A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw-before-output -j ufw-user-output",
    '-A ufw-logging-allow -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW ALLOW] "',
    "-A ufw-logging-deny -m conntrack --ctstate INVALID -m limit --limit 3/min --limit-burst 10 -j RETURN",
    f"-A ufw-logging-deny {LOG_BLOCK}",
    "-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN",
    "-A ufw-not-local -m addrtype --dst-type MULTICAST -j RETURN",
    "-A ufw-not-local -m addrtype --dst-type BROADCAST -j RETURN",
    "-A ufw-not-local -m limit --limit 3/min --limit-burst 10 -j ufw-logging-deny",
    "-A ufw-not-local -j DROP",
    "-A ufw-skip-to-policy-forward -j DROP",
    "-A ufw-skip-to-policy-input -j DROP",
    "-A ufw-skip-to-policy-output -j ACCEPT",
    "-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT",
    "-A ufw-track-output -p udp -m conntrack --ctstate NEW -j ACCEPT",
]
TAIL = [
    '-A ufw-user-limit -m limit --limit 3/min -j LOG --log-prefix "[UFW LIMIT BLOCK] "',
    "-A ufw-user-limit -j REJECT --reject-with icmp-port-unreachable",
    "-A ufw-user-limit-accept -j ACCEPT",
]


def _iptables(node: "Node", line: str) -> None:
    """One fixed rule through the emulated iptables parser (one source of truth for rule syntax)."""
    import shlex

    from simnet.commands.base import Context
    from simnet.commands.iptables import main as iptables_main

    ctx = Context(node, node.lab, ["iptables", "-w"] + shlex.split(line))
    if iptables_main(ctx) != 0:    # pragma: no cover - the lines above are fixed and tested
        raise RuntimeError(f"ufw rule rejected by iptables: {line}: {''.join(ctx.err)}")


class UfwError(ServiceError):
    """A message ufw prints on stderr (with ``ERROR: `` already in it)."""


@dataclass
class UfwRule:
    """One user rule: ``allow 443/tcp`` or ``deny 3478/udp`` (``proto`` may be empty = tcp and udp)."""

    action: str                 # allow, deny, reject, limit
    port: str                   # "443", "80,443", "6000:6007"
    proto: str = ""             # tcp, udp or "" (both)
    app: str = ""               # an application profile name, shown instead of the port
    comment: str = ""
    # `ufw delete N` on the (v6) twin of the listing: the IPv4 rule stays, the IPv6 one is gone
    v6_deleted: bool = field(default=False, compare=False, repr=False)

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
        """Write (or remove) ufw's chains in the node's filter table.

        Like ufw-init: enabling puts the six jumps per built-in chain on top (before rules that were
        there, e.g. tailscaled's ts-forward); disabling flushes every ufw chain, deletes all but the
        hooked ones and leaves the jumps in place (they then lead to empty chains)."""
        nf = node.netfilter
        table = xt_table(nf, "filter")
        for name in [n for n in table.chains if n.startswith("ufw-")]:
            nf.flush_chain("ip", "filter", name)
        for name in [n for n in table.chains if n.startswith("ufw-") and n not in HOOKED]:
            nf.delete_chain("ip", "filter", name)
        if not self.enabled:
            for hook in ("INPUT", "FORWARD", "OUTPUT"):
                if hook in table.chains:
                    nf.set_policy("ip", "filter", hook, "ACCEPT", counted=False)
            return
        for hook in ("INPUT", "FORWARD", "OUTPUT"):
            xt_chain(nf, "filter", hook)
        for name in CHAINS:
            if name not in table.chains:
                xt_chain(nf, "filter", name)
        policy = {"deny": "DROP", "reject": "DROP", "allow": "ACCEPT"}
        nf.set_policy("ip", "filter", "INPUT", policy[self.default_incoming], counted=False)
        nf.set_policy("ip", "filter", "OUTPUT", policy[self.default_outgoing], counted=False)
        nf.set_policy("ip", "filter", "FORWARD", "DROP" if self.default_routed in ("disabled", "deny") else "ACCEPT",
                      counted=False)
        for hook in ("INPUT", "FORWARD", "OUTPUT"):
            if not any(r.xt is not None and (r.xt.target or "").startswith("ufw-")
                       for r in xt_rules(nf, "filter", hook)):
                for k, part in enumerate(HOOK_PARTS):
                    xt_insert(nf, "filter", hook, XtRule(target=f"ufw-{part}-{hook.lower()}"), index=k)
        for line in RULES:
            _iptables(node, line)
        for r in self.rules:
            for x in r.iptables():
                xt_append(nf, "filter", "ufw-user-input", x)
        for line in TAIL:
            _iptables(node, line)
        if self.default_incoming == "reject":
            xt_append(nf, "filter", "ufw-reject-input",
                      XtRule(target="REJECT", target_options=(("reject-with", "icmp-port-unreachable"),)))


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
