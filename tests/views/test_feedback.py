"""Feedback that never blocks: a toast says what a save did, Ctrl+Z (or its Undo) takes back
the last lead status change or edit, an undo over a later change is refused in words, and an
export shows progress (with Cancel) once it has lasted half a second."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import Engine

from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.models import Lead
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales import leads as lead_service
from portal_desktop.services.seeding import seed_database
from portal_desktop.views import toast as toast_module
from portal_desktop.views.export_actions import Exporter
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.opening import LOADING_DEMO
from portal_desktop.views.pipeline.status_dialog import StatusDialog
from portal_desktop.views.toast import Toast, toast_of
from portal_desktop.views.undo import NOTHING
from portal_desktop.views.welcome_dialog import DEMO
from tests.shell_helpers import generic_tabs, temp_settings  # noqa: F401
from tests.views.test_signin import _wait_ready, _welcome, launch  # noqa: F401
from tests.views.windows import shown_window

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def window(qtbot, engine: Engine, request: pytest.FixtureRequest) -> MainWindow:
    request.getfixturevalue("temp_settings")
    seed_database(engine, leads=40, seed=3)
    return shown_window(qtbot, engine)


def _new_lead(window: MainWindow) -> Lead:
    with window.ctx.sessions() as session:
        return lead_service.create_lead(
            session, SYSTEM, first_name="Jane", last_name="Doe", email="jane.doe@example.org"
        )


def _status(window: MainWindow, lead: Lead) -> LeadStatus:
    with window.ctx.sessions() as session:
        return LeadStatus(session.get(Lead, lead.id).status)


def _shown(qtbot, window: QWidget, starts: str) -> Toast:
    toast = toast_of(window)
    qtbot.waitUntil(
        lambda: toast.isVisible() and toast.text.text().startswith(starts), timeout=5000
    )
    return toast


def _move(qtbot, window: MainWindow, lead: Lead, status: LeadStatus) -> None:
    tab = window.tab("pipeline")
    tab.open_lead(lead.id)
    now = _status(window, lead)  # the detail shows the lead as it is (after the last move)
    qtbot.waitUntil(
        lambda: (
            tab.detail.detail is not None
            and tab.detail.detail["id"] == lead.id
            and tab.detail.detail["status"] == now
        )
    )
    tab.change_status(lead.id)
    dialog = tab.dialog
    assert isinstance(dialog, StatusDialog)
    dialog.status.setCurrentIndex(dialog.status.findData(status))
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()


def test_a_status_change_says_what_and_ctrl_z_takes_it_back(qtbot, window: MainWindow) -> None:
    lead = _new_lead(window)
    assert window.undo_action.text() == NOTHING and not window.undo_action.isEnabled()
    _move(qtbot, window, lead, LeadStatus.CONTACTED)
    _move(qtbot, window, lead, LeadStatus.QUALIFIED)
    toast = _shown(qtbot, window, "Jane Doe: Contacted → Qualified.")
    assert toast.action_button.isVisibleTo(toast) and toast.action_button.text() == "Undo"
    assert not toast.open_button.isVisibleTo(toast)
    assert window.undo_action.text() == "Undo the status of Jane Doe"
    window.grab().save("/tmp/feedback_undo_offer.png")

    window.activateWindow()  # the closed status dialog was the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    view = window.tab("pipeline").list.view
    view.setFocus()
    with qtbot.waitSignal(window.ctx.bus.data_changed, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _shown(qtbot, window, "Jane Doe is Contacted again.")
    assert _status(window, lead) == LeadStatus.CONTACTED  # back, though statuses go forward
    assert window.undo_action.text() == NOTHING and not window.undo_action.isEnabled()


def test_an_undo_over_a_later_change_is_refused_in_words(qtbot, window: MainWindow) -> None:
    lead = _new_lead(window)
    _move(qtbot, window, lead, LeadStatus.CONTACTED)
    toast = _shown(qtbot, window, "Jane Doe: New → Contacted.")
    with window.ctx.sessions() as session:  # someone else, meanwhile
        current = session.get(Lead, lead.id)
        lead_service.update_lead(session, SYSTEM, lead.id, current.version, notes="Called back")
    toast.action_button.click()  # the toast's Undo
    failed = _shown(qtbot, window, "Nothing was undone: Jane Doe was changed again")
    assert failed.kind == "failed"
    assert _status(window, lead) == LeadStatus.CONTACTED


def test_an_edit_in_the_lead_dialog_is_undone(qtbot, window: MainWindow) -> None:
    lead = _new_lead(window)
    tab = window.tab("pipeline")
    tab.edit_lead(lead.id)
    dialog = tab.dialog
    qtbot.waitUntil(lambda: dialog.ready and dialog.inputs["phone"].isEnabled())
    qtbot.waitUntil(lambda: dialog.inputs["email"].text() == "jane.doe@example.org")
    dialog.inputs["email"].setText("jd@example.org")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    _shown(qtbot, window, "Saved the lead Jane Doe.")
    assert window.undo_action.text() == "Undo the edit of Jane Doe"
    with qtbot.waitSignal(window.ctx.bus.data_changed, timeout=5000):
        window.undo_action.trigger()
    _shown(qtbot, window, "Jane Doe is as before.")
    with window.ctx.sessions() as session:
        assert session.get(Lead, lead.id).email == "jane.doe@example.org"


def test_a_save_without_undo_says_what_it_did(qtbot, window: MainWindow) -> None:
    tab = window.tab("pipeline")
    tab.new_record()
    dialog = tab.dialog
    qtbot.waitUntil(lambda: dialog.ready)
    dialog.inputs["first_name"].setText("Zed")
    dialog.inputs["email"].setText("zed@example.org")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    toast = _shown(qtbot, window, "Added the lead Zed.")
    assert not toast.action_button.isVisibleTo(toast)
    assert window.undo_action.text() == NOTHING


def test_a_long_export_shows_progress_with_cancel(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export waits on a gate until the test has seen its progress toast."""
    monkeypatch.setattr(toast_module, "PROGRESS_AFTER_MS", 50)
    gate = threading.Event()
    exporter = Exporter(window.ctx.sessions, window.ctx.actor, window)
    original = exporter.runner.start

    def gated(work, *callbacks):
        def held(progress, cancel):
            gate.wait(10)
            return work(progress, cancel)

        original(held, *callbacks)

    monkeypatch.setattr(exporter.runner, "start", gated)
    query = window.tab("pipeline").list.model.rows.query
    assert query.spec is PIPELINE
    exporter.export_list(query, tmp_path / "leads.xlsx")
    toast = _shown(qtbot, window, "Exporting to leads.xlsx…")
    assert toast.kind == "progress" and toast.progress.isVisibleTo(toast)
    assert toast.action_button.text() == "Cancel"
    window.grab().save("/tmp/feedback_export_progress.png")
    toast.action_button.click()
    gate.set()
    _shown(qtbot, window, "Export cancelled; nothing was saved to leads.xlsx.")
    assert not (tmp_path / "leads.xlsx").exists()

    gate.clear()
    exporter.export_list(query, tmp_path / "leads.xlsx")
    gate.set()
    done = _shown(qtbot, window, "Exported ")
    assert done.kind == "saved" and done.open_button.isVisibleTo(done)
    assert (tmp_path / "leads.xlsx").stat().st_size > 0


