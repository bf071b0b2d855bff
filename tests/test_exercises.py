"""Graded exercises: every exercise is solvable, grading teaches, progress survives, exam mode works."""
from __future__ import annotations

import io
import sqlite3
import threading
from pathlib import Path

import pytest

from simnet.exercises.answers import same_answer
from simnet.exercises.check import grade, parse_commands, prove, reference_answer
from simnet.exercises.exam import Exam, austrian_grade, regrade
from simnet.exercises.faults import CATALOGUE
from simnet.exercises.generate import instantiate
from simnet.exercises.model import CHAPTERS, KINDS, CommandLine, ExerciseError, load_all, load_exercise
from simnet.exercises.progress import Progress, open_progress
from simnet.trace import Disposition

EXERCISES = load_all()


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    """No test writes into the real user's data directory."""
    monkeypatch.setenv("SIMNET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SIMNET_LEARNER", "testperson")


# ------------------------------------------------------------------ the proof
@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_exercise_is_solvable(ex_id):
    """Reference answer passes, unbroken lab passes, broken lab fails for the stated reason (two variants)."""
    ex = EXERCISES[ex_id]
    days_pass = any("certificate-expired" in str(f) for f in ex.faults) or "certificate-expired" in str(ex.params)
    for seed in (0,) if days_pass else (0, 1):     # simulating days of timers is slow; one variant is enough
        inst = instantiate(ex, seed)
        assert prove(inst) == []


def test_catalogue_covers_chapters_kinds_and_faults():
    assert len(EXERCISES) >= 40
    assert {e.chapter for e in EXERCISES.values()} == set(CHAPTERS)
    assert {e.kind for e in EXERCISES.values()} == set(KINDS)
    used: set[str] = set()
    for ex in EXERCISES.values():
        for seed in range(12):
            inst = instantiate(ex, seed)
            used |= {f.id for f in inst.faults}
            if ex.kind == "cause":
                used |= set(inst.options)
    assert used == set(CATALOGUE)


def test_a_hundred_exercises_with_variants_and_no_chapter_above_15_percent():
    assert len(EXERCISES) >= 100
    per_chapter: dict[str, int] = {}
    for ex in EXERCISES.values():
        per_chapter[ex.chapter] = per_chapter.get(ex.chapter, 0) + 1
        seen = {(i.task, tuple((f.id, str(f.values)) for f in i.faults), str(i.probe), str(i.calc), tuple(i.options))
                for i in (instantiate(ex, seed) for seed in range(12))}
        assert len(seen) >= 2, f"{ex.id} hat keine Varianten"
    assert max(per_chapter.values()) <= 0.15 * len(EXERCISES), per_chapter


def test_explain_grades_by_rubric_and_always_shows_the_model_answer():
    inst = instantiate(EXERCISES["nat-pat-erklaeren"], 3)
    right = grade(inst, inst.model_answer)
    assert right.correct and "Musterantwort:" in right.feedback
    short = grade(inst, "Der Router übersetzt Adressen.")
    assert not short.correct and "Es fehlt noch:" in short.feedback and inst.model_answer in short.feedback
    wrong = grade(inst, inst.model_answer + " Damit ist jeder PC von außen erreichbar.")
    assert not wrong.correct and "Achtung:" in wrong.feedback
    assert not grade(inst, "").correct


def test_knowledge_answers_accept_the_usual_spellings():
    osi = next(instantiate(EXERCISES["osi-schicht-geraet"], s) for s in range(40)
               if instantiate(EXERCISES["osi-schicht-geraet"], s).calc["item"] == "Switch")
    for answer in ("2", "Schicht 2", "L2", "Sicherungsschicht", "data link"):
        assert grade(osi, answer).correct, answer
    assert not grade(osi, "3").correct
    route = instantiate(EXERCISES["routingtabelle-ergaenzen"], 0)
    net, gw = route.calc["network"], route.calc["gateway"]
    for answer in (f"{net} via {gw}", f"ip route add {net} via {gw}"):
        assert grade(route, answer).correct, answer
    assert not grade(route, f"{net} via 198.51.100.1").correct
    vlsm = instantiate(EXERCISES["vlsm-tabelle"], 0)
    ref = reference_answer(vlsm)
    assert grade(vlsm, ref).correct and grade(vlsm, ref.replace("/", " /")).correct


