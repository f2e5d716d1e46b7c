"""The demo seeder: deterministic, consistent with the schema's rules, believable numbers."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.cli import main
from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine
from portal_desktop.errors import PortalError
from portal_desktop.models import AdCampaign, Base, Enrollment, Lead, Payment, Program, SalesCall
from portal_desktop.models.enums import EnrollmentStatus, LeadStatus, PaymentStatus
from portal_desktop.services.accounts.passwords import verify_password
from portal_desktop.services.seeding import DEMO_PASSWORD, seed_database

TODAY = dt.date(2025, 6, 30)
FIRST_DAY = TODAY - dt.timedelta(days=365)
SMALL = 300

# Every seeded table, with the columns left out of the digest (salted hashes differ).
DIGEST_TABLES = {
    "team_members": (),
    "programs": (),
    "ad_campaigns": (),
    "users": ("password_hash",),
    "leads": (),
    "students": (),
    "sales_calls": (),
    "enrollments": (),
    "installments": (),
    "payments": (),
    "daily_metrics": (),
    "ad_performance": (),
    "email_broadcasts": (),
}


def _scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def _plain(value: object) -> object:
    """A backend-independent form of a loaded value."""
    if isinstance(value, Decimal):
        return f"{value:.4f}"
    if isinstance(value, dt.datetime):
        assert value.tzinfo is not None
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    return value


def _digest(engine: Engine) -> dict[str, str]:
    """Per table, a hash of every row (loaded through the ORM's column types), by id."""
    digests = {}
    with engine.connect() as conn:
        for name, skipped in DIGEST_TABLES.items():
            table = Base.metadata.tables[name]
            columns = [c for c in table.c if c.name not in skipped]
            rows = conn.execute(select(*columns).order_by(table.c.id)).all()
            hasher = hashlib.sha256()
            for row in rows:
                hasher.update(repr(tuple(_plain(v) for v in row)).encode())
            digests[name] = f"{len(rows)}:{hasher.hexdigest()}"
    return digests


def _fresh_sqlite(tmp_path: Path, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    migrate.upgrade(engine)
    return engine


def _weekdays(first: dt.date, stop: dt.date) -> int:
    return sum(
        1
        for n in range((stop - first).days)
        if (first + dt.timedelta(days=n)).weekday() < 5  # Monday to Friday
    )


# -- size ----------------------------------------------------------------------------------------


def test_default_size_has_the_expected_counts(engine: Engine) -> None:
    summary = seed_database(engine, today=TODAY)

    counts = {t: _scalar(engine, f"SELECT count(*) FROM {t}") for t in DIGEST_TABLES}
    assert counts == summary.counts
    assert counts["leads"] == 2000
    assert (counts["team_members"], counts["programs"], counts["ad_campaigns"]) == (6, 3, 8)
    assert counts["users"] == 3
    assert counts["email_broadcasts"] == 50
    assert 650 <= counts["sales_calls"] <= 1000
    assert 100 <= counts["students"] <= 220
    assert counts["students"] <= counts["enrollments"] <= counts["students"] * 1.3
    assert 3 * counts["enrollments"] <= counts["installments"] <= 6 * counts["enrollments"]
    assert counts["enrollments"] <= counts["payments"] <= counts["installments"]
    # One metric per member and working day before today.
    assert counts["daily_metrics"] == 6 * _weekdays(FIRST_DAY, TODAY)
    # One performance row per campaign and day it ran (end date included, today excluded).
    with Session(engine) as session:
        campaigns = session.execute(select(AdCampaign.start_date, AdCampaign.end_date)).all()
    yesterday = TODAY - dt.timedelta(days=1)
    active_days = sum(((end or yesterday) - start).days + 1 for start, end in campaigns)
    assert counts["ad_performance"] == active_days
    roles = dict(_rows(engine, "SELECT role, count(*) FROM team_members GROUP BY role"))
    assert roles == {"CLOSER": 3, "SETTER": 2, "DM_SETTER": 1}
    with Session(engine) as session:
        prices = sorted(session.scalars(select(Program.price)))
    assert prices[0] == Decimal("3000.00") and prices[-1] == Decimal("12000.00")


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _day(engine: Engine, day: dt.date) -> object:
    """A date parameter as the backend compares it with a DATE column."""
    return day.isoformat() if engine.dialect.name == "sqlite" else day


def _midnight(engine: Engine, day: dt.date) -> object:
    """The start of a UTC day as the backend compares it with a timestamp column."""
    if engine.dialect.name == "sqlite":
        return f"{day.isoformat()} 00:00:00"
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def test_leads_scale_with_the_argument_and_spread_over_the_year(engine: Engine) -> None:
    seed_database(engine, leads=SMALL, today=TODAY)

    with Session(engine) as session:
        created = session.scalars(select(Lead.created_at)).all()
    assert len(created) == SMALL
    first = dt.datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=dt.UTC)
    end = dt.datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=dt.UTC)
    assert all(first <= at < end for at in created)
    months = {(at.year, at.month) for at in created}
    assert len(months) >= 12
    # A growing business: the last quarter brings more leads than the first.
    first_quarter = sum(at < first + dt.timedelta(days=91) for at in created)
    last_quarter = sum(at >= end - dt.timedelta(days=91) for at in created)
    assert last_quarter > first_quarter * 1.3


