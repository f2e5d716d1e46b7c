"""Installation settings: currency, time zone, grace days, default commission rates.

Saved all or nothing through :func:`portal_desktop.services.accounts.settings.update_settings`; a
value it refuses is shown under its field. Rates are typed as fractions (0.10 is 10 %),
as the service takes them.
"""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.services.accounts.settings import Settings, load_settings, update_settings
from portal_desktop.services.common.context import Permission
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.ops import ReadOp, WriteOp
from portal_desktop.views.tab_context import TabContext

RATE_FIELDS = ("closer_commission_rate", "setter_commission_rate")


class SettingsPanel(QWidget):
    """The settings form; ``saved`` carries the settings as stored."""

    saved = Signal(object)
    loaded = Signal(object)

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPanel")
        self.ctx = ctx
        self.current: Settings | None = None
        self.currency = QLineEdit(self)
        self.currency.setObjectName("currency")
        self.currency.setMaxLength(3)
        self.currency.setPlaceholderText("USD")
        self.time_zone = QComboBox(self)
        self.time_zone.setObjectName("timeZone")
        self.time_zone.setEditable(True)
        self.time_zone.addItems(sorted(zoneinfo.available_timezones()))
        self.grace_days = QSpinBox(self)
        self.grace_days.setObjectName("graceDays")
        self.grace_days.setRange(0, 90)
        self.grace_days.setSuffix(" days")
        self.offline_days = QSpinBox(self)
        self.offline_days.setObjectName("offlineSignInDays")
        self.offline_days.setRange(1, 90)
        self.offline_days.setSuffix(" days")
        self.rates = {name: QLineEdit(self) for name in RATE_FIELDS}
        for name, field in self.rates.items():
            field.setObjectName(name)
            field.setPlaceholderText("0.10 = 10 %")

        self.errors = FieldErrors(QLabel(self))
        self.status = QLabel(self)
        self.status.setObjectName("settingsStatus")
        form = QFormLayout()
        rows = [
            ("Currency (ISO code)", self.currency, "currency"),
            ("Time zone", self.time_zone, "time_zone"),
            ("Grace days before overdue", self.grace_days, "grace_days"),
            ("Offline sign-in valid for", self.offline_days, "offline_sign_in_days"),
            (
                "Default closer commission (0.10 = 10 %)",
                self.rates["closer_commission_rate"],
                RATE_FIELDS[0],
            ),
            (
                "Default setter commission (0.05 = 5 %)",
                self.rates["setter_commission_rate"],
                RATE_FIELDS[1],
            ),
        ]
        for label, widget, field_name in rows:
            widget.setMaximumWidth(320)
            form.addRow(label, widget)
            form.addRow("", self.errors.label_for(self, field_name))
        self.save_button = QPushButton("Save settings", self)
        self.save_button.setObjectName("saveSettings")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert", self)
        self.revert_button.clicked.connect(self.load)
        allowed = ctx.actor.can(Permission.MANAGE_SETTINGS)
        for widget in (self.save_button, self.revert_button):
            widget.setVisible(allowed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        self.errors.clear()
        ReadOp(self.ctx, load_settings, parent=self).success(self._show).failure(self._failed).run()

    def _show(self, settings: Settings) -> None:
        self.current = settings
        self.currency.setText(settings.currency)
        self.time_zone.setCurrentText(settings.time_zone)
        self.grace_days.setValue(settings.grace_days)
        self.offline_days.setValue(settings.offline_sign_in_days)
        self.rates["closer_commission_rate"].setText(str(settings.closer_commission_rate))
        self.rates["setter_commission_rate"].setText(str(settings.setter_commission_rate))
        self.loaded.emit(settings)

    def values(self) -> dict[str, object]:
        return {
            "currency": self.currency.text(),
            "time_zone": self.time_zone.currentText().strip(),
            "grace_days": self.grace_days.value(),
            "offline_sign_in_days": self.offline_days.value(),
            **{name: field.text().strip() for name, field in self.rates.items()},
        }

    def save(self) -> None:
        self.errors.clear()
        self.status.clear()
        self.save_button.setEnabled(False)
        actor, values = self.ctx.actor, self.values()

        def write(session: Session) -> Settings:
            return update_settings(session, actor, **values)

        WriteOp(self.ctx, write, parent=self).success(self._saved).failure(self._failed).run()

    def _saved(self, settings: Settings) -> None:
        self.save_button.setEnabled(True)
        self._show(settings)
        self.status.setText("Saved.")  # the write op then tells every screen
        self.saved.emit(settings)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
