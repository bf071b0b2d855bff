"""Progress CSVs for the teacher: one learner's export, and a class's exports merged.

Every learner exports the same columns (:data:`~simnet.exercises.progress.CSV_HEADER`,
semicolon-separated, UTF-8 with a byte order mark, as Excel and LibreOffice in Austria read
it). The teacher collects the files and merges them with ``simnet exercise merge *.csv``:
rows in one table, a file handed in twice counted once, and with ``--summary`` one row per
learner and exercise (attempts, passed, best points, hints).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Iterable

from simnet.exercises.model import Exercise, ExerciseError
from simnet.exercises.progress import CSV_HEADER, ProgressStore, csv_text

__all__ = ["export_text", "merge", "summary", "read_export", "csv_file_name", "csv_text", "SUMMARY_HEADER",
           "ENCODING"]

ENCODING = "utf-8-sig"          # with a byte order mark: Excel then reads the umlauts right
SUMMARY_HEADER = ["Lernende*r", "Übung", "Titel", "Kapitel", "Versuche", "Bestanden", "Beste Punkte", "Max. Punkte",
                  "Hinweise", "Zuletzt (UTC)"]


def export_text(db: ProgressStore, exercises: dict[str, Exercise], learner: str | None = None,
                me: str | None = None) -> str:
    """The learner's (or everyone's) attempts as the teacher's CSV, with titles and chapters."""
    return db.export_csv(learner, {k: e.title for k, e in exercises.items()},
                         {k: e.chapter for k, e in exercises.items()}, me=me)


def csv_file_name(learner: str) -> str:
    """``fortschritt-Anna-Muster.csv``: a file name every system accepts, the learner still recognisable."""
    safe = re.sub(r"[^\w-]+", "-", learner, flags=re.UNICODE).strip("-") or "ich"
    return f"fortschritt-{safe}.csv"


def read_export(path: str | Path) -> list[list[str]]:
    """The rows of one learner's export (without the header); a German message if it is not one."""
    try:
        text = Path(path).read_bytes().decode(ENCODING)
    except OSError as exc:
        raise ExerciseError(f"{path} kann nicht gelesen werden: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise ExerciseError(f"{path} ist kein UTF-8-Text – ist das ein Export von simnet?") from None
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    if not rows or rows[0] != CSV_HEADER:
        raise ExerciseError(f"{path} ist kein Fortschritts-Export von simnet (die erste Zeile sollte mit "
                            f"„{';'.join(CSV_HEADER[:4])}“ beginnen).")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(CSV_HEADER):
            raise ExerciseError(f"{path}, Zeile {number}: {len(row)} statt {len(CSV_HEADER)} Spalten.")
    return rows[1:]


def merge(paths: Iterable[str | Path]) -> list[list[str]]:
    """All rows of all files, each row once (a file handed in twice, or an export that includes an
    earlier one), ordered by learner and time."""
    seen: set[tuple[str, ...]] = set()
    rows = []
    for path in paths:
        for row in read_export(path):
            if tuple(row) not in seen:
                seen.add(tuple(row))
                rows.append(row)
    col = {name: k for k, name in enumerate(CSV_HEADER)}
    rows.sort(key=lambda r: (r[col["Lernende*r"]].casefold(), r[col["Zeitpunkt (UTC)"]]))
    return rows


def summary(rows: list[list[str]]) -> list[list[Any]]:
    """One row per learner and exercise from merged practice rows: attempts, passed, best points."""
    col = {name: k for k, name in enumerate(CSV_HEADER)}
    table: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        if r[col["Modus"]] != "practice":
            continue
        key = (r[col["Lernende*r"]], r[col["Übung"]])
        entry = table.setdefault(key, [key[0], key[1], r[col["Titel"]], r[col["Kapitel"]], 0, "nein", 0,
                                       r[col["Max. Punkte"]], 0, ""])
        entry[4] += 1
        if r[col["Richtig"]] == "ja":
            entry[5] = "ja"
        entry[6] = max(entry[6], _int(r[col["Punkte"]]))
        entry[8] = max(entry[8], _int(r[col["Hinweise"]]))
        entry[9] = max(entry[9], r[col["Zeitpunkt (UTC)"]])
    return [table[k] for k in sorted(table, key=lambda k: (k[0].casefold(), k[1]))]


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
