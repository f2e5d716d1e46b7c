"""The rollup refresh as SECURITY DEFINER functions (PostgreSQL, migration 0007).

People may read the daily facts but not write them (``db/pg_grants.py``); a report run by a
restricted role must still see complete, correct figures. So on PostgreSQL the writes of
``rollups.py`` run in functions owned by the schema owner. Their SQL is not written twice:
it is the statements ``rollups.py`` builds, rendered for PostgreSQL here with the period's
bounds, the time zone and the claimed ids turned into the functions' variables
(:func:`function_statements`; a test compares the functions in a database with them).

- ``portal_rollup_claim_days()``: claims the committed notes and returns the UTC days of
  the noted records and of the noted parents' children (``rollups._claim_noted_days``).
- ``portal_rollup_reset(tz)``: claims every note, empties the facts, records the time zone.
- ``portal_rollup_span()``: the first and last day any record falls on (``rollups._span``).
- ``portal_rollup_rebuild(first, last)``: rebuilds the facts of those local days in the
  time zone they were built in (``rollups._rebuild``).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Date, delete, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ClauseElement, Select

from portal_desktop.models.rollups import (
    ALL_FACT_TABLES,
    FACT_TABLES,
    rollup_dirty,
    rollup_dirty_parents,
)
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.reporting import rollup_sql, rollups
from portal_desktop.services.reporting.fact_ranges import month_span

_DIALECT = postgresql.psycopg.dialect()  # type: ignore[attr-defined]
_TZ = zoneinfo.ZoneInfo("America/St_Johns")  # sentinels, recognised by value when rendered
_PERIOD = DateRange(dt.date(1901, 2, 3), dt.date(1901, 2, 4))
_IDS = [uuid.UUID(int=0x5E7)]
_HEADER = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$"
_CALLER_CHECK = """
    IF session_user <> current_user AND NOT (pg_has_role(session_user, 'portal_admin', 'MEMBER')
        OR pg_has_role(session_user, 'portal_sales', 'MEMBER')
        OR pg_has_role(session_user, 'portal_marketing', 'MEMBER')) THEN
        RAISE EXCEPTION '% may not refresh the reports', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;"""


def _literal(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str | uuid.UUID):
        return "'" + str(value).replace("'", "''") + "'"
    raise TypeError(f"no literal for {value!r} in a rollup function")


def render(statement: ClauseElement, variables: dict[Any, str]) -> str:
    """``statement`` as PostgreSQL text: a bound value found in ``variables`` becomes that
    plpgsql variable (a list of ids: ``= ANY (variable)``), any other a literal."""
    compiled = statement.compile(dialect=_DIALECT)
    sql = compiled.string
    for bind, name in compiled.bind_names.items():
        value = bind.effective_value
        if bind.expanding:
            if value == _IDS:
                sql = sql.replace(f" IN (__[POSTCOMPILE_{name}])", f" = ANY ({variables['ids']})")
            else:
                listed = ", ".join(_literal(item) for item in value)
                sql = sql.replace(f"(__[POSTCOMPILE_{name}])", f"({listed})")
            continue
        key = value.isoformat() if isinstance(value, dt.date) else value
        target = variables.get(key) if isinstance(key, str) else None
        sql = sql.replace(f"%({name})s", target or _literal(value))
    if "%(" in sql or "__[POSTCOMPILE" in sql:
        raise ValueError(f"a parameter was left in a rollup function: {sql}")
    return sql.replace("%%", "%")


def _variables() -> dict[Any, str]:
    lo, hi = _PERIOD.utc_bounds(_TZ)
    first_month, after_months = month_span(_PERIOD)
    return {
        first_month.isoformat(): "p_month",
        after_months.isoformat(): "p_after_months",
        _PERIOD.start.isoformat(): "p_first",
        _PERIOD.end.isoformat(): "p_last",
        lo.isoformat(): "p_lo",
        hi.isoformat(): "p_hi",
        _TZ.key: "tz",
        "ids": "ids",
    }


def _days_of(query: Select[Any]) -> str:
    """The UTC dates of every non-NULL value of ``query``'s columns (``rollups._utc_day``)."""
    columns = list(query.selected_columns)
    aliases = ", ".join(f"a{i}" for i in range(len(columns)))
    values = ", ".join(
        f"(c.a{i})" if isinstance(col.type, Date) else f"((c.a{i} AT TIME ZONE 'UTC')::date)"
        for i, col in enumerate(columns)
    )
    body = render(query, _variables())
    return (
        f"SELECT v.d FROM ({body}) AS c({aliases}) CROSS JOIN LATERAL (VALUES {values}) "
        "AS v(d) WHERE v.d IS NOT NULL"
    )


def _claim(table: Any) -> str:
    return render(rollup_sql.claim_statement(table, "postgresql"), _variables())


