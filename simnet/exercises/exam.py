"""Prüfungsmodus: N seeded exercises, a timer, no hints, a score and a review at the end.

The clock is injectable (``clock=`` returns seconds), so tests and notebooks
drive the timer without waiting. Answers are graded when given but the
feedback is kept back until :meth:`Exam.finish` – like a real exam.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from simnet.exercises.check import Verdict, grade
from simnet.exercises.generate import Instance, instantiate
from simnet.exercises.model import Exercise, ExerciseError

__all__ = ["Exam", "ExamResult", "ReviewItem", "austrian_grade", "regrade", "record_exam"]


def austrian_grade(score: int, max_score: int) -> str:
    """Schulnote from the share of points (1 = Sehr gut … 5 = Nicht genügend)."""
    share = score / max_score if max_score else 0.0
    for limit, note in ((0.9, "1 (Sehr gut)"), (0.8, "2 (Gut)"), (0.65, "3 (Befriedigend)"),
                        (0.5, "4 (Genügend)")):
        if share >= limit:
            return note
    return "5 (Nicht genügend)"


@dataclass(frozen=True)
class ReviewItem:
    """One question of a finished exam as the review shows it: task, answer given, verdict."""

    number: int
    exercise: str
    title: str
    task: str
    given: str
    expected: str
    correct: bool
    points: int
    max_points: int
    feedback: str
    late: bool = False


@dataclass(frozen=True)
class ExamResult:
    """A finished exam: points, grade, the review of every question and the time taken."""

    score: int
    max_score: int
    grade: str
    review: tuple[ReviewItem, ...]
    duration: float

    def text(self) -> str:
        """The review as German text (CLI, notebook, teacher)."""
        lines = [f"Ergebnis: {self.score} von {self.max_score} Punkten – Note {self.grade}.",
                 f"Gebraucht: {int(self.duration // 60)} min {int(self.duration % 60)} s.", ""]
        for item in self.review:
            mark = "✔" if item.correct else "✘"
            lines.append(f"{mark} Aufgabe {item.number}: {item.title} ({item.points}/{item.max_points})")
            late = "  [nach Ablauf der Zeit]" if item.late else ""
            lines.append(f"   Deine Antwort: {item.given or '(keine)'}{late}")
            if not item.correct:
                lines.append(f"   Richtig wäre: {item.expected}")
            lines.append("   " + item.feedback.replace("\n", "\n   "))
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


@dataclass
class Question:
    """One question of a running exam: its exercise instance and the answer so far."""

    number: int
    instance: Instance
    answer: Any = None
    verdict: Verdict | None = None
    late: bool = False

    @property
    def exercise(self) -> Exercise:
        return self.instance.exercise


@dataclass
class Exam:
    """An exam over ``exercises``: pick ``n`` of them with ``seed``, ``minutes`` to answer."""

    exercises: dict[str, Exercise]
    n: int = 5
    seed: int = 0
    minutes: float = 20.0
    clock: Callable[[], float] = time.monotonic
    learner: str = "ich"
    questions: list[Question] = field(default_factory=list)
    started: float = 0.0
    finished: float | None = None

    def __post_init__(self) -> None:
        if not self.exercises:
            raise ExerciseError("Es gibt keine Übungen für eine Prüfung.")
        if not 1 <= self.n <= len(self.exercises):
            raise ExerciseError(f"Eine Prüfung hat 1 bis {len(self.exercises)} Aufgaben, nicht {self.n}.")
        if self.minutes <= 0:
            raise ExerciseError("Die Prüfungszeit muss größer als 0 Minuten sein.")
        rng = random.Random(f"exam:{self.seed}")
        picked = rng.sample(sorted(self.exercises), self.n)
        self.questions = [Question(k + 1, instantiate(self.exercises[ex_id], rng.randrange(100000)))
                          for k, ex_id in enumerate(picked)]
        self.started = self.clock()

    @property
    def id(self) -> str:
        return f"{self.learner}-{self.seed}-{int(self.started)}"

    @property
    def deadline(self) -> float:
        return self.started + self.minutes * 60

    def remaining(self) -> float:
        """Seconds left (0 when the time is up)."""
        return max(0.0, self.deadline - self.clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def question(self, number: int) -> Question:
        if not 1 <= number <= len(self.questions):
            raise ExerciseError(f"Es gibt die Aufgaben 1 bis {len(self.questions)}, nicht {number}.")
        return self.questions[number - 1]

    def hint(self, number: int) -> str:
        raise ExerciseError("Im Prüfungsmodus gibt es keine Hinweise.")

    def answer(self, number: int, answer: Any) -> None:
        """Give (or change) an answer. After the deadline it is kept but scores nothing."""
        if self.finished is not None:
            raise ExerciseError("Die Prüfung ist schon abgegeben.")
        q = self.question(number)
        q.answer = answer
        q.late = self.expired
        q.verdict = grade(q.instance, answer)

    def finish(self) -> ExamResult:
        """Hand in: score, Schulnote and the review with feedback for every question."""
        if self.finished is None:
            self.finished = self.clock()
        items = []
        for q in self.questions:
            v = q.verdict
            if v is None:
                v = grade(q.instance, [] if q.instance.kind == "fix" else "")
                v = Verdict(False, 0, v.max_points, "Nicht beantwortet. " + v.feedback, v.expected, "")
            counts = v.correct and not q.late
            given = v.given if not isinstance(q.answer, (list, tuple)) else "; ".join(map(str, q.answer))
            items.append(ReviewItem(q.number, q.exercise.id, q.exercise.title, q.instance.task, given,
                                    v.expected, counts, v.points if counts else 0, v.max_points, v.feedback, q.late))
        score = sum(i.points for i in items)
        max_score = sum(i.max_points for i in items)
        return ExamResult(score, max_score, austrian_grade(score, max_score), tuple(items),
                          max(0.0, (self.finished or self.clock()) - self.started))


def record_exam(db: Any, exam: Exam, result: ExamResult, finished: float | None = None) -> None:
    """Keep a handed-in exam in the progress store: the exam, and each answer as an attempt in
    mode "exam" (so it appears in the teacher's CSV)."""
    db.save_exam(exam.id, exam.learner, exam.seed, [(q.exercise.id, q.instance.seed) for q in exam.questions],
                 exam.started, exam.deadline)
    for q, item in zip(exam.questions, result.review):
        db.record(exam.learner, q.exercise.id, q.instance.seed, q.exercise.kind, item.given, item.correct,
                  item.points, item.max_points, mode="exam", exam=exam.id)
    db.finish_exam(exam.id, result.score, result.max_score, time.time() if finished is None else finished)


def regrade(doc: dict[str, Any], exercises: dict[str, Exercise]) -> ExamResult:
    """Grade a handed-in exam again from its answers (see :mod:`simnet.exercises.answerfile`)."""
    items = []
    for k, a in enumerate(doc["answers"]):
        inst = instantiate(exercises[a["exercise"]], int(a["seed"]))
        answer = a.get("answer", "")
        v = grade(inst, answer)
        late = bool(a.get("late"))
        counts = v.correct and not late
        given = "; ".join(map(str, answer)) if isinstance(answer, list) else str(answer)
        items.append(ReviewItem(k + 1, inst.id, inst.exercise.title, inst.task, given, v.expected, counts,
                                v.points if counts else 0, v.max_points, v.feedback, late))
    score = sum(i.points for i in items)
    max_score = sum(i.max_points for i in items)
    duration = doc.get("duration", 0.0)
    return ExamResult(score, max_score, austrian_grade(score, max_score), tuple(items),
                      float(duration) if isinstance(duration, (int, float)) else 0.0)
