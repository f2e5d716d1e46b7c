"""`make screenshots`: every screen of the app, light and dark, into docs/screenshots/.

The README's pictures are made here and nowhere else (the test suite never writes them). On a
temporary SQLite database with the demo data (a fixed seed), signed in as the demo admin in a
1280x800 window, each screen is drawn offscreen once per theme: ``<screen>.png`` in the light
theme, ``<screen>_dark.png`` in the dark one. The user's own data and settings are never
touched.

    python tools/screenshots.py [--out FOLDER] [--only SCREEN ...] [--leads N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)
DEMO_LEADS = 400
IMPORT_SAMPLE = ROOT / "tests" / "data" / "leads_invalid_and_duplicates.csv"

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget
    from sqlalchemy import Engine

    from portal_desktop.views.main_window import MainWindow


@dataclass
class Shooter:
    """What the screens need: the database, the signed-in window, where pictures go."""

    engine: Engine
    window: MainWindow
    out: Path
    suffix: str = ""

    def save(self, name: str, widget: QWidget) -> Path:
        settle()
        path = self.out / f"{name}{self.suffix}.png"
        if not widget.grab().save(str(path)):
            raise RuntimeError(f"could not write {path}")
        print(f"  {path.relative_to(self.out.parent) if path.is_relative_to(ROOT) else path}")
        return path

    def tab(self, key: str) -> QWidget:
        widget = self.window.tab(key)
        self.window.tabs.setCurrentWidget(self.window.lazy_tabs[key])
        settle()
        return widget


def settle(rounds: int = 4) -> None:
    """Let the background reads finish and their results paint."""
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.processEvents()
        QThreadPool.globalInstance().waitForDone()
        QApplication.processEvents()
        time.sleep(0.03)


# --- the screens ------------------------------------------------------------------------


def tab_shot(key: str, name: str | None = None) -> Callable[[Shooter], None]:
    def shoot(shooter: Shooter) -> None:
        shooter.tab(key)
        shooter.save(name or key, shooter.window)

    return shoot


def pipeline_board(shooter: Shooter) -> None:
    tab = shooter.tab("pipeline")
    tab.show_view(1)  # type: ignore[attr-defined]
    shooter.save("pipeline_board", shooter.window)
    tab.show_view(0)  # type: ignore[attr-defined]


def admin_audit(shooter: Shooter) -> None:
    tab = shooter.tab("users")
    tab.pages.setCurrentWidget(tab.audit)  # type: ignore[attr-defined]
    shooter.save("admin_audit", shooter.window)
    tab.pages.setCurrentIndex(0)  # type: ignore[attr-defined]


def team_leaderboard(shooter: Shooter) -> None:
    tab = shooter.tab("team")
    tab.pages.setCurrentWidget(tab.leaderboard)  # type: ignore[attr-defined]
    shooter.save("team", shooter.window)


def welcome(shooter: Shooter) -> None:
    from portal_desktop.views.welcome_dialog import WelcomeDialog

    with shown(WelcomeDialog(shooter.window)) as dialog:
        shooter.save("welcome", dialog)


def signin(shooter: Shooter) -> None:
    from portal_desktop.views.signin_dialog import SignInDialog

    with shown(SignInDialog(shooter.window)) as dialog:
        shooter.save("signin", dialog)


def connection(shooter: Shooter) -> None:
    from portal_desktop.db.profiles import ProfileStore
    from portal_desktop.views.connection_dialog import ConnectionDialog

    with shown(ConnectionDialog(ProfileStore(), shooter.window)) as dialog:
        shooter.save("connection_dialog", dialog)


def lead_dialog(shooter: Shooter) -> None:
    from portal_desktop.views.pipeline.lead_dialog import LeadDialog

    with shown(LeadDialog(shooter.window.ctx, None, shooter.window)) as dialog:
        dialog.inputs["first_name"].setText("Jane")
        dialog.inputs["email"].setText("not an email")
        shooter.save("lead_dialog", dialog)


def import_mapping(shooter: Shooter) -> None:
    from portal_desktop.views.import_dialog import MAPPING, ImportDialog

    ctx = shooter.window.ctx
    with shown(ImportDialog(ctx.sessions, ctx.actor, shooter.window)) as dialog:
        dialog.set_file(IMPORT_SAMPLE)
        dialog.next_button.click()
        wait_for(lambda: dialog.page == MAPPING and not dialog.runner.busy)
        wait_for(lambda: not dialog.previews.busy)
        shooter.save("import_mapping", dialog)
        dialog.runner.wait()
        dialog.previews.wait()


def import_report(shooter: Shooter) -> None:
    from portal_desktop.views.import_dialog import MAPPING, REPORT, ImportDialog

    ctx = shooter.window.ctx
    with shown(ImportDialog(ctx.sessions, ctx.actor, shooter.window)) as dialog:
        dialog.set_file(IMPORT_SAMPLE)
        dialog.next_button.click()
        wait_for(lambda: dialog.page == MAPPING and not dialog.runner.busy)
        wait_for(lambda: not dialog.previews.busy and dialog.next_button.isEnabled())
        dialog.next_button.click()
        wait_for(lambda: dialog.page == REPORT and not dialog.runner.busy)
        shooter.save("import_report", dialog)
        dialog.runner.wait()
        dialog.previews.wait()


def _first_call(shooter: Shooter, *, past: bool) -> object:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal_desktop import clock
    from portal_desktop.models.crm import SalesCall

    query = select(SalesCall.id).where(SalesCall.outcome.is_(None))
    query = query.where(SalesCall.scheduled_at <= clock.now()) if past else query
    with Session(shooter.engine) as session:
        return session.scalars(query.order_by(SalesCall.scheduled_at).limit(1)).one()


def outcome_dialog(shooter: Shooter) -> None:
    from portal_desktop.views.calls.outcome_dialog import OutcomeDialog

    call = _first_call(shooter, past=True)
    with shown(OutcomeDialog(shooter.window.ctx, call, shooter.window)) as dialog:  # type: ignore[arg-type]
        shooter.save("outcome_dialog", dialog)


def close_deal_wizard(shooter: Shooter) -> None:
    from portal_desktop.views.calls.close_deal_wizard import CloseDealWizard

    call = _first_call(shooter, past=True)
    wizard = CloseDealWizard(shooter.window.ctx, sales_call_id=call, parent=shooter.window)  # type: ignore[arg-type]
    with shown(wizard):
        wait_for(lambda: not wizard.loading)
        wizard.next()  # the deal: program, plan and the live schedule preview
        settle()
        shooter.save("close_deal_wizard", wizard)


def conflicts_dialog(shooter: Shooter) -> None:
    """The Conflicts dialog over three sample conflicts (a replica's are read the same way)."""
    import datetime as dt
    from types import SimpleNamespace
    from uuid import uuid4

    from portal_desktop.views.sync.conflicts_dialog import ConflictsDialog

    at = dt.datetime(2026, 12, 4, 13, 5, tzinfo=dt.UTC)
    samples = [
        SimpleNamespace(id=uuid4(), kind=kind, table_name=table, message=message, mine=mine,
                        theirs=theirs, their_person="Dana Reyes", their_at=at, choices=choices)
        for kind, table, message, mine, theirs, choices in (
            ("same_field", "leads", "Ann Lee was changed here and on the server; the "
             "server's values stand until you choose.",
             {"first_name": "Ann", "last_name": "Lee", "phone": "555-0101", "city": "Lyon"},
             {"first_name": "Anne", "last_name": "Lee", "phone": "555-0199", "city": "Lyon"},
             ("mine", "theirs", "fields")),
            ("paid_meanwhile", "payments", "This installment was paid on the server meanwhile.",
             {"full_name": "Bo Berg", "amount": "250.00"}, {"status": "paid"},
             ("record_elsewhere", "discard")),
            ("duplicate", "leads", "cy@example.com was created on two computers.",
             {"email": "cy@example.com"}, {"email": "cy@example.com"},
             ("mine", "merge", "discard")),
        )
    ]  # fmt: skip
    dialog = ConflictsDialog(shooter.window.ctx, lambda _session: samples, lambda *_: None)
    with shown(dialog):
        wait_for(lambda: dialog.loaded)
        shooter.save("conflicts_dialog", dialog)


SCREENS: dict[str, Callable[[Shooter], None]] = {
    "main_window": tab_shot("pipeline", "main_window"),
    "pipeline_board": pipeline_board,
    "sales_calls": tab_shot("sales_calls"),
    "enrollments": tab_shot("enrollments"),
    "payment_schedules": tab_shot("payment_schedules"),
    "team": team_leaderboard,
    "marketing": tab_shot("marketing"),
    "charts": tab_shot("charts"),
    "admin": tab_shot("users", "admin"),
    "admin_audit": admin_audit,
    "welcome": welcome,
    "signin": signin,
    "connection_dialog": connection,
    "lead_dialog": lead_dialog,
    "import_mapping": import_mapping,
    "import_report": import_report,
    "outcome_dialog": outcome_dialog,
    "close_deal_wizard": close_deal_wizard,
    "conflicts_dialog": conflicts_dialog,
}


@contextmanager
def shown(dialog: QWidget) -> Iterator[QWidget]:
    dialog.show()
    settle()
    try:
        yield dialog
    finally:
        dialog.close()
        dialog.deleteLater()
        settle(1)


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("a screen did not finish loading in time")
        settle(1)


# --- the run ----------------------------------------------------------------------------


def make_screenshots(out: Path, only: list[str], leads: int) -> list[Path]:
    """Draw the screens (all, or ``only`` these) in both themes into ``out``."""
    unknown = sorted(set(only) - set(SCREENS))
    if unknown:
        raise SystemExit(f"unknown screen {', '.join(unknown)}; the screens: {', '.join(SCREENS)}")
    out.mkdir(parents=True, exist_ok=True)
    # One folder name every time: the status bar's database path reads the same in each run.
    folder = Path(tempfile.gettempdir()) / "portal-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ["PORTAL_DATA_DIR"] = str(folder / "data")
    os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        return _shoot_all(folder, out, only or list(SCREENS), leads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _shoot_all(folder: Path, out: Path, names: list[str], leads: int) -> list[Path]:
    from PySide6.QtCore import QSettings

    from portal_desktop.app import application
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import make_engine
    from portal_desktop.services.seeding import seed_database
    from portal_desktop.views import theme_choice
    from portal_desktop.views.theme import Scheme

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    engine = make_engine(f"sqlite:///{folder / 'screenshots.sqlite3'}")
    migrate.upgrade(engine)
    seed_database(engine, leads=leads)
    application()
    window = _admin_window(engine)
    written: list[Path] = []
    try:
        for scheme, suffix in ((Scheme.LIGHT, ""), (Scheme.DARK, "_dark")):
            theme_choice.apply(scheme)
            shooter = Shooter(engine, window, out, suffix)
            print(f"{scheme.value}:")
            for name in names:
                SCREENS[name](shooter)
                written.append(out / f"{name}{suffix}.png")
    finally:
        settle()
        window.close()
        engine.dispose()
    return written


def _admin_window(engine: Engine) -> MainWindow:
    from portal_desktop.app_database import load_formatter, sign_in
    from portal_desktop.db.engine import session_factory
    from portal_desktop.services.seeding import DEMO_PASSWORD
    from portal_desktop.views.main_window import MainWindow
    from portal_desktop.views.tab_context import DataBus, TabContext

    actor = sign_in(engine, "admin", DEMO_PASSWORD, None)
    ctx = TabContext(engine, session_factory(engine), actor, load_formatter(engine), DataBus())
    window = MainWindow(ctx)
    window.resize(*SIZE)
    window.show()
    settle()
    return window


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", default=[], metavar="SCREEN", help=", ".join(SCREENS))
    parser.add_argument("--leads", type=int, default=DEMO_LEADS)
    args = parser.parse_args(argv)
    written = make_screenshots(args.out.resolve(), args.only, args.leads)
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
