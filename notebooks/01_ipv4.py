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
# # Ausprobieren: IPv4, Präfix und Subnetz
#
# In diesem Notebook rechnest du nicht nur auf Papier, sondern siehst, was eine
# Präfixlänge im Netz bewirkt. Du arbeitest im Lab `heimnetz`: Proxmox hat
# `192.168.0.101/24`, die Debian-VM `192.168.0.158/24`, der Router `192.168.0.1`.
#
# Jede Zelle kannst du ändern und danach neu ausführen.

# %%
from simnet import Lab

lab = Lab.load("heimnetz")
print(lab.run("debian", "ip -4 addr show dev eth0").stdout)

# %% [markdown]
# ## Netzanteil und Hostanteil nachrechnen
#
# Python hat das Modul `ipaddress` eingebaut. Damit prüfst du deine
# Rechnung: Netzadresse, Broadcastadresse und Anzahl nutzbarer Hosts.
# Ändere die Adresse oder die Präfixlänge und führe die Zelle noch einmal aus.

# %%
import ipaddress

schnittstelle = ipaddress.ip_interface("192.168.0.158/24")   # probier /26 oder /28
netz = schnittstelle.network
print("Netzadresse:     ", netz.network_address)
print("Subnetzmaske:    ", netz.netmask)
print("Broadcastadresse:", netz.broadcast_address)
print("nutzbare Hosts:  ", netz.num_addresses - 2)

# %% [markdown]
# ## Subnetting: 192.168.0.0/24 in vier Teile
#
# Zwei zusätzliche Netzbits machen aus einem /24 vier /26. Vergleiche die
# Tabelle mit deiner eigenen Rechnung aus der Lektion.

# %%
for teil in ipaddress.ip_network("192.168.0.0/24").subnets(new_prefix=26):
    hosts = list(teil.hosts())
    print(f"{str(teil):18} erster Host {hosts[0]!s:15} letzter Host {hosts[-1]!s:15} Broadcast {teil.broadcast_address}")

# %% [markdown]
# ## Was eine falsche Maske anrichtet
#
# Jetzt wird es praktisch: Die Debian-VM bekommt versehentlich `/28` statt `/24`.
# Dann liegt der Router `192.168.0.1` nicht mehr in ihrem Netz, und die
# Default-Route lässt sich nicht mehr über ihn erreichen. Proxmox (`.101`) liegt
# ebenfalls außerhalb von `192.168.0.144/28`.

# %%
lab = Lab.load("heimnetz")
lab.run("debian", "ip addr flush dev eth0")
lab.run("debian", "ip addr add 192.168.0.158/28 dev eth0")
ergebnis = lab.run("debian", "ping -c 1 -W 1 192.168.0.101")
print(ergebnis.stdout + ergebnis.stderr)
print(ergebnis.trace.explain())

# %% [markdown]
# Mit der richtigen Maske klappt es wieder. Die Erklärung unter der Ausgabe
# sagt dir jedes Mal, was mit dem Paket passiert ist.

# %%
lab.run("debian", "ip addr flush dev eth0")
lab.run("debian", "ip addr add 192.168.0.158/24 dev eth0")
ergebnis = lab.run("debian", "ping -c 1 -W 1 192.168.0.101")
print(ergebnis.stdout)
print(ergebnis.trace.explain())
assert ergebnis.trace.ok

# %% [markdown]
# ## CGNAT und der Tailnet-Bereich
#
# `100.64.0.0/10` ist der Shared Address Space für Carrier-Grade NAT. Tailscale
# und Headscale vergeben daraus die Tailnet-Adressen. Prüfe selbst, welche
# Adressen dazugehören – und welche nicht.

# %%
cgnat = ipaddress.ip_network("100.64.0.0/10")
for adresse in ["100.64.0.1", "100.127.255.254", "198.51.100.57", "192.168.0.101"]:
    drin = ipaddress.ip_address(adresse) in cgnat
    print(f"{adresse:16} {'gehört' if drin else 'gehört nicht'} zu {cgnat}")
print("Adressen im Bereich:", cgnat.num_addresses)
