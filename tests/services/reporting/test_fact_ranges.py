"""Reading a range's facts by month (``fact_ranges.facts_in``, the monthly rollups of
migration 0010) gives exactly the sums read day by day, whatever the range's ends."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.models.rollups import MONTH_FACTS, measures
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.reporting.fact_ranges import facts_in, whole_months
from portal_desktop.services.reporting.kpis import kpi_report
from tests.services.rollup_world import DIMENSIONS, World, day, world_fixture  # noqa: F401

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2024, 1, 1), D(2024, 1, 31), (D(2024, 1, 1), D(2024, 1, 1))),
        (D(2024, 1, 2), D(2024, 1, 31), None),
        (D(2024, 1, 1), D(2024, 1, 30), None),
        (D(2024, 2, 1), D(2024, 2, 29), (D(2024, 2, 1), D(2024, 2, 1))),  # leap year
        (D(2023, 2, 1), D(2023, 2, 28), (D(2023, 2, 1), D(2023, 2, 1))),
        (D(2024, 1, 15), D(2024, 4, 10), (D(2024, 2, 1), D(2024, 3, 1))),
        (D(2023, 12, 31), D(2025, 1, 1), (D(2024, 1, 1), D(2024, 12, 1))),
        (D(2024, 3, 5), D(2024, 3, 5), None),
    ],
)
def test_the_whole_months_of_a_range(
    start: dt.date, end: dt.date, months: tuple[dt.date, dt.date] | None
) -> None:
    assert whole_months(start, end) == months


def _sums(session: Session, day_table: Any, start: dt.date, end: dt.date, by_month: bool) -> Any:
    rows = facts_in(day_table, start, end, by_month=by_month)
    keys = [rows.c[name] for name in DIMENSIONS[day_table.name]]
    values = [func.sum(rows.c[column.name]) for column in measures(day_table)]
    query = select(*keys, *values).group_by(*keys)
    return {tuple(row[: len(keys)]): tuple(row[len(keys) :]) for row in session.execute(query)}


EDGES = (day("2023-12-31"), day("2024-01-01"), day("2024-02-14"), day("2024-02-29"))
ENDS = (day("2024-03-01"), day("2024-03-31"), day("2024-04-02"), day("2024-12-31"))


def test_by_month_equals_by_day_for_every_kind_of_range(
    sessions: sessionmaker[Session], world: World
) -> None:
    with sessions() as session:
        kpi_report(session, SYSTEM, day("2024-01-01"), day("2024-01-01"))  # builds the facts
        monthly = sum(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in MONTH_FACTS.values()
        )
        assert monthly > 0, "the world has monthly facts"
        compared = 0
        for (start, end), day_table in itertools.product(
            itertools.product(EDGES, ENDS), MONTH_FACTS
        ):
            by_day = _sums(session, day_table, start, end, by_month=False)
            assert _sums(session, day_table, start, end, by_month=True) == by_day
            compared += bool(by_day)
        assert compared > 20, "the ranges hold facts (a weak comparison otherwise)"
