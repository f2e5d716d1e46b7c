"""Domain errors: every message says what is wrong and how to fix it."""

from __future__ import annotations


class PortalError(Exception):
    """Base of every error the portal reports to a user in words."""


class DatabaseUrlError(PortalError):
    """The database URL cannot be understood."""


class DatabaseUnreachableError(PortalError):
    """The database server cannot be reached or refused the connection."""


class CorruptDatabaseError(PortalError):
    """The local database file is damaged or is not a database."""


class SchemaTooNewError(PortalError):
    """The database was written by a newer version of the app."""


class SchemaMismatchError(PortalError):
    """The database's revision stamp does not match the tables it holds."""


class SchemaOutdatedError(PortalError):
    """The database schema is older than this app and must be upgraded first."""


class ValidationError(PortalError):
    """A field holds a value the use case cannot accept."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class PermissionDeniedError(PortalError):
    """The signed-in user's role may not run this use case."""


class NotFoundError(PortalError):
    """A record the use case needs does not exist (any more)."""


class ConflictError(PortalError):
    """The record changed or was already handled elsewhere (another window or machine)."""


class StorageError(PortalError):
    """The database could not store a change (its disk is full, its file is read-only);
    nothing of the use case was saved."""
