"""German sentences for what went wrong on the road to the coordination server.

:func:`explain_road` looks at one journey and returns a sentence when the
road played the deciding part (DNS, ufw, TLS, nginx, Headscale behind it),
else None so that the general explanation applies.
"""
from __future__ import annotations

import re
from ipaddress import ip_address
from datetime import datetime, timezone
from typing import Any

from simnet.trace import Disposition, PacketTrace

__all__ = ["explain_road"]

FLOW_URL = re.compile(r"https?://([^/:\s]+)")
FLOW_TARGET = re.compile(r"TCP (\d+\.\d+\.\d+\.\d+):(\d+)")


def _date(ts: Any) -> str:
    try:
        return datetime.fromtimestamp(float(ts), timezone.utc).strftime("%d.%m.%Y %H:%M UTC")
    except (TypeError, ValueError, OverflowError):
        return "?"


def explain_road(p: PacketTrace) -> str | None:
    r = dict(p.reason)
    kind = r.get("road")
    host = r.get("host") or _host(p)
    if kind == "dns-nxdomain":
        return (f"Der Resolver {r.get('server')} kennt den Namen {r.get('name')} nicht (NXDOMAIN). Ohne Adresse "
                f"kann kein Programm eine Verbindung aufbauen. Prüfe mit `dig {r.get('name')}` und den DNS-Eintrag "
                "beim DNS-Anbieter (Tippfehler? Eintrag gelöscht?).")
    if kind == "tls-expired":
        return (f"Die Verbindung zu {host} steht, aber das Zertifikat ist abgelaufen (gültig bis "
                f"{_date(r.get('not_after'))}). Der Client bricht den TLS-Handshake ab (x509: certificate has "
                "expired). Auf dem VPS: `certbot certificates` zeigt es, `certbot renew` erneuert es – dafür muss "
                "Let's Encrypt Port 80 erreichen (`ufw allow 80/tcp`) – danach `systemctl reload nginx`.")
    if kind == "tls-name":
        return (f"Das Zertifikat, das nginx für {host} ausliefert, gilt nur für {r.get('names')}. Der Client "
                "lehnt es ab (x509: certificate is valid for …, not …). Prüfe `ssl_certificate` im server-Block "
                f"und hole mit `certbot --nginx -d {host}` ein passendes Zertifikat.")
    if kind == "tls-untrusted":
        return (f"Die Verbindung zu {host} steht, aber das Zertifikat ist selbst ausgestellt (von "
                f"„{r.get('issuer') or 'einer eigenen CA'}“), keiner CA, der der Client vertraut. Der Client bricht "
                "den TLS-Handshake ab (curl: unable to get local issuer certificate). Bei Proxmox ist das normal: "
                "`curl -k` (bzw. im Browser die Warnung bestätigen) – oder die CA /etc/pve/pve-root-ca.pem "
                "importieren.")
    if kind == "tls-alert":
        return (f"nginx bricht den TLS-Handshake für {host} ab: für diesen server-Block ist kein Zertifikat "
                "geladen. Prüfe `nginx -t` und `certbot certificates`.")
    if kind == "no-upgrade":
        return ("nginx leitet die Anfrage an Headscale weiter, aber ohne den Upgrade-Header. Tailscale baut seine "
                "Verbindung (TS2021) per HTTP-Upgrade auf; Headscale antwortet mit 500 und schreibt „No Upgrade "
                "header in TS2021 request“ ins Journal (`journalctl -u headscale`). Abhilfe in der nginx-Config: "
                "`proxy_set_header Upgrade $http_upgrade;` und `proxy_set_header Connection $connection_upgrade;`, "
                "dann `nginx -t` und `systemctl reload nginx`.")
    if kind == "http-error":
        status = r.get("status")
        if status == 502:
            return (f"nginx auf „{p.where}“ nimmt die Anfrage an, erreicht aber Headscale hinter sich nicht "
                    "(502 Bad Gateway: proxy_pass http://127.0.0.1:8090). Läuft headscale? "
                    "`systemctl status headscale`, `ss -tlpn` zeigt, ob Port 8090 lauscht.")
        return f"Der Server „{p.where}“ antwortet auf {r.get('path')} mit dem Fehler {status}."
    if p.disposition in (Disposition.FILTERED, Disposition.REJECTED) and _ufw_drop(p):
        target = FLOW_TARGET.search(p.flow)
        what = f"{'UDP' if 'udp' in p.flow.lower() or 'STUN' in p.flow else 'TCP'}-Port {target.group(2)}" \
            if target else "dieses Paket"
        port = target.group(2) if target else "PORT"
        proto = "udp" if "udp" in p.flow.lower() or "STUN" in p.flow else "tcp"
        return (f"ufw auf „{p.where}“ lässt {what} nicht herein: keine allow-Regel passt, also verwirft die "
                f"Default-Policy „deny (incoming)“ das Paket (Kette {r.get('chain')}). Der Absender wartet bis zum "
                f"Timeout. Abhilfe: `ufw allow {port}/{proto}`; prüfe mit `ufw status numbered` und "
                "`iptables -S ufw-user-input`.")
    if p.disposition is Disposition.PORT_UNREACHABLE and r.get("v4_only"):
        return None        # the daemon runs, but on IPv4 only: simnet.explain says so
    if p.disposition is Disposition.PORT_UNREACHABLE and host and r.get("port") in (80, 443) and _is_name(host):
        return (f"Die Verbindung zu {host} kommt bis „{p.where}“, aber dort lauscht nichts auf TCP-Port "
                f"{r.get('port')}: der Kernel antwortet mit RST (connection refused). Dort sollte nginx lauschen – "
                "prüfe `systemctl status nginx`, `ss -tlpn` und `journalctl -u nginx`; oft verhindert eine kaputte "
                "Konfiguration oder ein fehlendes Zertifikat den Start (`nginx -t`).")
    if p.disposition is Disposition.ARP_FAILED and host:
        return (f"Der DNS-Name {host} zeigt auf {r.get('ip')}, aber diese Adresse hat niemand (mehr): der Router "
                f"„{p.where}“ fragt per ARP vergeblich nach ihr. Typisch für einen veralteten DNS-Eintrag nach "
                "einem Adresswechsel: läuft das DuckDNS-Update? `crontab -l`, `cat /var/log/duckdns.log`, "
                f"`dig {host}`.")
    return None


def _is_name(host: str) -> bool:
    """A DNS name (the road to a server behind nginx), not an address someone typed."""
    try:
        ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False


def _host(p: PacketTrace) -> str | None:
    m = FLOW_URL.search(p.flow)
    return m.group(1) if m else None


def _ufw_drop(p: PacketTrace) -> bool:
    """Dropped by ufw: in one of its chains, or by the INPUT policy ufw set (marked by the
    road's transport, which knows the node's ufw state)."""
    r = dict(p.reason)
    return str(r.get("chain") or "").startswith("ufw-") or bool(r.get("ufw"))
