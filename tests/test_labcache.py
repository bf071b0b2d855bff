"""simnet.labcache: a shipped lab is read from its parsed form, which is exactly what YAML gives, and only then."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import simnet
from simnet import Lab
from simnet.labcache import cache_path, parse_shipped
from simnet.labfile import parse_lab_text

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((Path(simnet.__file__).parent / "labs").glob("*.yaml"))


@pytest.fixture
def prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return tmp_path / "cache"


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_the_cached_form_is_what_yaml_gives(path: Path, prefix: Path) -> None:
    text = path.read_text(encoding="utf-8")
    want, want_source = parse_lab_text(text, str(path))
    first, _ = parse_shipped(text, str(path))
    kept = cache_path(str(path))
    assert kept is not None and kept.startswith(str(prefix)) and os.path.exists(kept)
    os.utime(kept, (0, 0))
    again, source = parse_shipped(text, str(path))
    assert os.stat(kept).st_mtime == 0                    # read, not written again
    assert first == again == want
    assert source.lines == want_source.lines and str(source) == str(path)
    assert source.line_of("nodes") == want_source.line_of("nodes")


def test_another_text_is_parsed_anew_and_a_broken_cache_ignored(prefix: Path) -> None:
    path = LABS[0]
    text = path.read_text(encoding="utf-8")
    parse_shipped(text, str(path))
    changed = text.replace("\nnodes:", "\nlimits: {events: 12345}\nnodes:", 1)
    data, _ = parse_shipped(changed, str(path))
    assert data == parse_lab_text(changed, str(path))[0] and data["limits"] == {"events": 12345}
    Path(cache_path(str(path))).write_bytes(b"\x00kaputt")
    assert parse_shipped(text, str(path))[0] == parse_lab_text(text, str(path))[0]


def test_a_learners_lab_file_gets_no_cache(tmp_path: Path, prefix: Path) -> None:
    (tmp_path / "kurs").mkdir()
    lab = tmp_path / "kurs" / "mein.yaml"
    lab.write_text("name: mein\nnodes:\n  a: {}\n", encoding="utf-8")
    Lab.from_yaml(lab)
    assert [p.name for p in lab.parent.iterdir()] == ["mein.yaml"]
    assert list(tmp_path.rglob("*.lab")) == []


def test_a_new_process_loads_a_shipped_lab_without_yaml(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=str(tmp_path), PYTHONPATH=str(ROOT))
    code = ("import sys; from simnet import Lab; lab = Lab.load('heimnetz');"
            "print('yaml' in sys.modules, lab.run('debian', 'ping -c 1 192.168.0.1').returncode)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                           timeout=120) for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["True", "0"], ["False", "0"]], [r.stderr for r in runs]
