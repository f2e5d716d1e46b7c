"""A lead's stage: its status until a student points at it (``students.lead_id``), then
CONVERTED. The Pipeline's board has a column per stage and its list a chip per stage: the
chip group :data:`STAGES` of the PIPELINE list spec, so the chips, their counts and the
board's column totals have one definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, case, exists, or_, select, type_coerce

from portal_desktop.db.query_spec import ChipGroup
from portal_desktop.db.tables import leads, students
from portal_desktop.models.enums import LeadStatus

CONVERTED = "CONVERTED"
# The board's columns, left to right: the statuses, then the leads that became students.
BOARD_COLUMNS: tuple[str, ...] = (*(status.value for status in LeadStatus), CONVERTED)

_has_student = exists().where(students.c.lead_id == leads.c.id)

# Grouped by for the counts, in one pass: the converted leads are read once, not per lead.
STAGE: ColumnElement[str] = case(
    (leads.c.id.in_(select(students.c.lead_id).where(students.c.lead_id.is_not(None))), CONVERTED),
    else_=type_coerce(leads.c.status, String),
)


def status_condition(stage: str) -> ColumnElement[bool]:
    """The leads of one stage: a status (not yet converted) or CONVERTED."""
    if stage == CONVERTED:
        return _has_student
    return (leads.c.status == LeadStatus(stage).value) & ~_has_student


class StageChips(ChipGroup):
    """Counted by :data:`STAGE`; a chosen chip keeps the same leads through
    :func:`status_condition`, which the (status, created_at) index serves."""

    def condition(
        self, chosen: Iterable[Any], now: dt.datetime | None = None
    ) -> ColumnElement[bool]:
        return or_(*(status_condition(str(key).upper()) for key in chosen))


STAGES = StageChips("stage", "Stage", STAGE, is_enum=True)