# -- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_rows_and_another_seed_other_rows(engine: Engine, tmp_path: Path) -> None:
    seed_database(engine, leads=SMALL, seed=7, today=TODAY)
    twin = _fresh_sqlite(tmp_path, "twin.sqlite3")
    other = _fresh_sqlite(tmp_path, "other.sqlite3")
    try:
        seed_database(twin, leads=SMALL, seed=7, today=TODAY)
        seed_database(other, leads=SMALL, seed=8, today=TODAY)
        digest, twin_digest, other_digest = _digest(engine), _digest(twin), _digest(other)
    finally:
        twin.dispose()
        other.dispose()

    assert digest == twin_digest  # on PostgreSQL: the same rows as on SQLite, keys included
    for table in ("leads", "sales_calls", "enrollments", "payments", "daily_metrics"):
        assert digest[table] != other_digest[table], table


def test_keys_are_time_ordered_version_7_uuids(engine: Engine) -> None:
    seed_database(engine, leads=SMALL, today=TODAY)

    with Session(engine) as session:
        leads = session.execute(select(Lead.id, Lead.created_at)).all()
    ids = [lead_id for lead_id, _ in leads]
    assert len(set(ids)) == len(ids)
    for lead_id, created in leads:
        assert lead_id.version == 7
        assert lead_id.variant == uuid.RFC_4122
        # The first 48 bits are the creation time in milliseconds.
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        assert lead_id.int >> 80 == (created - epoch) // dt.timedelta(milliseconds=1)


# -- the schema's rules and the business rules ---------------------------------------------------


def test_schedules_sum_to_the_contract_value(engine: Engine) -> None:
    seed_database(engine, leads=SMALL * 2, today=TODAY)

    mismatched = _rows(
        engine,
        "SELECT e.id FROM enrollments e LEFT JOIN installments i ON i.enrollment_id = e.id "
        "GROUP BY e.id, e.contract_value "
        "HAVING coalesce(sum(i.amount), -1) <> e.contract_value",
    )
    assert mismatched == []
    assert _scalar(engine, "SELECT count(*) FROM enrollments") > 20
    # The down payment is the first installment; sequences run 1..n without gaps.
    assert (
        _rows(
            engine,
            "SELECT e.id FROM enrollments e JOIN installments i ON i.enrollment_id = e.id "
            "WHERE i.is_down_payment AND (i.amount <> e.down_payment OR i.sequence <> 1)",
        )
        == []
    )
    assert (
        _rows(
            engine,
            "SELECT enrollment_id FROM installments GROUP BY enrollment_id "
            "HAVING max(sequence) <> count(*) OR min(sequence) <> 1",
        )
        == []
    )
    # PIF: one installment; SPLIT: installment_count regular ones plus the down payment.
    assert (
        _rows(
            engine,
            "SELECT e.id FROM enrollments e JOIN installments i ON i.enrollment_id = e.id "
            "GROUP BY e.id, e.plan_type, e.installment_count, e.down_payment "
            "HAVING count(*) <> e.installment_count + "
            "  CASE WHEN e.down_payment > 0 THEN 1 ELSE 0 END",
        )
        == []
    )
    plans = dict(_rows(engine, "SELECT plan_type, count(*) FROM enrollments GROUP BY plan_type"))
    assert set(plans) == {"PIF", "SPLIT"}


