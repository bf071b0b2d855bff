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
# # Ausprobieren: Ethernet und ARP
#
# Bevor ein Paket im selben Netz losgeht, braucht der Absender die MAC-Adresse
# des Ziels. Die fragt er mit ARP ab („Wer hat 192.168.0.101?“) und merkt sich
# die Antwort in der Nachbartabelle. Hier siehst du das live im Lab `heimnetz`.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("heimnetz")
zeige(lab, "debian", "ip link show dev eth0");

# %% [markdown]
# ## Die Nachbartabelle ist am Anfang leer
#
# `ip neigh` zeigt, welche MAC-Adressen die Debian-VM schon kennt. Nach dem
# Start: keine.

# %%
zeige(lab, "debian", "ip neigh");

# %% [markdown]
# ## Ein Ping füllt den Cache
#
# Die Debian-VM schickt einen Ping an Proxmox. Dafür schickt sie zuerst eine ARP-Anfrage als
# Broadcast, Proxmox antwortet mit seiner MAC-Adresse. Danach steht der Eintrag
# mit dem Zustand `REACHABLE` im Cache. In der Spur (`trace`) siehst du den
# ARP-Schritt.

# %%
ping = zeige(lab, "debian", "ping -c 1 -W 1 192.168.0.101")
assert ping.trace.ok
arp_schritte = [schritt for hop in ping.trace.main.hops for schritt in hop.steps if schritt.kind == "arp"]
for schritt in arp_schritte:
    print(schritt)
zeige(lab, "debian", "ip neigh");

# %% [markdown]
# Die Zeichnung zeigt den Weg des Pakets im Heimnetz: Proxmox und die
# Debian-VM hängen am selben Segment, es braucht keinen Router.

# %%
views.draw(lab, trace=ping.trace)

# %% [markdown]
# ## Niemand antwortet: ARP scheitert
#
# Unter `192.168.0.77` gibt es kein Gerät. Die ARP-Anfrage bleibt unbeantwortet,
# der Eintrag steht auf `INCOMPLETE` und später auf `FAILED`. Das Paket
# verlässt die Debian-VM nie. Probier auch eine andere Adresse aus dem Netz.

# %%
ergebnis = zeige(lab, "debian", "ping -c 1 -W 5 192.168.0.77")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok
zeige(lab, "debian", "ip neigh");

# %% [markdown]
# ## Einträge altern
#
# Ein Eintrag bleibt nicht ewig `REACHABLE`. Nach einiger Zeit ohne Bestätigung
# wird er `STALE` und beim nächsten Paket wieder geprüft. Im Lab vergeht die Zeit
# nur, wenn du sie vorspulst: `lab.advance(Sekunden)`.

# %%
lab.advance(120)
zeige(lab, "debian", "ip neigh");

# %% [markdown]
# ## WLAN ist für IP ein ganz normales Ethernet
#
# Der Laptop im Café hängt per WLAN am Café-Router. Funk simuliert simnet nicht,
# aber oberhalb der Funkschicht ist alles gleich: `wlan0` hat eine MAC-Adresse,
# und ARP fragt nach dem Gateway wie bei Kabel (siehe die Seite „WLAN“). Im
# Terminal: `simnet shell headscale maschinchen`.

# %%
cafe = Lab.load("headscale")
zeige(cafe, "maschinchen", "ip -br link")
funk = zeige(cafe, "maschinchen", "ping -c 1 10.0.5.1")
zeige(cafe, "maschinchen", "ip neigh")
assert funk.trace.ok and any(s.kind == "arp" for h in funk.trace.main.hops for s in h.steps)
