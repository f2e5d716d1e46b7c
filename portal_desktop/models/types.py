"""Column types that behave the same on PostgreSQL and SQLite.

* ``Money``: ``NUMERIC(12,2)`` on PostgreSQL; on SQLite an INTEGER number of cents, so that
  ``SUM()`` stays exact there too (SQLite's NUMERIC affinity would store a float).
  Python always sees :class:`decimal.Decimal` with two places.
* ``UTCDateTime``: ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL; on SQLite a naive UTC
  timestamp. Python always sees a timezone-aware UTC ``datetime``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator, TypeEngine

CENT = Decimal("0.01")
MONEY_PRECISION = 12
MONEY_SCALE = 2


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize a value to cents. Floats are refused: they are never exact."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Money(TypeDecorator[Decimal]):
    """An exact amount of the installation's currency."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[Decimal]):  # type: ignore[name-defined]
        """Keep ``Money`` as the type of ``a + b`` and ``a - b`` so results convert back."""

        def _adapt_expression(self, op: Any, other_comparator: Any) -> Any:
            if op in (operators.add, operators.sub) and isinstance(other_comparator.type, Money):
                return op, self.type
            return super()._adapt_expression(op, other_comparator)

    comparator_factory = Comparator

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = to_money(value)
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return to_money(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A point in time, always timezone-aware UTC in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime (UTC)")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text, e.g. from an aggregate
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
