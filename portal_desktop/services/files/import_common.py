"""What the lead and ad-performance imports share: problems by row, the saved report,
progress with rows per second and time left, cancellation, and the one audit row per import.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from portal_desktop.errors import PortalError
from portal_desktop.models import AuditEntry
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common.context import Actor
from portal_desktop.services.files.csv_table import CsvError

CHUNK_ROWS = 5_000
PROGRESS_EVERY_S = 0.1


@dataclass(frozen=True, order=True)
class Problem:
    """What is wrong with one cell (or one row, column ``""``) of the file."""

    row: int
    column: str
    problem: str


REPORT_HEADER = ("row", "column", "problem")


def report_csv(problems: Iterable[Problem]) -> str:
    """The validation report as CSV text: ``row,column,problem``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    for item in problems:
        writer.writerow((item.row, item.column, item.problem))
    return out.getvalue()


def save_report(problems: Iterable[Problem], path: str | Path) -> None:
    """Write the report as a UTF-8 CSV (with a BOM, so spreadsheet apps read it right)."""
    Path(path).write_text(report_csv(problems), encoding="utf-8-sig", newline="")


def report_lines(problems: Iterable[Problem], limit: int | None = None) -> list[str]:
    """``row 7, Email: 'x' is not an email address…`` lines for a terminal or a message."""
    listed = sorted(problems)
    lines = [
        f"row {item.row}{', ' + item.column if item.column else ''}: {item.problem}"
        for item in (listed if limit is None else listed[:limit])
    ]
    if limit is not None and len(listed) > limit:
        lines.append(f"… and {len(listed) - limit:,} more (save the report to see them all)")
    return lines


class ProblemReport:
    """What an import report does with its ``problems`` (a sorted tuple): the invalid rows,
    the saved report and the lines for a terminal or a message. Mixed into the reports'
    frozen dataclasses, which declare ``problems``; ``all_entries`` is what the saved report
    lists (a report with more entries than its problems overrides it)."""

    problems: tuple[Problem, ...]

    @property
    def invalid_rows(self) -> tuple[int, ...]:
        return tuple(sorted({problem.row for problem in self.problems}))

    def all_entries(self) -> list[Problem]:
        return sorted(self.problems)

    def save(self, path: str | Path) -> None:
        save_report(self.all_entries(), path)

    def problem_lines(self, limit: int | None = None) -> list[str]:
        return report_lines(self.problems, limit)


class ImportRefusedError(PortalError):
    """Nothing was written; ``problems`` says which rows and why."""

    def __init__(self, message: str, problems: Iterable[Problem]) -> None:
        super().__init__(message)
        self.problems = tuple(sorted(problems))


class ImportCancelledError(PortalError):
    """The user stopped the import; the transaction was rolled back."""

    def __init__(self) -> None:
        super().__init__("the import was cancelled; nothing was written")


def refused_by(error: CsvError) -> ImportRefusedError:
    """A file that cannot be read, as a report of one problem on its row."""
    return ImportRefusedError(
        f"the file cannot be read: {error}", [Problem(error.row, "", error.problem)]
    )


def refused_for_invalid_rows(problems: Iterable[Problem]) -> ImportRefusedError:
    """An import refused as a whole because rows are invalid (and were not to be skipped)."""
    listed = tuple(problems)
    rows = len({problem.row for problem in listed})
    return ImportRefusedError(
        f"{rows:,} row{'s are' if rows != 1 else ' is'} invalid, so nothing was imported; "
        "correct the file, or choose to import the valid rows and skip the rest",
        listed,
    )


# --- progress and cancellation --------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far a long import is: ``phase`` is "checking" or "writing"."""

    phase: str
    done: int
    total: int
    rows_per_second: float
    seconds_left: float | None

    def describe(self) -> str:
        rate = f"{self.rows_per_second:,.0f} rows/s"
        left = "" if self.seconds_left is None else f", {_duration(self.seconds_left)} left"
        return f"{self.phase.capitalize()} {self.done:,} of {self.total:,} rows ({rate}{left})"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


ProgressCallback = Callable[[Progress], None]
Cancel = threading.Event | Callable[[], bool] | None


def check_cancelled(cancel: Cancel) -> None:
    """Raise :class:`ImportCancelledError` when the user asked to stop."""
    if cancel is None:
        return
    stopped = cancel.is_set() if isinstance(cancel, threading.Event) else cancel()
    if stopped:
        raise ImportCancelledError()


class ProgressTracker:
    """Reports one phase's progress (at most every 0.1 s, and at its end) and checks for
    cancellation at each step."""

    def __init__(
        self, phase: str, total: int, callback: ProgressCallback | None, cancel: Cancel
    ) -> None:
        self.phase, self.total = phase, total
        self._callback, self._cancel = callback, cancel
        self._started = time.perf_counter()
        self._last = 0.0

    def step(self, done: int) -> None:
        check_cancelled(self._cancel)
        if self._callback is None:
            return
        now = time.perf_counter()
        if now - self._last < PROGRESS_EVERY_S and done < self.total:
            return
        self._last = now
        elapsed = max(now - self._started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate > 0 else None
        self._callback(Progress(self.phase, done, self.total, rate, left))


# --- audit ----------------------------------------------------------------------------------


def audit_import(
    session: Session, actor: Actor, table: str, summary: str, values: dict[str, Any]
) -> AuditEntry:
    """One audit row for a whole import (not one per record): what was imported, counts."""
    entry = AuditEntry(
        user_id=actor.user_id,
        username=actor.username,
        action=AuditAction.CREATE,
        entity=table,
        entity_id=None,
        old_values=None,
        new_values=values,
        summary=summary[:500],
    )
    session.add(entry)
    return entry
