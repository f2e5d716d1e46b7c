"""Shared set-up for the Sales-calls screen tests: a small team, a program, calls."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.models.enums import UserRole
from portal_desktop.services.common.context import Actor
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.tab_context import DataBus, TabContext
from tests.services.factories import make_lead, make_program, make_sales_call, make_team_member


@dataclass
class CallWorld:
    host_id: uuid.UUID
    setter_id: uuid.UUID
    other_host_id: uuid.UUID
    program_id: uuid.UUID
    lead_id: uuid.UUID
    past_call_id: uuid.UUID  # an hour ago, no outcome
    future_call_id: uuid.UUID  # tomorrow, no outcome


def make_context(
    engine: Engine, sessions: sessionmaker[Session], role: UserRole = UserRole.SALES
) -> TabContext:
    actor = Actor(user_id=None, username="sam", role=role)
    return TabContext(engine, sessions, actor, Formatter("USD", dt.UTC), DataBus())


def make_world(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> CallWorld:
    now = now or dt.datetime.now(dt.UTC)
    with sessions() as session:
        host = make_team_member(session, name="Hana Host")
        setter = make_team_member(session, name="Sid Setter")
        other = make_team_member(session, name="Olga Other")
        program = make_program(session, name="Scale Coaching", price=Decimal("3000.00"))
        lead = make_lead(session, first_name="Paula", last_name="Prospect")
        past = make_sales_call(
            session,
            lead=lead,
            host=host,
            setter=setter,
            scheduled_at=now - dt.timedelta(hours=1),
        )
        future = make_sales_call(session, host=other, scheduled_at=now + dt.timedelta(days=1))
        session.commit()
        return CallWorld(host.id, setter.id, other.id, program.id, lead.id, past.id, future.id)


@contextmanager
def statements_on_this_thread(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on the calling (UI) thread while the block runs."""
    here = threading.get_ident()
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if threading.get_ident() == here:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
