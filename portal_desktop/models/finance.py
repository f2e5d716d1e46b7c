"""Money owed and money received: installments and payments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_desktop.models.base import Entity, enum_type
from portal_desktop.models.enums import InstallmentStatus, PaymentMethod, PaymentStatus

if TYPE_CHECKING:
    from portal_desktop.models.enrollment import Enrollment


class Installment(Entity):
    """One scheduled amount of an enrollment's plan (a PIF plan has exactly one)."""

    __tablename__ = "installments"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    sequence: Mapped[int]
    due_date: Mapped[dt.date]
    amount: Mapped[Decimal]
    status: Mapped[InstallmentStatus] = mapped_column(
        enum_type(InstallmentStatus, "installment_status"),
        default=InstallmentStatus.PENDING,
        server_default="PENDING",
    )
    is_down_payment: Mapped[bool] = mapped_column(default=False, server_default="0")
    notes: Mapped[str | None] = mapped_column(String(2000))

    enrollment: Mapped[Enrollment] = relationship(back_populates="installments")
    payments: Mapped[list[Payment]] = relationship(back_populates="installment")

    __table_args__ = (
        UniqueConstraint("enrollment_id", "sequence"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        Index("ix_installments_due_date", "due_date"),
        Index("ix_installments_status_due_date", "status", "due_date"),
    )


class Payment(Entity):
    """Cash received (or attempted, or refunded) for an enrollment, usually for an installment."""

    __tablename__ = "payments"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    installment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("installments.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[Decimal]
    status: Mapped[PaymentStatus] = mapped_column(enum_type(PaymentStatus, "payment_status"))
    paid_at: Mapped[dt.datetime | None]
    method: Mapped[PaymentMethod] = mapped_column(
        enum_type(PaymentMethod, "payment_method"),
        default=PaymentMethod.CARD,
        server_default="CARD",
    )
    reference: Mapped[str | None] = mapped_column(String(200))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    refunded_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), server_default="0")
    refunded_at: Mapped[dt.datetime | None]
    notes: Mapped[str | None] = mapped_column(String(2000))

    enrollment: Mapped[Enrollment] = relationship(back_populates="payments")
    installment: Mapped[Installment | None] = relationship(back_populates="payments")

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount",
            name="refund_within_amount",
        ),
        Index("ix_payments_paid_at", "paid_at"),
        Index("ix_payments_refunded_at", "refunded_at"),
        Index("ix_payments_status_paid_at", "status", "paid_at"),
        # At most one PAID payment per installment: paying twice records nothing more.
        Index(
            "uq_payments_installment_id_paid",
            "installment_id",
            unique=True,
            postgresql_where=text("status = 'PAID'"),
            sqlite_where=text("status = 'PAID'"),
        ),
    )
