"""One definition of "owed" and "overdue" (KPIS.md's receivables) behind the Payment-schedules
list, its chips and totals, its export and the KPI report, on the seeded demo data and on a
small hand-built world (a cancelled enrollment, a week's dues, an overdue one)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.payments_queries import BUCKET_WORDS, NOT_OWED, Owing
from portal_desktop.services.billing.receivables import dunning_list
from portal_desktop.services.billing.schedule_totals import schedule_totals
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.exports import export_list
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.reporting.report_exports import list_spec
from portal_desktop.services.sales.enrollments import cancel_enrollment
from portal_desktop.services.seeding import seed_database
from tests.services.billing.test_schedule_totals import SEED_TODAY, enroll, pay

STATUS, OWED, DAYS_LATE = "Status", "Owed (USD)", "Days late"


def exported(session: Session, day: dt.date, path: Path) -> list[dict[str, str]]:
    """The rows of ``export payment_schedules`` as of ``day`` (the CLI's spec)."""
    export_list(session, SYSTEM, list_spec(session, "payment_schedules", day).query(), path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def owed_sum(rows: list[dict[str, str]], *statuses: Owing) -> Decimal:
    words = {status.value for status in statuses}
    return sum((Decimal(row[OWED]) for row in rows if row[STATUS] in words), Decimal("0.00"))


def chip_counts(session: Session, day: dt.date) -> dict[str, Counter[str]]:
    query = list_spec(session, "payment_schedules", day).query()
    dialect = session.get_bind().dialect.name
    counts: dict[str, Counter[str]] = {}
    for group, value, count in session.execute(query.group_counts_statement(dialect)):
        counts.setdefault(group, Counter())[value] = count
    return counts


def test_the_export_adds_up_to_the_kpi_report_on_the_demo_data(
    engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seed_database(engine, leads=300, today=SEED_TODAY)
    with sessions() as session:
        for day in (SEED_TODAY, dt.date(2025, 2, 28)):
            rows = exported(session, day, tmp_path / f"{day}.csv")
            report = kpi_report(session, SYSTEM, day.replace(day=1), day)
            assert owed_sum(rows, Owing.PENDING, Owing.OVERDUE) == report.receivables > 0
            overdue = [row for row in rows if row[STATUS] == Owing.OVERDUE.value]
            for key, word in BUCKET_WORDS.items():
                in_bucket = [row for row in overdue if row[DAYS_LATE] == word]
                assert owed_sum(in_bucket, Owing.OVERDUE) == getattr(report, key), (day, key)
            # Rows not owed carry nothing owed; the demo data has cancelled enrollments.
            not_owed = [row for row in rows if row[STATUS] == Owing.NOT_OWED.value]
            assert not_owed and owed_sum(rows, Owing.NOT_OWED, Owing.PAID) == 0
            totals = schedule_totals(session, SYSTEM, day)
            assert (totals.due, totals.overdue) == (
                report.receivables,
                owed_sum(rows, Owing.OVERDUE),
            )

            # The chips count the list's rows: "overdue" = the OVERDUE rows, and so on.
            chips = chip_counts(session, day)
            statuses = Counter(row[STATUS] for row in rows)
            when = chips["when"]
            assert sum(when.values()) == len(rows)
            assert when["overdue"] == statuses[Owing.OVERDUE.value]
            assert when["paid"] == statuses[Owing.PAID.value]
            assert when[NOT_OWED] == statuses[Owing.NOT_OWED.value]
            assert when["due this week"] + when["later"] == statuses[Owing.PENDING.value]
            days_late = Counter(row[DAYS_LATE] for row in rows)
            assert chips["bucket"] == days_late


DAY = dt.date(2024, 3, 20)  # a Wednesday; the week ends on Sunday the 24th


@pytest.fixture
def week(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Active: due Mar 10 (overdue), Mar 22 (this week), Apr 10 (later), one paid.
    Cancelled: the same dues, never paid."""
    with sessions() as session:
        active = enroll(session, dt.date(2024, 2, 10), dt.date(2024, 2, 10), 5, "500.00")
        pay(session, active[0], dt.date(2024, 2, 10))
        cancelled = enroll(session, dt.date(2024, 2, 10), dt.date(2024, 2, 10), 5, "500.00")
        cancel_enrollment(session, SYSTEM, cancelled[0].enrollment_id, "refund request")
        session.commit()
    return sessions


def test_due_this_week_is_owed_and_due_from_today_to_sunday(week, tmp_path: Path) -> None:
    with week() as session:
        rows = exported(session, DAY, tmp_path / "week.csv")
        chips = chip_counts(session, DAY)["when"]
    # Active: Feb 10 paid; Mar 10 overdue; Apr 10, May 10, Jun 10 later. Nothing due Mar
    # 20-24, so "due this week" is empty (it used to count the overdue and cancelled ones).
    assert chips == Counter({"paid": 1, "overdue": 1, "later": 3, NOT_OWED: 5})
    cancelled = [row for row in rows if row[STATUS] == Owing.NOT_OWED.value]
    assert len(cancelled) == 5 and all(Decimal(row[OWED]) == 0 for row in cancelled)
    assert all(row[DAYS_LATE] == "not late" for row in cancelled)


def test_a_due_date_this_week_counts_as_due_this_week(sessions, tmp_path: Path) -> None:
    with sessions() as session:
        enroll(session, dt.date(2024, 3, 1), dt.date(2024, 3, 22), 2, "200.00")
        session.commit()
        chips = chip_counts(session, DAY)["when"]
    assert chips == Counter({"due this week": 1, "later": 1})


def test_the_dunning_list_leaves_cancelled_enrollments_out(week) -> None:
    with week() as session:
        rows = dunning_list(session, SYSTEM, DAY)
    assert [(row.due_date, row.amount_due) for row in rows] == [
        (dt.date(2024, 3, 10), Decimal("100.00"))
    ]