def test_broken_lab_really_fails_and_reference_repairs_it():
    """Spelled out once for the seed's classic: forwarding off in the container."""
    inst = instantiate(EXERCISES["forwarding-container-fix"], 0)
    lab = inst.build_lab(broken=True)
    res = lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101")
    assert res.returncode == 1
    assert res.trace.main.disposition is Disposition.FORWARDING_DISABLED and res.trace.main.where == "tailscale"
    assert grade(inst, ["tailscale: sysctl -w net.ipv4.ip_forward=1"]).correct
    assert not grade(inst, ["maschinchen: sysctl -w net.ipv4.ip_forward=1"]).correct


# ----------------------------------------------------------------- variants
def test_variants_are_reproducible_and_differ():
    ex = EXERCISES["netzadresse"]
    assert instantiate(ex, 7).task == instantiate(ex, 7).task
    tasks = {instantiate(ex, seed).task for seed in range(20)}
    assert len(tasks) > 10
    answers = {reference_answer(instantiate(ex, seed)) for seed in range(20)}
    assert len(answers) > 10


def test_fault_choice_is_seeded():
    ex = EXERCISES["route-fehlt-ursache"]
    picked = {instantiate(ex, seed).faults[0].id for seed in range(20)}
    assert picked == {"route-missing", "back-route-missing"}


def test_cause_options_contain_the_answer_and_three_distractors():
    ex = EXERCISES["forwarding-router-ursache"]
    for seed in range(10):
        inst = instantiate(ex, seed)
        assert len(inst.options) == 4 and len(set(inst.options)) == 4
        assert "forwarding-off" in inst.options


# ------------------------------------------------------------------ grading
def test_wrong_cause_teaches_how_it_would_look():
    inst = instantiate(EXERCISES["forwarding-router-ursache"], 3)
    wrong = next(o for o in inst.options if o != "forwarding-off")
    letter = "abcd"[inst.options.index(wrong)]
    v = grade(inst, letter)
    assert not v.correct and v.points == 0
    assert CATALOGUE[wrong].tell in v.feedback
    assert "forwarding-disabled" in v.feedback and "„router“" in v.feedback
    right = "abcd"[inst.options.index("forwarding-off")]
    v = grade(inst, right.upper() + ")")
    assert v.correct and "sysctl -w net.ipv4.ip_forward=1" in v.feedback


def test_nonsense_answers_become_german_feedback():
    inst = instantiate(EXERCISES["forwarding-router-ursache"], 0)
    assert "keine der Möglichkeiten" in grade(inst, "z").feedback
    fix = instantiate(EXERCISES["default-route-fehlt"], 0)
    v = grade(fix, "das ist kein Befehl")
    assert not v.correct and "KNOTEN: BEFEHL" in v.feedback
    v = grade(fix, ["gibtsnicht: ip route"])
    assert not v.correct and "gibtsnicht" in v.transcript[0]
    v = grade(fix, [])
    assert "noch keinen Befehl" in v.feedback


def test_fix_that_breaks_something_else_is_not_accepted():
    inst = instantiate(EXERCISES["forwarding-container-fix"], 0)
    v = grade(inst, ["tailscale: sysctl -w net.ipv4.ip_forward=1", "proxmox: ip link set eth0 down",
                     "proxmox: ip link set eth0 up"])
    assert v.correct          # the connected route comes back with the link; the probe and keeps pass
    v = grade(inst, ["tailscale: sysctl -w net.ipv4.ip_forward=1", "debian: ip link set eth0 down"])
    assert not v.correct and "etwas anderes kaputt" in v.feedback


def test_either_repair_of_missing_back_route_counts():
    inst = instantiate(EXERCISES["snat-rueckroute-fix"], 0)
    assert grade(inst, ["proxmox: ip route add 100.64.0.0/10 via 192.168.0.150"]).correct
    assert grade(inst, ["tailscale: tailscale set --snat-subnet-routes=true"]).correct
    assert not grade(inst, ["debian: ip route add 100.64.0.0/10 via 192.168.0.150"]).correct


def test_predict_answers_come_from_the_simulation():
    ex = EXERCISES["snat-quelle-proxmox"]
    seen = {}
    for seed in range(12):
        inst = instantiate(ex, seed)
        seen[bool(inst.faults)] = reference_answer(inst)
    assert seen == {False: "192.168.0.150", True: "100.64.0.2"}
    inst = instantiate(EXERCISES["keine-policy-vorhersage"], 0)
    assert reference_answer(inst) == "ja"                 # no policy = everyone may reach everyone
    exit_node = {bool(instantiate(EXERCISES["exit-node-quelle"], seed).setup):
                 reference_answer(instantiate(EXERCISES["exit-node-quelle"], seed)) for seed in range(8)}
    assert exit_node == {False: "198.51.100.140", True: "198.51.100.57"}   # the packet, not its DERP wrapping


