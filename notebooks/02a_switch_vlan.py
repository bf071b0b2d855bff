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
# # Ausprobieren: Switch, Hub und VLAN
#
# Im Lab `buero` hängen drei PCs an einem Switch, drei Werkstatt-PCs an einem alten
# Hub, und ein Router verbindet die beiden Netze. Hier siehst du, was ein Switch
# lernt und was ein dritter PC mitlesen kann. Im Terminal: `simnet shell buero pc1`.

# %%
# %matplotlib inline
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("buero")
views.draw(lab)

# %% [markdown]
# ## Die MAC-Tabelle füllt sich
#
# Nach dem Einschalten kennt der Switch keine MAC-Adresse. Ein Ping von `pc1` an
# `pc2` bringt ihm beide bei: `lab.mac_table("switch")` liefert die Tabelle als
# Liste (MAC-Adresse, Port, VLAN, Alter in Sekunden), `bridge fdb show` zeigt sie
# wie auf einem Linux-Switch.

# %%
assert lab.mac_table("switch") == []
zeige(lab, "pc1", "ping -c 1 192.168.1.12")
for zeile in lab.mac_table("switch"):
    print(zeile)
zeige(lab, "switch", "bridge fdb show br br0 | grep -v permanent");


# %% [markdown]
# ## Was liest ein dritter PC mit?
#
# `mitlesen` startet `tcpdump` auf einem Knoten, lässt einen Ping laufen und
# zählt, wie viele ICMP-Pakete der Mitleser gesehen hat.

# %%
def mitlesen(lab, leser, von, ziel):
    mit = lab.start(leser, "tcpdump -n -e -i eth0 icmp")
    lab.run(von, f"ping -c 2 {ziel}")
    lab.advance(1)
    gesehen = mit.result().stdout.count("ICMP echo")
    print(f"{leser} sieht {gesehen} von 4 ICMP-Paketen zwischen {von} und {ziel}")
    return gesehen


assert mitlesen(lab, "pc3", "pc1", "192.168.1.12") == 0       # Switch: nur an den richtigen Port
assert mitlesen(lab, "werk3", "werk1", "192.168.2.22") == 4   # Hub: an alle Ports

# %% [markdown]
# ## Aus dem Switch wird ein Hub
#
# Ein Hub ist ein Switch, der nichts lernt. Unter Linux bekommst du das mit der
# Alterungszeit 0: Die Bridge vergisst jede Adresse sofort und flutet jeden
# Rahmen. Danach liest `pc3` alles mit. Zurück auf 300 Sekunden flutet der
# Switch noch die erste Anfrage (er hat ja nichts gelernt), ab der Antwort von
# `pc2` weiß er wieder Bescheid.

# %%
zeige(lab, "switch", "ip link set br0 type bridge ageing_time 0")
assert mitlesen(lab, "pc3", "pc1", "192.168.1.12") == 4
zeige(lab, "switch", "ip link set br0 type bridge ageing_time 30000")
assert mitlesen(lab, "pc3", "pc1", "192.168.1.12") == 1
assert mitlesen(lab, "pc3", "pc1", "192.168.1.12") == 0

# %% [markdown]
# ## Über den Router
#
# Von `pc1` zu `werk2` geht es über den Router. `pc3` sieht davon nichts (der
# Switch schickt die Rahmen nur zum Router), `werk3` dagegen alles, weil der Hub
# die Rahmen des Routers an alle Ports weitergibt. Die TTL in der Antwort ist um
# eins kleiner: Ein Router zählt sie herunter, ein Switch nicht.

# %%
ueber = zeige(lab, "pc1", "ping -c 1 192.168.2.22")
assert "ttl=63" in ueber.stdout
assert mitlesen(lab, "pc3", "pc1", "192.168.2.22") == 0
assert mitlesen(lab, "werk3", "pc1", "192.168.2.22") == 4
views.draw(lab, trace=ueber.trace)

# %% [markdown]
# ## VLANs: zwei Netze auf denselben Switches
#
# Im Lab `vlan` sind pc1 und pc2 im Büro-VLAN 10, gast1 und gast2 im Gäste-VLAN 20.
# Zwei Switches sind mit einem Trunk verbunden, der Router hängt mit einem zweiten
# Trunk dran und routet zwischen den VLANs (Router on a Stick). Im Terminal:
# `simnet shell vlan sw1`.

# %%
vlan = Lab.load("vlan")
views.draw(vlan)

# %%
zeige(vlan, "sw1", "bridge vlan show")
trunk = vlan.start("sw2", "tcpdump -n -e -i eth3 icmp")
im_vlan = zeige(vlan, "pc1", "ping -c 1 192.168.10.12")
vlan.advance(1)
print(trunk.result().stdout)
assert im_vlan.trace.ok and "ttl=64" in im_vlan.stdout

# %% [markdown]
# Zwischen den VLANs geht es nur über den Router: Die TTL ist um eins kleiner.
# Eine Regel in seiner FORWARD-Kette trennt die Gäste vom Büro.

# %%
quer = zeige(vlan, "gast1", "ping -c 1 192.168.10.12")
assert quer.trace.ok and "ttl=63" in quer.stdout
zeige(vlan, "router", "iptables -A FORWARD -i eth0.20 -o eth0.10 -j DROP")
gesperrt = zeige(vlan, "gast1", "ping -c 1 -W 1 192.168.10.12")
print(gesperrt.trace.explain())
assert not gesperrt.trace.ok

# %% [markdown]
# ## Falsches VLAN am Port
#
# Wird der Port von pc2 dem Gäste-VLAN zugeordnet, bleibt schon die ARP-Anfrage
# von pc1 hängen. Das VLAN eines Access-Ports stellst du mit `bridge vlan` um –
# hier über einen Schalter, der genau diese Befehle ausführt.

# %%
from simnet.views.toggles import make_toggle

port_pc2 = make_toggle(vlan, "vlan@sw2:eth1")
port_pc2.set(vlan, "20")
print(port_pc2.commands)
falsch = zeige(vlan, "pc1", "ping -c 1 -W 5 192.168.10.12")
print(falsch.trace.explain())
assert not falsch.trace.ok
port_pc2.set(vlan, "10")
assert vlan.run("pc1", "ping -c 1 -W 5 192.168.10.12").trace.ok

# %% [markdown]
# ## Schaltpult: VLAN jedes Access-Ports
#
# Öffnest du dieses Notebook in `JupyterLab` (`make lab`), bekommst du hier ein
# Schaltpult: Für jeden Access-Port wählst du das VLAN, danach läuft der Ping von
# pc1 zu pc2 neu. Probier auch, beide PCs gemeinsam ins VLAN 20 zu legen – warum
# geht der Ping dann wieder? Auf der Lernseite fehlt das Pult, weil es einen
# laufenden Python-Kernel braucht.

# %% tags=["nur-live"]
pult = Lab.load("vlan")
views.panel(pult, ("pc1", "ping -c 1 -W 5 192.168.10.12"),
            ["vlan@sw1:eth1", "vlan@sw2:eth1", "vlan@sw1:eth2", "vlan@sw2:eth2"])
