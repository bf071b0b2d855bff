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
# erreichen: über einen **Namen** (DNS, zum Beispiel DuckDNS), einen **Port**
# (443 für HTTPS), einen **Reverse Proxy** (nginx reicht die Anfragen samt
# WebSocket an Headscale weiter) und ein gültiges **TLS-Zertifikat**. Hier
# siehst du, welche Ports der VPS braucht und was passiert, wenn die Firewall
# einen davon sperrt.

# %%
# %matplotlib inline
from simnet import Lab, views


def zeige(lab, knoten, befehl):
    """Führt den Befehl auf dem Knoten aus und zeigt die Ausgabe wie im Terminal."""
    ergebnis = lab.run(knoten, befehl)
    print(f"root@{knoten}:~# {befehl}")
    print(ergebnis.stdout + ergebnis.stderr, end="")
    return ergebnis


lab = Lab.load("headscale", state="ready")
zeige(lab, "vps", "grep -E 'server_url|listen_addr|stun_listen_addr' /etc/headscale/config.yaml");

# %% [markdown]
# ## Was die Zeilen bedeuten
#
# - `server_url` ist die Adresse, die die Clients kennen: HTTPS auf Port 443.
#   Der Name muss per DNS auf die öffentliche Adresse des VPS zeigen.
# - `listen_addr` `127.0.0.1:8090`: Headscale selbst hört nur lokal. Von außen
#   kommt niemand direkt hin – nginx nimmt Port 443 an, kümmert sich um TLS und
#   reicht die Anfragen weiter.
# - `stun_listen_addr` Port 3478 (UDP): der eingebaute STUN-Server für
#   NAT-Traversal. Das DERP-Relay läuft über denselben HTTPS-Port 443.
#
# Die Firewall des VPS muss also TCP 443 und UDP 3478 durchlassen (und 80, wenn
# das Zertifikat über Port 80 bestätigt wird).

# %% [markdown]
# ## STUN gesperrt
#
# Was passiert, wenn jemand UDP 3478 auf dem VPS vergisst? Die Geräte erfahren
# ihre öffentliche Adresse nicht mehr. Der Verkehr läuft trotzdem – über DERP.

# %%
zeige(lab, "vps", "iptables -A INPUT -p udp --dport 3478 -j DROP")
bericht = zeige(lab, "maschinchen", "tailscale netcheck")
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 3 192.168.0.101")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok

# %% [markdown]
# ## Port 443 gesperrt
#
# Jetzt wird es ernst: Im Café ist UDP ganz gesperrt (manche Gastnetze machen
# das), der einzige Weg ist DERP über TCP 443. Sperrt die Firewall des VPS auch
# noch Port 443, kommt kein Paket mehr durch. Die Erklärung zeigt dir die Regel,
# die es verworfen hat.

# %%
lab = Lab.load("headscale", state="ready")
lab.set_nat("cafe", "udp-blocked")
zeige(lab, "vps", "iptables -A INPUT -p tcp --dport 443 -j DROP")
lab.advance(60)          # eine Minute vergeht, die alte DERP-Verbindung bricht ab
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 3 192.168.0.101")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok

# %% [markdown]
# Lösche die Regel wieder. Die Zähler zeigen, wie viele Pakete sie verworfen hat.

# %%
zeige(lab, "vps", "iptables -L INPUT -n -v")
zeige(lab, "vps", "iptables -D INPUT -p tcp --dport 443 -j DROP")
regeln = zeige(lab, "vps", "iptables -S INPUT")
assert "--dport 443" not in regeln.stdout

# %% [markdown]
# ## Checkliste für den Server
#
# 1. DNS: Der Name aus `server_url` zeigt auf die öffentliche Adresse des VPS.
# 2. Firewall des VPS: TCP 443 (HTTPS, DERP), UDP 3478 (STUN), eventuell TCP 80.
# 3. nginx: nimmt 443 an, hat ein gültiges Zertifikat und reicht an
#    `127.0.0.1:8090` weiter – mit WebSocket-Upgrade, sonst bricht die
#    Verbindung der Clients ab.
# 4. Headscale läuft: `systemctl status headscale`.