def _claim_days_function() -> str:
    kinds = "\n".join(
        f"        IF v_kind = '{kind}' THEN\n"
        + "".join(f"            RETURN QUERY {_days_of(query)};\n" for query in children(_IDS))
        + "        END IF;"
        for kind, children in rollup_sql.CHILD_DAYS.items()
    )
    return f"""CREATE OR REPLACE FUNCTION portal_rollup_claim_days() RETURNS SETOF date {_HEADER}
DECLARE
    v_day date;
    v_kind text;
    ids uuid[];
BEGIN{_CALLER_CHECK}
    FOR v_day IN {_claim(rollup_dirty)} LOOP
        RETURN NEXT v_day;
    END LOOP;
    FOR v_kind, ids IN WITH claimed AS ({_claim(rollup_dirty_parents)})
                     SELECT c.kind, array_agg(c.id) FROM claimed c GROUP BY c.kind LOOP
{kinds}
    END LOOP;
END $fn$"""


def _reset_function() -> str:
    claims = "".join(
        f"    WITH c AS ({_claim(table)}) SELECT count(*) INTO claimed FROM c;\n"
        for table in (rollup_dirty, rollup_dirty_parents)
    )
    empties = "".join(f"    {render(delete(t), {})};\n" for t in ALL_FACT_TABLES)
    return f"""CREATE OR REPLACE FUNCTION portal_rollup_reset(tz text) RETURNS void {_HEADER}
DECLARE
    claimed integer;
BEGIN{_CALLER_CHECK}
    PERFORM now() AT TIME ZONE tz;  -- refuses a time zone PostgreSQL does not know
{claims}{empties}    {render(rollup_sql.state_delete(), {})};
    {render(rollup_sql.state_insert(_TZ.key), {_TZ.key: "tz"})};
END $fn$"""


def _span_function() -> str:
    times, dates = rollup_sql.span_queries()
    return f"""CREATE OR REPLACE FUNCTION portal_rollup_span(OUT first date, OUT last date)
{_HEADER}
BEGIN{_CALLER_CHECK}
    SELECT min(s.d) - 1, max(s.d) + 1 INTO first, last FROM (
        {_days_of(times)}
        UNION ALL {_days_of(dates)}
    ) AS s;
END $fn$"""


def _rebuild_function() -> str:
    variables = _variables()
    deletes = "".join(
        f"    {render(rollup_sql.fact_delete(table, _PERIOD), variables)};\n"
        for table in FACT_TABLES
    )
    inserts = "".join(
        f"    {render(insert(table).from_select(list(q.selected_columns.keys()), q), variables)};\n"
        for table, q in rollups.fact_queries(_PERIOD, _TZ, "postgresql")
    )
    months = "".join(
        f"    {render(statement, variables)};\n"
        for statement in rollup_sql.month_rebuild(*month_span(_PERIOD), "postgresql")
    )
    return f"""CREATE OR REPLACE FUNCTION portal_rollup_rebuild(p_first date, p_last date)
RETURNS integer {_HEADER}
DECLARE
    tz text := (SELECT s.value FROM rollup_state s WHERE s.name = '{rollup_sql.TIME_ZONE_KEY}');
    p_lo timestamptz := p_first::timestamp AT TIME ZONE tz;
    p_hi timestamptz := (p_last + 1)::timestamp AT TIME ZONE tz;
    p_month date := date_trunc('month', p_first)::date;
    p_after_months date := (date_trunc('month', p_last) + interval '1 month')::date;
BEGIN{_CALLER_CHECK}
    IF tz IS NULL OR p_first IS NULL OR p_last IS NULL OR p_first > p_last THEN
        RAISE EXCEPTION 'nothing to rebuild: reset the facts first, with a period';
    END IF;
{deletes}{inserts}{months}    RETURN p_last - p_first + 1;
END $fn$"""


FUNCTIONS = {
    "portal_rollup_claim_days()": _claim_days_function,
    "portal_rollup_reset(text)": _reset_function,
    "portal_rollup_span()": _span_function,
    "portal_rollup_rebuild(date,date)": _rebuild_function,
}


def function_statements() -> dict[str, str]:
    """Signature: its CREATE statement, rendered from ``rollups.py`` as it is now."""
    return {signature: build() for signature, build in FUNCTIONS.items()}


def install_statements() -> list[str]:
    statements = []
    for signature, create in function_statements().items():
        statements += [
            create,
            f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {signature} TO portal_admin, portal_sales, "
            "portal_marketing",
        ]
    # The triggers noting changed days write rollup_dirty, which people may not: they run
    # with the owner's rights too.
    statements.append(
        """DO $do$ DECLARE f regprocedure; BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proname LIKE 'rollup\\_%'
               AND p.prorettype = 'trigger'::regtype LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = public, pg_temp',
                       f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $do$"""
    )
    return statements


def remove_statements() -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {signature}" for signature in FUNCTIONS]
