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
# # Ausprobieren: NAT-Typen, STUN, Hole Punching und DERP
#
# Daniels Laptop sitzt hinter dem NAT des Cafés, der Container hinter dem NAT
# des Heimrouters. Keiner kann den anderen direkt ansprechen. Tailscale versucht
# es trotzdem: Mit **STUN** erfährt jedes Gerät seine öffentliche Adresse und
# seinen Port, beide schicken sich gleichzeitig UDP-Pakete (**Hole Punching**).
# Klappt das nicht, läuft der Verkehr über das Relay **DERP** auf dem VPS.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("headscale", state="ready")
print("NAT im Café:     ", lab.nat_type("cafe"))
print("NAT zu Hause:    ", lab.nat_type("router"))

# %% [markdown]
# ## STUN: Wie sieht mich das Internet?
#
# `tailscale netcheck` fragt den STUN-Server (eingebaut in Headscale, UDP-Port
# 3478) nach der eigenen öffentlichen Adresse. Der Laptop hat intern
# `10.0.5.2`, draußen erscheint er als Adresse des Café-Routers.

# %%
bericht = zeige(lab, "maschinchen", "tailscale netcheck")
assert "198.51.100.140" in bericht.stdout

# %% [markdown]
# ## Hole Punching
#
# Der erste `tailscale ping` läuft noch über DERP, während beide Seiten Löcher
# in ihre NAT-Tabellen schlagen. Sobald ein direkter Weg bestätigt ist, steht
# statt `DERP` die öffentliche Adresse des Heimrouters da.

# %%
antwort = zeige(lab, "maschinchen", "tailscale ping -c 5 100.64.0.1")
assert "via 198.51.100.57" in antwort.stdout

# %% [markdown]
# ## Ändere den NAT-Typ
#
# `lab.set_nat(router, typ)` gibt einem Router ein anderes NAT-Verhalten:
# `full-cone`, `restricted-cone`, `port-restricted-cone`, `symmetric` oder
# `udp-blocked`. Ein **symmetrisches NAT** vergibt für jedes Ziel einen neuen
# Port – der Port, den STUN gemeldet hat, gilt dann nicht für den anderen Peer.
# Zusammen mit dem NAT `port-restricted-cone` zu Hause klappt kein direkter Weg mehr.
# Probier andere Kombinationen aus: Ändere `nat_im_cafe` (oder `nat_zu_hause`) und führe die
# Zelle noch einmal aus – die Erklärung darunter sagt dir jedes Mal, welcher Weg es wurde und warum.
# Möglich sind `full-cone`, `restricted-cone`, `port-restricted-cone`, `symmetric`,
# `udp-blocked` und `none` (gar keine Adressübersetzung).

# %%
from simnet.tailnet.traversal import explain_tailscale_ping

nat_im_cafe = "symmetric"
nat_zu_hause = "port-restricted-cone"
lab.set_nat("cafe", nat_im_cafe)
lab.set_nat("router", nat_zu_hause)
antwort = zeige(lab, "maschinchen", "tailscale ping -c 3 100.64.0.1")
print(explain_tailscale_ping(lab, "maschinchen", "tailscale", antwort))

# %% [markdown]
# ## DERP rettet die Verbindung
#
# Auch ohne direkten Weg kommt der Ping an: über das Relay auf dem VPS, per
# TCP auf Port 443. Das ist langsamer, funktioniert aber fast überall – sogar
# wenn UDP ganz gesperrt ist.

# %%
lab.set_nat("router", "port-restricted-cone")
lab.set_nat("cafe", "udp-blocked")
zeige(lab, "maschinchen", "tailscale netcheck")
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 3 192.168.0.101")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok

# %% [markdown]
# ## Zurück zum direkten Weg
#
# Mit einem freundlichen NAT (`full-cone`) im Café findet Tailscale wieder den
# direkten Weg. Die Laufzeit sinkt.

# %%
lab.set_nat("cafe", "full-cone")
antwort = zeige(lab, "maschinchen", "tailscale ping -c 5 100.64.0.1")
assert "via 198.51.100.57" in antwort.stdout
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 3 192.168.0.101")
print(ergebnis.trace.explain())
views.draw(lab, trace=ergebnis.trace)
