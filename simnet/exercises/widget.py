"""Exercises in a notebook: an ipywidgets view, drivable from code (and tests) without a browser.

``exercise_view("forwarding-container-fix")`` shows the task, the options
or an input field, for fixes a small shell into the broken lab, and the
buttons Prüfen / Hinweis / Neue Variante. ``exam_view(n=5)`` is the
Prüfungsmodus, ``progress_view()`` the learner's name, what is solved and the
CSV for the teacher. ipywidgets is imported only here, on first use. All of
it runs in JupyterLite too (progress then lives in the browser's files).
"""
from __future__ import annotations

import html
import time
from typing import Any, Callable

from simnet.exercises.check import Verdict, grade, option_text
from simnet.exercises.generate import OPTION_LETTERS, instantiate, learner_seed
from simnet.exercises.model import CommandLine, Exercise, ExerciseError, load_all

__all__ = ["ExerciseView", "ExamView", "ExercisePicker", "ProgressView", "exercise_view", "exam_view", "exercise_picker",
           "progress_view"]


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
        """Grade, keep the attempt, then show the verdict: what the learner sees is already saved
        (a reload right after the ✔ must not lose it)."""
        verdict = grade(self.instance, self.current_answer())
        self.last = verdict
        unsaved = ""
        if self.progress is not None:
            answer = self.current_answer()
            try:
                self.progress.record(self.learner, self.exercise.id, self.instance.seed, self.exercise.kind,
                                     answer if isinstance(answer, str) else [str(a) for a in answer],
                                     verdict.correct, verdict.points, verdict.max_points, hints=self.hints_used)
            except ExerciseError as exc:
                unsaved = f"<p>⚠ Nicht gespeichert: {_html(str(exc))}</p>"
        colour = "#1a7f37" if verdict.correct else "#b3261e"
        self.feedback.value = (f'<div style="border-left:4px solid {colour};padding-left:8px">'
                               f"{'✔' if verdict.correct else '✘'} {_html(verdict.feedback)}</div>{unsaved}")
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
                 clock: Callable[[], float] = time.monotonic, learner: str | None = None, progress: Any = None) -> None:
        from simnet.exercises.exam import Exam
        from simnet.exercises.progress import default_learner

        w = _widgets()
        self.exam = Exam(exercises, n=n, seed=seed, minutes=minutes, clock=clock,
                         learner=learner or default_learner())
        self.index = 0
        self.progress = progress
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
            from simnet.exercises.exam import record_exam

            self.result = self.exam.finish()
            if self.progress is not None:
                record_exam(self.progress, self.exam, self.result)
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


def exam_view(n: int = 5, seed: int | None = None, minutes: float = 20.0, directory: Any = None,
              record: bool = True) -> ExamView:
    """Prüfungsmodus; the handed-in exam goes to the progress (and so into the CSV export)."""
    import random

    from simnet.exercises.progress import open_progress

    return ExamView(load_all(directory), n=n, seed=seed if seed is not None else random.randrange(100000),
                    minutes=minutes, progress=open_progress() if record else None)


def exercise_picker(directory: Any = None) -> "ExercisePicker":
    """Pick any exercise from a list (by chapter); it opens below, graded and recorded."""
    from simnet.exercises.progress import open_progress

    return ExercisePicker(load_all(directory), open_progress())


def progress_view(directory: Any = None, folder: Any = None) -> "ProgressView":
    """The learner's name, what is solved, and the button that exports the CSV for the teacher."""
    from simnet.exercises.progress import open_progress

    return ProgressView(open_progress(), load_all(directory), folder=folder)


