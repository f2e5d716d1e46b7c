"""Attribution does not depend on the order of imports (both databases): a lead's ad
campaign is resolved whichever side arrives first, and a link a person set stays."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.models import AdCampaign, AdPerformance, AuditEntry, Lead
from portal_desktop.models.enums import AdPlatform
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.ad_import import AdImportOptions, import_ad_performance
from portal_desktop.services.files.import_files import read_table
from portal_desktop.services.files.lead_dedup import DuplicatePolicy
from portal_desktop.services.files.lead_import import LeadImportOptions, import_leads
from portal_desktop.services.files.lead_mapping import guess_mapping
from portal_desktop.services.marketing.campaign_links import set_lead_campaign
from portal_desktop.services.marketing.campaigns import create_campaign, update_campaign
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.sales.leads import update_lead
from tests.services.pipeline_data import ADMIN, MARKETING

DATA = Path(__file__).resolve().parents[2] / "data"
FACEBOOK = DATA / "facebook_ads_daily.csv"
GOOGLE = DATA / "google_ads_campaign_report.csv"
# The campaign texts of a funnel tool's export: the ad reports' names, as people type them.
TEXTS = (
    "Spring Webinar", "spring webinar ", "Retargeting - Warm", "Brand Search",
    "BRAND SEARCH", "Generic - Coaching", "Newsletter", "",
)  # fmt: skip


def write_leads(path: Path, rows: int = 40) -> Path:
    lines = ["First name,Last name,Email,utm_source,utm_campaign,Signup date"]
    for n in range(rows):
        text = TEXTS[n % len(TEXTS)]
        source = "google" if "search" in text.lower() or "coaching" in text.lower() else "fb"
        day = dt.date(2025, 3, 1 + n % 3)
        lines.append(f"Lead,N{n},lead{n}@example.com,{source},{text},{day} 10:{n:02d}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_import(sessions: sessionmaker[Session], path: Path, **options: object) -> object:
    table = read_table(path)
    with sessions() as session:
        if path.name.startswith("facebook") or path.name.startswith("google"):
            platform = (
                AdPlatform.FACEBOOK if path.name.startswith("facebook") else AdPlatform.GOOGLE
            )
            return import_ad_performance(
                session, SYSTEM, table, AdImportOptions(platform=platform, file_name=path.name)
            )
        lead_options = LeadImportOptions(file_name=path.name, **options)  # type: ignore[arg-type]
        return import_leads(session, SYSTEM, table, guess_mapping(table.header), lead_options)


def links(sessions: sessionmaker[Session]) -> dict[str, str | None]:
    with sessions() as session:
        rows = session.execute(
            select(Lead.email, AdCampaign.name).outerjoin(
                AdCampaign, Lead.ad_campaign_id == AdCampaign.id
            )
        )
        return dict(rows.all())


def kpis(sessions: sessionmaker[Session]) -> dict[str, object]:
    with sessions() as session:
        report = kpi_report(session, SYSTEM, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
        return json.loads(json.dumps(report.to_json_dict(), default=str))


def test_both_orders_of_the_three_files_end_the_same(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    leads = write_leads(tmp_path / "leads.csv")
    ends = []
    for order in ((leads, FACEBOOK, GOOGLE), (FACEBOOK, GOOGLE, leads), (GOOGLE, leads, FACEBOOK)):
        for path in order:
            run_import(sessions, path)
        ends.append((links(sessions), kpis(sessions)))
        with sessions() as session:  # a clean slate for the next order
            for model in (Lead, AdPerformance, AdCampaign):
                session.execute(delete(model))
            session.commit()
    first_links, first_kpis = ends[0]
    assert first_links["lead0@example.com"] == "Spring Webinar"
    assert first_links["lead1@example.com"] == "Spring Webinar"  # trimmed, any case
    assert first_links["lead4@example.com"] == "Brand Search"
    assert first_links["lead6@example.com"] is None  # no such campaign
    assert sum(1 for name in first_links.values() if name) == 30
    assert first_kpis["paid_leads"] == 30
    for other_links, other_kpis in ends[1:]:
        assert other_links == first_links
        assert other_kpis == first_kpis


def test_the_ad_import_report_counts_the_existing_leads_it_linked(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    run_import(sessions, write_leads(tmp_path / "leads.csv"))
    report = run_import(sessions, FACEBOOK)
    assert report.linked_leads == 15  # 2 texts of Spring Webinar, 1 of Retargeting, 5 each
    assert "15 existing leads linked to the new campaigns" in report.summary_lines()
    again = run_import(sessions, FACEBOOK)
    assert again.linked_leads == 0 and not again.new_campaigns
    with sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.summary.like("Linked % leads whose campaign%"))
        ).first()
        assert entry is not None and entry.entity == "leads"


def test_a_link_set_by_hand_survives_later_imports_and_renames(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    leads = write_leads(tmp_path / "leads.csv")
    run_import(sessions, leads)
    with sessions() as session:
        other = create_campaign(session, MARKETING, platform=AdPlatform.GOOGLE, name="Partner")
        lead = session.scalars(select(Lead).where(Lead.email == "lead0@example.com")).one()
        set_lead_campaign(session, ADMIN, lead.id, other.id, expected_version=lead.version)
        partner = other.id
    run_import(sessions, FACEBOOK)  # creates "Spring Webinar": lead0's text
    assert links(sessions)["lead0@example.com"] == "Partner"
    assert links(sessions)["lead8@example.com"] == "Spring Webinar"  # automatic: linked
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "Email,utm_campaign\nlead0@example.com,Brand Search\nlead8@example.com,Brand Search\n"
    )
    run_import(sessions, GOOGLE)
    run_import(sessions, changed, duplicates=DuplicatePolicy.UPDATE)
    assert links(sessions)["lead0@example.com"] == "Partner"
    assert links(sessions)["lead8@example.com"] == "Brand Search"
    with sessions() as session:
        lead = session.scalars(select(Lead).where(Lead.email == "lead0@example.com")).one()
        update_lead(session, ADMIN, lead.id, lead.version, campaign="Retargeting - Warm")
        brand = session.scalars(select(AdCampaign).where(AdCampaign.name == "Brand Search")).one()
        update_campaign(session, MARKETING, brand.id, brand.version, name="Brand Search 2")
    found = links(sessions)
    assert found["lead0@example.com"] == "Partner"
    assert found["lead8@example.com"] is None  # its text no longer names a campaign
    with sessions() as session:
        lead = session.scalars(select(Lead).where(Lead.email == "lead0@example.com")).one()
        assert lead.ad_campaign_id == partner and lead.campaign_linked_by_hand
        set_lead_campaign(session, ADMIN, lead.id, None, by_hand=False)
    assert links(sessions)["lead0@example.com"] == "Retargeting - Warm"


def test_renaming_a_campaign_relinks_the_leads_of_its_old_and_new_name(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    run_import(sessions, write_leads(tmp_path / "leads.csv"))
    with sessions() as session:
        made = create_campaign(session, MARKETING, platform=AdPlatform.FACEBOOK, name="Newsletter")
    assert links(sessions)["lead6@example.com"] == "Newsletter"  # created in the Marketing tab
    with sessions() as session:
        campaign = session.get(AdCampaign, made.id)
        update_campaign(session, MARKETING, made.id, campaign.version, name="Spring Webinar")
    found = links(sessions)
    assert found["lead6@example.com"] is None
    assert found["lead0@example.com"] == found["lead1@example.com"] == "Spring Webinar"
