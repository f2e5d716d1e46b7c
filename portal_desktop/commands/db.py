"""`portal-desktop db upgrade|status|init`: create, migrate or inspect a database schema;
set up a shared PostgreSQL database with its first administrator."""

from __future__ import annotations

import argparse
from typing import Any

from portal_desktop.commands.common import (
    add_url_option,
    open_database,
    read_only,
    read_password,
)
from portal_desktop.errors import PortalError


def _upgrade(args: argparse.Namespace) -> int:
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import describe

    engine = open_database(args)
    try:
        before = migrate.schema_status(engine).database_revision
        status = migrate.upgrade(engine)
    finally:
        engine.dispose()
    where = describe(engine.url)
    if before == status.database_revision:
        print(f"{where}: schema already at revision {status.database_revision}")
    else:
        print(f"{where}: schema upgraded {before or 'empty'} → {status.database_revision}")
    return 0


@read_only
def _status(args: argparse.Namespace) -> int:
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import describe

    engine = open_database(args, must_exist=True)
    try:
        status = migrate.schema_status(engine)
    finally:
        engine.dispose()
    print(
        f"{describe(engine.url)}: {status.state.value} (database revision "
        f"{status.database_revision or 'none'}, app revision {status.app_revision})"
    )
    return 0


def _init(args: argparse.Namespace) -> int:
    """As the schema owner: group roles, schema, grants (the migrations), and the first
    administrator's login and users row (or a login for an existing users row: upgrade)."""
    from sqlalchemy import select

    from portal_desktop.db import migrate
    from portal_desktop.db.engine import describe, session_factory
    from portal_desktop.models import User
    from portal_desktop.services.accounts.pg_users import owner_actor
    from portal_desktop.services.accounts.users import create_user, link_login

    engine = open_database(args)
    try:
        if engine.dialect.name != "postgresql":
            raise PortalError(
                "db init sets up a shared PostgreSQL database; the local file needs none "
                "(the app creates it): give --url postgresql://OWNER@HOST/DATABASE"
            )
        password = read_password(args.password_stdin, f"First password for {args.admin}: ")
        status = migrate.upgrade(engine)
        with session_factory(engine)() as session:
            actor = owner_actor(session)
            if actor is None:
                raise PortalError(
                    "db init must run as the schema owner (the role that owns the tables); "
                    "use the owner's URL"
                )
            name = args.admin.strip().lower()
            existing = session.scalar(select(User.id).where(User.username == name))
            if existing is None:
                create_user(session, actor, name, password, "ADMIN")
            else:
                link_login(session, actor, existing, password)
    finally:
        engine.dispose()
    print(
        f"{describe(engine.url)}: schema at revision {status.database_revision}; "
        f"{name} signs in as an administrator (the first password must be changed)."
    )
    return 0


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="create, upgrade or inspect the database schema")
    actions = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate the schema to this app's version")
    add_url_option(upgrade)
    upgrade.set_defaults(handler=_upgrade)
    status = actions.add_parser("status", help="show the schema revision")
    add_url_option(status)
    status.set_defaults(handler=_status)
    init = actions.add_parser(
        "init", help="set up a shared PostgreSQL database and its first administrator"
    )
    add_url_option(init)
    init.add_argument("--admin", required=True, metavar="USERNAME", help="first administrator")
    init.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    init.set_defaults(handler=_init)
