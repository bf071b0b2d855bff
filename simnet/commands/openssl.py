"""openssl x509 (look into a certificate file) and openssl s_client (look at the
certificate a server sends), OpenSSL 3.0 on Debian 12."""
from __future__ import annotations

import re

from simnet.commands.base import Context
from simnet.services.road import road_of
from simnet.services.road_client import fetch, road_now
from simnet.services.tls import Certificate, fmt_time, load_pem

__all__ = ["main"]


def _issuer(cert: Certificate) -> str:
    return cert.issuer.replace(", ", ", ").replace("=", " = ")


def main(ctx: Context) -> int:
    if not ctx.args:
        ctx.eprint("simnet: openssl kennt hier x509 und s_client.")
        return 1
    sub, args = ctx.args[0], ctx.args[1:]
    if sub == "x509":
        return _x509(ctx, args)
    if sub == "s_client":
        return _s_client(ctx, args)
    ctx.eprint(f"Invalid command '{sub}'; type \"help\" for a list.")
    return 1


def _x509(ctx: Context, args: list[str]) -> int:
    path = None
    wants: list[str] = []
    k = 0
    while k < len(args):
        a = args[k]
        if a == "-in" and k + 1 < len(args):
            path = args[k + 1]
            k += 1
        elif a == "-ext" and k + 1 < len(args):
            wants.append("ext:" + args[k + 1])
            k += 1
        elif a in ("-dates", "-enddate", "-startdate", "-subject", "-issuer", "-serial", "-text", "-noout"):
            wants.append(a)
        else:
            ctx.eprint(f"x509: Unknown option or message digest: {a.lstrip('-')}\nx509: Use -help for summary.")
            return 1
        k += 1
    if path is None:
        text = ctx.stdin
    else:
        try:
            text = ctx.node.read_file(path)
        except (FileNotFoundError, IsADirectoryError):
            ctx.eprint(f"Could not open file or uri for loading certificate from {path}")
            return 1
    cert = load_pem(text)
    if cert is None:
        ctx.eprint("Could not read certificate from " + (path or "<stdin>") + "\nUnable to load certificate")
        return 1
    lines: list[str] = []
    for w in wants:
        if w in ("-dates", "-startdate"):
            lines.append(f"notBefore={fmt_time(cert.not_before, 'openssl')}")
        if w in ("-dates", "-enddate"):
            lines.append(f"notAfter={fmt_time(cert.not_after, 'openssl')}")
        if w == "-subject":
            lines.append(f"subject=CN = {cert.subject}")
        if w == "-issuer":
            lines.append(f"issuer={_issuer(cert)}")
        if w == "-serial":
            lines.append(f"serial={cert.serial.upper()}")
        if w.startswith("ext:") or w == "-text":
            lines.append("X509v3 Subject Alternative Name: \n    " + ", ".join(f"DNS:{n}" for n in cert.names))
    if "-noout" not in wants:
        lines.append(text.split("-----END CERTIFICATE-----")[0].strip() + "\n-----END CERTIFICATE-----")
    ctx.print("\n".join(lines))
    return 0


def _s_client(ctx: Context, args: list[str]) -> int:
    target, servername = None, None
    k = 0
    while k < len(args):
        if args[k] == "-connect" and k + 1 < len(args):
            target = args[k + 1]
            k += 1
        elif args[k] == "-servername" and k + 1 < len(args):
            servername = args[k + 1]
            k += 1
        k += 1
    if not target or ":" not in target:
        ctx.eprint("s_client: -connect host:port fehlt (z. B. -connect vpn.example.net:443)")
        return 1
    host, _, port = target.rpartition(":")
    if not re.fullmatch(r"[0-9]+", port):
        ctx.eprint(f"s_client: bad port {port}")
        return 1
    # getaddrinfo() reads the service with strtoul and keeps 16 bits: 99999 is port 34463
    number = int(port) if len(port) <= 20 else 1 << 64
    port = str(min(number, (1 << 64) - 1) & 0xFFFF)
    road_of(ctx.lab)
    res = fetch(ctx.node, f"https://{host}:{port}/", method="GET", insecure=True, connect_timeout=60.0)
    ctx.journeys.extend(res.journeys)
    if res.stage == "dns":
        ctx.eprint("getaddrinfo: Name or service not known\nconnect:errno=2")
        return 1
    if res.stage == "connect":
        ctx.eprint(f"{'connect:errno=111' if res.detail == 'refused' else 'connect:errno=110'}")
        return 1
    resp = res.response
    cert = resp.certificate if resp is not None else None
    ctx.print("CONNECTED(00000003)")
    if cert is None:
        ctx.eprint("40C7B2A9E57F0000:error:0A000438:SSL routines:ssl3_read_bytes:tlsv1 alert internal error")
        return 1
    now = road_now(ctx.node)
    code, reason = (0, "ok") if cert.valid_at(now) else (10, "certificate has expired")
    ctx.print("depth=2 C = US, O = Internet Security Research Group, CN = ISRG Root X1\nverify return:1")
    ctx.print(f"depth=1 {_issuer(cert)}\nverify return:1")
    ctx.print(f"depth=0 CN = {cert.subject}")
    if code:
        ctx.print(f"verify error:num={code}:{reason}\nnotAfter={fmt_time(cert.not_after, 'openssl')}")
    ctx.print("verify return:1")
    ctx.print("---\nCertificate chain")
    ctx.print(f" 0 s:CN = {cert.subject}\n   i:{_issuer(cert)}")
    ctx.print("   a:PKEY: id-ecPublicKey, 256 (bit); sigalg: ecdsa-with-SHA384")
    ctx.print(f"   v:NotBefore: {fmt_time(cert.not_before, 'openssl')}; NotAfter: {fmt_time(cert.not_after, 'openssl')}")
    ctx.print("---")
    ctx.print(f"Server certificate\nsubject=CN = {cert.subject}\nissuer={_issuer(cert)}\n---")
    ctx.print(f"SSL handshake has read 2345 bytes and written {398 + len(servername or host)} bytes")
    ctx.print("Verification" + (": OK" if not code else f" error: {reason}"))
    ctx.print("---\nNew, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384")
    ctx.print(f"    Verify return code: {code} ({reason})\n---")
    return 0