def test_deals_trace_back_to_their_lead_and_call(engine: Engine) -> None:
    seed_database(engine, leads=SMALL * 2, today=TODAY)

    # Every won call made exactly one enrollment, closed by its host, set by its setter.
    assert _scalar(
        engine, "SELECT count(*) FROM sales_calls WHERE outcome = 'CLOSED_WON'"
    ) == _scalar(engine, "SELECT count(*) FROM enrollments")
    assert (
        _rows(
            engine,
            "SELECT e.id FROM enrollments e JOIN sales_calls c ON c.id = e.sales_call_id "
            "WHERE c.outcome <> 'CLOSED_WON' OR e.closer_id <> c.host_id "
            "OR coalesce(e.setter_id, c.host_id) <> coalesce(c.setter_id, c.host_id)",
        )
        == []
    )
    with Session(engine) as session:
        starts = session.execute(
            select(Enrollment.start_date, SalesCall.scheduled_at).join(
                SalesCall, SalesCall.id == Enrollment.sales_call_id
            )
        ).all()
    assert starts and all(start == at.date() for start, at in starts)
    # A deal made on a lead's call belongs to a student made from that lead, same email.
    assert (
        _rows(
            engine,
            "SELECT e.id FROM enrollments e JOIN sales_calls c ON c.id = e.sales_call_id "
            "JOIN students s ON s.id = e.student_id JOIN leads l ON l.id = c.lead_id "
            "WHERE s.lead_id IS NULL OR s.lead_id <> c.lead_id OR s.email <> l.email",
        )
        == []
    )
    # Upsell calls are the student's (no lead); their deals go to the same student.
    assert (
        _rows(
            engine,
            "SELECT e.id FROM enrollments e JOIN sales_calls c ON c.id = e.sales_call_id "
            "WHERE c.lead_id IS NULL AND c.student_id <> e.student_id",
        )
        == []
    )
    assert _scalar(engine, "SELECT count(*) FROM students WHERE lead_id IS NULL") == 0
    assert _scalar(engine, "SELECT count(*) FROM enrollments WHERE sales_call_id IS NULL") == 0
    # A won lead is not LOST.
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM leads l JOIN students s ON s.lead_id = l.id "
            "WHERE l.status = 'LOST'",
        )
        == 0
    )


def test_payments_and_installments_agree(engine: Engine) -> None:
    seed_database(engine, leads=SMALL * 3, today=TODAY)

    # A PAID installment has exactly one PAID payment; no other installment has one.
    assert (
        _rows(
            engine,
            "SELECT i.id FROM installments i LEFT JOIN payments p "
            "ON p.installment_id = i.id AND p.status = 'PAID' "
            "GROUP BY i.id, i.status HAVING (i.status = 'PAID') <> (count(p.id) = 1)",
        )
        == []
    )
    # OVERDUE: unpaid and due more than 3 grace days before today.
    overdue = _rows(
        engine,
        "SELECT i.due_date FROM installments i "
        "JOIN enrollments e ON e.id = i.enrollment_id "
        "WHERE i.status = 'OVERDUE' AND e.status <> 'CANCELLED'",
    )
    assert overdue
    assert all(_as_date(due) + dt.timedelta(days=3) < TODAY for (due,) in overdue)
    late_pending = _rows(
        engine,
        "SELECT i.id FROM installments i JOIN enrollments e ON e.id = i.enrollment_id "
        "WHERE i.status = 'PENDING' AND e.status <> 'CANCELLED' AND i.due_date < :cutoff",
        cutoff=_day(engine, TODAY - dt.timedelta(days=3)),
    )
    assert late_pending == []
    # Future installments are never paid or overdue; payments never happen after today.
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM installments WHERE due_date >= :today AND status <> 'PENDING'",
            today=_day(engine, TODAY),
        )
        == 0
    )
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM payments WHERE paid_at >= :today OR refunded_at >= :today",
            today=_midnight(engine, TODAY),
        )
        == 0
    )
    # Refunds stay within the amount; a full refund is REFUNDED, a partial one PAID.
    statuses = dict(_rows(engine, "SELECT status, count(*) FROM payments GROUP BY status"))
    assert statuses.keys() >= {"PAID", "FAILED", "REFUNDED"}
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM payments WHERE status = 'REFUNDED' AND refunded_amount <> amount",
        )
        == 0
    )
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM payments WHERE status = 'PAID' AND refunded_amount > 0 "
            "AND refunded_amount < amount AND refunded_at > paid_at",
        )
        > 0
    )
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM payments WHERE status = 'FAILED' "
            "AND (failure_reason IS NULL OR paid_at IS NULL)",
        )
        == 0
    )
    # COMPLETED deals are fully paid; CANCELLED ones have no live PAID payment.
    assert (
        _rows(
            engine,
            "SELECT e.id FROM enrollments e JOIN installments i ON i.enrollment_id = e.id "
            "WHERE e.status = 'COMPLETED' AND i.status <> 'PAID'",
        )
        == []
    )
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM payments p JOIN enrollments e ON e.id = p.enrollment_id "
            "WHERE e.status = 'CANCELLED' AND p.status = 'PAID'",
        )
        == 0
    )
    enrollment_statuses = set(
        s for (s,) in _rows(engine, "SELECT DISTINCT status FROM enrollments")
    )
    assert {"ACTIVE", "COMPLETED", "CANCELLED"} <= enrollment_statuses


