"""Seeded variants: every learner gets a fresh exercise, and the same seed gives the same one.

``params`` in an exercise file draw values in order (later ones may use
earlier ones); every text in the exercise may then use ``${name}``,
``${name[1]}`` (an address of a network) or ``${name.attr}``::

    params:
      p:    {range: [20, 29]}                        # an int, both ends included
      net:  {subnet: 10.0.0.0/8, prefix: 24}         # a random /24 inside 10.0.0.0/8
      host: {address_in: "${net}"}                   # a usable address of that network
      gw:   {value: "${net[1]}"}                     # computed from earlier values
      pair: {choice: [{node: debian, ip: 192.168.0.158}, {node: proxmox, ip: 192.168.0.101}]}
      bad:  {choice: [forwarding-off, forward-drop]}  # which fault, which node, …

A choice of mappings sets all its keys as parameters at once.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, ip_network
from typing import TYPE_CHECKING, Any

from simnet.exercises.faults import CATALOGUE, FaultUse, apply_faults, fault_use, settle
from simnet.exercises.model import CommandLine, Exercise, ExerciseError, parse_command_line

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["Instance", "instantiate", "fill", "learner_seed", "OPTION_LETTERS", "TAILNET_FAULTS"]

TEMPLATE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\[(-?\d+)\]|\.([A-Za-z_]+))?\}")
OPTION_LETTERS = "abcdefgh"
TAILNET_FAULTS = {"route-not-approved", "accept-routes-missing", "snat-off", "tailscale-down", "policy-denies"}
PATH_FAULTS = {"nat-symmetric", "udp-blocked"}      # change the path (DERP), not whether packets arrive
SERVICE_FAULTS = {"port-closed", "port-filtered", "nginx-no-upgrade", "certificate-expired", "ufw-default-deny",
                  "dns-stale"}   # only seen with a TCP client (curl)
PLAIN_FAULTS = set(CATALOGUE) - TAILNET_FAULTS - PATH_FAULTS - SERVICE_FAULTS


def learner_seed(learner: str, exercise_id: str) -> int:
    """A stable seed per learner and exercise (so a restart shows the same variant)."""
    digest = hashlib.sha256(f"{learner}\0{exercise_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100000


def fill(value: Any, values: dict[str, Any], where: str) -> Any:
    """Replace ``${…}`` in every string of ``value`` (recursively)."""
    if isinstance(value, str):
        whole = TEMPLATE_RE.fullmatch(value.strip())
        if whole and not any(whole.groups()[1:]) and isinstance(values.get(whole.group(1)), (dict, list)):
            return values[whole.group(1)]             # "${f}" standing for a whole mapping (a fault spec)

        def one(m: re.Match) -> str:
            name, index, attr = m.groups()
            if name not in values:
                raise ExerciseError(f"{where}: unbekannter Platzhalter ${{{name}}}.")
            v = values[name]
            try:
                if index is not None:
                    v = v[int(index)]
                elif attr is not None:
                    v = getattr(v, attr)
            except (TypeError, IndexError, AttributeError):
                raise ExerciseError(f"{where}: ${{{m.group(0)[2:-1]}}} passt nicht zu {v!r}.") from None
            return str(v)
        return TEMPLATE_RE.sub(one, value)
    if isinstance(value, list):
        return [fill(v, values, where) for v in value]
    if isinstance(value, tuple):
        return tuple(fill(v, values, where) for v in value)
    if isinstance(value, dict):
        return {fill(k, values, where) if isinstance(k, str) else k: fill(v, values, where)
                for k, v in value.items()}
    return value


def _draw(name: str, spec: Any, values: dict[str, Any], rng: random.Random, where: str) -> None:
    where = f"{where}, params.{name}"
    if not isinstance(spec, dict):
        values[name] = spec
        return
    if len(spec) == 1 and "choice" in spec:
        items = spec["choice"]
        if not isinstance(items, list) or not items:
            raise ExerciseError(f"{where}: „choice“ braucht eine nicht-leere Liste.")
        picked = fill(rng.choice(items), values, where)
        values[name] = picked
        if isinstance(picked, dict):
            values.update({str(k): v for k, v in picked.items()})
        return
    if len(spec) == 1 and "range" in spec:
        lo_hi = spec["range"]
        if (not isinstance(lo_hi, list) or len(lo_hi) != 2 or not all(isinstance(x, int) for x in lo_hi)
                or lo_hi[0] > lo_hi[1]):
            raise ExerciseError(f"{where}: „range“ ist [KLEINSTE, GRÖSSTE] (ganze Zahlen).")
        values[name] = rng.randint(lo_hi[0], lo_hi[1])
        return
    if len(spec) == 1 and "value" in spec:
        values[name] = fill(spec["value"], values, where)
        return
    if set(spec) == {"subnet", "prefix"}:
        try:
            outer = ip_network(str(fill(spec["subnet"], values, where)), strict=False)
            prefix = int(fill(str(spec["prefix"]), values, where))
            count = 2 ** (prefix - outer.prefixlen)
        except ValueError:
            raise ExerciseError(f"{where}: „subnet“/„prefix“ ergeben kein Netz.") from None
        if prefix < outer.prefixlen or prefix > 32:
            raise ExerciseError(f"{where}: Das Präfix /{prefix} passt nicht in {outer}.")
        k = rng.randrange(count)
        values[name] = IPv4Network((int(outer.network_address) + k * 2 ** (32 - prefix), prefix))
        return
    if set(spec) == {"address_in"}:
        try:
            net = ip_network(str(fill(spec["address_in"], values, where)), strict=False)
        except ValueError:
            raise ExerciseError(f"{where}: „address_in“ ist kein Netz.") from None
        first, last = int(net.network_address), int(net.broadcast_address)
        if net.prefixlen < 31:
            first, last = first + 1, last - 1
        values[name] = IPv4Address(rng.randint(first, last))
        return
    raise ExerciseError(f"{where}: Ein Parameter ist ein Wert oder {{choice|range|value|subnet+prefix|"
                        "address_in: …}}.")


@dataclass
class Instance:
    """One variant of an exercise: all templates filled, faults resolved."""

    exercise: Exercise
    seed: int
    values: dict[str, Any]
    lab_spec: Any
    faults: list[FaultUse]
    probe: CommandLine | None
    keep: list[CommandLine]
    solution: list[CommandLine]
    setup: list[CommandLine]
    task: str
    hints: list[str]
    options: list[str]                    # cause: fault ids; predict: answer texts
    expect: dict[str, Any]
    calc: dict[str, Any]
    explanation: str
    feedback: dict[str, str] = field(default_factory=dict)
    at: str | None = None
    rubric: dict[str, Any] = field(default_factory=dict)
    model_answer: str = ""

    @property
    def id(self) -> str:
        return self.exercise.id

    @property
    def kind(self) -> str:
        return self.exercise.kind

    def build_lab(self, broken: bool = True) -> "Lab":
        """A fresh lab; with ``broken`` the faults are applied (the learner's starting point)."""
        from simnet.lab import Lab, LabError

        where = self.exercise.source
        try:
            if isinstance(self.lab_spec, dict):
                lab = Lab.from_dict(self.lab_spec, where)
            else:
                state = self.exercise.state
                lab = Lab.load(str(self.lab_spec), **({"state": state} if state else {}))
        except LabError as exc:
            raise ExerciseError(f"{where}: Das Lab lässt sich nicht bauen: {exc}") from None
        if broken:
            apply_faults(lab, self.faults, where)
        for line in self.setup:
            res = lab.run(line.node, line.command)
            if res.returncode != 0:
                detail = (res.stderr or res.stdout).strip().splitlines()
                why = detail[0] if detail else res.returncode
                raise ExerciseError(f"{where}, setup: „{line}“ scheitert ({why}).")
        if self.setup:
            settle(lab)
        return lab

    def option_label(self, option: str) -> str:
        if self.kind == "cause":
            return CATALOGUE[option].title
        return option


def _flat(items: list[Any]) -> list[Any]:
    """``["${rules}"]`` may stand for a whole list of commands."""
    out: list[Any] = []
    for item in items:
        out.extend(item if isinstance(item, list) else [item])
    return out


def _lines(items: Any, where: str) -> list[CommandLine]:
    return [parse_command_line(v, f"{where}[{k}]") for k, v in enumerate(items)]


def _cause_options(ex: Exercise, faults: list[FaultUse], values: dict[str, Any], rng: random.Random) -> list[str]:
    """The right fault plus three seeded distractors from the catalogue (or all of the file's list), shuffled."""
    right = faults[0].id
    if ex.options:
        pool = [str(fill(o, values, ex.source)) for o in ex.options]
        unknown = [o for o in pool if o not in CATALOGUE]
        if unknown:
            raise ExerciseError(f"{ex.source}, options: unbekannter Fehler „{unknown[0]}“.")
        pool = [o for o in pool if o != right]
    else:
        tailnet = ex.state is not None or any(f.id in TAILNET_FAULTS for f in faults)
        pool = sorted((PLAIN_FAULTS | (TAILNET_FAULTS if tailnet else set())) - {f.id for f in faults})
    # the author's own list is used whole (it is chosen to contrast); the catalogue gives three at random
    distractors = rng.sample(pool, len(pool) if ex.options else min(3, len(pool)))
    options = [right] + distractors
    rng.shuffle(options)
    return options


def instantiate(ex: Exercise, seed: int) -> Instance:
    """Draw the variant for ``seed`` (reproducible: same seed, same variant)."""
    rng = random.Random(f"{ex.id}:{seed}")
    values: dict[str, Any] = {}
    for name, spec in ex.params.items():
        _draw(str(name), spec, values, rng, ex.source)
    src = ex.source
    specs: list[Any] = []
    for spec in ex.faults:            # "${bad}" may stand for a whole list of faults (or none)
        filled = fill(spec, values, src)
        specs.extend(filled if isinstance(filled, list) else [filled])
    faults = [fault_use(spec, f"{src}, faults[{k}]") for k, spec in enumerate(specs)]
    probe = parse_command_line(fill(ex.probe, values, src), f"{src}, probe") if ex.probe is not None else None
    expect = dict(fill(ex.expect, values, src))
    if faults:
        first = faults[0]
        if first.fault.disposition is not None:
            expect.setdefault("disposition", first.fault.disposition.value)
        if first.fault.leg:
            expect.setdefault("leg", first.fault.leg)
        if first.fault.tailnet:
            expect.setdefault("tailnet", first.fault.tailnet)
        if first.where:
            expect.setdefault("where", first.where)
    if ex.kind == "fix" and any(not f.fault.repairs for f in faults):
        raise ExerciseError(f"{src}, faults: „{next(f.id for f in faults if not f.fault.repairs)}“ kann man nicht "
                            "mit Befehlen reparieren – das passt nur zu „cause“ oder „predict“.")
    if ex.kind == "cause":
        options = _cause_options(ex, faults, values, rng)
    else:
        options = list(dict.fromkeys(str(o) for o in fill(list(ex.options), values, src)))   # no duplicates
    return Instance(
        exercise=ex, seed=seed, values=values, lab_spec=fill(ex.lab, values, src), faults=faults, probe=probe,
        keep=_lines(fill(list(ex.keep), values, src), f"{src}, keep"),
        solution=_lines(fill(list(ex.solution), values, src), f"{src}, solution"),
        setup=_lines(_flat(fill(list(ex.setup), values, src)), f"{src}, setup"),
        task=fill(ex.task, values, src), hints=[fill(h, values, src) for h in ex.hints], options=options,
        expect=expect, calc=fill(ex.calc, values, src), explanation=fill(ex.explanation, values, src),
        feedback={k: fill(v, values, src) for k, v in ex.feedback.items()},
        at=fill(ex.at, values, src) if ex.at is not None else None,
        rubric=fill(ex.rubric, values, src), model_answer=fill(ex.model_answer, values, src))
