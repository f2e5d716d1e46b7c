"""The database the app opens: created, migrated and seeded with demo data when it is the
local file; checked to be at this app's schema otherwise. Also what the window needs from it
before it opens (whether it has users, the formatting of its settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal_desktop import __version__
from portal_desktop.errors import PortalError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from portal_desktop.services.common.context import Actor
    from portal_desktop.views.formatting import Formatter

DEMO_LEADS = 2000
DEMO_SEED = 42


def open_database(
    url: object, *, seed_demo: bool, on_seeded: Callable[[], None] | None = None
) -> Engine:
    """An engine on a local or given database whose schema is this app's, or a PortalError.

    Without a URL: the local file, created and upgraded as needed, and seeded with demo
    data on first start (no leads and no users yet) unless ``seed_demo`` is False. A
    PostgreSQL URL must already be at this app's schema (see :class:`Launcher` for the
    interactive path that offers an upgrade).
    """
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import make_engine

    local_default = url is None
    engine = make_engine(url, must_exist=not local_default)  # type: ignore[arg-type]
    try:
        if engine.url.get_backend_name() == "sqlite":
            migrate.upgrade(engine)
        else:
            migrate.require_current(engine)
        if local_default and seed_demo and is_empty(engine):
            from portal_desktop.services.seeding import seed_database

            seed_database(engine, leads=DEMO_LEADS, seed=DEMO_SEED)
            if on_seeded is not None:
                on_seeded()
    except BaseException:
        engine.dispose()
        raise
    return engine


def demo_notice() -> str:
    """How to sign in to a database just filled with demo data."""
    from portal_desktop.services.seeding import DEMO_PASSWORD

    return (
        f"Demo data loaded. Sign in as admin, sales or marketing with the password {DEMO_PASSWORD}."
    )


def is_empty(engine: Engine) -> bool:
    """No leads and no users: a database nobody has used yet."""
    from sqlalchemy import exists, select

    from portal_desktop.models import Lead, User

    with engine.connect() as conn:
        used = conn.scalar(select(exists(select(Lead.id)) | exists(select(User.id))))
    return not used


def has_users(engine: Engine) -> bool:
    from sqlalchemy import exists, select

    from portal_desktop.models import User

    with engine.connect() as conn:
        return bool(conn.scalar(select(exists(select(User.id)))))


def load_formatter(engine: Engine) -> Formatter:
    from sqlalchemy.orm import Session

    from portal_desktop.services.accounts.settings import load_settings
    from portal_desktop.views.formatting import Formatter

    with Session(engine) as session:
        settings = load_settings(session)
    # Days and times in the installation's time zone, the one every rule and KPI counts in
    # (KPIS.md): "today" on a screen is then the services' today on any machine.
    return Formatter(currency=settings.currency, tz=settings.tz)


def schema_exists(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("users")


def outdated_schema(engine: Engine) -> tuple[str | None, str] | None:
    """``(database, app)`` revisions when the database's schema is older than the app's,
    None when it is current; a PortalError (the engine disposed) when it cannot be read or
    was written by a newer app."""
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import describe

    try:
        status = migrate.schema_status(engine)
    except PortalError:
        engine.dispose()
        raise
    if status.state is migrate.SchemaState.TOO_NEW:
        engine.dispose()
        raise PortalError(
            f"{describe(engine.url)} was written by a newer version of Portal (schema "
            f"{status.database_revision}); this is version {__version__}. Update the app "
            "to open it."
        )
    if status.state is migrate.SchemaState.OUTDATED:
        return status.database_revision, status.app_revision
    return None


def sign_in(
    engine: Engine, username: str, password: str, outdated: tuple[str | None, str] | None
) -> Actor:
    """The signed-in actor; on an outdated schema only an administrator (who may upgrade it)."""
    from sqlalchemy.orm import Session

    from portal_desktop.models.enums import UserRole
    from portal_desktop.services.accounts.users import authenticate

    with Session(engine) as session:
        actor = authenticate(session, username, password)
    if outdated and actor.role is not UserRole.ADMIN:
        raise PortalError(
            f"The database's schema ({outdated[0]}) is older than this app's "
            f"({outdated[1]}). An administrator must sign in once to upgrade "
            "it; until then this version of the app cannot work with it."
        )
    return actor


def create_first_admin(engine: Engine, username: str, full_name: str, password: str) -> None:
    """The installation's first administrator (the schema set up first when there is none)."""
    from sqlalchemy.orm import Session

    from portal_desktop.db import migrate
    from portal_desktop.models.enums import UserRole
    from portal_desktop.services.accounts.users import create_user
    from portal_desktop.services.common.context import SYSTEM

    if not schema_exists(engine):
        migrate.upgrade(engine)
    with Session(engine) as session:
        create_user(
            session, SYSTEM, username, password, UserRole.ADMIN, full_name=full_name or None
        )
