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
# # Ausprobieren: Warum ein VPN?
#
# Daniel sitzt mit seinem Laptop `maschinchen` im Café und will auf die
# Proxmox-Oberfläche zu Hause (`192.168.0.101`). Ohne VPN geht das nicht: Die
# Adresse ist privat, kein Router im Internet kennt eine Route dorthin. Ein VPN
# baut einen verschlüsselten Tunnel, in dem private Adressen wieder erreichbar
# sind. Tailscale nutzt dafür WireGuard.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("headscale")
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 1 192.168.0.101")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok

# %% [markdown]
# Das Paket kommt bis zum Router `internet`. Der kennt `192.168.0.0/24` nicht,
# denn private Netze gibt es tausendfach. Die öffentliche Adresse des
# Heimrouters ist dagegen erreichbar – aber sie führt nur zum Router selbst.

# %%
views.draw(lab, trace=ergebnis.trace)

# %% [markdown]
# ## Mit dem Tailnet
#
# Der Zustand `ready` spielt alle Schritte aus der Vorlage nach: Headscale auf
# dem VPS, zwei User, der Container `tailscale` als Subnet-Router und Exit-Node,
# Daniels Laptop und der Laptop von Jules. Jetzt klappt derselbe Ping.

# %%
lab = Lab.load("headscale", state="ready")
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 2 192.168.0.101")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok
views.draw(lab, trace=ergebnis.trace)

# %% [markdown]
# ## Die Tunnel-Schnittstelle und die Tailnet-Adressen
#
# Jedes Gerät im Tailnet bekommt eine eigene Schnittstelle `tailscale0` mit einer
# Adresse aus `100.64.0.0/10` – als `/32`, also nur diese eine Adresse. Das
# Tailnet ist kein gewöhnliches Subnetz: Wer wen erreicht, bestimmen die Routen
# und die Schlüssel der Peers.

# %%
zeige(lab, "maschinchen", "ip addr show tailscale0")
zeige(lab, "maschinchen", "tailscale ip -4")
zeige(lab, "maschinchen", "tailscale status");

# %% [markdown]
# ## WireGuard in einem Satz
#
# Jeder Peer hat ein Schlüsselpaar. Damit machen zwei Peers einen Handshake und
# leiten daraus gemeinsame, symmetrische Sitzungsschlüssel ab. Ein Paket an
# `100.64.0.1` wird mit diesem Sitzungsschlüssel verschlüsselt
# (ChaCha20-Poly1305, nicht mit dem öffentlichen Schlüssel) und als UDP-Paket an
# die echte Adresse des Peers geschickt. Welche Ziel-Adressen zu welchem Peer gehören, sagen
# die `AllowedIPs`. Tailscale verteilt Schlüssel und `AllowedIPs` automatisch –
# das übernimmt der Koordinationsserver, hier Headscale.
#
# Probier: Schick einen Ping an die Tailnet-Adresse des Containers und an die von Jules.

# %%
for ziel in ["100.64.0.1", "100.64.0.3"]:
    ergebnis = zeige(lab, "maschinchen", f"ping -c 1 -W 2 {ziel}")
    assert ergebnis.trace.ok
