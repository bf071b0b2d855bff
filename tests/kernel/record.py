"""Record what the real kernel and tools answer for every case (needs root).

    python -m tests.kernel.record [CASE ...]

Writes tests/kernel/fixtures/<case>.json. Runs four cases at a time.
"""
from __future__ import annotations

import json
import platform
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.kernel.cases import FIXTURES_DIR, Case, load_cases
from tests.kernel.netns import NetnsLab, available


def run_case(case: Case) -> list[dict[str, Any]]:
    """Run one case in namespaces; one result per command (collect entries included)."""
    results: list[dict[str, Any]] = []
    started: dict[str, dict[str, Any]] = {}
    settle = any("bg" in entry for entry in case.commands)   # captures must not see link-up noise
    with NetnsLab(case.lab, settle=settle) as lab:
        for entry in case.commands:
            if "collect" in entry:
                ident = entry["collect"]
                rc, out, err = lab.collect(ident)
                results.append({**started.pop(ident), "returncode": rc, "stdout": out, "stderr": err})
                continue
            if "bg" in entry:
                lab.start(entry["node"], entry["cmd"], entry["bg"])
                started[entry["bg"]] = {"node": entry["node"], "cmd": entry["cmd"], "bg": entry["bg"]}
                continue
            rc, out, err = lab.run(entry["node"], entry["cmd"])
            results.append({"node": entry["node"], "cmd": entry["cmd"], "returncode": rc, "stdout": out,
                            "stderr": err})
    return results


def tool_versions() -> dict[str, str]:
    def first(cmd: list[str]) -> str:
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        except OSError:
            return "?"
        return (res.stdout or res.stderr).splitlines()[0] if (res.stdout or res.stderr) else "?"

    return {"ip": first(["ip", "-V"]), "iptables": first(["iptables", "-V"]), "ping": first(["ping", "-V"]),
            "conntrack": first(["conntrack", "--version"]), "traceroute": first(["traceroute", "-V"]),
            "tcpdump": first(["tcpdump", "--version"])}


def record(case: Case, versions: dict[str, str]) -> str:
    results = run_case(case)
    data = {"case": case.name, "kernel": platform.release(), "tools": versions, "results": results}
    FIXTURES_DIR.mkdir(exist_ok=True)
    (FIXTURES_DIR / f"{case.name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                                                     encoding="utf-8")
    return case.name


def main(argv: list[str]) -> int:
    reason = available()
    if reason:
        print(f"Kann nicht aufnehmen: {reason}", file=sys.stderr)
        return 1
    wanted = set(argv)
    cases = [c for c in load_cases() if not wanted or c.name in wanted]
    versions = tool_versions()
    with ThreadPoolExecutor(max_workers=4) as pool:
        for name in pool.map(lambda c: record(c, versions), cases):
            print("recorded", name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
