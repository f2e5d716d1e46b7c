"""`portal-desktop seed --demo --years N`: the option reaches the seeder; bad values are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from portal_desktop.cli import main
from portal_desktop.commands import seed as seed_command
from portal_desktop.db.engine import make_engine
from portal_desktop.services.accounts.settings import DEFAULTS
from portal_desktop.services.seeding import clock


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _leads(db_url: str) -> list[dt.date]:
    """The days the leads were created, in order."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT created_at FROM leads ORDER BY created_at")).all()
    finally:
        engine.dispose()
    return [dt.date.fromisoformat(str(at)[:10]) for (at,) in rows]


@pytest.mark.parametrize("years", ["0", "11", "-1"])
def test_years_out_of_range_are_refused(
    capsys: pytest.CaptureFixture[str], db_url: str, years: str
) -> None:
    code, out, err = run(
        capsys, "seed", "--demo", "--leads", "50", "--years", years, "--url", db_url
    )

    assert (code, out) == (2, "")
    assert err == f"portal-desktop: error: --years must be between 1 and 10 (got {years})\n"
    assert _leads(db_url) == []


def test_years_spread_the_leads_over_that_many_years(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    code, out, err = run(
        capsys, "seed", "--demo", "--leads", "150", "--years", "2", "--url", db_url
    )

    assert (code, err) == (0, "")
    today = dt.datetime.now(DEFAULTS.tz).date()  # the installation's today
    assert f"Data covers the 2 years before {today.isoformat()}." in out
    days = _leads(db_url)
    assert len(days) == 150
    first, last = days[0], days[-1]
    window_start = today - dt.timedelta(days=730)
    # The first of 150 leads comes in the window's first ~5 days, the last in its last ones.
    assert window_start <= first <= window_start + dt.timedelta(days=7)
    assert today - dt.timedelta(days=7) <= last < today


def test_the_command_repeats_the_seeders_limits() -> None:
    # commands/seed.py keeps its own copy so that `--help` stays fast; they must agree.
    assert (seed_command.MIN_YEARS, seed_command.MAX_YEARS) == (clock.MIN_YEARS, clock.MAX_YEARS)
