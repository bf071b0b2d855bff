"""The smaller iptables extensions: how they are stored, listed (``-L``) and shown by ``nft``.

limit, iprange, mac, mark, connmark, length, ttl, pkttype, owner and the
MARK/CONNMARK targets, each in the three spellings iptables 1.8.9 and
nftables 1.0.6 use (checked against the real tools).
"""
from __future__ import annotations

from simnet.kernel.netfilter import Match

__all__ = ["canonical_ext", "list_ext", "nft_ext", "canonical_target_ext", "list_target_ext", "nft_target_ext"]

LIMIT_UNITS = {"s": "sec", "sec": "sec", "second": "sec", "m": "min", "min": "min", "minute": "min",
               "h": "hour", "hour": "hour", "d": "day", "day": "day"}
NFT_UNITS = {"sec": "second", "min": "minute", "hour": "hour", "day": "day"}
TTL_OPS = {"ttl-eq": ("==", ""), "ttl-lt": ("<", "lt "), "ttl-gt": (">", "gt ")}
FULL = 0xFFFFFFFF


def _hexmark(value: str) -> str:
    v, _, m = value.partition("/")
    try:
        return f"{hex(int(v, 0))}/{hex(int(m, 0))}" if m else hex(int(v, 0))
    except ValueError:
        return value


def canonical_ext(m: Match) -> Match:
    """Store an extension's options the way ``iptables -S`` prints them back."""
    opts = []
    for name, value, neg in m.options:
        if m.module == "limit" and name == "limit":
            rate, _, unit = value.partition("/")
            value = f"{rate}/{LIMIT_UNITS.get(unit or 'hour', unit)}"
        if m.module == "limit" and name == "limit-burst" and value == "5":
            continue
        if m.module in ("mark", "connmark") and name == "mark":
            value = _hexmark(value)
        if m.module == "mac":
            value = value.lower()
        opts.append((name, value, neg))
    return Match(m.module, tuple(opts))


def _opt(m: Match, name: str, default: str = "") -> str:
    hit = m.option(name)
    return hit[0] if hit else default


def list_ext(m: Match, numeric: bool) -> str | None:
    """The ``-L`` text of an extension match, or None if this module does not know it."""
    bang = "! " if any(neg for _, _, neg in m.options) else ""
    if m.module == "limit":
        return f"limit: avg {_opt(m, 'limit', '3/hour')} burst {_opt(m, 'limit-burst', '5')}"
    if m.module == "iprange":
        parts = [f"{bang}source IP range {v}" if n == "src-range" else f"{bang}destination IP range {v}"
                 for n, v, _ in m.options]
        return " ".join(parts)
    if m.module == "mac":
        return f"MAC {bang}{_opt(m, 'mac-source')}"
    if m.module == "mark":
        return f"mark match {bang}{_opt(m, 'mark')}"
    if m.module == "connmark":
        return f"connmark match {bang} {_opt(m, 'mark')}"
    if m.module == "length":
        return f"length {bang}{_opt(m, 'length')}"
    if m.module == "ttl":
        for name, (sym, _) in TTL_OPS.items():
            if m.option(name):
                return f"TTL match TTL {sym} {_opt(m, name)}"
    if m.module == "pkttype":
        return f"PKTTYPE {'!' if bang else ''}= {_opt(m, 'pkt-type')}"
    if m.module == "owner":
        uid = _opt(m, "uid-owner")
        if uid:
            return f"owner UID match {uid if numeric or uid != '0' else 'root'}"
    return None


