"""The layers of DESIGN.md, checked: imports only point down.

clock, errors and package_data (the shipped folders) sit below everything, and every layer
may use them; models → models; db → models, db; services → db, models, services, never Qt;
commands → services, db, models, commands, no Qt; views → anything below. Every import
counts, at module level or inside a function: a late import is still a dependency. The scan
reads the syntax tree of every module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import portal_desktop

PACKAGE = Path(portal_desktop.__file__).parent
QT = {"PySide6", "pyqtgraph", "shiboken6"}
BASE = {"errors", "clock", "package_data"}
ALLOWED: dict[str, set[str]] = {
    "clock": set(),
    "errors": set(),
    "package_data": {"errors"},
    "models": {"models"} | BASE,
    "db": {"db", "models"} | BASE,
    "services": {"services", "db", "models"} | BASE,
    "commands": {"commands", "services", "db", "models"} | BASE,
}
NO_QT = set(ALLOWED)  # every layer below views


def imports_in(source: str, package: list[str]) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in ``source``, a module of
    ``package`` (``["portal_desktop", "db"]``: relative imports are resolved from it)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module or ""]).strip(".")
            if module == "portal_desktop":  # from portal_desktop import clock, errors
                found += [(node.lineno, f"portal_desktop.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, module))
    return found


def violations(source: str, package: list[str], where: str) -> list[str]:
    """What a module of ``package`` imports against the layers."""
    layer = package[1]
    wrong = []
    for line, module in imports_in(source, package):
        parts = module.split(".")
        if parts[0] in QT and layer in NO_QT:
            wrong.append(f"{where}:{line}: {layer} imports Qt ({module})")
        elif parts[0] == "portal_desktop" and len(parts) > 1 and parts[1] not in ALLOWED[layer]:
            wrong.append(f"{where}:{line}: {layer} imports {module}")
    return wrong


def violations_of(path: Path) -> list[str]:
    relative = path.relative_to(PACKAGE)
    top = relative.with_suffix("").parts[0]  # the layer: db, services, … or clock, errors
    package = ["portal_desktop", top, *relative.parent.parts[1:]]
    source = path.read_text(encoding="utf-8")
    return violations(source, package, str(path.relative_to(PACKAGE.parent)))


def modules_of(layer: str) -> list[Path]:
    folder = PACKAGE / layer
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{layer}.py"]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_imports_point_down(layer: str) -> None:
    modules = modules_of(layer)
    assert modules and all(path.exists() for path in modules)
    wrong = [message for path in modules for message in violations_of(path)]
    assert wrong == [], "\n".join(wrong)


def test_every_layer_is_a_package_tools_can_walk() -> None:
    folders = [p for p in PACKAGE.rglob("*") if p.is_dir() and any(p.glob("*.py"))]
    assert [p for p in folders if not (p / "__init__.py").exists()] == []


def test_the_scan_sees_late_relative_and_qt_imports() -> None:
    source = (
        "from . import tables\n"
        "def late():\n"
        "    from portal_desktop.services.common.context import Actor\n"
        "    from ..views import formatting\n"
        "    import PySide6.QtCore\n"
        "from portal_desktop import clock, views\n"
    )
    found = violations(source, ["portal_desktop", "db"], "db/probe.py")
    assert sorted(found) == [
        "db/probe.py:3: db imports portal_desktop.services.common.context",
        "db/probe.py:4: db imports portal_desktop.views",
        "db/probe.py:5: db imports Qt (PySide6.QtCore)",
        "db/probe.py:6: db imports portal_desktop.views",
    ]
