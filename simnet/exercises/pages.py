"""Exercise pages for the study site (mkdocs-material Markdown), generated from the exercise files.

One page per exercise (variant 0) plus an overview page grouped by chapter.
Hints and the solution sit in collapsed boxes (``???``) so the learner
opens them on purpose. The reference answers are computed, like in grading.
"""
from __future__ import annotations

from pathlib import Path

from simnet.exercises.check import option_text, reference_answer
from simnet.exercises.generate import OPTION_LETTERS, Instance, instantiate
from simnet.exercises.model import CHAPTERS, Exercise, ExerciseError

__all__ = ["exercise_page", "index_page", "write_pages", "generated_pages"]


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in text.strip().splitlines())


def _solution(inst: Instance) -> str:
    ref = reference_answer(inst)
    if inst.kind == "fix":
        body = "```console\n" + "\n".join(f"root@{c.node}:~# {c.command}" for c in ref) + "\n```"
    elif inst.kind == "cause" or inst.options:
        k = inst.options.index(ref) if ref in inst.options else None
        body = (f"**{OPTION_LETTERS[k]})** " if k is not None else "") + option_text(inst, ref)
    elif inst.kind == "explain":
        needed = ", ".join(group[0] for group in inst.rubric.get("required", []))
        body = f"Musterantwort: {ref}\n\nDiese Begriffe sollten vorkommen: {needed}."
    else:
        body = f"**{ref}**"
    if inst.explanation:
        body += "\n\n" + inst.explanation
    return body


def exercise_page(ex: Exercise, seed: int = 0) -> str:
    inst = instantiate(ex, seed)
    parts = [f"# {ex.title}", "",
             f"*{ex.kind_label} · Kapitel {ex.chapter_label} · Übung `{ex.id}`*", "", inst.task.strip(), ""]
    if inst.options:
        parts += [f"{OPTION_LETTERS[k]}) {option_text(inst, o)}  " for k, o in enumerate(inst.options)] + [""]
    if inst.probe is not None and ex.kind in ("fix", "cause"):
        parts += [f"Gemessen wird mit: `{inst.probe.command}` auf „{inst.probe.node}“.", ""]
    parts += ['!!! tip "Probier\'s aus"', _indent(
        f"Im Terminal: `simnet exercise start {ex.id}` – deine eigene Variante, mit Prüfung und Hinweisen.\n"
        f"Im Notebook: `from simnet.exercises.widget import exercise_view; exercise_view(\"{ex.id}\")`"), ""]
    for k, hint in enumerate(inst.hints, 1):
        parts += [f'??? note "Hinweis {k}"', _indent(hint), ""]
    parts += ['??? success "Lösung"', _indent(_solution(inst)), ""]
    return "\n".join(parts)


def index_page(exercises: dict[str, Exercise]) -> str:
    parts = ["# Übungen", "",
             "Jede Übung ist ein kaputtes (oder ein ganz normales) Netz und eine Frage. Im Terminal bekommst du mit "
             "`simnet exercise start ID` deine eigene Variante, `simnet exercise check` prüft deine Antwort und "
             "erklärt, was passiert ist. `simnet exercise exam` ist der Prüfungsmodus: zufällige Aufgaben, "
             "ein Zeitlimit und keine Hinweise.", ""]
    for chapter, label in CHAPTERS.items():
        items = [e for e in exercises.values() if e.chapter == chapter]
        if not items:
            continue
        parts += [f"## {label}", "", "| Übung | Art |", "|---|---|"]
        parts += [f"| [{e.title}]({e.id}.md) | {e.kind_label} |" for e in items]
        parts.append("")
    return "\n".join(parts)


def generated_pages(exercises: dict[str, Exercise] | None = None, prefix: str = "uebungen") -> dict[str, str]:
    """``{uri: markdown}`` for a site build that adds pages without writing files, e.g. in an mkdocs hook::

        for uri, text in generated_pages().items():
            files.append(File.generated(config, uri, content=text))
    """
    from simnet.exercises.model import load_all

    exercises = exercises if exercises is not None else load_all()
    pages = {f"{prefix}/index.md": index_page(exercises)}
    pages.update({f"{prefix}/{ex.id}.md": exercise_page(ex) for ex in exercises.values()})
    return pages


def write_pages(exercises: dict[str, Exercise], outdir: Path) -> list[Path]:
    """Write ``index.md`` and one page per exercise into ``outdir``."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        written = []
        for ex in exercises.values():
            path = outdir / f"{ex.id}.md"
            path.write_text(exercise_page(ex), encoding="utf-8")
            written.append(path)
        index = outdir / "index.md"
        index.write_text(index_page(exercises), encoding="utf-8")
    except OSError as exc:
        raise ExerciseError(f"Die Übungsseiten können nicht nach {outdir} geschrieben werden: "
                            f"{exc.strerror}.") from None
    return [index, *written]
