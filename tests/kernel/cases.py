"""Loading the differential corpus: cases (what to run) and fixtures (what the kernel said)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
CASES_DIR = HERE / "cases"
FIXTURES_DIR = HERE / "fixtures"


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    lab: dict[str, Any]
    commands: list[dict[str, Any]]


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases.append(Case(data["name"], data.get("description", ""), data["lab"], data["commands"]))
    return cases


def load_fixture(name: str) -> dict[str, Any] | None:
    path = FIXTURES_DIR / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
