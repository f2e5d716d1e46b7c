"""Column sizing: figures keep their width, the widest text gives way first, never below its
minimum, and a view too narrow even for the minimums scrolls with nothing cut short."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from portal_desktop.db.query_spec import ColumnKind as K
from portal_desktop.views.column_widths import Column, ColumnFit
from portal_desktop.views.formatting import Formatter

COLUMNS = (
    Column("Name", K.TEXT, 14),
    Column("Email", K.TEXT, 30),
    Column("Phone", K.TEXT, 15),
    Column("Amount", K.MONEY, 8),
    Column("Due", K.DATE, 8),
)


def _fit(qapp: QApplication) -> ColumnFit:
    metrics = QFontMetrics(QApplication.font())
    fit = ColumnFit(COLUMNS, Formatter(), metrics, metrics)
    fit.see(3, "$1,234,567.89")  # wider than the sample: the column grows to it
    return fit


def test_figures_keep_their_width_and_the_widest_text_gives_way_first(qapp) -> None:
    fit = _fit(qapp)
    natural = list(fit.natural)
    narrow = sum(natural) - (natural[1] - natural[2]) // 2  # less than email minus phone
    widths = fit.widths(narrow)
    assert sum(widths) == narrow
    assert widths[3:] == natural[3:]  # money and dates: whole
    assert widths[1] < natural[1]  # the email gave way…
    assert widths[2] == natural[2]  # …before the shorter phone number
    assert all(w >= m for w, m in zip(widths, fit.minimum, strict=True))


def test_a_wide_view_shares_its_spare_width_and_fills_it(qapp) -> None:
    fit = _fit(qapp)
    wide = sum(fit.natural) + 301
    widths = fit.widths(wide)
    assert sum(widths) == wide
    assert all(w >= n for w, n in zip(widths, fit.natural, strict=True))


def test_too_narrow_for_the_minimums_scrolls_with_every_column_whole(qapp) -> None:
    fit = _fit(qapp)
    assert fit.widths(sum(fit.minimum) - 1) == fit.natural


def test_a_two_line_title_needs_the_width_of_its_longest_line(qapp) -> None:
    metrics = QFontMetrics(QApplication.font())
    one = ColumnFit([Column("Reported closes", K.NUMBER, 1)], Formatter(), metrics, metrics)
    two = ColumnFit([Column("Reported\ncloses", K.NUMBER, 1)], Formatter(), metrics, metrics)
    assert two.natural[0] < one.natural[0]


def test_a_whole_text_column_keeps_its_width(qapp) -> None:
    metrics = QFontMetrics(QApplication.font())
    fit = ColumnFit(COLUMNS, Formatter(), metrics, metrics, whole={2})
    widths = fit.widths(sum(fit.minimum))
    assert widths[2] == fit.natural[2]  # the phone number
    assert widths[1] < fit.natural[1]
