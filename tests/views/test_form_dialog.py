"""FormDialog: loads off the UI thread, errors at their field, one write op on Save."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop.models import Lead
from portal_desktop.models.enums import UserRole
from portal_desktop.services.sales import leads as lead_service
from portal_desktop.views.form_dialog import LOADING, FormDialog
from tests.views.test_pipeline_tab import make_ctx

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


class NewLead(FormDialog):
    def __init__(self, ctx) -> None:
        super().__init__(ctx, "New lead", name="newLead")
        self.first = self.text_field("First name", "first_name", required=True)
        self.email = self.text_field("Email", "email")
        self.count_seen: int | None = None
        self.start_loading()

    def load(self, session: Session) -> int:
        return int(session.scalar(select(func.count()).select_from(Lead)))

    def loaded(self, data: int) -> None:
        self.count_seen = data

    def problem(self) -> str | None:
        return None if self.first.text().strip() else "Enter a first name."

    def work(self) -> Callable[[Session], Any]:
        actor, first, email = self.ctx.actor, self.first.text(), self.email.text() or None
        return lambda session: (
            lead_service.create_lead(session, actor, first_name=first, email=email).id
        )


@pytest.fixture
def ctx(engine, sessions):
    return make_ctx(engine, sessions, UserRole.ADMIN)


def test_loading_then_hint_then_error_at_the_field_then_saved(qtbot, ctx, sessions) -> None:
    dialog = NewLead(ctx)
    qtbot.addWidget(dialog)
    assert dialog.hint.text() == LOADING and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.ready, timeout=5000)
    assert dialog.count_seen == 0
    assert dialog.hint.text() == "Enter a first name." and not dialog.save_button.isEnabled()

    dialog.first.setText("Ada")
    dialog.email.setText("not an email")
    assert dialog.save_button.isEnabled()
    heard: list[frozenset[str]] = []
    ctx.bus.data_changed.connect(lambda tables, _ids: heard.append(tables))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.ready, timeout=5000)
    assert set(dialog.errors.shown()) == {"email"} and heard == []

    dialog.email.setText("ada@example.com")
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        dialog.save_button.click()
    assert heard and "leads" in heard[0]
    with sessions() as session:
        assert session.get(Lead, saved.args[0]).first_name == "Ada"
