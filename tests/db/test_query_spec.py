"""Paged, sorted, searched lists in SQL: every row where an independent query puts it."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

from portal_desktop import clock
from portal_desktop.db import migrate
from portal_desktop.db.admin_queries import USERS
from portal_desktop.db.engine import make_engine
from portal_desktop.db.list_queries import PIPELINE, SALES_CALLS, leads
from portal_desktop.db.lists import every_spec
from portal_desktop.db.paged_rows import PagedRows
from portal_desktop.db.query_spec import ListQuery, ListSpec, SortOrder
from portal_desktop.models import Lead, TeamMember, new_id
from portal_desktop.models.enums import LeadStatus, TeamRole
from tests.db.list_samples import seed_every_list

FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Linus"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Torvalds"]
SAMPLE_LEADS = 47
PAGE_SIZE = 4
MAX_PAGES = 3


def insert_sample_leads(engine: Engine, count: int = SAMPLE_LEADS) -> list[dict[str, Any]]:
    """Leads with ties (same names, same created_at) and NULLs in every nullable column."""
    rnd = random.Random(7)
    owners = [
        {"id": new_id(), "name": name, "role": TeamRole.SETTER} for name in ("Zoe", "Amir", "Mo")
    ]
    start = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    rows = []
    for n in range(count):
        rows.append(
            {
                "id": new_id(),
                "first_name": rnd.choice(FIRST_NAMES),
                "last_name": rnd.choice(LAST_NAMES),
                # Unique emails, some NULL, some with the LIKE wildcard "_".
                "email": None if n % 5 == 0 else f"lead{'_' if n % 3 else ''}{n}@example.com",
                "phone": None if n % 4 == 0 else f"+1 555 01{n:02d}",
                "source": rnd.choice(["ads", "organic", "referral", None]),
                "campaign": rnd.choice(["Spring webinar", "Black Friday 50% off", None]),
                "status": rnd.choice(list(LeadStatus)),
                "owner_id": rnd.choice([*(o["id"] for o in owners), None]),
                # Only 9 distinct times: many ties that the key has to break.
                "created_at": start + dt.timedelta(hours=n % 9),
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(TeamMember), owners)
        conn.execute(insert(Lead), rows)
    return rows


@pytest.fixture
def sample_leads(engine: Engine) -> list[dict[str, Any]]:
    return insert_sample_leads(engine)


def tie_breaker(engine: Engine, spec: ListSpec) -> Any:
    """The unique last sort key, written independently of query_spec."""
    if engine.dialect.name == "sqlite":
        return literal_column(f"{spec.base.name}.rowid")
    return spec.key


def expected_keys(engine: Engine, query: ListQuery) -> list[Any]:
    """Primary keys in the order a plain ORDER BY gives: NULLs as the smallest values,
    spelled out with ``(x IS NULL)`` so it does not depend on the database's default."""
    spec = query.spec
    descending = query.sort.descending
    order: list[Any] = []
    for expr in spec.columns[query.sort.column].sort_exprs:
        is_null = expr.is_(None)
        order += [is_null.asc(), expr.desc()] if descending else [is_null.desc(), expr.asc()]
    tie = tie_breaker(engine, spec)
    order.append(tie.desc() if descending else tie.asc())
    stmt = (
        select(spec.key)
        .select_from(spec.source)
        .where(*query.conditions(engine.dialect.name))
        .order_by(*order)
    )
    with engine.connect() as conn:
        return list(conn.scalars(stmt))


def all_keys(rows: PagedRows) -> list[Any]:
    return [rows.row(i)[-1] for i in range(rows.total)]  # type: ignore[index]


def test_every_row_is_the_row_at_that_offset_and_the_cache_stays_bounded(
    engine: Engine, sample_leads
) -> None:
    rows = PagedRows(engine, PIPELINE.query(), page_size=PAGE_SIZE, max_pages=MAX_PAGES)
    assert rows.total == SAMPLE_LEADS
    created_desc = PIPELINE.default_sort
    assert PIPELINE.columns[created_desc.column].title == "Created" and created_desc.descending
    tie = tie_breaker(engine, PIPELINE)
    with engine.connect() as conn:
        for n in [*range(SAMPLE_LEADS), 0, SAMPLE_LEADS - 1, 20, 3]:
            at_offset = conn.execute(
                select(leads.c.id, leads.c.email, leads.c.created_at)
                .order_by(leads.c.created_at.desc(), tie.desc())
                .offset(n)
                .limit(1)
            ).one()
            row = rows.row(n)
            assert row is not None
            assert (row[-1], row[1], row[7]) == tuple(at_offset), n
            assert len(rows.cached_pages) <= MAX_PAGES
    assert rows.row(SAMPLE_LEADS) is None and rows.row(-1) is None


