"""The generic table model on a million leads, against Qt's own QSqlQueryModel.

    .venv/bin/python bench/table_bench.py [--leads 1000000] [--runs 9] [--rebuild]

Both models show the Pipeline list (same columns, same joins, same ORDER BY) of the same
SQLite file in a 1280x800 QTableView, in the same run. Measured, as medians over the runs:

* first paint: from creating the model to the end of the view's first paint showing rows.
  The generic model reads its first page in a worker, then counts in another (the count's
  time is printed apart);
* last row: from Ctrl+End to the paint that shows the last row read. QSqlQueryModel has to fetch
  every row before it (its ``fetchMore`` loop, which is less than a user pressing Ctrl+End
  again and again would wait); the generic model reads the last page alone.

QSqlQueryModel runs in a child process, so each side's peak RSS is its own. The database is
built once with the demo seeder (it takes minutes) and cached under /tmp; ``--rebuild``
builds it again. Floors: first paint within 2x of QSqlQueryModel, last row at least 10x
sooner, peak RSS under 300 MB (measured before the sorts, whose memory is SQLite's). Exit
code 1 when a floor is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, Qt
from PySide6.QtSql import QSqlDatabase, QSqlQuery, QSqlQueryModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.views.table_model import QueryTableModel

DEFAULT_LEADS = 1_000_000
VIEW_SIZE = (1280, 800)
FIRST_PAINT_FLOOR = 2.0  # ours may take at most 2x QSqlQueryModel's time
LAST_ROW_FLOOR = 10.0  # ours must be at least 10x sooner
RSS_FLOOR_MB = 300
TIMEOUT_S = 900


class TimedView(QTableView):
    """A table view that notes when it has painted."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setAlternatingRowColors(True)
        self.resize(*VIEW_SIZE)

    def paintEvent(self, event) -> None:  # noqa: N802
        shows_rows = self.shows_rows()
        super().paintEvent(event)
        if shows_rows:
            self.paints += 1

    def shows_rows(self) -> bool:
        """Whether the rows in view are read (the generic model reads its pages in workers
        and paints placeholders until they land; QSqlQueryModel has them at once)."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return False
        if not isinstance(model, QueryTableModel):
            return True
        top, bottom = self.rowAt(0), self.last_row_shown()
        bottom = model.rowCount() - 1 if bottom < 0 else bottom
        return model.is_loaded(max(top, 0), bottom)

    def last_row_shown(self) -> int:
        return self.rowAt(self.viewport().height() - 2)


def wait_until(app: QApplication, done: Callable[[], bool]) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not done():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the view did not paint in time")


def show_model(app: QApplication, make_model: Callable[[], Any]) -> tuple[float, TimedView]:
    """Seconds from creating the model to the end of the view's first paint."""
    started = time.perf_counter()
    view = TimedView()
    view.setModel(make_model())
    view.show()
    wait_until(app, lambda: view.paints > 0)
    return time.perf_counter() - started, view


def time_first_paint(
    app: QApplication, make_model: Callable[[], Any], ready: Callable[[Any], bool]
) -> float:
    seconds, view = show_model(app, make_model)
    # Let the model finish its background work, so it does not overlap the next run.
    wait_until(app, lambda: ready(view.model()))
    dispose(app, view)
    return seconds


def time_last_row(
    app: QApplication,
    make_model: Callable[[], Any],
    before_end: Callable[[Any], None],
    ready: Callable[[Any], bool],
) -> tuple[float, int]:
    """Seconds from Ctrl+End (after ``before_end``) to the paint showing the last row,
    once the model is ``ready`` (the generic model: its count has landed)."""
    _, view = show_model(app, make_model)
    model = view.model()
    wait_until(app, lambda: ready(model))
    started = time.perf_counter()
    before_end(model)
    painted = view.paints
    # As in a list the user is in: the view had the focus before its rows came (the generic
    # model's first page lands after the show), so no row is current yet.
    view.setCurrentIndex(model.index(0, 0))
    QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    total = model.rowCount()
    wait_until(app, lambda: view.paints > painted and view.last_row_shown() == total - 1)
    seconds = time.perf_counter() - started
    dispose(app, view)
    return seconds, total


