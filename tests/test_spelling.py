"""Spelling: all German learner text (lessons and notebook Markdown) passes hunspell de_AT.

Words hunspell does not know are allowed only from the reviewed list
lessons/glossar-woerter.txt. Skips only when hunspell or de_AT is missing
(CI installs hunspell and hunspell-de-at)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tools import spelling


def _have_de_at() -> bool:
    if shutil.which("hunspell") is None:
        return False
    proc = subprocess.run(["hunspell", "-D"], capture_output=True, text=True, input="")
    return "de_AT" in proc.stdout + proc.stderr


needs_hunspell = pytest.mark.skipif(not _have_de_at(), reason="hunspell mit de_AT ist nicht installiert")


def test_code_links_and_markup_are_not_checked():
    text = spelling.german_text(
        "# Titel\n\nEin `iptables -t nat` Befehl, [Link](../x/yzzq.md) und https://vpn.example.net/qqq.\n\n"
        "```bash\nsudo tailscale up --qqxx\n```\n\n!!! warning \"Achtung, Fehler\"\n    Text <b>fett</b>{: .klasse }\n")
    assert "iptables" not in text and "yzzq" not in text and "qqq" not in text and "qqxx" not in text
    assert "warning" not in text and "klasse" not in text and "<b>" not in text
    assert "Achtung, Fehler" in text and "Link" in text and "fett" in text


def test_words_skip_names_with_digits():
    assert spelling.words("IPv4 und eth0 sind Namen, Default-Route und Tailnet-Adressen nicht.") == \
        ["und", "sind", "Namen", "Default-Route", "und", "Tailnet-Adressen", "nicht"]


@needs_hunspell
def test_checker_finds_a_typo_and_respects_the_glossary():
    found = {"x.md": "Das Packet geht über die Weiterleitung bzw. Route zum Zwergbaumxyz."}
    unknown = spelling.unknown_words(found, set())
    assert "Zwergbaumxyz" in unknown and "Packet" in unknown
    assert "Weiterleitung" not in unknown and "bzw" not in unknown
    assert "Zwergbaumxyz" not in spelling.unknown_words(found, {"Zwergbaumxyz"})


@needs_hunspell
def test_hyphenated_compound_passes_when_all_parts_are_known():
    found = {"x.md": "Die Proxmox-Web-Oberfläche und der Proxmox-Zwergbaumxyz."}
    unknown = spelling.unknown_words(found, {"Proxmox"})
    assert "Proxmox-Web-Oberfläche" not in unknown
    assert "Proxmox-Zwergbaumxyz" in unknown


@needs_hunspell
def test_all_german_text_is_spelt_right():
    found = spelling.texts()
    assert any(name.startswith("lessons/") for name in found), "keine Lektionen gefunden"
    unknown = spelling.unknown_words(found, spelling.allowed_words())
    report = "\n".join(f"  {word}  ({', '.join(names)})" for word, names in unknown.items())
    assert not unknown, (f"{len(unknown)} Wörter kennt hunspell (de_AT) nicht. Ausbessern oder nach Prüfung in "
                         f"lessons/glossar-woerter.txt aufnehmen:\n{report}")