def test_quick_work_never_flickers_a_progress_toast(qtbot, window: MainWindow) -> None:
    toast = toast_module.start_progress(window, "Working…")
    qtbot.wait(100)
    assert not toast.isVisible()
    toast.end_progress()
    qtbot.wait(toast_module.PROGRESS_AFTER_MS + 100)
    assert not toast.isVisible()


def test_an_import_says_what_it_wrote_in_the_window_and_the_report_where_it_is(
    qtbot, sessions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    from portal_desktop.views.import_dialog import MAPPING, REPORT, RESULT, ImportDialog

    main = QWidget()
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    dialog = ImportDialog(sessions, SYSTEM, main)
    dialog.show()
    dialog.set_file(DATA / "leads_invalid_and_duplicates.csv")

    def idle(page: int) -> None:
        qtbot.waitUntil(
            lambda: dialog.page == page and not dialog.runner.busy and not dialog.previews.busy,
            timeout=20_000,
        )

    dialog.next_button.click()
    idle(MAPPING)
    qtbot.waitUntil(dialog.next_button.isEnabled, timeout=20_000)
    dialog.next_button.click()
    idle(REPORT)
    report = tmp_path / "report.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(report), ""))
    dialog._ask_save_report()  # the report page's "Save report…"
    saved = _shown(qtbot, dialog, f"Saved the report to {report.resolve()}.")
    assert saved.open_button.isVisibleTo(saved) and report.exists()
    dialog.report_page.skip_invalid.setChecked(True)
    idle(REPORT)
    dialog.next_button.click()
    idle(RESULT)
    _shown(qtbot, main, "Import finished: 3 leads created, 0 updated.")
    dialog.runner.wait()
    dialog.previews.wait()


@pytest.mark.usefixtures("temp_settings", "generic_tabs")
def test_seeding_the_demo_shows_progress_and_never_freezes_the_sign_in(qtbot, launch) -> None:  # noqa: F811
    """Before: migrating and seeding ran on the UI thread after the sign-in painted — a
    frozen "Opening the database…" for seconds (6 s on a busy machine)."""
    beats: list[float] = []
    heart = QTimer()
    heart.timeout.connect(lambda: beats.append(time.perf_counter()))
    heart.start(20)
    launcher = _welcome(qtbot, launch, DEMO)
    qtbot.waitUntil(lambda: launcher.signin is not None, timeout=5000)
    toast = toast_of(launcher.signin)
    qtbot.waitUntil(lambda: toast.isVisible() and toast.kind == "progress", timeout=10_000)
    assert toast.text.text() == LOADING_DEMO
    launcher.signin.grab().save("/tmp/feedback_demo_seeding.png")
    _wait_ready(qtbot, launcher)
    heart.stop()
    assert not toast.isVisible()
    assert launcher.signin.username.text() == "admin"  # the demo's notice still lands
    gaps = [later - earlier for earlier, later in itertools.pairwise(beats)]
    assert max(gaps) < 1.5, f"the window froze for {max(gaps):.1f} s"
