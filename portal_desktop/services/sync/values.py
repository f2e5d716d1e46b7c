"""Record values between a replica's stored form and Python.

The outbox holds rows as SQLite stores them (hex UUIDs, money in cents, naive UTC text):
``to_python`` turns them into the values any database takes through SQLAlchemy, ``to_stored``
turns a server row into the same stored form, so that "did this field change?" is a plain
comparison of equal things.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite

from portal_desktop.models import Base

_SQLITE = sqlite.dialect()


def table_of(name: str) -> Table:
    return Base.metadata.tables[name]


@cache
def _readers(name: str) -> dict[str, Callable[[Any], Any] | None]:
    table = table_of(name)
    return {
        c.name: c.type.dialect_impl(_SQLITE).result_processor(_SQLITE, None) for c in table.columns
    }


@cache
def _writers(name: str) -> dict[str, Callable[[Any], Any] | None]:
    table = table_of(name)
    return {c.name: c.type.dialect_impl(_SQLITE).bind_processor(_SQLITE) for c in table.columns}


def to_python(name: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored (SQLite) values of a row of table ``name`` as Python values."""
    return _converted(_readers(name), stored)


def to_stored(name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Python values of a row of table ``name`` in the replica's stored form."""
    return _converted(_writers(name), values)


def _converted(
    processors: Mapping[str, Callable[[Any], Any] | None], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Each value through its column's processor (None stays None; unknown keys go)."""
    found: dict[str, Any] = {}
    for key, value in values.items():
        if key in processors:
            process = processors[key]
            found[key] = value if value is None or process is None else process(value)
    return found
