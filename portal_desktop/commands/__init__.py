"""Command-line sub-commands: each module has ``register(subparsers)``; :func:`registrars`
lists them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def registrars() -> tuple[Callable[[Any], None], ...]:
    """Each command module's ``register``, in the order of ``--help``. Imported here, not at
    the top: opening the app (no command) never needs them (see ``cli._names_a_command``)."""
    from portal_desktop.commands import db, import_export, replica, report, seed, sync, users

    return (
        db.register,
        seed.register,
        report.register,
        import_export.register,
        users.register,
        replica.register,
        sync.register,
    )
