# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Ausprobieren: Der Weg zum Server
#
# Damit sich ein Gerät anmelden kann, muss es den Headscale-Server finden und
# erreichen: über einen **Namen** (DNS, hier mit DuckDNS aktuell gehalten), einen
# **Port** (443 für HTTPS), einen **Reverse Proxy** (nginx reicht die Anfragen
# samt WebSocket an Headscale weiter) und ein gültiges **TLS-Zertifikat**. Du
# gehst den Weg Station für Station ab – und findest dabei einen Fehler aus der
# Vorlage.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("headscale", state="firewall")     # der VPS mit der Firewall aus der Vorlage

# %% [markdown]
# ## 1. Der Name: DNS
#
# `vpn.example.net` muss auf die öffentliche Adresse des VPS zeigen. Bei einer
# wechselnden Adresse hält ein Skript von DuckDNS den Eintrag aktuell; es läuft
# alle fünf Minuten als `cron`-Job.

# %%
antwort = zeige(lab, "maschinchen", "dig +short vpn.example.net")
assert antwort.stdout.strip() == "203.0.113.10"
zeige(lab, "vps", "crontab -l");

# %% [markdown]
# ## 2. Die Ports: Wer hört wo?
#
# `ss -tlnp` zeigt, welche Programme auf welchen Ports warten. nginx nimmt 80
# und 443 von überall an, Headscale hört nur lokal auf `127.0.0.1:8090`. Von
# außen kommt also niemand direkt zu Headscale – nur über nginx, den Reverse
# Proxy.

# %%
ports = zeige(lab, "vps", "ss -tlnp")
assert "127.0.0.1:8090" in ports.stdout
zeige(lab, "vps", "grep -E 'server_url|listen_addr' /etc/headscale/config.yaml");

# %% [markdown]
# ## 3. TLS: Passt das Zertifikat?
#
# `curl -v` zeigt den TLS-Handshake und das Zertifikat: für welchen Namen es
# gilt, wer es ausgestellt hat und **bis wann**. Schau dir das Ablaufdatum
# genau an.

# %%
gesund = zeige(lab, "maschinchen", "curl -v https://vpn.example.net/health")
assert gesund.returncode == 0

# %% [markdown]
# ## 4. Die Firewall aus der Vorlage
#
# Die Vorlage öffnet mit `ufw` genau drei Ports: `22/tcp` (SSH), `443/tcp` (HTTPS,
# DERP) und `3478/udp` (STUN). Das reicht für den Betrieb – aber nicht für die
# Verlängerung des Zertifikats. Let's Encrypt prüft per HTTP auf **Port 80**,
# ob der Server wirklich zum Namen gehört.

# %%
zeige(lab, "vps", "ufw status")
probe = zeige(lab, "vps", "certbot renew --dry-run")
assert probe.returncode != 0

# %% [markdown]
# <div class="admonition warning">
# <p class="admonition-title">Richtigstellung zur Vorlage: Port 80 gehört dazu</p>
# <p>Ohne Port 80 scheitert jede automatische Verlängerung. Das fällt erst auf,
# wenn das Zertifikat nach 90 Tagen abläuft – dann verweigern alle Clients die
# Verbindung. Öffne <code>80/tcp</code> für die HTTP-Prüfung (nginx leitet sonst ohnehin auf
# HTTPS um).</p>
# </div>
#
# Spul die Zeit drei Tage vor: Das Zertifikat ist abgelaufen, und `curl` bricht
# die Verbindung ab – genau wie jeder Tailscale-Client.

# %%
lab.advance(3 * 24 * 3600)
abgelaufen = zeige(lab, "maschinchen", "curl -sS https://vpn.example.net/health")
assert abgelaufen.returncode == 60

# %% [markdown]
# Öffne Port 80, verlängere das Zertifikat und prüfe noch einmal.

