"""Where a replica stands: the one definition the status bar and the command line show.

``waiting``: local change sets (one per local use case) not yet on the server; ``conflicts``:
conflicts no one has resolved; ``last_sync_at``: the last sync that reached the server;
``last_error``: the words of the last sync's failure (empty after a good one). The status bar
(views/sync/status_bar.py) shows :func:`status_words` of :func:`sync_status`, nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from portal_desktop.db.replica_tables import sync_conflicts, sync_outbox, sync_state
from portal_desktop.errors import DatabaseUnreachableError, PortalError
from portal_desktop.services.common.fields import iso_moment
from portal_desktop.services.common.words import plural


@dataclass(frozen=True)
class SyncStatus:
    waiting: int
    conflicts: int
    last_sync_at: dt.datetime | None
    last_error: str


@dataclass(frozen=True)
class SyncResult:
    """What one sync did (push then pull): the counts ``portal-desktop sync --json`` prints."""

    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0


def is_unreachable(error: BaseException) -> bool:
    """True when a sync's error says the server could not be reached (offline), rather than
    that it answered and refused."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, DatabaseUnreachableError | OperationalError | OSError)


def error_words(error: BaseException) -> str:
    """A sync's failure in one line of words (the portal's own message when it has one)."""
    if isinstance(error, PortalError):
        return str(error)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def sync_status(replica: Session) -> SyncStatus:
    """The replica's standing, read in one go (nothing written)."""
    waiting = replica.scalar(select(func.count(distinct(sync_outbox.c.txn_id)))) or 0
    conflicts = (
        replica.scalar(
            select(func.count())
            .select_from(sync_conflicts)
            .where(sync_conflicts.c.resolved_at.is_(None))
        )
        or 0
    )
    rows = replica.execute(
        select(sync_state.c.key, sync_state.c.value).where(
            sync_state.c.key.in_(("last_sync_at", "last_error"))
        )
    )
    state = {key: value for key, value in rows}
    return SyncStatus(
        waiting=int(waiting),
        conflicts=int(conflicts),
        last_sync_at=iso_moment(state.get("last_sync_at", "")),
        last_error=state.get("last_error", ""),
    )


def waiting_words(waiting: int) -> str:
    """ "3 changes waiting"; empty when nothing waits."""
    return f"{plural(waiting, 'change')} waiting" if waiting else ""


def conflicts_words(conflicts: int) -> str:
    """ "2 conflicts"; empty when there is none."""
    return plural(conflicts, "conflict") if conflicts else ""


def last_sync_words(last_sync_at: dt.datetime | None, tz: dt.tzinfo | None, today: dt.date) -> str:
    """ "Last sync 14:02" in the office's zone, with the day when it was not today."""
    if last_sync_at is None:
        return "Never synced"
    local = last_sync_at.astimezone(tz)
    return f"Last sync {local.strftime('%H:%M' if local.date() == today else '%b %d %H:%M')}"


def status_words(status: SyncStatus, tz: dt.tzinfo | None, today: dt.date) -> list[str]:
    """The status in words, as the status bar and the CLI show it: "3 changes waiting",
    "Last sync 14:02", "2 conflicts" (nothing for a zero)."""
    words = [
        waiting_words(status.waiting),
        last_sync_words(status.last_sync_at, tz, today),
        conflicts_words(status.conflicts),
    ]
    return [word for word in words if word]
