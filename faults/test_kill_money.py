"""Item 1: the PostgreSQL backend killed (pg_terminate_backend) in the middle of each money
use case. Every kill lands on a different statement of the use case (or on its COMMIT); after
each: nothing of it is in the database (every table's rows, the rollups and the audit as
before), the error says in words which use case was not saved (DatabaseUnreachableError), the
connection banner says the connection was lost (and names the cut write when a write was cut),
and the next use case on the same engine works (the app reconnects)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session

from faults.conftest import report, scaled
from faults.db_state import changed_tables, fingerprint
from portal_desktop.db.engine import session_factory
from portal_desktop.errors import DatabaseUnreachableError
from portal_desktop.models import Installment, Payment
from portal_desktop.services.billing.payments import record_payment, refund_payment
from portal_desktop.services.billing.plan_changes import change_remaining_plan
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.csv_reading import read_csv
from portal_desktop.services.files.lead_import import import_leads
from portal_desktop.services.files.lead_mapping import guess_mapping
from portal_desktop.services.sales.enrollments import DealTerms, close_deal
from portal_desktop.views.connection_monitor import ConnectionBanner, ConnectionMonitor
from tests.services.factories import make_enrollment, make_program, make_student

KILLS = 200  # at FAULTS_SCALE=1, shared by the five use cases
START = dt.date(2024, 3, 1)
AT_COMMIT = -1


@dataclass
class Killer:
    """Terminates the session's server process just before its ``target``-th statement,
    or just before its COMMIT (``target`` AT_COMMIT)."""

    admin: Engine
    target: int = 0  # 0: never
    seen: int = 0
    statements: list[str] = field(default_factory=list)
    cut: str | None = None  # the statement that was cut ("COMMIT" for the commit)

    def before_statement(self, conn, cursor, statement, params, context, many) -> None:
        self._step(cursor.connection.info.backend_pid, statement)

    def before_commit(self, conn) -> None:
        self._step(conn.connection.dbapi_connection.info.backend_pid, "COMMIT")

    def _step(self, pid: int, statement: str) -> None:
        self.seen += 1
        self.statements.append(statement)
        if self.seen == self.target or (self.target == AT_COMMIT and statement == "COMMIT"):
            self.cut = statement
            with self.admin.begin() as conn:  # waits until the process is gone
                assert conn.scalar(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})


def _point(i: int, kills: int, points: int) -> int:
    """The i-th of ``kills`` kill points: the last at the COMMIT, the others spread over the
    statements 1..points, cycling when there are more kills than statements."""
    if i == kills - 1:
        return AT_COMMIT
    if kills - 1 <= points:
        return 1 + round(i * (points - 1) / max(1, kills - 2))
    return 1 + i % points


def _csv(rows: int) -> bytes:
    lines = ["first_name,last_name,email,phone,source"]
    lines += [f"Ann,Row{i},kill{i}@example.com,+1555555{i:04d},facebook" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _cases(session: Session) -> dict[str, Callable[[Session], object]]:
    """Each money use case, ready to run again and again (a cut one leaves nothing behind)."""
    program = make_program(session, price=Decimal("3000.00"))
    buyer = make_student(session)
    session.commit()
    paying = make_enrollment(
        session, SYSTEM, plan_type="SPLIT", contract_value="3000", installments=6, start_date=START
    )
    replan = make_enrollment(
        session, SYSTEM, plan_type="SPLIT", contract_value="3000", installments=6, start_date=START
    )
    refunding = make_enrollment(session, SYSTEM, contract_value="900", start_date=START)
    first = session.scalars(
        select(Installment.id)
        .where(Installment.enrollment_id == paying.id)
        .order_by(Installment.due_date)
    ).first()
    owed = session.scalar(select(Installment.id).where(Installment.enrollment_id == refunding.id))
    record_payment(session, SYSTEM, owed, today=START)
    paid = session.scalar(select(Payment.id).where(Payment.installment_id == owed))
    table = read_csv(_csv(40))
    return {
        "record payment": lambda s: record_payment(s, SYSTEM, first, today=START),
        "refund": lambda s: refund_payment(s, SYSTEM, paid, today=START),
        "close deal": lambda s: close_deal(
            s,
            SYSTEM,
            DealTerms(program.id, START, "SPLIT", "3000", 3),
            student_id=buyer.id,
            today=START,
        ),
        "plan change": lambda s: change_remaining_plan(
            s, SYSTEM, replan.id, 3, "MONTHLY", START + dt.timedelta(days=40), today=START
        ),
        "import": lambda s: import_leads(s, SYSTEM, table, guess_mapping(table.header)),
    }


def test_backend_killed_in_every_money_use_case(
    qtbot, request, pg_engine: Engine, pg_admin_url: str
) -> None:
    admin = create_engine(
        pg_admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    sessions = session_factory(pg_engine)
    with sessions() as session:
        cases = _cases(session)
    monitor = ConnectionMonitor(pg_engine)
    banner = ConnectionBanner(monitor)
    qtbot.addWidget(banner)
    killer = Killer(admin)
    event.listen(pg_engine, "before_cursor_execute", killer.before_statement)
    event.listen(pg_engine, "commit", killer.before_commit)
    per_case = scaled(KILLS) // len(cases) or 1
    kills = partial = named = at_commit = told = 0
    try:
        for name, run in cases.items():
            killer.target, killer.seen, killer.statements = 0, 0, []
            with sessions() as session:  # a dry run, rolled back: how many statements
                session.commit = session.flush  # type: ignore[method-assign]
                run(session)
                session.rollback()
            points = killer.seen  # statements before the COMMIT (and its own hooks)
            before = fingerprint(pg_engine)
            for i in range(per_case):
                killer.target, killer.seen, killer.cut = _point(i, per_case, points), 0, None
                with sessions() as session, pytest.raises(DatabaseUnreachableError) as cut:
                    run(session)
                killer.target = 0
                kills += 1
                told += "was lost during" in str(cut.value) and "nothing of it" in str(cut.value)
                lost = changed_tables(before, fingerprint(pg_engine))
                partial += bool(lost)
                assert lost == [], f"{name}, cut at {killer.cut!r}: {lost} changed"
                words = banner.label.text()
                assert not banner.isHidden() and "was lost" in words, words
                if killer.cut == "COMMIT":
                    at_commit += 1
                elif "Not saved, please make again: " in words:
                    named += 1
                with qtbot.waitSignal(monitor.restored, timeout=10_000):
                    monitor.check_now()
                banner.dismiss.click()
            with sessions() as session:  # reconnected: the same use case now saves
                run(session)
            assert changed_tables(before, fingerprint(pg_engine)) != []
    finally:
        event.remove(pg_engine, "before_cursor_execute", killer.before_statement)
        event.remove(pg_engine, "commit", killer.before_commit)
        monitor.stop()
        admin.dispose()
    report(
        request,
        f"{kills} backends killed mid-use-case ({', '.join(cases)}), {at_commit} at COMMIT; "
        f"partial transactions: {partial}; error named the use case not saved in {told} "
        f"(e.g. {str(cut.value)!r}), banner named the cut write in {named}",
    )
    assert told == kills
