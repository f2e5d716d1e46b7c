"""ReadOp and WriteOp: work off the UI thread; a write announces exactly what it changed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal_desktop.models import AppSetting, Lead
from portal_desktop.models.enums import LeadStatus, UserRole
from portal_desktop.services.common.changes import ROLLUP_TABLES
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales import leads as lead_service
from portal_desktop.views.ops import ReadOp, WriteOp
from tests.views.test_pipeline_tab import add_lead, make_ctx


@pytest.fixture
def ctx(engine, sessions):
    return make_ctx(engine, sessions, UserRole.ADMIN)


def _heard(ctx) -> list[tuple[frozenset[str], frozenset[object]]]:
    heard: list[tuple[frozenset[str], frozenset[object]]] = []
    ctx.bus.data_changed.connect(lambda tables, ids: heard.append((tables, ids)))
    return heard


def test_a_write_announces_the_tables_and_ids_it_changed(qtbot, ctx, sessions) -> None:
    lead_id = add_lead(sessions, first_name="Ada", email="ada@example.com")
    heard = _heard(ctx)
    threads: list[int] = []

    def work(session: Session) -> str:
        threads.append(threading.get_ident())
        lead = lead_service.change_lead_status(session, SYSTEM, lead_id, LeadStatus.CONTACTED)
        return lead.status.value

    results: list[str] = []
    op = WriteOp(ctx, work).success(results.append).run()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    assert results == ["CONTACTED"]
    assert threads and threads[0] != threading.get_ident()
    assert len(heard) == 1
    tables, ids = heard[0]
    # the lead, its audit row and the rollups built from leads — nobody listed them by hand
    assert {"leads", "audit_log"} <= tables and tables >= ROLLUP_TABLES
    assert lead_id in ids
    assert op.changes.tables == tables


def test_a_statement_without_known_ids_means_any_record(qtbot, ctx, sessions) -> None:
    add_lead(sessions, first_name="Bo", email="bo@example.com")
    heard = _heard(ctx)

    def work(session: Session) -> None:
        session.execute(update(Lead).values(notes="bulk"))

    op = WriteOp(ctx, work).run()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    assert heard and "leads" in heard[0][0] and heard[0][1] == frozenset()


def test_a_failed_write_announces_nothing_and_keeps_nothing(qtbot, ctx, sessions) -> None:
    heard = _heard(ctx)
    errors: list[BaseException] = []

    def work(session: Session) -> None:
        session.add(AppSetting(key="ops_probe", value="1"))
        session.flush()
        raise ValueError("refused")

    op = WriteOp(ctx, work).failure(errors.append).run()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    assert heard == [] and len(errors) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).where(AppSetting.key == "ops_probe")) == 0


def test_a_read_op_cannot_write(qtbot, ctx, sessions) -> None:
    def work(session: Session) -> int:
        session.add(AppSetting(key="read_probe", value="1"))
        session.flush()
        return 1

    op = ReadOp(ctx, work).run()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    with sessions() as session:
        assert session.scalar(select(func.count()).where(AppSetting.key == "read_probe")) == 0