def test_feedback_per_wrong_answer_from_the_file_and_from_the_calculation():
    inst = instantiate(EXERCISES["masquerade-quelle"], 0)
    v = grade(inst, "192.168.0.1")
    assert not v.correct and "LAN-Adresse des Routers" in v.feedback and v.expected == "198.51.100.57"
    inst = instantiate(EXERCISES["hosts-pro-praefix"], 0)
    p = inst.values["p"]
    v = grade(inst, str(2 ** (32 - p)))
    assert not v.correct and "mitgezählt" in v.feedback
    v = grade(inst, str(2 ** (32 - p) - 2))
    assert v.correct
    inst = instantiate(EXERCISES["praefix-fuer-hosts"], 0)
    v = grade(inst, "/30")
    assert not v.correct and "zu wenig" in v.feedback and v.expected.startswith("/")


@pytest.mark.parametrize("given,expected,kind,ok", [
    ("/24", "24", "mask", True), ("255.255.255.0", "24", "mask", True), ("24", "25", "mask", False),
    ("16.382", "16382", "int", True), ("16 382", "16382", "int", True), ("16382.5", "16382", "int", False),
    ("10.1.2.0/24", "10.1.2.0", "address", True), (" 10.1.2.0 ", "10.1.2.0", "address", True),
    ("10.1.2.1", "10.1.2.0", "address", False), ("J", "ja", "yesno", True), ("nein", "ja", "yesno", False),
    ("", "ja", "yesno", False), ("kaputt/", "24", "mask", False),
])
def test_answer_normalisation(given, expected, kind, ok):
    assert same_answer(given, expected, kind) is ok


def test_tailscale_ping_path_is_the_last_pong():
    from simnet.exercises.answers import _tailscale_path

    assert _tailscale_path("pong from a (100.64.0.1) via DERP(headscale) in 37ms\n"
                           "pong from a (100.64.0.1) via 198.51.100.57:41641 in 33ms\n") == "direkt"
    assert _tailscale_path("pong from a (100.64.0.1) via DERP(headscale) in 37ms\n") == "DERP"
    assert _tailscale_path('ping "100.64.0.1" timed out\n') == "keine Antwort"


def test_commands_text_with_comments():
    cmds = parse_commands("# erst schauen\ntailscale: sysctl net.ipv4.ip_forward\n\nvps: headscale nodes list-routes\n")
    assert cmds == [CommandLine("tailscale", "sysctl net.ipv4.ip_forward"),
                    CommandLine("vps", "headscale nodes list-routes")]


@pytest.mark.parametrize("ex_id", ["forwarding-router-ursache", "netzadresse", "praefix-fuer-hosts",
                                   "masquerade-quelle", "ttl-vorhersage", "default-route-fehlt"])
def test_garbage_answers_never_raise(ex_id):
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    inst = instantiate(EXERCISES[ex_id], 0)
    texts = st.one_of(st.text(max_size=40), st.sampled_from(["", "/", "/99", "ä: ö", "1e9", "999999999999999",
                                                              "debian: ", "nope: ping", "\x00", "a" * 500]))

    @hypothesis.settings(max_examples=25, deadline=None, derandomize=True)
    @hypothesis.given(texts)
    def check(text):
        v = grade(inst, text)
        assert isinstance(v.feedback, str) and v.feedback
        assert v.points in (0, v.max_points)

    check()


# ------------------------------------------------------------------ schema
@pytest.mark.parametrize("text,needle", [
    ("id: [kaputt", "kein gültiges YAML"),
    ("- nur\n- eine Liste\n", "Zuordnung"),
    ("id: x1\ntitle: T\nchapter: 01-ipv4\nkind: calculate\ntask: t\ncalc: {ask: hosts}\n", "Dateinamen"),
    ("id: bad\ntitle: T\nchapter: 99-gibtsnicht\nkind: calculate\ntask: t\ncalc: {ask: hosts}\n", "unbekanntes Kapitel"),
    ("id: bad\ntitle: T\nchapter: 01-ipv4\nkind: raten\ntask: t\n", "unbekannte Art"),
    ("id: bad\ntitle: T\nchapter: 03-routing\nkind: fix\ntask: t\nlab: heimnetz\nfaults: [forwarding-off]\n",
     "Probe"),
    ("id: bad\ntitle: T\nchapter: 01-ipv4\nkind: calculate\ntask: t\ncalc: {ask: hosts}\nextra: 1\n",
     "unbekannter Schlüssel"),
])
def test_broken_exercise_files_get_german_messages(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExerciseError) as exc:
        load_exercise(path)
    assert needle in str(exc.value)


