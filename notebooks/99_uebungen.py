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
# # Üben mit Punkten: Übungen, Prüfungsmodus und dein Fortschritt
#
# Hier übst du mit den bewerteten Übungen von simnet: rechnen, vorhersagen,
# Ursachen finden, kaputte Netze reparieren. Jede Übung hat eine eigene
# Variante für dich, Hinweise, wenn du nicht weiterkommst, und eine
# Rückmeldung, die erklärt, warum deine Antwort stimmt oder nicht.
#
# Dein Fortschritt bleibt gespeichert: in JupyterLab auf deinem Rechner, im
# Browser (JupyterLite) im Speicher deines Browsers – auch wenn du die Seite
# neu lädst. Am Ende lädst du ihn als CSV-Datei herunter und gibst sie deiner
# Lehrkraft ab.
#
# Führ zuerst alle Zellen aus (im Menü `Run → Run All Cells`).

# %% [markdown]
# ## Schritt 1: Dein Name
#
# Trag deinen Namen ein und klick auf **Namen speichern**. Er steht später in
# der CSV-Datei, damit deine Lehrkraft weiß, von wem sie ist. Du musst das nur
# einmal machen.

# %%
from simnet.exercises.widget import exam_view, exercise_picker, progress_view

fortschritt = progress_view()
fortschritt

# %% [markdown]
# ## Zum Aufwärmen: das Heimnetz
#
# Viele Übungen spielen in diesem Netz: ein Debian-Rechner, ein Router mit
# NAT, dahinter das Internet. So sieht es aus, wenn alles stimmt.

# %%
from simnet import Lab
from simnet.terminal import show as zeige  # Befehl ausführen und wie im Terminal zeigen

lab = Lab.load("heimnetz")
zeige(lab, "debian", "ip route")
ergebnis = zeige(lab, "debian", "ping -c 1 -W 2 203.0.113.10")
assert ergebnis.trace.ok

# %% [markdown]
# ## Schritt 2: Eine Übung aussuchen und lösen
#
# Such dir in der Liste eine Übung aus; ein ✔ davor heißt: schon gelöst.
# Gib deine Antwort ein (bei Reparaturen: Befehle im kaputten Lab ausführen)
# und klick auf **Prüfen**. **Hinweis** hilft weiter, **Neue Variante** gibt
# dir dieselbe Übung mit anderen Zahlen.

# %%
uebung = exercise_picker()
uebung

# %% [markdown]
# ## Schritt 3: Prüfungsmodus
#
# Fünf zufällige Aufgaben, 20 Minuten, keine Hinweise. Die Bewertung siehst
# du erst, wenn du abgibst – wie bei einer echten Prüfung. Das Ergebnis kommt
# auch in deine CSV-Datei. Führ die Zelle noch einmal aus, wenn du eine neue
# Prüfung willst.

# %%
pruefung = exam_view(n=5)
pruefung

# %% [markdown]
# ## Schritt 4: Fortschritt herunterladen
#
# Klick oben bei Schritt 1 auf **Fortschritt als CSV herunterladen**. Dann
# erscheint ein Link `fortschritt-DEIN-NAME.csv`; ein Klick darauf speichert
# die Datei. Sie liegt außerdem im Dateibrowser links (Rechtsklick →
# *Download*). Gib die Datei deiner Lehrkraft ab, zum Beispiel über die
# Lernplattform deiner Schule.
#
# Im Terminal (mit installiertem simnet) geht dasselbe mit
# `simnet exercise export --csv fortschritt.csv`.
