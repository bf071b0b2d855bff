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
# # Ausprobieren: DHCP und DNS
#
# Im Lab `lan-dhcp` verteilt der Router mit `dnsmasq` Adressen und beantwortet
# die Namen im LAN. Im Terminal: `simnet shell lan-dhcp pc1`.

# %%
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


# %% [markdown]
# ## DHCP: die Adresse kommt vom Router
#
# Im Lab `lan-dhcp` verteilt der Router mit `dnsmasq` die Adressen. `pc1` hat in
# `/etc/network/interfaces` die Zeile `iface eth0 inet dhcp`; `ifup eth0` hat
# beim Start `dhclient` laufen lassen. Die Adresse ist `dynamic`: `valid_lft`
# zählt die Lease-Zeit herunter, nach der Hälfte verlängert `dhclient` sie.

# %%
lan = Lab.load("lan-dhcp")
zeige(lan, "pc1", "ip addr show eth0")
zeige(lan, "router", "cat /var/lib/misc/dnsmasq.leases");

# %% [markdown]
# Die vier Nachrichten – `DISCOVER`, `OFFER`, `REQUEST`, `ACK` – sind echte
# UDP-Pakete (Port 68 → 67). Zuerst gibt `pc1` seine Lease zurück, dann holt
# er sich eine neue, und `tcpdump` auf dem Router schaut zu.

# %%
mitschnitt = lan.start("router", "tcpdump -n -i lan port 67 or port 68")
zeige(lan, "pc1", "dhclient -r eth0")
neu = zeige(lan, "pc1", "dhclient -v eth0")
print(mitschnitt.result(timeout=0).stdout)
assert neu.returncode == 0 and "DHCPACK of" in neu.stderr

# %% [markdown]
# ## Ohne DHCP-Server keine Adresse
#
# Ist `dnsmasq` aus, bleibt `DHCPDISCOVER` unbeantwortet. `dhclient` wiederholt es eine
# Minute lang und gibt mit `-1` dann auf. (Windows würde sich jetzt eine
# APIPA-Adresse aus dem Bereich 169.254/16 geben – Debian lässt die
# Schnittstelle leer.)

# %%
zeige(lan, "router", "systemctl stop dnsmasq")
zeige(lan, "pc1", "dhclient -r eth0")
ohne = zeige(lan, "pc1", "dhclient -v -1 eth0")
assert ohne.returncode == 2 and "No DHCPOFFERS received." in ohne.stderr
zeige(lan, "router", "systemctl start dnsmasq")
assert zeige(lan, "pc1", "dhclient -1 eth0").returncode == 0

# %% [markdown]
# `dnsmasq` ist auch der DNS-Server des LANs: Es kennt die Namen, die die
# DHCP-Clients mitschicken, und seine eigene `/etc/hosts`.

# %%
zeige(lan, "pc1", "host drucker")
zeige(lan, "pc1", "dig +short laptop.lan");

# %% [markdown]
# ## Schaltpult: DHCP-Server an/aus
#
# Im laufenden Notebook schaltest du hier den DHCP-Server ein und aus; nach jedem
# Umschalten versucht `pc1` mit `dhclient -1 eth0`, eine Lease zu bekommen.

# %% tags=["nur-live"]
lan = Lab.load("lan-dhcp")
views.panel(lan, ("pc1", "dhclient -1 eth0"), ["dhcp_server@router"])

# %% [markdown]
# ## DNS: der Router beantwortet die Namen im LAN
#
# Namen auf `.lan` kennt `dnsmasq` selbst (aus den DHCP-Anfragen und seiner
# `/etc/hosts`), alles andere fragt es beim DNS-Server des Providers und merkt
# sich die Antwort für ihre TTL. Die zweite Frage kommt aus dem Cache: ohne
# `aa`-Flag, schneller, mit kleinerer TTL.

# %%
lab = Lab.load("lan-dhcp")
zeige(lab, "pc1", "dig +short drucker.lan")
erste = lab.run("pc1", "dig www.example.net").stdout
lab.advance(100)
zweite = lab.run("pc1", "dig www.example.net").stdout
print(erste)
print(zweite)
assert "flags: qr aa rd ra" in erste and "flags: qr rd ra;" in zweite
assert "\t300\tIN\tA\t" in erste and "\t200\tIN\tA\t" in zweite
