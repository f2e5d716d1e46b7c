"""The Payment-schedules tab: every installment with quick filters, the totals bar, the
payment actions and the dunning list.

Hooks for the window: ``focus_search()``, ``refresh()``, ``open_selected()`` (record a
payment), ``status_text()`` and ``apply_filters(dict)``, which understands the chips
(``when``, ``bucket``, ``program``, ``closer``, ``search``) and the Charts tab's keys
(services/reporting/chart_data.py): ``bucket`` with ``as_of``, ``paid_from``/``paid_to``,
``due_from``/``due_to`` with ``unpaid``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from portal_desktop.db.lists import spec_of
from portal_desktop.db.payments_queries import (
    InstallmentInfo,
    bucket_condition,
    due_between,
    load_installment,
    owed,
    paid_between,
)
from portal_desktop.services.common.context import Permission
from portal_desktop.services.common.date_ranges import local_midnight_utc
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.payments.dialogs import (
    FailedChargeDialog,
    InstallmentDialog,
    PaymentDialog,
    RefundDialog,
    RescheduleDialog,
    today_of,
    zone_of,
)
from portal_desktop.views.payments.dunning import DunningDialog
from portal_desktop.views.payments.totals import TotalsBar
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.theme import ERROR, set_tone

WATCHED_TABLES = frozenset({"installments", "payments", "enrollments"})
CHIP_KEYS = frozenset({"when", "bucket", "program", "closer", "search"})
DialogType = Callable[[TabContext, InstallmentInfo, QWidget], InstallmentDialog]


class PaymentSchedulesTab(QWidget):
    """Installments across enrollments; what the actor may do decides the buttons shown."""

    status_changed = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_payment_schedules")
        self.ctx = ctx
        self.day = today_of(ctx)
        self.tz = zone_of(ctx)
        self.dialog: InstallmentDialog | None = None
        self.dunning: DunningDialog | None = None
        self.extra_filters: dict[str, Any] = {}

        self.totals = TotalsBar(ctx, self)
        # Started first, ahead of the list's count and chips workers (see TotalsBar).
        self.totals.refresh()
        self.list = EntityTab(ctx, spec_of("payment_schedules", self.day, self.tz), self)
        self.list.status_changed.connect(self.status_changed)
        self.list.selection_changed.connect(self._update_buttons)
        self.list.view.doubleClicked.connect(lambda _index: self.open_selected())

        can = ctx.actor.can
        self.buttons: dict[str, QPushButton] = {}
        actions: list[tuple[str, str, Callable[[], None], bool]] = [
            ("pay", "Record payment…", lambda: self.start(PaymentDialog),
             can(Permission.RECORD_PAYMENTS)),
            ("failed", "Failed charge…", lambda: self.start(FailedChargeDialog),
             can(Permission.RECORD_PAYMENTS)),
            ("refund", "Refund…", lambda: self.start(RefundDialog),
             can(Permission.REFUND_PAYMENTS)),
            ("reschedule", "Reschedule…", lambda: self.start(RescheduleDialog),
             can(Permission.EDIT_ENROLLMENTS)),
        ]  # fmt: skip
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        for key, text, handler, allowed in actions:
            button = QPushButton(text, self)
            button.setObjectName(f"action_{key}")
            button.clicked.connect(handler)
            button.setVisible(allowed)
            self.buttons[key] = button
            bar.addWidget(button)
        self.message = QLabel(self)
        self.message.setObjectName("actionMessage")
        set_tone(self.message, ERROR)
        bar.addWidget(self.message, 1)
        self.dunning_button = QPushButton("Dunning list…", self)
        self.dunning_button.setObjectName("action_dunning")
        self.dunning_button.clicked.connect(self.show_dunning)
        bar.addWidget(self.dunning_button)

        self.banner = QLabel(self)
        self.banner.setObjectName("filterBanner")
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.clicked.connect(self.clear_extra_filters)
        banner = QHBoxLayout()
        banner.setContentsMargins(12, 4, 12, 0)
        banner.addWidget(self.banner, 1)
        banner.addWidget(self.clear_button)
        self._show_banner()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.totals)
        layout.addLayout(bar)
        layout.addLayout(banner)
        layout.addWidget(self.list, 1)
        self._update_buttons(0)
        ctx.bus.data_changed.connect(self._on_data_changed)

    # --- the window's hooks -------------------------------------------------------------

    def focus_search(self) -> None:
        self.list.focus_search()

    def refresh(self) -> None:
        self.totals.refresh()  # first, as when the tab opens
        self.list.refresh()

    def open_selected(self) -> None:
        if self.buttons["pay"].isVisible():
            self.start(PaymentDialog)

    def status_text(self) -> str:
        return self.list.status_text()

    def apply_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        """Show the installments another screen asks for; returns the keys not understood."""
        filters = dict(filters)
        as_of = filters.pop("as_of", None)
        extra: dict[str, Any] = {}
        if "bucket" in filters and as_of not in (None, self.day):
            extra["bucket"], extra["as_of"] = filters.pop("bucket"), as_of
        for key in ("paid_from", "paid_to", "due_from", "due_to", "unpaid"):
            if key in filters:
                extra[key] = filters.pop(key)
        chips = {key: value for key, value in filters.items() if key in CHIP_KEYS}
        unknown = {key: value for key, value in filters.items() if key not in CHIP_KEYS}
        if extra or self.extra_filters:
            self._set_extra(extra)
        self.list.apply_filters(chips)
        return unknown

    # --- filters beyond the chips --------------------------------------------------------

    def _conditions(self, extra: dict[str, Any]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if "bucket" in extra:
            conditions.append(bucket_condition(str(extra["bucket"]), extra["as_of"], self.tz))
        if "paid_from" in extra or "paid_to" in extra:
            zone = self.tz
            start, end = extra.get("paid_from"), extra.get("paid_to")
            conditions.append(
                paid_between(
                    local_midnight_utc(start, zone) if start else None,
                    local_midnight_utc(end + dt.timedelta(days=1), zone) if end else None,
                )
            )
        if "due_from" in extra or "due_to" in extra:
            conditions.append(due_between(extra.get("due_from"), extra.get("due_to")))
        if extra.get("unpaid"):
            conditions.append(owed(self.day, self.tz))
        return conditions

    def _set_extra(self, extra: dict[str, Any]) -> None:
        self.extra_filters = extra
        self.list.model.set_filters(*self._conditions(extra))
        self._show_banner()
        self.list.refresh()

    def clear_extra_filters(self) -> None:
        if self.extra_filters:
            self._set_extra({})

    def _show_banner(self) -> None:
        fmt, extra = self.ctx.formatter, self.extra_filters
        parts: list[str] = []
        if "bucket" in extra:
            parts.append(f"{extra['bucket']} days past due as of {fmt.date(extra['as_of'])}")
        for key, title in (("paid", "paid"), ("due", "due")):
            start, end = extra.get(f"{key}_from"), extra.get(f"{key}_to")
            if start or end:
                since = fmt.date(start) if start else "the start"
                until = fmt.date(end) if end else "today"
                parts.append(f"{title} from {since} to {until}")
        if extra.get("unpaid"):
            parts.append("still owed")
        self.banner.setText("Showing installments " + ", ".join(parts) if parts else "")
        self.banner.setVisible(bool(parts))
        self.clear_button.setVisible(bool(parts))

    # --- actions -------------------------------------------------------------------------

    def selected_id(self) -> uuid.UUID | None:
        ids = self.list.selected_ids()
        return ids[0] if len(ids) == 1 else None

    def _update_buttons(self, count: int) -> None:
        for button in self.buttons.values():
            button.setEnabled(count == 1)

    def start(self, kind: DialogType) -> None:
        """Read the selected installment afresh, then open ``kind``'s dialog on it."""
        installment_id = self.selected_id()
        if installment_id is None:
            self.message.setText("Select one installment first.")
            return
        self.message.clear()

        def load(session: Session) -> InstallmentInfo | None:
            return load_installment(session, installment_id)

        def loaded(info: InstallmentInfo | None) -> None:
            if info is None:
                self.message.setText("That installment is gone; the list was refreshed.")
                self.list.refresh()
                return
            self.open_dialog(kind, info)

        def failed(error: BaseException) -> None:
            self.message.setText(error_text(error))

        ReadOp(self.ctx, load, parent=self).success(loaded).failure(failed).run()

    def open_dialog(self, kind: DialogType, info: InstallmentInfo) -> InstallmentDialog:
        dialog = kind(self.ctx, info, self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def show_dunning(self) -> DunningDialog:
        self.dunning = DunningDialog(self.ctx, today_of(self.ctx), self)
        self.dunning.open()
        return self.dunning

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[Any]) -> None:
        if not tables or tables & WATCHED_TABLES:
            self.totals.refresh()