def test_cancelled_deals_are_refunded_and_frozen_as_they_were(engine: Engine) -> None:
    seed_database(engine, leads=SMALL * 3, today=TODAY)

    with Session(engine) as session:
        cancelled = session.scalars(
            select(Enrollment).where(Enrollment.status == EnrollmentStatus.CANCELLED)
        ).all()
        assert cancelled
        for enrollment in cancelled:
            ended = enrollment.ended_at
            assert ended is not None and enrollment.start_date <= ended.date() < TODAY
            for payment in enrollment.payments:
                assert payment.paid_at is not None and payment.paid_at < ended
                if payment.status is PaymentStatus.REFUNDED:
                    assert payment.refunded_at == ended
                    assert payment.refunded_amount == payment.amount
                else:
                    assert payment.status is PaymentStatus.FAILED
            # A full refund reopens the installment; nothing is paid; statuses are those of
            # the day the deal was cancelled (the overdue roll skips cancelled deals).
            for installment in enrollment.installments:
                late = installment.due_date + dt.timedelta(days=3) < ended.date()
                assert installment.status.value == ("OVERDUE" if late else "PENDING")


def test_leads_are_attributed_to_the_campaign_they_name(engine: Engine) -> None:
    seed_database(engine, leads=SMALL * 2, today=TODAY)

    assert (
        _rows(
            engine,
            "SELECT l.id FROM leads l LEFT JOIN ad_campaigns c ON c.name = l.campaign "
            "WHERE (l.ad_campaign_id IS NULL) <> (c.id IS NULL) OR l.ad_campaign_id <> c.id",
        )
        == []
    )
    paid_sources = {"facebook", "instagram", "google", "youtube"}
    sources = dict(
        _rows(
            engine,
            "SELECT source, count(ad_campaign_id) FROM leads GROUP BY source",
        )
    )
    assert set(sources) == paid_sources | {"organic", "referral", "email"}
    assert all(sources[s] > 0 for s in paid_sources)
    assert all(sources[s] == 0 for s in set(sources) - paid_sources)
    # Emails are unique ignoring case; every LOST lead says why.
    assert _scalar(engine, "SELECT count(DISTINCT lower(email)) FROM leads") == _scalar(
        engine, "SELECT count(email) FROM leads"
    )
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM leads WHERE (status = 'LOST') <> (lost_reason IS NOT NULL)",
        )
        == 0
    )
    statuses = {s for (s,) in _rows(engine, "SELECT DISTINCT status FROM leads")}
    assert statuses == {s.value for s in LeadStatus}


