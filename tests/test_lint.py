"""ruff over the code (configured in pyproject.toml): syntax errors, undefined names and
misused comparisons; mypy over simnet/ (its [tool.mypy] section). A landing that brings one
fails here, not only in `make lint`."""
from __future__ import annotations

import importlib.util
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


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy ist nicht installiert (make test installiert es)")
def test_mypy_is_clean():
    # the config (files, cache in .mypy_cache) comes from pyproject.toml; a warm cache answers in ~1 s
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    hint = ("\nFix the annotations (run `.venv/bin/python -m mypy`); the per-module baseline at the end of "
            "pyproject.toml is for code older than the mypy check, not for new code.")
    assert proc.returncode == 0, proc.stdout + proc.stderr + hint
    assert "Success: no issues found" in proc.stdout
