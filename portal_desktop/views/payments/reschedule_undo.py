"""Undo of moving an installment's due date: moving it back, through the same service
(``plan_changes.reschedule_installment``), at the version the move left it — so it is refused,
in words, when the installment was paid or changed since."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from portal_desktop.services.billing import plan_changes
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.undo import Undo

Moved = tuple[uuid.UUID, int]  # the installment, its version after the move


def reschedule(
    ctx: TabContext, installment_id: uuid.UUID, day: dt.date, version: int | None
) -> Callable[[Session], Moved]:
    """The write moving the installment to ``day`` (run it as a WriteOp)."""
    actor = ctx.actor

    def write(session: Session) -> Moved:
        moved = plan_changes.reschedule_installment(
            session, actor, installment_id, day, expected_version=version
        )
        return moved.id, moved.version

    return write


def reschedule_undo(ctx: TabContext, moved: Moved, label: str, old: dt.date, new: dt.date) -> Undo:
    installment_id, version = moved
    date = ctx.formatter.date
    return Undo(
        f"{label} is now due {date(new)}.",
        f"the new due date of {label}",
        reschedule(ctx, installment_id, old, version),
        f"{label} is due {date(old)} again.",
    )