def measure(
    app: QApplication,
    make_model: Callable[[], Any],
    runs: int,
    before_end: Callable[[Any], None] = lambda model: None,
    ready: Callable[[Any], bool] = lambda model: True,
) -> dict:
    """Every first paint is measured before any full fetch: once a QSqlQueryModel has
    fetched a million rows, the next query on its connection starts ~0.25 s late, which
    says nothing about first paints. Each series starts with an unmeasured warm-up."""
    time_first_paint(app, make_model, ready)
    first_paints = [time_first_paint(app, make_model, ready) for _ in range(runs)]
    time_last_row(app, make_model, before_end, ready)
    last_rows = [time_last_row(app, make_model, before_end, ready) for _ in range(runs)]
    return {
        "first_paint": first_paints,
        "last_row": [seconds for seconds, _ in last_rows],
        "rows": last_rows[0][1],
    }


def dispose(app: QApplication, view: QTableView) -> None:
    """Free the view and its model now, outside the next measurement: a QSqlQueryModel
    holding a million rows takes a while to free."""
    view.close()
    view.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pipeline_sql() -> str:
    """The Pipeline list as one plain SELECT, for QSqlQueryModel."""
    query = PIPELINE.query()
    stmt = (
        select(*(col.expr for col in PIPELINE.columns))
        .select_from(PIPELINE.source)
        .order_by(*query.order_by("sqlite"))
    )
    return str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def measure_baseline(path: Path, runs: int) -> dict:
    app = QApplication.instance() or QApplication([])
    db = QSqlDatabase.addDatabase("QSQLITE", "bench")
    db.setDatabaseName(str(path))
    if not db.open():
        raise SystemExit(f"QSQLITE cannot open {path}: {db.lastError().text()}")
    sql = pipeline_sql()

    def make_model() -> QSqlQueryModel:
        model = QSqlQueryModel()
        model.setQuery(QSqlQuery(sql, db))
        return model

    def fetch_everything(model: QSqlQueryModel) -> None:
        while model.canFetchMore():
            model.fetchMore()

    return measure(app, make_model, runs, fetch_everything) | {"peak_rss_mb": peak_rss_mb()}


def measure_ours(path: Path, runs: int) -> dict:
    app = QApplication.instance() or QApplication([])
    engine = make_engine(f"sqlite:///{path}", must_exist=True)
    migrate.require_current(engine)

    def make_model() -> QueryTableModel:
        return QueryTableModel(engine, PIPELINE)

    results = measure(app, make_model, runs, ready=lambda model: model.counted)
    results["peak_rss_mb"] = peak_rss_mb()  # the model's own work, before the sorts below
    counts = []
    for _ in range(runs):
        started = time.perf_counter()
        model = make_model()
        wait_until(app, lambda model=model: model.counted)
        counts.append(time.perf_counter() - started)
    sorts = {}
    for title in ("Name", "Owner"):  # indexed; not indexed (a join, sorted by SQLite)
        _, view = show_model(app, make_model)
        painted = view.paints
        started = time.perf_counter()
        view.model().sort([c.title for c in PIPELINE.columns].index(title))
        wait_until(app, lambda view=view, painted=painted: view.paints > painted)
        sorts[title] = time.perf_counter() - started
        dispose(app, view)
    engine.dispose()
    # Sorting by a column no index covers makes SQLite sort every row, in its own memory.
    return results | {"count": counts, "sorts": sorts, "rss_after_sorts_mb": peak_rss_mb()}


