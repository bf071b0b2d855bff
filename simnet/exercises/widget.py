"""Exercises in a notebook: an ipywidgets view, drivable from code (and tests) without a browser.

``exercise_view("forwarding-container-fix")`` shows the task, the options
or an input field, for fixes a small shell into the broken lab, and the
buttons Prüfen / Hinweis / Neue Variante. ``exam_view(n=5)`` is the
Prüfungsmodus. ipywidgets is imported only here, on first use.
"""
from __future__ import annotations

import html
import time
from typing import Any, Callable

from simnet.exercises.check import Verdict, grade, option_text
from simnet.exercises.generate import OPTION_LETTERS, instantiate, learner_seed
from simnet.exercises.model import CommandLine, Exercise, ExerciseError, load_all

__all__ = ["ExerciseView", "ExamView", "exercise_view", "exam_view"]


def _widgets():
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - only without the "views" extra
        raise ExerciseError("Für die Notebook-Ansicht fehlt ipywidgets (pip install 'simnet[views]').") from None
    return ipywidgets


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


class ExerciseView:
    """One exercise with its own lab; every button has a method of the same meaning."""

    def __init__(self, exercise: Exercise, seed: int | None = None, learner: str | None = None,
                 progress: Any = None) -> None:
        from simnet.exercises.progress import default_learner

        w = _widgets()
        self.exercise = exercise
        self.learner = learner or default_learner()
        self.progress = progress
        self.commands: list[CommandLine] = []
        self.hints_used = 0
        self.last: Verdict | None = None
        self.title = w.HTML()
        self.task = w.HTML()
        self.choice = w.RadioButtons(options=[], layout=w.Layout(width="auto"))
        self.text = w.Text(placeholder="deine Antwort")
        self.node = w.Dropdown(description="Knoten")
        self.command = w.Text(placeholder="Befehl, z. B. ip route", layout=w.Layout(width="60%"))
        self.run_button = w.Button(description="Ausführen", icon="play")
        self.output = w.HTML()
        self.check_button = w.Button(description="Prüfen", button_style="primary")
        self.hint_button = w.Button(description="Hinweis")
        self.new_button = w.Button(description="Neue Variante")
        self.feedback = w.HTML()
        self.run_button.on_click(lambda _b: self.run_command())
        self.check_button.on_click(lambda _b: self.check())
        self.hint_button.on_click(lambda _b: self.hint())
        self.new_button.on_click(lambda _b: self.new_variant())
        self.shell = w.VBox([w.HBox([self.node, self.command, self.run_button]), self.output])
        answer = {"fix": self.shell, "calculate": self.text, "explain": self.text}.get(exercise.kind)
        self.answer_box = w.VBox([answer] if answer is not None else [])
        self.widget = w.VBox([self.title, self.task, self.answer_box,
                              w.HBox([self.check_button, self.hint_button, self.new_button]), self.feedback])
        self.load(seed if seed is not None else learner_seed(self.learner, exercise.id))

    def load(self, seed: int) -> None:
        """Show variant ``seed`` with a fresh broken lab."""
        self.instance = instantiate(self.exercise, seed)
        self.lab = self.instance.build_lab(broken=True) if self.exercise.lab is not None else None
        self.commands, self.hints_used, self.last = [], 0, None
        ex = self.exercise
        self.title.value = (f"<h3>{html.escape(ex.title)}</h3><i>{ex.kind_label} · {html.escape(ex.chapter_label)}"
                            f" · Variante {seed}</i>")
        self.task.value = f"<p>{_html(self.instance.task)}</p>"
        labels = [(f"{OPTION_LETTERS[k]}) {option_text(self.instance, o)}", o)
                  for k, o in enumerate(self.instance.options)]
        self.choice.options = labels
        self.choice.value = None
        if labels and self.choice not in self.answer_box.children:
            # a cause is found by looking: the choice comes with a shell into the broken lab
            self.answer_box.children = (self.choice, self.shell) if ex.kind == "cause" else (self.choice,)
        elif not labels and ex.kind == "predict":
            self.answer_box.children = (self.text,)
        if self.lab is not None:
            self.node.options = list(self.lab.nodes)
        self.text.value = self.command.value = ""
        self.output.value = self.feedback.value = ""

    def run_command(self, node: str | None = None, command: str | None = None) -> str:
        """Run a command in the exercise's lab (for fixes it becomes part of the answer)."""
        from simnet.lab import LabError

        node = node or self.node.value
        command = (command if command is not None else self.command.value).strip()
        if self.lab is None or not node or not command:
            return ""
        try:
            res = self.lab.run(node, command)
            text = res.stdout + res.stderr
            self.commands.append(CommandLine(node, command))
        except LabError as exc:
            text = str(exc) + "\n"
        self.output.value = (self.output.value + f"<pre>root@{html.escape(node)}:~# {html.escape(command)}\n"
                             f"{html.escape(text)}</pre>")
        self.command.value = ""
        return text

    def current_answer(self) -> Any:
        if self.exercise.kind == "fix":
            return list(self.commands)
        if self.instance.options:
            return self.choice.value or ""
        return self.text.value

    def check(self) -> Verdict:
        verdict = grade(self.instance, self.current_answer())
        self.last = verdict
        colour = "#1a7f37" if verdict.correct else "#b3261e"
        self.feedback.value = (f'<div style="border-left:4px solid {colour};padding-left:8px">'
                               f"{'✔' if verdict.correct else '✘'} {_html(verdict.feedback)}</div>")
        if self.progress is not None:
            answer = self.current_answer()
            self.progress.record(self.learner, self.exercise.id, self.instance.seed, self.exercise.kind,
                                 answer if isinstance(answer, str) else [str(a) for a in answer],
                                 verdict.correct, verdict.points, verdict.max_points, hints=self.hints_used)
        return verdict

    def hint(self) -> str:
        hints = self.instance.hints
        if not hints:
            text = "Zu dieser Übung gibt es keine Hinweise."
        else:
            k = min(self.hints_used, len(hints) - 1)
            self.hints_used += 1
            text = f"Hinweis {k + 1}/{len(hints)}: {hints[k]}"
        self.feedback.value = f"<p>💡 {_html(text)}</p>"
        return text

    def new_variant(self, seed: int | None = None) -> None:
        import random

        self.load(seed if seed is not None else random.randrange(100000))

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.widget)


