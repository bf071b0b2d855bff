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
# # Ausprobieren: Schichten und Kapselung
#
# Jede Schicht setzt ihren Kopf vor die Daten der Schicht darüber. Hier schneidest du im
# Lab `heimnetz` einen Ping mit und siehst jeden Rahmen Schicht für Schicht – wie im
# Paketbaum von Wireshark. Im Terminal geht dasselbe mit
# `simnet shell heimnetz router`, dann `tcpdump -v -e -n -i lan icmp &`,
# `wechsle proxmox`, `ping -c 1 203.0.113.10` und `fg`.

# %%
from simnet import Lab
from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen
from simnet.views.inspector import Mitschnitt

lab = Lab.load("heimnetz")

# %% [markdown]
# ## Ein Ping, zweimal mitgeschnitten
#
# Der Heimrouter hat zwei Schnittstellen: `lan` (Heimnetz) und `wan` (Internet). Du liest
# auf beiden mit, während Proxmox den VPS anpingt.

# %%
with Mitschnitt(lab, "router", "lan", "icmp") as innen, Mitschnitt(lab, "router", "wan", "icmp") as aussen:
    ping = zeige(lab, "proxmox", "ping -c 1 203.0.113.10")
assert ping.trace.ok and len(innen) == 2 and len(aussen) == 2

# %% [markdown]
# ## Die Anfrage auf der LAN-Seite
#
# Ganz oben steht, was `tcpdump -v -e` dazu schreibt; darunter jeder Kopf mit seiner Schicht.

# %%
innen[0]

# %% [markdown]
# ## Dieselbe Anfrage auf der Internet-Seite
#
# Vergleiche: Die MAC-Adressen sind neu (der Router hat einen neuen Rahmen gebaut), die
# TTL ist um 1 kleiner, und die Absenderadresse ist die öffentliche Adresse des Routers
# (NAT). Das Ziel und die ICMP-Felder sind gleich geblieben.

# %%
aussen[0]

# %%
vorher = dict(innen[0].schichten[1].fields)
nachher = dict(aussen[0].schichten[1].fields)
for feld in ("TTL", "Absender", "Ziel"):
    print(f"{feld:9} lan: {vorher[feld]:32} wan: {nachher[feld]}")
assert vorher["Ziel"] == nachher["Ziel"] and vorher["TTL"] != nachher["TTL"]

# %% [markdown]
# ## Probier selbst
#
# Schneide auf `eth0` von Proxmox mit, während die Debian-VM Proxmox anpingt. Welche
# Schichten hat der erste Rahmen? (Tipp: Bevor das erste Paket zu einem Nachbarn geht,
# fragt der Absender per ARP nach der MAC-Adresse.)

# %%
with Mitschnitt(lab, "proxmox", "eth0") as m:
    lab.run("debian", "ping -c 1 192.168.0.101")
print(m.text(0))
