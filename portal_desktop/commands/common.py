"""What the sub-commands share: the --url option, opening a database, read-only commands and
checking an output path before any work."""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from portal_desktop.errors import PortalError

if TYPE_CHECKING:  # SQLAlchemy is imported only when a command runs (fast app start)
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from portal_desktop.services.common.context import Actor

URL_HELP = "database URL (default: the local SQLite file); e.g. postgresql://user@host/db"

Handler = Callable[[argparse.Namespace], int]


def add_url_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: `portal-desktop --url X db upgrade` keeps the X given before the command.
    parser.add_argument("--url", default=argparse.SUPPRESS, help=URL_HELP)


def open_database(args: argparse.Namespace, *, must_exist: bool = False) -> Engine:
    """An engine on ``args.url``; read-only (see :func:`read_only`) when the command is."""
    from portal_desktop.db.engine import make_engine

    read_only = getattr(args, "read_only", False)
    return make_engine(args.url, must_exist=must_exist, read_only=read_only)


def open_current_database(args: argparse.Namespace) -> Engine:
    """An engine on a database whose schema is exactly this app's (or a PortalError).

    The schema is checked on a read-only engine first: a command refused because the file
    is not this app's database (empty, older, newer) leaves it as it was, not even its
    journal mode changed. A SQLite file is then opened again for writing unless the
    command is read-only."""
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import make_engine

    engine = make_engine(args.url, must_exist=True, read_only=True)
    try:
        migrate.require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    if getattr(args, "read_only", False) or engine.url.get_backend_name() != "sqlite":
        return engine  # make_engine opens PostgreSQL the same way either way
    engine.dispose()
    return make_engine(args.url, must_exist=True)


@contextmanager
def current_session(args: argparse.Namespace) -> Iterator[Session]:
    """A Session on the database of ``args`` (see :func:`open_current_database`), its engine
    disposed at the end."""
    from portal_desktop.db.engine import session_factory

    engine = open_current_database(args)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def command_actor(session: Session) -> Actor:
    """Whom a command acts as. The local file: the system (whoever may open the file may do
    anything with it). A shared PostgreSQL database: the role of the URL, with its rights —
    its ``users`` row (refused in words when it has none or is deactivated); the schema
    owner acts with its full rights."""
    from portal_desktop.db.pg_logins import is_shared
    from portal_desktop.services.accounts.pg_users import signed_in_actor
    from portal_desktop.services.common.context import SYSTEM

    return signed_in_actor(session) if is_shared(session) else SYSTEM


def read_password(option_given: bool, prompt: str = "Password: ") -> str:
    """A password from standard input (``--password-stdin``: its first line) or a prompt
    asked twice; never from the command line, where other users could read it."""
    import getpass
    import sys

    if option_given:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise PortalError("--password-stdin: standard input gave no password; pipe one line")
        return password
    if not sys.stdin.isatty():
        raise PortalError("no terminal to ask for the password; pass --password-stdin and pipe it")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise PortalError("the two passwords differ; run the command again")
    return first


def read_only(handler: Handler) -> Handler:
    """A command that only reads: it never creates or changes a file.

    On SQLite the file must exist and is opened so that SQLite refuses any write. Reports
    first bring the daily facts up to date (``services/reporting/rollups.py``), a write: when there
    is
    something to rebuild, the command runs again on a scratch copy of the file, in a
    temporary folder removed afterwards, so its figures are those the app would show and
    the file stays as it was. PostgreSQL has no file: the command runs as it is.
    """

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import OperationalError

        from portal_desktop.db.engine import is_write_refused, scratch_copy
        from portal_desktop.errors import StorageError

        reading = argparse.Namespace(**{**vars(args), "read_only": True})
        try:
            return handler(reading)
        except (OperationalError, StorageError) as exc:
            if not is_write_refused(exc):
                raise
        engine = open_current_database(reading)
        try:
            with scratch_copy(engine) as copy:
                url = copy.render_as_string(hide_password=False)
                return handler(argparse.Namespace(**{**vars(args), "url": url}))
        finally:
            engine.dispose()

    return run


def check_output_file(option: str, path: str) -> None:
    """Refuse, before any work, a file the command could not write: a folder, a file in a
    folder that does not exist, or where this user may not write."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise PortalError(
            f"{option} {path} is a folder; give a file name, e.g. {target / 'export.csv'}"
        )
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist; create it"
        raise PortalError(f"{option} {path}: {folder} {what}, or choose another folder")
    writable = os.access(target, os.W_OK) if target.exists() else os.access(folder, os.W_OK)
    if not writable:
        raise PortalError(
            f"{option} {path}: permission denied, this user may not write there; "
            "choose another folder"
        )
