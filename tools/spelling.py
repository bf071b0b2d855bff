"""Spell-check all learner-facing German text with hunspell (de_AT).

Checked: every Markdown page in ``lessons/``, the Markdown cells of the
notebooks in ``notebooks/`` and the site's name and chapter titles in mkdocs.yml. Code (fenced blocks, inline code), link targets,
URLs and HTML tags are not German and are left out. A word hunspell does not
know is only allowed if it stands in the reviewed list
``lessons/glossar-woerter.txt`` (one word a line, ``#`` starts a comment).
A hyphenated word is fine when each of its parts is known or allowed
("Proxmox-Web-Oberfläche").

Usage: ``python3 tools/spelling.py`` prints each unknown word with the files
that use it and exits 1 if there is one.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["ROOT", "GLOSSARY", "HunspellMissing", "german_text", "texts", "allowed_words", "unknown_words"]

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "lessons" / "glossar-woerter.txt"
DICTIONARY = "de_AT"

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_FENCE = re.compile(r"^([ \t]*)(```+|~~~+).*?^\1\2[^\n]*$", re.S | re.M)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_REF_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.M)
_URL = re.compile(r"(?:https?://|www\.)\S+")
_HTML_CODE = re.compile(r"<(code|pre|kbd)\b[^>]*>.*?</\1>", re.S)
_HTML_TAG = re.compile(r"<[^>]+>")
_ATTR_LIST = re.compile(r"\{[:#.][^}]*\}")
_ADMONITION = re.compile(r"^([ \t]*)(?:!!!|\?\?\?\+?)[ \t]+[\w-]+", re.M)
_WORD = re.compile(r"[^\W\d_](?:[\w-]*[^\W_])?")


class HunspellMissing(RuntimeError):
    """hunspell or its de_AT dictionary is not installed."""


def german_text(markdown: str) -> str:
    """The prose of a Markdown page, without code, links' targets, URLs and markup."""
    text = _FRONT_MATTER.sub("", markdown)
    text = _FENCE.sub("", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _LINK_TARGET.sub("]", text)
    text = _REF_DEFINITION.sub("", text)
    text = _URL.sub(" ", text)
    text = _HTML_CODE.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    text = _ATTR_LIST.sub(" ", text)
    text = _ADMONITION.sub(r"\1", text)      # keep the box's title, drop "!!! note"
    return text


def texts(root: Path = ROOT) -> dict[str, str]:
    """Relative file name → German text: lessons, notebook Markdown cells, mkdocs.yml titles."""
    import jupytext

    found: dict[str, str] = {}
    for page in sorted((root / "lessons").rglob("*.md")):
        found[page.relative_to(root).as_posix()] = german_text(page.read_text(encoding="utf-8"))
    config = root / "mkdocs.yml"
    if config.exists():                       # site name, description and chapter titles
        import yaml

        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        titles = list(((data.get("extra") or {}).get("kapitel") or {}).values())
        found["mkdocs.yml"] = "\n".join([str(data.get("site_name", "")), str(data.get("site_description", ""))]
                                         + [str(t) for t in titles])
    for source in sorted((root / "notebooks").glob("*.py")):
        nb = jupytext.read(source)
        cells = [c.source for c in nb.cells if c.cell_type == "markdown"]
        found[source.relative_to(root).as_posix()] = german_text("\n\n".join(cells))
    return found


def allowed_words(path: Path = GLOSSARY) -> set[str]:
    if not path.exists():
        return set()
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(word)
    return words


def words(text: str) -> list[str]:
    """The words hunspell should judge: letters and hyphens; tokens with digits
    (IPv4, eth0, ts-input chains with numbers) are names, not German."""
    return [w for w in _WORD.findall(text) if not any(c.isdigit() for c in w)]


def _hunspell_unknown(text: str) -> list[str]:
    """Unknown words of ``text``; fed one word a line so hunspell judges exactly our tokens."""
    return _hunspell_unknown_raw("\n".join(words(text)))


def _hunspell_unknown_raw(text: str) -> list[str]:
    if shutil.which("hunspell") is None:
        raise HunspellMissing("hunspell ist nicht installiert (apt-get install hunspell hunspell-de-at)")
    proc = subprocess.run(["hunspell", "-d", DICTIONARY, "-i", "utf-8", "-l"], input=text,
                          capture_output=True, text=True, encoding="utf-8")
    if proc.returncode != 0 or "Can't open affix or dictionary" in proc.stderr:
        raise HunspellMissing(f"hunspell findet das Wörterbuch {DICTIONARY} nicht: {proc.stderr.strip()}")
    return [w for w in proc.stdout.split() if w]


def unknown_words(found: dict[str, str], allowed: set[str]) -> dict[str, list[str]]:
    """Unknown word → files using it (sorted). Empty means everything is spelt right."""
    def ok(word: str) -> bool:
        return word in allowed or word.strip("-") in allowed

    by_word: dict[str, set[str]] = {}
    for name, text in found.items():
        for word in _hunspell_unknown(text):
            if not ok(word):
                by_word.setdefault(word, set()).add(name)
    # The tokenizer drops full stops; an abbreviation ("bzw.", "z.B.") is known with its dot.
    if by_word:
        dotted = set(_hunspell_unknown_raw("\n".join(f"{w}." for w in by_word)))
        for word in [w for w in by_word if f"{w}." not in dotted]:
            del by_word[word]
    # A compound with hyphens passes when each part is known or allowed.
    parts = {p for w in by_word if "-" in w for p in w.split("-") if p and not ok(p)}
    unknown_parts = set(_hunspell_unknown("\n".join(sorted(parts)))) if parts else set()
    result: dict[str, list[str]] = {}
    for word, names in sorted(by_word.items()):
        if "-" in word and all(not p or ok(p) or p not in unknown_parts for p in word.split("-")):
            continue
        result[word] = sorted(names)
    return result


def main() -> int:
    try:
        unknown = unknown_words(texts(), allowed_words())
    except HunspellMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    for word, names in unknown.items():
        print(f"{word}\t{', '.join(names)}")
    if unknown:
        print(f"{len(unknown)} unbekannte Wörter. Tippfehler ausbessern oder (geprüft) in "
              f"{GLOSSARY.relative_to(ROOT)} aufnehmen.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
