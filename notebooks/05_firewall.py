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
# # Ausprobieren: Firewall mit iptables und nftables
#
# Der Heimrouter filtert weitergeleitete Pakete in der Kette `FORWARD` der
# Tabelle `filter`. Hier baust du eine typische Router-Firewall Schritt für
# Schritt auf und siehst jedes Mal, ob der Ping durchgeht oder hängen bleibt.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("heimnetz")
zeige(lab, "router", "iptables -L FORWARD -n -v");

# %% [markdown]
# ## DROP oder REJECT?
#
# Eine Regel mit `DROP` verwirft das Paket still: Der Absender wartet bis zum
# Timeout. `REJECT` schickt eine Fehlermeldung zurück, der Absender weiß sofort
# Bescheid. Vergleiche die beiden Ausgaben.

# %%
zeige(lab, "router", "iptables -A FORWARD -d 203.0.113.10 -j DROP")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert ergebnis.trace.disposition.name == "FILTERED"

# %%
zeige(lab, "router", "iptables -R FORWARD 1 -d 203.0.113.10 -j REJECT")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert ergebnis.trace.disposition.name == "REJECTED"

# %% [markdown]
# ## Policy DROP und der Rückweg
#
# Eine sichere Firewall verbietet zuerst alles (Policy `DROP`) und erlaubt dann
# gezielt. Erlaubst du nur `lan → wan`, kommt die Anfrage hinaus, aber die
# Antwort bleibt hängen: Auch sie geht durch `FORWARD`.

# %%
zeige(lab, "router", "iptables -F FORWARD")
zeige(lab, "router", "iptables -P FORWARD DROP")
zeige(lab, "router", "iptables -A FORWARD -i lan -o wan -j ACCEPT")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok

# %% [markdown]
# Die Lösung ist `conntrack`: Antworten auf eine bekannte Verbindung sind
# `ESTABLISHED` und dürfen zurück. Die Zähler zeigen, welche Regel gegriffen hat.

# %%
zeige(lab, "router", "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok
zeige(lab, "router", "iptables -L FORWARD -n -v");

# %% [markdown]
# Von außen kommt jetzt nichts mehr herein, auch nicht der Laptop im Café, der
# einen Ping an die öffentliche Adresse des Routers schickt? Probier es aus – und überlege,
# warum dieser Ping trotzdem ankommt (Tipp: Er geht an den Router selbst, also
# durch `INPUT`, nicht durch `FORWARD`).

# %%
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 1 198.51.100.57")
print(ergebnis.trace.explain())

# %% [markdown]
# ## Deine Aufgabe: Nur Proxmox darf ins Internet
#
# Baue auf einem frischen Router eine Firewall: Policy `DROP` in `FORWARD`,
# Antworten erlaubt, und nur Proxmox (`192.168.0.101`) darf hinaus. Schreib
# deine Befehle in die Liste `regeln`. Die Zelle prüft danach, ob Proxmox den
# VPS erreicht und die Debian-VM nicht.

# %%
lab = Lab.load("heimnetz")
regeln = [
    "iptables -P FORWARD DROP",
    # "iptables -A FORWARD …",
]
for regel in regeln:
    zeige(lab, "router", regel)
proxmox = lab.run("proxmox", "ping -c 1 -W 1 203.0.113.10").trace.ok
debian = lab.run("debian", "ping -c 1 -W 1 203.0.113.10").trace.ok
print("Proxmox kommt hinaus:", "ja" if proxmox else "nein", "(soll: ja)")
print("Debian kommt hinaus: ", "ja" if debian else "nein", "(soll: nein)")
print("Geschafft!" if proxmox and not debian else "Noch nicht ganz – sieh dir die Zähler mit iptables -L FORWARD -n -v an.")

# %% [markdown]
# ## Dieselben Regeln in nftables
#
# Auf aktuellen Debian-Systemen steckt hinter `iptables` meist schon nftables
# (`iptables-nft`). `nft list ruleset` zeigt die Regeln in der neuen Schreibweise.

# %%
zeige(lab, "router", "nft list ruleset");

# %% [markdown]
# ## Und UFW?
#
# UFW (Uncomplicated Firewall) ist nur eine Bedienoberfläche: `ufw allow 22/tcp`
# schreibt am Ende ebenfalls iptables- oder nftables-Regeln. Wer die Ketten
# versteht, versteht auch UFW. Im Lab arbeitest du direkt mit den Ketten.

# %% [markdown]
# ## Portweiterleitung und DMZ
#
# Im Lab `dmz` hat die Firewall drei Beine: `wan`, `lan` (Büro-PC) und `dmz`
# (Webserver). Port 80 und 2222 ihrer öffentlichen Adresse leitet sie an den
# Webserver weiter; aus der DMZ ins LAN lässt sie nichts. Im Terminal:
# `simnet shell dmz extern`.

# %%
dmz = Lab.load("dmz")
dmz.start("web", "nc -lk 80")
zeige(dmz, "firewall", "iptables -t nat -S PREROUTING")
von_aussen = zeige(dmz, "extern", "nc -zv -w 2 198.51.100.57 80")
dmz_ins_lan = zeige(dmz, "web", "ping -c 1 -W 1 192.168.0.20")
print(dmz_ins_lan.trace.explain())
assert von_aussen.returncode == 0 and not dmz_ins_lan.trace.ok
views.draw(dmz, trace=von_aussen.trace)

# %% [markdown]
# Ohne die DNAT-Regel landet dieselbe Verbindung bei der Firewall selbst, und
# die antwortet mit RST („Connection refused“):

# %%
from simnet.views.toggles import make_toggle

weiterleitung = make_toggle(dmz, "dnat@firewall:80")
weiterleitung.set(dmz, False)
print(weiterleitung.commands[-1])
ohne = zeige(dmz, "extern", "nc -zv -w 2 198.51.100.57 80")
assert "refused" in ohne.stderr
weiterleitung.set(dmz, True)

# %% [markdown]
# ## Schaltpult: Portweiterleitung und DMZ
#
# In `JupyterLab` (`make lab`) schaltest du hier die Portweiterleitung und eine
# Regel „DMZ → LAN erlauben“ ein und aus. Das erste Pult prüft die Verbindung von
# außen auf Port 80, das zweite, ob der Webserver den Büro-PC erreicht. Auf der
# Lernseite fehlen die Pulte, weil sie einen laufenden Python-Kernel brauchen.

# %% tags=["nur-live"]
pult = Lab.load("dmz")
pult.start("web", "nc -lk 80")
views.panel(pult, ("extern", "nc -zv -w 2 198.51.100.57 80"), ["dnat@firewall:80", "dnat@firewall:2222"])

# %% tags=["nur-live"]
views.panel(pult, ("web", "ping -c 1 -W 1 192.168.0.20"), ["accept@firewall:dmz>lan", "accept@firewall:lan>dmz"])
