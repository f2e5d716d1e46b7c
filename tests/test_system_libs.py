"""Qt's xcb platform needs system libraries that minimal machines lack: the app names the
missing ones (and their packages) instead of letting Qt abort."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo

from portal_desktop import system_libs
from portal_desktop.errors import PortalError

# Linked by Qt's xcb plugin but always there (the C runtime) or shipped with Qt itself.
ALWAYS_THERE = re.compile(r"^(libQt6|libc\.|libm\.|libstdc\+\+|libgcc_s|ld-linux)")


def _needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs readelf (binutils)")
def test_the_list_is_what_qts_xcb_plugin_links_to() -> None:
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    libraries = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.LibrariesPath))
    needed = _needed(plugins / "platforms" / "libqxcb.so") | _needed(
        libraries / "libQt6XcbQpa.so.6"
    )
    assert set(system_libs.XCB_LIBRARIES) == {n for n in needed if not ALWAYS_THERE.match(n)}


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs readelf (binutils)")
def test_the_bundle_leaves_to_the_system_all_that_qts_gui_links_to_but_zlib() -> None:
    libraries = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.LibrariesPath))
    needed = {n for n in _needed(libraries / "libQt6Gui.so.6") if not ALWAYS_THERE.match(n)}
    assert needed - {"libz.so.1"} <= set(system_libs.SYSTEM_LIBRARIES)
    assert set(system_libs.DESKTOP_LIBRARIES) - needed == {"libdbus-1.so.3"}


def test_a_missing_library_is_named_with_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        system_libs,
        "SYSTEM_LIBRARIES",
        {"libc.so.6": "libc6", "libportal-not-there.so.9": "libportal-not-there9"},
    )
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    with pytest.raises(PortalError) as raised:
        system_libs.require_platform_libraries()
    message = str(raised.value)
    assert "libportal-not-there.so.9" in message
    assert "sudo apt install libportal-not-there9" in message
    assert "libc.so.6" not in message


def test_a_library_shipped_in_the_bundle_counts(tmp_path: Path) -> None:
    (tmp_path / "libxcb-keysyms.so.1").touch()
    missing = system_libs.missing_libraries([tmp_path])
    assert "libxcb-keysyms.so.1" not in missing


@pytest.mark.parametrize(
    ("environ", "xcb"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"DISPLAY": ":0"}, True),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, False),  # Qt picks Wayland
    ],
)
def test_only_the_xcb_platform_is_checked(environ: dict[str, str], xcb: bool) -> None:
    assert system_libs.uses_xcb(environ) is xcb
