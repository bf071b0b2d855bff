"""nft's rule grammar: matches (``ip saddr 10.0.0.0/8``, ``tcp dport { 22, 80 }``) and statements.

Values stay as typed (words with their places); :mod:`simnet.commands.nft_values`
checks and converts them, so "Service out of range" points at the port.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simnet.commands.nft_ast import Item, Match, RuleSpec, Stmt, Value
from simnet.commands.nft_errors import Mark, NftError
from simnet.commands.nft_lex import SCOPES, Token

if TYPE_CHECKING:
    from simnet.commands.nft_parse import Parser

__all__ = ["RuleParser", "KEYS"]

# protocol word -> fields it has (the key is "proto field")
KEYS: dict[str, tuple[str, ...]] = {
    "ip": ("saddr", "daddr", "protocol", "ttl", "length", "dscp", "version", "id"),
    "ip6": ("saddr", "daddr", "nexthdr", "hoplimit", "length", "flowlabel", "version"),
    "tcp": ("dport", "sport", "flags", "sequence", "window"),
    "udp": ("dport", "sport", "length", "checksum"),
    "icmp": ("type", "code", "id", "sequence", "mtu", "gateway"),
    "icmpv6": ("type", "code", "id", "sequence", "mtu"),
    "meta": ("l4proto", "iifname", "oifname", "iif", "oif", "mark", "protocol", "nfproto", "length", "skuid",
             "skgid", "pkttype", "iiftype", "oiftype", "cpu", "iifgroup", "oifgroup"),
    "ct": ("state", "status", "mark", "direction", "expiration", "helper", "l3proto", "protocol", "zone"),
}
META_SHORT = ("iifname", "oifname", "iif", "oif", "mark", "l4proto", "skuid", "skgid", "pkttype", "nfproto")
OPS = {"==": "==", "eq": "==", "!=": "!=", "ne": "!=", "<": "<", "lt": "<", ">": ">", "gt": ">", "<=": "<=",
       "le": "<=", ">=": ">=", "ge": ">="}
VERDICTS = ("accept", "drop", "continue", "return")
NAT_FLAGS = ("random", "fully-random", "persistent")
LOG_LEVELS = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug", "audit")
RATE_UNITS = ("second", "minute", "hour", "day", "week")
# keywords bison also takes as values (``meta l4proto tcp``, ``icmp type redirect``)
VALUE_KEYWORDS = frozenset(("tcp", "udp", "udplite", "esp", "ah", "icmp", "icmpv6", "igmp", "gre", "comp", "dccp",
                            "sctp", "redirect", "ether", "ip", "ip6", "vlan", "arp", "dnat", "snat", "ecn", "reset"))


def _m(tok: Token) -> Mark:
    return Mark(tok.start, max(tok.end, tok.start + 1))


class RuleParser:
    """Parses one rule (or a set's elements) from the parent :class:`Parser`'s tokens."""

    def __init__(self, p: "Parser") -> None:
        self.p = p

    def rule(self) -> RuleSpec:
        p = self.p
        first = p.tok
        if p.at_end() or p.tok.is_("}"):
            raise p.error()
        items: list[Item] = []
        comment = None
        while not (p.at_end() or p.tok.is_("}")):
            if p.tok.is_("comment"):
                p.next()
                c = p.tok
                if c.kind not in ("string", "quoted"):
                    raise p.error("string or quoted string or string with a trailing asterisk")
                comment = p.next().value
                continue
            items.append(self.item())
        last = p.toks[p.i - 1]
        return RuleSpec(items, comment, Mark(first.start, last.end))

    # ------------------------------------------------------------ matches
    def item(self) -> Item:
        p = self.p
        tok = p.tok
        word = tok.text if tok.kind == "keyword" else ""
        if word in KEYS:
            p.next()
            field = p.tok
            if not field.is_(*KEYS[word]):
                raise p.error(scope=SCOPES.get(word, frozenset()))
            p.next()
            return self.relation(f"{word} {field.text}", Mark(tok.start, field.end))
        if word in META_SHORT:
            p.next()
            return self.relation(f"meta {word}", _m(tok))
        if word in VERDICTS:
            p.next()
            return Stmt("verdict", {"verdict": word}, _m(tok))
        if word in ("jump", "goto"):
            p.next()
            target = p.tok
            if target.kind not in ("string", "quoted", "number"):
                raise p.error("'{'")
            p.next()
            return Stmt("verdict", {"verdict": word, "target": target.value, "target_mark": _m(target)},
                        Mark(tok.start, target.end))
        if word == "counter":
            return self.counter()
        if word == "reject":
            return self.reject()
        if word in ("masquerade", "snat", "dnat", "redirect"):
            return self.nat()
        if word == "log":
            return self.log()
        if word == "limit":
            return self.limit()
        if tok.is_("{") and not any(t.is_("}") for t in p.toks[p.i:]):
            p.i = len(p.toks) - 1       # an anonymous block that never closes: the parser reads to the end
            raise p.error()
        if tok.kind == "string":
            # a bare word starts a "WORD VALUE" relation: with a value after it, nft fails to
            # type the word; otherwise the parser stumbles over what follows
            if p.peek().kind in ("string", "number", "quoted"):
                raise NftError("No symbol type information", _m(tok))
            p.next()
        raise p.error()

    def relation(self, key: str, key_mark: Mark) -> Match:
        p = self.p
        op = "=="
        if p.tok.text in OPS and p.tok.kind in ("symbol", "keyword"):
            op = OPS[p.next().text]
        elif p.tok.is_("!"):
            p.next()
            op = "!="
        if op == "==" and p.tok.is_("vmap"):
            p.next()
            if p.tok.is_("@"):
                return Match(key, "vmap", self.value(), key_mark)
            return Match(key, "vmap", self.vmap_elements(), key_mark)
        value = self.value(allow_list=key in ("ct state", "ct status", "tcp flags"))
        return Match(key, op, value, key_mark)

    def verdict_data(self) -> tuple[str, str | None] | None:
        """A verdict as map data (``accept``, ``jump CHAIN``), or None if none stands here."""
        p = self.p
        word = p.tok
        if word.is_(*VERDICTS):
            p.next()
            return word.text, None
        if word.is_("jump", "goto"):
            p.next()
            target = p.tok
            if target.kind not in ("string", "quoted", "number"):
                raise p.error()
            p.next()
            return word.text, target.value
        return None

    def vmap_elements(self) -> Value:
        """``{ VALUE : VERDICT, … }`` after ``vmap``: items are (Value, verdict word, chain or None)."""
        p = self.p
        start = p.expect("{", "'{'")
        items: list[tuple[Value, str, str | None]] = []
        while True:
            while p.tok.kind == "newline":
                p.next()
            if p.accept("}"):
                break
            value = self.single()
            p.expect(":", "colon")
            verdict = self.verdict_data()
            if verdict is None:
                raise p.error()
            items.append((value, *verdict))
            while p.tok.kind == "newline":
                p.next()
            if p.accept(","):
                continue
            if p.accept("}"):
                break
            raise p.error("comma or '}'")
        return Value("vmap", tuple(items), Mark(start.start, p.toks[p.i - 1].end))

    def single(self) -> Value:
        """A word, number, address or quoted string, maybe ``/prefix`` or ``-`` range."""
        p = self.p
        p.expand()
        tok = p.tok
        if tok.kind not in ("string", "quoted", "number", "asterisk") and not (
                tok.kind == "keyword" and tok.text in VALUE_KEYWORDS):
            raise p.error()
        p.next()
        v = Value("value", (tok.value,), _m(tok))
        if p.tok.is_("/") and tok.kind in ("string", "number"):
            p.next()
            n = p.tok
            if n.kind != "number":
                raise p.error()
            p.next()
            v = Value("value", (tok.value,), Mark(tok.start, n.end), int(n.text, 0), _m(n))
        elif p.tok.is_("-") and tok.kind in ("string", "number"):
            p.next()
            hi = p.tok
            if hi.kind not in ("string", "number"):
                raise p.error()
            p.next()
            v = Value("range", (tok.value, hi.value), Mark(tok.start, hi.end))
        return v

    def value(self, allow_list: bool = False) -> Value:
        p = self.p
        p.expand()
        tok = p.tok
        if tok.is_("{"):
            return self.anonymous_set()
        if tok.is_("@"):
            p.next()
            name = p.tok
            if name.kind not in ("string", "quoted", "number"):
                raise p.error()
            p.next()
            return Value("setref", (name.value,), Mark(tok.start, name.end))
        v = self.single()
        if allow_list and p.tok.is_(","):
            items = [v]
            while p.accept(","):
                items.append(self.single())
            return Value("list", tuple(items), Mark(items[0].mark.start, items[-1].mark.end))
        return v

    def anonymous_set(self) -> Value:
        start = self.p.tok
        items = self.set_elements()
        end = self.p.toks[self.p.i - 1]
        return Value("set", tuple(items), Mark(start.start, end.end))

    def set_elements(self) -> list[Value]:
        """``{ a, b-c, d/24 }`` (newlines allowed inside)."""
        p = self.p
        p.expect("{", "'{'")
        items: list[Value] = []
        while True:
            while p.tok.kind == "newline":
                p.next()
            if p.accept("}"):
                return items
            element = self.single()
            if p.accept(":"):           # a map element: KEY : DATA
                verdict = self.verdict_data()
                element.data = ("verdict", *verdict) if verdict is not None else self.single()
            items.append(element)
            while p.tok.kind == "newline":
                p.next()
            if p.accept(","):
                continue
            if p.accept("}"):
                return items
            raise p.error("comma or '}'")

    # ------------------------------------------------------------ statements
    def counter(self) -> Stmt:
        p = self.p
        tok = p.next()
        args: dict = {}
        if p.accept("packets"):
            args["packets"] = int(p.next().text)
            p.expect("bytes")
            args["bytes"] = int(p.next().text)
        return Stmt("counter", args, Mark(tok.start, p.toks[p.i - 1].end))

    def reject(self) -> Stmt:
        p = self.p
        tok = p.next()
        args: dict = {}
        if p.accept("with"):
            kind = p.tok
            if kind.is_("tcp"):
                p.next()
                p.expect("reset")
                args["with"] = "tcp reset"
            elif kind.is_("icmp", "icmpv6", "icmpx"):
                p.next()
                p.accept("type")
                code = p.tok
                if code.kind not in ("string", "number", "keyword"):
                    raise p.error()
                p.next()
                args.update({"with": kind.text, "code": code.text, "code_mark": _m(code), "with_mark": _m(kind)})
            else:
                raise p.error()
        return Stmt("reject", args, Mark(tok.start, p.toks[p.i - 1].end))

    def nat(self) -> Stmt:
        p = self.p
        tok = p.next()
        args: dict = {}
        if tok.text in ("snat", "dnat"):
            if p.tok.is_("ip", "ip6"):
                args["family"] = p.next().text
            p.expect("to")
            addr = p.tok
            if addr.text in KEYS and addr.kind == "keyword" and p.peek(2).is_("map"):
                field = p.peek()       # ``dnat to tcp dport map { 80 : ADDR }``: the address by lookup
                p.next(), p.next(), p.next()
                value = self.value() if p.tok.is_("@") else self.anonymous_set()
                args["map"] = (f"{addr.text} {field.text}", value)
                self._nat_flags(args)
                return Stmt(tok.text, args, Mark(tok.start, p.toks[p.i - 1].end))
            bracket = p.accept("[")             # ``[2001:db8::5]:8080``: an IPv6 address before a port
            addr = p.tok
            if addr.kind not in ("string", "number"):
                raise p.error()
            args["addr"] = self.single()
            if bracket:
                p.expect("]", "']'")
        elif p.accept("to"):
            pass
        else:
            self._nat_flags(args)
            return Stmt(tok.text, args, Mark(tok.start, p.toks[p.i - 1].end))
        if p.accept(":"):
            args["port"] = self.single()
        elif tok.text in ("masquerade", "redirect") and "addr" not in args:
            raise p.error("colon")
        self._nat_flags(args)
        return Stmt(tok.text, args, Mark(tok.start, p.toks[p.i - 1].end))

    def _nat_flags(self, args: dict) -> None:
        flags = []
        while self.p.tok.is_(*NAT_FLAGS):
            flags.append(self.p.next().text)
            self.p.accept(",")
        args["flags"] = tuple(flags)

    def log(self) -> Stmt:
        p = self.p
        tok = p.next()
        args: dict = {}
        while p.tok.is_("prefix", "level", "flags", "group"):
            what = p.next().text
            val = p.tok
            if what == "prefix":
                if val.kind not in ("string", "quoted"):
                    raise p.error("string or quoted string")
                args["prefix"] = p.next().value
            elif what == "level":
                if val.text not in LOG_LEVELS:
                    raise NftError("invalid log level", _m(val))
                args["level"] = p.next().text
            elif what == "group":
                args["group"] = int(p.next().text)
            else:
                args.setdefault("flags", []).append(p.next().text)
        return Stmt("log", args, Mark(tok.start, p.toks[p.i - 1].end))

    def limit(self) -> Stmt:
        p = self.p
        tok = p.next()
        p.expect("rate")
        args: dict = {"over": bool(p.accept("over"))}
        n = p.tok
        if n.kind != "number":
            raise p.error()
        p.next()
        args["rate"] = int(n.text, 0)
        if p.tok.kind == "string" and p.tok.text in ("bytes", "kbytes", "mbytes") or p.tok.is_("bytes"):
            args["bytes"] = p.next().text
        p.expect("/", "slash")
        unit = p.tok
        if not unit.is_(*RATE_UNITS):
            raise p.error()
        p.next()
        args["unit"] = unit.text
        if p.accept("burst"):
            args["burst"] = int(p.next().text, 0)
            if p.tok.is_("packets", "bytes") or p.tok.text in ("kbytes", "mbytes"):
                args["burst_unit"] = p.next().text
        return Stmt("limit", args, Mark(tok.start, p.toks[p.i - 1].end))