# %%
zeige(lab, "vps", "ufw allow 80/tcp")
zeige(lab, "vps", "certbot renew")
zeige(lab, "vps", "openssl x509 -in /etc/letsencrypt/live/vpn.example.net/fullchain.pem -noout -enddate")
wieder_da = zeige(lab, "maschinchen", "curl -sS https://vpn.example.net/health")
assert wieder_da.returncode == 0

# %% [markdown]
# ## 5. Der Reverse Proxy fällt aus
#
# Läuft nginx nicht, ist Port 443 zu – obwohl Headscale selbst läuft. Die
# Fehlermeldung von `curl` verrät den Unterschied: `Couldn't connect` heißt,
# niemand hört auf dem Port.

# %%
zeige(lab, "vps", "systemctl stop nginx")
weg = zeige(lab, "maschinchen", "curl -sS https://vpn.example.net/health")
assert weg.returncode == 7
zeige(lab, "vps", "systemctl start nginx")
zeige(lab, "vps", "nginx -t");

# %% [markdown]
# ## 6. Ohne Port 443 kein DERP
#
# Im Tailnet läuft auch das Relay DERP über 443. Ist im Café UDP ganz gesperrt
# (manche Gastnetze machen das), bleibt nur DERP. Sperrt die Firewall des VPS
# dann auch noch Port 443, kommt kein Paket mehr durch.

# %%
lab = Lab.load("headscale", state="ready")
lab.set_nat("cafe", "udp-blocked")
zeige(lab, "vps", "iptables -A INPUT -p tcp --dport 443 -j DROP")
lab.advance(60)          # eine Minute vergeht, die alte DERP-Verbindung bricht ab
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 3 192.168.0.101")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok

# %% [markdown]
# Die Zähler zeigen, wie viele Pakete die Regel verworfen hat. Danach löschst
# du sie wieder.

# %%
zeige(lab, "vps", "iptables -L INPUT -n -v")
zeige(lab, "vps", "iptables -D INPUT -p tcp --dport 443 -j DROP")
regeln = zeige(lab, "vps", "iptables -S INPUT")
assert "--dport 443" not in regeln.stdout

# %% [markdown]
# ## Checkliste für den Server
#
# 1. DNS: Der Name aus `server_url` zeigt auf die öffentliche Adresse des VPS
#    (`dig +short`), das DuckDNS-Skript läuft regelmäßig (`crontab -l`).
# 2. Firewall des VPS: TCP 443 (HTTPS, DERP), UDP 3478 (STUN) und TCP 80 für
#    die Verlängerung des Zertifikats.
# 3. nginx läuft (`systemctl status nginx`, `nginx -t`), nimmt 443 an und
#    reicht an `127.0.0.1:8090` weiter – mit WebSocket-Upgrade, sonst bricht die
#    Verbindung der Clients ab.
# 4. Das Zertifikat ist gültig (`curl -v`, `certbot renew --dry-run`).
# 5. Headscale läuft: `systemctl status headscale`.

# %% [markdown]
# ## Was ein Mitleser sieht: HTTP gegen HTTPS
#
# Der Paket-Inspektor zeigt ein mitgeschnittenes Paket Schicht für Schicht. Bei
# HTTP steht die Anfrage lesbar in der Anwendungsschicht, bei HTTPS nur
# „verschlüsselt“ – IP-Adressen und Ports sind in beiden Fällen sichtbar (siehe
# die Seite „SSH, Telnet und TLS“).

# %%
from simnet.views.inspector import Mitschnitt

server = Lab.load("headscale")
gesehen = {}
for url in ["http://vpn.example.net/login", "https://vpn.example.net/login"]:
    with Mitschnitt(server, "vps", "eth0", "tcp") as mitschnitt:
        server.run("maschinchen", "curl -sI " + url)
    daten = next(k for k in range(len(mitschnitt)) if mitschnitt[k].schichten[-1].osi == 7)
    print(mitschnitt.text(daten), end="\n\n")
    gesehen[url] = str(mitschnitt[daten].schichten[-1].fields)
assert "HEAD /login" in gesehen["http://vpn.example.net/login"]
assert "verschlüsselt" in gesehen["https://vpn.example.net/login"]