def test_random_exercise_data_only_ever_raises_german_errors():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    from simnet.exercises.model import exercise_from_dict

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 300), st.text(max_size=12),
                        st.sampled_from(["heimnetz", "${p}", "debian: ping -c 1 203.0.113.10", "forwarding-off",
                                         "hosts", "10.0.0.0/8"]))
    values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.sampled_from(
        ["fault", "node", "choice", "range", "value", "subnet", "prefix", "address_in", "ask", "p"]), c,
        max_size=3)), max_leaves=8)
    keys = st.sampled_from(["lab", "params", "faults", "probe", "keep", "expect", "solution", "hints", "feedback",
                            "options", "ask", "at", "calc", "points", "setup"])

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
    @hypothesis.given(st.dictionaries(keys, values, max_size=6), st.sampled_from(sorted(KINDS)))
    def check(extra, kind):
        data = {"id": "fuzz", "title": "T", "chapter": "01-ipv4", "task": "t ${p}", "kind": kind, **extra}
        try:
            inst = instantiate(exercise_from_dict(data, "<fuzz>"), 1)
            if inst.kind == "calculate":
                grade(inst, "1")
        except ExerciseError as exc:
            assert str(exc)

    check()


def test_semantic_errors_surface_when_instantiated(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\ntitle: T\nchapter: 03-routing\nkind: cause\ntask: t\nlab: heimnetz\n"
                    "probe: 'debian: ping -c 1 203.0.113.10'\nfaults: [{fault: gibtsnicht, node: router}]\n",
                    encoding="utf-8")
    with pytest.raises(ExerciseError, match="unbekannter Fehler „gibtsnicht“"):
        instantiate(load_exercise(path), 0)
    path.write_text("id: bad\ntitle: T\nchapter: 03-routing\nkind: cause\ntask: '${nix}'\nlab: heimnetz\n"
                    "probe: 'debian: ping -c 1 203.0.113.10'\nfaults: [{fault: forwarding-off}]\n", encoding="utf-8")
    with pytest.raises(ExerciseError, match="fehlt: node"):
        instantiate(load_exercise(path), 0)


# ---------------------------------------------------------------- progress
# every store (SQLite; the JSON-lines log of the browser and of a Python without sqlite3) behaves the same
STORES = pytest.mark.parametrize("suffix", [".sqlite3", ".jsonl"])


@STORES
def test_progress_two_writers_lose_nothing(tmp_path, suffix):
    db_path = tmp_path / f"p{suffix}"
    open_progress(db_path).close()

    def writer(name: str) -> None:
        with open_progress(db_path) as db:
            for k in range(40):
                db.record(name, "netzmaske", k, "calculate", str(k), k % 2 == 0, k % 2, 1)
                db.add_command(name, "default-route-fehlt", CommandLine("debian", f"echo {k}"))

    threads = [threading.Thread(target=writer, args=(f"l{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open_progress(db_path) as db:
        assert len(db.attempts()) == 120
        assert [c.command for c in db.commands("l1", "default-route-fehlt")] == [f"echo {k}" for k in range(40)]
        if suffix == ".sqlite3":
            assert db._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@STORES
def test_progress_two_processes_at_once(tmp_path, suffix):
    """Two notebooks are two processes: both write at the same time, no row goes missing."""
    import subprocess
    import sys

    db_path = tmp_path / f"p{suffix}"
    code = ("import sys; from simnet.exercises.progress import open_progress\n"
            "db = open_progress(sys.argv[1])\n"
            "for k in range(60): db.record(sys.argv[2], 'netzmaske', k, 'calculate', str(k), True, 1, 1)\n")
    root = Path(__file__).resolve().parents[1]
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db_path), name], cwd=root,
                              env={**__import__("os").environ, "PYTHONPATH": str(root)}) for name in ("nb1", "nb2")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    with open_progress(db_path) as db:
        rows = db.attempts()
    assert len(rows) == 120 and {r.learner for r in rows} == {"nb1", "nb2"}


