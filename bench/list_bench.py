"""The list machinery on a million leads, on SQLite and PostgreSQL, against a plain baseline.

    .venv/bin/python bench/list_bench.py [--backend sqlite|postgresql|both] [--runs 5]
                                         [--cache-dir /tmp/portal-list-bench]

Ours is the Pipeline list as the app shows it: an ``EntityTab`` built from a TabContext
(search box, filter chips, busy indicator) in a 1280x800 window. Timed, each from the user's
action to the end of the paint that shows its result (medians over ``--runs``):

* open: the tab created to its first painted rows (the sign-in is the shell's work);
* sort: clicking another column (Name: indexed; Email: lower(email) index);
* search: the start of a name, of an email and phone digits, typed in the search box
  (the debounce is skipped: what is timed is the query and the paint);
* last row: Ctrl+End once the count has landed;
* memory: the process's peak RSS after all of the above.

The baseline does the same operation the plain way, in a child process (its own RSS): on
SQLite a ``QSqlQueryModel`` in a QTableView (setQuery with the ORDER BY / LIKE, Ctrl+End
after fetching every row, as QSqlQueryModel must); on PostgreSQL a plain psycopg query of
the first 200 rows (``OFFSET 999,800`` for the last row), no painting.

Floors (issue 4): open < 1 s, sort and search < 300 ms, last row < 500 ms, memory < 300 MB.
The exit status is 1 when one is missed.

Databases: the SQLite file and PostgreSQL cluster are cached under ``--cache-dir``; they are
copied from bench/table_bench.py's and bench/kpi_bench.py's caches when those exist, seeded
with ``seed_database`` otherwise, then migrated (migration 0002 builds the search indexes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, QObject, Qt  # noqa: E402
from PySide6.QtSql import QSqlDatabase, QSqlQuery, QSqlQueryModel  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.dialects import sqlite  # noqa: E402

from bench.kpi_bench import cached_cluster  # noqa: E402
from bench.table_bench import TimedView, dispose, peak_rss_mb, wait_until  # noqa: E402
from portal_desktop.db import migrate  # noqa: E402
from portal_desktop.db.engine import make_engine, session_factory  # noqa: E402
from portal_desktop.db.list_queries import PIPELINE, leads  # noqa: E402
from portal_desktop.services.common.context import SYSTEM  # noqa: E402
from portal_desktop.views.entity_tab import EntityTab  # noqa: E402
from portal_desktop.views.formatting import Formatter  # noqa: E402
from portal_desktop.views.tab_context import DataBus, TabContext  # noqa: E402

LEADS = 1_000_000
PG_DATABASE = "kpi_bench_1000000"  # the name kept from the KPI bench's cache
WINDOW = (1280, 800)
FLOORS_MS = {"open": 1000, "sort": 300, "search": 300, "last row": 500}
RSS_FLOOR_MB = 300
SORTS = ("Name", "Email")


# --- the databases ----------------------------------------------------------------------


def sqlite_file(cache: Path) -> Path:
    path = cache / f"leads_{LEADS}.sqlite3"
    if not path.exists():
        cached = Path(tempfile.gettempdir()) / f"portal_table_bench_{LEADS}.sqlite3"
        if cached.exists():
            shutil.copyfile(cached, path)
        else:
            from portal_desktop.services.seeding import seed_database

            engine = make_engine(f"sqlite:///{path}")
            migrate.upgrade(engine)
            seed_database(engine, leads=LEADS, seed=42)
            engine.dispose()
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)  # 0002: the FTS5 index (~15 s on a million leads, once)
    engine.dispose()
    return path


def prepare_pg(cache: Path) -> None:
    """The cluster's data directory, copied from the KPI bench's cache or seeded."""
    kpi = Path("/tmp/portal-kpi-bench/pg")
    if not (cache / "pg" / "data" / "PG_VERSION").exists() and (kpi / "data").exists():
        subprocess.run(["cp", "-a", str(kpi), str(cache / "pg")], check=True)


def pg_url(cluster: Any) -> str:
    import psycopg

    with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,))
        if not found.fetchone():
            from portal_desktop.services.seeding import seed_database

            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
            engine = make_engine(cluster.url(PG_DATABASE))
            migrate.upgrade(engine)
            seed_database(engine, leads=LEADS, seed=42)
            engine.dispose()
    url = cluster.url(PG_DATABASE)
    engine = make_engine(url)
    migrate.upgrade(engine)  # 0002: pg_trgm GIN indexes (~20 s on a million leads, once)
    engine.dispose()
    return url


def probes(url: str) -> dict[str, str]:
    """What a user would type: the start of a name, of an email, phone digits."""
    engine = make_engine(url)
    with engine.connect() as conn:
        last, email, phone = conn.execute(
            select(leads.c.last_name, leads.c.email, leads.c.phone)
            .where(leads.c.email.is_not(None), leads.c.phone.is_not(None))
            .order_by(leads.c.created_at)
            .limit(1)
        ).one()
    engine.dispose()
    digits = phone.split()[-1][:4]  # "747-8428" → "747-"
    # And a word no lead has: the worst case (every row is looked at without an index).
    return {"name": last[:4], "email": email.split("@")[0][:5], "phone": digits, "miss": "qzxv"}


# --- timing ------------------------------------------------------------------------------


class PaintCounter(QObject):
    """Counts the paints of a view's viewport that show read rows: the model reads its
    pages in workers, so a paint may show placeholders (or the rows before a new query)."""

    def __init__(self, view: Any) -> None:
        super().__init__()
        self.paints = 0
        self.view = view
        view.viewport().installEventFilter(self)

    def shows_rows(self) -> bool:
        view, model = self.view, self.view.model()
        top, bottom = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
        bottom = model.rowCount() - 1 if bottom < 0 else bottom
        return model.rowCount() > 0 and model.is_loaded(max(top, 0), bottom)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and self.shows_rows():
            self.paints += 1
        return False


def after_paint(app: QApplication, counter: Any, action: Callable[[], Any]) -> float:
    """Milliseconds from ``action`` to the end of the next paint showing read rows (the
    action's result: a query replaced makes the rows unread until its first page lands)."""
    painted = counter.paints
    started = time.perf_counter()
    action()
    wait_until(app, lambda: counter.paints > painted)
    return (time.perf_counter() - started) * 1000


def measure_ours(url: str, words: dict[str, str], runs: int) -> dict[str, Any]:
    app = QApplication.instance() or QApplication([])
    engine = make_engine(url, must_exist=url.startswith("sqlite"))
    ctx = TabContext(engine, session_factory(engine), SYSTEM, Formatter(), DataBus())
    times: dict[str, list[float]] = {}
    for run in range(runs + 1):  # the first run warms the caches up and is not kept
        for key, ms in one_run(app, ctx, words).items():
            if run:
                times.setdefault(key, []).append(ms)
    engine.dispose()
    return {"times": times, "rss_mb": peak_rss_mb()}


def one_run(app: QApplication, ctx: TabContext, words: dict[str, str]) -> dict[str, float]:
    """Open the tab, sort, jump to the end, search; the milliseconds of each."""
    found: dict[str, float] = {}
    started = time.perf_counter()
    tab = EntityTab(ctx, PIPELINE)
    tab.resize(*WINDOW)
    counter = PaintCounter(tab.view)
    tab.show()
    wait_until(app, lambda: counter.paints > 0 and tab.model.rowCount() > 0)
    found["open"] = (time.perf_counter() - started) * 1000

    def settled() -> None:
        wait_until(app, lambda: tab.model.counted and not tab.model.busy)

    settled()
    titles = [c.title for c in PIPELINE.columns]
    for title in SORTS:
        column = titles.index(title)
        found[f"sort by {title}"] = after_paint(app, counter, lambda c=column: tab.model.sort(c))
    tab.model.sort(PIPELINE.default_sort.column, Qt.SortOrder.DescendingOrder)
    settled()
    found["last row"] = after_paint(app, counter, lambda: _ctrl_end(tab.view))
    for label, word in words.items():

        def search(word: str = word) -> None:
            tab.search.setText(word)
            tab.apply_search()

        found[f"search {label} '{word}'"] = after_paint(app, counter, search)
        settled()
        tab.search.clear()
        tab.apply_search()
        settled()
    dispose(app, tab)
    return found


def _ctrl_end(view: Any) -> None:
    if not view.currentIndex().isValid():  # the rows came after the focus: none is current
        view.setCurrentIndex(view.model().index(0, 0))
    QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)