def test_daily_metrics_match_the_calls(engine: Engine) -> None:
    seed_database(engine, leads=SMALL * 2, today=TODAY)

    assert (
        _rows(
            engine,
            "SELECT id FROM daily_metrics WHERE NOT (closes <= offers AND offers <= conversations)",
        )
        == []
    )
    # What closers report equals what their calls say (every call is on a working day).
    reported = _rows(
        engine,
        "SELECT m.team_member_id, sum(m.closes), sum(m.offers) FROM daily_metrics m "
        "GROUP BY m.team_member_id ORDER BY m.team_member_id",
    )
    actual = dict(
        ((host, (won, offers)) for host, won, offers in _rows(
            engine,
            "SELECT host_id, sum(CASE WHEN outcome = 'CLOSED_WON' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN offer_made THEN 1 ELSE 0 END) FROM sales_calls "
            "WHERE outcome IS NOT NULL GROUP BY host_id",
        ))
    )  # fmt: skip
    for member, closes, offers in reported:
        assert (closes, offers) == actual.get(member, (0, 0))
    assert sum(closes for _, closes, _ in reported) == _scalar(
        engine, "SELECT count(*) FROM sales_calls WHERE outcome = 'CLOSED_WON'"
    )
    weekend = _rows(engine, "SELECT date FROM daily_metrics")
    assert all(_as_date(day).weekday() < 5 for (day,) in weekend)


def test_rates_are_believable(engine: Engine) -> None:
    seed_database(engine, today=TODAY)

    booked_leads = _scalar(engine, "SELECT count(DISTINCT lead_id) FROM sales_calls")
    assert 0.30 <= booked_leads / 2000 <= 0.40
    held, no_shows, offers, closes, pending = _rows(
        engine,
        "SELECT "
        " sum(CASE WHEN outcome NOT IN ('NO_SHOW', 'CANCELLED', 'RESCHEDULED') THEN 1 ELSE 0 END),"
        " sum(CASE WHEN outcome = 'NO_SHOW' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN offer_made THEN 1 ELSE 0 END),"
        " sum(CASE WHEN outcome = 'CLOSED_WON' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN outcome IS NULL THEN 1 ELSE 0 END) FROM sales_calls",
    )[0]
    assert 0.70 <= held / (held + no_shows) <= 0.80  # show rate
    assert 0.62 <= offers / held <= 0.80  # offer rate
    assert 0.20 <= closes / held <= 0.30  # close rate
    assert pending > 0
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM sales_calls WHERE "
            "(outcome IS NULL) <> (scheduled_at >= :today) "
            "OR (outcome IN ('CLOSED_WON', 'CLOSED_LOST') AND NOT offer_made) "
            "OR (outcome IN ('NO_SHOW', 'CANCELLED', 'RESCHEDULED', 'NOT_QUALIFIED') "
            "    AND offer_made)",
            today=_midnight(engine, TODAY),
        )
        == 0
    )
    outcomes = {o for (o,) in _rows(engine, "SELECT DISTINCT outcome FROM sales_calls")}
    assert outcomes >= {
        "CLOSED_WON", "CLOSED_LOST", "NO_SHOW", "FOLLOW_UP", "RESCHEDULED", "CANCELLED",
        "NOT_QUALIFIED", None,
    }  # fmt: skip


# -- refusal, loading back, the command ----------------------------------------------------------


def test_refuses_a_database_with_leads_and_changes_nothing(engine: Engine) -> None:
    seed_database(engine, leads=SMALL, today=TODAY)
    before = _digest(engine)

    with pytest.raises(PortalError, match=f"already holds {SMALL} leads; seed an empty database"):
        seed_database(engine, leads=SMALL, seed=99, today=TODAY)

    assert _digest(engine) == before


