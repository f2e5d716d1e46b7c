"""A list's rows as text, as shown on screen: one cell, or rows as tab-separated lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portal_desktop.db.paged_rows import Row
from portal_desktop.db.query_spec import ListSpec
from portal_desktop.services.common.phone import phone_text
from portal_desktop.views.formatting import Formatter


class RowText:
    """The words of a list's cells: its columns' kinds through a :class:`Formatter`."""

    def __init__(self, spec: ListSpec, formatter: Formatter) -> None:
        self.formatter = formatter
        self._kinds = [col.kind for col in spec.columns]
        self._null_texts = [col.null_text for col in spec.columns]
        # Phone columns read alike whatever shape a number was stored in.
        self._phones = {n for n, col in enumerate(spec.columns) if _is_phone(col.expr)}

    def cell(self, column: int, value: Any) -> str:
        if value is None:
            return self._null_texts[column]
        if column in self._phones:
            return phone_text(str(value))
        return self.formatter.display(self._kinds[column], value)

    def tsv(self, rows: Iterable[Row], columns: Iterable[int] | None = None) -> str:
        """One line per row, cells separated by tabs (tabs and line breaks inside a value
        become spaces)."""
        wanted = list(range(len(self._kinds)) if columns is None else columns)
        return "\n".join(
            "\t".join(_one_line(self.cell(col, row[col])) for col in wanted) for row in rows
        )


def _is_phone(expr: Any) -> bool:
    return getattr(expr, "name", "") == "phone"


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