# --- baselines ---------------------------------------------------------------------------


def _plain_sql(order: list[Any], where: Any = None, limit: int | None = None) -> str:
    stmt = select(*(col.expr for col in PIPELINE.columns)).select_from(PIPELINE.source)
    if where is not None:
        stmt = stmt.where(where)
    stmt = stmt.order_by(*order)
    if limit is not None:
        stmt = stmt.limit(limit)
    return str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def _orders(dialect: str) -> dict[str, list[Any]]:
    query = PIPELINE.query()
    titles = [c.title for c in PIPELINE.columns]
    found = {"default": query.order_by(dialect)}
    for title in SORTS:
        found[title] = query.with_sort(query.sort.__class__(titles.index(title))).order_by(dialect)
    return found


def _like(word: str) -> Any:
    from sqlalchemy import or_

    return or_(*(col.contains(word, autoescape=True) for col in PIPELINE.search_in))


def baseline_sqlite(path: str, words: dict[str, str], runs: int) -> dict[str, Any]:
    app = QApplication.instance() or QApplication([])
    db = QSqlDatabase.addDatabase("QSQLITE", "bench")
    db.setDatabaseName(path)
    if not db.open():
        raise SystemExit(f"QSQLITE cannot open {path}: {db.lastError().text()}")
    orders = _orders("sqlite")
    times: dict[str, list[float]] = {}

    def shown(sql: str) -> tuple[float, TimedView]:
        started = time.perf_counter()
        view = TimedView()
        model = QSqlQueryModel(view)
        model.setQuery(QSqlQuery(sql, db))
        view.setModel(model)
        view.show()
        wait_until(app, lambda: view.paints > 0)
        return (time.perf_counter() - started) * 1000, view

    for run in range(runs + 1):
        keep = run > 0
        ms, view = shown(_plain_sql(orders["default"]))
        keep and times.setdefault("open", []).append(ms)
        model = view.model()
        for title in SORTS:
            sql = _plain_sql(orders[title])
            painted = view.paints
            started = time.perf_counter()
            model.setQuery(QSqlQuery(sql, db))
            wait_until(app, lambda v=view, p=painted: v.paints > p)
            keep and times.setdefault(f"sort by {title}", []).append(
                (time.perf_counter() - started) * 1000
            )
        for label, word in words.items():
            sql = _plain_sql(orders["default"], _like(word))
            painted = view.paints
            started = time.perf_counter()
            model.setQuery(QSqlQuery(sql, db))
            wait_until(app, lambda v=view, p=painted: v.paints > p)
            keep and times.setdefault(f"search {label} '{word}'", []).append(
                (time.perf_counter() - started) * 1000
            )
        dispose(app, view)
    for _ in range(min(runs, 3)):  # every row through the model: seconds each
        _, view = shown(_plain_sql(orders["default"]))
        model = view.model()
        started = time.perf_counter()
        while model.canFetchMore():
            model.fetchMore()
        painted = view.paints
        _ctrl_end(view)
        wait_until(app, lambda view=view, painted=painted: view.paints > painted)
        times.setdefault("last row", []).append((time.perf_counter() - started) * 1000)
        dispose(app, view)
    return {"times": times, "rss_mb": peak_rss_mb()}


