"""Small SQL building blocks the KPI queries share: conditional aggregates that keep types.

Sums of money keep the ``Money`` type (so SQLite's integer cents come back as Decimal) and
are never NULL; counts are integers and never NULL; a ratio with a zero denominator is None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    and_,
    case,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models.types import CENT, Money

Bounds = tuple[dt.datetime, dt.datetime]
"""A half-open UTC interval ``[start, end)`` for timestamp columns."""

ZERO = Decimal("0.00")
RATIO_DECIMALS = 4


def consistent_reads(session: Session) -> None:
    """Make a report's queries read one snapshot, so their figures agree while others write.

    PostgreSQL: the transaction about to begin is REPEATABLE READ. Nothing to do when the
    session is already in a transaction (a use case inside another) or on SQLite.
    """
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def in_bounds(column: ColumnElement[Any], bounds: Bounds) -> ColumnElement[bool]:
    """``start <= column < end``: index-friendly and portable."""
    return and_(column >= bounds[0], column < bounds[1])


def in_dates(column: ColumnElement[Any], start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """``start <= column <= end`` for a DATE column (both days included)."""
    return and_(column >= start, column <= end)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition`` (0, never NULL, when there are none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0, type_=Integer())


def int_sum(column: ColumnElement[int]) -> ColumnElement[int]:
    """``SUM(column)`` of a count, 0 rather than NULL over no rows."""
    return func.coalesce(func.sum(column), 0, type_=Integer())


def money_sum(amount: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    """``SUM(amount)`` as Money, 0.00 rather than NULL over no rows."""
    return func.coalesce(func.sum(amount), 0, type_=Money())


def money_sum_if(
    condition: ColumnElement[bool], amount: ColumnElement[Decimal]
) -> ColumnElement[Decimal]:
    """The sum of ``amount`` over the rows meeting ``condition``, as Money."""
    return money_sum(case((condition, amount), else_=0))


def money_text(amount: Decimal) -> str:
    """``1234.5`` → ``"1234.50"`` (half-up to the cent), as KPIS.md's JSON writes money."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def optional_money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else money_text(amount)


def ratio_number(value: Decimal | None) -> float | None:
    """A ratio as KPIS.md's JSON writes it: a float rounded to 4 decimals, or None."""
    return None if value is None else round(float(value), RATIO_DECIMALS)


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """``numerator / denominator`` exactly (Decimal), or None when the denominator is 0."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


class Credit(StrEnum):
    """The capacity in which a team member is credited: closer (host) or setter."""

    CLOSER = "closer"
    SETTER = "setter"


def by_member(
    columns: list[ColumnElement[Any]],
    closer: ColumnElement[Any],
    setter: ColumnElement[Any],
    build: Callable[[Select[Any]], Select[Any]],
) -> CompoundSelect:
    """The same aggregates grouped per member, once as closer and once as setter.

    ``build`` adds the FROM/JOIN/WHERE shared by both halves. Rows: ``member_id``, ``credit``
    (a :class:`Credit` value) and the labeled ``columns``.
    """

    def half(member: ColumnElement[Any], credit: Credit) -> Select[Any]:
        query = select(
            member.label("member_id"), literal_column(f"'{credit.value}'").label("credit"), *columns
        )
        return build(query).where(member.is_not(None)).group_by(member)

    return union_all(half(closer, Credit.CLOSER), half(setter, Credit.SETTER))
