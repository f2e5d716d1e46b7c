"""Declarative base: naming convention, type map and the columns every table has."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, MetaData, Uuid, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from uuid6 import uuid7

from portal_desktop import clock
from portal_desktop.models.types import Money, UTCDateTime

# Stable constraint names, so Alembic revisions name things the same on every database.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ENUM_LENGTH = 20


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7, made on the client so offline machines never collide."""
    return uuid7()


def enum_type(enum_cls: type[StrEnum], name: str) -> Enum:
    """A string column limited to the enum's words by a CHECK constraint (no native enum)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=ENUM_LENGTH,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: Money(),
        dt.datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
    }


class Entity(Base):
    """A table with a client-made UUIDv7 key, timestamps and an optimistic-lock version."""

    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-100)
    created_at: Mapped[dt.datetime] = mapped_column(
        default=clock.now, server_default=func.current_timestamp(), sort_order=100
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=clock.now,
        onupdate=clock.now,
        server_default=func.current_timestamp(),
        sort_order=101,
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1", sort_order=102)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - SQLAlchemy directive
        return {"version_id_col": cls.__table__.c.version}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"