@STORES
def test_progress_session_hints_and_csv(tmp_path, suffix):
    with open_progress(tmp_path / f"p{suffix}", clock=lambda: 1768730400.0) as db:
        assert db.use_hint("anna", "netzmaske") == 0 and db.session("anna", "netzmaske") is None
        db.start("anna", "netzmaske", 12)
        assert db.session("anna", "netzmaske") == (12, 0)
        assert [db.use_hint("anna", "netzmaske") for _ in range(3)] == [0, 1, 2]
        db.add_command("anna", "netzmaske", CommandLine("debian", "ip route"))
        db.record("anna", "netzmaske", 12, "calculate", "255.255.255.0", True, 1, 1, hints=3)
        db.record("bert", "netzmaske", 3, "calculate", "1;2", False, 0, 1)
        db.record("bert", "netzmaske", 3, "fix", [CommandLine("debian", "ip r")], True, 1, 1)
        csv_text = db.export_csv(titles={"netzmaske": "Von CIDR zur Maske"}, chapters={"netzmaske": "01-ipv4"})
        assert db.solved("anna") == {"netzmaske"} and db.solved("bert") == {"netzmaske"}
        assert db.commands("anna", "netzmaske") == [CommandLine("debian", "ip route")]
        db.start("anna", "netzmaske", 13)                    # a new variant forgets commands and hints
        assert db.session("anna", "netzmaske") == (13, 0) and db.commands("anna", "netzmaske") == []
        assert [a.answer for a in db.attempts("bert")] == ["1;2", '["debian: ip r"]']
    lines = csv_text.splitlines()
    assert lines[0] == ("Lernende*r;Übung;Titel;Kapitel;Variante;Art;Modus;Prüfung;Versuch;Richtig;Punkte;Max. Punkte;"
                        "Hinweise;Antwort;Zeitpunkt (UTC)")
    assert lines[1] == ("anna;netzmaske;Von CIDR zur Maske;01-ipv4;12;calculate;practice;;1;ja;1;1;3;255.255.255.0;"
                        "2026-01-18 10:00:00")
    assert lines[2].endswith(';1;nein;0;1;0;"1;2";2026-01-18 10:00:00')
    assert lines[3].startswith("bert;netzmaske;Von CIDR zur Maske;01-ipv4;3;fix;practice;;2;ja;")   # bert's 2nd try


def test_a_crash_mid_write_leaves_the_old_state(tmp_path):
    with Progress(tmp_path / "p.sqlite3") as db:
        db.record("anna", "netzmaske", 1, "calculate", "x", False, 0, 1)
        with pytest.raises(RuntimeError):
            with db._write() as c:
                c.execute("INSERT INTO attempts (learner, exercise, seed, kind, answer, correct, points, max_points, "
                          "created) VALUES ('anna', 'netzmaske', 2, 'calculate', 'y', 1, 1, 1, 0)")
                raise RuntimeError("Strom weg")
        assert [a.seed for a in db.attempts()] == [1]
    with Progress(tmp_path / "p.sqlite3") as db:                 # and the file opens fine afterwards
        assert [a.seed for a in db.attempts()] == [1]


def test_corrupt_progress_file_gets_german_message(tmp_path):
    bad = tmp_path / "progress.sqlite3"
    bad.write_bytes(b"das ist keine Datenbank" * 100)
    with pytest.raises(ExerciseError, match="beschädigt"):
        Progress(bad)


