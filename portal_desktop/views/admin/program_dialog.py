"""Create or edit a program: name, price (typed as people type money), weeks, active.

An edit passes the version it loaded, so a change made meanwhile elsewhere is reported in
words (ConflictError) instead of overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QPlainTextEdit, QSpinBox, QWidget
from sqlalchemy.orm import Session

from portal_desktop.db.admin_queries import ProgramRow
from portal_desktop.services.sales import programs
from portal_desktop.services.sales.programs import MAX_DURATION_WEEKS
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.tab_context import TabContext


class ProgramDialog(FormDialog):
    """``ProgramDialog(ctx)`` creates; ``ProgramDialog(ctx, program=row)`` edits ``row``.
    ``saved`` carries the program's id."""

    def __init__(
        self, ctx: TabContext, program: ProgramRow | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            ctx,
            "New program" if program is None else f"Edit {program.name}",
            parent,
            save_text="Create program" if program is None else "Save",
            name="programDialog",
            width=460,
        )
        self.program = program
        self.name = self.text_field("Name", "name", required=True)
        self.price = self.money_field("Price", None, "price", required=True, allow_zero=True)
        self.price.setPlaceholderText(f"e.g. {ctx.formatter.symbol}2,500.00")
        self.weeks = QSpinBox(self)
        self.weeks.setObjectName("weeks")
        self.weeks.setRange(0, MAX_DURATION_WEEKS)
        self.weeks.setSpecialValueText("(not set)")
        self.weeks.setSuffix(" weeks")
        self.description = QPlainTextEdit(self)
        self.description.setObjectName("description")
        self.description.setFixedHeight(70)
        self.active = QCheckBox("Open for new deals", self)
        self.active.setObjectName("active")
        self.active.setChecked(True)
        if program is not None:
            self.name.setText(program.name)
            self.price.set_value(program.price)
            self.weeks.setValue(program.duration_weeks or 0)
            self.description.setPlainText(program.description or "")
            self.active.setChecked(program.active)
        self.add_field("Duration", self.weeks, "duration_weeks")
        self.add_field("Description", self.description, "description")
        self.add_field("Active", self.active, "active")
        self.update_state()

    def problem(self) -> str | None:
        if not self.name.text().strip():
            return "Type the program's name."
        if self.price.problem():
            return f"Price: {self.price.problem()}"
        if self.price.value() is None:
            return "Type the price, e.g. 2,500."
        return None

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "price": self.price.value(),
            "description": self.description.toPlainText().strip() or None,
            "duration_weeks": self.weeks.value() or None,
            "active": self.active.isChecked(),
        }

    def work(self) -> Callable[[Session], uuid.UUID]:
        actor, values, program = self.ctx.actor, self.values(), self.program

        def write(session: Session) -> uuid.UUID:
            if program is None:
                name, price = values.pop("name"), values.pop("price")
                return programs.create_program(session, actor, name, price, **values).id
            return programs.update_program(
                session, actor, program.id, expected_version=program.version, **values
            ).id

        return write
