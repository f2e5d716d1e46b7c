"""A line edit for an amount of money: accepts "1,250", "$1,250.00", "1250.5".

The text is read with :func:`portal_desktop.services.billing.payment_plans.parse_money` once the
currency symbol, spaces and thousands separators are taken out, so a field says exactly what
the services will say about the amount. ``value()`` is the Decimal, or None while the text is
empty or not an amount; ``problem()`` says why, in words, and the field shows a red border.
"""

from __future__ import annotations

import re
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from portal_desktop.errors import ValidationError
from portal_desktop.services.common.money import MAX_CONTRACT_VALUE, parse_money

# Currency signs and codes a user may type or paste around the number.
_DECORATION = re.compile(r"^[A-Z]{2,3}\$?|[A-Z]{3}$|[\s$€£¥₹,]")


def read_money(
    text: str,
    field: str = "amount",
    *,
    allow_zero: bool = False,
    maximum: Decimal | None = MAX_CONTRACT_VALUE,
) -> Decimal:
    """The amount typed in ``text``, or a ValidationError on ``field`` saying what is wrong."""
    cleaned = _DECORATION.sub("", text.strip())
    if not cleaned:
        raise ValidationError(field, "is empty; type an amount like 1,250.00")
    return parse_money(cleaned, field, allow_zero=allow_zero, maximum=maximum)


class MoneyInput(QLineEdit):
    """An amount field; ``value_changed`` carries the new Decimal (or None) as the user types."""

    value_changed = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        field: str = "amount",
        allow_zero: bool = False,
        maximum: Decimal | None = MAX_CONTRACT_VALUE,
    ) -> None:
        super().__init__(parent)
        self.field = field
        self.allow_zero = allow_zero
        self.maximum = maximum
        self._value: Decimal | None = None
        self._problem: str | None = None
        self.setPlaceholderText("0.00")
        self.textChanged.connect(self._on_text_changed)
        self._on_text_changed(self.text())

    def value(self) -> Decimal | None:
        return self._value

    def problem(self) -> str | None:
        """Why the text is not an amount (None when it is one, or when it is empty)."""
        return self._problem

    def set_value(self, amount: Decimal | None) -> None:
        self.setText("" if amount is None else f"{amount:,.2f}")

    def _on_text_changed(self, text: str) -> None:
        value: Decimal | None = None
        problem: str | None = None
        if text.strip():
            try:
                value = read_money(
                    text, self.field, allow_zero=self.allow_zero, maximum=self.maximum
                )
            except ValidationError as error:
                problem = error.problem
        self._value, self._problem = value, problem
        self.setToolTip(problem or "")
        if self.property("invalid") != bool(problem):
            self.setProperty("invalid", bool(problem))
            self.style().unpolish(self)
            self.style().polish(self)
        self.value_changed.emit(value)
