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
# # Ausprobieren: Headscale, Subnet-Router und Exit-Node
#
# Hier richtest du das Tailnet selbst ein, so wie in der Vorlage: User auf dem
# VPS anlegen, Geräte mit `tailscale up` anmelden, auf dem VPS registrieren,
# Routen freigeben. Danach brichst du gezielt jede der **fünf Bedingungen** des
# Subnet-Routers und siehst, woran das Paket scheitert.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


import re

LOGIN = "tailscale up --login-server=https://vpn.example.net"


def anmelden(lab, knoten, optionen="", user="zabooz"):
    """tailscale up auf dem Gerät, dann headscale nodes register mit dem Schlüssel aus der URL."""
    ergebnis = zeige(lab, knoten, f"{LOGIN} {optionen}".strip())
    schluessel = re.search(r"/register/(\S+)", ergebnis.stderr).group(1)
    zeige(lab, "vps", f"headscale nodes register --user {user} --key {schluessel}")


lab = Lab.load("headscale")
zeige(lab, "vps", "headscale users create zabooz");

# %% [markdown]
# ## Der Container wird Subnet-Router
#
# Bedingung 1: IP-Forwarding im Container. Bedingung 2: Er kündigt das Heimnetz
# mit `--advertise-routes` an.

# %%
zeige(lab, "tailscale", "sysctl -w net.ipv4.ip_forward=1")
anmelden(lab, "tailscale", "--advertise-routes=192.168.0.0/24")
anmelden(lab, "maschinchen", "--accept-routes")
zeige(lab, "vps", "headscale nodes list-routes");

# %% [markdown]
# Die Route ist angekündigt, aber noch nicht freigegeben (Bedingung 3). Der Ping
# scheitert, und die Erklärung sagt dir, warum.

# %%
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 2 192.168.0.101")
print(ergebnis.trace.explain())
assert not ergebnis.trace.ok

# %% [markdown]
# Gib die Route auf dem VPS frei. Jetzt geht der Ping durch – über den Container
# zu Proxmox. Die TTL 63 verrät: Genau ein Router lag dazwischen.

# %%
zeige(lab, "vps", "headscale nodes approve-routes --identifier 1 --routes 192.168.0.0/24")
ergebnis = zeige(lab, "maschinchen", "ping -c 1 -W 2 192.168.0.101")
print(ergebnis.trace.explain())
assert ergebnis.trace.ok
views.draw(lab, trace=ergebnis.trace)

# %% [markdown]
# <div class="admonition warning">
# <p class="admonition-title">Richtigstellung zur Vorlage: Tabelle 52</p>
# <p>In der Vorlage steht, die Route zum Heimnetz landet in der normalen
# Routingtabelle. Unter Linux legt Tailscale sie aber in die eigene <strong>Tabelle
# 52</strong>, und eine <strong>Policy-Regel mit Priorität 5270</strong> schickt jedes Paket zuerst
# dorthin. <code>ip route</code> allein zeigt sie darum nicht – <code>ip route show table 52</code>
# und <code>ip rule</code> schon. Die Firewall-Regeln stehen in eigenen Ketten: <code>ts-input</code>,
# <code>ts-forward</code> und <code>ts-postrouting</code>.</p>
# </div>

# %%
zeige(lab, "maschinchen", "ip route")
zeige(lab, "maschinchen", "ip route show table 52")
zeige(lab, "maschinchen", "ip rule")
zeige(lab, "maschinchen", "ip route get 192.168.0.101")
zeige(lab, "tailscale", "iptables -S ts-forward")
zeige(lab, "tailscale", "iptables -t nat -S ts-postrouting");

# %% [markdown]
# ## Die fünf Bedingungen – brich jede einmal
#
# 1. Forwarding im Container, 2. Route angekündigt, 3. Route freigegeben,
# 4. Client mit `--accept-routes`, 5. ein Rückweg: Tailscale maskiert die
# Pakete ins Heimnetz (SNAT), sonst braucht Proxmox eine Route zurück nach
# `100.64.0.0/10`. Jede Zelle baut ein frisches Lab und bricht eine Bedingung.

# %%
def probe(lab):
    ergebnis = lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101")
    print("durch" if ergebnis.trace.ok else "verworfen", "–", ergebnis.trace.explain(), "\n")
    return ergebnis.trace.ok


lab = Lab.load("headscale", state="ready")
zeige(lab, "tailscale", "sysctl -w net.ipv4.ip_forward=0")          # Bedingung 1
assert not probe(lab)

# %%
lab = Lab.load("headscale", state="ready")
zeige(lab, "tailscale", "tailscale set --advertise-routes= --advertise-exit-node")   # Bedingung 2
assert not probe(lab)

# %%
lab = Lab.load("headscale", state="ready")
zeige(lab, "maschinchen", "tailscale set --accept-routes=false")    # Bedingung 4
assert not probe(lab)

