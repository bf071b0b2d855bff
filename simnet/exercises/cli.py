"""``simnet exercise …``: list, start, run, check, hint, exam, review, export, merge, pages, prove.

Exit codes: 0 = done / right, 1 = wrong answer, 2 = unusable input (German
message on stderr, never a traceback).
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable, TextIO

from simnet.exercises.model import CHAPTERS, CommandLine, Exercise, ExerciseError, load_all, parse_command_line
from simnet.exercises.snapshot import dump_lab, load_lab

__all__ = ["add_arguments", "run", "main"]


def _exercises(args: argparse.Namespace) -> dict[str, Exercise]:
    return load_all(args.dir)


def _get(exercises: dict[str, Exercise], ex_id: str) -> Exercise:
    if ex_id not in exercises:
        close = [e for e in exercises if ex_id in e]
        more = f" Meintest du: {', '.join(close[:5])}?" if close else " Alle Übungen zeigt „simnet exercise list“."
        raise ExerciseError(f"Eine Übung „{ex_id}“ gibt es nicht.{more}")
    return exercises[ex_id]


def _progress(args: argparse.Namespace):
    from simnet.exercises.progress import open_progress

    return open_progress(args.db)


def _learner(args: argparse.Namespace) -> str:
    from simnet.exercises.progress import default_learner

    return args.learner or default_learner()


def _instance(args: argparse.Namespace, ex: Exercise, start: bool = False):
    """The learner's variant: the running session's seed, else --seed, else the learner's own."""
    from simnet.exercises.generate import instantiate, learner_seed

    learner = _learner(args)
    with _progress(args) as db:
        session = db.session(learner, ex.id)
        if start or session is None or args.seed is not None:
            seed = args.seed if args.seed is not None else learner_seed(learner, ex.id)
            db.start(learner, ex.id, seed)
            session = (seed, 0)
    return instantiate(ex, session[0]), session


def describe(inst: Any) -> str:
    """The task as the learner sees it (also used for exercise pages)."""
    from simnet.exercises.check import option_text
    from simnet.exercises.generate import OPTION_LETTERS

    ex = inst.exercise
    lines = [f"{ex.title}",
             f"Übung „{ex.id}“, Variante {inst.seed} – {ex.kind_label}, Kapitel {ex.chapter_label}",
             "", inst.task.rstrip()]
    if inst.options:
        lines += ["", "Möglichkeiten:"]
        lines += [f"  {OPTION_LETTERS[k]}) {option_text(inst, o)}" for k, o in enumerate(inst.options)]
    return "\n".join(lines)


def topology(inst: Any) -> str:
    """The lab as it is meant to be (before the faults): nodes, interfaces, addresses."""
    lab = inst.build_lab(broken=False)
    lines = ["So sieht das Netz aus, wenn alles stimmt:"]
    for name, node in lab.nodes.items():
        addrs = [f"{i.name} {a.interface.with_prefixlen}" for i in node.interfaces.values() if not i.is_loopback
                 for a in i.addresses]
        lines.append(f"  {name:<14} {', '.join(addrs) or '(keine Adresse)'}")
    return "\n".join(lines)


def _how_to(ex: Exercise) -> str:
    if ex.kind == "fix":
        return (f"Befehle im kaputten Lab: simnet exercise run {ex.id} KNOTEN -- BEFEHL\n"
                f"Prüfen: simnet exercise check {ex.id}   Hinweis: simnet exercise hint {ex.id}")
    explore = ""
    if ex.kind == "cause":
        explore = f"Untersuchen: simnet exercise run {ex.id} KNOTEN -- BEFEHL\n"
    elif ex.kind == "predict":
        explore = f"Erst antworten, dann nachsehen: simnet exercise run {ex.id} KNOTEN -- BEFEHL\n"
    return f"{explore}Antworten: simnet exercise check {ex.id} ANTWORT   Hinweis: simnet exercise hint {ex.id}"


