"""How Alembic compares the portal's own column types with what a database reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column

from portal_desktop.db.list_queries import is_search_index_object
from portal_desktop.db.sync_log import SERVER_TABLES
from portal_desktop.models.types import Money, UTCDateTime

SYNC_LOG_OBJECTS = SERVER_TABLES | {"ix_sync_log_xid"}


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


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave the search machinery of migration 0002 (FTS5 tables, trigram indexes) and the
    change log of migration 0008 out of comparisons: they are not in the models, and
    autogenerate must not drop them."""
    if type_ in ("table", "index") and name in SYNC_LOG_OBJECTS:
        return False
    return not (type_ in ("table", "index") and name is not None and is_search_index_object(name))


MIGRATION_OPTIONS: dict[str, Any] = {
    "include_name": include_name,
    "compare_type": compare_type,
    "compare_server_default": False,
    "user_module_prefix": "pdt.",
}
