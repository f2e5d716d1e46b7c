"""The child of item 3: records 1.00 payments on the local SQLite file, one use case each,
and prints each payment's id once its transaction has committed ("acknowledged"). It runs
until it is killed. Usage: python -m faults.sqlite_writer sqlite:///path enrollment-id"""

from __future__ import annotations

import sys
import uuid

from sqlalchemy import select

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import Installment
from portal_desktop.models.enums import InstallmentStatus
from portal_desktop.services.billing.payments import record_payment
from portal_desktop.services.common.context import SYSTEM


def main(url: str, enrollment_id: str) -> None:
    sessions = session_factory(make_engine(url))
    enrollment = uuid.UUID(enrollment_id)
    print("ready", flush=True)
    while True:
        with sessions() as session:
            owed = session.scalar(
                select(Installment.id).where(
                    Installment.enrollment_id == enrollment,
                    Installment.status != InstallmentStatus.PAID,
                )
            )
            result = record_payment(session, SYSTEM, owed, "1.00")
            print(result.payment.id, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
