"""Run a case in simnet and compare it with the kernel's recorded answers."""
from __future__ import annotations

import difflib
from typing import Any

from simnet import Lab
from tests.kernel.cases import Case
from tests.kernel.normalize import normalize


def run_simnet(case: Case) -> list[dict[str, Any]]:
    """The same commands as the recorder, answered by simnet."""
    # cases recorded before IPv6 came in (no ``ipv6`` key) ran with IPv6 disabled in every namespace
    # private_fs only tells the recorder to give each namespace its own files: simnet's nodes have them anyway
    spec = {k: v for k, v in case.lab.items() if k != "private_fs"}
    lab = Lab.from_dict(spec if "ipv6" in spec else {**spec, "ipv6": False})
    results: list[dict[str, Any]] = []
    jobs: dict[str, Any] = {}
    meta: dict[str, dict[str, Any]] = {}
    for entry in case.commands:
        if "collect" in entry:
            ident = entry["collect"]
            res = jobs.pop(ident).result(timeout=3.0)
            results.append({**meta.pop(ident), "returncode": res.returncode, "stdout": res.stdout,
                            "stderr": res.stderr})
            continue
        if "bg" in entry:
            jobs[entry["bg"]] = lab.start(entry["node"], entry["cmd"])
            meta[entry["bg"]] = {"node": entry["node"], "cmd": entry["cmd"]}
            continue
        res = lab.run(entry["node"], entry["cmd"])
        results.append({"node": entry["node"], "cmd": entry["cmd"], "returncode": res.returncode,
                        "stdout": res.stdout, "stderr": res.stderr})
    return results


def differences(case: Case, fixture: dict[str, Any]) -> list[str]:
    """Human-readable differences (empty when simnet agrees with the kernel)."""
    ours = run_simnet(case)
    theirs = fixture["results"]
    problems: list[str] = []
    if len(ours) != len(theirs):
        return [f"{len(ours)} results, kernel has {len(theirs)}"]
    for mine, real in zip(ours, theirs):
        head = f"[{real['node']}] $ {real['cmd']}"
        if mine["returncode"] != real["returncode"]:
            problems.append(f"{head}\n  exit code: simnet {mine['returncode']}, kernel {real['returncode']}")
        for stream in ("stdout", "stderr"):
            # the recorder read the real output as text with universal newlines (CR LF and CR became LF)
            a = normalize(mine[stream].replace("\r\n", "\n").replace("\r", "\n"), real["cmd"])
            b = normalize(real[stream], real["cmd"])
            if a != b:
                diff = "".join(difflib.unified_diff(b.splitlines(True), a.splitlines(True), "kernel", "simnet", n=1))
                problems.append(f"{head}\n  {stream} differs:\n{diff}")
    return problems
