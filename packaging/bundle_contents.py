"""What goes into the installer's bundle and what is left out (read by build_installer.spec
and by tests/test_installer_spec.py; a plain file, loaded by path: not a package).

The app draws with QtCore, QtGui and QtWidgets only (pyqtgraph too, for the charts). The
PySide6 wheel brings a hundred more Qt libraries, plugins and translations; PyInstaller's hooks
collect what the imported modules link to, and the lists here drop the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

# Python modules that the analysis would otherwise follow but the app never imports (checked
# by tests/test_installer_spec.py): other Qt bindings and Qt modules, pyqtgraph's parts that
# the charts do not use, tests, and tools.
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
    "numpy.random",  # pyqtgraph's scatter jitter only, which the charts do not use
    "numpy.testing",
    "readline",  # line editing of an interactive prompt (and libreadline, libtinfo)
    "numpy.f2py",
    "numpy.distutils",
    "setuptools",
    "pip",
    "pydoc_data",
    "lib2to3",
    "test",
)

# Modules that are imported, but inside ``try: … except ImportError`` by code that works
# without them (tests/test_installer_spec.py runs the self-test with them blocked):
# pyqtgraph's SVG export and test helpers, and Mako's colouring of template errors. (Not
# optional, though they look it: QtOpenGL and QtOpenGLWidgets, which pyqtgraph's
# OpenGLHelpers imports by name, and Python's ssl, which psycopg's libpq wrapper imports.)
OPTIONAL_MODULES = (
    "PySide6.QtSvg",
    "PySide6.QtTest",
    "pygments",
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
    "PySide6/Qt/plugins/xcbglintegrations/",  # OpenGL on X11: the app draws without it
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


TocEntry = tuple[str, str, str]  # (name in the bundle, source file, kind)


def kept(entries: list[TocEntry], system_sonames: Collection[str] = ()) -> list[TocEntry]:
    """The entries of a PyInstaller TOC to keep: not a dropped file, nor a library that the
    system supplies (``system_sonames``: portal_desktop/system_libs.py's SYSTEM_LIBRARIES)."""
    return [
        entry
        for entry in entries
        if not entry[0].startswith(DROPPED_PREFIXES)
        and entry[0].rsplit("/", 1)[-1] not in system_sonames
    ]


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
    or all of ldd's). Extension modules, plugins and Python's own library are the roots.
    """
    by_name = {entry[0].rsplit("/", 1)[-1]: entry for entry in binaries}
    reached: set[str] = set()
    todo = [
        entry
        for entry in binaries
        if not _is_shared_library(entry[0]) or entry[0].startswith("libpython")
    ]
    while todo:
        entry = todo.pop()
        if entry[0] in reached:
            continue
        reached.add(entry[0])
        todo += [by_name[name] for name in needs(entry[1]) if name in by_name]
    return [entry for entry in binaries if entry[0] in reached]


def strippable(sections_and_dynamic: str, bundle_path: str) -> bool:
    """Whether ``strip --strip-unneeded`` may take a library's symbol table and debug
    sections (``readelf -S -d -W`` output): 20 MB of the bundle, in Python's own library when
    Python was built from source (as by pyenv) and in wheels built without stripping
    (SQLAlchemy's, greenlet's, ICU's). Only files that carry them, and never a file that a
    wheel tool rewrote (in a ``.libs`` folder, or finding one through a ``$ORIGIN`` RPATH):
    strip can break what patchelf wrote."""
    if any(part.endswith(".libs") for part in bundle_path.split("/")):
        return False
    rewritten = any(
        "PATH)" in line and "$ORIGIN/../" in line and ".libs" in line
        for line in sections_and_dynamic.splitlines()
    )
    carries = " .symtab " in sections_and_dynamic or " .debug_info " in sections_and_dynamic
    return carries and not rewritten
