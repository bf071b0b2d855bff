"""The teacher's CSVs: a learner exports, the teacher merges a class (``simnet exercise merge``)."""
from __future__ import annotations

import io

import pytest

from simnet.exercises.export import csv_file_name, merge
from simnet.exercises.model import load_all
from simnet.exercises.progress import CSV_HEADER, open_progress

TITLE = load_all()["netzmaske"].title


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMNET_DATA_DIR", str(tmp_path / "data"))


def _cli(*argv: str) -> tuple[int, str]:
    from simnet.cli import build_parser
    from simnet.exercises.cli import run

    out = io.StringIO()
    return run(build_parser().parse_args(["exercise", *argv]), out), out.getvalue()


def _learner_export(tmp_path, name: str, answers: list[tuple[str, bool]], clock: float) -> str:
    db_path = tmp_path / f"{name}.jsonl"
    with open_progress(db_path, clock=lambda: clock) as db:
        for exercise, correct in answers:
            db.record(name, exercise, 7, "calculate", "x", correct, int(correct), 1, hints=1)
    target = tmp_path / csv_file_name(name)
    code, out = _cli("--db", str(db_path), "export", "--csv", str(target))
    assert code == 0 and out == f"{len(answers)} Versuche nach {target} exportiert.\n"
    return str(target)


def test_export_and_merge_a_class(tmp_path, capsys):
    anna = _learner_export(tmp_path, "Anna Muster", [("netzmaske", False), ("netzmaske", True)], 1768730400.0)
    bert = _learner_export(tmp_path, "Bert", [("broadcast-adresse", False)], 1768730500.0)
    assert anna.endswith("fortschritt-Anna-Muster.csv")
    raw = open(anna, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")                    # BOM: Excel reads the umlauts right
    header, first = raw.decode("utf-8-sig").splitlines()[:2]
    assert header.split(";") == CSV_HEADER
    assert first == f"Anna Muster;netzmaske;{TITLE};01-ipv4;7;calculate;practice;;1;nein;0;1;1;x;2026-01-18 10:00:00"
    code, out = _cli("merge", bert, anna, anna)               # Anna handed in twice
    assert code == 0 and out.splitlines()[0].split(";") == CSV_HEADER
    assert [line.split(";")[0] for line in out.splitlines()[1:]] == ["Anna Muster", "Anna Muster", "Bert"]
    assert "3 Dateien: 3 Versuche von 2 Lernenden." in capsys.readouterr().err
    code, out = _cli("merge", anna, bert, "--summary", "--csv", str(tmp_path / "klasse.csv"))
    assert code == 0 and "zusammengeführt in" in out
    lines = (tmp_path / "klasse.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ("Lernende*r;Übung;Titel;Kapitel;Versuche;Bestanden;Beste Punkte;Max. Punkte;Hinweise;"
                        "Zuletzt (UTC)")
    assert lines[1] == f"Anna Muster;netzmaske;{TITLE};01-ipv4;2;ja;1;1;1;2026-01-18 10:00:00"
    assert lines[2].startswith("Bert;broadcast-adresse;") and ";1;nein;0;1;1;" in lines[2]
    assert len(merge([anna, bert])) == 3


def test_merge_refuses_what_is_not_an_export(tmp_path, capsys):
    other = tmp_path / "liste.csv"
    other.write_text("Name;Note\nAnna;1\n", encoding="utf-8")
    code, _ = _cli("merge", str(other))
    err = capsys.readouterr().err
    assert code == 2 and "kein Fortschritts-Export von simnet" in err and "Traceback" not in err
    code, _ = _cli("merge", str(tmp_path / "fehlt.csv"))
    assert code == 2 and "kann nicht gelesen werden" in capsys.readouterr().err
    short = tmp_path / "kurz.csv"
    short.write_text(";".join(CSV_HEADER) + "\nAnna;netzmaske\n", encoding="utf-8")
    code, _ = _cli("merge", str(short))
    assert code == 2 and "Zeile 2: 2 statt 15 Spalten" in capsys.readouterr().err


def test_file_names_for_every_name():
    assert csv_file_name("Jürgen O'Brien/3b") == "fortschritt-Jürgen-O-Brien-3b.csv"
    assert csv_file_name("  ") == "fortschritt-ich.csv"


def test_notebook_export_button_writes_the_file_and_a_download_link(tmp_path, monkeypatch):
    pytest.importorskip("ipywidgets")
    import base64
    import re

    from simnet.exercises.check import reference_answer
    from simnet.exercises.widget import exercise_view, progress_view

    monkeypatch.delenv("SIMNET_LEARNER", raising=False)
    monkeypatch.setattr("simnet.exercises.progress.sys.platform", "emscripten")   # no account names a learner
    view = exercise_view("netzmaske", seed=3)
    assert view.learner == "ich"
    view.text.value = str(reference_answer(view.instance))
    assert view.check().correct
    panel = progress_view(folder=tmp_path)
    assert panel.name.value == "" and panel.refresh().startswith("Du hast 1 von ")
    panel.download_button.click()
    assert "Trag zuerst deinen Namen ein" in panel.link.value and not list(tmp_path.glob("*.csv"))
    panel.name.value = "Anna Muster"
    panel.download_button.click()
    saved = (tmp_path / "fortschritt-Anna-Muster.csv").read_bytes()
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="fortschritt-Anna-Muster.csv"',
                     panel.link.value)
    assert href and base64.b64decode(href.group(1)) == saved
    rows = saved.decode("utf-8-sig").splitlines()
    assert rows[1].startswith("Anna Muster;netzmaske;") and ";3;calculate;practice;;1;ja;" in rows[1]
    again = exercise_view("netzmaske", seed=4)
    assert again.learner == "Anna Muster"                                   # the name was kept
    again.text.value = "falsch"
    assert not again.check().correct
    rows = panel.export().splitlines()
    assert [r.split(";")[8] for r in rows[1:]] == ["1", "2"]               # "ich" then Anna: her 2nd attempt


def test_exam_in_the_notebook_goes_into_the_export(tmp_path, monkeypatch):
    pytest.importorskip("ipywidgets")
    from simnet.exercises.check import reference_answer
    from simnet.exercises.widget import exam_view

    monkeypatch.setenv("SIMNET_LEARNER", "bert")
    view = exam_view(n=2, seed=11)
    first = view.exam.questions[0]
    answer = reference_answer(first.instance)
    if first.instance.kind == "fix":
        for line in answer:
            view.view.run_command(line.node, line.command)
    elif first.instance.options:
        view.view.choice.value = answer
    else:
        view.view.text.value = str(answer)
    view.submit()
    view.finish()
    code, out = _cli("export")
    rows = [r.split(";") for r in out.splitlines()[1:]]
    assert code == 0 and len(rows) == 2 and {r[6] for r in rows} == {"exam"} and rows[0][7] == view.exam.id
    assert rows[0][9] == "ja" and rows[1][9] == "nein"          # the second was never answered
