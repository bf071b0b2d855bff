"""Answer files: what a learner hands in, read back with clear German messages.

Two shapes, both YAML:

* one exercise (``simnet exercise check ID --file antwort.yaml``)::

      exercise: forwarding-container-fix
      seed: 42                    # optional, else the learner's variant
      answer: b                   # or:
      commands: ["tailscale: sysctl -w net.ipv4.ip_forward=1"]

* a handed-in exam (written by ``simnet exercise exam --save``), with a
  SHA-256 checksum over its content. The checksum is no signature – anyone
  with simnet can compute it – but it catches an answer edited by hand
  afterwards, and the teacher re-grades from the answers, never from a
  stored score.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simnet.exercises.model import Exercise, ExerciseError, read_yaml

__all__ = ["AnswerFile", "read_answer_file", "exam_document", "write_exam_file", "read_exam_file", "checksum"]

EXAM_MARK = "simnet-pruefung"


@dataclass(frozen=True)
class AnswerFile:
    """A learner's answer file: which exercise, which variant (seed) and the answer."""

    exercise: str
    seed: int | None
    answer: Any


def _must(cond: bool, path: Path, what: str) -> None:
    if not cond:
        raise ExerciseError(f"Die Antwortdatei {path} ist ungültig: {what}")


def read_answer_file(path: str | Path, exercises: dict[str, Exercise]) -> AnswerFile:
    p = Path(path)
    data = read_yaml(p, "Die Antwortdatei")
    _must(isinstance(data, dict), p, "Sie muss eine Zuordnung (exercise: …, answer: …) sein.")
    ex = data.get("exercise")
    _must(isinstance(ex, str), p, "Es fehlt „exercise“ (die ID der Übung).")
    _must(ex in exercises, p, f"Eine Übung „{ex}“ gibt es nicht.")
    seed = data.get("seed")
    _must(seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 10**9), p,
          "„seed“ ist eine ganze Zahl ≥ 0.")
    unknown = set(data) - {"exercise", "seed", "answer", "commands"}
    if unknown:
        _must(False, p, f"unbekannter Schlüssel „{sorted(map(str, unknown))[0]}“.")
    if exercises[ex].kind == "fix":
        cmds = data.get("commands")
        _must(isinstance(cmds, list) and all(isinstance(c, (str, dict)) for c in cmds), p,
              "Für eine Reparatur-Übung stehen die Befehle unter „commands“ als Liste „KNOTEN: BEFEHL“.")
        return AnswerFile(ex, seed, cmds)
    answer = data.get("answer")
    _must(isinstance(answer, (str, int, float)) and not isinstance(answer, bool), p,
          "Es fehlt „answer“ (ein Buchstabe, eine Zahl oder ein Text).")
    return AnswerFile(ex, seed, str(answer))


def checksum(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()


def exam_document(exam: Any) -> dict[str, Any]:
    """A handed-in exam as plain data (answers only; scores are recomputed on reading)."""
    answers = []
    for q in exam.questions:
        ans = q.answer
        if isinstance(ans, (list, tuple)):
            ans = [str(a) for a in ans]
        answers.append({"exercise": q.exercise.id, "seed": q.instance.seed,
                        "answer": "" if ans is None else ans, "late": bool(q.late)})
    doc: dict[str, Any] = {EXAM_MARK: 1, "learner": exam.learner, "seed": exam.seed, "minutes": exam.minutes,
                           "duration": round((exam.finished or exam.clock()) - exam.started, 1), "answers": answers}
    doc["checksum"] = checksum(doc)
    return doc


def write_exam_file(exam: Any, path: str | Path) -> Path:
    """Write atomically: a temporary file next to the target, then rename."""
    import os

    import yaml

    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text(yaml.safe_dump(exam_document(exam), allow_unicode=True, sort_keys=False), encoding="utf-8")
        os.replace(tmp, p)
    except OSError as exc:
        raise ExerciseError(f"Die Prüfungsdatei {p} kann nicht geschrieben werden: {exc.strerror}.") from None
    return p


def read_exam_file(path: str | Path, exercises: dict[str, Exercise]) -> dict[str, Any]:
    """Read and verify a handed-in exam; tampering or damage give a German message."""
    p = Path(path)
    doc = read_yaml(p, "Die Prüfungsdatei")
    bad = f"Die Prüfungsdatei {p} ist ungültig:"
    if not isinstance(doc, dict) or doc.get(EXAM_MARK) != 1:
        raise ExerciseError(f"{bad} Das ist keine von simnet abgegebene Prüfung.")
    if doc.get("checksum") != checksum(doc):
        raise ExerciseError(f"Die Prüfungsdatei {p} wurde nach der Abgabe verändert oder ist beschädigt "
                            "(die Prüfsumme stimmt nicht). Sie wird nicht bewertet.")
    answers = doc.get("answers")
    if not isinstance(answers, list) or not answers:
        raise ExerciseError(f"{bad} Es fehlen die Antworten.")
    for k, a in enumerate(answers):
        if not isinstance(a, dict) or a.get("exercise") not in exercises or not isinstance(a.get("seed"), int):
            raise ExerciseError(f"{bad} Antwort {k + 1} nennt keine bekannte Übung mit Variante.")
    return doc
