"""The four figures of the Payment-schedules totals bar, exactly as KPIS.md defines them.

As of a local day (default today): ``due`` = KPIS.md ``receivables`` as of that day,
``overdue`` = its part past due (the four overdue buckets together), ``collected`` =
``cash_collected`` and ``collection_rate`` = ``collection_rate``, both over the 1st of that
month … that day.

They are the KPI report's own readers (``installment_totals`` and ``cash_totals``) over the
daily rollups, after :func:`rollups.fresh_snapshot` has brought those up to date: two
one-row queries over a few thousand rows, whatever the size of the business.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.common.fields import check_date
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.reporting.kpi_money import cash_totals, installment_totals
from portal_desktop.services.reporting.rollups import fresh_snapshot


@dataclass(frozen=True)
class ScheduleTotals:
    """What the totals bar shows, as of ``as_of`` (a local day)."""

    as_of: dt.date
    due: Decimal  # receivables: every unpaid balance as of the day
    overdue: Decimal  # the part of it past due
    collected: Decimal  # net cash collected from the 1st of the month to the day
    collection_rate: Decimal | None  # of the installments due in that part of the month


@use_case
def schedule_totals(session: Session, actor: Actor, today: dt.date | None = None) -> ScheduleTotals:
    """Receivables and overdue as of ``today`` (default: today in the installation's time
    zone), and the net cash and collection rate from the 1st of its month to it."""
    actor.require(Permission.VIEW_FINANCE)
    if today is not None:
        check_date(today, "today")
    fresh_snapshot(session)
    tz = load_settings(session).tz
    day = clock.today(tz) if today is None else today
    month = DateRange(day.replace(day=1), day)
    receivables, collection = installment_totals(session, month.start, month.end)
    cash, _ = cash_totals(session, month)
    return ScheduleTotals(
        as_of=day,
        due=receivables.total,
        overdue=receivables.overdue,
        collected=cash.net,
        collection_rate=collection.rate,
    )
