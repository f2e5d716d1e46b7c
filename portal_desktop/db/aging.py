"""KPIS.md's receivables in SQL expressions, for the KPI report and the lists alike.

* :data:`AGING_BUCKETS`: the overdue buckets by days past due;
* :func:`unpaid_of`: an installment's unpaid balance at an instant;
* :func:`aging_condition`: the installments of one bucket as of a day.

They sit in ``db`` (below ``services``) because the Payment-schedules list
(``db/payments_queries.py``) builds on them as ``services/reporting/kpi_money.py`` does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models import Installment

# Aging buckets: (key, fewest days past due, most days past due or None for no limit).
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("overdue_1_30", 1, 30),
    ("overdue_31_60", 31, 60),
    ("overdue_61_90", 61, 90),
    ("overdue_90_plus", 91, None),
)
_BUCKET_DAYS = {key: (fewest, most) for key, fewest, most in AGING_BUCKETS}


def unpaid_of(
    amount: Any, paid_amount: Any, paid_at: Any, as_of_end: dt.datetime
) -> ColumnElement[Decimal]:
    """KPIS.md's unpaid balance of an installment (``amount``) whose PAID payment (joined,
    maybe NULL) is ``paid_amount`` at ``paid_at``: the columns of any alias, ORM or Core."""
    paid_by = case((paid_at < as_of_end, paid_amount), else_=0)
    return case((amount > paid_by, amount - paid_by), else_=0)


def aging_condition(
    key: str, as_of: dt.date, due: ColumnElement[dt.date] = Installment.due_date
) -> ColumnElement[bool]:
    """The installments of an aging bucket as of a day: ``"not_yet_due"`` or a key of
    :data:`AGING_BUCKETS`; days past due = ``as_of - due_date``, compared as dates
    (``due``: the due-date column, the installments' own by default)."""
    if key == "not_yet_due":
        return due >= as_of
    fewest, most = _BUCKET_DAYS[key]
    aged = due <= as_of - dt.timedelta(days=fewest)
    if most is not None:
        aged = and_(aged, due >= as_of - dt.timedelta(days=most))
    return aged
