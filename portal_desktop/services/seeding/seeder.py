"""``seed_database``: fill an empty database with the demo data set, all or nothing."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.engine import describe
from portal_desktop.errors import PortalError
from portal_desktop.models.enums import UserRole
from portal_desktop.services.accounts.passwords import hash_password
from portal_desktop.services.accounts.settings import DEFAULTS
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.services.seeding import daily
from portal_desktop.services.seeding.clock import MAX_YEARS, MIN_YEARS, Window
from portal_desktop.services.seeding.funnel import Funnel
from portal_desktop.services.seeding.reference import (
    DEMO_USERS,
    DemoUser,
    build_reference,
    build_users,
)
from portal_desktop.services.seeding.tables import TABLES, Row
from portal_desktop.services.seeding.tallies import Tallies
from portal_desktop.services.seeding.world import World
from portal_desktop.services.seeding.writer import RowWriter, background, writer_for

DEMO_PASSWORD = "portal-demo-1"
DEFAULT_LEADS = 2_000
# Leads generated and written together: memory stays flat (the rows do not depend on it).
BLOCK_LEADS = 5_000


@dataclass(frozen=True)
class SeedSummary:
    """What was written: rows per table, and the demo users with their password."""

    counts: dict[str, int]
    users: tuple[DemoUser, ...]
    password: str
    today: dt.date
    years: int = 1

    def describe(self) -> str:
        width = max(map(len, self.counts))
        lines = [f"  {table:<{width}}  {count:>10,}" for table, count in self.counts.items()]
        span = "12 months" if self.years == 1 else f"{self.years} years"
        lines.append(f"Data covers the {span} before {self.today.isoformat()}.")
        lines.append(f'Demo users (password "{self.password}"):')
        for user in self.users:
            linked = ", linked to the closer of that name" if user.role is UserRole.SALES else ""
            lines.append(f"  {user.username:<10} {user.role.value:<9} ({user.full_name}{linked})")
        return "\n".join(lines)


def seed_database(
    engine: Engine,
    *,
    leads: int = DEFAULT_LEADS,
    seed: int = 42,
    today: dt.date | None = None,
    years: int = 1,
) -> SeedSummary:
    """Fill an empty, migrated database with demo data in one transaction.

    The data covers the ``years`` years (365 days each) before ``today``: the leads are spread
    over them, and the calls, deals, payments and per-day records follow. The same ``seed``,
    ``today`` and ``years`` give the same rows (keys included; only the password hash
    differs, as it is salted). Everything but the team, programs, campaigns and users scales
    with ``leads``. Refuses a database that already holds data: nothing is written.
    """
    if leads < 1:
        raise PortalError(f"the number of leads must be at least 1 (got {leads})")
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise PortalError(
            f"the number of years must be between {MIN_YEARS} and {MAX_YEARS} (got {years})"
        )
    # Today in the installation's time zone (an empty database has the default one).
    day = today or clock.today(DEFAULTS.tz)
    window = Window(day, years)
    where = describe(engine.url)
    # One salted hash per demo user (before the transaction: hashing is slow on purpose).
    password_hashes = tuple(hash_password(DEMO_PASSWORD) for _user in DEMO_USERS)
    try:
        with engine.begin() as connection:
            _require_empty(connection, where)
            with background(writer_for(connection)) as writer:
                counts = _generate(
                    writer, leads=leads, seed=seed, window=window, password_hashes=password_hashes
                )
            # The daily facts, in the same transaction: the first report is then quick.
            with Session(bind=connection) as session:
                refresh_rollups(session)
    except (DBAPIError, psycopg.Error, sqlite3.Error) as exc:
        raise PortalError(
            f"seeding {where} failed, nothing was written: {_first_line(exc)}"
        ) from exc
    return SeedSummary(counts, DEMO_USERS, DEMO_PASSWORD, day, years)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return next((line.strip() for line in str(orig).splitlines() if line.strip()), repr(orig))


def _require_empty(connection: Connection, where: str) -> None:
    for table in ("leads", *(t for t in TABLES if t != "leads")):
        count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        if count:
            raise PortalError(
                f"{where} already holds {count:,} {table.replace('_', ' ')}; "
                "seed an empty database (create a new one with `portal-desktop db upgrade`)"
            )


def _generate(
    writer: RowWriter,
    *,
    leads: int,
    seed: int,
    window: Window,
    password_hashes: tuple[str, ...],
) -> dict[str, int]:
    world = World(random.Random(seed), window, leads)
    counts = dict.fromkeys(TABLES, 0)

    def write(rows: dict[str, list[Row]]) -> None:
        for table, table_rows in rows.items():
            writer.write(table, table_rows)
            counts[table] += len(table_rows)

    fixed: dict[str, list[Row]] = {t: [] for t in ("team_members", "programs", "ad_campaigns",
                                                   "users")}  # fmt: skip
    reference = build_reference(world, fixed)
    build_users(world, reference, password_hashes, fixed)
    write(fixed)

    tallies = Tallies(len(reference.members), len(reference.campaigns), window.days)
    funnel = Funnel(world, reference, tallies)
    for start in range(0, leads, BLOCK_LEADS):
        write(funnel.block(start, min(start + BLOCK_LEADS, leads)))

    daily.move_weekend_cash(world, tallies)
    write(
        {
            "daily_metrics": daily.daily_metric_rows(world, reference, tallies),
            "ad_performance": daily.ad_performance_rows(world, reference, tallies),
            "email_broadcasts": daily.broadcast_rows(world),
        }
    )
    return counts
