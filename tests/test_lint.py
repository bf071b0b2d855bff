"""ruff over the code (configured in pyproject.toml): syntax errors, undefined names and
misused comparisons. A landing that brings one fails here, not only in `make lint`."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> list[str] | None:
    exe = Path(sys.executable).parent / "ruff"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ruff")
    return [found] if found else None


@pytest.mark.skipif(_ruff() is None, reason="ruff ist nicht installiert (make test installiert es)")
def test_ruff_is_clean():
    cmd = _ruff()
    assert cmd is not None
    proc = subprocess.run([*cmd, "check", "simnet", "tools", "tests", "bench"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
