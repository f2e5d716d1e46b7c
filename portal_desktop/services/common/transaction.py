"""One use case, one transaction.

Every public service function is decorated with :func:`use_case`. The outermost use case on
a Session commits when it returns and rolls back everything when it raises, so bad input
leaves nothing half-written. A use case called from inside another joins the outer
transaction (one commit at the end).

A database that cannot store the change (its disk full, its file read-only, a failing disk)
leaves as a StorageError in words, after the rollback; a connection cut in the middle (the
server stopped, the network gone) as a DatabaseUnreachableError naming the use case not saved.

A stale version that a use case did not word itself (the row changed on another machine
between reading and writing it) leaves as a ConflictError, never as a StaleDataError.

What a use case changed (tables, record ids, the rollups and the audit rows) is collected by
the unit of work itself: ``services.common.changes.take_committed(session)`` after it returns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal_desktop.errors import ConflictError, DatabaseUnreachableError, StorageError
from portal_desktop.services.common import audit
from portal_desktop.services.common import changes as _changes  # noqa: F401  (collects what commits change

P = ParamSpec("P")
R = TypeVar("R")

CHANGED_ELSEWHERE = (
    "the record was changed in another window or on another machine at the same time; "
    "reload it and make your change again"
)

_DEPTH_KEY = "portal_use_case_depth"
_NOT_SAVED = "nothing was saved; make the change again once it is fixed"


def _not_connected(exc: DBAPIError) -> bool:
    """A server the client could not reach: the driver's error carries no SQLSTATE."""
    return isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", "") is None


def _cut(name: str, exc: DBAPIError) -> str:
    what = "was lost during" if exc.connection_invalidated else "could not be made for"
    return (
        f"The connection to the database {what} {name.replace('_', ' ')}: nothing of it was "
        "saved; make it again once the connection is back."
    )


def storage_problem(exc: DBAPIError) -> str | None:
    """The words for a database that could not store a change, or None for another error."""
    orig = exc.orig
    name = str(getattr(orig, "sqlite_errorname", ""))
    if name == "SQLITE_FULL" or getattr(orig, "sqlstate", None) == "53100":
        return f"The disk holding the database is full: {_NOT_SAVED} (free some space)."
    if name.startswith("SQLITE_READONLY"):
        return (
            f"The database file is read-only (check its permissions, or whether its disk is "
            f"mounted read-only): {_NOT_SAVED}."
        )
    if name.startswith("SQLITE_IOERR"):
        return f"The database file could not be written (a disk error, or no space): {_NOT_SAVED}."
    return None


def use_case(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    @functools.wraps(fn)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        depth = session.info.get(_DEPTH_KEY, 0)
        session.info[_DEPTH_KEY] = depth + 1
        if depth == 0:
            audit.name_use_case(session, fn.__name__)
        try:
            result = fn(session, *args, **kwargs)
            if depth == 0:
                session.commit()
            return result
        except StaleDataError:
            if depth == 0:
                session.rollback()
            raise ConflictError(CHANGED_ELSEWHERE) from None
        except DBAPIError as exc:
            if depth == 0:
                session.rollback()
            if exc.connection_invalidated or _not_connected(exc):
                raise DatabaseUnreachableError(_cut(fn.__name__, exc)) from None
            words = storage_problem(exc)
            if words is None:
                raise
            raise StorageError(words) from exc  # the cause: is_write_refused looks at it
        except BaseException:
            if depth == 0:
                session.rollback()
            raise
        finally:
            session.info[_DEPTH_KEY] = depth
            if depth == 0:
                audit.name_use_case(session, None)

    return run
