"""Exercises as data: the YAML schema, checked eagerly, with German error messages.

One file per exercise in the top-level ``exercises/`` folder. A broken or
tampered file must never end in a Python traceback for the learner: every
problem becomes an :class:`ExerciseError` naming the file and the key.

Schema (all learner-facing text German)::

    id: warum-timeout-container      # must equal the file name without .yaml
    title: Warum läuft der Ping ins Timeout?
    chapter: 08-tailscale-headscale  # lesson chapter folder
    kind: cause | fix | predict | calculate
    lab: headscale                   # shipped lab, or an inline lab (dict with "nodes")
    state: ready                     # optional state of a shipped lab
    params: {...}                    # seeded variants, see simnet.exercises.generate
    faults: [{fault: forwarding-off, node: tailscale}]   # see simnet.exercises.faults
    probe: "maschinchen: ping -c 1 -W 1 192.168.0.101"   # must pass when all is well
    keep: ["debian: ping -c 1 -W 1 192.168.0.1"]         # must still pass after a fix
    expect: {disposition: forwarding-disabled, where: tailscale}
    solution: ["tailscale: sysctl -w net.ipv4.ip_forward=1"]
    task: ...                        # the question
    hints: [...]
    feedback: {forward-drop: "..."}  # per wrong answer
    explanation: ...                 # shown after a correct answer
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simnet.core.errors import SimnetError

__all__ = ["ExerciseError", "Exercise", "CommandLine", "load_exercise", "load_all", "parse_command_line",
           "KINDS", "CHAPTERS", "default_exercise_dir"]

KINDS = {
    "cause": "Ursache finden",
    "fix": "Fehler beheben",
    "predict": "Ergebnis vorhersagen",
    "calculate": "Rechnen",
    "explain": "Mit eigenen Worten erklären",
}
CHAPTERS = {
    "00-schichtenmodelle": "Schichtenmodelle",
    "01-ipv4": "IPv4 und CIDR",
    "02-ethernet-arp": "Ethernet, ARP und WLAN",
    "02a-switch-vlan": "Switch und VLAN",
    "02b-dhcp-dns": "DHCP und DNS",
    "03-routing": "Routing",
    "03a-tcp-udp": "TCP, UDP und Ports",
    "04-nat": "NAT und conntrack",
    "05-firewall": "Firewall",
    "06-diagnose": "Diagnose",
    "07-vpn": "VPN und WireGuard",
    "08-tailscale-headscale": "Tailscale und Headscale",
    "09-nat-traversal": "NAT-Traversal",
    "10-weg-zum-server": "Der Weg zum Server",
}
TOP_KEYS = {"id", "title", "chapter", "kind", "lab", "state", "params", "faults", "probe", "keep", "expect",
            "solution", "task", "hints", "feedback", "explanation", "options", "ask", "at", "calc", "points",
            "setup", "rubric", "model_answer"}
EXPECT_KEYS = {"disposition", "where", "leg", "tailnet", "explain", "output"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
NODE_CMD_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_.-]{0,62})\s*:\s+(\S.*)$", re.S)


class ExerciseError(SimnetError, ValueError):
    """An exercise file, answer file or learner input is unusable; the message is German."""


@dataclass(frozen=True)
class CommandLine:
    """A command typed on one node: ``tailscale: sysctl -w net.ipv4.ip_forward=1``."""

    node: str
    command: str

    def __str__(self) -> str:
        return f"{self.node}: {self.command}"


def parse_command_line(value: Any, where: str) -> CommandLine:
    """``"node: command"`` or ``{node: command}``; anything else is a German error."""
    if isinstance(value, dict) and len(value) == 1:
        ((node, command),) = value.items()
        if isinstance(node, str) and isinstance(command, str) and command.strip():
            return CommandLine(node, command)
    if isinstance(value, str):
        m = NODE_CMD_RE.match(value)
        if m:
            return CommandLine(m.group(1), m.group(2).strip())
    raise ExerciseError(f"{where}: Ein Befehl steht als „KNOTEN: BEFEHL“, "
                        f"z. B. „tailscale: sysctl -w net.ipv4.ip_forward=1“, nicht {value!r}.")


@dataclass(frozen=True)
class Exercise:
    """One exercise exactly as written in its file (templates not yet filled in)."""

    id: str
    title: str
    chapter: str
    kind: str
    task: str
    source: str
    lab: Any = None
    state: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    faults: tuple[Any, ...] = ()
    probe: Any = None
    keep: tuple[Any, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)
    solution: tuple[Any, ...] = ()
    hints: tuple[str, ...] = ()
    feedback: dict[str, str] = field(default_factory=dict)
    explanation: str = ""
    options: tuple[str, ...] = ()
    ask: str | None = None
    at: str | None = None
    calc: dict[str, Any] = field(default_factory=dict)
    points: int = 1
    setup: tuple[Any, ...] = ()
    rubric: dict[str, Any] = field(default_factory=dict)
    model_answer: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def chapter_label(self) -> str:
        return CHAPTERS.get(self.chapter, self.chapter)


def _err(source: str, key: str, what: str) -> ExerciseError:
    return ExerciseError(f"Fehler in {source}{', ' + key if key else ''}: {what}")


def _text(data: dict, key: str, source: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _err(source, key, "Hier muss ein nicht-leerer Text stehen.")
    return value.strip()


def _list(data: dict, key: str, source: str) -> tuple[Any, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, (str, dict)):
        return (value,)
    if not isinstance(value, list):
        raise _err(source, key, "Hier muss eine Liste stehen.")
    return tuple(value)


def exercise_from_dict(data: Any, source: str, expected_id: str | None = None) -> Exercise:
    """Check the shape of one exercise; semantic checks (faults, params) follow in generate."""
    if not isinstance(data, dict):
        raise _err(source, "", "Eine Übung ist eine Zuordnung (key: value).")
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise _err(source, unknown[0], f"unbekannter Schlüssel. Erlaubt: {', '.join(sorted(TOP_KEYS))}.")
    ex_id = _text(data, "id", source)
    if not ID_RE.match(ex_id):
        raise _err(source, "id", "Die ID besteht aus Kleinbuchstaben, Ziffern und Bindestrichen.")
    if expected_id is not None and ex_id != expected_id:
        raise _err(source, "id", f"Die ID „{ex_id}“ muss dem Dateinamen „{expected_id}“ entsprechen.")
    kind = _text(data, "kind", source)
    if kind not in KINDS:
        raise _err(source, "kind", f"unbekannte Art „{kind}“. Möglich: {', '.join(KINDS)}.")
    chapter = _text(data, "chapter", source)
    if chapter not in CHAPTERS:
        raise _err(source, "chapter", f"unbekanntes Kapitel „{chapter}“. Möglich: {', '.join(CHAPTERS)}.")
    hints = _list(data, "hints", source)
    if not all(isinstance(h, str) and h.strip() for h in hints):
        raise _err(source, "hints", "Jeder Hinweis ist ein Text.")
    feedback = data.get("feedback") or {}
    if not isinstance(feedback, dict) or not all(isinstance(v, str) for v in feedback.values()):
        raise _err(source, "feedback", "„feedback“ ordnet einer falschen Antwort einen Text zu.")
    expect = data.get("expect") or {}
    if not isinstance(expect, dict) or set(expect) - EXPECT_KEYS:
        raise _err(source, "expect", f"„expect“ kennt nur: {', '.join(sorted(EXPECT_KEYS))}.")
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise _err(source, "params", "„params“ ist eine Zuordnung NAME: {choice: [...]} usw.")
    calc = data.get("calc") or {}
    if not isinstance(calc, dict):
        raise _err(source, "calc", "„calc“ ist eine Zuordnung, z. B. {ask: hosts, prefix: ${p}}.")
    points = data.get("points", 1)
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 10:
        raise _err(source, "points", "Die Punkte sind eine ganze Zahl von 1 bis 10.")
    lab = data.get("lab")
    if kind not in ("calculate", "explain") and lab is None:
        raise _err(source, "lab", "Diese Art von Übung braucht ein Lab (Name oder Lab mit „nodes“).")
    if lab is not None and not isinstance(lab, (str, dict)):
        raise _err(source, "lab", "„lab“ ist der Name eines mitgelieferten Labs oder ein Lab mit „nodes“.")
    if kind in ("cause", "fix", "predict") and data.get("probe") is None:
        raise _err(source, "probe", "Es fehlt die Probe (KNOTEN: BEFEHL), an der die Übung gemessen wird.")
    if kind in ("cause", "fix") and not data.get("faults"):
        raise _err(source, "faults", "Eine Fehler-Übung braucht mindestens einen Fehler unter „faults“.")
    if kind == "fix" and not data.get("solution"):
        raise _err(source, "solution", "Eine Reparatur-Übung braucht eine Musterlösung unter „solution“.")
    if kind == "predict" and not isinstance(data.get("ask"), str):
        raise _err(source, "ask", "Eine Vorhersage-Übung sagt unter „ask“, was gefragt ist.")
    if kind == "calculate" and not calc:
        raise _err(source, "calc", "Eine Rechen-Übung braucht „calc“.")
    rubric = data.get("rubric") or {}
    if kind == "explain":
        _check_rubric(rubric, source)
        if not isinstance(data.get("model_answer"), str) or not data["model_answer"].strip():
            raise _err(source, "model_answer", "Eine Erklär-Übung braucht eine Musterantwort.")
    options = _list(data, "options", source)
    if not all(isinstance(o, (str, int)) for o in options):
        raise _err(source, "options", "Jede Antwortmöglichkeit ist ein Text.")
    state = data.get("state")
    if state is not None and not isinstance(state, str):
        raise _err(source, "state", "„state“ ist der Name eines Zustands des Labs.")
    return Exercise(
        id=ex_id, title=_text(data, "title", source), chapter=chapter, kind=kind,
        task=_text(data, "task", source), source=source, lab=lab, state=state, params=params,
        faults=_list(data, "faults", source), probe=data.get("probe"), keep=_list(data, "keep", source),
        expect=dict(expect), solution=_list(data, "solution", source), hints=tuple(h.strip() for h in hints),
        feedback={str(k): v.strip() for k, v in feedback.items()},
        explanation=_text(data, "explanation", source, required=False),
        options=tuple(str(o) for o in options), ask=data.get("ask"),
        at=str(data["at"]) if data.get("at") is not None else None, calc=dict(calc), points=points,
        setup=_list(data, "setup", source), rubric=dict(rubric),
        model_answer=_text(data, "model_answer", source, required=False))


def _check_rubric(rubric: Any, source: str) -> None:
    """``rubric: {required: [[Begriff, Synonym, …], …], misconceptions: [{match: [...], feedback: ...}]}``."""
    required = rubric.get("required") if isinstance(rubric, dict) else None
    if not isinstance(required, list) or not required or not all(
            isinstance(group, list) and group and all(isinstance(w, str) and w.strip() for w in group)
            for group in required):
        raise _err(source, "rubric.required", "Eine Liste von Begriffsgruppen, z. B. [[Port, Portnummer], [Tabelle]].")
    for k, wrong in enumerate(rubric.get("misconceptions") or []):
        if (not isinstance(wrong, dict) or not isinstance(wrong.get("feedback"), str)
                or not isinstance(wrong.get("match"), list) or not wrong["match"]):
            raise _err(source, f"rubric.misconceptions[{k}]", "Jeder Irrtum hat „match“ (Liste) und „feedback“ (Text).")
    minimum = rubric.get("min", len(required))
    if not isinstance(minimum, int) or not 1 <= minimum <= len(required):
        raise _err(source, "rubric.min", f"„min“ ist eine Zahl von 1 bis {len(required)}.")


def read_yaml(path: Path, what: str = "Die Datei") -> Any:
    """YAML from ``path``; every failure is a German :class:`ExerciseError`."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExerciseError(f"{what} {path} gibt es nicht.") from None
    except IsADirectoryError:
        raise ExerciseError(f"{path} ist ein Ordner, keine Datei.") from None
    except UnicodeDecodeError:
        raise ExerciseError(f"{what} {path} ist kein UTF-8-Text (beschädigt?).") from None
    except OSError as exc:
        raise ExerciseError(f"{what} {path} kann nicht gelesen werden: {exc.strerror}.") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", Zeile {mark.line + 1}, Spalte {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "ungültiges YAML"
        raise ExerciseError(f"Fehler in {path}{where}: Das ist kein gültiges YAML ({problem}).") from None


def load_exercise(path: str | Path) -> Exercise:
    p = Path(path)
    return exercise_from_dict(read_yaml(p, "Die Übungsdatei"), str(p), expected_id=p.stem)


def default_exercise_dir() -> Path:
    """``$SIMNET_EXERCISES``, else ``exercises/`` of the repository (editable install), else a copy
    packaged as ``simnet/_exercises`` (a wheel built with it force-included)."""
    import os

    env = os.environ.get("SIMNET_EXERCISES")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2] / "exercises"
    packaged = Path(__file__).resolve().parents[1] / "_exercises"
    return repo if repo.is_dir() or not packaged.is_dir() else packaged


def load_all(directory: str | Path | None = None) -> dict[str, Exercise]:
    """All exercises of a folder, sorted by chapter and id."""
    d = Path(directory) if directory is not None else default_exercise_dir()
    if not d.is_dir():
        raise ExerciseError(f"Den Übungsordner {d} gibt es nicht.")
    found = [load_exercise(p) for p in sorted(d.glob("*.yaml"))]
    found.sort(key=lambda e: (e.chapter, e.id))
    return {e.id: e for e in found}