def build(path: Path, leads: int) -> None:
    from portal_desktop.services.seeding import seed_database

    partial = path.with_suffix(".partial")
    for leftover in path.parent.glob(partial.name + "*"):
        leftover.unlink()
    engine = make_engine(f"sqlite:///{partial}")
    migrate.upgrade(engine)
    started = time.perf_counter()
    summary = seed_database(engine, leads=leads, seed=42)
    with engine.connect() as conn:  # fold the WAL into the file, so one file is the database
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.rename(path)
    seconds = time.perf_counter() - started
    print(f"built {path} in {seconds:.0f} s: {summary.counts['leads']:,} leads", flush=True)


def _self(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def report(ours: dict, baseline: dict) -> bool:
    runs = len(ours["first_paint"])
    print(f"\nPipeline of {ours['rows']:,} leads, medians over {runs} runs (1280x800 view)")
    print(f"{'':24}{'generic model':>16}{'QSqlQueryModel':>16}{'ratio':>10}")
    ok = True
    for key, label, floor, ours_faster in (
        ("first_paint", "first painted page", FIRST_PAINT_FLOOR, False),
        ("last_row", "last row (Ctrl+End)", LAST_ROW_FLOOR, True),
    ):
        mine, theirs = statistics.median(ours[key]), statistics.median(baseline[key])
        if ours_faster:
            ratio, passed, text = theirs / mine, theirs / mine >= floor, f"{floor:.0f}x sooner"
        else:
            ratio, passed, text = mine / theirs, mine / theirs <= floor, f"within {floor:.0f}x"
        ok &= passed
        print(
            f"{label:<24}{mine * 1000:>13.1f} ms{theirs * 1000:>13.1f} ms{ratio:>9.2f}x"
            f"   floor: {text}: {'PASS' if passed else 'FAIL'}"
        )
    rss_ok = ours["peak_rss_mb"] < RSS_FLOOR_MB
    ok &= rss_ok
    print(
        f"{'peak RSS':<24}{ours['peak_rss_mb']:>13.0f} MB{baseline['peak_rss_mb']:>13.0f} MB"
        f"{'':>10}   floor: < {RSS_FLOOR_MB} MB: {'PASS' if rss_ok else 'FAIL'}"
    )
    after_sorts = ours["rss_after_sorts_mb"]
    print(f"{'peak RSS after sorts':<24}{after_sorts:>13.0f} MB   (SQLite's sorter, Owner column)")
    count_ms = statistics.median(ours["count"]) * 1000
    print(f"{'count (worker thread)':<24}{count_ms:>13.1f} ms   (rows after the first page)")
    for title, seconds in ours["sorts"].items():
        print(f"sort by {title:<16}{seconds * 1000:>13.1f} ms   (ORDER BY in SQL, then paint)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=DEFAULT_LEADS)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rebuild", action="store_true", help="build the cached file again")
    parser.add_argument("--file", type=Path, help="the SQLite file (default: cached in /tmp)")
    parser.add_argument("--role", choices=["main", "build", "baseline"], default="main")
    args = parser.parse_args()
    path = args.file or Path(tempfile.gettempdir()) / f"portal_table_bench_{args.leads}.sqlite3"

    if args.role == "build":
        build(path, args.leads)
        return 0
    if args.role == "baseline":
        print(json.dumps(measure_baseline(path, args.runs)))
        return 0

    if args.rebuild or not path.is_file():
        print(f"building {path} with {args.leads:,} leads (once; reused by later runs)…")
        subprocess.run(
            _self("--role", "build", "--leads", str(args.leads), "--file", str(path)), check=True
        )
    else:
        print(f"using {path} (--rebuild to build it again)")
    baseline_run = subprocess.run(
        _self("--role", "baseline", "--runs", str(args.runs), "--file", str(path)),
        check=True,
        capture_output=True,
        text=True,
    )
    baseline = json.loads(baseline_run.stdout.strip().splitlines()[-1])
    ours = measure_ours(path, args.runs)
    return 0 if report(ours, baseline) else 1


if __name__ == "__main__":
    sys.exit(main())
