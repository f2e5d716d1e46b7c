"""Run Alembic from the app, and tell how the database's schema compares with this app's."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from portal_desktop.db.engine import check_connection, describe
from portal_desktop.errors import SchemaOutdatedError, SchemaTooNewError

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


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
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
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
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    return schema_status(engine)


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
    if status.state is not SchemaState.CURRENT:
        raise SchemaOutdatedError(
            f"{describe(engine.url)} is at schema revision {status.database_revision or 'none'}"
            f", this app needs {status.app_revision}: run `portal-desktop db upgrade"
            f" --url …` first."
        )
    return status
