"""A cancelled Excel export writes no file and leaves no temporary sheet behind (openpyxl's
write-only sheet is closed and its temporary file removed, not left to the garbage
collector, which then wrote to a closed file: "Exception ignored in … _write_rows")."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.exports import export_list
from portal_desktop.services.files.import_common import ImportCancelledError
from portal_desktop.services.sales.leads import create_lead


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_cancelled_xlsx_export_leaves_nothing(sessions, tmp_path: Path) -> None:
    with sessions() as session:
        for n in range(3):
            create_lead(session, SYSTEM, first_name=f"Lead {n}", email=f"l{n}@example.org")
    cancel = threading.Event()
    temp_files = set(ALL_TEMP_FILES)

    def stop_after_the_first_page(_progress: object) -> None:
        cancel.set()  # the next step sees it

    target = tmp_path / "leads.xlsx"
    with sessions() as session, pytest.raises(ImportCancelledError):
        export_list(
            session, SYSTEM, ListQuery(PIPELINE), target,
            progress=stop_after_the_first_page, cancel=cancel,
        )  # fmt: skip
    gc.collect()
    assert not target.exists()
    assert set(ALL_TEMP_FILES) == temp_files
