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

# %% [markdown]
# ## IPv6: kürzen, ausschreiben, Präfix
#
# Dieselben Rechnungen für IPv6. `compressed` ist die kürzeste erlaubte
# Schreibweise, `exploded` die ausgeschriebene. Trag eigene Adressen ein und
# vergleiche mit deiner Rechnung auf Papier.

# %%
for text in ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0:1:0:0:1", "fe80::7f:32ff:fe8a:273d"]:
    adresse = ipaddress.ip_address(text)
    print(f"{text:42} kurz: {adresse.compressed:28} lang: {adresse.exploded}")
schnittstelle6 = ipaddress.ip_interface("2001:db8:1:0:7f:32ff:fe8a:273d/64")    # probier /48 oder /56
print("Präfix:", schnittstelle6.network)

# %% [markdown]
# ## Dual Stack: IPv4 mit NAT, IPv6 ohne
#
# Im Lab `dualstack` hat der Laptop seine IPv6-Adresse per SLAAC vom
# Router (radvd) bekommen. Er pingt den Server „web“ einmal über IPv4 und einmal über IPv6 –
# und der Router zeigt in `conntrack -L`, dass nur IPv4 übersetzt wird.

# %%
lab6 = Lab.load("dualstack")
print(lab6.run("laptop", "ip -br addr show dev eth0").stdout)
for ziel in ["198.51.100.10", "2001:db8:ffff::10"]:
    ergebnis = lab6.run("laptop", f"ping -c 1 -W 1 {ziel}")
    print(ergebnis.stdout.splitlines()[1])
print(lab6.run("router", "conntrack -L").stdout)

# %% [markdown]
# ## Forwarding, Rückroute und Firewall für IPv6
#
# Drei Dinge muss ein IPv6-Paket vom Laptop zu „web“ und zurück schaffen:
# Der Router muss weiterleiten (`net.ipv6.conf.all.forwarding`), „web“ braucht
# eine Route zurück ins Heimnetz (`2001:db8:1::/64 via 2001:db8:ffff::1`), und
# keine Regel in der FORWARD-Kette von ip6tables darf es verwerfen. Im
# Schaltpult schaltest du jede der drei Bedingungen um; nach jedem Klick läuft
# der Ping noch einmal, und darunter steht, wo das Paket bleibt.

# %% tags=["nur-live"]
from simnet import views

views.panel(lab6, ("laptop", "ping -c 1 -W 1 2001:db8:ffff::10"),
            ["ip6_forward@router", "back_route6@web", "fw6_drop@router"])

# %% [markdown]
# Dasselbe ohne Schaltpult: Jede Bedingung einzeln brechen, `ping` laufen lassen,
# die Erklärung lesen und wieder reparieren.

# %%
from simnet.views.toggles import make_toggle

for name in ["ip6_forward@router", "back_route6@web", "fw6_drop@router"]:
    schalter = make_toggle(lab6, name)
    schalter.set(lab6, not schalter.read(lab6))
    ergebnis = lab6.run("laptop", "ping -c 1 -W 1 2001:db8:ffff::10")
    print(schalter.commands[-1])
    print("  ", ergebnis.trace.explain())
    schalter.set(lab6, not schalter.read(lab6))
assert lab6.run("laptop", "ping -c 1 -W 1 2001:db8:ffff::10").trace.ok

# %% [markdown]
# ## Kein NAT heißt nicht offen
#
# Umgekehrt versucht „web“, den Laptop direkt mit `ping` zu erreichen. Bei IPv4 ginge das
# gar nicht (192.168.0.20 ist privat), bei IPv6 hat der Laptop eine weltweit
# gültige Adresse – es ist die Firewall des Routers, die das Paket verwirft.
# Mit einer Regel, die genau diesen Verkehr erlaubt, kommt es durch.

# %%
laptop6 = lab6.run("laptop", "ip -6 addr show dev eth0 scope global").stdout.split()[
    lab6.run("laptop", "ip -6 addr show dev eth0 scope global").stdout.split().index("inet6") + 1].split("/")[0]
ergebnis = lab6.run("web", f"ping -c 1 -W 1 {laptop6}")
print(ergebnis.trace.explain())
lab6.run("router", f"ip6tables -I FORWARD 1 -d {laptop6} -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT")
ergebnis = lab6.run("web", f"ping -c 1 -W 1 {laptop6}")
print(ergebnis.stdout)
assert ergebnis.trace.ok
