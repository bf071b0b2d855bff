"""The guard: every command line a learner types gets a budget, the way a person would press Ctrl+C.

A lab command must end: a real ``ping -c 100000 -i 0`` or ``sleep 99999d`` keeps a terminal busy
until somebody interrupts it. simnet interrupts it for them once the command line has used up its
budget of simulated events (and commands), of simulated time or of output. The program sees
:class:`Interrupted` (like SIGINT) at a safe point — between two events, never inside one — prints
what the real tool prints when interrupted, and the line ends with exit code 130. The budgets are
deterministic (no wall clock), so the same input always gives the same output.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Interrupted", "Limits", "reason_text", "OUTPUT_GRACE"]

OUTPUT_GRACE = 1 << 20      # after the output budget trips, a tool may still print its summary


class Interrupted(BaseException):
    """Ctrl+C, pressed by the guard (or by the learner in ``simnet shell``).

    A BaseException on purpose: the ``except Exception`` that keeps simnet's bugs away from the
    learner must not swallow it, just as a C program's error handling does not catch SIGINT."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Limits:
    """What one command line (one ``lab.run``) may use. Generous for real work: a loop adding
    thousands of routes, a ten-minute tcpdump, ``sleep 1d`` for a certificate to expire."""

    events: int = 150_000           # simulated events plus commands run
    seconds: float = 7 * 86400.0    # simulated time
    output: int = 8 << 20           # bytes printed (pipes and files included)

    @classmethod
    def from_mapping(cls, data: dict) -> "Limits":
        """``limits: {events: …, seconds: …, output: …}`` from a lab file (checked by the loader)."""
        return cls(**{k: data[k] for k in ("events", "seconds", "output") if k in data})


def reason_text(kind: str, limits: Limits) -> str:
    """The one German line that says why the guard pressed Ctrl+C."""
    if kind == "events":
        what = f"mehr als {limits.events:,} simulierte Ereignisse und Befehle".replace(",", ".")
        key = "events"
    elif kind == "time":
        what = f"mehr als {_duration(limits.seconds)} simulierte Zeit"
        key = "seconds"
    elif kind == "output":
        what = f"mehr als {limits.output / 2 ** 20:g} MB Ausgabe"
        key = "output"
    elif kind == "fork":
        return ("simnet: Abgebrochen – mehr als 64 Shells liefen ineinander (ruft sich ein Skript selbst auf?). "
                "Das Lab ist weiter benutzbar.\n")
    else:
        return "simnet: Befehl mit Strg+C abgebrochen.\n"
    return (f"simnet: Befehl abgebrochen wie mit Strg+C – er hat {what} gebraucht. "
            f"Das Lab ist weiter benutzbar; die Grenze stellst du im Lab unter „limits: {key}“ ein.\n")


def _duration(seconds: float) -> str:
    for one, many, size in (("Tag", "Tage", 86400), ("Stunde", "Stunden", 3600), ("Minute", "Minuten", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {one if n == 1 else many}"
    return f"{seconds:g} Sekunden"