def test_progress_default_location_honours_override(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMNET_DATA_DIR", str(tmp_path / "x"))
    with Progress() as db:
        assert db.path == tmp_path / "x" / "progress.sqlite3"
    monkeypatch.delenv("SIMNET_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with Progress() as db:
        assert db.path == tmp_path / "xdg" / "simnet" / "progress.sqlite3"
    assert sqlite3.connect(str(tmp_path / "xdg" / "simnet" / "progress.sqlite3")).execute(
        "SELECT count(*) FROM attempts").fetchone() == (0,)


# -------------------------------------------------------------------- exam
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _calc_only() -> dict:
    return {k: e for k, e in EXERCISES.items() if e.kind == "calculate"}


def test_exam_full_marks_with_reference_answers():
    clock = FakeClock()
    exam = Exam(_calc_only(), n=4, seed=11, minutes=10, clock=clock)
    assert len(exam.questions) == 4 and len({q.exercise.id for q in exam.questions}) == 4
    with pytest.raises(ExerciseError, match="keine Hinweise"):
        exam.hint(1)
    for q in exam.questions:
        clock.now += 30
        exam.answer(q.number, reference_answer(q.instance))
    result = exam.finish()
    assert (result.score, result.max_score, result.grade) == (4, 4, "1 (Sehr gut)")
    assert result.duration == 120
    assert "Ergebnis: 4 von 4 Punkten" in result.text()


def test_exam_is_seeded_and_late_answers_do_not_count():
    a = Exam(EXERCISES, n=5, seed=3, clock=FakeClock())
    b = Exam(EXERCISES, n=5, seed=3, clock=FakeClock())
    assert [(q.exercise.id, q.instance.seed) for q in a.questions] == \
           [(q.exercise.id, q.instance.seed) for q in b.questions]
    clock = FakeClock()
    exam = Exam(_calc_only(), n=3, seed=5, minutes=1, clock=clock)
    exam.answer(1, reference_answer(exam.questions[0].instance))
    exam.answer(2, "sicher falsch")
    clock.now += 61
    assert exam.expired and exam.remaining() == 0
    exam.answer(3, reference_answer(exam.questions[2].instance))
    result = exam.finish()
    assert [i.correct for i in result.review] == [True, False, False]
    assert result.review[2].late and result.score == 1
    assert "Richtig wäre" in result.text()
    with pytest.raises(ExerciseError, match="abgegeben"):
        exam.answer(1, "x")


def test_unanswered_fix_question_scores_zero():
    exercises = {"default-route-fehlt": EXERCISES["default-route-fehlt"]}
    exam = Exam(exercises, n=1, seed=0, clock=FakeClock())
    result = exam.finish()
    assert result.score == 0 and "Nicht beantwortet" in result.review[0].feedback


def test_austrian_grades():
    assert [austrian_grade(s, 20) for s in (20, 17, 14, 10, 9)] == \
           ["1 (Sehr gut)", "2 (Gut)", "3 (Befriedigend)", "4 (Genügend)", "5 (Nicht genügend)"]


def test_exam_file_roundtrip_and_tamper_detection(tmp_path):
    from simnet.exercises.answerfile import read_exam_file, write_exam_file

    clock = FakeClock()
    exam = Exam(_calc_only(), n=3, seed=9, clock=clock)
    exam.answer(1, reference_answer(exam.questions[0].instance))
    exam.answer(2, "0")
    exam.finish()
    path = write_exam_file(exam, tmp_path / "abgabe.yaml")
    doc = read_exam_file(path, EXERCISES)
    again = regrade(doc, EXERCISES)
    assert again.score == 1 and [i.correct for i in again.review] == [True, False, False]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("answer: '0'", "answer: '42'"), encoding="utf-8")
    with pytest.raises(ExerciseError, match="verändert"):
        read_exam_file(path, EXERCISES)
    path.write_text("simnet-pruefung: [", encoding="utf-8")
    with pytest.raises(ExerciseError, match="kein gültiges YAML"):
        read_exam_file(path, EXERCISES)


# --------------------------------------------------------------------- CLI
def _cli(*argv: str) -> tuple[int, str]:
    from simnet.cli import build_parser

    args = build_parser().parse_args(["exercise", *argv])
    out = io.StringIO()
    from simnet.exercises.cli import run

    return run(args, out), out.getvalue()


def test_cli_fix_flow(capsys):
    code, out = _cli("start", "default-route-fehlt", "--seed", "0")
    assert code == 0 and "Network is unreachable" in out
    assert "So sieht das Netz aus" in out and "router         lan 192.168.0.1/24, wan 198.51.100.57/25" in out
    host = instantiate(EXERCISES["default-route-fehlt"], 0).values["host"]
    code, out = _cli("hint", "default-route-fehlt")
    assert code == 0 and out.startswith("Hinweis 1/2:")
    code, out = _cli("run", "default-route-fehlt", host, "--", "ip", "route")
    assert code == 0 and "default" not in out and "192.168.0.0/24 dev eth0" in out
    code, out = _cli("check", "default-route-fehlt")
    assert code == 1 and "✘" in out and "Deine Befehle" in out
    code, out = _cli("run", "default-route-fehlt", host, "--", "ip route add default via 192.168.0.1")
    assert code == 0
    code, out = _cli("check", "default-route-fehlt")
    assert code == 0 and out.startswith("✔")
    code, out = _cli("list")
    assert "✔ default-route-fehlt" in out
    code, out = _cli("export")
    assert out.count("\n") == 3 and "testperson;default-route-fehlt" in out


def test_cli_errors_are_german_with_exit_2(tmp_path, capsys):
    code, _ = _cli("check", "gibtsnicht", "a")
    assert code == 2 and "gibt es nicht" in capsys.readouterr().err
    bad = tmp_path / "antwort.yaml"
    bad.write_text("exercise: netzmaske\nanswer: [1, 2]\n", encoding="utf-8")
    code, _ = _cli("check", "netzmaske", "--file", str(bad))
    assert code == 2 and "Antwortdatei" in capsys.readouterr().err
    bad.write_bytes(b"\xff\xfe kaputt")
    code, _ = _cli("check", "netzmaske", "--file", str(bad))
    assert code == 2 and "kein UTF-8" in capsys.readouterr().err
    code, _ = _cli("run", "default-route-fehlt", "gibtsnicht", "--", "ip", "route")
    err = capsys.readouterr().err
    assert code == 2 and "keinen Knoten „gibtsnicht“" in err and "Traceback" not in err


def test_cli_answer_file(tmp_path):
    inst = instantiate(EXERCISES["netzmaske"], 4)
    good = tmp_path / "antwort.yaml"
    good.write_text(f"exercise: netzmaske\nseed: 4\nanswer: '{reference_answer(inst)}'\n", encoding="utf-8")
    code, out = _cli("check", "netzmaske", "--file", str(good))
    assert code == 0 and out.startswith("✔")


def test_cli_exam_with_typed_answers(tmp_path):
    from simnet.cli import build_parser
    from simnet.exercises.cli import _cmd_exam

    save = tmp_path / "abgabe.yaml"
    args = build_parser().parse_args(["exercise", "exam", "-n", "3", "--seed", "2", "--chapter", "01",
                                      "--save", str(save)])
    exam = Exam({k: e for k, e in EXERCISES.items() if e.chapter.startswith("01")}, n=3, seed=2, clock=FakeClock())
    answers = iter([str(reference_answer(q.instance)) for q in exam.questions])
    out = io.StringIO()
    assert _cmd_exam(args, out, read=lambda prompt: next(answers), clock=FakeClock()) == 0
    text = out.getvalue()
    assert "Ergebnis: 3 von 3 Punkten – Note 1 (Sehr gut)." in text and "Hinweis 1/" not in text
    code, out2 = _cli("review", str(save))
    assert code == 0 and "Ergebnis: 3 von 3 Punkten" in out2


def test_cli_exam_with_a_fix_question():
    from simnet.cli import build_parser
    from simnet.exercises.cli import _cmd_exam

    only = {"default-route-fehlt": EXERCISES["default-route-fehlt"]}
    exam = Exam(only, n=1, seed=1, clock=FakeClock())
    host = exam.questions[0].instance.values["host"]
    lines = iter([f"{host}: ip route", "das ist kein Befehl", f"{host}: ip route add default via 192.168.0.1", ""])
    args = build_parser().parse_args(["exercise", "exam", "-n", "1", "--seed", "1", "--chapter", "03-routing"])
    args.dir = None
    out = io.StringIO()
    import simnet.exercises.cli as cli_mod

    original = cli_mod._exercises
    cli_mod._exercises = lambda a: dict(only)
    try:
        assert _cmd_exam(args, out, read=lambda prompt: next(lines), clock=FakeClock()) == 0
    finally:
        cli_mod._exercises = original
    text = out.getvalue()
    assert "192.168.0.0/24 dev eth0" in text                     # the diagnosis command ran in the lab
    assert "eine leere Zeile gibt die Lösung ab" in text         # nonsense got a German hint, not a crash
    assert "Ergebnis: 1 von 1 Punkten" in text


def test_exam_predictions_are_not_tried_out_first():
    from simnet.exercises.cli import _read_answer
    from simnet.exercises.exam import Question

    q = Question(1, instantiate(EXERCISES["tabelle-52-vorhersage"], 0))
    lines = iter(["maschinchen: ip route get 192.168.0.101", "b"])
    out = io.StringIO()
    assert _read_answer("> ", lambda p: next(lines), out, q, {}) == "b"
    assert "nicht ausprobiert" in out.getvalue() and "table 52" not in out.getvalue()


def test_cli_prove_and_pages(tmp_path):
    code, out = _cli("prove", "netzmaske", "lpm-welche-route", "--variants", "2")
    assert code == 0 and "alles lösbar" in out
    code, out = _cli("pages", str(tmp_path / "uebungen"))
    assert code == 0
    index = (tmp_path / "uebungen" / "index.md").read_text(encoding="utf-8")
    assert all(f"({ex_id}.md)" in index for ex_id in EXERCISES)
    page = (tmp_path / "uebungen" / "forwarding-container-fix.md").read_text(encoding="utf-8")
    assert '??? success "Lösung"' in page and "root@tailscale:~# sysctl -w net.ipv4.ip_forward=1" in page
    from simnet.exercises.pages import generated_pages

    pages = generated_pages({k: EXERCISES[k] for k in ("netzmaske", "forwarding-container-fix")})
    assert set(pages) == {"uebungen/index.md", "uebungen/netzmaske.md", "uebungen/forwarding-container-fix.md"}
    assert pages["uebungen/forwarding-container-fix.md"] == page


# ------------------------------------------------------------------ widget
def test_widget_cause_and_hint():
    pytest.importorskip("ipywidgets")
    from simnet.exercises.widget import ExerciseView

    db = Progress()
    view = ExerciseView(EXERCISES["forwarding-router-ursache"], seed=2, progress=db)
    assert len(view.choice.options) == 4 and "Was ist die Ursache?" in view.task.value
    assert view.shell in view.answer_box.children                  # investigate before choosing
    assert "net.ipv4.ip_forward = 0" in view.run_command("router", "sysctl net.ipv4.ip_forward")
    assert "Hinweis 1/2" in view.hint()
    view.choice.value = next(o for o in view.instance.options if o != "forwarding-off")
    view.check_button.click()
    assert view.last is not None and not view.last.correct and "✘" in view.feedback.value
    view.choice.value = "forwarding-off"
    view.check_button.click()
    assert view.last.correct and "✔" in view.feedback.value
    assert [a.correct for a in db.attempts()] == [False, True]
    view.new_variant(seed=5)
    assert view.instance.seed == 5 and view.feedback.value == ""


def test_widget_fix_runs_commands_in_the_lab():
    pytest.importorskip("ipywidgets")
    from simnet.exercises.widget import ExerciseView

    view = ExerciseView(EXERCISES["forwarding-container-fix"], seed=0)
    view.node.value = "tailscale"
    view.command.value = "sysctl net.ipv4.ip_forward"
    view.run_button.click()
    assert "net.ipv4.ip_forward = 0" in view.output.value
    assert not view.check().correct
    view.run_command("tailscale", "sysctl -w net.ipv4.ip_forward=1")
    assert view.check().correct
    assert "keinen Knoten" in view.run_command("gibtsnicht", "ip route")


def test_notebook_entry_points(tmp_path):
    pytest.importorskip("ipywidgets")
    from simnet.exercises.widget import exam_view, exercise_view

    view = exercise_view("netzmaske", seed=3)
    view.text.value = reference_answer(view.instance)
    assert view.check().correct
    assert Progress().attempts()[-1].exercise == "netzmaske"      # recorded in the (temporary) data dir
    with pytest.raises(ExerciseError, match="gibt es nicht"):
        exercise_view("gibtsnicht")
    exam = exam_view(n=2, seed=1)
    assert len(exam.exam.questions) == 2 and exam.result is None


def test_exam_widget_without_hints():
    pytest.importorskip("ipywidgets")
    from simnet.exercises.widget import ExamView

    clock = FakeClock()
    view = ExamView(_calc_only(), n=2, seed=4, minutes=5, clock=clock)
    assert "keine Hinweise" in view.status.value and view.view.hint_button.layout.display == "none"
    first = view.exam.questions[0].instance
    if first.options:                     # a question with options is answered by choosing one
        view.view.choice.value = reference_answer(first)
    else:
        view.view.text.value = str(reference_answer(first))
    view.next_button.click()
    clock.now += 400                      # time runs out before the second answer
    view.next_button.click()
    assert view.result is not None and view.result.score == 1
    assert "Ergebnis: 1 von 2 Punkten" in view.review.value


def test_every_explain_list_has_model_answers_and_an_exercise():
    lessons = Path(__file__).resolve().parent.parent / "lessons"
    for index in sorted(lessons.glob("*/index.md")):
        text = index.read_text(encoding="utf-8")
        if "Das solltest du danach erklären können" not in text:
            continue
        assert '??? note "Musterantworten' in text, index.parent.name
        assert any(e.chapter == index.parent.name and e.kind == "explain" for e in EXERCISES.values()), index.parent.name
