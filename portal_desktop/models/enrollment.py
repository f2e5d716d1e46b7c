"""Products and the people who bought them: programs, students, enrollments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_desktop.models.base import Entity, enum_type
from portal_desktop.models.enums import EnrollmentStatus, PaymentFrequency, PlanType

if TYPE_CHECKING:
    from portal_desktop.models.crm import Lead, SalesCall
    from portal_desktop.models.finance import Installment, Payment
    from portal_desktop.models.people import TeamMember, User


class Program(Entity):
    """A product being sold, e.g. a 12-week coaching program."""

    __tablename__ = "programs"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(String(4000))
    price: Mapped[Decimal]
    duration_weeks: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True, server_default="1")

    __table_args__ = (CheckConstraint("price >= 0", name="price_non_negative"),)


class Student(Entity):
    """A customer; may have several enrollments and may come from a lead."""

    __tablename__ = "students"

    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Which lead became this student: traces cash back to the campaign.
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), unique=True
    )
    # Optional login of the student (the guide's "User linked to Student").
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str | None] = mapped_column(String(4000))

    lead: Mapped[Lead | None] = relationship()
    user: Mapped[User | None] = relationship()
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="student")
    sales_calls: Mapped[list[SalesCall]] = relationship(back_populates="student")

    __table_args__ = (
        Index("ix_students_last_name_first_name", "last_name", "first_name"),
        Index("ix_students_created_at", "created_at"),
    )


Index("uq_students_email_lower", func.lower(Student.email), unique=True)


class Enrollment(Entity):
    """A student buying a program: the contract and its payment plan."""

    __tablename__ = "enrollments"

    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="RESTRICT"), index=True
    )
    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programs.id", ondelete="RESTRICT"), index=True
    )
    plan_type: Mapped[PlanType] = mapped_column(enum_type(PlanType, "plan_type"))
    contract_value: Mapped[Decimal]
    start_date: Mapped[dt.date] = mapped_column(index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_type(EnrollmentStatus, "enrollment_status"),
        default=EnrollmentStatus.ACTIVE,
        server_default="ACTIVE",
        index=True,
    )
    closer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("team_members.id", ondelete="SET NULL")
    )
    setter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("team_members.id", ondelete="SET NULL")
    )
    # The call on which the deal was closed, when there was one.
    sales_call_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sales_calls.id", ondelete="SET NULL"), index=True
    )
    down_payment: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), server_default="0")
    installment_count: Mapped[int] = mapped_column(default=1, server_default="1")
    payment_frequency: Mapped[PaymentFrequency | None] = mapped_column(
        enum_type(PaymentFrequency, "payment_frequency")
    )
    ended_at: Mapped[dt.datetime | None]
    notes: Mapped[str | None] = mapped_column(String(4000))

    student: Mapped[Student] = relationship(back_populates="enrollments")
    program: Mapped[Program] = relationship()
    closer: Mapped[TeamMember | None] = relationship(foreign_keys=[closer_id])
    setter: Mapped[TeamMember | None] = relationship(foreign_keys=[setter_id])
    installments: Mapped[list[Installment]] = relationship(
        back_populates="enrollment", order_by="Installment.sequence"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="enrollment")

    __table_args__ = (
        CheckConstraint("contract_value >= 0", name="contract_value_non_negative"),
        CheckConstraint(
            "down_payment >= 0 AND down_payment <= contract_value",
            name="down_payment_range",
        ),
        CheckConstraint("installment_count >= 1", name="installment_count_positive"),
        Index("ix_enrollments_closer_id_start_date", "closer_id", "start_date"),
        Index("ix_enrollments_setter_id_start_date", "setter_id", "start_date"),
    )
