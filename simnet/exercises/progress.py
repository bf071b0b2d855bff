"""Progress: attempts, the commands of a running fix exercise, exams.

Where: ``$SIMNET_DATA_DIR/progress.sqlite3``, else
``$XDG_DATA_HOME/simnet/progress.sqlite3`` (default ``~/.local/share/simnet``).
:func:`open_progress` picks the store: this SQLite one, or – where there is no
sqlite3 or the files live in the browser (JupyterLite) – the append-only log of
:mod:`simnet.exercises.progress_log`. Both share :class:`ProgressStore`: the
interface, the German messages and the CSV export.

Why SQLite and not a JSON file: every write is one transaction, so a crash
leaves the old or the new state, never half of it; WAL mode and a busy
timeout let two notebooks write at once without losing a row. Every change
is an INSERT or a single UPDATE, so nothing is read-modified-written in
Python where another writer could slip in between.
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from simnet.exercises.model import CommandLine, ExerciseError

try:
    import sqlite3
except ImportError:             # a Python built without it (Pyodide may leave it out)
    sqlite3 = None  # type: ignore[assignment]

__all__ = ["Progress", "ProgressStore", "Attempt", "data_dir", "default_learner", "open_progress", "save_learner",
           "CSV_HEADER", "in_browser", "csv_text"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learner TEXT NOT NULL, exercise TEXT NOT NULL, seed INTEGER NOT NULL, kind TEXT NOT NULL,
    answer TEXT NOT NULL, correct INTEGER NOT NULL, points INTEGER NOT NULL, max_points INTEGER NOT NULL,
    mode TEXT NOT NULL DEFAULT 'practice', exam TEXT, hints INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    learner TEXT NOT NULL, exercise TEXT NOT NULL, seed INTEGER NOT NULL, hints INTEGER NOT NULL DEFAULT 0,
    started REAL NOT NULL, PRIMARY KEY (learner, exercise));
CREATE TABLE IF NOT EXISTS session_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT, learner TEXT NOT NULL, exercise TEXT NOT NULL,
    node TEXT NOT NULL, command TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS session_labs (
    learner TEXT NOT NULL, exercise TEXT NOT NULL, commands INTEGER NOT NULL, version TEXT NOT NULL,
    lab BLOB NOT NULL, PRIMARY KEY (learner, exercise));
CREATE TABLE IF NOT EXISTS exams (
    id TEXT PRIMARY KEY, learner TEXT NOT NULL, seed INTEGER NOT NULL, questions TEXT NOT NULL,
    started REAL NOT NULL, deadline REAL NOT NULL, finished REAL, score INTEGER, max_score INTEGER);
"""

TABLES = {"attempts", "sessions", "session_commands", "session_labs", "exams"}
WRITE_WAIT = 10.0        # seconds a write waits for another program's lock before saying so


BROWSER_DRIVE = Path("/drive")  # JupyterLite's files (the browser's IndexedDB), mounted into the Pyodide kernel
PLACEHOLDER = "ich"              # the learner of a browser or account that never said its name


def in_browser() -> bool:
    """True in JupyterLite: Pyodide with the browser's file storage mounted at /drive."""
    return sys.platform == "emscripten" and BROWSER_DRIVE.is_dir()


def data_dir() -> Path:
    """The user's data directory for simnet (tests point SIMNET_DATA_DIR at a temporary one).
    In JupyterLite the home folder is memory and gone after a reload; /drive is kept by the
    browser, so progress goes to the hidden folder /drive/.simnet there."""
    override = os.environ.get("SIMNET_DATA_DIR")
    if override:
        return Path(override)
    if in_browser():
        return BROWSER_DRIVE / ".simnet"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "simnet"


