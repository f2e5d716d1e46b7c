"""Opening a database off the UI thread, with progress on the sign-in dialog.

Migrating the local file and seeding the demo data take seconds; run on the UI thread they
froze the sign-in dialog on "Opening the database…". :func:`open_in_background` runs the
opening on a pool thread, shows a progress toast (:mod:`portal_desktop.views.toast`) once it
lasts, and answers on the UI thread: ``opened(engine, seeded)`` or ``failed(message)``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget
from sqlalchemy import Engine

from portal_desktop.errors import PortalError
from portal_desktop.views.toast import start_progress
from portal_desktop.views.workers import run_in_worker

OPENING = "Opening the database…"
LOADING_DEMO = "Opening the database (the first time, loading the demo data: a few seconds)…"

OnSeeded = Callable[[], None]


def open_in_background(
    dialog: QWidget,
    open_engine: Callable[[OnSeeded], Engine],
    seed: bool,
    opened: Callable[[Engine, bool], None],
    failed: Callable[[str], None],
) -> None:
    """``open_engine(on_seeded)`` on a pool thread (``on_seeded`` is called there when the
    demo data was loaded); then ``opened(engine, seeded)`` or ``failed(why)`` on the UI."""
    seeded: list[bool] = []
    toast = start_progress(dialog, LOADING_DEMO if seed else OPENING)

    def done(engine: Engine) -> None:
        toast.end_progress()
        opened(engine, bool(seeded))

    def refused(error: BaseException) -> None:
        toast.end_progress()
        failed(str(error) if isinstance(error, PortalError) else repr(error))

    run_in_worker(
        lambda: open_engine(lambda: seeded.append(True)),
        on_success=done, on_failure=refused, parent=dialog,
    )  # fmt: skip
