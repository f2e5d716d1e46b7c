"""`make faults`: the faults and load the app survives, measured (README, "Faults and load").

Collected only by `make faults` (the suite's testpaths is tests/). The fixtures are the
suite's own (tests/conftest.py), imported, not copied. Each test reports ONE line through
:func:`report` (what was done, how many times, what was lost); the session ends with a table
of them. ``FAULTS_SCALE`` (default 1) scales every count: 0.2 runs a fifth of each.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from portal_desktop.db.engine import make_engine
from tests.conftest import (  # noqa: F401 (fixtures)
    _collect_on_the_main_thread,
    _docs_screenshots_untouched,
    _drop_people_logins,
    _isolated_data_dir,
    _pg_create_database,
    backend,
    db_url,
    engine,
    migrated_templates,
    pg_admin_url,
    sessions,
)

SCALE = float(os.environ.get("FAULTS_SCALE", "1"))
LINES: list[tuple[str, str]] = []  # (test, line)


def scaled(count: int, minimum: int = 1) -> int:
    """``count`` at FAULTS_SCALE (at least ``minimum``)."""
    return max(minimum, round(count * SCALE))


def report(request: pytest.FixtureRequest, line: str) -> None:
    """The test's one line: printed now and in the table at the end of the session."""
    LINES.append((request.node.name, line))
    print(f"\nFAULTS {request.node.name}: {line}")


@pytest.fixture
def pg_url(migrated_templates: dict, pg_admin_url: str) -> Iterator[str]:  # noqa: F811
    """A fresh migrated PostgreSQL database (these faults need a server)."""
    url = _pg_create_database(
        pg_admin_url, f"portal_fault_{uuid.uuid4().hex[:12]}", migrated_templates["postgresql"]
    )
    yield url
    _drop_people_logins(url)


@pytest.fixture
def sqlite_url(migrated_templates: dict, tmp_path: Path) -> str:  # noqa: F811
    """A fresh migrated local SQLite file (the faults of the local file)."""
    target = tmp_path / "portal.sqlite3"
    shutil.copyfile(migrated_templates["sqlite"], target)
    return f"sqlite:///{target}"


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    yield eng
    eng.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LINES:
        return
    width = max(len(name) for name, _ in LINES)
    terminalreporter.section(f"faults and load (FAULTS_SCALE={SCALE:g})")
    terminalreporter.write_line(f"{'test'.ljust(width)} | what was done, how many times, lost")
    terminalreporter.write_line(f"{'-' * width}-+-{'-' * 60}")
    for name, line in LINES:
        terminalreporter.write_line(f"{name.ljust(width)} | {line}")
