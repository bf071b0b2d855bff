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
# # Ausprobieren: Routingtabelle, Longest-Prefix-Match und IP-Forwarding
#
# Jedes Paket, das einen Rechner verlässt, geht durch die Routingtabelle. Der
# Kernel nimmt die Route mit dem **längsten passenden Präfix**; passt nichts
# Genaueres, greift die Default-Route. Ein Router leitet nur weiter, wenn
# `net.ipv4.ip_forward = 1` gesetzt ist.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("heimnetz")
zeige(lab, "debian", "ip route");

# %% [markdown]
# ## Frag den Kernel
#
# Statt die Tabelle selbst zu lesen, fragst du den Kernel, welche Route er für
# ein Ziel nimmt. Für Proxmox im eigenen Netz gilt die Route `192.168.0.0/24`
# (direkt, ohne Gateway), für den VPS die Default-Route über `192.168.0.1`.

# %%
zeige(lab, "debian", "ip route get 192.168.0.101")
zeige(lab, "debian", "ip route get 203.0.113.10");

# %% [markdown]
# ## Longest-Prefix-Match live
#
# Jetzt legst du eine **genauere** Route an: Das Netz des Rechenzentrums
# `203.0.113.0/25` soll über den Container `tailscale` (`192.168.0.150`) gehen.
# `/25` ist länger als `/0` (die Default-Route), also gewinnt sie.

# %%
zeige(lab, "debian", "ip route add 203.0.113.0/25 via 192.168.0.150")
zeige(lab, "debian", "ip route get 203.0.113.10");

# %% [markdown]
# ## Ohne IP-Forwarding ist Schluss
#
# Der Container leitet aber nichts weiter: `ip_forward` steht auf 0. Das Paket
# kommt bei ihm an und wird verworfen. Die Erklärung sagt dir genau das.

# %%
zeige(lab, "tailscale", "sysctl net.ipv4.ip_forward")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert ergebnis.trace.disposition.name == "FORWARDING_DISABLED"

# %% [markdown]
# Schalte das Forwarding im Container ein und probier es noch einmal. Jetzt
# geht das Paket über den Container und von dort über seine eigene
# Default-Route zum Heimrouter. Setz den Wert wieder auf 0 und sieh, wie die
# Zeichnung sich ändert.

# %%
zeige(lab, "tailscale", "sysctl -w net.ipv4.ip_forward=1")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok
assert [hop.node for hop in ergebnis.trace.main.hops][:3] == ["debian", "tailscale", "router"]
views.draw(lab, trace=ergebnis.trace)

# %% [markdown]
# Ist dir die Zeile `Redirect Host` aufgefallen? Der Container merkt, dass er das
# Paket in dasselbe Netz zurückschickt, aus dem es kam, und sagt der Debian-VM
# mit einem `ICMP Redirect`: „Schick es gleich an `192.168.0.1`.“ Ein echter Linux-Kernel
# macht das genauso.

# %% [markdown]
# ## Ohne Default-Route kennt der Rechner das Internet nicht
#
# Löschst du die genaue Route und die Default-Route, bleibt nur das eigene
# Netz. Der Kernel meldet sofort `Network is unreachable`, es verlässt kein
# Paket den Rechner.

# %%
zeige(lab, "debian", "ip route del 203.0.113.0/25")
zeige(lab, "debian", "ip route del default")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok

# %% [markdown]
# ## Zwei Default-Routen und ihre Metrik
#
# Gibt es zwei Routen mit gleichem Präfix, entscheidet die kleinere **Metrik**.
# Die Route über den Container bekommt Metrik 50, die über den Heimrouter 100.
# Tausch die Zahlen und frag den Kernel noch einmal.

# %%
zeige(lab, "debian", "ip route add default via 192.168.0.1 metric 100")
zeige(lab, "debian", "ip route add default via 192.168.0.150 metric 50")
zeige(lab, "debian", "ip route")
antwort = zeige(lab, "debian", "ip route get 203.0.113.10")
assert "via 192.168.0.150" in antwort.stdout

# %% [markdown]
# ## Deine Aufgabe: Nur das Rechenzentrum
#
# Die Debian-VM soll **nur** das Netz des Rechenzentrums `203.0.113.0/25`
# erreichen, sonst nichts im Internet. Lösche ihre Default-Route und trag eine
# genaue Route ein. Die Zelle prüft: Der VPS (`203.0.113.10`) muss antworten,
# der Café-Router (`198.51.100.140`) darf nicht erreichbar sein.

# %%
lab = Lab.load("heimnetz")
befehle = [
    "ip route del default",
    # "ip route add …",
]
for befehl in befehle:
    zeige(lab, "debian", befehl)
vps = lab.run("debian", "ping -c 1 -W 2 203.0.113.10").trace.ok
cafe = lab.run("debian", "ping -c 1 -W 2 198.51.100.140").trace.ok
print("VPS erreichbar:        ", "ja" if vps else "nein", "(soll: ja)")
print("Café-Router erreichbar:", "ja" if cafe else "nein", "(soll: nein)")
print("Geschafft!" if vps and not cafe else "Noch nicht – frag den Kernel mit ip route get.")
