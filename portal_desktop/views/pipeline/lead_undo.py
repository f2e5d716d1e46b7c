"""The words and the write of undoing a change to a lead (``services.sales.lead_undo``)."""

from __future__ import annotations

from portal_desktop.services.sales.lead_undo import LeadChange, undo_lead_change
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.undo import Undo


def lead_undo(ctx: TabContext, change: LeadChange) -> Undo | None:
    """How to take ``change`` back (None when it changed nothing)."""
    if not change.changed:
        return None
    actor, name = ctx.actor, change.label

    def write(session: object) -> object:
        return undo_lead_change(session, actor, change)  # type: ignore[arg-type]

    statuses = change.statuses
    if statuses is not None:
        before, after = (enum_label(status.value) for status in statuses)
        return Undo(
            f"{name}: {before} → {after}.",
            f"the status of {name}",
            write,
            f"{name} is {before} again.",
        )
    return Undo(f"Saved the lead {name}.", f"the edit of {name}", write, f"{name} is as before.")
