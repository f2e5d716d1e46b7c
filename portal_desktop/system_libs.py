"""The system libraries Qt draws with (X11 and XWayland through the xcb platform, fonts,
OpenGL, D-Bus), checked before the QApplication starts: a machine that lacks one gets its name
and the package that brings it, instead of Qt's "could not load the Qt platform plugin" abort.

The installer's bundle carries Qt but none of these (packaging/bundle_contents.py): they are
the desktop's own graphics stack, and copies from the build machine would clash with the
machine's drivers and fonts (README.md, "Install"). tests/test_system_libs checks the lists
against what Qt's libraries really link to.
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

# What Qt's GUI library links to besides those (and the C runtime and zlib), and D-Bus, which
# Qt's D-Bus module opens by name (the desktop's file dialogs, the keyring).
DESKTOP_LIBRARIES: dict[str, str] = {
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
}

# Left to the system by the bundle, and checked before Qt starts.
SYSTEM_LIBRARIES: dict[str, str] = {**XCB_LIBRARIES, **DESKTOP_LIBRARIES}


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
    """The libraries of :data:`SYSTEM_LIBRARIES` that neither the bundle nor the system has."""
    if folders is None:
        bundle = getattr(sys, "_MEIPASS", None)
        folders = [Path(bundle), Path(bundle) / "PySide6" / "Qt" / "lib"] if bundle else []
    return [soname for soname in SYSTEM_LIBRARIES if not _loadable(soname, folders)]


def require_platform_libraries() -> None:
    """A PortalError naming the missing libraries and their packages, when xcb lacks some."""
    if not uses_xcb():
        return
    missing = missing_libraries()
    if missing:
        packages = " ".join(dict.fromkeys(SYSTEM_LIBRARIES[name] for name in missing))
        raise PortalError(
            f"this computer lacks {', '.join(missing)}, which Qt needs to open windows on X11. "
            f"Install them (Debian/Ubuntu: sudo apt install {packages}) and start Portal again"
        )
