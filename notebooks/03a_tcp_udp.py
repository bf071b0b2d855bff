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
# # Ausprobieren: TCP, UDP und Ports
#
# Auf `pc2` im Lab `buero` lauscht ein Programm auf einem Port, `pc1` verbindet
# sich damit, und ein Mitschnitt zeigt den Drei-Wege-Handshake. Im Terminal:
# `simnet shell buero pc2`.

# %%
from simnet import Lab, views

from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen


lab = Lab.load("buero")
lauscher = lab.start("pc2", "nc -lk 8080")
zeige(lab, "pc2", "ss -tlnp");

# %% [markdown]
# ## Der Handshake im Mitschnitt
#
# `S` ist SYN, `S.` SYN-ACK, `.` ein reines ACK, `F.` FIN. Die Zeile mit `R.`
# kommt vom zweiten Versuch an Port 8081, auf dem niemand lauscht.

# %%
mit = lab.start("pc2", "tcpdump -n -i eth0 tcp")
offen = zeige(lab, "pc1", "nc -zv 192.168.1.12 8080")
zu = zeige(lab, "pc1", "nc -zv 192.168.1.12 8081")
lab.advance(1)
mitschnitt = mit.result().stdout
print(mitschnitt)
flags = [zeile.split("Flags [")[1].split("]")[0] for zeile in mitschnitt.splitlines() if "Flags [" in zeile]
assert flags[:3] == ["S", "S.", "."] and "R." in flags
assert offen.returncode == 0 and "refused" in zu.stderr

# %% [markdown]
# ## Geschlossen, abgelehnt oder verworfen?
#
# Dieselbe Frage an drei Ports mit drei Firewall-Regeln. Ändere die Regeln und
# sieh, wie sich die Meldung von `nc` ändert: Ein RST heißt „refused“, gar keine
# Antwort heißt „timed out“.

# %%
for regel in ("iptables -A INPUT -p tcp --dport 9001 -j REJECT --reject-with tcp-reset",
              "iptables -A INPUT -p tcp --dport 9002 -j DROP",
              "iptables -A INPUT -p tcp --dport 9003 -j REJECT --reject-with icmp-host-prohibited"):
    zeige(lab, "pc2", regel)
meldungen = {}
for port in (9001, 9002, 9003):
    meldungen[port] = zeige(lab, "pc1", f"nc -zv -w 3 192.168.1.12 {port}").stderr
assert "refused" in meldungen[9001] and "timed out" in meldungen[9002] and "No route" in meldungen[9003]

# %% [markdown]
# ## UDP: ein Datagramm, keine Verbindung
#
# An Port 5000 lauscht `nc -lu`, an 5001 niemand. Für 5001 schickt der Kernel
# ein ICMP „Port unreachable“ zurück – ein RST gibt es bei UDP nicht.

# %%
udp = lab.start("pc2", "nc -lu 5000")
mit = lab.start("pc2", "tcpdump -n -i eth0 udp or icmp")
zeige(lab, "pc1", "echo hallo | nc -u -w 1 192.168.1.12 5000")
zeige(lab, "pc1", "echo hallo | nc -u -w 1 192.168.1.12 5001")
lab.advance(1)
udp_mitschnitt = mit.result().stdout
print(udp_mitschnitt)
assert "udp port 5001 unreachable" in udp_mitschnitt
assert udp.result().stdout == "hallo\n"

# %% [markdown]
# ## Ein kleiner Webserver
#
# `python3 -m http.server` ist ein Webserver für einen Ordner. `curl` holt die
# Seite, `ss -tan` zeigt die Verbindung danach im Zustand `TIME-WAIT`.

# %%
web = lab.start("pc2", "python3 -m http.server 8000")
seite = lab.run("pc1", "curl -s http://192.168.1.12:8000/")
print(seite.stdout[:200])
zeige(lab, "pc1", "ss -tan")
assert seite.returncode == 0 and "Directory listing" in seite.stdout

# %% [markdown]
# ## Schaltpult: offen, abgelehnt oder verworfen?
#
# Ein Schalter ist eine Regel in der INPUT-Kette von pc2 für Port 8080: keine
# (offen), REJECT mit TCP-Reset oder DROP. Nach jeder Änderung läuft
# `nc -zv -w 2` von pc1 neu. Achte auf die Meldung von `nc` und die Zeit: „refused“
# kommt sofort, „timed out“ erst nach den zwei Sekunden. Das Pult braucht einen
# laufenden Python-Kernel (`make lab`).

# %%
from simnet.views.toggles import make_toggle

port_8080 = make_toggle(lab, "port@pc2:tcp/8080")
for zustand in port_8080.choices:
    port_8080.set(lab, zustand)
    meldung = lab.run("pc1", "nc -zv -w 2 192.168.1.12 8080").stderr.strip()
    print(f"{zustand:20} {meldung}")
print(port_8080.commands)
port_8080.set(lab, "offen")
assert lab.run("pc1", "nc -zv -w 2 192.168.1.12 8080").returncode == 0

# %% tags=["nur-live"]
pult = Lab.load("buero")
pult.start("pc2", "nc -lk 8080")
views.panel(pult, ("pc1", "nc -zv -w 2 192.168.1.12 8080"), ["port@pc2:tcp/8080"])