def baseline_postgresql(url: str, words: dict[str, str], runs: int) -> dict[str, Any]:
    import psycopg
    from sqlalchemy.dialects import postgresql

    orders = _orders("postgresql")

    def sql(order: list[Any], where: Any = None, offset: int = 0) -> str:
        stmt = select(*(col.expr for col in PIPELINE.columns)).select_from(PIPELINE.source)
        if where is not None:
            stmt = stmt.where(where)
        stmt = stmt.order_by(*order).offset(offset).limit(200)
        dialect = postgresql.dialect()
        return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    def ilike(word: str) -> Any:
        from sqlalchemy import or_

        return or_(*(col.ilike(f"%{word}%") for col in PIPELINE.search_in))

    statements = {"open": sql(orders["default"])}
    for title in SORTS:
        statements[f"sort by {title}"] = sql(orders[title])
    for label, word in words.items():
        statements[f"search {label} '{word}'"] = sql(orders["default"], ilike(word))
    statements["last row"] = sql(orders["default"], offset=LEADS - 200)
    times: dict[str, list[float]] = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for run in range(runs + 1):
            for key, text in statements.items():
                started = time.perf_counter()
                conn.execute(text.replace("%", "%%")).fetchall()
                if run:
                    times.setdefault(key, []).append((time.perf_counter() - started) * 1000)
    return {"times": times, "rss_mb": peak_rss_mb()}