def test_refuses_a_database_with_other_records(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        session.add(Program(name="Growth Mastermind", price=Decimal("6500.00")))

    with pytest.raises(PortalError, match="already holds 1 programs"):
        seed_database(engine, leads=SMALL, today=TODAY)

    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
        assert session.scalar(select(func.count()).select_from(Program)) == 1


def test_the_orm_loads_seeded_rows_with_python_types(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    seed_database(engine, leads=SMALL, today=TODAY)

    with sessions() as session:
        lead = session.scalars(select(Lead).order_by(Lead.created_at)).first()
        enrollment = session.scalars(
            select(Enrollment).where(Enrollment.plan_type == "SPLIT").order_by(Enrollment.id)
        ).first()
        payment = session.scalars(
            select(Payment).where(Payment.status == PaymentStatus.PAID).order_by(Payment.id)
        ).first()
        assert lead is not None and enrollment is not None and payment is not None
        assert isinstance(lead.status, LeadStatus)
        assert lead.created_at.tzinfo is not None and lead.created_at.utcoffset() == dt.timedelta(0)
        assert lead.version == 1
        assert isinstance(enrollment.contract_value, Decimal)
        assert enrollment.contract_value.as_tuple().exponent == -2
        assert isinstance(enrollment.status, EnrollmentStatus)
        assert isinstance(enrollment.start_date, dt.date)
        assert sum(i.amount for i in enrollment.installments) == enrollment.contract_value
        assert enrollment.student.lead is not None
        assert isinstance(payment.amount, Decimal) and payment.amount > 0
        assert payment.paid_at is not None and payment.paid_at.tzinfo is not None
        assert payment.installment is not None and payment.installment.amount == payment.amount
        # The ORM can update a seeded row (version counter starts at 1).
        lead.notes = "called back"
        session.commit()
        assert lead.version == 2


def test_demo_users_sign_in_with_the_demo_password(engine: Engine) -> None:
    seed_database(engine, leads=SMALL, today=TODAY)

    users = _rows(
        engine,
        "SELECT u.username, u.role, u.password_hash, t.role FROM users u "
        "LEFT JOIN team_members t ON t.id = u.team_member_id ORDER BY u.username",
    )
    assert [(u, r, t) for u, r, _, t in users] == [
        ("admin", "ADMIN", None),
        ("marketing", "MARKETING", None),
        ("sales", "SALES", "CLOSER"),
    ]
    assert all(verify_password(h, DEMO_PASSWORD) for _, _, h, _ in users)
    # Each user has its own salt: three different hashes (one leaked hash tells nothing
    # about the others).
    assert len({h for _, _, h, _ in users}) == 3


def test_seed_command(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--demo", "--leads", "200", "--url", db_url]) == 0

    out = capsys.readouterr().out
    assert "leads" in out and " 200" in out
    for username in ("admin", "sales", "marketing"):
        assert username in out
    assert DEMO_PASSWORD in out
    engine = make_engine(db_url)
    try:
        assert _scalar(engine, "SELECT count(*) FROM leads") == 200
    finally:
        engine.dispose()
    # Seeding again is refused with a clear message, exit code 2.
    assert main(["seed", "--demo", "--leads", "200", "--url", db_url]) == 2
    assert "already holds 200 leads" in capsys.readouterr().err


_REFUSE_CALLS = {
    "sqlite": [
        "CREATE TRIGGER refuse_calls BEFORE INSERT ON sales_calls "
        "BEGIN SELECT RAISE(ABORT, 'no calls today'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_calls() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no calls today'; END $$",
        "CREATE TRIGGER refuse_calls BEFORE INSERT ON sales_calls "
        "FOR EACH ROW EXECUTE FUNCTION refuse_calls()",
    ],
}


def test_a_failure_half_way_writes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in _REFUSE_CALLS[engine.dialect.name]:
            conn.exec_driver_sql(statement)

    with pytest.raises(PortalError, match=r"failed, nothing was written: .*no calls today"):
        seed_database(engine, leads=SMALL * 20, today=TODAY)

    for table in DIGEST_TABLES:
        assert _scalar(engine, f"SELECT count(*) FROM {table}") == 0, table


# -- several years of data -----------------------------------------------------------------------

YEARS = 3
YEARS_FIRST_DAY = TODAY - dt.timedelta(days=365 * YEARS)


def _ramp_share(lo: float, hi: float) -> float:
    """The share of leads created in ``[lo, hi)`` (fractions of the window) when the lead rate
    grows linearly to twice its first day's: the integral of ``1 + t``, over its total 1.5."""
    return (hi - lo + (hi * hi - lo * lo) / 2) / 1.5


def test_several_years_spread_the_leads_over_them(engine: Engine) -> None:
    leads = SMALL * 2
    summary = seed_database(engine, leads=leads, today=TODAY, years=YEARS)

    assert summary.counts["leads"] == leads
    assert f"Data covers the {YEARS} years before {TODAY.isoformat()}." in summary.describe()
    with Session(engine) as session:
        created = session.scalars(select(Lead.created_at)).all()
    first = dt.datetime(YEARS_FIRST_DAY.year, YEARS_FIRST_DAY.month, YEARS_FIRST_DAY.day,
                        tzinfo=dt.UTC)  # fmt: skip
    end = dt.datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=dt.UTC)
    assert all(first <= at < end for at in created)
    assert min(created) < first + dt.timedelta(days=7)
    assert max(created) > end - dt.timedelta(days=7)
    # Each 365-day year holds its share of the growing lead rate (leads are evenly stratified).
    for year in range(YEARS):
        lo, hi = first + dt.timedelta(days=365 * year), first + dt.timedelta(days=365 * (year + 1))
        count = sum(lo <= at < hi for at in created)
        expected = leads * _ramp_share(year / YEARS, (year + 1) / YEARS)
        assert abs(count - expected) <= 2, (year, count, expected)


def test_several_years_have_per_day_records_over_the_whole_window(engine: Engine) -> None:
    counts = seed_database(engine, leads=SMALL * 2, today=TODAY, years=YEARS).counts

    assert counts["daily_metrics"] == 6 * _weekdays(YEARS_FIRST_DAY, TODAY)
    assert counts["email_broadcasts"] == 50 * YEARS
    with Session(engine) as session:
        campaigns = session.execute(select(AdCampaign.start_date, AdCampaign.end_date)).all()
    # The campaigns' time line is stretched: the always-on ones run from the first day.
    starts = sorted(start for start, _ in campaigns)
    assert starts[0] == YEARS_FIRST_DAY and starts[-1] > TODAY - dt.timedelta(days=365 * 2)
    assert sum(end is None for _, end in campaigns) == 6
    yesterday = TODAY - dt.timedelta(days=1)
    active_days = sum(((end or yesterday) - start).days + 1 for start, end in campaigns)
    assert counts["ad_performance"] == active_days
    lo, hi = _rows(engine, "SELECT min(date), max(date) FROM ad_performance")[0]
    assert (_as_date(lo), _as_date(hi)) == (YEARS_FIRST_DAY, yesterday)
    workdays = [d for n in range(365 * YEARS) if (d := YEARS_FIRST_DAY + dt.timedelta(days=n))
                .weekday() < 5]  # fmt: skip
    lo, hi = _rows(engine, "SELECT min(date), max(date) FROM daily_metrics")[0]
    assert (_as_date(lo), _as_date(hi)) == (workdays[0], workdays[-1])
    sent = _rows(engine, "SELECT min(sent_at), max(sent_at) FROM email_broadcasts")[0]
    assert str(sent[0]) < str(_midnight(engine, YEARS_FIRST_DAY + dt.timedelta(days=7)))
    assert str(sent[1]) > str(_midnight(engine, TODAY - dt.timedelta(days=31)))
    # Paid leads come in every year: some campaign of each platform runs all along.
    paid = _rows(
        engine,
        "SELECT created_at, ad_campaign_id IS NOT NULL FROM leads ORDER BY created_at",
    )
    for year in range(YEARS):
        lo = _midnight(engine, YEARS_FIRST_DAY + dt.timedelta(days=365 * year))
        hi = _midnight(engine, YEARS_FIRST_DAY + dt.timedelta(days=365 * (year + 1)))
        flags = [bool(p) for at, p in paid if str(lo) <= str(at) < str(hi)]
        assert 0.45 <= sum(flags) / len(flags) <= 0.70, year


def test_several_years_write_nothing_after_today_but_what_is_scheduled(engine: Engine) -> None:
    seed_database(engine, leads=SMALL * 3, today=TODAY, years=YEARS)

    today, tomorrow = _midnight(engine, TODAY), _midnight(engine, TODAY + dt.timedelta(days=1))
    # Only the ad platforms' reports of yesterday are made today (in the early morning).
    for table in ("leads", "students", "sales_calls", "enrollments", "installments", "payments",
                  "email_broadcasts", "daily_metrics"):  # fmt: skip
        assert _scalar(engine, f"SELECT count(*) FROM {table} WHERE created_at >= :t", t=today) == 0
    assert (
        _scalar(engine, "SELECT count(*) FROM ad_performance WHERE created_at >= :t", t=tomorrow)
        == 0
    )
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM payments WHERE paid_at >= :t OR refunded_at >= :t",
            t=today,
        )
        == 0
    )
    assert _scalar(engine, "SELECT count(*) FROM enrollments WHERE ended_at >= :t", t=today) == 0
    assert (
        _scalar(engine, "SELECT count(*) FROM email_broadcasts WHERE sent_at >= :t", t=today) == 0
    )
    assert (
        _scalar(
            engine,
            "SELECT count(*) FROM enrollments WHERE start_date >= :d",
            d=_day(engine, TODAY),
        )
        == 0
    )
    # What lies ahead: calls still to come (no outcome yet) and installments not yet due.
    future_calls = _rows(
        engine, "SELECT outcome FROM sales_calls WHERE scheduled_at >= :t", t=today
    )
    assert future_calls and all(outcome is None for (outcome,) in future_calls)
    future_installments = _rows(
        engine, "SELECT status FROM installments WHERE due_date >= :d", d=_day(engine, TODAY)
    )
    assert future_installments and {s for (s,) in future_installments} == {"PENDING"}
    # Deals from the first year are long paid up: most of them are COMPLETED.
    first_year = _rows(
        engine,
        "SELECT status FROM enrollments WHERE start_date < :d",
        d=_day(engine, YEARS_FIRST_DAY + dt.timedelta(days=365)),
    )
    assert first_year
    completed = sum(status == "COMPLETED" for (status,) in first_year)
    assert completed / len(first_year) >= 0.7


