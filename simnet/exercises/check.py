"""Grading with feedback that teaches: every wrong answer says what you would have seen if it were right.

:func:`grade` takes an :class:`~simnet.exercises.generate.Instance` and the
learner's answer (a letter, a text, or commands for a fix) and returns a
:class:`Verdict`. :func:`prove` checks that an exercise is solvable at all:
the unbroken lab passes, the broken lab fails for the stated reason and the
reference answer is graded right.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simnet.exercises.answers import (DISPOSITION_LABELS, answer_type, calc_mistake, calculated_answer, predict,
                                      predicted_answer, same_answer)
from simnet.exercises.faults import CATALOGUE, settle
from simnet.exercises.generate import OPTION_LETTERS, Instance
from simnet.exercises.model import CommandLine, ExerciseError, parse_command_line
from simnet.lab import LabError

if TYPE_CHECKING:
    from simnet.lab import Lab, Result

__all__ = ["Verdict", "grade", "prove", "reference_answer", "parse_commands", "option_text", "MAX_COMMANDS"]

MAX_COMMANDS = 200


@dataclass(frozen=True)
class Verdict:
    """The outcome of one answer. ``feedback`` is German and meant to be read."""

    correct: bool
    points: int
    max_points: int
    feedback: str
    expected: str
    given: str
    transcript: tuple[str, ...] = field(default=())


def option_text(inst: Instance, option: str) -> str:
    if inst.kind == "cause":
        return CATALOGUE[option].title
    if inst.exercise.ask == "disposition":
        return DISPOSITION_LABELS.get(option, option)
    return option


def parse_commands(answer: Any) -> list[CommandLine]:
    """Learner commands: text with one ``node: command`` per line, or a list; # lines are comments."""
    if isinstance(answer, str):
        items: list[Any] = [ln for ln in answer.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    elif isinstance(answer, (list, tuple)):
        items = list(answer)
    else:
        raise ExerciseError("Die Lösung ist eine Liste von Befehlen in der Form „KNOTEN: BEFEHL“.")
    if len(items) > MAX_COMMANDS:
        raise ExerciseError(f"Das sind mehr als {MAX_COMMANDS} Befehle – so viele braucht keine Übung.")
    return [x if isinstance(x, CommandLine) else parse_command_line(x, f"Zeile {k + 1}")
            for k, x in enumerate(items)]


def reference_answer(inst: Instance, lab: "Lab | None" = None) -> Any:
    """What a perfect learner would answer (fault id, commands, text)."""
    if inst.kind == "explain":
        return inst.model_answer
    if inst.kind == "cause":
        return inst.faults[0].id
    if inst.kind == "fix":
        return list(inst.solution)
    if inst.kind == "predict":
        return predicted_answer(inst, lab)
    return calculated_answer(inst)


def _pick_option(inst: Instance, answer: str) -> str | None:
    """A letter (a, b, …), an option's id or its full text → the option, else None."""
    text = str(answer).strip()
    low = text.lower().rstrip(")").rstrip(".")
    if len(low) == 1 and low in OPTION_LETTERS[:len(inst.options)]:
        return inst.options[OPTION_LETTERS.index(low)]
    for option in inst.options:
        if text.casefold() in (option.casefold(), option_text(inst, option).casefold()):
            return option
    return None


def _result(inst: Instance, ok: bool, feedback: str, expected: str, given: str,
            transcript: tuple[str, ...] = ()) -> Verdict:
    pts = inst.exercise.points
    return Verdict(ok, pts if ok else 0, pts, feedback.strip(), expected, given, transcript)


def _probe_story(res: "Result") -> str:
    if len(res.trace):
        return res.trace.explain()
    out = (res.stderr or res.stdout).strip()
    return f"Ausgabe: {out}" if out else f"Exit-Code {res.returncode}."


def _grade_cause(inst: Instance, answer: str) -> Verdict:
    right = inst.faults[0]
    picked = _pick_option(inst, answer)
    expected = f"{OPTION_LETTERS[inst.options.index(right.id)]}) {right.fault.title}"
    if picked is None:
        letters = ", ".join(OPTION_LETTERS[:len(inst.options)])
        return _result(inst, False, f"„{answer}“ ist keine der Möglichkeiten. Antworte mit {letters}.",
                       expected, str(answer))
    repair = "; ".join(str(c) for c in right.repair_commands())
    if picked == right.id:
        return _result(inst, True, f"Richtig: {right.fault.title} {inst.explanation}\nReparatur: {repair}",
                       expected, picked)
    fault = CATALOGUE[picked]
    special = inst.feedback.get(picked)
    hint = ""
    exp = inst.expect
    if exp.get("disposition"):
        hint = f" Hier endet die Spur aber mit „{exp['disposition']}“"
        hint += f" auf „{exp['where']}“." if exp.get("where") else "."
        if exp.get("leg") == "back":
            hint += " Und zwar auf dem Rückweg: die Anfrage kam an."
    text = special or f"Nicht ganz. Woran du „{fault.title}“ erkennen würdest: {fault.tell}{hint}"
    return _result(inst, False, text, expected, picked)


def _grade_fix(inst: Instance, answer: Any) -> Verdict:
    try:
        commands = parse_commands(answer)
    except ExerciseError as exc:
        return _result(inst, False, str(exc), "", str(answer))
    lab = inst.build_lab(broken=True)
    transcript: list[str] = []
    for line in commands:
        try:
            res = lab.run(line.node, line.command)
        except LabError as exc:
            transcript.append(f"{line}\n  {exc}")
            continue
        out = (res.stdout + res.stderr).rstrip()
        transcript.append(f"{line}" + (f"\n  {out}" if out else ""))
    settle(lab)
    expected = "\n".join(str(c) for c in inst.solution)
    given = "\n".join(str(c) for c in commands)
    assert inst.probe is not None
    probe = lab.run(inst.probe.node, inst.probe.command)
    if probe.returncode != 0:
        text = (f"Die Probe „{inst.probe}“ scheitert noch (Exit-Code {probe.returncode}).\n{_probe_story(probe)}")
        if not commands:
            text = "Du hast noch keinen Befehl eingegeben. " + text
        return _result(inst, False, text, expected, given, tuple(transcript))
    for keep in inst.keep:
        res = lab.run(keep.node, keep.command)
        if res.returncode != 0:
            return _result(inst, False, f"Die Probe geht jetzt, aber dafür ist etwas anderes kaputt: "
                           f"„{keep}“ scheitert.\n{_probe_story(res)}", expected, given, tuple(transcript))
    return _result(inst, True, f"Richtig, die Probe „{inst.probe}“ geht wieder und sonst ist nichts kaputt. "
                   f"{inst.explanation}", expected, given, tuple(transcript))


def _grade_text(inst: Instance, answer: str, expected: str, kind: str) -> Verdict:
    given = str(answer).strip()
    if inst.options:
        picked = _pick_option(inst, given)
        if picked is None:
            letters = ", ".join(OPTION_LETTERS[:len(inst.options)])
            return _result(inst, False, f"„{given}“ ist keine der Möglichkeiten. Antworte mit {letters}.",
                           option_text(inst, expected), given)
        given = picked
    ok = same_answer(given, expected, kind)
    shown = option_text(inst, expected)
    if ok:
        return _result(inst, True, f"Richtig: {shown}. {inst.explanation}", shown, given)
    special = inst.feedback.get(given) or inst.feedback.get(given.lower())
    if special is None and inst.kind == "calculate":
        special = calc_mistake(inst.calc, given)
        special = f"Nicht ganz – richtig ist „{shown}“. {special}" if special else None
    text = special or f"Nicht ganz – richtig ist „{shown}“."
    return _result(inst, False, f"{text} {inst.explanation}", shown, option_text(inst, given))


def _folded(text: str) -> str:
    """Lower case, umlauts spelled out, hyphens and spaces ignored: "Port-Nummer" finds "portnummer"."""
    t = str(text).casefold()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    return "".join(ch for ch in t if ch.isalnum())


def _grade_explain(inst: Instance, answer: str) -> Verdict:
    """Free text against the rubric: the required ideas (any of their words) and no known misconception."""
    given = str(answer).strip()
    text = _folded(given)
    words = {_folded(w) for w in re.findall(r"\w+", given)}

    def has(term: str) -> bool:       # short terms (IP, TCP, MAC) only as a word of their own
        t = _folded(term)
        return t in words if len(t) <= 3 else t in text
    rubric = inst.rubric
    groups = [list(g) for g in rubric.get("required", [])]
    found = [g for g in groups if any(has(w) for w in g)]
    missing = [g[0] for g in groups if g not in found]
    wrong = [m["feedback"] for m in rubric.get("misconceptions") or [] if any(has(w) for w in m["match"])]
    need = int(rubric.get("min", len(groups)))
    ok = bool(given) and len(found) >= need and not wrong
    lines = []
    if not given:
        lines.append("Du hast noch nichts geschrieben.")
    elif ok:
        lines.append("Gut erklärt – die wichtigen Begriffe sind da.")
    else:
        if len(found) < need and missing:
            lines.append("Es fehlt noch: " + ", ".join(missing) + ".")
        lines += [f"Achtung: {w}" for w in wrong]
    lines.append(f"Musterantwort: {inst.model_answer}")
    if inst.explanation:
        lines.append(inst.explanation)
    return _result(inst, ok, "\n".join(lines), inst.model_answer, given)


def grade(inst: Instance, answer: Any) -> Verdict:
    """Grade one answer; bad input becomes German feedback, never an exception."""
    if inst.kind == "fix":
        return _grade_fix(inst, answer)
    if inst.kind == "explain":
        return _grade_explain(inst, " ".join(map(str, answer)) if isinstance(answer, (list, tuple)) else str(answer))
    if isinstance(answer, (list, tuple)):
        answer = " ".join(map(str, answer))
    if inst.kind == "cause":
        return _grade_cause(inst, str(answer))
    if inst.kind == "predict":
        expected, res = predict(inst)
        verdict = _grade_text(inst, str(answer), expected, answer_type(inst))
        story = "\nWas passiert ist: " + res.trace.explain() if len(res.trace) else ""
        return Verdict(verdict.correct, verdict.points, verdict.max_points, verdict.feedback + story,
                       verdict.expected, verdict.given)
    expected = calculated_answer(inst)
    return _grade_text(inst, str(answer), expected, answer_type(inst))


def _check_expect(inst: Instance, res: "Result") -> list[str]:
    """Does the broken lab fail for the stated reason (trace facts and/or the probe's output)?"""
    exp = inst.expect
    problems: list[str] = []
    if exp.get("output") and exp["output"] not in res.stdout + res.stderr:
        problems.append(f"die Ausgabe enthält „{exp['output']}“ nicht: {(res.stdout + res.stderr).strip()[:200]}")
    if not any(exp.get(k) for k in ("disposition", "where", "leg", "tailnet", "explain")):
        return problems
    main = res.trace.main
    if main is None:
        return problems + ["Die Probe im kaputten Lab hat kein Paket geschickt."]
    if exp.get("disposition") and main.disposition.value != exp["disposition"]:
        problems.append(f"erwartet {exp['disposition']}, aber die Spur endet mit {main.disposition.value} "
                        f"auf {main.where}")
    if exp.get("where") and main.where != exp["where"]:
        problems.append(f"erwartet Ort {exp['where']}, aber es ist {main.where}")
    if exp.get("leg") and main.reason_get("leg") != exp["leg"]:
        problems.append(f"erwartet Weg {exp['leg']}, aber es ist {main.reason_get('leg')}")
    if exp.get("tailnet"):
        reasons = [s.get("reason") for h in main.hops for s in h.steps if s.kind == "tailnet"]
        if exp["tailnet"] not in reasons:
            problems.append(f"erwartet Tailnet-Grund {exp['tailnet']}, gefunden {reasons}")
    if exp.get("explain") and exp["explain"] not in res.trace.explain():
        problems.append(f"die Erklärung enthält „{exp['explain']}“ nicht")
    return problems


def prove(inst: Instance) -> list[str]:
    """Why this variant is not solvable (empty list = fine)."""
    problems: list[str] = []
    ex = inst.exercise
    if inst.kind in ("cause", "fix") and inst.probe is not None:
        good = inst.build_lab(broken=False)
        for line in [inst.probe, *inst.keep]:
            res = good.run(line.node, line.command)
            if res.returncode != 0:
                problems.append(f"ohne Fehler scheitert „{line}“: {_probe_story(res)}")
        bad = inst.build_lab(broken=True)
        res = bad.run(inst.probe.node, inst.probe.command)
        if res.returncode == 0:
            problems.append("mit Fehler geht die Probe trotzdem")
        else:
            problems += _check_expect(inst, res)
    if inst.kind == "fix":
        repairs = [c for f in inst.faults for c in f.repair_commands()]
        for variant in [inst.solution] + ([repairs] if repairs != inst.solution else []):
            v = grade(inst, list(variant))
            if not v.correct:
                problems.append(f"die Lösung {[str(c) for c in variant]} wird nicht als richtig erkannt: {v.feedback}")
    if inst.kind == "explain":
        if not grade(inst, inst.model_answer).correct:
            problems.append(f"die Musterantwort erfüllt die eigene Bewertung nicht: {grade(inst, inst.model_answer).feedback}")
        for wrong in inst.rubric.get("misconceptions") or []:
            if grade(inst, inst.model_answer + " " + wrong["match"][0]).correct:
                problems.append(f"der Irrtum „{wrong['match'][0]}“ wird nicht erkannt")
        if grade(inst, inst.rubric["required"][0][0]).correct and len(inst.rubric["required"]) > 1:
            problems.append("ein einzelner Begriff reicht schon für „richtig“")
    if inst.kind in ("cause", "predict", "calculate"):
        ref = reference_answer(inst)
        if inst.options and not any(same_answer(o, ref, answer_type(inst)) for o in inst.options) \
                and inst.kind != "cause":
            problems.append(f"die richtige Antwort „{ref}“ steht nicht unter den Möglichkeiten {inst.options}")
        if not grade(inst, ref).correct:
            problems.append(f"die richtige Antwort „{ref}“ wird als falsch bewertet")
        wrong = [o for o in inst.options if not same_answer(o, ref, answer_type(inst))] if inst.kind != "cause" \
            else [o for o in inst.options if o != ref]
        if inst.options and (not wrong or grade(inst, wrong[0]).correct):
            problems.append("eine falsche Möglichkeit wird als richtig bewertet")
    return [f"{ex.id} (Variante {inst.seed}): {p}" for p in problems]