# ------------------------------------------------------------------ commands
def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    exercises = _exercises(args)
    with _progress(args) as db:
        solved = db.solved(_learner(args))
    chapter = None
    for ex in exercises.values():
        if args.chapter and not ex.chapter.startswith(args.chapter):
            continue
        if ex.chapter != chapter:
            chapter = ex.chapter
            print(f"\n{CHAPTERS[chapter]} ({chapter})", file=out)
        mark = "✔" if ex.id in solved else " "
        print(f"  {mark} {ex.id:<34} {ex.kind_label:<20} {ex.title}", file=out)
    return 0


def _cmd_start(args: argparse.Namespace, out: TextIO) -> int:
    ex = _get(_exercises(args), args.id)
    inst, _ = _instance(args, ex, start=True)
    print(describe(inst), file=out)
    if ex.lab is not None:
        print("\n" + topology(inst), file=out)
    print("\n" + _how_to(ex), file=out)
    return 0


def _cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    ex = _get(_exercises(args), args.id)
    if ex.lab is None:
        raise ExerciseError("Diese Übung hat kein Lab – hier wird gerechnet.")
    words = list(args.command[1:] if args.command[:1] == ["--"] else args.command)
    if not words:
        raise ExerciseError("Es fehlt der Befehl: simnet exercise run ID KNOTEN -- BEFEHL")
    line = CommandLine(args.node, words[0] if len(words) == 1 else " ".join(shlex.quote(w) for w in words))
    inst, _ = _instance(args, ex)
    learner = _learner(args)
    with _progress(args) as db:
        earlier = db.commands(learner, ex.id)
        lab = _session_lab(db, learner, ex.id, inst, earlier)
        res = lab.run(line.node, line.command)       # unknown node: LabError with the German message
        db.add_command(learner, ex.id, line)
        db.keep_lab(learner, ex.id, _snapshot_version(inst), len(earlier) + 1, dump_lab(lab))
    out.write(res.stdout)
    sys.stderr.write(res.stderr)
    if args.explain and len(res.trace):
        print("\n" + res.trace.explain(), file=out)
    return res.returncode


