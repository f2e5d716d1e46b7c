"""Memory of a lead import does not grow with the file (issue 11): what is remembered per
email lives on the disk, so importing four times as many rows peaks at the same Python
memory, give or take a small fixed margin."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files import lead_import, seen_emails
from portal_desktop.services.files.import_files import read_table
from portal_desktop.services.files.lead_import import (
    DuplicatePolicy,
    LeadImportOptions,
    import_leads,
)
from portal_desktop.services.files.lead_mapping import guess_mapping

SMALL, LARGE = 2_000, 20_000
CHUNK = 1_000  # smaller chunks than the app's, so that both files span many of them
MARGIN = 1024 * 1024  # ~100-170 bytes per email grow by 1.8-3 MB from SMALL to LARGE


def _file(folder: Path, prefix: str, rows: int) -> Path:
    path = folder / f"{prefix}.csv"
    lines = ["email,first name,source,created"]
    lines += [f"{prefix}{n}@example.com,Lead {n % 100},webinar,2025-01-01 10:{n % 60:02d}"
              for n in range(rows)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def _peak(sessions, path: Path, options: LeadImportOptions) -> int:
    table = read_table(path)
    mapping = guess_mapping(table.header)
    with sessions() as session:
        tracemalloc.start()
        try:
            report = import_leads(session, SYSTEM, table, mapping, options)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert report.created == len(table.records)
    return peak


@pytest.mark.parametrize("policy", list(DuplicatePolicy))
def test_peak_memory_does_not_grow_with_the_number_of_rows(
    sessions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: DuplicatePolicy
) -> None:
    monkeypatch.setattr(lead_import, "LOOKUP_CHUNK", CHUNK)
    monkeypatch.setattr(lead_import, "CHUNK_ROWS", CHUNK)
    monkeypatch.setattr(seen_emails, "FETCH_ROWS", CHUNK)
    options = LeadImportOptions(duplicates=policy)
    _peak(sessions, _file(tmp_path, "warm", CHUNK), options)  # caches filled once
    small = _peak(sessions, _file(tmp_path, "small", SMALL), options)
    large = _peak(sessions, _file(tmp_path, "large", LARGE), options)
    assert large - small < MARGIN, f"{SMALL:,} rows peak {small:,} B, {LARGE:,} rows {large:,} B"
