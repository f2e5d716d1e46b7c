"""The money field reads as the services do: any text is an amount or a reason, never a crash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal_desktop.views.money_input import MoneyInput


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1e400", "maximum"),
        ("$1e999999999", "maximum"),
        ("NaN", "not an amount"),
        ("-Infinity", "not an amount"),
        ("1e-400", "more than two decimals"),
        ("12.345", "more than two decimals"),
    ],
)
def test_bad_text_shows_the_reason_and_gives_no_value(qtbot, text: str, words: str) -> None:
    field = MoneyInput(maximum=None)
    qtbot.addWidget(field)
    field.setText(text)
    assert field.value() is None
    assert words in (field.problem() or "")
    assert field.property("invalid") is True


def test_a_good_amount_with_a_currency_sign(qtbot) -> None:
    field = MoneyInput()
    qtbot.addWidget(field)
    field.setText("$1,250.5")
    assert field.value() == Decimal("1250.50")
    assert field.problem() is None