def default_learner() -> str:
    """SIMNET_LEARNER, else the name saved with :func:`save_learner`, else the account's name.
    In the browser the account is Pyodide's "web_user" for everyone, so it is not a name."""
    name = os.environ.get("SIMNET_LEARNER")
    if name:
        return name
    try:
        name = (data_dir() / "name.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    if name:
        return name
    if sys.platform == "emscripten":
        return PLACEHOLDER
    return os.environ.get("USER") or os.environ.get("USERNAME") or PLACEHOLDER


def save_learner(name: str) -> str:
    """Remember the learner's name in the data directory (used where nothing else names them:
    the browser). Returns the cleaned name."""
    name = " ".join(name.split())
    if not name or len(name) > 80 or any(c in name for c in ";\"\n"):
        raise ExerciseError("Gib deinen Namen ein (höchstens 80 Zeichen, ohne ; und \").")
    path = data_dir() / "name.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name + "\n", encoding="utf-8")
    except OSError as exc:
        raise ExerciseError(f"{path} kann nicht geschrieben werden: {exc.strerror}.") from None
    return name


def open_progress(path: str | Path | None = None, clock: Any = time.time) -> "ProgressStore":
    """The progress store for this machine: SQLite where it can work, else the append-only log.
    JupyterLite's /drive keeps a file only when it is closed and knows no locks or shared
    memory, so SQLite's journal cannot live there; a path ending in .jsonl asks for the log too."""
    wanted = Path(path) if path is not None else None
    if sqlite3 is None or (wanted is None and in_browser()) or (wanted is not None and wanted.suffix == ".jsonl"):
        from simnet.exercises.progress_log import LogProgress

        return LogProgress(wanted.with_suffix(".jsonl") if wanted is not None else None, clock=clock)
    return Progress(wanted, clock=clock)


@dataclass(frozen=True)
class Attempt:
    """One recorded attempt at an exercise: who, which variant, what was answered, the verdict."""

    learner: str
    exercise: str
    seed: int
    kind: str
    answer: str
    correct: bool
    points: int
    max_points: int
    mode: str
    exam: str | None
    hints: int
    created: float


CSV_HEADER = ["Lernende*r", "Übung", "Titel", "Kapitel", "Variante", "Art", "Modus", "Prüfung", "Versuch", "Richtig",
              "Punkte", "Max. Punkte", "Hinweise", "Antwort", "Zeitpunkt (UTC)"]


class ProgressStore:
    """What every progress store offers; a store implements the storage, this class the meaning
    shared by all of them (messages, solved, the teacher's CSV)."""

    path: Path
    clock: Any

    def close(self) -> None:
        pass

    def __enter__(self) -> "ProgressStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # the German messages, the same for every store
    def _cannot_create(self, exc: OSError) -> ExerciseError:
        full = " (disk full)" if exc.errno == errno.ENOSPC else ""
        return ExerciseError(f"Die Fortschrittsdatei {self.path} kann nicht angelegt werden: {exc.strerror}{full}.")

    def _disk_full(self) -> ExerciseError:
        return ExerciseError(f"Kein Platz mehr auf dem Datenträger (disk full): {self.path} konnte nicht "
                             "geschrieben werden. Dein bisheriger Fortschritt ist unverändert gespeichert; "
                             "mach Platz frei und versuch es noch einmal.")

    def _damaged(self, kind: str, detail: str) -> ExerciseError:
        return ExerciseError(f"Die Fortschrittsdatei {self.path} ist beschädigt oder keine {kind} ({detail}). "
                             "Benenne sie um, dann legt simnet eine neue an.")

    # ------------------------------------------------------- the interface
    def start(self, learner: str, exercise: str, seed: int) -> None:
        """(Re)start an exercise: remember the variant, forget earlier commands and hints."""
        raise NotImplementedError

    def session(self, learner: str, exercise: str) -> tuple[int, int] | None:
        """(seed, hints used) of the running exercise, or None if it was never started."""
        raise NotImplementedError

    def add_command(self, learner: str, exercise: str, line: CommandLine) -> None:
        raise NotImplementedError

    def commands(self, learner: str, exercise: str) -> list[CommandLine]:
        raise NotImplementedError

    def lab_snapshot(self, learner: str, exercise: str, version: str) -> tuple[int, bytes] | None:
        """(commands it includes, pickled lab) of the running fix exercise, if one was kept."""
        raise NotImplementedError

    def keep_lab(self, learner: str, exercise: str, version: str, commands: int, lab: bytes | None) -> None:
        """Keep the lab after ``commands`` commands (None forgets it: the next run replays)."""
        raise NotImplementedError

    def use_hint(self, learner: str, exercise: str) -> int:
        """Count one more hint; returns how many were used (0-based index of the hint to show)."""
        raise NotImplementedError

    def record(self, learner: str, exercise: str, seed: int, kind: str, answer: Any, correct: bool, points: int,
               max_points: int, mode: str = "practice", exam: str | None = None, hints: int = 0) -> None:
        self._add_attempt(Attempt(learner, exercise, seed, kind, answer_text(answer), bool(correct), points,
                                  max_points, mode, exam, hints, self.clock()))

    def _add_attempt(self, attempt: Attempt) -> None:
        raise NotImplementedError

    def attempts(self, learner: str | None = None) -> list[Attempt]:
        """Every attempt (of ``learner``), oldest first."""
        raise NotImplementedError

    def solved(self, learner: str) -> set[str]:
        return {a.exercise for a in self.attempts(learner) if a.correct}

    def save_exam(self, exam_id: str, learner: str, seed: int, questions: list[tuple[str, int]], started: float,
                  deadline: float) -> None:
        raise NotImplementedError

    def finish_exam(self, exam_id: str, score: int, max_score: int, finished: float) -> None:
        raise NotImplementedError

    # ---------------------------------------------------------------- export
    def export_csv(self, learner: str | None = None, titles: dict[str, str] | None = None,
                   chapters: dict[str, str] | None = None, me: str | None = None) -> str:
        """All attempts as CSV (semicolon-separated, as Excel in Austria expects) for the teacher:
        one row per attempt, "Versuch" counts a learner's attempts at an exercise. ``me`` names
        the rows recorded before the learner gave a name (the placeholder "ich")."""
        rows = []
        counts: dict[tuple[str, str, str], int] = {}
        for a in self.attempts(learner):
            who = me if me and a.learner == PLACEHOLDER else a.learner
            key = (who, a.exercise, a.mode)
            counts[key] = counts.get(key, 0) + 1
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(a.created))
            rows.append([who, a.exercise, (titles or {}).get(a.exercise, ""), (chapters or {}).get(a.exercise, ""),
                         a.seed, a.kind, a.mode, a.exam or "", counts[key], "ja" if a.correct else "nein", a.points,
                         a.max_points, a.hints, a.answer, when])
        return csv_text(CSV_HEADER, rows)


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """Semicolon-separated, as Excel in Austria expects; a field with ; or " is quoted."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def answer_text(answer: Any) -> str:
    """An answer as stored: text as it is, a list of commands as a JSON list."""
    return answer if isinstance(answer, str) else json.dumps([str(a) for a in answer], ensure_ascii=False)


class Progress(ProgressStore):
    """One learner's (or a class's) progress database in SQLite. Cheap to open; open one per use."""

    def __init__(self, path: str | Path | None = None, clock: Any = time.time) -> None:
        self.path = Path(path) if path is not None else data_dir() / "progress.sqlite3"
        self.clock = clock
        if sqlite3 is None:
            raise ExerciseError("Dieses Python hat kein sqlite3; der Fortschritt geht in eine .jsonl-Datei.")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            raise self._problem(exc) from None
        except OSError as exc:
            raise self._cannot_create(exc) from None

    def _problem(self, exc: sqlite3.DatabaseError) -> ExerciseError:
        """The German message for what SQLite said: locked, disk full, or really damaged."""
        code = getattr(exc, "sqlite_errorcode", None)
        if _locked(exc):
            return ExerciseError(f"Die Fortschrittsdatei {self.path} ist gerade von einem anderen Programm "
                                 "gesperrt. Versuch es gleich noch einmal.")
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc) or code == sqlite3.SQLITE_IOERR:
            return self._disk_full()
        return self._damaged("SQLite-Datenbank", str(exc))

    def _open(self) -> sqlite3.Connection:
        """Connect; switch to WAL and create the tables only if that was not done before, so that
        reading (``exercise list``, ``hint``, progress) never waits for another program's write lock.
        Switching the journal mode does not wait for the busy handler: a second process opening
        the new file at the same moment retries, for a few seconds at most."""
        for attempt in range(40):
            conn = sqlite3.connect(str(self.path), timeout=WRITE_WAIT, isolation_level=None)
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(WRITE_WAIT * 1000)}")
                self._conn = conn
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if not TABLES <= tables or conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                    with self._write() as c:
                        for stmt in filter(str.strip, SCHEMA.split(";")):
                            c.execute(stmt)
                conn.execute("PRAGMA synchronous = NORMAL")
                return conn
            except (sqlite3.OperationalError, ExerciseError) as exc:
                conn.close()
                if not _locked(exc) or attempt == 39:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: BEGIN IMMEDIATE takes the write lock up front (no lost updates).
        A full disk or a lock held too long rolls back and says so in German."""
        c = self._conn
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise self._problem(exc) from None
        try:
            yield c
            c.execute("COMMIT")
        except BaseException as exc:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._problem(exc) from None
            raise

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._problem(exc) from None

    # ------------------------------------------------------------- sessions
    def start(self, learner: str, exercise: str, seed: int) -> None:
        now = self.clock()
        with self._write() as c:
            c.execute("INSERT OR REPLACE INTO sessions (learner, exercise, seed, hints, started) VALUES (?,?,?,0,?)",
                      (learner, exercise, seed, now))
            c.execute("DELETE FROM session_commands WHERE learner=? AND exercise=?", (learner, exercise))
            c.execute("DELETE FROM session_labs WHERE learner=? AND exercise=?", (learner, exercise))

    def session(self, learner: str, exercise: str) -> tuple[int, int] | None:
        rows = self._query("SELECT seed, hints FROM sessions WHERE learner=? AND exercise=?", (learner, exercise))
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    def add_command(self, learner: str, exercise: str, line: CommandLine) -> None:
        with self._write() as c:
            c.execute("INSERT INTO session_commands (learner, exercise, node, command, created) VALUES (?,?,?,?,?)",
                      (learner, exercise, line.node, line.command, self.clock()))

    def commands(self, learner: str, exercise: str) -> list[CommandLine]:
        rows = self._query("SELECT node, command FROM session_commands WHERE learner=? AND exercise=? ORDER BY id",
                           (learner, exercise))
        return [CommandLine(n, c) for n, c in rows]

    def lab_snapshot(self, learner: str, exercise: str, version: str) -> tuple[int, bytes] | None:
        rows = self._query("SELECT commands, lab FROM session_labs WHERE learner=? AND exercise=? AND version=?",
                           (learner, exercise, version))
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    def keep_lab(self, learner: str, exercise: str, version: str, commands: int, lab: bytes | None) -> None:
        with self._write() as c:
            c.execute("DELETE FROM session_labs WHERE learner=? AND exercise=?", (learner, exercise))
            if lab is not None:
                c.execute("INSERT INTO session_labs (learner, exercise, commands, version, lab) VALUES (?,?,?,?,?)",
                          (learner, exercise, commands, version, lab))

    def use_hint(self, learner: str, exercise: str) -> int:
        with self._write() as c:
            c.execute("UPDATE sessions SET hints = hints + 1 WHERE learner=? AND exercise=?", (learner, exercise))
            row = c.execute("SELECT hints FROM sessions WHERE learner=? AND exercise=?",
                            (learner, exercise)).fetchone()
        return int(row[0]) - 1 if row else 0

    # ------------------------------------------------------------- attempts
    def _add_attempt(self, a: Attempt) -> None:
        with self._write() as c:
            c.execute("INSERT INTO attempts (learner, exercise, seed, kind, answer, correct, points, max_points, "
                      "mode, exam, hints, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                      (a.learner, a.exercise, a.seed, a.kind, a.answer, int(a.correct), a.points, a.max_points,
                       a.mode, a.exam, a.hints, a.created))

    def attempts(self, learner: str | None = None) -> list[Attempt]:
        sql = ("SELECT learner, exercise, seed, kind, answer, correct, points, max_points, mode, exam, hints, created "
               "FROM attempts")
        rows = self._query(sql + (" WHERE learner=? ORDER BY id" if learner else " ORDER BY id"),
                           (learner,) if learner else ())
        return [Attempt(r[0], r[1], int(r[2]), r[3], r[4], bool(r[5]), int(r[6]), int(r[7]), r[8], r[9], int(r[10]),
                        float(r[11])) for r in rows]

    # ---------------------------------------------------------------- exams
    def save_exam(self, exam_id: str, learner: str, seed: int, questions: list[tuple[str, int]], started: float,
                  deadline: float) -> None:
        with self._write() as c:
            c.execute("INSERT OR REPLACE INTO exams (id, learner, seed, questions, started, deadline) "
                      "VALUES (?,?,?,?,?,?)", (exam_id, learner, seed, json.dumps(questions), started, deadline))

    def finish_exam(self, exam_id: str, score: int, max_score: int, finished: float) -> None:
        with self._write() as c:
            c.execute("UPDATE exams SET score=?, max_score=?, finished=? WHERE id=?",
                      (score, max_score, finished, exam_id))


def _locked(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text
