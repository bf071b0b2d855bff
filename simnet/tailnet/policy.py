"""Headscale's policy (v2): HuJSON with groups, hosts, tagOwners, acls/grants and
autoApprovers, checked with headscale's own error texts and evaluated as the
packet filter on the receiving node.

No policy (or one without ``acls``) means allow all — unlike what the seed says.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_network
from typing import TYPE_CHECKING, Any

from simnet.core.errors import ConfigError

if TYPE_CHECKING:
    from simnet.tailnet.control import Headscale, HsNode

__all__ = ["Policy", "PolicyError", "parse_policy", "strip_hujson"]

TOP_KEYS = {"groups", "hosts", "tagOwners", "acls", "grants", "autoApprovers", "ssh", "tests"}
PROTOS = {"icmp": 1, "tcp": 6, "udp": 17, "igmp": 2, "gre": 47, "esp": 50, "ah": 51, "sctp": 132}
INVALID_ALIAS = """Invalid alias {!r}. An alias must be one of the following types:
- wildcard (*)
- user (containing an "@")
- group (starting with "group:")
- tag (starting with "tag:")
- autogroup (starting with "autogroup:")
- host

Please check the format and try again."""
PRIVATE = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"),
           IPv4Network("100.64.0.0/10"), IPv4Network("127.0.0.0/8"), IPv4Network("169.254.0.0/16"))


class PolicyError(ConfigError, ValueError):
    """Headscale's validation message."""


def strip_hujson(text: str) -> str:
    """HuJSON → JSON: drop // and /* */ comments and trailing commas (strings kept)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise PolicyError("parsing HuJSON: hujson: line 1, column 1: unterminated block comment")
            i = j + 2
        else:
            out.append(c)
            i += 1
    return re.sub(r",(\s*[\]}])", r"\1", "".join(out))


@dataclass
class Rule:
    """One ACL rule of the policy: protocols, sources and destinations with ports."""

    protos: tuple[int, ...]             # empty = tcp, udp, icmp (all when no proto given)
    srcs: tuple[str, ...]
    dsts: tuple[tuple[str, str], ...]   # (alias, ports)


@dataclass
class Policy:
    """A headscale ACL policy: groups, hosts, tag owners, rules and route approvers."""

    groups: dict[str, list[str]] = field(default_factory=dict)
    hosts: dict[str, IPv4Network] = field(default_factory=dict)
    tag_owners: dict[str, list[str]] = field(default_factory=dict)
    rules: list[Rule] | None = None     # None: no "acls" → allow all
    route_approvers: dict[str, list[str]] = field(default_factory=dict)
    exit_approvers: list[str] = field(default_factory=list)
    text: str = ""
    server: "Headscale | None" = None

    # ---------------------------------------------------------- resolution
    def _nodes_of(self, alias: str) -> list["HsNode"]:
        hs = self.server
        if hs is None:
            return []
        if alias == "*":
            return list(hs.nodes.values())
        if alias.startswith("group:"):
            return [n for m in self.groups.get(alias, []) for n in self._nodes_of(m)]
        if "@" in alias:
            name = alias.split("@", 1)[0]
            return [n for n in hs.nodes.values()
                    if hs.user_of(n).name == name or hs.user_of(n).email == alias]
        if alias == "autogroup:member":
            return list(hs.nodes.values())
        return []

    def matches_ip(self, alias: str, ip: IPv4Address, as_dst: bool = False) -> bool:
        """Does ``alias`` cover ``ip``? Nodes cover their tailnet IPs (and, as a
        destination, wildcard also covers every approved subnet)."""
        if alias == "*":
            return True
        if alias == "autogroup:internet":
            return as_dst and not any(ip in p for p in PRIVATE)
        if alias in self.hosts:
            return ip in self.hosts[alias]
        try:
            return ip in ip_network(alias, strict=False)
        except ValueError:
            pass
        return any(n.ipv4 == ip for n in self._nodes_of(alias))

    def allows(self, src: IPv4Address, dst: IPv4Address, proto: int, dport: int | None) -> bool:
        if self.rules is None:
            return True
        for rule in self.rules:
            if rule.protos and proto not in rule.protos:
                continue
            if not any(self.matches_ip(s, src) for s in rule.srcs):
                continue
            for alias, ports in rule.dsts:
                if self.matches_ip(alias, dst, as_dst=True) and _port_ok(ports, dport):
                    return True
        return False

    def _can_access(self, a: "HsNode", b: "HsNode") -> bool:
        """Some rule lets ``a`` send to ``b`` (its address, a subnet it routes, or the internet)."""
        hs = self.server
        served = [ip_network(r, strict=False) for r in (hs.serving(b) if hs else []) if ":" not in r]
        for rule in self.rules or []:
            if not any(self.matches_ip(s, a.ipv4) for s in rule.srcs):
                continue
            for alias, _ in rule.dsts:
                if self.matches_ip(alias, b.ipv4, as_dst=True):
                    return True
                if alias == "autogroup:internet" and any(n.prefixlen == 0 for n in served):
                    return True
                net: IPv4Network | IPv6Network | None
                try:
                    net = ip_network(alias, strict=False)
                except ValueError:
                    net = self.hosts.get(alias)
                if net is not None and any(net.overlaps(r) for r in served if r.prefixlen):
                    return True
        return False

    def can_see(self, a: "HsNode", b: "HsNode") -> bool:
        """headscale's ReduceNodes: peers appear only where a rule connects them, in either direction."""
        if self.rules is None:
            return True
        return self._can_access(a, b) or self._can_access(b, a)

    def auto_approves(self, route: str, node: "HsNode") -> bool:
        if route in ("0.0.0.0/0", "::/0"):
            approvers = self.exit_approvers
        else:
            net = ip_network(route, strict=False)
            approvers = [a for pfx, lst in self.route_approvers.items()
                         for a in lst if net.version == ip_network(pfx, strict=False).version
                         and net.subnet_of(ip_network(pfx, strict=False))]  # type: ignore[arg-type]
        return any(node in self._nodes_of(a) for a in approvers)


