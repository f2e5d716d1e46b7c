"""What build_installer.spec puts in the bundle (packaging/bundle_contents.py): every module
of the app, none of the modules it leaves out is one the app imports, and the libraries of
dropped plugins go with them. (The bundle itself is built and self-tested by CI: .ci/run.)"""

from __future__ import annotations

import ast
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTENTS = runpy.run_path(str(ROOT / "packaging" / "bundle_contents.py"))

IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import portal_desktop
for module in pkgutil.walk_packages(portal_desktop.__path__, "portal_desktop."):
    if module.name != "portal_desktop.__main__":  # that one starts the app
        importlib.import_module(module.name)
print("\\n".join(sorted(sys.modules)))
"""


def test_the_app_imports_none_of_the_excluded_modules() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    imported = result.stdout.split()
    assert "portal_desktop.views.charts" in imported  # pyqtgraph's users were imported
    excluded = CONTENTS["EXCLUDED_MODULES"]
    wrong = [m for m in imported if any(m == x or m.startswith(f"{x}.") for x in excluded)]
    assert wrong == []


def _analysis_call() -> ast.Call:
    tree = ast.parse((ROOT / "build_installer.spec").read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Analysis"
    ]
    assert len(calls) == 1
    return calls[0]


def test_the_spec_collects_every_module_of_the_app() -> None:
    hidden = next(k.value for k in _analysis_call().keywords if k.arg == "hiddenimports")
    collected = [
        node
        for node in ast.walk(hidden)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "collect_submodules"
    ]
    assert [ast.literal_eval(call.args[0]) for call in collected] == ["portal_desktop"]
    excludes = next(k.value for k in _analysis_call().keywords if k.arg == "excludes")
    assert "EXCLUDED_MODULES" in ast.unparse(excludes)


def test_dropped_files_and_the_libraries_only_they_needed_go() -> None:
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "qxcb", "BINARY"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "qgtk3", "BINARY"),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "xcbqpa", "BINARY"),
        ("libxcb-cursor.so.0", "cursor", "BINARY"),
        ("libgtk-3.so.0", "gtk", "BINARY"),
        ("libcairo.so.2", "cairo", "BINARY"),
        ("libdbus-1.so.3", "dbus", "BINARY"),  # the system's: left out
        ("libsystemd.so.0", "systemd", "BINARY"),  # only libdbus needed it
        ("PySide6/QtCore.abi3.so", "qtcore", "EXTENSION"),
    ]
    needs = {
        "qxcb": ["libQt6XcbQpa.so.6"],
        "xcbqpa": ["libxcb-cursor.so.0"],
        "qgtk3": ["libgtk-3.so.0"],
        "gtk": ["libcairo.so.2"],
        "dbus": ["libsystemd.so.0"],
        "qtcore": ["libdbus-1.so.3"],
    }
    kept = CONTENTS["kept"](binaries, {"libdbus-1.so.3"})
    assert "PySide6/Qt/plugins/platformthemes/libqgtk3.so" not in [e[0] for e in kept]
    pruned = CONTENTS["without_unneeded_libraries"](kept, lambda src: needs.get(src, []))
    assert [e[0] for e in pruned] == [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "libxcb-cursor.so.0",
        "PySide6/QtCore.abi3.so",
    ]


def test_translations_are_left_out() -> None:
    datas = [
        ("PySide6/Qt/translations/qt_de.qm", "x", "DATA"),
        ("portal_desktop/resources/style.qss", "y", "DATA"),
    ]
    assert CONTENTS["kept"](datas) == [datas[1]]


SECTIONS_WITH_SYMBOLS = "  [29] .symtab           SYMTAB          0000000000000000 3b0c58\n"


@pytest.mark.parametrize(
    ("elf", "path", "strip"),
    [
        (SECTIONS_WITH_SYMBOLS, "sqlalchemy/cyextension/util.so", True),
        ("  [27] .shstrtab STRTAB\n", "PySide6/Qt/lib/libQt6Core.so.6", False),  # stripped
        (SECTIONS_WITH_SYMBOLS, "numpy.libs/libscipy_openblas64_.so", False),  # auditwheel's
        (
            SECTIONS_WITH_SYMBOLS
            + " 0x000000000000000f (RPATH)   Library rpath: [$ORIGIN/../../numpy.libs]\n",
            "numpy/_core/_multiarray_umath.so",
            False,  # patchelf pointed it at numpy.libs
        ),
        (
            SECTIONS_WITH_SYMBOLS + " 0x000000000000001d (RUNPATH)   Library runpath: [$ORIGIN]\n",
            "PySide6/Qt/lib/libicuuc.so.73",
            True,  # Qt's own build set that path
        ),
    ],
)
def test_only_unpatched_libraries_with_symbols_are_stripped(
    elf: str, path: str, strip: bool
) -> None:
    assert CONTENTS["strippable"](elf, path) is strip
