"""`portal-desktop replica create --server URL --path FILE`: a copy of the shared database to
work on offline (docs/sync.md). The server's password comes from libpq (``PGPASSWORD`` or
``~/.pgpass``) or a prompt, and is never stored in the replica."""

from __future__ import annotations

import argparse
import json
from typing import Any

from portal_desktop.errors import PortalError


def _create(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy import select

    from portal_desktop.db.engine import check_connection, make_engine, parse_url
    from portal_desktop.models import User
    from portal_desktop.services.sync.snapshot import take_snapshot

    url = parse_url(args.server)
    if url.get_backend_name() != "postgresql":
        raise PortalError("--server must be the shared PostgreSQL: postgresql://login@host/db")
    login = url.username or ""
    if not login:
        raise PortalError("--server must name the login: postgresql://login@host/db")
    server = make_engine(url)
    try:
        check_connection(server)
        with server.connect() as conn:
            person = conn.scalar(select(User.id).where(User.username == login.lower()))
        replica = take_snapshot(server, Path(args.path), login=login, person_id=person)
    finally:
        server.dispose()
    with replica.connect() as conn:
        from portal_desktop.services.sync.copy_rows import tables

        rows = sum(conn.scalar(select(_count()).select_from(t)) or 0 for t in tables())
    replica.dispose()
    if args.json:
        print(json.dumps({"path": str(Path(args.path).resolve()), "rows": rows}))
    else:
        print(f"Made a replica of {login}'s view of the server at {args.path} ({rows:,} rows).")
    return 0


def _count() -> Any:
    from sqlalchemy import func

    return func.count()


def register(commands: Any) -> None:
    replica = commands.add_parser("replica", help="a copy of the shared database for offline work")
    actions = replica.add_subparsers(title="replica commands", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="copy the server into a new SQLite file")
    create.add_argument("--server", required=True, help="postgresql://login@host:5432/db")
    create.add_argument("--path", required=True, help="the new replica file")
    create.add_argument("--json", action="store_true", help="print {path, rows} as JSON")
    create.set_defaults(handler=_create)
