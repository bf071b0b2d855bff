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
BEFORE_INPUT = [
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
    "-A ufw-before-input -j ufw-user-input",
]
BEFORE_OUTPUT = [
    "-A ufw-before-output -o lo -j ACCEPT",
    "-A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw-before-output -j ufw-user-output",
]
BEFORE_FORWARD = [
    "-A ufw-before-forward -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw-before-forward -j ufw-user-forward",
]
CHAINS = ["ufw-before-input", "ufw-before-output", "ufw-before-forward", "ufw-user-input", "ufw-user-output",
          "ufw-user-forward", "ufw-after-input", "ufw-after-output", "ufw-reject-input", "ufw-track-output",
          "ufw-not-local", "ufw-logging-deny"]
HOOKS = [
    "-A INPUT -j ufw-before-input", "-A INPUT -j ufw-after-input", "-A INPUT -j ufw-reject-input",
    "-A FORWARD -j ufw-before-forward",
    "-A OUTPUT -j ufw-before-output", "-A OUTPUT -j ufw-after-output", "-A OUTPUT -j ufw-track-output",
]
TAIL = [
    "-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN",
    "-A ufw-not-local -m addrtype --dst-type MULTICAST -j RETURN",
    "-A ufw-not-local -m addrtype --dst-type BROADCAST -j RETURN",
    "-A ufw-not-local -j DROP",
    "-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT",
    "-A ufw-track-output -p udp -m conntrack --ctstate NEW -j ACCEPT",
]


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

    def iptables(self) -> list[str]:
        target = {"allow": "ACCEPT", "deny": "DROP", "reject": "REJECT", "limit": "ACCEPT"}[self.action]
        protos = [self.proto] if self.proto else ["tcp", "udp"]
        lines = []
        for proto in protos:
            multi = "," in self.port or ":" in self.port
            match = f"-m multiport --dports {self.port}" if multi else f"-m {proto} --dport {self.port}"
            extra = " --reject-with tcp-reset" if self.action == "reject" and proto == "tcp" else ""
            lines.append(f"-A ufw-user-input -p {proto} {match} -j {target}{extra}")
        return lines


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
        """Write (or remove) ufw's chains in the node's filter table."""
        from simnet.kernel.netfilter import Chain

        table = node.netfilter.table("filter")
        assert table is not None
        for hook in ("INPUT", "FORWARD", "OUTPUT"):
            chain = table.chains[hook]
            chain.rules = [r for r in chain.rules if not (r.target or "").startswith("ufw-")]
        for name in [n for n in table.chains if n.startswith("ufw-")]:
            del table.chains[name]
        if not self.enabled:
            for hook in ("INPUT", "FORWARD", "OUTPUT"):
                table.chains[hook].policy = "ACCEPT"
            return
        for name in CHAINS:
            table.chains[name] = Chain(name)
        policy = {"deny": "DROP", "reject": "DROP", "allow": "ACCEPT"}
        table.chains["INPUT"].policy = policy[self.default_incoming]
        table.chains["OUTPUT"].policy = policy[self.default_outgoing]
        table.chains["FORWARD"].policy = "DROP" if self.default_routed in ("disabled", "deny") else "ACCEPT"
        lines = HOOKS + BEFORE_INPUT + BEFORE_OUTPUT + BEFORE_FORWARD + TAIL
        for r in self.rules:
            lines += r.iptables()
        if self.default_incoming == "reject":
            lines.append("-A ufw-reject-input -j REJECT")
        for line in lines:
            _append(node, line)


def _append(node: "Node", line: str) -> None:
    """Add one rule through the emulated iptables parser (one source of truth for rule syntax)."""
    from simnet.commands.base import Context
    from simnet.commands.iptables import main as iptables_main

    ctx = Context(node, node.lab, ["iptables", "-w"] + line.split())
    code = iptables_main(ctx)
    if code != 0:    # pragma: no cover - the lines above are fixed and tested
        raise RuntimeError(f"ufw rule rejected by iptables: {line}: {''.join(ctx.err)}")


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
