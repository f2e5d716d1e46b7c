"""Tabs are registered by class (each through a function that imports it), not by
"module:Class" strings; the window's start imports none of the screens."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtWidgets import QWidget

from portal_desktop.views.tab_registry import TAB_CLASSES

SCREEN_MODULES = (
    "portal_desktop.views.pipeline.tab",
    "portal_desktop.views.charts",
    "portal_desktop.views.admin.tab",
    "pyqtgraph",
)


def test_every_tab_is_registered_by_a_widget_class() -> None:
    classes = {key: tab_class() for key, tab_class in TAB_CLASSES.items()}
    not_widgets = [
        k for k, c in classes.items() if not (isinstance(c, type) and issubclass(c, QWidget))
    ]
    assert not_widgets == []
    assert len(set(classes.values())) == len(classes)  # no two tabs share a screen


def test_the_window_module_imports_no_screen_until_a_tab_opens() -> None:
    probe = (
        "import sys\n"
        "import portal_desktop.views.main_window\n"
        "from portal_desktop.models.enums import UserRole\n"
        "from portal_desktop.views.tab_registry import tabs_for\n"
        "tabs_for(UserRole.ADMIN)\n"
        f"print(sorted(set({SCREEN_MODULES!r}) & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