def nft_ext(m: Match, proto: str | None) -> str | None:
    """nft's native spelling of an extension match, or None."""
    ne = "!= " if any(neg for _, _, neg in m.options) else ""
    if m.module == "limit":
        rate, _, unit = _opt(m, "limit", "3/hour").partition("/")
        burst = _opt(m, "limit-burst", "5")
        return f"limit rate {rate}/{NFT_UNITS.get(unit, unit)}" + (f" burst {burst} packets" if burst != "5" else "")
    if m.module == "iprange":
        return " ".join(f"ip {'saddr' if n == 'src-range' else 'daddr'} {ne}{v}" for n, v, _ in m.options)
    if m.module == "addrtype":
        parts = []
        for n, v, _ in m.options:
            kinds = [k.lower() for k in v.split(",")]
            what = kinds[0] if len(kinds) == 1 else "{ " + ", ".join(kinds) + " }"
            parts.append(f"fib {'saddr' if n == 'src-type' else 'daddr'} type {ne}{what}")
        return " ".join(parts)
    if m.module == "mac":
        return f"ether saddr {ne}{_opt(m, 'mac-source')}"
    if m.module == "connmark":
        v, _, mask = _opt(m, "mark").partition("/")
        return f"ct mark {ne}{v}" if not mask else f"ct mark and {mask} {'!=' if ne else '=='} {v}"
    if m.module == "length":
        return f"meta length {ne}{_opt(m, 'length').replace(':', '-')}"
    if m.module == "ttl":
        for name, (_, word) in TTL_OPS.items():
            if m.option(name):
                return f"ip ttl {word}{_opt(m, name)}"
    if m.module == "pkttype":
        return f"pkttype {ne}{_opt(m, 'pkt-type')}"
    if m.module == "owner" and m.option("uid-owner"):
        return f"skuid {ne}{_opt(m, 'uid-owner')}"
    return None


# ------------------------------------------------------------------ targets
def canonical_target_ext(target: str, opts: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """MARK and CONNMARK options as iptables stores them (``--set-mark 1`` → ``--set-xmark 0x1/0xffffffff``)."""
    if target not in ("MARK", "CONNMARK"):
        return None
    out = []
    for n, v in opts:
        if n in ("set-mark", "set-xmark"):
            val, _, mask = v.partition("/")
            if n == "set-mark" and mask:     # libxt_MARK: --set-mark V/M is xset V/(V|M)
                out.append(("set-xmark", f"{hex(int(val, 0))}/{hex(int(val, 0) | int(mask, 0))}"))
            else:
                out.append(("set-xmark", f"{hex(int(val, 0))}/{hex(int(mask, 0)) if mask else hex(FULL)}"))
        elif target == "CONNMARK" and n in ("save-mark", "restore-mark"):
            out += [(n, ""), ("nfmask", hex(FULL)), ("ctmask", hex(FULL))]
        else:
            out.append((n, v))
    return out


def list_target_ext(target: str, opts: dict[str, str]) -> str | None:
    if target == "MARK":
        v = opts.get("set-xmark", "")
        return f"MARK xset {v}" if not v.endswith(f"/{hex(FULL)}") else f"MARK set {v.split('/')[0]}"
    if target == "CONNMARK":
        if "save-mark" in opts:
            return "CONNMARK save"
        if "restore-mark" in opts:
            return "CONNMARK restore"
        v = opts.get("set-xmark", "")
        return f"CONNMARK xset {v}" if not v.endswith(f"/{hex(FULL)}") else f"CONNMARK set {v.split('/')[0]}"
    return None


def nft_target_ext(target: str, opts: dict[str, str]) -> str | None:
    if target not in ("MARK", "CONNMARK"):
        return None
    if target == "CONNMARK" and "save-mark" in opts:
        return "ct mark set mark"
    if target == "CONNMARK" and "restore-mark" in opts:
        return "meta mark set ct mark"
    v, _, m = opts.get("set-xmark", f"0x0/{hex(FULL)}").partition("/")
    val, mask = int(v, 0), int(m, 0) if m else FULL
    what = "meta mark" if target == "MARK" else "ct mark"
    if mask == FULL:
        return f"{what} set {hex(val)}"
    return f"{what} set mark and 0x{(~mask) & FULL:x} xor {hex(val)}"
