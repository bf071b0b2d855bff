"""``firefox URL`` / ``xdg-open URL``: simnet has no graphical desktop.

The seed opens the Proxmox web interface in a browser. Here the command
fetches the page through the simulated network like a browser would and
tells in German what the window would show (or why it stays empty), and
how to get the same with curl.
"""
from __future__ import annotations

from simnet.commands.base import Context

__all__ = ["main"]


def main(ctx: Context) -> int:
    from simnet.services.road_client import fetch, road_now
    from simnet.services.tls import verify_error

    urls = [a for a in ctx.args if not a.startswith("-")]
    prog = ctx.prog.rsplit("/", 1)[-1]
    if not urls:
        ctx.eprint(f"simnet: {prog} – simnet hat keine grafische Oberfläche. Webseiten holst du mit curl, "
                   "z. B. `curl -k https://192.168.0.101:8006/`.")
        return 1
    url = urls[0] if "://" in urls[0] else "http://" + urls[0]
    res = fetch(ctx.node, url, connect_timeout=30.0, insecure=True)
    ctx.journeys.extend(res.journeys)
    lines = [f"simnet: {prog} – simnet hat keine grafische Oberfläche, ein Browserfenster geht hier nicht auf."]
    if not res.ok or res.response is None:
        reason = {"dns": f"der Name {res.host} lässt sich nicht auflösen",
                  "connect": f"keine Verbindung zu {res.host}:{res.port} ({res.detail})",
                  "url": f"„{url}“ ist keine gültige Adresse"}.get(res.stage, res.stage)
        lines.append(f"Ein Browser zeigte jetzt eine Fehlerseite: {reason}.")
    else:
        resp = res.response
        title = _title(resp.body)
        if url.startswith("https://") and verify_error(resp.certificate, res.host, road_now(ctx.node)):
            lines.append("Ein Browser warnte zuerst: „Warnung: Mögliches Sicherheitsrisiko erkannt“ – das "
                         "Zertifikat ist selbst ausgestellt. Nach „Risiko akzeptieren“ käme:")
        lines.append(f"Ein Browser zeigte jetzt: „{title}“ (HTTP {resp.status})." if title else
                     f"Ein Browser zeigte jetzt die Antwort mit HTTP {resp.status}.")
    lines.append(f"Dasselbe im Terminal: curl -k {url}   (-k: Zertifikat nicht prüfen)")
    ctx.eprint("\n".join(lines))
    return 1


def _title(html: str) -> str:
    low = html.lower()
    start = low.find("<title>")
    end = low.find("</title>", start)
    return html[start + 7:end].strip() if start >= 0 and end > start else ""
