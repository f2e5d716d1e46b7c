"""The migrations build exactly the models' schema, on both databases, and can go back."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine
from portal_desktop.db.list_queries import is_search_index_object
from portal_desktop.db.schema_compare import MIGRATION_OPTIONS
from portal_desktop.db.sync_log import SERVER_TABLES
from portal_desktop.errors import SchemaOutdatedError, SchemaTooNewError
from portal_desktop.models import Base
from portal_desktop.models.rollups import MONTH_FACTS, measures
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.services.seeding import seed_database
from tests.services.rollup_world import by_month, stored_facts

EXPRESSION_INDEXES = {"uq_leads_email_lower", "uq_students_email_lower"}


def _differences(engine) -> list:
    with engine.connect() as conn, warnings.catch_warnings():
        # Alembic cannot reflect expression indexes; they are checked by name below.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        ctx = MigrationContext.configure(
            conn,
            opts={
                "target_metadata": Base.metadata,
                "render_as_batch": conn.dialect.name == "sqlite",
                **MIGRATION_OPTIONS,
            },
        )
        diffs = compare_metadata(ctx, Base.metadata)
    # On PostgreSQL Alembic reflects the expression indexes but may not match them to the
    # metadata's; they are checked by name in test_expression_indexes_exist.
    return [d for d in diffs if not _is_expression_index(d)]


def _is_expression_index(diff) -> bool:
    return diff[0] in ("add_index", "remove_index") and diff[1].name in EXPRESSION_INDEXES


def test_upgrade_matches_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    status = migrate.upgrade(engine)
    assert status.state is migrate.SchemaState.CURRENT
    assert _differences(engine) == []
    tables = {t for t in inspect(engine).get_table_names() if not is_search_index_object(t)} - {
        "alembic_version"
    }
    server_only = SERVER_TABLES if engine.dialect.name == "postgresql" else frozenset()
    assert tables == set(Base.metadata.tables) | server_only
    engine.dispose()


def test_expression_indexes_exist(engine) -> None:
    if engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    with engine.connect() as conn:
        names = set(conn.exec_driver_sql(query).scalars())
    assert names >= EXPRESSION_INDEXES
    assert "uq_payments_installment_id_paid" in names


def test_downgrade_to_base_and_up_again(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrate.schema_status(engine).state is migrate.SchemaState.EMPTY
    migrate.upgrade(engine)
    assert _differences(engine) == []
    engine.dispose()


def test_newer_schema_is_refused_and_left_alone(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    with pytest.raises(SchemaTooNewError, match="newer version"):
        migrate.upgrade(engine)
    with pytest.raises(SchemaTooNewError):
        migrate.require_current(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == (
            "ffff_from_the_future"
        )


def test_empty_database_must_be_upgraded_before_use(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with pytest.raises(SchemaOutdatedError, match="db upgrade"):
        migrate.require_current(engine)
    engine.dispose()


def test_comparison_notices_a_schema_drift(engine) -> None:
    """The no-difference check above can fail: a dropped index is reported."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_payments_paid_at")
    assert any(
        d[0] == "add_index" and d[1].name == "ix_payments_paid_at" for d in _differences(engine)
    )


def test_audit_log_is_append_only(engine) -> None:
    from sqlalchemy.exc import DBAPIError

    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO audit_log (id, at, username, action, entity, created_at, updated_at, "
            "version) VALUES ('0192aaaa-0000-7000-8000-000000000001', CURRENT_TIMESTAMP, 'x', "
            "'CREATE', 'users', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            if engine.dialect.name == "postgresql"
            else "INSERT INTO audit_log (id, at, username, action, entity, created_at, "
            "updated_at, version) VALUES ('0192aaaa00007000800000000000001', CURRENT_TIMESTAMP,"
            " 'x', 'CREATE', 'users', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
        )
    for statement in ("UPDATE audit_log SET username = 'y'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="audit rows cannot be"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT username FROM audit_log").scalar_one() == "x"


def test_0010_fills_the_monthly_facts_of_a_database_built_before_it(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    seed_database(engine, leads=60)
    with Session(engine) as session:
        refresh_rollups(session)
    migrate.downgrade(engine, "0009")  # as the database was before the monthly facts
    migrate.upgrade(engine)
    with Session(engine) as session:
        facts = stored_facts(session)
    for day_table, month_table in MONTH_FACTS.items():
        expected = by_month(facts[day_table.name], len(measures(day_table)))
        assert expected, f"{day_table.name}: the seed has facts"
        assert facts[month_table.name] == expected, month_table.name
    engine.dispose()
