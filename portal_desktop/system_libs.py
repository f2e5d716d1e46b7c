"""The system libraries Qt's xcb platform (X11, and XWayland) loads, checked before the
QApplication starts: a machine that lacks one gets its name and the package that brings it,
instead of Qt's "could not load the Qt platform plugin" abort.

The installer's bundle carries Qt and the libraries of the machine it was built on; these are
the ones it may still need from the system (README.md, "Install"). tests/test_system_libs
checks the list against what Qt's xcb plugin really links to.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

from portal_desktop.errors import PortalError

# Library (soname) -> the Debian/Ubuntu package that installs it.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}


def uses_xcb(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether Qt will start its xcb platform: asked for, or Linux's default outside Wayland
    (the bundle has no Wayland plugin: there it is xcb on XWayland too)."""
    if not sys.platform.startswith("linux"):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.startswith("xcb")
    return bool(getattr(sys, "frozen", False)) or not environ.get("WAYLAND_DISPLAY")


def _loadable(soname: str, folders: list[Path]) -> bool:
    if any((folder / soname).exists() for folder in folders):
        return True  # shipped in the bundle
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(folders: list[Path] | None = None) -> list[str]:
    """The libraries of :data:`XCB_LIBRARIES` that neither the bundle nor the system has."""
    if folders is None:
        bundle = getattr(sys, "_MEIPASS", None)
        folders = [Path(bundle), Path(bundle) / "PySide6" / "Qt" / "lib"] if bundle else []
    return [soname for soname in XCB_LIBRARIES if not _loadable(soname, folders)]


def require_platform_libraries() -> None:
    """A PortalError naming the missing libraries and their packages, when xcb lacks some."""
    if not uses_xcb():
        return
    missing = missing_libraries()
    if missing:
        packages = " ".join(dict.fromkeys(XCB_LIBRARIES[name] for name in missing))
        raise PortalError(
            f"this computer lacks {', '.join(missing)}, which Qt needs to open windows on X11. "
            f"Install them (Debian/Ubuntu: sudo apt install {packages}) and start Portal again"
        )
