"""Every list the app shows (db/lists.py) and the campaigns table obey Qt's model rules.

Qt's own ``QAbstractItemModelTester`` watches each model while it is sorted by every column
both ways, searched, and narrowed by chips. PySide6 offers three reporting modes: ``Fatal``
aborts the whole test process (one crash, no report), ``QtTest`` needs a running QTest
function; ``Warning`` logs each broken rule as a "FAIL!" warning of the ``qt.modeltest``
category. We use ``Warning``: pytest-qt fails a test on any qt.modeltest warning, and each
test also asserts there is none after each list (:func:`broken_rules`, naming the list); a
model breaking a rule is shown to be reported.

The models are the screens' own: ``QueryTableModel`` over the registry's spec (what the tabs
show: tests/views/test_tab_registry.py) and the Marketing tab's ``CampaignModel``. How a test
waits for a model's rows is in one place, :func:`settle` and :func:`shown_rows`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    qInstallMessageHandler,
)
from PySide6.QtTest import QAbstractItemModelTester
from sqlalchemy import Engine

from portal_desktop import clock
from portal_desktop.db.engine import session_factory
from portal_desktop.db.lists import LISTS
from portal_desktop.db.marketing_queries import CAMPAIGN_COLUMNS
from portal_desktop.db.query_spec import ListSpec
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.marketing.campaign_table import campaign_rows
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.marketing.campaign_model import CampaignModel
from portal_desktop.views.table_model import RAW_ROLE, QueryTableModel
from tests.db.list_samples import seed_every_list
from tests.views.list_rows import TIMEOUT_MS

ASCENDING, DESCENDING = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
WAIT_MS = 10000
SPEND = next(n for n, column in enumerate(CAMPAIGN_COLUMNS) if column.title == "Spend")


# --- waiting for a model (the one place to adapt when page reads move to a worker) ----------


def settle(qtbot, model: QueryTableModel) -> QueryTableModel:
    """Wait until the model holds its whole query: counted, rows readable."""
    qtbot.waitUntil(lambda: model.counted, timeout=WAIT_MS)
    return model


def shown_rows(qtbot, model: QueryTableModel) -> list[tuple[Any, ...]]:
    """Every row the model shows, as raw values (RAW_ROLE), in its order."""
    settle(qtbot, model)
    columns, total, size = range(model.columnCount()), model.rowCount(), model.rows.page_size
    rows: list[tuple[Any, ...]] = []
    for start in range(0, total, size):  # the model holds a few pages: read them in turn
        stop = min(start + size, total) - 1
        qtbot.waitUntil(lambda a=start, b=stop: model.is_loaded(a, b), timeout=TIMEOUT_MS)
        rows += [
            tuple(model.index(row, column).data(RAW_ROLE) for column in columns)
            for row in range(start, stop + 1)
        ]
    return rows


# --- the tester --------------------------------------------------------------------------


def watch(model: Any) -> QAbstractItemModelTester:
    """Qt's tester on ``model``, reporting each broken rule as a qt.modeltest warning."""
    return QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)


def broken_rules(qtlog) -> list[str]:
    """The tester's reports so far (pytest-qt fails a test on them too, but without saying
    which list broke the rule)."""
    return [r.message for r in qtlog.records if r.message.startswith("FAIL!")]


@pytest.fixture
def today_and_zone(engine: Engine) -> tuple[dt.date, dt.tzinfo]:
    """The installation's today and zone, as the screens use them."""
    with session_factory(engine)() as session:
        tz = load_settings(session).tz
    return clock.today(tz), tz


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    return seed_every_list(engine, leads=40, seed=5)


def exercise(qtbot, model: QueryTableModel) -> None:
    """What a user does to a list: sort by every column both ways, search, pick chips."""
    spec = model.spec
    assert settle(qtbot, model).rowCount() > 0, spec.name
    for column in range(model.columnCount()):
        for order in (ASCENDING, DESCENDING):
            model.sort(column, order)
            settle(qtbot, model)
    if spec.search_in:
        model.set_search("a")
        settle(qtbot, model)
        model.set_search("")
        settle(qtbot, model)
    if spec.chips:
        with qtbot.waitSignal(model.chip_counts_ready, timeout=WAIT_MS) as counted:
            model.request_chip_counts()
        counts: dict[str, dict[Any, int]] = counted.args[0]
        for group in spec.chips:
            values = [value for value, n in counts.get(group.key, {}).items() if n and value]
            if values:
                model.set_chips({group.key: values[:1]})
                assert settle(qtbot, model).rowCount() > 0, (spec.name, group.key)
        model.set_chips({group.key: [] for group in spec.chips})
        settle(qtbot, model)
    model.refresh()
    settle(qtbot, model)


def test_every_list_passes_qts_model_tester(qtbot, qtlog, seeded, today_and_zone) -> None:
    day, tz = today_and_zone
    for name, entry in LISTS.items():
        spec: ListSpec = entry.spec(day, tz)
        model = QueryTableModel(seeded, spec, page_size=7, max_pages=2, formatter=Formatter(tz))
        tester = watch(model)
        exercise(qtbot, model)
        assert broken_rules(qtlog) == [], name
        del tester


def test_every_list_passes_when_empty(qtbot, qtlog, engine, today_and_zone) -> None:
    day, tz = today_and_zone
    for name, entry in LISTS.items():
        model = QueryTableModel(engine, entry.spec(day, tz))
        tester = watch(model)
        assert settle(qtbot, model).rowCount() == 0
        model.sort(0, DESCENDING)
        model.set_search("nobody")
        settle(qtbot, model)
        assert broken_rules(qtlog) == [], name
        del tester


def test_the_campaigns_table_passes_qts_model_tester(qtbot, qtlog, seeded, today_and_zone):
    day, tz = today_and_zone
    with session_factory(seeded)() as session:
        rows = campaign_rows(session, SYSTEM, day - dt.timedelta(days=364), day)
    assert len(rows) > 2
    model = CampaignModel(Formatter(tz))
    tester = watch(model)
    model.set_rows(rows)
    kept = QPersistentModelIndex(model.index(1, 0))
    chosen = rows[1].campaign_id
    for column in range(model.columnCount()):
        for order in (ASCENDING, DESCENDING):
            model.sort(column, order)
            assert model.rows[kept.row()].campaign_id == chosen  # indexes follow their rows
    model.sort(SPEND, ASCENDING)
    spends = [model.index(row, SPEND).data(RAW_ROLE) for row in range(model.rowCount())]
    assert spends == sorted(spends) and spends[0] < spends[-1]  # as numbers
    model.set_rows(rows[:2])
    model.set_rows([])
    assert broken_rules(qtlog) == []
    del tester


class _BrokenModel(QAbstractTableModel):
    """Breaks a rule: its alignment is no alignment at all."""

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else 3

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else 2

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return 0x10000
        return "x" if role == Qt.ItemDataRole.DisplayRole else None


@pytest.mark.no_qt_log  # pytest-qt would fail this test on the expected "FAIL!" warnings
def test_a_model_breaking_a_rule_is_caught() -> None:
    messages: list[tuple[str, str]] = []
    previous = qInstallMessageHandler(lambda _t, ctx, text: messages.append((ctx.category, text)))
    try:
        tester = watch(_BrokenModel())
    finally:
        qInstallMessageHandler(previous)
    assert any(
        category == "qt.modeltest" and text.startswith("FAIL!") and "alignment" in text
        for category, text in messages
    )
    del tester
