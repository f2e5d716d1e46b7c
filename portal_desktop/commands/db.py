"""`portal-desktop db upgrade|status`: create, migrate or inspect a database schema."""

from __future__ import annotations

import argparse
from typing import Any

from portal_desktop.commands.common import add_url_option, open_database, read_only


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


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="create, upgrade or inspect the database schema")
    actions = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate the schema to this app's version")
    add_url_option(upgrade)
    upgrade.set_defaults(handler=_upgrade)
    status = actions.add_parser("status", help="show the schema revision")
    add_url_option(status)
    status.set_defaults(handler=_status)
