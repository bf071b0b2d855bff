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

__all__ = ["Token", "tokenize", "describe", "KEYWORDS"]

# the keywords of scanner.l that a learner can meet (bison reports these by name)
KEYWORDS = frozenset("""
eq ne le lt ge gt lshift rshift xor and or not vmap include define redefine undefine describe hook device devices
table tables chain chains rule rules sets set element map maps flowtable handle ruleset trace socket transparent
tproxy accept drop continue jump goto return to inet netdev add replace update create insert delete get list reset
flush rename import export monitor position index comment constant interval dynamic auto-merge timeout gc-interval
elements expires policy size performance memory flow offload meter meters flowtables counter name packets bytes
avgpkt counters quotas limits synproxys log prefix group snaplen queue-threshold level queue num bypass fanout limit
rate burst until over quota used nanosecond microsecond millisecond second minute hour day week reject with icmpx
snat dnat masquerade redirect random fully-random persistent ll nh th bridge ether saddr daddr type vlan id cfi pcp
arp htype ptype hlen plen operation ip version hdrlength dscp ecn length frag-off ttl protocol checksum lsrr rr ssrr
ra value ptr echo eol maxseg noop sack sack0 sack1 sack2 sack3 sack-permitted timestamp time kind count left right
tsval tsecr icmp code sequence gateway mtu igmp mrt ip6 priority flowlabel nexthdr hoplimit icmpv6 param-problem
max-delay ah reserved spi esp comp flags cpi udp udplite sport dport tcp ackseq doff window urgptr option dccp sctp
vtag rt rt0 rt2 srh seg-left addr last-entry tag sid hbh frag reserved2 more-fragments dst mh meta mark iif iifname
iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport ibrname obriport obrname pkttype cpu iifgroup
oifgroup cgroup classid nexthop ct l3proto proto-src proto-dst zone original reply direction event expectation
expiration helper helpers label state status numgen inc mod offset jhash symhash seed dup fwd fib osf synproxy mss
wscale sack-perm notrack options all xml json vm exists missing exthdr ipsec mode reqid spnum transport tunnel in out
secmark secmarks l4proto nfproto
""".split())

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
        return self.kind in ("keyword", "symbol") and self.text in words


def describe(tok: Token) -> str:
    """How bison names a token in "unexpected …"."""
    if tok.kind == "keyword":
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

