"""What the sub-commands share: the --url option and opening a database."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported only when a command runs (fast app start)
    from sqlalchemy import Engine

URL_HELP = "database URL (default: the local SQLite file); e.g. postgresql://user@host/db"


def add_url_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: `portal-desktop --url X db upgrade` keeps the X given before the command.
    parser.add_argument("--url", default=argparse.SUPPRESS, help=URL_HELP)


def open_current_database(args: argparse.Namespace) -> Engine:
    """An engine on a database whose schema is exactly this app's (or a PortalError)."""
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import make_engine

    engine = make_engine(args.url, must_exist=True)
    migrate.require_current(engine)
    return engine
