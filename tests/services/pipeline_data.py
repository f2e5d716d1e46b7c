"""Rows and actors the pipeline, call and account tests build on (plain functions)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.models import AdCampaign, AuditEntry, Lead, SalesCall, Student, TeamMember
from portal_desktop.models.enums import AdPlatform, CampaignStatus, TeamRole, UserRole
from portal_desktop.services.common.context import Actor

# Actors without a user row (audit rows then have user_id NULL).
ADMIN = Actor(user_id=None, username="ada", role=UserRole.ADMIN)
SALES = Actor(user_id=None, username="sam", role=UserRole.SALES)
MARKETING = Actor(user_id=None, username="mia", role=UserRole.MARKETING)


def add_member(
    sessions: sessionmaker[Session],
    name: str,
    role: TeamRole = TeamRole.CLOSER,
    active: bool = True,
) -> uuid.UUID:
    with sessions() as session:
        member = TeamMember(name=name, role=role, active=active)
        session.add(member)
        session.commit()
        return member.id


def add_campaign(
    sessions: sessionmaker[Session],
    name: str,
    platform: AdPlatform = AdPlatform.FACEBOOK,
    status: CampaignStatus = CampaignStatus.ACTIVE,
) -> uuid.UUID:
    with sessions() as session:
        campaign = AdCampaign(name=name, platform=platform, status=status)
        session.add(campaign)
        session.commit()
        return campaign.id


def add_student(
    sessions: sessionmaker[Session], email: str, lead_id: uuid.UUID | None = None
) -> uuid.UUID:
    with sessions() as session:
        student = Student(first_name="Stu", last_name="Dent", email=email, lead_id=lead_id)
        session.add(student)
        session.commit()
        return student.id


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """Leads, sales calls and audit rows: a failed use case must leave all three alone."""
    return count(sessions, Lead), count(sessions, SalesCall), count(sessions, AuditEntry)


def audit_rows(sessions: sessionmaker[Session], entity: str) -> list[AuditEntry]:
    with sessions() as session:
        query = select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
        return list(session.scalars(query))
