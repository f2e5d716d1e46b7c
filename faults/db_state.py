"""What the faults compare: every table's rows, as one fingerprint per table."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text


def fingerprint(engine: Engine) -> dict[str, str]:
    """Each table's row count and a digest of its rows (PostgreSQL): two equal fingerprints
    mean no row was added, removed or changed anywhere (rollups and audit included)."""
    names = inspect(engine).get_table_names()
    with engine.connect() as conn:
        return {
            name: conn.scalar(
                text(
                    f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' "
                    f"ORDER BY t::text)), '') FROM \"{name}\" t"
                )
            )
            for name in names
        }


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