def test_several_years_keep_the_funnel_rates(engine: Engine) -> None:
    seed_database(engine, today=TODAY, years=YEARS)

    booked_leads = _scalar(engine, "SELECT count(DISTINCT lead_id) FROM sales_calls")
    assert 0.30 <= booked_leads / 2000 <= 0.40
    held, no_shows, offers, closes = _rows(
        engine,
        "SELECT "
        " sum(CASE WHEN outcome NOT IN ('NO_SHOW', 'CANCELLED', 'RESCHEDULED') THEN 1 ELSE 0 END),"
        " sum(CASE WHEN outcome = 'NO_SHOW' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN offer_made THEN 1 ELSE 0 END),"
        " sum(CASE WHEN outcome = 'CLOSED_WON' THEN 1 ELSE 0 END) FROM sales_calls",
    )[0]
    assert 0.70 <= held / (held + no_shows) <= 0.80  # show rate
    assert 0.62 <= offers / held <= 0.80  # offer rate
    assert 0.20 <= closes / held <= 0.30  # close rate
    # What closers report over the three years still equals what their calls say.
    reported = _scalar(engine, "SELECT sum(closes) FROM daily_metrics")
    assert reported == closes


@pytest.mark.parametrize("years", [0, 11])
def test_years_out_of_range_are_refused(engine: Engine, years: int) -> None:
    with pytest.raises(PortalError, match=f"years must be between 1 and 10 \\(got {years}\\)"):
        seed_database(engine, leads=SMALL, today=TODAY, years=years)

    assert _scalar(engine, "SELECT count(*) FROM team_members") == 0


def test_the_daily_facts_are_built_with_the_data(engine: Engine) -> None:
    """The seeder leaves the rollups built (nothing noted, the time zone recorded), and they
    add up to the records: the first report does not have to rebuild a year of days."""
    seed_database(engine, leads=300, today=TODAY)

    assert _scalar(engine, "SELECT count(*) FROM rollup_dirty") == 0
    assert _scalar(engine, "SELECT value FROM rollup_state WHERE name = 'time_zone'")
    assert _scalar(engine, "SELECT sum(leads) FROM lead_day_facts") == 300
    booked = _scalar(
        engine,
        "SELECT count(*) FROM sales_calls"
        " WHERE outcome IS NULL OR outcome NOT IN ('CANCELLED', 'RESCHEDULED')",
    )
    assert booked > 0
    assert _scalar(engine, "SELECT sum(booked) FROM call_day_facts") == booked
    assert _scalar(engine, "SELECT sum(amount) FROM installment_due_facts") == _scalar(
        engine,
        "SELECT sum(i.amount) FROM installments i JOIN enrollments e ON e.id = i.enrollment_id"
        " WHERE e.status <> 'CANCELLED'",
    )
