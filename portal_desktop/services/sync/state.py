"""What a replica knows of its server (the ``sync_state`` table), read and written."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.engine import URL

from portal_desktop.db.replica_tables import STATE_KEYS, sync_state
from portal_desktop.errors import ValidationError


def read_state(conn: Connection) -> dict[str, str]:
    return {row.key: row.value for row in conn.execute(select(sync_state))}


def write_state(conn: Connection, **values: str) -> None:
    unknown = set(values) - set(STATE_KEYS)
    if unknown:
        raise ValueError(f"not sync_state keys: {', '.join(sorted(unknown))}")
    conn.execute(delete(sync_state).where(sync_state.c.key.in_(values)))
    conn.execute(insert(sync_state), [{"key": k, "value": v} for k, v in values.items()])


def server_text(url: URL) -> str:
    """The server's URL as the replica keeps it: never a password (``URL.set`` ignores a
    None, so the password is replaced, not set)."""
    return url._replace(password=None).render_as_string(hide_password=False)


def replica_server_url(engine: Engine) -> URL:
    """The server a replica syncs with (as its person's login, without a password)."""
    from sqlalchemy.engine import make_url

    with engine.connect() as conn:
        server = read_state(conn).get("server")
    if not server:
        raise ValidationError("url", "this database is not a replica: it has no server to sync")
    return make_url(server)