# --- the report --------------------------------------------------------------------------


def floor_of(key: str) -> int:
    return FLOORS_MS[key.split(" ")[0] if key.startswith(("sort", "search")) else key]


def report(backend: str, ours: dict, base: dict) -> bool:
    name = "QSqlQueryModel" if backend == "sqlite" else "plain psycopg"
    print(f"\n{backend}, {LEADS:,} leads, medians")
    print(f"{'operation':<30}{'ours':>11}{name:>17}{'ratio':>8}   floor")
    ok = True
    for key, values in ours["times"].items():
        mine = statistics.median(values)
        theirs = statistics.median(base["times"].get(key, [float("nan")]))
        floor = floor_of(key)
        passed = mine < floor
        ok &= passed
        print(
            f"{key:<30}{mine:>8.1f} ms{theirs:>14.1f} ms{mine / theirs:>7.2f}x"
            f"   < {floor} ms: {'PASS' if passed else 'FAIL'}"
        )
    rss_ok = ours["rss_mb"] < RSS_FLOOR_MB
    ok &= rss_ok
    print(
        f"{'peak RSS':<30}{ours['rss_mb']:>8.0f} MB{base['rss_mb']:>14.0f} MB{'':>8}"
        f"   < {RSS_FLOOR_MB} MB: {'PASS' if rss_ok else 'FAIL'}"
    )
    return ok


def _child(role: str, url: str, words: dict[str, str], runs: int) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--role",
            role,
            "--url",
            url,
            "--words",
            json.dumps(words),
            "--runs",
            str(runs),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_backend(backend: str, url: str, runs: int) -> bool:
    words = probes(url)
    base = _child(f"baseline-{backend}", url, words, runs)
    ours = _child("ours", url, words, runs)
    return report(backend, ours, base)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/portal-list-bench"))
    parser.add_argument("--role", default="main", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--words", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role != "main":
        words = json.loads(args.words)
        if args.role == "ours":
            result = measure_ours(args.url, words, args.runs)
        elif args.role == "baseline-sqlite":
            result = baseline_sqlite(args.url.removeprefix("sqlite:///"), words, args.runs)
        else:
            result = baseline_postgresql(args.url, words, args.runs)
        print(json.dumps(result))
        return 0

    args.cache_dir.mkdir(parents=True, exist_ok=True)
    ok = True
    if args.backend in ("sqlite", "both"):
        ok &= run_backend("sqlite", f"sqlite:///{sqlite_file(args.cache_dir)}", args.runs)
    if args.backend in ("postgresql", "both"):
        prepare_pg(args.cache_dir)
        with cached_cluster(args.cache_dir) as cluster:
            ok &= run_backend("postgresql", pg_url(cluster), args.runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
