"""Item 4: a full disk (a file-size limit, RLIMIT_FSIZE, in a child: this machine's tmpfs
cannot be mounted by the tests) and a read-only database file. The failed write is told in
words (StorageError), nothing is half-written or corrupted (PRAGMA integrity_check, the lead
count), and what the app showed stays (the list's rows, read again; a list view on screen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from faults.conftest import report, scaled
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.errors import StorageError
from portal_desktop.models import Lead
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.list_view import ListView
from portal_desktop.views.ops import WriteOp
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.table_model import QueryTableModel
from tests.views.list_rows import loaded_rows, settled

ROOT = Path(__file__).resolve().parents[1]
CYCLES = 10
SHOWN = 40  # leads in the list before the failed writes


def _seed(url: str) -> None:
    with session_factory(make_engine(url))() as session:
        for i in range(SHOWN):
            create_lead(session, SYSTEM, first_name="Shown", last_name=str(i), source="web")


def _state(url: str) -> tuple[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        ok = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
        leads = conn.execute(select(func.count()).select_from(Lead.__table__)).scalar()
    engine.dispose()
    return ok, leads


def test_a_full_disk_loses_nothing_and_says_so(request, sqlite_url: str) -> None:
    _seed(sqlite_url)
    size = Path(sqlite_url.removeprefix("sqlite:///")).stat().st_size
    cycles = scaled(CYCLES, 2)
    told = kept = 0
    for cycle in range(cycles):
        limit = size + 16_384 * (1 + 3 * cycle)  # from the WAL's first pages to a checkpoint
        out = subprocess.run(
            [sys.executable, "-m", "faults.full_disk_writer", sqlite_url, str(limit), "6000"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        answer = json.loads(out.stdout.strip().splitlines()[-1])
        assert answer["error"] is not None, f"limit {limit}: the import fitted"
        assert answer["error"]["type"] == StorageError.__name__, answer
        told += 1
        kept += answer["kept"]
        assert answer["kept"] and answer["shown"] == SHOWN
        assert _state(sqlite_url) == ("ok", SHOWN)
    report(
        request,
        f"lead import of 6000 rows on a full disk (file-size limit), {cycles} times: told in "
        f"words {told}, list kept {kept}, integrity_check ok, partial imports 0",
    )


def test_a_read_only_file_keeps_the_list_on_screen(qtbot, request, sqlite_url: str) -> None:
    _seed(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    engine = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    ctx = TabContext(engine, session_factory(engine), SYSTEM, Formatter(), DataBus())
    model = QueryTableModel(engine, PIPELINE)
    view = ListView(model)
    qtbot.addWidget(view)
    view.show()
    before = loaded_rows(qtbot, settled(qtbot, model))
    failures: list[BaseException] = []
    attempts = scaled(10, 2)
    for i in range(attempts):
        WriteOp(
            ctx,
            lambda s, i=i: create_lead(s, SYSTEM, first_name="New", last_name=str(i), source="w"),
            parent=view,
        ).failure(failures.append).run()
        qtbot.waitUntil(lambda i=i: len(failures) > i, timeout=10_000)
    words = {error_text(error) for error in failures}
    after = loaded_rows(qtbot, settled(qtbot, model))
    view.close()
    engine.dispose()
    report(
        request,
        f"{attempts} saves to a read-only database file: told in words {len(failures)} "
        f"({next(iter(words))!r}), list rows kept {len(after)}/{len(before)}, lost 0",
    )
    assert all(isinstance(error, StorageError) for error in failures)
    assert after == before and len(before) == SHOWN
    assert _state(sqlite_url) == ("ok", SHOWN)