class ExamView:
    """Prüfungsmodus in the notebook: one question at a time, a timer, no hints, review at the end."""

    def __init__(self, exercises: dict[str, Exercise], n: int = 5, seed: int = 0, minutes: float = 20.0,
                 clock: Callable[[], float] = time.monotonic, learner: str | None = None) -> None:
        from simnet.exercises.exam import Exam
        from simnet.exercises.progress import default_learner

        w = _widgets()
        self.exam = Exam(exercises, n=n, seed=seed, minutes=minutes, clock=clock,
                         learner=learner or default_learner())
        self.index = 0
        self.status = w.HTML()
        self.next_button = w.Button(description="Antwort abgeben", button_style="primary")
        self.finish_button = w.Button(description="Prüfung beenden", button_style="warning")
        self.review = w.HTML()
        self.next_button.on_click(lambda _b: self.submit())
        self.finish_button.on_click(lambda _b: self.finish())
        self.slot = w.VBox()
        self.widget = w.VBox([self.status, self.slot, w.HBox([self.next_button, self.finish_button]), self.review])
        self.result = None
        self._show()

    def _show(self) -> None:
        if self.index >= len(self.exam.questions) or self.exam.expired:
            self.finish()
            return
        q = self.exam.questions[self.index]
        self.view = ExerciseView(q.exercise, seed=q.instance.seed, learner=self.exam.learner)
        self.view.hint_button.disabled = self.view.new_button.disabled = self.view.check_button.disabled = True
        self.view.hint_button.layout.display = self.view.new_button.layout.display = "none"
        self.view.check_button.layout.display = "none"
        self.slot.children = (self.view.widget,)
        left = self.exam.remaining()
        self.status.value = (f"<b>Prüfungsmodus</b> – Aufgabe {q.number}/{len(self.exam.questions)}, "
                             f"noch {int(left // 60)}:{int(left % 60):02d} min, keine Hinweise")

    def submit(self) -> None:
        if self.result is not None:
            return
        self.exam.answer(self.index + 1, self.view.current_answer())
        self.index += 1
        self._show()

    def finish(self):
        if self.result is None:
            self.result = self.exam.finish()
            self.slot.children = ()
            self.next_button.disabled = self.finish_button.disabled = True
            self.status.value = "<b>Prüfung abgegeben.</b>"
            self.review.value = f"<pre>{html.escape(self.result.text())}</pre>"
        return self.result

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)


def exercise_view(exercise_id: str, seed: int | None = None, directory: Any = None,
                  record: bool = True) -> ExerciseView:
    """The notebook entry point; progress goes to the data directory (in JupyterLite: the browser's files)."""
    from simnet.exercises.progress import open_progress

    exercises = load_all(directory)
    if exercise_id not in exercises:
        raise ExerciseError(f"Eine Übung „{exercise_id}“ gibt es nicht.")
    return ExerciseView(exercises[exercise_id], seed=seed, progress=open_progress() if record else None)


def exam_view(n: int = 5, seed: int | None = None, minutes: float = 20.0, directory: Any = None) -> ExamView:
    import random

    return ExamView(load_all(directory), n=n, seed=seed if seed is not None else random.randrange(100000),
                    minutes=minutes)
