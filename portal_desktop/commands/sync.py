"""`portal-desktop sync` and `portal-desktop conflicts`: a replica's sync for scripts and
support.

``sync --url sqlite:///FILE [--json]`` pushes the replica's changes to its server, then
pulls everyone else's; it prints the counts (``--json``: ``{"pushed", "pulled",
"conflicts"}``, conflicts = those waiting for a person afterwards). The server's password
comes from libpq (``PGPASSWORD`` or ``~/.pgpass``): the replica never stores one.
``conflicts --url sqlite:///FILE [--json]`` lists the conflicts waiting (read-only).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from portal_desktop.commands.common import add_url_option, open_current_database, read_only
from portal_desktop.errors import PortalError

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _replica(args: argparse.Namespace) -> Engine:
    """The replica of ``--url`` (refused in words when it is not one)."""
    from portal_desktop.db.engine import parse_url
    from portal_desktop.db.replica_tables import is_replica

    url = getattr(args, "url", None)
    if url is None or parse_url(url).get_backend_name() != "sqlite":
        raise PortalError(
            "--url must name a replica file: --url sqlite:///FILE "
            "(make one with `portal-desktop replica create`)"
        )
    engine = open_current_database(args)
    if not is_replica(engine):
        engine.dispose()
        raise PortalError(
            f"{url} is not a replica (it has no sync tables); "
            "make one with `portal-desktop replica create --server URL --path FILE`"
        )
    return engine


def _server_of(replica: Engine) -> Engine:
    from sqlalchemy import select

    from portal_desktop.db.engine import make_engine
    from portal_desktop.db.replica_tables import sync_state

    with replica.connect() as conn:
        url = conn.scalar(select(sync_state.c.value).where(sync_state.c.key == "server"))
    if not url:
        raise PortalError(
            "this replica does not name its server (sync_state has no 'server'); "
            "make it again with `portal-desktop replica create`"
        )
    return make_engine(url)


def _sync(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from portal_desktop.services.sync.run import sync_once
    from portal_desktop.services.sync.status import sync_status

    replica = _replica(args)
    try:
        server = _server_of(replica)
        try:
            done = sync_once(server, replica)
        finally:
            server.dispose()
        with Session(replica) as session:
            waiting = sync_status(session).conflicts  # what the status bar says
    finally:
        replica.dispose()
    counts = {"pushed": done.pushed, "pulled": done.pulled, "conflicts": waiting}
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"pushed {done.pushed}, pulled {done.pulled}, conflicts waiting {waiting}")
    return 0


@read_only
def _conflicts(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from portal_desktop.services.sync.conflicts import open_conflicts

    replica = _replica(args)
    try:
        with Session(replica) as session:
            found = [c.as_json() for c in open_conflicts(session)]
    finally:
        replica.dispose()
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
    elif not found:
        print("no conflicts waiting")
    else:
        for item in found:
            print(_line(item))
    return 0


def _line(item: dict[str, Any]) -> str:
    who = f" ({item['their_person']}, {item['their_at']})" if item["their_person"] else ""
    return (
        f"{item['id']}  {item['kind']}  {item['table_name']} {item['record_id'] or ''}{who}: "
        f"{item['message']} [choices: {', '.join(item['choices'])}]"
    )


def register(commands: Any) -> None:
    sync = commands.add_parser("sync", help="push a replica's changes, then pull the server's")
    add_url_option(sync)
    sync.add_argument("--json", action="store_true", help="print the counts as JSON")
    sync.set_defaults(handler=_sync)
    listed = commands.add_parser("conflicts", help="list a replica's conflicts waiting")
    add_url_option(listed)
    listed.add_argument("--json", action="store_true", help="print them as a JSON list")
    listed.set_defaults(handler=_conflicts)