class ExercisePicker:
    """A list of every exercise; choosing one shows its :class:`ExerciseView`. It starts on the
    first exercise the learner has not solved yet."""

    def __init__(self, exercises: dict[str, Exercise], progress: Any) -> None:
        from simnet.exercises.progress import default_learner

        w = _widgets()
        self.exercises, self.progress = exercises, progress
        solved = progress.solved(default_learner())
        self.choose = w.Dropdown(options=[(f"{'✔ ' if k in solved else ''}{e.chapter_label} – {e.title}", k)
                                          for k, e in exercises.items()],
                                 value=next((k for k in exercises if k not in solved), next(iter(exercises))),
                                 description="Übung", layout=w.Layout(width="auto"))
        self.slot = w.VBox()
        self.view: ExerciseView | None = None
        self.choose.observe(lambda change: self.show(change["new"]), names="value")
        self.widget = w.VBox([self.choose, self.slot])
        self.show(self.choose.value)

    def show(self, exercise_id: str) -> ExerciseView:
        self.view = ExerciseView(self.exercises[exercise_id], progress=self.progress)
        self.slot.children = (self.view.widget,)
        return self.view

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)


class ProgressView:
    """Dein Fortschritt: the name the CSV carries, what is solved, and the export. In JupyterLite
    the CSV is both a download link (a data: address, nothing leaves the browser) and a file
    beside the notebook, which the file browser offers for download too."""

    def __init__(self, progress: Any, exercises: dict[str, Exercise], folder: Any = None) -> None:
        from pathlib import Path

        from simnet.exercises.progress import PLACEHOLDER, default_learner

        w = _widgets()
        self.progress = progress
        self.exercises = exercises
        self.folder = Path(folder) if folder is not None else Path.cwd()
        learner = default_learner()
        self.name = w.Text(value="" if learner == PLACEHOLDER else learner, description="Dein Name",
                           placeholder="Vorname Nachname")
        self.save_button = w.Button(description="Namen speichern")
        self.download_button = w.Button(description="Fortschritt als CSV herunterladen", icon="download",
                                        button_style="primary", layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.link = w.HTML()
        self.save_button.on_click(lambda _b: self.save_name())
        self.download_button.on_click(lambda _b: self.export())
        self.widget = w.VBox([w.HBox([self.name, self.save_button]), self.summary, self.download_button, self.link])
        self.refresh()

    def save_name(self, name: str | None = None) -> str:
        from simnet.exercises.progress import save_learner

        try:
            saved = save_learner(self.name.value if name is None else name)
        except ExerciseError as exc:
            self.link.value = f"<p>{_html(str(exc))}</p>"
            return ""
        self.name.value = saved
        self.link.value = f"<p>Gespeichert: deine Versuche tragen jetzt den Namen {html.escape(saved)}.</p>"
        return saved

    def refresh(self) -> str:
        """What the learner has done so far, in one German sentence."""
        attempts = [a for a in self.progress.attempts() if a.mode == "practice"]
        solved = {a.exercise for a in attempts if a.correct} & set(self.exercises)
        text = (f"Du hast {len(solved)} von {len(self.exercises)} Übungen gelöst "
                f"({len(attempts)} Versuch{'' if len(attempts) == 1 else 'e'}).")
        self.summary.value = f"<p>{html.escape(text)}</p>"
        return text

    def export(self) -> str:
        """Write the CSV beside the notebook and offer it as a download link; returns the CSV."""
        import base64

        from simnet.exercises.export import ENCODING, csv_file_name, export_text

        if not self.name.value.strip():
            self.link.value = ("<p>Trag zuerst deinen Namen ein – dann weiß deine Lehrkraft, von wem die "
                               "Datei ist.</p>")
            return ""
        name = self.save_name()
        if not name:
            return ""
        text = export_text(self.progress, self.exercises, me=name)
        data = text.encode(ENCODING)
        file_name = csv_file_name(name)
        where = ""
        try:
            (self.folder / file_name).write_bytes(data)
            where = f" Die Datei liegt auch im Dateibrowser links: {file_name}."
        except OSError as exc:
            where = f" (In den Ordner konnte sie nicht geschrieben werden: {exc.strerror}.)"
        self.refresh()
        rows = text.count("\n") - 1
        href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
        self.link.value = (f'<p><a href="{href}" download="{html.escape(file_name)}" class="simnet-csv">'
                           f"⬇ {html.escape(file_name)} speichern</a> – {rows} Versuch{'' if rows == 1 else 'e'}."
                           f"{html.escape(where)} Gib die Datei deiner Lehrkraft ab.</p>")
        return text

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)