def _snapshot_version(inst: Any) -> str:
    """A kept lab belongs to this simnet code (its files' sizes and times) and this variant."""
    import hashlib

    import simnet

    digest = hashlib.sha256()
    for path in sorted(Path(simnet.__file__).parent.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return f"{digest.hexdigest()[:16]}:{inst.seed}"


def _session_lab(db: Any, learner: str, ex_id: str, inst: Any, earlier: list[CommandLine]) -> Any:
    """The lab as the learner left it: the kept snapshot, else rebuilt by replaying ``earlier``."""
    kept = db.lab_snapshot(learner, ex_id, _snapshot_version(inst))
    if kept is not None and kept[0] == len(earlier):
        lab = load_lab(kept[1])
        if lab is not None:
            return lab
    lab = inst.build_lab(broken=True)
    for old in earlier:
        if old.node in lab.nodes:
            lab.run(old.node, old.command)
    return lab


def _cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from simnet.exercises.answerfile import read_answer_file
    from simnet.exercises.check import grade
    from simnet.exercises.generate import instantiate

    exercises = _exercises(args)
    ex = _get(exercises, args.id)
    learner = _learner(args)
    if args.file:
        af = read_answer_file(args.file, exercises)
        if af.exercise != ex.id:
            raise ExerciseError(f"Die Antwortdatei gehört zur Übung „{af.exercise}“, nicht zu „{ex.id}“.")
        if af.seed is not None:
            args.seed = af.seed
        inst, session = _instance(args, ex)
        answer: Any = af.answer
    else:
        inst, session = _instance(args, ex)
        if ex.kind == "fix":
            with _progress(args) as db:
                answer = db.commands(learner, ex.id)
        else:
            if not args.answer:
                raise ExerciseError(f"Es fehlt die Antwort: simnet exercise check {ex.id} ANTWORT")
            answer = " ".join(args.answer)
    verdict = grade(instantiate(ex, inst.seed), answer)
    with _progress(args) as db:
        db.record(learner, ex.id, inst.seed, ex.kind, answer if isinstance(answer, str) else list(answer),
                  verdict.correct, verdict.points, verdict.max_points, hints=session[1])
    if ex.kind == "fix" and verdict.transcript and not verdict.correct:
        print("Deine Befehle:\n  " + "\n  ".join(t.replace("\n", "\n  ") for t in verdict.transcript) + "\n",
              file=out)
    print(("✔ " if verdict.correct else "✘ ") + verdict.feedback, file=out)
    return 0 if verdict.correct else 1


def _cmd_hint(args: argparse.Namespace, out: TextIO) -> int:
    ex = _get(_exercises(args), args.id)
    inst, _ = _instance(args, ex)
    if not inst.hints:
        print("Zu dieser Übung gibt es keine Hinweise.", file=out)
        return 0
    with _progress(args) as db:
        k = db.use_hint(_learner(args), ex.id)
    if k >= len(inst.hints):
        print(f"Das waren alle {len(inst.hints)} Hinweise. Noch einmal der letzte:", file=out)
        k = len(inst.hints) - 1
    print(f"Hinweis {k + 1}/{len(inst.hints)}: {inst.hints[k]}", file=out)
    return 0


def _read_answer(prompt: str, read: Callable[[str], str], out: TextIO, q: Any, lab_holder: dict) -> Any:
    """One exam answer. Lines „KNOTEN: BEFEHL“ run in the question's lab (and, for fixes, are the answer);
    a prediction is answered without trying it out first."""
    from simnet.lab import LabError

    commands: list[CommandLine] = []
    while True:
        line = read(prompt).strip()
        try:
            cmd = parse_command_line(line, "Eingabe") if ": " in line else None
        except ExerciseError:
            cmd = None
        if cmd is not None and q.instance.kind == "predict":
            print("Bei einer Vorhersage wird nicht ausprobiert – gib deine Antwort ein.", file=out)
            continue
        if cmd is not None and q.instance.exercise.lab is not None:
            if "lab" not in lab_holder:
                lab_holder["lab"] = q.instance.build_lab(broken=True)
            try:
                res = lab_holder["lab"].run(cmd.node, cmd.command)
                out.write(res.stdout + res.stderr)
                commands.append(cmd)
            except LabError as exc:
                print(exc, file=out)
            continue
        if q.instance.kind == "fix":
            if line == "":
                return commands
            print("Gib Befehle als „KNOTEN: BEFEHL“ ein; eine leere Zeile gibt die Lösung ab.", file=out)
            continue
        if line:
            return line


def _cmd_exam(args: argparse.Namespace, out: TextIO, read: Callable[[str], str] = input,
              clock: Callable[[], float] = time.monotonic) -> int:
    from simnet.exercises.answerfile import write_exam_file
    from simnet.exercises.exam import Exam, record_exam

    exercises = _exercises(args)
    if args.chapter:
        exercises = {k: v for k, v in exercises.items() if v.chapter.startswith(args.chapter)}
    seed = args.seed if args.seed is not None else int(clock() * 1000) % 100000
    exam = Exam(exercises, n=args.n, seed=seed, minutes=args.minutes, clock=clock, learner=_learner(args))
    print(f"Prüfungsmodus: {exam.n} Aufgaben, {args.minutes:g} Minuten, keine Hinweise (Prüfung {seed}).", file=out)
    print("Befehle zum Untersuchen: „KNOTEN: BEFEHL“. Bei Reparaturen gibt eine leere Zeile ab.", file=out)
    try:
        for q in exam.questions:
            if exam.expired:
                print("\nDie Zeit ist um.", file=out)
                break
            left = exam.remaining()
            print(f"\n— Aufgabe {q.number}/{exam.n} (noch {int(left // 60)}:{int(left % 60):02d} min) —", file=out)
            print(describe(q.instance).split("\n", 2)[2], file=out)
            if q.instance.kind in ("cause", "fix"):
                print("\n" + topology(q.instance), file=out)
            answer = _read_answer("Antwort> ", read, out, q, {})
            exam.answer(q.number, answer)
            if q.late:
                print("Diese Antwort kam nach Ablauf der Zeit und zählt nicht.", file=out)
    except (EOFError, KeyboardInterrupt):
        print("\nAbgegeben.", file=out)
    result = exam.finish()
    with _progress(args) as db:
        record_exam(db, exam, result)
    print("\n" + result.text(), file=out)
    if args.save:
        path = write_exam_file(exam, args.save)
        print(f"Abgabe gespeichert: {path}", file=out)
    return 0


def _cmd_review(args: argparse.Namespace, out: TextIO) -> int:
    from simnet.exercises.answerfile import read_exam_file
    from simnet.exercises.exam import regrade

    exercises = _exercises(args)
    doc = read_exam_file(args.file, exercises)
    result = regrade(doc, exercises)
    print(f"Prüfung von {doc.get('learner', '?')}:", file=out)
    print(result.text(), file=out)
    return 0


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from simnet.exercises.export import export_text

    with _progress(args) as db:
        text = export_text(db, _exercises(args), args.learner)
    if args.out:
        _write_text(args.out, text)
        print(f"{text.count(chr(10)) - 1} Versuche nach {args.out} exportiert.", file=out)
    else:
        out.write(text)
    return 0


def _write_text(path: str, text: str) -> None:
    from simnet.exercises.export import ENCODING

    try:
        Path(path).write_text(text, encoding=ENCODING)
    except OSError as exc:
        raise ExerciseError(f"{path} kann nicht geschrieben werden: {exc.strerror}.") from None


def _cmd_merge(args: argparse.Namespace, out: TextIO) -> int:
    from simnet.exercises.export import SUMMARY_HEADER, csv_text, merge, summary
    from simnet.exercises.progress import CSV_HEADER

    rows = merge(args.files)
    text = csv_text(SUMMARY_HEADER, summary(rows)) if args.summary else csv_text(CSV_HEADER, rows)
    learners = len({r[0] for r in rows})
    note = (f"{len(args.files)} Datei{'' if len(args.files) == 1 else 'en'}: {len(rows)} Versuche von {learners} "
            f"Lernenden")
    if args.out:
        _write_text(args.out, text)
        print(f"{note}, zusammengeführt in {args.out}.", file=out)
    else:
        out.write(text)
        print(f"{note}.", file=sys.stderr)
    return 0


def _cmd_pages(args: argparse.Namespace, out: TextIO) -> int:
    from simnet.exercises.pages import write_pages

    written = write_pages(_exercises(args), Path(args.outdir))
    print(f"{len(written)} Seiten nach {args.outdir} geschrieben.", file=out)
    return 0


def _cmd_prove(args: argparse.Namespace, out: TextIO) -> int:
    from simnet.exercises.check import prove
    from simnet.exercises.generate import instantiate

    exercises = _exercises(args)
    chosen = [_get(exercises, i) for i in args.ids] if args.ids else list(exercises.values())
    problems = [p for ex in chosen for seed in range(args.variants) for p in prove(instantiate(ex, seed))]
    for p in problems:
        print(p, file=out)
    print(f"{len(chosen)} Übungen × {args.variants} Variante{'' if args.variants == 1 else 'n'} geprüft: "
          f"{'alles lösbar' if not problems else f'{len(problems)} Probleme'}.", file=out)
    return 1 if problems else 0


# ------------------------------------------------------------------ parser
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the ``simnet exercise`` sub-parser (called from :mod:`simnet.cli`)."""
    parser.add_argument("--dir", help="Übungsordner (Standard: exercises/ im Projekt oder $SIMNET_EXERCISES)")
    parser.add_argument("--db", help="Fortschrittsdatei (Standard: im Datenordner, $SIMNET_DATA_DIR)")
    parser.add_argument("--learner", help="Name der*des Lernenden (Standard: Benutzername)")
    sub = parser.add_subparsers(dest="action", metavar="AKTION")
    p = sub.add_parser("list", help="alle Übungen auflisten")
    p.add_argument("--chapter", help="nur dieses Kapitel (z. B. 03-routing oder 03)")
    p.set_defaults(action_func=_cmd_list)
    for name, func, text in (("start", _cmd_start, "eine Übung (neu) beginnen und die Aufgabe zeigen"),
                             ("hint", _cmd_hint, "den nächsten Hinweis zeigen")):
        p = sub.add_parser(name, help=text)
        p.add_argument("id")
        p.add_argument("--seed", type=int, help="eine bestimmte Variante")
        p.set_defaults(action_func=func)
    p = sub.add_parser("run", help="einen Befehl im kaputten Lab der Übung ausführen")
    p.add_argument("id")
    p.add_argument("node")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.add_argument("--explain", action="store_true", help="danach erklären, was mit den Paketen passiert ist")
    p.set_defaults(action_func=_cmd_run, seed=None)
    p = sub.add_parser("check", help="die Antwort (oder deine Reparatur) prüfen")
    p.add_argument("id")
    p.add_argument("answer", nargs="*")
    p.add_argument("--file", help="Antwortdatei (YAML)")
    p.set_defaults(action_func=_cmd_check, seed=None)
    p = sub.add_parser("exam", help="Prüfungsmodus: zufällige Aufgaben, Zeitlimit, keine Hinweise")
    p.add_argument("-n", type=int, default=5, help="Anzahl der Aufgaben (Standard 5)")
    p.add_argument("--minutes", type=float, default=20.0, help="Zeit in Minuten (Standard 20)")
    p.add_argument("--seed", type=int)
    p.add_argument("--chapter")
    p.add_argument("--save", help="die Abgabe in diese Datei schreiben (für die Lehrkraft)")
    p.set_defaults(action_func=_cmd_exam)
    p = sub.add_parser("review", help="eine abgegebene Prüfung nachbewerten")
    p.add_argument("file")
    p.set_defaults(action_func=_cmd_review)
    p = sub.add_parser("export", help="Fortschritt als CSV für die Lehrkraft")
    p.add_argument("--csv", "--out", dest="out", metavar="DATEI", help="Zieldatei (sonst Standardausgabe)")
    p.set_defaults(action_func=_cmd_export)
    p = sub.add_parser("merge", help="die CSV-Exporte einer Klasse zu einer Tabelle zusammenführen (Lehrkraft)")
    p.add_argument("files", nargs="+", metavar="DATEI", help="Exporte der Lernenden (fortschritt-*.csv)")
    p.add_argument("--summary", action="store_true",
                   help="eine Zeile pro Lernende*r und Übung: Versuche, bestanden, beste Punkte")
    p.add_argument("--csv", "--out", dest="out", metavar="DATEI", help="Zieldatei (sonst Standardausgabe)")
    p.set_defaults(action_func=_cmd_merge)
    p = sub.add_parser("pages", help="Übungsseiten (Markdown) für die Lernseite schreiben")
    p.add_argument("outdir")
    p.set_defaults(action_func=_cmd_pages)
    p = sub.add_parser("prove", help="prüfen, dass jede Übung lösbar ist (für Autor*innen)")
    p.add_argument("ids", nargs="*")
    p.add_argument("--variants", type=int, default=3)
    p.set_defaults(action_func=_cmd_prove)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run a parsed ``simnet exercise`` command; German errors become exit code 2."""
    from simnet.lab import LabError

    out = out or sys.stdout
    func = getattr(args, "action_func", None)
    if func is None:
        print("simnet exercise: Es fehlt die Aktion (list, start, run, check, hint, exam, review, export, "
              "merge, pages, prove).", file=sys.stderr)
        return 2
    try:
        return func(args, out)
    except (ExerciseError, LabError) as exc:
        print(str(exc), file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="simnet exercise", description="Übungen und Prüfungsmodus")
    add_arguments(parser)
    return run(parser.parse_args(argv))