# %%
lab = Lab.load("headscale", state="ready")
zeige(lab, "tailscale", "tailscale set --snat-subnet-routes=false")  # Bedingung 5
assert not probe(lab)
zeige(lab, "proxmox", "ip route add 100.64.0.0/10 via 192.168.0.150")
assert probe(lab)

# %% [markdown]
# ## Alle Schalter auf einmal
#
# Öffnest du dieses Notebook in `JupyterLab` (`make lab`), bekommst du hier ein
# Schaltpult: Jeder Schalter ist eine der fünf Bedingungen, nach jeder Änderung
# läuft der Ping neu, und du siehst sofort, ob das Paket ankommt. Auf der
# Lernseite fehlt das Pult, weil es einen laufenden Python-Kernel braucht.

# %% tags=["nur-live"]
lab = Lab.load("headscale", state="ready")
views.panel(lab, ("maschinchen", "ping -c 1 -W 2 192.168.0.101"),
            ["ip_forward@tailscale", "route_approved@192.168.0.0/24", "accept_routes@maschinchen",
             "snat_subnet_routes@tailscale", "back_route@proxmox"])

# %% [markdown]
# ## Deine Aufgabe: Repariere das Tailnet
#
# Im folgenden Lab sind **zwei** Bedingungen gebrochen. Finde sie mit den
# Befehlen aus diesem Kapitel und trag die Reparatur als Paare
# (Knoten, Befehl) in die Liste `reparatur` ein. Dann führ die Zelle aus.
# Tipp: Fang mit `ping`, `ip route get` und `tailscale status` an.

# %%
lab = Lab.load("headscale", state="ready")
lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=0")
lab.run("maschinchen", "tailscale set --accept-routes=false")

reparatur = [
    # ("tailscale", "…"),
]

for knoten, befehl in reparatur:
    zeige(lab, knoten, befehl)
ergebnis = lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101")
if ergebnis.trace.ok:
    print("Geschafft: Der Ping kommt bei Proxmox an.")
else:
    print("Noch nicht. Das sagt die Spur:\n" + ergebnis.trace.explain())

# %% [markdown]
# ## Users, Nodes und die Policy
#
# <div class="admonition warning">
# <p class="admonition-title">Richtigstellung zur Vorlage: ohne Policy ist alles erlaubt</p>
# <p>Die Vorlage sagt, User sehen einander ohne Policy nicht. Das stimmt
# nicht: Hat Headscale <strong>keine Policy</strong>, darf jedes Gerät mit jedem anderen
# sprechen, egal zu welchem User es gehört. Erst eine Policy (ACL) schränkt
# ein.</p>
# </div>
#
# Jules gehört zum User `jules` und erreicht Proxmox trotzdem.

# %%
lab = Lab.load("headscale", state="ready")
ergebnis = zeige(lab, "jules-laptop", "ping -c 1 -W 2 192.168.0.101")
assert ergebnis.trace.ok

# %% [markdown]
# Jetzt schreibst du eine Policy: Nur die Gruppe `group:admins` (Daniel) darf
# überall hin. Headscale liest sie nach einem Neustart.

# %%
zeige(lab, "vps", """echo '{"groups": {"group:admins": ["zabooz@"]},
  "acls": [{"action": "accept", "src": ["group:admins"], "dst": ["*:*"]}]}' > /etc/headscale/acl.hujson""")
zeige(lab, "vps", "headscale policy check -f /etc/headscale/acl.hujson")
vps = lab.node("vps")
vps.files["/etc/headscale/config.yaml"] = vps.files["/etc/headscale/config.yaml"].replace(
    'path: ""', "path: /etc/headscale/acl.hujson")                  # wie mit nano bearbeitet
zeige(lab, "vps", "systemctl restart headscale")
ergebnis = zeige(lab, "jules-laptop", "ping -c 1 -W 2 192.168.0.101")
print(ergebnis.trace.explain())
assert ergebnis.trace.disposition.name == "POLICY_DENIED"
assert lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").trace.ok

# %% [markdown]
# ## Exit-Node: das ganze Internet über zu Hause
#
# Der Container bietet sich als Exit-Node an (`--advertise-exit-node`), Headscale
# hat `0.0.0.0/0` freigegeben. Erst wenn der Laptop ihn mit `--exit-node`
# auswählt, geht sein gesamter Verkehr über das Heimnetz – und der VPS sieht
# die Adresse des Heimrouters statt der des Cafés.

# %%
lab = Lab.load("headscale", state="ready")
vorher = lab.run("maschinchen", "ping -c 1 -W 2 203.0.113.10")
print("Ohne Exit-Node:", vorher.trace.explain(), "\n")
zeige(lab, "maschinchen", "tailscale set --exit-node=100.64.0.1")
nachher = lab.run("maschinchen", "ping -c 1 -W 2 203.0.113.10")
print("Mit Exit-Node:", nachher.trace.explain())
assert nachher.trace.ok and "tailscale" in [hop.node for hop in nachher.trace.main.hops]
zeige(lab, "maschinchen", "ip route show table 52");
