"""The Conflicts dialog over a real replica: the open conflicts in words, mine and theirs
field by field, the kind's own choices, the amount named before money is discarded, the
list read again after each choice, and every control named for the keyboard."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import session_factory
from portal_desktop.db.replica_tables import sync_conflicts
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sync.conflicts import open_conflicts
from portal_desktop.views.a11y import keyboard_controls, spoken_name
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.sync.conflicts_dialog import ConflictsDialog
from portal_desktop.views.tab_context import DataBus, TabContext
from tests import ui_replica
from tests.views.confirming import answer

replica = ui_replica.replica
replica_sessions = ui_replica.replica_sessions


def add_three(session: Session) -> dict[str, object]:
    return {
        "same": ui_replica.add_conflict(
            session,
            "same_field",
            {"first_name": "Ann", "last_name": "Lee", "phone": "555-0101"},
            {"first_name": "Anne", "last_name": "Lee", "phone": "555-0199"},
            message="Ann Lee was changed here and on the server.",
            created_at=dt.datetime(2026, 12, 4, 14, 0, tzinfo=dt.UTC),
        ),
        "paid": ui_replica.add_conflict(
            session,
            "paid_meanwhile",
            {"amount": "250.00", "full_name": "Bo Berg"},
            {"status": "paid"},
            table_name="payments",
            message="This installment was paid on the server meanwhile.",
            created_at=dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC),
        ),
        "dup": ui_replica.add_conflict(
            session,
            "duplicate",
            {"email": "cy@example.com"},
            {"email": "cy@example.com"},
            their_person=None,
            their_at=None,
            created_at=dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC),
        ),
    }


@pytest.fixture
def dialog(qtbot, replica: Engine, replica_sessions: sessionmaker[Session]):
    with replica_sessions() as session:
        ids = add_three(session)
    ctx = TabContext(replica, session_factory(replica), SYSTEM, Formatter("USD", dt.UTC), DataBus())
    resolve = ui_replica.Resolutions([])
    shown = ConflictsDialog(ctx, open_conflicts, resolve)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(lambda: shown.loaded, timeout=5_000)
    shown.ids, shown.calls = ids, resolve.calls
    return shown


def _texts(dialog: ConflictsDialog) -> list[str]:
    return [dialog.list.item(row).text() for row in range(dialog.list.count())]


def _open_in(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        rows = session.execute(select(sync_conflicts.c.resolved_at)).scalars().all()
    return sum(1 for resolved in rows if resolved is None)


def test_the_list_says_kind_record_who_and_when(dialog: ConflictsDialog) -> None:
    assert _texts(dialog) == [
        "Changed here and on the server: Ann Lee\nOn the server: Dana Server, "
        + dialog.ctx.formatter.datetime(dt.datetime(2026, 12, 4, 13, 5, tzinfo=dt.UTC)),
        "Paid on the server meanwhile: Bo Berg\nOn the server: Dana Server, "
        + dialog.ctx.formatter.datetime(dt.datetime(2026, 12, 4, 13, 5, tzinfo=dt.UTC)),
        "Created on two computers: cy@example.com\nOn the server: someone",
    ]
    assert dialog.message.text() == "Ann Lee was changed here and on the server."


def test_fields_side_by_side_ticked_ones_keep_mine(qtbot, dialog, replica_sessions) -> None:
    table = dialog.fields
    rows = [[table.item(r, c).text() for c in range(3)] for r in range(table.rowCount())]
    assert rows == [
        ["First name", "Ann", "Anne"],
        ["Last name", "Lee", "Lee"],
        ["Phone", "555-0101", "555-0199"],
    ]
    visible = [c for c, b in dialog.buttons.items() if not b.isHidden()]
    assert visible == ["mine", "theirs", "fields"]
    table.item(2, 1).setCheckState(Qt.CheckState.Checked)
    dialog.buttons["fields"].click()
    qtbot.waitUntil(lambda: dialog.list.count() == 2 and dialog.loaded, timeout=5_000)
    assert dialog.calls == [(dialog.ids["same"], "fields", ("phone",), None)]
    assert _open_in(replica_sessions) == 2
    assert _texts(dialog)[0].startswith("Paid on the server meanwhile")


def test_money_is_named_before_it_is_discarded(qtbot, dialog, replica_sessions) -> None:
    dialog.list.setCurrentRow(1)
    visible = [c for c, b in dialog.buttons.items() if not b.isHidden()]
    assert visible == ["record_elsewhere", "discard"]
    assert [dialog.fields.item(0, c).text() for c in range(3)] == ["Amount", "$250.00", "—"]
    dialog.buttons["discard"].click()
    question = answer(qtbot, dialog, yes=False)  # Go back: nothing happens
    assert "$250.00" in question and "Bo Berg" in question
    assert dialog.calls == [] and _open_in(replica_sessions) == 3
    dialog.buttons["record_elsewhere"].click()
    assert "payment of $250.00" in answer(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 2 and dialog.loaded, timeout=5_000)
    assert dialog.calls == [(dialog.ids["paid"], "record_elsewhere", (), None)]


def test_merge_for_a_duplicate_and_the_empty_list_at_the_end(qtbot, dialog) -> None:
    dialog.list.setCurrentRow(2)
    assert [c for c, b in dialog.buttons.items() if not b.isHidden()] == ["merge", "discard"]
    dialog.buttons["merge"].click()  # no money, nothing lost: no question
    qtbot.waitUntil(lambda: dialog.list.count() == 2 and dialog.loaded, timeout=5_000)
    for left in (1, 0):
        dialog.list.setCurrentRow(0)
        dialog.buttons["theirs" if "theirs" in dialog.current.choices else "discard"].click()
        if dialog.confirm_box is not None:
            answer(qtbot, dialog)
        qtbot.waitUntil(lambda n=left: dialog.list.count() == n, timeout=5_000)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5_000)
    assert dialog.empty.isVisible() and not dialog.detail.isEnabled()


def test_every_control_is_reached_by_keyboard_and_named(qtbot, dialog) -> None:
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    dialog.list.setFocus(Qt.FocusReason.TabFocusReason)
    reached = [dialog.list]
    for _ in range(30):  # Tab alone, until it comes back to the list
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is dialog.list:
            break
        reached.append(QApplication.focusWidget())
    controls = keyboard_controls(dialog)
    assert dialog.fields in controls and dialog.buttons["fields"] in controls
    assert [c for c in controls if c not in reached] == []
    assert [c for c in controls if not spoken_name(c)] == []
    # Space on a field of mine ticks it, as a click would
    dialog.fields.setFocus()
    dialog.fields.setCurrentCell(2, 1)
    QTest.keyClick(dialog.fields, Qt.Key.Key_Space)
    assert dialog.ticked_fields() == ["phone"]
