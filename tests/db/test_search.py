"""The search box's index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL) finds exactly what
a plain substring match finds, and stays in step with writes."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, update

from portal_desktop.db.list_queries import PIPELINE, is_search_index_object, leads
from portal_desktop.db.paged_rows import fts_available
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.services.seeding import seed_database

SEED_LEADS = 150


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=SEED_LEADS, seed=5)
    return engine


def _all_leads(engine: Engine) -> dict[object, tuple[str, ...]]:
    cols = (leads.c.id, leads.c.first_name, leads.c.last_name, leads.c.email, leads.c.phone)
    with engine.connect() as conn:
        return {row[0]: tuple(v or "" for v in row[1:]) for row in conn.execute(select(*cols))}


def _expected(people: dict[object, tuple[str, ...]], text: str) -> set[object]:
    """Independently, in Python: every word is a substring (any case) of some column."""
    words = text.lower().split()
    return {
        key
        for key, values in people.items()
        if all(any(word in value.lower() for value in values) for word in words)
    }


def _found(engine: Engine, query: ListQuery) -> set[object]:
    dialect = engine.dialect.name
    with engine.connect() as conn:
        return set(conn.execute(query.page_statement(dialect, 0, 10_000)).scalars("row_key"))


def _probes(people: dict[object, tuple[str, ...]]) -> list[str]:
    """Starts of names, emails and phone digits taken from the demo data, plus misses."""
    rows = sorted(people.values())
    first, last, email, _phone = rows[0]
    phones = [p for *_, p in rows if p]
    probes = [
        first[:3],
        last[:4].upper(),
        email[:5],
        email.split("@")[-1][:6],
        phones[0][-4:],
        phones[1][3:8],
        f"{first[:3]} {last[:3]}",
        "zq",  # two letters: the LIKE fallback
        "qqqzzz",  # matches nothing
        'o"b',  # a quote must not break the FTS query
        "100%",
    ]
    return [probe for probe in probes if probe.strip()]


def test_indexed_search_equals_plain_substring_match(seeded: Engine) -> None:
    people = _all_leads(seeded)
    uses_fts = fts_available(seeded, PIPELINE.fts_table)
    assert uses_fts == (seeded.dialect.name == "sqlite")
    base = PIPELINE.query().with_fts(uses_fts)
    hits = 0
    for probe in _probes(people):
        expected = _expected(people, probe)
        assert _found(seeded, base.with_search(probe)) == expected, probe
        hits += bool(expected)
    assert hits >= 6  # the probes really find rows


def test_sqlite_search_goes_through_fts5(seeded: Engine) -> None:
    query = PIPELINE.query().with_fts(fts_available(seeded, PIPELINE.fts_table))
    sql = str(query.with_search("anna").count_statement(seeded.dialect.name).compile(seeded))
    if seeded.dialect.name == "sqlite":
        assert "MATCH" in sql and "leads_search" in sql
    else:
        assert "ILIKE" in sql.upper()


def test_the_migration_built_the_search_index(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'leads'"
        wanted = {f"ix_leads_{c}_trgm" for c in ("first_name", "last_name", "email", "phone")}
    else:
        query = "SELECT name FROM sqlite_master WHERE name LIKE 'leads_search%'"
        wanted = {"leads_search", "leads_search_ai", "leads_search_au", "leads_search_ad"}
    with engine.connect() as conn:
        names = set(conn.exec_driver_sql(query).scalars())
    assert names >= wanted
    assert all(is_search_index_object(name) for name in wanted)


def test_index_follows_updates(seeded: Engine) -> None:
    query = PIPELINE.query().with_fts(fts_available(seeded, PIPELINE.fts_table))
    with seeded.begin() as conn:
        some_id = conn.execute(select(leads.c.id).limit(1)).scalar_one()
        conn.execute(update(leads).where(leads.c.id == some_id).values(last_name="Xylophonique"))
    assert _found(seeded, query.with_search("lophon")) == {some_id}
    with seeded.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == some_id).values(last_name="Plain"))
    assert _found(seeded, query.with_search("lophon")) == set()
    people = _all_leads(seeded)
    assert _found(seeded, query.with_search("Plain")) == _expected(people, "Plain")
