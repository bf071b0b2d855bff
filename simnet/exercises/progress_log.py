"""Progress as an append-only log of JSON lines, where SQLite cannot work.

In JupyterLite the kernel (Pyodide) sees the browser's file storage at /drive. That
file system reads a whole file when it is opened and writes it back, whole, when it is
closed; it has no locks and no shared memory, so SQLite's journal cannot live there (and
a Pyodide build may lack sqlite3 altogether). A log needs none of that: every change
appends one line, and the state is what replaying the lines gives.

Acknowledged progress is never lost:

- a change is one line, written with one ``write`` and flushed (on /drive: the close hands
  the whole file to IndexedDB in one transaction) before the call returns;
- a line cut off by a crash or a full disk was never acknowledged: reading skips a line
  that is not a complete event, and the next write starts on a fresh line;
- two notebooks of one browser writing at the same moment could each write the file back
  without the other's line (read whole, write whole). So after writing, the store reads
  the file again and appends its line once more if it is missing; every line carries its
  own id, and a line read twice counts once.
"""
from __future__ import annotations

import errno
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any, Optional

from simnet.exercises.model import CommandLine, ExerciseError
from simnet.exercises.progress import Attempt, ProgressStore, data_dir

__all__ = ["LogProgress", "HEADER"]

HEADER = {"simnet": "progress", "version": 1}
KIND = "Fortschrittsdatei von simnet"
ATTEMPT_FIELDS = ("learner", "exercise", "seed", "kind", "answer", "correct", "points", "max_points", "mode", "exam",
                  "hints", "created")
WRITE_TRIES = 3
# (learner, exercise) of a log entry; a damaged entry may lack either
_Key = tuple[Optional[str], Optional[str]]


class LogProgress(ProgressStore):
    """The progress store of :mod:`simnet.exercises.progress` as a JSON-lines file."""

    def __init__(self, path: str | Path | None = None, clock: Any = time.time) -> None:
        self.path = Path(path) if path is not None else data_dir() / "progress.jsonl"
        self.clock = clock
        self._writer = secrets.token_hex(4)      # line ids: this writer, then a counter
        self._written = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "xb") as f:
                f.write(_line(HEADER))
        except FileExistsError:
            pass
        except OSError as exc:
            raise self._cannot_create(exc) from None
        self._events()                            # a damaged file says so now, as SQLite's does

    # -------------------------------------------------------------- the file
    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ExerciseError(f"Die Fortschrittsdatei {self.path} kann nicht gelesen werden: "
                                f"{exc.strerror}.") from None

    def _events(self) -> list[dict[str, Any]]:
        """The complete events in the order written, each once."""
        events: list[dict[str, Any]] = []
        seen: set[str] = set()
        header = False
        for raw in self._read().split(b"\n"):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
            except ValueError:            # cut off by a crash: never acknowledged
                event = None
            if not header:
                if event != HEADER:
                    raise self._damaged(KIND, "die erste Zeile ist nicht der Kopf einer Fortschrittsdatei")
                header = True
                continue
            if not isinstance(event, dict) or not isinstance(event.get("id"), str) or event["id"] in seen:
                continue
            seen.add(event["id"])
            events.append(event)
        return events

    def _append(self, op: str, **fields: Any) -> None:
        self._written += 1
        ident = f"{self._writer}-{self._written}"
        line = _line({"id": ident, "op": op, **fields})
        for _ in range(WRITE_TRIES):
            self._write(line)
            if f'"id":"{ident}"'.encode() in self._read():
                return
        raise ExerciseError(f"Die Fortschrittsdatei {self.path} wird gerade von einem anderen Notebook "
                            "geschrieben. Versuch es gleich noch einmal.")

    def _write(self, line: bytes) -> None:
        try:
            with open(self.path, "a+b") as f:
                if f.seek(0, os.SEEK_END) > 0:
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":        # the rest of a cut-off line stays on its own
                        line = b"\n" + line
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise self._disk_full() from None
            raise ExerciseError(f"Die Fortschrittsdatei {self.path} kann nicht geschrieben werden: "
                                f"{exc.strerror}.") from None

    def _state(self) -> tuple[dict[_Key, list[int]], dict[_Key, list[CommandLine]], list[Attempt]]:
        """Replay the log: running exercises (seed, hints), their commands, all attempts."""
        sessions: dict[_Key, list[int]] = {}
        commands: dict[_Key, list[CommandLine]] = {}
        attempts: list[Attempt] = []
        for number, event in enumerate(self._events(), start=2):
            try:
                op, key = event["op"], (event.get("learner"), event.get("exercise"))
                if op == "start":
                    sessions[key] = [int(event["seed"]), 0]
                    commands[key] = []
                elif op == "command":
                    commands.setdefault(key, []).append(CommandLine(str(event["node"]), str(event["command"])))
                elif op == "hint" and key in sessions:
                    sessions[key][1] += 1
                elif op == "attempt":
                    a = {f: event[f] for f in ATTEMPT_FIELDS}
                    attempts.append(Attempt(**{**a, "seed": int(a["seed"]), "correct": bool(a["correct"]),
                                               "points": int(a["points"]), "max_points": int(a["max_points"]),
                                               "hints": int(a["hints"]), "created": float(a["created"])}))
            except (KeyError, TypeError, ValueError):
                raise self._damaged(KIND, f"Eintrag {number} ist unvollständig") from None
        return sessions, commands, attempts

    # ------------------------------------------------------------- sessions
    def start(self, learner: str, exercise: str, seed: int) -> None:
        self._append("start", learner=learner, exercise=exercise, seed=seed, started=self.clock())

    def session(self, learner: str, exercise: str) -> tuple[int, int] | None:
        found = self._state()[0].get((learner, exercise))
        return (found[0], found[1]) if found else None

    def add_command(self, learner: str, exercise: str, line: CommandLine) -> None:
        self._append("command", learner=learner, exercise=exercise, node=line.node, command=line.command,
                     created=self.clock())

    def commands(self, learner: str, exercise: str) -> list[CommandLine]:
        return list(self._state()[1].get((learner, exercise), []))

    def lab_snapshot(self, learner: str, exercise: str, version: str) -> tuple[int, bytes] | None:
        """Never a kept lab: a pickled lab per command would grow the log by ~100 KB each time;
        the lab is rebuilt from the commands instead."""
        return None

    def keep_lab(self, learner: str, exercise: str, version: str, commands: int, lab: bytes | None) -> None:
        pass

    def use_hint(self, learner: str, exercise: str) -> int:
        if self.session(learner, exercise) is None:
            return 0
        self._append("hint", learner=learner, exercise=exercise, created=self.clock())
        found = self._state()[0].get((learner, exercise))
        return found[1] - 1 if found else 0

    # ------------------------------------------------------------- attempts
    def _add_attempt(self, attempt: Attempt) -> None:
        self._append("attempt", **{f: getattr(attempt, f) for f in ATTEMPT_FIELDS})

    def attempts(self, learner: str | None = None) -> list[Attempt]:
        return [a for a in self._state()[2] if learner is None or a.learner == learner]

    # ---------------------------------------------------------------- exams
    def save_exam(self, exam_id: str, learner: str, seed: int, questions: list[tuple[str, int]], started: float,
                  deadline: float) -> None:
        self._append("exam", exam=exam_id, learner=learner, seed=seed, questions=[list(q) for q in questions],
                     started=started, deadline=deadline)

    def finish_exam(self, exam_id: str, score: int, max_score: int, finished: float) -> None:
        self._append("exam_done", exam=exam_id, score=score, max_score=max_score, finished=finished)


def _line(event: dict[str, Any]) -> bytes:
    return (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
