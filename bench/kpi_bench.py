"""Benchmark: the KPI report against one hand-written SQL query per KPI.

    python bench/kpi_bench.py [--leads 1000000] [--years 1] [--backend postgresql|sqlite|both]
                              [--url postgresql://user@host/admin_db] [--tries 5]
                              [--cache-dir /tmp/portal-kpi-bench]

For each backend a database of ``--leads`` leads over ``--years`` years is seeded once with
``seed_database`` (for a fixed "today", so the rows never change) and cached under
``--cache-dir``: the SQLite file, and the data directory of the throw-away PostgreSQL cluster
(tests/pg_cluster.py), which is started again on the next run. With ``--url`` (an admin URL)
the PostgreSQL database is made and kept on that server instead. The cached file and
database are named after the leads and, beyond one year, the years (``kpi_1000000.sqlite3``,
``kpi_1000000_5y.sqlite3``; ``kpi_bench_1000000``, ``kpi_bench_1000000_5y``).

Then, for the whole span of data (with several years), its last year and its last 30 days:
first both sides are checked to give the same numbers, then ``kpi_report`` (SQLAlchemy,
through a Session, settings lookup included) and the 29 hand-written queries (run directly
with psycopg / sqlite3) are timed in alternation, ``--tries`` times each after a warm-up.
Prints the medians, their ratio and the absolute times; the floor is a ratio of at most 1.5,
and the exit status is 1 when it is missed. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sqlite3
import statistics
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal_desktop.db import migrate  # noqa: E402
from portal_desktop.db.engine import make_engine, session_factory  # noqa: E402
from portal_desktop.services.accounts.settings import load_settings  # noqa: E402
from portal_desktop.services.common.context import SYSTEM  # noqa: E402
from portal_desktop.services.common.date_ranges import make_range  # noqa: E402
from portal_desktop.services.reporting.kpis import KPI_KEYS, kpi_kind, kpi_report  # noqa: E402
from portal_desktop.services.seeding import seed_database  # noqa: E402
from portal_desktop.services.seeding.clock import Window  # noqa: E402
from tests.pg_cluster import INSTALL_HINT, PgCluster, _free_port, find_server_binaries  # noqa: E402

FLOOR = 1.5
TODAY = dt.date(2025, 12, 31)  # the seeded data covers the --years years before it
RANGES = {
    "year": (TODAY - dt.timedelta(days=364), TODAY),
    "30 days": (TODAY - dt.timedelta(days=29), TODAY),
}


def first_day(years: int) -> dt.date:
    """The first day of seeded data: ``years`` times 365 days before TODAY."""
    return Window(TODAY, years).first_day


def whole_span(years: int) -> tuple[dt.date, dt.date]:
    """All the data, as local dates: from the day before the first (the first UTC day starts
    on the evening before in a time zone west of UTC, like the default New York) to TODAY."""
    return first_day(years) - dt.timedelta(days=1), TODAY


def ranges(years: int) -> dict[str, tuple[dt.date, dt.date]]:
    """RANGES, and with several years of data the whole span first."""
    if years == 1:
        return RANGES
    return {f"{years} years": whole_span(years), **RANGES}


# --- the hand-written queries: one per KPI, as someone would type them -------------------

_BOOKED = "scheduled_at >= :lo AND scheduled_at < :hi AND (outcome IS NULL OR outcome NOT IN ('CANCELLED', 'RESCHEDULED'))"  # noqa: E501
_HELD = "outcome IS NOT NULL AND outcome NOT IN ('CANCELLED', 'RESCHEDULED', 'NO_SHOW')"
_OFFER = f"{_HELD} AND ({{offer_made}} OR outcome IN ('CLOSED_WON', 'CLOSED_LOST'))"
_RECEIVED = "status IN ('PAID', 'REFUNDED') AND paid_at >= :lo AND paid_at < :hi"
_REFUNDED = "refunded_at >= :lo AND refunded_at < :hi"
_SPEND = "(SELECT sum(spend) FROM ad_performance WHERE date BETWEEN :d0 AND :d1)"
_ATTRIBUTED = """
    SELECT coalesce(sum(CASE WHEN p.status IN ('PAID', 'REFUNDED')
                              AND p.paid_at >= :lo AND p.paid_at < :hi
                             THEN p.amount ELSE 0 END), 0)
         - coalesce(sum(CASE WHEN p.refunded_at >= :lo AND p.refunded_at < :hi
                             THEN p.refunded_amount ELSE 0 END), 0)
    FROM payments p
    JOIN enrollments e ON e.id = p.enrollment_id
    JOIN students s ON s.id = e.student_id
    JOIN leads l ON l.id = s.lead_id
    WHERE l.ad_campaign_id IS NOT NULL
      AND ((p.paid_at >= :lo AND p.paid_at < :hi) OR (p.refunded_at >= :lo AND p.refunded_at < :hi))
