"""`portal-desktop report …` on the fixed world of tests/services/reporting/test_kpis.py."""

from __future__ import annotations

import json

import pytest

from portal_desktop.cli import main
from tests.services.reporting.test_kpis import shared_world_fixture

_fixtures = (shared_world_fixture,)  # registers `shared_world`

# March 2024 in New York, derived row by row in tests/services/reporting/test_kpis.py.
MARCH_JSON = {
    "from": "2024-03-01",
    "to": "2024-03-31",
    "currency": "USD",
    "time_zone": "America/New_York",
    "leads": 4,
    "paid_leads": 2,
    "calls_booked": 10,
    "calls_held": 7,
    "no_shows": 2,
    "show_rate": 0.7778,
    "offers": 6,
    "offer_rate": 0.8571,
    "closes": 4,
    "close_rate": 0.5714,
    "offer_close_rate": 0.6667,
    "enrollments": 3,
    "contracted_revenue": "5200.00",
    "aov": "1733.33",
    "cash_collected": "3400.00",
    "refunds": "1050.00",
    "ad_spend": "600.00",
    "platform_revenue": "900.00",
    "platform_roas": 1.5,
    "attributed_cash": "1000.00",
    "cash_roas": 1.6667,
    "cpl": "300.00",
    "cost_per_booked_call": "200.00",
    "receivables": "5600.00",
    "overdue_1_30": "1500.00",
    "overdue_31_60": "200.00",
    "overdue_61_90": "800.00",
    "overdue_90_plus": "800.00",
    "collection_rate": 0.5161,
}


@pytest.fixture
def url(shared_world) -> str:
    sessions, _ = shared_world
    return sessions.kw["bind"].url.render_as_string(hide_password=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_kpis_json_is_the_kpis_md_object(capsys, url) -> None:
    code, out, err = run(
        capsys,
        "report",
        "kpis",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-31",
        "--url",
        url,
        "--json",
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == list(MARCH_JSON)
    assert data == MARCH_JSON


def test_kpis_table(capsys, url) -> None:
    code, out, _ = run(
        capsys, "--url", url, "report", "kpis", "--from", "2023-06-01", "--to", "2024-03-31"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "KPIs 2023-06-01 to 2024-03-31 (America/New_York, amounts in USD)"
    assert any(line.split() == ["Show", "rate", "80.0", "%"] for line in lines)  # 8 / 10
    # Every value ends in the same column.
    values = [line for line in lines[4:] if line]
    assert len(values) == 29
    assert len({len(line) for line in values}) == 1


def test_an_empty_range_shows_dashes(capsys, url) -> None:
    code, out, _ = run(
        capsys, "report", "kpis", "--from", "2023-06-01", "--to", "2023-06-30", "--url", url
    )
    assert code == 0
    assert "Close rate" in out
    close_rate = next(line for line in out.splitlines() if line.startswith("Close rate"))
    assert close_rate.split()[-1] == "—"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--from", "2024-02-30", "--to", "2024-03-31"],
            "--from: '2024-02-30' is not a date; use the format YYYY-MM-DD (e.g. 2024-03-31)",
        ),
        (
            ["--from", "2024-03-01", "--to", "31/03/2024"],
            "--to: '31/03/2024' is not a date; use the format YYYY-MM-DD (e.g. 2024-03-31)",
        ),
        (
            ["--from", "2024-04-01", "--to", "2024-03-31"],
            "--from: 2024-04-01 is after --to 2024-03-31; "
            "the range must start on or before its last day",
        ),
    ],
)
def test_bad_dates_are_one_line_errors(capsys, tmp_path, argv, message) -> None:
    missing = f"sqlite:///{tmp_path / 'none.sqlite3'}"  # dates are checked before the database
    code, out, err = run(capsys, "report", "kpis", *argv, "--url", missing)
    assert (code, out) == (2, "")
    assert err == f"portal-desktop: error: {message}\n"


def test_a_missing_database_is_an_error(capsys, tmp_path) -> None:
    code, _, err = run(
        capsys,
        "report",
        "kpis",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-31",
        "--url",
        f"sqlite:///{tmp_path / 'none.sqlite3'}",
    )
    assert code == 2
    assert "there is no database file" in err


def test_leaderboard(capsys, url) -> None:
    argv = ["report", "leaderboard", "--from", "2024-03-01", "--to", "2024-03-31", "--url", url]
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    data = json.loads(out)
    assert [m["name"] for m in data["members"]] == [
        "Sam Setter",
        "Bob Closer",
        "Alice Closer",
        "Zed Idle",
    ]
    assert data["members"][1]["as_closer"]["cash_collected"] == "2300.00"
    assert data["members"][0]["as_setter"]["closes"] == 2
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "As closer (host of the call, closer of the enrollment)" in out
    bob = next(line for line in out.splitlines() if line.startswith("Bob Closer"))
    assert bob.split() == [
        "Bob", "Closer", "CLOSER", "5", "4", "80.0", "%", "3", "2", "50.0", "%", "2,200.00",
        "2,300.00",
    ]  # fmt: skip


def test_receivables(capsys, url) -> None:
    code, out, _ = run(
        capsys, "report", "receivables", "--as-of", "2024-03-31", "--url", url, "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert {key: data[key] for key in ("as_of", "receivables", "overdue_90_plus")} == {
        "as_of": "2024-03-31",
        "receivables": "5600.00",
        "overdue_90_plus": "800.00",
    }
    assert [(p["program"], p["receivables"]) for p in data["programs"]] == [
        ("Alpha", "3900.00"),
        ("Beta", "1700.00"),
    ]
    code, out, _ = run(capsys, "report", "receivables", "--as-of", "2024-03-31", "--url", url)
    assert out.splitlines()[-1].split()[:4] == ["All", "programs", "5,600.00", "2,300.00"]
    code, _, err = run(capsys, "report", "receivables", "--as-of", "yesterday", "--url", url)
    assert code == 2 and "--as-of: 'yesterday' is not a date" in err


def test_commissions(capsys, url) -> None:
    argv = ["report", "commissions", "--from", "2024-03-01", "--to", "2024-03-31", "--url", url]
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["totals"] == {"earned": "623.50", "clawback": "110.00", "commission": "513.50"}
    assert data["default_rates"] == {"closer": "0.10", "setter": "0.05"}
    code, out, _ = run(capsys, *argv)
    assert out.splitlines()[-1].split() == ["Total", "623.50", "110.00", "513.50"]
    assert "12.00 %*" in out  # Bob's own rate


def test_campaigns(capsys, url) -> None:
    argv = ["report", "campaigns", "--from", "2024-03-01", "--to", "2024-03-31", "--url", url]
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    data = json.loads(out)
    assert [(c["name"], c["cash_roas"]) for c in data["campaigns"]] == [
        ("Spring FB", 3.3333),
        ("Search G", 0.0),
        ("Fresh", None),
    ]
