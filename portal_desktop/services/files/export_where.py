"""The command line's ``--where`` filters of an export: ``COLUMN OP VALUE`` with OP one of
``= != < <= > >= ~`` (``~``: contains, any case) on a list column's title; the value is
converted by the column's kind and bound as a parameter, never pasted into SQL.

A list's chip group may be named too (``stage=qualified``): it filters as the screen's chip
does. On the Pipeline ``status`` is the stored status (a lead that became a student stays
QUALIFIED) while ``stage`` is what its chips and board show (Converted is a stage of its own).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, func

from portal_desktop.db.query_spec import ChipGroup, ChipKind, ColumnKind, ListColumn, ListSpec
from portal_desktop.errors import ValidationError
from portal_desktop.services.common.date_ranges import local_midnight_utc

K = ColumnKind
# --where numbers: finite and below this either way (what NUMERIC(12,2) and cents fit).
MAX_WHERE_NUMBER = Decimal(10) ** 15
_WHERE = re.compile(r"^\s*(?P<column>[^=!<>~]+?)\s*(?P<op>>=|<=|!=|=|<|>|~)\s*(?P<value>.*?)\s*$")


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def parse_where(spec: ListSpec, text: str, tz: Any) -> ColumnElement[bool]:
    """One filter from ``COLUMN OP VALUE``, e.g. ``status=NEW``, ``created>=2025-03-01``.

    A value the column cannot hold (a status not among the statuses, NaN, a number too large
    for the database, a date past year 9999) is a ValidationError naming the column, the value
    and what the column accepts."""
    match = _WHERE.match(text)
    if match is None:
        raise ValidationError(
            "--where", f"'{text}' is not COLUMN OP VALUE (OP: = != < <= > >= ~), e.g. status=NEW"
        )
    wanted = _key(match["column"])
    columns = {_key(column.title): column for column in spec.columns}
    column = columns.get(wanted)
    chips = {_key(group.key): group for group in spec.chips if _key(group.key) not in columns}
    if column is None and wanted in chips:
        return _chip_condition(chips[wanted], match["op"], match["value"])
    if column is None:
        names = ", ".join([*(_key(c.title) for c in spec.columns), *chips])
        raise ValidationError(
            "--where", f"{spec.name} has no column '{match['column']}'; use {names}"
        )
    op, raw = match["op"], match["value"]
    expr = column.expr
    if raw == "" and op in ("=", "!="):
        return expr.is_(None) if op == "=" else expr.is_not(None)
    if op == "~":
        return func.coalesce(expr, "").icontains(raw, autoescape=True)
    if column.kind is K.DATETIME:
        return _datetime_condition(wanted, expr, op, raw, tz)
    value = _value(wanted, column, raw)
    if column.kind is K.TEXT and op in ("=", "!="):
        equal = func.lower(expr) == raw.lower()
        return equal if op == "=" else ~equal | expr.is_(None)
    return _compare(expr, op, value)


def _chip_condition(group: ChipGroup, op: str, raw: str) -> ColumnElement[bool]:
    """``stage=qualified``: the rows of one of the list's chips, by the chip's own condition,
    so the command line and the screen's chip count the same rows (the Pipeline's stage
    chips leave converted leads out of Qualified; ``status=QUALIFIED`` keeps them)."""
    if op not in ("=", "!=") or group.kind is not ChipKind.VALUES:
        raise ValidationError("--where", f"{group.key} takes = or != and one value")
    value = raw.upper() if group.is_enum else raw
    try:
        condition = group.condition([value])
    except ValueError:
        raise ValidationError("--where", f"'{raw}' is not a {group.title.lower()}") from None
    return condition if op == "=" else ~condition


def _compare(expr: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    comparisons = {
        "=": expr == value,
        "!=": expr != value,
        "<": expr < value,
        "<=": expr <= value,
        ">": expr > value,
        ">=": expr >= value,
    }
    return comparisons[op]


def _value(name: str, column: ListColumn, raw: str) -> Any:
    """``raw`` as a value of ``column`` (called ``name`` on the command line)."""
    kind = column.kind
    if kind in (K.MONEY, K.NUMBER, K.PERCENT):
        return _number(name, raw)
    if kind is K.DATE:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError(
                "--where", f"{name}: '{raw}' is not a date like 2025-03-01"
            ) from None
    if kind is K.BOOL:
        word = raw.lower()
        if word not in ("yes", "no", "true", "false", "1", "0"):
            raise ValidationError("--where", f"{name}: '{raw}' is not yes or no")
        return word in ("yes", "true", "1")
    if kind is K.ENUM:
        words: Sequence[str] = getattr(column.expr.type, "enums", ())
        if words and raw.upper() not in words:
            raise ValidationError("--where", f"{name}: '{raw}' is not one of {', '.join(words)}")
        return raw.upper()
    return raw


def _number(name: str, raw: str) -> Decimal:
    """A finite number the databases can compare (NaN, Infinity and 1e999999 are refused)."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= MAX_WHERE_NUMBER:
        raise ValidationError(
            "--where",
            f"{name}: '{raw}' is not a number like 1234.50 "
            f"(finite, at most {len(str(MAX_WHERE_NUMBER)) - 1} digits before the point)",
        )
    return value


def _datetime_condition(
    name: str, expr: ColumnElement[Any], op: str, raw: str, tz: Any
) -> ColumnElement[bool]:
    """A date compares with whole local days; a date and time with that moment."""
    try:
        if len(raw) <= 10:
            day = dt.date.fromisoformat(raw)
            start = local_midnight_utc(day, tz)
            end = local_midnight_utc(day + dt.timedelta(days=1), tz)
            by_day = {
                "=": (expr >= start) & (expr < end),
                "!=": (expr < start) | (expr >= end),
                "<": expr < start,
                "<=": expr < end,
                ">": expr >= end,
                ">=": expr >= start,
            }
            return by_day[op]
        moment = dt.datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        return _compare(expr, op, moment.astimezone(dt.UTC))
    except ValueError:
        raise ValidationError(
            "--where",
            f"{name}: '{raw}' is not a date like 2025-03-01 or a time like 2025-03-01T14:30",
        ) from None
    except OverflowError:
        raise ValidationError(
            "--where", f"{name}: '{raw}' is out of range; use a year from 0002 to 9998"
        ) from None
