"""Importing daily ad performance from Facebook and Google Ads exports (both backends)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models import AdCampaign, AdPerformance, AuditEntry
from portal_desktop.models.enums import AdPlatform
from portal_desktop.services.accounts.settings import update_settings
from portal_desktop.services.common.changes import take_committed
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.ad_import import (
    AdImportOptions,
    check_ad_import,
    import_ad_performance,
)
from portal_desktop.services.files.csv_reading import read_csv
from portal_desktop.services.files.csv_table import CsvError
from portal_desktop.services.files.import_common import ImportRefusedError, Problem
from tests.services.pipeline_data import SALES, add_campaign, count

DATA = Path(__file__).resolve().parents[2] / "data"
FB, GOOGLE = AdPlatform.FACEBOOK, AdPlatform.GOOGLE
D = Decimal

FACEBOOK_DAYS = {
    ("Spring Webinar", dt.date(2025, 3, 1)): (D("124.50"), 10230, 212, 14, D("480.00")),
    ("Spring Webinar", dt.date(2025, 3, 2)): (D("131.20"), 11002, 230, 17, D("0.00")),
    ("Spring Webinar", dt.date(2025, 3, 3)): (D("98.75"), 8754, 175, 9, D("960.00")),
    ("Retargeting - Warm", dt.date(2025, 3, 1)): (D("45.00"), 3120, 96, 3, D("0.00")),
    ("Retargeting - Warm", dt.date(2025, 3, 2)): (D("47.30"), 3388, 101, 0, D("1250.00")),
    ("Retargeting - Warm", dt.date(2025, 3, 3)): (D("0.00"), 0, 0, 0, D("0.00")),
}
GOOGLE_DAYS = {
    ("Brand Search", dt.date(2025, 3, 1)): (D("1234.56"), 12345, 456, 12, D("2400.00")),
    # 9.50 conversions round to 10 leads; a 1880.755 conversion value to 1880.76.
    ("Brand Search", dt.date(2025, 3, 2)): (D("980.10"), 10002, 398, 10, D("1880.76")),
    ("Brand Search", dt.date(2025, 3, 3)): (D("0.00"), 0, 0, 0, D("0.00")),
    ("Generic - Coaching", dt.date(2025, 3, 1)): (D("310.00"), 4200, 88, 0, D("0.00")),
    ("Generic - Coaching", dt.date(2025, 3, 2)): (D("295.45"), 3980, 80, 2, D("500.00")),
}


def run(sessions, source: str | bytes, platform=FB, *, skip=False, actor=SYSTEM, check=False):
    data = (DATA / source).read_bytes() if isinstance(source, str) else source
    options = AdImportOptions(platform=platform, skip_invalid=skip, file_name="export.csv")
    with sessions() as session:
        use = check_ad_import if check else import_ad_performance
        return use(session, actor, read_csv(data), options)


def stored(sessions) -> dict[tuple[str, dt.date], tuple]:
    with sessions() as session:
        rows = session.execute(
            select(AdCampaign.name, AdPerformance).join(AdPerformance.ad_campaign)
        ).all()
    return {
        (name, p.date): (p.spend, p.impressions, p.clicks, p.leads, p.revenue) for name, p in rows
    }


def versions(sessions) -> dict[tuple[str, dt.date], int]:
    with sessions() as session:
        rows = session.execute(
            select(AdCampaign.name, AdPerformance.date, AdPerformance.version).join(
                AdPerformance.ad_campaign
            )
        ).all()
    return {(name, day): version for name, day, version in rows}


def campaigns(sessions) -> set[tuple[str, AdPlatform]]:
    with sessions() as session:
        return set(session.execute(select(AdCampaign.name, AdCampaign.platform)).tuples())


def test_facebook_daily_export_creates_campaigns_and_days(sessions) -> None:
    report = run(sessions, "facebook_ads_daily.csv")
    assert (report.new_days, report.changed_days, report.unchanged_days) == (6, 0, 0)
    assert report.new_campaigns == ("Retargeting - Warm", "Spring Webinar")
    assert "Amounts in USD, the installation's currency." in report.notes
    assert campaigns(sessions) == {("Spring Webinar", FB), ("Retargeting - Warm", FB)}
    assert stored(sessions) == FACEBOOK_DAYS
    summary = [a for a in _audits(sessions) if a.entity == "ad_performance"]
    assert [a.new_values["new_days"] for a in summary] == [6]


def _audits(sessions) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry)))


def test_importing_the_same_file_twice_changes_nothing(sessions) -> None:
    run(sessions, "facebook_ads_daily.csv")
    before = (stored(sessions), versions(sessions), count(sessions, AuditEntry))
    report = run(sessions, "facebook_ads_daily.csv")
    assert (report.new_days, report.changed_days, report.unchanged_days) == (0, 0, 6)
    assert report.new_campaigns == ()
    assert (stored(sessions), versions(sessions), count(sessions, AuditEntry)) == before


def test_a_changed_day_is_updated_and_only_that_one(sessions) -> None:
    run(sessions, "facebook_ads_daily.csv")
    changed = (DATA / "facebook_ads_daily.csv").read_bytes().replace(b"131.20", b"140.00")
    report = run(sessions, changed)
    assert (report.new_days, report.changed_days, report.unchanged_days) == (0, 1, 5)
    expected = dict(FACEBOOK_DAYS)
    key = ("Spring Webinar", dt.date(2025, 3, 2))
    expected[key] = (D("140.00"), *expected[key][1:])
    assert stored(sessions) == expected
    assert {k: v for k, v in versions(sessions).items() if v != 1} == {key: 2}


def test_an_import_says_what_it_changed(sessions) -> None:
    """The days are upserted with one statement per chunk: the change names them, the new
    campaigns and the audit trail; a file that changes nothing names no days."""

    def tables_of(data: bytes) -> frozenset[str]:
        options = AdImportOptions(platform=FB, file_name="export.csv")
        with sessions() as session:
            import_ad_performance(session, SYSTEM, read_csv(data), options)
            return take_committed(session).tables

    data = (DATA / "facebook_ads_daily.csv").read_bytes()
    assert tables_of(data) >= {"ad_performance", "ad_campaigns", "audit_log"}
    assert "ad_performance" not in tables_of(data)
    changed = tables_of(data.replace(b"131.20", b"140.00"))
    assert "ad_performance" in changed and "ad_campaigns" not in changed


def test_google_report_with_title_lines_totals_and_dashes(sessions) -> None:
    add_campaign(sessions, "BRAND SEARCH", GOOGLE)  # matched without regard to case
    add_campaign(sessions, "Generic - Coaching", FB)  # another platform: not this one
    report = run(sessions, "google_ads_campaign_report.csv", GOOGLE)
    assert report.new_campaigns == ("Generic - Coaching",)
    assert (report.rows, report.days, report.new_days) == (5, 5, 5)
    assert stored(sessions) == {
        (("BRAND SEARCH" if name == "Brand Search" else name), day): numbers
        for (name, day), numbers in GOOGLE_DAYS.items()
    }
    assert campaigns(sessions) == {
        ("BRAND SEARCH", GOOGLE),
        ("Generic - Coaching", GOOGLE),
        ("Generic - Coaching", FB),
    }


def test_a_currency_other_than_the_installations_is_refused(sessions) -> None:
    with sessions() as session:
        update_settings(session, SYSTEM, currency="EUR")
    with pytest.raises(ImportRefusedError) as caught:
        run(sessions, "google_ads_campaign_report.csv", GOOGLE)
    assert "in USD but this installation keeps its books in EUR" in str(caught.value)
    assert caught.value.problems == (
        Problem(3, "Cost", "amounts in USD, not in the installation's currency EUR"),
    )
    assert count(sessions, AdCampaign) == 0
    assert count(sessions, AdPerformance) == 0


def test_the_wrong_platform_says_what_is_missing(sessions) -> None:
    with pytest.raises(ValidationError, match=r"not a Google export.*amount spent"):
        run(sessions, "facebook_ads_daily.csv", GOOGLE)


HEADER = (
    b"Campaign name,Reporting starts,Reporting ends,Amount spent (USD),Impressions,Link clicks\n"
)


def test_invalid_rows_refuse_or_are_skipped(sessions) -> None:
    data = HEADER + (
        b",2025-03-01,2025-03-02,10.00,100,5\n"  # the platform's summary row: left out
        b"Good,2025-03-01,2025-03-01,10.00,100,5\n"
        b"Clicky,2025-03-01,2025-03-01,1.00,10,50\n"
        b"Later,2099-01-01,2099-01-01,1.00,10,5\n"
        b"Weekly,2025-03-01,2025-03-07,1.00,10,5\n"
        b"Bad money,2025-03-01,2025-03-01,12.5.0,10,5\n"
        b"Good,2025-03-01,2025-03-01,10.00,100,5\n"
    )
    expected = [
        Problem(4, "Link clicks", "50 clicks is more than the 10 impressions; an ad cannot be "
                "clicked more often than it was shown"),
        Problem(5, "Reporting starts", "2099-01-01 is in the future"),
        Problem(6, "Reporting starts", "covers 2025-03-01 to 2025-03-07; export with a daily "
                "breakdown (Breakdown → By time → Day)"),
        Problem(7, "Amount spent (USD)", "'12.5.0' is not written like the column's other "
                "numbers (1,234.50)"),
        Problem(8, "Campaign name", "'Good' on 2025-03-01 is on row 3 too; a campaign-level "
                "export has one row per campaign and day"),
    ]  # fmt: skip
    with pytest.raises(ImportRefusedError) as caught:
        run(sessions, data)
    assert list(caught.value.problems) == expected
    assert count(sessions, AdCampaign) == 0
    report = run(sessions, data, skip=True)
    assert report.invalid_rows == (4, 5, 6, 7, 8)
    assert any("summary row" in note for note in report.notes)
    assert stored(sessions) == {("Good", dt.date(2025, 3, 1)): (D("10.00"), 100, 5, 0, D("0"))}


def test_ad_set_rows_add_up_per_campaign_and_day(sessions) -> None:
    data = (
        b"Campaign name,Ad set name,Day,Amount spent (USD),Impressions,Link clicks,Leads\n"
        b"Spring,Lookalike,2025-03-01,10.10,100,5,1\n"
        b"Spring,Interests,2025-03-01,2.20,50,4,2\n"
        b"spring,Retarget,2025-03-01,0.05,10,1,\n"
    )
    report = run(sessions, data)
    assert report.days == 1
    assert stored(sessions) == {("Spring", dt.date(2025, 3, 1)): (D("12.35"), 160, 10, 3, D("0"))}


def test_check_writes_nothing_and_sales_may_not_import(sessions) -> None:
    report = run(sessions, "facebook_ads_daily.csv", check=True)
    assert (report.new_days, report.written) == (6, False)
    assert [d.campaign for d in report.preview][:2] == ["Spring Webinar", "Spring Webinar"]
    assert count(sessions, AdCampaign) == 0
    with pytest.raises(PermissionDeniedError):
        run(sessions, "facebook_ads_daily.csv", actor=SALES)


# --- property test --------------------------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(["", "--", "0", "12", "1,234.50", "2025-03-01", "03/02/2025", "Spring", "x"]),
    st.text(alphabet=st.sampled_from(list('ab1.,-$€ "')), max_size=8),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.lists(CELLS, min_size=4, max_size=6), min_size=1, max_size=6), st.booleans())
def test_random_exports_are_saved_whole_or_refused(sessions, rows, skip) -> None:
    header = "Campaign name,Day,Amount spent (USD),Impressions,Link clicks,Leads"
    body = "\n".join(",".join(f'"{c.replace(chr(34), "")}"' for c in row) for row in rows)
    before = (count(sessions, AdCampaign), count(sessions, AdPerformance))
    try:
        report = run(sessions, f"{header}\n{body}\n".encode(), skip=skip)
    except (ImportRefusedError, CsvError, ValidationError) as exc:
        if isinstance(exc, ImportRefusedError):
            assert exc.problems and all(p.row >= 2 for p in exc.problems)
        assert (count(sessions, AdCampaign), count(sessions, AdPerformance)) == before
        return
    assert count(sessions, AdPerformance) == before[1] + report.new_days
    assert count(sessions, AdCampaign) == before[0] + len(report.new_campaigns)
