"""The kernel never imports what stands above it (commands, services, tailnet, lab, views).

Checked on the source: every ``import`` in ``simnet/kernel/`` (also inside functions) that
runs at run time; imports under ``if TYPE_CHECKING:`` only serve type hints and are fine.
"""
from __future__ import annotations

import ast
from pathlib import Path

import simnet

KERNEL = Path(simnet.__file__).parent / "kernel"
ABOVE = ("simnet.commands", "simnet.services", "simnet.tailnet", "simnet.lab", "simnet.loader", "simnet.views",
         "simnet.exercises", "simnet.cli")


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.append((child.lineno, child.module))
            visit(child)
    visit(tree)
    return found


def _offences(source: str) -> list[str]:
    return [f"{line}: {name}" for line, name in _runtime_imports(ast.parse(source))
            if any(name == up or name.startswith(up + ".") for up in ABOVE)]


def test_kernel_imports_nothing_above_it() -> None:
    bad = []
    files = sorted(KERNEL.rglob("*.py"))
    assert len(files) > 15
    for path in files:
        bad += [f"{path.relative_to(KERNEL.parent)}:{o}" for o in _offences(path.read_text(encoding="utf-8"))]
    assert bad == []


def test_the_check_sees_function_level_imports_and_spares_type_checking() -> None:
    src = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from simnet.lab import Lab\n"
           "def f():\n    from simnet.commands.shell import run_line\n    import simnet.services.ufw\n")
    assert _offences(src) == ["5: simnet.commands.shell", "6: simnet.services.ufw"]
