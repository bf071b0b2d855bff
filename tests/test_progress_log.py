"""The JSON-lines progress store: where SQLite cannot work (JupyterLite's /drive, a Python
without sqlite3), progress is kept just as safely. The behaviour both stores share is tested
for both in tests/test_exercises.py."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simnet.exercises import progress
from simnet.exercises.model import ExerciseError
from simnet.exercises.progress import Progress, data_dir, default_learner, open_progress, save_learner
from simnet.exercises.progress_log import LogProgress

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMNET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SIMNET_LEARNER", raising=False)


def test_a_line_cut_off_by_a_crash_loses_nothing_acknowledged(tmp_path):
    path = tmp_path / "p.jsonl"
    with LogProgress(path) as db:
        db.record("anna", "netzmaske", 1, "calculate", "a", True, 1, 1)
    with open(path, "ab") as f:                   # the power went off in the middle of a line
        f.write(b'{"id":"x-1","op":"attempt","learner":"anna","exer')
    with LogProgress(path) as db:
        assert [a.answer for a in db.attempts()] == ["a"]
        db.record("anna", "netzmaske", 2, "calculate", "b", False, 0, 1)
        assert [a.answer for a in db.attempts()] == ["a", "b"]     # the new line starts on a line of its own


def test_another_notebook_writing_back_a_stale_file_does_not_lose_the_attempt(tmp_path, monkeypatch):
    """JupyterLite's /drive reads a file whole at open and writes it whole at close: a second
    notebook closing the file just after this one can write it back without this one's line."""
    path = tmp_path / "p.jsonl"
    db = LogProgress(path)
    real_write = LogProgress._write
    calls = []

    def write_then_overwritten(self, line):
        stale = path.read_bytes()
        real_write(self, line)
        if not calls:                             # the other notebook's close, from the content it read before
            path.write_bytes(stale + b'{"id":"other-1","op":"start","learner":"bert","exercise":"netzmaske",'
                                     b'"seed":4,"started":0}\n')
        calls.append(line)

    monkeypatch.setattr(LogProgress, "_write", write_then_overwritten)
    db.record("anna", "netzmaske", 1, "calculate", "a", True, 1, 1)
    assert len(calls) == 2                        # written again after it went missing
    assert [a.answer for a in db.attempts()] == ["a"] and db.session("bert", "netzmaske") == (4, 0)
    db.record("anna", "netzmaske", 1, "calculate", "b", True, 1, 1)
    assert [a.answer for a in LogProgress(path).attempts()] == ["a", "b"]


def test_a_damaged_file_gets_the_german_message(tmp_path):
    bad = tmp_path / "p.jsonl"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(range(256)))
    with pytest.raises(ExerciseError, match="beschädigt oder keine Fortschrittsdatei von simnet"):
        LogProgress(bad)
    bad.write_text('{"simnet":"progress","version":1}\n{"id":"a-1","op":"attempt","learner":"x"}\n', encoding="utf-8")
    with pytest.raises(ExerciseError, match="Eintrag 2 ist unvollständig"):
        LogProgress(bad).attempts()


def test_a_full_disk_says_so(tmp_path, monkeypatch):
    path = tmp_path / "p.jsonl"
    with LogProgress(path) as db:
        db.record("x", "netzmaske", 1, "calc", "a", True, 1, 1)

        def full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr("simnet.exercises.progress_log.os.fsync", full)
        with pytest.raises(ExerciseError, match="disk full") as exc:
            db.record("x", "netzmaske", 1, "calc", "b", True, 1, 1)
        assert "unverändert" in str(exc.value)


def test_without_sqlite3_the_log_is_used(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "sqlite3", None)
    with open_progress() as db:
        assert isinstance(db, LogProgress) and db.path == tmp_path / "data" / "progress.jsonl"
    with open_progress(tmp_path / "mine.sqlite3") as db:
        assert isinstance(db, LogProgress) and db.path == tmp_path / "mine.jsonl"
    with pytest.raises(ExerciseError, match="kein sqlite3"):
        Progress(tmp_path / "p.sqlite3")


def test_the_command_line_works_in_a_python_without_sqlite3(tmp_path):
    from simnet.exercises.check import reference_answer
    from simnet.exercises.generate import instantiate
    from simnet.exercises.model import load_all

    answer = str(reference_answer(instantiate(load_all()["netzmaske"], 3)))
    code = ("import sys; sys.modules['sqlite3'] = None\n"       # import sqlite3 raises ImportError
            "from simnet.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIMNET_DATA_DIR": str(tmp_path / "d"), "SIMNET_LEARNER": "anna"}

    def simnet(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code, "exercise", *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    assert simnet("start", "netzmaske", "--seed", "3").returncode == 0
    checked = simnet("check", "netzmaske", answer)
    assert checked.returncode == 0 and checked.stdout.startswith("✔"), checked.stderr
    exported = simnet("export")
    assert exported.returncode == 0 and "\nanna;netzmaske;" in exported.stdout
    assert (tmp_path / "d" / "progress.jsonl").exists() and not (tmp_path / "d" / "progress.sqlite3").exists()


def test_in_the_browser_progress_goes_to_the_drive_and_the_learner_names_themself(tmp_path, monkeypatch):
    monkeypatch.delenv("SIMNET_DATA_DIR")
    monkeypatch.setattr(progress.sys, "platform", "emscripten")
    monkeypatch.setattr(progress, "BROWSER_DRIVE", tmp_path / "drive")
    monkeypatch.setenv("USER", "web_user")
    (tmp_path / "drive").mkdir()
    assert data_dir() == tmp_path / "drive" / ".simnet"
    with open_progress() as db:
        assert isinstance(db, LogProgress)      # SQLite's journal cannot live on /drive
    assert default_learner() == "ich"           # not Pyodide's account, the same for everyone
    assert save_learner("  Anna   Muster ") == "Anna Muster" and default_learner() == "Anna Muster"
    with pytest.raises(ExerciseError, match="Gib deinen Namen ein"):
        save_learner("a;b")
