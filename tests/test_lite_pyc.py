"""The JupyterLite wheel brings Pyodide's own bytecode and the parsed shipped labs (tools/lite_pyc.py)."""
from __future__ import annotations

import json
import marshal
import shutil
import zipfile
from pathlib import Path

import pytest

from simnet.labfile import parse_lab_text
from tools import lite

ROOT = Path(__file__).resolve().parents[1]

needs_tools = pytest.mark.skipif(lite.find_python312() is None or shutil.which("npm") is None
                                 or shutil.which("node") is None,
                                 reason="JupyterLite braucht zum Bauen Python >= 3.12, npm und node")


@needs_tools
def test_the_wheel_carries_bytecode_of_pyodides_magic_for_every_module() -> None:
    site = lite.build()
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    lock_file = site / kernel["loadPyodideOptions"]["lockFileURL"]
    lock = json.loads(lock_file.read_text(encoding="utf-8"))
    wheel = (lock_file.parent / lock["packages"]["simnet"]["file_name"]).resolve()
    python = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))["info"]["python"]
    tag = "cpython-" + "".join(python.split(".")[:2])
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        sources = {n for n in names if n.endswith(".py")}
        pycs = {n for n in names if n.endswith(f".{tag}.pyc")}
        record = zf.read(next(n for n in names if n.endswith(".dist-info/RECORD"))).decode()
        magics = {zf.read(n)[:4] for n in pycs}
        heimnetz = marshal.loads(zf.read(f"simnet/labs/__pycache__/heimnetz.{tag}.lab"))
    for source in sources:
        folder, _, name = source.rpartition("/")
        assert f"{folder}/__pycache__/{name[:-3]}.{tag}.pyc" in pycs, source
    assert f"simnet/__pycache__/_dataclasses.{tag}.pyc" in pycs
    assert len(magics) == 1                                  # one interpreter made them all
    assert all(f"{n}," in record for n in pycs)             # listed with hash and size, as installers check
    text = (ROOT / "simnet" / "labs" / "heimnetz.yaml").read_text(encoding="utf-8")
    data, source = parse_lab_text(text, "heimnetz.yaml")
    assert heimnetz == (text, data, source.lines)
