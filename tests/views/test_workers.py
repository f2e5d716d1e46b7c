"""QueryOp: work on a pool thread with its own Session, answers on the UI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop.models import AppSetting, TeamMember
from portal_desktop.views.workers import OpGeneration, QueryOp, run_in_worker


def test_query_op_runs_off_the_ui_thread_and_reports_on_it(qtbot, sessions) -> None:
    ui_thread = threading.get_ident()
    seen: dict[str, object] = {}

    def work(session: Session) -> int:
        seen["work_thread"] = threading.get_ident()
        seen["session"] = session
        return int(session.execute(select(func.count()).select_from(TeamMember)).scalar_one())

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_thread"] = threading.get_ident()

    op = QueryOp(sessions, work).success(done).run()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    assert seen["value"] == 0
    assert seen["work_thread"] != ui_thread
    assert seen["callback_thread"] == ui_thread
    assert isinstance(seen["session"], Session)


def test_errors_reach_failure_and_roll_back(qtbot, sessions) -> None:
    errors: list[BaseException] = []

    def work(session: Session) -> None:
        session.add(AppSetting(key="worker_probe", value="1"))
        session.flush()  # written in the worker's transaction…
        raise ValueError("no such lead: check the id")  # …and rolled back with it

    op = QueryOp(sessions, work).success(lambda _: pytest.fail("must fail")).failure(errors.append)
    op.run()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    assert len(errors) == 1 and isinstance(errors[0], ValueError)
    assert "check the id" in str(errors[0])
    with sessions() as session:
        probe = select(func.count()).where(AppSetting.key == "worker_probe")
        assert session.execute(probe).scalar_one() == 0


def test_a_destroyed_parent_gets_no_callback(qtbot) -> None:
    gate = threading.Event()
    called: list[object] = []
    parent = QObject()
    op = run_in_worker(lambda: gate.wait(5), on_success=called.append, parent=parent)
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _alive(parent), timeout=2000)
    gate.set()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    assert called == []


def _alive(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_generation_tickets() -> None:
    gen = OpGeneration()
    first = gen.next()
    assert gen.is_current(first)
    second = gen.next()
    assert not gen.is_current(first) and gen.is_current(second)
