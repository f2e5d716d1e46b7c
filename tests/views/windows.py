"""The main window as screen tests open it: over a database, as someone, shown at 1280 x 800
(the smallest screen the app is made for)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import session_factory
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext

SMALL_SCREEN = (1280, 800)


def shown_window(
    qtbot,
    engine: Engine,
    actor: Actor = SYSTEM,
    sessions: sessionmaker[Session] | None = None,
) -> MainWindow:
    """A MainWindow over ``engine`` as ``actor``, shown and exposed; qtbot closes it."""
    ctx = TabContext(engine, sessions or session_factory(engine), actor, Formatter(), DataBus())
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*SMALL_SCREEN)
    window.show()
    qtbot.waitExposed(window)
    return window
