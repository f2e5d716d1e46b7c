"""How long the window waits in the list model's data() while the scroll bar is dragged.

    .venv/bin/python bench/scroll_bench.py [--rows 200000] [--steps 100] [--delay-ms 50]

A plain table of ``--rows`` rows (built once in a SQLite file under /tmp) is shown in a
1280x800 QTableView through the generic model; the scroll bar is dragged from the top to
the end in ``--steps`` positions, one paint each. ``--delay-ms`` makes every statement wait
that long first, as over a slow connection. Printed: the longest data() call, the time
spent in data() in all (the window is frozen meanwhile), the drag's duration, the pages
read, and how long after the drag the last rows showed their values. Floor: no data() call
over 20 ms (exit code 1 otherwise).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QTableView
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, insert

from portal_desktop.db.engine import make_engine
from portal_desktop.db.query_spec import ColumnKind, ListColumn, ListSpec, SortOrder
from portal_desktop.views.table_model import DISPLAY_ROLE, KEY_ROLE, QueryTableModel

FLOOR_MS = 20.0
TIMEOUT_S = 120

TABLE = Table(
    "scroll_rows",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False),
    Column("amount", Integer, nullable=False),
)
SPEC = ListSpec(
    "scroll",
    "Rows",
    TABLE,
    (
        ListColumn("Name", TABLE.c.name),
        ListColumn("Amount", TABLE.c.amount, ColumnKind.NUMBER),
    ),
    TABLE.c.id,
    SortOrder(0),
)


class TimedModel(QueryTableModel):
    """Notes every data() call's time."""

    longest = 0.0
    spent = 0.0

    def data(self, index: Any, role: int = DISPLAY_ROLE) -> Any:
        started = time.perf_counter()
        try:
            return super().data(index, role)
        finally:
            took = time.perf_counter() - started
            self.spent += took
            self.longest = max(self.longest, took)


def build(path: Path, rows: int) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    if not path.is_file() or path.stat().st_size == 0:
        TABLE.create(engine)
        with engine.begin() as conn:
            batch = 50_000
            for start in range(1, rows + 1, batch):
                conn.execute(
                    insert(TABLE),
                    [
                        {"id": n, "name": f"row {n:07d}", "amount": n % 997}
                        for n in range(start, min(start + batch, rows + 1))
                    ],
                )
    return engine


def wait_until(app: QApplication, done: Any) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not done():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the list did not settle in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    engine = build(Path(tempfile.gettempdir()) / f"portal_scroll_{args.rows}.sqlite3", args.rows)
    model = TimedModel(engine, SPEC)
    view = QTableView()
    view.resize(1280, 800)
    view.setModel(model)
    view.show()
    wait_until(app, lambda: model.counted and not model.busy)
    model.longest = model.spent = 0.0

    def pause(*_args: Any) -> None:
        time.sleep(args.delay_ms / 1000)

    event.listen(engine, "before_cursor_execute", pause)
    bar = view.verticalScrollBar()
    started = time.perf_counter()
    for step in range(1, args.steps + 1):
        bar.setValue(bar.maximum() * step // args.steps)
        app.processEvents()
    dragged = time.perf_counter() - started
    last = model.rowCount() - 1
    wait_until(app, lambda: model.index(last, 0).data(KEY_ROLE) is not None)
    shown = time.perf_counter() - started - dragged
    event.remove(engine, "before_cursor_execute", pause)
    pages = getattr(model.rows, "stats", None)
    print(
        f"{model.rowCount():,} rows, {args.steps} positions, {args.delay_ms:.0f} ms a statement:"
        f"\n  longest data() call   {model.longest * 1000:9.1f} ms"
        f"\n  time in data()        {model.spent * 1000:9.1f} ms (the window frozen)"
        f"\n  drag                  {dragged * 1000:9.1f} ms"
        f"\n  last rows shown after {shown * 1000:9.1f} ms more"
        f"\n  pages read            {pages.pages if pages else '?':>9}"
    )
    engine.dispose()
    return 0 if model.longest * 1000 <= FLOOR_MS else 1


if __name__ == "__main__":
    sys.exit(main())
