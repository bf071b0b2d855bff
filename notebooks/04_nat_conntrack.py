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
# # Ausprobieren: NAT und Verbindungsverfolgung
#
# Private Adressen wie `192.168.0.158` werden im Internet nicht geroutet. Der
# Heimrouter ersetzt darum den Absender durch seine öffentliche Adresse
# `198.51.100.57`: **MASQUERADE** in der Kette `POSTROUTING` der Tabelle `nat`.
# Damit die Antwort zurückfindet, merkt sich `conntrack` jede Verbindung.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("heimnetz")
zeige(lab, "router", "iptables -t nat -S");

# %% [markdown]
# ## Ein Ping ins Internet
#
# Die Debian-VM schickt einen Ping an den VPS. Die Erklärung nennt die Übersetzung, und in
# `conntrack -L` siehst du beide Richtungen: das Original
# (`src=192.168.0.158`) und die erwartete Antwort an `198.51.100.57`.

# %%
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok
zeige(lab, "router", "conntrack -L");

# %%
views.draw(lab, trace=ergebnis.trace)

# %% [markdown]
# ## Das Paket als Film
#
# Drück auf ▶ und verfolge das Paket Station für Station. Achte darauf, wo
# sich der Absender ändert: genau beim Heimrouter, auf dem Weg nach draußen.

# %%
from IPython.display import HTML

film = views.animate(ergebnis.trace, lab)
HTML(film.to_jshtml())

# %% [markdown]
# ## Was der VPS sieht
#
# Mit `tcpdump` auf dem VPS siehst du: Das Paket kommt von `198.51.100.57`, nicht
# von der privaten Adresse. `lab.start` lässt `tcpdump` im Hintergrund laufen,
# `result()` beendet es wie ein Abbruch mit `Ctrl+C` und liefert die Ausgabe.

# %%
mitschnitt = lab.start("vps", "tcpdump -n -i eth0 icmp")
lab.run("debian", "ping -c 1 -W 1 203.0.113.10")
print(mitschnitt.result().stdout)

# %% [markdown]
# ## Ohne MASQUERADE
#
# Jetzt löschst du die NAT-Regel. Die Anfrage erreicht den VPS noch, aber seine
# Antwort an `192.168.0.158` kann niemand im Internet zustellen.

# %%
zeige(lab, "router", "iptables -t nat -F POSTROUTING")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok

# %% [markdown]
# ## SNAT statt MASQUERADE
#
# Mit fester öffentlicher Adresse geht auch SNAT: Du nennst die neue
# Absenderadresse selbst. MASQUERADE nimmt immer die aktuelle Adresse der
# ausgehenden Schnittstelle, darum passt es zu wechselnden Adressen vom Provider.

# %%
zeige(lab, "router", "iptables -t nat -A POSTROUTING -o wan -j SNAT --to-source 198.51.100.57")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok

# %% [markdown]
# ## DNAT: von außen nach innen
#
# Portweiterleitung ist DNAT in `PREROUTING`: Der Router ändert das **Ziel**.
# Hier leitet er jeden Ping an seine öffentliche Adresse an Proxmox weiter. Der
# Laptop im Café bekommt die Antwort von Proxmox, ohne es zu merken.

# %%
zeige(lab, "router", "iptables -t nat -A PREROUTING -i wan -p icmp -j DNAT --to-destination 192.168.0.101")
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 1 198.51.100.57")
print(ergebnis.trace.explain())
assert "proxmox" in [hop.node for hop in ergebnis.trace.main.hops]

# %% [markdown]
# ## Die Verbindungstabelle vergisst
#
# Ein Eintrag lebt nur eine Weile (bei ICMP 30 Sekunden). Spul die Zeit vor
# und sieh nach.

# %%
zeige(lab, "router", "conntrack -L")
lab.advance(60)
zeige(lab, "router", "conntrack -L");

# %% [markdown]
# ## Und IPv6?
#
# Das Heimnetz ist Dual Stack: Neben `192.168.0.0/24` hat es `2001:db8:1::/64`. Die Debian-VM
# pingt den VPS über beide Protokolle. In `conntrack -L` am Heimrouter geht nur die
# IPv4-Antwort an seine öffentliche Adresse `198.51.100.57`; die IPv6-Antwort geht direkt an die
# Adresse der VM, ohne NAT. Von außen hält die FORWARD-Kette von ip6tables das LAN trotzdem zu.

# %%
heim = Lab.load("heimnetz")
zeige(heim, "debian", "ping -c 1 -W 1 2001:db8:ff00::10")
zeige(heim, "debian", "ping -c 1 -W 1 203.0.113.10")
zeige(heim, "router", "conntrack -L")
vm6 = heim.run("debian", "ip -6 -br addr show dev eth0 scope global").stdout.split()[2].split("/")[0]
ergebnis = zeige(heim, "vps", f"ping -c 1 -W 1 {vm6}")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok and ergebnis.trace.main.where == "router"
