"""Tabs are registered by class (each through a function that imports it), not by
"module:Class" strings; the window's start imports none of the screens."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget

from portal_desktop import clock
from portal_desktop.app_database import load_formatter
from portal_desktop.db.engine import session_factory
from portal_desktop.db.lists import LISTS
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.tab_registry import (
    TAB_CLASSES,
    GenericListTab,
    TabEntry,
    import_in_background,
)

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


def _run(probe: str) -> str:
    """What a fresh interpreter prints running ``probe``."""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_the_window_module_imports_no_screen_until_a_tab_opens() -> None:
    probe = (
        "import sys\n"
        "import portal_desktop.views.main_window\n"
        "from portal_desktop.models.enums import UserRole\n"
        "from portal_desktop.views.tab_registry import tabs_for\n"
        "tabs_for(UserRole.ADMIN)\n"
        f"print(sorted(set({SCREEN_MODULES!r}) & set(sys.modules)))\n"
    )
    assert _run(probe) == "[]"


def test_the_launchers_warm_up_loads_every_screen_before_anyone_signs_in() -> None:
    """What the launcher starts behind its first dialog leaves nothing for the first tab to
    import on the UI thread (importing the Pipeline tab there froze the window at sign-in)."""
    probe = (
        "import sys\n"
        "from portal_desktop.warm_up import warm_up\n"
        "warm_up().join()\n"
        f"print(sorted(set({SCREEN_MODULES!r}) - set(sys.modules)))\n"
    )
    assert _run(probe) == "[]"


# --- every list the app shows is the registry's ----------------------------------------------

LIST_TABS = sorted({entry.tab for entry in LISTS.values()})


@pytest.mark.parametrize("key", LIST_TABS)
def test_each_tab_shows_the_registry_lists(qtbot, engine, key: str) -> None:
    """The lists a screen shows are the very specs db/lists.py registers for that tab (the
    same objects: one definition), and the screen shows no list the registry lacks."""
    ctx = TabContext(engine, session_factory(engine), SYSTEM, load_formatter(engine), DataBus())
    tab = TAB_CLASSES[key]()(ctx, None)
    qtbot.addWidget(tab)
    shown = {table.spec.name: table.spec for table in tab.findChildren(EntityTab)}
    wanted = {name for name, entry in LISTS.items() if entry.tab == key}
    assert set(shown) == wanted
    for name in wanted:
        entry = LISTS[name]
        # A dated list (payment schedules) as of the screen's day, in its zone.
        expected = entry.spec(tab.day, tab.tz) if entry.dated else entry.spec()
        assert shown[name] is expected, name
    QThreadPool.globalInstance().waitForDone(10000)


def test_the_registered_lists_are_named_by_their_specs_and_tabs() -> None:
    day, tz = clock.today(dt.UTC), dt.UTC
    assert all(entry.spec(day, tz).name == name for name, entry in LISTS.items())
    assert {entry.tab for entry in LISTS.values()} <= set(TAB_CLASSES)
    assert {cls.list_name for cls in GenericListTab.__subclasses__()} <= set(LISTS)


def test_tab_modules_are_imported_behind_the_window_and_a_failure_stops_none() -> None:
    imported: list[tuple[str, bool]] = []

    def importer(key: str) -> Callable[[], type[QWidget]]:
        def tab_class() -> type[QWidget]:
            on_ui_thread = threading.current_thread() is threading.main_thread()
            imported.append((key, on_ui_thread))
            if key == "broken":
                raise ImportError("No module named 'broken'")
            return QWidget

        return tab_class

    entries = [TabEntry(key, key.title(), importer(key)) for key in ("one", "broken", "two")]
    import_in_background(entries).join(timeout=10)
    assert imported == [("one", False), ("broken", False), ("two", False)]
