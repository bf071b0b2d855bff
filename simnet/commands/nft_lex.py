"""nft's scanner (nftables 1.0.6 ``scanner.l``): tokens with their place in the input.

nft joins its command-line words with spaces and scans the result like a
file, so one scanner serves ``nft add rule …`` and ``nft -f FILE``. Every
token keeps its character offsets: the error renderer puts its ``^^^`` under
exactly the columns nft marks. Keywords are tokens of their own; bison names
them by their text in "unexpected …" messages, other words are "string".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Token", "tokenize", "describe", "KEYWORDS", "SCOPES"]

# nftables 1.0.6 scans most words as keywords only inside the expression that owns them
# (scanner start conditions): ``saddr`` is a keyword after ``ip``, a plain name elsewhere, so a
# chain may be called "in" or "state" but not "fwd" or "type". These are the ones that are
# keywords everywhere (checked one by one as chain names against nft 1.0.6).
KEYWORDS = frozenset("""
eq ne le lt ge gt lshift rshift xor and or not vmap include define redefine undefine describe hook device devices
table rule set element map flowtable handle ruleset trace socket tproxy accept drop continue jump goto return inet
netdev add replace update create insert delete get list reset flush rename import export monitor destroy position
index comment constant interval dynamic auto-merge timeout gc-interval elements expires policy size flow offload
meter counter log queue limit quota hour day reject snat dnat masquerade redirect random th bridge ether type typeof
vlan arp ip ecn time icmp icmpv6 igmp ip6 priority ah esp comp flags udp udplite tcp dccp sctp gre gretap rt rt0 rt2
srh hbh frag dst mh meta mark iif iifname iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport ibrname
obriport obrname pkttype cpu iifgroup oifgroup cgroup ct numgen jhash symhash dup fwd fib osf synproxy notrack
secmark exthdr ipsec chain vxlan geneve last
""".split())
# words that are keywords right after the expression or statement that opens their scope
SCOPES: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in {
    "ip": "saddr daddr protocol version hdrlength dscp length frag-off ttl checksum lsrr rr ssrr ra ptr value "
          "option options id addr to prefix",
    "ip6": "saddr daddr version dscp length flowlabel hoplimit nexthdr addr to prefix",
    "tcp": "sport dport ackseq doff window urgptr echo eol maxseg mss nop noop sack sack0 sack1 sack2 sack3 "
           "sack-permitted sack-perm timestamp left right count tsval tsecr options option length checksum "
           "sequence reserved",
    "udp": "sport dport length checksum",
    "icmp": "gateway code param-problem max-delay mtu taddr daddr sequence checksum id",
    "icmpv6": "gateway code param-problem max-delay mtu taddr daddr sequence checksum id",
    "meta": "nfproto l4proto iifkind oifkind length protocol",
    "ct": "avgpkt l3proto proto-src proto-dst zone original reply direction event expectation expiration helper "
          "helpers label state status count saddr daddr protocol dport id packets bytes over",
    "log": "prefix snaplen queue-threshold level group emerg alert crit err warn notice info debug audit",
    "limit": "rate burst second minute week packets bytes kbytes mbytes over name",
    "reject": "with icmpx",
    "snat": "to fully-random persistent port prefix addr", "dnat": "to fully-random persistent port prefix addr",
    "masquerade": "to fully-random persistent port", "redirect": "to fully-random persistent port",
    "counter": "name packets bytes",
    "list": "tables chains sets maps meters flowtables limits secmarks synproxys counters quotas rules",
    "policy": "performance memory",
}.items()}

SYMBOLS = {"==": "==", "!=": "!=", "<=": "<=", ">=": ">=", "<<": "<<", ">>": ">>", "<": "<", ">": ">",
           ",": "comma", ".": ".", ":": "colon", ";": "semicolon", "{": "'{'", "}": "'}'", "[": "'['", "]": "']'",
           "(": "'('", ")": "')'", "^": "^", "&": "&", "|": "'|'", "!": "!", "/": "/", "-": "-", "*": "*",
           "@": "@", "$": "'$'", "=": "'='", "+": "+"}

_HEX4 = r"[0-9a-fA-F]{1,4}"
_IP4 = r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}"
_MAC = r"(?:[0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}"
_STRING = r"[a-zA-Z_.][a-zA-Z0-9/\-_.]*"
_PATTERNS = [
    ("quoted", re.compile(r'"[^"]*"')),
    ("number", re.compile(r"0[xX][0-9a-fA-F]+|[0-9]+")),
    ("time", re.compile(r"(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m(?!s))?(?:[0-9]+s)?(?:[0-9]+ms)?")),
    ("asterisk", re.compile(_STRING + r"\\?\*")),
    ("string", re.compile(_STRING)),
]
_ADDR = re.compile(rf"{_MAC}|{_IP4}|(?:{_HEX4}|:)?(?::{_HEX4}|:)*(?::|{_HEX4})")


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is keyword/string/quoted/number/symbol/newline/eof; ``start``-``end`` index the input."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        return self.text[1:-1] if self.kind == "quoted" else self.text

    def is_(self, *words: str) -> bool:
        """The token is one of ``words`` (a keyword, a symbol or a word only its scope makes a keyword)."""
        return self.kind in ("keyword", "symbol", "string") and self.text in words


def describe(tok: Token, scope: frozenset[str] = frozenset()) -> str:
    """How bison names a token in "unexpected …" (``scope``: the words the scanner's current
    start condition makes keywords)."""
    if tok.kind == "keyword" or tok.kind == "string" and tok.text in scope:
        return tok.text
    if tok.kind == "symbol":
        return SYMBOLS.get(tok.text, tok.text)
    return {"string": "string", "quoted": "quoted string", "number": "number", "asterisk": "string with a trailing asterisk",
            "newline": "newline", "eof": "end of file"}.get(tok.kind, tok.kind)


def _address(text: str, pos: int) -> int:
    """Length of an address token (MAC, IPv4, IPv6 with a colon) at ``pos``, 0 if none."""
    m = _ADDR.match(text, pos)
    if not m or not m.group():
        return 0
    word = m.group()
    if re.fullmatch(_IP4, word) or re.fullmatch(_MAC, word):
        return len(word)
    if ":" not in word or word == ":":
        return 0
    # an IPv6 address needs at most one "::" and at most eight groups
    if word.count("::") > 1 or ":::" in word:
        return 0
    groups = [g for g in word.split(":") if g]
    if len(groups) > 8 or ("::" not in word and len(groups) != 8):
        return 0
    return len(word)


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``; a ``\\`` before a newline joins lines, ``#`` starts a comment.
    The list ends with an ``eof`` token."""
    toks: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\\" and text.startswith("\n", i + 1):
            i += 2
            continue
        if c == "\n":
            toks.append(Token("newline", "\n", i, i + 1))
            i += 1
            continue
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        best_kind, best_len = "", 0
        alen = _address(text, i)
        if alen:
            best_kind, best_len = "string", alen
        for kind, rx in _PATTERNS:
            m = rx.match(text, i)
            if m and len(m.group()) > best_len:
                best_kind, best_len = kind, len(m.group())
        for sym in SYMBOLS:
            if text.startswith(sym, i) and len(sym) > best_len:
                best_kind, best_len = "symbol", len(sym)
        if not best_len:
            toks.append(Token("junk", c, i, i + 1))
            i += 1
            continue
        word = text[i:i + best_len]
        if best_kind in ("string", "time") and word in KEYWORDS:
            best_kind = "keyword"
        elif best_kind == "time":
            best_kind = "string"
        toks.append(Token(best_kind, word, i, i + best_len))
        i += best_len
    toks.append(Token("eof", "", n, n))
    return toks

