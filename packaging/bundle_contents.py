"""What goes into the installer's bundle and what is left out (read by build_installer.spec
and by tests/test_installer_spec.py; a plain file, loaded by path: not a package).

The app draws with QtCore, QtGui and QtWidgets only (pyqtgraph too, for the charts). The
PySide6 wheel brings a hundred more Qt libraries, plugins and translations; PyInstaller's hooks
collect what the imported modules link to, and the lists here drop the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Python modules that the analysis would otherwise follow but the app never imports (checked
# by tests/test_installer_spec.py): other Qt bindings and Qt modules, pyqtgraph's parts that
# the charts do not use, tests, and tools. pyqtgraph imports QtOpenGL, QtOpenGLWidgets, QtSvg
# and QtTest itself: those stay.
EXCLUDED_MODULES = (
    "tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "PySide6.QtSvgWidgets",
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    "PySide6.QtPrintSupport",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtSql",
    "PySide6.QtConcurrent",
    "PySide6.QtXml",
    "PySide6.QtWebEngineCore",
    "PySide6.Qt3DCore",
    "pyqtgraph.opengl",
    "pyqtgraph.examples",
    "pyqtgraph.jupyter",
    "pyqtgraph.console",
    "pyqtgraph.flowchart",
    "pyqtgraph.canvas",
    "OpenGL",
    "matplotlib",
    "scipy",
    "IPython",
    "pytest",
    "_pytest",
    "hypothesis",
    "pytestqt",
    "numpy.tests",
    "numpy.f2py",
    "numpy.distutils",
    "setuptools",
    "pip",
    "pydoc_data",
    "lib2to3",
    "test",
)

# Loaded at run time by name, which the analysis cannot see.
HIDDEN_IMPORTS = (
    "psycopg_binary",
    "sqlalchemy.dialects.postgresql.psycopg",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "alembic.op",  # the migration scripts are data (read by Alembic), not analysed code
    "keyring.backends.SecretService",
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
)

# Files of the collected PySide6 that the app never loads, by their path in the bundle.
DROPPED_PREFIXES = (
    "PySide6/Qt/translations/",  # the app is in English only
    "PySide6/Qt/plugins/platforms/libqeglfs",
    "PySide6/Qt/plugins/platforms/libqlinuxfb",
    "PySide6/Qt/plugins/platforms/libqminimalegl",
    "PySide6/Qt/plugins/platforms/libqvnc",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay",
    "PySide6/Qt/plugins/platforms/libqwayland",  # on Wayland the app runs on XWayland (xcb)
    "PySide6/Qt/plugins/wayland-",
    "PySide6/Qt/plugins/platformthemes/libqgtk3",  # GTK 3 and its stack, 20 MB: Qt's own
    # dialogs do (the xdg-desktop-portal theme stays, for the system's file dialogs)
    "PySide6/Qt/plugins/egldeviceintegrations/",
    # Image formats: the app shows SVG and PNG only (PNG is built into Qt; SVG is a plugin).
    "PySide6/Qt/plugins/imageformats/libqgif",
    "PySide6/Qt/plugins/imageformats/libqicns",
    "PySide6/Qt/plugins/imageformats/libqico",
    "PySide6/Qt/plugins/imageformats/libqjpeg",
    "PySide6/Qt/plugins/imageformats/libqtga",
    "PySide6/Qt/plugins/imageformats/libqtiff",
    "PySide6/Qt/plugins/imageformats/libqwbmp",
    "PySide6/Qt/plugins/imageformats/libqwebp",
    "PySide6/Qt/plugins/imageformats/libqpdf",
    "PySide6/Qt/plugins/networkinformation/",
    "PySide6/Qt/plugins/tls/",
    "PySide6/Qt/plugins/generic/",
    "PySide6/Qt/plugins/printsupport/",
    "PySide6/Qt/plugins/sqldrivers/",
    "PySide6/Qt/plugins/qmltooling/",
    "PySide6/Qt/plugins/designer/",
    "PySide6/Qt/qml/",
    "PySide6/Qt/resources/",  # Qt WebEngine's
)


# Shared libraries that Qt opens by name at run time (dlopen), which no binary lists as needed.
LOADED_BY_NAME = ("libdbus-1.so.3",)

TocEntry = tuple[str, str, str]  # (name in the bundle, source file, kind)


def kept(entries: list[TocEntry]) -> list[TocEntry]:
    """The entries of a PyInstaller TOC to keep."""
    return [entry for entry in entries if not entry[0].startswith(DROPPED_PREFIXES)]


def _is_shared_library(name: str) -> bool:
    """A library that is only there because something needs it (the bundle's top folder or
    Qt's lib/), not a Python extension module or a Qt plugin, which are loaded by name."""
    base = name.rsplit("/", 1)[-1]
    in_lib_folder = "/" not in name or name.startswith("PySide6/Qt/lib/")
    return in_lib_folder and base.startswith("lib") and ".so" in base and ".abi3." not in base


def without_unneeded_libraries(
    binaries: list[TocEntry], needs: Callable[[str], Iterable[str]]
) -> list[TocEntry]:
    """``binaries`` less the shared libraries that no kept binary needs any more.

    PyInstaller collects the libraries of every plugin it collects; once :func:`kept` has
    dropped plugins (GTK's theme, EGLFS, Wayland), their libraries would stay behind unused.
    ``needs(source)`` gives the names of the libraries a file needs (its DT_NEEDED entries,
    or all of ldd's). Extension modules, plugins and :data:`LOADED_BY_NAME` are the roots.
    """
    by_name = {entry[0].rsplit("/", 1)[-1]: entry for entry in binaries}
    reached: set[str] = set()
    todo = [
        entry
        for entry in binaries
        if not _is_shared_library(entry[0])
        or entry[0].rsplit("/", 1)[-1] in LOADED_BY_NAME
        or entry[0].startswith("libpython")
    ]
    while todo:
        entry = todo.pop()
        if entry[0] in reached:
            continue
        reached.add(entry[0])
        todo += [by_name[name] for name in needs(entry[1]) if name in by_name]
    return [entry for entry in binaries if entry[0] in reached]


# Python's own libraries, when built with debug information (pyenv's are): the build strips
# that from the bundle's copies (``strip --strip-debug``), 25 MB less.
DEBUG_INFO_GLOBS = ("libpython3*.so*", "python3*/lib-dynload/*.so")
