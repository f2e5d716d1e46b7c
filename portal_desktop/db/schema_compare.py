"""How Alembic compares the portal's own column types with what a database reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column

from portal_desktop.models.types import Money, UTCDateTime


def compare_type(
    ctx: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Compare Money and UTCDateTime by the type they become on this database."""
    if isinstance(metadata_type, Money | UTCDateTime):
        impl = metadata_type.load_dialect_impl(ctx.dialect)
        return bool(ctx.impl.compare_type(inspected_column, Column(metadata_column.name, impl)))
    return None  # Alembic's default comparison


MIGRATION_OPTIONS: dict[str, Any] = {
    "compare_type": compare_type,
    "compare_server_default": False,
    "user_module_prefix": "pdt.",
}