"""
_UNPAID = """
    SELECT coalesce(sum(CASE WHEN i.amount > coalesce(p.amount, 0)
                             THEN i.amount - coalesce(p.amount, 0) ELSE 0 END), 0)
    FROM installments i
    JOIN enrollments e ON e.id = i.enrollment_id
    LEFT JOIN payments p ON p.installment_id = i.id AND p.status = 'PAID' AND p.paid_at < :hi
    WHERE e.start_date <= :d1 AND e.status <> 'CANCELLED'
"""

HAND_SQL: dict[str, str] = {
    "leads": "SELECT count(*) FROM leads WHERE created_at >= :lo AND created_at < :hi",
    "paid_leads": "SELECT count(*) FROM leads WHERE created_at >= :lo AND created_at < :hi"
    " AND ad_campaign_id IS NOT NULL",
    "calls_booked": f"SELECT count(*) FROM sales_calls WHERE {_BOOKED}",
    "calls_held": f"SELECT count(*) FROM sales_calls WHERE {_BOOKED} AND {_HELD}",
    "no_shows": f"SELECT count(*) FROM sales_calls WHERE {_BOOKED} AND outcome = 'NO_SHOW'",
    "show_rate": "SELECT sum(CASE WHEN outcome <> 'NO_SHOW' THEN 1 ELSE 0 END) * 1.0"
    f" / nullif(count(*), 0) FROM sales_calls WHERE {_BOOKED} AND outcome IS NOT NULL",
    "offers": f"SELECT count(*) FROM sales_calls WHERE {_BOOKED} AND {_OFFER}",
    "offer_rate": f"SELECT sum(CASE WHEN {_OFFER} THEN 1 ELSE 0 END) * 1.0"
    f" / nullif(sum(CASE WHEN {_HELD} THEN 1 ELSE 0 END), 0) FROM sales_calls WHERE {_BOOKED}",
    "closes": f"SELECT count(*) FROM sales_calls WHERE {_BOOKED} AND outcome = 'CLOSED_WON'",
    "close_rate": "SELECT sum(CASE WHEN outcome = 'CLOSED_WON' THEN 1 ELSE 0 END) * 1.0"
    f" / nullif(sum(CASE WHEN {_HELD} THEN 1 ELSE 0 END), 0) FROM sales_calls WHERE {_BOOKED}",
    "offer_close_rate": "SELECT sum(CASE WHEN outcome = 'CLOSED_WON' THEN 1 ELSE 0 END) * 1.0"
    f" / nullif(sum(CASE WHEN {_OFFER} THEN 1 ELSE 0 END), 0) FROM sales_calls WHERE {_BOOKED}",
    "enrollments": "SELECT count(*) FROM enrollments WHERE start_date BETWEEN :d0 AND :d1",
    "contracted_revenue": "SELECT coalesce(sum(contract_value), 0) FROM enrollments"
    " WHERE start_date BETWEEN :d0 AND :d1",
    "aov": "SELECT avg(contract_value) FROM enrollments WHERE start_date BETWEEN :d0 AND :d1",
    "cash_collected": f"SELECT (SELECT coalesce(sum(amount), 0) FROM payments WHERE {_RECEIVED})"
    f" - (SELECT coalesce(sum(refunded_amount), 0) FROM payments WHERE {_REFUNDED})",
    "refunds": f"SELECT coalesce(sum(refunded_amount), 0) FROM payments WHERE {_REFUNDED}",
    "ad_spend": f"SELECT coalesce({_SPEND}, 0)",
    "platform_revenue": "SELECT coalesce(sum(revenue), 0) FROM ad_performance"
    " WHERE date BETWEEN :d0 AND :d1",
    "platform_roas": "SELECT sum(revenue) * 1.0 / nullif(sum(spend), 0) FROM ad_performance"
    " WHERE date BETWEEN :d0 AND :d1",
    "attributed_cash": _ATTRIBUTED,
    "cash_roas": f"SELECT ({_ATTRIBUTED}) * 1.0 / nullif({_SPEND}, 0)",
    "cpl": f"SELECT {_SPEND} * 1.0 / nullif((SELECT count(*) FROM leads"
    " WHERE created_at >= :lo AND created_at < :hi AND ad_campaign_id IS NOT NULL), 0)",
    "cost_per_booked_call": f"SELECT {_SPEND} * 1.0 / nullif((SELECT count(*) FROM sales_calls"
    f" JOIN leads ON leads.id = sales_calls.lead_id WHERE {_BOOKED.replace('scheduled_at', 'sales_calls.scheduled_at')}"  # noqa: E501
    " AND leads.ad_campaign_id IS NOT NULL), 0)",
    "receivables": _UNPAID,
    "overdue_1_30": f"{_UNPAID} AND i.due_date BETWEEN :d1_30 AND :d1_1",
    "overdue_31_60": f"{_UNPAID} AND i.due_date BETWEEN :d1_60 AND :d1_31",
    "overdue_61_90": f"{_UNPAID} AND i.due_date BETWEEN :d1_90 AND :d1_61",
    "overdue_90_plus": f"{_UNPAID} AND i.due_date <= :d1_91",
    "collection_rate": """
        SELECT sum(coalesce(p.amount, 0)) * 1.0 / nullif(sum(i.amount), 0)
        FROM installments i
        JOIN enrollments e ON e.id = i.enrollment_id
        LEFT JOIN payments p ON p.installment_id = i.id AND p.status = 'PAID'
        WHERE i.due_date BETWEEN :d0 AND :d1 AND e.status <> 'CANCELLED'
    """,
}
assert list(HAND_SQL) == list(KPI_KEYS)
MONEY_PER_UNIT = {"aov", "cpl", "cost_per_booked_call"}  # money / count: cents on SQLite


class HandWritten:
    """The 29 queries prepared for one backend and run with its plain DB-API driver."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend = backend
        if backend == "postgresql":
            self.conn: Any = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
            self.sql = {
                key: re.sub(r":(\w+)", r"%(\1)s", text.format(offer_made="offer_made"))
                for key, text in HAND_SQL.items()
            }
        else:
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            self.sql = {k: t.format(offer_made="offer_made = 1") for k, t in HAND_SQL.items()}

    def params(self, start: dt.date, end: dt.date, tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
        lo, hi = make_range(start, end).utc_bounds(tz)
        days = {f"d1_{n}": end - dt.timedelta(days=n) for n in (1, 30, 31, 60, 61, 90, 91)}
        values: dict[str, Any] = {"lo": lo, "hi": hi, "d0": start, "d1": end, **days}
        if self.backend == "sqlite":  # stored as the ORM stores them: naive UTC text, ISO dates
            return {
                k: v.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                if isinstance(v, dt.datetime)
                else v.isoformat()
                for k, v in values.items()
            }
        return values

    def run(self, params: dict[str, Any]) -> dict[str, Any]:
        results = {}
        for key, sql in self.sql.items():
            results[key] = self.conn.execute(sql, params).fetchone()[0]
        return results

    def normalized(self, raw: dict[str, Any]) -> dict[str, Any]:
        """SQLite money is in cents: back to currency units, to compare with the report."""
        if self.backend != "sqlite":
            return raw
        out = dict(raw)
        for key, value in raw.items():
            if value is not None and (kpi_kind(key) == "money" or key in MONEY_PER_UNIT):
                out[key] = Decimal(str(value)) / 100
        return out

    def close(self) -> None:
        self.conn.close()


def same(key: str, ours: Any, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if kpi_kind(key) == "count":
        return int(ours) == int(theirs)
    return abs(Decimal(str(ours)) - Decimal(str(theirs))) < Decimal("0.000001")


# --- databases ----------------------------------------------------------------------------


def _seed(url: str, leads: int, years: int) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            seeded = conn.exec_driver_sql("SELECT count(*) FROM leads").scalar_one()
            earliest = conn.exec_driver_sql("SELECT min(created_at) FROM leads").scalar_one()
        if seeded == leads:
            _require_span(url, earliest, years)
            return
        if seeded:
            raise SystemExit(f"{url} holds {seeded:,} leads, not {leads:,}; delete it first")
        started = time.perf_counter()
        print(f"  seeding {leads:,} leads over {years} year(s) …", flush=True)
        seed_database(engine, leads=leads, today=TODAY, years=years)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if "postgresql" in url else "ANALYZE")
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        engine.dispose()


def _require_span(url: str, earliest: object, years: int) -> None:
    """A cached database must hold ``years`` years of data: its first lead says how many."""
    day = dt.date.fromisoformat(str(earliest)[:10])
    start = first_day(years)
    if not start <= day < start + dt.timedelta(days=30):
        raise SystemExit(
            f"{url} starts on {day}, not near {start} ({years} year(s) before {TODAY}); "
            "delete it first"
        )


def _cache_name(leads: int, years: int) -> str:
    """``1000000`` for one year (the name caches had before --years), else ``1000000_5y``."""
    return f"{leads}" if years == 1 else f"{leads}_{years}y"


def sqlite_database(cache: Path, leads: int, years: int = 1) -> str:
    url = f"sqlite:///{cache / f'kpi_{_cache_name(leads, years)}.sqlite3'}"
    _seed(url, leads, years)
    return url


def postgres_database(admin_url: str, leads: int, years: int = 1) -> str:
    name = f"kpi_bench_{_cache_name(leads, years)}"
    plain = admin_url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{plain.rsplit('/', 1)[0]}/{name}"
    _seed(url, leads, years)
    return url


@contextmanager
def cached_cluster(cache: Path) -> Iterator[PgCluster]:
    """The throw-away cluster of tests/pg_cluster.py, its data directory kept in ``cache``."""
    bin_dir = find_server_binaries()
    if bin_dir is None:
        raise SystemExit(INSTALL_HINT)
    root = cache / "pg"
    if not (root / "data" / "PG_VERSION").exists():
        fresh = PgCluster.start(bin_dir)  # initdb, as the postgres user when run as root
        fresh._run("pg_ctl", "-D", str(fresh.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
        shutil.move(fresh.root, root)
    cluster = PgCluster(bin_dir, root, _free_port(), "postgres" if os.geteuid() == 0 else None)
    options = (
        f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    data = str(root / "data")
    cluster._run("pg_ctl", "-D", data, "-l", str(root / "server.log"), "-o", options, "-w", "start")
    try:
        yield cluster
    finally:
        cluster._run("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")


# --- timing -------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench_backend(backend: str, url: str, tries: int, years: int = 1) -> bool:
    engine = make_engine(url)
    sessions = session_factory(engine)
    hand = HandWritten(backend, url)
    ok = True
    try:
        with sessions() as session:
            tz = load_settings(session).tz
        for label, (start, end) in ranges(years).items():

            def ours(start: dt.date = start, end: dt.date = end) -> dict[str, Any]:
                with sessions() as session:
                    return kpi_report(session, SYSTEM, start, end).values()

            params = hand.params(start, end, tz)
            mine, theirs = ours(), hand.normalized(hand.run(params))  # warm-up and check
            wrong = [k for k in KPI_KEYS if not same(k, mine[k], theirs[k])]
            if wrong:
                for key in wrong:
                    print(f"  MISMATCH {key}: report {mine[key]} vs hand-written {theirs[key]}")
                ok = False
            report_times, hand_times = [], []
            for _ in range(tries):  # alternate, so a busy machine slows both alike
                report_times.append(timed(ours)[0])
                hand_times.append(timed(lambda params=params: hand.run(params))[0])
            report_s, hand_s = statistics.median(report_times), statistics.median(hand_times)
            ratio = report_s / hand_s
            verdict = "ok" if ratio <= FLOOR else f"ABOVE THE FLOOR OF {FLOOR}"
            print(
                f"  {label:>8} {start}..{end}: report {report_s * 1000:8.1f} ms (7 queries)"
                f" | hand-written {hand_s * 1000:8.1f} ms (29 queries)"
                f" | ratio {ratio:.2f} {verdict}"
                f" | leads {mine['leads']:,}, cash {mine['cash_collected']:,}",
                flush=True,
            )
            ok = ok and ratio <= FLOOR
    finally:
        hand.close()
        engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=1, help="years of data (1 to 10)")
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--url", help="PostgreSQL admin URL (default: a throw-away cluster)")
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/portal-kpi-bench"))
    args = parser.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    ok = True
    leads, years = args.leads, args.years
    if args.backend in ("sqlite", "both"):
        print(f"SQLite, {leads:,} leads over {years} year(s):", flush=True)
        url = sqlite_database(args.cache_dir, leads, years)
        ok = bench_backend("sqlite", url, args.tries, years)
    if args.backend in ("postgresql", "both"):
        print(f"PostgreSQL, {leads:,} leads over {years} year(s):", flush=True)
        if args.url:
            url = postgres_database(args.url, leads, years)
            ok = bench_backend("postgresql", url, args.tries, years) and ok
        else:
            with cached_cluster(args.cache_dir) as cluster:
                url = postgres_database(cluster.admin_url, leads, years)
                ok = bench_backend("postgresql", url, args.tries, years) and ok
    print(f"floor: report at most {FLOOR}x the hand-written total — {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