def _port_ok(ports: str, dport: int | None) -> bool:
    if ports == "*" or dport is None:
        return True
    for part in ports.split(","):
        lo, _, hi = part.partition("-")
        if lo.isdigit() and int(lo) <= dport <= int(hi or lo):
            return True
    return False


def _check_alias(alias: Any, pol: Policy, where: str) -> str:
    if not isinstance(alias, str):
        raise PolicyError(f"parsing policy from bytes: unknown alias type: {type(alias).__name__}")
    if alias == "*":
        return alias
    try:
        ip_network(alias, strict=False)
        return alias
    except ValueError:
        pass
    if "@" in alias:
        return alias
    if alias.startswith("group:"):
        if alias not in pol.groups:
            raise PolicyError(f"Group {alias!r} is not defined in the Policy, please define or remove "
                              "the reference to it".replace("'", '"'))
        return alias
    if alias.startswith("tag:"):
        if alias not in pol.tag_owners:
            raise PolicyError(f'Tag "{alias}" is not defined in the Policy, please define or remove the reference to it')
        return alias
    if alias.startswith("autogroup:"):
        if alias not in ("autogroup:internet", "autogroup:member", "autogroup:self", "autogroup:tagged"):
            raise PolicyError(f'AutoGroup is invalid, got: "{alias}", must be one of '
                              "[autogroup:internet autogroup:member autogroup:nonroot autogroup:tagged autogroup:self]")
        if alias == "autogroup:internet" and where == "src":
            raise PolicyError('"autogroup:internet" used in source, it can only be used in ACL destinations')
        return alias
    if ":" not in alias:
        if alias not in pol.hosts:
            raise PolicyError(f'Host "{alias}" is not defined in the Policy, please define or remove the reference to it')
        return alias
    raise PolicyError("parsing policy from bytes: " + INVALID_ALIAS.format(alias).replace("'", '"'))


def parse_policy(text: str, server: "Headscale | None" = None) -> Policy:
    """Parse and validate like headscale's unmarshalPolicy + validate."""
    try:
        data = json.loads(strip_hujson(text)) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise PolicyError(f"parsing HuJSON: hujson: line {exc.lineno}, column {exc.colno}: "
                          f"invalid character") from None
    if not isinstance(data, dict):
        raise PolicyError("parsing policy from bytes: expected object")
    for k in data:
        if k not in TOP_KEYS:
            raise PolicyError(f'unknown field "{k}"')
    pol = Policy(text=text, server=server)
    for name, members in (data.get("groups") or {}).items():
        if not name.startswith("group:"):
            raise PolicyError(f'Group has to start with "group:", got: "{name}"')
        if not isinstance(members, list):
            raise PolicyError(f'Group "{name}" value must be an array of users, got string: "{members}"')
        for m in members:
            if isinstance(m, str) and m.startswith("group:"):
                raise PolicyError(f'Nested groups are not allowed, found "{m}" inside "{name}"')
            if not isinstance(m, str) or "@" not in m:
                raise PolicyError(f'Username has to contain @, got: "{m}"')
        pol.groups[name] = list(members)
    for name, value in (data.get("hosts") or {}).items():
        try:
            pol.hosts[name] = IPv4Network(str(value), strict=False)
        except ValueError:
            raise PolicyError(f'Hostname "{name}" contains an invalid IP address: "{value}"') from None
    for tag, owners in (data.get("tagOwners") or {}).items():
        pol.tag_owners[tag] = list(owners or [])
    acls = data.get("acls")
    if acls is not None:
        pol.rules = []
        for acl in acls:
            action = acl.get("action")
            if action != "accept":
                raise PolicyError(f'invalid action "{action}", must be "accept"')
            protos: tuple[int, ...] = ()
            proto = acl.get("proto")
            if proto:
                if str(proto).isdigit():
                    protos = (int(proto),)
                elif proto in PROTOS:
                    protos = (PROTOS[proto],)
                else:
                    raise PolicyError(f'invalid protocol "{proto}": must be a known protocol name or valid protocol number 0-255')
            srcs = tuple(_check_alias(s, pol, "src") for s in acl.get("src") or [])
            dsts = []
            for d in acl.get("dst") or []:
                if not isinstance(d, str) or ":" not in d:
                    raise PolicyError('hostport must contain a colon (":")')
                alias, _, ports = d.rpartition(":")
                if ports != "*" and not re.fullmatch(r"\d+(-\d+)?(,\d+(-\d+)?)*", ports):
                    raise PolicyError(f'invalid port range "{ports}"')
                dsts.append((_check_alias(alias, pol, "dst"), ports))
            pol.rules.append(Rule(protos, srcs, tuple(dsts)))
    for grant in data.get("grants") or []:
        pol.rules = pol.rules if pol.rules is not None else []
        srcs = tuple(_check_alias(s, pol, "src") for s in grant.get("src") or [])
        for d in grant.get("dst") or []:
            pol.rules.append(Rule((), srcs, ((_check_alias(d, pol, "dst"), "*"),)))
    auto = data.get("autoApprovers") or {}
    for pfx, approvers in (auto.get("routes") or {}).items():
        try:
            ip_network(pfx, strict=False)
        except ValueError:
            raise PolicyError(f'Prefix "{pfx}" is invalid') from None
        pol.route_approvers[pfx] = [_check_alias(a, pol, "src") for a in approvers]
    pol.exit_approvers = [_check_alias(a, pol, "src") for a in auto.get("exitNode") or []]
    return pol
