"""TLS certificates with simulated time: what Let's Encrypt issues, what nginx
loads and what a client checks (name and validity period).

A certificate is stored as a PEM file like on a real VPS; its base64 body
carries the few facts the lab needs (names, validity, serial). Deleting the
file deletes the certificate; a running nginx keeps the copy it loaded.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

from simnet.core.digest import sha256

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["Certificate", "LIFETIME", "RENEW_BEFORE", "issue", "load_pem", "to_pem", "verify_error",
           "live_dir", "fmt_time", "install", "stored_certificates"]

LIFETIME = 90 * 86400            # Let's Encrypt: 90 days
RENEW_BEFORE = 30 * 86400        # certbot renews when fewer than 30 days are left
LIVE = "/etc/letsencrypt/live"
RENEWAL = "/etc/letsencrypt/renewal"


@dataclass(frozen=True)
class Certificate:
    """What a client sees in a server certificate. Times are Unix seconds (lab epoch + sim time)."""

    names: tuple[str, ...]
    not_before: float
    not_after: float
    serial: str
    issuer: str = "C=US, O=Let's Encrypt, CN=E6"
    trusted: bool = True          # issued by a CA in the client's store (not a self-made one like Proxmox')
    subject_text: str = ""        # the full subject when it is more than CN=<first name>

    @property
    def subject(self) -> str:
        return self.names[0]

    def covers(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for name in self.names:
            if name == host or (name.startswith("*.") and host.split(".", 1)[-1] == name[2:]
                                and host.count(".") == name.count(".")):
                return True
        return False

    def valid_at(self, when: float) -> bool:
        return self.not_before <= when <= self.not_after


def fmt_time(when: float, style: str = "iso") -> str:
    from datetime import datetime, timezone     # with the first date shown, not with every lab (issue 20)

    dt = datetime.fromtimestamp(when, timezone.utc)
    if style == "go":                      # Go's time.RFC3339 as crypto/x509 prints it
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "certbot":
        return dt.strftime("%Y-%m-%d %H:%M:%S+00:00")
    if style == "openssl":                 # "Jan  5 10:00:00 2026 GMT": the day padded with a space
        return dt.strftime("%b ") + f"{dt.day:>2}" + dt.strftime(" %H:%M:%S %Y GMT")
    if style == "http":
        return dt.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return dt.strftime("%Y-%m-%d")


def issue(names: list[str], now: float, salt: str = "") -> Certificate:
    digest = sha256(f"{','.join(names)}/{now}/{salt}".encode()).hexdigest()
    # Let's Encrypt starts validity an hour in the past against clock skew
    return Certificate(tuple(n.lower() for n in names), now - 3600, now - 3600 + LIFETIME,
                       digest[:36].lstrip("0") or "1")


def to_pem(cert: Certificate) -> str:
    import json          # json loads re: only where a lab has certificates (issue 20)

    facts = json.dumps({"names": list(cert.names), "nb": cert.not_before, "na": cert.not_after,
                        "serial": cert.serial, "issuer": cert.issuer}, separators=(",", ":"))
    body = base64.b64encode(b"simnet-cert:" + facts.encode()).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def load_pem(text: str) -> Certificate | None:
    """The first certificate in a PEM file, or None if there is none we can read."""
    if "-----BEGIN CERTIFICATE-----" not in text:
        return None
    body = text.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    try:
        raw = base64.b64decode("".join(body.split()), validate=True)
    except ValueError:
        return None
    if not raw.startswith(b"simnet-cert:"):
        return None
    import json

    try:
        facts = json.loads(raw[len(b"simnet-cert:"):])
        return Certificate(tuple(facts["names"]), float(facts["nb"]), float(facts["na"]), str(facts["serial"]),
                           str(facts.get("issuer", "C=US, O=Let's Encrypt, CN=E6")))
    except (ValueError, KeyError, TypeError):
        return None


def live_dir(name: str) -> str:
    return f"{LIVE}/{name}"


def install(node: "Node", name: str, cert: Certificate, authenticator: str = "nginx") -> None:
    """Write the files certbot writes for certificate ``name``."""
    pem = to_pem(cert)
    d = live_dir(name)
    node.files[f"{d}/cert.pem"] = pem
    node.files[f"{d}/fullchain.pem"] = pem + ISSUER_PEM
    node.files[f"{d}/chain.pem"] = ISSUER_PEM
    key = base64.b64encode(sha256(f"key/{name}/{cert.serial}".encode()).digest() * 4).decode()
    node.files[f"{d}/privkey.pem"] = ("-----BEGIN PRIVATE KEY-----\n" + key[:64] + "\n" + key[64:] +
                                      "\n-----END PRIVATE KEY-----\n")
    node.files[f"{RENEWAL}/{name}.conf"] = (
        f"# renew_before_expiry = 30 days\nversion = 2.1.0\narchive_dir = /etc/letsencrypt/archive/{name}\n"
        f"cert = {d}/cert.pem\nprivkey = {d}/privkey.pem\nchain = {d}/chain.pem\n"
        f"fullchain = {d}/fullchain.pem\n\n# Options used in the renewal process\n[renewalparams]\n"
        f"account = 7c1f0a9e2b5d4c3a8e6f1b2d9c0a7e54\nauthenticator = {authenticator}\n"
        f"installer = {authenticator}\nserver = https://acme-v02.api.letsencrypt.org/directory\n"
        f"key_type = ecdsa\n")


def stored_certificates(node: "Node") -> dict[str, Certificate | None]:
    """Certificate name -> its certificate (None when the files are gone or broken)."""
    out: dict[str, Certificate | None] = {}
    for path in sorted(node.files):
        if path.startswith(RENEWAL + "/") and path.endswith(".conf"):
            name = path[len(RENEWAL) + 1:-len(".conf")]
            text = node.files.get(f"{live_dir(name)}/fullchain.pem")
            out[name] = load_pem(text) if text is not None else None
    return out


def verify_error(cert: Certificate | None, host: str, now: float) -> str | None:
    """Go's crypto/x509 verdict as tailscale and curl-in-Go print it, or None when fine."""
    if cert is None:
        return "remote error: tls: internal error"
    if not cert.trusted:
        return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    if not cert.valid_at(now):
        rel = "after" if now > cert.not_after else "before"
        edge = cert.not_after if now > cert.not_after else cert.not_before
        return (f"tls: failed to verify certificate: x509: certificate has expired or is not yet valid: "
                f"current time {fmt_time(now, 'go')} is {rel} {fmt_time(edge, 'go')}")
    if not cert.covers(host):
        names = ", ".join(cert.names)
        return f"tls: failed to verify certificate: x509: certificate is valid for {names}, not {host}"
    return None


ISSUER_PEM = ("-----BEGIN CERTIFICATE-----\n"
              "TGV0J3MgRW5jcnlwdCBFNiAoc2ltbmV0KTogZGFzIFp3aXNjaGVuemVydGlmaWth\n"
              "dCBkZXIgQ0E=\n"
              "-----END CERTIFICATE-----\n")
