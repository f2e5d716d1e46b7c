"""Run Alembic from the app, and tell how the database's schema compares with this app's."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.pool import StaticPool

from portal_desktop.db.engine import check_connection, describe
from portal_desktop.errors import SchemaMismatchError, SchemaOutdatedError, SchemaTooNewError
from portal_desktop.package_data import shipped_folder


class SchemaState(enum.Enum):
    EMPTY = "empty"  # no schema yet: a new database
    OUTDATED = "outdated"  # older revision: upgrade it
    CURRENT = "current"
    TOO_NEW = "too_new"  # written by a newer version of the app


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    database_revision: str | None
    app_revision: str


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(shipped_folder("migrations")))
    return config


def app_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head


def schema_status(engine: Engine) -> SchemaStatus:
    """Compare the database's Alembic revision with this app's newest one."""
    check_connection(engine)
    script = ScriptDirectory.from_config(alembic_config())
    head = app_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        state = SchemaState.EMPTY
    elif current == head:
        state = SchemaState.CURRENT
    elif _known(script, current):
        state = SchemaState.OUTDATED
    else:
        state = SchemaState.TOO_NEW
    return SchemaStatus(state, current, head)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown revision
        return False


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    """Bring the schema up to this app's revision; refuse a database from a newer app."""
    status = schema_status(engine)
    if status.state is SchemaState.TOO_NEW:
        raise SchemaTooNewError(
            f"{describe(engine.url)} has schema revision {status.database_revision}, written by "
            f"a newer version of Portal (this one knows up to {status.app_revision}). "
            "Update the app, then try again."
        )
    if status.state is not SchemaState.CURRENT:
        _require_stamp_matches_tables(engine, status.database_revision)
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    return schema_status(engine)


def tables_by_revision() -> list[tuple[str, set[str]]]:
    """(revision, the tables it creates) in order, as found by running every
    migration on an in-memory SQLite database (a quarter of a second)."""
    script = ScriptDirectory.from_config(alembic_config())
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    config = alembic_config()
    found: list[tuple[str, set[str]]] = []
    seen = {"alembic_version"}
    try:
        with scratch.begin() as conn:
            config.attributes["connection"] = conn
            for step in reversed(list(script.iterate_revisions("head", "base"))):
                command.upgrade(config, step.revision)
                tables = set(inspect(conn).get_table_names())
                found.append((step.revision, tables - seen))
                seen |= tables
    finally:
        scratch.dispose()
    return found


def _require_stamp_matches_tables(engine: Engine, stamp: str | None) -> None:
    """Refuse, before changing anything, to upgrade a database that already holds tables the
    migrations after its stamp would create (Alembic would stop at "table … already exists",
    and SQLite would keep the DDL run before that)."""
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names()) - {"alembic_version"}
    if not present:
        return
    steps = tables_by_revision()
    done = [revision for revision, _ in steps]
    pending = steps[done.index(stamp) + 1 :] if stamp in done else steps
    for revision, creates in pending:
        clash = sorted(creates & present)
        if clash:
            names = ", ".join(clash[:3]) + (f" and {len(clash) - 3} more" if len(clash) > 3 else "")
            says = f"revision {stamp}" if stamp else "no revision (a new database)"
            raise SchemaMismatchError(
                f"{describe(engine.url)}: its revision stamp says {says}, but it already has "
                f"{names}, which revision {revision} creates: the stamp "
                "does not match the tables. Nothing was changed. Restore the database from a "
                "backup, or set its stamp (table alembic_version) to the revision its tables "
                "are at."
            )


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def require_current(engine: Engine) -> SchemaStatus:
    """For commands that read or write data: the schema must be exactly this app's."""
    status = schema_status(engine)
    if status.state is SchemaState.TOO_NEW:
        raise SchemaTooNewError(
            f"{describe(engine.url)} was written by a newer version of Portal "
            f"(revision {status.database_revision}); update the app."
        )
    if status.state is SchemaState.EMPTY:
        raise SchemaOutdatedError(
            f"{describe(engine.url)} has no Portal schema yet (an empty database): check the "
            "path, or create the schema with `portal-desktop db upgrade --url …`."
        )
    if status.state is not SchemaState.CURRENT:
        raise SchemaOutdatedError(
            f"{describe(engine.url)} is at schema revision {status.database_revision or 'none'}"
            f", this app needs {status.app_revision}: run `portal-desktop db upgrade"
            f" --url …` first."
        )
    return status
