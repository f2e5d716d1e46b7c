"""A database that cannot store a change (the disk full, a read-only file) is told in words,
as the project's error, and nothing of the use case is written (issue 17: it left as a raw
OperationalError, shown as "Something went wrong (OperationalError: …)")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.errors import StorageError
from portal_desktop.models import Lead
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.csv_reading import read_csv
from portal_desktop.services.files.lead_import import import_leads
from portal_desktop.services.files.lead_mapping import guess_mapping
from portal_desktop.services.sales.leads import create_lead


def _copy(migrated_templates: dict, tmp_path: Path) -> Path:
    target = tmp_path / "portal.sqlite3"
    shutil.copyfile(migrated_templates["sqlite"], target)
    return target


def _leads(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Lead))


def test_a_full_disk_is_told_in_words_and_nothing_is_written(migrated_templates, tmp_path):
    path = _copy(migrated_templates, tmp_path)
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _small_disk(dbapi_connection, _record) -> None:  # room for a few pages only
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    sessions = session_factory(engine)
    rows = "\n".join(f"Ann,Row{i},full{i}@example.com,facebook" for i in range(3000))
    table = read_csv(f"first_name,last_name,email,source\n{rows}\n".encode())
    with sessions() as session, pytest.raises(StorageError) as caught:
        import_leads(session, SYSTEM, table, guess_mapping(table.header))
    assert "full" in str(caught.value) and "nothing was saved" in str(caught.value)
    assert _leads(sessions) == 0
    engine.dispose()


def test_a_read_only_file_is_told_in_words(migrated_templates, tmp_path):
    path = _copy(migrated_templates, tmp_path)
    engine = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    sessions = session_factory(engine)
    with sessions() as session, pytest.raises(StorageError) as caught:
        create_lead(session, SYSTEM, first_name="Ann", last_name="Lee", source="web")
    assert "read-only" in str(caught.value) and "nothing was saved" in str(caught.value)
    assert _leads(sessions) == 0
    engine.dispose()
