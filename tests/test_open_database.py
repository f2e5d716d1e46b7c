"""First start on the local file: demo data once, and the app is told so it can say how to
sign in; a later start seeds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal_desktop.app_database import open_database
from portal_desktop.db.paths import local_database_path
from portal_desktop.models import Lead, User


def test_demo_data_is_seeded_once_and_announced() -> None:
    announced: list[bool] = []
    engine = open_database(None, seed_demo=True, on_seeded=lambda: announced.append(True))
    with engine.connect() as conn:
        users = set(conn.scalars(select(User.username)))
        leads = conn.scalar(select(func.count()).select_from(Lead))
    engine.dispose()
    assert announced == [True]
    assert users == {"admin", "sales", "marketing"}
    assert leads == 2000
    assert local_database_path().is_file()

    engine = open_database(None, seed_demo=True, on_seeded=lambda: announced.append(True))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Lead)) == 2000
    engine.dispose()
    assert announced == [True]