def test_the_last_row_costs_one_page_query(engine: Engine, sample_leads) -> None:
    rows = PagedRows(engine, PIPELINE.query(), page_size=PAGE_SIZE, max_pages=MAX_PAGES)
    last = rows.row(SAMPLE_LEADS - 1)
    assert (rows.stats.counts, rows.stats.pages) == (1, 1)
    assert rows.cached_pages == [(SAMPLE_LEADS - 1) // PAGE_SIZE]
    # The last page is read in reverse; its rows must still come out in order.
    assert [rows.row(i)[-1] for i in range(44, 47)] == expected_keys(engine, rows.query)[44:]
    assert last is not None and last[-1] == expected_keys(engine, rows.query)[-1]
    assert rows.stats.pages == 1


def test_a_deferred_count_reads_the_first_page_and_counts_only_a_long_list(
    engine: Engine, sample_leads
) -> None:
    long = PagedRows(engine, PIPELINE.query(), page_size=PAGE_SIZE, defer_count=True)
    assert (long.counted, long.total, long.stats.counts, long.stats.pages) == (
        False,
        PAGE_SIZE,
        0,
        1,
    )
    assert [long.row(i)[-1] for i in range(PAGE_SIZE)] == expected_keys(engine, long.query)[:4]
    assert long.row(PAGE_SIZE) is None  # not counted yet: only the first page is listed
    long.set_total(long.count())
    assert long.counted and long.total == SAMPLE_LEADS
    assert long.row(SAMPLE_LEADS - 1)[-1] == expected_keys(engine, long.query)[-1]
    # A first page shorter than a page is the whole list: no COUNT at all.
    short = PagedRows(engine, PIPELINE.query(search="lovelace"), page_size=50, defer_count=True)
    lovelaces = sum(lead["last_name"] == "Lovelace" for lead in sample_leads)
    assert 0 < lovelaces < 50
    assert (short.counted, short.total, short.stats.counts) == (True, lovelaces, 0)


@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_each_column_matches_sql_order_by(
    engine: Engine, sample_leads, descending: bool
) -> None:
    rows = PagedRows(engine, PIPELINE.query(), page_size=PAGE_SIZE, max_pages=MAX_PAGES)
    for column in range(len(PIPELINE.columns)):
        query = PIPELINE.query(sort=SortOrder(column, descending))
        rows.set_query(query, recount=False)
        assert all_keys(rows) == expected_keys(engine, query), PIPELINE.columns[column].title


def test_names_sort_by_last_then_first_name(engine: Engine, sample_leads) -> None:
    rows = PagedRows(engine, PIPELINE.query(sort=SortOrder(0)), page_size=PAGE_SIZE)
    names = [(rows.row(i)[0]) for i in range(rows.total)]  # type: ignore[index]
    by_last_first = sorted(
        sample_leads, key=lambda lead: (lead["last_name"], lead["first_name"])
    )  # ASCII names: Python's order is every collation's order here
    assert names == [f"{r['first_name']} {r['last_name']}" for r in by_last_first]


def _matches(lead: dict[str, Any], words: list[str]) -> bool:
    fields = [lead[f] or "" for f in ("first_name", "last_name", "email", "phone")]
    return all(any(word.lower() in field.lower() for field in fields) for word in words)


@pytest.mark.parametrize("search", ["ada", "ADA lovelace", "_", "%", "555 0113", "example", "zz"])
def test_search_narrows_the_count_in_sql(engine: Engine, sample_leads, search: str) -> None:
    expected = [lead for lead in sample_leads if _matches(lead, search.split())]
    rows = PagedRows(engine, PIPELINE.query(search=search), page_size=PAGE_SIZE)
    assert rows.total == len(expected)
    assert sorted(map(str, all_keys(rows))) == sorted(str(lead["id"]) for lead in expected)


def test_filters_narrow_the_list_in_sql(engine: Engine, sample_leads) -> None:
    query = PIPELINE.query(search="ada").with_filters(leads.c.status == LeadStatus.NEW)
    expected = [
        lead
        for lead in sample_leads
        if lead["status"] is LeadStatus.NEW and _matches(lead, ["ada"])
    ]
    rows = PagedRows(engine, query, page_size=PAGE_SIZE)
    assert 0 < rows.total == len(expected) < SAMPLE_LEADS
    assert sorted(map(str, all_keys(rows))) == sorted(str(lead["id"]) for lead in expected)


def test_every_list_reads_all_its_rows_in_order_on_seeded_data(engine: Engine) -> None:
    seed_every_list(engine)
    for spec in every_spec(clock.today(dt.UTC), dt.UTC):
        with engine.connect() as conn:
            in_table = conn.scalar(select(func.count()).select_from(spec.base))
        rows = PagedRows(engine, spec.query(), page_size=7, max_pages=2)
        # Lookups add columns, never rows.
        assert rows.total == in_table and in_table > 0, spec.name
        for column, descending in itertools.product(range(len(spec.columns)), (False, True)):
            query = spec.query(sort=SortOrder(column, descending))
            rows.set_query(query, recount=False)
            assert all_keys(rows) == expected_keys(engine, query), (spec.name, column)


def test_the_admin_list_never_reads_password_hashes() -> None:
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(USERS.query(search="x").page_statement(dialect.name, 0, 10))
        assert "password" not in sql


def test_a_count_joins_only_the_lookups_its_search_reads() -> None:
    for spec in every_spec(clock.today(dt.UTC), dt.UTC):
        assert "JOIN" not in str(spec.query().count_statement("sqlite")), spec.name
    searched = str(SALES_CALLS.query(search="a").count_statement("sqlite"))
    assert "AS host" in searched and "AS call_lead" in searched
    assert "AS setter" not in searched


@pytest.mark.parametrize("column", ["Name", "Email", "Status", "Source", "Created"])
def test_sqlite_reads_an_indexed_order_without_sorting(tmp_path, column: str) -> None:
    """On SQLite an indexed column plus rowid is read from the index: no sort step, so the
    middle of a million rows is as quick to reach as the top."""
    engine = make_engine(f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    migrate.upgrade(engine)
    number = [c.title for c in PIPELINE.columns].index(column)
    stmt = PIPELINE.query(sort=SortOrder(number, True)).page_statement("sqlite", 500, 200)
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    engine.dispose()
    key_scan = [step for step in plan if "leads" in step and "SCAN" in step]
    assert key_scan and "INDEX" in key_scan[0], plan
    assert not any("TEMP B-TREE" in step for step in plan[: plan.index(key_scan[0]) + 2]), plan
