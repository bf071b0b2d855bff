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
# # Ausprobieren: Fehlersuche mit Methode
#
# Im Lab ist etwas kaputt. Du findest es wie im echten Leben: von innen nach
# außen, Schicht für Schicht. Erst die eigene Adresse, dann das Gateway, dann
# das Ziel, dann der Weg dazwischen.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("heimnetz")
# Jemand hat sich beim Gateway vertippt (die Zelle spielt den Fehler nach):
lab.run("debian", "ip route replace default via 192.168.0.11")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 2 203.0.113.10")
assert not ergebnis.trace.ok

# %% [markdown]
# ## Schritt 1: Eigene Adresse und Routen
#
# Stimmen Adresse und Maske? Gibt es eine Default-Route, und wohin zeigt sie?

# %%
zeige(lab, "debian", "ip -br addr")
zeige(lab, "debian", "ip route")
zeige(lab, "debian", "ip route get 203.0.113.10");

# %% [markdown]
# ## Schritt 2: Ist das Gateway erreichbar?
#
# Der Kernel will über `192.168.0.11`. Antwortet dort überhaupt jemand? Der
# Nachbartabelle verrät es.

# %%
zeige(lab, "debian", "ping -c 1 -W 2 192.168.0.11")
zeige(lab, "debian", "ip neigh");

# %% [markdown]
# Da ist niemand: Die ARP-Anfrage bleibt unbeantwortet. Der Router hat die
# Adresse `192.168.0.1`. Korrigiere die Route und prüfe noch einmal.

# %%
zeige(lab, "debian", "ip route replace default via 192.168.0.1")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 2 203.0.113.10")
assert ergebnis.trace.ok

# %% [markdown]
# ## traceroute: Wo bleibt das Paket hängen?
#
# `traceroute` schickt Pakete mit wachsender TTL. Jeder Router, bei dem die TTL
# auf 0 fällt, meldet sich mit `Time Exceeded`. So siehst du jede Station.
# Schalte danach auf dem Internet-Router das Forwarding ab und sieh, ab welcher
# Station die Sternchen kommen.

# %%
zeige(lab, "debian", "traceroute -n 203.0.113.10")
lab.run("internet", "sysctl -w net.ipv4.ip_forward=0")
zeige(lab, "debian", "traceroute -n -w 1 -m 5 203.0.113.10")
lab.run("internet", "sysctl -w net.ipv4.ip_forward=1");

# %% [markdown]
# ## Mitschneiden: Was kommt wirklich an?
#
# Mit `tcpdump` schaust du auf die Leitung. Auf der Schnittstelle `wan` des Routers
# siehst du die Pakete nach der Übersetzung, auf der Schnittstelle `lan` davor.

# %%
lan = lab.start("router", "tcpdump -n -i lan icmp")
wan = lab.start("router", "tcpdump -n -i wan icmp")
lab.run("debian", "ping -c 1 -W 1 203.0.113.10")
print("LAN:\n" + lan.result().stdout)
print("WAN:\n" + wan.result().stdout)

# %% [markdown]
# ## Die Spur des Pakets
#
# simnet schreibt zu jedem Befehl eine Spur: jeder Knoten, jede Entscheidung.
# `trace.explain()` fasst sie auf Deutsch zusammen, `print(trace)` zeigt alle
# Schritte. So überprüfst du deine Vermutung.

# %%
ergebnis = lab.run("debian", "ping -c 1 -W 1 203.0.113.10")
print(ergebnis.trace)
views.draw(lab, trace=ergebnis.trace)

# %% [markdown]
# Dasselbe noch einmal als Diagramm: Jede Spalte ist ein Knoten, jeder Pfeil ein
# Paket auf der Leitung, von oben nach unten in zeitlicher Reihenfolge.

# %%
views.sequence(ergebnis.trace)

# %% [markdown]
# ## Windows und Linux nebeneinander
#
# `ipconfig /all` zeigt auf einem Windows-Client Adresse, Subnetzmaske,
# Standardgateway und DNS-Server auf einmal. Unter Linux brauchst du dafür drei
# Befehle. Die Zelle liest sie im Lab und schreibt daraus das `ipconfig /all`,
# das ein Windows-Laptop an derselben Stelle zeigen würde.

# %%
import ipaddress
import re

from simnet.exercises.facts import ipconfig_all

cafe = Lab.load("headscale")
adresse = zeige(cafe, "maschinchen", "ip -4 addr show dev wlan0").stdout
routen = zeige(cafe, "maschinchen", "ip route").stdout
dns = zeige(cafe, "maschinchen", "cat /etc/resolv.conf").stdout
schnittstelle = ipaddress.ip_interface(re.search(r"inet (\S+)", adresse).group(1))
gateway = re.search(r"default via (\S+)", routen).group(1)
nameserver = re.search(r"nameserver (\S+)", dns).group(1)
print(ipconfig_all("LAPTOP-CAFE", str(schnittstelle.ip), schnittstelle.network.prefixlen, gateway, nameserver,
                   "02:51:59:4a:b1:77", dhcp=True, dhcp_server=gateway))
assert gateway == "10.0.5.1" and ipaddress.ip_address(gateway) in schnittstelle.network
