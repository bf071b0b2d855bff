"""Grammar-based fuzzing of every command and of lab files (issue 22's standing check).

``make test`` runs a small budget; ``make fuzz`` sets SIMNET_FUZZ_CASES=100000 and prints the
figures (cases, failures, slowest command, peak RSS). Invariants for each generated line: no
exception escapes ``lab.run``, no "interner Fehler", the command returns within the guard,
RSS stays under a bound, the lab answers afterwards, and the same input on a fresh lab gives
the same output. Every failure found becomes a regression test in tests/test_reliability.py.
"""
from __future__ import annotations

import os
import resource
import sys
import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simnet import Lab, LabError
from tests.fuzz_grammar import command_line, lab_data

CASES = int(os.environ.get("SIMNET_FUZZ_CASES", "240"))
FULL = CASES >= 10_000
COLLECT = bool(os.environ.get("SIMNET_FUZZ_COLLECT"))
RSS_LIMIT_MB = 2048
SECONDS_LIMIT = 120.0          # far above what the guard allows a command on an idle machine
NODES = {"heimnetz": ["maschinchen", "router", "vps", "tailscale", "internet"],
         "ready": ["maschinchen", "vps", "tailscale", "jules-laptop", "router"]}
STATS = {"cases": 0, "failures": 0, "slowest": (0.0, ""), "lab_cases": 0, "interrupted": 0, "examples": [],
         "slowest_lab": (0.0, "")}
_labs: dict[str, list] = {}


def _fresh(kind: str) -> Lab:
    return Lab.load("heimnetz") if kind == "heimnetz" else Lab.load("headscale", state="ready")


def _lab(kind: str) -> Lab:
    """A lab shared by a few dozen cases (loading one per case would make the budget tiny)."""
    entry = _labs.get(kind)
    if entry is None or entry[1] >= 40:
        entry = _labs[kind] = [_fresh(kind), 0]
    entry[1] += 1
    return entry[0]


def _rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _check(lab: Lab, node: str, line: str) -> tuple[int, str, str]:
    started = time.perf_counter()
    try:
        r = lab.run(node, line)
        r.trace.explain()
    except Exception as exc:
        STATS["failures"] += 1
        if not COLLECT:
            raise
        STATS["examples"].append(f"{line[:300]!r} on {node}: escaped {type(exc).__name__}: {exc}"[:600])
        return 0, "", ""
    took = time.perf_counter() - started
    STATS["cases"] += 1
    _progress()
    STATS["interrupted"] += r.returncode == 130
    if took > STATS["slowest"][0]:
        STATS["slowest"] = (took, line)
    problems = []
    if not (isinstance(r.returncode, int) and 0 <= r.returncode <= 255):
        problems.append(f"exit code {r.returncode!r}")
    if "Traceback" in r.stderr or "interner Fehler" in r.stderr:
        problems.append("internal error: " + r.stderr[-400:])
    if took > SECONDS_LIMIT:
        problems.append(f"took {took:.1f} s")
    if lab.sim.tripped is not None or lab.shell_depth:
        problems.append("guard left armed")
    if lab.run(node, "echo lebt").stdout != "lebt\n":
        problems.append("lab unusable afterwards")
    if _rss_mb() > RSS_LIMIT_MB:
        problems.append(f"RSS {_rss_mb()} MB")
    if problems:
        STATS["failures"] += 1
        if COLLECT:          # make fuzz: keep going, list every failure at the end
            STATS["examples"].append(f"{line[:300]!r} on {node}: {'; '.join(problems)[:300]}")
            return r.returncode, r.stdout, r.stderr
    assert not problems, f"{line!r} on {node}: {'; '.join(problems)}"
    return r.returncode, r.stdout, r.stderr


@settings(max_examples=CASES, deadline=None, derandomize=not FULL, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(NODES)), st.integers(0, 4), command_line(), st.integers(0, 24))
def test_fuzz_command_lines(kind, index, line, sample):
    node = NODES[kind][index]
    _check(_lab(kind), node, line)
    if sample == 0:          # one case in 25: the same line on two fresh labs gives the same output
        first = _fresh(kind).run(node, line)
        second = _fresh(kind).run(node, line)
        assert (first.returncode, first.stdout, first.stderr) == (second.returncode, second.stdout, second.stderr)


@settings(max_examples=max(60, CASES // 4), deadline=None, derandomize=not FULL, database=None,
          suppress_health_check=list(HealthCheck))
@given(lab_data(), st.integers(0, 3), st.text(max_size=3), st.integers(0, 400))
def test_fuzz_lab_files(tmp_path_factory, data, how, junk, where):
    STATS["lab_cases"] += 1
    _progress()
    if COLLECT:          # make fuzz: keep going, list every failure at the end
        try:
            _lab_file_case(tmp_path_factory, data, how, junk, where)
        except Exception as exc:
            STATS["failures"] += 1
            STATS["examples"].append(f"lab file {data!r:.300} ({how}): {type(exc).__name__}: {exc}"[:600])
        return
    _lab_file_case(tmp_path_factory, data, how, junk, where)


def _lab_file_case(tmp_path_factory, data, how: int, junk: str, where: int) -> None:
    """Load the dict, then its YAML (with a typo, doubled keys or broken indentation): LabError or a lab."""
    started = time.perf_counter()
    try:
        Lab.from_dict(data)
    except LabError:
        pass
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        return
    if how == 1:
        text = text[:where] + junk + text[where:]       # a typo somewhere
    elif how == 2:
        text = text + text                              # every key twice
    elif how == 3:
        text = text.replace("  ", "", 1)                # indentation broken once
    path = tmp_path_factory.mktemp("lab") / "lab.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        Lab.from_yaml(path)
    except LabError as exc:
        assert str(exc).startswith("Fehler in") or "Lab-Datei" in str(exc), str(exc)
    took = time.perf_counter() - started
    if took > STATS["slowest_lab"][0]:
        STATS["slowest_lab"] = (took, text[:80])


def _report() -> str:
    slowest, line = STATS["slowest"]
    return (f"fuzz: {STATS['cases']} command cases, {STATS['lab_cases']} lab-file cases, "
            f"{STATS['failures']} failures, {STATS['interrupted']} interrupted by the guard, "
            f"slowest {slowest:.2f} s ({line[:80]!r}), slowest lab file {STATS['slowest_lab'][0]:.2f} s, "
            f"peak RSS {_rss_mb()} MB")


def _progress() -> None:
    """SIMNET_FUZZ_PROGRESS=FILE: the figures so far, rewritten every 500 cases (a long run that
    has to stop early still tells what it found)."""
    path = os.environ.get("SIMNET_FUZZ_PROGRESS")
    if path and (STATS["cases"] + STATS["lab_cases"]) % 500 == 0:
        with open(path, "w", encoding="utf-8") as f:
            f.write(_report() + "\n" + "".join(f"  {e}\n" for e in STATS["examples"][:200]))


def teardown_module() -> None:
    report = _report()
    if FULL or os.environ.get("SIMNET_FUZZ_REPORT"):
        print("\n" + report, file=sys.__stderr__)
        for example in STATS["examples"][:50]:
            print("  " + example, file=sys.__stderr__)
